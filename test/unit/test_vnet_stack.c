/*
 * test_vnet_stack.c - checksum offload end to end: the virtio-net driver
 * (drivers/virtio/virtio_net.c) under the IP stack (net/), wired as the
 * demo firmware wires them (apps/netapp.c: NETIF_OFFLOAD_TX_CSUM when the
 * driver negotiated VIRTIO_NET_F_CSUM), against the simulated device and
 * its net model, on both transport versions; and a guest announcement
 * (VIRTIO_NET_F_GUEST_ANNOUNCE) the same way: the stack's gratuitous ARP
 * on the TX ring, then the driver's ack on the control queue.
 *
 * The simulated device writes the virtio-net header of each received frame
 * (NEEDS_CSUM with csum_start/csum_offset, DATA_VALID) and the model
 * records the header of each transmitted one; frames and checksums are
 * built and checked here with code of this file's own.  What is asserted:
 * a partial UDP checksum (what the host's sockets send over a TAP) is
 * accepted and its echo carries a complete checksum, or NEEDS_CSUM with
 * csum_start/csum_offset at the UDP checksum and the pseudo-header sum in
 * it; DATA_VALID skips the UDP check (a wrong checksum is accepted, and the
 * reply's is right), without it the frame is dropped and counted; a
 * csum_start/csum_offset past the frame is dropped by the driver, one
 * inside it but not at the UDP checksum by the stack, each counted; ICMP
 * echo to a partial checksum answered complete; sendto offloaded; with the
 * features refused nothing is negotiated, header flags the device sets
 * anyway are ignored and every frame leaves complete with flags 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "netif.h"
#include "sim_fixture.h"
#include "sim_net.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "udp.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"

#define B(n) VIRTIO_BIT(n)
#define F_BASE (B(VIRTIO_NET_F_MAC) | B(VIRTIO_NET_F_STATUS) | B(VIRTIO_NET_F_MRG_RXBUF) | \
                B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_EVENT_IDX) | B(VIRTIO_F_ANY_LAYOUT))
#define F_CSUM B(VIRTIO_NET_F_CSUM)
#define F_GCSUM B(VIRTIO_NET_F_GUEST_CSUM)

#define OUR_IP 0x0a00020fu  /* 10.0.2.15 */
#define PEER_IP 0x0a000203u /* 10.0.2.3 */

static const uint8_t dev_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t peer_mac[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};

struct efix {
    uint32_t version;
    struct sim_virtio *sim;
    struct sim_net *model;
    struct virtio_net net;
    struct netif nif;
    bool inited;
};

/* ---- the wiring (as apps/netapp.c) ------------------------------------------- */

static void rx_up(void *arg, struct netbuf *nb)
{
    netif_input(&((struct efix *)arg)->nif, nb);
}

static int drv_output(struct netif *n, struct netbuf *nb)
{
    return virtio_net_tx(n->driver, nb);
}

static struct netbuf *drv_tx_alloc(struct netif *n)
{
    return virtio_net_tx_alloc(n->driver);
}

static const struct netif_ops ops = {.output = drv_output, .tx_alloc = drv_tx_alloc};

static int esetup(void **state)
{
    struct efix *fx = calloc(1, sizeof(*fx));

    if (!fx)
        return -1;
    sim_plat_reset();
    fx->version = *(uint32_t *)*state;
    *state = fx;
    return 0;
}

/* Shut the driver down and destroy the device; false when the model or
 * the simulated device saw anything wrong.  The fixture can go up again. */
static bool down(struct efix *fx)
{
    bool ok = true;

    if (fx->inited) {
        netif_flush(&fx->nif);
        virtio_net_shutdown(&fx->net);
        fx->inited = false;
    }
    if (fx->model) {
        const struct sim_net *m = fx->model;
        if (m->tx_bad_hdr || m->tx_bad_csum || m->tx_short || m->rx_small || m->ctrl_bad_chain) {
            fprintf(stderr, "net model: tx_bad_hdr %u tx_bad_csum %u tx_short %u rx_small %u ctrl_bad_chain %u\n",
                    m->tx_bad_hdr, m->tx_bad_csum, m->tx_short, m->rx_small, m->ctrl_bad_chain);
            ok = false;
        }
        sim_net_destroy(fx->model);
        fx->model = NULL;
    }
    if (fx->sim) {
        if (fx->sim->violations) {
            fprintf(stderr, "sim violation: %s\n", fx->sim->last_violation);
            ok = false;
        }
        sim_virtio_destroy(fx->sim);
        fx->sim = NULL;
    }
    return ok;
}

