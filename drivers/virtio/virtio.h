/*
 * virtio.h - the virtio device core: one transport ops table (virtio-mmio
 * legacy v1 and modern v2 today), feature negotiation, queue set-up,
 * interrupt dispatch and recovery from DEVICE_NEEDS_RESET.
 *
 * Assumptions: one `struct virtio_dev` per device, owned by the caller
 * (no globals).  Nothing here allocates except virtio_dev_setup_vq() (once,
 * through virtqueue_create).  Functions other than virtio_dev_interrupt()
 * run in thread context; they poll with bounded waits measured with
 * plat_time_ns().
 *
 * Concurrency: the life-cycle calls (start, or its steps negotiate,
 * setup_vq, attach_irq, driver_ok; check, reinit, fail, shutdown) and
 * config-space access come from one thread at a time per device, the
 * driver's owning thread.
 * virtio_dev_interrupt() runs in interrupt context, possibly on another
 * CPU, at the same time as any of them.  The core keeps no lock of its
 * own: the queues carry the driver's (virtio_vq_params.lock), which
 * virtqueue_interrupt(), and the queue resets of virtio_dev_reinit() and
 * the destroys of fail/shutdown, take themselves (virtqueue.h, Locking) -
 * so a recovery never empties a ring under a thread that is posting to it
 * or reaping it; and virtio_dev_reinit() holds every queue
 * (virtqueue_hold) from before the reset until DRIVER_OK, so such a
 * thread's add is refused (VIRTIO_EBUSY) and its kick rings no doorbell
 * rather than notifying a device that is not running.  reset_pending is written from both contexts and read
 * from any: it is only ever accessed with the atomic helpers below.  The
 * driver hooks: config_changed in interrupt context, needs_reset in
 * either (the interrupt path, or driver_ok/check on the owning thread),
 * restart in the owning thread (inside virtio_dev_check/reinit), none
 * with a lock held.
 *
 * Usage recipe (what a device driver's init does; see virtio_rng.c, the
 * shortest): the driver states what differs - its device id, features,
 * queues, config and buffers - and virtio_dev_start() runs the sequence of
 * 3.1.1 for it, unwinding on failure:
 *
 *     static int my_configure(struct virtio_dev *d, struct virtio_vq_params *qp)
 *     {   // features are negotiated: read config, allocate, describe queues
 *         struct my_dev *me = d->drv_priv;
 *         qp[0] = (struct virtio_vq_params){.name = "requestq", .num = 64,
 *                                           .callback = done, .cancel = cancel,
 *                                           .priv = me, .lock = &me->lock};
 *         return 0;
 *     }
 *     static int my_prepare(struct virtio_dev *d)
 *     {   // queues exist (d->vqs[i]), interrupt not attached: post buffers
 *         return 0;
 *     }
 *     static void my_release(struct virtio_dev *d) { ... free what configure took ... }
 *     static const struct virtio_driver_ops my_ops = {
 *         .name = "my-dev", .device_id = 42, .nqueues = 1,
 *         .configure = my_configure, .prepare = my_prepare,
 *         .release = my_release, .restart = ..., .needs_reset = ... };
 *
 *     struct virtio_dev dev;                       // storage: the caller's
 *     err = virtio_mmio_attach(&dev, base, irq, PLAT_IRQ_LEVEL, coherent);
 *     err = virtio_dev_start(&dev, &my_ops, my_priv, &my_features, VIRTIO_IRQ_ON);
 *     ... virtqueue_add(), virtqueue_kick() ...
 *
 * virtio_dev_start() checks the device id, resets the device, negotiates
 * (ACKNOWLEDGE, DRIVER, features, FEATURES_OK), calls configure, creates
 * every queue, calls prepare, attaches the interrupt, sets DRIVER_OK.  On a
 * failure after negotiation it tears the queues down (their cancel
 * callbacks run, with dev->stopping set), sets FAILED last, then calls
 * release.  The steps are public too (virtio_dev_negotiate(),
 * virtio_dev_setup_vq(), ...) for tests and for a driver with an unusual
 * order.
 *
 *   periodically or when the driver's needs_reset hook fired:
 *     virtio_dev_check(&dev);   // re-initialises after DEVICE_NEEDS_RESET
 *                               // or a queue the device broke
 */
