/*
 * virtio_rng.h - virtio entropy device driver (virtio 1.2, 5.4): one queue,
 * "requestq", of device-writable buffers the device fills with random bytes.
 *
 * Assumptions: one request in flight at a time, into a DMA bounce buffer the
 * driver allocates at init (the caller's buffer need not be DMA-able; the
 * bytes are copied out - rng is not a hot path).  All state is in the
 * caller-owned `struct virtio_rng`; nothing is allocated after init.
 *
 * Two modes, chosen at init:
 *  - VIRTIO_RNG_IRQ: the device interrupt is attached; completions arrive
 *    through the queue callback in interrupt context.  virtio_rng_read()
 *    blocks by calling the caller's wait hook (WFI, or an RTOS semaphore
 *    take that cfg.on_complete gives) until done or timeout.
 *    virtio_rng_read_async() posts and returns; the done callback runs in
 *    interrupt context.
 *  - VIRTIO_RNG_POLL: no interrupt, queue callbacks disabled;
 *    virtio_rng_read() spins on the used ring (calling the wait hook, if
 *    any, between polls) until done or timeout.
 * A device without an interrupt line (irq VIRTIO_NO_IRQ) is always run in
 * VIRTIO_RNG_POLL mode, whatever cfg.mode asks; rng->mode says which.
 *
 * Usage recipe:
 *     static struct virtio_dev dev;   static struct virtio_rng rng;
 *     virtio_mmio_attach(&dev, base, irq, PLAT_IRQ_LEVEL, coherent);
 *     struct virtio_rng_config cfg = { .mode = VIRTIO_RNG_IRQ };
 *     virtio_rng_init(&rng, &dev, &cfg);
 *     struct virtio_rng_wait w = { .wait = cpu_wfi, .arg = NULL };
 *     int n = virtio_rng_read(&rng, key, sizeof key, &w, 100000000); // 100 ms
 *     // n == sizeof key, or fewer bytes at timeout, or a negative error
 *
 * Thread safety: reads (blocking or async) from one thread at a time,
 * the owning thread; the async done callback and on_complete run in
 * interrupt context (or in that thread, for a cancel or a late
 * completion a read collects).  The interrupt path takes the driver's
 * plat_lock (rng->lock: the queue, the request, its result, async_cb and
 * every counter), and so does the core when a recovery empties the ring
 * (virtqueue.h, Locking); every read of those is under it too.
 * DEVICE_NEEDS_RESET is handled inside virtio_rng_read(): the outstanding
 * request is cancelled, the device re-initialised, and the read
 * continues.  So is a queue the device broke: the read that meets the
 * fault returns VIRTIO_EIO, the next read re-initialises the device and
 * reads.  A user of virtio_rng_read_async alone (whose reads return
 * VIRTIO_EBUSY while a request is out) recovers by calling
 * virtio_dev_check on its device from that same thread.
 * test/unit/test_threads.c runs the reader against the interrupt and
 * device faults.
 */
#ifndef VIRTIO_RNG_H
#define VIRTIO_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"
#include "virtio.h"

enum virtio_rng_mode {
    VIRTIO_RNG_IRQ = 0,
    VIRTIO_RNG_POLL = 1,
};

#define VIRTIO_RNG_DEFAULT_BUF 256u
/* The largest bounce buffer virtio_rng_init() takes (a larger buf_size is
 * VIRTIO_EINVAL): one request's worth, and far from where rounding it up
 * to whole cache lines could wrap a 32-bit size_t. */
#define VIRTIO_RNG_MAX_BUF 65536u

/* Async completion: result = bytes copied to dst (>= 0: 0 when the device
 * gave back an empty buffer, counted in stats.empty - ask again), or a
 * negative error (VIRTIO_ECANCELED after a device reset, VIRTIO_EIO when
 * the device misbehaved).  Interrupt context in VIRTIO_RNG_IRQ mode. */
typedef void (*virtio_rng_done_t)(void *arg, int result);

struct virtio_rng_wait {
    void (*wait)(void *arg); /* called between checks; NULL: busy-wait */
    void *arg;
};

struct virtio_rng_config {
    enum virtio_rng_mode mode;
    uint32_t buf_size; /* DMA bounce buffer bytes; 0: VIRTIO_RNG_DEFAULT_BUF;
                        * at most VIRTIO_RNG_MAX_BUF */
    /* Interrupt context, after every completion or cancellation: wake the
     * waiter (e.g. give the semaphore its wait hook takes).  May be NULL. */
    void (*on_complete)(void *arg);
    void *on_complete_arg;
};

struct virtio_rng_stats {
    uint32_t requests;  /* buffers posted */
    uint32_t completed; /* buffers returned by the device */
    uint32_t bytes;     /* random bytes delivered */
    uint32_t empty;     /* completions with 0 bytes */
    uint32_t timeouts;
    uint32_t cancelled; /* requests dropped by a device reset */
    uint32_t errors;    /* queue broken (device fault) */
};

struct virtio_rng {
    struct virtio_dev *dev;
    struct virtqueue *vq;
    enum virtio_rng_mode mode;
    uint8_t *buf;
    uint32_t buf_size;
    plat_lock_t lock;
    /* the single request */
    volatile bool busy;   /* the device owns buf */
    volatile bool done;   /* a result is waiting to be consumed */
    volatile int result;  /* bytes in buf (>= 0) or a negative error */
    uint32_t posted;      /* bytes posted */
    void *async_dst;
    size_t async_len;
    virtio_rng_done_t async_cb;
    void *async_arg;
    void (*on_complete)(void *arg);
    void *on_complete_arg;
    struct virtio_rng_stats stats;
};

/*
 * Bring up an attached virtio-mmio device with id VIRTIO_ID_RNG: negotiate,
 * create the queue, attach the interrupt (IRQ mode), DRIVER_OK.
 * Returns 0 or a negative VIRTIO_E* (the device is left FAILED).
 */
int virtio_rng_init(struct virtio_rng *rng, struct virtio_dev *dev,
                    const struct virtio_rng_config *cfg);

/*
 * Read up to len bytes (at most INT_MAX).  Returns the number of bytes read,
 * which is len unless the read stopped early - the timeout expired, or an
 * error (a broken queue, a failed re-initialisation) came after some bytes
 * had arrived: then fewer, the bytes that did arrive, all of them random.
 * With none read: VIRTIO_ETIMEDOUT, or that negative error.  A request
 * still outstanding at timeout stays posted; its bytes serve the next read.
 */
int virtio_rng_read(struct virtio_rng *rng, void *buf, size_t len, const struct virtio_rng_wait *wait,
                    uint64_t timeout_ns);

/*
 * IRQ mode: post one request for up to min(len, buffer size) bytes and
 * return; cb(arg, n) runs when they have been copied to dst.
 * VIRTIO_EBUSY while a request is outstanding.
 */
int virtio_rng_read_async(struct virtio_rng *rng, void *dst, size_t len, virtio_rng_done_t cb,
                          void *arg);

/* Reset the device and free the driver's memory. */
void virtio_rng_shutdown(struct virtio_rng *rng);

#endif /* VIRTIO_RNG_H */
