/*
 * virtqueue_packed.c - the packed ring format (virtio 1.2, 2.8) behind
 * virtqueue.c: one descriptor ring written by both sides, and the driver
 * and device event suppression structures (virtio_ring.h).
 *
 * Positions are free-running u16 counters (avail_idx: descriptors made
 * available; last_used: where the next used descriptor will appear); the
 * 2.8.1 wrap counters are derived from them, which needs a power-of-two
 * queue size (virtqueue_create enforces it for both formats).
 *
 * Buffer ids: one per descriptor as in the split ring (virtqueue.c's free
 * list); a chain carries its head's id in every descriptor (2.8.6 asks for
 * the last).  The device writes one used descriptor per chain, at its own
 * next used position, and skips the rest of the chain (2.8.2, 2.8.6): the
 * driver steps by the chain length it kept in the shadow, never by
 * anything read from the ring.
 *
 * What the device writes is checked before use: the flags of the
 * descriptor at last_used must be exactly one of the two values the
 * protocol allows there (our own available descriptor of this lap, or a
 * used one with this lap's wrap counter - anything else is a wrap-counter
 * fault, counted in bad_wrap, or a used descriptor with nothing
 * outstanding, counted in idx_jump); id and len are checked in
 * virtqueue.c.  A used descriptor without WRITE has a reserved length
 * (2.8.4), but QEMU never sets WRITE and puts the real length there: a
 * length that fits what was posted is used, one that does not is ignored
 * (counted), never trusted.
 *
 * Barriers:
 *   plat_dma_wmb  before the head descriptor's flags: its addr, len, id
 *                 and every later descriptor of the chain first (2.8.21.1)
 *   plat_dma_rmb  after seeing a used descriptor's flags, before its id
 *                 and len (2.8.22, receiving used buffers)
 *   plat_dma_mb   after moving the driver event offset on while
 *                 callbacks are on, before the next used descriptor is
 *                 read (the store->load race; the re-arm paths get theirs
 *                 in virtqueue.c)
 *   plat_dma_wmb  between the event offset and the DESC flag, so the
 *                 device never sees DESC with a stale offset
 *
 * Assumes a dma-coherent device: both sides write 16-byte descriptors that
 * share cache lines, which cache maintenance cannot keep apart
 * (virtqueue_create refuses packed without dma_coherent and the core does
 * not negotiate it then).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"
#include "virtio_errno.h"
#include "virtio_ring.h"
#include "virtqueue_impl.h"

static struct vring_packed_desc *pk_desc(const struct virtqueue *vq)
{
    return vq->desc;
}

static struct vring_packed_event *pk_driver(const struct virtqueue *vq)
{
    return vq->driver_area;
}

static struct vring_packed_event *pk_device(const struct virtqueue *vq)
{
    return vq->device_area;
}

/* AVAIL/USED bits that make the descriptor at counter c available (2.8.1). */
static uint16_t pk_avail_bits(const struct virtqueue *vq, uint16_t c)
{
    return vring_packed_wrap(c, vq->num) ? VRING_PACKED_DESC_F_AVAIL : VRING_PACKED_DESC_F_USED;
}

static void pk_layout(unsigned num, size_t off[3], size_t *size, size_t *align)
{
    struct vring_packed_layout l;

    vring_packed_layout_compute(num, &l);
    off[0] = l.desc_off;
    off[1] = l.driver_off;
    off[2] = l.device_off;
    *size = l.size;
    *align = 64; /* 2.8.10.1 asks for 16 (ring) and 4 (event structures) */
}

static void pk_set_event_flags(struct virtqueue *vq, uint16_t flags)
{
    if (vq->drv_flags == flags)
        return;
    vq->drv_flags = flags;
    vr_store16(&pk_driver(vq)->flags, flags);
}

static void pk_init(struct virtqueue *vq)
{
    /* The ring is zeroed: flags 0 read as "used in the lap before the
     * first" against the initial wrap counter 1. */
    if (!vq->cb_enabled)
        vq->drv_flags = VRING_PACKED_EVENT_FLAG_DISABLE;
    else if (vq->event_idx)
        vq->drv_flags = VRING_PACKED_EVENT_FLAG_DESC;
    else
        vq->drv_flags = VRING_PACKED_EVENT_FLAG_ENABLE;
    vr_store16(&pk_driver(vq)->off_wrap, vring_packed_off_wrap(vq->last_used, vq->num));
    vr_store16(&pk_driver(vq)->flags, vq->drv_flags);
}

