/*
 * virtio_net.c - see virtio_net.h.
 * Buffer life cycle: every RX netbuf is either on the RX ring (RING), held
 * by the stack (HELD), or back with the driver after a device reset
 * cancelled it (FREE).  The state lives in the driver, never in shared
 * memory, so a device cannot make the driver post a buffer twice.
 */
#include "virtio_net.h"

#include <string.h>

#include "virtio_endian.h"

enum { RX_FREE, RX_RING, RX_HELD };

#define TX_HEADROOM 32u
#define MIN_FRAME 60u

/* rx_state is kept beside the RX netbufs, in the same allocation. */
static uint8_t *rx_state(struct virtio_net *n) { return (uint8_t *)(n->rx + n->nrx); }
static unsigned rx_index(struct virtio_net *n, struct netbuf *nb) { return (unsigned)(nb - n->rx); }

static int rx_post(struct virtio_net *n, struct netbuf *nb)
{
    struct vq_buf b[2];
    unsigned k = 0;
    if (n->split_hdr) {
        b[k++] = (struct vq_buf){nb->buf, n->hdr_len};
        b[k++] = (struct vq_buf){nb->buf + n->hdr_len, (uint32_t)(nb->cap - n->hdr_len)};
    } else {
        b[k++] = (struct vq_buf){nb->buf, nb->cap};
    }
    int err = virtqueue_add(n->rxq, b, 0, k, nb);
    if (err == 0) {
        rx_state(n)[rx_index(n, nb)] = RX_RING;
        n->need_kick_rx = true;
    } else {
        rx_state(n)[rx_index(n, nb)] = RX_FREE;
        n->stats.rx_repost_failed++;
    }
    return err;
}

/* The stack (or a completed in-place transmission) is done with an RX buffer. */
static void rx_release(struct netbuf *nb)
{
    struct virtio_net *n = nb->owner;
    unsigned i = rx_index(n, nb);
    if (i >= n->nrx || rx_state(n)[i] != RX_HELD)
        return; /* not ours to post, or released twice: never post twice */
    plat_irqstate_t s = plat_lock(&n->lock);
    rx_post(n, nb);
    plat_unlock(&n->lock, s);
}

static void tx_release(struct netbuf *nb)
{
    struct virtio_net *n = nb->owner;
    nb->next = n->tx_free;
    n->tx_free = nb;
}

/* Interrupt context: mask further RX interrupts and leave the work to poll. */
static void rx_callback(struct virtqueue *vq, void *priv)
{
    struct virtio_net *n = priv;
    virtqueue_disable_cb(vq);
    n->rx_pending = true;
    n->stats.rx_interrupts++;
}

static void rx_cancel(struct virtqueue *vq, void *token, void *priv)
{
    (void)vq;
    struct virtio_net *n = priv;
    struct netbuf *nb = token;
    rx_state(n)[rx_index(n, nb)] = RX_FREE;
}

static void tx_cancel(struct virtqueue *vq, void *token, void *priv)
{
    (void)vq;
    (void)priv;
    netbuf_release(token);
}

static void config_changed(struct virtio_dev *dev)
{
    struct virtio_net *n = dev->drv_priv;
    n->config_dirty = true;
    n->stats.config_changes++;
}

static void post_free_rx(struct virtio_net *n)
{
    for (unsigned i = 0; i < n->nrx; i++)
        if (rx_state(n)[i] == RX_FREE && rx_post(n, &n->rx[i]) != 0)
            break;
}

static void read_link(struct virtio_net *n)
{
    uint16_t st;
    n->config_dirty = false;
    if (!virtio_has_feature(&n->dev, VIRTIO_NET_F_STATUS))
        n->link_up = true; /* 5.1.4: without STATUS the link is assumed up */
    else if (virtio_config_read16(&n->dev, VIRTIO_NET_CFG_STATUS, &st) == 0)
        n->link_up = (st & VIRTIO_NET_S_LINK_UP) != 0;
}

/* After DEVICE_NEEDS_RESET recovery: the rings are empty again. */
static int restart(struct virtio_dev *dev)
{
    struct virtio_net *n = dev->drv_priv;
    virtqueue_disable_cb(n->txq);
    post_free_rx(n);
    read_link(n);
    virtio_net_flush(n);
    return 0;
}

