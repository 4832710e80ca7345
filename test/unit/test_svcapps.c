/*
 * test_svcapps.c - host tests for the network services as a peer sees
 * them: apps/httpapp.c (port 80) and apps/shellsrv.c (port 23) compiled
 * as they are, on the real TCP stack (net/tcp.c) over the fake driver
 * (test/unit/fake_netif.c).  The peers are the test: each builds its
 * segments, reads what the stack sends to it and acknowledges it.  What
 * the services call outside the network (the device table, the drivers'
 * counters, the shell's commands, the clock) is stood in for here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app.h"
#include "blkapp.h"
#include "fake_netif.h"
#include "httpapp.h"
#include "kprintf.h"
#include "net_priv.h"
#include "netapp.h"
#include "netif.h"
#include "prot/be.h"
#include "prot/tcp.h"
#include "shellsrv.h"
#include "tcp.h"
#include "timer/timer.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"
#include "virtio/virtqueue.h"

static struct fake_netif *F;
static struct tcp_stack *TS;
static uint64_t now;
#define NIF (&F->nif)

/* ---- stand-ins for the firmware around the services ------------------------ */

uint64_t timer_ms(void) { return now; }
uint64_t board_irq_count(void) { return UINT64_MAX; }
bool app_bootarg(const char *word)
{
    (void)word;
    return false;
}

#define NDEV_MAX 16
static int ndev;
static struct board_virtio_slot slots[NDEV_MAX];
static struct app_device devs[NDEV_MAX];
static struct virtio_dev vdev[NDEV_MAX];
const struct app_device *app_devices(int *n)
{
    *n = ndev;
    return devs;
}
const char *virtio_device_name(uint32_t id) { return id == 1 ? "net" : id == 2 ? "blk" : "rng"; }

/* Up to 4 interfaces and 4 disks, as the firmware allows (netapp.h, blkapp.h). */
static unsigned nnet, nblk;
static struct fake_netif *extra_nif[4]; /* net1.. (net0 is F) */
static struct virtio_net vnet[4];
static struct virtio_blk vblk[4];
static int vq_dummy[4];
static struct virtqueue *const VQ_RX = (struct virtqueue *)&vq_dummy[0];
static struct virtqueue *const VQ_TX = (struct virtqueue *)&vq_dummy[1];
static struct virtqueue *const VQ_REQ = (struct virtqueue *)&vq_dummy[2];
static struct virtqueue *const VQ_CTRL = (struct virtqueue *)&vq_dummy[3];
static bool stats_max; /* every counter at its largest */

unsigned netapp_count(void) { return nnet; }
struct netif *netapp_netif_at(unsigned i)
{
    return i >= nnet ? NULL : i == 0 ? NIF : &extra_nif[i]->nif;
}
struct virtio_net *netapp_dev_at(unsigned i) { return i < nnet ? &vnet[i] : NULL; }
unsigned virtio_net_mtu(const struct virtio_net *n) { return n->mtu; }
struct netif *netapp_netif(void) { return netapp_netif_at(0); }
struct virtio_net *netapp_dev(void) { return netapp_dev_at(0); }
unsigned blkapp_count(void) { return nblk; }
struct virtio_blk *blkapp_dev_at(unsigned i) { return i < nblk ? &vblk[i] : NULL; }
struct virtio_blk *blkapp_dev(void) { return blkapp_dev_at(0); }
const char *virtqueue_name(const struct virtqueue *vq)
{
    return vq == VQ_RX ? "rx" : vq == VQ_TX ? "tx" : vq == VQ_CTRL ? "ctrl" : "requestq";
}
void virtqueue_get_stats(const struct virtqueue *vq, struct vq_stats *out)
{
    (void)vq;
    memset(out, stats_max ? 0xff : 0, sizeof(*out));
    out->broken = false;
}