static void pk_ind_entry(struct virtqueue *vq, void *table, unsigned i, plat_busaddr_t addr,
                         uint32_t len, bool write, bool more)
{
    struct vring_packed_desc *d = (struct vring_packed_desc *)table + i;

    (void)vq;
    (void)more; /* 2.8.7: the table's extent is its length; WRITE is the only flag */
    vr_store64(&d->addr, addr);
    vr_store32(&d->len, len);
    vr_store16(&d->id, 0);
    vr_store16(&d->flags, write ? VRING_DESC_F_WRITE : 0u);
}

void vq_packed_publish(struct virtqueue *vq, uint16_t head, unsigned n, bool indirect)
{
    struct vring_packed_desc *desc = pk_desc(vq);
    uint16_t c = vq->avail_idx, id = head, head_flags = 0;
    unsigned i, ndesc = indirect ? 1u : n;

    for (i = 0; i < ndesc; i++) {
        const struct vq_shadow *s = &vq->sh[id];
        struct vring_packed_desc *d = &desc[(uint16_t)(c + i) & vq->mask];
        uint16_t fl = (uint16_t)(s->flags | pk_avail_bits(vq, (uint16_t)(c + i)));

        vr_store64(&d->addr, plat_bus_addr(s->addr));
        vr_store32(&d->len, s->len);
        vr_store16(&d->id, head);
        if (i == 0)
            head_flags = fl; /* last, below */
        else
            vr_store16(&d->flags, fl);
        id = s->next;
    }
    /* 2.8.21.1: the whole chain before the head's flags expose it. */
    plat_dma_wmb();
    vr_store16(&desc[c & vq->mask].flags, head_flags);
    vq->avail_idx = (uint16_t)(c + ndesc);
}

/* The device's event structure, both halves from one aligned 32-bit load
 * (it is 4-byte aligned: 2.8.10, vring_packed_layout_compute).  The device
 * writes off_wrap before flags; read as two loads, which the CPU may
 * reorder, the new flags could pair with the old off_wrap and skip the
 * notification the device waits for.  Linux reads it whole as well. */
static uint16_t pk_device_event(const struct virtqueue *vq, uint16_t *off_wrap)
{
    uint32_t w = vr_load32((const le32 *)(const void *)pk_device(vq));
    *off_wrap = (uint16_t)w; /* little-endian: off_wrap is the low half */
    return (uint16_t)(w >> 16);
}

bool vq_packed_kick_needed(struct virtqueue *vq)
{
    uint16_t off_wrap, flags = pk_device_event(vq, &off_wrap);

    if (!vq->event_idx || flags != VRING_PACKED_EVENT_FLAG_DESC)
        return flags != VRING_PACKED_EVENT_FLAG_DISABLE; /* reserved values notify */
    if (vq->added_since_kick >= 2u * vq->num)
        return true; /* the window is too wide for the modulo test */
    if ((off_wrap & VRING_PACKED_EVENT_OFF_MASK) >= vq->num)
        return true; /* names no descriptor: notify rather than stall */
    return vring_packed_need_event(off_wrap, vq->avail_idx, vq->kicked_idx, vq->num);
}

enum { PK_NOT_USED, PK_USED, PK_BAD_WRAP, PK_UNEXPECTED };

/*
 * What the descriptor at counter c (at or after last_used, at most
 * avail_idx) shows.  If c < avail_idx our own descriptor of this lap is
 * there until the device overwrites it with a used one of this lap's wrap
 * counter; if c == avail_idx it holds the lap before's: ours, or used with
 * that lap's counter (zeroes before the first lap read as the latter).
 */
static int pk_classify(const struct virtqueue *vq, uint16_t c, uint16_t *flags_out)
{
    uint16_t flags = vr_load16(&pk_desc(vq)[c & vq->mask].flags);
    bool a = (flags & VRING_PACKED_DESC_F_AVAIL) != 0;
    bool u = (flags & VRING_PACKED_DESC_F_USED) != 0;
    bool w = vring_packed_wrap(c, vq->num);
    bool in_flight = c != vq->avail_idx;

    *flags_out = flags;
    if (in_flight) {
        if (a == u)
            return u == w ? PK_USED : PK_BAD_WRAP;
        return a == w ? PK_NOT_USED : PK_BAD_WRAP;
    }
    if (a == u)
        return u == w ? PK_UNEXPECTED : PK_NOT_USED;
    return a == w ? PK_BAD_WRAP : PK_NOT_USED;
}

