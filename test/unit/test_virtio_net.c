/*
 * test_virtio_net.c - the virtio-net driver (drivers/virtio/virtio_net.c)
 * against the simulated device with the net model (test/sim/sim_net.c), in
 * both transport versions: feature negotiation (MAC from config or random,
 * link status and the config interrupt, header length and layout for every
 * VERSION_1 / MRG_RXBUF / ANY_LAYOUT combination), receive byte-exact with
 * off/len, the RX ring kept full (re-posted on release, never twice),
 * num_buffers 0 and > 1, used lengths shorter than a header, runt padding,
 * TX ring full and reclaim, TX pool exhaustion, the in-place reply path,
 * the poll budget and the re-arm race, recovery from a broken ring and from
 * DEVICE_NEEDS_RESET (buffers re-posted, TX tokens released, the layout
 * renegotiated), a failed recovery, init failures, queue sizes 16..1024;
 * a device without an interrupt (VIRTIO_NO_IRQ) run by polling; a device
 * without dma-coherent behind the simulated cache (sim_cache_model): every
 * RX and TX buffer, the in-place reply and the rings maintained, byte-exact
 * both ways; and a coherent device that gets no maintenance at all.
 * The RX ring filled in steps (cfg.rx_initial): init allocates and posts
 * only the first buffers, each poll adds a batch after the replies are
 * kicked, while the device completes buffers in an order of its own; the
 * ring ends full with every buffer once; an allocation that fails stops the
 * fill for good, a ring that takes no more (a reset renegotiated two
 * descriptors per buffer) stops it without leaving the caller polling; a
 * reset in the middle re-posts what has memory and the fill goes on; the
 * same behind the cache model.  With cfg.irq_after_first_poll, frames that
 * arrive while the driver starts raise no interrupt until the first poll
 * has delivered them and kicked the replies.
 * Checksum offload: CSUM and GUEST_CSUM negotiated when offered and refused
 * through disable_features; DATA_VALID and NEEDS_CSUM turned into netbuf
 * metadata (csum_start/csum_offset checked against the frame, the frame
 * dropped and counted when they point past it), header flags ignored
 * without GUEST_CSUM; a partial checksum sent with NEEDS_CSUM and
 * csum_start/csum_offset from the Ethernet header, in both header layouts,
 * finished by the driver itself without CSUM (0 as 0xffff), refused when
 * its field lies outside the frame.
 *
 * The teardown checks for every test: no protocol violation seen by the
 * simulated device or the net model, no platform misuse (lock recursion,
 * bad DMA addresses, cache ops outside DMA memory), no DMA memory leaked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "sim_net.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"

#define B(n) VIRTIO_BIT(n)
#define F_MAC B(VIRTIO_NET_F_MAC)
#define F_STATUS B(VIRTIO_NET_F_STATUS)
#define F_MRG B(VIRTIO_NET_F_MRG_RXBUF)
#define F_ANY B(VIRTIO_F_ANY_LAYOUT)
#define F_IND B(VIRTIO_F_INDIRECT_DESC)
#define F_EVT B(VIRTIO_F_EVENT_IDX)
#define F_ALL (F_MAC | F_STATUS | F_MRG | F_ANY | F_IND | F_EVT)
#define F_MTU B(VIRTIO_NET_F_MTU)
#define F_CSUM B(VIRTIO_NET_F_CSUM)
#define F_GCSUM B(VIRTIO_NET_F_GUEST_CSUM)
#define F_CTRL B(VIRTIO_NET_F_CTRL_VQ)
#define F_ANN B(VIRTIO_NET_F_GUEST_ANNOUNCE)
#define CAP_MAX 64u
#define HELD_MAX 1024u
#define TEST_IRQ 63u /* a line no simulated device uses */

struct cap {
    uint8_t data[VIRTIO_NET_BUF_SIZE];
    uint16_t off, len;
    uint8_t csum_flags;
    uint16_t csum_start, csum_offset;
    const uint8_t *at; /* netbuf_data() as delivered */
    uint32_t tx_reaped; /* TX completions the driver had reaped by then */
};

struct nfix {
    uint32_t version;
    bool packed; /* "/v2p": the device also offers VIRTIO_F_RING_PACKED */
    struct sim_virtio *sim;
    struct sim_net *model;
    struct virtio_net net;
    bool inited;
    bool allow_violations;
    /* what the stack side does with a received frame */
    enum { RX_RELEASE, RX_HOLD, RX_REPLY } mode;
    unsigned ncap;
    struct cap *cap; /* CAP_MAX */
    unsigned nheld;
    struct netbuf *held[HELD_MAX];
    /* re-arm race: after delivering frame number race_at, a frame arrives
     * right after the driver's drain loop found the ring empty */
    unsigned race_at;
    bool race_armed, race_fired;
    unsigned wakes;
};

static const uint8_t dev_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/* ---- fixture ---------------------------------------------------------------- */

static int nsetup(void **state)
{
    struct nfix *fx = calloc(1, sizeof(*fx));

    if (!fx)
        return -1;
    fx->cap = calloc(CAP_MAX, sizeof(*fx->cap));
    if (!fx->cap)
        return -1;
    sim_plat_reset();
    fx->version = *(uint32_t *)*state;
    fx->packed = vfix_state_packed(state);
    *state = fx;
    return 0;
}

/* Shut the driver down and destroy the device; false if anything was
 * wrong (violations, model checks). */
static bool down(struct nfix *fx)
{
    bool ok = true;

    for (unsigned i = 0; i < fx->nheld; i++)
        netbuf_release(fx->held[i]);
    fx->nheld = 0;
    if (fx->inited)
        virtio_net_shutdown(&fx->net);
    fx->inited = false;
    if (fx->model) {
        const struct sim_net *m = fx->model;

        if (m->rx_bad_dir || m->tx_bad_dir || m->rx_layout || m->tx_layout || m->rx_small || m->tx_bad_hdr ||
            m->tx_short || m->tx_bad_csum || m->ctrl_bad_chain) {
            fprintf(stderr, "net model: rx_bad_dir %u tx_bad_dir %u rx_layout %u tx_layout %u rx_small %u "
                            "tx_bad_hdr %u tx_short %u tx_bad_csum %u ctrl_bad_chain %u\n",
                    m->rx_bad_dir, m->tx_bad_dir, m->rx_layout, m->tx_layout, m->rx_small, m->tx_bad_hdr,
                    m->tx_short, m->tx_bad_csum, m->ctrl_bad_chain);
            ok = false;
        }
        sim_net_destroy(fx->model);
        fx->model = NULL;
    }
    if (fx->sim) {
        if (fx->sim->violations && !fx->allow_violations) {
            fprintf(stderr, "sim violation: %s\n", fx->sim->last_violation);
            ok = false;
        }
        sim_virtio_destroy(fx->sim);
        fx->sim = NULL;
    }
    fx->ncap = 0;
    return ok;
}

static int nteardown(void **state)
{
    struct nfix *fx = *state;
    bool ok = down(fx);
    bool clean = sim_plat_finish();

    free(fx->cap);
    free(fx);
    return ok && clean ? 0 : -1;
}

#define NET_TEST(f)                                                                   \
    {#f "/v1", f, nsetup, nteardown, &vfix_v1},                                       \
    {#f "/v2", f, nsetup, nteardown, &vfix_v2},                                       \
    {                                                                                 \
        #f "/v2p", f, nsetup, nteardown, &vfix_v2p                                    \
    }

static uint32_t rnd_state;
static uint32_t test_random(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state;
}

/* ---- stack side ---------------------------------------------------------------- */

static void arm_race(struct nfix *fx);
static void round_trip(struct nfix *fx, unsigned frames);

static void stack_rx(void *arg, struct netbuf *nb)
{
    struct nfix *fx = arg;

    if (fx->ncap < CAP_MAX) {
        struct cap *c = &fx->cap[fx->ncap];

        c->off = nb->off;
        c->len = nb->len;
        c->csum_flags = nb->csum_flags;
        c->csum_start = nb->csum_start;
        c->csum_offset = nb->csum_offset;
        c->at = netbuf_data(nb);
        memcpy(c->data, netbuf_data(nb), nb->len);
        struct vq_stats st;
        virtqueue_get_stats(fx->net.txq, &st);
        c->tx_reaped = st.completed;
    }
    fx->ncap++;
    if (fx->mode == RX_HOLD && fx->nheld < HELD_MAX) {
        fx->held[fx->nheld++] = nb;
    } else if (fx->mode == RX_REPLY) {
        uint8_t t[6], *p = netbuf_data(nb);

        memcpy(t, p, 6); /* swap the addresses: the reply built in place */
        memcpy(p, p + 6, 6);
        memcpy(p + 6, t, 6);
        assert_int_equal(virtio_net_tx(&fx->net, nb), 0);
    } else {
        netbuf_release(nb);
    }
    if (fx->race_at && fx->ncap == fx->race_at)
        arm_race(fx);
}

static struct nfix *create(void **state, uint64_t features, uint32_t num_max, const uint8_t *mac,
                           uint16_t status)
{
    struct nfix *fx = *state;

    if (fx->version != 1)
        features |= B(VIRTIO_F_VERSION_1);
    else
        features &= 0xffffffffull;
    if (fx->packed)
        features |= B(VIRTIO_F_RING_PACKED);
    /* 5.1.2: the control queue is there when the device offers CTRL_VQ. */
    fx->sim = sim_virtio_create(fx->version, VIRTIO_ID_NET, features, (features & F_CTRL) ? 3 : 2, num_max);
    fx->model = sim_net_create(fx->sim, mac, status);
    return fx;
}

static void test_wake(void *arg)
{
    ((struct nfix *)arg)->wakes++;
}

static struct virtio_net_config cfg_for(struct nfix *fx)
{
    struct virtio_net_config cfg = {
        .rx = stack_rx, .rx_arg = fx, .random = test_random, .wake = test_wake, .wake_arg = fx};

    return cfg;
}

static struct nfix *up_cfg(void **state, uint64_t features, uint32_t num_max, const struct virtio_net_config *cfg)
{
    struct nfix *fx = create(state, features, num_max, dev_mac, VIRTIO_NET_S_LINK_UP);

    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, cfg), 0);
    fx->inited = true;
    return fx;
}

static struct nfix *up(void **state, uint64_t features, uint32_t num_max)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);

    return up_cfg(state, features, num_max, &cfg);
}

/* An Ethernet frame to our MAC with a recognisable payload. */
static void make_frame(const struct nfix *fx, uint8_t *f, uint32_t len, uint32_t seed)
{
    static const uint8_t peer[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};

    memcpy(f, fx->net.mac, 6);
    memcpy(f + 6, peer, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    for (uint32_t i = 14; i < len; i++)
        f[i] = (uint8_t)(i * 7u + seed * 13u + (i >> 8));
}

/* The device receives a frame, the interrupt is delivered. */
static void dev_rx(struct nfix *fx, uint32_t len, uint32_t seed, const struct sim_net_rx_opts *o)
{
    uint8_t f[SIM_NET_FRAME_MAX];

    make_frame(fx, f, len, seed);
    assert_true(sim_net_rx(fx->model, f, len, o));
    sim_run_irqs();
}

/* Receive buffers the device holds (everything the driver posted). */
static unsigned dev_rx_bufs(struct nfix *fx)
{
    return sim_net_rx_avail(fx->model);
}

/* No receive buffer is held twice by the device. */
static void assert_rx_bufs_distinct(struct nfix *fx)
{
    const struct sim_vq *v = &fx->sim->vq[SIM_NET_RXQ];

    for (unsigned i = 0; i < v->npending; i++)
        for (unsigned j = i + 1; j < v->npending; j++)
            assert_ptr_not_equal(v->pending[i].seg[0].p, v->pending[j].seg[0].p);
}

/* Free TX buffers; each one in the pool at most once. */
static unsigned tx_pool(const struct nfix *fx)
{
    unsigned n = fx->net.ntx_free;

    assert_true(n <= VIRTIO_NET_TX_BUFS);
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = i + 1; j < n; j++)
            assert_int_not_equal(fx->net.tx_free[i], fx->net.tx_free[j]);
    return n;
}

/* Send a frame of len bytes built in a pool buffer; returns virtio_net_tx's result. */
static int send(struct nfix *fx, uint32_t len, uint32_t seed)
{
    struct netbuf *nb = virtio_net_tx_alloc(&fx->net);

    assert_non_null(nb);
    make_frame(fx, netbuf_data(nb), len, seed);
    nb->len = (uint16_t)len;
    return virtio_net_tx(&fx->net, nb);
}

/* The same with an 802.1Q tag in place of the EtherType (4 bytes more allowed). */
static int send_tagged(struct nfix *fx, uint32_t len, uint32_t seed)
{
    struct netbuf *nb = virtio_net_tx_alloc(&fx->net);

    assert_non_null(nb);
    make_frame(fx, netbuf_data(nb), len, seed);
    netbuf_data(nb)[12] = 0x81;
    netbuf_data(nb)[13] = 0x00;
    nb->len = (uint16_t)len;
    return virtio_net_tx(&fx->net, nb);
}

static void assert_frame(const struct nfix *fx, const uint8_t *data, uint32_t len, uint32_t seed)
{
    uint8_t f[SIM_NET_FRAME_MAX];

    make_frame(fx, f, len, seed);
    assert_memory_equal(data, f, len);
}

static unsigned hdr_len_expected(const struct nfix *fx)
{
    return fx->version != 1 || sim_virtio_has(fx->sim, VIRTIO_NET_F_MRG_RXBUF) ? 12u : 10u;
}

/* ---- negotiation and config ---------------------------------------------------- */

static void test_mac_and_link(void **state)
{
    struct nfix *fx = up(state, F_ALL, 256);
    uint8_t mac[6];

    virtio_net_mac(&fx->net, mac);
    assert_memory_equal(mac, dev_mac, 6);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_MAC));
    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_STATUS));
    assert_true(virtio_net_link_up(&fx->net));
    assert_false(virtio_net_link_changed(&fx->net));

    /* Link down through the config-change interrupt (which wakes the poller). */
    sim_net_set_status(fx->model, 0, true);
    sim_run_irqs();
    assert_int_equal(fx->net.stats.config_changes, 1);
    assert_int_equal(fx->wakes, 1);
    assert_true(virtio_net_link_changed(&fx->net));
    assert_false(virtio_net_link_up(&fx->net));
    assert_false(virtio_net_link_changed(&fx->net)); /* read: no longer dirty */
    /* ... and up again. */
    sim_net_set_status(fx->model, VIRTIO_NET_S_LINK_UP, true);
    sim_run_irqs();
    assert_true(virtio_net_link_changed(&fx->net));
    assert_true(virtio_net_link_up(&fx->net));
    /* A config write the driver did not ask for is not taken as a change. */
    sim_net_set_status(fx->model, 0, false);
    assert_true(virtio_net_link_up(&fx->net));
}

static void test_no_status_link_up(void **state)
{
    struct nfix *fx = create(state, F_MAC, 256, dev_mac, 0 /* "down" in config, but no STATUS */);
    struct virtio_net_config cfg = cfg_for(fx);

    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_STATUS));
    assert_true(virtio_net_link_up(&fx->net));
}

static void test_random_mac(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);
    uint8_t m1[6], m2[6];

    /* No MAC feature: a locally administered unicast address from cfg.random. */
    create(state, F_STATUS, 256, dev_mac, VIRTIO_NET_S_LINK_UP);
    rnd_state = 1;
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_MAC));
    virtio_net_mac(&fx->net, m1);
    assert_int_equal(m1[0] & 3u, 2u);
    assert_memory_not_equal(m1, dev_mac, 6);
    assert_true(down(fx));

    create(state, F_STATUS, 256, dev_mac, VIRTIO_NET_S_LINK_UP);
    rnd_state = 2;
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    virtio_net_mac(&fx->net, m2);
    assert_int_equal(m2[0] & 3u, 2u);
    assert_memory_not_equal(m1, m2, 6);
    assert_true(down(fx));

    /* No random source at all: still a usable address. */
    cfg.random = NULL;
    create(state, 0, 256, NULL, 0);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    virtio_net_mac(&fx->net, m1);
    assert_int_equal(m1[0] & 3u, 2u);
}

