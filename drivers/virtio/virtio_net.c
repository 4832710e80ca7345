/*
 * virtio_net.c - see virtio_net.h.
 *
 * Buffer life cycle.  Every RX netbuf is in exactly one state:
 *   RX_NONE  no memory yet: the ring is still filling (cfg.rx_initial)
 *   RX_FREE  the driver's, not posted (a reset cancelled it, or posting failed)
 *   RX_RING  on the RX ring (the device's)
 *   RX_HELD  handed up: the stack's, until netbuf_release() or virtio_net_tx()
 *   RX_TX    on the TX ring as a reply built in place; its TX completion
 *            (or cancellation) posts it on the RX ring again
 * and every TX pool netbuf in one of TX_POOL (free list), TX_APP (the
 * caller's, from tx_alloc) and TX_RING.  The states live in the driver,
 * never in shared memory, and change only under n->lock, so neither the
 * device nor a stack that releases a buffer twice can make the driver post
 * a buffer twice.
 *
 * RX_NONE buffers are always the last ones, rx[nrx_ready..nrx): rx_fill()
 * gives the next ones memory (one block of DMA memory per call) and posts
 * them together with any other RX_FREE buffer, so a buffer whose re-post
 * failed goes back on the ring then too.
 *
 * Invariant of the RX interrupt path: RX callbacks are disabled only while
 * rx_pending is set, so a caller that idles when virtio_net_pending() is
 * false never strands a frame on the ring.
 */
#include "virtio_net.h"

#include <string.h>

#include "virtio_endian.h"

enum { RX_NONE, RX_FREE, RX_RING, RX_HELD, RX_TX };
enum { RX_FILL_GO, RX_FILL_NOMEM, RX_FILL_RING_FULL }; /* rx_fill_stop */
enum { TX_POOL, TX_APP, TX_RING };

#define TX_HEADROOM 32u
/* RX and TX buffers start on whole cache lines and are whole lines long
 * (64 bytes, a multiple of any shorter line, or PLAT_DMA_LINE): what the
 * device writes into one shares no line with the next, which the CPU
 * writes meanwhile. */
#define NET_BUF_ALIGN (PLAT_DMA_LINE > 64u ? PLAT_DMA_LINE : 64u)
_Static_assert(VIRTIO_NET_BUF_SIZE % NET_BUF_ALIGN == 0, "net buffers: whole cache lines");
#define MIN_FRAME 60u /* Ethernet minimum without FCS */
#define ETH_HLEN 14u
/* The control buffer: class and command, then the data, in one line; the
 * ack byte, which the device writes, alone in the next (a device without
 * dma-coherent must not share a line the CPU writes meanwhile). */
#define CTRL_ACK_OFF NET_BUF_ALIGN
#define CTRL_BUF_SIZE (2u * NET_BUF_ALIGN)
_Static_assert(2u + VIRTIO_NET_CTRL_DATA_MAX <= CTRL_ACK_OFF, "class, command and data in one line");
/* Preset in the ack byte before a command is posted: neither OK nor ERR,
 * so an ack the device did not write is told from one it did. */
#define CTRL_ACK_UNWRITTEN 0xffu

static void note_broken(struct virtio_net *n);

/* rx_state is kept beside the RX netbufs, in the same allocation. */
static uint8_t *rx_state(struct virtio_net *n) { return (uint8_t *)(n->rx + n->nrx); }
static size_t rx_meta_size(unsigned nrx) { return (size_t)nrx * (sizeof(struct netbuf) + 1u); }

/* Index of nb in base[0..count), or -1: nb may be any netbuf the caller
 * passes.  Each of ours carries its index (netbuf.slot, set when the array
 * is laid out), so one load and a pointer comparison decide, without a
 * division by the struct's size. */
static int nb_index(const struct netbuf *base, unsigned count, const struct netbuf *nb)
{
    unsigned i;

    if (!base || !nb)
        return -1;
    i = nb->slot;
    if (i >= count || &base[i] != nb)
        return -1;
    return (int)i;
}

static int rx_index(const struct virtio_net *n, const struct netbuf *nb) { return nb_index(n->rx, n->nrx, nb); }
static int tx_index(const struct virtio_net *n, const struct netbuf *nb)
{
    return nb_index(n->tx, VIRTIO_NET_TX_BUFS, nb);
}

/* Post RX buffer i.  Caller holds n->lock (or the interrupt is not live). */
static int rx_post_locked(struct virtio_net *n, unsigned i)
{
    struct netbuf *nb = &n->rx[i];
    struct vq_buf b[2];
    unsigned k = 0;
    int err;

    if (n->dev.stopping || n->recovering) {
        rx_state(n)[i] = RX_FREE; /* restart() posts it with the new layout */
        return VIRTIO_EIO;
    }
    if (n->split_hdr) {
        b[k++] = (struct vq_buf){nb->buf, n->hdr_len};
        b[k++] = (struct vq_buf){nb->buf + n->hdr_len, (uint32_t)(nb->cap - n->hdr_len)};
    } else {
        b[k++] = (struct vq_buf){nb->buf, nb->cap};
    }
    err = virtqueue_add(n->rxq, b, 0, k, nb);
    if (err == 0) {
        rx_state(n)[i] = RX_RING;
        n->need_kick_rx = true;
    } else {
        rx_state(n)[i] = RX_FREE;
        n->stats.rx_repost_failed++;
    }
    return err;
}

/* The stack is done with an RX buffer: back on the ring. */
static void rx_release(struct netbuf *nb)
{
    struct virtio_net *n = nb->owner;
    plat_irqstate_t s = plat_lock(&n->lock);
    int i = rx_index(n, nb);

    if (i < 0 || rx_state(n)[i] != RX_HELD)
        n->stats.bad_release++; /* released twice, or while queued for TX */
    else
        rx_post_locked(n, (unsigned)i);
    plat_unlock(&n->lock, s);
}

static void tx_pool_put_locked(struct virtio_net *n, unsigned i)
{
    n->tx_state[i] = TX_POOL;
    n->tx_free[n->ntx_free++] = (uint8_t)i; /* at most VIRTIO_NET_TX_BUFS: one per state change */
}

/* The caller gives back a TX buffer it did not send. */
static void tx_release(struct netbuf *nb)
{
    struct virtio_net *n = nb->owner;
    plat_irqstate_t s = plat_lock(&n->lock);
    int i = tx_index(n, nb);

    if (i < 0 || n->tx_state[i] != TX_APP)
        n->stats.bad_release++;
    else
        tx_pool_put_locked(n, (unsigned)i);
    plat_unlock(&n->lock, s);
}

/* A transmitted frame left the TX ring (completed, or cancelled by a
 * reset): its buffer goes home.  Not called under n->lock. */
