/*
 * virtio_net.h - virtio-net driver (virtio 1.2, 5.1), one RX/TX queue pair
 * and the control queue.
 *
 * Stack-agnostic: frames travel as struct netbuf (net/netbuf.h), a
 * zero-copy buffer with headroom.  Received frames are handed up in the
 * very buffer the device wrote, with the virtio-net header in the headroom;
 * when the stack releases the buffer it goes straight back on the RX ring.
 * A stack may also transmit a received buffer (a reply built in place): the
 * driver writes a fresh header into the headroom and, once the device has
 * sent it, the buffer's release returns it to the RX ring.
 *
 * Features: VERSION_1, MAC, STATUS, MRG_RXBUF, MTU (68..1500),
 * EVENT_IDX, INDIRECT_DESC, (legacy) ANY_LAYOUT, CSUM, GUEST_CSUM, CTRL_VQ
 * and GUEST_ANNOUNCE when offered; each one optional (cfg.disable_features
 * turns any off).  No segmentation offload.
 *
 * Control queue (VIRTIO_NET_F_CTRL_VQ, 5.1.6.5): queue 2 (no multiqueue),
 * created only when CTRL_VQ was negotiated at init; a re-initialisation
 * keeps it (and declines CTRL_VQ if init had not negotiated it: the set of
 * queues is fixed at start).  virtio_net_ctrl() sends one command at a
 * time from the owning thread and waits for the device's ack byte, up to
 * cfg.ctrl_timeout_ns, calling cfg.ctrl_wait between looks (no interrupt:
 * the queue's callbacks stay off, a wait hook that sleeps must be woken by
 * something else, e.g. a timer tick).  Every value the device writes is
 * checked: the used entry by the ring (a bad id breaks the queue, which
 * virtio_net_check() recovers like the others), the used length (exactly
 * the one ack byte: stats.ctrl_bad_len) and the ack (exactly VIRTIO_NET_OK
 * or VIRTIO_NET_ERR: stats.ctrl_bad_ack); both fail the command with
 * VIRTIO_EIO.  A command the device has not answered in time stays posted
 * (it cannot be withdrawn short of a reset): VIRTIO_ETIMEDOUT
 * (stats.ctrl_timeouts), and the next command reaps its late answer
 * (stats.ctrl_late) or, while it is still out, is refused with
 * VIRTIO_EBUSY.  A reset cancels it.
 *
 * Announcements (VIRTIO_NET_F_GUEST_ANNOUNCE, 5.1.6.5.3; needs CTRL_VQ and
 * STATUS): after a live migration or a snapshot restore the device sets
 * VIRTIO_NET_S_ANNOUNCE in status and raises a config interrupt.  The
 * driver knows no protocol: virtio_net_link_up() reads the status (as for
 * the link), counts the request (stats.announce_requests) and
 * virtio_net_announce_wanted() says so; the stack tells its peers where it
 * is now (a gratuitous ARP) and calls virtio_net_announce_ack(), which
 * sends VIRTIO_NET_CTRL_ANNOUNCE_ACK (the device then clears the bit) and
 * clears the request whatever the answer: the next config interrupt that
 * still shows the bit asks again.
 *
 * Checksum offload (5.1.6.2, 5.1.6.4), as netbuf metadata (net/netbuf.h):
 *   GUEST_CSUM: a received frame's header flag DATA_VALID becomes
 *   NETBUF_CSUM_VALID; NEEDS_CSUM becomes NETBUF_CSUM_PARTIAL with
 *   csum_start (made an offset in the buffer) and csum_offset, after the
 *   driver has checked that the field lies inside the frame (otherwise, or
 *   when RSC_INFO is set too - csum_start and csum_offset are not the
 *   field's then, 5.1.6.4.2 - the frame is dropped: stats.rx_bad_csum).
 *   Without GUEST_CSUM the flags are
 *   ignored and every frame is handed up with csum_flags 0.
 *   CSUM: a frame to send marked NETBUF_CSUM_PARTIAL goes out with
 *   NEEDS_CSUM and csum_start/csum_offset from the Ethernet header; the
 *   device finishes the checksum.  Without CSUM (refused, or lost in a
 *   reset) the driver finishes it itself (stats.tx_csum_sw).  A partial
 *   checksum whose field is not inside the frame is dropped
 *   (stats.tx_bad_csum).  virtio_net_tx_csum() says whether CSUM is on,
 *   for the stack's NETIF_OFFLOAD_TX_CSUM.
 *
 * Concurrency (docs/DESIGN.md, Concurrency).  Three kinds of caller:
 *   - the owning thread, one at a time: virtio_net_init, virtio_net_poll
 *     (and so cfg.rx, which it calls without the lock), virtio_net_check,
 *     virtio_net_link_up, virtio_net_ctrl, virtio_net_announce_wanted,
 *     virtio_net_announce_ack, virtio_net_shutdown;
 *   - any thread, concurrently with the owning thread and each other:
 *     netbuf_release() of any buffer the driver handed out,
 *     virtio_net_tx_alloc(), virtio_net_flush() and
 *     virtio_net_link_changed() (a flag read atomically); virtio_net_tx()
 *     from one thread at a time (the owning one or another: its frame and
 *     drop counters are not under the lock).  virtio_net_pending() is the
 *     owning thread's idle test (and cfg.wake's to call);
 *   - interrupt context (virtio_dev_irq_handler, possibly on another
 *     CPU): the RX callback masks further RX interrupts under the lock,
 *     sets a flag and calls cfg.wake; config and DEVICE_NEEDS_RESET set
 *     flags and call cfg.wake.
 * n->lock (a plat_lock: interrupts masked, plus a spinlock on SMP)
 * protects both virtqueues (every virtqueue call, see virtqueue.h
 * Locking), every buffer's state byte, the TX free list, the header
 * layout (hdr_len, split_hdr, ...: a transmit checks the buffer's owner,
 * builds the header and adds the frame under one hold of the lock; where
 * it lets go in between - a checksum finished in software, a reclaim of a
 * full ring - it checks owner and layout again and drops the frame if
 * either changed), need_kick_* and `recovering`.  It is taken once per
 * buffer on the per-packet path, held for no pass over a frame's bytes,
 * and never held across a call out of the driver (cfg.rx, cfg.wake, a
 * foreign buffer's release).
 * Recovery: virtio_net_check() sets `recovering` under the lock before
 * the reset, so until restart() has recomputed the layout (under the lock)
 * a release leaves its buffer FREE for restart() to post, a transmit is
 * dropped (stats.tx_error) and nothing is reaped or kicked; the core
 * empties each ring under the same lock (virtio.h, Concurrency).
 *
 * Buffer ownership: a netbuf handed up by cfg.rx, or returned by
 * virtio_net_tx_alloc(), belongs to the caller until it calls
 * netbuf_release() or passes it to virtio_net_tx() - exactly one of them,
 * once.  The driver tracks each buffer's state, so a second release (or a
 * transmit of a buffer the caller no longer owns) is ignored and counted
 * in stats.bad_release / stats.tx_invalid rather than posting a buffer
 * twice.
 *
 * Recovery: a device that breaks a ring (a used entry that fails the
 * ring's checks) or sets DEVICE_NEEDS_RESET makes virtio_net_pending()
 * true (and calls cfg.wake, whichever thread found it); virtio_net_check()
 * then resets and re-initialises it: RX buffers
 * on the ring are re-posted, frames queued for transmission are dropped
 * (their buffers go home), buffers the stack holds stay valid.
 *
 * Filling the RX ring in steps (cfg.rx_initial): by default init gives
 * every RX buffer its memory and posts it, one per ring slot (1024 buffers,
 * 2 MiB, with QEMU's default queue size).  With rx_initial N, init posts
 * only N buffers and allocates memory for only those; each later
 * virtio_net_poll() (budget > 0) allocates and posts up to
 * VIRTIO_NET_RX_BATCH more, after it has delivered what arrived and kicked
 * the replies, until the ring is full.  virtio_net_pending() stays true
 * until then, so a loop that polls while it is true fills the ring right
 * after start-up; nothing on the way to the first frame waits for the
 * memory of the rest (docs/PERFORMANCE.md, boot to network).  These
 * allocations (one block of memory per call, at most
 * VIRTIO_NET_RX_BLOCKS - 1) are the driver's only plat_dma_alloc() calls
 * after init.  When the DMA pool runs out on the way, the driver stays with
 * the buffers it has (stats.rx_alloc_failed, one log line); when the ring
 * takes no more (a reset renegotiated two descriptors per buffer), the
 * fill waits for the next reset.
 *
 * The first answer without an interrupt (cfg.irq_after_first_poll): the
 * interrupt stays masked until the first virtio_net_poll() has kicked its
 * replies (virtio_net_pending() is true until then).  Without an interrupt
 * line the flag changes nothing.
 *
 * No interrupt: with irq VIRTIO_NO_IRQ (the device tree gave none) nothing
 * is attached and the device is polled: virtio_net_pending() stays false
 * for received frames, so the caller calls virtio_net_poll() on a timer
 * (the demo's main loop does on its 10 ms tick).  Link changes, announced
 * by the config interrupt, then go unnoticed; DEVICE_NEEDS_RESET is found
 * by virtio_net_check(), which reads Status itself then.
 *
 * Usage recipe:
 *     static struct virtio_net net;                  // caller's storage
 *     err = virtio_net_init(&net, base, irq, irq_flags, coherent, &cfg);
 *                                      // cfg.rx_initial: see "Filling" above
 *     virtio_net_mac(&net, mac);  link = virtio_net_link_up(&net);
 *     loop:
 *         virtio_net_poll(&net, budget);   // frames -> cfg.rx(cfg.rx_arg, nb)
 *         nb = virtio_net_tx_alloc(&net);  ... fill ...  virtio_net_tx(&net, nb);
 *         virtio_net_flush(&net);          // one kick for the whole batch
 *         if (virtio_net_check(&net) < 0) the device is dead: stop
 *         if (virtio_net_pending(&net) == false) idle until an interrupt
 *     virtio_net_shutdown(&net);   // only once the stack holds no buffer
 */
