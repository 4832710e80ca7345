/*
 * test_net.c - host tests for net/: Ethernet, ARP, IPv4, ICMP (echo, port
 * unreachable, ping client), UDP (bindings, sendto, echo), checksum offload
 * (DATA_VALID and partial checksums received, UDP checksums handed to the
 * driver, no other frame ever marked), the counters and net_stats_print.  DHCP and the ip= parser have their own files.
 *
 * Every test runs against a fake driver (fake_netif.c) that owns every
 * buffer: frames go in through exactly-sized heap buffers and come out as
 * captured copies, and the teardown fails the test if any buffer was
 * leaked or released twice.  Frames are built by fake_netif.c's builders,
 * whose checksum code is independent of the stack's.  Every test asserts
 * concrete bytes and counter values.
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
#include "prot/ethernet.h"
#include "net_priv.h"

static struct fake_netif *F;
static uint8_t fr[FAKE_FRAME_MAX];
#define NIF (&F->nif)
#define ST (F->nif.stats)

static uint32_t rand_state;
static uint32_t test_random(void)
{
    rand_state = rand_state * 1103515245u + 12345u;
    return rand_state >> 8;
}

static uint64_t fake_us;
static uint64_t test_clock(void)
{
    return fake_us;
}

static int setup(void **state)
{
    (void)state;
    rand_state = 1;
    net_set_random(test_random);
    F = fake_open();
    if (F == NULL)
        return -1;
    netif_set_ipv4(NIF, FAKE_IP, FAKE_MASK, FAKE_GW);
    fake_drain(F); /* the announcement; tested on its own */
    memset(&ST, 0, sizeof(ST));
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

/* Recompute the IPv4 header checksum of a frame after mangling a field. */
static void fix_ip_csum(uint8_t *frame)
{
    uint8_t *ip = frame + 14;
    size_t hlen = (size_t)(ip[0] & 0xf) * 4;

    put_be16(ip + 10, 0);
    put_be16(ip + 10, fake_csum(ip, hlen, 0));
}

static struct fake_frame *pop(void)
{
    struct fake_frame *o = fake_pop(F);

    assert_non_null(o);
    return o;
}

static void expect_none(void)
{
    assert_int_equal(fake_pending(F), 0);
}

/* Check the Ethernet + IPv4 headers of an output frame; returns the IPv4
 * payload length. */
static size_t check_ip(const struct fake_frame *o, const uint8_t dst_mac[6], uint32_t src,
                       uint32_t dst, uint8_t proto)
{
    const uint8_t *ip = o->data + 14;

    assert_true(o->len >= 34);
    assert_memory_equal(o->data, dst_mac, 6);
    assert_memory_equal(o->data + 6, fake_mac, 6);
    assert_int_equal(get_be16(o->data + 12), 0x0800);
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(get_be16(ip + 2), o->len - 14);
    assert_int_equal(get_be16(ip + 6), 0); /* no DF, not a fragment */
    assert_int_equal(ip[8], 64);
    assert_int_equal(ip[9], proto);
    assert_int_equal(fake_csum(ip, 20, 0), 0);
    assert_int_equal(get_be32(ip + 12), src);
    assert_int_equal(get_be32(ip + 16), dst);
    return o->len - 34;
}

/* Teach the stack ip -> mac with an ARP request for us; swallow the reply. */
static void learn(uint32_t ip, const uint8_t mac[6])
{
    static const uint8_t zero[6];
    uint8_t m[6];
    size_t n = frame_arp(fr, fake_bcast_mac, 1, mac, ip, zero, FAKE_IP);

    fake_input(F, fr, n);
    free(pop());
    assert_true(net_arp_lookup(NIF, ip, m));
    assert_memory_equal(m, mac, 6);
}

static void fill_pattern(uint8_t *p, size_t n, unsigned seed)
{
    size_t i;

    for (i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7 + seed * 13 + 1);
}

/* Sum of every counter: a test that expects one specific drop checks that
 * nothing else moved, except the traffic counters it names. */
static uint64_t sum_stats(void)
{
    const uint32_t *c = (const uint32_t *)&ST;
    size_t i;
    uint64_t s = 0;

    for (i = 0; i < sizeof(ST) / sizeof(uint32_t); i++)
        s += c[i];
    return s;
}

/* ---- Ethernet ------------------------------------------------------------- */

static void test_eth_runt(void **state)
{
    size_t n;

    (void)state;
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, fake_mac, FAKE_IP);
    assert_int_equal(n, 42);
    for (n = 0; n < 14; n++)
        fake_input(F, fr, n);
    assert_int_equal(ST.eth_runt, 14);
    assert_int_equal(ST.rx_frames, 14);
    assert_int_equal(sum_stats(), 28);
    expect_none();
}

static void test_eth_not_for_us_and_multicast(void **state)
{
    static const uint8_t other[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x57};
    static const uint8_t mcast4[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    static const uint8_t mcast6[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};
    size_t n;

    (void)state;
    n = frame_echo(fr, other, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.eth_not_for_us, 1);
    n = frame_echo(fr, mcast4, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    n = frame_echo(fr, mcast6, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.eth_multicast, 2);
    assert_int_equal(ST.ip_rx, 0);
    assert_int_equal(sum_stats(), 3 + 3);
    expect_none();
}

static void test_eth_bad_src(void **state)
{
    static const uint8_t gsrc[6] = {0x53, 0x55, 0x0a, 0x00, 0x02, 0x03};
    size_t n;

    (void)state;
    n = frame_echo(fr, fake_mac, gsrc, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    n = frame_echo(fr, fake_mac, fake_bcast_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.eth_bad_src, 2);
    assert_int_equal(ST.ip_rx, 0);
    expect_none();
}

static void test_eth_unknown_type(void **state)
{
    static const uint16_t types[] = {0x86dd, 0x8100, 0x0500, 0x88cc, 0x0000, 0xffff};
    size_t i, n;

    (void)state;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
        put_be16(fr + 12, types[i]);
        fake_input(F, fr, n);
    }
    assert_int_equal(ST.eth_unknown_type, 6);
    assert_int_equal(sum_stats(), 12);
    expect_none();
}

static void count_release(struct netbuf *b)
{
    ++*(int *)b->owner;
}

static void test_rx_bad_buffer(void **state)
{
    static uint8_t storage[64];
    static int released;
    struct netbuf nb;

    (void)state;
    memset(&nb, 0, sizeof(nb));
    nb.buf = storage;
    nb.cap = sizeof(storage);
    nb.off = 20;
    nb.len = 50; /* 70 > 64 */
    nb.owner = &released;
    nb.release = count_release;
    released = 0;
    netif_input(NIF, &nb);
    assert_int_equal(ST.rx_bad_buffer, 1);
    assert_int_equal(released, 1);
    expect_none();
}

/* ---- ARP ------------------------------------------------------------------ */

static const uint8_t zero6[6];

static void test_arp_request_reply(void **state)
{
    struct fake_frame *o;
    uint8_t m[6];
    size_t n;

    (void)state;
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m));
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero6, FAKE_IP);
    fake_input(F, fr, n);
    o = pop();
    {
        const uint8_t want[42] = {
            0x52, 0x55, 0x0a, 0x00, 0x02, 0x03, /* to the requester */
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* from us */
            0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x02,
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15, /* sha/spa: us */
            0x52, 0x55, 0x0a, 0x00, 0x02, 0x03, 10, 0, 2, 3,  /* tha/tpa: requester */
        };
        assert_int_equal(o->len, 42);
        assert_memory_equal(o->data, want, 42);
    }
    free(o);
    assert_true(net_arp_lookup(NIF, FAKE_PEER, m));
    assert_memory_equal(m, fake_peer_mac, 6);
    assert_int_equal(ST.arp_rx, 1);
    assert_int_equal(ST.arp_replies_sent, 1);
    assert_int_equal(ST.tx_frames, 1);
    expect_none();
}

static void test_arp_padded_request(void **state)
{
    struct fake_frame *o;
    size_t n;

    (void)state;
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero6, FAKE_IP);
    memset(fr + n, 0xee, 18);
    fake_input(F, fr, 60);
    o = pop();
    assert_int_equal(o->len, 42);
    assert_int_equal(get_be16(o->data + 20), 2);
    assert_int_equal(get_be32(o->data + 38), FAKE_PEER);
    free(o);
}

static void test_arp_truncated(void **state)
{
    size_t k, n;
    uint8_t m[6];

    (void)state;
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero6, FAKE_IP);
    for (k = 14; k < n; k++)
        fake_input(F, fr, k);
    assert_int_equal(ST.arp_truncated, 28);
    assert_int_equal(ST.arp_rx, 28);
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m));
    expect_none();
}

static void test_arp_bad_fields(void **state)
{
    struct {
        size_t off;
        uint8_t val;
    } mangle[] = {
        {14 + 1, 6},     /* htype 6 */
        {14 + 0, 1},     /* htype 0x0101 */
        {14 + 2, 0x86},  /* ptype 0x8600 */
        {14 + 3, 0x06},  /* ptype 0x0806 */
        {14 + 4, 8},     /* hlen */
        {14 + 5, 16},    /* plen */
        {14 + 7, 0},     /* op 0 */
        {14 + 7, 3},     /* op 3 (RARP) */
        {14 + 8, 0x01},  /* sender MAC multicast */
    };
    size_t i, n;
    uint8_t m[6];

    (void)state;
    for (i = 0; i < sizeof(mangle) / sizeof(mangle[0]); i++) {
        n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero6, FAKE_IP);
        fr[mangle[i].off] = mangle[i].val;
        fake_input(F, fr, n);
    }
    assert_int_equal(ST.arp_bad, 9);
    /* sender claims our MAC */
    n = frame_arp(fr, fake_bcast_mac, 1, fake_mac, FAKE_PEER, zero6, FAKE_IP);
    memcpy(fr + 6, fake_peer_mac, 6);
    fake_input(F, fr, n);
    /* sender IP broadcast / multicast */
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, 0xffffffffu, zero6, FAKE_IP);
    fake_input(F, fr, n);
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, 0xe0000001u, zero6, FAKE_IP);
    fake_input(F, fr, n);
    assert_int_equal(ST.arp_bad, 12);
    assert_int_equal(ST.arp_rx, 12);
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m));
    expect_none();
}

static void test_arp_for_other_host(void **state)
{
    uint8_t m[6];
    size_t n;

    (void)state;
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero6, 0x0a000263u);
    fake_input(F, fr, n);
    assert_int_equal(ST.arp_not_for_us, 1);
    assert_int_equal(ST.arp_replies_sent, 0);
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m)); /* not learned: not for us */
    expect_none();
}

static void test_arp_merge_known_sender(void **state)
{
    static const uint8_t newmac[6] = {0x02, 0, 0, 0, 0, 9};
    uint8_t m[6];
    size_t n;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    n = frame_arp(fr, fake_bcast_mac, 1, newmac, FAKE_PEER, zero6, 0x0a000263u);
    fake_input(F, fr, n);
    assert_int_equal(ST.arp_not_for_us, 1);
    assert_true(net_arp_lookup(NIF, FAKE_PEER, m));
    assert_memory_equal(m, newmac, 6);
    expect_none();
}