static void tx_done(struct virtio_net *n, struct netbuf *nb)
{
    plat_irqstate_t s;
    int i;

    if ((i = tx_index(n, nb)) >= 0) {
        s = plat_lock(&n->lock);
        if (n->tx_state[i] == TX_RING)
            tx_pool_put_locked(n, (unsigned)i);
        plat_unlock(&n->lock, s);
    } else if ((i = rx_index(n, nb)) >= 0) {
        s = plat_lock(&n->lock);
        if (rx_state(n)[i] == RX_TX)
            rx_post_locked(n, (unsigned)i); /* the in-place reply went out */
        plat_unlock(&n->lock, s);
    } else {
        netbuf_release(nb); /* someone else's buffer: its own release hook */
    }
}

/* Interrupt context (the queue's lock is not held: virtqueue.h): mask
 * further RX interrupts and leave the work to poll. */
static void rx_callback(struct virtqueue *vq, void *priv)
{
    struct virtio_net *n = priv;
    plat_irqstate_t s = plat_lock(&n->lock);

    virtqueue_disable_cb(vq);
    virtio_flag_set(&n->rx_pending, true);
    plat_unlock(&n->lock, s);
    n->stats.rx_interrupts++;
    if (n->cfg.wake)
        n->cfg.wake(n->cfg.wake_arg);
}

/* A reset emptied the RX ring (thread context, the queue's lock not held:
 * virtqueue.h).  Under n->lock: a release on another thread changes the
 * same state bytes. */
static void rx_cancel(struct virtqueue *vq, void *token, void *priv)
{
    struct virtio_net *n = priv;
    plat_irqstate_t s = plat_lock(&n->lock);
    int i = rx_index(n, token);

    (void)vq;
    if (i >= 0 && rx_state(n)[i] == RX_RING)
        rx_state(n)[i] = RX_FREE;
    plat_unlock(&n->lock, s);
}

static void tx_cancel(struct virtqueue *vq, void *token, void *priv)
{
    (void)vq;
    tx_done(priv, token);
}

/* A reset (or shutdown) took back the command a timeout left on the
 * control queue (owning thread, as every control command): the buffer is
 * the driver's again. */
static void ctrl_cancel(struct virtqueue *vq, void *token, void *priv)
{
    struct virtio_net *n = priv;

    (void)vq;
    (void)token;
    n->ctrl_out = false;
}

static void config_changed(struct virtio_dev *dev)
{
    struct virtio_net *n = dev->drv_priv;
    virtio_flag_set(&n->config_dirty, true);
    n->stats.config_changes++;
    if (n->cfg.wake)
        n->cfg.wake(n->cfg.wake_arg);
}

/* DEVICE_NEEDS_RESET (interrupt context): virtio_net_check() has work. */
static void needs_reset(struct virtio_dev *dev)
{
    struct virtio_net *n = dev->drv_priv;

    if (n->cfg.wake)
        n->cfg.wake(n->cfg.wake_arg);
}

/* Post every FREE RX buffer the ring takes.  Caller holds n->lock.
 * Returns 0, or the error of the post that failed (the ring is full). */
static int post_free_rx_locked(struct virtio_net *n)
{
    int err;

    for (unsigned i = 0; i < n->nrx_ready; i++)
        if (rx_state(n)[i] == RX_FREE && (err = rx_post_locked(n, i)) != 0)
            return err;
    return 0;
}

/* Buffers are still to be added (cfg.rx_initial), and can be. */
static bool rx_filling(const struct virtio_net *n)
{
    return n->nrx_ready < n->nrx && n->rx_fill_stop == RX_FILL_GO && !n->dev.stopping;
}

/* Give up to count more RX buffers their memory (one block of DMA memory)
 * and post them with every other FREE one.  Thread context, not under
 * n->lock (plat_dma_alloc may take locks of its own).  Returns 0 or
 * VIRTIO_ENOMEM.  The fill stops for good when the DMA pool is out, and
 * until the next reset when the ring takes no more (a reset may have
 * renegotiated a layout that needs two descriptors per buffer): the
 * buffers that did not fit stay FREE, and restart() posts them. */
static int rx_fill(struct virtio_net *n, unsigned count)
{
    plat_busaddr_t bus;
    plat_irqstate_t s;
    unsigned first = n->nrx_ready;

    if (!rx_filling(n))
        return 0;
    if (count > n->nrx - first || n->nrx_blocks == VIRTIO_NET_RX_BLOCKS - 1u)
        count = n->nrx - first; /* the last block takes the rest */
    uint8_t *mem = plat_dma_alloc((size_t)count * VIRTIO_NET_BUF_SIZE, NET_BUF_ALIGN, &bus);
    if (!mem) {
        n->rx_fill_stop = RX_FILL_NOMEM;
        n->stats.rx_alloc_failed++;
        return VIRTIO_ENOMEM;
    }
    s = plat_lock(&n->lock);
    n->rx_block[n->nrx_blocks] = mem;
    n->rx_block_bufs[n->nrx_blocks++] = (uint16_t)count;
    for (unsigned i = first; i < first + count; i++) {
        n->rx[i] = (struct netbuf){.buf = mem + (size_t)(i - first) * VIRTIO_NET_BUF_SIZE,
                                   .cap = VIRTIO_NET_BUF_SIZE,
                                   .release = rx_release,
                                   .owner = n,
                                   .slot = (uint16_t)i};
        rx_state(n)[i] = RX_FREE;
    }
    n->nrx_ready = first + count;
    if (post_free_rx_locked(n) != 0)
        n->rx_fill_stop = RX_FILL_RING_FULL;
    plat_unlock(&n->lock, s);
    return 0;
}

static void read_link(struct virtio_net *n)
{
    uint16_t st;
    virtio_flag_set(&n->config_dirty, false);
    if (!virtio_has_feature(&n->dev, VIRTIO_NET_F_STATUS)) {
        n->link_up = true; /* 5.1.4: without STATUS the link is assumed up */
    } else if (virtio_config_read16(&n->dev, VIRTIO_NET_CFG_STATUS, &st) == 0) {
        n->link_up = (st & VIRTIO_NET_S_LINK_UP) != 0;
        /* 5.1.6.5.3: the device asks to be announced (after a migration);
         * the bit means nothing unless GUEST_ANNOUNCE was negotiated.  It
         * stays set until the ack: every read that shows it asks again, as
         * Linux's config work does. */
        if ((st & VIRTIO_NET_S_ANNOUNCE) && virtio_has_feature(&n->dev, VIRTIO_NET_F_GUEST_ANNOUNCE) &&
            n->ctrlq) {
            n->announce_wanted = true;
            n->stats.announce_requests++;
        }
    }
}

