/*
 * blkapp.c - see blkapp.h.
 * The integrity modes keep up to BLK_INFLIGHT asynchronous requests of up to
 * BLK_CHUNK sectors in flight, so they exercise many-sector requests,
 * several outstanding requests and the last sector of the disk.
 */
#include "blkapp.h"

#include <string.h>

#include "kprintf.h"
#include "plat.h"
#include "virtio/virtio_blk.h"

#define BLK_CHUNK 256u /* sectors per request (128 KiB), or the device's limit */
#define BLK_INFLIGHT 8u

/* Every disk (disk0 first); the transfer buffers are shared: one request
 * set at a time, from the main loop. */
static struct virtio_blk disks[BLKAPP_MAX];
static unsigned ndisks;
static uint8_t *bufs[BLK_INFLIGHT];
/* The disk whole_disk() and slot_done() work on. */
static struct virtio_blk *cur;
static const char *const tags[BLKAPP_MAX] = {"blk: ", "blk: disk1: ", "blk: disk2: ", "blk: disk3: "};
_Static_assert(BLKAPP_MAX <= 4, "a tag per disk");
_Static_assert(VIRTIO_BLK_ID_BYTES + 1 == 21, "blkapp.h's id[21]");

static void idle(void *arg)
{
    (void)arg;
    board_idle();
}
static const struct virtio_blk_wait waiter = {.wait = idle, .timeout_ns = 30ull * 1000 * 1000 * 1000};
/* GET_ID at start: a device that does not answer holds up the boot for
 * this long only (the request stays posted; its record absorbs a late
 * completion). */
static const struct virtio_blk_wait id_waiter = {.wait = idle, .timeout_ns = 1000ull * 1000 * 1000};

unsigned blkapp_count(void) { return ndisks; }
struct virtio_blk *blkapp_dev_at(unsigned i) { return i < ndisks ? &disks[i] : NULL; }
struct virtio_blk *blkapp_dev(void) { return blkapp_dev_at(0); }

void blkapp_poll(void)
{
    for (unsigned i = 0; i < ndisks; i++)
        if (!disks[i].dev.broken)
            (void)virtio_blk_check(&disks[i]);
}

void blkapp_pattern(uint64_t lba, uint8_t *s)
{
    for (unsigned i = 0; i < 8; i++)
        s[i] = (uint8_t)(lba >> (8 * i));
    for (unsigned i = 8; i < VIRTIO_BLK_SECTOR; i++)
        s[i] = (uint8_t)(lba * 31u + i * 7u + (lba >> 8));
}

int blkapp_start(const struct board_virtio_slot *s)
{
    if (ndisks >= BLKAPP_MAX)
        return BLKAPP_EFULL;
    struct virtio_blk *b = &disks[ndisks];
    const char *tag = tags[ndisks];
    int err = virtio_blk_init(b, s->base, s->intid, s->irq_flags, s->dma_coherent);
    if (err) {
        kprintf("%svirtio-blk at 0x%08lx failed: %s (%d)\n", tag, (unsigned long)s->base, virtio_strerror(err), err);
        return err;
    }
    const struct virtio_blk_info *in = virtio_blk_info(b);
    kprintf("%svirtio-blk at 0x%08lx: %llu sectors (%llu MiB), block %u, seg_max %u, size_max %u, "
            "max request %u sectors, %s, flush %s, %s ring\n",
            tag, (unsigned long)s->base, (unsigned long long)in->capacity, (unsigned long long)(in->capacity >> 11),
            (unsigned)in->blk_size, (unsigned)in->seg_max, (unsigned)in->size_max,
            (unsigned)virtio_blk_max_sectors(b), in->read_only ? "read-only" : "read-write",
            in->flush ? "yes" : "no (write-through)", virtqueue_is_packed(b->vq) ? "packed" : "split");
    if (!virtio_dev_has_irq(&b->dev))
        kprintf("%sno interrupt: completions are polled\n", tag);
    /* The serial, when the device has one (QEMU: -device ...,serial=);
     * UNSUPP or empty: nothing said. */
    char id[VIRTIO_BLK_ID_BYTES + 1];
    if (virtio_blk_get_id(b, id, &id_waiter) == 0 && id[0])
        kprintf("%sserial \"%s\"\n", tag, id);
    if (in->discard || in->write_zeroes) {
        char d[48] = "no", z[64] = "no";
        if (in->discard)
            ksnprintf(d, sizeof(d), "up to %u sectors a request, in units of %u", (unsigned)in->max_discard_sectors,
                      (unsigned)in->discard_align);
        if (in->write_zeroes)
            ksnprintf(z, sizeof(z), "up to %u sectors a request%s", (unsigned)in->max_write_zeroes_sectors,
                      in->write_zeroes_may_unmap ? ", may unmap" : "");
        kprintf("%sdiscard %s; write zeroes %s\n", tag, d, z);
    }
    ndisks++;
    return 0;
}

