/*
 * virtio_console.c - virtio console, port 0 only (virtio 1.2, 5.3); see
 * virtio_console.h.
 *
 * Buffers are identified by their `struct virtio_console_buf` (the ring
 * token); a token is checked to be one of ours and in the POSTED state
 * before anything is done with it.  Every buffer is in exactly one state:
 *   FREE    the driver's, not on a ring (rx: waiting to be re-posted;
 *           tx: available to write into)
 *   POSTED  the device's
 *   FILLED  rx only: returned with data, queued in ready[] for read()
 * All state changes happen under c->lock; on_event runs after it is
 * released.  Nothing here allocates after init.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "plat.h"
#include "virtio.h"
#include "virtio_console.h"

#define BUF_FREE 0u
#define BUF_POSTED 1u
#define BUF_FILLED 2u

#define CON_MAX_IO 0x7fffffffu

/* ---- tokens ---------------------------------------------------------------- */

/* Index of token in bufs[0..n), or -1 if it is not one of them. */
static int buf_index(const struct virtio_console_buf *bufs, unsigned n, const void *token)
{
    uintptr_t t = (uintptr_t)token, b = (uintptr_t)bufs;

    if (t < b || t >= b + n * sizeof(bufs[0]) || (t - b) % sizeof(bufs[0]))
        return -1;
    return (int)((t - b) / sizeof(bufs[0]));
}

/* ---- receive ---------------------------------------------------------------- */

static int rx_post_locked(struct virtio_console *c, unsigned i)
{
    struct vq_buf b = {c->rx[i].data, c->rx_size};
    int err = virtqueue_add(c->rxq, &b, 0, 1, &c->rx[i]); /* device-writable only */

    if (err == 0) {
        c->rx[i].state = BUF_POSTED;
        c->rx[i].len = 0;
        c->rx[i].off = 0;
        c->stats.rx_posted++;
    }
    return err;
}

/* Post every FREE receive buffer the ring takes.  Returns how many. */
static unsigned rx_refill_locked(struct virtio_console *c)
{
    unsigned i, n = 0;

    for (i = 0; i < c->nrx; i++) {
        if (c->rx[i].state != BUF_FREE)
            continue;
        if (rx_post_locked(c, i) != 0)
            break; /* ring full or broken: the rest wait */
        n++;
    }
    return n;
}

/* Move returned receive buffers to ready[].  Returns the bytes that arrived. */
static uint32_t rx_collect_locked(struct virtio_console *c)
{
    uint32_t bytes = 0, len;
    void *tok;

    while ((tok = virtqueue_get_used(c->rxq, &len)) != NULL) {
        int i = buf_index(c->rx, c->nrx, tok);
        struct virtio_console_buf *b;

        if (i < 0 || c->rx[i].state != BUF_POSTED) {
            c->stats.bad_token++; /* cannot happen: the ring hands back live tokens */
            continue;
        }
        b = &c->rx[i];
        c->stats.rx_completions++;
        if (len > c->rx_size) { /* cannot happen: the ring checked it */
            c->stats.errors++;
            b->state = BUF_FREE;
            continue;
        }
        if (len == 0) {
            c->stats.rx_empty++;
            b->state = BUF_FREE; /* re-posted by the caller's refill */
            continue;
        }
        b->state = BUF_FILLED;
        b->len = len;
        b->off = 0;
        c->ready[(c->ready_head + c->ready_count) % VIRTIO_CONSOLE_MAX_BUFS] = (uint8_t)i;
        c->ready_count++;
        c->stats.rx_bytes += len;
        bytes += len;
    }
    return bytes;
}

/* ---- transmit ---------------------------------------------------------------- */

static unsigned tx_reclaim_locked(struct virtio_console *c)
{
    unsigned n = 0;
    void *tok;

    /* The used length of a transmit buffer means nothing: not read. */
    while ((tok = virtqueue_get_used(c->txq, NULL)) != NULL) {
        int i = buf_index(c->tx, c->ntx, tok);

        if (i < 0 || c->tx[i].state != BUF_POSTED) {
            c->stats.bad_token++;
            continue;
        }
        c->tx[i].state = BUF_FREE;
        c->tx_free++;
        c->stats.tx_completions++;
        n++;
    }
    return n;
}

/* ---- queue callbacks (interrupt context) -------------------------------------- */

static void notify_event(struct virtio_console *c, unsigned ev)
{
    if (ev && c->on_event)
        c->on_event(c->event_arg, ev);
}

