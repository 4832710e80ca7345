/*
 * fuzz_netif.c - fuzz target for the net/ stack: one input is one Ethernet
 * frame, as a driver would hand it to netif_input().
 *
 * Each input is run against four interface states, so one frame reaches
 * every parser that could take it:
 *   0  static 10.0.2.15/24 gw 10.0.2.2, a ping to 10.0.2.3 outstanding
 *      (seq 1), UDP port 5000 bound to a callback that answers;
 *   1  DHCP SELECTING (DISCOVER sent, xid FAKE_XID);
 *   2  DHCP REQUESTING (an OFFER for 10.0.2.15 from 10.0.2.2 taken);
 *   3  DHCP RENEWING (bound, T1 passed, unicast REQUEST out).
 * The random hook returns FAKE_XID, so xids and the ping id are known to
 * the seeds.  When the IPv4/ICMP/UDP checksums of the input are wrong, it
 * is run a second time with them repaired, so mutations also reach the
 * parsers behind the checksum checks.  The frame is fed twice (the first may change the state), then
 * timers run far ahead.  The fake driver (test/unit/fake_netif.c) holds
 * every buffer in exactly-sized heap memory and poisons released ones; a
 * leak or double release aborts.
 *
 * Two builds:
 *  - libFuzzer (clang): -DFUZZ_LIBFUZZER -fsanitize=fuzzer,address,undefined
 *    gives the usual fuzzer binary:  ./fuzz_netif test/fuzz/seeds
 *  - otherwise a cmocka program that runs every file in a seed directory
 *    (argv[1], else $FUZZ_SEEDS, else test/fuzz/seeds) as one test, plus
 *    every truncation and a one-bit flip at every byte of each seed, and
 *    fails when the directory holds no seeds or when the seeds no longer
 *    reach the paths they were made for (echo replies, DHCP, ARP...).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fake_netif.h"
#include "fuzz_net_util.h"
#include "netif.h"
#include "prot/be.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t fuzz_random(void)
{
    return FAKE_XID;
}

/* Totals over every run, for the seed runner's coverage check. */
static struct net_stats totals;
static unsigned long reached_requesting, reached_bound, ping_replies;

static void udp_answer(void *arg, struct netif *nif, uint32_t src_ip, uint16_t src_port,
                       uint16_t dst_port, const uint8_t *data, size_t len)
{
    (void)arg;
    net_udp_sendto(nif, dst_port, src_ip, src_port, data, len);
}

static void ping_seen(void *arg, const struct ping_result *r)
{
    (void)arg;
    if (r->event == PING_EV_REPLY)
        ping_replies++;
}

static void feed(struct fake_netif *f, const uint8_t *frame, size_t len)
{
    fake_input(f, frame, len);
    fake_drain(f);
}

/* ---- TCP (net/tcp.c) -------------------------------------------------------
 * In state 0: a listener on port 5001 that echoes, and a connection to it
 * from 10.0.2.3:4000 (the peer's ISN FUZZ_TCP_PEER_ISS) established, so a
 * segment reaches LISTEN, SYN-RECEIVED and ESTABLISHED processing.  The
 * stack's ISN is fixed as well (key from fuzz_random, clock at 0), and
 * gen_seeds.c computes it the same way for the tcp-* seeds. */
#include "prot/tcp.h"
#include "tcp.h"
#define FUZZ_TCP_PORT 5001u
#define FUZZ_TCP_PEER_PORT 4000u
#define FUZZ_TCP_PEER_ISS 1000u
static struct tcp_stack fuzz_tcp; /* ~775 KiB with the default 16 KiB rings */

static size_t tcp_echo_recv(void *arg, struct tcp_conn *c, const uint8_t *data, size_t len)
{
    (void)arg;
    if (data == NULL) {
        tcp_close(c);
        return 0;
    }
    int n = tcp_send(c, data, len);
    return n > 0 ? (size_t)n : 0;
}

static void tcp_echo_sent(void *arg, struct tcp_conn *c, size_t acked)
{
    (void)arg;
    (void)acked;
    tcp_recv_resume(c);
}

static const struct tcp_callbacks tcp_echo_cb = {.recv = tcp_echo_recv, .sent = tcp_echo_sent};