static const struct virtio_driver_ops net_driver_ops = {
    .name = "virtio-net",
    .config_changed = config_changed,
    .restart = restart,
};

static void compute_layout(struct virtio_net *n)
{
    bool v1 = virtio_has_feature(&n->dev, VIRTIO_F_VERSION_1);
    n->mergeable = virtio_has_feature(&n->dev, VIRTIO_NET_F_MRG_RXBUF);
    n->hdr_len = (v1 || n->mergeable) ? VIRTIO_NET_HDR_LEN : VIRTIO_NET_HDR_LEN_LEGACY;
    /* 5.1.6.6 (legacy): without ANY_LAYOUT the header has a descriptor of its own. */
    n->split_hdr = !v1 && !virtio_has_feature(&n->dev, VIRTIO_F_ANY_LAYOUT);
}

static struct virtio_feature_spec net_spec(uint64_t disable)
{
    uint64_t want = VIRTIO_BIT(VIRTIO_NET_F_MAC) | VIRTIO_BIT(VIRTIO_NET_F_STATUS) |
                    VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF) | VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
                    VIRTIO_BIT(VIRTIO_F_EVENT_IDX) | VIRTIO_BIT(VIRTIO_F_ANY_LAYOUT);
    return (struct virtio_feature_spec){.supported = want & ~disable};
}

int virtio_net_init(struct virtio_net *n, uintptr_t base, unsigned irq, unsigned irq_flags,
                    bool dma_coherent, const struct virtio_net_config *cfg)
{
    int err;

    memset(n, 0, sizeof(*n));
    n->cfg = *cfg;
    plat_lock_init(&n->lock);
    err = virtio_mmio_attach(&n->dev, base, irq, irq_flags, dma_coherent);
    if (err)
        return err;
    if (n->dev.device_id != VIRTIO_ID_NET)
        return VIRTIO_ENODEV;
    /* The core keeps a pointer to the spec for re-initialisation. */
    n->spec = net_spec(cfg->disable_features);
    virtio_dev_set_driver(&n->dev, &net_driver_ops, n);
    err = virtio_dev_negotiate(&n->dev, &n->spec);
    if (err)
        return err;
    compute_layout(n);

    /* Two descriptors per chain only when the header is split and there is
     * no indirect table to hold them. */
    uint16_t rx_ind = n->split_hdr ? 2 : 0, tx_ind = n->split_hdr ? 2 : 0;
    struct virtio_vq_params rp = {.name = "rx",
                                  .num = cfg->rx_queue_size ? cfg->rx_queue_size : VIRTIO_NET_QUEUE_MAX,
                                  .max_indirect = rx_ind,
                                  .callback = rx_callback,
                                  .cancel = rx_cancel,
                                  .priv = n};
    struct virtio_vq_params tp = {.name = "tx",
                                  .num = cfg->tx_queue_size ? cfg->tx_queue_size : VIRTIO_NET_QUEUE_MAX,
                                  .max_indirect = tx_ind,
                                  .cancel = tx_cancel,
                                  .priv = n};
    if ((err = virtio_dev_setup_vq(&n->dev, 0, &rp, &n->rxq)) != 0)
        goto fail;
    if ((err = virtio_dev_setup_vq(&n->dev, 1, &tp, &n->txq)) != 0)
        goto fail;

    if (virtio_has_feature(&n->dev, VIRTIO_NET_F_MAC)) {
        for (unsigned i = 0; i < 6; i++)
            if ((err = virtio_config_read8(&n->dev, VIRTIO_NET_CFG_MAC + i, &n->mac[i])) != 0)
                goto fail;
    } else {
        uint32_t r1 = cfg->random ? cfg->random() : 0x5eed1234u, r2 = cfg->random ? cfg->random() : 0x9abcu;
        n->mac[0] = 0x02; /* locally administered, unicast */
        n->mac[1] = (uint8_t)r1;
        n->mac[2] = (uint8_t)(r1 >> 8);
        n->mac[3] = (uint8_t)(r1 >> 16);
        n->mac[4] = (uint8_t)(r2);
        n->mac[5] = (uint8_t)(r2 >> 8);
    }

    /* One RX buffer per descriptor the ring can hold. */
    unsigned slots = virtqueue_size(n->rxq);
    if (n->split_hdr && !virtio_has_feature(&n->dev, VIRTIO_F_INDIRECT_DESC))
        slots /= 2;
    n->nrx = slots < VIRTIO_NET_RX_MAX ? slots : VIRTIO_NET_RX_MAX;
    plat_busaddr_t bus;
    n->rx = plat_dma_alloc(n->nrx * (sizeof(struct netbuf) + 1), _Alignof(struct netbuf), &bus);
    uint8_t *rxmem = plat_dma_alloc((size_t)n->nrx * VIRTIO_NET_BUF_SIZE, 64, &bus);
    uint8_t *txmem = plat_dma_alloc((size_t)VIRTIO_NET_TX_BUFS * VIRTIO_NET_BUF_SIZE, 64, &bus);
    if (!n->rx || !rxmem || !txmem) {
        err = VIRTIO_ENOMEM;
        goto fail;
    }
    for (unsigned i = 0; i < n->nrx; i++)
        n->rx[i] = (struct netbuf){.buf = rxmem + (size_t)i * VIRTIO_NET_BUF_SIZE,
                                   .cap = VIRTIO_NET_BUF_SIZE,
                                   .release = rx_release,
                                   .owner = n};
    for (unsigned i = 0; i < VIRTIO_NET_TX_BUFS; i++) {
        n->tx[i] = (struct netbuf){.buf = txmem + (size_t)i * VIRTIO_NET_BUF_SIZE,
                                   .cap = VIRTIO_NET_BUF_SIZE,
                                   .release = tx_release,
                                   .owner = n};
        tx_release(&n->tx[i]);
    }
    virtqueue_disable_cb(n->txq); /* completions are reaped by poll and tx */
    post_free_rx(n);

    if ((err = virtio_dev_attach_irq(&n->dev)) != 0)
        goto fail;
    if ((err = virtio_dev_driver_ok(&n->dev)) != 0)
        goto fail;
    read_link(n);
    virtio_net_flush(n);
    return 0;
fail:
    virtio_dev_fail(&n->dev);
    return err;
}