/* A MAC the device writes is validated: multicast or zero cannot be a
 * source address. */
static void test_mac_invalid(void **state)
{
    static const uint8_t bad[2][6] = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, {0, 0, 0, 0, 0, 0}};
    struct nfix *fx = *state;

    for (unsigned k = 0; k < 2; k++) {
        struct virtio_net_config cfg = cfg_for(fx);
        uint8_t m[6];

        create(state, F_MAC, 256, bad[k], 0);
        assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
        fx->inited = true;
        virtio_net_mac(&fx->net, m);
        assert_int_equal(m[0] & 3u, 2u);
        assert_int_equal(fx->net.stats.mac_invalid, 1);
        assert_true(sim_log_contains("unusable"));
        assert_true(down(fx));
    }
}

/* The device's config field mtu (5.1.4), little-endian (the host is). */
static void set_dev_mtu(struct nfix *fx, uint16_t mtu)
{
    fx->sim->config[VIRTIO_NET_CFG_MTU] = (uint8_t)mtu;
    fx->sim->config[VIRTIO_NET_CFG_MTU + 1] = (uint8_t)(mtu >> 8);
}

/* VIRTIO_NET_F_MTU (5.1.4.2): accepted when the device's mtu is one our
 * buffers hold and the IPv4 minimum allows (68..1500), read before
 * FEATURES_OK; then no frame beyond mtu + the Ethernet header (+4 for a
 * VLAN tag) is sent.  Otherwise declined, counted, and 1500 it is. */
static void test_mtu(void **state)
{
    static const struct {
        uint16_t mtu;
        bool taken;
    } cases[] = {{1400, true}, {68, true}, {1500, true}, {576, true}, {1501, false},
                 {9000, false}, {67, false}, {0, false}};
    struct nfix *fx = *state;

    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct virtio_net_config cfg = cfg_for(fx);
        create(state, F_ALL | F_MTU, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
        set_dev_mtu(fx, cases[k].mtu);
        assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
        fx->inited = true;
        unsigned mtu = cases[k].taken ? cases[k].mtu : 1500u;
        assert_int_equal(sim_virtio_has(fx->sim, VIRTIO_NET_F_MTU), cases[k].taken);
        assert_int_equal(virtio_net_mtu(&fx->net), mtu);
        assert_int_equal(fx->net.stats.mtu_declined, cases[k].taken ? 0u : 1u);
        /* The largest frame goes out whole, tagged or not; one byte more
         * is refused. */
        assert_int_equal(send(fx, mtu + 14, k), 0);
        assert_int_equal(send(fx, mtu + 15, k), VIRTIO_E2BIG);
        assert_int_equal(send_tagged(fx, mtu + 18, k), 0);
        assert_int_equal(send_tagged(fx, mtu + 19, k), VIRTIO_E2BIG);
        assert_int_equal(fx->net.stats.tx_too_long, 2);
        virtio_net_flush(&fx->net);
        assert_int_equal(sim_net_tx_run(fx->model), 2);
        assert_int_equal(fx->model->tx[0].len, mtu + 14);
        assert_frame(fx, fx->model->tx[0].data, mtu + 14, k);
        assert_int_equal(fx->model->tx[1].len, mtu + 18);
        assert_true(down(fx));
    }

    /* Not offered: 1500.  Offered but turned off by the caller: not taken
     * and not counted as declined. */
    up(state, F_ALL, 64);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_MTU));
    assert_int_equal(virtio_net_mtu(&fx->net), 1500);
    assert_true(down(fx));
    struct virtio_net_config off = cfg_for(fx);
    off.disable_features = F_MTU;
    create(state, F_ALL | F_MTU, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
    set_dev_mtu(fx, 1400);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &off), 0);
    fx->inited = true;
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_MTU));
    assert_int_equal(virtio_net_mtu(&fx->net), 1500);
    assert_int_equal(fx->net.stats.mtu_declined, 0);
}

/* The device's mtu becomes `mtu`, then DEVICE_NEEDS_RESET: re-initialised. */
static void reset_with_mtu(struct nfix *fx, uint16_t mtu)
{
    set_dev_mtu(fx, mtu);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
}

/* A re-initialisation reads the mtu again: a device that now offers a
 * smaller one is kept to it, and one whose mtu became unusable falls back
 * to 1500. */
static void test_mtu_after_reset(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);

    create(state, F_ALL | F_MTU, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
    set_dev_mtu(fx, 1500);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    assert_int_equal(virtio_net_mtu(&fx->net), 1500);
    reset_with_mtu(fx, 1280);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_MTU));
    assert_int_equal(virtio_net_mtu(&fx->net), 1280);
    assert_int_equal(send(fx, 1280 + 15, 1), VIRTIO_E2BIG);
    assert_int_equal(send(fx, 1280 + 14, 2), 0);
    reset_with_mtu(fx, 65535);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_MTU));
    assert_int_equal(virtio_net_mtu(&fx->net), 1500);
    assert_int_equal(fx->net.stats.mtu_declined, 1);
}

/* Header length and layout in every feature combination, checked by the
 * model (its own header length and layout rules) with a frame each way. */
static void test_header_layouts(void **state)
{
    static const uint64_t combos[] = {
        0, F_MRG, F_ANY, F_ANY | F_MRG, F_IND, F_IND | F_MRG, F_ANY | F_IND | F_EVT, F_ALL,
    };
    struct nfix *fx = *state;

    for (unsigned k = 0; k < sizeof(combos) / sizeof(combos[0]); k++) {
        bool legacy = fx->version == 1, any = (combos[k] & F_ANY) != 0, ind = (combos[k] & F_IND) != 0;
        bool split = legacy && !any;

        up(state, combos[k] | F_MAC, 64);
        assert_int_equal(fx->net.hdr_len, hdr_len_expected(fx));
        assert_int_equal(fx->net.hdr_len, sim_net_hdr_len(fx->model));
        assert_int_equal(fx->net.split_hdr, split);
        /* Split without indirect tables: two descriptors per RX buffer. */
        assert_int_equal(fx->net.nrx, split && !ind ? 32u : 64u);
        assert_int_equal(dev_rx_bufs(fx), fx->net.nrx);
        assert_int_equal(fx->model->rx_hdr_alone, split ? fx->net.nrx : 0u);

        dev_rx(fx, 100, k, NULL);
        assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
        assert_int_equal(fx->ncap, 1);
        assert_int_equal(fx->cap[0].off, fx->net.hdr_len);
        assert_int_equal(fx->cap[0].len, 100);
        assert_frame(fx, fx->cap[0].data, 100, k);

        assert_int_equal(send(fx, 200, k), 0);
        virtio_net_flush(&fx->net);
        assert_int_equal(sim_net_tx_run(fx->model), 1);
        assert_int_equal(fx->model->ntx, 1);
        assert_int_equal(fx->model->tx[0].len, 200);
        assert_int_equal(fx->model->tx[0].hdr_alone, split);
        assert_int_equal(fx->model->tx[0].indirect, split && ind);
        assert_frame(fx, fx->model->tx[0].data, 200, k);
        assert_true(down(fx));
    }
}

/* ---- receive ------------------------------------------------------------------- */

static void test_rx_byte_exact(void **state)
{
    static const uint32_t sizes[] = {14, 60, 64, 577, 1514, 1518};
    struct nfix *fx = up(state, F_ALL, 256);
    unsigned nrx = fx->net.nrx;

    for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
        dev_rx(fx, sizes[k], k, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 6);
    assert_int_equal(fx->ncap, 6);
    for (unsigned k = 0; k < 6; k++) {
        assert_int_equal(fx->cap[k].len, sizes[k]);
        assert_int_equal(fx->cap[k].off, fx->net.hdr_len);
        assert_frame(fx, fx->cap[k].data, sizes[k], k);
    }
    assert_int_equal(fx->net.stats.rx_frames, 6);
    /* Longer than an MTU frame with a VLAN tag: dropped, buffer re-posted. */
    dev_rx(fx, 1519, 9, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->net.stats.rx_too_long, 1);
    assert_int_equal(dev_rx_bufs(fx), nrx);
}

/* The frame is handed up in the very buffer the device wrote. */
static void test_rx_zero_copy(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    const struct sim_vq *v = &fx->sim->vq[SIM_NET_RXQ];
    const uint8_t *buf;

    dev_rx_bufs(fx);
    buf = v->pending[0].seg[0].p;
    fx->mode = RX_HOLD;
    dev_rx(fx, 80, 1, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_ptr_equal(fx->cap[0].at, buf + fx->net.hdr_len);
    assert_ptr_equal(fx->held[0]->buf, buf);
}

static void test_rx_ring_kept_full(void **state)
{
    struct nfix *fx = up(state, F_ALL, 128);
    unsigned nrx = fx->net.nrx;

    assert_int_equal(nrx, 128);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_int_equal(virtqueue_num_free(fx->net.rxq), 0);
    fx->mode = RX_HOLD;
    for (unsigned k = 0; k < 10; k++)
        dev_rx(fx, 64, k, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 10);
    assert_int_equal(fx->nheld, 10);
    assert_int_equal(dev_rx_bufs(fx), nrx - 10);

    /* Released: posted again (kicked by the next flush). */
    for (unsigned k = 0; k < 5; k++)
        netbuf_release(fx->held[k]);
    virtio_net_flush(&fx->net);
    assert_int_equal(dev_rx_bufs(fx), nrx - 5);
    /* Released twice: ignored, never posted twice. */
    for (unsigned k = 0; k < 5; k++)
        netbuf_release(fx->held[k]);
    assert_int_equal(fx->net.stats.bad_release, 5);
    virtio_net_flush(&fx->net);
    assert_int_equal(dev_rx_bufs(fx), nrx - 5);
    for (unsigned k = 5; k < 10; k++)
        netbuf_release(fx->held[k]);
    fx->nheld = 0;
    virtio_net_flush(&fx->net);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_int_equal(virtqueue_num_free(fx->net.rxq), 0);
    assert_rx_bufs_distinct(fx);

    /* Many rounds of the whole ring: still every buffer once. */
    fx->mode = RX_RELEASE;
    for (unsigned k = 0; k < 3 * nrx; k++) {
        dev_rx(fx, 60 + k % 100, k, NULL);
        if (k % 50 == 49)
            virtio_net_poll(&fx->net, 64);
    }
    while (virtio_net_pending(&fx->net))
        virtio_net_poll(&fx->net, 64);
    assert_int_equal(fx->net.stats.rx_frames, 10 + 3 * nrx);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_rx_bufs_distinct(fx);
    assert_int_equal(fx->model->rx_no_buffer, 0);
}

/* A used length shorter than header + Ethernet header: dropped and counted,
 * the buffer goes straight back. */
static void test_rx_short(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned hl = fx->net.hdr_len, nrx = fx->net.nrx;
    const uint32_t lens[] = {0, 1, hl - 1, hl, hl + 13};

    for (unsigned k = 0; k < 5; k++) {
        struct sim_net_rx_opts o = {.force_len = true, .used_len = lens[k]};

        dev_rx(fx, 100, k, &o);
    }
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->net.stats.rx_short, 5);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    /* Exactly a header and an Ethernet header: delivered, 14 bytes. */
    struct sim_net_rx_opts o = {.force_len = true, .used_len = hl + 14};
    dev_rx(fx, 100, 7, &o);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_int_equal(fx->cap[0].len, 14);
    assert_frame(fx, fx->cap[0].data, 14, 7);
    assert_false(virtqueue_is_broken(fx->net.rxq));
}

/* A used length beyond the buffer is the ring's to catch: queue broken,
 * recovered by a reset. */
static void test_rx_len_beyond_buffer(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    struct sim_net_rx_opts o = {.force_len = true, .used_len = VIRTIO_NET_BUF_SIZE + 1};

    /* Packed: a length beyond the buffer breaks the ring when WRITE says it
     * is one; without WRITE it is a reserved field, ignored (test_virtqueue_packed). */
    fx->sim->packed_used_write = true;
    dev_rx(fx, 100, 1, &o);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->ncap, 0);
    assert_true(virtqueue_is_broken(fx->net.rxq));
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_int_equal(dev_rx_bufs(fx), fx->net.nrx);
    dev_rx(fx, 100, 2, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
}

static void test_num_buffers(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx;

    assert_true(fx->net.mergeable);
    /* 0: invalid, dropped. */
    struct sim_net_rx_opts zero = {.set_num_buffers = true, .num_buffers_value = 0};
    dev_rx(fx, 100, 1, &zero);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->net.stats.rx_bad_num_buffers, 1);
    /* A frame merged over 3 buffers: all three dropped, none delivered ... */
    struct sim_net_rx_opts three = {.nbufs = 3};
    dev_rx(fx, 2000, 2, &three);
    /* ... and the next frame is delivered whole. */
    dev_rx(fx, 100, 3, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_int_equal(fx->net.stats.rx_merged_dropped, 1);
    assert_int_equal(fx->ncap, 1);
    assert_frame(fx, fx->cap[0].data, 100, 3);
    assert_int_equal(fx->model->rx_bufs_used, 1 + 3 + 1);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_int_equal(fx->net.skip_bufs, 0);
    /* The tail is still owed when a poll ends: the next poll drops it. */
    struct sim_net_rx_opts two = {.set_num_buffers = true, .num_buffers_value = 2};
    dev_rx(fx, 1200, 4, &two);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->net.skip_bufs, 1);
    dev_rx(fx, 100, 5, NULL); /* the tail, as far as the driver can tell */
    dev_rx(fx, 100, 6, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[1].data, 100, 6);
    assert_int_equal(dev_rx_bufs(fx), nrx);
}

/* Without MRG_RXBUF the driver does not look at num_buffers (a modern
 * device must write 1 there; a legacy header has no such field). */
static void test_num_buffers_ignored_without_mrg(void **state)
{
    struct nfix *fx = up(state, F_MAC | F_ANY, 64);
    struct sim_net_rx_opts zero = {.set_num_buffers = true, .num_buffers_value = 0};

    assert_false(fx->net.mergeable);
    dev_rx(fx, 100, 1, &zero);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[0].data, 100, 1);
}

/* ---- transmit ------------------------------------------------------------------- */

static void test_tx_padding(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    struct netbuf *nb;

    /* A 42-byte ARP-sized frame in a buffer full of garbage: 60 bytes on the
     * wire, the pad zeroed. */
    nb = virtio_net_tx_alloc(&fx->net);
    assert_non_null(nb);
    memset(nb->buf, 0xa5, nb->cap);
    make_frame(fx, netbuf_data(nb), 42, 1);
    nb->len = 42;
    assert_int_equal(virtio_net_tx(&fx->net, nb), 0);
    assert_int_equal(send(fx, 60, 2), 0);
    assert_int_equal(send(fx, 1514, 3), 0);
    assert_int_equal(send_tagged(fx, 1518, 4), 0); /* 802.1Q: 4 bytes more */
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 4);
    assert_int_equal(fx->model->tx[0].len, 60);
    assert_frame(fx, fx->model->tx[0].data, 42, 1);
    for (unsigned i = 42; i < 60; i++)
        assert_int_equal(fx->model->tx[0].data[i], 0);
    assert_int_equal(fx->model->tx[1].len, 60);
    assert_frame(fx, fx->model->tx[1].data, 60, 2);
    assert_int_equal(fx->model->tx[2].len, 1514);
    assert_frame(fx, fx->model->tx[2].data, 1514, 3);
    assert_int_equal(fx->model->tx[3].len, 1518);
    assert_int_equal(fx->model->tx[3].data[12], 0x81);

    /* A runt at the very end of its buffer: no room to pad, sent as is. */
    nb = virtio_net_tx_alloc(&fx->net);
    nb->off = (uint16_t)(nb->cap - 20);
    make_frame(fx, netbuf_data(nb), 20, 5);
    nb->len = 20;
    assert_int_equal(virtio_net_tx(&fx->net, nb), 0);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    assert_int_equal(fx->model->tx[4].len, 20);
    assert_frame(fx, fx->model->tx[4].data, 20, 5);

    /* Refused: too long, shorter than an Ethernet header, off+len beyond the
     * buffer.  Each buffer goes back to the pool. */
    nb = virtio_net_tx_alloc(&fx->net);
    nb->len = 1519;
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_E2BIG);
    assert_int_equal(send(fx, 1515, 6), VIRTIO_E2BIG); /* untagged: 1500 + 14 at most */
    nb = virtio_net_tx_alloc(&fx->net);
    nb->len = 13;
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_EINVAL);
    nb = virtio_net_tx_alloc(&fx->net);
    nb->off = 1000;
    nb->len = 1100;
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_EINVAL);
    nb = virtio_net_tx_alloc(&fx->net);
    nb->off = 4; /* no headroom for the virtio header */
    nb->len = 60;
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_EINVAL);
    assert_int_equal(fx->net.stats.tx_too_long, 2);
    assert_int_equal(fx->net.stats.tx_invalid, 2);
    assert_int_equal(fx->net.stats.tx_no_headroom, 1);
    virtio_net_poll(&fx->net, 64); /* reclaim */
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_int_equal(fx->model->ntx, 5);
}