static void compute_layout(struct virtio_net *n)
{
    bool v1 = virtio_has_feature(&n->dev, VIRTIO_F_VERSION_1);
    n->mergeable = virtio_has_feature(&n->dev, VIRTIO_NET_F_MRG_RXBUF);
    n->hdr_len = (v1 || n->mergeable) ? VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY;
    /* 5.1.6.6 (legacy): without ANY_LAYOUT the header has a descriptor of its own. */
    n->split_hdr = !v1 && !virtio_has_feature(&n->dev, VIRTIO_F_ANY_LAYOUT);
    n->guest_csum = virtio_has_feature(&n->dev, VIRTIO_NET_F_GUEST_CSUM);
    n->tx_csum = virtio_has_feature(&n->dev, VIRTIO_NET_F_CSUM);
    n->mtu = virtio_has_feature(&n->dev, VIRTIO_NET_F_MTU) ? n->dev_mtu : VIRTIO_NET_MTU_MAX;
    n->tx_frame_max = (uint16_t)(n->mtu + ETH_HLEN);
}

/* 5.1.4.2: a driver SHOULD accept VIRTIO_NET_F_MTU; having accepted it, it
 * MUST post buffers that hold an mtu-sized frame and MUST NOT send a
 * larger one.  Our buffers hold a frame of VIRTIO_NET_MTU_MAX: a larger
 * mtu is declined (the device then sends us nothing beyond 1514 bytes
 * either, as no segmentation offload is accepted: 5.1.6.3), and so is one
 * below 68, which 5.1.4.1 forbids the device to set.  Read before
 * FEATURES_OK, as 3.1.1 step 4 allows (Linux's virtnet_validate does the
 * same). */
static uint64_t net_validate(struct virtio_dev *dev, uint64_t offered)
{
    struct virtio_net *n = dev->drv_priv;
    uint64_t decline = 0;
    uint16_t mtu = 0;

    /* A re-initialisation keeps the queues init created (virtio.h): a
     * device that offers CTRL_VQ only now gets no control queue, and
     * without it neither CTRL_VQ nor GUEST_ANNOUNCE can be accepted. */
    if (n->rxq && !n->ctrlq)
        decline |= VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE);
    n->dev_mtu = 0;
    if (!(offered & VIRTIO_BIT(VIRTIO_NET_F_MTU)))
        return decline;
    if (virtio_config_read16(dev, VIRTIO_NET_CFG_MTU, &mtu) == 0 && mtu >= VIRTIO_NET_MTU_MIN &&
        mtu <= VIRTIO_NET_MTU_MAX) {
        n->dev_mtu = mtu;
        return decline;
    }
    if (!n->stats.mtu_declined)
        plat_log("virtio-net: the device's MTU %u is outside %u..%u: not accepted; using %u", (unsigned)mtu,
                 VIRTIO_NET_MTU_MIN, VIRTIO_NET_MTU_MAX, VIRTIO_NET_MTU_MAX);
    n->stats.mtu_declined++;
    return decline | VIRTIO_BIT(VIRTIO_NET_F_MTU);
}

/* cfg.irq_after_first_poll: the first poll has kicked its replies (or
 * found the device in need of a reset): interrupts from now on. */
static void irq_unmask_late(struct virtio_net *n)
{
    if (n->irq_masked && !n->dev.broken) { /* a dead device stays masked */
        n->irq_masked = false;
        plat_irq_unmask(n->dev.irq);
    }
}

/* After a re-initialisation (thread context, rings empty, DRIVER_OK set).
 * The features were negotiated again: the header layout is recomputed
 * before anything is posted, and a merged frame half-dropped before the
 * reset has no tail any more. */
static int restart(struct virtio_dev *dev)
{
    struct virtio_net *n = dev->drv_priv;
    plat_irqstate_t s;

    n->irq_masked = false; /* the re-initialisation unmasked it */
    /* Under n->lock: a release or a transmit on another thread reads the
     * layout to build its chain; until `recovering` drops here they post
     * nothing (virtio_net_check set it), after it they use the new one. */
    s = plat_lock(&n->lock);
    compute_layout(n);
    n->skip_bufs = 0;
    n->recovering = false;
    virtqueue_disable_cb(n->txq);
    if (n->ctrlq)
        virtqueue_disable_cb(n->ctrlq); /* polled by virtio_net_ctrl() */
    if (virtqueue_enable_cb(n->rxq)) /* the ring is empty: nothing to poll */
        virtio_flag_set(&n->rx_pending, false);
    if (n->rx_fill_stop == RX_FILL_RING_FULL)
        n->rx_fill_stop = RX_FILL_GO; /* a new ring: the fill may go on */
    post_free_rx_locked(n);
    plat_unlock(&n->lock, s);
    /* The link may have changed over the reset (a config change announced
     * before it, or none announced at all): the caller's next
     * virtio_net_link_changed() says so and virtio_net_link_up() re-reads. */
    virtio_flag_set(&n->config_dirty, true);
    virtio_net_flush(n);
    return 0;
}

/* 5.1.3.1: GUEST_ANNOUNCE requires CTRL_VQ (the ack goes there); and the
 * request is a bit of the status field, which exists only with STATUS. */
static const struct virtio_feature_dep net_deps[] = {
    {VIRTIO_NET_F_GUEST_ANNOUNCE, VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_STATUS)},
};

static struct virtio_feature_spec net_spec(uint64_t disable)
{
    uint64_t want = VIRTIO_BIT(VIRTIO_NET_F_CSUM) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM) |
                    VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
                    VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_NET_F_MTU) |
                    VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) | VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE) |
                    VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
                    VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT);
    return (struct virtio_feature_spec){
        .supported = want & ~disable, .deps = net_deps, .ndeps = sizeof(net_deps) / sizeof(net_deps[0])};
}

/* A locally administered unicast address (the base address is mixed in so
 * two devices without a random source still differ). */
static void random_mac(struct virtio_net *n)
{
    uint32_t r1 = n->cfg.random ? n->cfg.random() : 0x5eed1234u;
    uint32_t r2 = n->cfg.random ? n->cfg.random() : 0x9abcu;

    r1 ^= (uint32_t)n->dev.base;
    r2 ^= (uint32_t)(n->dev.base >> 9);
    n->mac[0] = 0x02; /* locally administered, unicast */
    n->mac[1] = (uint8_t)r1;
    n->mac[2] = (uint8_t)(r1 >> 8);
    n->mac[3] = (uint8_t)(r1 >> 16);
    n->mac[4] = (uint8_t)(r2);
    n->mac[5] = (uint8_t)(r2 >> 8);
}

/* A source address must be unicast and not all zero. */
static bool mac_usable(const uint8_t m[6])
{
    if (m[0] & 1u)
        return false;
    for (unsigned i = 0; i < 6; i++)
        if (m[i])
            return true;
    return false;
}

