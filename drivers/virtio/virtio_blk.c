/*
 * virtio_blk.c - see virtio_blk.h.
 * Each request in flight owns one slot: its header and status byte in DMA
 * memory, and its pointer in inflight[].  The status byte is set to a value
 * no device writes before posting, so a device that completes a request
 * without writing status is caught (counted as bad_status, reported EIO).
 * All bookkeeping (slots, counters) changes under b->lock; the caller's
 * done() callbacks run after it is released.
 */
#include "virtio_blk.h"

#include <string.h>

#include "virtio_endian.h"

#define STATUS_UNSET 0xffu
#define SYNC_DEFAULT_TIMEOUT_NS (10ull * 1000 * 1000 * 1000)

/* A request left the device (or was cancelled): free its slot and work out
 * the result.  Caller holds the lock; it runs r->done afterwards. */
static int finish_locked(struct virtio_blk *b, struct virtio_blk_req *r, uint32_t len, bool cancelled)
{
    int result;

    if (r->slot >= b->nslots || b->inflight[r->slot] != r)
        return VIRTIO_EIO; /* cannot happen: tokens come from inflight[] via the ring */
    if (cancelled) {
        result = VIRTIO_ECANCELED;
        b->stats.cancelled++;
    } else {
        const struct virtio_blk_slot *sl = &b->slots[r->slot];
        uint32_t want = (r->type == VIRTIO_BLK_T_IN ? r->len : 0) + 1;
        uint8_t status = *(const volatile uint8_t *)&sl->status;

        if (len != want)
            b->stats.bad_len++; /* diagnostic only: legacy devices misreport it (Linux ignores it too) */
        switch (status) {
        case VIRTIO_BLK_S_OK:
            result = 0;
            break;
        case VIRTIO_BLK_S_IOERR:
            result = VIRTIO_EIO;
            b->stats.errors_io++;
            break;
        case VIRTIO_BLK_S_UNSUPP:
            result = VIRTIO_ENOTSUP;
            b->stats.errors_unsupp++;
            break;
        default: /* unwritten (STATUS_UNSET) or garbage */
            result = VIRTIO_EIO;
            b->stats.bad_status++;
            break;
        }
        b->stats.completed++;
    }
    b->inflight[r->slot] = NULL;
    b->ninflight--;
    return result;
}

/* Ring emptied by a reset (re-initialisation or shutdown): the device no
 * longer owns the request.  Runs in the caller of reset/destroy. */
static void blk_cancel(struct virtqueue *vq, void *token, void *priv)
{
    struct virtio_blk *b = priv;
    struct virtio_blk_req *r = token;
    plat_irqstate_t s;
    int result;

    (void)vq;
    s = plat_lock(&b->lock);
    result = finish_locked(b, r, 0, true);
    plat_unlock(&b->lock, s);
    if (r->done)
        r->done(r, result);
}

unsigned virtio_blk_poll(struct virtio_blk *b)
{
    unsigned n = 0;

    if (!b || !b->vq)
        return 0;
    for (;;) {
        uint32_t len = 0;
        int result = 0;
        plat_irqstate_t s = plat_lock(&b->lock);
        struct virtio_blk_req *r = virtqueue_get_used(b->vq, &len);

        if (r)
            result = finish_locked(b, r, len, false);
        plat_unlock(&b->lock, s);
        if (!r)
            break;
        /* The callback runs unlocked: it may submit the next request. */
        if (r->done)
            r->done(r, result);
        n++;
    }
    return n;
}

static void blk_callback(struct virtqueue *vq, void *priv)
{
    (void)vq;
    virtio_blk_poll(priv);
}

static unsigned max_segments(const struct virtio_blk *b)
{
    unsigned segs = b->info.seg_max ? b->info.seg_max : 1;

    unsigned room = virtqueue_size(b->vq) > 2 ? virtqueue_size(b->vq) - 2 : 1;

    if (segs > VIRTIO_BLK_MAX_SEGS)
        segs = VIRTIO_BLK_MAX_SEGS;
    /* Header + data + status never longer than the queue, even inside an
     * indirect table (2.7.5.3.1); the ring refuses such a chain. */
    if (segs > room)
        segs = room;
    return segs;
}