static void test_tx_ring_full_and_reclaim(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);
    unsigned fits, ok = 0, full = 0;

    cfg.tx_queue_size = 16;
    up_cfg(state, F_MAC | F_STATUS | F_MRG, 256, &cfg); /* no INDIRECT: legacy splits in 2 */
    fits = fx->net.split_hdr ? 8 : 16;
    fx->model->hold_tx = true;
    for (unsigned k = 0; k < 20; k++) {
        int err = send(fx, 100, k);

        if (err == 0)
            ok++;
        else if (err == VIRTIO_ENOSPC)
            full++;
    }
    assert_int_equal(ok, fits);
    assert_int_equal(full, 20 - fits);
    assert_int_equal(fx->net.stats.tx_ring_full, 20 - fits);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS - fits); /* dropped ones came back */
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), fits);
    /* The device completes them; a full ring is reclaimed by tx itself. */
    assert_int_equal(sim_net_tx_complete(fx->model, ~0u), fits);
    for (unsigned k = 0; k < fits; k++)
        assert_int_equal(send(fx, 100, 100 + k), 0);
    assert_int_equal(fx->net.stats.tx_ring_full, 20 - fits);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    sim_net_tx_complete(fx->model, ~0u);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_int_equal(fx->model->ntx, 2 * fits);
    for (unsigned k = 0; k < fits; k++)
        assert_frame(fx, fx->model->tx[k].data, 100, k);
}

static void test_tx_pool_exhausted(void **state)
{
    struct nfix *fx = up(state, F_ALL, 256);
    struct netbuf *nb;

    fx->model->hold_tx = true;
    for (unsigned k = 0; k < VIRTIO_NET_TX_BUFS; k++)
        assert_int_equal(send(fx, 64, k), 0);
    assert_null(virtio_net_tx_alloc(&fx->net));
    assert_int_equal(fx->net.stats.tx_no_buffer, 1);
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), VIRTIO_NET_TX_BUFS);
    assert_int_equal(sim_net_tx_complete(fx->model, 1), 1);
    /* tx_alloc reclaims by itself when the pool is empty. */
    nb = virtio_net_tx_alloc(&fx->net);
    assert_non_null(nb);
    netbuf_release(nb);
    sim_net_tx_complete(fx->model, ~0u);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
}

/* A TX buffer released twice, or sent after its release, is not the
 * caller's: the pool never holds it twice. */
static void test_tx_double_release(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    struct netbuf *a = virtio_net_tx_alloc(&fx->net), *b, *c;

    netbuf_release(a);
    netbuf_release(a);
    assert_int_equal(fx->net.stats.bad_release, 1);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    b = virtio_net_tx_alloc(&fx->net);
    c = virtio_net_tx_alloc(&fx->net);
    assert_ptr_not_equal(b, c);
    netbuf_release(b);
    b->len = 60;
    assert_int_equal(virtio_net_tx(&fx->net, b), VIRTIO_EINVAL); /* not the caller's any more */
    assert_int_equal(fx->net.stats.tx_invalid, 1);
    /* Queued, then released by mistake: ignored; the completion returns it once. */
    c->len = 60;
    make_frame(fx, netbuf_data(c), 60, 1);
    assert_int_equal(virtio_net_tx(&fx->net, c), 0);
    netbuf_release(c);
    assert_int_equal(fx->net.stats.bad_release, 2);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_int_equal(fx->model->ntx, 1);
}

/* A legacy device may report the buffer length as the used length of a
 * transmit chain; a modern one must not. */
static void test_tx_used_len(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    fx->model->legacy_tx_len = true;
    fx->sim->packed_used_write = true; /* packed: the length claimed with WRITE */
    assert_int_equal(send(fx, 100, 1), 0);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    virtio_net_poll(&fx->net, 64);
    if (fx->version == 1) {
        assert_false(virtqueue_is_broken(fx->net.txq));
        assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    } else {
        assert_true(virtqueue_is_broken(fx->net.txq));
        assert_true(virtio_net_pending(&fx->net));
        assert_int_equal(virtio_net_check(&fx->net), 1);
        assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS); /* the token came back */
        fx->model->legacy_tx_len = false;
        assert_int_equal(send(fx, 100, 2), 0);
        virtio_net_flush(&fx->net);
        sim_net_tx_run(fx->model);
        virtio_net_poll(&fx->net, 64);
        assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    }
}

/* ---- the in-place reply path ------------------------------------------------------ */

static void test_inplace_reply(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx;
    const struct sim_net_frame *f;

    fx->mode = RX_REPLY;
    dev_rx(fx, 98, 1, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    /* The buffer is on the TX ring now, not on the RX ring. */
    assert_int_equal(dev_rx_bufs(fx), nrx - 1);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS); /* no pool buffer used */
    fx->model->hold_tx = true;
    assert_int_equal(sim_net_tx_run(fx->model), 1);
    f = &fx->model->tx[0];
    assert_int_equal(f->len, 98);
    assert_memory_equal(f->data, fx->cap[0].data + 6, 6); /* addresses swapped */
    assert_memory_equal(f->data + 6, fx->cap[0].data, 6);
    assert_memory_equal(f->data + 12, fx->cap[0].data + 12, 98 - 12);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(dev_rx_bufs(fx), nrx - 1); /* not sent yet: not back */
    /* Sent: the completion puts it back on the RX ring, once. */
    sim_net_tx_complete(fx->model, ~0u);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_rx_bufs_distinct(fx);
    assert_int_equal(virtqueue_num_free(fx->net.rxq), 0);

    /* A runt reply is padded in its RX buffer. */
    fx->model->hold_tx = false;
    dev_rx(fx, 42, 2, NULL);
    virtio_net_poll(&fx->net, 64);
    sim_net_tx_run(fx->model);
    assert_int_equal(fx->model->tx[1].len, 60);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(dev_rx_bufs(fx), nrx);
}

static unsigned foreign_released;
static void foreign_release(struct netbuf *nb)
{
    (void)nb;
    foreign_released++;
}

/* A buffer of the caller's own goes out and comes back through its own
 * release hook, whatever its slot field holds: only the driver's arrays
 * are the driver's (the slot names an index, the address must match). */
static void test_tx_foreign_buffer(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx;
    plat_busaddr_t bus;
    uint8_t *mem = plat_dma_alloc(2 * VIRTIO_NET_BUF_SIZE, 64, &bus);
    struct netbuf nb[2];

    assert_non_null(mem);
    foreign_released = 0;
    for (unsigned k = 0; k < 2; k++) {
        nb[k] = (struct netbuf){.buf = mem + k * VIRTIO_NET_BUF_SIZE, .cap = VIRTIO_NET_BUF_SIZE,
                                .off = 32, .len = 60, .release = foreign_release,
                                .owner = &fx->net, .slot = (uint16_t)k};
        make_frame(fx, netbuf_data(&nb[k]), 60, 40 + k);
        assert_int_equal(virtio_net_tx(&fx->net, &nb[k]), 0);
    }
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 2);
    assert_frame(fx, fx->model->tx[0].data, 60, 40);
    assert_frame(fx, fx->model->tx[1].data, 60, 41);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(foreign_released, 2);
    assert_int_equal(fx->net.stats.bad_release, 0);
    assert_int_equal(fx->net.stats.tx_invalid, 0);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    plat_dma_free(mem, 2 * VIRTIO_NET_BUF_SIZE);
}

/* A caller's buffer whose slot field is anything - past either array, at
 * their last index, 0xffff - is the caller's: sent, and given back
 * through its own release hook; nothing of the driver's is touched. */
static void test_tx_foreign_buffer_any_slot(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx;
    const uint16_t slots[] = {0, VIRTIO_NET_TX_BUFS - 1, VIRTIO_NET_TX_BUFS, (uint16_t)(nrx - 1), (uint16_t)nrx,
                              0x7fff, 0xffff};
    enum { NS = sizeof(slots) / sizeof(slots[0]) };
    plat_busaddr_t bus;
    uint8_t *mem = plat_dma_alloc(NS * VIRTIO_NET_BUF_SIZE, 64, &bus);
    struct netbuf nb[NS];

    assert_non_null(mem);
    foreign_released = 0;
    for (unsigned k = 0; k < NS; k++) {
        nb[k] = (struct netbuf){.buf = mem + k * VIRTIO_NET_BUF_SIZE, .cap = VIRTIO_NET_BUF_SIZE, .off = 32,
                                .len = 60, .release = foreign_release, .owner = &fx->net, .slot = slots[k]};
        make_frame(fx, netbuf_data(&nb[k]), 60, 50 + k);
        assert_int_equal(virtio_net_tx(&fx->net, &nb[k]), 0);
    }
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), NS);
    for (unsigned k = 0; k < NS; k++)
        assert_frame(fx, fx->model->tx[k].data, 60, 50 + k);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(foreign_released, NS);
    assert_int_equal(fx->net.stats.bad_release, 0);
    assert_int_equal(fx->net.stats.tx_invalid, 0);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    plat_dma_free(mem, NS * VIRTIO_NET_BUF_SIZE);
}

/* The test line's handler for test_tx_released_meanwhile: the caller
 * (wrongly) releases the buffer it is sending, from "another context". */
static struct netbuf *release_meanwhile;
static void release_irq(void *arg)
{
    (void)arg;
    sim_irq_set_level(TEST_IRQ, false);
    sim_irq_set_sync(false);
    if (release_meanwhile)
        netbuf_release(release_meanwhile);
    release_meanwhile = NULL;
}

/* A buffer released while virtio_net_tx() works on it with the lock let go
 * (a checksum finished in software, CSUM not negotiated: the test line
 * fires at that unlock) is not put on the TX ring as well: refused as not
 * the caller's, and the pool holds it once. */
static void test_tx_released_meanwhile(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64); /* no CSUM: the driver sums */
    struct netbuf *nb = virtio_net_tx_alloc(&fx->net);

    assert_non_null(nb);
    assert_false(virtio_net_tx_csum(&fx->net));
    nb->len = 60;
    make_frame(fx, netbuf_data(nb), 60, 7);
    nb->csum_flags = NETBUF_CSUM_PARTIAL;
    nb->csum_start = (uint16_t)(nb->off + 34);
    nb->csum_offset = 6;
    assert_int_equal(plat_irq_attach(TEST_IRQ, PLAT_IRQ_LEVEL, release_irq, fx), 0);
    plat_irq_unmask(TEST_IRQ);
    release_meanwhile = nb;
    sim_irq_set_level(TEST_IRQ, true);
    sim_irq_set_sync(true);
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_EINVAL);
    assert_null(release_meanwhile); /* the handler ran inside the call */
    assert_int_equal(fx->net.stats.tx_csum_sw, 1);
    assert_int_equal(fx->net.stats.tx_invalid, 1);
    assert_int_equal(fx->net.stats.bad_release, 0);
    assert_int_equal(fx->net.stats.tx_frames, 0);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 0); /* nothing reached the ring */
}

/* Without a checksum to finish, the buffer is checked, built and added
 * under one hold of the lock: the first moment another context can
 * release it is after the add (the test line fires at that unlock).  The
 * release is refused (bad_release), the frame goes out whole, and once
 * reaped the pool holds the buffer once. */
static void test_tx_release_after_add(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    struct netbuf *nb = virtio_net_tx_alloc(&fx->net);

    assert_non_null(nb);
    nb->len = 60;
    make_frame(fx, netbuf_data(nb), 60, 8);
    assert_int_equal(plat_irq_attach(TEST_IRQ, PLAT_IRQ_LEVEL, release_irq, fx), 0);
    plat_irq_unmask(TEST_IRQ);
    release_meanwhile = nb;
    sim_irq_set_level(TEST_IRQ, true);
    sim_irq_set_sync(true);
    assert_int_equal(virtio_net_tx(&fx->net, nb), 0);
    assert_null(release_meanwhile); /* the handler ran inside the call */
    assert_int_equal(fx->net.stats.bad_release, 1);
    assert_int_equal(fx->net.stats.tx_invalid, 0);
    assert_int_equal(fx->net.stats.tx_frames, 1);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS - 1); /* still on the ring */
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 1);
    assert_frame(fx, fx->model->tx[0].data, 60, 8);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
}

/* A poll answers first and reaps afterwards: a frame reaches the stack (and
 * its reply the TX ring, kicked) before the TX completions already waiting
 * are reaped and their in-place buffers posted again; the same poll reaps
 * them after. */
