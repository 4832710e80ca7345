/*
 * virtqueue.c - split virtqueue, driver side (virtio 1.2, 2.7).
 *
 * What the device can write (used->idx, used elements, used->flags,
 * avail_event) is read once, validated, and only then used.  Everything the
 * driver needs to free a chain - links, lengths, flags, which descriptor is
 * a head - is kept in driver-private shadow state; shared descriptors are
 * written, never read back (the device may have scribbled over them).
 *
 * Barriers are at the places the spec names and nowhere else:
 *   plat_dma_wmb  before the avail->idx store           (2.7.13.3)
 *   plat_dma_mb   after publishing avail->idx, before
 *                 reading used->flags / avail_event     (2.7.13.4)
 *   plat_dma_mb   after re-enabling callbacks, before
 *                 re-reading used->idx                  (2.7.10, the race)
 *   plat_dma_mb   after moving used_event on in get_used
 *                 (EVENT_IDX), before the next used->idx
 *                 read - the same race                  (2.7.10)
 *   plat_dma_rmb  after reading used->idx, before the
 *                 used elements                         (2.7.14)
 * For a device without dma-coherent, shared areas and buffers are cleaned
 * before the device may read them and invalidated before the CPU reads what
 * the device wrote.  The used area starts on its own page, so invalidating
 * it never discards a driver write.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "plat.h"
#include "virtio_errno.h"
#include "virtio_ring.h"
#include "virtqueue.h"

/* Descriptor states in the shadow.  RETIRED = free again, and last used as
 * the head of a chain that completed: a second completion of it is a
 * duplicate rather than a stray id. */
enum { D_FREE = 0, D_HEAD, D_BODY, D_RETIRED };

struct vq_shadow {
    void *token;       /* head of an outstanding chain: the caller's token */
    void *addr;        /* CPU address of the buffer (or indirect table) */
    uint32_t len;      /* length as posted */
    uint32_t in_bytes; /* head: writable bytes posted in the whole chain */
    uint16_t next;     /* free-list link, and the chain link while in use */
    uint16_t flags;    /* VRING_DESC_F_* as posted */
    uint16_t ndesc;    /* head: ring descriptors the chain occupies */
    uint16_t nsg;      /* head of an indirect chain: table entries */
    uint8_t state;     /* D_* */
};

/* Only for a non-coherent device: what each indirect entry pointed at, so
 * writable parts can be invalidated on completion without reading the
 * (shared) table back. */
struct vq_ind_shadow {
    void *addr;
    uint32_t len;
    uint16_t flags;
};

struct virtqueue {
    struct vring_desc *desc;
    struct vring_avail *avail;
    struct vring_used *used;
    le16 *used_event;  /* in the avail area: written by us */
    le16 *avail_event; /* in the used area: written by the device */
    void *ring_mem;
    plat_busaddr_t ring_bus;
    struct vring_layout layout;

    struct vring_desc *ind; /* num * max_indirect descriptors, or NULL */
    plat_busaddr_t ind_bus;
    size_t ind_size;
    struct vq_ind_shadow *ind_shadow; /* non-coherent only */
    size_t ind_shadow_size;

    size_t self_size;
    const char *name;
    unsigned index;
    uint16_t num;
    uint16_t mask;
    uint16_t max_indirect;
    uint16_t free_head;
    uint16_t num_free;
    uint16_t outstanding; /* chains posted and not yet completed */
    uint16_t avail_idx;   /* shadow of avail->idx */
    uint16_t kicked_idx;  /* avail_idx at the last kick_prepare */
    uint16_t last_used;   /* next used entry to read */
    uint16_t avail_flags; /* shadow of avail->flags */
    uint32_t added_since_kick;
    bool use_indirect;
    bool event_idx;
    bool legacy;
    bool coherent;
    bool cb_enabled;
    bool broken;
    bool resetting; /* inside reset/destroy: cancel callbacks must not add */

    vq_notify_t notify;
    void *notify_arg;
    vq_callback_t callback;
    vq_cancel_t cancel;
    void *priv;

    struct vq_stats st;
    struct vq_shadow sh[]; /* [num] */
};

/* ---- cache maintenance (no-ops for a coherent device) ------------------- */

static void vq_clean(const struct virtqueue *vq, const void *p, size_t len)
{
    if (!vq->coherent)
        plat_cache_clean(p, len);
}

