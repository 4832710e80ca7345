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
 * is built strict-alignment, where memcmp() of 6 bytes stays a call.  Both
 * 2-aligned (a frame's addresses, in a buffer whose virtio header has an
 * even length, and the interface's own): three halfword loads each. */
static inline bool eth_addr_eq(const uint8_t *a, const uint8_t *b)
{
    unsigned d = 0;
    if ((((uintptr_t)a | (uintptr_t)b) & 1u) == 0) {
        const uint8_t *x = __builtin_assume_aligned(a, 2), *y = __builtin_assume_aligned(b, 2);
        uint16_t x0, x1, x2, y0, y1, y2;
        __builtin_memcpy(&x0, x, 2);
        __builtin_memcpy(&x1, x + 2, 2);
        __builtin_memcpy(&x2, x + 4, 2);
        __builtin_memcpy(&y0, y, 2);
        __builtin_memcpy(&y1, y + 2, 2);
        __builtin_memcpy(&y2, y + 4, 2);
        return ((x0 ^ y0) | (x1 ^ y1) | (x2 ^ y2)) == 0;
    }
    for (int i = 0; i < ETH_ADDR_LEN; i++)
        d |= (unsigned)(a[i] ^ b[i]);
    return d == 0;
}

/* Copy an address (the two must not overlap): three halfwords when both
 * are 2-aligned, else bytes.  memcpy() of 6 bytes of unknown alignment is a
 * library call in a strict-alignment build (arm: ~35 instructions). */
static inline void eth_addr_copy(uint8_t *d, const uint8_t *s)
{
    if ((((uintptr_t)d | (uintptr_t)s) & 1u) == 0) {
        uint8_t *x = __builtin_assume_aligned(d, 2);
        const uint8_t *y = __builtin_assume_aligned(s, 2);
        uint16_t w0, w1, w2;
        __builtin_memcpy(&w0, y, 2);
        __builtin_memcpy(&w1, y + 2, 2);
        __builtin_memcpy(&w2, y + 4, 2);
        __builtin_memcpy(x, &w0, 2);
        __builtin_memcpy(x + 2, &w1, 2);
        __builtin_memcpy(x + 4, &w2, 2);
        return;
    }
    for (int i = 0; i < ETH_ADDR_LEN; i++)
        d[i] = s[i];
}

#endif /* NET_PROT_ETHERNET_H */