static void tcp_seg_in(struct fake_netif *f, uint32_t seq, uint32_t ack, uint8_t flags)
{
    uint8_t seg[TCP_HLEN], fr[64];
    uint32_t ps = (FAKE_PEER >> 16) + (FAKE_PEER & 0xffff) + (FAKE_IP >> 16) + (FAKE_IP & 0xffff) + 6 + TCP_HLEN;

    memset(seg, 0, sizeof(seg));
    put_be16(seg, FUZZ_TCP_PEER_PORT);
    put_be16(seg + 2, FUZZ_TCP_PORT);
    put_be32(seg + 4, seq);
    put_be32(seg + 8, ack);
    seg[12] = 5 << 4;
    seg[13] = flags;
    put_be16(seg + 14, 65535);
    put_be16(seg + 16, fake_csum(seg, sizeof(seg), ps));
    feed(f, fr, frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 6, seg, sizeof(seg)));
}

static void tcp_state(struct fake_netif *f)
{
    tcp_init(&fuzz_tcp, &f->nif, NULL);
    tcp_listen(&f->nif, FUZZ_TCP_PORT, &tcp_echo_cb, NULL);
    tcp_seg_in(f, FUZZ_TCP_PEER_ISS, 0, TCP_SYN);
    tcp_seg_in(f, FUZZ_TCP_PEER_ISS + 1, fuzz_tcp.conn[0].iss + 1, TCP_ACK);
    if (fuzz_tcp.conn[0].state != TCP_ESTABLISHED)
        abort(); /* the set-up itself broke */
}

static void run_state(int mode, const uint8_t *data, size_t size)
{
    static struct fake_netif f; /* ~3 KiB: keep it off the fuzzer's stack */
    static uint8_t fr[FAKE_FRAME_MAX];
    uint8_t opts[64];
    const uint32_t *a;
    uint32_t *b;
    size_t i, n;

    fake_init(&f);
    netif_set_link(&f.nif, true);
    switch (mode) {
    case 0:
        netif_set_ipv4(&f.nif, FAKE_IP, FAKE_MASK, FAKE_GW);
        net_udp_bind(&f.nif, 5000, udp_answer, NULL);
        n = frame_arp(fr, fake_mac, 2, fake_peer_mac, FAKE_PEER, fake_mac, FAKE_IP);
        feed(&f, fr, n);
        net_ping_start(&f.nif, FAKE_PEER, 2, 56, 1000, 5000, ping_seen, NULL);
        net_tick(&f.nif, 0);
        tcp_state(&f);
        break;
    case 1:
        net_dhcp_start(&f.nif, NULL, NULL);
        break;
    case 2:
    case 3:
        net_dhcp_start(&f.nif, NULL, NULL);
        n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, dhcp_std_opts(opts, 2, 600));
        feed(&f, fr, n);
        if (mode == 3) {
            n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, dhcp_std_opts(opts, 5, 600));
            feed(&f, fr, n);
            n = frame_arp(fr, fake_mac, 2, fake_gw_mac, FAKE_GW, fake_mac, FAKE_IP);
            feed(&f, fr, n);
            net_tick(&f.nif, 300000);
        }
        break;
    default:
        break;
    }
    fake_drain(&f);
    memset(&f.nif.stats, 0, sizeof(f.nif.stats));
    feed(&f, data, size);
    if (net_dhcp_state(&f.nif) == DHCP_REQUESTING && mode == 1)
        reached_requesting++;
    if (net_dhcp_state(&f.nif) == DHCP_BOUND && (mode == 2 || mode == 3))
        reached_bound++;
    feed(&f, data, size);
    for (i = 0; i < TCP_MAX_CONNS; i++) /* every connection in use is one tcp_tick() walks */
        if (fuzz_tcp.conn[i].state != TCP_CLOSED && !(fuzz_tcp.live >> i & 1))
            abort();
    net_tick(&f.nif, f.nif.now_ms + 1000);
    net_tick(&f.nif, f.nif.now_ms + 60000);
    net_tick(&f.nif, f.nif.now_ms + 400000);
    fake_drain(&f);
    a = (const uint32_t *)&f.nif.stats;
    b = (uint32_t *)&totals;
    for (i = 0; i < sizeof(totals) / sizeof(uint32_t); i++)
        b[i] += a[i];
    net_ping_stop(&f.nif);
    netif_flush(&f.nif);
    if (fake_fini(&f, NULL, 0) != 0)
        abort(); /* a buffer leaked or released twice */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t fixed[65536];
    int mode;

    if (size > 65535 - FAKE_RX_HEADROOM)
        return 0; /* a netbuf cannot describe it */
    fake_log_quiet(true);
    net_set_random(fuzz_random);
    net_set_clock(NULL);
    for (mode = 0; mode < 4; mode++)
        run_state(mode, data, size);
    if (size)
        memcpy(fixed, data, size);
    if (fuzz_fix_checksums(fixed, size) && memcmp(fixed, data, size) != 0)
        for (mode = 0; mode < 4; mode++)
            run_state(mode, fixed, size);
    return 0;
}

