/*
 * test_net_dhcp.c - host tests for the DHCP client (net/dhcp.c) against
 * crafted server replies: the full DISCOVER/OFFER/REQUEST/ACK exchange,
 * the bytes of every message we send, malformed and foreign replies (each
 * dropped with its counter and no state change), NAK handling,
 * retransmission backoff, renewal at T1, rebinding at T2 and expiry.
 *
 * Uses the fake driver of fake_netif.c; the teardown fails a test that
 * leaks or double-releases a buffer.  Time is driven by net_tick() only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_netif.h"
#include "netif.h"
#include "prot/be.h"

static struct fake_netif *F;
static uint8_t fr[FAKE_FRAME_MAX];
#define NIF (&F->nif)
#define ST (F->nif.stats)

static uint32_t rand_state, rand_const;
static bool use_const;
static uint32_t test_random(void)
{
    if (use_const)
        return rand_const;
    rand_state = rand_state * 1103515245u + 12345u;
    return rand_state >> 8;
}

struct ev_rec {
    int n;
    enum dhcp_event ev[8];
    struct dhcp_lease l[8];
    char line[128];
};
static struct ev_rec rec;

static void on_dhcp(void *arg, struct netif *nif, enum dhcp_event ev, const struct dhcp_lease *l)
{
    struct ev_rec *r = arg;
    char a[16], g[16];

    assert_ptr_equal(nif, NIF);
    if (r->n < 8) {
        r->ev[r->n] = ev;
        r->l[r->n] = *l;
        r->n++;
    }
    if (ev == DHCP_EV_BOUND)
        snprintf(r->line, sizeof(r->line), "dhcp: bound %s/%u gw %s lease %lu s",
                 net_ip4_str(l->addr, a), net_ip4_prefix_len(l->netmask), net_ip4_str(l->gw, g),
                 (unsigned long)l->lease_s);
}

static int setup(void **state)
{
    (void)state;
    rand_state = 7;
    use_const = false;
    net_set_random(test_random);
    F = fake_open();
    if (F == NULL)
        return -1;
    memset(&rec, 0, sizeof(rec));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return fake_close(&F);
}

/* ---- helpers -------------------------------------------------------------- */

static uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

static void expect_none(void)
{
    assert_int_equal(fake_pending(F), 0);
}

/* What we sent, decoded and checked at the Ethernet/IP/UDP/BOOTP level. */
struct sent {
    const uint8_t *eth_dst;
    uint32_t ip_src, ip_dst;
    uint32_t xid, ciaddr;
    uint16_t secs;
    int type;
    bool has_req, has_server, has_params;
    uint32_t req_ip, server;
    size_t msglen;
};

static void take_frame(struct fake_frame *o, struct sent *s)
{
    const uint8_t *ip, *udp, *m, *opt;
    size_t ulen, i, olen;
    static uint8_t eth_dst[6];
    static const uint8_t params[] = {1, 3, 51, 54, 58, 59, 26};
    static const uint8_t zero[202];

    assert_non_null(o);
    memset(s, 0, sizeof(*s));
    s->type = -1;
    assert_memory_equal(o->data + 6, fake_mac, 6);
    memcpy(eth_dst, o->data, 6);
    s->eth_dst = eth_dst;
    assert_int_equal(get_be16(o->data + 12), 0x0800);
    ip = o->data + 14;
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(get_be16(ip + 2), o->len - 14);
    assert_int_equal(ip[8], 64);
    assert_int_equal(ip[9], 17);
    assert_int_equal(fake_csum(ip, 20, 0), 0);
    s->ip_src = get_be32(ip + 12);
    s->ip_dst = get_be32(ip + 16);
    udp = ip + 20;
    ulen = get_be16(udp + 4);
    assert_int_equal(ulen, o->len - 34);
    assert_int_equal(get_be16(udp), 68);
    assert_int_equal(get_be16(udp + 2), 67);
    assert_int_equal(fake_csum(udp, ulen, pseudo(s->ip_src, s->ip_dst, 17, ulen)), 0);
    m = udp + 8;
    s->msglen = ulen - 8;
    assert_true(s->msglen >= 300);
    assert_int_equal(m[0], 1);
    assert_int_equal(m[1], 1);
    assert_int_equal(m[2], 6);
    assert_int_equal(m[3], 0);
    s->xid = get_be32(m + 4);
    s->secs = get_be16(m + 8);
    assert_int_equal(get_be16(m + 10), 0); /* no broadcast flag */
    s->ciaddr = get_be32(m + 12);
    assert_memory_equal(m + 16, zero, 12); /* yiaddr siaddr giaddr */
    assert_memory_equal(m + 28, fake_mac, 6);
    assert_memory_equal(m + 34, zero, 10 + 64 + 128);
    assert_int_equal(get_be32(m + 236), 0x63825363u);
    opt = m + 240;
    olen = s->msglen - 240;
    for (i = 0; i < olen && opt[i] != 255;) {
        uint8_t code = opt[i], len;
        if (code == 0) {
            i++;
            continue;
        }
        assert_true(i + 2 <= olen);
        len = opt[i + 1];
        assert_true(i + 2 + len <= olen);
        if (code == 53) {
            assert_int_equal(len, 1);
            s->type = opt[i + 2];
        } else if (code == 50) {
            assert_int_equal(len, 4);
            s->has_req = true;
            s->req_ip = get_be32(opt + i + 2);
        } else if (code == 54) {
            assert_int_equal(len, 4);
            s->has_server = true;
            s->server = get_be32(opt + i + 2);
        } else if (code == 55) {
            assert_int_equal(len, sizeof(params));
            assert_memory_equal(opt + i + 2, params, sizeof(params));
            s->has_params = true;
        } else {
            fail_msg("unexpected option %u", code);
        }
        i += 2u + len;
    }
    assert_true(i < olen); /* ended by END */
    for (i++; i < olen; i++)
        assert_int_equal(opt[i], 0);
    assert_true(s->has_params);
    free(o);
}

static void take(struct sent *s)
{
    take_frame(fake_pop(F), s);
}

/* The next DHCP message we sent, if any.  ARP on the way is handled as the
 * gateway would: a request for it is answered (which may release a queued
 * unicast REQUEST), anything else ARP is dropped. */
static bool next_dhcp(struct sent *s)
{
    struct fake_frame *o;
    uint8_t arp[64];

    while ((o = fake_pop(F)) != NULL) {
        if (get_be16(o->data + 12) != 0x0806) {
            take_frame(o, s);
            return true;
        }
        if (get_be16(o->data + 20) == 1 && get_be32(o->data + 38) == FAKE_GW) {
            size_t n = frame_arp(arp, fake_mac, 2, fake_gw_mac, FAKE_GW, fake_mac, FAKE_IP);
            fake_input(F, arp, n);
        }
        free(o);
    }
    return false;
}

static void take_discover(struct sent *s)
{
    take(s);
    assert_int_equal(s->type, 1);
    assert_memory_equal(s->eth_dst, fake_bcast_mac, 6);
    assert_int_equal(s->ip_src, 0);
    assert_int_equal(s->ip_dst, 0xffffffffu);
    assert_int_equal(s->ciaddr, 0);
    assert_false(s->has_req);
    assert_false(s->has_server);
}