static void test_arp_conflict(void **state)
{
    uint8_t m[6];
    size_t n;

    (void)state;
    n = frame_arp(fr, fake_bcast_mac, 2, fake_peer_mac, FAKE_IP, zero6, FAKE_IP);
    fake_input(F, fr, n);
    assert_int_equal(ST.arp_conflict, 1);
    assert_non_null(strstr(fake_last_log(), "10.0.2.15"));
    assert_non_null(strstr(fake_last_log(), "52:55:0a:00:02:03"));
    assert_false(net_arp_lookup(NIF, FAKE_IP, m));
    expect_none();
}

static void test_arp_probe_answered_not_learned(void **state)
{
    struct fake_frame *o;
    uint8_t m[6];
    size_t n;

    (void)state;
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, 0, zero6, FAKE_IP);
    fake_input(F, fr, n);
    o = pop();
    assert_memory_equal(o->data, fake_peer_mac, 6);
    assert_int_equal(get_be16(o->data + 20), 2);
    assert_memory_equal(o->data + 32, fake_peer_mac, 6);
    assert_int_equal(get_be32(o->data + 38), 0);
    free(o);
    assert_false(net_arp_lookup(NIF, 0, m));
}

static void test_flush_releases_queued(void **state)
{
    uint8_t m[6];

    (void)state;
    learn(FAKE_GW, fake_gw_mac);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), 0);
    free(pop());
    assert_int_equal(fake_outstanding(F), 1);
    netif_flush(NIF);
    assert_int_equal(fake_outstanding(F), 0);
    assert_false(net_arp_lookup(NIF, FAKE_GW, m));
    net_tick(NIF, 60000);
    expect_none();
}

static void check_arp_request(const struct fake_frame *o, const uint8_t dst[6], uint32_t tpa)
{
    assert_int_equal(o->len, 42);
    assert_memory_equal(o->data, dst, 6);
    assert_memory_equal(o->data + 6, fake_mac, 6);
    assert_int_equal(get_be16(o->data + 12), 0x0806);
    assert_int_equal(get_be16(o->data + 14), 1);
    assert_int_equal(get_be16(o->data + 16), 0x0800);
    assert_int_equal(o->data[18], 6);
    assert_int_equal(o->data[19], 4);
    assert_int_equal(get_be16(o->data + 20), 1);
    assert_memory_equal(o->data + 22, fake_mac, 6);
    assert_int_equal(get_be32(o->data + 28), FAKE_IP);
    assert_memory_equal(o->data + 32, zero6, 6);
    assert_int_equal(get_be32(o->data + 38), tpa);
}

static void test_arp_queue_and_resolve(void **state)
{
    struct fake_frame *o;
    size_t n;

    (void)state;
    assert_int_equal(net_udp_sendto(NIF, 1000, FAKE_PEER, 2000, "first", 5), 0);
    o = pop();
    check_arp_request(o, fake_bcast_mac, FAKE_PEER);
    free(o);
    expect_none();
    /* a second packet replaces the first; no second request */
    assert_int_equal(net_udp_sendto(NIF, 1000, FAKE_PEER, 2000, "second", 6), 0);
    assert_int_equal(ST.arp_queue_dropped, 1);
    expect_none();
    assert_int_equal(fake_outstanding(F), 1);
    /* the reply releases the queued datagram */
    n = frame_arp(fr, fake_mac, 2, fake_peer_mac, FAKE_PEER, fake_mac, FAKE_IP);
    fake_input(F, fr, n);
    o = pop();
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17), 8 + 6);
    assert_memory_equal(o->data + 42, "second", 6);
    free(o);
    expect_none();
    assert_int_equal(ST.arp_requests_sent, 1);
    assert_int_equal(ST.arp_not_for_us, 0);
    assert_int_equal(fake_outstanding(F), 0);
    /* now resolved: straight out */
    assert_int_equal(net_udp_sendto(NIF, 1000, FAKE_PEER, 2000, "third", 5), 0);
    o = pop();
    assert_memory_equal(o->data, fake_peer_mac, 6);
    free(o);
}

static void test_arp_retry_then_drop(void **state)
{
    struct fake_frame *o;
    uint64_t t;

    (void)state;
    net_tick(NIF, 10000);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), 0);
    o = pop();
    check_arp_request(o, fake_bcast_mac, FAKE_PEER);
    free(o);
    for (t = 1; t <= ARP_RETRIES; t++) {
        net_tick(NIF, 10000 + t * 1000 - 1);
        expect_none();
        net_tick(NIF, 10000 + t * 1000);
        o = pop();
        check_arp_request(o, fake_bcast_mac, FAKE_PEER);
        free(o);
        assert_int_equal(fake_outstanding(F), 1);
    }
    assert_int_equal(ST.arp_requests_sent, 1 + ARP_RETRIES);
    net_tick(NIF, 10000 + (ARP_RETRIES + 1) * 1000);
    expect_none();
    assert_int_equal(ST.arp_unresolved, 1);
    assert_int_equal(fake_outstanding(F), 0);
    net_tick(NIF, 30000);
    expect_none();
    assert_int_equal(ST.arp_requests_sent, 4);
}

/* arp_tick() walks the table only when an entry's deadline has come: one
 * far away (a fresh REACHABLE entry's) must not hide a nearer one added
 * later (a new request's retry), nor the far one be lost after it. */
static void test_arp_nearer_deadline_added_later(void **state)
{
    struct fake_frame *o;
    const uint32_t other = FAKE_PEER + 1;
    uint8_t m[6];

    (void)state;
    net_tick(NIF, 1000);
    learn(FAKE_PEER, fake_peer_mac); /* due at 1000 + ARP_REACHABLE_MS */
    net_tick(NIF, 2000);
    expect_none();
    assert_int_equal(net_udp_sendto(NIF, 1, other, 2, "x", 1), 0);
    o = pop();
    check_arp_request(o, fake_bcast_mac, other);
    free(o);
    net_tick(NIF, 2000 + ARP_RETRY_MS - 1);
    expect_none();
    net_tick(NIF, 2000 + ARP_RETRY_MS); /* the retry, on time */
    o = pop();
    check_arp_request(o, fake_bcast_mac, other);
    free(o);
    for (unsigned k = 2; k <= ARP_RETRIES; k++) {
        net_tick(NIF, 2000 + k * ARP_RETRY_MS);
        o = pop();
        check_arp_request(o, fake_bcast_mac, other);
        free(o);
    }
    net_tick(NIF, 2000 + (ARP_RETRIES + 1) * ARP_RETRY_MS); /* given up */
    expect_none();
    assert_int_equal(ST.arp_unresolved, 1);
    assert_true(net_arp_lookup(NIF, FAKE_PEER, m));
    net_tick(NIF, 1000 + ARP_REACHABLE_MS); /* unused: the far deadline still holds */
    expect_none();
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m));
    assert_int_equal(ST.arp_expired, 1);
}

static void test_clock_backwards_ignored(void **state)
{
    struct fake_frame *o;

    (void)state;
    net_tick(NIF, 10000);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), 0);
    free(pop());
    net_tick(NIF, 5000); /* an unsigned "now - then" would wrap and fire */
    expect_none();
    assert_int_equal(NIF->now_ms, 10000);
    net_tick(NIF, 10999);
    expect_none();
    net_tick(NIF, 11000);
    o = pop();
    check_arp_request(o, fake_bcast_mac, FAKE_PEER);
    free(o);
}

static void test_arp_refresh_unanswered(void **state)
{
    struct fake_frame *o;
    uint64_t t0 = 1000;
    uint8_t m[6];
    unsigned i;

    (void)state;
    net_tick(NIF, t0);
    learn(FAKE_PEER, fake_peer_mac);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), 0);
    free(pop());
    net_tick(NIF, t0 + ARP_REACHABLE_MS - 1);
    expect_none();
    net_tick(NIF, t0 + ARP_REACHABLE_MS);
    o = pop(); /* unicast re-request to the known MAC */
    check_arp_request(o, fake_peer_mac, FAKE_PEER);
    free(o);
    /* still usable while being refreshed */
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "y", 1), 0);
    o = pop();
    assert_memory_equal(o->data, fake_peer_mac, 6);
    assert_int_equal(get_be16(o->data + 12), 0x0800);
    free(o);
    for (i = 1; i <= ARP_RETRIES; i++) {
        net_tick(NIF, t0 + ARP_REACHABLE_MS + i * ARP_RETRY_MS);
        o = pop();
        check_arp_request(o, fake_peer_mac, FAKE_PEER);
        free(o);
    }
    net_tick(NIF, t0 + ARP_REACHABLE_MS + (ARP_RETRIES + 1) * ARP_RETRY_MS);
    expect_none();
    assert_int_equal(ST.arp_expired, 1);
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m));
    /* gone: the next datagram waits for a broadcast request */
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "z", 1), 0);
    o = pop();
    check_arp_request(o, fake_bcast_mac, FAKE_PEER);
    free(o);
}

static void test_arp_refresh_answered(void **state)
{
    struct fake_frame *o;
    uint8_t m[6];
    size_t n;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), 0);
    free(pop());
    net_tick(NIF, ARP_REACHABLE_MS);
    o = pop();
    check_arp_request(o, fake_peer_mac, FAKE_PEER);
    free(o);
    n = frame_arp(fr, fake_mac, 2, fake_peer_mac, FAKE_PEER, fake_mac, FAKE_IP);
    fake_input(F, fr, n);
    net_tick(NIF, ARP_REACHABLE_MS + 10 * ARP_RETRY_MS);
    expect_none();
    assert_true(net_arp_lookup(NIF, FAKE_PEER, m));
    assert_int_equal(ST.arp_expired, 0);
    /* unused since the refresh: ages out without a request */
    net_tick(NIF, 2 * ARP_REACHABLE_MS);
    expect_none();
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m));
    assert_int_equal(ST.arp_expired, 1);
}

static void test_arp_unused_expires(void **state)
{
    uint8_t m[6];

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    net_tick(NIF, ARP_REACHABLE_MS);
    expect_none();
    assert_false(net_arp_lookup(NIF, FAKE_PEER, m));
    assert_int_equal(ST.arp_expired, 1);
}

static void test_arp_table_full_evicts_oldest(void **state)
{
    uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0}, m[6];
    uint32_t i;

    (void)state;
    for (i = 0; i < ARP_TABLE_SIZE + 1; i++) {
        net_tick(NIF, 100 + i);
        mac[5] = (uint8_t)i;
        learn(0x0a000264u + i, mac);
    }
    assert_int_equal(ST.arp_evicted, 1);
    assert_false(net_arp_lookup(NIF, 0x0a000264u, m));
    for (i = 1; i < ARP_TABLE_SIZE + 1; i++)
        assert_true(net_arp_lookup(NIF, 0x0a000264u + i, m));
}