static int eteardown(void **state)
{
    struct efix *fx = *state;
    bool ok = down(fx);

    free(fx);
    return sim_plat_finish() && ok ? 0 : -1;
}

/* The device offers `offered`; the driver refuses `refused`. */
static struct efix *up(void **state, uint64_t offered, uint64_t refused)
{
    struct efix *fx = *state;
    struct virtio_net_config cfg = {.rx = rx_up, .rx_arg = fx, .disable_features = refused};

    if (fx->version != 1)
        offered |= B(VIRTIO_F_VERSION_1);
    fx->sim = sim_virtio_create(fx->version, VIRTIO_ID_NET, offered, (offered & B(VIRTIO_NET_F_CTRL_VQ)) ? 3 : 2, 64);
    fx->model = sim_net_create(fx->sim, dev_mac, 1);
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
    fx->inited = true;
    netif_init(&fx->nif, fx->net.mac, &ops, &fx->net);
    fx->nif.offload = virtio_net_tx_csum(&fx->net) ? NETIF_OFFLOAD_TX_CSUM : 0;
    netif_set_ipv4(&fx->nif, OUR_IP, 0xffffff00u, 0);
    netif_set_link(&fx->nif, true); /* the announcement goes out */
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    fx->model->ntx = 0;
    return fx;
}

/* ---- frames, with checksum code of this file's own -------------------------------- */

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t s)
{
    for (size_t i = 0; i < len; i++)
        s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return s;
}

static uint16_t cks(const uint8_t *p, size_t len, uint32_t s) { return (uint16_t)~sum16(p, len, s); }

static uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
    return sum16(NULL, 0, (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len);
}

static void w16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t r16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Ethernet + IPv4 from the peer to us; returns the frame length. */
static size_t ip_frame(uint8_t *f, uint8_t proto, size_t l4len)
{
    memcpy(f, dev_mac, 6);
    memcpy(f + 6, peer_mac, 6);
    w16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    w16(ip + 2, 20 + l4len);
    ip[8] = 64;
    ip[9] = proto;
    w16(ip + 12, PEER_IP >> 16);
    w16(ip + 14, PEER_IP);
    w16(ip + 16, OUR_IP >> 16);
    w16(ip + 18, OUR_IP);
    w16(ip + 10, cks(ip, 20, 0));
    return 34 + l4len;
}

enum csum_mode { GOOD, WRONG, PARTIAL };

static void rx(struct efix *fx, const uint8_t *f, size_t n, uint8_t flags, uint16_t start, uint16_t offset);

/* The peer asks who we are: the stack learns its MAC (and answers). */
static void learn_peer(struct efix *fx)
{
    uint8_t f[60];
    uint8_t m[6];

    memset(f, 0, sizeof(f));
    memset(f, 0xff, 6);
    memcpy(f + 6, peer_mac, 6);
    w16(f + 12, 0x0806);
    w16(f + 14, 1);
    w16(f + 16, 0x0800);
    f[18] = 6;
    f[19] = 4;
    w16(f + 20, 1);
    memcpy(f + 22, peer_mac, 6);
    w16(f + 28, PEER_IP >> 16);
    w16(f + 30, PEER_IP);
    w16(f + 38, OUR_IP >> 16);
    w16(f + 40, OUR_IP);
    rx(fx, f, 42, 0, 0, 0);
    assert_true(net_arp_lookup(&fx->nif, PEER_IP, m));
    fx->model->ntx = 0;
}

static size_t udp_req(uint8_t *f, uint16_t sport, uint16_t dport, size_t len, enum csum_mode mode)
{
    uint8_t *u = f + 34;
    size_t ulen = 8 + len;

    w16(u, sport);
    w16(u + 2, dport);
    w16(u + 4, ulen);
    w16(u + 6, 0);
    for (size_t i = 0; i < len; i++)
        u[8 + i] = (uint8_t)(i * 5 + sport);
    uint32_t ps = pseudo(PEER_IP, OUR_IP, 17, ulen);
    if (mode == PARTIAL)
        w16(u + 6, ps);
    else
        w16(u + 6, (uint16_t)(cks(u, ulen, ps) ^ (mode == WRONG ? 0x0f0f : 0)));
    return ip_frame(f, 17, ulen);
}