static void test_poll_answers_before_reaping(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx, kicks;
    struct vq_stats st;

    fx->mode = RX_REPLY;
    dev_rx(fx, 98, 1, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_int_equal(sim_net_tx_run(fx->model), 1); /* sent and completed, not reaped */
    assert_int_equal(dev_rx_bufs(fx), nrx - 1);
    kicks = fx->sim->vq[SIM_NET_TXQ].notifies;
    dev_rx(fx, 98, 2, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_int_equal(fx->ncap, 2);
    assert_int_equal(fx->cap[1].tx_reaped, 0); /* handed up before the reaping */
    virtqueue_get_stats(fx->net.txq, &st);
    assert_int_equal(st.completed, 1); /* reaped in the same poll */
    assert_int_equal(fx->sim->vq[SIM_NET_TXQ].notifies, kicks + 1);
    assert_int_equal(dev_rx_bufs(fx), nrx - 1); /* frame 1's buffer is back, frame 2's out */
    assert_int_equal(sim_net_tx_run(fx->model), 1);
    assert_int_equal(fx->model->ntx, 2);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_rx_bufs_distinct(fx);
}

/* The stack releases a buffer it also queued as a reply: the release is
 * ignored; the buffer is not on both rings at once. */
static void test_inplace_reply_misuse(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx;
    struct netbuf *nb;

    fx->mode = RX_HOLD;
    dev_rx(fx, 98, 1, NULL);
    dev_rx(fx, 98, 2, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 2);
    nb = fx->held[0];
    assert_int_equal(virtio_net_tx(&fx->net, nb), 0);
    netbuf_release(nb); /* wrong: the driver owns it now */
    assert_int_equal(fx->net.stats.bad_release, 1);
    virtio_net_flush(&fx->net);
    assert_int_equal(dev_rx_bufs(fx), nrx - 2);
    fx->model->hold_tx = true;
    sim_net_tx_run(fx->model);
    sim_net_tx_complete(fx->model, ~0u);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(dev_rx_bufs(fx), nrx - 1);
    /* Sending a released RX buffer: refused, left alone. */
    nb = fx->held[1];
    netbuf_release(nb);
    fx->nheld = 0;
    virtio_net_flush(&fx->net);
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_EINVAL);
    assert_int_equal(fx->net.stats.tx_invalid, 1);
    virtio_net_flush(&fx->net);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_rx_bufs_distinct(fx);
    assert_int_equal(fx->model->ntx, 1);
}

/* Shut down with frames still on the TX ring, one of them an in-place
 * reply: the reply's RX buffer must not be posted on the RX ring that the
 * shutdown has already destroyed (ASan would see it). */
static void test_shutdown_with_tx_in_flight(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    fx->model->hold_tx = true;
    fx->mode = RX_REPLY;
    assert_int_equal(send(fx, 100, 1), 0);
    dev_rx(fx, 100, 2, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_int_equal(sim_net_tx_run(fx->model), 2);
    virtio_net_shutdown(&fx->net);
    fx->inited = false;
    assert_null(fx->net.rxq);
    assert_int_equal(sim_dma_live(), 0);
    virtio_net_shutdown(&fx->net); /* twice: harmless */
}

/* Shut down a device that cannot be stopped (its reset never completes,
 * its queues stay live): the RX buffers it was given, the TX buffers and
 * the rings stay allocated - the device may still write them - while a
 * device that does stop gives everything back (above). */
static void test_shutdown_unstoppable_keeps_buffers(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    size_t live = sim_dma_live();

    assert_true(live > 0);
    fx->sim->fault.stop_ignored = true;
    virtio_net_shutdown(&fx->net);
    fx->inited = false;
    assert_null(fx->net.rxq);
    assert_true(fx->net.dev.memory_kept);
    assert_int_equal(fx->net.dev.stats.queues_kept, 2);
    assert_int_equal(sim_dma_live(), live);
    fx->sim->fault.stop_ignored = false;
    sim_dma_forgive_live();
}

/* ---- poll: budget and re-arm --------------------------------------------------------- */

static void test_budget(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    for (unsigned k = 0; k < 10; k++)
        dev_rx(fx, 64 + k, k, NULL);
    assert_int_equal(fx->net.stats.rx_interrupts, 1); /* then masked */
    assert_int_equal(fx->wakes, 1);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 4);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 4);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 2);
    assert_false(virtio_net_pending(&fx->net));
    assert_int_equal(fx->net.stats.budget_exhausted, 2);
    for (unsigned k = 0; k < 10; k++) {
        assert_int_equal(fx->cap[k].len, 64 + k);
        assert_frame(fx, fx->cap[k].data, 64 + k, k);
    }
    /* Re-armed: the next frame interrupts again. */
    dev_rx(fx, 64, 10, NULL);
    assert_int_equal(fx->net.stats.rx_interrupts, 2);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 1);
    /* Polled before the interrupt, and exactly budget frames: the caller
     * is told to poll again rather than idle. */
    plat_irq_mask(fx->sim->irq);
    for (unsigned k = 0; k < 4; k++)
        dev_rx(fx, 64, 20 + k, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 4), 4);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 0);
    assert_false(virtio_net_pending(&fx->net));
    plat_irq_unmask(fx->sim->irq);
    sim_run_irqs();
    assert_false(virtio_net_pending(&fx->net));
    /* Budget 0 reaps TX only. */
    dev_rx(fx, 64, 30, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 0), 0);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
}

/* The budget bounds the buffers a poll takes off the RX ring, not only the
 * frames it delivers: a device that fills the ring with frames the driver
 * drops (short, too long, a bad partial checksum, a merged frame's parts)
 * would otherwise keep one poll going for as long as it re-fills the
 * buffers the poll re-posts - a device polling the avail ring needs no
 * kick for that - and nothing else in the main loop would run. */
static void test_budget_counts_dropped(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    struct sim_net_rx_opts bad = {.force_len = true, .used_len = 1};

    for (unsigned k = 0; k < 8; k++)
        dev_rx(fx, 100, k, &bad);
    for (unsigned k = 0; k < 4; k++)
        dev_rx(fx, 64 + k, 10 + k, NULL);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 0);
    assert_int_equal(fx->net.stats.rx_short, 4); /* four buffers taken, no more */
    assert_true(virtio_net_pending(&fx->net));   /* the rest is still owed */
    assert_int_equal(fx->net.stats.budget_exhausted, 1);
    assert_int_equal(virtio_net_poll(&fx->net, 4), 0);
    assert_int_equal(fx->net.stats.rx_short, 8);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 4);
    assert_true(virtio_net_pending(&fx->net)); /* exactly budget: poll again */
    assert_int_equal(virtio_net_poll(&fx->net, 4), 0);
    assert_false(virtio_net_pending(&fx->net));
    for (unsigned k = 0; k < 4; k++)
        assert_frame(fx, fx->cap[k].data, 64 + k, 10 + k);
    assert_int_equal(dev_rx_bufs(fx), fx->net.nrx);
    /* Re-armed: the next frame interrupts again. */
    dev_rx(fx, 64, 20, NULL);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 4), 1);
}

/* The test line's handler: a frame arrives at the device now - after the
 * driver's drain loop saw the ring empty, before it re-enables callbacks. */
static struct nfix *race_fx;
static void race_irq(void *arg)
{
    struct nfix *fx = arg;

    sim_irq_set_level(TEST_IRQ, false);
    sim_irq_set_sync(false);
    if (!fx->race_armed)
        return;
    fx->race_armed = false;
    fx->race_fired = true;
    uint8_t f[128];
    make_frame(fx, f, 128, 99);
    assert_true(sim_net_rx(fx->model, f, 128, NULL));
}

/* Called from stack_rx after frame race_at: assert the test line so that it
 * is delivered at the driver's next plat_unlock, which is the one after the
 * get_used that finds the ring empty. */
static void arm_race(struct nfix *fx)
{
    fx->race_armed = true;
    sim_irq_set_sync(false);
    sim_irq_set_level(TEST_IRQ, true);
    sim_irq_set_sync(true);
}

static void setup_race(struct nfix *fx, unsigned at)
{
    race_fx = fx;
    fx->race_at = at;
    assert_int_equal(plat_irq_attach(TEST_IRQ, PLAT_IRQ_LEVEL, race_irq, fx), 0);
    plat_irq_unmask(TEST_IRQ);
}

/* The race closes with the frame delivered in the same poll. */
static void test_rearm_race(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    setup_race(fx, 3);
    for (unsigned k = 0; k < 3; k++)
        dev_rx(fx, 64, k, NULL);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 64), 4);
    assert_true(fx->race_fired);
    assert_int_equal(fx->net.stats.rearm_races, 1);
    assert_frame(fx, fx->cap[3].data, 128, 99);
    assert_false(virtio_net_pending(&fx->net));
    /* Callbacks are on again: the next frame interrupts. */
    dev_rx(fx, 64, 5, NULL);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
}

/* The race's extra frame uses up the budget: callbacks are still off, so
 * the caller must be told to poll again; otherwise it would idle with RX
 * interrupts masked and every later frame would wait forever. */
static void test_rearm_race_at_budget(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    setup_race(fx, 3);
    for (unsigned k = 0; k < 3; k++)
        dev_rx(fx, 64, k, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 4), 4);
    assert_true(fx->race_fired);
    assert_int_equal(fx->net.stats.rearm_races, 1);
    assert_true(virtio_net_pending(&fx->net));
    /* What an idle caller would see: a frame arrives, then it polls only
     * if something is pending. */
    dev_rx(fx, 64, 6, NULL);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_false(virtio_net_pending(&fx->net));
    assert_int_equal(fx->ncap, 5);
}

/* ---- recovery --------------------------------------------------------------------- */

/* Held by the stack: 2 RX buffers; on the TX ring: 3 pool frames and one
 * in-place reply.  Then the device breaks the RX ring. */
static void busy_state(struct nfix *fx)
{
    fx->model->hold_tx = true;
    for (unsigned k = 0; k < 3; k++)
        assert_int_equal(send(fx, 100, k), 0);
    fx->mode = RX_REPLY;
    dev_rx(fx, 100, 10, NULL);
    virtio_net_poll(&fx->net, 64);
    fx->mode = RX_HOLD;
    dev_rx(fx, 100, 11, NULL);
    dev_rx(fx, 100, 12, NULL);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(fx->nheld, 2);
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 4);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS - 3);
    assert_int_equal(dev_rx_bufs(fx), fx->net.nrx - 3);
}

static void test_broken_ring_reset(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx, resets = fx->sim->resets;
    struct vq_stats st;

    busy_state(fx);
    fx->mode = RX_RELEASE;
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 999; /* out of range */
    dev_rx(fx, 100, 20, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->net.stats.queue_broken, 1);
    assert_true(sim_log_contains("broke a ring"));
    assert_true(virtio_net_pending(&fx->net));
    /* Until the reset: nothing is taken from the rings. */
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->net.stats.queue_broken, 1);

    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_int_equal(fx->sim->resets, resets + 1);
    assert_false(virtio_net_pending(&fx->net));
    assert_false(virtqueue_is_broken(fx->net.rxq));
    /* TX tokens released: the pool is whole; the in-place reply went back to
     * the RX ring with every other buffer the stack does not hold. */
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    virtqueue_get_stats(fx->net.txq, &st);
    assert_int_equal(st.cancelled, 4);
    assert_int_equal(dev_rx_bufs(fx), nrx - 2);
    assert_rx_bufs_distinct(fx);
    for (unsigned i = 0; i < fx->nheld; i++)
        netbuf_release(fx->held[i]);
    fx->nheld = 0;
    virtio_net_flush(&fx->net);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_rx_bufs_distinct(fx);

    /* Working again, both ways. */
    fx->model->hold_tx = false;
    unsigned before = fx->ncap;
    dev_rx(fx, 300, 30, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[before].data, 300, 30);
    unsigned ntx = fx->model->ntx;
    assert_int_equal(send(fx, 200, 31), 0);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    assert_int_equal(fx->model->ntx, ntx + 1);
    assert_frame(fx, fx->model->tx[ntx].data, 200, 31);
    assert_int_equal(virtio_net_check(&fx->net), 0);
}

static void test_needs_reset(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx;

    busy_state(fx);
    /* A frame is completed, then the device asks for a reset: the frame is
     * not delivered from the inconsistent rings. */
    fx->mode = RX_RELEASE;
    dev_rx(fx, 100, 20, NULL);
    unsigned wakes = fx->wakes;
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(fx->wakes, wakes + 1);
    unsigned before = fx->ncap;
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->ncap, before);
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_false(virtio_net_pending(&fx->net));
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_int_equal(dev_rx_bufs(fx), nrx - 2);
    assert_true(virtio_net_link_up(&fx->net));
    dev_rx(fx, 100, 21, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[before].data, 100, 21);
}

/* The features are negotiated again on a reset and may differ: the header
 * layout must follow before any buffer is posted again. */
static void test_reset_renegotiates_layout(void **state)
{
    struct nfix *fx = up(state, F_MAC | F_STATUS | F_MRG | F_ANY | F_IND, 64);

    assert_false(fx->net.split_hdr);
    assert_true(fx->net.mergeable);
    /* The device now offers neither ANY_LAYOUT nor MRG_RXBUF. */
    fx->sim->dev_features &= ~(F_ANY | F_MRG);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    unsigned seen = fx->model->rx_chains_seen;
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_false(fx->net.mergeable);
    assert_int_equal(fx->net.hdr_len, hdr_len_expected(fx));
    assert_int_equal(fx->net.split_hdr, fx->version == 1);
    /* The ring was made without indirect tables (none were needed then): a
     * split header takes two descriptors, so half the buffers fit. */
    unsigned fit = fx->version == 1 ? 32u : fx->net.nrx;
    assert_int_equal(dev_rx_bufs(fx), fit);
    assert_int_equal(fx->model->rx_chains_seen, seen + fit);
    /* model: rx_layout stays 0 (checked at teardown), and a frame each way. */
    dev_rx(fx, 100, 1, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[0].data, 100, 1);
    assert_int_equal(fx->cap[0].off, fx->net.hdr_len);
    assert_int_equal(send(fx, 100, 2), 0);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    assert_frame(fx, fx->model->tx[0].data, 100, 2);
}

/* A merged frame half-dropped when the device was reset has no tail after
 * the reset: the first frame afterwards is delivered. */
static void test_reset_forgets_merged_tail(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    struct sim_net_rx_opts lie = {.set_num_buffers = true, .num_buffers_value = 3};

    dev_rx(fx, 100, 1, &lie); /* the other two buffers never come */
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->net.stats.rx_merged_dropped, 1);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
    dev_rx(fx, 100, 2, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[0].data, 100, 2);
}

/* The re-initialisation fails after the reset: the device is given up,
 * buffers come home, and nothing is retried or posted afterwards. */
static void test_reset_fails(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    busy_state(fx);
    fx->mode = RX_RELEASE;
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    fx->sim->vq[SIM_NET_RXQ].num_max = 8; /* the queue shrank: unusable */
    assert_int_equal(virtio_net_check(&fx->net), VIRTIO_E2BIG);
    assert_true(fx->net.dev.broken);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_false(virtio_net_pending(&fx->net));
    unsigned resets = fx->sim->resets;
    assert_int_equal(virtio_net_check(&fx->net), VIRTIO_EIO);
    assert_int_equal(fx->sim->resets, resets); /* not tried again */
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(send(fx, 100, 1), VIRTIO_EIO);
    assert_int_equal(fx->net.stats.tx_error, 1);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    for (unsigned i = 0; i < fx->nheld; i++)
        netbuf_release(fx->held[i]);
    fx->nheld = 0;
    assert_false(virtio_net_pending(&fx->net));
}

/* ---- the RX ring filled in steps (cfg.rx_initial) ------------------------------ */

#define REG_QUEUE_NOTIFY 0x050u /* virtio-mmio register (spec 4.2.2) */

/* The device writes a frame into the k-th receive buffer it holds (not the
 * oldest) and completes that one: an order of its own. */
static void dev_rx_at(struct nfix *fx, unsigned k, uint32_t len, uint32_t seed)
{
    struct sim_vq *v = &fx->sim->vq[SIM_NET_RXQ];
    uint8_t f[SIM_NET_FRAME_MAX], hdr[12] = {0};
    unsigned hl = sim_net_hdr_len(fx->model);

    assert_true(k < dev_rx_bufs(fx));
    make_frame(fx, f, len, seed);
    if (hl == 12)
        hdr[10] = 1; /* num_buffers */
    sim_chain_scatter(&v->pending[k], 0, hdr, hl);
    sim_chain_scatter(&v->pending[k], hl, f, len);
    v->pending[k].written = hl + len;
    assert_true(sim_virtio_complete_at(fx->sim, SIM_NET_RXQ, k));
    sim_run_irqs();
}

static struct nfix *up_initial(void **state, uint64_t features, uint32_t num_max, uint16_t initial)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);

    cfg.rx_initial = initial;
    return up_cfg(state, features, num_max, &cfg);
}

/* Release what the stack holds; the buffers go back on the ring. */
static void release_held(struct nfix *fx)
{
    for (unsigned i = 0; i < fx->nheld; i++)
        netbuf_release(fx->held[i]);
    fx->nheld = 0;
    virtio_net_flush(&fx->net);
}