static void test_arp_evict_pending_drops_packet(void **state)
{
    uint32_t i;

    (void)state;
    for (i = 0; i < ARP_TABLE_SIZE + 1; i++) {
        net_tick(NIF, 100 + i);
        assert_int_equal(net_udp_sendto(NIF, 1, 0x0a000264u + i, 2, "q", 1), 0);
    }
    assert_int_equal(ST.arp_evicted, 1);
    assert_int_equal(ST.arp_queue_dropped, 1);
    assert_int_equal(ST.arp_requests_sent, ARP_TABLE_SIZE + 1);
    assert_int_equal(fake_outstanding(F), ARP_TABLE_SIZE);
    fake_drain(F);
    for (i = 0; i < ARP_RETRIES; i++)
        net_tick(NIF, 100000 + i * ARP_RETRY_MS);
    assert_int_equal(ST.arp_unresolved, 0);
    assert_int_equal(ST.arp_requests_sent, (ARP_TABLE_SIZE + 1) + ARP_TABLE_SIZE * ARP_RETRIES);
    fake_drain(F);
    net_tick(NIF, 100000 + ARP_RETRIES * ARP_RETRY_MS);
    expect_none();
    assert_int_equal(ST.arp_unresolved, ARP_TABLE_SIZE);
    assert_int_equal(fake_outstanding(F), 0);
}

static void test_gratuitous_arp(void **state)
{
    struct fake_frame *o;

    (void)state;
    netif_set_link(NIF, false);
    netif_set_ipv4(NIF, 0x0a000210u, FAKE_MASK, FAKE_GW);
    expect_none(); /* link down: nothing */
    netif_set_link(NIF, true);
    o = pop();
    {
        const uint8_t want[42] = {
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
            0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 16,
            0, 0, 0, 0, 0, 0, 10, 0, 2, 16,
        };
        assert_int_equal(o->len, 42);
        assert_memory_equal(o->data, want, 42);
    }
    free(o);
    expect_none();
    /* up again: no repeat */
    netif_set_link(NIF, true);
    expect_none();
    /* a new address while up is announced */
    netif_set_ipv4(NIF, FAKE_IP, FAKE_MASK, FAKE_GW);
    o = pop();
    assert_int_equal(get_be32(o->data + 28), FAKE_IP);
    assert_int_equal(get_be32(o->data + 38), FAKE_IP);
    free(o);
    /* removing it is not */
    netif_set_ipv4(NIF, 0, 0, 0);
    expect_none();
    assert_int_equal(NIF->ipv4.netmask, 0);
    assert_int_equal(NIF->ipv4.gw, 0);
}

/* netif_announce (the device asked, after a migration): the same RFC 5227
 * announcement for the address, counted; nothing without an address, with
 * the link down or without a buffer. */
static void test_announce_on_request(void **state)
{
    struct fake_frame *o;

    (void)state;
    uint32_t before = ST.arp_announced;
    assert_true(netif_announce(NIF));
    o = pop();
    {
        const uint8_t want[42] = {
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
            0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
            0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        };
        assert_int_equal(o->len, 42);
        assert_memory_equal(o->data, want, 28);            /* up to the sender's address */
        assert_int_equal(get_be32(o->data + 28), FAKE_IP); /* sender: ours */
        assert_memory_equal(o->data + 32, want + 32, 6);   /* target MAC zero */
        assert_int_equal(get_be32(o->data + 38), FAKE_IP); /* target: ours too */
    }
    free(o);
    expect_none();
    assert_int_equal(ST.arp_announced, before + 1);
    /* no buffer: nothing sent, nothing counted */
    F->tx_budget = 0;
    assert_false(netif_announce(NIF));
    F->tx_budget = -1;
    expect_none();
    assert_int_equal(ST.arp_announced, before + 1);
    /* link down: nothing */
    netif_set_link(NIF, false);
    assert_false(netif_announce(NIF));
    expect_none();
    netif_set_link(NIF, true);
    o = pop(); /* the link's own announcement */
    free(o);
    assert_int_equal(ST.arp_announced, before + 2);
    /* no address: nothing */
    netif_set_ipv4(NIF, 0, 0, 0);
    assert_false(netif_announce(NIF));
    expect_none();
    assert_int_equal(ST.arp_announced, before + 2);
}

static void test_link_down_drops_tx(void **state)
{
    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    netif_set_link(NIF, false);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), -NET_ELINKDOWN);
    assert_int_equal(ST.tx_link_down, 1);
    expect_none();
}

/* ---- IPv4 ----------------------------------------------------------------- */

/* An echo request from the peer (unicast to us) with a 16-byte payload. */
static size_t echo_frame(uint8_t *out, size_t size)
{
    uint8_t data[1500];

    fill_pattern(data, size, 3);
    return frame_echo(out, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0x1234, 7, data, size);
}

static void test_ip_truncated_every_length(void **state)
{
    size_t n, k;

    (void)state;
    n = echo_frame(fr, 16);
    for (k = 14; k < n; k++)
        fake_input(F, fr, k);
    assert_int_equal(ST.ip_rx, n - 14);
    assert_int_equal(ST.ip_truncated, n - 14);
    assert_int_equal(ST.icmp_rx, 0);
    expect_none();
    fake_input(F, fr, n);
    free(pop());
}

static void test_ip_bad_version_and_hlen(void **state)
{
    size_t n;
    unsigned v;

    (void)state;
    n = echo_frame(fr, 16);
    fr[14] = 0x65;
    fix_ip_csum(fr);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_bad_version, 1);
    for (v = 0; v < 5; v++) {
        n = echo_frame(fr, 16);
        fr[14] = (uint8_t)(0x40 | v);
        fake_input(F, fr, n);
    }
    assert_int_equal(ST.ip_bad_hlen, 5);
    /* IHL 15 (60 bytes) in a 44-byte packet */
    n = echo_frame(fr, 16);
    fr[14] = 0x4f;
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_truncated, 1);
    expect_none();
}

static void test_ip_total_length(void **state)
{
    size_t n;

    (void)state;
    n = echo_frame(fr, 16);
    put_be16(fr + 16, 19); /* < header */
    fix_ip_csum(fr);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_bad_len, 1);
    n = echo_frame(fr, 16);
    put_be16(fr + 16, (uint16_t)(n - 14 + 1)); /* one past the frame */
    fix_ip_csum(fr);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_truncated, 1);
    /* shorter than the frame: the rest is padding, trimmed; the ICMP
     * message then ends early and its checksum no longer matches */
    n = echo_frame(fr, 16);
    put_be16(fr + 16, (uint16_t)(n - 14 - 2));
    fix_ip_csum(fr);
    fake_input(F, fr, n);
    assert_int_equal(ST.icmp_bad_checksum, 1);
    expect_none();
}

static void test_ip_padding_trimmed(void **state)
{
    struct fake_frame *o;
    size_t n;

    (void)state;
    n = echo_frame(fr, 2); /* 14 + 20 + 10 = 44: a real NIC pads to 60 */
    memset(fr + n, 0, 16);
    fake_input(F, fr, 60);
    o = pop();
    assert_int_equal(o->len, 44);
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1), 10);
    assert_int_equal(fake_csum(o->data + 34, 10, 0), 0);
    free(o);
}

static void test_ip_bad_checksum(void **state)
{
    size_t n;

    (void)state;
    n = echo_frame(fr, 16);
    fr[14 + 10] ^= 0x01;
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_bad_checksum, 1);
    n = echo_frame(fr, 16);
    fr[14 + 8] = 1; /* TTL changed, checksum not */
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_bad_checksum, 2);
    assert_int_equal(ST.icmp_rx, 0);
    expect_none();
}

static void test_ip_fragments(void **state)
{
    static const uint16_t frag[] = {0x2000, 0x0001, 0x1fff, 0x2010, 0x6000};
    size_t i, n;

    (void)state;
    for (i = 0; i < 5; i++) {
        n = echo_frame(fr, 16);
        put_be16(fr + 20, frag[i]);
        fix_ip_csum(fr);
        fake_input(F, fr, n);
    }
    assert_int_equal(ST.ip_fragment, 5);
    expect_none();
    /* DF alone (and the reserved bit) is not a fragment */
    n = echo_frame(fr, 16);
    put_be16(fr + 20, 0x4000);
    fix_ip_csum(fr);
    fake_input(F, fr, n);
    free(pop());
    n = echo_frame(fr, 16);
    put_be16(fr + 20, 0x8000);
    fix_ip_csum(fr);
    fake_input(F, fr, n);
    free(pop());
    assert_int_equal(ST.ip_fragment, 5);
}

/* An IPv4 frame with `optlen` bytes of options (NOPs then EOL). */
static size_t frame_with_options(uint8_t *out, size_t optlen, uint8_t proto, const uint8_t *l4,
                                 size_t l4len)
{
    size_t n = build_eth(out, fake_mac, fake_peer_mac, 0x0800);
    uint8_t *ip = out + n;
    size_t hlen = 20 + optlen;

    build_ip4(ip, FAKE_PEER, FAKE_IP, proto, NULL, 0);
    ip[0] = (uint8_t)(0x40 | hlen / 4);
    put_be16(ip + 2, (uint16_t)(hlen + l4len));
    memset(ip + 20, 1, optlen);
    ip[hlen - 1] = 0;
    memcpy(ip + hlen, l4, l4len);
    fix_ip_csum(out);
    return n + hlen + l4len;
}

static void test_ip_options_skipped(void **state)
{
    uint8_t msg[64], data[24];
    struct fake_frame *o;
    size_t m, n;

    (void)state;
    fill_pattern(data, sizeof(data), 9);
    m = build_icmp_echo(msg, 8, 0x4242, 3, data, sizeof(data));
    n = frame_with_options(fr, 8, 1, msg, m);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_options, 1);
    o = pop();
    /* reply has no options; the ICMP message is unchanged but for type/checksum */
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1), m);
    assert_int_equal(o->data[34], 0);
    assert_int_equal(fake_csum(o->data + 34, m, 0), 0);
    assert_memory_equal(o->data + 34 + 4, msg + 4, m - 4);
    free(o);
    /* 40 bytes of options (IHL 15) */
    n = frame_with_options(fr, 40, 1, msg, m);
    fake_input(F, fr, n);
    o = pop();
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1), m);
    assert_memory_equal(o->data + 34 + 4, msg + 4, m - 4);
    free(o);
    assert_int_equal(ST.ip_options, 2);
}

static void test_ip_not_for_us(void **state)
{
    size_t n;

    (void)state;
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, 0x0a000263u, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    n = frame_echo(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0xe0000001u, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, 0x0a000200u, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n); /* the network address is not a broadcast */
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, 0, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_not_for_us, 4);
    assert_int_equal(ST.icmp_rx, 0);
    expect_none();
}

/* Sources that name no one host (RFC 1122 3.2.1.3), and our own address
 * (a forged LAND datagram: answering it would talk to ourselves). */
