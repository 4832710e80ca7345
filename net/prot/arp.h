/*
 * arp.h - ARP packet for IPv4 over Ethernet (RFC 826, RFC 5227 for the
 * announcement form).  Wire format only; the cache lives in net/arp.h.
 */
#ifndef NET_PROT_ARP_H
#define NET_PROT_ARP_H

#include <stdint.h>

struct arp_pkt {
    uint8_t htype[2]; /* hardware type: 1 = Ethernet */
    uint8_t ptype[2]; /* protocol type: an EtherType, 0x0800 for IPv4 */
    uint8_t hlen;     /* hardware address length: 6 */
    uint8_t plen;     /* protocol address length: 4 */
    uint8_t op[2];    /* 1 request, 2 reply */
    uint8_t sha[6];   /* sender hardware address */
    uint8_t spa[4];   /* sender protocol address */
    uint8_t tha[6];   /* target hardware address */
    uint8_t tpa[4];   /* target protocol address */
};
_Static_assert(sizeof(struct arp_pkt) == 28, "ARP for IPv4/Ethernet is 28 bytes");

#define ARP_PKT_LEN ((uint16_t)sizeof(struct arp_pkt))
#define ARP_HTYPE_ETHERNET 1u
#define ARP_HLEN_ETHERNET 6u
#define ARP_PLEN_IPV4 4u
#define ARP_OP_REQUEST 1u
#define ARP_OP_REPLY 2u

#endif /* NET_PROT_ARP_H */