/* The shell's commands, as the TCP shell runs them. */
static int cmd_runs;
static char last_cmd[128];
static size_t big_len;             /* "big": prints this many bytes */
static void (*during_ping)(void);  /* "ping": what arrives from the network meanwhile */
static int ping_said;              /* "ping": its interrupt check afterwards: 1, 0, -1 none */
void shell_run_line(char *l, bool (*interrupted)(void *arg), void *arg)
{
    cmd_runs++;
    snprintf(last_cmd, sizeof(last_cmd), "%s", l);
    if (strcmp(l, "devices") == 0) {
        for (int i = 0; i < ndev; i++)
            kprintf("virtio-mmio@0x%08lx dev %u\n", (unsigned long)slots[i].base, (unsigned)devs[i].id.device_id);
    } else if (strcmp(l, "big") == 0) {
        static const char row[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
        for (size_t i = 0; i < big_len; i += 64) /* lines of 64 bytes with the LF */
            kprintf("%s", row);
    } else if (strcmp(l, "hexdump") == 0) { /* as blk read 0 8 prints 4 KiB (apps/shell.c) */
        for (unsigned i = 0; i < 4096; i += 16) {
            kprintf("%08llx ", (unsigned long long)i);
            for (unsigned j = 0; j < 16; j++)
                kprintf(" %02x", (i + j) & 0xff);
            kprintf("  |");
            for (unsigned j = 0; j < 16; j++)
                kprintf("%c", '.');
            kprintf("|\n");
        }
    } else if (strncmp(l, "ping", 4) == 0) {
        kprintf("PING\n");
        if (during_ping)
            during_ping(); /* netapp_ping polls the network until the last reply */
        ping_said = interrupted ? interrupted(arg) : -1; /* as netapp_ping asks after a poll */
        kprintf("PONG\n");
    } else if (l[0]) {
        kprintf("ran %s\n", l);
    }
}

static void sink(const char *s, size_t n)
{
    (void)s;
    (void)n;
}

/* ---- peers ------------------------------------------------------------------ */

struct peer {
    uint16_t port, dport;
    uint32_t seq, ack;
    uint16_t wnd;
    bool synced, fin, rst, no_ack;
    size_t rxlen;
    uint8_t rx[1 << 17];
};

#define NPEERS 8
static struct peer *peers[NPEERS];

static size_t build_tcp(uint8_t *out, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                        uint16_t wnd, const void *data, size_t len)
{
    static const uint8_t mss[4] = {2, 4, 0x05, 0xb4};
    size_t hlen = (flags & TCP_SYN) ? 24 : 20;
    uint32_t src = FAKE_PEER, dst = FAKE_IP, ps;
    put_be16(out, sport);
    put_be16(out + 2, dport);
    put_be32(out + 4, seq);
    put_be32(out + 8, ack);
    out[12] = (uint8_t)((hlen / 4) << 4);
    out[13] = flags;
    put_be16(out + 14, wnd);
    put_be16(out + 16, 0);
    put_be16(out + 18, 0);
    if (hlen == 24)
        memcpy(out + 20, mss, 4);
    if (len)
        memcpy(out + hlen, data, len);
    ps = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + (uint32_t)(hlen + len);
    put_be16(out + 16, fake_csum(out, hlen + len, ps));
    return hlen + len;
}

static void seg(struct peer *p, uint8_t flags, const void *data, size_t len)
{
    static uint8_t s[1600], fr[FAKE_FRAME_MAX];
    size_t n = build_tcp(s, p->port, p->dport, p->seq, p->ack, flags, p->wnd, data, len);
    size_t flen = frame_ip4(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 6, s, n);
    fake_input(F, fr, flen);
    p->seq += (uint32_t)len + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
}

/* Every segment the stack sent, to its peer: data appended in order, each
 * acknowledged (unless the peer holds its ACKs), FIN and RST noted. */
static void pump(void)
{
    struct fake_frame *fr;
    while ((fr = fake_pop(F)) != NULL) {
        const uint8_t *ip = fr->data + 14, *t = ip + 20;
        if (fr->len < 54 || get_be16(fr->data + 12) != 0x0800 || ip[9] != 6) {
            free(fr);
            continue;
        }
        size_t tl = get_be16(ip + 2) - 20u, hl = (size_t)(t[12] >> 4) * 4, dlen = tl - hl;
        uint16_t dport = get_be16(t + 2);
        uint32_t sseq = get_be32(t + 4);
        uint8_t flags = t[13];
        struct peer *p = NULL;
        for (int i = 0; i < NPEERS; i++)
            if (peers[i] && peers[i]->port == dport)
                p = peers[i];
        if (!p) {
            free(fr);
            continue;
        }
        bool ack = false;
        if (flags & TCP_RST) {
            p->rst = true;
        } else if ((flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
            p->ack = sseq + 1;
            p->synced = true;
            ack = true;
        } else if (p->synced && sseq == p->ack) {
            assert_true(p->rxlen + dlen <= sizeof(p->rx));
            memcpy(p->rx + p->rxlen, t + hl, dlen);
            p->rxlen += dlen;
            p->ack += (uint32_t)dlen;
            if (flags & TCP_FIN) {
                p->fin = true;
                p->ack++;
            }
            ack = dlen || (flags & TCP_FIN);
        }
        free(fr);
        if (ack && !p->no_ack)
            seg(p, TCP_ACK, NULL, 0);
    }
}

static void arp_refresh(void)
{
    uint8_t fr[128];
    size_t n = frame_arp(fr, fake_mac, 2, fake_peer_mac, FAKE_PEER, fake_mac, FAKE_IP);
    fake_input(F, fr, n);
}

/* One turn of the main loop (apps/main.c): the services, then the wire. */
static void loop(void)
{
    for (int i = 0; i < 8; i++) {
        httpapp_poll();
        shellsrv_poll();
        pump();
    }
}

static void tick(uint64_t ms)
{
    now += ms;
    net_tick(NIF, now);
    loop();
}

static struct peer *peer_new(uint16_t dport)
{
    static uint16_t next_port = 40000;
    for (int i = 0; i < NPEERS; i++)
        if (!peers[i]) {
            struct peer *p = calloc(1, sizeof(*p));
            assert_non_null(p);
            p->port = next_port++;
            p->dport = dport;
            p->seq = 0x10000000u + p->port;
            p->wnd = 65535;
            peers[i] = p;
            return p;
        }
    fail_msg("too many peers");
    return NULL;
}

static struct peer *connect_to(uint16_t dport)
{
    struct peer *p = peer_new(dport);
    seg(p, TCP_SYN, NULL, 0);
    pump(); /* SYN-ACK answered: established */
    assert_true(p->synced);
    loop();
    return p;
}

static void send_str(struct peer *p, const char *s) { seg(p, TCP_ACK | TCP_PSH, s, strlen(s)); }

/* The bytes a peer received so far, as a string. */
static const char *rx_str(struct peer *p)
{
    static char buf[sizeof(((struct peer *)0)->rx) + 1];
    memcpy(buf, p->rx, p->rxlen);
    buf[p->rxlen] = '\0';
    return buf;
}

/* ---- a small JSON checker (RFC 8259 syntax; strings without escapes) ------ */

static const char *js_ws(const char *s)
{
    while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
        s++;
    return s;
}
static const char *js_value(const char *s, int depth);
static const char *js_string(const char *s)
{
    if (*s != '"')
        return NULL;
    for (s++; *s && *s != '"'; s++)
        if ((unsigned char)*s < 32 || *s == '\\')
            return NULL;
    return *s == '"' ? s + 1 : NULL;
}
static const char *js_value(const char *s, int depth)
{
    s = js_ws(s);
    if (depth > 32)
        return NULL;
    if (*s == '{' || *s == '[') {
        char close = *s == '{' ? '}' : ']';
        bool obj = *s == '{';
        s = js_ws(s + 1);
        if (*s == close)
            return s + 1;
        for (;;) {
            if (obj) {
                s = js_string(js_ws(s));
                if (!s)
                    return NULL;
                s = js_ws(s);
                if (*s++ != ':')
                    return NULL;
            }
            s = js_value(s, depth + 1);
            if (!s)
                return NULL;
            s = js_ws(s);
            if (*s == ',') {
                s++;
                continue;
            }
            return *s == close ? s + 1 : NULL;
        }
    }
    if (*s == '"')
        return js_string(s);
    if (strncmp(s, "true", 4) == 0 || strncmp(s, "null", 4) == 0)
        return s + 4;
    if (strncmp(s, "false", 5) == 0)
        return s + 5;
    if (*s >= '0' && *s <= '9') {
        while (*s >= '0' && *s <= '9')
            s++;
        return s;
    }
    return NULL;
}
static bool json_ok(const char *s)
{
    s = js_value(s, 0);
    return s && *js_ws(s) == '\0';
}

/* ---- set-up ------------------------------------------------------------------- */

static void set_up_devices(int n)
{
    ndev = n;
    for (int i = 0; i < n; i++) {
        slots[i].base = 0x0a000000u + 0x200u * (unsigned)i;
        devs[i].slot = &slots[i];
        devs[i].id.device_id = (uint32_t)(i % 3 + 1);
        devs[i].dev = i < 12 ? &vdev[i] : NULL; /* 12 with drivers at most: 4 + 4 + 2 + 2 */
        memset(&vdev[i].stats, stats_max ? 0xff : 0, sizeof(vdev[i].stats));
    }
    for (int i = 0; i < 4; i++) {
        memset(&vnet[i].stats, stats_max ? 0xff : 0, sizeof(vnet[i].stats));
        vnet[i].rxq = VQ_RX;
        vnet[i].txq = VQ_TX;
        vnet[i].ctrlq = VQ_CTRL; /* the control queue (VIRTIO_NET_F_CTRL_VQ) too */
        memset(&vblk[i].stats, stats_max ? 0xff : 0, sizeof(vblk[i].stats));
        vblk[i].vq = VQ_REQ;
    }
}

static int setup(void **state)
{
    (void)state;
    static const uint8_t key[TCP_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint8_t fr[128];

    kprintf_set_sink(sink);
    F = fake_open();
    TS = calloc(1, sizeof(*TS));
    if (F == NULL || TS == NULL)
        return -1;
    now += 100000; /* every test starts well after the last one's timers */
    net_tick(NIF, now);
    netif_set_ipv4(NIF, FAKE_IP, FAKE_MASK, FAKE_GW);
    size_t n = frame_arp(fr, fake_mac, 2, fake_peer_mac, FAKE_PEER, fake_mac, FAKE_IP);
    fake_input(F, fr, n);
    fake_drain(F);
    tcp_init(TS, NIF, key);
    if (!httpapp_start(NIF) || !shellsrv_start(NIF))
        return -1;
    stats_max = false;
    nnet = 1;
    nblk = 1;
    set_up_devices(3);
    cmd_runs = 0;
    big_len = 0;
    during_ping = NULL;
    ping_said = -2;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* every connection gone (the services' slots with them: they are
     * static, so what one test leaves the next one finds) */
    for (int i = 0; i < TCP_MAX_CONNS; i++)
        if (TS->conn[i].state != TCP_CLOSED)
            tcp_abort(&TS->conn[i]);
    now += 3600u * 1000u;
    httpapp_poll();
    shellsrv_poll();
    fake_drain(F);
    for (int i = 0; i < NPEERS; i++) {
        free(peers[i]);
        peers[i] = NULL;
    }
    for (int i = 0; i < 4; i++)
        if (extra_nif[i])
            fake_close(&extra_nif[i]);
    int r = fake_close(&F);
    free(TS);
    return r;
}

/* ---- HTTP ----------------------------------------------------------------------- */

static int status_of(struct peer *p)
{
    int st = 0;
    if (p->rxlen < 12 || sscanf(rx_str(p), "HTTP/1.1 %d ", &st) != 1)
        return -1;
    return st;
}

static const char *body_of(struct peer *p)
{
    const char *s = rx_str(p), *b = strstr(s, "\r\n\r\n");
    return b ? b + 4 : NULL;
}

/* Content-Length equals the body's length. */
static void check_length(struct peer *p)
{
    const char *s = rx_str(p), *cl = strstr(s, "Content-Length: ");
    assert_non_null(cl);
    const char *b = body_of(p);
    assert_non_null(b);
    assert_int_equal(strtoul(cl + 16, NULL, 10), strlen(b));
}

/* One request, byte by byte, and its answer to the FIN. */
static void test_http_byte_by_byte(void **state)
{
    (void)state;
    struct peer *p = connect_to(HTTP_PORT);
    const char *req = "GET /stats HTTP/1.1\r\nHost: g\r\n\r\n";
    for (size_t i = 0; req[i]; i++) {
        seg(p, TCP_ACK, req + i, 1);
        loop();
        if (req[i + 1])
            assert_int_equal(p->rxlen, 0);
    }
    tick(50);
    assert_true(p->fin);
    assert_int_equal(status_of(p), 200);
    check_length(p);
    assert_true(json_ok(body_of(p)));
}

/* A second request in the same segment is dropped: one answer, then FIN. */
static void test_http_pipelined(void **state)
{
    (void)state;
    struct peer *p = connect_to(HTTP_PORT);
    send_str(p, "GET /nope HTTP/1.1\r\nHost: g\r\n\r\nGET / HTTP/1.1\r\nHost: g\r\n\r\n");
    tick(50);
    assert_true(p->fin);
    assert_int_equal(status_of(p), 404);
    assert_null(strstr(body_of(p), "HTTP/1.1"));
}

/* A request line longer than the buffer: RFC 9112 3, "A server that
 * receives a request-target longer than any URI it wishes to parse MUST
 * respond with a 414 (URI Too Long) status code". */
static void test_http_long_target_414(void **state)
{
    (void)state;
    struct peer *p = connect_to(HTTP_PORT);
    char line[HTTP_REQ_MAX + 64];
    memset(line, 'a', sizeof(line) - 1);
    memcpy(line, "GET /", 5);
    line[sizeof(line) - 1] = '\0';
    for (size_t off = 0; off < strlen(line); off += 1000) {
        size_t n = strlen(line) - off < 1000 ? strlen(line) - off : 1000;
        seg(p, TCP_ACK, line + off, n);
        loop();
    }
    tick(50);
    assert_int_equal(status_of(p), 414);
    check_length(p);

    /* a long header section (the request line complete) is still 431 */
    struct peer *q = connect_to(HTTP_PORT);
    send_str(q, "GET / HTTP/1.1\r\nX: ");
    for (size_t off = 0; off < HTTP_REQ_MAX; off += 1000) {
        seg(q, TCP_ACK, line + 5, 1000);
        loop();
    }
    tick(50);
    assert_int_equal(status_of(q), 431);
}

/* Every counter of the shell's stats command, which prints every
 * interface and every disk (README: "/stats every counter of stats as
 * JSON"; stats: "per interface and per disk"). */
static void test_http_stats_every_interface_and_disk(void **state)
{
    (void)state;
    for (unsigned i = 1; i < 2; i++)
        extra_nif[i] = fake_open();
    nnet = 2;
    nblk = 2;
    vnet[1].stats.rx_frames = 424242;
    vblk[1].stats.reads = 434343;
    extra_nif[1]->nif.stats.ip_rx = 454545;
    struct peer *p = connect_to(HTTP_PORT);
    send_str(p, "GET /stats HTTP/1.1\r\nHost: g\r\n\r\n");
    tick(50);
    assert_int_equal(status_of(p), 200);
    check_length(p);
    const char *b = body_of(p);
    assert_true(json_ok(b));
    if (!strstr(b, "454545") || !strstr(b, "424242") || !strstr(b, "434343"))
        fail_msg("/stats leaves out net1 or disk1 (ip_rx 454545 %s, rx_frames 424242 %s, reads 434343 %s)",
                 strstr(b, "454545") ? "in" : "missing", strstr(b, "424242") ? "in" : "missing",
                 strstr(b, "434343") ? "in" : "missing");
}

/* The largest configuration the firmware drives (4 interfaces, 4 disks, 2
 * consoles, 2 entropy devices, and 4 devices without a driver) with every
 * counter at its largest: still a whole JSON answer, not a 500. */
static void test_http_stats_largest(void **state)
{
    (void)state;
    for (unsigned i = 1; i < 4; i++) {
        extra_nif[i] = fake_open();
        memset(&extra_nif[i]->nif.stats, 0xff, sizeof(extra_nif[i]->nif.stats));
    }
    stats_max = true;
    set_up_devices(16);
    nnet = 4;
    nblk = 4;
    struct peer *p = connect_to(HTTP_PORT);
    p->wnd = 2000; /* and a peer that takes it slowly */
    send_str(p, "GET /stats HTTP/1.1\r\nHost: g\r\n\r\n");
    for (int i = 0; i < 100 && !p->fin; i++)
        tick(50);
    assert_true(p->fin);
    if (status_of(p) != 200)
        fail_msg("status %d: %s", status_of(p), body_of(p));
    check_length(p);
    assert_true(json_ok(body_of(p)));
}

/* A response to HEAD has no content, whatever its status (RFC 9110 9.3.2,
 * 6.4.1; RFC 9112 6.3 rule 1: it ends at the empty line after the head):
 * a HEAD refused 400 (no Host) or 505 gets the head alone, as HEAD of a
 * path that is not there (404) does. */
static void test_http_head_error_no_body(void **state)
{
    (void)state;
    static const struct {
        const char *req;
        int status;
    } cases[] = {
        {"HEAD / HTTP/1.1\r\n\r\n", 400},
        {"HEAD / HTTP/1.1\r\nHost: g\r\nHost: h\r\n\r\n", 400},
        {"HEAD / HTTP/2.0\r\nHost: g\r\n\r\n", 505},
        {"HEAD /nope HTTP/1.1\r\nHost: g\r\n\r\n", 404},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct peer *p = connect_to(HTTP_PORT);
        send_str(p, cases[i].req);
        tick(50);
        assert_true(p->fin);
        assert_int_equal(status_of(p), cases[i].status);
        assert_non_null(strstr(rx_str(p), "Content-Length: "));
        if (strcmp(body_of(p), "") != 0)
            fail_msg("HEAD answered %d with content: '%s'", cases[i].status, body_of(p));
        seg(p, TCP_ACK | TCP_FIN, NULL, 0); /* our side closed too: the slot is free */
        tick(50);
        free(p);
        for (int k = 0; k < NPEERS; k++)
            if (peers[k] == p)
                peers[k] = NULL;
        tick(50);
    }
}

/* The same for a HEAD whose head never completed: too large (431), cut
 * short by the peer's FIN (400), not finished in time (408) - its request
 * line said HEAD. */
static void test_http_head_unfinished_no_body(void **state)
{
    (void)state;
    char x[HTTP_REQ_MAX];
    memset(x, 'x', sizeof(x));
    for (int i = 0; i < 3; i++) {
        struct peer *p = connect_to(HTTP_PORT);
        send_str(p, "HEAD / HTTP/1.1\r\nHost: g\r\nX: ");
        if (i == 0)
            for (size_t off = 0; off < sizeof(x); off += 1024) { /* segments of at most 1600 bytes (seg) */
                seg(p, TCP_ACK, x + off, 1024);
                loop();
            }
        else if (i == 1)
            seg(p, TCP_ACK | TCP_FIN, NULL, 0);
        else
            for (unsigned t = 0; t <= HTTP_TIMEOUT_MS; t += 500)
                tick(500);
        tick(50);
        assert_true(p->fin);
        static const int want[] = {431, 400, 408};
        assert_int_equal(status_of(p), want[i]);
        if (strcmp(body_of(p), "") != 0)
            fail_msg("HEAD answered %d with content: '%s'", want[i], body_of(p));
        if (i != 1)
            seg(p, TCP_ACK | TCP_FIN, NULL, 0); /* our side closed too: the slot is free */
        tick(50);
        free(p);
        for (int k = 0; k < NPEERS; k++)
            if (peers[k] == p)
                peers[k] = NULL;
    }
}

/* Slots: two silent connections hold both (a third gets 503); a request
 * cut short by the peer's FIN gets 400; a peer that vanishes is answered
 * 408 after HTTP_TIMEOUT_MS and its slot freed after the linger. */
static void test_http_slots(void **state)
{
    (void)state;
    struct peer *a = connect_to(HTTP_PORT), *b = connect_to(HTTP_PORT);
    struct peer *c = connect_to(HTTP_PORT);
    tick(50);
    assert_int_equal(status_of(c), 503);
    check_length(c);
    assert_true(c->fin);
    send_str(a, "GET / HTTP/1.1\r\nHost: g\r\n");
    seg(a, TCP_ACK | TCP_FIN, NULL, 0);
    tick(50);
    assert_int_equal(status_of(a), 400);
    assert_true(a->fin);
    struct peer *d = connect_to(HTTP_PORT); /* a's slot is free again */
    send_str(d, "HEAD / HTTP/1.0\r\n\r\n");
    tick(50);
    assert_int_equal(status_of(d), 200);
    assert_string_equal(body_of(d), ""); /* HEAD: no body */
    b->no_ack = true; /* b never answers again */
    for (int i = 0; i < (int)(HTTP_TIMEOUT_MS / 500) + 1; i++)
        tick(500);
    assert_int_equal(status_of(b), 408);
    for (int i = 0; i < (int)(HTTP_LINGER_MS / 500) + 1; i++)
        tick(500);
    struct peer *e = connect_to(HTTP_PORT), *f = connect_to(HTTP_PORT);
    send_str(e, "GET / HTTP/1.1\r\nHost: g\r\n\r\n");
    send_str(f, "GET / HTTP/1.1\r\nHost: g\r\n\r\n");
    tick(50);
    assert_int_equal(status_of(e), 200);
    assert_int_equal(status_of(f), 200); /* b's and d's slots both free */
}

/* ---- the shell ------------------------------------------------------------------ */

static size_t count(const char *s, const char *w)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, w)) != NULL; p += strlen(w))
        n++;
    return n;
}

