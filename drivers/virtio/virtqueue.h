/*
 * virtqueue.h - the driver side of a virtqueue, split (virtio 1.2, 2.7) or
 * packed (2.8): one interface, the format chosen at creation from the
 * negotiated features (vq_params.packed), invisible to the callers.
 *
 * The ring code knows nothing of the transport: it is given a notify
 * callback and the negotiated ring features, and it reports the bus
 * addresses of its three areas so the transport can program them (split:
 * descriptor table, avail ring, used ring; packed: descriptor ring, driver
 * and device event suppression).  That is what lets the host tests drive
 * it against a simulated device.
 *
 * Assumptions:
 *  - All memory is allocated once, in virtqueue_create(), with
 *    plat_dma_alloc(): the rings (split: page-aligned, the legacy contiguous
 *    layout, which also suits modern devices; packed: one block, and only
 *    for a dma-coherent device), the indirect tables (one per
 *    possible head, `max_indirect` entries each) and the driver-private
 *    shadow state.  Nothing is allocated per request.
 *  - Buffers handed to virtqueue_add() are DMA-able (inside memory from
 *    plat_dma_alloc, so plat_bus_addr() works on them).  For a device
 *    without `dma-coherent`, writable buffers should be cache-line aligned
 *    and sized: they are cleaned+invalidated when posted and invalidated
 *    again when they complete.
 *  - Locking (vq_params.lock, the driver's plat_lock; NULL for a caller
 *    that is single-threaded and never interrupted): the caller holds it
 *    around every call on one queue - add, kick, get_used, more_used,
 *    enable/disable_cb, num_free - except virtqueue_is_broken() (an
 *    atomic flag: no lock needed) and those that take
 *    it themselves: virtqueue_hold() and virtqueue_break() (short, any
 *    thread), virtqueue_interrupt() (the device's interrupt handler,
 *    in interrupt context, possibly on another CPU: it holds the lock
 *    while it looks at the ring and calls the callback after releasing
 *    it), and virtqueue_reset() / virtqueue_destroy() (thread context,
 *    recovery and shutdown: they hold it while they empty the ring and
 *    release it around each cancel callback).  So callbacks and cancel
 *    callbacks run WITHOUT the lock and may take it.  Between the first
 *    cancel and the end of the reset the queue refuses adds (VIRTIO_EBUSY)
 *    and reports nothing used, so a thread that posts meanwhile cannot put
 *    a buffer on a ring about to be wiped.  The lock is taken per call,
 *    never per descriptor: on a single-CPU port plat_lock only masks
 *    interrupts.
 *  - Device-written values (used->idx or the packed wrap counters, used id
 *    and len) are validated before use.  A violation is counted and makes the queue broken (sticky until
 *    virtqueue_reset()): add returns VIRTIO_EIO and get_used returns NULL.
 *
 * Usage recipe (one request/response queue):
 *
 *     struct vq_buf b[2] = { { req, sizeof *req }, { resp, sizeof *resp } };
 *     err = virtqueue_add(vq, b, 1, 1, my_token);   // 1 readable, 1 writable
 *     ...more adds...
 *     virtqueue_kick(vq);                            // one notify per batch
 *
 *     // completion (callback or polling):
 *     while ((tok = virtqueue_get_used(vq, &len)) != NULL)
 *         finish(tok, len);                          // len: bytes written
 *     if (virtqueue_is_broken(vq)) ...               // device misbehaved
 *
 * Interrupt mitigation (NAPI style): in the callback virtqueue_disable_cb(),
 * drain with get_used, then `if (!virtqueue_enable_cb(vq))` drain again -
 * enable_cb returns false when entries arrived while callbacks were off.
 */
#ifndef VIRTQUEUE_H
#define VIRTQUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"
#include "virtio_ring.h"

struct virtqueue;

/* One scatter-gather element: CPU address inside DMA memory, and length. */
struct vq_buf {
    void *addr;
    uint32_t len;
};

/* Called (from virtqueue_interrupt) when used entries are pending and
 * callbacks are enabled.  Runs in the interrupt handler's context, without
 * vq_params.lock held. */
typedef void (*vq_callback_t)(struct virtqueue *vq, void *priv);