/* Buffers of synchronous requests given up at their timeout: the device
 * writes them when the request completes, and they are taken back then (a
 * disk has at most VIRTIO_BLK_SYNC_SLOTS such requests posted). */
static struct {
    uint8_t *buf;
    struct virtio_blk *disk;
} parked[BLKAPP_MAX * VIRTIO_BLK_SYNC_SLOTS];

static uint8_t *unpark(void)
{
    for (unsigned i = 0; i < sizeof(parked) / sizeof(parked[0]); i++) {
        uint8_t *buf = parked[i].buf;
        if (buf && !virtio_blk_holds(parked[i].disk, buf, BLK_CHUNK * VIRTIO_BLK_SECTOR)) {
            parked[i].buf = NULL;
            return buf;
        }
    }
    return NULL;
}

/* The demo's transfer buffers, taken on first use so that the boot's "dma:"
 * line shows what the driver itself needs. */
static int ensure_bufs(void)
{
    plat_busaddr_t bus;
    for (unsigned i = 0; i < BLK_INFLIGHT; i++)
        if (!bufs[i] && !(bufs[i] = unpark()) && !(bufs[i] = plat_dma_alloc(BLK_CHUNK * VIRTIO_BLK_SECTOR, VIRTIO_BLK_BUF_ALIGN, &bus)))
            return VIRTIO_ENOMEM;
    return 0;
}

/* A synchronous transfer through bufs[0] (the shell's blk read and write,
 * blk=rowrite).  When it failed with its request still the device's, the
 * device may write bufs[0] whenever that completes: later transfers take
 * another buffer, and this one is parked until then. */
static int sync_rw(struct virtio_blk *b, bool write, uint64_t lba, unsigned count)
{
    int err = write ? virtio_blk_write(b, lba, bufs[0], count, &waiter)
                    : virtio_blk_read(b, lba, bufs[0], count, &waiter);
    if (err && virtio_blk_holds(b, bufs[0], BLK_CHUNK * VIRTIO_BLK_SECTOR)) {
        for (unsigned i = 0; i < sizeof(parked) / sizeof(parked[0]); i++)
            if (!parked[i].buf) {
                parked[i].buf = bufs[0];
                parked[i].disk = b;
                break;
            }
        bufs[0] = NULL; /* (not parked with the table full: never used again) */
    }
    return err;
}

/* ---- whole-disk passes with requests in flight ---------------------------- */

struct pass {
    struct virtio_blk_req req[BLK_INFLIGHT];
    volatile bool busy[BLK_INFLIGHT];
    volatile int error;
    uint64_t fnv;     /* checksum of what was read, in LBA order */
    uint32_t mismatches;
    unsigned requests;
};

static void pass_done(struct virtio_blk_req *r, int result)
{
    struct pass *p = r->arg;
    if (result && !p->error)
        p->error = result;
    p->busy[r - p->req] = false;
}