static void test_rx_fill_in_steps(void **state)
{
    struct nfix *fx = up_initial(state, F_ALL, 256, 16);
    const struct sim_vq *v = &fx->sim->vq[SIM_NET_RXQ];
    size_t blocks;

    /* Init: 16 buffers posted, memory for exactly those 16. */
    assert_int_equal(fx->net.nrx, 256);
    assert_int_equal(fx->net.nrx_ready, 16);
    assert_int_equal(dev_rx_bufs(fx), 16);
    assert_non_null(sim_dma_ptr(v->pending[0].seg[0].bus, 16 * VIRTIO_NET_BUF_SIZE));
    assert_null(sim_dma_ptr(v->pending[0].seg[0].bus, 16 * VIRTIO_NET_BUF_SIZE + 1));
    assert_true(virtio_net_pending(&fx->net)); /* the rest is work for poll */
    blocks = sim_dma_live();

    /* Ten frames, completed in an order of the device's own: all delivered,
     * byte-exact, then one batch more is given memory and posted. */
    fx->mode = RX_HOLD;
    for (unsigned k = 0; k < 10; k++)
        dev_rx_at(fx, (k * 7u + 3u) % (16u - k), 60 + k, k);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 10);
    for (unsigned k = 0; k < 10; k++)
        assert_frame(fx, fx->cap[k].data, 60 + k, k);
    assert_int_equal(fx->net.nrx_ready, 16 + VIRTIO_NET_RX_BATCH);
    assert_int_equal(sim_dma_live(), blocks + 1);
    assert_int_equal(dev_rx_bufs(fx), 6 + VIRTIO_NET_RX_BATCH);
    release_held(fx);
    assert_int_equal(dev_rx_bufs(fx), 16 + VIRTIO_NET_RX_BATCH);
    assert_rx_bufs_distinct(fx);

    /* Each poll adds a batch (the last one the rest) while frames keep
     * coming out of order, some held by the stack across polls. */
    unsigned polls = 0;
    while (virtio_net_pending(&fx->net)) {
        fx->mode = polls % 2 ? RX_RELEASE : RX_HOLD;
        dev_rx_at(fx, (polls * 13u) % dev_rx_bufs(fx), 100, 100 + polls);
        dev_rx_at(fx, 0, 101, 200 + polls);
        virtio_net_poll(&fx->net, 64);
        assert_true(++polls <= 3);
    }
    assert_int_equal(polls, 3); /* 176 buffers: 64 + 64 + 48 */
    assert_int_equal(fx->net.nrx_ready, 256);
    assert_int_equal(sim_dma_live(), blocks + 4);
    release_held(fx);
    assert_int_equal(dev_rx_bufs(fx), 256);
    assert_int_equal(virtqueue_num_free(fx->net.rxq), 0);
    assert_rx_bufs_distinct(fx);

    /* Full: many turns of the ring in any order, nothing allocated or
     * posted twice, no frame without a buffer. */
    fx->mode = RX_RELEASE;
    unsigned before = fx->net.stats.rx_frames;
    for (unsigned k = 0; k < 3 * 256; k++) {
        dev_rx_at(fx, (k * 31u) % dev_rx_bufs(fx), 60 + k % 100, k);
        if (k % 50 == 49)
            virtio_net_poll(&fx->net, 64);
    }
    while (virtio_net_pending(&fx->net))
        virtio_net_poll(&fx->net, 64);
    assert_int_equal(fx->net.stats.rx_frames, before + 3 * 256);
    assert_int_equal(dev_rx_bufs(fx), 256);
    assert_rx_bufs_distinct(fx);
    assert_int_equal(sim_dma_live(), blocks + 4);
    assert_int_equal(fx->net.stats.rx_alloc_failed, 0);
    assert_int_equal(fx->net.stats.rx_repost_failed, 0);
}

/* The replies of a poll are kicked before the poll adds buffers: the
 * allocation and posting of a batch never delay them. */
static void test_rx_fill_after_replies(void **state)
{
    struct nfix *fx = up_initial(state, F_MAC | F_STATUS | F_ANY | F_IND, 256, 16); /* no EVENT_IDX: every kick notifies */
    int tx_at = -1, rx_at = -1;

    fx->mode = RX_REPLY;
    for (unsigned k = 0; k < 3; k++)
        dev_rx(fx, 98, k, NULL);
    unsigned from = fx->sim->n_reg;
    assert_int_equal(virtio_net_poll(&fx->net, 64), 3);
    assert_int_equal(fx->net.nrx_ready, 16 + VIRTIO_NET_RX_BATCH);
    for (unsigned i = from; i < fx->sim->n_reg && i < SIM_LOG_CAP; i++) {
        if (fx->sim->reg_off[i] != REG_QUEUE_NOTIFY)
            continue;
        if (fx->sim->reg_val[i] == SIM_NET_TXQ && tx_at < 0)
            tx_at = (int)i;
        if (fx->sim->reg_val[i] == SIM_NET_RXQ)
            rx_at = (int)i;
    }
    assert_true(tx_at >= 0 && rx_at > tx_at);
    assert_int_equal(sim_net_tx_run(fx->model), 3);
    virtio_net_poll(&fx->net, 64); /* the replies' buffers go back on the RX ring */
    assert_int_equal(dev_rx_bufs(fx), fx->net.nrx_ready);
}

/* The DMA pool runs out on the way: the driver stays with what it has,
 * says so once, never tries again, and does not keep the caller polling. */
static void test_rx_fill_out_of_memory(void **state)
{
    struct nfix *fx = up_initial(state, F_ALL, 256, 16);
    size_t blocks = sim_dma_live();

    sim_dma_fail_after(0);
    dev_rx(fx, 100, 1, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    sim_dma_fail_after(-1);
    assert_int_equal(fx->net.stats.rx_alloc_failed, 1);
    assert_true(sim_log_contains("no DMA memory for more RX buffers"));
    assert_false(virtio_net_pending(&fx->net));
    assert_int_equal(fx->net.nrx_ready, 16);
    assert_int_equal(dev_rx_bufs(fx), 16);
    for (unsigned k = 0; k < 3 * 16; k++) {
        dev_rx_at(fx, k % 5u % dev_rx_bufs(fx), 200, k);
        virtio_net_poll(&fx->net, 64);
    }
    assert_int_equal(fx->net.stats.rx_frames, 1 + 3 * 16);
    assert_int_equal(fx->net.stats.rx_alloc_failed, 1);
    assert_int_equal(sim_dma_live(), blocks);
    assert_int_equal(dev_rx_bufs(fx), 16);
    assert_rx_bufs_distinct(fx);
}

/* A reset in the middle of the fill: every buffer with memory is posted
 * again, the stack's stay its own, and the fill goes on.  When the
 * renegotiated layout needs two descriptors per buffer (legacy without
 * ANY_LAYOUT, a ring made without indirect tables) the ring takes half as
 * many: the fill stops there, the caller is not left polling, and every
 * buffer that did not fit is kept, not lost. */
static void test_rx_fill_across_reset(void **state)
{
    struct nfix *fx = up_initial(state, F_MAC | F_STATUS | F_MRG | F_ANY | F_IND, 256, 16);

    fx->mode = RX_HOLD;
    dev_rx(fx, 100, 1, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1); /* one held; 80 with memory */
    assert_int_equal(fx->net.nrx_ready, 80);
    fx->sim->dev_features &= ~F_ANY;
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_int_equal(dev_rx_bufs(fx), 79);
    assert_rx_bufs_distinct(fx);

    unsigned fit = fx->version == 1 ? 128u : 256u, polls = 0;
    while (virtio_net_pending(&fx->net)) {
        fx->mode = RX_RELEASE;
        dev_rx_at(fx, polls % dev_rx_bufs(fx), 90, polls);
        virtio_net_poll(&fx->net, 64);
        assert_true(++polls <= 4);
    }
    release_held(fx);
    assert_int_equal(dev_rx_bufs(fx), fit);
    assert_rx_bufs_distinct(fx);
    if (fx->version == 1) {
        assert_true(fx->net.nrx_ready > fit && fx->net.nrx_ready < 256);
        assert_true(fx->net.stats.rx_repost_failed > 0);
    } else {
        assert_int_equal(fx->net.nrx_ready, 256);
    }
    /* Traffic goes on through the ring as it is, and a reset that brings
     * the layout back takes the kept buffers and lets the fill finish. */
    for (unsigned k = 0; k < 2 * fit; k++) {
        dev_rx_at(fx, (k * 17u) % dev_rx_bufs(fx), 64 + k % 50, k);
        if (k % 40 == 39)
            virtio_net_poll(&fx->net, 64);
    }
    while (virtio_net_pending(&fx->net))
        virtio_net_poll(&fx->net, 64);
    assert_int_equal(dev_rx_bufs(fx), fit);
    fx->sim->dev_features |= F_ANY;
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
    polls = 0;
    while (virtio_net_pending(&fx->net)) {
        virtio_net_poll(&fx->net, 64);
        assert_true(++polls <= 4);
    }
    assert_int_equal(fx->net.nrx_ready, 256);
    assert_int_equal(dev_rx_bufs(fx), 256);
    assert_rx_bufs_distinct(fx);
}

/* The fill behind the cache model: each new block's buffers are handed to
 * the device clean, and what the device writes into them reaches the
 * stack (the traffic of test_non_coherent_model). */
static void cache_traffic(struct nfix *fx, bool checks);

static void test_rx_fill_non_coherent(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);

    sim_cache_model(true);
    cfg.rx_initial = 8;
    create(state, F_ALL, 256, dev_mac, VIRTIO_NET_S_LINK_UP);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false, &cfg), 0);
    fx->inited = true;
    assert_int_equal(dev_rx_bufs(fx), 8);
    cache_traffic(fx, true);
    assert_int_equal(fx->net.nrx_ready, 256);
    assert_int_equal(sim_cache_unsynced(), 0);
    assert_true(sim_cache_model_ok());
}

#define REG_INTERRUPT_ACK 0x064u /* virtio-mmio register (spec 4.2.2) */

/* cfg.irq_after_first_poll: the interrupt is masked from init until the
 * first poll has delivered what arrived and kicked the replies; from then
 * on interrupts as usual.  Without an interrupt line the flag changes
 * nothing. */
static void test_irq_after_first_poll(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);
    int tx_at = -1, ack_at = -1;
    unsigned irq;

    cfg.irq_after_first_poll = true;
    sim_irq_set_sync(true); /* delivered as soon as the line rises or is unmasked */
    up_cfg(state, F_MAC | F_STATUS | F_ANY | F_IND, 64, &cfg); /* no EVENT_IDX: every kick notifies */
    irq = fx->sim->irq;
    assert_true(sim_irq_attached(irq));
    assert_true(sim_irq_masked(irq));
    assert_true(virtio_net_pending(&fx->net)); /* the first poll is due */
    fx->mode = RX_REPLY;
    for (unsigned k = 0; k < 3; k++)
        dev_rx(fx, 98, k, NULL);
    assert_int_equal(sim_irq_delivered(irq), 0);
    assert_int_equal(fx->net.stats.rx_interrupts, 0);
    assert_int_equal(fx->wakes, 0);

    unsigned from = fx->sim->n_reg;
    assert_int_equal(virtio_net_poll(&fx->net, 64), 3);
    for (unsigned i = from; i < fx->sim->n_reg && i < SIM_LOG_CAP; i++) {
        if (fx->sim->reg_off[i] == REG_QUEUE_NOTIFY && fx->sim->reg_val[i] == SIM_NET_TXQ && tx_at < 0)
            tx_at = (int)i;
        if (fx->sim->reg_off[i] == REG_INTERRUPT_ACK && ack_at < 0)
            ack_at = (int)i;
    }
    /* Unmasked after the replies' kick: the interrupt the frames raised is
     * taken then (and finds nothing left to do). */
    assert_true(tx_at >= 0 && ack_at > tx_at);
    assert_false(sim_irq_masked(irq));
    assert_int_equal(sim_irq_delivered(irq), 1);
    assert_false(virtio_net_pending(&fx->net));
    assert_int_equal(sim_net_tx_run(fx->model), 3);

    /* From now on: an interrupt per frame as usual. */
    virtio_net_poll(&fx->net, 64);
    fx->mode = RX_RELEASE;
    dev_rx(fx, 100, 9, NULL);
    assert_int_equal(fx->net.stats.rx_interrupts, 1);
    assert_true(fx->wakes >= 1);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[3].data, 100, 9);
    assert_true(down(fx));

    /* No interrupt line: nothing to mask, nothing pending. */
    create(state, F_ALL, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, VIRTIO_NO_IRQ, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    assert_false(virtio_net_pending(&fx->net));
    dev_rx(fx, 100, 10, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
}

/* ---- init ------------------------------------------------------------------------ */

static void test_init_failures(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);
    int err;

    /* Not a network device. */
    fx->sim = sim_virtio_create(fx->version, VIRTIO_ID_BLOCK, fx->version == 1 ? 0 : B(VIRTIO_F_VERSION_1), 2, 64);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg),
                     VIRTIO_ENODEV);
    assert_true(down(fx));
    /* No receive hook. */
    create(state, F_ALL, 64, dev_mac, 0);
    cfg.rx = NULL;
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg),
                     VIRTIO_EINVAL);
    cfg.rx = stack_rx;
    assert_true(down(fx));
    /* Rings of one descriptor: too small for a split header (legacy without
     * ANY_LAYOUT or indirect tables), enough otherwise. */
    cfg.rx_queue_size = cfg.tx_queue_size = 1;
    create(state, F_MAC, 64, dev_mac, 0);
    err = virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg);
    if (fx->version == 1) {
        assert_int_equal(err, VIRTIO_EINVAL);
        assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    } else {
        assert_int_equal(err, 0);
        fx->inited = true;
        assert_int_equal(fx->net.nrx, 1);
        round_trip(fx, 3);
    }
    assert_true(down(fx));
    cfg.rx_queue_size = cfg.tx_queue_size = 0;
    /* Each DMA allocation failing in turn: an error, FAILED, nothing leaked. */
    for (long k = 0;; k++) {
        create(state, F_ALL, 64, dev_mac, 0);
        sim_dma_fail_after(k);
        err = virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg);
        sim_dma_fail_after(-1);
        if (err == 0) {
            fx->inited = true;
            assert_true(k >= 5);
            assert_true(down(fx));
            break;
        }
        assert_int_equal(err, VIRTIO_ENOMEM);
        assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
        assert_int_equal(sim_dma_live(), 0);
        assert_int_equal(virtio_net_check(&fx->net), VIRTIO_EIO);
        virtio_net_shutdown(&fx->net); /* harmless after a failed init */
        assert_true(down(fx));
    }
    assert_int_equal(sim_dma_live(), 0);
}

/* ---- sizes ------------------------------------------------------------------------- */

/* frames each way; the stack releases what it receives. */
static void round_trip(struct nfix *fx, unsigned frames)
{
    unsigned ntx = fx->model->ntx;

    fx->ncap = 0;
    for (unsigned k = 0; k < frames; k++) {
        if (dev_rx_bufs(fx) == 0) /* the device ran out: let the driver catch up */
            virtio_net_poll(&fx->net, 64);
        dev_rx(fx, 60 + k, k, NULL);
    }
    while (virtio_net_pending(&fx->net))
        virtio_net_poll(&fx->net, 64);
    assert_int_equal(fx->ncap, frames);
    for (unsigned k = 0; k < frames && k < CAP_MAX; k++)
        assert_frame(fx, fx->cap[k].data, 60 + k, k);
    for (unsigned k = 0; k < frames; k++) {
        if (virtqueue_num_free(fx->net.txq) < 2) { /* the device catches up */
            virtio_net_flush(&fx->net);
            sim_net_tx_run(fx->model);
        }
        assert_int_equal(send(fx, 80 + k, k), 0);
        if (k % 8 == 7) {
            virtio_net_flush(&fx->net);
            sim_net_tx_run(fx->model);
        }
    }
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(fx->model->ntx - ntx, frames);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
}

static void test_queue_sizes(void **state)
{
    struct nfix *fx = *state;

    for (unsigned size = 16; size <= 1024; size *= 2) {
        /* Device maximum = size, and a larger device with the size asked for. */
        for (unsigned how = 0; how < 2; how++) {
            struct virtio_net_config cfg = cfg_for(fx);
            uint64_t feat = how ? F_MAC | F_STATUS | F_EVT : F_ALL;

            if (how)
                cfg.rx_queue_size = cfg.tx_queue_size = (uint16_t)size;
            up_cfg(state, feat, how ? 1024 : size, &cfg);
            unsigned per = fx->net.split_hdr && !(feat & F_IND) ? 2 : 1;
            assert_int_equal(virtqueue_size(fx->net.rxq), size);
            assert_int_equal(virtqueue_size(fx->net.txq), size);
            assert_int_equal(fx->net.nrx, size / per);
            assert_int_equal(dev_rx_bufs(fx), size / per);
            assert_int_equal(virtqueue_num_free(fx->net.rxq), 0);
            round_trip(fx, 40);
            /* Wrap the ring indices a few times. */
            fx->mode = RX_RELEASE;
            for (unsigned r = 0; r < 3; r++)
                round_trip(fx, size / per < 64 ? size / per : 64);
            assert_int_equal(dev_rx_bufs(fx), size / per);
            assert_rx_bufs_distinct(fx);
            assert_true(down(fx));
        }
    }
}

