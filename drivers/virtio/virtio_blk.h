/*
 * virtio_blk.h - virtio block driver (virtio 1.2, 5.2): one request queue,
 * asynchronous requests with completion callbacks, several in flight, plus
 * synchronous helpers.  A block API an RTOS filesystem can sit on:
 * capacity, sector size, read, write, flush, discard (TRIM), write zeroes,
 * and the device's serial (GET_ID).
 *
 * Buffers: the data buffer of a request must be DMA-able memory (inside
 * what plat_dma_alloc returned; plat_bus_addr() must work on it) and stay
 * untouched until the completion.  For a device without `dma-coherent`, a
 * buffer the device writes (a read) must be cache-line aligned and sized:
 * VIRTIO_BLK_BUF_ALIGN (64 bytes, or PLAT_DMA_LINE where that is longer).
 * Request headers and status bytes live in driver-owned DMA slots (whole
 * cache lines each) allocated at init: nothing is allocated per request.
 *
 * Limits: a request of more than virtio_blk_max_sectors() is refused
 * (VIRTIO_E2BIG) by virtio_blk_submit; the synchronous helpers split larger
 * transfers.  Each data segment is at most size_max bytes and a request has
 * at most seg_max of them (device config; 1 segment when SEG_MAX is absent,
 * as Linux assumes).  Without INDIRECT_DESC a request also fits the ring.
 * A request reaching past `capacity` is refused (VIRTIO_EINVAL, 5.2.6.1);
 * the synchronous helpers check the whole transfer before the first piece.
 * With VIRTIO_BLK_F_BLK_SIZE above 512, a read or write whose sector or
 * length is not a whole number of blocks is refused too (VIRTIO_EINVAL,
 * counted in refused_align): the protocol's unit stays 512 bytes (5.2.4),
 * but devices fail such a request (QEMU with IOERR, as Linux never sends
 * one), and virtio_blk_max_sectors() is a whole number of blocks, so the
 * pieces the synchronous helpers cut an aligned transfer into stay aligned.
 *
 * FLUSH: when VIRTIO_BLK_F_FLUSH is negotiated, virtio_blk_flush() sends a
 * FLUSH request (sector 0, no data: 5.2.6.1) and completes once the device
 * reports every write that had completed when the flush was sent on stable
 * storage (5.2.6.2: a write still in flight then is not covered; the
 * synchronous helpers have none in flight when they return).  Without the
 * feature the device writes through (5.2.6.2: no writeback cache without
 * FLUSH or CONFIG_WCE), so a flush completes at once and returns 0.
 *
 * Read-only devices (VIRTIO_BLK_F_RO): writes, discards and write-zeroes
 * are refused with VIRTIO_EROFS before anything reaches the device.
 *
 * GET_ID (5.2.6, VIRTIO_BLK_T_GET_ID): the device writes up to 20 bytes of
 * its serial, NUL-terminated only when shorter (QEMU's convention); there
 * is no feature bit, and a device without one answers UNSUPP
 * (VIRTIO_ENOTSUP).  The bytes land in the request's DMA slot, pre-zeroed
 * (a device writing fewer leaves NULs), and are copied out at the
 * completion; virtio_blk_get_id() returns them as a C string cut at the
 * first NUL with every non-printable byte replaced by '?': untrusted device
 * data goes into logs and onto consoles.
 *
 * DISCARD and WRITE_ZEROES (VIRTIO_BLK_F_DISCARD / _WRITE_ZEROES, 5.2.6):
 * one segment per request (le64 sector, le32 num_sectors, le32 flags, in
 * the request's DMA slot, device-readable), as QEMU serves (it offers
 * max_*_seg 1 and fails a request of more).  The header's sector is 0
 * (5.2.6: unused for these types).  The config limits (5.2.4) are read at
 * init: a max_*_sectors or max_*_seg of 0 makes the command unusable
 * (logged; info.discard / info.write_zeroes stay false), as a request of
 * no sectors or no segment could carry nothing.  max_*_sectors is rounded
 * down to whole blocks of blk_size (QEMU fails a discard that is not whole
 * blocks); discard_sector_alignment is taken when it is whole blocks and
 * no more than max_discard_sectors, else blk_size stands in for it.  A
 * request over max_*_sectors is refused (VIRTIO_E2BIG); the synchronous
 * helpers split a larger range into requests of at most the maximum (a
 * discard's pieces end on discard_sector_alignment boundaries).  Not
 * negotiated (or unusable): VIRTIO_ENOTSUP, counted in refused_unsupp.
 * Past the capacity or not whole blocks: VIRTIO_EINVAL, as for writes.  A
 * DISCARD never carries the UNMAP flag (5.2.6.1: the device answers UNSUPP
 * to one); WRITE_ZEROES may (VIRTIO_BLK_WZ_UNMAP: the device may then
 * deallocate the sectors, if write_zeroes_may_unmap says it can, and reads
 * still return zeroes).  After a discard, what a read returns is up to the
 * device (5.2.6.1): a filesystem that needs zeroes writes zeroes.
 *
 * Status: every request's status byte is set to a value no device writes
 * before it is posted; a completion whose status is not OK/IOERR/UNSUPP
 * (unwritten or garbage) is reported VIRTIO_EIO and counted in bad_status.
 * The used length is only checked and counted in bad_len: legacy devices
 * misreport it.  The ring refuses one beyond the writable bytes from a
 * modern device; from a legacy one (which may report the total descriptor
 * length, 5.2.6 legacy) it is ignored (vq_params.len_unused).
 *
 * No interrupt: with irq VIRTIO_NO_IRQ (the device tree gave none) nothing
 * is attached; completions are found only by virtio_blk_poll(), which the
 * synchronous helpers call while they wait, and an asynchronous user calls
 * on a timer.
 *
 * Context, per function:
 *  - virtio_blk_submit / _queue / _kick / _poll: any context (thread,
 *    another thread, interrupt), several at once.
 *  - virtio_blk_check and the synchronous helpers (read, write, flush,
 *    which call virtio_blk_check as they wait): thread context, the owning
 *    thread only - the core's recovery runs in one thread at a time.
 *  - init, shutdown: the owning thread, nothing else running on the device.
 *  - completion callbacks run in the device's interrupt handler (or in
 *    virtio_blk_poll / _check for a caller that polls), outside the
 *    driver's lock: a callback may submit the next request.
 * The driver's lock (b->lock, a plat_lock) covers the queue, the slots,
 * the synchronous records, every counter in b->stats, and what a config
 * change or a recovery modifies: the capacity (config interrupt, and
 * re-read after a re-initialisation) and read_only / flush / discard /
 * write_zeroes (taken again from the renegotiated features).  Every read of those is under it too.
 * Fixed after init, read without it: size_max, seg_max, blk_size (so
 * virtio_blk_max_sectors), the discard / write-zeroes limits and the
 * queue size.  virtio_blk_info() returns
 * the structure itself: a caller reading it outside the owning thread, or
 * while a config interrupt may run, can see an old capacity.  The core
 * empties the ring under b->lock (virtqueue.h, Locking) and holds the
 * queue until DRIVER_OK (virtio.h, Concurrency), so a submission racing
 * with a recovery is cancelled with the rest (VIRTIO_ECANCELED), refused
 * with VIRTIO_EBUSY while the device is being re-initialised, or posted
 * on the running device.  test/unit/test_threads.c checks this with two
 * submitting threads, the owning thread, the interrupt and device faults.
 * Recovery: after DEVICE_NEEDS_RESET, or a device-written value the ring
 * refused (a broken queue), virtio_blk_check() in thread context resets
 * and re-initialises the device: every request in flight completes once
 * with VIRTIO_ECANCELED, and later requests work.  The synchronous helpers
 * call it as they wait, and post their own request again; an asynchronous
 * user calls it from its main loop or thread (cheap when nothing is wrong;
 * without an interrupt it reads Status).  A config change (a resize)
 * re-reads the capacity; so does a re-initialisation, which also takes
 * read-only and FLUSH from the features negotiated again.
 * Slots: when every request slot or synchronous record is taken, the
 * synchronous helpers wait for one (within their timeout) instead of
 * failing; virtio_blk_submit returns VIRTIO_ENOSPC and leaves the choice to
 * its caller.
 *
 * Timeouts: a synchronous request that times out stays posted (a virtio
 * request cannot be withdrawn short of a device reset).  Its buffer is the
 * device's until it completes; the driver-owned request record absorbs the
 * late completion.  VIRTIO_BLK_SYNC_SLOTS such requests may be outstanding
 * (in flight or abandoned) at a time; beyond that the helpers wait for one
 * to complete, and return VIRTIO_ETIMEDOUT if none does in time.
 * virtio_blk_holds() tells a caller whether a buffer is still the device's.
 *
 * Usage recipe:
 *     static struct virtio_blk blk;
 *     err = virtio_blk_init(&blk, base, irq, irq_flags, coherent);
 *     uint8_t *buf = plat_dma_alloc(4096, VIRTIO_BLK_BUF_ALIGN, &bus);
 *     err = virtio_blk_read(&blk, lba, buf, 8, &wait);      // synchronous
 *     struct virtio_blk_req r = { .type = VIRTIO_BLK_T_OUT, .sector = lba,
 *                                 .buf = buf, .len = 4096, .done = cb };
 *     err = virtio_blk_submit(&blk, &r);                    // asynchronous
 *     char serial[VIRTIO_BLK_ID_BYTES + 1];
 *     err = virtio_blk_get_id(&blk, serial, &wait);         // "" if none
 *     err = virtio_blk_discard(&blk, lba, n, &wait);        // TRIM (ENOTSUP if not offered)
 *     ...
 *     virtio_blk_shutdown(&blk);   // reset; in-flight requests cancelled
 */