static void test_ip_bad_src(void **state)
{
    static const uint32_t src[] = {0, 0xffffffffu, 0xe0000005u, 0x0a0002ffu, FAKE_IP};
    size_t i, n;

    (void)state;
    for (i = 0; i < 5; i++) {
        n = frame_echo(fr, fake_mac, fake_peer_mac, src[i], FAKE_IP, 8, 1, 1, NULL, 0);
        fake_input(F, fr, n);
    }
    assert_int_equal(ST.ip_bad_src, 5);
    expect_none();
}

static void test_ip_unknown_proto(void **state)
{
    uint8_t seg[20] = {0};
    size_t n;

    (void)state;
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 132, seg, sizeof(seg)); /* SCTP (6, TCP, is known) */
    fake_input(F, fr, n);
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 58, seg, sizeof(seg));
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_unknown_proto, 2);
    expect_none();
}

static void test_ip_unconfigured_drops_unicast(void **state)
{
    size_t n;

    (void)state;
    netif_set_ipv4(NIF, 0, 0, 0);
    n = echo_frame(fr, 8);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_not_for_us, 1);
    expect_none();
}

static void test_route(void **state)
{
    struct fake_frame *o;
    size_t n;

    (void)state;
    /* off-link: ARP for the gateway, not the destination */
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_FAR, 2, "x", 1), 0);
    o = pop();
    check_arp_request(o, fake_bcast_mac, FAKE_GW);
    free(o);
    n = frame_arp(fr, fake_mac, 2, fake_gw_mac, FAKE_GW, fake_mac, FAKE_IP);
    fake_input(F, fr, n);
    o = pop(); /* the queued datagram, to the gateway's MAC, IP dst unchanged */
    check_ip(o, fake_gw_mac, FAKE_IP, FAKE_FAR, 17);
    free(o);
    /* broadcasts need no ARP */
    assert_int_equal(net_udp_sendto(NIF, 1, 0xffffffffu, 2, "b", 1), 0);
    o = pop();
    check_ip(o, fake_bcast_mac, FAKE_IP, 0xffffffffu, 17);
    free(o);
    assert_int_equal(net_udp_sendto(NIF, 1, 0x0a0002ffu, 2, "b", 1), 0);
    o = pop();
    check_ip(o, fake_bcast_mac, FAKE_IP, 0x0a0002ffu, 17);
    free(o);
    /* no gateway: off-link is unreachable, on-link still fine */
    netif_set_ipv4(NIF, FAKE_IP, FAKE_MASK, 0);
    free(pop());
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_FAR, 2, "x", 1), -NET_ENOROUTE);
    assert_int_equal(ST.no_route, 1);
    assert_int_equal(net_udp_sendto(NIF, 1, 0xe0000001u, 2, "x", 1), -NET_ENOROUTE);
    assert_int_equal(ST.no_route, 2);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_GW, 2, "x", 1), 0);
    free(pop());
    /* no address: nothing but broadcast */
    netif_set_ipv4(NIF, 0, 0, 0);
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_GW, 2, "x", 1), -NET_ENOROUTE);
    assert_int_equal(ST.no_route, 3);
    assert_int_equal(net_udp_sendto(NIF, 68, 0xffffffffu, 67, "x", 1), 0);
    o = pop();
    check_ip(o, fake_bcast_mac, 0, 0xffffffffu, 17);
    free(o);
    expect_none();
}

/* ---- ICMP ----------------------------------------------------------------- */

static void test_icmp_echo_all_sizes(void **state)
{
    uint8_t data[1472];
    struct fake_frame *o;
    size_t size, n;

    (void)state;
    for (size = 0; size <= 1472; size++) {
        fill_pattern(data, size, (unsigned)size);
        n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0xbeef,
                       (uint16_t)size, data, size);
        fake_input(F, fr, n);
        o = pop();
        assert_int_equal(o->len, n);
        assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1), 8 + size);
        assert_int_equal(o->data[34], 0); /* echo reply */
        assert_int_equal(o->data[35], 0);
        assert_int_equal(fake_csum(o->data + 34, 8 + size, 0), 0);
        assert_int_equal(get_be16(o->data + 38), 0xbeef);
        assert_int_equal(get_be16(o->data + 40), (uint16_t)size);
        if (size)
            assert_memory_equal(o->data + 42, data, size);
        free(o);
        expect_none();
    }
    assert_int_equal(ST.icmp_echo_replied, 1473);
    assert_int_equal(ST.icmp_rx, 1473);
    assert_int_equal(ST.tx_frames, 1473);
    assert_int_equal(fake_outstanding(F), 0);
}

static void test_icmp_truncated(void **state)
{
    uint8_t msg[8];
    size_t k, n;

    (void)state;
    for (k = 0; k < 8; k++) {
        memset(msg, 0, sizeof(msg));
        msg[0] = 8;
        put_be16(msg + 2, fake_csum(msg, k, 0)); /* right checksum for its length */
        if (k < 4)
            put_be16(msg + 2, 0xffff);
        n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 1, msg, k);
        fake_input(F, fr, n);
    }
    assert_int_equal(ST.icmp_truncated, 8);
    assert_int_equal(ST.icmp_bad_checksum, 0);
    /* an echo reply shorter than 8 is truncated too */
    memset(msg, 0, sizeof(msg));
    put_be16(msg + 2, fake_csum(msg, 6, 0));
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 1, msg, 6);
    fake_input(F, fr, n);
    assert_int_equal(ST.icmp_truncated, 9);
    expect_none();
}

static void test_icmp_bad_checksum(void **state)
{
    size_t n;

    (void)state;
    n = echo_frame(fr, 33);
    fr[n - 1] ^= 0x80;
    fake_input(F, fr, n);
    n = echo_frame(fr, 33);
    fr[36] ^= 0x01;
    fake_input(F, fr, n);
    assert_int_equal(ST.icmp_bad_checksum, 2);
    assert_int_equal(ST.icmp_echo_replied, 0);
    expect_none();
}

static void test_icmp_echo_broadcast_ignored(void **state)
{
    size_t n;

    (void)state;
    n = frame_echo(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0xffffffffu, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    n = frame_echo(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0x0a0002ffu, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.icmp_echo_bcast, 2);
    expect_none();
}

static void test_icmp_other_types(void **state)
{
    uint8_t msg[36];
    size_t n;

    (void)state;
    memset(msg, 0, sizeof(msg));
    msg[0] = 13; /* timestamp */
    put_be16(msg + 2, fake_csum(msg, 20, 0));
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 1, msg, 20);
    fake_input(F, fr, n);
    assert_int_equal(ST.icmp_unknown_type, 1);
    memset(msg, 0, sizeof(msg));
    msg[0] = 3;
    msg[1] = 1;
    put_be16(msg + 2, fake_csum(msg, 36, 0));
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 1, msg, 36);
    fake_input(F, fr, n);
    memset(msg, 0, sizeof(msg));
    msg[0] = 11;
    put_be16(msg + 2, fake_csum(msg, 36, 0));
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 1, msg, 36);
    fake_input(F, fr, n);
    assert_int_equal(ST.icmp_error_rx, 2);
    /* an unsolicited echo reply */
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 0, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.ping_unmatched, 1);
    expect_none(); /* and never an error in reply to ICMP */
}

/* ---- UDP ------------------------------------------------------------------ */

static size_t udp_frame(uint8_t *out, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
    return frame_udp(out, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, sport, dport, data, len);
}

static void check_udp_csum(const struct fake_frame *o, uint32_t src, uint32_t dst)
{
    size_t ulen = get_be16(o->data + 38);

    assert_int_equal(ulen, o->len - 34);
    assert_int_not_equal(get_be16(o->data + 40), 0);
    assert_int_equal(fake_csum(o->data + 34, ulen, pseudo(src, dst, 17, ulen)), 0);
}

static void test_udp_echo_all_sizes(void **state)
{
    uint8_t data[1472];
    struct fake_frame *o;
    size_t size, n;

    (void)state;
    for (size = 1; size <= 1472; size++) {
        fill_pattern(data, size, (unsigned)size + 5);
        n = udp_frame(fr, 40000, 7, data, size);
        fake_input(F, fr, n);
        o = pop();
        assert_int_equal(o->len, n);
        assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17), 8 + size);
        assert_int_equal(get_be16(o->data + 34), 7);
        assert_int_equal(get_be16(o->data + 36), 40000);
        check_udp_csum(o, FAKE_IP, FAKE_PEER);
        assert_memory_equal(o->data + 42, data, size);
        free(o);
        expect_none();
    }
    assert_int_equal(ST.udp_echo_replied, 1472);
    assert_int_equal(fake_outstanding(F), 0);
}

static void test_udp_echo_no_checksum_and_zero_length(void **state)
{
    struct fake_frame *o;
    size_t n;

    (void)state;
    n = udp_frame(fr, 40000, 7, "abc", 3);
    put_be16(fr + 40, 0); /* sender computed no checksum */
    fake_input(F, fr, n);
    o = pop();
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    assert_memory_equal(o->data + 42, "abc", 3);
    free(o);
    n = udp_frame(fr, 40000, 7, NULL, 0);
    fake_input(F, fr, n);
    o = pop();
    assert_int_equal(o->len, 42);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    free(o);
}

static void test_udp_echo_refusals(void **state)
{
    struct fake_frame *o;
    size_t n;

    (void)state;
    n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0xffffffffu, 40000, 7, "a", 1);
    fake_input(F, fr, n);
    assert_int_equal(ST.udp_echo_bcast, 1);
    n = udp_frame(fr, 7, 7, "a", 1);
    fake_input(F, fr, n);
    n = udp_frame(fr, 0, 7, "a", 1);
    fake_input(F, fr, n);
    assert_int_equal(ST.udp_echo_loop, 2);
    expect_none();
    /* echo off: the port is closed */
    net_udp_echo_enable(NIF, false);
    learn(FAKE_PEER, fake_peer_mac);
    n = udp_frame(fr, 40000, 7, "a", 1);
    fake_input(F, fr, n);
    assert_int_equal(ST.udp_no_port, 1);
    o = pop();
    check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1);
    assert_int_equal(o->data[34], 3);
    free(o);
}

/* An echo sent to a service that answers every datagram - another echo
 * (7), daytime (13), quote of the day (17), chargen (19), time (37) -
 * brings an answer that is echoed again, for ever: one datagram forged
 * with such a server's address and port starts a flood between the two
 * hosts (the UDP echo/chargen loop, CVE-1999-0103).  Those source ports
 * get no echo (udp_echo_loop); any other, low or not, does. */
