/*
 * sim_net.c - virtio-net device model, see sim_net.h.  Host code: uses the
 * C library; little-endian host.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_net.h"

#define CFG_MAC 0u
#define CFG_STATUS 6u
#define HDR_SHORT 10u /* 5.1.6: without num_buffers */
#define HDR_LONG 12u  /* ... with it */
#define HDR_FLAGS 0u
#define HDR_GSO_TYPE 1u
#define HDR_CSUM_START 6u
#define HDR_CSUM_OFFSET 8u
#define HDR_NUM_BUFFERS 10u
#define RX_MIN_BUF 1526u /* 5.1.6.3.1, header included */

static bool has(const struct sim_net *net, unsigned bit)
{
    return sim_virtio_has(net->sim, bit);
}

unsigned sim_net_hdr_len(const struct sim_net *net)
{
    return has(net, SIM_NET_F_VERSION_1) || has(net, SIM_NET_F_MRG_RXBUF) ? HDR_LONG : HDR_SHORT;
}

/* Legacy without ANY_LAYOUT: the header must have a descriptor of its own. */
static bool header_alone_required(const struct sim_net *net)
{
    return !has(net, SIM_NET_F_VERSION_1) && !has(net, SIM_NET_F_ANY_LAYOUT);
}

static void rx_chain(struct sim_net *net, const struct sim_chain *c)
{
    unsigned hl = sim_net_hdr_len(net);

    net->rx_chains_seen++;
    net->rx_buf_len = c->in_bytes;
    if (c->n_out)
        net->rx_bad_dir++;
    if (c->nseg > 0 && c->seg[0].write && c->seg[0].len == hl && c->nseg > 1)
        net->rx_hdr_alone++;
    if (header_alone_required(net) && !(c->nseg > 1 && c->seg[0].len == hl))
        net->rx_layout++;
    if (c->in_bytes < (has(net, SIM_NET_F_MRG_RXBUF) ? hl : RX_MIN_BUF))
        net->rx_small++;
}

static uint32_t tx_chain(struct sim_net *net, const struct sim_chain *c)
{
    unsigned hl = sim_net_hdr_len(net);
    uint8_t buf[HDR_LONG + SIM_NET_FRAME_MAX];
    uint32_t n = 0;

    if (c->n_in)
        net->tx_bad_dir++;
    for (unsigned i = 0; i < c->nseg; i++) {
        const struct sim_seg *g = &c->seg[i];
        uint32_t take;

        if (g->write)
            continue;
        take = g->len < sizeof(buf) - n ? g->len : (uint32_t)(sizeof(buf) - n);
        memcpy(buf + n, g->p, take);
        n += take;
    }
    if (n < hl) {
        net->tx_short++;
        return 0;
    }
    bool alone = c->nseg > 1 && !c->seg[0].write && c->seg[0].len == hl;
    if (header_alone_required(net) && !alone)
        net->tx_layout++;
    uint8_t flags = buf[HDR_FLAGS];
    uint16_t cstart = (uint16_t)(buf[HDR_CSUM_START] | buf[HDR_CSUM_START + 1] << 8);
    uint16_t coff = (uint16_t)(buf[HDR_CSUM_OFFSET] | buf[HDR_CSUM_OFFSET + 1] << 8);
    if (flags == SIM_NET_HDR_F_NEEDS_CSUM && has(net, SIM_NET_F_CSUM)) {
        /* gso_type and num_buffers 0; csum_start/offset inside the frame */
        if (buf[HDR_GSO_TYPE] != 0 || (hl == HDR_LONG && (buf[HDR_NUM_BUFFERS] | buf[HDR_NUM_BUFFERS + 1])))
            net->tx_bad_hdr++;
        if ((uint32_t)cstart + coff + 2u > n - hl)
            net->tx_bad_csum++;
    } else {
        for (unsigned i = 0; i < hl; i++)
            if (buf[i] != 0) { /* flags, gso_type, ... and num_buffers: all 0 */
                net->tx_bad_hdr++;
                break;
            }
    }
    if (net->ntx < SIM_NET_TX_CAP) {
        struct sim_net_frame *f = &net->tx[net->ntx];

        f->hdr_flags = flags;
        f->csum_start = cstart;
        f->csum_offset = coff;

        f->len = n - hl;
        memcpy(f->data, buf + hl, f->len);
        f->nseg = c->nseg;
        f->hdr_alone = alone;
        f->indirect = c->indirect;
    }
    net->ntx++;
    return net->legacy_tx_len ? c->out_bytes : 0;
}

