/*
 * netbuf.h - a one-segment packet buffer with headroom (after lwIP's pbuf).
 *
 * The storage belongs to whoever produced the buffer (the driver's RX ring or
 * its TX pool) and is handed back through release().  The stack moves `off`
 * and `len` to pull headers off on receive and to push them on in front of
 * the payload on transmit, so a frame is never copied between layers.
 *
 * Invariant kept by these helpers (and assumed of every buffer a driver
 * hands in): off + len <= cap.
 *
 * Ownership: exactly one party owns a netbuf at a time.  Passing it to
 * netif_input() or netif_ops.output() passes ownership; the owner at the end
 * calls netbuf_release() exactly once.
 *
 * Checksum metadata (csum_flags, csum_start, csum_offset) is how the stack
 * and a driver that can offload the transport checksum (virtio-net's
 * VIRTIO_NET_F_CSUM / GUEST_CSUM) talk about it without knowing each other.
 * csum_start is an offset in buf (not from off), so it stays right while
 * headers are pushed and pulled.
 *   Receive (the driver sets csum_flags on every frame it hands up; 0 means
 *   nothing is known and the stack verifies every checksum):
 *     NETBUF_CSUM_VALID    the device verified the transport (UDP, ICMP)
 *                          checksum; the IPv4 header checksum is not covered
 *     NETBUF_CSUM_PARTIAL  the transport checksum is incomplete: the 16-bit
 *                          field at csum_start + csum_offset holds only the
 *                          pseudo-header sum, and the data is vouched intact
 *                          by the device (a frame the host itself sent);
 *                          the driver has checked that the field lies inside
 *                          the frame, the stack checks that it is the
 *                          transport header's checksum field
 *   Transmit (the stack sets it only when the netif offers
 *   NETIF_OFFLOAD_TX_CSUM, and clears it otherwise):
 *     NETBUF_CSUM_PARTIAL  the driver must finish the checksum: the ones'
 *                          complement sum from csum_start to the end of the
 *                          frame, stored (complemented, 0 sent as 0xffff) at
 *                          csum_start + csum_offset, where the stack put the
 *                          pseudo-header sum
 */
#ifndef NET_NETBUF_H
#define NET_NETBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netbuf {
    uint8_t *buf;  /* storage start (DMA-able memory owned by the driver) */
    uint16_t cap;  /* storage size */
    uint16_t off;  /* packet start within buf */
    uint16_t len;  /* packet length */
    uint8_t csum_flags;   /* NETBUF_CSUM_*, see above */
    uint16_t csum_start;  /* with NETBUF_CSUM_PARTIAL: offset in buf where the sum starts */
    uint16_t csum_offset; /* ... and where the checksum field is, from csum_start */
    uint16_t slot; /* for the owner's use (virtio-net: the buffer's index) */
    /* Hand the buffer back to its owner: the driver's RX ring or TX pool. */
    void (*release)(struct netbuf *nb);
    void *owner;   /* for the owner's use */
    /* For the stack's queues (ARP pending); the owner must not rely on it
     * while the stack holds the buffer. */
    struct netbuf *next;
};

#define NETBUF_CSUM_PARTIAL 0x01u
#define NETBUF_CSUM_VALID 0x02u

static inline uint8_t *netbuf_data(struct netbuf *nb)
{
    return nb->buf + nb->off;
}

/* Bytes free after the packet. */
static inline uint16_t netbuf_tailroom(const struct netbuf *nb)
{
    return (uint16_t)(nb->cap - nb->off - nb->len);
}

/* Prepend n bytes (a header); false if there is not that much headroom. */
static inline bool netbuf_push(struct netbuf *nb, uint16_t n)
{
    if (nb->off < n)
        return false;
    nb->off = (uint16_t)(nb->off - n);
    nb->len = (uint16_t)(nb->len + n);
    return true;
}

/* Drop n bytes from the front; false (and no change) if len < n. */
static inline bool netbuf_pull(struct netbuf *nb, uint16_t n)
{
    if (nb->len < n)
        return false;
    nb->off = (uint16_t)(nb->off + n);
    nb->len = (uint16_t)(nb->len - n);
    return true;
}

/* Shorten the packet to len bytes if it is longer (link-layer padding). */
static inline void netbuf_trim(struct netbuf *nb, uint16_t len)
{
    if (nb->len > len)
        nb->len = len;
}

static inline void netbuf_release(struct netbuf *nb)
{
    nb->next = NULL;
    nb->release(nb);
}

#endif /* NET_NETBUF_H */
