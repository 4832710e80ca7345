/*
 * virtqueue_split.c - the split ring format (virtio 1.2, 2.7) behind
 * virtqueue.c: descriptor table, avail ring and used ring in the legacy
 * contiguous layout (virtio_ring.h), which modern devices accept as well.
 * Buffer ids are descriptor indices.
 *
 * What the device writes (used->idx, used elements, used->flags,
 * avail_event) is read once and validated - used->idx here, the element's
 * id and len in virtqueue.c.  Shared descriptors are written, never read
 * back.
 *
 * Barriers (the common ones are in virtqueue.c):
 *   plat_dma_wmb  before the avail->idx store           (2.7.13.3)
 *   plat_dma_rmb  after reading used->idx, before the
 *                 used elements                         (2.7.14)
 *   plat_dma_mb   after moving used_event on in get_used
 *                 (EVENT_IDX), before the next used->idx
 *                 read - the store->load race           (2.7.10)
 * For a device without dma-coherent, shared areas are cleaned before the
 * device may read them and invalidated before the CPU reads what the device
 * wrote.  The used area starts on its own page and the allocation runs to
 * the end of its last cache line, so invalidating it never discards a
 * driver write, nor a clean puts anything stale over it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"
#include "virtio_errno.h"
#include "virtio_ring.h"
#include "virtqueue_impl.h"

static struct vring_desc *sp_desc(const struct virtqueue *vq)
{
    return vq->desc;
}

static struct vring_avail *sp_avail(const struct virtqueue *vq)
{
    return vq->driver_area;
}

static struct vring_used *sp_used(const struct virtqueue *vq)
{
    return vq->device_area;
}

static void sp_layout(unsigned num, size_t off[3], size_t *size, size_t *align)
{
    struct vring_layout l;

    vring_layout_compute(num, VRING_LEGACY_ALIGN, &l);
    off[0] = l.desc_off;
    off[1] = l.avail_off;
    off[2] = l.used_off;
    /* To the end of the used ring's last line: see PLAT_DMA_LINE. */
    *size = PLAT_DMA_LINES(l.size);
    *align = VRING_LEGACY_ALIGN;
}

static void sp_init(struct virtqueue *vq)
{
    if (!vq->cb_enabled && !vq->event_idx)
        vq->drv_flags = VRING_AVAIL_F_NO_INTERRUPT;
    vr_store16(&sp_avail(vq)->flags, vq->drv_flags);
}

static void sp_write_desc(struct vring_desc *d, plat_busaddr_t addr, uint32_t len, uint16_t flags,
                          uint16_t next)
{
    vr_store64(&d->addr, addr);
    vr_store32(&d->len, len);
    vr_store16(&d->flags, flags);
    vr_store16(&d->next, next);
}

static void sp_ind_entry(struct virtqueue *vq, void *table, unsigned i, plat_busaddr_t addr,
                         uint32_t len, bool write, bool more)
{
    (void)vq;
    sp_write_desc((struct vring_desc *)table + i, addr, len,
                  (uint16_t)((write ? VRING_DESC_F_WRITE : 0u) | (more ? VRING_DESC_F_NEXT : 0u)),
                  (uint16_t)(more ? i + 1 : 0));
}

void vq_split_publish(struct virtqueue *vq, uint16_t head, unsigned n, bool indirect)
{
    struct vring_desc *desc = sp_desc(vq);
    struct vring_avail *avail = sp_avail(vq);
    uint16_t id = head, slot;
    unsigned i;

    if (indirect) {
        const struct vq_shadow *s = &vq->sh[head];

        /* 2.7.5.3.1: INDIRECT alone - never with NEXT, WRITE is ignored */
        sp_write_desc(&desc[head], plat_bus_addr(s->addr), s->len, VRING_DESC_F_INDIRECT, 0);
        vq_clean(vq, &desc[head], sizeof(desc[head]));
    } else {
        for (i = 0; i < n; i++) {
            const struct vq_shadow *s = &vq->sh[id];

            sp_write_desc(&desc[id], plat_bus_addr(s->addr), s->len, s->flags,
                          (s->flags & VRING_DESC_F_NEXT) ? s->next : 0);
            vq_clean(vq, &desc[id], sizeof(desc[id]));
            id = s->next;
        }
    }

    slot = (uint16_t)(vq->avail_idx & vq->mask);
    vr_store16(&avail->ring[slot], head);
    vq_clean(vq, &avail->ring[slot], sizeof(avail->ring[slot]));

    /* 2.7.13.3: descriptors and the ring entry before the index. */
    plat_dma_wmb();
    vq->avail_idx++;
    vr_store16(&avail->idx, vq->avail_idx);
    vq_clean(vq, &avail->idx, sizeof(avail->idx));
}