static struct peer *ping_peer;
static void input_during_ping(void)
{
    /* the peer types the next line while ping runs */
    send_str(ping_peer, "next\n");
    pump();
}

/* A line that arrives while a command polls the network (ping) runs once,
 * after it: no empty command in between, one prompt per command. */
static void test_shell_input_during_command(void **state)
{
    (void)state;
    struct peer *p = connect_to(SHELLSRV_PORT);
    ping_peer = p;
    during_ping = input_during_ping;
    uint32_t before = shellsrv_get_stats()->commands;
    send_str(p, "ping 10.0.2.2\n");
    tick(50);
    tick(50);
    const char *out = rx_str(p);
    if (!strstr(out, "PONG\r\nvbare> ran next\r\nvbare> "))
        fail_msg("the session got:\n%s", out);
    if (count(out, "vbare> ") != 3)
        fail_msg("%zu prompts, want 3 (welcome, after ping, after next):\n%s", count(out, "vbare> "), out);
    assert_int_equal(shellsrv_get_stats()->commands - before, 2);
    assert_int_equal(cmd_runs, 2);
    assert_int_equal(ping_said, 0); /* a line typed meanwhile is no interrupt */
}

/* Ctrl-C from the session while its command runs: as nc sends it (the
 * byte 3) or telnet (IAC IP).  The command's check says true; the byte is
 * no part of the next line, which runs as usual. */