static void test_udp_echo_no_loop_with_answering_services(void **state)
{
    static const uint16_t loop_ports[] = {0, 7, 13, 17, 19, 37};
    static const uint16_t fine_ports[] = {1, 9, 53, 63, 64, 123, 1024, 40000};
    struct fake_frame *o;
    size_t n, i;

    (void)state;
    for (i = 0; i < sizeof(loop_ports) / sizeof(loop_ports[0]); i++) {
        n = udp_frame(fr, loop_ports[i], 7, "a", 1);
        fake_input(F, fr, n);
        expect_none();
        assert_int_equal(ST.udp_echo_loop, i + 1);
    }
    assert_int_equal(ST.udp_echo_replied, 0);
    for (i = 0; i < sizeof(fine_ports) / sizeof(fine_ports[0]); i++) {
        n = udp_frame(fr, fine_ports[i], 7, "a", 1);
        fake_input(F, fr, n);
        o = pop();
        check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17);
        assert_int_equal(get_be16(o->data + 34), 7);
        assert_int_equal(get_be16(o->data + 36), fine_ports[i]);
        free(o);
    }
    assert_int_equal(ST.udp_echo_replied, i);
    assert_int_equal(ST.udp_echo_loop, sizeof(loop_ports) / sizeof(loop_ports[0]));
}

static void test_udp_truncated_and_bad_len(void **state)
{
    uint8_t seg[64];
    size_t k, n, s;

    (void)state;
    s = build_udp(seg, FAKE_PEER, FAKE_IP, 40000, 7, (const uint8_t *)"hello", 5);
    for (k = 0; k < 8; k++) {
        n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 17, seg, k);
        fake_input(F, fr, n);
    }
    assert_int_equal(ST.udp_truncated, 8);
    /* length field below the header, and past the IP payload */
    s = build_udp(seg, FAKE_PEER, FAKE_IP, 40000, 7, (const uint8_t *)"hello", 5);
    put_be16(seg + 4, 7);
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 17, seg, s);
    fake_input(F, fr, n);
    put_be16(seg + 4, (uint16_t)(s + 1));
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 17, seg, s);
    fake_input(F, fr, n);
    assert_int_equal(ST.udp_bad_len, 2);
    /* truncated at every length inside the IP packet: IP catches it */
    s = build_udp(seg, FAKE_PEER, FAKE_IP, 40000, 7, (const uint8_t *)"hello", 5);
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 17, seg, s);
    for (k = 34; k < n; k++)
        fake_input(F, fr, k);
    assert_int_equal(ST.ip_truncated, n - 34);
    expect_none();
}

static void test_udp_length_shorter_than_payload(void **state)
{
    struct fake_frame *o;
    uint8_t seg[64];
    size_t n, s;

    (void)state;
    /* "hello" in a UDP length of 8 + 3: "lo" is IP-level padding */
    s = build_udp(seg, FAKE_PEER, FAKE_IP, 40000, 7, (const uint8_t *)"hel", 3);
    memcpy(seg + s, "lo", 2);
    n = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 17, seg, s + 2);
    fake_input(F, fr, n);
    o = pop();
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17), 11);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    assert_memory_equal(o->data + 42, "hel", 3);
    free(o);
}

static void test_udp_bad_checksum(void **state)
{
    size_t n;

    (void)state;
    n = udp_frame(fr, 40000, 7, "hello", 5);
    fr[n - 1] ^= 0x10;
    fake_input(F, fr, n);
    n = udp_frame(fr, 40000, 7, "hello", 5);
    put_be16(fr + 40, (uint16_t)(get_be16(fr + 40) + 1));
    fake_input(F, fr, n);
    assert_int_equal(ST.udp_bad_checksum, 2);
    expect_none();
}

struct rx_rec {
    int calls;
    uint32_t src;
    uint16_t sport, dport;
    uint8_t data[1500];
    size_t len;
    bool reply;
};

static void rx_cb(void *arg, struct netif *nif, uint32_t src_ip, uint16_t src_port,
                  uint16_t dst_port, const uint8_t *data, size_t len)
{
    struct rx_rec *r = arg;

    r->calls++;
    r->src = src_ip;
    r->sport = src_port;
    r->dport = dst_port;
    r->len = len;
    memcpy(r->data, data, len);
    if (r->reply)
        assert_int_equal(net_udp_sendto(nif, dst_port, src_ip, src_port, data, len), 0);
}

static void test_udp_bind_receive(void **state)
{
    struct rx_rec r;
    struct fake_frame *o;
    size_t n;
    uint16_t p;

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(net_udp_bind(NIF, 5000, rx_cb, &r), 0);
    assert_int_equal(net_udp_bind(NIF, 5000, rx_cb, &r), -NET_EADDRINUSE);
    assert_int_equal(net_udp_bind(NIF, 0, rx_cb, &r), -NET_EINVAL);
    assert_int_equal(net_udp_bind(NIF, 5001, NULL, &r), -NET_EINVAL);
    n = udp_frame(fr, 41000, 5000, "payload", 7);
    fake_input(F, fr, n);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.src, FAKE_PEER);
    assert_int_equal(r.sport, 41000);
    assert_int_equal(r.dport, 5000);
    assert_int_equal(r.len, 7);
    assert_memory_equal(r.data, "payload", 7);
    assert_int_equal(ST.udp_rx, 1);
    assert_int_equal(ST.ip_rx, 1);
    expect_none();
    /* broadcast to a bound port is delivered */
    n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0x0a0002ffu, 41000, 5000, "b", 1);
    fake_input(F, fr, n);
    assert_int_equal(r.calls, 2);
    /* a reply from inside the callback */
    learn(FAKE_PEER, fake_peer_mac);
    r.reply = true;
    n = udp_frame(fr, 41000, 5000, "ping", 4);
    fake_input(F, fr, n);
    o = pop();
    check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17);
    assert_int_equal(get_be16(o->data + 34), 5000);
    assert_int_equal(get_be16(o->data + 36), 41000);
    assert_memory_equal(o->data + 42, "ping", 4);
    free(o);
    /* table full */
    for (p = 6000; p < 6000 + UDP_MAX_BINDINGS - 1; p++)
        assert_int_equal(net_udp_bind(NIF, p, rx_cb, &r), 0);
    assert_int_equal(net_udp_bind(NIF, 7000, rx_cb, &r), -NET_ENOMEM);
    assert_int_equal(net_udp_unbind(NIF, 6000), 0);
    assert_int_equal(net_udp_bind(NIF, 7000, rx_cb, &r), 0);
    /* unbound: port unreachable */
    assert_int_equal(net_udp_unbind(NIF, 5000), 0);
    assert_int_equal(net_udp_unbind(NIF, 5000), -NET_ENOENT);
    n = udp_frame(fr, 41000, 5000, "late", 4);
    fake_input(F, fr, n);
    assert_int_equal(r.calls, 3);
    assert_int_equal(ST.udp_no_port, 1);
    o = pop();
    assert_int_equal(o->data[34], 3);
    free(o);
}

static void test_udp_port_unreachable_contents(void **state)
{
    uint8_t seg[64], l4[32];
    struct fake_frame *o;
    size_t n, s;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    n = udp_frame(fr, 41000, 9999, "0123456789", 10);
    fake_input(F, fr, n);
    o = pop();
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1), 8 + 20 + 8);
    assert_int_equal(o->data[34], 3);
    assert_int_equal(o->data[35], 3);
    assert_int_equal(get_be32(o->data + 38), 0);
    assert_int_equal(fake_csum(o->data + 34, 36, 0), 0);
    assert_memory_equal(o->data + 42, fr + 14, 28); /* IP header + UDP header as sent */
    free(o);
    assert_int_equal(ST.udp_no_port, 1);
    assert_int_equal(ST.icmp_unreach_sent, 1);
    /* with options, the whole header is quoted */
    s = build_udp(seg, FAKE_PEER, FAKE_IP, 41000, 9999, (const uint8_t *)"xy", 2);
    memcpy(l4, seg, s);
    n = frame_with_options(fr, 4, 17, l4, s);
    fake_input(F, fr, n);
    o = pop();
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1), 8 + 24 + 8);
    assert_memory_equal(o->data + 42, fr + 14, 32);
    assert_int_equal(fake_csum(o->data + 34, 40, 0), 0);
    free(o);
}

static void test_udp_no_unreach_for_broadcast(void **state)
{
    size_t n;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0xffffffffu, 41000, 9999, "a", 1);
    fake_input(F, fr, n);
    n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0x0a0002ffu, 41000, 9999, "a", 1);
    fake_input(F, fr, n);
    /* IP unicast inside a link-layer broadcast: dropped before UDP */
    n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 41000, 9999, "a", 1);
    fake_input(F, fr, n);
    assert_int_equal(ST.udp_no_port, 2);
    assert_int_equal(ST.ip_l2_bcast, 1);
    assert_int_equal(ST.icmp_unreach_sent, 0);
    expect_none();
}

/* RFC 1122 3.3.6: a datagram in a link-layer broadcast that names one host
 * (us) is discarded: no echo reply, no UDP echo (every host on the link
 * sees such a frame).  A DHCP reply may come so, to the address offered. */
static void test_l2_bcast_unicast_ip_dropped(void **state)
{
    size_t n;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    n = frame_echo(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 41000, 7, "echo", 4);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_l2_bcast, 2);
    assert_int_equal(ST.icmp_echo_replied, 0);
    expect_none();
    /* the same, to our MAC: answered */
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    assert_int_equal(ST.icmp_echo_replied, 1);
    free(pop());
    /* a DHCP reply (to port 68) in a link-layer broadcast is not taken for one */
    n = frame_udp(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 67, 68, "x", 1);
    fake_input(F, fr, n);
    assert_int_equal(ST.ip_l2_bcast, 2);
}

static void test_udp_sendto(void **state)
{
    uint8_t data[1473];
    struct fake_frame *o;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, "hello", 5), 0);
    o = pop();
    assert_int_equal(o->len, 14 + 20 + 8 + 5);
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17), 13);
    assert_int_equal(get_be16(o->data + 34), 1234);
    assert_int_equal(get_be16(o->data + 36), 5678);
    assert_int_equal(get_be16(o->data + 38), 13);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    assert_memory_equal(o->data + 42, "hello", 5);
    assert_true(o->off >= NETIF_HEADROOM - 0);
    free(o);
    fill_pattern(data, sizeof(data), 1);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, data, 1472), 0);
    o = pop();
    assert_int_equal(o->len, 1514);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    assert_memory_equal(o->data + 42, data, 1472);
    free(o);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, data, 1473), -NET_EINVAL);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, NULL, 1), -NET_EINVAL);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 0, data, 1), -NET_EINVAL);
    assert_int_equal(ST.udp_tx, 2);
    assert_int_equal(ST.ip_tx, 2);
    expect_none();
}

static void test_udp_checksum_zero_sent_as_ffff(void **state)
{
    uint8_t data[2] = {0, 0};
    struct fake_frame *o;
    uint32_t s;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    /* pick data so that the computed checksum is 0 */
    s = pseudo(FAKE_IP, FAKE_PEER, 17, 10) + 1 + 2 + 10;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    /* sum of everything must be 0xffff: data word = 0xffff - s */
    put_be16(data, (uint16_t)(0xffff - s));
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, data, 2), 0);
    o = pop();
    assert_int_equal(get_be16(o->data + 40), 0xffff);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    free(o);
}

/* ---- checksum offload (netbuf metadata) ------------------------------------ */