#ifndef VIRTIO_NET_H
#define VIRTIO_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "netbuf.h"
#include "virtio.h"

/* Device feature bits (5.1.3) */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_MTU 3
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_GUEST_ANNOUNCE 21

/* Config space (5.1.4) */
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_CFG_MTU 10 /* after max_virtqueue_pairs; exists with VIRTIO_NET_F_MTU */
#define VIRTIO_NET_S_LINK_UP 1u
#define VIRTIO_NET_S_ANNOUNCE 2u

/* The control queue (5.1.6.5): a command is class, command, the
 * command-specific data (device-readable), then one ack byte the device
 * writes. */
#define VIRTIO_NET_CTRLQ 2u /* its index without VIRTIO_NET_F_MQ (5.1.2) */
#define VIRTIO_NET_OK 0u
#define VIRTIO_NET_ERR 1u
#define VIRTIO_NET_CTRL_ANNOUNCE 3u     /* class (5.1.6.5.3) */
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK 0u /* its command: no data */
#define VIRTIO_NET_CTRL_DATA_MAX 32u    /* command-specific bytes virtio_net_ctrl() takes */
#define VIRTIO_NET_CTRL_QUEUE_SIZE 8u   /* one command at a time needs 3 descriptors */
#define VIRTIO_NET_CTRL_TIMEOUT_NS 100000000ull /* 100 ms: cfg.ctrl_timeout_ns 0 */