static size_t std_reply(uint8_t *out, uint8_t type, uint32_t xid, uint32_t lease_s)
{
    uint8_t opts[64];
    size_t n = dhcp_std_opts(opts, type, lease_s);

    return frame_dhcp(out, xid, type == 6 ? 0 : FAKE_IP, opts, n);
}

/* Start, answer the DISCOVER with an OFFER; returns the xid. */
static uint32_t to_requesting(void)
{
    struct sent s;
    size_t n;

    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    n = std_reply(fr, 2, s.xid, 86400);
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    assert_int_equal(net_dhcp_state(NIF), DHCP_REQUESTING);
    return s.xid;
}

/* ... and ACK it with the given options; drains the announcement. */
static void to_bound(const uint8_t *opts, size_t optlen)
{
    uint32_t xid = to_requesting();
    struct fake_frame *o;
    size_t n = frame_dhcp(fr, xid, FAKE_IP, opts, optlen);

    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    o = fake_pop(F);
    assert_non_null(o);
    assert_int_equal(get_be16(o->data + 12), 0x0806);
    free(o);
    expect_none();
}

static size_t opts_lease(uint8_t *p, uint32_t lease, uint32_t t1, uint32_t t2)
{
    size_t n = dhcp_std_opts(p, 5, lease) - 1; /* drop END */

    if (t1) {
        p[n++] = 58;
        p[n++] = 4;
        put_be32(p + n, t1);
        n += 4;
    }
    if (t2) {
        p[n++] = 59;
        p[n++] = 4;
        put_be32(p + n, t2);
        n += 4;
    }
    p[n++] = 255;
    return n;
}

/* ---- tests ---------------------------------------------------------------- */

static void test_dhcp_discover(void **state)
{
    struct sent s;

    (void)state;
    assert_int_equal(net_dhcp_state(NIF), DHCP_OFF);
    net_tick(NIF, 5000);
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    assert_int_equal(net_dhcp_state(NIF), DHCP_SELECTING);
    take_discover(&s);
    assert_int_equal(s.xid, NIF->dhcp.xid);
    assert_int_equal(s.secs, 0);
    assert_int_equal(s.msglen, 300);
    expect_none();
    assert_int_equal(ST.dhcp_tx, 1);
    assert_int_equal(net_dhcp_start(NULL, NULL, NULL), -NET_EINVAL);
}

static void test_dhcp_full_exchange(void **state)
{
    struct sent s;
    struct dhcp_lease l;
    struct fake_frame *o;
    uint32_t xid;
    size_t n;

    (void)state;
    net_tick(NIF, 1000);
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    xid = s.xid;
    assert_false(net_dhcp_lease(NIF, &l));
    net_tick(NIF, 3500); /* one retransmission by now: same xid, secs counts */
    take_discover(&s);
    assert_int_equal(s.xid, xid);
    assert_int_equal(s.secs, 2);
    expect_none();
    n = std_reply(fr, 2, xid, 86400);
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    assert_int_equal(s.xid, xid);
    assert_int_equal(s.secs, 2);
    assert_memory_equal(s.eth_dst, fake_bcast_mac, 6);
    assert_int_equal(s.ip_src, 0);
    assert_int_equal(s.ip_dst, 0xffffffffu);
    assert_int_equal(s.ciaddr, 0);
    assert_true(s.has_req);
    assert_int_equal(s.req_ip, FAKE_IP);
    assert_true(s.has_server);
    assert_int_equal(s.server, FAKE_GW);
    assert_int_equal(NIF->ipv4.addr, 0);
    assert_int_equal(rec.n, 0);
    n = std_reply(fr, 5, xid, 86400);
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(NIF->ipv4.addr, FAKE_IP);
    assert_int_equal(NIF->ipv4.netmask, FAKE_MASK);
    assert_int_equal(NIF->ipv4.gw, FAKE_GW);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.ev[0], DHCP_EV_BOUND);
    assert_int_equal(rec.l[0].addr, FAKE_IP);
    assert_int_equal(rec.l[0].netmask, FAKE_MASK);
    assert_int_equal(rec.l[0].gw, FAKE_GW);
    assert_int_equal(rec.l[0].server, FAKE_GW);
    assert_int_equal(rec.l[0].lease_s, 86400);
    assert_int_equal(rec.l[0].t1_s, 43200);
    assert_int_equal(rec.l[0].t2_s, 75600);
    assert_string_equal(rec.line, "dhcp: bound 10.0.2.15/24 gw 10.0.2.2 lease 86400 s");
    assert_true(net_dhcp_lease(NIF, &l));
    assert_memory_equal(&l, &rec.l[0], sizeof(l));
    /* the new address is announced */
    o = fake_pop(F);
    assert_non_null(o);
    assert_int_equal(get_be16(o->data + 12), 0x0806);
    assert_int_equal(get_be32(o->data + 28), FAKE_IP);
    assert_int_equal(get_be32(o->data + 38), FAKE_IP);
    free(o);
    expect_none();
    assert_int_equal(ST.dhcp_rx, 2);
    assert_int_equal(ST.dhcp_tx, 3);
    assert_int_equal(ST.dhcp_bound, 1);
    assert_int_equal(ST.dhcp_bad + ST.dhcp_not_ours + ST.dhcp_unexpected, 0);
    /* nothing more until T1 */
    net_tick(NIF, 3500 + 43200u * 1000 - 1);
    expect_none();
}

static void test_dhcp_unicast_offer_before_bound(void **state)
{
    uint8_t msg[512], opts[64];
    struct sent s;
    size_t n, m;

    (void)state;
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    /* other UDP to the address being offered is not for us yet */
    n = frame_udp(fr, fake_mac, fake_gw_mac, FAKE_GW, FAKE_IP, 67, 5000, "x", 1);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_not_for_us, 1);
    m = build_dhcp(msg, s.xid, fake_mac, FAKE_IP, opts, dhcp_std_opts(opts, 2, 600));
    n = frame_udp(fr, fake_mac, fake_gw_mac, FAKE_GW, FAKE_IP, 67, 68, msg, m);
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    /* once bound, a DHCP reply to a foreign address is not ours */
    m = build_dhcp(msg, s.xid, fake_mac, FAKE_IP, opts, dhcp_std_opts(opts, 5, 600));
    n = frame_udp(fr, fake_mac, fake_gw_mac, FAKE_GW, FAKE_IP, 67, 68, msg, m);
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    fake_drain(F);
    n = frame_udp(fr, fake_mac, fake_gw_mac, FAKE_GW, 0x0a000263u, 67, 68, msg, m);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_not_for_us, 2);
}

/* Feed one OFFER variant in SELECTING and expect it dropped. */
static void offer_dropped(const uint8_t *frame, size_t n, uint32_t *counter, const char *what)
{
    uint32_t before = *counter;

    fake_input(F, frame, n);
    if (*counter != before + 1)
        fail_msg("%s: counter %u -> %u", what, before, *counter);
    assert_int_equal(net_dhcp_state(NIF), DHCP_SELECTING);
    expect_none();
}