uint32_t virtio_blk_max_sectors(const struct virtio_blk *b)
{
    uint64_t bytes = VIRTIO_BLK_MAX_REQ_BYTES;

    if (!b || !b->vq)
        return 0; /* not running */
    if (b->info.size_max) {
        uint64_t lim = (uint64_t)max_segments(b) * b->info.size_max;

        if (lim < bytes)
            bytes = lim;
    }
    /* Whole blocks, so that the pieces of an aligned transfer stay aligned. */
    return (uint32_t)(bytes / b->info.blk_size * (b->info.blk_size / VIRTIO_BLK_SECTOR));
}

/* [sector, sector + count) covers whole blocks of blk_size; a refusal is
 * counted (under b->lock, which the caller holds). */
static bool aligned_locked(struct virtio_blk *b, uint64_t sector, uint64_t count)
{
    uint64_t mask = b->info.blk_size / VIRTIO_BLK_SECTOR - 1; /* blk_size: a power of two */

    if (((sector | count) & mask) == 0)
        return true;
    b->stats.refused_align++;
    return false;
}

/* Config space changed (interrupt context): the disk may have been
 * resized.  Requests are checked against the capacity as they are posted;
 * one already posted past a shrunken end gets the device's IOERR.  The
 * read and the store are one step under b->lock, as in blk_restart: a
 * read that overlapped a re-initialisation's reset (the handler on
 * another CPU) stores before blk_restart re-reads, never after it. */
static void blk_config_changed(struct virtio_dev *dev)
{
    struct virtio_blk *b = dev->drv_priv;
    uint64_t cap;
    plat_irqstate_t s;

    if (!b)
        return;
    s = plat_lock(&b->lock);
    b->stats.config_changes++;
    if (virtio_config_read64(dev, VIRTIO_BLK_CFG_CAPACITY, &cap) == 0)
        b->info.capacity = cap;
    /* else counted by the core (config_failures); the old value stays */
    plat_unlock(&b->lock, s);
}

/* After a re-initialisation (owning thread, inside virtio_dev_check):
 * the device was reset, so a resize during it raised no config interrupt
 * we saw, and the features were negotiated again.  Re-read the capacity
 * and take read-only and FLUSH from the features now in force; under
 * b->lock, which every reader of them takes.  The segment limits
 * (size_max, seg_max, blk_size) stay as read at init: they size requests
 * the callers may already have built (virtio_blk_max_sectors). */
static int blk_restart(struct virtio_dev *dev)
{
    struct virtio_blk *b = dev->drv_priv;
    uint64_t cap;
    plat_irqstate_t s;

    if (!b)
        return 0;
    s = plat_lock(&b->lock);
    if (virtio_config_read64(dev, VIRTIO_BLK_CFG_CAPACITY, &cap) == 0)
        b->info.capacity = cap;
    b->info.read_only = virtio_has_feature(dev, VIRTIO_BLK_F_RO);
    b->info.flush = virtio_has_feature(dev, VIRTIO_BLK_F_FLUSH);
    plat_unlock(&b->lock, s);
    return 0;
}

int virtio_blk_check(struct virtio_blk *b)
{
    if (!b || !b->vq)
        return VIRTIO_EINVAL;
    virtio_blk_poll(b);
    /* Without an interrupt nothing reports DEVICE_NEEDS_RESET: the check
     * reads Status itself. */
    if (virtio_flag_get(&b->dev.reset_pending) || virtqueue_is_broken(b->vq) || !virtio_dev_has_irq(&b->dev))
        return virtio_dev_check(&b->dev); /* in-flight requests: VIRTIO_ECANCELED */
    return b->dev.broken ? VIRTIO_EIO : 0;
}