/* The header in front of every frame (5.1.6).  num_buffers exists on the
 * wire only with VERSION_1 or MRG_RXBUF: the header is 12 bytes then, 10
 * otherwise. */
struct virtio_net_hdr {
    uint8_t flags;
    uint8_t gso_type;
    le16 hdr_len;
    le16 gso_size;
    le16 csum_start;
    le16 csum_offset;
    le16 num_buffers;
};
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u /* flags (5.1.6) */
#define VIRTIO_NET_HDR_F_DATA_VALID 2u
#define VIRTIO_NET_HDR_F_RSC_INFO 4u /* csum_start/csum_offset are counters (RSC_EXT) */
#define VIRTIO_NET_HDR_LEN_LEGACY 10u
#define VIRTIO_NET_HDR_LEN 12u

#define VIRTIO_NET_BUF_SIZE 2048u   /* each RX and TX buffer: >= 1526 as 5.1.6.3.1 asks */
#define VIRTIO_NET_RX_MAX 1024u     /* RX buffers at most (one per ring entry) */
#define VIRTIO_NET_RX_BATCH 64u     /* RX buffers a poll adds while the ring fills (cfg.rx_initial) */
/* Blocks of RX buffer memory: the first rx_initial buffers, then one per batch. */
#define VIRTIO_NET_RX_BLOCKS (1u + VIRTIO_NET_RX_MAX / VIRTIO_NET_RX_BATCH)
#define VIRTIO_NET_TX_BUFS 64u      /* driver-owned TX pool */
#define VIRTIO_NET_QUEUE_MAX 1024u  /* ring sizes used at most */
#define VIRTIO_NET_MAX_FRAME 1514u  /* Ethernet without FCS at MTU 1500 */
/* The device's MTU (VIRTIO_NET_F_MTU) is taken when it lies in
 * [VIRTIO_NET_MTU_MIN, VIRTIO_NET_MTU_MAX]: the IPv4 minimum (RFC 791: 68,
 * which 5.1.4.1 also makes the device's floor) up to what a buffer holds. */