#ifndef FUZZ_LIBFUZZER
/* ---- seed runner ---------------------------------------------------------- */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cmocka.h>

#define MAX_SEEDS 512

static char *seed_path[MAX_SEEDS];

static void run_seed(void **state)
{
    const char *path = *state;
    FILE *fp = fopen(path, "rb");
    uint8_t *buf, *m;
    long len;
    size_t n, k;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    len = ftell(fp);
    assert_true(len >= 0 && len <= 65535);
    rewind(fp);
    buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    n = fread(buf, 1, (size_t)len, fp);
    fclose(fp);
    assert_int_equal(n, (size_t)len);
    LLVMFuzzerTestOneInput(buf, n);
    /* cheap mutations: every truncation, and one bit flipped at each byte */
    m = malloc(n + 1);
    assert_non_null(m);
    for (k = 0; k < n; k++)
        LLVMFuzzerTestOneInput(buf, k);
    for (k = 0; k < n; k++) {
        memcpy(m, buf, n);
        m[k] ^= (uint8_t)(1u << (k % 8));
        LLVMFuzzerTestOneInput(m, n);
    }
    free(m);
    free(buf);
}

/* The seeds must still reach what they were made for. */
static void seed_coverage(void **state)
{
    (void)state;
    assert_true(totals.arp_replies_sent > 0);
    assert_true(totals.icmp_echo_replied > 0);
    assert_true(totals.udp_echo_replied > 0);
    assert_true(totals.icmp_unreach_sent > 0);
    assert_true(totals.ip_options > 0);
    assert_true(totals.dhcp_nak > 0);
    assert_true(reached_requesting > 0);
    assert_true(reached_bound > 0);
    assert_true(ping_replies > 0);
    /* the tcp-* seeds: ESTABLISHED reached (out-of-order data kept, challenge ACKs) */
    assert_true(totals.tcp_rx > 0 && totals.tcp_ooo_queued > 0 && totals.tcp_challenge_ack > 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    static struct CMUnitTest tests[MAX_SEEDS + 1];
    const char *dir = argc > 1 ? argv[1] : getenv("FUZZ_SEEDS");
    struct dirent *de;
    size_t nseeds = 0, i;
    DIR *d;

    if (dir == NULL || dir[0] == '\0')
        dir = "test/fuzz/seeds";
    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "fuzz_netif: cannot open seed directory %s\n", dir);
        return 1;
    }
    while ((de = readdir(d)) != NULL && nseeds < MAX_SEEDS) {
        struct stat st;
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        char *p;
        if (de->d_name[0] == '.')
            continue;
        p = malloc(len);
        if (p == NULL)
            return 1;
        snprintf(p, len, "%s/%s", dir, de->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        seed_path[nseeds++] = p;
    }
    closedir(d);
    if (nseeds == 0) {
        fprintf(stderr, "fuzz_netif: no seeds in %s\n", dir);
        return 1;
    }
    qsort(seed_path, nseeds, sizeof(seed_path[0]), cmp_str);
    for (i = 0; i < nseeds; i++) {
        const char *slash = strrchr(seed_path[i], '/');
        tests[i].name = slash ? slash + 1 : seed_path[i];
        tests[i].test_func = run_seed;
        tests[i].initial_state = seed_path[i];
    }
    tests[nseeds].name = "seed_coverage";
    tests[nseeds].test_func = seed_coverage;
    return _cmocka_run_group_tests("fuzz_netif_seeds", tests, nseeds + 1, NULL, NULL);
}
#endif
