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
        uint32_t want = 1; /* the status byte, after what the device writes */
        uint8_t status = *(const volatile uint8_t *)&sl->status;

        if (r->type == VIRTIO_BLK_T_IN)
            want += r->len;
        else if (r->type == VIRTIO_BLK_T_GET_ID)
            want += VIRTIO_BLK_ID_BYTES;

        if (len != want)
            b->stats.bad_len++; /* diagnostic only: legacy devices misreport it (Linux ignores it too) */
        switch (status) {
        case VIRTIO_BLK_S_OK:
            result = 0;
            /* The serial, as the device left it in the slot (pre-zeroed;
             * the ring invalidated it for a device without dma-coherent);
             * the slot is reused once freed below, r->buf is the caller's. */
            if (r->type == VIRTIO_BLK_T_GET_ID)
                memcpy(r->buf, (const void *)sl->id, VIRTIO_BLK_ID_BYTES);
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
    /* The limits stay as validated at init (0: unusable). */
    b->info.discard = virtio_has_feature(dev, VIRTIO_BLK_F_DISCARD) && b->info.max_discard_sectors;
    b->info.write_zeroes = virtio_has_feature(dev, VIRTIO_BLK_F_WRITE_ZEROES) && b->info.max_write_zeroes_sectors;
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

/* A DISCARD or WRITE_ZEROES limit (5.2.4): the most sectors one request
 * may carry, down to whole blocks of blk_size (spb sectors), or 0 - the
 * command unusable, logged - when the device gives no sector or no
 * segment.  The driver sends one segment per request, so any segment
 * count from 1 up serves.  (Linux takes a 0 for "no limit"; a device that
 * says a request may carry nothing is not one to send requests to.) */
static uint32_t dwz_limit(struct virtio_dev *dev, const char *what, unsigned off_sectors, unsigned off_seg,
                          uint32_t spb)
{
    uint32_t max = 0, seg = 0;

    if (virtio_config_read32(dev, off_sectors, &max) != 0 || virtio_config_read32(dev, off_seg, &seg) != 0) {
        plat_log("virtio-blk@%lx: %s unusable: its config could not be read", (unsigned long)dev->base, what);
        return 0;
    }
    if (max / spb == 0 || seg == 0) {
        plat_log("virtio-blk@%lx: %s unusable: the device allows %u sectors (blocks of %u) in %u segments",
                 (unsigned long)dev->base, what, (unsigned)max, (unsigned)spb, (unsigned)seg);
        return 0;
    }
    return max - max % spb;
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
    uint32_t spb = in->blk_size / VIRTIO_BLK_SECTOR;
    if (virtio_has_feature(dev, VIRTIO_BLK_F_DISCARD)) {
        uint32_t a = 0;

        in->max_discard_sectors = dwz_limit(dev, "DISCARD", VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS,
                                            VIRTIO_BLK_CFG_MAX_DISCARD_SEG, spb);
        /* A hint for splitting (5.2.4): only whole blocks, within a request. */
        in->discard_align = spb;
        if (in->max_discard_sectors &&
            virtio_config_read32(dev, VIRTIO_BLK_CFG_DISCARD_SECTOR_ALIGNMENT, &a) == 0 && a &&
            a % spb == 0 && a <= in->max_discard_sectors)
            in->discard_align = a;
        else if (in->max_discard_sectors && a)
            plat_log("virtio-blk@%lx: discard_sector_alignment %u not whole blocks within %u sectors: using %u",
                     (unsigned long)dev->base, (unsigned)a, (unsigned)in->max_discard_sectors, (unsigned)spb);
        in->discard = in->max_discard_sectors != 0;
    }
    if (virtio_has_feature(dev, VIRTIO_BLK_F_WRITE_ZEROES)) {
        uint8_t u = 0;

        in->max_write_zeroes_sectors = dwz_limit(dev, "WRITE_ZEROES", VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS,
                                                 VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG, spb);
        in->write_zeroes = in->max_write_zeroes_sectors != 0;
        in->write_zeroes_may_unmap =
            in->write_zeroes && virtio_config_read8(dev, VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP, &u) == 0 && u;
    }

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
                 VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) | VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES) |
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

/* DISCARD / WRITE_ZEROES usable now (a recovery renegotiates: under
 * b->lock, which the caller holds); a refusal is counted. */
static bool dwz_usable_locked(struct virtio_blk *b, uint32_t type)
{
    if (type == VIRTIO_BLK_T_DISCARD ? b->info.discard : b->info.write_zeroes)
        return true;
    b->stats.refused_unsupp++;
    return false;
}

/* The checks that read what a config change or a recovery can modify
 * (read-only, FLUSH, DISCARD, WRITE_ZEROES, capacity), and their counters.
 * Caller holds b->lock.  Returns 0 (post it), 1 (a FLUSH the device does
 * not need: complete it at once, unlocked) or a negative error. */