#define VIRTIO_NET_MTU_MIN 68u
#define VIRTIO_NET_MTU_MAX 1500u

struct virtio_net_stats {
    uint32_t rx_frames, tx_frames;
    uint32_t rx_interrupts, polls, budget_exhausted, rearm_races;
    uint32_t rx_short;          /* used len smaller than the net header */
    uint32_t rx_too_long;       /* frame longer than a buffer can hold */
    uint32_t rx_bad_num_buffers;/* MRG_RXBUF num_buffers 0 */
    uint32_t rx_merged_dropped; /* frames spread over several buffers: dropped
                                 * (whatever their first buffer's length) */
    uint32_t rx_repost_failed;
    uint32_t rx_alloc_failed;   /* no DMA memory for more RX buffers: the ring stays partly filled */
    uint32_t tx_no_buffer;      /* tx_alloc found the pool empty */
    uint32_t tx_ring_full;      /* frame dropped: no room on the TX ring */
    uint32_t tx_too_long;
    uint32_t tx_no_headroom;
    uint32_t tx_invalid;        /* frame shorter than an Ethernet header, off+len
                                 * beyond the buffer, or a buffer the caller
                                 * did not own (already released or queued) */
    uint32_t tx_error;          /* frame dropped: the TX ring is broken or being reset */
    uint32_t bad_release;       /* netbuf_release of a buffer not held: ignored */
    uint32_t kicks;
    uint32_t config_changes;
    uint32_t queue_broken;      /* the device broke a ring: see the vq stats */
    uint32_t mac_invalid;       /* config mac multicast or zero: random one used */
    uint32_t rx_bad_csum;       /* NEEDS_CSUM with csum_start + csum_offset + 2
                                 * past the frame, or with RSC_INFO: dropped */
    uint32_t tx_bad_csum;       /* NETBUF_CSUM_PARTIAL field outside the frame: dropped */
    uint32_t tx_csum_sw;        /* partial checksums the driver finished (no CSUM) */
    uint32_t mtu_declined;      /* VIRTIO_NET_F_MTU offered with an mtu outside
                                 * [VIRTIO_NET_MTU_MIN, VIRTIO_NET_MTU_MAX]: not
                                 * accepted (negotiations that saw it) */
    /* control queue (VIRTIO_NET_F_CTRL_VQ) */
    uint32_t ctrl_cmds;         /* commands posted */
    uint32_t ctrl_err;          /* ... answered VIRTIO_NET_ERR */
    uint32_t ctrl_bad_ack;      /* ... answered neither VIRTIO_NET_OK nor VIRTIO_NET_ERR */
    uint32_t ctrl_bad_len;      /* ... with a used length other than the one ack byte */
    uint32_t ctrl_timeouts;     /* ... not answered within cfg.ctrl_timeout_ns */
    uint32_t ctrl_late;         /* answers to a command that had timed out */
    /* VIRTIO_NET_F_GUEST_ANNOUNCE */
    uint32_t announce_requests; /* status reads that showed VIRTIO_NET_S_ANNOUNCE */
    uint32_t announce_acked;    /* VIRTIO_NET_CTRL_ANNOUNCE_ACK answered VIRTIO_NET_OK */
};

struct virtio_net;
typedef void (*virtio_net_rx_fn)(void *arg, struct netbuf *nb);