static void test_dhcp_malformed_offers(void **state)
{
    uint8_t msg[600], opts[128];
    struct sent s;
    size_t n, m, k, on;
    uint32_t xid;

    (void)state;
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    xid = s.xid;
    on = dhcp_std_opts(opts, 2, 600);
    m = build_dhcp(msg, xid, fake_mac, FAKE_IP, opts, on);
    /* the message truncated at every length (UDP and IP lengths follow) */
    for (k = 0; k < m; k++) {
        n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, k);
        offer_dropped(fr, n, &ST.dhcp_bad, "truncated");
    }
    assert_int_equal(ST.dhcp_bad, m);
#define MANGLE(off, val, counter, what)                                                       \
    do {                                                                                      \
        uint8_t c[600];                                                                       \
        memcpy(c, msg, m);                                                                    \
        c[off] = (val);                                                                       \
        n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, c, m);   \
        offer_dropped(fr, n, &ST.counter, what);                                              \
    } while (0)
    MANGLE(0, 1, dhcp_bad, "op request");
    MANGLE(1, 6, dhcp_bad, "htype");
    MANGLE(2, 16, dhcp_bad, "hlen");
    MANGLE(236, 0x64, dhcp_bad, "cookie");
    MANGLE(239, 0x00, dhcp_bad, "cookie end");
    MANGLE(7, (uint8_t)(xid + 1), dhcp_not_ours, "xid");
    MANGLE(4, (uint8_t)((xid >> 24) ^ 0x80), dhcp_not_ours, "xid high");
    MANGLE(33, 0x57, dhcp_not_ours, "chaddr");
    /* from a client port */
    n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 68, 68, msg, m);
    offer_dropped(fr, n, &ST.dhcp_bad, "sport");
    /* bad option streams */
    {
        static const struct {
            const char *what;
            uint8_t len;
            uint8_t o[16];
        } bad[] = {
            {"length past end", 5, {53, 1, 2, 1, 200}},
            {"length past end by one", 7, {53, 1, 2, 54, 5, 10, 0}},
            {"missing end", 3, {53, 1, 2}},
            {"only pads", 4, {0, 0, 0, 0}},
            {"code without length", 4, {53, 1, 2, 54}},
            {"no type", 7, {1, 4, 255, 255, 255, 0, 255}},
            {"type length 2", 5, {53, 2, 2, 0, 255}},
            {"type length 0", 3, {53, 0, 255}},
            {"mask length 3", 9, {53, 1, 2, 1, 3, 255, 255, 255, 255}},
            {"lease length 8", 14, {53, 1, 2, 51, 8, 0, 0, 0, 1, 0, 0, 0, 1, 255}},
            {"server length 0", 6, {53, 1, 2, 54, 0, 255}},
            {"router length 5", 11, {53, 1, 2, 3, 5, 10, 0, 2, 2, 0, 255}},
            {"overload 4", 7, {53, 1, 2, 52, 1, 4, 255}},
            {"overload length 2", 8, {53, 1, 2, 52, 2, 1, 1, 255}},
            {"end hidden in a value", 7, {53, 1, 2, 12, 3, 255, 255}},
        };
        size_t i;
        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            size_t bm = build_dhcp(msg, xid, fake_mac, FAKE_IP, bad[i].o, bad[i].len);
            n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, bm);
            offer_dropped(fr, n, &ST.dhcp_bad, bad[i].what);
        }
    }
    /* unusable offered addresses */
    n = frame_dhcp(fr, xid, 0, opts, on);
    offer_dropped(fr, n, &ST.dhcp_bad, "yiaddr 0");
    n = frame_dhcp(fr, xid, 0x7f000001u, opts, on);
    offer_dropped(fr, n, &ST.dhcp_bad, "yiaddr loopback");
    n = frame_dhcp(fr, xid, 0xe0000001u, opts, on);
    offer_dropped(fr, n, &ST.dhcp_bad, "yiaddr multicast");
    n = frame_dhcp(fr, xid, 0x00000a0fu, opts, on);
    offer_dropped(fr, n, &ST.dhcp_bad, "yiaddr 0.0.10.15, in 0/8 (this network)");
    /* a wrong UDP checksum never reaches DHCP */
    n = frame_dhcp(fr, xid, FAKE_IP, opts, on);
    fr[n - 1] ^= 1;
    offer_dropped(fr, n, &ST.udp_bad_checksum, "udp checksum");
    assert_int_equal(ST.dhcp_rx, ST.dhcp_bad + ST.dhcp_not_ours);
    /* a well-formed offer with pads, unknown options and trailing bytes */
    {
        static const uint8_t good[] = {0, 0, 53, 1, 2, 0, 200, 3, 1, 2, 3, 54, 4, 10, 0, 2, 2,
                                       43, 0, 255, 99, 99, 99};
        m = build_dhcp(msg, xid, fake_mac, FAKE_IP, good, sizeof(good));
        n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, m);
        fake_input(F, fr, n);
        take(&s);
        assert_int_equal(s.type, 3);
        assert_int_equal(s.server, FAKE_GW);
        assert_int_equal(net_dhcp_state(NIF), DHCP_REQUESTING);
    }
#undef MANGLE
}

/* An OFFER's server identifier (RFC 2131 table 3: MUST be there) is what
 * the REQUEST names and what REQUESTING then takes an ACK from; one that
 * names no host (0, broadcast, multicast, loopback) could never be
 * answered - the client would request, give up and rediscover, behind
 * that offer, for ever.  Such an offer is malformed: dropped (dhcp_bad),
 * and the next, good one is taken. */
static void test_dhcp_offer_unusable_server_id(void **state)
{
    static const uint32_t bad[] = {0, 0xffffffffu, 0xe0000001u, 0x7f000001u, 0x00000202u};
    uint8_t opts[64];
    struct sent s;
    size_t n, on, i;

    (void)state;
    net_tick(NIF, 1000);
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        on = dhcp_std_opts(opts, 2, 600);
        put_be32(opts + 5, bad[i]);
        n = frame_dhcp(fr, s.xid, FAKE_IP, opts, on);
        offer_dropped(fr, n, &ST.dhcp_bad, "server id");
    }
    assert_int_equal(ST.dhcp_bad, i);
    on = dhcp_std_opts(opts, 2, 600);
    n = frame_dhcp(fr, s.xid, FAKE_IP, opts, on);
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    assert_true(s.has_server);
    assert_int_equal(s.server, FAKE_GW);
    assert_int_equal(net_dhcp_state(NIF), DHCP_REQUESTING);
}

