/*
 * gen_seeds.c - writes the fuzz seed frames in test/fuzz/seeds/ (one
 * Ethernet frame per file, named <protocol>-<case>.bin).  The seeds are
 * committed; run this again only to change them (rule in test/fuzz/fuzz.mk):
 *     make build/host/gen_seeds && build/host/gen_seeds test/fuzz/seeds test/fuzz/seeds-netseq
 * The frames are aimed at the interface states fuzz_netif.c sets up
 * (addresses and FAKE_XID from fake_netif.h).  With a second directory it
 * also writes the scripts of fuzz_netseq.c there (<what>.seq; the format
 * is in that file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_netif.h"
#include "prot/be.h"

static const char *outdir;

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.bin", outdir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* ---- fuzz_netseq scripts ---- */
static uint8_t script[8192];
static size_t slen;

static void s_bytes(const uint8_t *p, size_t n)
{
    if (slen + n > sizeof(script)) {
        fprintf(stderr, "gen_seeds: script too long\n");
        exit(1);
    }
    memcpy(script + slen, p, n);
    slen += n;
}
static void s_byte(uint8_t b) { s_bytes(&b, 1); }
static void s_start(uint8_t cfg)
{
    slen = 0;
    s_byte(cfg);
}
static void s_frame(const uint8_t *p, size_t n)
{
    s_byte(0);
    s_byte((uint8_t)(n >> 8));
    s_byte((uint8_t)n);
    s_bytes(p, n);
}
static void s_ms(unsigned ms) /* in 10 ms steps of at most 2550 ms */
{
    while (ms >= 10) {
        unsigned k = ms / 10 > 255 ? 255 : ms / 10;
        s_byte(1);
        s_byte((uint8_t)k);
        ms -= k * 10;
    }
}
static void s_secs(unsigned s, bool stepped)
{
    s_byte(stepped ? 0x82 : 2);
    s_byte((uint8_t)(s >> 8));
    s_byte((uint8_t)s);
}
static void s_dhcp(uint8_t type, uint16_t lease)
{
    s_byte(6);
    s_byte(type);
    s_byte((uint8_t)(lease >> 8));
    s_byte((uint8_t)lease);
    s_byte(FAKE_IP & 0xff);
}
static void s_ping(uint8_t target, uint8_t count, uint16_t size, uint8_t interval10, uint8_t timeout10)
{
    s_byte(3);
    s_byte(target);
    s_byte(count);
    s_byte((uint8_t)(size >> 8));
    s_byte((uint8_t)size);
    s_byte(interval10);
    s_byte(timeout10);
}
static void s_arp_gw(void) { s_byte(0x87); }
static void s_echo(uint8_t seq)
{
    s_byte(7);
    s_byte(seq);
}

static void put_seq(const char *name)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.seq", outdir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(script, 1, slen, f) != slen || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void fix_ip(uint8_t *frame)
{
    uint8_t *ip = frame + 14;
    size_t hlen = (size_t)(ip[0] & 0xf) * 4;

    put_be16(ip + 10, 0);
    put_be16(ip + 10, fake_csum(ip, hlen, 0));
}

static void write_scripts(const char *dir)
{
    static uint8_t fr[FAKE_FRAME_MAX], opts[128];
    size_t n;

    outdir = dir;
    /* DHCP from boot: the DISCOVER is retransmitted, an OFFER and ACK bind,
     * T1 renews, the ACK extends; then T2 rebinds and the lease runs out. */
    s_start(0);
    s_ms(2500);
    s_ms(2500);
    s_dhcp(2, 600);
    s_dhcp(5, 600);
    s_arp_gw();
    s_secs(301, false);
    s_ms(20);
    s_dhcp(5, 600);
    s_secs(530, true);
    s_secs(200, false);
    put_seq("dhcp-bind-renew-rebind-expire");
    /* Bound, then a NAK while renewing, then a bind again and a restart. */
    s_start(2);
    s_dhcp(2, 120);
    s_dhcp(5, 120);
    s_secs(61, false);
    s_dhcp(6, 0);
    s_ms(100);
    s_dhcp(2, 0xffff);
    s_dhcp(5, 0xffff);
    s_byte(5);
    s_dhcp(2, 60);
    s_byte(4);
    s_secs(100, true);
    put_seq("dhcp-nak-infinite-restart");
    /* The offer's fields as a frame, for the mutator (checksums repaired). */
    s_start(0);
    n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, dhcp_std_opts(opts, 2, 3600));
    s_frame(fr, n);
    script[slen - n - 3] = 0x80;
    n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, dhcp_std_opts(opts, 5, 3600));
    s_frame(fr, n);
    s_secs(1801, false);
    s_secs(1400, true);
    put_seq("dhcp-frames-t1-t2");
    /* A static address, a ping to the gateway: ARP, replies in time, one
     * late (a timeout), one duplicated, then the session ends. */
    s_start(1 | 2);
    s_ping(0, 4, 56, 10, 50);
    s_ms(30);
    s_arp_gw();
    s_echo(1);
    s_ms(100);
    s_echo(2);
    s_echo(2);
    s_ms(700);
    s_echo(3);
    s_ms(1000);
    s_echo(4);
    s_ms(2000);
    put_seq("ping-gw-replies-timeout-dup");
    /* Boot's gateway ping in flight while DHCP binds, a second ping
     * refused while it runs, then stopped and a ping to the peer with the
     * link going down and up. */
    s_start(4);
    s_dhcp(2, 600);
    s_dhcp(5, 600);
    s_arp_gw();
    s_ping(1, 2, 100, 5, 5);
    s_echo(1);
    s_ms(150);
    s_byte(0x84);
    s_ping(1, 3, 1472, 1, 1);
    s_byte(0x85);
    s_ms(50);
    s_byte(0x85);
    s_byte(0x80 | 0x40 | 7);
    s_echo(1);
    s_echo(2);
    s_ms(100);
    put_seq("ping-boot-dhcp-link");
    /* Refused pings: count 0, size too big, broadcast, zero timeout. */
    s_start(1);
    s_ping(0, 0, 56, 10, 10);
    s_ping(0, 1, 1500, 10, 10);
    s_byte(3);
    s_byte(3);
    s_bytes((const uint8_t[]){255, 255, 255, 255, 1, 0, 8, 1, 0}, 9);
    s_ping(2, 2, 0, 1, 1);
    s_ms(100);
    put_seq("ping-refused-offlink");
}