static void rx_vq_done(struct virtqueue *vq, void *priv)
{
    struct virtio_console *c = priv;
    plat_irqstate_t s;
    uint32_t bytes;

    (void)vq;
    s = plat_lock(&c->lock);
    bytes = rx_collect_locked(c);
    if (rx_refill_locked(c)) /* empty completions go straight back */
        virtqueue_kick(c->rxq);
    plat_unlock(&c->lock, s);
    notify_event(c, bytes ? VIRTIO_CONSOLE_EV_RX : 0);
}

static void tx_vq_done(struct virtqueue *vq, void *priv)
{
    struct virtio_console *c = priv;
    plat_irqstate_t s;
    unsigned n;

    (void)vq;
    s = plat_lock(&c->lock);
    n = tx_reclaim_locked(c);
    plat_unlock(&c->lock, s);
    notify_event(c, n ? VIRTIO_CONSOLE_EV_TX : 0);
}

/* Ring emptied by a reset: the buffer is ours again (caller's context of
 * virtio_dev_check / shutdown / fail, never under c->lock). */
static void con_vq_cancel(struct virtqueue *vq, void *token, void *priv)
{
    struct virtio_console *c = priv;
    plat_irqstate_t s;
    int i;

    (void)vq;
    s = plat_lock(&c->lock);
    if ((i = buf_index(c->rx, c->nrx, token)) >= 0 && c->rx[i].state == BUF_POSTED) {
        c->rx[i].state = BUF_FREE;
        c->stats.rx_cancelled++;
    } else if ((i = buf_index(c->tx, c->ntx, token)) >= 0 && c->tx[i].state == BUF_POSTED) {
        c->tx[i].state = BUF_FREE;
        c->tx_free++;
        c->stats.tx_lost += c->tx[i].len;
    } else {
        c->stats.bad_token++;
    }
    plat_unlock(&c->lock, s);
}

/* ---- device life cycle ----------------------------------------------------------- */

static int con_restart(struct virtio_dev *dev)
{
    struct virtio_console *c = dev->drv_priv;
    plat_irqstate_t s;
    unsigned n;

    if (!c || !c->rxq)
        return 0;
    s = plat_lock(&c->lock);
    if (c->mode == VIRTIO_CONSOLE_POLL) {
        virtqueue_disable_cb(c->rxq);
        virtqueue_disable_cb(c->txq);
    }
    n = rx_refill_locked(c); /* filled buffers keep their bytes for read() */
    if (n)
        virtqueue_kick(c->rxq);
    plat_unlock(&c->lock, s);
    return 0;
}

static void con_needs_reset(struct virtio_dev *dev)
{
    struct virtio_console *c = dev->drv_priv;

    /* Wake the thread side: its next call re-initialises the device. */
    if (c)
        notify_event(c, VIRTIO_CONSOLE_EV_RX | VIRTIO_CONSOLE_EV_TX);
}

/* MULTIPORT and SIZE are deliberately absent: never accepted. */
static const struct virtio_feature_spec con_features = {
    .supported = VIRTIO_BIT(VIRTIO_CONSOLE_F_EMERG_WRITE) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
    .required = 0,
    .deps = NULL,
    .ndeps = 0,
};

static uint32_t round_buf(uint32_t v)
{
    if (v == 0)
        v = VIRTIO_CONSOLE_DEFAULT_BUF_SIZE;
    return (v + VIRTIO_CONSOLE_BUF_ALIGN - 1) & ~(VIRTIO_CONSOLE_BUF_ALIGN - 1);
}

static uint16_t ring_size_for(unsigned nbufs)
{
    unsigned n = 1;

    while (n < nbufs)
        n <<= 1;
    return (uint16_t)n;
}