bool vq_split_kick_needed(struct virtqueue *vq)
{
    struct vring_used *used = sp_used(vq);
    le16 *avail_event = vring_avail_event(used, vq->num);

    if (vq->added_since_kick >= 0xffffu)
        return true; /* the window is too wide for the u16 test */
    if (vq->event_idx) {
        vq_inval(vq, avail_event, sizeof(*avail_event));
        return vring_need_event(vr_load16(avail_event), vq->avail_idx, vq->kicked_idx);
    }
    vq_inval(vq, &used->flags, sizeof(used->flags));
    return !(vr_load16(&used->flags) & VRING_USED_F_NO_NOTIFY);
}

static uint16_t sp_used_idx(struct virtqueue *vq)
{
    struct vring_used *used = sp_used(vq);

    vq_inval(vq, &used->idx, sizeof(used->idx));
    return vr_load16(&used->idx);
}

int vq_split_next_used(struct virtqueue *vq, struct vq_used *u)
{
    struct vring_used *used = sp_used(vq);
    uint16_t used_idx = sp_used_idx(vq), pending, slot;

    if (used_idx == vq->last_used)
        return 0;
    pending = (uint16_t)(used_idx - vq->last_used);
    if (pending > vq->outstanding) {
        vq_mark_broken(vq, &vq->st.idx_jump, "used idx jumped", used_idx, vq->last_used);
        return VIRTIO_EIO;
    }
    /* 2.7.14: used->idx before the element it covers. */
    plat_dma_rmb();
    slot = (uint16_t)(vq->last_used & vq->mask);
    vq_inval(vq, &used->ring[slot], sizeof(used->ring[slot]));
    u->id = vr_load32(&used->ring[slot].id);
    u->len = vr_load32(&used->ring[slot].len);
    u->len_valid = true;
    return 1;
}

void vq_split_used_done(struct virtqueue *vq, uint16_t ndesc)
{
    le16 *used_event = vring_used_event(sp_avail(vq), vq->num);

    (void)ndesc;
    vq->last_used++;
    /* With EVENT_IDX and callbacks on: interrupt us for the next entry.
     * While callbacks are off, used_event is left stale on purpose.  The
     * store must be visible before our next used->idx load (2.7.10): if
     * that load could pass it, an entry the device adds in between would
     * be judged against the old used_event - no interrupt - while we saw
     * no entry either, and it would sit in the ring until something else
     * woke us.  A store->load order needs the full barrier. */
    if (vq->event_idx && vq->cb_enabled) {
        vr_store16(used_event, vq->last_used);
        vq_clean(vq, used_event, sizeof(*used_event));
        plat_dma_mb();
    }
}

unsigned vq_split_pending(struct virtqueue *vq, unsigned limit)
{
    (void)limit;
    return (uint16_t)(sp_used_idx(vq) - vq->last_used);
}

void vq_split_disable_cb(struct virtqueue *vq)
{
    struct vring_avail *avail = sp_avail(vq);

    if (!vq->event_idx) {
        vq->drv_flags |= VRING_AVAIL_F_NO_INTERRUPT;
        vr_store16(&avail->flags, vq->drv_flags);
        vq_clean(vq, &avail->flags, sizeof(avail->flags));
    }
}

/* delayed (only with EVENT_IDX): after about 3/4 of the outstanding chains. */
uint16_t vq_split_arm(struct virtqueue *vq, bool delayed)
{
    struct vring_avail *avail = sp_avail(vq);
    le16 *used_event = vring_used_event(avail, vq->num);
    uint16_t skip = delayed ? (uint16_t)((vq->outstanding * 3u) / 4u) : 0;

    if (vq->event_idx) {
        vr_store16(used_event, (uint16_t)(vq->last_used + skip));
        vq_clean(vq, used_event, sizeof(*used_event));
    } else if (vq->drv_flags & VRING_AVAIL_F_NO_INTERRUPT) {
        vq->drv_flags = (uint16_t)(vq->drv_flags & ~VRING_AVAIL_F_NO_INTERRUPT);
        vr_store16(&avail->flags, vq->drv_flags);
        vq_clean(vq, &avail->flags, sizeof(avail->flags));
    }
    return skip;
}

const struct vq_ring_ops vq_split_ops = {
    .layout = sp_layout,
    .init = sp_init,
    .ind_entry = sp_ind_entry,
};