static void test_dhcp_overload(void **state)
{
    uint8_t msg[600];
    static const uint8_t top[] = {52, 1, 3, 255};
    struct sent s;
    size_t n, m;
    uint32_t xid;

    (void)state;
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    xid = s.xid;
    /* type in file, server id in sname */
    m = build_dhcp(msg, xid, fake_mac, FAKE_IP, top, sizeof(top));
    memcpy(msg + 108, (const uint8_t[]){53, 1, 2, 255}, 4);
    memcpy(msg + 44, (const uint8_t[]){54, 4, 10, 0, 2, 3, 255}, 7);
    n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, m);
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    assert_int_equal(s.server, FAKE_PEER);
    /* restart, and try an sname area without END */
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    m = build_dhcp(msg, s.xid, fake_mac, FAKE_IP, top, sizeof(top));
    memcpy(msg + 108, (const uint8_t[]){53, 1, 2, 255}, 4);
    memset(msg + 44, 0, 64);
    msg[44] = 54; /* 54, 0, then only pads: no END */
    n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, m);
    offer_dropped(fr, n, &ST.dhcp_bad, "sname without end");
    /* overload inside an overloaded area is not followed */
    m = build_dhcp(msg, s.xid, fake_mac, FAKE_IP, (const uint8_t[]){52, 1, 1, 255}, 4);
    memcpy(msg + 108, (const uint8_t[]){52, 1, 2, 53, 1, 2, 255}, 7);
    memset(msg + 44, 0xee, 64); /* garbage that must not be parsed */
    n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, m);
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    assert_int_equal(s.server, FAKE_GW); /* no server id: the sender's address */
}

static void test_dhcp_unexpected_and_foreign(void **state)
{
    uint8_t opts[64];
    struct sent s;
    size_t n, on;
    uint32_t xid;

    (void)state;
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    n = std_reply(fr, 5, s.xid, 600);
    offer_dropped(fr, n, &ST.dhcp_unexpected, "ACK in SELECTING");
    n = std_reply(fr, 6, s.xid, 600);
    offer_dropped(fr, n, &ST.dhcp_unexpected, "NAK in SELECTING");
    xid = to_requesting();
    /* another OFFER while requesting */
    n = std_reply(fr, 2, xid, 600);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_unexpected, 3);
    /* ACK and NAK from a server we did not choose */
    on = dhcp_std_opts(opts, 5, 600);
    put_be32(opts + 5, FAKE_PEER);
    n = frame_dhcp(fr, xid, FAKE_IP, opts, on);
    fake_input(F, fr, n);
    on = dhcp_std_opts(opts, 6, 0);
    put_be32(opts + 5, FAKE_PEER);
    n = frame_dhcp(fr, xid, 0, opts, on);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_not_ours, 2);
    assert_int_equal(net_dhcp_state(NIF), DHCP_REQUESTING);
    expect_none();
    /* bound: a repeated ACK is unexpected */
    n = std_reply(fr, 5, xid, 600);
    fake_input(F, fr, n);
    fake_drain(F);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_unexpected, 4);
    expect_none();
}

static void test_dhcp_nak_in_requesting(void **state)
{
    struct sent s;
    uint32_t xid;
    size_t n;

    (void)state;
    xid = to_requesting();
    n = std_reply(fr, 6, xid, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_nak, 1);
    assert_int_equal(ST.dhcp_lease_lost, 0);
    assert_int_equal(net_dhcp_state(NIF), DHCP_SELECTING);
    take_discover(&s);
    assert_int_not_equal(s.xid, xid);
    assert_int_equal(NIF->ipv4.addr, 0);
    assert_int_equal(rec.n, 0);
    /* the old transaction's ACK is now foreign */
    n = std_reply(fr, 5, xid, 600);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_not_ours, 1);
}

static void test_dhcp_nak_in_renewing(void **state)
{
    uint8_t opts[64];
    struct sent s;
    size_t n;

    (void)state;
    to_bound(opts, opts_lease(opts, 100, 0, 0));
    net_tick(NIF, 50000);
    fake_drain(F); /* the unicast REQUEST (or the ARP for it) */
    assert_int_equal(net_dhcp_state(NIF), DHCP_RENEWING);
    n = std_reply(fr, 6, NIF->dhcp.xid, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_nak, 1);
    assert_int_equal(ST.dhcp_lease_lost, 1);
    assert_int_equal(NIF->ipv4.addr, 0);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.ev[1], DHCP_EV_LOST);
    assert_int_equal(rec.l[1].addr, FAKE_IP);
    take_discover(&s);
    assert_int_equal(net_dhcp_state(NIF), DHCP_SELECTING);
    expect_none();
}

/* Record when DISCOVERs go out between now and `until`, stepping 50 ms. */
static size_t send_times(uint64_t from, uint64_t until, uint64_t *t, size_t max)
{
    size_t k = 0;
    uint64_t now;

    for (now = from; now <= until; now += 50) {
        net_tick(NIF, now);
        while (fake_pending(F)) {
            struct sent s;
            take(&s);
            assert_true(k < max);
            t[k++] = now;
        }
    }
    return k;
}

static void test_dhcp_backoff_exact(void **state)
{
    static const uint64_t want[] = {1000, 3000, 7000, 15000, 31000, 63000, 127000, 191000, 255000};
    uint64_t t[16];
    struct sent s;
    size_t k, i;

    (void)state;
    use_const = true;
    rand_const = DHCP_RETRY_JITTER_MS; /* jitter exactly 0 */
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    k = send_times(0, 260000, t, 16);
    assert_int_equal(k, sizeof(want) / sizeof(want[0]));
    for (i = 0; i < k; i++)
        assert_int_equal(t[i], want[i]);
    assert_int_equal(ST.dhcp_tx, 10);
}

static void test_dhcp_backoff_jitter(void **state)
{
    uint64_t t[16], prev = 0, base = DHCP_RETRY_INITIAL_MS;
    struct sent s;
    size_t k, i;
    bool varied = false;

    (void)state;
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    k = send_times(0, 300000, t, 16);
    assert_true(k >= 6);
    for (i = 0; i < k; i++) {
        uint64_t d = t[i] - prev;
        /* within the jitter (and one 50 ms tick step) of the doubling base */
        assert_true(d + DHCP_RETRY_JITTER_MS >= base);
        assert_true(d <= base + DHCP_RETRY_JITTER_MS + 50);
        if (d != base)
            varied = true;
        prev = t[i];
        base = base * 2 > DHCP_RETRY_MAX_MS ? DHCP_RETRY_MAX_MS : base * 2;
    }
    assert_true(varied);
}

static void test_dhcp_request_retries_then_rediscover(void **state)
{
    struct sent s;
    uint32_t xid;
    unsigned requests = 0;
    uint64_t now;

    (void)state;
    use_const = true;
    rand_const = DHCP_RETRY_JITTER_MS;
    xid = to_requesting();
    for (now = 0; now <= 15000; now += 50) {
        net_tick(NIF, now);
        while (fake_pending(F)) {
            take(&s);
            if (s.type == 3) {
                requests++;
                assert_int_equal(s.xid, xid);
                assert_true(now == 1000 || now == 3000 || now == 7000);
            } else {
                assert_int_equal(s.type, 1);
                assert_int_equal(now, 15000);
            }
        }
    }
    assert_int_equal(requests, DHCP_REQUEST_TRIES - 1);
    assert_int_equal(net_dhcp_state(NIF), DHCP_SELECTING);
}