static void vq_inval(const struct virtqueue *vq, const void *p, size_t len)
{
    if (!vq->coherent)
        plat_cache_invalidate(p, len);
}

static void vq_buf_to_device(const struct virtqueue *vq, const void *p, uint32_t len, bool writable)
{
    if (vq->coherent)
        return;
    /* Clean first even for a writable buffer: no dirty line may later be
     * evicted over what the device wrote. */
    plat_cache_clean(p, len);
    if (writable)
        plat_cache_invalidate(p, len);
}

/* ---- set-up --------------------------------------------------------------- */

static void vq_mark_broken(struct virtqueue *vq, uint32_t *counter, const char *what, uint32_t a,
                           uint32_t b)
{
    (*counter)++;
    if (!vq->broken)
        plat_log("virtqueue %s: %s (%lu, %lu): queue marked broken", vq->name ? vq->name : "?",
                 what, (unsigned long)a, (unsigned long)b);
    vq->broken = true;
}

/* Zero the shared areas and the shadow, rebuild the free list. */
static void vq_init_state(struct virtqueue *vq)
{
    unsigned i;

    memset(vq->ring_mem, 0, vq->layout.size);
    memset(vq->sh, 0, (size_t)vq->num * sizeof(vq->sh[0]));
    for (i = 0; i < vq->num; i++)
        vq->sh[i].next = (uint16_t)(i + 1); /* the last link is never followed */
    vq->free_head = 0;
    vq->num_free = vq->num;
    vq->outstanding = 0;
    vq->avail_idx = 0;
    vq->kicked_idx = 0;
    vq->last_used = 0;
    vq->added_since_kick = 0;
    vq->broken = false;
    vq->avail_flags = 0;
    if (!vq->cb_enabled && !vq->event_idx)
        vq->avail_flags = VRING_AVAIL_F_NO_INTERRUPT;
    vr_store16(&vq->avail->flags, vq->avail_flags);
    vq_clean(vq, vq->ring_mem, vq->layout.size);
}

int virtqueue_create(const struct vq_params *p, struct virtqueue **out)
{
    struct virtqueue *vq;
    plat_busaddr_t bus;
    size_t self_size;
    unsigned num;

    if (!p || !out || !p->notify)
        return VIRTIO_EINVAL;
    num = p->num;
    if (num == 0 || num > VRING_MAX_SIZE || (num & (num - 1)) != 0)
        return VIRTIO_EINVAL;

    self_size = sizeof(*vq) + (size_t)num * sizeof(vq->sh[0]);
    vq = plat_dma_alloc(self_size, 64, &bus);
    if (!vq)
        goto fail;
    memset(vq, 0, self_size);
    vq->self_size = self_size;
    vq->name = p->name;
    vq->index = p->index;
    vq->num = (uint16_t)num;
    vq->mask = (uint16_t)(num - 1);
    vq->coherent = p->dma_coherent;
    vq->event_idx = p->event_idx;
    vq->legacy = p->legacy;
    vq->cb_enabled = true;
    vq->notify = p->notify;
    vq->notify_arg = p->notify_arg;
    vq->callback = p->callback;
    vq->cancel = p->cancel;
    vq->priv = p->priv;

    vring_layout_compute(num, VRING_LEGACY_ALIGN, &vq->layout);
    vq->ring_mem = plat_dma_alloc(vq->layout.size, VRING_LEGACY_ALIGN, &vq->ring_bus);
    if (!vq->ring_mem)
        goto fail_self;
    vq->desc = (struct vring_desc *)(void *)((uint8_t *)vq->ring_mem + vq->layout.desc_off);
    vq->avail = (struct vring_avail *)(void *)((uint8_t *)vq->ring_mem + vq->layout.avail_off);
    vq->used = (struct vring_used *)(void *)((uint8_t *)vq->ring_mem + vq->layout.used_off);
    vq->used_event = vring_used_event(vq->avail, num);
    vq->avail_event = vring_avail_event(vq->used, num);

    if (p->indirect && p->max_indirect > 1) {
        vq->max_indirect = p->max_indirect > num ? (uint16_t)num : p->max_indirect;
        vq->ind_size = (size_t)num * vq->max_indirect * sizeof(struct vring_desc);
        vq->ind = plat_dma_alloc(vq->ind_size, 16, &vq->ind_bus);
        if (!vq->ind)
            goto fail_ring;
        if (!vq->coherent) {
            vq->ind_shadow_size = (size_t)num * vq->max_indirect * sizeof(struct vq_ind_shadow);
            vq->ind_shadow = plat_dma_alloc(vq->ind_shadow_size, 16, &bus);
            if (!vq->ind_shadow)
                goto fail_ind;
        }
    }
    vq->use_indirect = vq->ind != NULL;

    vq_init_state(vq);
    *out = vq;
    return 0;

fail_ind:
    plat_dma_free(vq->ind, vq->ind_size);
fail_ring:
    plat_dma_free(vq->ring_mem, vq->layout.size);
fail_self:
    plat_dma_free(vq, self_size);
fail:
    return VIRTIO_ENOMEM;
}

