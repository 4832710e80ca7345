/*
 * virtqueue_impl.h - private to the virtqueue implementation: the state of
 * one queue and the table of ring operations behind virtqueue.h.
 *
 * The queue is split into what does not depend on the ring format
 * (virtqueue.c: argument checks, buffer ids and their shadow, indirect
 * tables, validation of the id and length the device reports, callbacks,
 * reset, statistics) and the ring format itself (virtqueue_split.c for
 * 2.7, virtqueue_packed.c for 2.8): the per-packet operations through the
 * vq_ring_*() dispatchers below, the set-up ones through `vq->ring`.
 * Negotiation picks the format (vq_params.packed); nothing above
 * virtqueue.h knows which one a queue uses.
 *
 * Buffer ids: both formats name a descriptor chain by the id of its head,
 * one id per descriptor, so the shadow is indexed by id (= the descriptor
 * index for split) and holds everything needed to free a chain: the ring
 * code never reads ids, links or lengths back from shared memory.
 */
#ifndef VIRTQUEUE_IMPL_H
#define VIRTQUEUE_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"
#include "virtio_ring.h"
#include "virtqueue.h"

/* Id states in the shadow.  RETIRED = free again, and last used as the
 * head of a chain that completed: a second completion of it is a
 * duplicate rather than a stray id. */
enum { D_FREE = 0, D_HEAD, D_BODY, D_RETIRED };

struct vq_shadow {
    void *token;       /* head of an outstanding chain: the caller's token */
    void *addr;        /* CPU address of the buffer (or indirect table) */
    uint32_t len;      /* length as posted */
    uint32_t in_bytes; /* head: writable bytes posted in the whole chain */
    uint16_t next;     /* free-list link, and the chain link while in use */
    uint16_t flags;    /* VRING_DESC_F_* as posted (NEXT, WRITE, INDIRECT) */
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

/* What the device reported for one completed chain, before validation. */
struct vq_used {
    uint32_t id;
    uint32_t len;
    bool len_valid; /* packed: a used descriptor without WRITE carries no length */
};

/*
 * One ring format.  All hooks run with the caller's serialisation; the
 * common code has checked arguments and the broken flag before calling.
 */
struct vq_ring_ops {
    /* Byte offsets of the three areas in one allocation, its size and
     * alignment. */
    void (*layout)(unsigned num, size_t off[3], size_t *size, size_t *align);
    /* After the areas were zeroed and the shadow rebuilt: indices and
     * flags to their initial values (callback enablement is vq->cb_enabled). */
    void (*init)(struct virtqueue *vq);
    /* Write one indirect table entry. */
    void (*ind_entry)(struct virtqueue *vq, void *table, unsigned i, plat_busaddr_t addr,
                      uint32_t len, bool write, bool more);
};

extern const struct vq_ring_ops vq_split_ops;
extern const struct vq_ring_ops vq_packed_ops;

struct virtqueue {
    const struct vq_ring_ops *ring;
    void *ring_mem;
    plat_busaddr_t ring_bus;
    size_t ring_size;
    size_t area_off[3]; /* descriptors, driver area, device area */

    /* split: the three areas; packed: desc is a struct vring_packed_desc[]
     * and the event structures sit in the driver / device areas */
    void *desc;
    void *driver_area;
    void *device_area;

    void *ind; /* num * max_indirect descriptors, or NULL */
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
    /* Free-running counters.  split: avail->idx and used entries read;
     * packed: descriptors made available and ring position of the next
     * used descriptor (2.8.1 wrap counters derived, virtio_ring.h). */
    uint16_t avail_idx;
    uint16_t kicked_idx;  /* avail_idx at the last kick_prepare */
    uint16_t last_used;
    uint16_t drv_flags;   /* split: avail->flags; packed: driver event flags */
    uint32_t added_since_kick; /* ring descriptors published since kick_prepare */
    bool packed;
    bool use_indirect;
    bool event_idx;
    bool legacy;
    bool len_unused; /* vq_params.len_unused */
    bool coherent;
    bool cb_enabled;
    bool broken;
    bool resetting; /* inside reset/destroy: cancel callbacks must not add */
    bool held;      /* virtqueue_hold: adds refused (a re-initialisation) */

    vq_notify_t notify;
    void *notify_arg;
    vq_callback_t callback;
    vq_cancel_t cancel;
    void *priv;
    plat_lock_t *lock; /* vq_params.lock: taken by reset, destroy, interrupt */