#ifndef VIRTIO_BLK_H
#define VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"

#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Config space (5.2.4) */
#define VIRTIO_BLK_CFG_CAPACITY 0
#define VIRTIO_BLK_CFG_SIZE_MAX 8
#define VIRTIO_BLK_CFG_SEG_MAX 12
#define VIRTIO_BLK_CFG_BLK_SIZE 20
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS 36
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG 40
#define VIRTIO_BLK_CFG_DISCARD_SECTOR_ALIGNMENT 44
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SECTORS 48
#define VIRTIO_BLK_CFG_MAX_WRITE_ZEROES_SEG 52
#define VIRTIO_BLK_CFG_WRITE_ZEROES_MAY_UNMAP 56

#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u
#define VIRTIO_BLK_T_DISCARD 11u
#define VIRTIO_BLK_T_WRITE_ZEROES 13u

#define VIRTIO_BLK_ID_BYTES 20u /* GET_ID: the serial's bytes (5.2.6) */
#define VIRTIO_BLK_WZ_UNMAP 1u  /* flags bit 0, WRITE_ZEROES only; bits 1-31 reserved */

#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u


#define VIRTIO_BLK_SECTOR 512u /* the unit of `sector`, whatever blk_size says */
#define VIRTIO_BLK_MAX_SEGS 64u /* segments per request the driver uses at most */
#define VIRTIO_BLK_MAX_INFLIGHT 64u
#define VIRTIO_BLK_MAX_REQ_BYTES (1u << 20) /* the driver's own cap on one request */
#define VIRTIO_BLK_SYNC_SLOTS 4u  /* synchronous requests outstanding at once */
#define VIRTIO_BLK_SYNC_RETRIES 2u /* re-posts of a sync request cancelled by a reset */
/* Whole cache lines per header + status: 64 bytes (a multiple of every
 * smaller line), or the CPU's line where that is longer (PLAT_DMA_LINE). */
