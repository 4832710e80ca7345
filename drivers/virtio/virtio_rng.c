/*
 * virtio_rng.c - virtio entropy device (virtio 1.2, 5.4), see virtio_rng.h.
 *
 * One request at a time: the driver's DMA buffer is posted as a single
 * device-writable descriptor; the token is the rng struct itself.  The used
 * length is validated by the virtqueue (never more than posted) and again
 * here against the copy-out.  State shared with the interrupt path is
 * guarded by rng->lock; callbacks to the caller run outside it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "plat.h"
#include "virtio.h"
#include "virtio_rng.h"

#define RNG_MAX_READ 0x7fffffffu
#define RNG_QUEUE_SIZE 4u /* one request in flight; keep the ring small */

struct rng_cb {
    virtio_rng_done_t fn;
    void *arg;
    int res;
};

/* A request ended with `result` (bytes in buf, or an error).  Caller holds
 * the lock; an async callback is returned in *cb to be run after unlock. */
static void rng_finish_locked(struct virtio_rng *rng, int result, struct rng_cb *cb)
{
    if (rng->async_cb) {
        int res = result;

        if (result > 0) {
            size_t n = (size_t)result < rng->async_len ? (size_t)result : rng->async_len;

            memcpy(rng->async_dst, rng->buf, n);
            rng->stats.bytes += (uint32_t)n;
            res = (int)n;
        }
        cb->fn = rng->async_cb;
        cb->arg = rng->async_arg;
        cb->res = res;
        rng->async_cb = NULL;
        rng->done = false;
        return;
    }
    rng->result = result;
    rng->done = true;
}

/* Take a completion off the ring if there is one.  Caller holds the lock. */
static void rng_collect_locked(struct virtio_rng *rng, struct rng_cb *cb)
{
    uint32_t len = 0;
    void *tok;

    if (!rng->busy)
        return;
    tok = virtqueue_get_used(rng->vq, &len);
    if (!tok) {
        /* A device fault: the buffer may still be the device's, so it
         * stays busy until a reset gives it back (cancel). */
        if (virtqueue_is_broken(rng->vq) && !rng->done && !cb->fn) {
            rng->stats.errors++;
            rng_finish_locked(rng, VIRTIO_EIO, cb);
        }
        return;
    }
    rng->busy = false;
    rng->stats.completed++;
    if (tok != rng || len > rng->posted) { /* cannot happen: validated by the ring */
        rng->stats.errors++;
        rng_finish_locked(rng, VIRTIO_EIO, cb);
        return;
    }
    if (len == 0)
        rng->stats.empty++;
    rng_finish_locked(rng, (int)len, cb);
}

static void rng_run_cb(struct virtio_rng *rng, const struct rng_cb *cb)
{
    if (cb->fn)
        cb->fn(cb->arg, cb->res);
    if (rng->on_complete)
        rng->on_complete(rng->on_complete_arg);
}

/* Queue callback: interrupt context. */
static void rng_vq_done(struct virtqueue *vq, void *priv)
{
    struct virtio_rng *rng = priv;
    struct rng_cb cb = {NULL, NULL, 0};
    plat_irqstate_t s;

    (void)vq;
    s = plat_lock(&rng->lock);
    rng_collect_locked(rng, &cb);
    plat_unlock(&rng->lock, s);
    rng_run_cb(rng, &cb);
}

/* Ring emptied by a device reset: the buffer is ours again. */
static void rng_vq_cancel(struct virtqueue *vq, void *token, void *priv)
{
    struct virtio_rng *rng = priv;
    struct rng_cb cb = {NULL, NULL, 0};
    plat_irqstate_t s;

    (void)vq;
    (void)token;
    s = plat_lock(&rng->lock);
    rng->busy = false;
    rng->stats.cancelled++;
    rng_finish_locked(rng, VIRTIO_ECANCELED, &cb);
    plat_unlock(&rng->lock, s);
    rng_run_cb(rng, &cb);
}

static void rng_needs_reset(struct virtio_dev *dev)
{
    struct virtio_rng *rng = dev->drv_priv;

    if (rng && rng->on_complete)
        rng->on_complete(rng->on_complete_arg); /* wake the reader */
}