/* A device without dma-coherent: cache maintenance on every buffer, all of
 * it inside DMA memory (sim_plat counts anything else). */
static void test_non_coherent(void **state)
{
    struct nfix *fx = create(state, F_ALL, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
    struct virtio_net_config cfg = cfg_for(fx);
    unsigned long inval;

    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false, &cfg), 0);
    fx->inited = true;
    inval = sim_cache_stats()->invalidates;
    assert_true(inval >= fx->net.nrx);
    round_trip(fx, 20);
    assert_true(sim_cache_stats()->invalidates > inval);
    assert_true(sim_cache_stats()->cleans > 0);
    fx->mode = RX_REPLY;
    dev_rx(fx, 70, 1, NULL);
    virtio_net_poll(&fx->net, 64);
    sim_net_tx_run(fx->model);
    virtio_net_poll(&fx->net, 64);
    assert_int_equal(fx->model->tx[fx->model->ntx - 1].len, 70);
    assert_int_equal(dev_rx_bufs(fx), fx->net.nrx);
}

/* ---- no interrupt, cache maintenance ---------------------------------------------- */

/* The device tree gave no interrupt: nothing attached (never line 0),
 * frames found by virtio_net_poll() alone, replies sent. */
static void test_no_irq_polled(void **state)
{
    struct nfix *fx = create(state, F_ALL, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
    struct virtio_net_config cfg = cfg_for(fx);

    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, VIRTIO_NO_IRQ, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    assert_false(fx->net.dev.irq_attached);
    for (unsigned i = 0; i < SIM_MAX_IRQ; i++)
        assert_false(sim_irq_attached(i));
    for (unsigned k = 0; k < 5; k++)
        dev_rx(fx, 100 + k, k, NULL);
    assert_false(virtio_net_pending(&fx->net)); /* nothing announced it */
    assert_int_equal(virtio_net_poll(&fx->net, 64), 5);
    for (unsigned k = 0; k < 5; k++)
        assert_frame(fx, fx->cap[k].data, 100 + k, k);
    assert_int_equal(send(fx, 70, 9), 0);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    assert_int_equal(fx->model->ntx, 1);
    assert_frame(fx, fx->model->tx[0].data, 70, 9);
    assert_int_equal(fx->net.dev.stats.interrupts, 0);
}

/* No interrupt line: nothing announces DEVICE_NEEDS_RESET (2.1.2 sends it
 * as a config notification), so virtio_net_check() must read Status
 * itself, as virtio_blk_check() and the polled console and rng do - or a
 * polled device that asks for a reset is never recovered. */
static void test_no_irq_needs_reset(void **state)
{
    struct nfix *fx = create(state, F_ALL, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
    struct virtio_net_config cfg = cfg_for(fx);

    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, VIRTIO_NO_IRQ, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    unsigned nrx = fx->net.nrx;
    assert_int_equal(virtio_net_check(&fx->net), 0); /* a healthy device: nothing to do */
    assert_int_equal(fx->net.dev.stats.reinits, 0);
    sim_virtio_set_needs_reset(fx->sim);
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_int_equal(fx->net.dev.stats.reinits, 1);
    assert_int_equal(fx->net.dev.stats.needs_reset, 1);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    dev_rx(fx, 100, 3, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_frame(fx, fx->cap[0].data, 100, 3);
    assert_int_equal(virtio_net_check(&fx->net), 0);
    assert_int_equal(fx->net.dev.stats.interrupts, 0);
}

/* Traffic for the cache tests: frames in (sizes 60..1514), frames out
 * (built in pool buffers), in-place replies, over several turns of the
 * rings.  With `checks`, the maintenance calls of every buffer: each RX
 * buffer invalidated over the header and frame after the device wrote
 * them, each TX buffer cleaned over header and frame before the device
 * reads it.  Byte-exact both ways in any case. */
static void cache_traffic(struct nfix *fx, bool checks)
{
    unsigned hl = fx->net.hdr_len, k, t = 0;

    for (unsigned turn = 0; turn < 3; turn++) {
        fx->mode = RX_RELEASE;
        fx->ncap = 0;
        for (k = 0; k < 40; k++) {
            uint32_t len = 60 + (k * 97 + turn * 31) % 1455;
            size_t mark = sim_cache_nops();

            dev_rx(fx, len, k + turn, NULL);
            assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
            assert_int_equal(fx->ncap, k + 1);
            assert_int_equal(fx->cap[k].len, len);
            assert_frame(fx, fx->cap[k].data, len, k + turn);
            if (checks)
                assert_true(sim_cache_covered(true, fx->cap[k].at - hl, hl + len, mark));
        }
        for (k = 0; k < 40; k++, t++) {
            uint32_t len = 60 + (k * 61 + turn * 17) % 1455;
            struct netbuf *nb = virtio_net_tx_alloc(&fx->net);
            size_t mark = sim_cache_nops();

            uint8_t *d;

            assert_non_null(nb);
            d = netbuf_data(nb);
            make_frame(fx, d, len, 1000 + t);
            nb->len = (uint16_t)len;
            assert_int_equal(virtio_net_tx(&fx->net, nb), 0); /* the header goes in front of d */
            virtio_net_flush(&fx->net);
            if (checks)
                assert_true(sim_cache_covered(false, d - hl, hl + len, mark));
            sim_net_tx_run(fx->model);
            virtio_net_poll(&fx->net, 64);
            assert_int_equal(fx->model->tx[(fx->model->ntx - 1) % SIM_NET_TX_CAP].len, len);
            if (fx->model->ntx <= SIM_NET_TX_CAP)
                assert_frame(fx, fx->model->tx[fx->model->ntx - 1].data, len, 1000 + t);
        }
        /* replies built in place in the RX buffer: the CPU's writes must
         * reach the device */
        fx->mode = RX_REPLY;
        for (k = 0; k < 8; k++) {
            unsigned n = fx->model->ntx;
            uint32_t len = 98 + k * 100;

            dev_rx(fx, len, 77 + k, NULL);
            assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
            sim_net_tx_run(fx->model);
            virtio_net_poll(&fx->net, 64);
            assert_int_equal(fx->model->ntx, n + 1);
            if (n < SIM_NET_TX_CAP) {
                const uint8_t *f = fx->model->tx[n].data;
                uint8_t want[SIM_NET_FRAME_MAX];

                make_frame(fx, want, len, 77 + k);
                assert_memory_equal(f, want + 6, 6); /* addresses swapped */
                assert_memory_equal(f + 6, want, 6);
                assert_memory_equal(f + 12, want + 12, len - 12);
            }
        }
    }
    assert_int_equal(dev_rx_bufs(fx), fx->net.nrx);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
}

/*
 * A device without dma-coherent behind the cache model (sim_plat.h), in
 * three layouts (every feature; none, where legacy splits the header into
 * a descriptor of its own; indirect descriptors): what the stack receives
 * is what the device wrote, what the device sends is what the CPU built;
 * the device is never handed a line the CPU holds dirty or a buffer not
 * cleaned since it last had it, and every line it wrote is invalidated
 * before the driver reads it.
 */
static void test_non_coherent_model(void **state)
{
    static const uint64_t combos[] = {F_ALL, F_MAC, F_MAC | F_IND};
    struct nfix *fx = *state;

    sim_cache_model(true);
    for (unsigned c = 0; c < 3; c++) {
        struct virtio_net_config cfg = cfg_for(fx);

        create(state, combos[c], 64, dev_mac, VIRTIO_NET_S_LINK_UP);
        assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false, &cfg), 0);
        fx->inited = true;
        cache_traffic(fx, true);
        assert_int_equal(sim_cache_unsynced(), 0);
        assert_true(sim_cache_model_ok());
        assert_true(down(fx));
    }
    assert_true(sim_cache_stats()->cleans > 0 && sim_cache_stats()->invalidates > 0);
}

/* The same traffic through a dma-coherent device: not one maintenance
 * call from init to shutdown. */
static void test_coherent_no_cache_ops(void **state)
{
    static const uint64_t combos[] = {F_ALL, F_MAC, F_MAC | F_IND};
    struct nfix *fx = *state;

    for (unsigned c = 0; c < 3; c++) {
        up(state, combos[c], 64);
        cache_traffic(fx, false);
        assert_true(down(fx));
    }
    assert_int_equal(sim_cache_nops(), 0);
}


/* ---- checksum offload ------------------------------------------------------------ */

/* Ones' complement sum of p[0..len), folded (0xffff: a complete checksum
 * over it is right). */
static uint16_t ocsum(const uint8_t *p, uint32_t len)
{
    uint32_t s = 0;

    for (uint32_t i = 0; i + 1 < len; i += 2)
        s += (uint32_t)p[i] << 8 | p[i + 1];
    if (len & 1u)
        s += (uint32_t)p[len - 1] << 8;
    while (s >> 16)
        s = (s & 0xffffu) + (s >> 16);
    return (uint16_t)s;
}

/* A finished checksum over p[0..len) whose field held `partial` (the
 * pseudo-header sum, which the receiver adds again) is right. */
static bool finished_ok(const uint8_t *p, uint32_t len, uint16_t partial)
{
    uint32_t s = (uint32_t)ocsum(p, len) + partial;

    return (uint16_t)((s & 0xffffu) + (s >> 16)) == 0xffffu;
}

static void test_csum_negotiation(void **state)
{
    struct nfix *fx = *state;
    static const uint64_t off[] = {0, F_CSUM, F_GCSUM, F_CSUM | F_GCSUM};

    for (unsigned k = 0; k < 4; k++) {
        struct virtio_net_config cfg = cfg_for(fx);

        cfg.disable_features = off[k];
        up_cfg(state, F_ALL | F_CSUM | F_GCSUM, 64, &cfg);
        assert_int_equal(sim_virtio_has(fx->sim, VIRTIO_NET_F_CSUM), !(off[k] & F_CSUM));
        assert_int_equal(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_CSUM), !(off[k] & F_GCSUM));
        assert_int_equal(virtio_net_tx_csum(&fx->net), !(off[k] & F_CSUM));
        assert_int_equal(fx->net.guest_csum, !(off[k] & F_GCSUM));
        assert_true(down(fx));
    }
    /* Not offered: not accepted. */
    up(state, F_ALL, 64);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_CSUM));
    assert_false(virtio_net_tx_csum(&fx->net));
    assert_false(fx->net.guest_csum);
}

/* GUEST_CSUM: the header's flags become netbuf metadata; csum_start and
 * csum_offset are device-written and checked against the frame. */
static void test_rx_csum_flags(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_GCSUM, 64);
    unsigned nrx = fx->net.nrx, hl = fx->net.hdr_len;
    struct sim_net_rx_opts o;

    memset(&o, 0, sizeof(o));
    dev_rx(fx, 100, 1, &o); /* plain */
    o.flags = SIM_NET_HDR_F_DATA_VALID;
    dev_rx(fx, 100, 2, &o);
    o.flags = SIM_NET_HDR_F_NEEDS_CSUM;
    o.csum_start = 34;
    o.csum_offset = 6;
    dev_rx(fx, 100, 3, &o);
    o.csum_start = 98; /* the field is the frame's last two bytes */
    o.csum_offset = 0;
    dev_rx(fx, 100, 4, &o);
    o.flags = SIM_NET_HDR_F_NEEDS_CSUM | SIM_NET_HDR_F_DATA_VALID; /* NEEDS_CSUM wins */
    o.csum_start = 14;
    o.csum_offset = 10;
    dev_rx(fx, 100, 5, &o);
    o.flags = 0x80 | 0x04; /* unknown bits: ignored (5.1.6.4.2) */
    dev_rx(fx, 100, 6, &o);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 6);
    assert_int_equal(fx->ncap, 6);
    assert_int_equal(fx->cap[0].csum_flags, 0);
    assert_int_equal(fx->cap[1].csum_flags, NETBUF_CSUM_VALID);
    assert_int_equal(fx->cap[2].csum_flags, NETBUF_CSUM_PARTIAL);
    assert_int_equal(fx->cap[2].csum_start, hl + 34); /* an offset in the buffer */
    assert_int_equal(fx->cap[2].csum_offset, 6);
    assert_int_equal(fx->cap[3].csum_flags, NETBUF_CSUM_PARTIAL);
    assert_int_equal(fx->cap[3].csum_start, hl + 98);
    assert_int_equal(fx->cap[4].csum_flags, NETBUF_CSUM_PARTIAL);
    assert_int_equal(fx->cap[4].csum_start, hl + 14);
    assert_int_equal(fx->cap[4].csum_offset, 10);
    assert_int_equal(fx->cap[5].csum_flags, 0);
    for (unsigned k = 0; k < 6; k++)
        assert_frame(fx, fx->cap[k].data, 100, k + 1);
    assert_int_equal(fx->net.stats.rx_bad_csum, 0);

    /* The field past the frame, by one byte, or far (no 16-bit overflow):
     * dropped, counted, the buffer re-posted. */
    static const uint16_t bad[][2] = {{99, 0}, {98, 1}, {0, 99}, {0xffff, 0xffff}, {0xfffe, 0}, {0, 0xffff}};
    for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        o.flags = SIM_NET_HDR_F_NEEDS_CSUM;
        o.csum_start = bad[k][0];
        o.csum_offset = bad[k][1];
        dev_rx(fx, 100, 7, &o);
    }
    assert_int_equal(virtio_net_poll(&fx->net, 64), 0);
    assert_int_equal(fx->ncap, 6);
    assert_int_equal(fx->net.stats.rx_bad_csum, 6);
    assert_int_equal(fx->net.stats.rx_frames, 6);
    assert_int_equal(dev_rx_bufs(fx), nrx);
    assert_rx_bufs_distinct(fx);
}

/* Without GUEST_CSUM (not offered, or refused) the device must write flags
 * 0; one that does not is ignored: nothing is trusted, nothing dropped. */
static void test_rx_csum_flags_ignored_without_guest_csum(void **state)
{
    struct nfix *fx = *state;

    for (unsigned k = 0; k < 2; k++) {
        struct virtio_net_config cfg = cfg_for(fx);
        struct sim_net_rx_opts o;

        cfg.disable_features = k ? F_GCSUM : 0;
        up_cfg(state, k ? F_ALL | F_GCSUM | F_CSUM : F_ALL, 64, &cfg);
        assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_CSUM));
        memset(&o, 0, sizeof(o));
        o.flags = SIM_NET_HDR_F_DATA_VALID;
        dev_rx(fx, 100, 1, &o);
        o.flags = SIM_NET_HDR_F_NEEDS_CSUM;
        o.csum_start = 34;
        o.csum_offset = 6;
        dev_rx(fx, 100, 2, &o);
        o.csum_start = 0xffff; /* out of range, but not looked at */
        dev_rx(fx, 100, 3, &o);
        assert_int_equal(virtio_net_poll(&fx->net, 64), 3);
        for (unsigned i = 0; i < 3; i++)
            assert_int_equal(fx->cap[i].csum_flags, 0);
        assert_int_equal(fx->net.stats.rx_bad_csum, 0);
        assert_true(down(fx));
    }
}

/* Fill a pool buffer with a frame of len bytes and a partial checksum
 * field at (start, offset) from the Ethernet header holding `partial`. */