static const char *intr_bytes;
static void ctrl_c_during_ping(void)
{
    send_str(ping_peer, intr_bytes);
    pump();
}

static void test_shell_ctrl_c_interrupts(void **state)
{
    (void)state;
    static const char *const forms[] = {"\x03", "\xff\xf4"};
    for (unsigned i = 0; i < 2; i++) {
        struct peer *p = connect_to(SHELLSRV_PORT);
        ping_peer = p;
        intr_bytes = forms[i];
        during_ping = ctrl_c_during_ping;
        ping_said = -2;
        send_str(p, "ping 10.0.2.2\n");
        tick(50);
        if (ping_said != 1)
            fail_msg("form %u: the interrupt check said %d after Ctrl-C:\n%s", i, ping_said, rx_str(p));
        during_ping = NULL;
        send_str(p, "next\n");
        tick(50);
        if (!strstr(rx_str(p), "PONG\r\nvbare> ran next\r\nvbare> "))
            fail_msg("form %u: after Ctrl-C the session got:\n%s", i, rx_str(p));
        /* the next command starts uninterrupted */
        during_ping = NULL;
        send_str(p, "ping 10.0.2.2\n");
        tick(50);
        assert_int_equal(ping_said, 0);
    }
}

/* A Ctrl-C that lands past the end of TCP's receive ring, where recv
 * (offered only the piece before the wrap) does not see it: the check
 * looks at all TCP holds, so it says true all the same. */
