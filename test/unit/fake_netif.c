/*
 * fake_netif.c - see fake_netif.h.  Host code: uses the C library freely.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_netif.h"
#include "plat.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#endif
#endif
#ifndef POISON
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

const uint8_t fake_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
const uint8_t fake_gw_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
const uint8_t fake_peer_mac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x03};
const uint8_t fake_bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct fake_buf {
    struct netbuf nb;
    struct fake_netif *f;
    unsigned released;
    struct fake_buf *next_all;
};

/* ---- plat_log ------------------------------------------------------------- */

static char last_log[256];
static bool log_quiet;

void plat_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_log, sizeof(last_log), fmt, ap);
    va_end(ap);
    if (!log_quiet)
        fprintf(stderr, "[plat_log] %s\n", last_log);
}

const char *fake_last_log(void)
{
    return last_log;
}

void fake_log_quiet(bool quiet)
{
    log_quiet = quiet;
}

/* ---- buffers -------------------------------------------------------------- */

static void fake_release(struct netbuf *nb)
{
    struct fake_buf *b = (struct fake_buf *)nb->owner;

    if (b->released++ == 0)
        POISON(b->nb.buf, b->nb.cap);
    else
        b->f->err_double_release++;
}

static struct fake_buf *fake_buf_new(struct fake_netif *f, uint16_t cap)
{
    struct fake_buf *b = calloc(1, sizeof(*b));

    if (b == NULL || (b->nb.buf = malloc(cap ? cap : 1)) == NULL)
        abort();
    b->nb.cap = cap;
    b->nb.release = fake_release;
    b->nb.owner = b;
    b->f = f;
    b->next_all = f->bufs;
    f->bufs = b;
    return b;
}

static struct netbuf *fake_tx_alloc(struct netif *nif)
{
    struct fake_netif *f = (struct fake_netif *)nif->driver;
    uint16_t cap = NETIF_HEADROOM + NETIF_FRAME_MAX;
    struct fake_buf *b;

    if (f->tx_budget == 0)
        return NULL;
    if (f->tx_budget > 0)
        f->tx_budget--;
    if (f->tx_small)
        cap = NETIF_HEADROOM + 100;
    b = fake_buf_new(f, cap);
    memset(b->nb.buf, 0xa5, cap);
    b->nb.off = NETIF_HEADROOM;
    b->nb.len = 0;
    b->nb.csum_flags = 0xff; /* garbage: the stack sets or clears it */
    b->nb.csum_start = 0xa5a5;
    b->nb.csum_offset = 0xa5a5;
    f->n_tx++;
    return &b->nb;
}

/* Is the IPv4 header of an Ethernet frame's checksum right?  Summed here
 * bytewise, not with net_sum(), so the check stands apart from the stack. */