/* Hand every outstanding token back (device no longer owns the buffers). */
static void vq_cancel_all(struct virtqueue *vq)
{
    unsigned i;

    vq->resetting = true;
    for (i = 0; i < vq->num; i++) {
        struct vq_shadow *s = &vq->sh[i];
        void *tok;

        if (s->state != D_HEAD || !s->token)
            continue;
        tok = s->token;
        s->token = NULL;
        s->state = D_FREE;
        vq->st.cancelled++;
        if (vq->cancel)
            vq->cancel(vq, tok, vq->priv);
    }
    vq->resetting = false;
}

void virtqueue_reset(struct virtqueue *vq, bool indirect, bool event_idx)
{
    if (!vq)
        return;
    vq_cancel_all(vq);
    vq->use_indirect = indirect && vq->ind != NULL;
    vq->event_idx = event_idx;
    vq_init_state(vq);
}

void virtqueue_destroy(struct virtqueue *vq)
{
    if (!vq)
        return;
    vq_cancel_all(vq);
    if (vq->ind_shadow)
        plat_dma_free(vq->ind_shadow, vq->ind_shadow_size);
    if (vq->ind)
        plat_dma_free(vq->ind, vq->ind_size);
    plat_dma_free(vq->ring_mem, vq->layout.size);
    plat_dma_free(vq, vq->self_size);
}

plat_busaddr_t virtqueue_desc_addr(const struct virtqueue *vq)
{
    return vq->ring_bus + vq->layout.desc_off;
}

plat_busaddr_t virtqueue_avail_addr(const struct virtqueue *vq)
{
    return vq->ring_bus + vq->layout.avail_off;
}

plat_busaddr_t virtqueue_used_addr(const struct virtqueue *vq)
{
    return vq->ring_bus + vq->layout.used_off;
}

unsigned virtqueue_size(const struct virtqueue *vq)
{
    return vq->num;
}

unsigned virtqueue_index(const struct virtqueue *vq)
{
    return vq->index;
}

const char *virtqueue_name(const struct virtqueue *vq)
{
    return vq->name;
}

void *virtqueue_priv(const struct virtqueue *vq)
{
    return vq->priv;
}

/* ---- posting -------------------------------------------------------------- */

static void vq_write_desc(struct virtqueue *vq, struct vring_desc *d, plat_busaddr_t addr,
                          uint32_t len, uint16_t flags, uint16_t next)
{
    vr_store64(&d->addr, addr);
    vr_store32(&d->len, len);
    vr_store16(&d->flags, flags);
    vr_store16(&d->next, next);
    (void)vq;
}