static void test_shell_ctrl_c_past_ring_wrap(void **state)
{
    (void)state;
    static const char *const forms[] = {"a\x03", "\xff\xf4"};
    for (unsigned f = 0; f < 2; f++) {
        struct peer *p = connect_to(SHELLSRV_PORT);
        static char filler[1001];
        /* TCP_RCV_BUF - 1 bytes in all to the ping line's end, the line
         * "ping 10.0.2.2\n" (14 bytes) last; before it lines too long to run */
        size_t before = TCP_RCV_BUF - 1 - 14, sent = 0;
        while (sent < before) {
            size_t n = before - sent > sizeof(filler) ? sizeof(filler) : before - sent;
            memset(filler, 'x', n - 1);
            filler[n - 1] = '\n';
            seg(p, TCP_ACK | TCP_PSH, filler, n);
            tick(50);
            sent += n;
        }
        ping_peer = p; /* the ring's head at its last byte: 'a' or IAC takes it */
        intr_bytes = forms[f];
        during_ping = ctrl_c_during_ping;
        ping_said = -2;
        send_str(p, "ping 10.0.2.2\n");
        tick(50);
        during_ping = NULL;
        if (ping_said != 1)
            fail_msg("form %u: Ctrl-C past the receive ring's wrap: the interrupt check said %d", f, ping_said);
    }
}

/* Telnet commands that hold the byte 3 or 0xf4 but are no Ctrl-C - an
 * option negotiation for SUPPRESS-GO-AHEAD (option 3), a subnegotiation
 * with a 3 in it (a window size; no NUL, which send_str would end at), an escaped 0xff before 0xf4 - do not stop the command;
 * a Ctrl-C typed before the command started (behind its line) does. */
static void test_shell_interrupt_telnet_aware(void **state)
{
    (void)state;
    static const char *const not_intr[] = {"\xff\xfd\x03", "\xff\xfb\x03\xff\xfe\x03",
                                           "\xff\xfa\x1f\x01\x03\x01\x18\xff\xf0", "\xff\xff\xf4",
                                           "\xff\xfa\x18\x01\xff\xff\xf0\x03\xff\xf0"};
    struct peer *p = connect_to(SHELLSRV_PORT);
    ping_peer = p;
    during_ping = ctrl_c_during_ping;
    for (unsigned f = 0; f < sizeof(not_intr) / sizeof(not_intr[0]); f++) {
        intr_bytes = not_intr[f];
        ping_said = -2;
        send_str(p, "ping 10.0.2.2\n");
        tick(50);
        if (ping_said != 0)
            fail_msg("form %u: no Ctrl-C, yet the interrupt check said %d:\n%s", f, ping_said, rx_str(p));
        send_str(p, "\n"); /* the line the bytes were in, ended */
        tick(50);
    }
    during_ping = NULL;
    ping_said = -2;
    send_str(p, "ping 10.0.2.2\n\x03");
    tick(50);
    assert_int_equal(ping_said, 1);
}

