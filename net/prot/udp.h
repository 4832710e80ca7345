/*
 * udp.h - UDP header (RFC 768).  Wire format only.
 */
#ifndef NET_PROT_UDP_H
#define NET_PROT_UDP_H

#include <stdint.h>

struct udp_hdr {
    uint8_t sport[2];
    uint8_t dport[2];
    uint8_t len[2];    /* header + data */
    uint8_t chksum[2]; /* over pseudo-header, header and data; 0 = none */
};
_Static_assert(sizeof(struct udp_hdr) == 8, "UDP header is 8 bytes");

#define UDP_HLEN ((uint16_t)sizeof(struct udp_hdr))

#define UDP_PORT_ECHO 7u
#define UDP_PORT_DHCP_SERVER 67u
#define UDP_PORT_DHCP_CLIENT 68u

#endif /* NET_PROT_UDP_H */