static int blk_configure(struct virtio_dev *dev, struct virtio_vq_params *qp)
{
    struct virtio_blk *b = dev->drv_priv;
    struct virtio_blk_info *in = &b->info;
    int err;

    if ((err = virtio_config_read64(dev, VIRTIO_BLK_CFG_CAPACITY, &in->capacity)) != 0)
        return err;
    in->blk_size = VIRTIO_BLK_SECTOR;
    if (virtio_has_feature(dev, VIRTIO_BLK_F_BLK_SIZE)) {
        uint32_t v;

        /* Only a power of two from 512 to 64 KiB is a block size we can trust. */
        if (virtio_config_read32(dev, VIRTIO_BLK_CFG_BLK_SIZE, &v) == 0 && v >= 512 && v <= 65536 &&
            (v & (v - 1)) == 0)
            in->blk_size = v;
    }
    if (virtio_has_feature(dev, VIRTIO_BLK_F_SIZE_MAX)) {
        uint32_t v;

        if (virtio_config_read32(dev, VIRTIO_BLK_CFG_SIZE_MAX, &v) == 0)
            in->size_max = v < VIRTIO_BLK_SECTOR ? VIRTIO_BLK_SECTOR : v; /* a segment holds a sector */
    }
    if (virtio_has_feature(dev, VIRTIO_BLK_F_SEG_MAX)) {
        uint32_t v;

        if (virtio_config_read32(dev, VIRTIO_BLK_CFG_SEG_MAX, &v) == 0)
            in->seg_max = v;
    }
    if (in->seg_max == 0)
        in->seg_max = 1;
    in->read_only = virtio_has_feature(dev, VIRTIO_BLK_F_RO);
    in->flush = virtio_has_feature(dev, VIRTIO_BLK_F_FLUSH);

    qp[0] = (struct virtio_vq_params){.name = "requestq",
                                      .num = 256,
                                      .max_indirect = VIRTIO_BLK_MAX_SEGS + 2,
                                      .callback = blk_callback,
                                      .cancel = blk_cancel,
                                      .priv = b,
                                      .lock = &b->lock,
                                      /* the status byte is the result; a legacy
                                       * device's used len is junk (5.2.6 legacy) */
                                      .len_unused = true};
    return 0;
}

static int blk_prepare(struct virtio_dev *dev)
{
    struct virtio_blk *b = dev->drv_priv;
    plat_busaddr_t bus;

    b->vq = dev->vqs[0];
    b->nslots = VIRTIO_BLK_MAX_INFLIGHT;
    if (b->nslots > virtqueue_size(b->vq))
        b->nslots = virtqueue_size(b->vq);
    b->slots = plat_dma_alloc(b->nslots * sizeof(struct virtio_blk_slot), VIRTIO_BLK_SLOT_SIZE, &bus);
    return b->slots ? 0 : VIRTIO_ENOMEM;
}

static void blk_release(struct virtio_dev *dev)
{
    struct virtio_blk *b = dev->drv_priv;

    b->vq = NULL;
    virtio_dev_dma_free(dev, b->slots, b->nslots * sizeof(struct virtio_blk_slot));
    b->slots = NULL;
    b->nslots = 0;
}

static const struct virtio_driver_ops blk_driver_ops = {
    .name = "virtio-blk",
    .device_id = VIRTIO_ID_BLOCK,
    .nqueues = 1, /* one request queue: no MQ */
    .configure = blk_configure,
    .prepare = blk_prepare,
    .release = blk_release,
    .config_changed = blk_config_changed,
    .needs_reset = NULL, /* virtio_blk_check (thread context) recovers */
    .restart = blk_restart, /* capacity and features again; nothing to re-post:
                             * cancelled requests are the callers' */
};

static const struct virtio_feature_spec blk_features = {
    .supported = VIRTIO_BIT(VIRTIO_BLK_F_SIZE_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) | VIRTIO_BIT(VIRTIO_BLK_F_RO) |
                 VIRTIO_BIT(VIRTIO_BLK_F_BLK_SIZE) | VIRTIO_BIT(VIRTIO_BLK_F_FLUSH) |
                 VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) | VIRTIO_BIT(VIRTIO_F_EVENT_IDX),
};