/* One control command (5.1.6.5): check its framing, act as QEMU's
 * virtio_net_handle_ctrl would, write the ack per ctrl_mode.  Returns the
 * used length. */
static uint32_t ctrl_chain(struct sim_net *net, struct sim_chain *c)
{
    uint8_t hdr[2] = {0xff, 0xff}, ack;
    const struct sim_seg *last = c->nseg ? &c->seg[c->nseg - 1] : NULL;

    net->ctrl_cmds++;
    if (c->nseg < 2 || c->seg[0].write || c->seg[0].len != 2 || !last->write || last->len < 1 || c->n_in != 1) {
        net->ctrl_bad_chain++;
        if (c->out_bytes < 2 || c->in_bytes < 1)
            return 0; /* QEMU: virtio_error, nothing answered */
    }
    sim_chain_gather(c, 0, hdr, 2);
    net->ctrl_class = hdr[0];
    net->ctrl_cmd = hdr[1];
    net->ctrl_data_len = c->out_bytes - 2u;
    uint16_t st = sim_net_status(net);
    bool announce_ack = hdr[0] == SIM_NET_CTRL_ANNOUNCE && hdr[1] == SIM_NET_CTRL_ANNOUNCE_ACK &&
                        (st & SIM_NET_S_ANNOUNCE) && sim_virtio_has(net->sim, SIM_NET_F_GUEST_ANNOUNCE);
    switch (net->ctrl_mode) {
    case SIM_NET_CTRL_ERR: ack = SIM_NET_ERR; break;
    case SIM_NET_CTRL_JUNK: ack = net->ctrl_junk; break;
    default:
        ack = announce_ack ? SIM_NET_OK : SIM_NET_ERR;
        if (announce_ack) {
            net->ctrl_acks++;
            sim_net_set_status(net, (uint16_t)(st & ~SIM_NET_S_ANNOUNCE), false);
        }
        break;
    }
    sim_chain_scatter(c, 0, &ack, 1);
    return net->ctrl_mode == SIM_NET_CTRL_LEN ? net->ctrl_len : 1u;
}

/* QueueNotify: the control queue is answered at once; the others wait
 * for the test. */
static void net_notify(struct sim_virtio *s, unsigned q, void *arg)
{
    struct sim_net *net = arg;

    if (q != SIM_NET_CTRLQ)
        return;
    sim_virtio_pop(s, q);
    if (net->ctrl_mode != SIM_NET_CTRL_SILENT)
        sim_virtio_complete(s, q, ~0u);
}

unsigned sim_net_ctrl_answer(struct sim_net *net)
{
    return sim_virtio_complete(net->sim, SIM_NET_CTRLQ, ~0u);
}

static uint32_t net_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    struct sim_net *net = arg;

    (void)s;
    if (q == SIM_NET_CTRLQ)
        return ctrl_chain(net, c);
    if (q == SIM_NET_RXQ) {
        rx_chain(net, c);
        return 0; /* held until sim_net_rx() fills it */
    }
    if (q == SIM_NET_TXQ)
        return tx_chain(net, c);
    return 0;
}

unsigned sim_net_rx_avail(struct sim_net *net)
{
    sim_virtio_pop(net->sim, SIM_NET_RXQ);
    return net->sim->vq[SIM_NET_RXQ].npending;
}