static void test_dhcp_renew_rebind_expire(void **state)
{
    static const uint64_t renew_at[] = {500000, 687500, 781250, 841250};
    static const uint64_t rebind_at[] = {875000, 937500, 997500};
    uint8_t opts[64];
    struct sent s;
    struct fake_frame *o;
    uint32_t rxid = 0;
    size_t i;

    (void)state;
    to_bound(opts, opts_lease(opts, 1000, 500, 875));
    assert_int_equal(rec.l[0].t1_s, 500);
    assert_int_equal(rec.l[0].t2_s, 875);
    net_tick(NIF, 499999);
    assert_false(next_dhcp(&s));
    for (i = 0; i < 4; i++) {
        net_tick(NIF, renew_at[i] - 1);
        assert_false(next_dhcp(&s));
        net_tick(NIF, renew_at[i]);
        assert_true(next_dhcp(&s));
        assert_false(fake_pending(F));
        assert_int_equal(s.type, 3);
        assert_memory_equal(s.eth_dst, fake_gw_mac, 6);
        assert_int_equal(s.ip_src, FAKE_IP);
        assert_int_equal(s.ip_dst, FAKE_GW);
        assert_int_equal(s.ciaddr, FAKE_IP);
        assert_false(s.has_req);
        assert_false(s.has_server);
        if (i == 0)
            rxid = s.xid;
        assert_int_equal(s.xid, rxid);
        assert_int_equal(net_dhcp_state(NIF), DHCP_RENEWING);
    }
    for (i = 0; i < 3; i++) {
        net_tick(NIF, rebind_at[i] - 1);
        assert_false(next_dhcp(&s));
        net_tick(NIF, rebind_at[i]);
        assert_true(next_dhcp(&s));
        assert_int_equal(s.type, 3);
        assert_memory_equal(s.eth_dst, fake_bcast_mac, 6);
        assert_int_equal(s.ip_src, FAKE_IP);
        assert_int_equal(s.ip_dst, 0xffffffffu);
        assert_int_equal(s.ciaddr, FAKE_IP);
        assert_int_equal(s.xid, rxid);
        assert_int_equal(net_dhcp_state(NIF), DHCP_REBINDING);
    }
    net_tick(NIF, 999999);
    assert_false(next_dhcp(&s));
    assert_int_equal(NIF->ipv4.addr, FAKE_IP);
    net_tick(NIF, 1000000);
    assert_int_equal(NIF->ipv4.addr, 0);
    assert_int_equal(ST.dhcp_lease_lost, 1);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.ev[1], DHCP_EV_LOST);
    take_discover(&s);
    assert_int_not_equal(s.xid, rxid);
    o = fake_pop(F);
    assert_null(o);
}

static void test_dhcp_renew_ack(void **state)
{
    uint8_t opts[64];
    struct sent s;
    size_t n, on;

    (void)state;
    to_bound(opts, opts_lease(opts, 100, 0, 0));
    net_tick(NIF, 50000);
    assert_true(next_dhcp(&s));
    assert_int_equal(s.ip_dst, FAKE_GW);
    /* the server's unicast ACK to our address */
    on = opts_lease(opts, 200, 0, 0);
    {
        uint8_t msg[512];
        size_t m = build_dhcp(msg, s.xid, fake_mac, FAKE_IP, opts, on);
        n = frame_udp(fr, fake_mac, fake_gw_mac, FAKE_GW, FAKE_IP, 67, 68, msg, m);
    }
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.ev[1], DHCP_EV_RENEWED);
    assert_int_equal(rec.l[1].lease_s, 200);
    assert_int_equal(ST.dhcp_bound, 2);
    expect_none(); /* same address: no new announcement */
    /* T1 now counts from the renewal */
    net_tick(NIF, 50000 + 50000 - 1);
    assert_false(next_dhcp(&s));
    net_tick(NIF, 50000 + 100000);
    assert_true(next_dhcp(&s));
    assert_int_equal(net_dhcp_state(NIF), DHCP_RENEWING);
}

/* RFC 2131 4.4.5: in REBINDING any server may extend the lease; its ACK's
 * server identifier names the server that now holds it, to which the next
 * renewal (RENEWING, unicast) goes.  Before: the lease kept the old
 * server's address, so every later T1 sent the renewal to a server that
 * had stopped answering, and only the broadcast at T2 kept the lease. */
static void test_dhcp_rebind_ack_from_new_server(void **state)
{
    uint8_t opts[64];
    struct sent s;
    struct dhcp_lease l;
    size_t n, on;

    (void)state;
    to_bound(opts, opts_lease(opts, 1000, 500, 875));
    assert_true(net_dhcp_lease(NIF, &l));
    assert_int_equal(l.server, FAKE_GW);
    net_tick(NIF, 875000); /* T2: REBINDING (the renewals went unanswered) */
    while (next_dhcp(&s))
        ;
    assert_int_equal(net_dhcp_state(NIF), DHCP_REBINDING);
    /* another server (10.0.2.3) answers the broadcast */
    on = opts_lease(opts, 1000, 500, 875);
    put_be32(opts + 5, FAKE_PEER); /* its server identifier */
    {
        uint8_t msg[512];
        size_t m = build_dhcp(msg, s.xid, fake_mac, FAKE_IP, opts, on);
        n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0xffffffffu, 67, 68, msg, m);
    }
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(rec.ev[rec.n - 1], DHCP_EV_RENEWED);
    assert_true(net_dhcp_lease(NIF, &l));
    print_message("lease server after a REBINDING ACK from 10.0.2.3: %08x\n", (unsigned)l.server);
    assert_int_equal(l.server, FAKE_PEER);
}

static void test_dhcp_lease_times(void **state)
{
    uint8_t opts[64];
    struct dhcp_lease l;

    (void)state;
    to_bound(opts, opts_lease(opts, 1000, 100, 200));
    assert_true(net_dhcp_lease(NIF, &l));
    assert_int_equal(l.t1_s, 100);
    assert_int_equal(l.t2_s, 200);
    net_dhcp_stop(NIF);
    netif_set_ipv4(NIF, 0, 0, 0);
    to_bound(opts, opts_lease(opts, 1000, 900, 800));
    assert_true(net_dhcp_lease(NIF, &l));
    assert_int_equal(l.t2_s, 800);
    assert_int_equal(l.t1_s, 500);
    net_dhcp_stop(NIF);
    netif_set_ipv4(NIF, 0, 0, 0);
    to_bound(opts, opts_lease(opts, 1000, 0, 2000));
    assert_true(net_dhcp_lease(NIF, &l));
    assert_int_equal(l.t2_s, 875);
    assert_int_equal(l.t1_s, 500);
    net_dhcp_stop(NIF);
    netif_set_ipv4(NIF, 0, 0, 0);
    /* lease 0: expires at the next tick and discovery restarts */
    to_bound(opts, opts_lease(opts, 0, 0, 0));
    net_tick(NIF, NIF->now_ms);
    assert_int_equal(net_dhcp_state(NIF), DHCP_SELECTING);
    assert_int_equal(NIF->ipv4.addr, 0);
    fake_drain(F);
}