static int con_configure(struct virtio_dev *dev, struct virtio_vq_params *qp)
{
    struct virtio_console *c = dev->drv_priv;
    plat_busaddr_t bus;
    unsigned i;

    c->emerg = virtio_has_feature(dev, VIRTIO_CONSOLE_F_EMERG_WRITE);
    c->mem_size = (size_t)c->nrx * c->rx_size + (size_t)c->ntx * c->tx_size;
    c->mem = plat_dma_alloc(c->mem_size, VIRTIO_CONSOLE_BUF_ALIGN, &bus);
    if (!c->mem)
        return VIRTIO_ENOMEM;
    for (i = 0; i < c->nrx; i++)
        c->rx[i].data = c->mem + (size_t)i * c->rx_size;
    for (i = 0; i < c->ntx; i++)
        c->tx[i].data = c->mem + (size_t)c->nrx * c->rx_size + (size_t)i * c->tx_size;
    c->tx_free = c->ntx;

    qp[VIRTIO_CONSOLE_RXQ] = (struct virtio_vq_params){.name = "console.rx0",
                                                       .num = ring_size_for(c->nrx),
                                                       .callback = rx_vq_done,
                                                       .cancel = con_vq_cancel,
                                                       .priv = c,
                                                       .lock = &c->lock};
    qp[VIRTIO_CONSOLE_TXQ] = (struct virtio_vq_params){.name = "console.tx0",
                                                       .num = ring_size_for(c->ntx),
                                                       .callback = tx_vq_done,
                                                       .cancel = con_vq_cancel,
                                                       .priv = c,
                                                       .lock = &c->lock};
    return 0;
}

static int con_prepare(struct virtio_dev *dev)
{
    struct virtio_console *c = dev->drv_priv;

    c->rxq = dev->vqs[VIRTIO_CONSOLE_RXQ];
    c->txq = dev->vqs[VIRTIO_CONSOLE_TXQ];
    if (c->mode == VIRTIO_CONSOLE_POLL) {
        virtqueue_disable_cb(c->rxq);
        virtqueue_disable_cb(c->txq);
    }
    /* 5.3.5: populate the receive queue (before DRIVER_OK; the doorbell
     * only after it). */
    return rx_refill_locked(c) == 0 ? VIRTIO_EIO : 0;
}

static void con_release(struct virtio_dev *dev)
{
    struct virtio_console *c = dev->drv_priv;

    c->rxq = c->txq = NULL;
    virtio_dev_dma_free(dev, c->mem, c->mem_size);
    c->mem = NULL;
}

static const struct virtio_driver_ops con_driver_ops = {
    .name = "virtio-console",
    .device_id = VIRTIO_ID_CONSOLE,
    .nqueues = 2, /* port 0's receiveq and transmitq: no MULTIPORT */
    .configure = con_configure,
    .prepare = con_prepare,
    .release = con_release,
    .config_changed = NULL, /* only SIZE / MULTIPORT use it: not accepted */
    .needs_reset = con_needs_reset,
    .restart = con_restart,
};

int virtio_console_init(struct virtio_console *c, struct virtio_dev *dev,
                        const struct virtio_console_config *cfg)
{
    int err;

    if (!c || !dev || !dev->ops || !cfg)
        return VIRTIO_EINVAL;
    if (dev->device_id != VIRTIO_ID_CONSOLE)
        return VIRTIO_ENODEV;
    if ((cfg->mode != VIRTIO_CONSOLE_IRQ && cfg->mode != VIRTIO_CONSOLE_POLL) ||
        cfg->rx_bufs > VIRTIO_CONSOLE_MAX_BUFS || cfg->tx_bufs > VIRTIO_CONSOLE_MAX_BUFS ||
        cfg->rx_buf_size > VIRTIO_CONSOLE_MAX_BUF_SIZE || cfg->tx_buf_size > VIRTIO_CONSOLE_MAX_BUF_SIZE)
        return VIRTIO_EINVAL;
    memset(c, 0, sizeof(*c));
    c->dev = dev;
    /* No interrupt line: nothing would announce a completion. */
    c->mode = virtio_dev_has_irq(dev) ? cfg->mode : VIRTIO_CONSOLE_POLL;
    c->nrx = cfg->rx_bufs ? cfg->rx_bufs : VIRTIO_CONSOLE_DEFAULT_BUFS;
    c->ntx = cfg->tx_bufs ? cfg->tx_bufs : VIRTIO_CONSOLE_DEFAULT_BUFS;
    c->rx_size = round_buf(cfg->rx_buf_size);
    c->tx_size = round_buf(cfg->tx_buf_size);
    c->on_event = cfg->on_event;
    c->event_arg = cfg->event_arg;
    plat_lock_init(&c->lock);
    err = virtio_dev_start(dev, &con_driver_ops, c, &con_features,
                           c->mode == VIRTIO_CONSOLE_POLL ? VIRTIO_IRQ_POLL : VIRTIO_IRQ_ON);
    if (err)
        return err;
    plat_irqstate_t s = plat_lock(&c->lock); /* the interrupt may be live already */
    virtqueue_kick(c->rxq);
    plat_unlock(&c->lock, s);
    return 0;
}