static bool ip_header_ok(const uint8_t *f, size_t len)
{
    if (len < 14 + 20 || f[12] != 0x08 || f[13] != 0x00)
        return true; /* not IPv4 (the tests that send runts check those) */
    size_t hlen = (size_t)(f[14] & 0xf) * 4;
    if (hlen < 20 || 14 + hlen > len)
        return false;
    uint32_t sum = 0;
    for (size_t i = 0; i < hlen; i += 2)
        sum += (uint32_t)f[14 + i] << 8 | f[14 + i + 1];
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

static int fake_output(struct netif *nif, struct netbuf *nb)
{
    struct fake_netif *f = (struct fake_netif *)nif->driver;
    struct fake_frame *fr;

    f->n_out++;
    /* the driver pushes its own header in front of the frame */
    if (nb->off < FAKE_RX_HEADROOM)
        f->err_headroom++;
    if (f->out_count == FAKE_OUT_MAX) {
        f->err_out_overflow++;
    } else {
        fr = malloc(sizeof(*fr) + (nb->len ? nb->len : 1));
        if (fr == NULL)
            abort();
        fr->len = nb->len;
        fr->off = nb->off;
        fr->csum_flags = nb->csum_flags;
        fr->csum_start = (int)nb->csum_start - (int)nb->off;
        fr->csum_offset = nb->csum_offset;
        /* a partial checksum only where offered, and its field in the frame */
        if (nb->csum_flags != 0 &&
            (nb->csum_flags != NETBUF_CSUM_PARTIAL || !(nif->offload & NETIF_OFFLOAD_TX_CSUM) ||
             fr->csum_start < 0 || (size_t)fr->csum_start + fr->csum_offset + 2 > nb->len))
            f->err_csum_meta++;
        if (!ip_header_ok(netbuf_data(nb), nb->len))
            f->err_ip_csum++;
        memcpy(fr->data, netbuf_data(nb), nb->len);
        f->out[(f->out_head + f->out_count) % FAKE_OUT_MAX] = fr;
        f->out_count++;
    }
    netbuf_release(nb);
    return f->output_ret;
}

void fake_init(struct fake_netif *f)
{
    memset(f, 0, sizeof(*f));
    f->ops.output = fake_output;
    f->ops.tx_alloc = fake_tx_alloc;
    f->tx_budget = -1;
    netif_init(&f->nif, fake_mac, &f->ops, f);
}

void fake_input(struct fake_netif *f, const uint8_t *frame, size_t len)
{
    fake_input_csum(f, frame, len, 0, 0, 0);
}

void fake_input_csum(struct fake_netif *f, const uint8_t *frame, size_t len, uint8_t flags,
                     uint16_t csum_start, uint16_t csum_offset)
{
    struct fake_buf *b = fake_buf_new(f, (uint16_t)(FAKE_RX_HEADROOM + len));

    memset(b->nb.buf, 0x5a, FAKE_RX_HEADROOM);
    if (len)
        memcpy(b->nb.buf + FAKE_RX_HEADROOM, frame, len);
    b->nb.off = FAKE_RX_HEADROOM;
    b->nb.len = (uint16_t)len;
    b->nb.csum_flags = flags;
    b->nb.csum_start = (uint16_t)(FAKE_RX_HEADROOM + csum_start);
    b->nb.csum_offset = csum_offset;
    f->n_rx++;
    netif_input(&f->nif, &b->nb);
}

struct fake_frame *fake_pop(struct fake_netif *f)
{
    struct fake_frame *fr;

    if (f->out_count == 0)
        return NULL;
    fr = f->out[f->out_head];
    f->out_head = (f->out_head + 1) % FAKE_OUT_MAX;
    f->out_count--;
    return fr;
}

size_t fake_pending(const struct fake_netif *f)
{
    return f->out_count;
}

void fake_drain(struct fake_netif *f)
{
    struct fake_frame *fr;

    while ((fr = fake_pop(f)) != NULL)
        free(fr);
}

unsigned long fake_outstanding(const struct fake_netif *f)
{
    unsigned long n = 0;
    const struct fake_buf *b;

    for (b = f->bufs; b; b = b->next_all)
        n += b->released == 0;
    return n;
}

unsigned long fake_fini(struct fake_netif *f, char *why, size_t whylen)
{
    unsigned long leaked = 0, problems;
    struct fake_buf *b, *next;

    fake_drain(f);
    for (b = f->bufs; b; b = next) {
        next = b->next_all;
        leaked += b->released == 0;
        UNPOISON(b->nb.buf, b->nb.cap);
        free(b->nb.buf);
        free(b);
    }
    f->bufs = NULL;
    problems = leaked + f->err_double_release + f->err_headroom + f->err_out_overflow + f->err_csum_meta +
               f->err_ip_csum;
    if (why && whylen)
        snprintf(why, whylen, "leaked %lu, double release %lu, headroom %lu, overflow %lu, csum meta %lu, ip csum %lu",
                 leaked, f->err_double_release, f->err_headroom, f->err_out_overflow, f->err_csum_meta,
                 f->err_ip_csum);
    return problems;
}

/* ---- frame builders ------------------------------------------------------- */

static void wr16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
    wr16(p, v >> 16);
    wr16(p + 2, v);
}