static struct netbuf *partial_frame(struct nfix *fx, uint32_t len, uint32_t seed, uint16_t start, uint16_t offset,
                                    uint16_t partial)
{
    struct netbuf *nb = virtio_net_tx_alloc(&fx->net);

    assert_non_null(nb);
    assert_int_equal(nb->csum_flags, 0);
    make_frame(fx, netbuf_data(nb), len, seed);
    nb->len = (uint16_t)len;
    if ((uint32_t)start + offset + 2u <= len) {
        netbuf_data(nb)[start + offset] = (uint8_t)(partial >> 8);
        netbuf_data(nb)[start + offset + 1] = (uint8_t)partial;
    }
    nb->csum_flags = NETBUF_CSUM_PARTIAL;
    nb->csum_start = (uint16_t)(nb->off + start);
    nb->csum_offset = offset;
    return nb;
}

/* CSUM: a partial checksum leaves with NEEDS_CSUM and the offsets from the
 * Ethernet header, the frame as the stack wrote it; in both layouts (the
 * header alone in a descriptor on legacy without ANY_LAYOUT). */
static void test_tx_csum_offload(void **state)
{
    struct nfix *fx = *state;
    static const uint64_t feats[] = {F_ALL | F_CSUM, F_MAC | F_CSUM, F_MAC | F_CSUM | F_IND};

    for (unsigned k = 0; k < 3; k++) {
        const struct sim_net_frame *f;
        uint8_t want[SIM_NET_FRAME_MAX];

        up(state, feats[k], 64);
        assert_true(virtio_net_tx_csum(&fx->net));
        assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 300, k, 34, 6, 0x1234)), 0);
        /* A runt: padded, the field still inside; the padding (zeros) does
         * not change the sum the device computes to the end. */
        assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 42, k, 34, 6, 0x4321)), 0);
        assert_int_equal(send(fx, 100, k), 0); /* no metadata: flags 0 */
        virtio_net_flush(&fx->net);
        assert_int_equal(sim_net_tx_run(fx->model), 3);
        assert_int_equal(fx->model->ntx, 3);
        f = &fx->model->tx[0];
        assert_int_equal(f->hdr_flags, SIM_NET_HDR_F_NEEDS_CSUM);
        assert_int_equal(f->csum_start, 34);
        assert_int_equal(f->csum_offset, 6);
        assert_int_equal(f->len, 300);
        make_frame(fx, want, 300, k);
        want[40] = 0x12;
        want[41] = 0x34;
        assert_memory_equal(f->data, want, 300); /* the driver left the field alone */
        f = &fx->model->tx[1];
        assert_int_equal(f->hdr_flags, SIM_NET_HDR_F_NEEDS_CSUM);
        assert_int_equal(f->csum_start, 34);
        assert_int_equal(f->len, 60);
        assert_int_equal(f->data[40], 0x43);
        assert_int_equal(f->data[41], 0x21);
        f = &fx->model->tx[2];
        assert_int_equal(f->hdr_flags, 0);
        assert_int_equal(f->csum_start, 0);
        assert_int_equal(fx->net.stats.tx_csum_sw, 0);
        virtio_net_poll(&fx->net, 0);
        assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
        assert_true(down(fx));
    }
}

/* A partial checksum whose field is not inside the frame is refused and
 * counted; the buffer goes home. */
static void test_tx_csum_bad_offsets(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_CSUM, 64);
    struct netbuf *nb;

    assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 100, 1, 99, 0, 0)), VIRTIO_EINVAL);
    assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 100, 1, 92, 7, 0)), VIRTIO_EINVAL);
    assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 100, 1, 0, 0xffff, 0)), VIRTIO_EINVAL);
    nb = partial_frame(fx, 100, 1, 34, 6, 0);
    nb->csum_start = (uint16_t)(nb->off - 1); /* before the Ethernet header */
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_EINVAL);
    nb = partial_frame(fx, 100, 1, 34, 6, 0);
    nb->csum_start = 0xffff;
    assert_int_equal(virtio_net_tx(&fx->net, nb), VIRTIO_EINVAL);
    assert_int_equal(fx->net.stats.tx_bad_csum, 5);
    /* the last two bytes: fine */
    assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 100, 1, 98, 0, 0)), 0);
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 1);
    assert_int_equal(fx->model->tx[0].csum_start, 98);
    virtio_net_poll(&fx->net, 0);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
    assert_int_equal(fx->net.stats.tx_frames, 1);
}

/* Without CSUM the driver finishes a partial checksum itself: flags 0 on
 * the wire, the checksum complete; a sum of 0 goes out as 0xffff. */
static void test_tx_csum_software(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);
    const struct sim_net_frame *f;
    struct netbuf *nb;

    cfg.disable_features = F_CSUM;
    up_cfg(state, F_ALL | F_CSUM, 64, &cfg);
    assert_false(virtio_net_tx_csum(&fx->net));
    assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 301, 1, 34, 6, 0x1234)), 0); /* odd length */
    assert_int_equal(virtio_net_tx(&fx->net, partial_frame(fx, 42, 2, 34, 6, 0x0011)), 0);  /* a runt */
    nb = partial_frame(fx, 60, 3, 34, 6, 0xffff);
    memset(netbuf_data(nb) + 34, 0, 26); /* the field's 0xffff alone: the sum is 0 */
    netbuf_data(nb)[40] = 0xff;
    netbuf_data(nb)[41] = 0xff;
    assert_int_equal(virtio_net_tx(&fx->net, nb), 0);
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 3);
    f = &fx->model->tx[0];
    assert_int_equal(f->hdr_flags, 0);
    assert_int_equal(f->len, 301);
    assert_true(finished_ok(f->data + 34, 301 - 34, 0x1234));
    f = &fx->model->tx[1];
    assert_int_equal(f->len, 60);
    assert_true(finished_ok(f->data + 34, 60 - 34, 0x0011));
    f = &fx->model->tx[2];
    assert_int_equal(f->data[40], 0xff);
    assert_int_equal(f->data[41], 0xff);
    assert_int_equal(fx->net.stats.tx_csum_sw, 3);
}

/* ---- review findings ------------------------------------------------------------- */

/* 5.1.6.4.2: "If VIRTIO_NET_HDR_F_NEEDS_CSUM bit in flags is not set or if
 * VIRTIO_NET_HDR_F_RSC_INFO bit flags is set, the driver MUST NOT use the
 * csum_start and csum_offset."  With RSC_INFO those fields count coalesced
 * segments and duplicate ACKs: the partial checksum cannot be located, so
 * the frame is dropped like one whose field lies outside it. */
static void test_rx_csum_rsc_info(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_GCSUM, 64);
    unsigned nrx = fx->net.nrx;
    struct sim_net_rx_opts o = {.flags = SIM_NET_HDR_F_NEEDS_CSUM | 0x04 /* RSC_INFO */,
                                .csum_start = 34, .csum_offset = 6};

    dev_rx(fx, 100, 1, &o);
    dev_rx(fx, 100, 2, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_int_equal(fx->ncap, 1);
    assert_int_equal(fx->cap[0].csum_flags, 0);
    assert_frame(fx, fx->cap[0].data, 100, 2);
    assert_int_equal(fx->net.stats.rx_bad_csum, 1);
    assert_int_equal(dev_rx_bufs(fx), nrx);
}

/* 2.5.1: "Drivers MUST NOT assume reads from fields greater than 32 bits
 * wide are atomic": the 6-byte MAC is read under one ConfigGeneration (or,
 * legacy, until two reads agree), so a device that changes it in the middle
 * of the read yields the old address or the new one, never half of each. */
static void test_mac_read_consistent(void **state)
{
    static const uint8_t new_mac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
    struct nfix *fx = *state;

    for (unsigned at = 2; at <= 6; at++) {
        struct virtio_net_config cfg = cfg_for(fx);
        uint8_t m[6];

        create(state, F_ALL, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
        fx->sim->fault.cfg_change_at = fx->sim->config_reads + at;
        fx->sim->fault.cfg_change_off = 0;
        fx->sim->fault.cfg_change_len = 6;
        memcpy(fx->sim->fault.cfg_change_bytes, new_mac, 6);
        assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
        fx->inited = true;
        assert_int_equal(fx->sim->fault.cfg_change_at, 0); /* the change happened during init */
        virtio_net_mac(&fx->net, m);
        if (memcmp(m, dev_mac, 6) != 0 && memcmp(m, new_mac, 6) != 0)
            fail_msg("change before config read %u: MAC %02x:%02x:%02x:%02x:%02x:%02x is neither", at, m[0], m[1],
                     m[2], m[3], m[4], m[5]);
        assert_int_equal(fx->net.stats.mac_invalid, 0);
        assert_true(down(fx));
    }
}

/* A link change must not be lost to a reset: virtio_net_link_changed() is
 * the caller's cue to re-read the link (apps/netapp.c), and a
 * re-initialisation that re-reads the status itself must leave that cue. */
static void test_link_change_across_reset(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    assert_true(virtio_net_link_up(&fx->net));
    /* Down, announced; the device asks for a reset before the caller looked. */
    sim_net_set_status(fx->model, 0, true);
    sim_run_irqs();
    assert_true(virtio_net_link_changed(&fx->net));
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_true(virtio_net_link_changed(&fx->net));
    assert_false(virtio_net_link_up(&fx->net));
    assert_false(virtio_net_link_changed(&fx->net));
    /* Up again while the device waits for its reset (no config change
     * notification: the DEVICE_NEEDS_RESET one stands for it). */
    sim_net_set_status(fx->model, VIRTIO_NET_S_LINK_UP, false);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_true(virtio_net_link_changed(&fx->net));
    assert_true(virtio_net_link_up(&fx->net));
}

/* MRG_RXBUF: a merged frame whose first buffer holds the header but is too
 * short to be a frame (a device that did not fill it, 5.1.6.3.2) is still a
 * merged frame: its tails are dropped with it, not handed up as frames of
 * their own (bytes from the middle of a packet, read as a header and an
 * Ethernet frame). */
static void test_num_buffers_short_head(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);
    unsigned nrx = fx->net.nrx, hl = fx->net.hdr_len;
    struct sim_net_rx_opts o = {.nbufs = 3, .force_len = true, .used_len = hl + 5};

    assert_true(fx->net.mergeable);
    dev_rx(fx, 2000, 1, &o);
    dev_rx(fx, 100, 2, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
    assert_int_equal(fx->ncap, 1);
    assert_frame(fx, fx->cap[0].data, 100, 2);
    assert_int_equal(fx->net.stats.rx_merged_dropped, 1);
    assert_int_equal(fx->net.skip_bufs, 0);
    assert_int_equal(dev_rx_bufs(fx), nrx);
}

/* virtio_net_pending() is the owning thread's idle test and cfg.wake its
 * cue: a transmit on another thread that finds the TX ring broken makes
 * pending() true, so it must wake the owner too - or the owner, idle after
 * pending() said false, sleeps on while every transmit fails. */
static void test_tx_ring_broken_wakes_owner(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);

    cfg.tx_queue_size = 16;
    up_cfg(state, F_ALL, 64, &cfg);
    fx->model->hold_tx = true;
    for (unsigned k = 0; k < 16; k++)
        assert_int_equal(send(fx, 100, k), 0);
    virtio_net_flush(&fx->net);
    assert_int_equal(sim_net_tx_run(fx->model), 16);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 999; /* out of range */
    assert_int_equal(sim_net_tx_complete(fx->model, 1), 1);
    assert_false(virtio_net_pending(&fx->net)); /* the owner goes idle */
    unsigned wakes = fx->wakes;
    /* Another thread: the ring is full, the reclaim meets the bad entry. */
    assert_int_not_equal(send(fx, 100, 99), 0);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(fx->wakes, wakes + 1);
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_int_equal(tx_pool(fx), VIRTIO_NET_TX_BUFS);
}


/* ---- control queue and announcements (5.1.6.5) ------------------------------- */

static unsigned ctrl_waits;
static void count_ctrl_wait(void *arg)
{
    (void)arg;
    ctrl_waits++;
}

/* CTRL_VQ offered: queue 2 set up, commands framed as 5.1.6.5 wants (class
 * and command alone, the data after, the ack byte last and writable), the
 * device's ERR reported and counted; a command with data too. */
static void test_ctrl_vq(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_CTRL, 256);
    static const uint8_t data[6] = {1, 2, 3, 4, 5, 6};

    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_CTRL_VQ));
    assert_non_null(fx->net.ctrlq);
    assert_true(fx->sim->vq[SIM_NET_CTRLQ].ready);
    assert_int_equal(virtqueue_index(fx->net.ctrlq), 2);
    assert_int_equal(virtqueue_size(fx->net.ctrlq), VIRTIO_NET_CTRL_QUEUE_SIZE);
    /* QEMU answers ERR to an ANNOUNCE_ACK with nothing announced. */
    assert_int_equal(virtio_net_ctrl(&fx->net, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                     VIRTIO_EIO);
    assert_int_equal(fx->model->ctrl_cmds, 1);
    assert_int_equal(fx->model->ctrl_class, VIRTIO_NET_CTRL_ANNOUNCE);
    assert_int_equal(fx->model->ctrl_cmd, VIRTIO_NET_CTRL_ANNOUNCE_ACK);
    assert_int_equal(fx->model->ctrl_data_len, 0);
    assert_int_equal(fx->net.stats.ctrl_cmds, 1);
    assert_int_equal(fx->net.stats.ctrl_err, 1);
    /* A command with data: in a descriptor of its own. */
    assert_int_equal(virtio_net_ctrl(&fx->net, 1, 1, data, sizeof(data)), VIRTIO_EIO);
    assert_int_equal(fx->model->ctrl_cmds, 2);
    assert_int_equal(fx->model->ctrl_class, 1);
    assert_int_equal(fx->model->ctrl_data_len, sizeof(data));
    assert_int_equal(fx->net.stats.ctrl_err, 2);
    assert_int_equal(fx->model->ctrl_bad_chain, 0);
    /* More data than the buffer holds: refused before anything is posted. */
    static uint8_t big[VIRTIO_NET_CTRL_DATA_MAX + 1];
    assert_int_equal(virtio_net_ctrl(&fx->net, 1, 1, big, sizeof(big)), VIRTIO_EINVAL);
    assert_int_equal(fx->model->ctrl_cmds, 2);
    assert_int_equal(fx->net.stats.ctrl_bad_ack + fx->net.stats.ctrl_bad_len + fx->net.stats.ctrl_timeouts, 0);
    /* The data path is not disturbed. */
    fx->mode = RX_RELEASE;
    dev_rx(fx, 100, 1, NULL);
    assert_int_equal(virtio_net_poll(&fx->net, 64), 1);
}

/* No control queue unless CTRL_VQ is negotiated: not offered (a device with
 * two queues), or refused by cfg.disable_features; GUEST_ANNOUNCE is never
 * accepted without CTRL_VQ, nor without STATUS (5.1.3.1). */
static void test_ctrl_vq_absent(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_ANN, 256);

    assert_null(fx->net.ctrlq);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_CTRL_VQ));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_int_equal(virtio_net_ctrl(&fx->net, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                     VIRTIO_ENOTSUP);
    assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_ENOTSUP);
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_up(&fx->net));
    assert_false(virtio_net_announce_wanted(&fx->net));
    assert_int_equal(fx->net.stats.announce_requests, 0);
    assert_true(down(fx));

    /* Offered, refused: the queue is never set up. */
    struct virtio_net_config cfg = cfg_for(fx);
    cfg.disable_features = F_CTRL;
    fx = up_cfg(state, F_ALL | F_CTRL | F_ANN, 256, &cfg);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_CTRL_VQ));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_null(fx->net.ctrlq);
    assert_false(fx->sim->vq[SIM_NET_CTRLQ].ready);
    assert_int_equal(fx->sim->vq[SIM_NET_CTRLQ].notifies, 0);
    assert_true(down(fx));

    /* GUEST_ANNOUNCE without STATUS: no status field to read it from. */
    fx = up(state, F_MAC | F_CTRL | F_ANN, 256);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_CTRL_VQ));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_non_null(fx->net.ctrlq);
    assert_true(down(fx));

    /* guest_announce=off alone keeps the queue. */
    cfg = cfg_for(fx);
    cfg.disable_features = F_ANN;
    fx = up_cfg(state, F_ALL | F_CTRL | F_ANN, 256, &cfg);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_CTRL_VQ));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_changed(&fx->net));
    assert_true(virtio_net_link_up(&fx->net));
    assert_false(virtio_net_announce_wanted(&fx->net));
    assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_ENOTSUP);
    assert_int_equal(fx->model->ctrl_cmds, 0);
}