static void test_dhcp_infinite_lease(void **state)
{
    uint8_t opts[64];
    struct dhcp_lease l;

    (void)state;
    to_bound(opts, opts_lease(opts, 0xffffffffu, 0, 0));
    assert_true(net_dhcp_lease(NIF, &l));
    assert_int_equal(l.t1_s, 0xffffffffu);
    assert_int_equal(l.t2_s, 0xffffffffu);
    net_tick(NIF, 1000000000000ull);
    expect_none();
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(NIF->ipv4.addr, FAKE_IP);
}

static void test_dhcp_bad_acks(void **state)
{
    uint8_t opts[64];
    uint32_t xid;
    size_t n;

    (void)state;
    xid = to_requesting();
    /* no lease time */
    n = frame_dhcp(fr, xid, FAKE_IP, (const uint8_t[]){53, 1, 5, 54, 4, 10, 0, 2, 2, 255}, 10);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_bad, 1);
    /* a non-contiguous mask */
    n = opts_lease(opts, 600, 0, 0);
    put_be32(opts + 11, 0xff00ff00u);
    n = frame_dhcp(fr, xid, FAKE_IP, opts, n);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_bad, 2);
    /* yiaddr 0 */
    n = opts_lease(opts, 600, 0, 0);
    n = frame_dhcp(fr, xid, 0, opts, n);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_bad, 3);
    assert_int_equal(net_dhcp_state(NIF), DHCP_REQUESTING);
    assert_int_equal(NIF->ipv4.addr, 0);
    expect_none();
    /* no mask: classful; router off the subnet: ignored */
    n = frame_dhcp(fr, xid, FAKE_IP,
                   (const uint8_t[]){53, 1, 5, 51, 4, 0, 0, 2, 88, 3, 8, 192, 0, 2, 1, 10, 0, 2, 2, 255},
                   20);
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(NIF->ipv4.netmask, 0xff000000u);
    assert_int_equal(NIF->ipv4.gw, 0);
    assert_int_equal(rec.l[0].lease_s, 600);
    fake_drain(F);
}

/* RFC 1122 3.2.1.3: an address whose host part is all zeros (the subnet
 * itself) or all ones (its broadcast address) names no host.  An ACK
 * that leases one is unusable (bound to 10.0.2.255/24, every unicast to
 * us would be taken for a broadcast and dropped: ICMP, UDP echo, TCP), and
 * a router there is ignored; a /31 has neither (RFC 3021). */
static void test_dhcp_ack_subnet_or_broadcast_address(void **state)
{
    uint8_t opts[64];
    uint32_t xid;
    size_t n;

    (void)state;
    xid = to_requesting();
    /* the broadcast address of the leased /24 */
    n = opts_lease(opts, 600, 0, 0);
    n = frame_dhcp(fr, xid, 0x0a0002ffu, opts, n);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_bad, 1);
    /* the subnet's own address */
    n = opts_lease(opts, 600, 0, 0);
    n = frame_dhcp(fr, xid, 0x0a000200u, opts, n);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_bad, 2);
    /* no mask: the classful /8's broadcast address */
    n = frame_dhcp(fr, xid, 0x0affffffu,
                   (const uint8_t[]){53, 1, 5, 51, 4, 0, 0, 2, 88, 54, 4, 10, 0, 2, 2, 255}, 16);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_bad, 3);
    assert_int_equal(net_dhcp_state(NIF), DHCP_REQUESTING);
    assert_int_equal(NIF->ipv4.addr, 0);
    assert_int_equal(rec.n, 0);
    expect_none();
    /* a usable address with the router at the subnet's broadcast address:
     * bound, without a gateway */
    n = opts_lease(opts, 600, 0, 0);
    put_be32(opts + 17, 0x0a0002ffu);
    n = frame_dhcp(fr, xid, FAKE_IP, opts, n);
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(NIF->ipv4.addr, FAKE_IP);
    assert_int_equal(NIF->ipv4.gw, 0);
    fake_drain(F);
}

/* A /31 (RFC 3021): both addresses are hosts, neither a broadcast. */
static void test_dhcp_ack_slash31(void **state)
{
    uint8_t opts[64];
    uint32_t xid;
    size_t n;

    (void)state;
    xid = to_requesting();
    n = opts_lease(opts, 600, 0, 0);
    put_be32(opts + 11, 0xfffffffeu);
    put_be32(opts + 17, 0x0a000201u);
    n = frame_dhcp(fr, xid, 0x0a000200u, opts, n);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_bad, 0);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(NIF->ipv4.addr, 0x0a000200u);
    assert_int_equal(NIF->ipv4.gw, 0x0a000201u);
    fake_drain(F);
}

static void test_dhcp_stop_and_names(void **state)
{
    struct sent s;
    size_t n;

    (void)state;
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    net_dhcp_stop(NIF);
    assert_int_equal(net_dhcp_state(NIF), DHCP_OFF);
    net_tick(NIF, 100000);
    expect_none();
    n = std_reply(fr, 2, s.xid, 600);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_rx, 0);
    assert_int_equal(ST.udp_no_port, 1);
    expect_none(); /* no address: no port unreachable */
    assert_string_equal(net_dhcp_state_name(DHCP_OFF), "off");
    assert_string_equal(net_dhcp_state_name(DHCP_SELECTING), "selecting");
    assert_string_equal(net_dhcp_state_name(DHCP_REQUESTING), "requesting");
    assert_string_equal(net_dhcp_state_name(DHCP_BOUND), "bound");
    assert_string_equal(net_dhcp_state_name(DHCP_RENEWING), "renewing");
    assert_string_equal(net_dhcp_state_name(DHCP_REBINDING), "rebinding");
    assert_string_equal(net_dhcp_state_name((enum dhcp_state)42), "?");
}

static void test_dhcp_no_tx_buffer_retries(void **state)
{
    struct sent s;

    (void)state;
    F->tx_budget = 0;
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    expect_none();
    assert_int_equal(ST.no_tx_buffer, 1);
    F->tx_budget = -1;
    net_tick(NIF, 2000);
    take_discover(&s);
}

/* ---- review ---------------------------------------------------------------- */

/* RFC 2131 3.1 step 3: "the DHCPREQUEST message MUST use the same value in
 * the DHCP message header's 'secs' field and be sent to the same IP
 * broadcast address as the original DHCPDISCOVER message."  The OFFER
 * comes 1.9 s after the last DISCOVER (secs 1): the REQUEST, and its
 * retransmission, still say 1. */
static void test_dhcp_request_keeps_discover_secs(void **state)
{
    struct sent s;
    uint32_t xid;
    size_t n;

    (void)state;
    use_const = true;
    rand_const = DHCP_RETRY_JITTER_MS; /* no jitter: 1 s, then 2 s */
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    xid = s.xid;
    assert_int_equal(s.secs, 0);
    net_tick(NIF, 1000);
    take_discover(&s);
    assert_int_equal(s.secs, 1);
    net_tick(NIF, 2900);
    expect_none();
    n = std_reply(fr, 2, xid, 600);
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    assert_int_equal(s.ip_dst, 0xffffffffu);
    assert_int_equal(s.secs, 1);
    net_tick(NIF, 3900); /* the REQUEST's retransmission */
    take(&s);
    assert_int_equal(s.type, 3);
    assert_int_equal(s.secs, 1);
}