static void rx(struct efix *fx, const uint8_t *f, size_t n, uint8_t flags, uint16_t start, uint16_t offset)
{
    struct sim_net_rx_opts o = {.flags = flags, .csum_start = start, .csum_offset = offset};

    assert_true(sim_net_rx(fx->model, f, (uint32_t)n, &o));
    sim_run_irqs();
    virtio_net_poll(&fx->net, 64);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    virtio_net_poll(&fx->net, 0); /* reclaim: the reply's buffer goes home */
}

/* A UDP reply the model recorded: to the peer, byte-exact payload of the
 * request `req`, and a checksum that is complete, or offloaded exactly as
 * 5.1.6.2 says (NEEDS_CSUM, csum_start at the UDP header, csum_offset 6,
 * the pseudo-header sum in the field), as expected. */
static void check_udp_reply(const struct sim_net_frame *t, const uint8_t *req, size_t n, bool offloaded)
{
    uint8_t f[SIM_NET_FRAME_MAX];
    size_t ulen = n - 34;

    assert_int_equal(t->len, n < 60 ? 60 : n);
    memcpy(f, t->data, t->len);
    assert_memory_equal(f, peer_mac, 6);
    assert_int_equal(cks(f + 14, 20, 0), 0);
    assert_int_equal(r16(f + 34), r16(req + 36));
    assert_int_equal(r16(f + 36), r16(req + 34));
    assert_int_equal(r16(f + 38), ulen);
    assert_memory_equal(f + 42, req + 42, ulen - 8);
    uint32_t ps = pseudo(OUR_IP, PEER_IP, 17, ulen);
    if (offloaded) {
        assert_int_equal(t->hdr_flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
        assert_int_equal(t->csum_start, 34);
        assert_int_equal(t->csum_offset, 6);
        assert_int_equal(r16(f + 40), (uint16_t)ps);
        /* what the device does: sum from csum_start to the end, store */
        w16(f + 40, 0);
        uint16_t c = cks(f + 34, t->len - 34, ps); /* padding: zeros */
        w16(f + 40, c ? c : 0xffff);
    } else {
        assert_int_equal(t->hdr_flags, 0);
    }
    assert_int_not_equal(r16(f + 40), 0);
    assert_int_equal(cks(f + 34, ulen, ps), 0);
}

#define E_TEST(f)                                      \
    {#f "/v1", f, esetup, eteardown, &vfix_v1},        \
    {                                                  \
        #f "/v2", f, esetup, eteardown, &vfix_v2       \
    }

/* ---- tests ---------------------------------------------------------------------- */

/* NEEDS_CSUM from the device (the host's sockets over a TAP): accepted; the
 * echo complete without CSUM, offloaded with it. */
static void test_partial_udp_echo(void **state)
{
    static const size_t sizes[] = {0, 1, 17, 200, 1472};
    uint8_t f[SIM_NET_FRAME_MAX];

    for (int offload = 1; offload >= 0; offload--) {
        struct efix *fx = up(state, F_BASE | F_CSUM | F_GCSUM, offload ? 0 : F_CSUM);

        assert_int_equal(fx->nif.offload, offload ? NETIF_OFFLOAD_TX_CSUM : 0);
        for (unsigned k = 0; k < 5; k++) {
            size_t n = udp_req(f, (uint16_t)(40000 + k), 7, sizes[k], PARTIAL);
            rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 6);
            assert_int_equal(fx->model->ntx, k + 1);
            check_udp_reply(&fx->model->tx[k], f, n, offload);
        }
        assert_int_equal(fx->nif.stats.rx_csum_partial, 5);
        assert_int_equal(fx->nif.stats.udp_echo_replied, 5);
        assert_int_equal(fx->nif.stats.tx_csum_offload, offload ? 5 : 0);
        assert_int_equal(fx->net.stats.tx_csum_sw, 0);
        assert_true(down(fx)); /* again, with the other setting */
    }
}

/* DATA_VALID: a wrong UDP checksum accepted (the device vouched); the
 * reply's checksum is right all the same.  Without it: dropped, counted. */
static void test_data_valid(void **state)
{
    uint8_t f[SIM_NET_FRAME_MAX];

    for (int offload = 1; offload >= 0; offload--) {
        struct efix *fx = up(state, F_BASE | F_CSUM | F_GCSUM, offload ? 0 : F_CSUM);
        size_t n = udp_req(f, 40000, 7, 100, WRONG);

        rx(fx, f, n, 0, 0, 0);
        assert_int_equal(fx->nif.stats.udp_bad_checksum, 1);
        assert_int_equal(fx->model->ntx, 0);
        rx(fx, f, n, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0);
        assert_int_equal(fx->nif.stats.rx_csum_valid, 1);
        assert_int_equal(fx->nif.stats.udp_bad_checksum, 1);
        assert_int_equal(fx->model->ntx, 1);
        check_udp_reply(&fx->model->tx[0], f, n, offload);
        /* a right one too: its checksum computed again (or offloaded), not kept */
        n = udp_req(f, 40001, 7, 33, GOOD);
        rx(fx, f, n, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0);
        check_udp_reply(&fx->model->tx[1], f, n, offload);
        /* the IPv4 header checksum is not covered */
        f[24] ^= 0x40;
        rx(fx, f, n, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0);
        assert_int_equal(fx->nif.stats.ip_bad_checksum, 1);
        assert_int_equal(fx->model->ntx, 2);
        assert_true(down(fx));
    }
}

/* csum_start/csum_offset are the device's word: past the frame, the
 * driver drops it; inside it but not at the UDP checksum, the stack. */
static void test_bad_offsets(void **state)
{
    struct efix *fx = up(state, F_BASE | F_CSUM | F_GCSUM, 0);
    uint8_t f[SIM_NET_FRAME_MAX];
    size_t n = udp_req(f, 40000, 7, 10, PARTIAL);
    unsigned nrx = fx->net.nrx;

    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, (uint16_t)(n - 1), 0);
    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, (uint16_t)(n - 34 - 1));
    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0xffff, 0xffff);
    assert_int_equal(fx->net.stats.rx_bad_csum, 3);
    assert_int_equal(fx->nif.stats.rx_frames, 0);
    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 24, 0); /* the IPv4 header checksum */
    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 4);
    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 36, 4);
    assert_int_equal(fx->nif.stats.udp_bad_partial, 3);
    assert_int_equal(fx->nif.stats.udp_echo_replied, 0);
    assert_int_equal(fx->model->ntx, 0);
    assert_int_equal(sim_net_rx_avail(fx->model), nrx); /* every buffer back */
}

