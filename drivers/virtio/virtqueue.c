/*
 * virtqueue.c - the virtqueue API (virtqueue.h) over either ring format:
 * everything that does not depend on the format lives here, the format
 * itself in virtqueue_split.c (2.7) and virtqueue_packed.c (2.8), reached
 * through vq->ring (virtqueue_impl.h).  The format is chosen once, at
 * create time, from vq_params.packed (set by negotiation).
 *
 * Here: argument checks; buffer ids (one per descriptor, a free list
 * through the shadow) and the driver-private shadow that frees a chain
 * without reading shared memory back; indirect tables; validation of the
 * id and length the device reports (in range, an outstanding head, not
 * completed twice, at most the writable bytes posted) - the ring code
 * validates what is specific to its format (used->idx, wrap counters);
 * callback control and the store->load race check; reset and statistics.
 *
 * Barriers owned here: plat_dma_mb in kick_prepare (the publication
 * before reading the device's suppression wishes: 2.7.13.4; 2.8.21,
 * sending notifications) and in the re-arm paths (the request before
 * re-reading what the device completed: 2.7.10; 2.8.22, the note on
 * re-enabling).  The ring files carry the rest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "plat.h"
#include "virtio_errno.h"
#include "virtio_ring.h"
#include "virtqueue.h"
#include "virtqueue_impl.h"

/* Both formats' descriptors (and so indirect table entries) are 16 bytes. */
#define VQ_DESC_SIZE 16u
_Static_assert(sizeof(struct vring_desc) == VQ_DESC_SIZE, "split descriptor");
_Static_assert(sizeof(struct vring_packed_desc) == VQ_DESC_SIZE, "packed descriptor");

/* ---- cache maintenance (no-ops for a coherent device) ------------------- */

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

void vq_mark_broken(struct virtqueue *vq, uint32_t *counter, const char *what, uint32_t a,
                    uint32_t b)
{
    (*counter)++;
    if (!vq->broken)
        plat_log("virtqueue %s: %s (%lu, %lu): queue marked broken", vq->name ? vq->name : "?",
                 what, (unsigned long)a, (unsigned long)b);
    __atomic_store_n(&vq->broken, true, __ATOMIC_RELAXED); /* read without the lock */
}

/* Zero the shared areas and the shadow, rebuild the free list.  zero is
 * false only right after virtqueue_create's plat_dma_alloc() calls, whose
 * memory is zeroed already (plat.h; under TCG the second pass was most of
 * a 1024-entry queue's set-up); a reset reuses both and zeroes them. */
static void vq_init_state(struct virtqueue *vq, bool zero)
{
    unsigned i;

    if (zero) {
        memset(vq->ring_mem, 0, vq->ring_size);
        memset(vq->sh, 0, (size_t)vq->num * sizeof(vq->sh[0]));
    }
    for (i = 0; i < vq->num; i++)
        vq->sh[i].next = (uint16_t)(i + 1); /* the last link is never followed */
    vq->free_head = 0;
    vq->num_free = vq->num;
    vq->outstanding = 0;
    vq->avail_idx = 0;
    vq->kicked_idx = 0;
    vq->last_used = 0;
    vq->added_since_kick = 0;
    __atomic_store_n(&vq->broken, false, __ATOMIC_RELAXED);
    vq->drv_flags = 0;
    vq->ring->init(vq);
    vq_clean(vq, vq->ring_mem, vq->ring_size);
}

