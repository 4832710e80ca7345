/*
 * tcp.h - TCP header (RFC 9293 section 3.1) and the options we read or
 * write.  Wire format only; the connections are net/tcp.h.
 */
#ifndef NET_PROT_TCP_H
#define NET_PROT_TCP_H

#include <stdint.h>

struct tcp_hdr {
    uint8_t sport[2];
    uint8_t dport[2];
    uint8_t seq[4];
    uint8_t ack[4];
    uint8_t off;       /* data offset in 32-bit words (high nibble); reserved */
    uint8_t flags;     /* CWR ECE URG ACK PSH RST SYN FIN */
    uint8_t wnd[2];
    uint8_t chksum[2]; /* over pseudo-header, header and data */
    uint8_t urp[2];
    /* options, up to 40 bytes, then data */
};
_Static_assert(sizeof(struct tcp_hdr) == 20, "TCP header without options is 20 bytes");

#define TCP_HLEN ((uint16_t)sizeof(struct tcp_hdr))
#define TCP_HLEN_MAX 60u

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_RST 0x04u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u
#define TCP_URG 0x20u

#define TCP_OPT_END 0u
#define TCP_OPT_NOP 1u
#define TCP_OPT_MSS 2u
#define TCP_OPT_MSS_LEN 4u


#endif /* NET_PROT_TCP_H */