/* RFC 2131 4.4.5: "The client records the local time at which the
 * DHCPREQUEST message is sent for computation of the lease expiration
 * time. ... When the client receives a DHCPACK from the server, the client
 * computes the lease expiration time as the sum of the time at which the
 * client sent the DHCPREQUEST message and the duration of the lease in the
 * DHCPACK message."  (T1 and T2 with it.)  Each ACK here comes 900 ms
 * after its REQUEST. */
static void test_dhcp_lease_counts_from_request(void **state)
{
    uint8_t opts[64];
    struct sent s;
    size_t n, on;

    (void)state;
    use_const = true;
    rand_const = DHCP_RETRY_JITTER_MS;
    net_tick(NIF, 10000);
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s);
    n = std_reply(fr, 2, s.xid, 100);
    fake_input(F, fr, n); /* REQUEST at 10 000 */
    take(&s);
    assert_int_equal(s.type, 3);
    net_tick(NIF, 10900);
    on = opts_lease(opts, 100, 0, 0);
    n = frame_dhcp(fr, s.xid, FAKE_IP, opts, on);
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    fake_drain(F);
    /* T1 = 50 s after the REQUEST */
    net_tick(NIF, 10000 + 50000 - 1);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    net_tick(NIF, 10000 + 50000);
    assert_int_equal(net_dhcp_state(NIF), DHCP_RENEWING);
    assert_true(next_dhcp(&s)); /* the renewal REQUEST at 60 000 */
    net_tick(NIF, 60900);
    n = frame_dhcp(fr, s.xid, FAKE_IP, opts, on);
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    net_tick(NIF, 60000 + 50000);
    assert_int_equal(net_dhcp_state(NIF), DHCP_RENEWING);
    fake_drain(F);
}

/* RFC 2131 table 1, 'secs': "seconds elapsed since client began address
 * acquisition or renewal process".  With T1 == T2 the client goes from
 * BOUND straight to REBINDING: that is where its renewal begins (0 s), not
 * at the DISCOVER 875 s before. */
static void test_dhcp_rebind_from_bound_secs(void **state)
{
    uint8_t opts[64];
    struct sent s;

    (void)state;
    to_bound(opts, opts_lease(opts, 1000, 875, 875));
    assert_int_equal(rec.l[0].t1_s, 875);
    assert_int_equal(rec.l[0].t2_s, 875);
    net_tick(NIF, 875000);
    assert_int_equal(net_dhcp_state(NIF), DHCP_REBINDING);
    assert_true(next_dhcp(&s));
    assert_int_equal(s.type, 3);
    assert_int_equal(s.ip_dst, 0xffffffffu);
    assert_int_equal(s.secs, 0);
    net_tick(NIF, 875000 + 62500); /* retransmission: half the 125 s left */
    assert_true(next_dhcp(&s));
    assert_int_equal(s.secs, 62);
}

/* RFC 2131 4.4.5: "T1 MUST be earlier than T2, which, in turn, MUST be
 * earlier than the time at which the client's lease will expire."  A
 * server sending T1 = T2 = lease breaks that; taking its T2 anyway
 * (dhcp.c clamps to T2 <= lease, equality allowed) means the lease ends
 * at the very tick that would start rebinding: the address is dropped
 * without one REQUEST to extend it. */
static void test_dhcp_t2_at_lease_end_still_extends(void **state)
{
    uint8_t opts[64];
    struct sent s;
    uint64_t now;
    bool asked = false;

    (void)state;
    to_bound(opts, opts_lease(opts, 1000, 1000, 1000));
    for (now = 1000; now <= 1000000 && !asked; now += 1000) {
        net_tick(NIF, now);
        if (net_dhcp_state(NIF) == DHCP_SELECTING)
            break;
        asked = next_dhcp(&s);
    }
    if (!asked)
        fail_msg("lease lost at %llu ms (state %s, lease_lost %u) without a REQUEST",
                 (unsigned long long)now, net_dhcp_state_name(net_dhcp_state(NIF)),
                 ST.dhcp_lease_lost);
    assert_int_equal(s.type, 3);
    assert_true(s.ciaddr == FAKE_IP);
    assert_true(rec.l[0].t2_s < rec.l[0].lease_s);
    fake_drain(F);
}

/* ---- interface MTU (RFC 2132 5.1, option 26) ------------------------------ */

/* The standard options of a message of this type, then raw option bytes
 * (one or more whole options), then END. */
static size_t opts_with(uint8_t *p, uint8_t type, uint32_t lease_s, const uint8_t *more, size_t len)
{
    size_t n = dhcp_std_opts(p, type, lease_s) - 1; /* drop END */

    if (len)
        memcpy(p + n, more, len);
    n += len;
    p[n++] = 255;
    return n;
}

static const uint8_t mtu1400[] = {26, 2, 0x05, 0x78};

/* Renew at T1 (lease 100 s: 50 s after the last bound) and answer with
 * these extra options; the ACK is taken. */
static void renew_with(const uint8_t *more, size_t len)
{
    uint8_t opts[64];
    struct sent s;
    size_t n;

    net_tick(NIF, NIF->dhcp.bound_ms + 50000);
    assert_true(next_dhcp(&s));
    assert_int_equal(net_dhcp_state(NIF), DHCP_RENEWING);
    n = frame_dhcp(fr, s.xid, FAKE_IP, opts, opts_with(opts, 5, 100, more, len));
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    fake_drain(F);
}

/* An OFFER and ACK with MTU 1400 on a 1500-byte device: the link MTU is
 * 1400 once bound (the OFFER configures nothing), the lease says so, and
 * TCP's SYNs, UDP and ping keep to it (they read nif->mtu).  Before, the
 * option was neither asked for (the parameter request list, checked in
 * take_frame() for every message, lacked 26) nor applied. */
static void test_dhcp_mtu_option_applied(void **state)
{
    uint8_t opts[64];
    struct sent s;
    struct dhcp_lease l;
    size_t n;

    (void)state;
    assert_int_equal(NIF->mtu, 1500);
    assert_int_equal(net_dhcp_start(NIF, on_dhcp, &rec), 0);
    take_discover(&s); /* its parameter request list ends with 26 */
    n = frame_dhcp(fr, s.xid, FAKE_IP, opts, opts_with(opts, 2, 600, mtu1400, sizeof(mtu1400)));
    fake_input(F, fr, n);
    take(&s);
    assert_int_equal(s.type, 3);
    assert_int_equal(NIF->mtu, 1500);
    n = frame_dhcp(fr, s.xid, FAKE_IP, opts, opts_with(opts, 5, 600, mtu1400, sizeof(mtu1400)));
    fake_input(F, fr, n);
    assert_int_equal(net_dhcp_state(NIF), DHCP_BOUND);
    assert_int_equal(NIF->mtu, 1400);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.l[0].mtu, 1400);
    assert_true(net_dhcp_lease(NIF, &l));
    assert_int_equal(l.mtu, 1400);
    assert_int_equal(ST.dhcp_mtu_ignored, 0);
    assert_int_equal(ST.dhcp_bad, 0);
    /* a datagram that fits 1500 but not 1400 is refused */
    assert_int_equal(net_udp_sendto(NIF, 5000, FAKE_GW, 5001, fr, 1400 - 28), 0);
    assert_int_equal(net_udp_sendto(NIF, 5000, FAKE_GW, 5001, fr, 1400 - 27), -NET_EINVAL);
    fake_drain(F);
}