#ifndef VIRTIO_H
#define VIRTIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"
#include "virtio_errno.h"
#include "virtio_spec.h"
#include "virtqueue.h"

#define VIRTIO_MAX_VQS 8u

/* Bounds on the polling waits. */
#define VIRTIO_RESET_TIMEOUT_NS 100000000ull /* 100 ms for Status to read 0 */
#define VIRTIO_POLL_MAX_ITER 1000000u        /* ... and never more reads */
#define VIRTIO_CONFIG_RETRIES 64u            /* ConfigGeneration retries */
#define VIRTIO_IRQ_MAX_ROUNDS 8u             /* InterruptStatus read+ack rounds per interrupt */
#define VIRTIO_IRQ_STUCK_MAX 4u              /* stuck interrupts in a row before the line is masked */

struct virtio_dev;

/* Where the transport finds a queue's three areas. */
struct virtio_queue_addrs {
    uint32_t num;
    plat_busaddr_t desc;
    plat_busaddr_t avail;
    plat_busaddr_t used;
};

/*
 * The transport.  Status bits are only ever OR-ed in (add_status); the
 * only other status write is the 0 of reset.  config_read is one raw
 * access, no retry: the core makes reads consistent (ConfigGeneration, or
 * two agreeing reads).  Config widths are in bytes: 1, 2, 4 or 8 (8 = two
 * 32-bit halves, low first).  irq_status/irq_ack use
 * the VIRTIO_ISR_* bits (virtio_spec.h).
 */
struct virtio_ops {
    int (*reset)(struct virtio_dev *dev);
    uint8_t (*get_status)(struct virtio_dev *dev);
    void (*add_status)(struct virtio_dev *dev, uint8_t bits);
    uint64_t (*get_features)(struct virtio_dev *dev);
    void (*set_features)(struct virtio_dev *dev, uint64_t features);
    int (*config_read)(struct virtio_dev *dev, unsigned off, unsigned width, uint64_t *val);
    int (*config_write)(struct virtio_dev *dev, unsigned off, unsigned width, uint64_t val);
    /* ConfigGeneration (2.5.1); NULL, or unused on a legacy device: none. */
    uint32_t (*config_generation)(struct virtio_dev *dev);
    uint32_t (*queue_max)(struct virtio_dev *dev, unsigned idx); /* 0: no such queue */
    int (*queue_setup)(struct virtio_dev *dev, unsigned idx, const struct virtio_queue_addrs *a);
    /* Stop queue idx (virtio-mmio: QueueReady 0, legacy QueuePFN 0): 0 once
     * the device reports it stopped, VIRTIO_ETIMEDOUT if it does not. */
    int (*queue_teardown)(struct virtio_dev *dev, unsigned idx);
    void (*notify)(struct virtio_dev *dev, unsigned idx);
    uint32_t (*irq_status)(struct virtio_dev *dev);
    void (*irq_ack)(struct virtio_dev *dev, uint32_t bits);
};

/* "Feature `bit` is only valid together with all of `requires`." */
struct virtio_feature_dep {
    uint8_t bit;
    uint64_t requires;
};

/* What a driver can do.  `supported` lists device-specific bits and the
 * reserved bits it wants (INDIRECT_DESC, EVENT_IDX, ANY_LAYOUT); VERSION_1,
 * ACCESS_PLATFORM and ORDER_PLATFORM are handled by the core, and so is
 * RING_PACKED: accepted when offered on a modern transport to a
 * dma-coherent device, unless listed in `refused`.  Features in `required`
 * must end up accepted or negotiation fails. */
struct virtio_feature_spec {
    uint64_t supported;
    uint64_t required;
    uint64_t refused; /* core features not to accept (VIRTIO_F_RING_PACKED) */
    const struct virtio_feature_dep *deps;
    size_t ndeps;
};

/* A queue's parameters as the driver chooses them (virtio_dev_setup_vq,
 * and configure below). */
struct virtio_vq_params;

/* The driver: what it states to virtio_dev_start(), and its hooks.  Every
 * hook may be NULL. */
