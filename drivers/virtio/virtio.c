/*
 * virtio.c - the transport-independent virtio device core: feature
 * negotiation (3.1.1), queue creation, the interrupt handler and
 * re-initialisation after DEVICE_NEEDS_RESET (2.1.1).
 *
 * Everything reaches the device through dev->ops (virtio_mmio.c today) and
 * the rings through virtqueue.c.  Assumes the caller serialises calls on
 * one device; only virtio_dev_interrupt() runs in interrupt context (see
 * virtio.h, Concurrency, for what that may race with and the locks).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "plat.h"
#include "virtio.h"

/* Bits in the reserved 24..49 range that the core itself implements. */
#define CORE_BITS                                                                  \
    (VIRTIO_BIT(VIRTIO_F_VERSION_1) | VIRTIO_BIT(VIRTIO_F_ACCESS_PLATFORM) |       \
     VIRTIO_BIT(VIRTIO_F_ORDER_PLATFORM))
/* Reserved bits accepted only when the driver asks for them: the ring
 * features the core implements, and legacy ANY_LAYOUT, which concerns only
 * how the driver lays out its buffers (virtio-net's header). */
#define RING_BITS                                                                  \
    (VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX) |         \
     VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT))
/* Reserved bits accepted whenever offered unless the driver refuses them
 * (virtio_feature_spec.refused): the packed ring, used by every driver
 * through the same virtqueue interface.  Modern only - legacy has 32 bits. */
#define DEFAULT_RING_BITS VIRTIO_BIT(VIRTIO_F_RING_PACKED)
/* The reserved range [24, 50). */
#define TRANSPORT_RANGE                                                            \
    ((VIRTIO_BIT(VIRTIO_TRANSPORT_F_END) - 1u) & ~(VIRTIO_BIT(VIRTIO_TRANSPORT_F_START) - 1u))

/* ---- features ------------------------------------------------------------- */