int virtio_blk_init(struct virtio_blk *b, uintptr_t base, unsigned irq, unsigned irq_flags, bool dma_coherent)
{
    int err;

    if (!b)
        return VIRTIO_EINVAL;
    memset(b, 0, sizeof(*b));
    plat_lock_init(&b->lock);
    if ((err = virtio_mmio_attach(&b->dev, base, irq, irq_flags, dma_coherent)) != 0)
        return err;
    /* Without an interrupt line completions are found by
     * virtio_blk_poll(), which the synchronous helpers call as they wait. */
    return virtio_dev_start(&b->dev, &blk_driver_ops, b, &blk_features, VIRTIO_IRQ_ON);
}

const struct virtio_blk_info *virtio_blk_info(const struct virtio_blk *b) { return &b->info; }

/* [sector, sector + count) lies on the disk.  Caller holds b->lock: a
 * config interrupt (another CPU) or a recovery updates the capacity under
 * it.  A refusal is counted here. */
static bool in_capacity_locked(struct virtio_blk *b, uint64_t sector, uint64_t count)
{
    uint64_t cap = b->info.capacity;

    if (sector <= cap && count <= cap - sector)
        return true;
    b->stats.refused_range++;
    return false;
}

/* A counter only thread-context paths update, under b->lock like every
 * other (struct virtio_blk_stats is one object the paths share). */
static void count_under_lock(struct virtio_blk *b, uint32_t *counter)
{
    plat_irqstate_t s = plat_lock(&b->lock);

    (*counter)++;
    plat_unlock(&b->lock, s);
}

/* The checks that read what a config change or a recovery can modify
 * (read-only, FLUSH, capacity), and their counters.  Caller holds b->lock.
 * Returns 0 (post it), 1 (a FLUSH the device does not need: complete it
 * at once, unlocked) or a negative error. */
static int check_locked(struct virtio_blk *b, const struct virtio_blk_req *r, bool too_big)
{
    switch (r->type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        if (r->type == VIRTIO_BLK_T_OUT && b->info.read_only) {
            b->stats.refused_ro++;
            return VIRTIO_EROFS;
        }
        if (too_big)
            return VIRTIO_E2BIG;
        if (!in_capacity_locked(b, r->sector, r->len / VIRTIO_BLK_SECTOR) ||
            !aligned_locked(b, r->sector, r->len / VIRTIO_BLK_SECTOR))
            return VIRTIO_EINVAL;
        return 0;
    default: /* VIRTIO_BLK_T_FLUSH */
        return b->info.flush ? 0 : 1;
    }
}