/* The session reset while its command runs: the check says true (nobody
 * is left to read the ping), and the slot is free afterwards. */
static void reset_during_ping(void)
{
    seg(ping_peer, TCP_RST | TCP_ACK, NULL, 0);
    pump();
}

static void test_shell_reset_interrupts(void **state)
{
    (void)state;
    struct peer *p = connect_to(SHELLSRV_PORT);
    ping_peer = p;
    during_ping = reset_during_ping;
    ping_said = -2;
    unsigned active = shellsrv_active();
    send_str(p, "ping 10.0.2.2\n");
    tick(50);
    assert_int_equal(ping_said, 1);
    assert_int_equal(shellsrv_active(), active - 1);
}

/* Enter as CR LF is one line end, as on the serial shell (test_shell.c):
 * one command and one prompt a line, also when the LF comes in a later
 * segment, after the line has run. */
static void test_shell_cr_lf(void **state)
{
    (void)state;
    struct peer *p = connect_to(SHELLSRV_PORT);
    send_str(p, "one\r");
    tick(50);
    tick(50);
    send_str(p, "\ntwo\r\nthree\r\n");
    tick(50);
    tick(50);
    const char *out = rx_str(p);
    if (!strstr(out, "vbare> ran one\r\nvbare> ran two\r\nvbare> ran three\r\nvbare> "))
        fail_msg("the session got:\n%s", out);
    if (count(out, "vbare> ") != 4)
        fail_msg("%zu prompts, want 4 (welcome, one, two, three):\n%s", count(out, "vbare> "), out);
    assert_int_equal(cmd_runs, 3);
}

/* Output beyond TCP's send buffer waits in the session's buffer and leaves
 * as the peer acknowledges: every byte, in order. */