/* ---- TCP: aimed at fuzz_netif.c's state 0, a listener on port 5001 and a
 * connection to it from 10.0.2.3:4000 (the peer's ISN 1000) established;
 * the stack's ISN is computed here as it is there (key from FAKE_XID,
 * clock at 0), by opening the same connection. */
#include "prot/tcp.h"
#include "tcp.h"

static uint32_t seeds_random(void)
{
    return FAKE_XID;
}

static size_t tcp_frame(uint8_t *fr, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                        const uint8_t *opt, size_t optlen, const void *data, size_t len)
{
    static uint8_t seg[1600];
    size_t hlen = TCP_HLEN + optlen;
    uint32_t ps = (FAKE_PEER >> 16) + (FAKE_PEER & 0xffff) + (FAKE_IP >> 16) + (FAKE_IP & 0xffff) + 6 +
                  (uint32_t)(hlen + len);

    memset(seg, 0, TCP_HLEN);
    put_be16(seg, sport);
    put_be16(seg + 2, dport);
    put_be32(seg + 4, seq);
    put_be32(seg + 8, ack);
    seg[12] = (uint8_t)(hlen / 4 << 4);
    seg[13] = flags;
    put_be16(seg + 14, 65535);
    memcpy(seg + TCP_HLEN, opt, optlen);
    memcpy(seg + hlen, data, len);
    put_be16(seg + 16, fake_csum(seg, hlen + len, ps));
    return frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 6, seg, hlen + len);
}

static void tcp_seeds(void)
{
    static struct fake_netif f;
    static struct tcp_stack ts;
    static const struct tcp_callbacks none;
    static uint8_t fr[FAKE_FRAME_MAX];
    static const uint8_t mss[4] = {TCP_OPT_MSS, 4, 0x05, 0xb4};
    static const uint8_t opts[12] = {1, 1, TCP_OPT_MSS, 4, 0x02, 0x18, 30, 3, 0, 0, 1, 1};
    static const uint8_t opt0[4] = {1, 30, 0, 1}; /* a zero-length option */
    const uint32_t seq = 1001;
    uint32_t ack;
    size_t n;

    net_set_random(seeds_random);
    net_set_clock(NULL);
    fake_init(&f);
    netif_set_link(&f.nif, true);
    netif_set_ipv4(&f.nif, FAKE_IP, FAKE_MASK, FAKE_GW);
    tcp_init(&ts, &f.nif, NULL);
    tcp_listen(&f.nif, 5001, &none, NULL);
    n = tcp_frame(fr, 4000, 5001, 1000, 0, TCP_SYN, NULL, 0, NULL, 0);
    fake_input(&f, fr, n);
    ack = ts.conn[0].iss + 1;
    netif_flush(&f.nif);
    fake_fini(&f, NULL, 0);
    net_set_random(NULL);

    put("tcp-syn", fr, tcp_frame(fr, 4001, 5001, 7777, 0, TCP_SYN, mss, 4, NULL, 0));
    put("tcp-syn-closed-port", fr, tcp_frame(fr, 4001, 5002, 7777, 0, TCP_SYN, mss, 4, NULL, 0));
    put("tcp-ack-closed-port", fr, tcp_frame(fr, 4001, 5002, 7777, 1234, TCP_ACK, NULL, 0, "x", 1));
    put("tcp-data", fr, tcp_frame(fr, 4000, 5001, seq, ack, TCP_ACK | TCP_PSH, NULL, 0, "hello, tcp", 10));
    put("tcp-data-out-of-order", fr, tcp_frame(fr, 4000, 5001, seq + 100, ack, TCP_ACK, NULL, 0, "later", 5));
    put("tcp-data-fin", fr, tcp_frame(fr, 4000, 5001, seq, ack, TCP_ACK | TCP_FIN, NULL, 0, "bye", 3));
    put("tcp-rst", fr, tcp_frame(fr, 4000, 5001, seq, 0, TCP_RST, NULL, 0, NULL, 0));
    put("tcp-rst-in-window", fr, tcp_frame(fr, 4000, 5001, seq + 50, 0, TCP_RST, NULL, 0, NULL, 0));
    put("tcp-syn-established", fr, tcp_frame(fr, 4000, 5001, 5, 0, TCP_SYN, NULL, 0, NULL, 0));
    put("tcp-options", fr, tcp_frame(fr, 4000, 5001, seq, ack, TCP_ACK, opts, 12, "opt", 3));
    put("tcp-option-zero-length", fr, tcp_frame(fr, 4000, 5001, seq, ack, TCP_ACK, opt0, 4, NULL, 0));
    n = tcp_frame(fr, 4000, 5001, seq, ack, TCP_ACK, NULL, 0, "sum", 3);
    fr[n - 1] ^= 0x10;
    put("tcp-bad-checksum", fr, n);
}