/* Thread context, without c->lock: recovery from DEVICE_NEEDS_RESET or a
 * queue the device broke (virtio_dev_check resets and re-initialises;
 * con_restart re-posts the receive buffers).  Polling mode has no
 * interrupt to report DEVICE_NEEDS_RESET, so the status is read each time.
 * A reader and a writer may call this at once, but the core's life cycle
 * runs in one thread at a time (virtio.h, Concurrency): the caller that
 * sets c->recovering (under c->lock) is the only one that reads
 * dev->broken or calls virtio_dev_check until it clears it; another one
 * meanwhile skips the check and carries on - the queues refuse adds and
 * report nothing used while they are emptied, and its I/O reports no
 * error of its own for the fault being recovered (see `recovering` in
 * read and write).  Returns true when a broken queue was recovered: bytes
 * in flight may be lost, which the caller reports once (VIRTIO_EIO,
 * counted in errors when `report`); later calls work. */
static bool maybe_recover(struct virtio_console *c, bool report)
{
    plat_irqstate_t s = plat_lock(&c->lock);
    bool fault = false, need = false;

    if (!c->recovering) {
        fault = virtqueue_is_broken(c->rxq) || virtqueue_is_broken(c->txq);
        need = fault || virtio_flag_get(&c->dev->reset_pending) || c->mode == VIRTIO_CONSOLE_POLL;
        c->recovering = need;
    }
    plat_unlock(&c->lock, s);
    if (!need)
        return false;
    if (c->dev->broken)
        fault = false; /* given up: the queues stay broken, read/write say VIRTIO_EIO */
    else
        (void)virtio_dev_check(c->dev);
    s = plat_lock(&c->lock);
    c->recovering = false;
    if (fault) {
        c->stats.recoveries++;
        if (report)
            c->stats.errors++;
    }
    plat_unlock(&c->lock, s);
    return fault;
}

/* ---- public I/O --------------------------------------------------------------------- */

int virtio_console_read(struct virtio_console *c, void *buf, size_t len)
{
    uint8_t *out = buf;
    size_t got = 0;
    plat_irqstate_t s;
    int err = 0;

    if (!c || !c->rxq || (!buf && len))
        return VIRTIO_EINVAL;
    if (len > CON_MAX_IO)
        len = CON_MAX_IO;
    if (maybe_recover(c, true))
        return VIRTIO_EIO; /* received bytes in flight were lost; the next read works */

    s = plat_lock(&c->lock);
    rx_collect_locked(c); /* polling mode, or an interrupt not yet taken */
    while (got < len && c->ready_count) {
        unsigned i = c->ready[c->ready_head];
        struct virtio_console_buf *b = &c->rx[i];
        uint32_t n = b->len - b->off;

        if (n > len - got)
            n = (uint32_t)(len - got);
        memcpy(out + got, b->data + b->off, n);
        b->off += n;
        got += n;
        if (b->off == b->len) { /* drained: back to the device */
            c->ready_head = (c->ready_head + 1) % VIRTIO_CONSOLE_MAX_BUFS;
            c->ready_count--;
            b->state = BUF_FREE;
        }
    }
    c->stats.rx_read += (uint32_t)got;
    if (rx_refill_locked(c)) /* drained ones, and empty completions */
        virtqueue_kick(c->rxq);
    if (got == 0 && virtqueue_is_broken(c->rxq) && !c->recovering) { /* else the recovering caller reports it */
        c->stats.errors++;
        err = VIRTIO_EIO;
    }
    plat_unlock(&c->lock, s);
    return got ? (int)got : err;
}

int virtio_console_write(struct virtio_console *c, const void *buf, size_t len)
{
    const uint8_t *in = buf;
    size_t done = 0;
    unsigned i = 0, posted = 0;
    plat_irqstate_t s;
    int err = 0;

    if (!c || !c->txq || (!buf && len))
        return VIRTIO_EINVAL;
    if (len > CON_MAX_IO)
        len = CON_MAX_IO;
    if (maybe_recover(c, true))
        return VIRTIO_EIO; /* bytes in flight were lost (tx_lost); the next write works */

    s = plat_lock(&c->lock);
    tx_reclaim_locked(c);
    if (virtqueue_is_broken(c->txq) && !c->recovering) { /* else the recovering caller reports it */
        c->stats.errors++;
        err = VIRTIO_EIO;
    }
    while (!err && done < len && c->tx_free) {
        struct virtio_console_buf *b;
        struct vq_buf vb;
        uint32_t n;

        while (i < c->ntx && c->tx[i].state != BUF_FREE)
            i++;
        if (i == c->ntx)
            break; /* cannot happen: tx_free counts them */
        b = &c->tx[i];
        n = len - done < c->tx_size ? (uint32_t)(len - done) : c->tx_size;
        memcpy(b->data, in + done, n);
        vb.addr = b->data;
        vb.len = n;
        if (virtqueue_add(c->txq, &vb, 1, 0, b) != 0) /* device-readable only */
            break; /* ring full (smaller than the pool) or broken */
        b->state = BUF_POSTED;
        b->len = n;
        c->tx_free--;
        c->stats.tx_posted++;
        posted++;
        done += n;
    }
    if (posted)
        virtqueue_kick(c->txq);
    if (!err && done == 0 && len)
        c->stats.tx_no_buffer++;
    c->stats.tx_bytes += (uint32_t)done;
    plat_unlock(&c->lock, s);
    return done ? (int)done : err;
}