/* The option can only lower the MTU: 9000 on a 1500-byte device leaves
 * 1500, and a device that re-initialises with a smaller MTU wins over
 * the lease's - until it comes back larger, when the lease's limit holds
 * again (each owner sets its own limit; netif takes the smaller). */
static void test_dhcp_mtu_option_never_above_device(void **state)
{
    static const uint8_t mtu9000[] = {26, 2, 0x23, 0x28};
    uint8_t opts[64];

    (void)state;
    to_bound(opts, opts_with(opts, 5, 100, mtu9000, sizeof(mtu9000)));
    assert_int_equal(rec.l[0].mtu, 9000);
    assert_int_equal(NIF->mtu, 1500);
    assert_int_equal(ST.dhcp_mtu_ignored, 0);
    renew_with(mtu1400, sizeof(mtu1400));
    assert_int_equal(NIF->mtu, 1400);
    netif_set_mtu(NIF, 1280); /* the device re-initialised with less */
    assert_int_equal(NIF->mtu, 1280);
    netif_set_mtu(NIF, 1500); /* ... and again with 1500: the lease's 1400 */
    assert_int_equal(NIF->mtu, 1400);
}

/* RFC 2132 5.1: the MTU option is 2 bytes, at least 68.  60, a 3-byte and
 * an empty option are ignored - the link keeps the device's MTU and the
 * lease is taken all the same (the option is not what makes it usable) -
 * and each is counted and logged.  A later good one applies. */
static void test_dhcp_mtu_option_bad_ignored(void **state)
{
    static const uint8_t mtu60[] = {26, 2, 0, 60};
    static const uint8_t mtu_len3[] = {26, 3, 0x05, 0x78, 0};
    static const uint8_t mtu_len0[] = {26, 0};
    static const uint8_t mtu68[] = {26, 2, 0, 68};
    uint8_t opts[64];

    (void)state;
    to_bound(opts, opts_with(opts, 5, 100, mtu60, sizeof(mtu60)));
    assert_int_equal(NIF->ipv4.addr, FAKE_IP);
    assert_int_equal(NIF->mtu, 1500);
    assert_int_equal(rec.l[0].mtu, 0);
    assert_int_equal(ST.dhcp_mtu_ignored, 1);
    assert_int_equal(ST.dhcp_bad, 0);
    assert_non_null(strstr(fake_last_log(), "interface MTU 60 ignored"));
    renew_with(mtu_len3, sizeof(mtu_len3));
    assert_int_equal(NIF->mtu, 1500);
    assert_int_equal(rec.l[1].mtu, 0);
    assert_int_equal(ST.dhcp_mtu_ignored, 2);
    assert_non_null(strstr(fake_last_log(), "length 3 ignored"));
    renew_with(mtu_len0, sizeof(mtu_len0));
    assert_int_equal(NIF->mtu, 1500);
    assert_int_equal(ST.dhcp_mtu_ignored, 3);
    assert_non_null(strstr(fake_last_log(), "length 0 ignored"));
    /* the smallest allowed, then a bad one: the bad one removes it */
    renew_with(mtu68, sizeof(mtu68));
    assert_int_equal(NIF->mtu, 68);
    assert_int_equal(ST.dhcp_mtu_ignored, 3);
    renew_with(mtu60, sizeof(mtu60));
    assert_int_equal(NIF->mtu, 1500);
    assert_int_equal(ST.dhcp_mtu_ignored, 4);
    assert_int_equal(ST.dhcp_bad, 0);
    assert_int_equal(ST.dhcp_bound, 5);
}

/* Each ACK carries the whole configuration (RFC 2131 4.3.1): a renewal
 * without the option ends the lease's MTU - the device's again - and so
 * does losing the lease, with the address. */
static void test_dhcp_mtu_option_removed(void **state)
{
    uint8_t opts[64];
    struct sent s;
    size_t n;

    (void)state;
    to_bound(opts, opts_with(opts, 5, 100, mtu1400, sizeof(mtu1400)));
    assert_int_equal(NIF->mtu, 1400);
    renew_with(NULL, 0);
    assert_int_equal(rec.ev[1], DHCP_EV_RENEWED);
    assert_int_equal(rec.l[1].mtu, 0);
    assert_int_equal(NIF->mtu, 1500);
    renew_with(mtu1400, sizeof(mtu1400));
    assert_int_equal(NIF->mtu, 1400);
    /* NAK in RENEWING: the lease is lost */
    net_tick(NIF, NIF->dhcp.bound_ms + 50000);
    assert_true(next_dhcp(&s));
    n = std_reply(fr, 6, s.xid, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.dhcp_lease_lost, 1);
    assert_int_equal(NIF->ipv4.addr, 0);
    assert_int_equal(NIF->mtu, 1500);
    fake_drain(F);
    /* expiry too, with a device of 1280 this time */
    netif_set_mtu(NIF, 1280);
    net_dhcp_stop(NIF);
    to_bound(opts, opts_with(opts, 5, 100, mtu1400, sizeof(mtu1400)));
    assert_int_equal(NIF->mtu, 1280);
    netif_set_mtu(NIF, 1500);
    assert_int_equal(NIF->mtu, 1400);
    net_tick(NIF, NIF->dhcp.bound_ms + 100000);
    assert_int_equal(ST.dhcp_lease_lost, 2);
    assert_int_equal(NIF->mtu, 1500);
    fake_drain(F);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_dhcp_discover),
        T(test_dhcp_full_exchange),
        T(test_dhcp_unicast_offer_before_bound),
        T(test_dhcp_malformed_offers),
        T(test_dhcp_offer_unusable_server_id),
        T(test_dhcp_overload),
        T(test_dhcp_unexpected_and_foreign),
        T(test_dhcp_nak_in_requesting),
        T(test_dhcp_nak_in_renewing),
        T(test_dhcp_backoff_exact),
        T(test_dhcp_backoff_jitter),
        T(test_dhcp_request_retries_then_rediscover),
        T(test_dhcp_renew_rebind_expire),
        T(test_dhcp_renew_ack),
        T(test_dhcp_rebind_ack_from_new_server),
        T(test_dhcp_lease_times),
        T(test_dhcp_infinite_lease),
        T(test_dhcp_bad_acks),
        T(test_dhcp_ack_subnet_or_broadcast_address),
        T(test_dhcp_ack_slash31),
        T(test_dhcp_stop_and_names),
        T(test_dhcp_no_tx_buffer_retries),
        T(test_dhcp_request_keeps_discover_secs),
        T(test_dhcp_lease_counts_from_request),
        T(test_dhcp_rebind_from_bound_secs),
        T(test_dhcp_t2_at_lease_end_still_extends),
        T(test_dhcp_mtu_option_applied),
        T(test_dhcp_mtu_option_never_above_device),
        T(test_dhcp_mtu_option_bad_ignored),
        T(test_dhcp_mtu_option_removed),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