int main(int argc, char **argv)
{
    static const uint8_t zero[6];
    static uint8_t fr[FAKE_FRAME_MAX], data[1472], msg[1024], opts[128];
    size_t n, m, i;

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s DIR [SCRIPT-DIR]\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    for (i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;

    /* Ethernet */
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero, FAKE_IP);
    put("eth-runt", fr, 13);
    put_be16(fr + 12, 0x8100);
    put("eth-vlan", fr, n);

    /* ARP */
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero, FAKE_IP);
    put("arp-request", fr, n);
    put("arp-request-truncated", fr, 30);
    memset(fr + n, 0, 18);
    put("arp-request-padded", fr, 60);
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero, 0x0a000263u);
    put("arp-request-other-host", fr, n);
    n = frame_arp(fr, fake_mac, 2, fake_gw_mac, FAKE_GW, fake_mac, FAKE_IP);
    put("arp-reply", fr, n);
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, 0, zero, FAKE_IP);
    put("arp-probe", fr, n);

    /* ICMP */
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0x1234, 1, data, 56);
    put("icmp-echo-request", fr, n);
    put("icmp-echo-request-truncated", fr, n - 20);
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0x1234, 2, data, 1472);
    put("icmp-echo-request-1472", fr, n);
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 0, (uint16_t)FAKE_XID, 1,
                   data, 56);
    put("icmp-echo-reply-ping", fr, n);
    n = frame_echo(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0xffffffffu, 8, 1, 1, data, 8);
    put("icmp-echo-broadcast", fr, n);
    {
        /* echo request with 8 bytes of IP options (NOPs, EOL) */
        uint8_t icmp[64];
        size_t k = build_icmp_echo(icmp, 8, 0x4242, 3, data, 24);
        n = build_eth(fr, fake_mac, fake_peer_mac, 0x0800);
        build_ip4(fr + n, FAKE_PEER, FAKE_IP, 1, NULL, 0);
        fr[n] = 0x47;
        put_be16(fr + n + 2, (uint16_t)(28 + k));
        memset(fr + n + 20, 1, 7);
        fr[n + 27] = 0;
        memcpy(fr + n + 28, icmp, k);
        fix_ip(fr);
        put("icmp-echo-ip-options", fr, n + 28 + k);
    }

    /* IPv4 */
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, data, 16);
    put_be16(fr + 20, 0x2000);
    fix_ip(fr);
    put("ip-fragment", fr, n);

    /* UDP */
    n = frame_udp(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 40000, 7, data, 100);
    put("udp-echo", fr, n);
    n = frame_udp(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 40000, 9999, data, 10);
    put("udp-closed-port", fr, n);
    n = frame_udp(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 40000, 5000, data, 32);
    put("udp-bound-port", fr, n);
    fr[n - 1] ^= 0x40;
    put("udp-bad-checksum", fr, n);

    /* DHCP (from 10.0.2.2 to broadcast, xid FAKE_XID) */
    m = dhcp_std_opts(opts, 2, 86400);
    n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, m);
    put("dhcp-offer", fr, n);
    put("dhcp-offer-truncated", fr, n - 6);
    m = dhcp_std_opts(opts, 5, 86400);
    n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, m);
    put("dhcp-ack", fr, n);
    m = dhcp_std_opts(opts, 6, 0);
    n = frame_dhcp(fr, FAKE_XID, 0, opts, m);
    put("dhcp-nak", fr, n);
    {
        static const uint8_t top[] = {52, 1, 3, 255};
        m = build_dhcp(msg, FAKE_XID, fake_mac, FAKE_IP, top, sizeof(top));
        memcpy(msg + 108, (const uint8_t[]){53, 1, 2, 51, 4, 0, 0, 2, 88, 255}, 10);
        memcpy(msg + 44, (const uint8_t[]){54, 4, 10, 0, 2, 2, 255}, 7);
        n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, m);
        put("dhcp-offer-overload", fr, n);
    }
    tcp_seeds();
    if (argc == 3)
        write_scripts(argv[2]);
    return 0;
}