int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n_out, unsigned n_in,
                  void *token)
{
    uint64_t in_bytes = 0;
    unsigned n, i, need;
    uint16_t head, idx;
    bool indirect;

    if (!vq || !bufs || !token)
        return VIRTIO_EINVAL;
    if (vq->broken)
        return VIRTIO_EIO;
    if (vq->resetting)
        return VIRTIO_EBUSY;
    if (n_out > vq->num || n_in > vq->num || n_out + n_in > vq->num)
        return VIRTIO_E2BIG; /* 2.7.13.1: no chain longer than the queue */
    n = n_out + n_in;
    if (n == 0)
        return VIRTIO_EINVAL;
    for (i = 0; i < n; i++) {
        if (!bufs[i].addr || bufs[i].len == 0)
            return VIRTIO_EINVAL;
        if (i >= n_out)
            in_bytes += bufs[i].len;
    }
    if (in_bytes > UINT32_MAX)
        return VIRTIO_E2BIG;

    indirect = vq->use_indirect && n > 1 && n <= vq->max_indirect;
    need = indirect ? 1u : n;
    if (vq->num_free < need) {
        vq->st.full++;
        return VIRTIO_ENOSPC;
    }

    head = vq->free_head;
    if (indirect) {
        struct vring_desc *tbl = vq->ind + (size_t)head * vq->max_indirect;
        struct vq_ind_shadow *ish =
            vq->ind_shadow ? vq->ind_shadow + (size_t)head * vq->max_indirect : NULL;

        for (i = 0; i < n; i++) {
            bool w = i >= n_out;
            uint16_t fl = (uint16_t)((w ? VRING_DESC_F_WRITE : 0u) |
                                     (i + 1 < n ? VRING_DESC_F_NEXT : 0u));

            vq_write_desc(vq, &tbl[i], plat_bus_addr(bufs[i].addr), bufs[i].len, fl,
                          (uint16_t)(i + 1 < n ? i + 1 : 0));
            if (ish) {
                ish[i].addr = bufs[i].addr;
                ish[i].len = bufs[i].len;
                ish[i].flags = fl;
            }
            vq_buf_to_device(vq, bufs[i].addr, bufs[i].len, w);
        }
        vq_clean(vq, tbl, (size_t)n * sizeof(*tbl));
        /* 2.7.5.3.1: INDIRECT alone - never with NEXT, WRITE is ignored */
        vq_write_desc(vq, &vq->desc[head],
                      vq->ind_bus + (size_t)head * vq->max_indirect * sizeof(struct vring_desc),
                      (uint32_t)(n * sizeof(struct vring_desc)), VRING_DESC_F_INDIRECT, 0);
        vq_clean(vq, &vq->desc[head], sizeof(vq->desc[head]));
        vq->sh[head].addr = tbl;
        vq->sh[head].len = (uint32_t)(n * sizeof(struct vring_desc));
        vq->sh[head].flags = VRING_DESC_F_INDIRECT;
        vq->sh[head].nsg = (uint16_t)n;
        vq->sh[head].ndesc = 1;
        vq->free_head = vq->sh[head].next;
        vq->st.added_indirect++;
    } else {
        /* The free list's links become the chain's links. */
        idx = head;
        for (i = 0; i < n; i++) {
            struct vq_shadow *s = &vq->sh[idx];
            bool w = i >= n_out;
            bool more = i + 1 < n;
            uint16_t fl =
                (uint16_t)((w ? VRING_DESC_F_WRITE : 0u) | (more ? VRING_DESC_F_NEXT : 0u));

            vq_write_desc(vq, &vq->desc[idx], plat_bus_addr(bufs[i].addr), bufs[i].len, fl,
                          more ? s->next : 0);
            vq_clean(vq, &vq->desc[idx], sizeof(vq->desc[idx]));
            s->addr = bufs[i].addr;
            s->len = bufs[i].len;
            s->flags = fl;
            s->state = i == 0 ? D_HEAD : D_BODY;
            s->token = NULL;
            vq_buf_to_device(vq, bufs[i].addr, bufs[i].len, w);
            idx = s->next;
        }
        vq->free_head = idx;
        vq->sh[head].nsg = 0;
        vq->sh[head].ndesc = (uint16_t)n;
    }
    vq->sh[head].state = D_HEAD;
    vq->sh[head].token = token;
    vq->sh[head].in_bytes = (uint32_t)in_bytes;
    vq->num_free = (uint16_t)(vq->num_free - need);
    vq->outstanding++;

    idx = (uint16_t)(vq->avail_idx & vq->mask);
    vr_store16(&vq->avail->ring[idx], head);
    vq_clean(vq, &vq->avail->ring[idx], sizeof(vq->avail->ring[idx]));

    /* 2.7.13.3: descriptors and the ring entry before the index. */
    plat_dma_wmb();
    vq->avail_idx++;
    vr_store16(&vq->avail->idx, vq->avail_idx);
    vq_clean(vq, &vq->avail->idx, sizeof(vq->avail->idx));

    vq->added_since_kick++;
    vq->st.added++;
    return 0;
}