struct virtio_driver_ops {
    const char *name;
    uint32_t device_id; /* virtio_dev_start refuses another (VIRTIO_ENODEV) */
    unsigned nqueues;   /* queues 0..nqueues-1, at most VIRTIO_MAX_VQS */
    /* The device's features read, none accepted yet (3.1.1 step 4: the
     * driver may read, not write, the config space to check it can use
     * what is offered): returns the offered bits to decline.  Runs on
     * every negotiation, a re-initialisation's too. */
    uint64_t (*validate)(struct virtio_dev *dev, uint64_t offered);
    /* Features negotiated (dev->features): read the config space, take
     * memory, fill qp[0..nqueues-1] (zeroed before the call; a queue the
     * features do not call for: qp[i].absent). */
    int (*configure)(struct virtio_dev *dev, struct virtio_vq_params *qp);
    /* Queues created (dev->vqs[]), interrupt not yet attached, DRIVER_OK
     * not set: post the first buffers, disable callbacks a polled queue
     * does not want. */
    int (*prepare)(struct virtio_dev *dev);
    /* The start failed after configure was called: the queues are gone
     * (their cancel callbacks have run) and FAILED is set; free what
     * configure and prepare took. */
    void (*release)(struct virtio_dev *dev);
    /* Config space changed (interrupt context). */
    void (*config_changed)(struct virtio_dev *dev);
    /* DEVICE_NEEDS_RESET seen: in the interrupt path (interrupt context),
     * or by virtio_dev_driver_ok()/virtio_dev_check() on the owning
     * thread.  Wake whatever will call virtio_dev_check(); it must be
     * safe in both contexts. */
    void (*needs_reset)(struct virtio_dev *dev);
    /* After a re-initialisation, queues empty and DRIVER_OK set: re-post
     * buffers (thread context, device interrupt unmasked).  A negative
     * return is logged and counted. */
    int (*restart)(struct virtio_dev *dev);
};

struct virtio_dev_stats {
    uint32_t interrupts;       /* handler calls */
    uint32_t spurious;         /* InterruptStatus read 0 */
    uint32_t unknown_irq_bits; /* InterruptStatus reads with bits we do not handle (acked) */
    uint32_t irq_stuck;        /* InterruptStatus still non-zero after VIRTIO_IRQ_MAX_ROUNDS acks */
    uint32_t config_irqs;
    uint32_t needs_reset;      /* DEVICE_NEEDS_RESET observed */
    uint32_t reinits;          /* re-initialisations attempted */
    uint32_t queue_faults;     /* virtio_dev_check found a queue the device broke */
    uint32_t reinit_failures;
    uint32_t restart_failures; /* driver restart hook failed */
    uint32_t config_retries;   /* ConfigGeneration changed during a read */
    uint32_t config_failures;  /* ... more than VIRTIO_CONFIG_RETRIES times */
    uint32_t queues_kept;      /* queues a device did not stop: memory never freed */
};

struct virtio_dev {
    /* transport identity, filled by the attach function */
    const struct virtio_ops *ops;
    uintptr_t base;   /* the transport's handle: virtio-mmio's register
                       * base; the core prints it in messages only */
    uint32_t version; /* the transport's version, for messages
                       * (virtio-mmio: 1 or 2) */
    bool legacy;      /* the legacy interface (virtio 1.2, 7): no VERSION_1,
                       * no FEATURES_OK, guest-endian config */
    uint32_t device_id;
    uint32_t vendor_id;
    unsigned irq;
    unsigned irq_flags; /* PLAT_IRQ_LEVEL / PLAT_IRQ_EDGE */
    bool dma_coherent;

    /* negotiated state */
    uint64_t features;
    const struct virtio_feature_spec *spec;
    const struct virtio_driver_ops *drv;
    void *drv_priv;
    struct virtqueue *vqs[VIRTIO_MAX_VQS];
    unsigned vq_end; /* one past the highest index in vqs[] set up with a
                      * callback: the interrupt's walk */

    bool irq_attached;
    bool stopping;               /* virtio_dev_fail/shutdown under way or done:
                                  * cancel callbacks must not re-post */
    bool broken;                 /* re-initialisation failed: give up (owning thread) */
    bool memory_kept;            /* a queue did not stop (virtio_dev_shutdown/fail):
                                  * the device may still use what it was given */
    volatile bool reset_pending; /* DEVICE_NEEDS_RESET seen, not yet handled:
                                  * virtio_flag_get/virtio_flag_set only */
    unsigned irq_stuck_run;      /* interrupt handler only: stuck invocations in a row */
    struct virtio_dev_stats stats;
};