/* The pseudo-header sum folded, not complemented: what a partial UDP
 * checksum field holds. */
static uint16_t partial_udp(uint32_t src, uint32_t dst, size_t ulen)
{
    uint32_t s = pseudo(src, dst, 17, ulen);

    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)s;
}

/* A UDP frame from FAKE_PEER whose checksum field holds only the partial
 * sum, as the host's sockets send it through a TAP with offload on. */
static size_t udp_frame_partial(uint8_t *out, uint16_t sport, uint16_t dport, const void *data, size_t len)
{
    size_t n = udp_frame(out, sport, dport, data, len);

    put_be16(out + 40, partial_udp(FAKE_PEER, FAKE_IP, len + 8));
    return n;
}

/* An output frame handed to the driver with a partial UDP checksum: the
 * metadata points at the UDP checksum field, which holds the pseudo-header
 * sum; finish it as a device does and check the result. */
static void check_udp_offloaded(struct fake_frame *o, uint32_t src, uint32_t dst)
{
    size_t ulen = get_be16(o->data + 38);
    uint16_t c;

    assert_int_equal(o->csum_flags, NETBUF_CSUM_PARTIAL);
    assert_int_equal(o->csum_start, 34);
    assert_int_equal(o->csum_offset, 6);
    assert_int_equal(get_be16(o->data + 40), partial_udp(src, dst, ulen));
    c = fake_csum(o->data + 34, o->len - 34, 0);
    put_be16(o->data + 40, c ? c : 0xffff);
    check_udp_csum(o, src, dst);
}

/* DATA_VALID: the UDP checksum is not verified (a wrong one is accepted),
 * the IPv4 header checksum still is; the echo carries a complete checksum
 * of its own, not the request's, or the offloaded partial one. */
static void test_csum_valid_udp(void **state)
{
    struct fake_frame *o;
    size_t n;

    (void)state;
    for (int offload = 0; offload < 2; offload++) {
        memset(&ST, 0, sizeof(ST));
        NIF->offload = offload ? NETIF_OFFLOAD_TX_CSUM : 0;
        n = udp_frame(fr, 40000, 7, "hello", 5);
        put_be16(fr + 40, (uint16_t)(get_be16(fr + 40) ^ 0x0101)); /* wrong */
        fake_input(F, fr, n);
        assert_int_equal(ST.udp_bad_checksum, 1);
        expect_none();
        fake_input_csum(F, fr, n, NETBUF_CSUM_VALID, 0, 0);
        assert_int_equal(ST.rx_csum_valid, 1);
        assert_int_equal(ST.udp_bad_checksum, 1);
        assert_int_equal(ST.udp_echo_replied, 1);
        o = pop();
        assert_int_equal(o->len, n);
        check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17);
        assert_memory_equal(o->data + 42, "hello", 5);
        if (offload) {
            check_udp_offloaded(o, FAKE_IP, FAKE_PEER);
            assert_int_equal(ST.tx_csum_offload, 1);
        } else {
            assert_int_equal(o->csum_flags, 0);
            check_udp_csum(o, FAKE_IP, FAKE_PEER);
        }
        free(o);
        /* the IPv4 header checksum is not covered */
        fr[14 + 10] ^= 1;
        fake_input_csum(F, fr, n, NETBUF_CSUM_VALID, 0, 0);
        assert_int_equal(ST.ip_bad_checksum, 1);
        expect_none();
    }
}

/* NEEDS_CSUM: a partial UDP checksum (the host's own sockets over a TAP)
 * is accepted at the UDP checksum field; the echo goes out complete, or
 * offloaded; a bound port gets the data; anywhere else it is a drop. */
static void test_csum_partial_udp(void **state)
{
    uint8_t data[1472];
    struct fake_frame *o;
    struct rx_rec r;
    size_t n, size;

    (void)state;
    for (int offload = 0; offload < 2; offload++) {
        memset(&ST, 0, sizeof(ST));
        NIF->offload = offload ? NETIF_OFFLOAD_TX_CSUM : 0;
        for (size = 0; size <= 1472; size += size < 20 ? 1 : 97) {
            fill_pattern(data, size, (unsigned)size);
            n = udp_frame_partial(fr, 40000, 7, data, size);
            fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 34, 6);
            o = pop();
            assert_int_equal(o->len, n);
            assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 17), 8 + size);
            assert_int_equal(get_be16(o->data + 34), 7);
            assert_int_equal(get_be16(o->data + 36), 40000);
            if (size)
                assert_memory_equal(o->data + 42, data, size);
            if (offload) {
                check_udp_offloaded(o, FAKE_IP, FAKE_PEER);
            } else {
                assert_int_equal(o->csum_flags, 0);
                check_udp_csum(o, FAKE_IP, FAKE_PEER);
            }
            free(o);
        }
        assert_int_equal(ST.udp_bad_checksum, 0);
        assert_int_equal(ST.rx_csum_partial, ST.udp_echo_replied);
        assert_int_equal(ST.tx_csum_offload, offload ? ST.udp_echo_replied : 0);
    }
    /* a bound port */
    memset(&r, 0, sizeof(r));
    assert_int_equal(net_udp_bind(NIF, 5000, rx_cb, &r), 0);
    n = udp_frame_partial(fr, 41000, 5000, "payload", 7);
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 34, 6);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.len, 7);
    assert_memory_equal(r.data, "payload", 7);
    /* the partial sum anywhere but the UDP checksum field: a drop */
    memset(&ST, 0, sizeof(ST));
    n = udp_frame_partial(fr, 40000, 7, "hello", 5);
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 14, 10); /* the IPv4 header's */
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 34, 4);
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 35, 5);
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 42, 0);
    assert_int_equal(ST.udp_bad_partial, 4);
    assert_int_equal(ST.udp_echo_replied, 0);
    assert_int_equal(ST.udp_bad_checksum, 0);
    expect_none();
}

/* ICMP echo with DATA_VALID (a wrong checksum) or a partial checksum (the
 * field holds 0: ICMP has no pseudo-header): the reply's checksum is
 * summed in full, never derived from the request's. */
static void test_csum_icmp(void **state)
{
    uint8_t data[100];
    struct fake_frame *o;
    size_t n;

    (void)state;
    NIF->offload = NETIF_OFFLOAD_TX_CSUM; /* ICMP is never offloaded */
    fill_pattern(data, sizeof(data), 3);
    for (int k = 0; k < 2; k++) {
        n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0x1234, 7, data, sizeof(data));
        if (k == 0) {
            put_be16(fr + 36, (uint16_t)(get_be16(fr + 36) + 0x100)); /* wrong */
            fake_input(F, fr, n);
            assert_int_equal(ST.icmp_bad_checksum, 1);
            fake_input_csum(F, fr, n, NETBUF_CSUM_VALID, 0, 0);
        } else {
            put_be16(fr + 36, 0);
            fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 34, 2);
        }
        o = pop();
        assert_int_equal(o->len, n);
        check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1);
        assert_int_equal(o->data[34], 0);
        assert_int_equal(o->csum_flags, 0);
        assert_int_equal(fake_csum(o->data + 34, n - 34, 0), 0);
        assert_memory_equal(o->data + 42, data, sizeof(data));
        free(o);
    }
    assert_int_equal(ST.icmp_echo_replied, 2);
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0x1234, 7, data, sizeof(data));
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 34, 6);
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 33, 3);
    assert_int_equal(ST.icmp_bad_partial, 2);
    expect_none();
}

/* What the stack builds: UDP handed to the driver when it offers to finish
 * it, complete otherwise; nothing else ever offloaded, whatever metadata
 * the buffer came with (a received frame's, or the driver's garbage). */
static void test_csum_offload_tx(void **state)
{
    static const uint8_t zero[6];
    uint8_t data[1472];
    struct fake_frame *o;
    size_t n;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    fill_pattern(data, sizeof(data), 9);
    NIF->offload = NETIF_OFFLOAD_TX_CSUM;
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, data, 1472), 0);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, data, 1), 0);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, NULL, 0), 0);
    for (int k = 0; k < 3; k++) {
        o = pop();
        check_udp_offloaded(o, FAKE_IP, FAKE_PEER);
        free(o);
    }
    assert_int_equal(ST.tx_csum_offload, 3);
    /* an echo of a request this stack verified keeps its checksum */
    n = udp_frame(fr, 40000, 7, "abc", 3);
    fake_input(F, fr, n);
    o = pop();
    assert_int_equal(o->csum_flags, 0);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    free(o);
    assert_int_equal(ST.tx_csum_offload, 3);
    /* an ARP request, a ping, a closed port, each arriving with (bogus)
     * partial metadata: the answers go out complete, unmarked */
    n = frame_arp(fr, fake_bcast_mac, 1, fake_gw_mac, FAKE_GW, zero, FAKE_IP);
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 14, 6);
    o = pop();
    assert_int_equal(o->csum_flags, 0);
    assert_int_equal(get_be16(o->data + 20), 2);
    free(o);
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, data, 10);
    fake_input_csum(F, fr, n, NETBUF_CSUM_VALID, 0, 0);
    o = pop();
    assert_int_equal(o->csum_flags, 0);
    free(o);
    n = udp_frame_partial(fr, 40000, 9999, "x", 1);
    fake_input_csum(F, fr, n, NETBUF_CSUM_PARTIAL, 34, 6);
    o = pop();
    assert_int_equal(o->csum_flags, 0);
    assert_int_equal(o->data[34], 3); /* unreachable */
    assert_int_equal(fake_csum(o->data + 34, o->len - 34, 0), 0);
    free(o);
    /* offload off: complete, unmarked (the fake's garbage cleared) */
    NIF->offload = 0;
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, data, 100), 0);
    o = pop();
    assert_int_equal(o->csum_flags, 0);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    free(o);
    assert_int_equal(ST.tx_csum_offload, 3);
    expect_none();
}

static void test_tx_failures(void **state)
{
    size_t n;

    (void)state;
    learn(FAKE_PEER, fake_peer_mac);
    F->tx_budget = 0;
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), -NET_ENOBUFS);
    assert_int_equal(ST.no_tx_buffer, 1);
    n = udp_frame(fr, 41000, 9999, "x", 1); /* the unreachable needs a buffer */
    fake_input(F, fr, n);
    assert_int_equal(ST.no_tx_buffer, 2);
    assert_int_equal(ST.udp_no_port, 1);
    expect_none();
    F->tx_budget = -1;
    F->tx_small = true;
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), -NET_ENOBUFS);
    assert_int_equal(ST.tx_bad_buffer, 1);
    F->tx_small = false;
    F->output_ret = -5;
    assert_int_equal(net_udp_sendto(NIF, 1, FAKE_PEER, 2, "x", 1), -5);
    assert_int_equal(ST.tx_errors, 1);
    free(pop());
    /* an in-place reply whose output fails is still released once */
    n = echo_frame(fr, 4);
    fake_input(F, fr, n);
    assert_int_equal(ST.tx_errors, 2);
    free(pop());
}