#define VIRTIO_BLK_SLOT_SIZE (PLAT_DMA_LINE > 64u ? PLAT_DMA_LINE : 64u)
/* The alignment (and size granule) of a buffer the device writes, for a
 * device without dma-coherent: the same whole lines. */
#define VIRTIO_BLK_BUF_ALIGN VIRTIO_BLK_SLOT_SIZE

/* The request header the device reads (5.2.6). */
struct virtio_blk_outhdr {
    le32 type;
    le32 reserved;
    le64 sector;
};

/* The one segment of a DISCARD or WRITE_ZEROES request (5.2.6). */
struct virtio_blk_discard_write_zeroes {
    le64 sector;
    le32 num_sectors;
    le32 flags;
};

struct virtio_blk_req;
typedef void (*virtio_blk_done_t)(struct virtio_blk_req *r, int result);

/* One request; the caller owns it until done() runs. */
struct virtio_blk_req {
    uint32_t type;   /* VIRTIO_BLK_T_IN / OUT / FLUSH / GET_ID / DISCARD / WRITE_ZEROES */
    uint64_t sector; /* in 512-byte units (IN, OUT, DISCARD, WRITE_ZEROES) */
    void *buf;       /* IN / OUT: DMA-able.  GET_ID: any memory of VIRTIO_BLK_ID_BYTES,
                      * the raw serial copied there when the request completes OK.
                      * Unused otherwise. */
    uint32_t len;    /* IN / OUT: bytes, a multiple of 512.  GET_ID: VIRTIO_BLK_ID_BYTES.
                      * Unused otherwise. */
    uint32_t num_sectors; /* DISCARD / WRITE_ZEROES: sectors from `sector` on (at least 1) */
    uint32_t flags;       /* WRITE_ZEROES: 0 or VIRTIO_BLK_WZ_UNMAP; DISCARD: 0 */
    virtio_blk_done_t done; /* result: 0, VIRTIO_EIO (IOERR or device fault), VIRTIO_ENOTSUP (UNSUPP), VIRTIO_ECANCELED */
    void *arg;
    /* driver-private */
    unsigned slot;
};