/* A flag one context sets and another reads (an interrupt handler and a
 * thread, or two threads): relaxed atomic accesses, which are plain loads
 * and stores on every target here; the data behind a flag is protected by
 * the driver's lock, not by the flag. */
static inline bool virtio_flag_get(const volatile bool *f)
{
    return __atomic_load_n(f, __ATOMIC_RELAXED);
}

static inline void virtio_flag_set(volatile bool *f, bool v)
{
    __atomic_store_n(f, v, __ATOMIC_RELAXED);
}

/* ---- transports ------------------------------------------------------- */

/*
 * "This device has no interrupt": what a board passes as irq when the
 * device tree gives none it can use.  Interrupt number 0 is never attached
 * (on a GIC it is SGI 0): virtio_dev_attach_irq() refuses it, and every
 * driver here then runs the device by polling (see each driver's header).
 */
#define VIRTIO_NO_IRQ 0u

/*
 * Bind dev to the virtio-mmio device at base: checks the magic, version
 * (1 or 2) and device id (0 = empty slot: VIRTIO_ENODEV).  Writes nothing
 * to the device.  irq_flags: PLAT_IRQ_LEVEL or PLAT_IRQ_EDGE; irq may be
 * VIRTIO_NO_IRQ.
 */
int virtio_mmio_attach(struct virtio_dev *dev, uintptr_t base, unsigned irq, unsigned irq_flags,
                       bool dma_coherent);

/* ---- features ---------------------------------------------------------- */

static inline bool virtio_has_feature(const struct virtio_dev *dev, unsigned bit)
{
    return bit < 64 && (dev->features & VIRTIO_BIT(bit)) != 0;
}

/*
 * The pure negotiation rule (exposed for tests): from what the device
 * offers and what the driver supports, the set to accept.
 *   accepted = offered & (driver device-specific bits | wanted ring bits |
 *              VERSION_1 | ACCESS_PLATFORM | ORDER_PLATFORM |
 *              RING_PACKED unless spec->refused has it), then features
 *   whose dependencies are missing are dropped until nothing changes.
 *   modern: VERSION_1 must be offered (else VIRTIO_ENOTSUP).
 *   legacy: only the low 32 bits exist; VERSION_1 is dropped.
 * Returns 0 or VIRTIO_ENOTSUP (VERSION_1 missing, or a required feature).
 */
int virtio_select_features(bool legacy, uint64_t offered, const struct virtio_feature_spec *spec,
                           uint64_t *accepted);

/* ---- life cycle -------------------------------------------------------- */

void virtio_dev_set_driver(struct virtio_dev *dev, const struct virtio_driver_ops *drv, void *priv);

/* How virtio_dev_start treats the device's interrupt. */
enum virtio_irq_mode {
    VIRTIO_IRQ_ON,     /* attach and unmask it (when the device has one) */
    VIRTIO_IRQ_MASKED, /* attach it but leave it masked: the driver unmasks */
    VIRTIO_IRQ_POLL,   /* leave it alone: the driver polls */
};

/*
 * Bring an attached device up for drv (see the recipe at the top): id
 * check, negotiation with `features` (which must stay valid for the
 * device's lifetime: re-initialisation uses it again), drv->configure,
 * queues 0..drv->nqueues-1, drv->prepare, the interrupt per irq_mode,
 * DRIVER_OK.  Returns 0, or an error with the device FAILED (except
 * VIRTIO_EINVAL/VIRTIO_ENODEV, which touch nothing) and drv->release
 * called if configure was.
 */
int virtio_dev_start(struct virtio_dev *dev, const struct virtio_driver_ops *drv, void *priv,
                     const struct virtio_feature_spec *features, enum virtio_irq_mode irq_mode);

/*
 * Reset, ACKNOWLEDGE, DRIVER, read the offered features, write the
 * accepted ones, and (modern only) FEATURES_OK with read-back.  Legacy
 * devices skip FEATURES_OK (3.1.2).  On failure FAILED is set.  spec must
 * stay valid for the device's lifetime (used again by re-initialisation).
 */
