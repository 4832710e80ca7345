/*
 * fuzz_netseq.c - fuzz target for the net/ stack over time: one input is a
 * script of frames, clock steps and pings, run against one interface from
 * boot, so the DHCP client's state machine (retransmissions, T1/T2, lease
 * expiry, NAKs, restarts) and the ping client (intervals, timeouts, slot
 * reuse, replies early, late, duplicated) see every order of events.
 * fuzz_netif.c covers one frame against fixed states; this one covers what
 * happens between frames.
 *
 * Script (every byte string is one): byte 0 sets up the interface
 *   bit 0   static 10.0.2.15/24 gw 10.0.2.2 (else DHCP runs from boot)
 *   bit 1   UDP echo (port 7) on
 *   bit 2   a ping to the gateway in flight from boot (3 x 56 bytes,
 *           100 ms apart, 1 s timeout)
 *   bit 3   the link starts down
 * then records, each an opcode byte b (op = b & 7) and its arguments; a
 * record cut short by the end of the input is dropped:
 *   0 frame     len (2 bytes, big-endian), len bytes: one Ethernet frame;
 *               b & 0x80: its IPv4/ICMP/UDP checksums repaired first
 *   1 time      n (1 byte): the clock advances n * 10 ms, then net_tick
 *   2 long time n (2 bytes): the clock advances n seconds (b & 0x80: n
 *               seconds in 1 s ticks, at most 600 of them), then net_tick
 *   3 ping      target (1: 0 gw, 1 peer, 2 off-link, 3 the next 4 bytes),
 *               count (1), size (2, mod 1600), interval and timeout (1
 *               each, x 10 ms; 0 stays 0: refused); b & 0x80: stop the
 *               running one first
 *   4 stop      b & 0x80: net_ping_stop, else net_dhcp_stop
 *   5 link      b & 0x80: link toggled; else DHCP (re)started
 *   6 dhcp      type (1: 2 OFFER, 5 ACK, 6 NAK, other as is), lease (2 bytes,
 *               seconds; 0xffff = infinite), yiaddr low byte (1): a reply
 *               from 10.0.2.2 with the client's xid, checksums right
 *   7 reply     b & 0x80: ARP reply from the gateway (b & 0x40: from the
 *               peer); else an echo reply to the running ping: seq (1),
 *               from its destination, its id, its size and payload
 * Every frame the stack sends is checked (fuzz_check_output); the DHCP
 * client's leases must satisfy T1 <= T2 <= lease and be configured when
 * bound; ping results must add up (received <= sent <= count, one DONE per
 * session, min <= avg <= max); the clock as the stack sees it never goes
 * back; at the end every buffer must have come back exactly once.
 *
 * Two builds, as fuzz_netif.c: -DFUZZ_LIBFUZZER for libFuzzer, otherwise
 * the seed runner (seed_runner.c) over test/fuzz/seeds-netseq, which
 * gen_seeds.c writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "fake_netif.h"
#include "fuzz_net_util.h"
#include "netif.h"
#include "ping.h"
#include "prot/be.h"
#include "seed_runner.h"
#include "udp.h"

static struct fake_netif f; /* ~3 KiB: keep it off the fuzzer's stack */
static uint64_t now_us;

/* Per session, for the ping checks. */
static uint16_t ping_count;
static bool ping_done, ping_running;
static uint16_t last_sent, last_received;

/* Totals for the seed runner's coverage check. */
static unsigned long n_bound, n_renewed, n_lost, n_rebinding, n_ping_replies, n_ping_timeouts, n_ping_done,
    n_frames_checked, n_dhcp_retx;


static uint32_t fuzz_random(void) { return FAKE_XID; }
static uint64_t fuzz_clock(void) { return now_us; }

static void on_ping(void *arg, const struct ping_result *r)
{
    (void)arg;
    CHECK(ping_running && !ping_done);
    CHECK(r->received <= r->sent && r->sent <= ping_count);
    CHECK(r->sent >= last_sent && r->received >= last_received);
    last_sent = r->sent;
    last_received = r->received;
    if (r->received)
        CHECK(r->rtt_min_us <= r->rtt_avg_us && r->rtt_avg_us <= r->rtt_max_us);
    if (r->event == PING_EV_REPLY) {
        CHECK(r->rtt_us >= r->rtt_min_us && r->rtt_us <= r->rtt_max_us);
        n_ping_replies++;
    } else if (r->event == PING_EV_TIMEOUT) {
        n_ping_timeouts++;
    } else {
        CHECK(r->event == PING_EV_DONE);
        ping_done = true;
        n_ping_done++;
    }
}