int vq_packed_next_used(struct virtqueue *vq, struct vq_used *u)
{
    struct vring_packed_desc *d = &pk_desc(vq)[vq->last_used & vq->mask];
    uint16_t flags;

    switch (pk_classify(vq, vq->last_used, &flags)) {
    case PK_NOT_USED:
        return 0;
    case PK_BAD_WRAP:
        vq_mark_broken(vq, &vq->st.bad_wrap, "descriptor flags against the wrap counter", flags,
                       vq->last_used);
        return VIRTIO_EIO;
    case PK_UNEXPECTED:
        vq_mark_broken(vq, &vq->st.idx_jump, "used descriptor with nothing outstanding", flags,
                       vq->last_used);
        return VIRTIO_EIO;
    default:
        break;
    }
    /* 2.8.22: the flags before the id and len they cover. */
    plat_dma_rmb();
    u->id = vr_load16(&d->id);
    u->len = vr_load32(&d->len);
    u->len_valid = (flags & VRING_DESC_F_WRITE) != 0;
    return 1;
}

void vq_packed_used_done(struct virtqueue *vq, uint16_t ndesc)
{
    vq->last_used = (uint16_t)(vq->last_used + ndesc);
    /* EVENT_IDX, callbacks on: interrupt us at the next used descriptor -
     * and have the device see that before we look at that descriptor. */
    if (vq->event_idx && vq->drv_flags == VRING_PACKED_EVENT_FLAG_DESC) {
        vr_store16(&pk_driver(vq)->off_wrap, vring_packed_off_wrap(vq->last_used, vq->num));
        plat_dma_mb();
    }
}

/* Ring descriptors covered by used descriptors waiting from last_used on,
 * counted until they exceed limit.  Reads ahead without consuming: ids are
 * checked only enough to step safely; anything odd counts as waiting, and
 * get_used then rejects it. */
unsigned vq_packed_pending(struct virtqueue *vq, unsigned limit)
{
    uint16_t c = vq->last_used, span = (uint16_t)(vq->avail_idx - vq->last_used);
    unsigned count = 0;

    for (;;) {
        uint16_t id, flags;
        int k = pk_classify(vq, c, &flags);

        if (k == PK_NOT_USED)
            return count;
        if (k != PK_USED || limit == 0)
            return count + limit + 1;
        plat_dma_rmb();
        id = vr_load16(&pk_desc(vq)[c & vq->mask].id);
        if (id >= vq->num || vq->sh[id].state != D_HEAD)
            return count + limit + 1;
        count += vq->sh[id].ndesc;
        c = (uint16_t)(c + vq->sh[id].ndesc);
        if (count > limit || (uint16_t)(c - vq->last_used) > span)
            return count + limit + 1;
    }
}

void vq_packed_disable_cb(struct virtqueue *vq)
{
    pk_set_event_flags(vq, VRING_PACKED_EVENT_FLAG_DISABLE);
}

/* delayed (only with EVENT_IDX): after about 3/4 of the descriptors in
 * flight were used. */
uint16_t vq_packed_arm(struct virtqueue *vq, bool delayed)
{
    uint16_t skip = 0;

    if (!vq->event_idx) {
        pk_set_event_flags(vq, VRING_PACKED_EVENT_FLAG_ENABLE);
        return 0;
    }
    if (delayed)
        skip = (uint16_t)(((unsigned)vq->num - vq->num_free) * 3u / 4u);
    vr_store16(&pk_driver(vq)->off_wrap,
               vring_packed_off_wrap((uint16_t)(vq->last_used + skip), vq->num));
    if (vq->drv_flags != VRING_PACKED_EVENT_FLAG_DESC) {
        plat_dma_wmb();
        pk_set_event_flags(vq, VRING_PACKED_EVENT_FLAG_DESC);
    }
    return skip;
}

const struct vq_ring_ops vq_packed_ops = {
    .layout = pk_layout,
    .init = pk_init,
    .ind_entry = pk_ind_entry,
};