static void free_memory(struct virtio_net *n)
{
    for (unsigned k = 0; k < n->nrx_blocks; k++)
        virtio_dev_dma_free(&n->dev, n->rx_block[k], (size_t)n->rx_block_bufs[k] * VIRTIO_NET_BUF_SIZE);
    virtio_dev_dma_free(&n->dev, n->rx, rx_meta_size(n->nrx));
    virtio_dev_dma_free(&n->dev, n->txmem, (size_t)VIRTIO_NET_TX_BUFS * VIRTIO_NET_BUF_SIZE);
    virtio_dev_dma_free(&n->dev, n->ctrl_buf, CTRL_BUF_SIZE);
    n->rx = NULL;
    n->txmem = NULL;
    n->ctrl_buf = NULL;
    n->ctrl_out = false;
    n->nrx = n->nrx_ready = n->nrx_blocks = 0;
    n->ntx_free = 0;
}

static int net_configure(struct virtio_dev *dev, struct virtio_vq_params *qp)
{
    struct virtio_net *n = dev->drv_priv;

    compute_layout(n);
    /* Two descriptors per chain only when the header is split and there is
     * no indirect table to hold them. */
    uint16_t ind = n->split_hdr ? 2 : 0;
    qp[0] = (struct virtio_vq_params){.name = "rx",
                                      .num = n->cfg.rx_queue_size ? n->cfg.rx_queue_size : VIRTIO_NET_QUEUE_MAX,
                                      .max_indirect = ind,
                                      .callback = rx_callback,
                                      .cancel = rx_cancel,
                                      .priv = n,
                                      .lock = &n->lock};
    qp[1] = (struct virtio_vq_params){.name = "tx",
                                      .num = n->cfg.tx_queue_size ? n->cfg.tx_queue_size : VIRTIO_NET_QUEUE_MAX,
                                      .max_indirect = ind,
                                      .cancel = tx_cancel,
                                      .priv = n,
                                      .lock = &n->lock};
    /* 5.1.2: controlq exists only with CTRL_VQ.  Direct chains (no
     * indirect table): class and command, the data, the ack each in a
     * descriptor of its own - what the legacy interface's framing
     * requirements ask of a driver without ANY_LAYOUT (5.1.6, "Legacy
     * Interface: Framing Requirements"), and what any device takes. */
    qp[VIRTIO_NET_CTRLQ] = (struct virtio_vq_params){.name = "ctrl",
                                                     .num = VIRTIO_NET_CTRL_QUEUE_SIZE,
                                                     .cancel = ctrl_cancel,
                                                     .priv = n,
                                                     .lock = &n->lock,
                                                     .absent = !virtio_has_feature(dev, VIRTIO_NET_F_CTRL_VQ)};
    return 0;
}

