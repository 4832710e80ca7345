/*
 * virtio_console.h - virtio console driver (virtio 1.2, 5.3): port 0 as a
 * byte stream in both directions, e.g. a second console next to the UART.
 *
 * What is implemented: port 0 on receiveq0 (queue 0) and transmitq0
 * (queue 1), which every console device has whatever it offers (5.3.2).
 * Optionally VIRTIO_CONSOLE_F_EMERG_WRITE (one byte at a time through the
 * config field emerg_wr, no queues involved).
 * NOT implemented, so never accepted: VIRTIO_CONSOLE_F_MULTIPORT (no control
 * queues, no ports other than 0 - a device that offers it still serves
 * port 0 on queues 0/1 when the driver declines it) and
 * VIRTIO_CONSOLE_F_SIZE (cols/rows are not read).
 *
 * Memory: all allocated once at init with plat_dma_alloc: `rx_bufs`
 * receive buffers and `tx_bufs` transmit buffers (sizes rounded up to a
 * 64-byte cache line, each buffer line-aligned, so the driver also works
 * with a device that is not dma-coherent).  Nothing is allocated later.
 *
 * Receive: every free receive buffer is kept posted on receiveq0 (device
 * writable only, 5.3.6.1).  A buffer the device returns is queued, in
 * arrival order, until virtio_console_read() has copied all its bytes
 * out; only then is it posted again.  So a reader that falls behind
 * throttles the device (it runs out of buffers) instead of losing bytes.
 * The used length is validated by the ring (never more than the buffer);
 * nothing beyond it is read.
 *
 * Transmit: virtio_console_write() copies into free transmit buffers
 * (device readable only) and posts them with one notification; it accepts
 * what fits and returns that count (0 when every buffer is still with the
 * device).  Completed buffers are reclaimed on the next write / poll / TX
 * interrupt.  The used length of a transmit buffer carries no information
 * and is ignored (the spec's legacy notes: some devices put the buffer
 * length there although they wrote nothing).
 *
 * Modes (chosen at init):
 *  - VIRTIO_CONSOLE_IRQ: the device interrupt is attached; the queue
 *    callbacks (interrupt context) only move completed buffers between the
 *    driver's lists, then call cfg.on_event(arg, VIRTIO_CONSOLE_EV_*) so
 *    the caller can wake a reader/writer.  No allocation, no copying.
 *  - VIRTIO_CONSOLE_POLL: no interrupt; read/write/poll collect
 *    completions themselves.
 *  A device without an interrupt line (irq VIRTIO_NO_IRQ) is always run in
 *  VIRTIO_CONSOLE_POLL mode, whatever cfg.mode asks; c->mode says which.
 *
 * Context, per function:
 *  - virtio_console_read / write / write_all / poll / rx_pending / tx_free:
 *    thread context, from any threads at once (a reader, a writer and a
 *    polling owner, say); concurrent reads, or writes, interleave their
 *    bytes in the order they take the lock.
 *  - the queue callbacks and on_event: interrupt context.  on_event must
 *    not call back into the driver.
 *  - virtio_console_emerg_write: any context, even one that interrupted a
 *    holder of c->lock (a crash handler): it takes no lock.
 *  - init, shutdown: nothing else running on the device.
 * read, write and poll also recover from DEVICE_NEEDS_RESET and from a
 * queue the device broke (a value the ring refused), by a reset and
 * re-initialisation (virtio_dev_check): buffers the device held are given
 * back, receive buffers re-posted; bytes queued for transmit but not yet
 * consumed are lost (counted in tx_lost).  One caller at a time runs the
 * recovery (c->recovering, under c->lock); another meanwhile goes on
 * without it: the queues take no buffer until the device runs again (a
 * write then accepts nothing and returns 0), and it reports no error for
 * the fault being recovered.  The read or write that recovers a
 * broken queue returns VIRTIO_EIO, once; the next one works.
 * c->lock (a plat_lock) covers both queues, the buffer lists and states,
 * tx_free, the counters (but emerg_bytes, updated atomically) and
 * `recovering`; the core takes it to empty the rings in a recovery
 * (virtqueue.h, Locking) and the cancel and queue callbacks take it
 * themselves.  Fixed after init, read without it: mode, buffer counts
 * and sizes, emerg.  test/unit/test_threads.c runs a reader, a writer and
 * a poller against the interrupt and device faults.
 *
 * Usage recipe:
 *     static struct virtio_dev dev;   static struct virtio_console con;
 *     virtio_mmio_attach(&dev, base, irq, PLAT_IRQ_LEVEL, coherent);
 *     struct virtio_console_config cfg = { .mode = VIRTIO_CONSOLE_IRQ,
 *                                          .on_event = wake, .event_arg = &sem };
 *     err = virtio_console_init(&con, &dev, &cfg);   // 8 x 256 B each way
 *     virtio_console_write(&con, "hello\r\n", 7);    // returns bytes taken
 *     char line[64];
 *     int n = virtio_console_read(&con, line, sizeof line);  // 0: nothing yet
 *     struct virtio_console_wait w = { .wait = cpu_wfi };
 *     virtio_console_write_all(&con, msg, len, &w, 100000000); // blocks <= 100 ms
 */