/* ICMP echo with a partial checksum (0 in the field: no pseudo-header):
 * the reply is summed in full; ICMP is never offloaded. */
static void test_partial_icmp_echo(void **state)
{
    struct efix *fx = up(state, F_BASE | F_CSUM | F_GCSUM, 0);
    uint8_t f[SIM_NET_FRAME_MAX];
    uint8_t *m = f + 34;
    size_t len = 8 + 300;

    m[0] = 8;
    m[1] = 0;
    w16(m + 2, 0);
    w16(m + 4, 0x1234);
    w16(m + 6, 1);
    for (size_t i = 8; i < len; i++)
        m[i] = (uint8_t)(i * 3);
    size_t n = ip_frame(f, 1, len);
    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 34, 2);
    assert_int_equal(fx->model->ntx, 1);
    const struct sim_net_frame *t = &fx->model->tx[0];
    assert_int_equal(t->hdr_flags, 0);
    assert_int_equal(t->len, n);
    assert_int_equal(t->data[34], 0);
    assert_int_equal(cks(t->data + 34, len, 0), 0);
    assert_memory_equal(t->data + 38, f + 38, len - 4);
}

/* net_udp_sendto with CSUM: NEEDS_CSUM and the pseudo-header sum. */
static void test_sendto_offloaded(void **state)
{
    struct efix *fx = up(state, F_BASE | F_CSUM | F_GCSUM, 0);
    uint8_t f[SIM_NET_FRAME_MAX], data[300];

    size_t n = udp_req(f, 40000, 7, 300, GOOD); /* the datagram expected, mirrored */

    memcpy(data, f + 42, sizeof(data));
    learn_peer(fx);
    assert_int_equal(net_udp_sendto(&fx->nif, 7, PEER_IP, 40000, data, sizeof(data)), 0);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    assert_int_equal(fx->model->ntx, 1);
    check_udp_reply(&fx->model->tx[0], f, n, true);
}