bool sim_net_rx(struct sim_net *net, const void *frame, uint32_t len, const struct sim_net_rx_opts *o)
{
    static const struct sim_net_rx_opts plain;
    struct sim_vq *v = &net->sim->vq[SIM_NET_RXQ];
    unsigned hl = sim_net_hdr_len(net), nbufs, i;
    uint8_t hdr[HDR_LONG];
    const uint8_t *src = frame;
    uint32_t left = len, chunk;

    if (!o)
        o = &plain;
    nbufs = o->nbufs ? o->nbufs : 1;
    if (sim_net_rx_avail(net) < nbufs) {
        net->rx_no_buffer++;
        return false;
    }
    memset(hdr, 0, sizeof(hdr));
    hdr[HDR_FLAGS] = o->flags;
    hdr[HDR_CSUM_START] = (uint8_t)o->csum_start;
    hdr[HDR_CSUM_START + 1] = (uint8_t)(o->csum_start >> 8);
    hdr[HDR_CSUM_OFFSET] = (uint8_t)o->csum_offset;
    hdr[HDR_CSUM_OFFSET + 1] = (uint8_t)(o->csum_offset >> 8);
    if (hl == HDR_LONG) {
        uint16_t nb = o->set_num_buffers ? o->num_buffers_value : (uint16_t)nbufs;

        hdr[HDR_NUM_BUFFERS] = (uint8_t)nb;
        hdr[HDR_NUM_BUFFERS + 1] = (uint8_t)(nb >> 8);
    }
    chunk = (len + nbufs - 1) / nbufs;
    for (i = 0; i < nbufs; i++) {
        struct sim_chain *c = &v->pending[i];
        uint32_t room = c->in_bytes, off = 0, take;

        if (i == 0) {
            uint32_t h = hl < room ? hl : room;

            sim_chain_scatter(c, 0, hdr, h);
            off = h;
        }
        take = left < chunk ? left : chunk;
        if (take > room - off)
            take = room - off;
        sim_chain_scatter(c, off, src, take);
        src += take;
        left -= take;
        c->written = off + take;
        if (i == 0 && o->force_len)
            c->written = o->used_len;
    }
    net->rx_frames++;
    net->rx_bufs_used += nbufs;
    sim_virtio_complete(net->sim, SIM_NET_RXQ, nbufs);
    return true;
}

unsigned sim_net_tx_run(struct sim_net *net)
{
    unsigned n = sim_virtio_pop(net->sim, SIM_NET_TXQ);

    if (!net->hold_tx)
        sim_virtio_complete(net->sim, SIM_NET_TXQ, ~0u);
    return n;
}

unsigned sim_net_tx_complete(struct sim_net *net, unsigned max)
{
    return sim_virtio_complete(net->sim, SIM_NET_TXQ, max);
}

uint16_t sim_net_status(const struct sim_net *net)
{
    return (uint16_t)(net->sim->config[CFG_STATUS] | net->sim->config[CFG_STATUS + 1] << 8);
}

void sim_net_announce(struct sim_net *net)
{
    sim_net_set_status(net, (uint16_t)(sim_net_status(net) | SIM_NET_S_ANNOUNCE), true);
}

void sim_net_set_status(struct sim_net *net, uint16_t status, bool notify)
{
    net->sim->config[CFG_STATUS] = (uint8_t)status;
    net->sim->config[CFG_STATUS + 1] = (uint8_t)(status >> 8);
    if (notify)
        sim_virtio_config_changed(net->sim);
}

struct sim_net *sim_net_create(struct sim_virtio *sim, const uint8_t mac[6], uint16_t status)
{
    struct sim_net *net = calloc(1, sizeof(*net));

    if (!net)
        abort();
    net->tx = calloc(SIM_NET_TX_CAP, sizeof(net->tx[0]));
    if (!net->tx)
        abort();
    net->sim = sim;
    if (mac)
        memcpy(sim->config + CFG_MAC, mac, 6);
    sim_net_set_status(net, status, false);
    sim->handler = net_handler;
    sim->handler_arg = net;
    sim->notify_hook = net_notify;
    sim->notify_hook_arg = net;
    return net;
}

void sim_net_destroy(struct sim_net *net)
{
    if (!net)
        return;
    free(net->tx);
    free(net);
}