static int rng_restart(struct virtio_dev *dev)
{
    struct virtio_rng *rng = dev->drv_priv;

    /* Nothing to re-post: a cancelled read posts again itself.  Keep
     * polling mode's callbacks off on the fresh ring (a queue call: under
     * the lock, virtqueue.h, Locking). */
    if (rng && rng->mode == VIRTIO_RNG_POLL) {
        plat_irqstate_t s = plat_lock(&rng->lock);

        virtqueue_disable_cb(rng->vq);
        plat_unlock(&rng->lock, s);
    }
    return 0;
}

/* The buffer's allocation: to the end of its last cache line, which only
 * the device writes (PLAT_DMA_LINE). */
static size_t buf_alloc_size(const struct virtio_rng *rng)
{
    return PLAT_DMA_LINES(rng->buf_size);
}

static int rng_configure(struct virtio_dev *dev, struct virtio_vq_params *qp)
{
    struct virtio_rng *rng = dev->drv_priv;
    plat_busaddr_t bus;

    rng->buf = plat_dma_alloc(buf_alloc_size(rng), PLAT_DMA_LINE, &bus);
    if (!rng->buf)
        return VIRTIO_ENOMEM;
    qp[0] = (struct virtio_vq_params){.name = "rng.requestq",
                                      .num = RNG_QUEUE_SIZE,
                                      .callback = rng_vq_done,
                                      .cancel = rng_vq_cancel,
                                      .priv = rng,
                                      .lock = &rng->lock};
    return 0;
}

static int rng_prepare(struct virtio_dev *dev)
{
    struct virtio_rng *rng = dev->drv_priv;

    rng->vq = dev->vqs[0];
    if (rng->mode == VIRTIO_RNG_POLL)
        virtqueue_disable_cb(rng->vq);
    return 0;
}

static void rng_release(struct virtio_dev *dev)
{
    struct virtio_rng *rng = dev->drv_priv;

    virtio_dev_dma_free(dev, rng->buf, buf_alloc_size(rng));
    rng->buf = NULL;
    rng->vq = NULL;
}

static const struct virtio_driver_ops rng_driver_ops = {
    .name = "virtio-rng",
    .device_id = VIRTIO_ID_RNG,
    .nqueues = 1,
    .configure = rng_configure,
    .prepare = rng_prepare,
    .release = rng_release,
    .config_changed = NULL,
    .needs_reset = rng_needs_reset,
    .restart = rng_restart,
};

/* virtio-rng has no device features; the ring's EVENT_IDX is welcome. */
static const struct virtio_feature_spec rng_features = {
    .supported = VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
    .required = 0,
    .deps = NULL,
    .ndeps = 0,
};

int virtio_rng_init(struct virtio_rng *rng, struct virtio_dev *dev,
                    const struct virtio_rng_config *cfg)
{
    if (!rng || !dev || !dev->ops || !cfg)
        return VIRTIO_EINVAL;
    if (dev->device_id != VIRTIO_ID_RNG)
        return VIRTIO_ENODEV;
    if (cfg->mode != VIRTIO_RNG_IRQ && cfg->mode != VIRTIO_RNG_POLL)
        return VIRTIO_EINVAL;
    /* Before: 0xffffffff rounded up to cache lines wrapped to 0 on a 32-bit
     * CPU, and the device was handed a 4 GiB buffer in a 0-byte block. */
    if (cfg->buf_size > VIRTIO_RNG_MAX_BUF)
        return VIRTIO_EINVAL;
    memset(rng, 0, sizeof(*rng));
    rng->dev = dev;
    /* No interrupt line: nothing would announce a completion. */
    rng->mode = virtio_dev_has_irq(dev) ? cfg->mode : VIRTIO_RNG_POLL;
    rng->buf_size = cfg->buf_size ? cfg->buf_size : VIRTIO_RNG_DEFAULT_BUF;
    rng->on_complete = cfg->on_complete;
    rng->on_complete_arg = cfg->on_complete_arg;
    plat_lock_init(&rng->lock);
    return virtio_dev_start(dev, &rng_driver_ops, rng, &rng_features,
                            rng->mode == VIRTIO_RNG_POLL ? VIRTIO_IRQ_POLL : VIRTIO_IRQ_ON);
}

static int rng_post_locked(struct virtio_rng *rng, size_t want)
{
    struct vq_buf b;
    int err;

    b.addr = rng->buf;
    b.len = want < rng->buf_size ? (uint32_t)want : rng->buf_size;
    err = virtqueue_add(rng->vq, &b, 0, 1, rng);
    if (err)
        return err;
    rng->busy = true;
    rng->done = false;
    rng->posted = b.len;
    rng->stats.requests++;
    virtqueue_kick(rng->vq);
    return 0;
}