static void on_dhcp(void *arg, struct netif *nif, enum dhcp_event ev, const struct dhcp_lease *l)
{
    (void)arg;
    if (ev == DHCP_EV_LOST) {
        n_lost++;
        return;
    }
    CHECK(l != NULL && l->addr != 0);
    CHECK(l->t1_s <= l->t2_s && l->t2_s <= l->lease_s);
    CHECK(nif->ipv4.addr == l->addr);
    if (ev == DHCP_EV_BOUND)
        n_bound++;
    else
        n_renewed++;
}

/* Every frame the stack sent since the last call: well formed. */
static void check_outputs(void)
{
    struct fake_frame *fr;
    while ((fr = fake_pop(&f)) != NULL) {
        const char *why = fuzz_check_output(fr->data, fr->len);
        if (why) {
            fprintf(stderr, "fuzz_netseq: the stack sent %s (%zu bytes)\n", why, fr->len);
            abort();
        }
        if (fr->len >= 14 + 20 + 8 + 240 && get_be16(fr->data + 12) == 0x0800 && fr->data[14 + 9] == 17 &&
            get_be16(fr->data + 14 + 20 + 2) == 67 && get_be16(fr->data + 14 + 20 + 8 + 8) != 0)
            n_dhcp_retx++; /* secs != 0: a retransmission or a renewal */
        n_frames_checked++;
        free(fr);
    }
}

static void tick(void)
{
    uint64_t before = f.nif.now_ms;
    net_tick(&f.nif, now_us / 1000);
    CHECK(f.nif.now_ms >= before);
    check_outputs();
    if (net_dhcp_state(&f.nif) == DHCP_REBINDING)
        n_rebinding++;
}

static void feed(const uint8_t *frame, size_t len)
{
    fake_input(&f, frame, len);
    check_outputs();
}

static void ping_start(uint32_t dst, uint16_t count, uint16_t size, uint32_t interval, uint32_t timeout)
{
    int err = net_ping_start(&f.nif, dst, count, size, interval, timeout, on_ping, NULL);
    if (err == 0) {
        ping_running = true;
        ping_done = false;
        ping_count = count;
        last_sent = last_received = 0;
    } else {
        CHECK(err == -NET_EBUSY || err == -NET_EINVAL);
        CHECK(err != -NET_EBUSY || net_ping_active(&f.nif));
    }
    check_outputs();
}

/* A cursor over the script. */
struct rd {
    const uint8_t *p;
    size_t n;
};

static bool take(struct rd *r, size_t k, const uint8_t **out)
{
    if (r->n < k)
        return false;
    *out = r->p;
    r->p += k;
    r->n -= k;
    return true;
}