#ifndef VIRTIO_CONSOLE_H
#define VIRTIO_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"
#include "virtio.h"

/* Feature bits (5.3.3) */
#define VIRTIO_CONSOLE_F_SIZE 0        /* not implemented, never accepted */
#define VIRTIO_CONSOLE_F_MULTIPORT 1   /* not implemented, never accepted */
#define VIRTIO_CONSOLE_F_EMERG_WRITE 2 /* accepted when offered */

/* Config space offsets (5.3.4): le16 cols, le16 rows, le32 max_nr_ports,
 * le32 emerg_wr. */
#define VIRTIO_CONSOLE_CFG_COLS 0
#define VIRTIO_CONSOLE_CFG_ROWS 2
#define VIRTIO_CONSOLE_CFG_MAX_NR_PORTS 4
#define VIRTIO_CONSOLE_CFG_EMERG_WR 8

/* Queues of port 0 (5.3.2) */
#define VIRTIO_CONSOLE_RXQ 0u
#define VIRTIO_CONSOLE_TXQ 1u

#define VIRTIO_CONSOLE_MAX_BUFS 32u     /* per direction */
#define VIRTIO_CONSOLE_DEFAULT_BUFS 8u
#define VIRTIO_CONSOLE_DEFAULT_BUF_SIZE 256u
#define VIRTIO_CONSOLE_MAX_BUF_SIZE 65536u
#define VIRTIO_CONSOLE_BUF_ALIGN (PLAT_DMA_LINE > 64u ? PLAT_DMA_LINE : 64u) /* whole cache lines */

/* on_event bits */
#define VIRTIO_CONSOLE_EV_RX 1u /* bytes arrived: read them */
#define VIRTIO_CONSOLE_EV_TX 2u /* transmit buffers came back: room to write */

enum virtio_console_mode {
    VIRTIO_CONSOLE_IRQ = 0,
    VIRTIO_CONSOLE_POLL = 1,
};

struct virtio_console_config {
    enum virtio_console_mode mode;
    uint16_t rx_bufs;     /* 0: VIRTIO_CONSOLE_DEFAULT_BUFS; at most MAX_BUFS */
    uint16_t tx_bufs;     /* 0: VIRTIO_CONSOLE_DEFAULT_BUFS; at most MAX_BUFS */
    uint32_t rx_buf_size; /* 0: DEFAULT_BUF_SIZE; rounded up to BUF_ALIGN */
    uint32_t tx_buf_size; /* 0: DEFAULT_BUF_SIZE; rounded up to BUF_ALIGN */
    /* Interrupt context (IRQ mode), after the driver's lock is released:
     * wake whoever reads or writes.  May be NULL. */
    void (*on_event)(void *arg, unsigned events);
    void *event_arg;
};

/* For virtio_console_write_all. */
struct virtio_console_wait {
    void (*wait)(void *arg); /* between attempts; NULL: spin */
    void *arg;
};

struct virtio_console_stats {
    uint32_t rx_completions; /* receive buffers returned by the device */
    uint32_t rx_bytes;       /* bytes received */
    uint32_t rx_empty;       /* ... returned with 0 bytes (re-posted at once) */
    uint32_t rx_read;        /* bytes handed out by virtio_console_read */
    uint32_t rx_posted;      /* receive buffers posted (initial + re-posts) */
    uint32_t tx_posted;      /* transmit buffers posted */
    uint32_t tx_bytes;       /* bytes accepted by virtio_console_write */
    uint32_t tx_completions; /* transmit buffers returned */
    uint32_t tx_no_buffer;   /* write found every transmit buffer busy */
    uint32_t tx_lost;        /* bytes posted but dropped by a device reset */
    uint32_t rx_cancelled;   /* receive buffers given back by a reset */
    uint32_t emerg_bytes;
    uint32_t errors;         /* VIRTIO_EIO returned: a queue found broken (device fault) */
    uint32_t recoveries;     /* broken queues recovered by a reset */
    uint32_t bad_token;      /* completion for a buffer not ours/not posted */
};