int virtio_console_write_all(struct virtio_console *c, const void *buf, size_t len,
                             const struct virtio_console_wait *w, uint64_t timeout_ns)
{
    const uint8_t *in = buf;
    size_t done = 0;
    uint64_t t0;

    if (!c || !c->txq || (!buf && len))
        return VIRTIO_EINVAL;
    if (len > CON_MAX_IO)
        len = CON_MAX_IO;
    t0 = plat_time_ns();
    while (done < len) {
        int n = virtio_console_write(c, in + done, len - done);

        if (n < 0)
            return done ? (int)done : n;
        done += (size_t)n;
        if (done >= len)
            break;
        if (plat_time_ns() - t0 >= timeout_ns)
            break;
        if (w && w->wait)
            w->wait(w->arg);
    }
    if (done == 0 && len)
        return VIRTIO_ETIMEDOUT;
    return (int)done;
}

unsigned virtio_console_poll(struct virtio_console *c)
{
    unsigned before, n;
    plat_irqstate_t s;

    if (!c || !c->rxq)
        return 0;
    (void)maybe_recover(c, false); /* read/write report a recovery; poll has no error to give */
    s = plat_lock(&c->lock);
    before = c->stats.rx_completions;
    rx_collect_locked(c);
    n = c->stats.rx_completions - before + tx_reclaim_locked(c);
    if (rx_refill_locked(c))
        virtqueue_kick(c->rxq);
    plat_unlock(&c->lock, s);
    return n;
}

size_t virtio_console_rx_pending(struct virtio_console *c)
{
    size_t n = 0;
    plat_irqstate_t s;
    unsigned k;

    if (!c || !c->rxq)
        return 0;
    s = plat_lock(&c->lock);
    for (k = 0; k < c->ready_count; k++) {
        const struct virtio_console_buf *b = &c->rx[c->ready[(c->ready_head + k) % VIRTIO_CONSOLE_MAX_BUFS]];

        n += b->len - b->off;
    }
    plat_unlock(&c->lock, s);
    return n;
}

unsigned virtio_console_tx_free(struct virtio_console *c)
{
    plat_irqstate_t s;
    unsigned n;

    if (!c)
        return 0;
    s = plat_lock(&c->lock); /* the TX interrupt and a recovery's cancels change it */
    n = c->tx_free;
    plat_unlock(&c->lock, s);
    return n;
}

int virtio_console_emerg_write(struct virtio_console *c, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t i;

    if (!c || !c->dev || (!buf && len))
        return VIRTIO_EINVAL;
    if (!c->emerg)
        return VIRTIO_ENOTSUP;
    if (len > CON_MAX_IO)
        len = CON_MAX_IO;
    for (i = 0; i < len; i++) {
        int err = virtio_config_write32(c->dev, VIRTIO_CONSOLE_CFG_EMERG_WR, p[i]);

        if (err)
            return i ? (int)i : err;
    }
    /* Not under c->lock: a crash handler may interrupt its holder.  The
     * one counter updated atomically instead. */
    __atomic_fetch_add(&c->stats.emerg_bytes, (uint32_t)len, __ATOMIC_RELAXED);
    return (int)len;
}

void virtio_console_shutdown(struct virtio_console *c)
{
    if (!c || !c->dev)
        return;
    virtio_dev_shutdown(c->dev); /* cancels what the device held */
    c->rxq = c->txq = NULL;
    virtio_dev_dma_free(c->dev, c->mem, c->mem_size);
    c->mem = NULL;
    c->ready_count = 0;
}