uint16_t fake_csum(const uint8_t *p, size_t len, uint32_t initial)
{
    uint64_t s = initial;
    size_t i;

    for (i = 0; i < len; i++)
        s += (i % 2 == 0) ? (uint64_t)p[i] << 8 : p[i];
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

size_t build_eth(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(out, dst, 6);
    memcpy(out + 6, src, 6);
    wr16(out + 12, type);
    return 14;
}

size_t build_arp(uint8_t *out, uint16_t op, const uint8_t sha[6], uint32_t spa,
                 const uint8_t tha[6], uint32_t tpa)
{
    wr16(out, 1);
    wr16(out + 2, 0x0800);
    out[4] = 6;
    out[5] = 4;
    wr16(out + 6, op);
    memcpy(out + 8, sha, 6);
    wr32(out + 14, spa);
    memcpy(out + 18, tha, 6);
    wr32(out + 24, tpa);
    return 28;
}

size_t build_ip4(uint8_t *out, uint32_t src, uint32_t dst, uint8_t proto,
                 const uint8_t *payload, size_t plen)
{
    if (plen)
        memmove(out + 20, payload, plen);
    out[0] = 0x45;
    out[1] = 0;
    wr16(out + 2, (uint32_t)(20 + plen));
    wr16(out + 4, 0x1234);
    wr16(out + 6, 0);
    out[8] = 64;
    out[9] = proto;
    wr16(out + 10, 0);
    wr32(out + 12, src);
    wr32(out + 16, dst);
    wr16(out + 10, fake_csum(out, 20, 0));
    return 20 + plen;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + (uint32_t)len;
}

size_t build_udp(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 const void *data, size_t len)
{
    uint16_t c;

    if (len)
        memmove(out + 8, data, len);
    wr16(out, sport);
    wr16(out + 2, dport);
    wr16(out + 4, (uint32_t)(8 + len));
    wr16(out + 6, 0);
    c = fake_csum(out, 8 + len, pseudo(src, dst, 17, 8 + len));
    wr16(out + 6, c ? c : 0xffff);
    return 8 + len;
}

size_t build_icmp_echo(uint8_t *out, uint8_t type, uint16_t id, uint16_t seq,
                       const uint8_t *data, size_t len)
{
    if (len)
        memmove(out + 8, data, len);
    out[0] = type;
    out[1] = 0;
    wr16(out + 2, 0);
    wr16(out + 4, id);
    wr16(out + 6, seq);
    wr16(out + 2, fake_csum(out, 8 + len, 0));
    return 8 + len;
}

size_t frame_arp(uint8_t *out, const uint8_t dst_mac[6], uint16_t op, const uint8_t sha[6],
                 uint32_t spa, const uint8_t tha[6], uint32_t tpa)
{
    size_t n = build_eth(out, dst_mac, sha, 0x0806);

    return n + build_arp(out + n, op, sha, spa, tha, tpa);
}

size_t frame_ip4(uint8_t *out, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                 uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *payload, size_t plen)
{
    size_t n = build_eth(out, dst_mac, src_mac, 0x0800);

    return n + build_ip4(out + n, src, dst, proto, payload, plen);
}

size_t frame_udp(uint8_t *out, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                 uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 const void *data, size_t len)
{
    uint8_t *seg = malloc(8 + len);
    size_t n, s;

    if (seg == NULL)
        abort();
    s = build_udp(seg, src, dst, sport, dport, data, len);
    n = frame_ip4(out, dst_mac, src_mac, src, dst, 17, seg, s);
    free(seg);
    return n;
}

size_t frame_echo(uint8_t *out, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                  uint32_t src, uint32_t dst, uint8_t type, uint16_t id, uint16_t seq,
                  const uint8_t *data, size_t len)
{
    uint8_t *msg = malloc(8 + len);
    size_t n, m;

    if (msg == NULL)
        abort();
    m = build_icmp_echo(msg, type, id, seq, data, len);
    n = frame_ip4(out, dst_mac, src_mac, src, dst, 1, msg, m);
    free(msg);
    return n;
}

size_t build_dhcp(uint8_t *out, uint32_t xid, const uint8_t chaddr[6], uint32_t yiaddr,
                  const uint8_t *opts, size_t optlen)
{
    memset(out, 0, 240);
    out[0] = 2;
    out[1] = 1;
    out[2] = 6;
    wr32(out + 4, xid);
    wr32(out + 16, yiaddr);
    wr32(out + 20, FAKE_GW); /* siaddr */
    memcpy(out + 28, chaddr, 6);
    wr32(out + 236, 0x63825363);
    memcpy(out + 240, opts, optlen);
    return 240 + optlen;
}

size_t frame_dhcp(uint8_t *out, uint32_t xid, uint32_t yiaddr, const uint8_t *opts, size_t optlen)
{
    uint8_t msg[FAKE_FRAME_MAX];
    size_t m = build_dhcp(msg, xid, fake_mac, yiaddr, opts, optlen);

    return frame_udp(out, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, m);
}

size_t dhcp_std_opts(uint8_t *out, uint8_t type, uint32_t lease_s)
{
    uint8_t *p = out;

    *p++ = 53;
    *p++ = 1;
    *p++ = type;
    *p++ = 54;
    *p++ = 4;
    wr32(p, FAKE_GW);
    p += 4;
    if (type == 2 || type == 5) {
        *p++ = 1;
        *p++ = 4;
        wr32(p, FAKE_MASK);
        p += 4;
        *p++ = 3;
        *p++ = 4;
        wr32(p, FAKE_GW);
        p += 4;
        *p++ = 51;
        *p++ = 4;
        wr32(p, lease_s);
        p += 4;
    }
    *p++ = 255;
    return (size_t)(p - out);
}

struct fake_netif *fake_open(void)
{
    struct fake_netif *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    net_set_clock(NULL);
    fake_log_quiet(true);
    fake_init(f);
    netif_set_link(&f->nif, true);
    return f;
}

int fake_close(struct fake_netif **f)
{
    char why[200];
    unsigned long problems;

    netif_flush(&(*f)->nif);
    problems = fake_fini(*f, why, sizeof(why));
    free(*f);
    *f = NULL;
    net_set_clock(NULL);
    if (problems) {
        fprintf(stderr, "fake netif: %s\n", why);
        return -1;
    }
    return 0;
}