static int net_prepare(struct virtio_dev *dev)
{
    struct virtio_net *n = dev->drv_priv;
    bool indirect = virtio_has_feature(dev, VIRTIO_F_INDIRECT_DESC);
    int err;

    n->rxq = dev->vqs[0];
    n->txq = dev->vqs[1];
    n->ctrlq = dev->vqs[VIRTIO_NET_CTRLQ]; /* NULL without CTRL_VQ */
    /* A split header needs two descriptors per frame without indirect tables. */
    if (n->split_hdr && !indirect && (virtqueue_size(n->rxq) < 2 || virtqueue_size(n->txq) < 2))
        return VIRTIO_EINVAL;

    if (virtio_has_feature(dev, VIRTIO_NET_F_MAC)) {
        /* Six bytes: one consistent read, never half an old and half a new
         * address (2.5.1). */
        if ((err = virtio_config_read_bytes(dev, VIRTIO_NET_CFG_MAC, n->mac, 6)) != 0)
            return err;
        if (!mac_usable(n->mac)) {
            /* Device-written: never used as a source address if it cannot be one. */
            n->stats.mac_invalid++;
            plat_log("virtio-net: device MAC %02x:%02x:%02x:%02x:%02x:%02x unusable; using a random one",
                     n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
            random_mac(n);
        }
    } else {
        random_mac(n);
    }

    /* One RX buffer per descriptor the ring can hold. */
    unsigned slots = virtqueue_size(n->rxq);
    if (n->split_hdr && !indirect)
        slots /= 2;
    unsigned nrx = slots < VIRTIO_NET_RX_MAX ? slots : VIRTIO_NET_RX_MAX;
    plat_busaddr_t bus;
    n->rx = plat_dma_alloc(rx_meta_size(nrx), _Alignof(struct netbuf), &bus);
    n->nrx = nrx; /* with n->rx, for free_memory */
    n->txmem = plat_dma_alloc((size_t)VIRTIO_NET_TX_BUFS * VIRTIO_NET_BUF_SIZE, NET_BUF_ALIGN, &bus);
    if (n->ctrlq) {
        n->ctrl_buf = plat_dma_alloc(CTRL_BUF_SIZE, NET_BUF_ALIGN, &bus);
        if (!n->ctrl_buf)
            return VIRTIO_ENOMEM;
        virtqueue_disable_cb(n->ctrlq); /* polled by virtio_net_ctrl() */
    }
    if (!n->rx || !n->txmem)
        return VIRTIO_ENOMEM;
    memset(rx_state(n), RX_NONE, nrx); /* no memory yet: rx_fill() gives it */
    for (unsigned i = 0; i < nrx; i++)
        n->rx[i].slot = (uint16_t)i; /* nb_index() knows the slots not yet filled */
    for (unsigned i = VIRTIO_NET_TX_BUFS; i-- > 0;) {
        n->tx[i] = (struct netbuf){.buf = n->txmem + (size_t)i * VIRTIO_NET_BUF_SIZE,
                                   .cap = VIRTIO_NET_BUF_SIZE,
                                   .release = tx_release,
                                   .owner = n,
                                   .slot = (uint16_t)i};
        tx_pool_put_locked(n, i); /* tx[0] on top */
    }
    virtqueue_disable_cb(n->txq); /* completions are reaped by poll and tx */
    /* The first RX buffers (all of them by default); the interrupt is not
     * attached yet.  The rest come with later polls (rx_fill). */
    return rx_fill(n, n->cfg.rx_initial ? n->cfg.rx_initial : nrx);
}

static void net_release(struct virtio_dev *dev)
{
    struct virtio_net *n = dev->drv_priv;

    n->rxq = n->txq = n->ctrlq = NULL;
    free_memory(n);
}

static const struct virtio_driver_ops net_driver_ops = {
    .name = "virtio-net",
    .device_id = VIRTIO_ID_NET,
    .nqueues = 3, /* receiveq1, transmitq1, controlq (absent without CTRL_VQ): no MQ */
    .validate = net_validate,
    .configure = net_configure,
    .prepare = net_prepare,
    .release = net_release,
    .config_changed = config_changed,
    .needs_reset = needs_reset,
    .restart = restart,
};

int virtio_net_init(struct virtio_net *n, uintptr_t base, unsigned irq, unsigned irq_flags,
                    bool dma_coherent, const struct virtio_net_config *cfg)
{
    int err;

    if (!n || !cfg || !cfg->rx)
        return VIRTIO_EINVAL;
    memset(n, 0, sizeof(*n));
    n->cfg = *cfg;
    plat_lock_init(&n->lock);
    err = virtio_mmio_attach(&n->dev, base, irq, irq_flags, dma_coherent);
    if (err)
        return err;
    /* The core keeps a pointer to the spec for re-initialisation.  Without
     * an interrupt line the device is polled: virtio_net_poll() finds what
     * arrived whether or not an interrupt announced it.  With
     * irq_after_first_poll the line stays masked until the first poll has
     * answered what arrived (that poll is due at once: rx_pending). */
    n->spec = net_spec(cfg->disable_features);
    err = virtio_dev_start(&n->dev, &net_driver_ops, n, &n->spec,
                           cfg->irq_after_first_poll ? VIRTIO_IRQ_MASKED : VIRTIO_IRQ_ON);
    if (err)
        return err;
    if (cfg->irq_after_first_poll && n->dev.irq_attached) {
        n->irq_masked = true;
        n->rx_pending = true;
    }
    read_link(n);
    virtio_net_flush(n);
    return 0;
}

void virtio_net_mac(const struct virtio_net *n, uint8_t mac[6]) { memcpy(mac, n->mac, 6); }

bool virtio_net_link_up(struct virtio_net *n)
{
    if (virtio_flag_get(&n->config_dirty))
        read_link(n);
    return n->link_up;
}

bool virtio_net_link_changed(struct virtio_net *n) { return virtio_flag_get(&n->config_dirty); }

/* Take the control queue's answer, if there is one (under n->lock): true
 * with *len when the device has used the command buffer. */
static bool ctrl_reap_locked(struct virtio_net *n, uint32_t *len)
{
    void *tok = virtqueue_get_used(n->ctrlq, len);

    /* The only chain ever posted is the command buffer; the ring has
     * checked the used id against it. */
    return tok != NULL;
}

/* The used length and the ack byte the device wrote: 0 for VIRTIO_NET_OK,
 * VIRTIO_EIO for anything else, counted. */
static int ctrl_result(struct virtio_net *n, uint32_t len)
{
    uint8_t ack = *(volatile uint8_t *)(n->ctrl_buf + CTRL_ACK_OFF);

    if (len != 1u) { /* 5.1.6.5: the device writes the ack byte, nothing more */
        n->stats.ctrl_bad_len++;
        return VIRTIO_EIO;
    }
    if (ack == VIRTIO_NET_OK)
        return 0;
    if (ack == VIRTIO_NET_ERR) {
        n->stats.ctrl_err++;
        return VIRTIO_EIO;
    }
    n->stats.ctrl_bad_ack++; /* unwritten (still the preset) or garbage */
    return VIRTIO_EIO;
}

int virtio_net_ctrl(struct virtio_net *n, uint8_t cls, uint8_t cmd, const void *data, unsigned len)
{
    plat_irqstate_t s;
    uint32_t ulen = 0;
    bool done, broken;
    int err;

    if (!n->ctrlq || !n->ctrl_buf || n->dev.broken)
        return n->ctrlq ? VIRTIO_EIO : VIRTIO_ENOTSUP;
    if (len > VIRTIO_NET_CTRL_DATA_MAX || (len && !data))
        return VIRTIO_EINVAL;
    /* A device waiting for its reset answers nothing (and may have left
     * the rings inconsistent): after virtio_net_check(), not now. */
    if (virtio_flag_get(&n->dev.reset_pending))
        return VIRTIO_EBUSY;
    if (n->ctrl_out) {
        /* A command that timed out: its answer may have come since. */
        s = plat_lock(&n->lock);
        done = ctrl_reap_locked(n, &ulen);
        broken = !done && virtqueue_is_broken(n->ctrlq);
        plat_unlock(&n->lock, s);
        if (broken) {
            note_broken(n); /* virtio_net_check()'s reset takes it back */
            return VIRTIO_EIO;
        }
        if (!done)
            return VIRTIO_EBUSY;
        n->ctrl_out = false;
        n->stats.ctrl_late++;
    }
    uint8_t *b = n->ctrl_buf;
    b[0] = cls;
    b[1] = cmd;
    if (len)
        memcpy(b + 2, data, len);
    b[CTRL_ACK_OFF] = CTRL_ACK_UNWRITTEN;
    struct vq_buf v[3];
    unsigned k = 0;
    v[k++] = (struct vq_buf){b, 2};
    if (len)
        v[k++] = (struct vq_buf){b + 2, len};
    v[k++] = (struct vq_buf){b + CTRL_ACK_OFF, 1};
    s = plat_lock(&n->lock);
    err = n->recovering ? VIRTIO_EBUSY : virtqueue_add(n->ctrlq, v, k - 1u, 1, b);
    if (err == 0 && virtqueue_kick(n->ctrlq))
        n->stats.kicks++;
    broken = virtqueue_is_broken(n->ctrlq);
    plat_unlock(&n->lock, s);
    if (err) {
        if (broken)
            note_broken(n);
        return err;
    }
    n->stats.ctrl_cmds++;
    /* Bounded: the device may never answer (virtio_blk's synchronous
     * helpers wait the same way). */
    const uint64_t limit = n->cfg.ctrl_timeout_ns ? n->cfg.ctrl_timeout_ns : VIRTIO_NET_CTRL_TIMEOUT_NS;
    const uint64_t t0 = plat_time_ns();
    for (;;) {
        s = plat_lock(&n->lock);
        done = ctrl_reap_locked(n, &ulen);
        broken = !done && virtqueue_is_broken(n->ctrlq);
        plat_unlock(&n->lock, s);
        if (done)
            return ctrl_result(n, ulen);
        if (broken) {
            /* A used entry the ring refused: only a reset recovers it,
             * and the reset takes the command back (ctrl_cancel). */
            n->ctrl_out = true;
            note_broken(n);
            return VIRTIO_EIO;
        }
        if (plat_time_ns() - t0 > limit) {
            n->ctrl_out = true; /* the device's until it answers or a reset */
            n->stats.ctrl_timeouts++;
            return VIRTIO_ETIMEDOUT;
        }
        if (n->cfg.ctrl_wait)
            n->cfg.ctrl_wait(n->cfg.ctrl_wait_arg);
    }
}

bool virtio_net_announce_wanted(const struct virtio_net *n) { return n->announce_wanted; }

int virtio_net_announce_ack(struct virtio_net *n)
{
    if (!virtio_has_feature(&n->dev, VIRTIO_NET_F_GUEST_ANNOUNCE) || !n->ctrlq)
        return VIRTIO_ENOTSUP;
    /* Cleared whatever the answer: a device that still wants it says so
     * in the status the next config interrupt makes us read. */
    n->announce_wanted = false;
    int err = virtio_net_ctrl(n, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0);
    if (err == 0)
        n->stats.announce_acked++;
    return err;
}

bool virtio_net_pending(const struct virtio_net *n)
{
    if (n->dev.broken)
        return false; /* nothing will ever come: see virtio_net_check() */
    return virtio_flag_get(&n->rx_pending) || virtio_flag_get(&n->dev.reset_pending) || rx_filling(n);
}

/* A ring is broken (any thread, n->lock not held): virtio_net_check() has
 * work, and the owning thread, idle since virtio_net_pending() said false,
 * is woken for it as DEVICE_NEEDS_RESET wakes it. */
static void note_broken(struct virtio_net *n)
{
    if (virtio_flag_get(&n->dev.reset_pending))
        return;
    virtio_flag_set(&n->dev.reset_pending, true);
    if (n->cfg.wake)
        n->cfg.wake(n->cfg.wake_arg);
}

static void reclaim_tx(struct virtio_net *n)
{
    struct netbuf *nb;
    uint32_t len;
    for (;;) {
        plat_irqstate_t s = plat_lock(&n->lock);
        nb = n->recovering ? NULL : virtqueue_get_used(n->txq, &len);
        bool broken = !nb && !n->recovering && virtqueue_is_broken(n->txq);
        plat_unlock(&n->lock, s);
        if (broken)
            note_broken(n); /* tx_alloc and tx reap on other threads */
        if (!nb)
            break;
        tx_done(n, nb);
    }
}

/* Validate one used RX buffer; true when it holds a frame to deliver. */
static bool rx_accept(struct virtio_net *n, struct netbuf *nb, uint32_t len)
{
    if (n->skip_bufs) {
        n->skip_bufs--; /* the tail of a merged frame we dropped */
        return false;
    }
    if (len < n->hdr_len) { /* not even a header: num_buffers unwritten */
        n->stats.rx_short++;
        return false;
    }
    /* num_buffers before the frame's own checks: a merged frame's tails go
     * with it whatever its first buffer holds, never up as frames. */
    if (n->mergeable) {
        const struct virtio_net_hdr *h = (const struct virtio_net_hdr *)nb->buf;
        uint16_t nbufs = vr_load16(&h->num_buffers);
        if (nbufs == 0) {
            n->stats.rx_bad_num_buffers++;
            return false;
        }
        if (nbufs > 1) {
            /* Our buffers hold any MTU-sized frame, so a device that merges
             * has sent something we cannot use: drop all its parts. */
            n->stats.rx_merged_dropped++;
            n->skip_bufs = (unsigned)nbufs - 1u > n->nrx ? (uint16_t)n->nrx : (uint16_t)(nbufs - 1u);
            return false;
        }
    }
    if (len < n->hdr_len + ETH_HLEN) {
        n->stats.rx_short++;
        return false;
    }
    if (len - n->hdr_len > VIRTIO_NET_MAX_FRAME + 4u) { /* allow a VLAN tag */
        n->stats.rx_too_long++;
        return false;
    }
    nb->csum_flags = 0;
    if (n->guest_csum) {
        /* 5.1.6.4: flags other than these are ignored; csum_start and
         * csum_offset only with NEEDS_CSUM and not with RSC_INFO (they
         * are counters then: the field cannot be found), and
         * device-written: checked. */
        const struct virtio_net_hdr *h = (const struct virtio_net_hdr *)nb->buf;
        uint8_t flags = *(const volatile uint8_t *)&h->flags;
        if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
            uint32_t start = vr_load16(&h->csum_start), field = vr_load16(&h->csum_offset);
            if ((flags & VIRTIO_NET_HDR_F_RSC_INFO) || start + field + 2u > len - n->hdr_len) {
                n->stats.rx_bad_csum++;
                return false;
            }
            nb->csum_flags = NETBUF_CSUM_PARTIAL;
            nb->csum_start = (uint16_t)(n->hdr_len + start);
            nb->csum_offset = (uint16_t)field;
        } else if (flags & VIRTIO_NET_HDR_F_DATA_VALID) {
            nb->csum_flags = NETBUF_CSUM_VALID;
        }
    }
    nb->off = n->hdr_len;
    nb->len = (uint16_t)(len - n->hdr_len);
    nb->next = NULL;
    return true;
}