/* Called for each outstanding token when the ring is emptied by
 * virtqueue_reset() or virtqueue_destroy(): the device no longer owns the
 * buffers; the driver completes the request with an error.  Runs in the
 * caller's context of reset/destroy, without vq_params.lock held. */
typedef void (*vq_cancel_t)(struct virtqueue *vq, void *token, void *priv);

/* Doorbell: tell the device queue `index` has new buffers. */
typedef void (*vq_notify_t)(void *arg, unsigned index);

struct vq_params {
    const char *name;      /* for logs/shell; may be NULL */
    unsigned index;        /* queue index on the device */
    uint16_t num;          /* queue size: a power of two, 1..32768 */
    uint16_t max_indirect; /* entries per indirect table; 0: never indirect */
    bool indirect;         /* VIRTIO_F_INDIRECT_DESC negotiated */
    bool event_idx;        /* VIRTIO_F_EVENT_IDX negotiated */
    bool packed;           /* VIRTIO_F_RING_PACKED negotiated (needs dma_coherent) */
    bool dma_coherent;     /* false: use plat_cache_* on rings and buffers */
    bool legacy;           /* legacy device: a used len on a chain with nothing
                            * writable is ignored (and counted), not fatal -
                            * the legacy interface lets devices put the buffer
                            * length there */
    bool len_unused;       /* the driver never uses the used len (virtio-blk:
                            * its status byte says it all): on a legacy
                            * device any len beyond the writable bytes is
                            * ignored and counted too (5.2.6 legacy: "SHOULD
                            * ignore the used length values") */
    vq_notify_t notify;
    void *notify_arg;
    vq_callback_t callback; /* may be NULL */
    vq_cancel_t cancel;     /* may be NULL */
    void *priv;             /* passed to callback and cancel */
    plat_lock_t *lock;      /* the caller's lock (see Locking above); may be NULL */
};

/* Per-queue counters (for the shell).  All monotonic except num_free. */
struct vq_stats {
    uint32_t added;            /* chains published */
    uint32_t added_indirect;   /* of which via an indirect table */
    uint32_t completed;        /* chains returned by get_used */
    uint32_t kicks;            /* notifications sent */
    uint32_t kicks_suppressed; /* kick_prepare said no (flags / event idx) */
    uint32_t interrupts;       /* virtqueue_interrupt calls */
    uint32_t callbacks;        /* callback invocations */
    uint32_t full;             /* add refused: not enough descriptors */
    uint32_t cancelled;        /* tokens returned through cancel */
    /* device faults; each one also marks the queue broken */
    uint32_t bad_id;   /* used id >= queue size */
    uint32_t not_head; /* used id is not the head of an outstanding chain */
    uint32_t dup;      /* used id already completed */
    uint32_t bad_len;  /* used len > writable bytes posted */
    uint32_t len_ignored; /* legacy: used len on a readable-only chain, ignored;
                           * packed: len of a used descriptor without WRITE */
    uint32_t idx_jump; /* used idx moved more than the outstanding chains
                        * (packed: a used descriptor with none outstanding) */
    uint32_t bad_wrap; /* packed: descriptor flags against the wrap counter */
    uint16_t num;      /* queue size */
    uint16_t num_free; /* free descriptors now */
    bool broken;
};

/*
 * Create a queue (all allocation happens here).  Returns 0 and *out, or
 * VIRTIO_EINVAL (bad size/params, packed without dma_coherent) /
 * VIRTIO_ENOMEM.
 */
int virtqueue_create(const struct vq_params *p, struct virtqueue **out);

/* Cancel outstanding tokens and free everything.  The device must no longer
 * use the queue (reset, or the queue torn down on the transport). */
void virtqueue_destroy(struct virtqueue *vq);

/*
 * Empty the ring after a device reset: every outstanding token goes back
 * through the cancel callback, the shared areas are zeroed, indices start at
 * 0 again, the broken flag is cleared.  The ring features may change (they
 * were renegotiated) except the format: split or packed is fixed at create
 * (virtqueue_is_packed()).  Callback enablement is kept.
 */
void virtqueue_reset(struct virtqueue *vq, bool indirect, bool event_idx);

/* Bus addresses of the three areas, for the transport (packed: the
 * descriptor ring, the driver and the device event suppression). */