void virtio_net_mac(const struct virtio_net *n, uint8_t mac[6]) { memcpy(mac, n->mac, 6); }

bool virtio_net_link_up(struct virtio_net *n)
{
    if (n->config_dirty)
        read_link(n);
    return n->link_up;
}

bool virtio_net_link_changed(struct virtio_net *n) { return n->config_dirty; }

bool virtio_net_pending(const struct virtio_net *n) { return n->rx_pending || n->dev.reset_pending; }

static void reclaim_tx(struct virtio_net *n)
{
    struct netbuf *nb;
    uint32_t len;
    for (;;) {
        plat_irqstate_t s = plat_lock(&n->lock);
        nb = virtqueue_get_used(n->txq, &len);
        plat_unlock(&n->lock, s);
        if (!nb)
            break;
        netbuf_release(nb);
    }
}

/* Validate one used RX buffer; true when it holds a frame to deliver. */
static bool rx_accept(struct virtio_net *n, struct netbuf *nb, uint32_t len)
{
    if (n->skip_bufs) {
        n->skip_bufs--; /* the tail of a merged frame we dropped */
        return false;
    }
    if (len < n->hdr_len + 14u) {
        n->stats.rx_short++;
        return false;
    }
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
    if (len - n->hdr_len > VIRTIO_NET_MAX_FRAME + 4u) { /* allow a VLAN tag */
        n->stats.rx_too_long++;
        return false;
    }
    nb->off = n->hdr_len;
    nb->len = (uint16_t)(len - n->hdr_len);
    nb->next = NULL;
    return true;
}