static void test_shell_big_output(void **state)
{
    (void)state;
    struct peer *p = connect_to(SHELLSRV_PORT);
    big_len = TCP_SND_BUF + SHELLSRV_OUT_BUF / 2;
    p->wnd = 3000;
    send_str(p, "big\n");
    for (int i = 0; i < 200; i++)
        tick(50);
    const char *out = rx_str(p), *b = strstr(out, "> ") + 2;
    for (size_t i = 0; i < big_len / 64; i++)
        if (strncmp(b + 65 * i, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n", 65) != 0)
            fail_msg("line %zu of the output: '%.65s'", i, b + 65 * i);
    assert_string_equal(b + 65 * (big_len / 64), "vbare> ");
    assert_int_equal(shellsrv_get_stats()->lost_bytes, 0);
}

/* A command that polls the network (ping) and prints more than the
 * session's buffer and TCP's send buffer hold while the peer reads nothing:
 * what did not fit is lost, and so is the rest of that command's output
 * (shellsrv.h) - also after ACKs make room again while it runs.  Output
 * taken up again after the hole would run a cut line into a later one
 * ("icmp_seq=5" + "64 bytes from ..."), with nothing where the bytes went
 * missing. */
static void flood_then_ack(void)
{
    static const char row[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n";
    ping_peer->no_ack = true; /* reads nothing for now */
    for (size_t i = 0; i < TCP_SND_BUF + SHELLSRV_OUT_BUF + 2048; i += 64) {
        kprintf("%s", row);
        pump();
    }
    ping_peer->no_ack = false;
    seg(ping_peer, TCP_ACK, NULL, 0); /* all of it read: TCP's buffer empties */
    pump();
}

static void test_shell_lost_output_stays_lost(void **state)
{
    (void)state;
    struct peer *p = connect_to(SHELLSRV_PORT);
    ping_peer = p;
    during_ping = flood_then_ack;
    send_str(p, "ping 10.0.2.2\n");
    for (int i = 0; i < 100; i++)
        tick(50);
    const char *out = rx_str(p);
    if (strstr(out, "PONG"))
        fail_msg("output after the lost part came out, after a hole:\n...%s", strstr(out, "PONG") - 80);
    /* every byte the command printed came out once or is counted lost */
    const char *a = strstr(out, "PING\r\n"), *z = strstr(out, "[shell: ");
    assert_non_null(a);
    assert_non_null(z);
    a += 6;
    size_t shown = 0; /* as printed: LF, not CR LF */
    for (const char *q = a; q < z; q++)
        shown += *q != '\r';
    size_t flood = (TCP_SND_BUF + SHELLSRV_OUT_BUF + 2048 + 63) / 64 * 64;
    assert_int_equal(shown + shellsrv_get_stats()->lost_bytes, flood + strlen("PONG\n"));
    assert_int_equal(shellsrv_get_stats()->truncated, 1);
}

/* A command's output leaves in segments of whole lines at least, not one
 * segment per kprintf call: `blk read 0 8` (256 lines, 35 kprintf calls
 * each) must not put thousands of 1- to 3-byte segments on the wire. */
static void test_shell_output_segments(void **state)
{
    (void)state;
    struct peer *p = connect_to(SHELLSRV_PORT);
    unsigned long out0 = F->n_out;
    send_str(p, "hexdump\n");
    loop();
    unsigned long segs = F->n_out - out0;
    F->err_out_overflow = 0; /* frames the fake could not hold: counted above */
    for (int i = 0; i < 100; i++)
        tick(300);
    assert_int_equal(count(rx_str(p), "|................|"), 256);
    if (segs > 300)
        fail_msg("%lu segments for 256 lines of output", segs);
}

/* A half-close after a line: the line runs, its output and the prompt go
 * out, then our FIN; a peer silent for SHELLSRV_IDLE_MS is reset and its
 * slot freed. */
static void test_shell_half_close_and_idle(void **state)
{
    (void)state;
    struct peer *p = connect_to(SHELLSRV_PORT);
    seg(p, TCP_ACK | TCP_PSH | TCP_FIN, "status\r\n", 8);
    tick(50);
    tick(50);
    assert_non_null(strstr(rx_str(p), "vbare> ran status\r\nvbare> "));
    assert_true(p->fin);
    struct peer *q = connect_to(SHELLSRV_PORT);
    assert_int_equal(shellsrv_active(), 1);
    for (int i = 0; i < 31; i++) {
        tick(60u * 1000u);
        arp_refresh(); /* the peer answers ARP */
    }
    assert_int_equal(shellsrv_active(), 0);
    tick(50);
    assert_true(q->rst);
}

/* A fifth session is told so and closed; a session the peer closes frees
 * its slot; then a new one is taken. */
static void test_shell_session_limit(void **state)
{
    (void)state;
    struct peer *s[SHELLSRV_SESSIONS];
    for (int i = 0; i < SHELLSRV_SESSIONS; i++)
        s[i] = connect_to(SHELLSRV_PORT);
    assert_int_equal(shellsrv_active(), SHELLSRV_SESSIONS);
    struct peer *extra = connect_to(SHELLSRV_PORT);
    tick(50);
    assert_non_null(strstr(rx_str(extra), "too many shell sessions"));
    assert_true(extra->fin);
    seg(s[0], TCP_ACK | TCP_FIN, NULL, 0); /* half-close: the session ends */
    for (int i = 0; i < 5; i++)
        tick(50);
    assert_true(s[0]->fin);
    assert_int_equal(shellsrv_active(), SHELLSRV_SESSIONS - 1);
}

/* ---- the shell as a telnet server (RFC 854, 855, 860, 1143) ------------------ */

#define IAC "\xff"
#define DO "\xfd"
#define DONT "\xfe"
#define WILL "\xfb"
#define WONT "\xfc"
#define SB "\xfa"
#define SE "\xf0"

/* Bytes (possibly with NULs) from the peer as one segment. */
static void send_bytes(struct peer *p, const char *s, size_t n) { seg(p, TCP_ACK | TCP_PSH, s, n); }
#define SEND(p, lit) send_bytes((p), (lit), sizeof(lit) - 1)

/* A session past its banner; *mark is where what follows starts. */
static struct peer *shell_session(size_t *mark)
{
    struct peer *p = connect_to(SHELLSRV_PORT);
    tick(50);
    *mark = p->rxlen;
    return p;
}

/* What the peer received since *mark equals want[0..n); *mark moves on. */
static void expect_since(struct peer *p, size_t *mark, const char *want, size_t n, const char *what)
{
    size_t got = p->rxlen - *mark;
    if (got != n || memcmp(p->rx + *mark, want, n) != 0) {
        char hex[3 * 64 + 1] = "";
        for (size_t i = 0; i < got && i < 64; i++)
            snprintf(hex + 3 * i, 4, " %02x", p->rx[*mark + i]);
        fail_msg("%s: %zu bytes, want %zu:%s", what, got, n, hex);
    }
    *mark = p->rxlen;
}
#define EXPECT(p, mark, lit, what) expect_since((p), (mark), (lit), sizeof(lit) - 1, (what))

/* Every option refused (RFC 854, 855): DO x gets WONT x, WILL x gets DONT
 * x; WONT and DONT get nothing (the option is off already: an answer
 * would start the loop RFC 854's rule b and RFC 1143 prevent).  The server
 * offers nothing unasked: the banner is all a peer gets before it speaks.
 * Answers are raw bytes: option 10 stays 10 (output's LF -> CR LF is for
 * data). */
static void test_shell_telnet_refuses_options(void **state)
{
    (void)state;
    size_t mark;
    struct peer *p = shell_session(&mark);
    assert_string_equal(rx_str(p), "vbare shell: help for the commands, exit to leave\r\nvbare> ");
    SEND(p, IAC DO "\x01"); /* ECHO */
    tick(50);
    EXPECT(p, &mark, IAC WONT "\x01", "DO ECHO");
    SEND(p, IAC WILL "\x18"); /* TERMINAL-TYPE */
    tick(50);
    EXPECT(p, &mark, IAC DONT "\x18", "WILL TERMINAL-TYPE");
    SEND(p, IAC DONT "\x01" IAC WONT "\x1f" IAC DONT "\x06" IAC WONT "\x06");
    tick(50);
    EXPECT(p, &mark, "", "DONT and WONT");
    SEND(p, IAC DO "\n" IAC WILL "\r");
    tick(50);
    EXPECT(p, &mark, IAC WONT "\n" IAC DONT "\r", "options 10 and 13");
    /* as a telnet client opens: several in one segment, answered in
     * order, the line around them intact */
    SEND(p, IAC DO "\x03" IAC WILL "\x18" "he" IAC WILL "\x1f" IAC WILL "\x20" "lp" IAC DO "\x01"
            IAC SB "\x1f\x01\x50\x01\x18" IAC SE "\r\n");
    tick(50);
    EXPECT(p, &mark,
           IAC WONT "\x03" IAC DONT "\x18" IAC DONT "\x1f" IAC DONT "\x20" IAC WONT "\x01" "ran help\r\nvbare> ",
           "a client's first negotiation");
    assert_int_equal(cmd_runs, 1);
}

/* A negotiation split across segments: IAC in one, DO in the next, the
 * option in a third - answered once, when it is whole. */
static void test_shell_telnet_split_command(void **state)
{
    (void)state;
    size_t mark;
    struct peer *p = shell_session(&mark);
    SEND(p, "ab" IAC);
    tick(50);
    SEND(p, DO);
    tick(50);
    EXPECT(p, &mark, "", "IAC DO without its option");
    SEND(p, "\x01" "c\n");
    tick(50);
    EXPECT(p, &mark, IAC WONT "\x01" "ran abc\r\nvbare> ", "IAC | DO | ECHO");
    SEND(p, IAC);
    tick(50);
    SEND(p, "\xf6"); /* AYT */
    tick(50);
    EXPECT(p, &mark, "\r\n[vbare: yes]\r\n", "IAC | AYT");
}

/* TIMING-MARK (RFC 860): DO TM gets WILL TM at its place in the output -
 * after the output of every line before it, the prompt included: the
 * client (BSD telnet sends it after IAC IP, and in line mode) discards
 * output until it sees the mark.  A WILL TM we did not ask for (we never
 * send DO TM) is ignored, and DONT TM says so (RFC 860 section 2). */
static const char *during_bytes;
static size_t during_len;
static void bytes_during_ping(void)
{
    send_bytes(ping_peer, during_bytes, during_len);
    pump();
}

static void test_shell_telnet_timing_mark(void **state)
{
    (void)state;
    size_t mark;
    struct peer *p = shell_session(&mark);
    SEND(p, IAC DO "\x06");
    tick(50);
    EXPECT(p, &mark, IAC WILL "\x06", "DO TM at the prompt");
    SEND(p, "devices\r\n" IAC DO "\x06");
    tick(50);
    EXPECT(p, &mark,
           "virtio-mmio@0x0a000000 dev 1\r\nvirtio-mmio@0x0a000200 dev 2\r\nvirtio-mmio@0x0a000400 dev 3\r\n"
           "vbare> " IAC WILL "\x06",
           "DO TM behind a command");
    SEND(p, IAC WILL "\x06");
    tick(50);
    EXPECT(p, &mark, IAC DONT "\x06", "WILL TM unasked");
    /* ^C in BSD telnet: IAC IP IAC DO TM, while the command runs */
    ping_peer = p;
    during_bytes = IAC "\xf4" IAC DO "\x06";
    during_len = 5;
    during_ping = bytes_during_ping;
    ping_said = -2;
    SEND(p, "ping 10.0.2.2\r\n");
    tick(50);
    tick(50);
    assert_int_equal(ping_said, 1);
    EXPECT(p, &mark, "PING\r\nPONG\r\nvbare> " IAC WILL "\x06", "IAC IP IAC DO TM during ping");
    during_ping = NULL;
    SEND(p, "next\r\n");
    tick(50);
    EXPECT(p, &mark, "ran next\r\nvbare> ", "the line after");
}

/* ARE-YOU-THERE gets a visible answer; the line being typed goes on. */
static void test_shell_telnet_ayt(void **state)
{
    (void)state;
    size_t mark;
    struct peer *p = shell_session(&mark);
    SEND(p, "he" IAC "\xf6");
    tick(50);
    EXPECT(p, &mark, "\r\n[vbare: yes]\r\n", "AYT");
    SEND(p, "lp\r\n");
    tick(50);
    EXPECT(p, &mark, "ran help\r\nvbare> ", "the line around AYT");
}

/* ERASE-CHARACTER and ERASE-LINE edit the line as backspace and Ctrl-U
 * do; NOP, DM, BRK, AO, GA and IP at the prompt are stepped over. */
static void test_shell_telnet_ec_el(void **state)
{
    (void)state;
    size_t mark;
    struct peer *p = shell_session(&mark);
    SEND(p, "helpx" IAC "\xf7" "\r\n");
    tick(50);
    EXPECT(p, &mark, "ran help\r\nvbare> ", "IAC EC");
    SEND(p, "junk" IAC "\xf8" "stats\r\n");
    tick(50);
    EXPECT(p, &mark, "ran stats\r\nvbare> ", "IAC EL");
    SEND(p, IAC "\xf7" IAC "\xf7" "ok" IAC "\xf7" "n\r\n");
    tick(50);
    EXPECT(p, &mark, "ran on\r\nvbare> ", "IAC EC on an empty line");
    SEND(p, "a" IAC "\xf1" "b" IAC "\xf2" "c" IAC "\xf3" "d" IAC "\xf5" "e" IAC "\xf9" "f" IAC "\xf4" "g\r\n");
    tick(50);
    EXPECT(p, &mark, "ran abcdefg\r\nvbare> ", "NOP DM BRK AO GA IP");
}

/* A peer that floods DO requests: each gets its WONT while it reads them;
 * one that does not read fills TCP's buffer and the session's, then the
 * answers are dropped whole and counted - nothing grows, nothing blocks,
 * no answer is cut - and the session works on once it reads again. */
static void send_dos(struct peer *p, unsigned n)
{
    static char buf[1200];
    for (size_t i = 0; i < sizeof(buf); i += 3)
        memcpy(buf + i, IAC DO "\x01", 3);
    while (n) {
        unsigned k = n > sizeof(buf) / 3 ? (unsigned)(sizeof(buf) / 3) : n;
        send_bytes(p, buf, 3 * k);
        loop();
        n -= k;
    }
}

static size_t count_wonts(struct peer *p, size_t from)
{
    size_t n = 0;
    for (size_t i = from; i + 3 <= p->rxlen && memcmp(p->rx + i, IAC WONT "\x01", 3) == 0; i += 3)
        n++;
    return n;
}

static void test_shell_telnet_flood(void **state)
{
    (void)state;
    size_t mark;
    struct peer *p = shell_session(&mark);
    uint32_t dropped0 = shellsrv_get_stats()->telnet_dropped;
    send_dos(p, 5000);
    tick(50);
    assert_int_equal(count_wonts(p, mark), 5000);
    assert_int_equal(p->rxlen - mark, 3 * 5000);
    assert_int_equal(shellsrv_get_stats()->telnet_dropped, dropped0);
    mark = p->rxlen;

    /* not reading (a zero window): TCP_SND_BUF + SHELLSRV_OUT_BUF bytes of
     * answers wait, whole ones; the rest are dropped */
    const unsigned flood = (TCP_SND_BUF + SHELLSRV_OUT_BUF) / 3 + 1000;
    p->wnd = 0;
    send_dos(p, flood);
    assert_int_equal(p->rxlen, mark);
    uint32_t dropped = shellsrv_get_stats()->telnet_dropped - dropped0;
    assert_int_equal(dropped, flood - (TCP_SND_BUF + SHELLSRV_OUT_BUF) / 3);
    p->wnd = 65535;
    seg(p, TCP_ACK, NULL, 0); /* it reads again */
    for (int i = 0; i < 20; i++)
        tick(50);
    size_t wonts = count_wonts(p, mark);
    assert_int_equal(p->rxlen - mark, 3 * wonts); /* whole answers only */
    assert_int_equal(wonts + dropped, flood);
    mark = p->rxlen;
    SEND(p, "help\r\n");
    tick(50);
    EXPECT(p, &mark, "ran help\r\nvbare> ", "a command after the flood");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_http_byte_by_byte, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_pipelined, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_long_target_414, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_head_error_no_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_head_unfinished_no_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_stats_every_interface_and_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_http_stats_largest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_input_during_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_ctrl_c_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_reset_interrupts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_ctrl_c_past_ring_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_interrupt_telnet_aware, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_cr_lf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_big_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_output_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_lost_output_stays_lost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_half_close_and_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_session_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_telnet_refuses_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_telnet_split_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_telnet_timing_mark, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_telnet_ayt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_telnet_ec_el, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shell_telnet_flood, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