int virtqueue_create(const struct vq_params *p, struct virtqueue **out)
{
    struct virtqueue *vq;
    plat_busaddr_t bus;
    size_t self_size, align;
    unsigned num;

    if (!p || !out || !p->notify)
        return VIRTIO_EINVAL;
    num = p->num;
    if (num == 0 || num > VRING_MAX_SIZE || (num & (num - 1)) != 0)
        return VIRTIO_EINVAL;
    /* Both sides write the packed descriptor ring, 16-byte entries sharing
     * cache lines: without coherent DMA a clean of one entry would write a
     * stale copy over what the device wrote next to it. */
    if (p->packed && !p->dma_coherent)
        return VIRTIO_EINVAL;

    self_size = sizeof(*vq) + (size_t)num * sizeof(vq->sh[0]);
    vq = plat_dma_alloc(self_size, 64, &bus);
    if (!vq)
        goto fail;
    /* Zeroed by plat_dma_alloc: every field not set here, and the shadow. */
    vq->self_size = self_size;
    vq->ring = p->packed ? &vq_packed_ops : &vq_split_ops;
    vq->packed = p->packed;
    vq->name = p->name;
    vq->index = p->index;
    vq->num = (uint16_t)num;
    vq->mask = (uint16_t)(num - 1);
    vq->coherent = p->dma_coherent;
    vq->event_idx = p->event_idx;
    vq->legacy = p->legacy;
    vq->len_unused = p->len_unused;
    vq->cb_enabled = true;
    vq->notify = p->notify;
    vq->notify_arg = p->notify_arg;
    vq->callback = p->callback;
    vq->cancel = p->cancel;
    vq->priv = p->priv;
    vq->lock = p->lock;

    vq->ring->layout(num, vq->area_off, &vq->ring_size, &align);
    vq->ring_mem = plat_dma_alloc(vq->ring_size, align, &vq->ring_bus);
    if (!vq->ring_mem)
        goto fail_self;
    vq->desc = (uint8_t *)vq->ring_mem + vq->area_off[0];
    vq->driver_area = (uint8_t *)vq->ring_mem + vq->area_off[1];
    vq->device_area = (uint8_t *)vq->ring_mem + vq->area_off[2];

    if (p->indirect && p->max_indirect > 1) {
        vq->max_indirect = p->max_indirect > num ? (uint16_t)num : p->max_indirect;
        vq->ind_size = (size_t)num * vq->max_indirect * VQ_DESC_SIZE;
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

    vq_init_state(vq, false);
    *out = vq;
    return 0;

fail_ind:
    plat_dma_free(vq->ind, vq->ind_size);
fail_ring:
    plat_dma_free(vq->ring_mem, vq->ring_size);
fail_self:
    plat_dma_free(vq, self_size);
fail:
    return VIRTIO_ENOMEM;
}

/* The caller's lock (vq_params.lock), for the calls that take it
 * themselves: reset, destroy and interrupt. */
static plat_irqstate_t vq_lock(struct virtqueue *vq)
{
    return vq->lock ? plat_lock(vq->lock) : (plat_irqstate_t)0;
}

static void vq_unlock(struct virtqueue *vq, plat_irqstate_t s)
{
    if (vq->lock)
        plat_unlock(vq->lock, s);
}

/* Hand every outstanding token back (device no longer owns the buffers).
 * Called and returns with vq->lock held; released around each cancel
 * callback, which may take it.  vq->resetting stays set throughout, so an
 * add from another thread meanwhile is refused (VIRTIO_EBUSY) and nothing
 * new lands on a ring about to be wiped. */
static plat_irqstate_t vq_cancel_all(struct virtqueue *vq, plat_irqstate_t s)
{
    unsigned i;

    vq->resetting = true;
    for (i = 0; i < vq->num; i++) {
        struct vq_shadow *sh = &vq->sh[i];
        void *tok;

        if (sh->state != D_HEAD || !sh->token)
            continue;
        tok = sh->token;
        sh->token = NULL;
        sh->state = D_FREE;
        vq->st.cancelled++;
        if (vq->cancel) {
            vq_unlock(vq, s);
            vq->cancel(vq, tok, vq->priv);
            s = vq_lock(vq);
        }
    }
    return s;
}

void virtqueue_reset(struct virtqueue *vq, bool indirect, bool event_idx)
{
    plat_irqstate_t s;

    if (!vq)
        return;
    s = vq_lock(vq);
    s = vq_cancel_all(vq, s);
    vq->use_indirect = indirect && vq->ind != NULL;
    vq->event_idx = event_idx;
    vq_init_state(vq, true);
    vq->resetting = false;
    vq_unlock(vq, s);
}

void virtqueue_destroy(struct virtqueue *vq)
{
    plat_irqstate_t s;

    if (!vq)
        return;
    s = vq_lock(vq);
    s = vq_cancel_all(vq, s);
    vq_unlock(vq, s);
    if (vq->ind_shadow)
        plat_dma_free(vq->ind_shadow, vq->ind_shadow_size);
    if (vq->ind)
        plat_dma_free(vq->ind, vq->ind_size);
    plat_dma_free(vq->ring_mem, vq->ring_size);
    plat_dma_free(vq, vq->self_size);
}

plat_busaddr_t virtqueue_desc_addr(const struct virtqueue *vq)
{
    return vq->ring_bus + vq->area_off[0];
}

plat_busaddr_t virtqueue_avail_addr(const struct virtqueue *vq)
{
    return vq->ring_bus + vq->area_off[1];
}

plat_busaddr_t virtqueue_used_addr(const struct virtqueue *vq)
{
    return vq->ring_bus + vq->area_off[2];
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

bool virtqueue_is_packed(const struct virtqueue *vq)
{
    return vq && vq->packed;
}

/* ---- posting -------------------------------------------------------------- */

int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n_out, unsigned n_in,
                  void *token)
{
    uint64_t in_bytes = 0, total = 0;
    unsigned n, i, need;
    uint16_t head, id;
    bool indirect;

    if (!vq || !bufs || !token)
        return VIRTIO_EINVAL;
    if (vq->broken)
        return VIRTIO_EIO;
    if (vq->resetting || vq->held)
        return VIRTIO_EBUSY;
    if (n_out > vq->num || n_in > vq->num || n_out + n_in > vq->num)
        return VIRTIO_E2BIG; /* 2.7.13.1 / 2.8.17: no chain longer than the queue */
    n = n_out + n_in;
    if (n == 0)
        return VIRTIO_EINVAL;
    if (n == 1) {
        /* One buffer - a frame, a receive buffer, an entropy buffer: the
         * common case, never indirect; the same shadow as the loops below
         * leave, without them. */
        bool w = n_in == 1;
        struct vq_shadow *s;

        if (!bufs[0].addr || bufs[0].len == 0)
            return VIRTIO_EINVAL;
        if (vq->num_free == 0) {
            vq->st.full++;
            return VIRTIO_ENOSPC;
        }
        head = vq->free_head;
        s = &vq->sh[head];
        s->addr = bufs[0].addr;
        s->len = bufs[0].len;
        s->flags = w ? VRING_DESC_F_WRITE : 0u;
        s->nsg = 0;
        s->ndesc = 1;
        s->state = D_HEAD;
        s->token = token;
        s->in_bytes = w ? bufs[0].len : 0u;
        vq_buf_to_device(vq, bufs[0].addr, bufs[0].len, w);
        vq->free_head = s->next;
        vq->num_free--;
        vq->outstanding++;
        vq_ring_publish(vq, head, 1, false);
        vq->added_since_kick++;
        vq->st.added++;
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!bufs[i].addr || bufs[i].len == 0)
            return VIRTIO_EINVAL;
        total += bufs[i].len;
        if (i >= n_out)
            in_bytes += bufs[i].len;
    }
    /* 2.7.5.2: no chain longer than 2^32 bytes in total; and the writable
     * bytes must fit the 32-bit used length. */
    if (total > (1ull << 32) || in_bytes > UINT32_MAX)
        return VIRTIO_E2BIG;

    indirect = vq->use_indirect && n > 1 && n <= vq->max_indirect;
    need = indirect ? 1u : n;
    if (vq->num_free < need) {
        vq->st.full++;
        return VIRTIO_ENOSPC;
    }

    head = vq->free_head;
    if (indirect) {
        uint8_t *tbl = (uint8_t *)vq->ind + (size_t)head * vq->max_indirect * VQ_DESC_SIZE;
        struct vq_ind_shadow *ish =
            vq->ind_shadow ? vq->ind_shadow + (size_t)head * vq->max_indirect : NULL;
        struct vq_shadow *s = &vq->sh[head];

        for (i = 0; i < n; i++) {
            bool w = i >= n_out;

            vq->ring->ind_entry(vq, tbl, i, plat_bus_addr(bufs[i].addr), bufs[i].len, w, i + 1 < n);
            if (ish) {
                ish[i].addr = bufs[i].addr;
                ish[i].len = bufs[i].len;
                ish[i].flags = w ? VRING_DESC_F_WRITE : 0u;
            }
            vq_buf_to_device(vq, bufs[i].addr, bufs[i].len, w);
        }
        vq_clean(vq, tbl, (size_t)n * VQ_DESC_SIZE);
        s->addr = tbl;
        s->len = (uint32_t)(n * VQ_DESC_SIZE);
        s->flags = VRING_DESC_F_INDIRECT;
        s->nsg = (uint16_t)n;
        s->ndesc = 1;
        vq->free_head = s->next;
        vq->st.added_indirect++;
    } else {
        /* The free list's links become the chain's links. */
        id = head;
        for (i = 0; i < n; i++) {
            struct vq_shadow *s = &vq->sh[id];
            bool w = i >= n_out;

            s->addr = bufs[i].addr;
            s->len = bufs[i].len;
            s->flags = (uint16_t)((w ? VRING_DESC_F_WRITE : 0u) |
                                  (i + 1 < n ? VRING_DESC_F_NEXT : 0u));
            s->state = D_BODY;
            s->token = NULL;
            vq_buf_to_device(vq, bufs[i].addr, bufs[i].len, w);
            id = s->next;
        }
        vq->free_head = id;
        vq->sh[head].nsg = 0;
        vq->sh[head].ndesc = (uint16_t)n;
    }
    vq->sh[head].state = D_HEAD;
    vq->sh[head].token = token;
    vq->sh[head].in_bytes = (uint32_t)in_bytes;
    vq->num_free = (uint16_t)(vq->num_free - need);
    vq->outstanding++;

    vq_ring_publish(vq, head, n, indirect);

    vq->added_since_kick += need;
    vq->st.added++;
    return 0;
}