    struct vq_stats st;
    struct vq_shadow sh[]; /* [num] */
};

/*
 * The operations every packet meets are called directly, by format, not
 * through vq->ring: one well-predicted branch instead of an indirect call,
 * and the optimiser (LTO) can inline them into virtqueue.c.
 *   publish      write the chain whose ids start at `head` (direct: linked
 *                through sh[].next, n of them; indirect: the table already
 *                filled) and make it available to the device;
 *   kick_needed  after plat_dma_mb: does the device want a notification
 *                for what was made available since the last call?
 *   next_used    next completion: 0 none, 1 *u filled, VIRTIO_EIO
 *                ring-level fault (the queue was marked broken);
 *   used_done    the completion next_used returned was accepted and the
 *                chain (ndesc ring descriptors) freed: step past it;
 *   pending      completions waiting, in ring units (split: used entries;
 *                packed: descriptors they cover); exact up to limit, past
 *                it any value above limit.  Anything malformed counts as
 *                waiting, so that get_used gets to reject it;
 *   disable_cb   ask the device for no interrupts;
 *   arm          ask for an interrupt at the next completion, or (delayed,
 *                only with EVENT_IDX) after about 3/4 of what is in
 *                flight; returns how many ring units may already be
 *                waiting without the request having been passed.  The
 *                common code then issues plat_dma_mb and checks.
 */
#define VQ_RING_FORMAT_OPS(fmt)                                                                    \
    void vq_##fmt##_publish(struct virtqueue *vq, uint16_t head, unsigned n, bool indirect);       \
    bool vq_##fmt##_kick_needed(struct virtqueue *vq);                                             \
    int vq_##fmt##_next_used(struct virtqueue *vq, struct vq_used *u);                             \
    void vq_##fmt##_used_done(struct virtqueue *vq, uint16_t ndesc);                               \
    unsigned vq_##fmt##_pending(struct virtqueue *vq, unsigned limit);                             \
    void vq_##fmt##_disable_cb(struct virtqueue *vq);                                              \
    uint16_t vq_##fmt##_arm(struct virtqueue *vq, bool delayed);
VQ_RING_FORMAT_OPS(split)
VQ_RING_FORMAT_OPS(packed)
#undef VQ_RING_FORMAT_OPS

static inline void vq_ring_publish(struct virtqueue *vq, uint16_t head, unsigned n, bool indirect)
{
    if (vq->packed)
        vq_packed_publish(vq, head, n, indirect);
    else
        vq_split_publish(vq, head, n, indirect);
}

static inline bool vq_ring_kick_needed(struct virtqueue *vq)
{
    return vq->packed ? vq_packed_kick_needed(vq) : vq_split_kick_needed(vq);
}

static inline int vq_ring_next_used(struct virtqueue *vq, struct vq_used *u)
{
    return vq->packed ? vq_packed_next_used(vq, u) : vq_split_next_used(vq, u);
}

static inline void vq_ring_used_done(struct virtqueue *vq, uint16_t ndesc)
{
    if (vq->packed)
        vq_packed_used_done(vq, ndesc);
    else
        vq_split_used_done(vq, ndesc);
}

static inline unsigned vq_ring_pending(struct virtqueue *vq, unsigned limit)
{
    return vq->packed ? vq_packed_pending(vq, limit) : vq_split_pending(vq, limit);
}

static inline void vq_ring_disable_cb(struct virtqueue *vq)
{
    if (vq->packed)
        vq_packed_disable_cb(vq);
    else
        vq_split_disable_cb(vq);
}

static inline uint16_t vq_ring_arm(struct virtqueue *vq, bool delayed)
{
    return vq->packed ? vq_packed_arm(vq, delayed) : vq_split_arm(vq, delayed);
}

/* Shared helpers (virtqueue.c). */
void vq_mark_broken(struct virtqueue *vq, uint32_t *counter, const char *what, uint32_t a,
                    uint32_t b);

static inline void vq_clean(const struct virtqueue *vq, const void *p, size_t len)
{
    if (!vq->coherent)
        plat_cache_clean(p, len);
}

static inline void vq_inval(const struct virtqueue *vq, const void *p, size_t len)
{
    if (!vq->coherent)
        plat_cache_invalidate(p, len);
}

#endif /* VIRTQUEUE_IMPL_H */