static bool slot_done(void *arg)
{
    if (!virtio_dev_has_irq(&cur->dev))
        virtio_blk_poll(cur); /* no interrupt: completions are found here, once per tick */
    return !*(volatile bool *)arg;
}

/* Wait for a slot's request.  0 once it completed; a negative error when
 * the device could not be recovered or nothing completed within the
 * synchronous helpers' timeout (the request then stays the device's).  A
 * device that needs a reset, or broke its queue, is recovered here
 * (virtio_blk_check): what was in flight completes VIRTIO_ECANCELED. */
static int wait_slot(volatile bool *busy)
{
    uint64_t t0 = plat_time_ns();
    while (*busy) {
        int err = virtio_blk_check(cur);
        if (!*busy)
            break;
        if (err < 0)
            return err;
        if (plat_time_ns() - t0 >= waiter.timeout_ns)
            return VIRTIO_ETIMEDOUT;
        board_idle_unless(slot_done, (void *)busy);
    }
    return 0;
}

static void fold(struct pass *p, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        p->fnv ^= d[i];
        p->fnv *= 0x100000001b3ull;
    }
}

/* The sectors a whole-disk pass covers: the capacity down to whole blocks
 * of blk_size.  The device may give a capacity that ends inside a block
 * (QEMU does for an image whose size is not whole blocks); no request may
 * touch that tail (the driver refuses one that is not whole blocks, as
 * the device would fail it), so a pass that went to the capacity failed
 * at its last request. */
static uint64_t pass_sectors(const struct virtio_blk_info *in)
{
    uint64_t cap = in->capacity, spb = in->blk_size / VIRTIO_BLK_SECTOR;
    return spb > 1 ? cap - cap % spb : cap;
}

/* mode 'w': write the pattern; 'c': checksum; 'v': verify the pattern. */
static int whole_disk(struct pass *p, char mode)
{
    const struct virtio_blk_info *in = virtio_blk_info(cur);
    uint32_t chunk = virtio_blk_max_sectors(cur) < BLK_CHUNK ? virtio_blk_max_sectors(cur) : BLK_CHUNK;
    uint64_t lba = 0;
    memset(p, 0, sizeof(*p));
    p->fnv = 0xcbf29ce484222325ull;
    /* Reads are folded in LBA order: the slots complete in order of submission
     * for QEMU, but the fold waits for each slot in turn to be sure. */
    unsigned next_submit = 0, next_done = 0;
    unsigned room = BLK_INFLIGHT; /* in flight at once: fewer if the ring is smaller */
    bool gave_up = false; /* a wait failed: the device keeps what it has */
    uint64_t slot_lba[BLK_INFLIGHT] = {0};
    uint32_t slot_n[BLK_INFLIGHT] = {0};
    /* One reading per turn: a config interrupt may change the capacity. */
    uint64_t end;
    while (((end = pass_sectors(in)) > lba || next_done != next_submit) && !p->error) {
        unsigned k = next_submit % BLK_INFLIGHT;
        if (lba < end && next_submit - next_done < room) {
            uint32_t n = end - lba < chunk ? (uint32_t)(end - lba) : chunk;
            if (mode == 'w')
                for (uint32_t i = 0; i < n; i++)
                    blkapp_pattern(lba + i, bufs[k] + (size_t)i * VIRTIO_BLK_SECTOR);
            p->req[k] = (struct virtio_blk_req){.type = mode == 'w' ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
                                                .sector = lba, .buf = bufs[k], .len = n * VIRTIO_BLK_SECTOR,
                                                .done = pass_done, .arg = p};
            p->busy[k] = true;
            /* Queue while slots are free, one kick per batch: the device then
             * sees several requests in flight at once. */
            int err = virtio_blk_queue(cur, &p->req[k]);
            if (err) {
                p->busy[k] = false;
                if (err == VIRTIO_ENOSPC && next_submit != next_done) {
                    room = next_submit - next_done; /* all the ring holds: wait for one */
                    continue;
                }
                p->error = err; /* and the requests already out finish below */
                break;
            }
            slot_lba[k] = lba;
            slot_n[k] = n;
            lba += n;
            next_submit++;
            p->requests++;
            continue;
        }
        virtio_blk_kick(cur);
        unsigned d = next_done % BLK_INFLIGHT;
        if (p->busy[d]) {
            int err = wait_slot(&p->busy[d]);
            if (err) {
                if (!p->error)
                    p->error = err;
                gave_up = true;
            }
            continue;
        }
        if (mode == 'c')
            fold(p, bufs[d], (size_t)slot_n[d] * VIRTIO_BLK_SECTOR);
        if (mode == 'v') {
            uint8_t expect[VIRTIO_BLK_SECTOR];
            for (uint32_t i = 0; i < slot_n[d]; i++) {
                blkapp_pattern(slot_lba[d] + i, expect);
                if (memcmp(expect, bufs[d] + (size_t)i * VIRTIO_BLK_SECTOR, VIRTIO_BLK_SECTOR))
                    p->mismatches++;
            }
        }
        next_done++;
    }
    virtio_blk_kick(cur);
    for (; next_done != next_submit && !gave_up; next_done++) /* after an error: let the rest finish */
        gave_up = wait_slot(&p->busy[next_done % BLK_INFLIGHT]) != 0;
    if (gave_up) {
        /* Requests still the device's, with their buffers: later transfers
         * take new buffers (and each disk has its own struct pass). */
        for (unsigned i = 0; i < BLK_INFLIGHT; i++)
            bufs[i] = NULL;
    }
    return p->error;
}