struct virtio_net_config {
    virtio_net_rx_fn rx; /* receives ownership of each frame (Ethernet header first) */
    void *rx_arg;
    uint16_t rx_queue_size; /* 0: the device's maximum (capped at VIRTIO_NET_QUEUE_MAX) */
    uint16_t tx_queue_size;
    /* RX buffers virtio_net_init() allocates and posts; 0 (or more than the
     * ring holds): all of them.  Fewer: virtio_net_poll() adds the rest,
     * VIRTIO_NET_RX_BATCH per call (see "Filling the RX ring in steps"). */
    uint16_t rx_initial;
    /* true: init leaves the interrupt masked, and the first virtio_net_poll()
     * unmasks it once it has notified the device of its replies;
     * virtio_net_pending() is true until then.  Frames that arrive while
     * the driver starts are answered by that poll without taking an
     * interrupt first (whose first delivery, cold code under an emulator,
     * would delay the answer; docs/PERFORMANCE.md, boot to network).  The
     * caller must poll once after init - the recipe's loop does. */
    bool irq_after_first_poll;
    uint64_t disable_features; /* feature bits not to accept (testing, benchmarking) */
    uint32_t (*random)(void);  /* for a MAC when the device offers none; may be NULL */
    /* Interrupt context, may be NULL: work arrived for the thread that polls
     * (an RX interrupt, a config change, DEVICE_NEEDS_RESET; also from the
     * thread of a transmit or tx_alloc that found the TX ring broken) -
     * e.g. give a semaphore.  Must not call into the driver. */
    void (*wake)(void *arg);
    void *wake_arg;
    /* A control command's wait for its answer (virtio_net_ctrl): up to
     * ctrl_timeout_ns (0: VIRTIO_NET_CTRL_TIMEOUT_NS), calling
     * ctrl_wait(ctrl_wait_arg) between looks at the ring (NULL: spin). */
    void (*ctrl_wait)(void *arg);
    void *ctrl_wait_arg;
    uint64_t ctrl_timeout_ns;
};

struct virtio_net_txbuf;

struct virtio_net {
    struct virtio_dev dev;
    struct virtio_feature_spec spec;
    struct virtio_net_config cfg;
    struct virtqueue *rxq, *txq;
    struct virtqueue *ctrlq; /* NULL: no control queue (CTRL_VQ not negotiated at init) */
    /* the control command's buffer (DMA): class, command and data in the
     * first cache line, the ack byte alone in the next (device-written) */
    uint8_t *ctrl_buf;
    bool ctrl_out;      /* a command is on the control queue (timed out, not answered yet) */
    bool announce_wanted; /* VIRTIO_NET_S_ANNOUNCE read, not acked yet */
    uint16_t hdr_len;
    bool split_hdr;     /* legacy without ANY_LAYOUT: header in its own descriptor */
    bool mergeable;
    bool guest_csum;    /* GUEST_CSUM: RX header flags are read */
    bool tx_csum;       /* CSUM: the device finishes NEEDS_CSUM frames */
    uint16_t mtu;       /* the device's with VIRTIO_NET_F_MTU, else VIRTIO_NET_MTU_MAX */
    uint16_t dev_mtu;   /* the config's mtu as the last negotiation read it (0: none) */
    uint16_t tx_frame_max; /* mtu + the Ethernet header: longer frames are not sent (untagged) */
    uint8_t mac[6];
    volatile bool rx_pending;   /* interrupt seen, poll not done (virtio_flag_*) */
    volatile bool config_dirty; /* config interrupt: re-read the link (virtio_flag_*) */
    bool link_up;
    bool need_kick_rx, need_kick_tx;
    bool irq_masked;    /* cfg.irq_after_first_poll: no poll has unmasked it yet */
    bool recovering;    /* virtio_net_check until restart: nothing posted or reaped (n->lock) */
    uint16_t skip_bufs; /* buffers left of a merged frame being dropped */
    unsigned nrx;       /* RX buffers: one per ring slot the ring can hold */
    unsigned nrx_ready; /* rx[0..nrx_ready) have memory; the rest come with later polls */
    uint8_t rx_fill_stop;  /* why the fill stopped short (virtio_net.c), 0: it goes on */
    struct netbuf *rx; /* nrx RX netbufs, then nrx state bytes */
    /* the RX buffers' storage (DMA), in blocks: rx_block[k] holds
     * rx_block_bufs[k] buffers, the ones after those of block k - 1 */
    uint8_t *rx_block[VIRTIO_NET_RX_BLOCKS];
    uint16_t rx_block_bufs[VIRTIO_NET_RX_BLOCKS];
    unsigned nrx_blocks;
    uint8_t *txmem; /* the TX pool's storage (DMA) */
    struct netbuf tx[VIRTIO_NET_TX_BUFS];
    uint8_t tx_state[VIRTIO_NET_TX_BUFS];
    /* free TX buffers: a stack of indices (not netbuf.next, which
     * netbuf_release() clears - a double release must not cut the list) */
    uint8_t tx_free[VIRTIO_NET_TX_BUFS];
    unsigned ntx_free;
    plat_lock_t lock;   /* see Concurrency above for what it protects */
    struct virtio_net_stats stats;
};