static int post(struct virtio_blk *b, struct virtio_blk_req *r, bool kick)
{
    uint32_t data_len = 0;
    bool too_big = false;
    int err;

    if (!b || !r || !b->vq)
        return VIRTIO_EINVAL;
    /* What the request says, and the limits fixed at init (no lock). */
    switch (r->type) {
    case VIRTIO_BLK_T_IN:
    case VIRTIO_BLK_T_OUT:
        if (!r->buf || r->len == 0 || r->len % VIRTIO_BLK_SECTOR)
            return VIRTIO_EINVAL;
        too_big = r->len / VIRTIO_BLK_SECTOR > virtio_blk_max_sectors(b);
        data_len = r->len;
        break;
    case VIRTIO_BLK_T_FLUSH:
        break; /* no data, sector 0, whatever buf/len say (5.2.6.1) */
    default:
        return VIRTIO_EINVAL;
    }

    struct vq_buf bufs[VIRTIO_BLK_MAX_SEGS + 2];
    unsigned n = 0, nseg = 0;
    plat_irqstate_t s = plat_lock(&b->lock);
    unsigned slot = 0;

    err = check_locked(b, r, too_big);
    if (err) {
        plat_unlock(&b->lock, s);
        if (err < 0)
            return err;
        if (r->done)
            r->done(r, 0); /* write-through device: nothing to wait for */
        return 0;
    }
    while (slot < b->nslots && b->inflight[slot])
        slot++;
    if (slot == b->nslots) {
        b->stats.queue_full++;
        plat_unlock(&b->lock, s);
        return VIRTIO_ENOSPC;
    }
    struct virtio_blk_slot *sl = &b->slots[slot];
    sl->hdr.type = cpu_to_le32(r->type);
    sl->hdr.reserved = cpu_to_le32(0);
    sl->hdr.sector = cpu_to_le64(r->type == VIRTIO_BLK_T_FLUSH ? 0 : r->sector);
    sl->status = STATUS_UNSET;
    bufs[n++] = (struct vq_buf){&sl->hdr, sizeof(sl->hdr)};
    uint32_t seg = b->info.size_max ? b->info.size_max : data_len;
    for (uint32_t off = 0; off < data_len; off += seg, nseg++) {
        uint32_t l = data_len - off < seg ? data_len - off : seg;
        bufs[n++] = (struct vq_buf){(uint8_t *)r->buf + off, l};
    }
    bufs[n++] = (struct vq_buf){&sl->status, 1};
    unsigned n_out = 1 + (r->type == VIRTIO_BLK_T_OUT ? nseg : 0);
    r->slot = slot;
    err = virtqueue_add(b->vq, bufs, n_out, n - n_out, r);
    if (err == 0) {
        b->inflight[slot] = r;
        if (++b->ninflight > b->stats.max_inflight)
            b->stats.max_inflight = b->ninflight;
        if (r->type == VIRTIO_BLK_T_IN)
            b->stats.reads++;
        else if (r->type == VIRTIO_BLK_T_OUT)
            b->stats.writes++;
        else
            b->stats.flushes++;
        if (kick)
            virtqueue_kick(b->vq);
    } else if (err == VIRTIO_ENOSPC) {
        b->stats.queue_full++;
    }
    plat_unlock(&b->lock, s);
    return err;
}

int virtio_blk_submit(struct virtio_blk *b, struct virtio_blk_req *r) { return post(b, r, true); }

int virtio_blk_queue(struct virtio_blk *b, struct virtio_blk_req *r) { return post(b, r, false); }

void virtio_blk_kick(struct virtio_blk *b)
{
    if (!b || !b->vq)
        return;
    plat_irqstate_t s = plat_lock(&b->lock);
    virtqueue_kick(b->vq);
    plat_unlock(&b->lock, s);
}

/* ---- synchronous helpers ------------------------------------------------- */

static void sync_done(struct virtio_blk_req *r, int result)
{
    struct virtio_blk_sync *c = r->arg;
    struct virtio_blk *b = c->blk;
    plat_irqstate_t s = plat_lock(&b->lock);

    c->result = result;
    c->done = true;
    if (c->abandoned) { /* the waiter timed out: the record is free now */
        c->abandoned = false;
        c->busy = false;
        b->stats.sync_abandoned_done++;
    }
    plat_unlock(&b->lock, s);
}

static struct virtio_blk_sync *sync_claim(struct virtio_blk *b)
{
    plat_irqstate_t s = plat_lock(&b->lock);
    struct virtio_blk_sync *c = NULL;

    for (unsigned i = 0; i < VIRTIO_BLK_SYNC_SLOTS; i++)
        if (!b->sync[i].busy) {
            c = &b->sync[i];
            c->busy = true;
            c->blk = b;
            break;
        }
    plat_unlock(&b->lock, s);
    return c;
}

/* A synchronous helper's time limit, from the caller's wait (or the
 * default). */
struct deadline {
    uint64_t t0, limit;
};

static struct deadline deadline_start(const struct virtio_blk_wait *w)
{
    struct deadline d = {plat_time_ns(), (w && w->timeout_ns) ? w->timeout_ns : SYNC_DEFAULT_TIMEOUT_NS};