static int boot_mode_one(unsigned disk, const char *mode)
{
    static struct pass passes[BLKAPP_MAX];
    struct pass *p = &passes[disk]; /* a late completion (after a timeout) lands in its own disk's */
    const char *tag = tags[disk];
    cur = &disks[disk];
    int err = ensure_bufs();
    if (err) {
        kprintf("%sblk=%s: no buffers: %s (%d)\n", tag, mode, virtio_strerror(err), err);
        return err;
    }
    const struct virtio_blk_info *in = virtio_blk_info(cur);
    uint64_t nsec = pass_sectors(in);
    if (strcmp(mode, "rowrite") != 0 && nsec != in->capacity)
        kprintf("%sthe last %llu sectors are not a whole block of %u bytes: left out\n", tag,
                (unsigned long long)(in->capacity - nsec), (unsigned)in->blk_size);
    if (strcmp(mode, "write") == 0) {
        err = whole_disk(p, 'w');
        const char *what = "";
        if (!err) {
            what = ", flush";
            err = virtio_blk_flush(cur, &waiter);
        }
        if (err)
            kprintf("%spattern write of %llu sectors in %u requests%s failed: %s (%d)\n", tag,
                    (unsigned long long)pass_sectors(in), p->requests, what, virtio_strerror(err), err);
        else
            kprintf("%spattern write of %llu sectors in %u requests (up to %u in flight): ok (0), flushed\n", tag,
                    (unsigned long long)pass_sectors(in), p->requests, (unsigned)cur->stats.max_inflight);
    } else if (strcmp(mode, "check") == 0) {
        err = whole_disk(p, 'c');
        if (err)
            kprintf("%schecksum over %llu sectors failed: %s (%d)\n", tag, (unsigned long long)pass_sectors(in),
                    virtio_strerror(err), err);
        else
            kprintf("%schecksum %016llx over %llu sectors (ok, 0)\n", tag, (unsigned long long)p->fnv,
                    (unsigned long long)pass_sectors(in));
    } else if (strcmp(mode, "verify") == 0) {
        err = whole_disk(p, 'v');
        if (err)
            kprintf("%spattern verify of %llu sectors failed: %s (%d)\n", tag, (unsigned long long)pass_sectors(in),
                    virtio_strerror(err), err);
        else if (p->mismatches)
            kprintf("%spattern verify of %llu sectors FAILED: %u sectors differ from the pattern\n", tag,
                    (unsigned long long)pass_sectors(in), (unsigned)p->mismatches);
        else
            kprintf("%spattern verify of %llu sectors: 0 bad sectors (ok, 0)\n", tag,
                    (unsigned long long)pass_sectors(in));
    } else {
        /* The block at sector 0: on a disk whose blocks are larger than a
         * sector, one sector alone is not whole blocks and the driver
         * refuses it (VIRTIO_EINVAL) whether the disk is writable or not.
         * blk_size is 512 to 65536: up to 128 sectors, within bufs[0]. */
        unsigned spb = in->blk_size / VIRTIO_BLK_SECTOR;
        char what[24] = "sector 0";
        if (spb > 1)
            ksnprintf(what, sizeof(what), "sectors 0-%u", spb - 1);
        for (unsigned s = 0; s < spb; s++)
            blkapp_pattern(s, bufs[0] + (size_t)s * VIRTIO_BLK_SECTOR);
        err = sync_rw(cur, true, 0, spb);
        if (err)
            kprintf("%swrite to %s %s: %s (%d)\n", tag, what, err == VIRTIO_EROFS ? "refused" : "failed",
                    virtio_strerror(err), err);
        else
            kprintf("%swrite to %s: accepted (0)\n", tag, what);
    }
    return err;
}