struct virtio_blk_info {
    uint64_t capacity;   /* 512-byte sectors */
    uint32_t blk_size;   /* logical block size (512 when not offered) */
    uint32_t size_max;   /* bytes per segment, 0: no limit */
    uint32_t seg_max;    /* segments per request */
    bool read_only;
    bool flush;          /* FLUSH negotiated */
    bool discard;        /* DISCARD negotiated, with usable limits */
    bool write_zeroes;   /* WRITE_ZEROES negotiated, with usable limits */
    bool write_zeroes_may_unmap; /* the device may deallocate on WRITE_ZEROES with UNMAP */
    uint32_t max_discard_sectors;      /* per request, whole blocks; 0: unusable */
    uint32_t discard_align;            /* sectors: where a split discard's pieces end */
    uint32_t max_write_zeroes_sectors; /* per request, whole blocks; 0: unusable */
};

struct virtio_blk_stats {
    uint32_t reads, writes, flushes;
    uint32_t discards, write_zeroes, get_ids; /* requests posted, as reads/writes */
    uint32_t completed, errors_io, errors_unsupp, bad_status, bad_len;
    uint32_t cancelled, refused_ro, refused_range, queue_full;
    uint32_t refused_align; /* not whole blocks of blk_size (above 512) */
    uint32_t refused_unsupp; /* DISCARD / WRITE_ZEROES not negotiated or unusable */
    uint32_t max_inflight;
    uint32_t sync_timeouts, sync_abandoned_done, sync_retries;
    uint32_t sync_slot_waits; /* a synchronous call waited for a free slot */
    uint32_t config_changes;  /* config interrupts (capacity re-read) */
};

/* Driver-owned DMA memory of one request in flight.  Whole cache lines:
 * the bytes the device writes (status, GET_ID's serial) share their lines
 * with nothing the CPU writes while the request is out (matters without
 * dma-coherent): the header and the discard/write-zeroes segment are
 * written before the request is posted, never while it is out. */
struct virtio_blk_slot {
    struct virtio_blk_outhdr hdr;
    struct virtio_blk_discard_write_zeroes seg; /* device-readable */
    uint8_t id[VIRTIO_BLK_ID_BYTES];            /* device-writable (GET_ID) */
    uint8_t status;
    uint8_t pad[VIRTIO_BLK_SLOT_SIZE - sizeof(struct virtio_blk_outhdr) -
                sizeof(struct virtio_blk_discard_write_zeroes) - VIRTIO_BLK_ID_BYTES - 1];
};
_Static_assert(sizeof(struct virtio_blk_slot) == VIRTIO_BLK_SLOT_SIZE, "whole cache lines per slot");

/* A synchronous helper's request: driver-owned, so a completion that
 * arrives after the helper gave up (timeout) lands in live memory. */
struct virtio_blk_sync {
    struct virtio_blk_req req;
    struct virtio_blk *blk;
    volatile bool busy;      /* claimed: posted or about to be */
    volatile bool done;      /* completion arrived */
    volatile bool abandoned; /* the waiter left; the completion frees it */
    volatile int result;
    uint8_t id[VIRTIO_BLK_ID_BYTES]; /* GET_ID's serial: a late completion lands here */
};

struct virtio_blk {
    struct virtio_dev dev;
    struct virtqueue *vq;
    struct virtio_blk_info info;
    struct virtio_blk_slot *slots; /* DMA */
    struct virtio_blk_req *inflight[VIRTIO_BLK_MAX_INFLIGHT];
    unsigned nslots, ninflight;
    plat_lock_t lock;
    struct virtio_blk_sync sync[VIRTIO_BLK_SYNC_SLOTS];
    struct virtio_blk_stats stats;
};

/* Wait hook for the synchronous helpers (WFI, or an RTOS semaphore). */
struct virtio_blk_wait {
    void (*wait)(void *arg);
    void *arg;
    uint64_t timeout_ns; /* 0: 10 s */
};

/*
 * Attach to the virtio-mmio device at base (id VIRTIO_ID_BLOCK), negotiate,
 * read the config, create the queue, attach the interrupt, DRIVER_OK.
 * Returns 0 or a negative VIRTIO_E* (the device is left FAILED and nothing
 * stays allocated).
 */