    return d;
}

/* Wait once more (the caller's hook), or return false - counted - when the
 * time is up. */
static bool deadline_wait(struct virtio_blk *b, const struct deadline *d, const struct virtio_blk_wait *w)
{
    if (plat_time_ns() - d->t0 > d->limit) {
        count_under_lock(b, &b->stats.sync_timeouts);
        return false;
    }
    if (w && w->wait)
        w->wait(w->arg);
    return true;
}

/* c's completion has arrived (sync_done sets it under b->lock). */
static bool sync_is_done(struct virtio_blk *b, const struct virtio_blk_sync *c)
{
    plat_irqstate_t s = plat_lock(&b->lock);
    bool done = c->done;

    plat_unlock(&b->lock, s);
    return done;
}

/* Wait for c's request.  Returns its result, or VIRTIO_ETIMEDOUT /
 * VIRTIO_EIO (queue broken) with the request left to the device: the record
 * is then abandoned and freed by the late completion or a reset. */
static int sync_wait(struct virtio_blk *b, struct virtio_blk_sync *c, const struct virtio_blk_wait *w)
{
    const struct deadline d = deadline_start(w);
    plat_irqstate_t s;
    int err = 0;

    for (;;) {
        /* Polls, and recovers from DEVICE_NEEDS_RESET or a broken queue:
         * c's request then completes VIRTIO_ECANCELED and is posted again. */
        (void)virtio_blk_check(b);
        if (sync_is_done(b, c))
            break;
        if (b->dev.broken) { /* the re-initialisation failed: nothing more comes */
            err = VIRTIO_EIO;
            break;
        }
        if (!deadline_wait(b, &d, w)) {
            err = VIRTIO_ETIMEDOUT;
            break;
        }
    }
    s = plat_lock(&b->lock);
    if (!c->done) {
        c->abandoned = true; /* the buffer is still the device's */
    } else {
        err = c->result;
        c->busy = false;
    }
    plat_unlock(&b->lock, s);
    return err;
}

/* A synchronous record and a request slot: when all are taken (by other
 * threads' requests, asynchronous ones, or abandoned ones still out),
 * wait for one within the caller's timeout rather than fail. */
static int sync_post(struct virtio_blk *b, struct virtio_blk_sync **out, uint32_t type, uint64_t sector,
                     void *buf, uint32_t len, const struct virtio_blk_wait *w)
{
    const struct deadline d = deadline_start(w);
    struct virtio_blk_sync *c = NULL;
    bool waited = false;
    int err;

    for (;;) {
        (void)virtio_blk_check(b);
        if (b->dev.broken)
            err = VIRTIO_EIO;
        else if (!c && !(c = sync_claim(b)))
            err = VIRTIO_EBUSY;
        else {
            c->done = false;
            c->abandoned = false;
            c->result = 0;
            c->req = (struct virtio_blk_req){
                .type = type, .sector = sector, .buf = buf, .len = len, .done = sync_done, .arg = c};
            err = virtio_blk_submit(b, &c->req);
            if (err == 0) {
                *out = c;
                return 0;
            }
        }
        if (err != VIRTIO_EBUSY && err != VIRTIO_ENOSPC)
            break;
        if (!waited) {
            waited = true;
            count_under_lock(b, &b->stats.sync_slot_waits);
        }
        if (!deadline_wait(b, &d, w)) {
            err = VIRTIO_ETIMEDOUT;
            break;
        }
    }
    if (c) {
        plat_irqstate_t s = plat_lock(&b->lock);

        c->busy = false; /* sync_claim reads it under the lock */
        plat_unlock(&b->lock, s);
    }
    return err;
}

