/*
 * ethernet.h - Ethernet II frame header (IEEE 802.3 with an EtherType).
 *
 * Wire format only.  The struct is made of byte arrays so it has alignment 1,
 * no padding, and can be laid over a frame at any address; multi-byte fields
 * go through prot/be.h.
 */
#ifndef NET_PROT_ETHERNET_H
#define NET_PROT_ETHERNET_H

#include <stdbool.h>
#include <stdint.h>

#define ETH_ADDR_LEN 6

struct eth_hdr {
    uint8_t dst[ETH_ADDR_LEN];
    uint8_t src[ETH_ADDR_LEN];
    uint8_t type[2];
};
_Static_assert(sizeof(struct eth_hdr) == 14, "Ethernet header is 14 bytes");

#define ETH_HLEN ((uint16_t)sizeof(struct eth_hdr))

#define ETHTYPE_IPV4 0x0800u
#define ETHTYPE_ARP 0x0806u

/* The I/G bit: set in the first octet of group (multicast and broadcast)
 * addresses.  The U/L bit marks a locally administered address. */
#define ETH_ADDR_GROUP 0x01u
#define ETH_ADDR_LOCAL 0x02u

/* Are two addresses equal?  Inline, without a branch per byte: the firmware
 * is built strict-alignment, where memcmp() of 6 bytes stays a call. */
static inline bool eth_addr_eq(const uint8_t *a, const uint8_t *b)
{
    unsigned d = 0;
    for (int i = 0; i < ETH_ADDR_LEN; i++)
        d |= (unsigned)(a[i] ^ b[i]);
    return d == 0;
}

#endif /* NET_PROT_ETHERNET_H */