int virtio_dev_negotiate(struct virtio_dev *dev, const struct virtio_feature_spec *spec);

/* Queue parameters a driver chooses. */
struct virtio_vq_params {
    const char *name;
    uint16_t num;          /* wanted size; clipped to QueueNumMax and rounded
                            * down to a power of two */
    uint16_t max_indirect; /* table size per head when INDIRECT_DESC is on; 0: none */
    vq_callback_t callback;
    vq_cancel_t cancel;
    void *priv;
    plat_lock_t *lock; /* the driver's lock over this queue (virtqueue.h, Locking) */
    bool len_unused;   /* the driver never uses the used length (vq_params.len_unused) */
    /* virtio_dev_start: the driver does not want this queue - an optional
     * one the negotiated features do not call for (virtio-net's control
     * queue without VIRTIO_NET_F_CTRL_VQ, 5.1.2).  Not created:
     * dev->vqs[i] stays NULL, and so it does over re-initialisations. */
    bool absent;
};

/* The size actually used: min(wanted, max, 32768) rounded down to a power
 * of two; 0 when max is 0 (queue absent) or wanted is 0. */
unsigned virtio_queue_size(unsigned wanted, uint32_t max);

/*
 * Create queue idx (after negotiate, before driver_ok) and program it into
 * the transport.  On failure FAILED is set and nothing is left allocated.
 * Errors: VIRTIO_ENOENT (QueueNumMax 0), VIRTIO_EBUSY (queue already live),
 * VIRTIO_E2BIG (legacy: ring above the 32-bit PFN range), VIRTIO_EIO
 * (QueueReady did not read back 1), VIRTIO_ENOMEM, VIRTIO_EINVAL.
 */
int virtio_dev_setup_vq(struct virtio_dev *dev, unsigned idx, const struct virtio_vq_params *p,
                        struct virtqueue **out);

/* Install virtio_dev_irq_handler for dev->irq and unmask it.  VIRTIO_ENXIO,
 * with nothing attached, when dev->irq is VIRTIO_NO_IRQ. */
int virtio_dev_attach_irq(struct virtio_dev *dev);

/* The device has an interrupt line (dev->irq is not VIRTIO_NO_IRQ). */
static inline bool virtio_dev_has_irq(const struct virtio_dev *dev)
{
    return dev->irq != VIRTIO_NO_IRQ;
}

/* Set DRIVER_OK (only after the queues exist).  Returns 0 (VIRTIO_EINVAL
 * for a device not attached).  A DEVICE_NEEDS_RESET the device reports
 * right away is noted, as the interrupt path notes one (the needs_reset
 * hook, reset_pending), for virtio_dev_check() to recover: not an error
 * of the start. */
int virtio_dev_driver_ok(struct virtio_dev *dev);

/* Driver gave up: mask the interrupt, tear down and destroy the queues
 * (outstanding tokens cancelled), then set FAILED - last, because on a
 * legacy device the teardown (QueuePFN 0) resets the device, as QEMU's
 * virtio-mmio does, which would clear a FAILED set earlier.  Returns 0, or
 * VIRTIO_EBUSY when a queue did not stop (see virtio_dev_shutdown). */
int virtio_dev_fail(struct virtio_dev *dev);

/* Orderly stop: mask the interrupt, reset the device, destroy the queues
 * (outstanding tokens cancelled).  Returns 0, or VIRTIO_EBUSY for a device
 * that cannot be stopped: its reset does not complete (Status never reads
 * 0) and a queue still reads as live after its teardown (QueueReady, or
 * legacy QueuePFN).  Such a device may go on reading and writing the
 * queue's rings and the buffers posted to it, so that memory is never
 * freed: the queue is dropped as it is (its tokens are not given back, the
 * buffers stay the device's), counted in stats.queues_kept and logged, and
 * dev->memory_kept is set, which makes virtio_dev_dma_free() keep the
 * driver's own DMA memory too.  (2.4.1: until the reset completes, the
 * device may still act on what the driver gave it.) */
int virtio_dev_shutdown(struct virtio_dev *dev);