bool virtqueue_kick_prepare(struct virtqueue *vq)
{
    uint16_t old, new_idx;
    uint32_t added;
    bool needed;

    if (!vq || vq->broken)
        return false;
    /* 2.7.13.4: the avail->idx store before reading flags / avail_event. */
    plat_dma_mb();
    old = vq->kicked_idx;
    new_idx = vq->avail_idx;
    added = vq->added_since_kick;
    vq->kicked_idx = new_idx;
    vq->added_since_kick = 0;
    if (added == 0)
        return false;

    if (added >= 0xffffu) {
        needed = true; /* the window is too wide for the u16 test */
    } else if (vq->event_idx) {
        vq_inval(vq, vq->avail_event, sizeof(*vq->avail_event));
        needed = vring_need_event(vr_load16(vq->avail_event), new_idx, old);
    } else {
        vq_inval(vq, &vq->used->flags, sizeof(vq->used->flags));
        needed = !(vr_load16(&vq->used->flags) & VRING_USED_F_NO_NOTIFY);
    }
    if (!needed)
        vq->st.kicks_suppressed++;
    return needed;
}

void virtqueue_notify(struct virtqueue *vq)
{
    if (!vq || vq->broken)
        return;
    vq->st.kicks++;
    vq->notify(vq->notify_arg, vq->index);
}

bool virtqueue_kick(struct virtqueue *vq)
{
    if (!virtqueue_kick_prepare(vq))
        return false;
    virtqueue_notify(vq);
    return true;
}

/* ---- completion ----------------------------------------------------------- */

/* Return a chain's descriptors to the free list using only the shadow. */
static void vq_free_chain(struct virtqueue *vq, uint16_t head)
{
    struct vq_shadow *hs = &vq->sh[head];
    uint16_t n = hs->ndesc, idx = head, k;

    if (!vq->coherent) {
        if (hs->flags & VRING_DESC_F_INDIRECT) {
            const struct vq_ind_shadow *ish = vq->ind_shadow + (size_t)head * vq->max_indirect;

            for (k = 0; k < hs->nsg; k++)
                if (ish[k].flags & VRING_DESC_F_WRITE)
                    plat_cache_invalidate(ish[k].addr, ish[k].len);
        } else {
            for (k = 0, idx = head; k < n; k++, idx = vq->sh[idx].next)
                if (vq->sh[idx].flags & VRING_DESC_F_WRITE)
                    plat_cache_invalidate(vq->sh[idx].addr, vq->sh[idx].len);
        }
    }

    idx = head;
    for (k = 0;; k++) {
        struct vq_shadow *s = &vq->sh[idx];

        s->state = k == 0 ? D_RETIRED : D_FREE;
        s->token = NULL;
        if (k + 1 >= n)
            break;
        idx = s->next;
    }
    vq->sh[idx].next = vq->free_head; /* idx is the tail */
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + n);
    vq->outstanding--;
}

bool virtqueue_more_used(struct virtqueue *vq)
{
    if (!vq || vq->broken)
        return false;
    vq_inval(vq, &vq->used->idx, sizeof(vq->used->idx));
    return vr_load16(&vq->used->idx) != vq->last_used;
}

void *virtqueue_get_used(struct virtqueue *vq, uint32_t *len)
{
    uint16_t used_idx, pending, slot;
    uint32_t id, ulen;
    struct vq_shadow *s;
    void *token;

    if (!vq || vq->broken)
        return NULL;
    vq_inval(vq, &vq->used->idx, sizeof(vq->used->idx));
    used_idx = vr_load16(&vq->used->idx);
    if (used_idx == vq->last_used)
        return NULL;
    pending = (uint16_t)(used_idx - vq->last_used);
    if (pending > vq->outstanding) {
        vq_mark_broken(vq, &vq->st.idx_jump, "used idx jumped", used_idx, vq->last_used);
        return NULL;
    }

    /* 2.7.14: used->idx before the element it covers. */
    plat_dma_rmb();
    slot = (uint16_t)(vq->last_used & vq->mask);
    vq_inval(vq, &vq->used->ring[slot], sizeof(vq->used->ring[slot]));
    id = vr_load32(&vq->used->ring[slot].id);
    ulen = vr_load32(&vq->used->ring[slot].len);

    if (id >= vq->num) {
        vq_mark_broken(vq, &vq->st.bad_id, "used id out of range", id, vq->num);
        return NULL;
    }
    s = &vq->sh[id];
    if (s->state == D_RETIRED) {
        vq_mark_broken(vq, &vq->st.dup, "used id completed twice", id, 0);
        return NULL;
    }
    if (s->state != D_HEAD || !s->token) {
        vq_mark_broken(vq, &vq->st.not_head, "used id not an outstanding head", id, s->state);
        return NULL;
    }
    if (ulen > s->in_bytes && s->in_bytes == 0 && vq->legacy) {
        vq->st.len_ignored++; /* nothing could have been written: the value carries no data */
        ulen = 0;
    } else if (ulen > s->in_bytes) {
        vq_mark_broken(vq, &vq->st.bad_len, "used len beyond writable bytes", ulen, s->in_bytes);
        return NULL;
    }

    token = s->token;
    vq_free_chain(vq, (uint16_t)id);
    vq->last_used++;
    vq->st.completed++;

    /* With EVENT_IDX and callbacks on: interrupt us for the next entry.
     * While callbacks are off, used_event is left stale on purpose.  The
     * store must be visible before our next used->idx load (2.7.10): if
     * that load could pass it, an entry the device adds in between would
     * be judged against the old used_event - no interrupt - while we saw
     * no entry either, and it would sit in the ring until something else
     * woke us.  A store->load order needs the full barrier. */
    if (vq->event_idx && vq->cb_enabled) {
        vr_store16(vq->used_event, vq->last_used);
        vq_clean(vq, vq->used_event, sizeof(*vq->used_event));
        plat_dma_mb();
    }
    if (len)
        *len = ulen;
    return token;
}