int virtio_net_init(struct virtio_net *n, uintptr_t base, unsigned irq, unsigned irq_flags,
                    bool dma_coherent, const struct virtio_net_config *cfg);
void virtio_net_mac(const struct virtio_net *n, uint8_t mac[6]);
bool virtio_net_link_up(struct virtio_net *n); /* re-reads the status after a config interrupt */
/* A config interrupt arrived, or the device was re-initialised
 * (virtio_net_check()), since the link status was last read
 * (virtio_net_link_up() reads it and clears this). */
bool virtio_net_link_changed(struct virtio_net *n);
/* VIRTIO_NET_F_GUEST_ANNOUNCE: the last status virtio_net_link_up() read
 * held VIRTIO_NET_S_ANNOUNCE and virtio_net_announce_ack() has not been
 * called since: tell the peers where we are, then ack. */
bool virtio_net_announce_wanted(const struct virtio_net *n);
/* Ack the request (VIRTIO_NET_CTRL_ANNOUNCE_ACK) and clear it, whatever
 * the answer.  0, or virtio_net_ctrl()'s error (VIRTIO_ENOTSUP without
 * GUEST_ANNOUNCE).  Owning thread. */
int virtio_net_announce_ack(struct virtio_net *n);
/* Send one control command (5.1.6.5) and wait for its ack (see "Control
 * queue" above): 0 (VIRTIO_NET_OK), VIRTIO_EIO (VIRTIO_NET_ERR, an ack or
 * used length the device should not write, a broken queue),
 * VIRTIO_ETIMEDOUT, VIRTIO_EBUSY (an earlier command still out, or the
 * device waits for virtio_net_check()'s reset), VIRTIO_ENOTSUP (no control queue), VIRTIO_EINVAL
 * (more than VIRTIO_NET_CTRL_DATA_MAX data bytes).  Owning thread. */
int virtio_net_ctrl(struct virtio_net *n, uint8_t cls, uint8_t cmd, const void *data, unsigned len);
/* Deliver up to budget received frames and notify the device of the
 * replies they queued; then reclaim TX completions (after the replies:
 * reaping never delays an answer) and notify again if that posted RX
 * buffers; then, while the RX ring is still filling
 * (cfg.rx_initial) and budget > 0, add up to VIRTIO_NET_RX_BATCH buffers.
 * At most budget RX buffers are taken off the ring - frames dropped as
 * malformed count too, so a device feeding nothing but those cannot hold
 * one poll for ever.  Returns the number delivered.  When it took budget
 * buffers, frames may be left: virtio_net_pending() stays true until a
 * poll drains the ring. */
unsigned virtio_net_poll(struct virtio_net *n, unsigned budget);
/* true when an interrupt left work for virtio_net_poll(), or the RX ring
 * is still filling (cfg.rx_initial). */
bool virtio_net_pending(const struct virtio_net *n);
struct netbuf *virtio_net_tx_alloc(struct virtio_net *n);
/* VIRTIO_NET_F_CSUM was negotiated: frames marked NETBUF_CSUM_PARTIAL get
 * their checksum from the device (otherwise the driver sums them). */
bool virtio_net_tx_csum(const struct virtio_net *n);
/* The largest IP packet to send: the device's MTU when it offered one
 * (VIRTIO_NET_F_MTU, 68..1500; a frame beyond it plus the Ethernet header
 * is refused, stats.tx_too_long), otherwise 1500.  May change when a
 * re-initialisation negotiates again. */
unsigned virtio_net_mtu(const struct virtio_net *n);
/* Queue a frame (Ethernet header first) for transmission; always takes
 * ownership.  nb->csum_flags: 0, or NETBUF_CSUM_PARTIAL (see above). */
int virtio_net_tx(struct virtio_net *n, struct netbuf *nb);
/* Notify the device of everything queued since the last flush. */
void virtio_net_flush(struct virtio_net *n);
/* Recover from DEVICE_NEEDS_RESET or a broken ring; thread context.
 * Returns 0 (nothing to do), 1 (re-initialised) or a negative error: the
 * device is then dead and every later call returns VIRTIO_EIO. */
int virtio_net_check(struct virtio_net *n);
/* Reset the device and free everything init allocated.  Buffers the stack
 * still holds become invalid: call it only when the stack holds none. */
void virtio_net_shutdown(struct virtio_net *n);

#endif