unsigned virtio_net_poll(struct virtio_net *n, unsigned budget)
{
    unsigned delivered = 0;
    n->stats.polls++;
    reclaim_tx(n);
    for (;;) {
        while (delivered < budget) {
            uint32_t len;
            plat_irqstate_t s = plat_lock(&n->lock);
            struct netbuf *nb = virtqueue_get_used(n->rxq, &len);
            if (nb)
                rx_state(n)[rx_index(n, nb)] = RX_HELD;
            plat_unlock(&n->lock, s);
            if (!nb)
                break;
            if (!rx_accept(n, nb, len)) {
                rx_release(nb);
                continue;
            }
            n->stats.rx_frames++;
            delivered++;
            n->cfg.rx(n->cfg.rx_arg, nb);
        }
        if (delivered >= budget) {
            n->stats.budget_exhausted++;
            break; /* rx_pending stays set: the caller polls again before idling */
        }
        /* Drained: re-arm, and if frames slipped in meanwhile go round again. */
        plat_irqstate_t s = plat_lock(&n->lock);
        n->rx_pending = false;
        bool quiet = virtqueue_enable_cb(n->rxq) || virtqueue_is_broken(n->rxq);
        if (!quiet)
            virtqueue_disable_cb(n->rxq);
        plat_unlock(&n->lock, s);
        if (quiet)
            break;
        n->stats.rearm_races++;
    }
    if (virtqueue_is_broken(n->rxq) || virtqueue_is_broken(n->txq)) {
        if (!n->stats.queue_broken)
            plat_log("virtio-net: the device broke a ring; recovering with a reset");
        n->stats.queue_broken++;
        n->dev.reset_pending = true;
    }
    virtio_net_flush(n);
    return delivered;
}

struct netbuf *virtio_net_tx_alloc(struct virtio_net *n)
{
    struct netbuf *nb = n->tx_free;
    if (!nb) {
        reclaim_tx(n);
        nb = n->tx_free;
    }
    if (!nb) {
        n->stats.tx_no_buffer++;
        return NULL;
    }
    n->tx_free = nb->next;
    nb->next = NULL;
    nb->off = TX_HEADROOM;
    nb->len = 0;
    return nb;
}

int virtio_net_tx(struct virtio_net *n, struct netbuf *nb)
{
    if (nb->len > VIRTIO_NET_MAX_FRAME + 4u) {
        n->stats.tx_too_long++;
        netbuf_release(nb);
        return VIRTIO_E2BIG;
    }
    /* Pad runts to the Ethernet minimum when the buffer has the room. */
    if (nb->len < MIN_FRAME && (size_t)nb->off + MIN_FRAME <= nb->cap) {
        memset(netbuf_data(nb) + nb->len, 0, MIN_FRAME - nb->len);
        nb->len = MIN_FRAME;
    }
    if (!netbuf_push(nb, n->hdr_len)) {
        n->stats.tx_no_headroom++;
        netbuf_release(nb);
        return VIRTIO_EINVAL;
    }
    memset(netbuf_data(nb), 0, n->hdr_len);
    struct vq_buf b[2];
    unsigned k = 0;
    if (n->split_hdr) {
        b[k++] = (struct vq_buf){netbuf_data(nb), n->hdr_len};
        b[k++] = (struct vq_buf){netbuf_data(nb) + n->hdr_len, (uint32_t)(nb->len - n->hdr_len)};
    } else {
        b[k++] = (struct vq_buf){netbuf_data(nb), nb->len};
    }
    plat_irqstate_t s = plat_lock(&n->lock);
    int err = virtqueue_add(n->txq, b, k, 0, nb);
    plat_unlock(&n->lock, s);
    if (err == VIRTIO_ENOSPC) {
        reclaim_tx(n);
        s = plat_lock(&n->lock);
        err = virtqueue_add(n->txq, b, k, 0, nb);
        plat_unlock(&n->lock, s);
    }
    if (err) {
        n->stats.tx_ring_full++;
        netbuf_release(nb);
        return err;
    }
    n->stats.tx_frames++;
    n->need_kick_tx = true;
    return 0;
}

void virtio_net_flush(struct virtio_net *n)
{
    plat_irqstate_t s = plat_lock(&n->lock);
    if (n->need_kick_rx && virtqueue_kick(n->rxq))
        n->stats.kicks++;
    if (n->need_kick_tx && virtqueue_kick(n->txq))
        n->stats.kicks++;
    n->need_kick_rx = n->need_kick_tx = false;
    plat_unlock(&n->lock, s);
}

int virtio_net_check(struct virtio_net *n)
{
    if (!n->dev.reset_pending)
        return 0;
    int r = virtio_dev_reinit(&n->dev);
    if (r >= 0)
        compute_layout(n);
    return r;
}