unsigned virtio_net_poll(struct virtio_net *n, unsigned budget)
{
    unsigned delivered = 0, taken = 0;
    plat_irqstate_t s;

    /* A device that needs a reset may have left the rings inconsistent:
     * leave them to virtio_net_check(). */
    if (virtio_flag_get(&n->dev.reset_pending) || n->dev.broken) {
        irq_unmask_late(n); /* virtio_net_check() has work: let it be announced */
        return 0;
    }
    n->stats.polls++;
    /* Frames first, then housekeeping: the replies are kicked (flush
     * below) before the previous replies' TX completions are reaped and
     * their buffers posted again, so reaping never delays an answer. */
    for (;;) {
        /* The budget counts every buffer taken off the ring, dropped ones
         * too: a device that keeps re-filling the buffers this loop
         * re-posts with frames we drop would otherwise hold it here. */
        while (taken < budget) {
            uint32_t len;
            s = plat_lock(&n->lock);
            struct netbuf *nb = virtqueue_get_used(n->rxq, &len);
            int i = nb ? rx_index(n, nb) : -1; /* tokens are the RX netbufs we posted */
            if (i >= 0)
                rx_state(n)[i] = RX_HELD;
            plat_unlock(&n->lock, s);
            if (!nb)
                break;
            taken++;
            if (!rx_accept(n, nb, len)) {
                rx_release(nb);
                continue;
            }
            n->stats.rx_frames++;
            delivered++;
            n->cfg.rx(n->cfg.rx_arg, nb);
        }
        if (budget == 0)
            break; /* only TX was reaped: RX state untouched */
        if (taken >= budget) {
            /* Frames may be left and callbacks may be off: keep the caller
             * polling instead of idling. */
            virtio_flag_set(&n->rx_pending, true);
            n->stats.budget_exhausted++;
            break;
        }
        /* Drained: re-arm, and if frames slipped in meanwhile go round
         * again with callbacks still off (rx_pending stays set). */
        s = plat_lock(&n->lock);
        bool quiet = virtqueue_enable_cb(n->rxq) || virtqueue_is_broken(n->rxq);
        if (quiet)
            virtio_flag_set(&n->rx_pending, false);
        else
            virtqueue_disable_cb(n->rxq);
        plat_unlock(&n->lock, s);
        if (quiet)
            break;
        n->stats.rearm_races++;
    }
    /* The replies go before the housekeeping (re-armed first: a request
     * a reply provokes raises its own interrupt). */
    virtio_net_flush(n);
    reclaim_tx(n);
    s = plat_lock(&n->lock); /* the TX ring is reaped on other threads too */
    bool broken = virtqueue_is_broken(n->rxq) || virtqueue_is_broken(n->txq);
    plat_unlock(&n->lock, s);
    if (broken) {
        if (!n->stats.queue_broken)
            plat_log("virtio-net: the device broke a ring; recovering with a reset");
        n->stats.queue_broken++;
        virtio_flag_set(&n->dev.reset_pending, true);
    }
    virtio_net_flush(n);
    irq_unmask_late(n);
    /* The replies are on their way: now the next part of the RX ring, if
     * it is still filling (kicked at once: buffers for the next burst). */
    if (budget && !virtio_flag_get(&n->dev.reset_pending) && rx_filling(n)) {
        if (rx_fill(n, VIRTIO_NET_RX_BATCH) != 0)
            plat_log("virtio-net: no DMA memory for more RX buffers: staying with %u of %u", n->nrx_ready,
                     n->nrx);
        virtio_net_flush(n);
    }
    return delivered;
}