bool virtqueue_kick_prepare(struct virtqueue *vq)
{
    bool needed;

    if (!vq || vq->broken)
        return false;
    /* Held (a re-initialisation is under way): no doorbell for what was
     * added before the hold; the reset empties the ring anyway. */
    if (vq->held)
        return false;
    /* 2.7.13.4 / 2.8.21: what was published before reading the
     * device's suppression wishes. */
    plat_dma_mb();
    if (vq->added_since_kick == 0) {
        vq->kicked_idx = vq->avail_idx;
        return false;
    }
    needed = vq_ring_kick_needed(vq);
    vq->kicked_idx = vq->avail_idx;
    vq->added_since_kick = 0;
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

/* Return a chain's ids to the free list using only the shadow. */
static void vq_free_chain(struct virtqueue *vq, uint16_t head)
{
    struct vq_shadow *hs = &vq->sh[head];
    uint16_t n = hs->ndesc, idx = head, k; /* 1 for an indirect chain */

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
    if (!vq || vq->broken || vq->resetting)
        return false;
    return vq_ring_pending(vq, 0) != 0;
}

void *virtqueue_get_used(struct virtqueue *vq, uint32_t *len)
{
    struct vq_used u;
    struct vq_shadow *s;
    uint16_t ndesc;
    uint32_t ulen;
    void *token;

    if (!vq || vq->broken || vq->resetting)
        return NULL; /* resetting: the reset gives every token back */
    if (vq_ring_next_used(vq, &u) != 1)
        return NULL;

    if (u.id >= vq->num) {
        vq_mark_broken(vq, &vq->st.bad_id, "used id out of range", u.id, vq->num);
        return NULL;
    }
    s = &vq->sh[u.id];
    if (s->state == D_RETIRED) {
        vq_mark_broken(vq, &vq->st.dup, "used id completed twice", u.id, 0);
        return NULL;
    }
    if (s->state != D_HEAD || !s->token) {
        vq_mark_broken(vq, &vq->st.not_head, "used id not an outstanding head", u.id, s->state);
        return NULL;
    }
    ulen = u.len;
    if (ulen > s->in_bytes &&
        (!u.len_valid || (vq->legacy && (s->in_bytes == 0 || vq->len_unused)))) {
        /* A length that cannot be one, where it is allowed to be junk:
         * ignored and counted.  Packed without WRITE in the used flags
         * (2.8.4: the field is reserved - but QEMU never sets WRITE and
         * writes the real length there, as Linux expects, so a length
         * that fits is used); legacy on a chain with nothing writable, or
         * on any chain of a driver that never uses the length (5.2.6
         * legacy: devices put the total descriptor length there). */
        vq->st.len_ignored++;
        ulen = 0;
    } else if (ulen > s->in_bytes) {
        vq_mark_broken(vq, &vq->st.bad_len, "used len beyond writable bytes", ulen, s->in_bytes);
        return NULL;
    }

    token = s->token;
    ndesc = s->ndesc;
    vq_free_chain(vq, (uint16_t)u.id);
    vq->st.completed++;
    vq_ring_used_done(vq, ndesc);
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
    vq_ring_disable_cb(vq);
}

/* Publish the "interrupt me" request, then re-read what completed after a
 * full barrier: an entry that arrived before the device could see the
 * request would otherwise never raise an interrupt. */
static bool vq_arm(struct virtqueue *vq, bool delayed)
{
    uint16_t allowed;

    vq->cb_enabled = true;
    allowed = vq_ring_arm(vq, delayed);
    /* 2.7.10 / 2.8.22: the store above before the loads below. */
    plat_dma_mb();
    if (vq->broken)
        return true;
    return vq_ring_pending(vq, allowed) <= allowed;
}

bool virtqueue_enable_cb(struct virtqueue *vq)
{
    if (!vq)
        return true;
    return vq_arm(vq, false);
}

bool virtqueue_enable_cb_delayed(struct virtqueue *vq)
{
    if (!vq)
        return true;
    return vq_arm(vq, vq->event_idx);
}

bool virtqueue_interrupt(struct virtqueue *vq)
{
    plat_irqstate_t s;
    bool call;

    if (!vq)
        return false;
    if (!vq->callback) {
        /* Set at creation, never changed: a queue reaped by polling (a TX
         * ring, say) has nothing to do here, and needs no lock for that.
         * (The count is written only here, from the device's handler, as
         * virtio_dev_interrupt's own.) */
        vq->st.interrupts++;
        return false;
    }
    s = vq_lock(vq);
    vq->st.interrupts++;
    /* The ring is read only for a queue that wants its callback: a queue
     * reaped by polling (callbacks off: a TX ring, say) costs nothing more
     * per interrupt of its device. */
    call = vq->cb_enabled && vq->callback && !vq->resetting && virtqueue_more_used(vq);
    if (call)
        vq->st.callbacks++;
    vq_unlock(vq, s);
    if (call)
        vq->callback(vq, vq->priv); /* without the lock: it may take it */
    return call;
}

/* ---- state ---------------------------------------------------------------- */

bool virtqueue_is_broken(const struct virtqueue *vq)
{
    return !vq || __atomic_load_n(&vq->broken, __ATOMIC_RELAXED);
}

void virtqueue_hold(struct virtqueue *vq, bool hold)
{
    plat_irqstate_t s;

    if (!vq)
        return;
    s = vq_lock(vq);
    vq->held = hold;
    vq_unlock(vq, s);
}

void virtqueue_break(struct virtqueue *vq)
{
    plat_irqstate_t s;

    if (!vq)
        return;
    s = vq_lock(vq);
    __atomic_store_n(&vq->broken, true, __ATOMIC_RELAXED);
    vq_unlock(vq, s);
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