/* plat_dma_free() for the memory a driver gave this device (buffers, their
 * metadata) - unless a queue could not be stopped (dev->memory_kept): then
 * the memory is kept, for the device may still write it.  For a driver's
 * shutdown and release paths. */
void virtio_dev_dma_free(const struct virtio_dev *dev, void *p, size_t size);

/* ---- config space (device-specific area) -------------------------------- */

/* Every read is consistent (2.5.1): under one ConfigGeneration on a modern
 * device; on a legacy one (no generation), a read of more than one access
 * - a 64-bit field, a byte string - is repeated until two reads agree
 * (2.5.4).  0, or VIRTIO_EIO after VIRTIO_CONFIG_RETRIES changes (counted
 * in stats.config_retries and config_failures), or the access's error. */
int virtio_config_read8(struct virtio_dev *dev, unsigned off, uint8_t *v);
int virtio_config_read16(struct virtio_dev *dev, unsigned off, uint16_t *v);
int virtio_config_read32(struct virtio_dev *dev, unsigned off, uint32_t *v);
int virtio_config_read64(struct virtio_dev *dev, unsigned off, uint64_t *v);
/* len bytes from off, byte by byte, as one read (a field wider than 32
 * bits, e.g. virtio-net's mac, is not read atomically). */
int virtio_config_read_bytes(struct virtio_dev *dev, unsigned off, void *buf, unsigned len);
int virtio_config_write8(struct virtio_dev *dev, unsigned off, uint8_t v);
int virtio_config_write16(struct virtio_dev *dev, unsigned off, uint16_t v);
int virtio_config_write32(struct virtio_dev *dev, unsigned off, uint32_t v);

/* ---- interrupts and recovery ------------------------------------------- */

/*
 * The interrupt handler: reads InterruptStatus and acks every bit it read,
 * known or not, again and again until it reads 0 - at most
 * VIRTIO_IRQ_MAX_ROUNDS acks, then it gives up and counts irq_stuck.  Then
 * it dispatches what any round showed: config change -> DEVICE_NEEDS_RESET
 * check, else the driver's config_changed hook; used buffers -> every
 * queue's virtqueue_interrupt().  Bits other than VRING and CONFIG are
 * counted (unknown_irq_bits) and otherwise ignored.  A first read of 0
 * counts as spurious.  After VIRTIO_IRQ_STUCK_MAX stuck invocations in a
 * row (a level-triggered line that never drops would bring the handler
 * back for ever) the line is masked and a reset requested as for
 * DEVICE_NEEDS_RESET (reset_pending, the needs_reset hook, not counted in
 * stats.needs_reset): the reset clears InterruptStatus and the
 * re-initialisation unmasks the line.  Returns whether InterruptStatus
 * showed anything.
 */
bool virtio_dev_interrupt(struct virtio_dev *dev);
/* The same with the plat_irq_handler_t signature (arg = dev). */
void virtio_dev_irq_handler(void *arg);

/*
 * Thread context.  If DEVICE_NEEDS_RESET was seen (or Status now shows it),
 * or a queue is broken (the device wrote a value the ring refused, which
 * only a reset can undo; counted in queue_faults), re-initialise: reset,
 * renegotiate, empty every queue in place and program it into the device
 * again (its memory is kept, nothing is allocated; outstanding tokens go
 * through the queues' cancel callbacks), DRIVER_OK,
 * then the driver's restart hook re-posts buffers.  Returns 0 when nothing
 * was needed, 1 after a successful re-initialisation, a negative error if
 * it failed (the device is then FAILED and dev->broken set).  The caller
 * must not be using the queues concurrently; the device interrupt is
 * masked meanwhile.
 */
int virtio_dev_check(struct virtio_dev *dev);
/* Has the device asked for a reset?  True once its config notification
 * said so, or - with read_status - when Status holds DEVICE_NEEDS_RESET
 * (2.1.2: only the notification announces it, so a device without an
 * interrupt line must be asked); counted and flagged as the notification
 * would.  For a driver's own check (virtio_net_check) before it calls
 * virtio_dev_reinit(); owning thread. */
bool virtio_dev_reset_requested(struct virtio_dev *dev, bool read_status);
/* The re-initialisation itself (also usable to recover a broken queue). */
int virtio_dev_reinit(struct virtio_dev *dev);

#endif /* VIRTIO_H */