static void run_script(const uint8_t *data, size_t size)
{
    static uint8_t fr[FAKE_FRAME_MAX], opts[128];
    struct rd r = {data, size};
    const uint8_t *a;
    uint8_t cfg = 0;
    size_t n;

    fake_init(&f);
    fake_log_quiet(true);
    net_set_random(fuzz_random);
    net_set_clock(fuzz_clock);
    now_us = 0;
    ping_running = ping_done = false;
    if (take(&r, 1, &a))
        cfg = a[0];
    netif_set_link(&f.nif, !(cfg & 8));
    net_udp_echo_enable(&f.nif, (cfg & 2) != 0);
    if (cfg & 1)
        netif_set_ipv4(&f.nif, FAKE_IP, FAKE_MASK, FAKE_GW);
    else
        net_dhcp_start(&f.nif, on_dhcp, NULL);
    if (cfg & 4)
        ping_start(FAKE_GW, 3, 56, 100, 1000);
    tick();

    while (take(&r, 1, &a)) {
        uint8_t b = a[0];
        switch (b & 7) {
        case 0: {
            static uint8_t fixed[65536];
            if (!take(&r, 2, &a))
                return;
            n = get_be16(a);
            if (n > r.n)
                n = r.n;
            take(&r, n, &a);
            if (n > 65535 - FAKE_RX_HEADROOM)
                break;
            memcpy(fixed, a, n);
            if (b & 0x80)
                fuzz_fix_checksums(fixed, n);
            feed(fixed, n);
            break;
        }
        case 1:
            if (!take(&r, 1, &a))
                return;
            now_us += (uint64_t)a[0] * 10000u + (b >> 3); /* and a few us, for the RTTs */
            tick();
            break;
        case 2: {
            if (!take(&r, 2, &a))
                return;
            uint32_t s = get_be16(a);
            if (b & 0x80) {
                for (uint32_t i = 0; i < s && i < 600; i++) {
                    now_us += 1000000u;
                    tick();
                }
            } else {
                now_us += (uint64_t)s * 1000000u;
                tick();
            }
            break;
        }
        case 3: {
            static const uint32_t dsts[3] = {FAKE_GW, FAKE_PEER, FAKE_FAR};
            uint32_t dst;
            if (!take(&r, 1, &a))
                return;
            if (a[0] % 4 == 3) {
                if (!take(&r, 4, &a))
                    return;
                dst = get_be32(a);
            } else {
                dst = dsts[a[0] % 4];
            }
            if (!take(&r, 5, &a))
                return;
            if (b & 0x80) {
                net_ping_stop(&f.nif);
                ping_running = false;
            }
            ping_start(dst, a[0], get_be16(a + 1) % 1600u, a[3] * 10u, a[4] * 10u);
            break;
        }
        case 4:
            if (b & 0x80) {
                net_ping_stop(&f.nif);
                ping_running = false;
            } else {
                net_dhcp_stop(&f.nif);
            }
            check_outputs();
            break;
        case 5:
            if (b & 0x80)
                netif_set_link(&f.nif, !f.nif.link_up);
            else
                net_dhcp_start(&f.nif, on_dhcp, NULL);
            check_outputs();
            break;
        case 6: {
            uint32_t lease;
            if (!take(&r, 4, &a))
                return;
            lease = get_be16(a + 1);
            if (lease == 0xffff)
                lease = 0xffffffffu;
            n = frame_dhcp(fr, f.nif.dhcp.xid, (FAKE_IP & ~0xffu) | a[3], opts, dhcp_std_opts(opts, a[0], lease));
            feed(fr, n);
            break;
        }
        case 7:
            if (b & 0x80) {
                n = b & 0x40 ? frame_arp(fr, fake_mac, 2, fake_peer_mac, FAKE_PEER, fake_mac, f.nif.ipv4.addr)
                             : frame_arp(fr, fake_mac, 2, fake_gw_mac, FAKE_GW, fake_mac, f.nif.ipv4.addr);
                feed(fr, n);
            } else {
                static uint8_t payload[PING_MAX_SIZE];
                const struct ping_client *pc = &f.nif.ping;
                if (!take(&r, 1, &a))
                    return;
                for (size_t i = 0; i < sizeof(payload); i++)
                    payload[i] = (uint8_t)i; /* what net/icmp.c sends */
                n = frame_echo(fr, fake_mac, fake_gw_mac, pc->dst, f.nif.ipv4.addr, 0, pc->id, a[0], payload,
                               pc->size <= PING_MAX_SIZE ? pc->size : 0);
                feed(fr, n);
            }
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char why[256];

    run_script(data, size);
    /* And the long run after it: every timer fires. */
    now_us += 1000000ull * 100000;
    tick();
    net_ping_stop(&f.nif);
    netif_flush(&f.nif);
    check_outputs();
    if (fake_fini(&f, why, sizeof(why)) != 0) {
        fprintf(stderr, "fuzz_netseq: %s\n", why);
        abort(); /* a buffer leaked or released twice */
    }
    return 0;
}

int fuzz_seed_coverage(void)
{
    return FUZZ_REACHED(n_bound > 0) + FUZZ_REACHED(n_renewed > 0) + FUZZ_REACHED(n_lost > 0) +
           FUZZ_REACHED(n_rebinding > 0) + FUZZ_REACHED(n_ping_replies > 0) + FUZZ_REACHED(n_ping_timeouts > 0) +
           FUZZ_REACHED(n_ping_done > 0) + FUZZ_REACHED(n_frames_checked > 0) + FUZZ_REACHED(n_dhcp_retx > 0);
}