/* ---- callback control ----------------------------------------------------- */

void virtqueue_disable_cb(struct virtqueue *vq)
{
    if (!vq || !vq->cb_enabled)
        return;
    vq->cb_enabled = false;
    if (!vq->event_idx) {
        vq->avail_flags |= VRING_AVAIL_F_NO_INTERRUPT;
        vr_store16(&vq->avail->flags, vq->avail_flags);
        vq_clean(vq, &vq->avail->flags, sizeof(vq->avail->flags));
    }
}

/* Publish the "interrupt me at `event`" request, then re-read used->idx
 * after a full barrier: an entry that arrived before the device could see
 * the request would otherwise never raise an interrupt. */
static bool vq_arm(struct virtqueue *vq, uint16_t event, uint16_t allowed)
{
    uint16_t used_idx;

    vq->cb_enabled = true;
    if (vq->event_idx) {
        vr_store16(vq->used_event, event);
        vq_clean(vq, vq->used_event, sizeof(*vq->used_event));
    } else if (vq->avail_flags & VRING_AVAIL_F_NO_INTERRUPT) {
        vq->avail_flags = (uint16_t)(vq->avail_flags & ~VRING_AVAIL_F_NO_INTERRUPT);
        vr_store16(&vq->avail->flags, vq->avail_flags);
        vq_clean(vq, &vq->avail->flags, sizeof(vq->avail->flags));
    }
    /* 2.7.10: the store above before the load below. */
    plat_dma_mb();
    if (vq->broken)
        return true;
    vq_inval(vq, &vq->used->idx, sizeof(vq->used->idx));
    used_idx = vr_load16(&vq->used->idx);
    return (uint16_t)(used_idx - vq->last_used) <= allowed;
}

bool virtqueue_enable_cb(struct virtqueue *vq)
{
    if (!vq)
        return true;
    return vq_arm(vq, vq->last_used, 0);
}

bool virtqueue_enable_cb_delayed(struct virtqueue *vq)
{
    uint16_t bufs;

    if (!vq)
        return true;
    if (!vq->event_idx)
        return vq_arm(vq, vq->last_used, 0);
    bufs = (uint16_t)((vq->outstanding * 3u) / 4u);
    return vq_arm(vq, (uint16_t)(vq->last_used + bufs), bufs);
}

bool virtqueue_interrupt(struct virtqueue *vq)
{
    if (!vq)
        return false;
    vq->st.interrupts++;
    if (!virtqueue_more_used(vq))
        return false;
    if (vq->cb_enabled && vq->callback) {
        vq->st.callbacks++;
        vq->callback(vq, vq->priv);
    }
    return true;
}

/* ---- state ---------------------------------------------------------------- */

bool virtqueue_is_broken(const struct virtqueue *vq)
{
    return !vq || vq->broken;
}

void virtqueue_break(struct virtqueue *vq)
{
    if (vq)
        vq->broken = true;
}

unsigned virtqueue_num_free(const struct virtqueue *vq)
{
    return vq ? vq->num_free : 0;
}

void virtqueue_get_stats(const struct virtqueue *vq, struct vq_stats *out)
{
    if (!vq || !out)
        return;
    *out = vq->st;
    out->num = vq->num;
    out->num_free = vq->num_free;
    out->broken = vq->broken;
}
