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
    /* Hand the buffer back to its owner: the driver's RX ring or TX pool. */
    void (*release)(struct netbuf *nb);
    void *owner;   /* for the owner's use */
    /* For the stack's queues (ARP pending); the owner must not rely on it
     * while the stack holds the buffer. */
    struct netbuf *next;
};

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