/* The device asks (VIRTIO_NET_S_ANNOUNCE with a config interrupt): the
 * request reaches the caller through the link's path, the ack clears the
 * device's bit (QEMU's virtio_net_handle_announce) and the request. */
static void test_announce(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_CTRL | F_ANN, 256);

    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_false(virtio_net_announce_wanted(&fx->net));
    unsigned wakes = fx->wakes;
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_int_equal(fx->wakes, wakes + 1);
    assert_true(virtio_net_link_changed(&fx->net));
    assert_true(virtio_net_link_up(&fx->net)); /* the link is as it was */
    assert_true(virtio_net_announce_wanted(&fx->net));
    assert_int_equal(fx->net.stats.announce_requests, 1);
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_false(virtio_net_announce_wanted(&fx->net));
    assert_int_equal(fx->net.stats.announce_acked, 1);
    assert_int_equal(fx->model->ctrl_acks, 1);
    assert_int_equal(sim_net_status(fx->model) & SIM_NET_S_ANNOUNCE, 0);
    assert_int_equal(fx->net.stats.ctrl_cmds, 1);
    assert_int_equal(fx->net.stats.ctrl_err, 0);
    /* A config change without the bit: nothing to announce. */
    sim_net_set_status(fx->model, VIRTIO_NET_S_LINK_UP, true);
    sim_run_irqs();
    assert_true(virtio_net_link_up(&fx->net));
    assert_false(virtio_net_announce_wanted(&fx->net));
    /* Again (QEMU's announce_self has rounds), with the link going down. */
    sim_net_set_status(fx->model, SIM_NET_S_ANNOUNCE, true);
    sim_run_irqs();
    assert_false(virtio_net_link_up(&fx->net));
    assert_true(virtio_net_announce_wanted(&fx->net));
    assert_int_equal(fx->net.stats.announce_requests, 2);
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_int_equal(fx->net.stats.announce_acked, 2);
    /* An ack the device did not ask for: ERR, and the request stays clear. */
    assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_EIO);
    assert_int_equal(fx->net.stats.ctrl_err, 1);
    assert_int_equal(fx->net.stats.announce_acked, 2);
    assert_false(virtio_net_announce_wanted(&fx->net));
}

/* The ack byte must be exactly VIRTIO_NET_OK or VIRTIO_NET_ERR: anything
 * else (garbage, or the byte never written) fails the command. */
static void test_ctrl_bad_ack(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_CTRL | F_ANN, 256);
    static const uint8_t junk[] = {2, 0x80, 0xfe, 0xff};

    fx->model->ctrl_mode = SIM_NET_CTRL_JUNK;
    for (unsigned i = 0; i < sizeof(junk); i++) {
        fx->model->ctrl_junk = junk[i];
        sim_net_announce(fx->model);
        sim_run_irqs();
        assert_true(virtio_net_link_up(&fx->net));
        assert_true(virtio_net_announce_wanted(&fx->net));
        assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_EIO);
        assert_int_equal(fx->net.stats.ctrl_bad_ack, i + 1);
        assert_false(virtio_net_announce_wanted(&fx->net));
    }
    assert_int_equal(fx->net.stats.announce_acked, 0);
    assert_int_equal(fx->net.stats.ctrl_err, 0);
    /* An honest device again: OK. */
    fx->model->ctrl_mode = SIM_NET_CTRL_QEMU;
    sim_run_irqs();
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_int_equal(fx->net.stats.announce_acked, 1);
    assert_int_equal(virtio_net_check(&fx->net), 0); /* no reset needed */
}

/* The used length must be the one ack byte: 0 (the ack not written) fails
 * the command; more than the writable byte breaks the queue (the ring
 * refuses it) and a reset recovers it, the control queue with the others. */
static void test_ctrl_bad_len(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_CTRL | F_ANN, 256);
    unsigned resets = fx->sim->resets;

    fx->model->ctrl_mode = SIM_NET_CTRL_LEN;
    fx->model->ctrl_len = 0;
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_up(&fx->net));
    assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_EIO);
    assert_int_equal(fx->net.stats.ctrl_bad_len, 1);
    assert_int_equal(fx->net.stats.announce_acked, 0);
    assert_false(virtqueue_is_broken(fx->net.ctrlq));

    fx->model->ctrl_len = 2;
    assert_int_equal(virtio_net_ctrl(&fx->net, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                     VIRTIO_EIO);
    if (fx->packed) {
        /* A packed used descriptor without WRITE: a length beyond the
         * writable bytes is ignored by the ring (virtqueue.c), read as 0. */
        assert_false(virtqueue_is_broken(fx->net.ctrlq));
        assert_int_equal(fx->net.stats.ctrl_bad_len, 2);
        sim_virtio_set_needs_reset(fx->sim);
        sim_run_irqs();
    } else {
        assert_true(virtqueue_is_broken(fx->net.ctrlq));
        assert_int_equal(fx->net.stats.ctrl_bad_len, 1);
    }
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_int_equal(fx->sim->resets, resets + 1);
    assert_false(virtqueue_is_broken(fx->net.ctrlq));
    assert_true(fx->sim->vq[SIM_NET_CTRLQ].ready);
    /* The control queue works after the reset. */
    fx->model->ctrl_mode = SIM_NET_CTRL_QEMU;
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_up(&fx->net));
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_int_equal(fx->net.stats.announce_acked, 1);

    /* A used id the ring refuses: the same. */
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 999;
    assert_int_equal(virtio_net_ctrl(&fx->net, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                     VIRTIO_EIO);
    assert_true(virtqueue_is_broken(fx->net.ctrlq));
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_int_equal(virtio_net_ctrl(&fx->net, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                     VIRTIO_EIO); /* answered ERR: nothing announced */
    assert_int_equal(fx->net.stats.ctrl_err, 1);
}

/* A device that never answers: the wait ends at cfg.ctrl_timeout_ns, having
 * called cfg.ctrl_wait meanwhile; the command stays the device's (the next
 * one is refused while it is out), its late answer is reaped by the next
 * command; a reset takes back one that is never answered. */
static void test_ctrl_timeout(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);

    cfg.ctrl_wait = count_ctrl_wait;
    cfg.ctrl_timeout_ns = 200000; /* 200 reads of the simulated clock */
    fx = up_cfg(state, F_ALL | F_CTRL | F_ANN, 256, &cfg);
    fx->model->ctrl_mode = SIM_NET_CTRL_SILENT;
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_up(&fx->net));
    ctrl_waits = 0;
    unsigned long reads = sim_time_reads();
    assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_ETIMEDOUT);
    assert_int_equal(fx->net.stats.ctrl_timeouts, 1);
    assert_true(ctrl_waits > 10);
    /* Bounded by ctrl_timeout_ns: the clock (1 us a read) read about 200
     * times, not more. */
    assert_true(sim_time_reads() - reads < 1000);
    assert_int_equal(fx->model->ctrl_cmds, 1);
    /* Still out: the next command waits for it. */
    assert_int_equal(virtio_net_ctrl(&fx->net, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                     VIRTIO_EBUSY);
    assert_int_equal(fx->model->ctrl_cmds, 1);
    /* The late answer comes; the next command reaps it and goes out. */
    fx->model->ctrl_mode = SIM_NET_CTRL_QEMU;
    assert_int_equal(sim_net_ctrl_answer(fx->model), 1);
    assert_int_equal(virtio_net_ctrl(&fx->net, VIRTIO_NET_CTRL_ANNOUNCE, VIRTIO_NET_CTRL_ANNOUNCE_ACK, NULL, 0),
                     VIRTIO_EIO); /* the late ack cleared the bit: ERR */
    assert_int_equal(fx->net.stats.ctrl_late, 1);
    assert_int_equal(fx->model->ctrl_cmds, 2);
    assert_int_equal(fx->model->ctrl_acks, 1);

    /* Never answered: a reset cancels it and the queue is usable again. */
    fx->model->ctrl_mode = SIM_NET_CTRL_SILENT;
    assert_int_equal(virtio_net_ctrl(&fx->net, 1, 1, NULL, 0), VIRTIO_ETIMEDOUT);
    assert_int_equal(fx->net.stats.ctrl_timeouts, 2);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
    struct vq_stats st;
    virtqueue_get_stats(fx->net.ctrlq, &st);
    assert_int_equal(st.cancelled, 1);
    fx->model->ctrl_mode = SIM_NET_CTRL_QEMU;
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_up(&fx->net));
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_int_equal(fx->net.stats.ctrl_late, 1);

    /* A late answer the ring refuses: the next command says so and asks
     * for the reset (not VIRTIO_EBUSY for ever); after it, all is well. */
    fx->model->ctrl_mode = SIM_NET_CTRL_SILENT;
    assert_int_equal(virtio_net_ctrl(&fx->net, 1, 1, NULL, 0), VIRTIO_ETIMEDOUT);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 999;
    assert_int_equal(sim_net_ctrl_answer(fx->model), 1);
    assert_int_equal(virtio_net_ctrl(&fx->net, 1, 1, NULL, 0), VIRTIO_EIO);
    assert_true(virtio_net_pending(&fx->net));
    assert_int_equal(virtio_net_check(&fx->net), 1);
    fx->model->ctrl_mode = SIM_NET_CTRL_QEMU;
    assert_int_equal(virtio_net_ctrl(&fx->net, 1, 1, NULL, 0), VIRTIO_EIO); /* QEMU's ERR: answered */
    assert_int_equal(fx->net.stats.ctrl_late, 1);
}

/* A request the device made before a reset is read again after it (the
 * re-initialisation marks the config for a re-read, as for the link), and
 * the control queue is set up again with the others. */
static void test_announce_across_reset(void **state)
{
    struct nfix *fx = up(state, F_ALL | F_CTRL | F_ANN, 64);

    sim_net_set_status(fx->model, VIRTIO_NET_S_LINK_UP | SIM_NET_S_ANNOUNCE, false);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    /* Nothing is sent to a device that waits for its reset. */
    assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_EBUSY);
    assert_int_equal(fx->model->ctrl_cmds, 0);
    assert_int_equal(fx->sim->vq[SIM_NET_CTRLQ].notifies, 0);
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_true(fx->sim->vq[SIM_NET_CTRLQ].ready);
    assert_true(virtio_net_link_changed(&fx->net));
    assert_true(virtio_net_link_up(&fx->net));
    assert_true(virtio_net_announce_wanted(&fx->net));
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_int_equal(fx->model->ctrl_acks, 1);
}

/* A device that offers CTRL_VQ only after a reset gets no control queue:
 * the queues are those init set up (CTRL_VQ and GUEST_ANNOUNCE declined). */
static void test_ctrl_vq_offered_after_reset(void **state)
{
    struct nfix *fx = up(state, F_ALL, 64);

    fx->sim->dev_features |= F_CTRL | F_ANN;
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_int_equal(virtio_net_check(&fx->net), 1);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_CTRL_VQ));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_null(fx->net.ctrlq);
    assert_int_equal(virtio_net_ctrl(&fx->net, 1, 1, NULL, 0), VIRTIO_ENOTSUP);
}

/* A device without dma-coherent: the command and its ack go through the
 * simulated cache (the ack line invalidated before it is read). */
static void test_ctrl_non_coherent(void **state)
{
    struct nfix *fx = *state;
    struct virtio_net_config cfg = cfg_for(fx);

    sim_cache_model(true);
    create(state, F_ALL | F_CTRL | F_ANN, 64, dev_mac, VIRTIO_NET_S_LINK_UP);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false, &cfg), 0);
    fx->inited = true;
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_up(&fx->net));
    assert_true(virtio_net_announce_wanted(&fx->net));
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_int_equal(fx->model->ctrl_class, VIRTIO_NET_CTRL_ANNOUNCE);
    assert_int_equal(fx->model->ctrl_acks, 1);
    assert_int_equal(virtio_net_announce_ack(&fx->net), VIRTIO_EIO); /* ERR read through the cache */
    assert_int_equal(fx->net.stats.ctrl_err, 1);
    assert_int_equal(fx->net.stats.ctrl_bad_ack, 0);
    assert_int_equal(sim_cache_unsynced(), 0);
    assert_true(sim_cache_model_ok());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        NET_TEST(test_mac_and_link),
        NET_TEST(test_no_status_link_up),
        NET_TEST(test_random_mac),
        NET_TEST(test_mac_invalid),
        NET_TEST(test_header_layouts),
        NET_TEST(test_mtu),
        NET_TEST(test_mtu_after_reset),
        NET_TEST(test_rx_byte_exact),
        NET_TEST(test_rx_zero_copy),
        NET_TEST(test_rx_ring_kept_full),
        NET_TEST(test_rx_short),
        NET_TEST(test_rx_len_beyond_buffer),
        NET_TEST(test_num_buffers),
        NET_TEST(test_num_buffers_ignored_without_mrg),
        NET_TEST(test_tx_padding),
        NET_TEST(test_tx_ring_full_and_reclaim),
        NET_TEST(test_tx_pool_exhausted),
        NET_TEST(test_tx_double_release),
        NET_TEST(test_tx_used_len),
        NET_TEST(test_inplace_reply),
        NET_TEST(test_poll_answers_before_reaping),
        NET_TEST(test_tx_foreign_buffer),
        NET_TEST(test_tx_foreign_buffer_any_slot),
        NET_TEST(test_tx_released_meanwhile),
        NET_TEST(test_tx_release_after_add),
        NET_TEST(test_inplace_reply_misuse),
        NET_TEST(test_shutdown_with_tx_in_flight),
        NET_TEST(test_shutdown_unstoppable_keeps_buffers),
        NET_TEST(test_budget),
        NET_TEST(test_budget_counts_dropped),
        NET_TEST(test_rearm_race),
        NET_TEST(test_rearm_race_at_budget),
        NET_TEST(test_broken_ring_reset),
        NET_TEST(test_needs_reset),
        NET_TEST(test_reset_renegotiates_layout),
        NET_TEST(test_reset_forgets_merged_tail),
        NET_TEST(test_reset_fails),
        NET_TEST(test_init_failures),
        NET_TEST(test_queue_sizes),
        NET_TEST(test_non_coherent),
        NET_TEST(test_no_irq_polled),
        NET_TEST(test_no_irq_needs_reset),
        NET_TEST(test_non_coherent_model),
        NET_TEST(test_coherent_no_cache_ops),
        NET_TEST(test_rx_fill_in_steps),
        NET_TEST(test_rx_fill_after_replies),
        NET_TEST(test_rx_fill_out_of_memory),
        NET_TEST(test_rx_fill_across_reset),
        NET_TEST(test_rx_fill_non_coherent),
        NET_TEST(test_irq_after_first_poll),
        NET_TEST(test_csum_negotiation),
        NET_TEST(test_rx_csum_flags),
        NET_TEST(test_rx_csum_flags_ignored_without_guest_csum),
        NET_TEST(test_tx_csum_offload),
        NET_TEST(test_tx_csum_bad_offsets),
        NET_TEST(test_tx_csum_software),
        NET_TEST(test_rx_csum_rsc_info),
        NET_TEST(test_mac_read_consistent),
        NET_TEST(test_link_change_across_reset),
        NET_TEST(test_num_buffers_short_head),
        NET_TEST(test_tx_ring_broken_wakes_owner),
        NET_TEST(test_ctrl_vq),
        NET_TEST(test_ctrl_vq_absent),
        NET_TEST(test_announce),
        NET_TEST(test_ctrl_bad_ack),
        NET_TEST(test_ctrl_bad_len),
        NET_TEST(test_ctrl_timeout),
        NET_TEST(test_announce_across_reset),
        NET_TEST(test_ctrl_vq_offered_after_reset),
        NET_TEST(test_ctrl_non_coherent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