plat_busaddr_t virtqueue_desc_addr(const struct virtqueue *vq);
plat_busaddr_t virtqueue_avail_addr(const struct virtqueue *vq);
plat_busaddr_t virtqueue_used_addr(const struct virtqueue *vq);
unsigned virtqueue_size(const struct virtqueue *vq);
unsigned virtqueue_index(const struct virtqueue *vq);
const char *virtqueue_name(const struct virtqueue *vq);
void *virtqueue_priv(const struct virtqueue *vq);
bool virtqueue_is_packed(const struct virtqueue *vq);

/*
 * Post one chain: bufs[0..n_out) readable by the device, then
 * bufs[n_out..n_out+n_in) writable.  token (non-NULL) comes back from
 * get_used (or cancel).  An indirect table is used when negotiated, the
 * chain has more than one element and fits max_indirect; otherwise a direct
 * chain.  Publishes avail->idx (the device may see it at once) but does not
 * notify: call virtqueue_kick() after a batch.
 * Returns 0, VIRTIO_ENOSPC (full; try after completions), VIRTIO_E2BIG
 * (more elements than can ever fit, or more than 2^32
 * bytes in all), VIRTIO_EINVAL, VIRTIO_EIO (broken).
 */
int virtqueue_add(struct virtqueue *vq, const struct vq_buf *bufs, unsigned n_out, unsigned n_in,
                  void *token);

/* Does the device want a notification for what was added since the last
 * kick_prepare?  (used->flags NO_NOTIFY or the EVENT_IDX test; packed: the
 * device event suppression structure.) */
bool virtqueue_kick_prepare(struct virtqueue *vq);
/* Ring the doorbell unconditionally. */
void virtqueue_notify(struct virtqueue *vq);
/* kick_prepare + notify if needed; returns whether it notified. */
bool virtqueue_kick(struct virtqueue *vq);

/*
 * Next completed chain: returns its token and stores the number of bytes
 * the device wrote in *len; NULL when nothing is pending or the queue is
 * broken (check virtqueue_is_broken()).
 */
void *virtqueue_get_used(struct virtqueue *vq, uint32_t *len);

/* Are used entries pending?  (false when broken) */
bool virtqueue_more_used(struct virtqueue *vq);

/* Callback control (2.7.10, 2.8.10).  Packed: disable writes
 * RING_EVENT_FLAGS_DISABLE in either mode; with EVENT_IDX enable uses the
 * descriptor-event form. */
void virtqueue_disable_cb(struct virtqueue *vq);
/* Re-enable; false if used entries are already pending (drain them). */
bool virtqueue_enable_cb(struct virtqueue *vq);
/* As enable_cb but, with EVENT_IDX, ask for the interrupt only after about
 * 3/4 of the outstanding chains completed.  false: pending entries passed
 * that mark already. */
bool virtqueue_enable_cb_delayed(struct virtqueue *vq);

/* From the device's interrupt handler: counts, and calls the callback when
 * callbacks are enabled and entries are pending (the ring is not read
 * while they are disabled).  Returns whether the callback was called. */
bool virtqueue_interrupt(struct virtqueue *vq);

/* The one query that needs no lock (an atomic flag): a recovery in the
 * owning thread may ask while another thread's get_used breaks the queue. */
bool virtqueue_is_broken(const struct virtqueue *vq);
/* Hold the queue (hold true): until it is released (false), adds are
 * refused with VIRTIO_EBUSY and kicks ring no doorbell (not even for what
 * was added before the hold).  The core holds every queue of a device from
 * the start of a re-initialisation until DRIVER_OK is set again, so a
 * thread posting or flushing meanwhile cannot notify a device that is not
 * running (3.1.1: no notification before DRIVER_OK).  Takes
 * vq_params.lock itself: call it without. */
void virtqueue_hold(struct virtqueue *vq, bool hold);
/* Mark the queue broken (the core does this when its device failed).
 * Takes vq_params.lock itself: call it without. */
void virtqueue_break(struct virtqueue *vq);
unsigned virtqueue_num_free(const struct virtqueue *vq);
void virtqueue_get_stats(const struct virtqueue *vq, struct vq_stats *out);

#endif /* VIRTQUEUE_H */