/* Every disk in turn; the first error. */
int blkapp_boot_mode(const char *mode)
{
    bool known = strcmp(mode, "write") == 0 || strcmp(mode, "check") == 0 || strcmp(mode, "verify") == 0 ||
                 strcmp(mode, "rowrite") == 0;
    if (!known) {
        kprintf("blk: blk=%s: unknown mode (write, check, verify, rowrite)\n", mode);
        return VIRTIO_EINVAL;
    }
    if (ndisks == 0) {
        kprintf("blk: blk=%s: no block device\n", mode);
        return VIRTIO_ENODEV;
    }
    int first = 0;
    for (unsigned d = 0; d < ndisks; d++) {
        int err = boot_mode_one(d, mode);
        if (err && !first)
            first = err;
    }
    return first;
}

int blkapp_read(unsigned disk, uint64_t lba, unsigned count, uint8_t **data)
{
    if (disk >= ndisks)
        return VIRTIO_ENODEV;
    int err = ensure_bufs();
    if (err)
        return err;
    if (count > BLK_CHUNK)
        count = BLK_CHUNK;
    *data = bufs[0];
    return sync_rw(&disks[disk], false, lba, count);
}

int blkapp_write_pattern(unsigned disk, uint64_t lba, unsigned count, uint8_t byte)
{
    if (disk >= ndisks)
        return VIRTIO_ENODEV;
    int err = ensure_bufs();
    if (err)
        return err;
    if (count > BLK_CHUNK)
        count = BLK_CHUNK;
    memset(bufs[0], byte, (size_t)count * VIRTIO_BLK_SECTOR);
    return sync_rw(&disks[disk], true, lba, count);
}

int blkapp_get_id(unsigned disk, char id[VIRTIO_BLK_ID_BYTES + 1])
{
    id[0] = '\0';
    if (disk >= ndisks)
        return VIRTIO_ENODEV;
    return virtio_blk_get_id(&disks[disk], id, &waiter);
}

/* No data buffer: nothing to park after a timeout (the segment lives in
 * the driver's request slot). */
int blkapp_discard(unsigned disk, uint64_t lba, uint64_t count)
{
    if (disk >= ndisks)
        return VIRTIO_ENODEV;
    return virtio_blk_discard(&disks[disk], lba, count, &waiter);
}

/* unmap as Linux's zero-out does by default: the device may deallocate
 * the sectors, and reads return zeroes either way (5.2.6.2). */
int blkapp_zero(unsigned disk, uint64_t lba, uint64_t count)
{
    if (disk >= ndisks)
        return VIRTIO_ENODEV;
    return virtio_blk_write_zeroes(&disks[disk], lba, count, true, &waiter);
}