int virtio_select_features(bool legacy, uint64_t offered, const struct virtio_feature_spec *spec,
                           uint64_t *accepted)
{
    uint64_t supported = spec ? spec->supported : 0;
    uint64_t want, acc;
    bool changed;
    size_t i;

    want = (supported & ~TRANSPORT_RANGE) | (supported & RING_BITS) | CORE_BITS |
           (DEFAULT_RING_BITS & ~(spec ? spec->refused : 0));
    acc = offered & want;

    if (legacy) {
        acc &= 0xffffffffull; /* legacy has 32 feature bits, no VERSION_1 */
    } else if (!(offered & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
        return VIRTIO_ENOTSUP; /* a modern transport without VERSION_1 */
    }

    /* Drop features whose prerequisites are not accepted; dropping one may
     * orphan another, so repeat until stable (at most one pass per bit). */
    do {
        changed = false;
        for (i = 0; spec && i < spec->ndeps; i++) {
            const struct virtio_feature_dep *d = &spec->deps[i];

            if (d->bit >= 64 || !(acc & VIRTIO_BIT(d->bit)))
                continue;
            if ((acc & d->requires) != d->requires) {
                acc &= ~VIRTIO_BIT(d->bit);
                changed = true;
            }
        }
    } while (changed);

    if (spec && (acc & spec->required) != spec->required)
        return VIRTIO_ENOTSUP;
    *accepted = acc;
    return 0;
}

/* ACKNOWLEDGE .. FEATURES_OK on a device that was just reset. */
static int negotiate_after_reset(struct virtio_dev *dev)
{
    const struct virtio_ops *ops = dev->ops;
    uint64_t offered, acc = 0;
    int err;

    ops->add_status(dev, VIRTIO_STATUS_ACKNOWLEDGE);
    ops->add_status(dev, VIRTIO_STATUS_DRIVER);
    offered = ops->get_features(dev);
    if (!dev->dma_coherent) /* see virtqueue_create: packed needs coherent DMA */
        offered &= ~VIRTIO_BIT(VIRTIO_F_RING_PACKED);
    if (dev->drv && dev->drv->validate)
        offered &= ~dev->drv->validate(dev, offered);
    err = virtio_select_features(dev->legacy, offered, dev->spec, &acc);
    if (err) {
        plat_log("virtio@%lx: features %llx unusable: %s (%d)", (unsigned long)dev->base,
                 (unsigned long long)offered, virtio_strerror(err), err);
        return err;
    }
    ops->set_features(dev, acc);
    if (!dev->legacy) {
        /* 3.1.1 steps 5-6; legacy devices have no FEATURES_OK (3.1.2). */
        ops->add_status(dev, VIRTIO_STATUS_FEATURES_OK);
        if (!(ops->get_status(dev) & VIRTIO_STATUS_FEATURES_OK)) {
            plat_log("virtio@%lx: FEATURES_OK refused for %llx", (unsigned long)dev->base,
                     (unsigned long long)acc);
            return VIRTIO_ENOTSUP;
        }
    }
    dev->features = acc;
    return 0;
}

void virtio_dev_set_driver(struct virtio_dev *dev, const struct virtio_driver_ops *drv, void *priv)
{
    if (!dev)
        return;
    dev->drv = drv;
    dev->drv_priv = priv;
}

int virtio_dev_negotiate(struct virtio_dev *dev, const struct virtio_feature_spec *spec)
{
    int err;

    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    dev->spec = spec;
    dev->features = 0;
    dev->broken = false;
    virtio_flag_set(&dev->reset_pending, false);

    err = dev->ops->reset(dev);
    if (err)
        goto fail;
    err = negotiate_after_reset(dev);
    if (err)
        goto fail;
    return 0;

fail:
    dev->ops->add_status(dev, VIRTIO_STATUS_FAILED);
    return err;
}

/* ---- queues --------------------------------------------------------------- */

unsigned virtio_queue_size(unsigned wanted, uint32_t max)
{
    unsigned n = wanted;

    if (max == 0 || wanted == 0)
        return 0;
    if (n > max)
        n = max;
    if (n > VRING_MAX_SIZE)
        n = VRING_MAX_SIZE;
    while (n & (n - 1)) /* round down to a power of two */
        n &= n - 1;
    return n;
}

static void dev_notify(void *arg, unsigned idx)
{
    struct virtio_dev *dev = arg;

    dev->ops->notify(dev, idx);
}

static void fill_addrs(struct virtqueue *vq, struct virtio_queue_addrs *a)
{
    a->num = virtqueue_size(vq);
    a->desc = virtqueue_desc_addr(vq);
    a->avail = virtqueue_avail_addr(vq);
    a->used = virtqueue_used_addr(vq);
}

int virtio_dev_setup_vq(struct virtio_dev *dev, unsigned idx, const struct virtio_vq_params *p,
                        struct virtqueue **out)
{
    struct virtio_queue_addrs a;
    struct virtqueue *vq = NULL;
    struct vq_params vp;
    uint32_t max;
    unsigned num;
    int err;

    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    if (!p || !out || idx >= VIRTIO_MAX_VQS) {
        err = VIRTIO_EINVAL;
        goto fail;
    }
    if (dev->vqs[idx]) {
        err = VIRTIO_EBUSY;
        goto fail;
    }
    max = dev->ops->queue_max(dev, idx);
    if (max == 0) {
        err = VIRTIO_ENOENT;
        goto fail;
    }
    num = virtio_queue_size(p->num, max);
    if (num == 0) {
        err = VIRTIO_EINVAL;
        goto fail;
    }

    memset(&vp, 0, sizeof(vp));
    vp.name = p->name;
    vp.index = idx;
    vp.num = (uint16_t)num;
    vp.max_indirect = p->max_indirect;
    vp.indirect = virtio_has_feature(dev, VIRTIO_F_INDIRECT_DESC);
    vp.event_idx = virtio_has_feature(dev, VIRTIO_F_EVENT_IDX);
    vp.packed = virtio_has_feature(dev, VIRTIO_F_RING_PACKED);
    vp.dma_coherent = dev->dma_coherent;
    vp.legacy = dev->legacy;
    vp.len_unused = p->len_unused;
    vp.notify = dev_notify;
    vp.notify_arg = dev;
    vp.callback = p->callback;
    vp.cancel = p->cancel;
    vp.priv = p->priv;
    vp.lock = p->lock;
    err = virtqueue_create(&vp, &vq);
    if (err)
        goto fail;

    fill_addrs(vq, &a);
    err = dev->ops->queue_setup(dev, idx, &a);
    if (err)
        goto fail_vq;

    dev->vqs[idx] = vq;
    if (p->callback && idx >= dev->vq_end)
        dev->vq_end = idx + 1;
    *out = vq;
    return 0;

fail_vq:
    virtqueue_destroy(vq);
fail:
    plat_log("virtio@%lx: queue %u set-up failed: %s (%d)", (unsigned long)dev->base, idx, virtio_strerror(err),
             err);
    dev->ops->add_status(dev, VIRTIO_STATUS_FAILED);
    return err;
}

/* teardown: the device was not reset (virtio_dev_fail), or its reset did
 * not complete - stop each queue on the transport first.  A queue the
 * device will not stop is dropped without being destroyed: its rings and
 * the buffers behind its tokens stay the device's, for good (see
 * virtio_dev_shutdown).  Returns 0, or VIRTIO_EBUSY if one was kept. */
static int destroy_queues(struct virtio_dev *dev, bool teardown)
{
    unsigned i;
    int err = 0;

    for (i = 0; i < VIRTIO_MAX_VQS; i++) {
        if (!dev->vqs[i])
            continue;
        if (teardown && dev->ops->queue_teardown(dev, i) != 0) {
            dev->memory_kept = true;
            dev->stats.queues_kept++;
            plat_log("virtio@%lx: queue %u did not stop: its memory is kept, never freed",
                     (unsigned long)dev->base, i);
            err = VIRTIO_EBUSY;
        } else {
            virtqueue_destroy(dev->vqs[i]);
        }
        dev->vqs[i] = NULL;
    }
    dev->vq_end = 0;
    return err;
}

void virtio_dev_dma_free(const struct virtio_dev *dev, void *p, size_t size)
{
    if (p && !dev->memory_kept)
        plat_dma_free(p, size);
}

/* ---- life cycle ----------------------------------------------------------- */

int virtio_dev_attach_irq(struct virtio_dev *dev)
{
    int err;

    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    if (dev->irq_attached) {
        plat_irq_unmask(dev->irq); /* e.g. again after a shutdown */
        return 0;
    }
    if (!virtio_dev_has_irq(dev))
        return VIRTIO_ENXIO; /* never SGI 0: the driver polls instead */
    err = plat_irq_attach(dev->irq, dev->irq_flags, virtio_dev_irq_handler, dev);
    if (err)
        return err;
    dev->irq_attached = true;
    plat_irq_unmask(dev->irq);
    return 0;
}

/* Interrupt context or the owning thread.  Both may see the flag clear at
 * once and both count the event and call the hook: harmless (the hook is a
 * wake-up).  No byte-wide exchange: riscv64 has none without libatomic. */
static bool request_reset(struct virtio_dev *dev)
{
    if (virtio_flag_get(&dev->reset_pending))
        return false;
    virtio_flag_set(&dev->reset_pending, true);
    return true;
}

static void note_needs_reset(struct virtio_dev *dev)
{
    if (!request_reset(dev))
        return;
    __atomic_fetch_add(&dev->stats.needs_reset, 1u, __ATOMIC_RELAXED);
    if (dev->drv && dev->drv->needs_reset)
        dev->drv->needs_reset(dev);
}

int virtio_dev_driver_ok(struct virtio_dev *dev)
{
    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    dev->ops->add_status(dev, VIRTIO_STATUS_DRIVER_OK);
    if (dev->ops->get_status(dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
        note_needs_reset(dev); /* recoverable: virtio_dev_check() */
    return 0;
}

int virtio_dev_start(struct virtio_dev *dev, const struct virtio_driver_ops *drv, void *priv,
                     const struct virtio_feature_spec *features, enum virtio_irq_mode irq_mode)
{
    struct virtio_vq_params qp[VIRTIO_MAX_VQS];
    struct virtqueue *vq;
    unsigned i;
    int err;

    if (!dev || !dev->ops || !drv || !features || drv->nqueues > VIRTIO_MAX_VQS)
        return VIRTIO_EINVAL;
    if (dev->device_id != drv->device_id)
        return VIRTIO_ENODEV;
    dev->stopping = false;
    virtio_dev_set_driver(dev, drv, priv);
    if ((err = virtio_dev_negotiate(dev, features)) != 0)
        return err; /* FAILED set; nothing to unwind */
    memset(qp, 0, sizeof(qp));
    if (drv->configure && (err = drv->configure(dev, qp)) != 0)
        goto fail;
    for (i = 0; i < drv->nqueues; i++)
        if (!qp[i].absent && (err = virtio_dev_setup_vq(dev, i, &qp[i], &vq)) != 0)
            goto fail;
    if (drv->prepare && (err = drv->prepare(dev)) != 0)
        goto fail;
    if (irq_mode != VIRTIO_IRQ_POLL && virtio_dev_has_irq(dev)) {
        if ((err = virtio_dev_attach_irq(dev)) != 0)
            goto fail;
        if (irq_mode == VIRTIO_IRQ_MASKED)
            plat_irq_mask(dev->irq); /* before DRIVER_OK: not one interrupt yet */
    }
    if ((err = virtio_dev_driver_ok(dev)) != 0)
        goto fail;
    return 0;
fail:
    virtio_dev_fail(dev); /* queues torn down (tokens cancelled), FAILED last */
    if (drv->release)
        drv->release(dev);
    return err;
}

int virtio_dev_fail(struct virtio_dev *dev)
{
    int err;

    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    dev->stopping = true;
    if (dev->irq_attached)
        plat_irq_mask(dev->irq);
    err = destroy_queues(dev, true);
    /* Last: on legacy virtio-mmio a QueuePFN 0 write of the teardown
     * resets the whole device (QEMU's virtio-mmio does), clearing Status. */
    dev->ops->add_status(dev, VIRTIO_STATUS_FAILED);
    return err;
}

int virtio_dev_shutdown(struct virtio_dev *dev)
{
    int err;

    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    dev->stopping = true;
    if (dev->irq_attached)
        plat_irq_mask(dev->irq);
    err = dev->ops->reset(dev);
    /* A device that does not finish its reset may still use the rings:
     * tear the queues down on the transport before freeing them. */
    return destroy_queues(dev, err != 0);
}

/* ---- config space --------------------------------------------------------- */

/*
 * One consistent read of config space (2.5.1): `n` accesses of `width`
 * bytes from `off` - one field (n == 1, into *field) or a byte string
 * (width == 1, field NULL, into bytes[0..n), of any length, 1 included).
 * A modern device with a ConfigGeneration: the accesses are repeated until
 * the generation is the same before and after them.  Legacy, or no
 * generation: a read of more than one access (a 64-bit field is two 32-bit
 * halves) is repeated until two passes agree (2.5.4, legacy); one access
 * of up to 32 bits is atomic and read once.  Every unconfirmed pass but an
 * agreement's first counts a retry; VIRTIO_CONFIG_RETRIES of them end it
 * with VIRTIO_EIO.
 */
static int cfg_read(struct virtio_dev *dev, unsigned off, unsigned width, unsigned n, uint64_t *field,
                    uint8_t *bytes)
{
    bool gen, multi, first = true;
    unsigned retries = 0;

    if (!dev || !dev->ops || (!field && !bytes && n))
        return VIRTIO_EINVAL;
    gen = !dev->legacy && dev->ops->config_generation;
    multi = n > 1 || width == 8;
    for (;;) {
        uint32_t g0 = gen ? dev->ops->config_generation(dev) : 0;
        bool same = true;

        for (unsigned i = 0; i < n; i++) {
            uint64_t x = 0;
            int err = dev->ops->config_read(dev, off + i * width, width, &x);

            if (err)
                return err;
            if (field) {
                same = *field == x;
                *field = x;
            } else {
                same = same && bytes[i] == (uint8_t)x;
                bytes[i] = (uint8_t)x;
            }
        }
        if (gen ? dev->ops->config_generation(dev) == g0 : !multi || (!first && same))
            return 0;
        if (gen || !first) {
            dev->stats.config_retries++;
            if (++retries == VIRTIO_CONFIG_RETRIES)
                break;
        }
        first = false;
    }
    dev->stats.config_failures++;
    return VIRTIO_EIO;
}

int virtio_config_read8(struct virtio_dev *dev, unsigned off, uint8_t *v)
{
    uint64_t x = 0;
    int err = cfg_read(dev, off, 1, 1, &x, NULL);

    if (!err && v)
        *v = (uint8_t)x;
    return err;
}

int virtio_config_read16(struct virtio_dev *dev, unsigned off, uint16_t *v)
{
    uint64_t x = 0;
    int err = cfg_read(dev, off, 2, 1, &x, NULL);

    if (!err && v)
        *v = (uint16_t)x;
    return err;
}

int virtio_config_read32(struct virtio_dev *dev, unsigned off, uint32_t *v)
{
    uint64_t x = 0;
    int err = cfg_read(dev, off, 4, 1, &x, NULL);

    if (!err && v)
        *v = (uint32_t)x;
    return err;
}

int virtio_config_read64(struct virtio_dev *dev, unsigned off, uint64_t *v)
{
    uint64_t x = 0;
    int err = cfg_read(dev, off, 8, 1, &x, NULL);

    if (!err && v)
        *v = x;
    return err;
}

int virtio_config_read_bytes(struct virtio_dev *dev, unsigned off, void *buf, unsigned len)
{
    return cfg_read(dev, off, 1, len, NULL, buf);
}

static int cfg_write(struct virtio_dev *dev, unsigned off, unsigned width, uint64_t v)
{
    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    return dev->ops->config_write(dev, off, width, v);
}

int virtio_config_write8(struct virtio_dev *dev, unsigned off, uint8_t v)
{
    return cfg_write(dev, off, 1, v);
}

int virtio_config_write16(struct virtio_dev *dev, unsigned off, uint16_t v)
{
    return cfg_write(dev, off, 2, v);
}

int virtio_config_write32(struct virtio_dev *dev, unsigned off, uint32_t v)
{
    return cfg_write(dev, off, 4, v);
}

/* ---- interrupts ----------------------------------------------------------- */

bool virtio_dev_interrupt(struct virtio_dev *dev)
{
    const uint32_t known = VIRTIO_ISR_VRING | VIRTIO_ISR_CONFIG;
    uint32_t isr, seen = 0, handled;
    unsigned i, round;
    bool stuck = false;

    if (!dev || !dev->ops)
        return false;
    dev->stats.interrupts++;
    /*
     * Read and ack until InterruptStatus reads 0.  On an edge-triggered
     * line, a bit that arrives between a read and its ack keeps the line
     * up and no further edge comes: it must be seen now.  Every bit is
     * acked, known or not, or a level-triggered line never drops.  Bounded,
     * for a device whose status never clears.  Acks come before the
     * dispatch: an event after the last read raises the line again.
     */
    for (round = 0;; round++) {
        isr = dev->ops->irq_status(dev);
        if (isr == 0)
            break;
        if (round == VIRTIO_IRQ_MAX_ROUNDS) {
            dev->stats.irq_stuck++;
            stuck = true;
            break;
        }
        if (isr & ~known)
            dev->stats.unknown_irq_bits++;
        dev->ops->irq_ack(dev, isr);
        seen |= isr;
    }
    if (!stuck) {
        dev->irq_stuck_run = 0;
    } else if (++dev->irq_stuck_run >= VIRTIO_IRQ_STUCK_MAX && dev->irq_attached) {
        /* The line stays up whatever we ack: the handler would run back
         * to back for ever.  Mask it and have the owning thread reset the
         * device (which clears InterruptStatus); reinit unmasks it. */
        dev->irq_stuck_run = 0;
        plat_irq_mask(dev->irq);
        plat_log("virtio@%lx: InterruptStatus does not clear; interrupt masked, resetting",
                 (unsigned long)dev->base);
        if (request_reset(dev) && dev->drv && dev->drv->needs_reset)
            dev->drv->needs_reset(dev);
    }
    if (seen == 0) {
        dev->stats.spurious++;
        return false;
    }
    handled = seen & known;

    if (handled & VIRTIO_ISR_CONFIG) {
        dev->stats.config_irqs++;
        if (dev->ops->get_status(dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
            note_needs_reset(dev);
        else if (dev->drv && dev->drv->config_changed)
            dev->drv->config_changed(dev);
    }
    /* A device that needs a reset may have left the rings inconsistent;
     * its queues are emptied by the re-initialisation instead. */
    if ((handled & VIRTIO_ISR_VRING) && !virtio_flag_get(&dev->reset_pending)) {
        /* Up to the highest queue with a callback, not every slot: a
         * queue reaped by polling (virtio-net's TX and control queues)
         * has nothing to do in the interrupt (virtqueue_interrupt). */
        for (i = 0; i < dev->vq_end && i < VIRTIO_MAX_VQS; i++)
            if (dev->vqs[i])
                virtqueue_interrupt(dev->vqs[i]);
    }
    return true;
}

void virtio_dev_irq_handler(void *arg)
{
    (void)virtio_dev_interrupt(arg);
}

/* ---- DEVICE_NEEDS_RESET --------------------------------------------------- */

/* Hold or release every queue (virtqueue_hold): a re-initialisation holds
 * them from before the reset until DRIVER_OK, so a thread posting
 * meanwhile is refused (VIRTIO_EBUSY) instead of notifying a device that
 * is not running. */
static void hold_queues(struct virtio_dev *dev, bool hold)
{
    for (unsigned i = 0; i < VIRTIO_MAX_VQS; i++)
        if (dev->vqs[i])
            virtqueue_hold(dev->vqs[i], hold);
}

int virtio_dev_reinit(struct virtio_dev *dev)
{
    struct virtio_queue_addrs a;
    bool stopped = false;
    unsigned i;
    int err, r;

    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    dev->stats.reinits++;
    plat_log("virtio@%lx: re-initialising", (unsigned long)dev->base);
    if (dev->irq_attached)
        plat_irq_mask(dev->irq);
    hold_queues(dev, true); /* nothing posted or notified until DRIVER_OK */

    err = dev->ops->reset(dev);
    if (err)
        goto fail;
    stopped = true; /* the device no longer touches the rings */
    virtio_flag_set(&dev->reset_pending, false);
    err = negotiate_after_reset(dev);
    if (err)
        goto fail;

    for (i = 0; i < VIRTIO_MAX_VQS; i++) {
        struct virtqueue *vq = dev->vqs[i];

        if (!vq)
            continue;
        if (virtqueue_is_packed(vq) != virtio_has_feature(dev, VIRTIO_F_RING_PACKED)) {
            err = VIRTIO_ENOTSUP; /* the ring format is fixed at set-up */
            goto fail;
        }
        /* Empties the ring: outstanding tokens go to the cancel callback.
         * Under the driver's lock (the queue's; released around each
         * cancel), so a thread posting or reaping meanwhile waits or is
         * refused rather than racing the wipe. */
        virtqueue_reset(vq, virtio_has_feature(dev, VIRTIO_F_INDIRECT_DESC),
                        virtio_has_feature(dev, VIRTIO_F_EVENT_IDX));
        if (dev->ops->queue_max(dev, i) < virtqueue_size(vq)) {
            err = VIRTIO_E2BIG; /* the device shrank the queue */
            goto fail;
        }
        fill_addrs(vq, &a);
        err = dev->ops->queue_setup(dev, i, &a);
        if (err)
            goto fail;
    }

    /* As at start: a DEVICE_NEEDS_RESET the device set before DRIVER_OK
     * comes with no notification (2.1.2), so Status is read once more. */
    (void)virtio_dev_driver_ok(dev);
    hold_queues(dev, false);
    if (dev->irq_attached)
        plat_irq_unmask(dev->irq);
    if (dev->drv && dev->drv->restart) {
        r = dev->drv->restart(dev);
        if (r < 0) {
            dev->stats.restart_failures++;
            plat_log("virtio@%lx: driver restart failed: %s (%d)", (unsigned long)dev->base, virtio_strerror(r), r);
        }
    }
    return 1;

fail:
    dev->stats.reinit_failures++;
    plat_log("virtio@%lx: re-initialisation failed: %s (%d)", (unsigned long)dev->base, virtio_strerror(err), err);
    dev->ops->add_status(dev, VIRTIO_STATUS_FAILED);
    dev->broken = true;
    if (stopped) {
        /* Give every outstanding request back; the rings stay allocated. */
        for (i = 0; i < VIRTIO_MAX_VQS; i++)
            if (dev->vqs[i]) {
                virtqueue_reset(dev->vqs[i], false, false);
                virtqueue_break(dev->vqs[i]);
            }
    }
    hold_queues(dev, false); /* broken (adds: VIRTIO_EIO), or as they were */
    return err;
}

int virtio_dev_check(struct virtio_dev *dev)
{
    if (!dev || !dev->ops)
        return VIRTIO_EINVAL;
    if (dev->broken)
        return VIRTIO_EIO;
    if (!virtio_flag_get(&dev->reset_pending))
        for (unsigned i = 0; i < VIRTIO_MAX_VQS; i++)
            if (dev->vqs[i] && virtqueue_is_broken(dev->vqs[i])) {
                dev->stats.queue_faults++;
                plat_log("virtio@%lx: queue %u broken by the device", (unsigned long)dev->base, i);
                return virtio_dev_reinit(dev);
            }
    if (!virtio_dev_reset_requested(dev, true))
        return 0;
    return virtio_dev_reinit(dev);
}

bool virtio_dev_reset_requested(struct virtio_dev *dev, bool read_status)
{
    if (virtio_flag_get(&dev->reset_pending))
        return true;
    if (!read_status || !(dev->ops->get_status(dev) & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
        return false;
    note_needs_reset(dev);
    return true;
}

/* ---- error words ------------------------------------------------------------ */

const char *virtio_strerror(int err)
{
    switch (err) {
    case 0: return "ok";
    case VIRTIO_ENOENT: return "queue not present on the device";
    case VIRTIO_EIO: return "I/O error";
    case VIRTIO_ENXIO: return "no interrupt line";
    case VIRTIO_E2BIG: return "too large for the device";
    case VIRTIO_EAGAIN: return "nothing yet, try again";
    case VIRTIO_ENOMEM: return "out of DMA memory";
    case VIRTIO_EBUSY: return "device busy";
    case VIRTIO_ENODEV: return "no such device";
    case VIRTIO_EINVAL: return "bad argument";
    case VIRTIO_ENOSPC: return "queue full";
    case VIRTIO_EROFS: return "read-only device";
    case VIRTIO_ENOTSUP: return "not supported by the device";
    case VIRTIO_ETIMEDOUT: return "device did not answer in time";
    case VIRTIO_ECANCELED: return "cancelled by a device reset";
    default: return "unknown error";
    }
}