static int check_locked(struct virtio_blk *b, const struct virtio_blk_req *r, bool too_big)
{
    switch (r->type) {
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        if (!dwz_usable_locked(b, r->type))
            return VIRTIO_ENOTSUP;
        if (b->info.read_only) {
            b->stats.refused_ro++;
            return VIRTIO_EROFS;
        }
        if (r->num_sectors > (r->type == VIRTIO_BLK_T_DISCARD ? b->info.max_discard_sectors
                                                               : b->info.max_write_zeroes_sectors))
            return VIRTIO_E2BIG;
        if (!in_capacity_locked(b, r->sector, r->num_sectors) || !aligned_locked(b, r->sector, r->num_sectors))
            return VIRTIO_EINVAL;
        return 0;
    case VIRTIO_BLK_T_GET_ID:
        return 0;
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
    case VIRTIO_BLK_T_GET_ID:
        if (!r->buf || r->len != VIRTIO_BLK_ID_BYTES)
            return VIRTIO_EINVAL;
        break;
    case VIRTIO_BLK_T_DISCARD:
    case VIRTIO_BLK_T_WRITE_ZEROES:
        /* 5.2.6.1: no UNMAP on a DISCARD, no reserved flag bit at all. */
        if (r->num_sectors == 0 || (r->flags & ~(r->type == VIRTIO_BLK_T_WRITE_ZEROES ? VIRTIO_BLK_WZ_UNMAP : 0u)))
            return VIRTIO_EINVAL;
        break;
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
    /* The sector only for a transfer: unused (0) for the other types (5.2.6). */
    sl->hdr.sector = cpu_to_le64(r->type == VIRTIO_BLK_T_IN || r->type == VIRTIO_BLK_T_OUT ? r->sector : 0);
    sl->status = STATUS_UNSET;
    bufs[n++] = (struct vq_buf){&sl->hdr, sizeof(sl->hdr)};
    if (r->type == VIRTIO_BLK_T_DISCARD || r->type == VIRTIO_BLK_T_WRITE_ZEROES) {
        sl->seg.sector = cpu_to_le64(r->sector);
        sl->seg.num_sectors = cpu_to_le32(r->num_sectors);
        sl->seg.flags = cpu_to_le32(r->flags);
        bufs[n++] = (struct vq_buf){&sl->seg, sizeof(sl->seg)};
    } else if (r->type == VIRTIO_BLK_T_GET_ID) {
        /* A device writing fewer than 20 bytes leaves NULs, never an old serial. */
        memset(sl->id, 0, sizeof(sl->id));
        bufs[n++] = (struct vq_buf){sl->id, sizeof(sl->id)};
    }
    uint32_t seg = b->info.size_max ? b->info.size_max : data_len;
    for (uint32_t off = 0; off < data_len; off += seg, nseg++) {
        uint32_t l = data_len - off < seg ? data_len - off : seg;
        bufs[n++] = (struct vq_buf){(uint8_t *)r->buf + off, l};
    }
    bufs[n++] = (struct vq_buf){&sl->status, 1};
    unsigned n_out = 1 + (r->type == VIRTIO_BLK_T_OUT ? nseg : 0) +
                     (r->type == VIRTIO_BLK_T_DISCARD || r->type == VIRTIO_BLK_T_WRITE_ZEROES);
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
        else if (r->type == VIRTIO_BLK_T_DISCARD)
            b->stats.discards++;
        else if (r->type == VIRTIO_BLK_T_WRITE_ZEROES)
            b->stats.write_zeroes++;
        else if (r->type == VIRTIO_BLK_T_GET_ID)
            b->stats.get_ids++;
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
 * is then abandoned and freed by the late completion or a reset.  id_out:
 * where a GET_ID's serial goes, copied from the record before it is
 * released (another thread may claim it right after). */
static int sync_wait(struct virtio_blk *b, struct virtio_blk_sync *c, uint8_t *id_out,
                     const struct virtio_blk_wait *w)
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
        if (err == 0 && id_out)
            memcpy(id_out, c->id, VIRTIO_BLK_ID_BYTES);
        c->busy = false;
    }
    plat_unlock(&b->lock, s);
    return err;
}

/* A synchronous record and a request slot: when all are taken (by other
 * threads' requests, asynchronous ones, or abandoned ones still out),
 * wait for one within the caller's timeout rather than fail. */
static int sync_post(struct virtio_blk *b, struct virtio_blk_sync **out, const struct virtio_blk_req *t,
                     const struct virtio_blk_wait *w)
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
            c->req = *t;
            c->req.done = sync_done;
            c->req.arg = c;
            if (t->type == VIRTIO_BLK_T_GET_ID)
                c->req.buf = c->id; /* driver-owned: a late completion lands in it */
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