struct netbuf *virtio_net_tx_alloc(struct virtio_net *n)
{
    plat_irqstate_t s;
    struct netbuf *nb;

    s = plat_lock(&n->lock);
    bool empty = n->ntx_free == 0;
    plat_unlock(&n->lock, s);
    if (empty)
        reclaim_tx(n);
    s = plat_lock(&n->lock);
    if (n->ntx_free) {
        unsigned i = n->tx_free[--n->ntx_free];

        n->tx_state[i] = TX_APP;
        nb = &n->tx[i];
    } else {
        nb = NULL;
        n->stats.tx_no_buffer++;
    }
    plat_unlock(&n->lock, s);
    if (!nb)
        return NULL;
    nb->next = NULL;
    nb->off = TX_HEADROOM;
    nb->len = 0;
    nb->csum_flags = 0;
    return nb;
}

bool virtio_net_tx_csum(const struct virtio_net *n) { return n->tx_csum; }
unsigned virtio_net_mtu(const struct virtio_net *n) { return n->mtu; }

/* Finish a partial checksum in software (the device does it with CSUM):
 * the ones' complement sum of p[0..len), whose field at `field` holds the
 * pseudo-header sum, complemented into that field; 0 goes out as 0xffff,
 * which means the same to every ones' complement checksum and is the only
 * form UDP allows (RFC 768). */