/* ---- ping client ---------------------------------------------------------- */

struct ping_rec {
    int n;
    struct ping_result r[16];
};

static void ping_cb(void *arg, const struct ping_result *r)
{
    struct ping_rec *p = arg;

    if (p->n < 16)
        p->r[p->n++] = *r;
}

static size_t reply_to(const struct fake_frame *req, uint8_t *out)
{
    size_t len = req->len - 34;

    return frame_echo(out, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 0, get_be16(req->data + 38),
                      get_be16(req->data + 40), req->data + 42, len - 8);
}

static void test_ping(void **state)
{
    struct ping_rec rec;
    struct fake_frame *o;
    size_t n, i;

    (void)state;
    memset(&rec, 0, sizeof(rec));
    net_set_clock(test_clock);
    learn(FAKE_PEER, fake_peer_mac);
    net_tick(NIF, 1000);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 3, 56, 1000, 500, ping_cb, &rec), 0);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 3, 56, 1000, 500, ping_cb, &rec), -NET_EBUSY);
    assert_true(net_ping_active(NIF));
    expect_none();
    fake_us = 5000000;
    net_tick(NIF, 1000);
    o = pop();
    assert_int_equal(check_ip(o, fake_peer_mac, FAKE_IP, FAKE_PEER, 1), 64);
    assert_int_equal(o->data[34], 8);
    assert_int_equal(fake_csum(o->data + 34, 64, 0), 0);
    assert_int_equal(get_be16(o->data + 38), NIF->ping.id);
    assert_int_equal(get_be16(o->data + 40), 1);
    for (i = 0; i < 56; i++)
        assert_int_equal(o->data[42 + i], (uint8_t)i);
    fake_us += 777;
    n = reply_to(o, fr);
    free(o);
    fake_input(F, fr, n);
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.r[0].event, PING_EV_REPLY);
    assert_int_equal(rec.r[0].seq, 1);
    assert_int_equal(rec.r[0].rtt_us, 777);
    /* a duplicate reply is unmatched */
    fake_input(F, fr, n);
    assert_int_equal(ST.ping_unmatched, 1);
    /* second request: no reply -> timeout after 500 ms */
    net_tick(NIF, 1999);
    expect_none();
    net_tick(NIF, 2000);
    o = pop();
    assert_int_equal(get_be16(o->data + 40), 2);
    free(o);
    net_tick(NIF, 2499);
    assert_int_equal(rec.n, 1);
    net_tick(NIF, 2500);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.r[1].event, PING_EV_TIMEOUT);
    assert_int_equal(rec.r[1].seq, 2);
    /* third: reply after 1000 us, then the summary */
    fake_us = 9000000;
    net_tick(NIF, 3000);
    o = pop();
    assert_int_equal(get_be16(o->data + 40), 3);
    fake_us += 1000;
    {
        /* replies with altered data, or another id, are not ours */
        uint8_t data[56];
        memcpy(data, o->data + 42, 56);
        data[55] ^= 1;
        n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 0, NIF->ping.id, 3, data, 56);
        fake_input(F, fr, n);
        data[55] ^= 1;
        n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 0,
                       (uint16_t)(NIF->ping.id + 1), 3, data, 56);
        fake_input(F, fr, n);
        n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 0, NIF->ping.id, 3, data, 55);
        fake_input(F, fr, n);
        assert_int_equal(ST.ping_unmatched, 4);
    }
    n = reply_to(o, fr);
    free(o);
    fake_input(F, fr, n);
    assert_int_equal(rec.n, 4);
    assert_int_equal(rec.r[2].event, PING_EV_REPLY);
    assert_int_equal(rec.r[2].rtt_us, 1000);
    assert_int_equal(rec.r[3].event, PING_EV_DONE);
    assert_int_equal(rec.r[3].sent, 3);
    assert_int_equal(rec.r[3].received, 2);
    assert_int_equal(rec.r[3].rtt_min_us, 777);
    assert_int_equal(rec.r[3].rtt_max_us, 1000);
    assert_int_equal(rec.r[3].rtt_avg_us, 888);
    assert_false(net_ping_active(NIF));
    net_tick(NIF, 10000);
    expect_none();
    assert_int_equal(rec.n, 4);
}

/* A link MTU below 1500 (netif_set_mtu, clamped to 68..1500): sendto and
 * ping keep their datagrams within it, and nothing larger is built. */
static void test_link_mtu(void **state)
{
    uint8_t data[1472];
    struct ping_rec rec;
    struct fake_frame *o;

    (void)state;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(NIF->mtu, NETIF_MTU);
    netif_set_mtu(NIF, 9000);
    assert_int_equal(NIF->mtu, NETIF_MTU);
    netif_set_mtu(NIF, 20);
    assert_int_equal(NIF->mtu, NETIF_MTU_MIN);
    netif_set_mtu(NIF, 1400);
    assert_int_equal(NIF->mtu, 1400);
    learn(FAKE_PEER, fake_peer_mac);
    fill_pattern(data, sizeof(data), 3);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, data, 1373), -NET_EINVAL);
    assert_int_equal(net_udp_sendto(NIF, 1234, FAKE_PEER, 5678, data, 1372), 0);
    o = pop();
    assert_int_equal(o->len, 14 + 1400);
    check_udp_csum(o, FAKE_IP, FAKE_PEER);
    assert_memory_equal(o->data + 42, data, 1372);
    free(o);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 1, 1373, 1000, 500, ping_cb, &rec), -NET_EINVAL);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 1, 1372, 1000, 500, ping_cb, &rec), 0);
    net_tick(NIF, 100);
    o = pop();
    assert_int_equal(o->len, 14 + 1400);
    free(o);
    net_ping_stop(NIF);
    expect_none();
}

/* Two limits, one owner each: the device's (netif_set_mtu, the driver's
 * glue) and the network's (netif_set_mtu_cfg, DHCP option 26); nif->mtu
 * is the smaller, whichever was set last, and 0 removes the network's.
 * Before, one setter: a device re-initialisation put back the device's
 * MTU over a smaller one the network had given, and a configured 9000
 * could have raised it past the device's. */
static void test_link_mtu_two_limits(void **state)
{
    (void)state;
    assert_int_equal(NIF->mtu_cfg, 0);
    netif_set_mtu_cfg(NIF, 1400);
    assert_int_equal(NIF->mtu, 1400);
    netif_set_mtu(NIF, 1500); /* the device re-initialised: the network's stays */
    assert_int_equal(NIF->mtu, 1400);
    netif_set_mtu(NIF, 1280);
    assert_int_equal(NIF->mtu, 1280);
    netif_set_mtu_cfg(NIF, 9000); /* never above the device's */
    assert_int_equal(NIF->mtu, 1280);
    netif_set_mtu_cfg(NIF, 0);
    assert_int_equal(NIF->mtu, 1280);
    netif_set_mtu(NIF, 1500);
    assert_int_equal(NIF->mtu, 1500);
    netif_set_mtu_cfg(NIF, 20); /* clamped as the device's is */
    assert_int_equal(NIF->mtu, NETIF_MTU_MIN);
    netif_set_mtu_cfg(NIF, 0);
    assert_int_equal(NIF->mtu, 1500);
}

static void test_ping_args_and_ms_clock(void **state)
{
    struct ping_rec rec;
    struct fake_frame *o;
    size_t n;

    (void)state;
    memset(&rec, 0, sizeof(rec));
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 0, 56, 1000, 500, ping_cb, &rec), -NET_EINVAL);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 1, 1473, 1000, 500, ping_cb, &rec), -NET_EINVAL);
    assert_int_equal(net_ping_start(NIF, 0, 1, 56, 1000, 500, ping_cb, &rec), -NET_EINVAL);
    assert_int_equal(net_ping_start(NIF, 0xffffffffu, 1, 56, 1000, 500, ping_cb, &rec), -NET_EINVAL);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 1, 56, 0, 500, ping_cb, &rec), -NET_EINVAL);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 1, 56, 1000, 0, ping_cb, &rec), -NET_EINVAL);
    /* no clock hook: RTT from the tick clock, in ms steps; size 0 and 1472 */
    learn(FAKE_PEER, fake_peer_mac);
    net_tick(NIF, 100);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 1, 1472, 1000, 5000, ping_cb, &rec), 0);
    net_tick(NIF, 100);
    o = pop();
    assert_int_equal(o->len, 1514);
    net_tick(NIF, 130);
    n = reply_to(o, fr);
    free(o);
    fake_input(F, fr, n);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.r[0].rtt_us, 30000);
    assert_int_equal(rec.r[1].event, PING_EV_DONE);
    assert_int_equal(net_ping_start(NIF, FAKE_PEER, 2, 0, 10, 5000, ping_cb, &rec), 0);
    net_tick(NIF, 200);
    o = pop();
    assert_int_equal(o->len, 42);
    free(o);
    net_ping_stop(NIF);
    net_tick(NIF, 300);
    expect_none();
    assert_int_equal(rec.n, 2);
}

/* ---- stats ---------------------------------------------------------------- */

static char printed[4096];
static int lines;

static void print_line(const char *l)
{
    assert_true(strlen(l) <= NET_STATS_LINE_MAX);
    strcat(printed, l);
    strcat(printed, "\n");
    lines++;
}

#define NAME_GROUP_(g)
#define NAME_FIELD_(n) #n,
static const char *const counter_names[] = {NET_STATS_LIST(NAME_GROUP_, NAME_FIELD_)};

static void test_stats_print(void **state)
{
    uint32_t *c = (uint32_t *)&ST;
    size_t i, count = sizeof(ST) / sizeof(uint32_t);
    char want[64];

    (void)state;
    assert_int_equal(count, sizeof(counter_names) / sizeof(counter_names[0]));
    for (i = 0; i < count; i++)
        c[i] = (uint32_t)(1000 + i * 37);
    c[0] = 4294967295u;
    printed[0] = '\0';
    lines = 0;
    net_stats_print(NIF, print_line);
    assert_true(lines >= 7);
    assert_memory_equal(printed, "link: rx_frames=4294967295 ", 27);
    for (i = 0; i < count; i++) {
        snprintf(want, sizeof(want), " %s=%u", counter_names[i], c[i]);
        assert_non_null(strstr(printed, want));
    }
    assert_non_null(strstr(printed, "\neth: eth_runt="));
    assert_non_null(strstr(printed, "\ndhcp: dhcp_rx="));
    /* real traffic moves the named counters */
    memset(&ST, 0, sizeof(ST));
    fake_input(F, fr, 3);
    printed[0] = '\0';
    net_stats_print(NIF, print_line);
    assert_non_null(strstr(printed, " eth_runt=1 "));
}

/* net_sum against the RFC 1071 definition, one word at a time with a
 * 64-bit accumulator: every length 0..300 at every start alignment (0..7, so
 * every head and tail case of the word loop), large
 * buffers past the 32 KiB folding step, and starting sums that are not
 * folded. */