/* Post the request t describes (type, sector, buf, len, num_sectors,
 * flags) and wait for it, posting it again after a reset cancelled it. */
static int run_sync(struct virtio_blk *b, const struct virtio_blk_req *t, uint8_t *id_out,
                    const struct virtio_blk_wait *w)
{
    struct virtio_blk_sync *c = NULL; /* set by sync_post; gcc -fsanitize=thread cannot tell */
    unsigned attempt;
    int err = 0;

    for (attempt = 0; attempt <= VIRTIO_BLK_SYNC_RETRIES; attempt++) {
        err = sync_post(b, &c, t, w);
        if (err)
            return err;
        err = sync_wait(b, c, id_out, w);
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
        const struct virtio_blk_req t = {.type = type, .sector = sector, .buf = buf, .len = n * VIRTIO_BLK_SECTOR};
        int err = run_sync(b, &t, NULL, w);

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
    const struct virtio_blk_req t = {.type = VIRTIO_BLK_T_FLUSH};

    return run_sync(b, &t, NULL, w);
}

int virtio_blk_get_id(struct virtio_blk *b, char out[VIRTIO_BLK_ID_BYTES + 1], const struct virtio_blk_wait *w)
{
    const struct virtio_blk_req t = {.type = VIRTIO_BLK_T_GET_ID, .len = VIRTIO_BLK_ID_BYTES};
    uint8_t raw[VIRTIO_BLK_ID_BYTES];
    unsigned i;
    int err;

    if (!out)
        return VIRTIO_EINVAL;
    out[0] = '\0';
    if (!b || !b->vq)
        return VIRTIO_EINVAL;
    if ((err = run_sync(b, &t, raw, w)) != 0)
        return err;
    /* Untrusted bytes bound for logs and consoles: the string ends at the
     * device's first NUL (or after all 20: no NUL when the serial fills
     * them), and nothing but printable ASCII gets through. */
    for (i = 0; i < VIRTIO_BLK_ID_BYTES && raw[i]; i++)
        out[i] = raw[i] >= 0x20 && raw[i] < 0x7f ? (char)raw[i] : '?';
    out[i] = '\0';
    return 0;
}

/* DISCARD / WRITE_ZEROES over [sector, sector + count): checked whole (as
 * rw), then one request per piece of at most the device's maximum. */
static int dwz(struct virtio_blk *b, uint32_t type, uint64_t sector, uint64_t count, uint32_t flags,
               const struct virtio_blk_wait *w)
{
    uint32_t chunk, align = 1;
    int err = 0;

    if (!b || !b->vq)
        return VIRTIO_EINVAL;
    plat_irqstate_t s = plat_lock(&b->lock);
    if (!dwz_usable_locked(b, type)) {
        err = VIRTIO_ENOTSUP;
    } else if (b->info.read_only) {
        b->stats.refused_ro++;
        err = VIRTIO_EROFS;
    } else if (!in_capacity_locked(b, sector, count) || !aligned_locked(b, sector, count)) {
        err = VIRTIO_EINVAL;
    }
    plat_unlock(&b->lock, s);
    if (err)
        return err;
    if (type == VIRTIO_BLK_T_DISCARD) {
        /* Whole alignment units per piece (discard_align <= the maximum,
         * both whole blocks: fixed at init). */
        align = b->info.discard_align ? b->info.discard_align : 1;
        chunk = b->info.max_discard_sectors - b->info.max_discard_sectors % align;
    } else {
        chunk = b->info.max_write_zeroes_sectors;
    }
    while (count) {
        uint32_t n = count < chunk ? (uint32_t)count : chunk;

        /* A piece that is not the last ends on an alignment boundary: a
         * device that discards whole granules only then drops none of
         * them for being cut in two (Linux splits at the granularity too).
         * chunk >= align, so such a boundary lies inside the piece. */
        if (n < count && align > 1 && (sector + n) % align) {
            uint64_t end = sector + n - (sector + n) % align;

            if (end > sector)
                n = (uint32_t)(end - sector);
        }
        const struct virtio_blk_req t = {.type = type, .sector = sector, .num_sectors = n, .flags = flags};

        if ((err = run_sync(b, &t, NULL, w)) != 0)
            return err;
        count -= n;
        sector += n;
    }
    return 0;
}

int virtio_blk_discard(struct virtio_blk *b, uint64_t sector, uint64_t count, const struct virtio_blk_wait *w)
{
    return dwz(b, VIRTIO_BLK_T_DISCARD, sector, count, 0, w);
}

int virtio_blk_write_zeroes(struct virtio_blk *b, uint64_t sector, uint64_t count, bool unmap,
                            const struct virtio_blk_wait *w)
{
    return dwz(b, VIRTIO_BLK_T_WRITE_ZEROES, sector, count, unmap ? VIRTIO_BLK_WZ_UNMAP : 0, w);
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