static void csum_finish(uint8_t *p, uint32_t len, uint32_t field)
{
    uint32_t sum = 0, i;

    for (i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1u)
        sum += (uint32_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    sum = ~sum & 0xffffu;
    if (sum == 0)
        sum = 0xffffu;
    p[field] = (uint8_t)(sum >> 8);
    p[field + 1] = (uint8_t)sum;
}

/* The header layout a transmit builds with, read under n->lock (restart()
 * changes it on the owning thread).  A frame is built and added under the
 * same hold of the lock; where the lock was let go in between (a checksum
 * finished in software, a reclaim of a full ring), the layout is checked
 * again: a frame built with an older one is dropped. */
struct tx_layout {
    uint16_t hdr_len;
    bool split_hdr, tx_csum;
};

static bool tx_layout_same(const struct virtio_net *n, const struct tx_layout *l)
{
    return !n->recovering && n->hdr_len == l->hdr_len && n->split_hdr == l->split_hdr && n->tx_csum == l->tx_csum;
}

/* Does the caller own nb (a TX buffer it allocated, an RX buffer handed up,
 * or a buffer of its own)?  Which of ours it is: *ti, *ri (-1 when not).
 * Caller holds n->lock. */
static bool tx_owned_locked(struct virtio_net *n, const struct netbuf *nb, int *ti, int *ri)
{
    *ri = -1;
    if ((*ti = tx_index(n, nb)) >= 0)
        return n->tx_state[*ti] == TX_APP;
    if ((*ri = rx_index(n, nb)) >= 0)
        return rx_state(n)[*ri] == RX_HELD;
    return true;
}

/* The frame (at least an Ethernet header) carries a VLAN tag. */
static bool vlan_tagged(const uint8_t *f)
{
    unsigned type = (unsigned)f[12] << 8 | f[13];
    return type == 0x8100u || type == 0x88a8u;
}

/* Refuse a frame the caller owns: let go of the lock, count, release. */
static int tx_refuse(struct virtio_net *n, plat_irqstate_t s, struct netbuf *nb, uint32_t *counter, int err)
{
    plat_unlock(&n->lock, s);
    (*counter)++;
    netbuf_release(nb);
    return err;
}

int virtio_net_tx(struct virtio_net *n, struct netbuf *nb)
{
    int ti, ri, err;
    bool broken = false, stolen = false, relocked = false;
    plat_irqstate_t s = plat_lock(&n->lock);

    if (!tx_owned_locked(n, nb, &ti, &ri)) {
        plat_unlock(&n->lock, s);
        n->stats.tx_invalid++; /* not the caller's to send: leave it alone */
        return VIRTIO_EINVAL;
    }
    const struct tx_layout lay = {n->hdr_len, n->split_hdr, n->tx_csum};
    if (nb->len < ETH_HLEN || (size_t)nb->off + nb->len > nb->cap)
        return tx_refuse(n, s, nb, &n->stats.tx_invalid, VIRTIO_EINVAL);
    /* No frame beyond the MTU and the Ethernet header - 4 bytes more
     * with an 802.1Q or 802.1ad tag (the "low level ethernet header"
     * 5.1.4.2 adds to the mtu a driver MUST keep to once it accepted
     * VIRTIO_NET_F_MTU, and beyond 1500 what a buffer holds anyway). */
    if (nb->len > n->tx_frame_max && (nb->len > n->tx_frame_max + 4u || !vlan_tagged(netbuf_data(nb))))
        return tx_refuse(n, s, nb, &n->stats.tx_too_long, VIRTIO_E2BIG);
    /* A partial checksum: its field must lie inside the frame (5.1.6.2:
     * csum_start and csum_offset count from the Ethernet header). */
    bool needs_csum = false;
    uint16_t csum_start = 0, csum_offset = 0;
    if (nb->csum_flags & NETBUF_CSUM_PARTIAL) {
        if (nb->csum_start < nb->off || (uint32_t)(nb->csum_start - nb->off) + nb->csum_offset + 2u > nb->len)
            return tx_refuse(n, s, nb, &n->stats.tx_bad_csum, VIRTIO_EINVAL);
        csum_start = (uint16_t)(nb->csum_start - nb->off);
        csum_offset = nb->csum_offset;
        if (lay.tx_csum) {
            needs_csum = true;
        } else {
            /* A pass over the frame: not with interrupts masked. */
            plat_unlock(&n->lock, s);
            csum_finish(netbuf_data(nb) + csum_start, (uint32_t)nb->len - csum_start, csum_offset);
            n->stats.tx_csum_sw++;
            s = plat_lock(&n->lock);
            relocked = true;
        }
    }
    /* Pad runts to the Ethernet minimum when the buffer has the room. */
    if (nb->len < MIN_FRAME && (size_t)nb->off + MIN_FRAME <= nb->cap) {
        memset(netbuf_data(nb) + nb->len, 0, MIN_FRAME - nb->len);
        nb->len = MIN_FRAME;
    }
    if (!netbuf_push(nb, lay.hdr_len))
        return tx_refuse(n, s, nb, &n->stats.tx_no_headroom, VIRTIO_EINVAL);
    /* flags NEEDS_CSUM or 0, gso_type NONE, num_buffers 0 (5.1.6.2.1).
     * Field by field where the header is 2-aligned (always for our own
     * buffers: the headroom and both header lengths are even), not a
     * memset call; a caller's buffer at an odd offset gets a copy. */
    uint8_t *hp = netbuf_data(nb);
    if (!needs_csum)
        csum_start = csum_offset = 0;
    if (((uintptr_t)hp & 1u) == 0) {
        struct virtio_net_hdr *h = (struct virtio_net_hdr *)(void *)hp;
        h->flags = needs_csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
        h->gso_type = 0;
        h->hdr_len = cpu_to_le16(0);
        h->gso_size = cpu_to_le16(0);
        h->csum_start = cpu_to_le16(csum_start);
        h->csum_offset = cpu_to_le16(csum_offset);
        if (lay.hdr_len >= VIRTIO_NET_HDR_LEN)
            h->num_buffers = cpu_to_le16(0);
    } else {
        struct virtio_net_hdr hh; /* member by member: an initialiser is a memset call on arm */
        hh.flags = needs_csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0;
        hh.gso_type = 0;
        hh.hdr_len = cpu_to_le16(0);
        hh.gso_size = cpu_to_le16(0);
        hh.csum_start = cpu_to_le16(csum_start);
        hh.csum_offset = cpu_to_le16(csum_offset);
        hh.num_buffers = cpu_to_le16(0);
        memcpy(hp, &hh, lay.hdr_len);
    }
    struct vq_buf b[2];
    unsigned k = 0;
    if (lay.split_hdr) {
        b[k++] = (struct vq_buf){netbuf_data(nb), lay.hdr_len};
        b[k++] = (struct vq_buf){netbuf_data(nb) + lay.hdr_len, (uint32_t)(nb->len - lay.hdr_len)};
    } else {
        b[k++] = (struct vq_buf){netbuf_data(nb), nb->len};
    }
    for (int attempt = 0;; attempt++) {
        if (relocked) {
            /* The lock was let go since the checks: still the caller's (a
             * release from another context meanwhile must not put the
             * buffer on both rings)?  Recovering, or recovered since: the
             * header may have the old layout. */
            stolen = ti >= 0 ? n->tx_state[ti] != TX_APP : ri >= 0 && rx_state(n)[ri] != RX_HELD;
            err = stolen ? VIRTIO_EINVAL
                  : !tx_layout_same(n, &lay) ? VIRTIO_EBUSY
                                             : virtqueue_add(n->txq, b, k, 0, nb);
        } else {
            /* Owner and layout checked under this same hold of the lock. */
            err = n->recovering ? VIRTIO_EBUSY : virtqueue_add(n->txq, b, k, 0, nb);
        }
        if (err == 0) {
            if (ti >= 0)
                n->tx_state[ti] = TX_RING;
            else if (ri >= 0)
                rx_state(n)[ri] = RX_TX;
            n->need_kick_tx = true; /* flush() clears it under the lock */
        } else if (err != VIRTIO_ENOSPC) {
            broken = virtqueue_is_broken(n->txq);
        }
        plat_unlock(&n->lock, s);
        if (err != VIRTIO_ENOSPC || attempt > 0)
            break;
        reclaim_tx(n); /* the ring is full of completed frames? */
        s = plat_lock(&n->lock);
        relocked = true;
    }
    if (stolen) {
        n->stats.tx_invalid++; /* released under us: no longer ours to touch */
        return err;
    }
    if (err) {
        netbuf_pull(nb, lay.hdr_len);
        if (err == VIRTIO_ENOSPC) {
            n->stats.tx_ring_full++;
        } else {
            n->stats.tx_error++;
            if (broken)
                note_broken(n); /* virtio_net_check() recovers */
        }
        netbuf_release(nb);
        return err;
    }
    n->stats.tx_frames++;
    return 0;
}

void virtio_net_flush(struct virtio_net *n)
{
    plat_irqstate_t s = plat_lock(&n->lock);
    if (n->recovering) { /* restart() flushes once the rings are new */
        plat_unlock(&n->lock, s);
        return;
    }
    if (n->need_kick_rx && virtqueue_kick(n->rxq))
        n->stats.kicks++;
    if (n->need_kick_tx && virtqueue_kick(n->txq))
        n->stats.kicks++;
    n->need_kick_rx = n->need_kick_tx = false;
    plat_unlock(&n->lock, s);
}

int virtio_net_check(struct virtio_net *n)
{
    plat_irqstate_t s;

    if (n->dev.broken || !n->rxq)
        return VIRTIO_EIO; /* a re-initialisation failed before: stay down */
    /* Status is read only without an interrupt line (then nothing else
     * announces DEVICE_NEEDS_RESET): with one, the config interrupt has
     * said it, and a poll costs no register read. */
    if (!virtio_dev_reset_requested(&n->dev, !virtio_dev_has_irq(&n->dev)))
        return 0;
    /* Other threads (a release, tx_alloc, tx) stop touching the rings
     * before the reset: they post nothing and reap nothing until restart()
     * has recomputed the layout under the lock and cleared the flag.  After
     * a failed re-initialisation the rings are broken: every add fails. */
    s = plat_lock(&n->lock);
    n->recovering = true;
    plat_unlock(&n->lock, s);
    int r = virtio_dev_reinit(&n->dev);
    if (r < 0) {
        s = plat_lock(&n->lock);
        n->recovering = false;
        plat_unlock(&n->lock, s);
    }
    return r;
}

void virtio_net_shutdown(struct virtio_net *n)
{
    if (!n || !n->dev.ops || !n->rxq)
        return;
    /* Reset; queues destroyed, tokens cancelled - and, with dev.stopping
     * set, cancelled in-place replies are not re-posted. */
    virtio_dev_shutdown(&n->dev);
    n->rxq = n->txq = n->ctrlq = NULL;
    free_memory(n);
}