static uint16_t ref_csum(const uint8_t *p, size_t len, uint64_t sum)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint64_t)p[i] << 8 | p[i + 1];
    if (len & 1)
        sum += (uint64_t)p[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void test_checksum_reference(void **state)
{
    (void)state;
    size_t big = 200000;
    uint8_t *buf = malloc(big);
    assert_non_null(buf);
    srand(1071);
    for (size_t i = 0; i < big; i++)
        buf[i] = (uint8_t)rand();
    for (size_t off = 0; off < 8; off++)
        for (size_t len = 0; len <= 300; len++) {
            assert_int_equal(net_fold(net_sum(buf + off, len, 0)), ref_csum(buf + off, len, 0));
            assert_int_equal(net_fold(net_sum(buf + off, len, 0x1234fedc)), ref_csum(buf + off, len, 0x1234fedc));
        }
    static const size_t lens[] = {32767, 32768, 32769, 65535, 65536, 65537, 131073, 199999};
    static const uint32_t starts[] = {0, 0xffff, 0x3fffc, 0x7fffffff, 0xffffffff};
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
        for (size_t j = 0; j < sizeof(starts) / sizeof(starts[0]); j++)
            assert_int_equal(net_fold(net_sum(buf + 1, lens[i], starts[j])), ref_csum(buf + 1, lens[i], starts[j]));
    /* All 0xff: the largest words, where a missed carry shows first. */
    memset(buf, 0xff, big);
    assert_int_equal(net_fold(net_sum(buf, big, 0xffffffff)), ref_csum(buf, big, 0xffffffff));
    /* The incremental update agrees with a recomputation (RFC 1624). */
    for (int k = 0; k < 1000; k++) {
        uint8_t msg[64];
        for (size_t i = 0; i < sizeof(msg); i++)
            msg[i] = (uint8_t)rand();
        msg[2] = msg[3] = 0;
        uint16_t c = net_fold(net_sum(msg, sizeof(msg), 0));
        uint16_t old_word = (uint16_t)(msg[0] << 8 | msg[1]);
        msg[0] = (uint8_t)rand();
        msg[1] = (uint8_t)rand();
        uint16_t upd = net_csum_update16(c, old_word, (uint16_t)(msg[0] << 8 | msg[1]));
        uint16_t full = net_fold(net_sum(msg, sizeof(msg), 0));
        assert_true(upd == full || (upd ^ full) == 0xffff); /* 0x0000 and 0xffff both mean zero */
        msg[2] = (uint8_t)(upd >> 8);
        msg[3] = (uint8_t)upd;
        assert_int_equal(net_fold(net_sum(msg, sizeof(msg), 0)), 0);
    }
    free(buf);
}

static void test_helpers(void **state)
{
    char b[16];
    uint8_t mac[6];
    int i;

    (void)state;
    assert_string_equal(net_ip4_str(0xc0000202u, b), "192.0.2.2");
    assert_string_equal(net_ip4_str(0, b), "0.0.0.0");
    assert_string_equal(net_ip4_str(0xffffffffu, b), "255.255.255.255");
    assert_string_equal(net_ip4_str(0x0a64c80au, b), "10.100.200.10");
    assert_int_equal(net_ip4_prefix_len(0xffffff00u), 24);
    assert_int_equal(net_ip4_prefix_len(0xffffffffu), 32);
    assert_int_equal(net_ip4_prefix_len(0), 0);
    for (i = 0; i < 64; i++) {
        net_random_mac(mac);
        assert_int_equal(mac[0] & 3, 2); /* local, unicast */
    }
    /* default PRNG: deterministic for a seed, never stuck at 0 */
    net_set_random(NULL);
    net_seed_random(0);
    assert_int_not_equal(net_random(), 0);
    net_seed_random(42);
    {
        uint32_t a = net_random();
        net_seed_random(42);
        assert_int_equal(net_random(), a);
        assert_int_not_equal(net_random(), a);
    }
    net_set_random(test_random);
}

/* eth_addr_eq() and eth_addr_copy() at every alignment of either side:
 * the halfword path (both even) and the byte path agree with memcmp and
 * memcpy, and a copy writes exactly six bytes. */
static void test_eth_addr_helpers(void **state)
{
    (void)state;
    _Alignas(8) uint8_t a[16], b[16];
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};

    for (unsigned i = 0; i < 4; i++) {
        for (unsigned j = 0; j < 4; j++) {
            memset(a, 0x11, sizeof(a));
            memset(b, 0x22, sizeof(b));
            memcpy(a + i, mac, 6);
            eth_addr_copy(b + j, a + i);
            assert_memory_equal(b + j, mac, 6);
            for (unsigned k = 0; k < sizeof(b); k++)
                if (k < j || k >= j + 6)
                    assert_int_equal(b[k], 0x22);
            assert_true(eth_addr_eq(a + i, b + j));
            for (unsigned k = 0; k < 6; k++) {
                b[j + k] ^= 0x40;
                assert_false(eth_addr_eq(a + i, b + j));
                assert_false(eth_addr_eq(b + j, a + i));
                b[j + k] ^= 0x40;
            }
        }
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- review: addresses that never appear on the wire ---------------------- */

/* Nothing may have gone out; if something did, say what. */
static void expect_nothing_sent(void)
{
    struct fake_frame *o = fake_pop(F);

    if (o != NULL) {
        uint32_t dst = o->len >= 34 ? get_be32(o->data + 30) : 0;
        uint8_t type = o->len >= 35 ? o->data[34] : 0;
        free(o);
        fake_drain(F);
        fail_msg("a frame went out: IPv4 dst %08x, first L4 byte %u", dst, type);
    }
}

/* RFC 1122 3.2.1.3 (g): { 127, <any> } "Addresses of this form MUST NOT
 * appear outside a host."  An echo request claiming to come from 127.0.0.1
 * must not be answered with a datagram to 127.0.0.1 on the wire, and the
 * firmware's own sends to 127/8 must not leave either. */
static void test_ip_loopback_never_on_wire(void **state)
{
    size_t n;

    (void)state;
    learn(FAKE_GW, fake_gw_mac);
    n = frame_echo(fr, fake_mac, fake_gw_mac, 0x7f000001u, FAKE_IP, 8, 1, 1, NULL, 0);
    fake_input(F, fr, n);
    expect_nothing_sent();
    assert_int_equal(ST.ip_bad_src, 1);
    assert_int_equal(ST.icmp_echo_replied, 0);
}

static void test_ip_loopback_dst_not_sent(void **state)
{
    int err;

    (void)state;
    learn(FAKE_GW, fake_gw_mac);
    err = net_udp_sendto(NIF, 1, 0x7f000001u, 2, "x", 1);
    expect_nothing_sent();
    assert_int_equal(err, -NET_ENOROUTE);
    assert_int_equal(ST.no_route, 1);
}

/* RFC 1122 3.2.2: "An ICMP error message MUST NOT be sent as the result of
 * receiving: ... a datagram whose source address does not define a single
 * host -- e.g., a zero address, a loopback address, a broadcast address, a
 * multicast address, or a Class E address." */
static void test_udp_no_unreach_for_class_e_source(void **state)
{
    size_t n;

    (void)state;
    learn(FAKE_GW, fake_gw_mac);
    n = frame_udp(fr, fake_mac, fake_gw_mac, 0xf0000001u, FAKE_IP, 41000, 9999, "a", 1);
    fake_input(F, fr, n);
    expect_nothing_sent();
    assert_int_equal(ST.udp_no_port, 1);
    assert_int_equal(ST.icmp_unreach_sent, 0);
}

/* ping.h: net_ping_start returns -NET_EINVAL for a broadcast dst; the
 * subnet broadcast is one (net_ip4_is_bcast), and no reply to it could
 * ever match (replies come from each host's own address). */
static void test_ping_subnet_broadcast_refused(void **state)
{
    (void)state;
    int err = net_ping_start(NIF, 0x0a0002ffu, 1, 56, 1000, 500, NULL, NULL);

    net_tick(NIF, 100);
    expect_nothing_sent();
    assert_int_equal(err, -NET_EINVAL);
    assert_false(net_ping_active(NIF));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_eth_runt),
        cmocka_unit_test(test_eth_addr_helpers),
        T(test_eth_not_for_us_and_multicast),
        T(test_eth_bad_src),
        T(test_eth_unknown_type),
        T(test_rx_bad_buffer),
        T(test_arp_request_reply),
        T(test_arp_padded_request),
        T(test_arp_truncated),
        T(test_arp_bad_fields),
        T(test_arp_for_other_host),
        T(test_arp_merge_known_sender),
        T(test_arp_conflict),
        T(test_arp_probe_answered_not_learned),
        T(test_flush_releases_queued),
        T(test_arp_queue_and_resolve),
        T(test_arp_nearer_deadline_added_later),
        T(test_arp_retry_then_drop),
        T(test_clock_backwards_ignored),
        T(test_arp_refresh_unanswered),
        T(test_arp_refresh_answered),
        T(test_arp_unused_expires),
        T(test_arp_table_full_evicts_oldest),
        T(test_arp_evict_pending_drops_packet),
        T(test_gratuitous_arp),
        T(test_announce_on_request),
        T(test_link_down_drops_tx),
        T(test_ip_truncated_every_length),
        T(test_ip_bad_version_and_hlen),
        T(test_ip_total_length),
        T(test_ip_padding_trimmed),
        T(test_ip_bad_checksum),
        T(test_ip_fragments),
        T(test_ip_options_skipped),
        T(test_ip_not_for_us),
        T(test_ip_bad_src),
        T(test_ip_unknown_proto),
        T(test_ip_unconfigured_drops_unicast),
        T(test_route),
        T(test_icmp_echo_all_sizes),
        T(test_icmp_truncated),
        T(test_icmp_bad_checksum),
        T(test_icmp_echo_broadcast_ignored),
        T(test_icmp_other_types),
        T(test_udp_echo_all_sizes),
        T(test_udp_echo_no_checksum_and_zero_length),
        T(test_udp_echo_refusals),
        T(test_udp_echo_no_loop_with_answering_services),
        T(test_udp_truncated_and_bad_len),
        T(test_udp_length_shorter_than_payload),
        T(test_udp_bad_checksum),
        T(test_csum_valid_udp),
        T(test_csum_partial_udp),
        T(test_csum_icmp),
        T(test_csum_offload_tx),
        T(test_udp_bind_receive),
        T(test_udp_port_unreachable_contents),
        T(test_udp_no_unreach_for_broadcast),
        T(test_l2_bcast_unicast_ip_dropped),
        T(test_udp_sendto),
        T(test_link_mtu),
        T(test_link_mtu_two_limits),
        T(test_udp_checksum_zero_sent_as_ffff),
        T(test_tx_failures),
        T(test_ping),
        T(test_ping_args_and_ms_clock),
        T(test_stats_print),
        T(test_checksum_reference),
        T(test_helpers),
        T(test_ip_loopback_never_on_wire),
        T(test_ip_loopback_dst_not_sent),
        T(test_udp_no_unreach_for_class_e_source),
        T(test_ping_subnet_broadcast_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