/* An asynchronous request is out: the interrupt path clears async_cb,
 * under the lock, when it completes. */
static bool async_pending(struct virtio_rng *rng)
{
    plat_irqstate_t s = plat_lock(&rng->lock);
    bool pending = rng->async_cb != NULL;

    plat_unlock(&rng->lock, s);
    return pending;
}

int virtio_rng_read(struct virtio_rng *rng, void *buf, size_t len, const struct virtio_rng_wait *wait,
                    uint64_t timeout_ns)
{
    uint8_t *out = buf;
    size_t got = 0;
    uint64_t start;
    unsigned rounds = 0;
    int err = 0;

    if (!rng || !rng->vq || (!buf && len))
        return VIRTIO_EINVAL;
    if (len > RNG_MAX_READ)
        len = RNG_MAX_READ;
    if (async_pending(rng))
        return VIRTIO_EBUSY;

    start = plat_time_ns();
    while (got < len) {
        struct rng_cb cb = {NULL, NULL, 0};
        plat_irqstate_t s;
        int r;
        bool first = rounds++ == 0;

        /* Recovery runs here, in thread context, never in the handler: a
         * device that asked for a reset, or, at the start of a read, a
         * queue it broke (the read that met the fault returned VIRTIO_EIO;
         * this one re-initialises the device, which cancels the request it
         * held, and goes on). */
        if (virtio_flag_get(&rng->dev->reset_pending) || rng->mode == VIRTIO_RNG_POLL ||
            (first && virtqueue_is_broken(rng->vq))) {
            r = virtio_dev_check(rng->dev);
            if (r < 0) {
                err = r;
                break;
            }
        }

        s = plat_lock(&rng->lock);
        rng_collect_locked(rng, &cb); /* also catches a late interrupt */
        if (rng->done) {
            r = rng->result;
            rng->done = false;
            if (r > 0) {
                size_t n = (size_t)r < len - got ? (size_t)r : len - got;

                memcpy(out + got, rng->buf, n);
                got += n;
                rng->stats.bytes += (uint32_t)n;
            } else if (r < 0 && r != VIRTIO_ECANCELED) {
                err = r;
            }
        }
        if (!err && got < len && !rng->busy)
            err = rng_post_locked(rng, len - got);
        plat_unlock(&rng->lock, s);
        if (cb.fn)
            cb.fn(cb.arg, cb.res);

        if (err || got >= len)
            break;
        if (plat_time_ns() - start >= timeout_ns) {
            s = plat_lock(&rng->lock); /* stats: one object, shared with the interrupt path */
            rng->stats.timeouts++;
            plat_unlock(&rng->lock, s);
            err = VIRTIO_ETIMEDOUT;
            break;
        }
        if (wait && wait->wait)
            wait->wait(wait->arg);
    }
    return got > 0 ? (int)got : err;
}

int virtio_rng_read_async(struct virtio_rng *rng, void *dst, size_t len, virtio_rng_done_t cb,
                          void *arg)
{
    plat_irqstate_t s;
    int err;

    if (!rng || !rng->vq || !dst || len == 0 || !cb)
        return VIRTIO_EINVAL;
    if (rng->mode != VIRTIO_RNG_IRQ)
        return VIRTIO_ENOTSUP; /* nothing would complete it */
    s = plat_lock(&rng->lock);
    if (rng->busy || rng->async_cb) {
        plat_unlock(&rng->lock, s);
        return VIRTIO_EBUSY;
    }
    rng->done = false; /* a stale result of a timed-out read is dropped */
    rng->async_dst = dst;
    rng->async_len = len;
    rng->async_cb = cb;
    rng->async_arg = arg;
    err = rng_post_locked(rng, len);
    if (err)
        rng->async_cb = NULL;
    plat_unlock(&rng->lock, s);
    return err;
}

void virtio_rng_shutdown(struct virtio_rng *rng)
{
    if (!rng || !rng->dev)
        return;
    virtio_dev_shutdown(rng->dev); /* cancels an outstanding request */
    rng->vq = NULL;
    virtio_dev_dma_free(rng->dev, rng->buf, buf_alloc_size(rng));
    rng->buf = NULL;
}