/* Both features refused though offered: nothing negotiated; flags the
 * device writes anyway are ignored (a wrong checksum with DATA_VALID is
 * dropped), every frame leaves complete with header flags 0. */
static void test_features_off(void **state)
{
    struct efix *fx = up(state, F_BASE | F_CSUM | F_GCSUM, F_CSUM | F_GCSUM);
    uint8_t f[SIM_NET_FRAME_MAX];

    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_CSUM));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_CSUM));
    assert_int_equal(fx->nif.offload, 0);
    size_t n = udp_req(f, 40000, 7, 100, WRONG);
    rx(fx, f, n, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0);
    assert_int_equal(fx->nif.stats.udp_bad_checksum, 1);
    assert_int_equal(fx->nif.stats.rx_csum_valid, 0);
    n = udp_req(f, 40000, 7, 100, GOOD);
    rx(fx, f, n, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0xffff, 0);
    assert_int_equal(fx->net.stats.rx_bad_csum, 0);
    assert_int_equal(fx->model->ntx, 1);
    check_udp_reply(&fx->model->tx[0], f, n, false);
    learn_peer(fx);
    assert_int_equal(net_udp_sendto(&fx->nif, 7, PEER_IP, 40000, f + 42, 100), 0);
    virtio_net_flush(&fx->net);
    sim_net_tx_run(fx->model);
    /* sent: tx[0] still holds the echo reply above, the same datagram */
    assert_int_equal(fx->model->ntx, 1);
    check_udp_reply(&fx->model->tx[0], f, n, false);
    assert_int_equal(fx->nif.stats.tx_csum_offload, 0);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* VIRTIO_NET_F_GUEST_ANNOUNCE through the driver and the stack as the
 * firmware's glue runs them: the device's request read with the link, the
 * stack's gratuitous ARP (RFC 5227: sender and target address ours) on the
 * TX ring before the ack goes to the control queue, the device's bit
 * cleared by it. */
static void test_guest_announce(void **state)
{
    struct efix *fx = up(state, F_BASE | B(VIRTIO_NET_F_CTRL_VQ) | B(VIRTIO_NET_F_GUEST_ANNOUNCE), 0);

    assert_true(sim_virtio_has(fx->sim, VIRTIO_NET_F_GUEST_ANNOUNCE));
    sim_net_announce(fx->model);
    sim_run_irqs();
    assert_true(virtio_net_link_changed(&fx->net));
    assert_true(virtio_net_link_up(&fx->net));
    assert_true(virtio_net_announce_wanted(&fx->net));
    assert_true(netif_announce(&fx->nif));
    virtio_net_flush(&fx->net);
    unsigned tx_notifies = fx->sim->vq[SIM_NET_TXQ].notifies;
    assert_int_equal(virtio_net_announce_ack(&fx->net), 0);
    assert_int_equal(fx->sim->vq[SIM_NET_TXQ].notifies, tx_notifies); /* the frame was kicked before */
    assert_int_equal(fx->model->ctrl_acks, 1);
    assert_int_equal(sim_net_status(fx->model) & SIM_NET_S_ANNOUNCE, 0);
    sim_net_tx_run(fx->model);
    assert_int_equal(fx->model->ntx, 1);
    const uint8_t *a = fx->model->tx[0].data;
    assert_int_equal(fx->model->tx[0].len, 60); /* padded to the Ethernet minimum */
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_memory_equal(a, bcast, 6);
    assert_memory_equal(a + 6, dev_mac, 6);
    assert_int_equal(a[12] << 8 | a[13], 0x0806);
    assert_int_equal(a[20] << 8 | a[21], 1); /* request */
    assert_memory_equal(a + 22, dev_mac, 6);
    assert_int_equal(be32(a + 28), OUR_IP);
    assert_int_equal(be32(a + 38), OUR_IP);
    assert_int_equal(fx->nif.stats.arp_announced, 2); /* the link's, this one */
    assert_int_equal(fx->net.stats.announce_acked, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        E_TEST(test_partial_udp_echo), E_TEST(test_data_valid),  E_TEST(test_bad_offsets),
        E_TEST(test_partial_icmp_echo), E_TEST(test_sendto_offloaded), E_TEST(test_features_off),
        E_TEST(test_guest_announce),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