int virtio_blk_init(struct virtio_blk *b, uintptr_t base, unsigned irq, unsigned irq_flags, bool dma_coherent);
const struct virtio_blk_info *virtio_blk_info(const struct virtio_blk *b);
/* The largest request virtio_blk_submit accepts, in 512-byte sectors: a
 * whole number of blk_size blocks (0 if not even one fits a request). */
uint32_t virtio_blk_max_sectors(const struct virtio_blk *b);
/*
 * Post one request.  0: r->done(r, result) will run exactly once (at once,
 * inside this call, for a FLUSH the device does not need).  Otherwise
 * nothing was posted and done() will not run: VIRTIO_EINVAL (bad request,
 * past capacity, or not whole blocks of blk_size), VIRTIO_E2BIG (over max_sectors, or a
 * DISCARD / WRITE_ZEROES over its max_*_sectors), VIRTIO_ENOTSUP (DISCARD / WRITE_ZEROES
 * not negotiated or unusable), VIRTIO_EROFS,
 * VIRTIO_ENOSPC (all slots or the ring in use: retry after a completion),
 * VIRTIO_EBUSY (a recovery is re-initialising the device: retry), VIRTIO_EIO
 * (queue broken by a device fault).
 */
int virtio_blk_submit(struct virtio_blk *b, struct virtio_blk_req *r);
/* As virtio_blk_submit, but publish without notifying the device: queue a
 * batch, then one virtio_blk_kick() for all of it (the device may still
 * start on them before the kick). */
int virtio_blk_queue(struct virtio_blk *b, struct virtio_blk_req *r);
void virtio_blk_kick(struct virtio_blk *b);
/* Complete what the device has finished (for callers without interrupts;
 * interrupt or thread context).  Returns the number of completions. */
unsigned virtio_blk_poll(struct virtio_blk *b);
/* Thread context: poll, then recover if the device needs it (see Recovery
 * at the top).  Returns 0 (nothing needed), 1 (re-initialised), or a
 * negative error (the device is given up: dev.broken). */
int virtio_blk_check(struct virtio_blk *b);
/* Synchronous helpers (thread context): 0 or a negative VIRTIO_E*. */
int virtio_blk_read(struct virtio_blk *b, uint64_t sector, void *buf, uint32_t count, const struct virtio_blk_wait *w);
int virtio_blk_write(struct virtio_blk *b, uint64_t sector, const void *buf, uint32_t count,
                     const struct virtio_blk_wait *w);
/* The device's serial (GET_ID): 0 and out[] a NUL-terminated string of at
 * most VIRTIO_BLK_ID_BYTES printable characters (cut at the device's first
 * NUL, any other byte outside 0x20-0x7e replaced by '?'; "" when the device
 * has none), or a negative error with out[] "": VIRTIO_ENOTSUP (the device
 * answered UNSUPP), VIRTIO_EIO, VIRTIO_ETIMEDOUT, ... */
int virtio_blk_get_id(struct virtio_blk *b, char out[VIRTIO_BLK_ID_BYTES + 1], const struct virtio_blk_wait *w);
/* Discard (TRIM) `count` sectors from `sector` on, in as many requests as
 * max_discard_sectors needs; 0 for count 0.  VIRTIO_ENOTSUP (not
 * negotiated or unusable), VIRTIO_EROFS, VIRTIO_EINVAL (past the capacity,
 * or not whole blocks), or the device's error; the range is checked whole
 * before the first request. */
int virtio_blk_discard(struct virtio_blk *b, uint64_t sector, uint64_t count, const struct virtio_blk_wait *w);
/* Zero `count` sectors from `sector` on without a data buffer; `unmap`:
 * the device may deallocate them (reads still return zeroes).  Errors as
 * virtio_blk_discard. */
int virtio_blk_write_zeroes(struct virtio_blk *b, uint64_t sector, uint64_t count, bool unmap,
                            const struct virtio_blk_wait *w);
/* Whether the device still holds a synchronous request any of whose data lies in
 * [buf, buf + len): one a helper gave up at its timeout (Timeouts above).
 * Such a buffer is the device's until that request completes; reuse it
 * and a late completion writes into it. */
bool virtio_blk_holds(struct virtio_blk *b, const void *buf, size_t len);
int virtio_blk_flush(struct virtio_blk *b, const struct virtio_blk_wait *w);
/* Reset the device (requests in flight complete VIRTIO_ECANCELED) and free
 * the driver's memory. */
void virtio_blk_shutdown(struct virtio_blk *b);

#endif