/* One DMA buffer.  state: see virtio_console.c. */
struct virtio_console_buf {
    uint8_t *data;
    uint32_t len; /* rx: bytes received; tx: bytes posted */
    uint32_t off; /* rx: bytes already read */
    uint8_t state;
};

struct virtio_console {
    struct virtio_dev *dev;
    struct virtqueue *rxq, *txq;
    enum virtio_console_mode mode;
    uint8_t *mem; /* every buffer, one allocation */
    size_t mem_size;
    uint32_t rx_size, tx_size;
    unsigned nrx, ntx;
    struct virtio_console_buf rx[VIRTIO_CONSOLE_MAX_BUFS];
    struct virtio_console_buf tx[VIRTIO_CONSOLE_MAX_BUFS];
    /* filled receive buffers, oldest first (ring of indices) */
    uint8_t ready[VIRTIO_CONSOLE_MAX_BUFS];
    unsigned ready_head, ready_count;
    unsigned tx_free;
    bool emerg;
    plat_lock_t lock;
    bool recovering; /* driver-private, under lock: a caller runs virtio_dev_check */
    void (*on_event)(void *arg, unsigned events);
    void *event_arg;
    struct virtio_console_stats stats;
};

/*
 * Bring up an attached virtio-mmio device with id VIRTIO_ID_CONSOLE:
 * negotiate (EMERG_WRITE and EVENT_IDX at most), create both queues of
 * port 0, fill the receive queue, attach the interrupt (IRQ mode),
 * DRIVER_OK.  Returns 0 or a negative VIRTIO_E* (device left FAILED,
 * nothing left allocated).
 */
int virtio_console_init(struct virtio_console *c, struct virtio_dev *dev,
                        const struct virtio_console_config *cfg);

/*
 * Copy up to len received bytes into buf, oldest first.  Never blocks.
 * Returns the count (0: nothing received), or VIRTIO_EIO once when a queue
 * the device broke was just recovered (received bytes may have been lost),
 * or when the device could not be recovered.
 */
int virtio_console_read(struct virtio_console *c, void *buf, size_t len);

/*
 * Queue up to len bytes for transmission.  Never blocks.  Returns the number
 * of bytes accepted (0: every transmit buffer is still with the device, try
 * after a completion), or VIRTIO_EIO once when a queue the device broke was
 * just recovered (bytes in flight may have been lost; the next write
 * works), or when the device could not be recovered.
 */
int virtio_console_write(struct virtio_console *c, const void *buf, size_t len);

/*
 * Write all len bytes, waiting (w->wait between attempts) for transmit
 * buffers while the device consumes them, at most timeout_ns.  Returns the
 * bytes accepted (len unless the timeout expired), or a negative error if
 * none were.
 */
int virtio_console_write_all(struct virtio_console *c, const void *buf, size_t len,
                             const struct virtio_console_wait *w, uint64_t timeout_ns);

/* Reclaim finished transmit buffers, collect received ones (both modes)
 * and recover from DEVICE_NEEDS_RESET or a broken queue.  Returns the
 * completions seen. */
unsigned virtio_console_poll(struct virtio_console *c);

/* Received bytes waiting for virtio_console_read. */
size_t virtio_console_rx_pending(struct virtio_console *c);
/* Transmit buffers free now (each takes up to tx_buf_size bytes). */
unsigned virtio_console_tx_free(struct virtio_console *c);

/*
 * Emergency output through the emerg_wr config field, one byte per write,
 * bypassing the queues (usable when they are wedged, e.g. in a crash
 * handler).  Returns len, or VIRTIO_ENOTSUP unless EMERG_WRITE was
 * negotiated.
 */
int virtio_console_emerg_write(struct virtio_console *c, const void *buf, size_t len);

/* Reset the device and free the driver's memory. */
void virtio_console_shutdown(struct virtio_console *c);

#endif /* VIRTIO_CONSOLE_H */