static int run_sync(struct virtio_blk *b, uint32_t type, uint64_t sector, void *buf, uint32_t len,
                    const struct virtio_blk_wait *w)
{
    struct virtio_blk_sync *c = NULL; /* set by sync_post; gcc -fsanitize=thread cannot tell */
    unsigned attempt;
    int err = 0;

    for (attempt = 0; attempt <= VIRTIO_BLK_SYNC_RETRIES; attempt++) {
        err = sync_post(b, &c, type, sector, buf, len, w);
        if (err)
            return err;
        err = sync_wait(b, c, w);
        if (err != VIRTIO_ECANCELED || b->dev.broken)
            return err;
        count_under_lock(b, &b->stats.sync_retries); /* a reset dropped it: post it again */
    }
    return err;
}

static int rw(struct virtio_blk *b, uint32_t type, uint64_t sector, void *buf, uint32_t count,
              const struct virtio_blk_wait *w)
{
    uint32_t chunk;

    if (!b || !b->vq || (!buf && count))
        return VIRTIO_EINVAL;
    /* The whole transfer inside the disk, before any piece is posted. */
    plat_irqstate_t s = plat_lock(&b->lock);
    bool inside = in_capacity_locked(b, sector, count) && aligned_locked(b, sector, count);

    plat_unlock(&b->lock, s);
    if (!inside)
        return VIRTIO_EINVAL;
    chunk = virtio_blk_max_sectors(b);
    if (chunk == 0)
        return VIRTIO_E2BIG;
    while (count) {
        uint32_t n = count < chunk ? count : chunk;
        int err = run_sync(b, type, sector, buf, n * VIRTIO_BLK_SECTOR, w);

        if (err)
            return err;
        count -= n;
        sector += n;
        buf = (uint8_t *)buf + (size_t)n * VIRTIO_BLK_SECTOR;
    }
    return 0;
}

bool virtio_blk_holds(struct virtio_blk *b, const void *buf, size_t len)
{
    uintptr_t lo = (uintptr_t)buf;
    bool held = false;
    plat_irqstate_t s;

    if (!b || !buf || len == 0)
        return false;
    s = plat_lock(&b->lock);
    for (unsigned i = 0; i < VIRTIO_BLK_SYNC_SLOTS; i++) {
        /* Any byte of the request's data inside [buf, buf + len): a range
         * that starts inside the data is held as much as one that holds
         * its first byte. */
        uintptr_t p = (uintptr_t)b->sync[i].req.buf;
        if (b->sync[i].busy && p && (p >= lo ? p - lo < len : lo - p < b->sync[i].req.len))
            held = true;
    }
    plat_unlock(&b->lock, s);
    return held;
}

int virtio_blk_read(struct virtio_blk *b, uint64_t sector, void *buf, uint32_t count, const struct virtio_blk_wait *w)
{
    return rw(b, VIRTIO_BLK_T_IN, sector, buf, count, w);
}

int virtio_blk_write(struct virtio_blk *b, uint64_t sector, const void *buf, uint32_t count,
                     const struct virtio_blk_wait *w)
{
    if (b && b->vq) {
        /* read_only changes at a recovery (blk_restart), under the lock. */
        plat_irqstate_t s = plat_lock(&b->lock);
        bool ro = b->info.read_only;

        if (ro)
            b->stats.refused_ro++;
        plat_unlock(&b->lock, s);
        if (ro)
            return VIRTIO_EROFS;
    }
    return rw(b, VIRTIO_BLK_T_OUT, sector, (void *)(uintptr_t)buf, count, w);
}

int virtio_blk_flush(struct virtio_blk *b, const struct virtio_blk_wait *w)
{
    if (!b || !b->vq)
        return VIRTIO_EINVAL;
    return run_sync(b, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, w);
}

void virtio_blk_shutdown(struct virtio_blk *b)
{
    if (!b || !b->dev.ops)
        return;
    virtio_dev_shutdown(&b->dev); /* in-flight requests: blk_cancel */
    b->vq = NULL;
    virtio_dev_dma_free(&b->dev, b->slots, b->nslots * sizeof(struct virtio_blk_slot));
    b->slots = NULL;
    b->nslots = 0;
}
