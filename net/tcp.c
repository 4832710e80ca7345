/*
 * tcp.c - TCP (RFC 9293) over the stack's IPv4; the API and its limits are
 * in tcp.h.
 *
 * Receive follows RFC 9293 3.10.7: header checks (length, checksum, data
 * offset, options, flag combinations, ports, broadcast), each with its own
 * drop counter, then the connection's state.  In a synchronized state the
 * order is: SYN (RFC 5961 challenge ACK), sequence acceptability (an
 * unacceptable RST is ignored, anything else answered with an ACK), RST
 * (RFC 5961: exact match resets, otherwise a challenge ACK), ACK (RFC 5961
 * range; new data acknowledged, RTT sample, duplicate ACKs, window update),
 * data (in order into the ring; out of order into the ring at its place,
 * remembered as a range), FIN.  Callbacks run at the end, then output.
 *
 * Send: the ring holds the bytes from snd_una on; segments are cut from it
 * as the peer's window and cwnd allow; a timeout goes back to snd_una
 * (go-back-N, cwnd one MSS).  Every segment is built in a fresh TX buffer
 * and checksummed in tcp_csum_out(), the one place where transmit checksum
 * offload would plug in (receive already honours the driver's checksum
 * metadata through net_l4_csum_trusted()).
 *
 * Sequence arithmetic is modulo 2^32 (SEQ_LT and friends); times are a
 * 32-bit millisecond clock, compared the same way.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_priv.h"
#include "prot/be.h"
#include "prot/ethernet.h"
#include "prot/ip4.h"
#include "prot/tcp.h"
#include "tcp.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define TF_ACKNOW 0x0001u   /* send an ACK at the next output */
#define TF_DELACK 0x0002u   /* delayed ACK timer (t_delack) running */
#define TF_FIN_Q 0x0004u    /* app closed: FIN after the send ring */
#define TF_FIN_ACKED 0x0008u
#define TF_RTT 0x0010u      /* a segment is being timed (rtt_seq) */
#define TF_TIMER 0x0020u    /* t_rexmit running */
#define TF_PERSIST 0x0040u  /* ... as the persist timer */
#define TF_FIN_RCVD 0x0080u
#define TF_EOF 0x0100u      /* the FIN was handed to recv */
#define TF_PASSIVE 0x0200u  /* from a listener */
#define TF_BUSY 0x0400u     /* tcp_input holds it: the slot is not reused */
#define TF_DELIVER 0x0800u  /* inside tcp_deliver */
#define TF_SYN_REXMIT 0x1000u
#define TF_RECOVERY 0x2000u /* fast recovery (RFC 6582) until snd_una reaches recover */
#define TF_REXMIT 0x4000u   /* resend at snd_una: a fast retransmission found no TX buffer */

#define CLOCK_G_MS 10u      /* RFC 6298's G: net_tick's period */

struct seg {
    uint32_t seq, ack;
    uint16_t wnd, mss, dlen;
    uint8_t flags;
    const uint8_t *data;
};

static uint32_t u32min(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

static uint32_t tcp_now(const struct netif *nif)
{
    return (uint32_t)net_now_ms(nif);
}

/* The data one segment may carry now: RFC 9293 3.7.1's Eff.snd.MSS =
 * min(SendMSS + 20, MMS_S) - 20 - IP options, MMS_S being the link MTU -
 * 20 (we send no IP options, nor TCP options after the SYN).  c->mss is
 * SendMSS as the connection began (the peer's, within the link MTU of
 * then); the link MTU may have fallen since (a device re-initialisation,
 * DHCP option 26), and a segment over it would be refused by the driver
 * (virtio-net: tx_too_long) at every retransmission: the connection would
 * stall.  So every segment cut from the send ring - retransmissions too:
 * they are cut afresh from it, at snd_una - and congestion control's
 * SMSS (RFC 5681) take this, not c->mss. */
static uint32_t tcp_smss(const struct tcp_conn *c)
{
    return u32min(c->mss, (uint32_t)c->ts->nif->mtu - IP4_HLEN - TCP_HLEN);
}

static bool synchronized(const struct tcp_conn *c)
{
    return c->state >= TCP_SYN_RCVD;
}

/* ---- RFC 6528 initial sequence numbers: SipHash-2-4 ---------------------- */

static uint64_t rotl(uint64_t x, unsigned b)
{
    return x << b | x >> (64 - b);
}

static void sipround(uint64_t v[4], int n)
{
    while (n--) {
        v[0] += v[1];
        v[1] = rotl(v[1], 13) ^ v[0];
        v[0] = rotl(v[0], 32);
        v[2] += v[3];
        v[3] = rotl(v[3], 16) ^ v[2];
        v[0] += v[3];
        v[3] = rotl(v[3], 21) ^ v[0];
        v[2] += v[1];
        v[1] = rotl(v[1], 17) ^ v[2];
        v[2] = rotl(v[2], 32);
    }
}

static uint64_t le64(const uint8_t *p)
{
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | p[i];
    return x;
}

/* SipHash-2-4 of the 12-byte message laddr, raddr (big-endian), lport,
 * rport, taken as two little-endian words with the length in the last. */
static uint32_t tcp_isn(const struct tcp_stack *ts, uint32_t raddr, uint16_t lport, uint16_t rport)
{
    uint64_t k0 = le64(ts->key), k1 = le64(ts->key + 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                     k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    uint8_t m[16] = {0};
    put_be32(m, ts->nif->ipv4.addr);
    put_be32(m + 4, raddr);
    put_be16(m + 8, lport);
    put_be16(m + 10, rport);
    m[15] = 12;
    for (int i = 0; i < 16; i += 8) {
        uint64_t w = le64(m + i);
        v[3] ^= w;
        sipround(v, 2);
        v[0] ^= w;
    }
    v[2] ^= 0xff;
    sipround(v, 4);
    /* M: a 4-microsecond clock */
    return (uint32_t)(v[0] ^ v[1] ^ v[2] ^ v[3]) + (uint32_t)(net_now_us(ts->nif) >> 2);
}

/* ---- segments out -------------------------------------------------------- */

/* The transport checksum of the segment at nb's data.  Software; transmit
 * offload (NETIF_OFFLOAD_TX_CSUM) would set NETBUF_CSUM_PARTIAL here. */
static void tcp_csum_out(struct netbuf *nb, uint32_t src, uint32_t dst)
{
    struct tcp_hdr *h = (struct tcp_hdr *)netbuf_data(nb);

    put_be16(h->chksum, 0);
    put_be16(h->chksum, net_fold(net_sum(netbuf_data(nb), nb->len,
                                         net_pseudo_sum(src, dst, IP4_PROTO_TCP, nb->len))));
    nb->csum_flags = 0;
}

/* One segment to dst; len bytes of c's send ring from offset off (from
 * snd_una) as data; an MSS option on a SYN.  False when no TX buffer was
 * free (counted): the caller keeps what it meant to send for later. */
static bool tcp_xmit(struct netif *nif, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq,
                     uint32_t ack, uint8_t flags, uint16_t wnd, const struct tcp_conn *c, uint32_t off,
                     uint16_t len)
{
    uint16_t hlen = (uint16_t)(TCP_HLEN + ((flags & TCP_SYN) ? TCP_OPT_MSS_LEN : 0));
    struct netbuf *nb = net_tx_alloc(nif, ETH_HLEN + IP4_HLEN);
    struct tcp_hdr *h;
    uint8_t *p;

    if (nb == NULL)
        return false;
    p = netbuf_data(nb);
    h = (struct tcp_hdr *)p;
    put_be16(h->sport, sport);
    put_be16(h->dport, dport);
    put_be32(h->seq, seq);
    put_be32(h->ack, (flags & TCP_ACK) ? ack : 0);
    h->off = (uint8_t)(hlen / 4u << 4);
    h->flags = flags;
    put_be16(h->wnd, wnd);
    put_be16(h->urp, 0);
    if (flags & TCP_SYN) {
        p[TCP_HLEN] = TCP_OPT_MSS;
        p[TCP_HLEN + 1] = TCP_OPT_MSS_LEN;
        put_be16(p + TCP_HLEN + 2, (uint16_t)(nif->mtu - IP4_HLEN - TCP_HLEN));
    }
    if (len) {
        uint32_t start = (c->snd_head + off) & (TCP_SND_BUF - 1);
        uint32_t first = u32min(len, TCP_SND_BUF - start);
        memcpy(p + hlen, c->sndbuf + start, first);
        memcpy(p + hlen + first, c->sndbuf, len - first);
    }
    nb->len = (uint16_t)(hlen + len);
    tcp_csum_out(nb, nif->ipv4.addr, dst);
    nif->stats.tcp_tx++;
    if (flags & TCP_RST)
        nif->stats.tcp_rst_sent++;
    ip4_output(nif, nb, nif->ipv4.addr, dst, IP4_PROTO_TCP);
    return true;
}

/* The window to advertise: the free receive space, but an opening smaller
 * than min(half the buffer, one MSS) is held back (receiver SWS avoidance,
 * RFC 9293 3.8.6.2.2); the right edge never moves left. */
static uint16_t tcp_adv_wnd(struct tcp_conn *c, bool commit)
{
    uint32_t free = TCP_RCV_BUF - c->rcv_len;
    uint32_t cur = SEQ_GT(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;

    if (free >= cur + u32min(TCP_RCV_BUF / 2, c->mss))
        cur = free;
    if (commit)
        c->rcv_adv = c->rcv_nxt + cur;
    return (uint16_t)cur;
}

/* The sequence number of a segment without data or FIN (an ACK, a RST):
 * snd_max, the first byte the peer cannot have seen (after a go-back,
 * snd_nxt is one it may have) - but never beyond the right edge of the
 * peer's window.  With RCV.WND = 0 a receiver takes a segment only at
 * SEG.SEQ = RCV.NXT (RFC 9293 3.10.7.4), and a persist probe's byte (or a
 * FIN sent into the closed window, or data beyond a shrunk one) left
 * snd_max past it: the peer would drop our ACKs, window updates and RSTs.
 * (BSD uses snd_nxt, kept at snd_una, in persist; Linux's
 * tcp_acceptable_seq() this same clamp.) */
static uint32_t tcp_bare_seq(const struct tcp_conn *c)
{
    uint32_t edge = c->snd_una + c->snd_wnd;

    return c->state >= TCP_ESTABLISHED && SEQ_GT(c->snd_max, edge) ? edge : c->snd_max;
}

static bool tcp_send_seg(struct tcp_conn *c, uint32_t seq, uint8_t flags, uint32_t off, uint16_t len)
{
    if (!tcp_xmit(c->ts->nif, c->raddr, c->lport, c->rport, seq, c->rcv_nxt, flags, tcp_adv_wnd(c, true), c,
                  off, len))
        return false;
    if (flags & TCP_ACK) {
        c->flags &= (uint16_t)~(TF_ACKNOW | TF_DELACK);
        c->rcv_unacked = 0;
    }
    return true;
}

/* Send up to max bytes of the ring from seq (and the FIN if they end it);
 * returns the sequence space used (0 also when no TX buffer was free). */
static uint32_t tcp_send_at(struct tcp_conn *c, uint32_t seq, uint32_t max)
{
    uint32_t off = seq - c->snd_una;
    uint32_t n = off < c->snd_len ? u32min(c->snd_len - off, max) : 0;
    bool fin = (c->flags & TF_FIN_Q) && off + n == c->snd_len;
    uint8_t flags = (uint8_t)(TCP_ACK | (fin ? TCP_FIN : 0) | (n && off + n == c->snd_len ? TCP_PSH : 0));

    if (n == 0 && !fin)
        return 0;
    return tcp_send_seg(c, seq, flags, off, (uint16_t)n) ? n + fin : 0;
}

static void tcp_arm(struct tcp_conn *c, uint32_t ms, bool persist)
{
    c->t_rexmit = tcp_now(c->ts->nif) + ms;
    c->flags = (uint16_t)((c->flags & ~TF_PERSIST) | TF_TIMER | (persist ? TF_PERSIST : 0));
}

static void tcp_output(struct tcp_conn *c)
{
    if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RCVD) {
        if (c->snd_nxt == c->iss &&
            tcp_send_seg(c, c->iss, (uint8_t)(c->state == TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK), 0, 0))
            c->snd_nxt = c->snd_max = c->iss + 1;
    } else if (c->state != TCP_FIN_WAIT_2 && c->state != TCP_TIME_WAIT) {
        uint32_t smss = tcp_smss(c);
        /* a fast retransmission that found no TX buffer goes now */
        if ((c->flags & TF_REXMIT) && (c->snd_una == c->snd_max || tcp_send_at(c, c->snd_una, smss)))
            c->flags &= (uint16_t)~TF_REXMIT;
        /* RFC 3042 limited transmit: the first two duplicate ACKs each
         * let one new segment beyond cwnd leave (the peer's window
         * permitting), to bring more duplicate ACKs */
        uint32_t wnd = u32min(c->snd_wnd, c->cwnd + (c->flags & TF_RECOVERY ? 0u : u32min(c->dupacks, 2) * smss));
        for (;;) {
            uint32_t off = c->snd_nxt - c->snd_una;
            if (off > c->snd_len)
                break; /* the FIN is out */
            uint32_t avail = c->snd_len - off, room = wnd > off ? wnd - off : 0;
            uint32_t n = u32min(u32min(avail, room), smss);
            /* sender SWS avoidance: a short segment only when it ends the
             * data, or when nothing is in flight to bring an ACK */
            if (n < avail && n < smss && (off > 0 || n == 0))
                break;
            uint32_t used = tcp_send_at(c, c->snd_nxt, n);
            if (used == 0)
                break;
            if (n && !(c->flags & TF_RTT) && SEQ_GEQ(c->snd_nxt, c->snd_max)) {
                c->flags |= TF_RTT;
                c->rtt_seq = c->snd_nxt + n;
                c->rtt_start = tcp_now(c->ts->nif);
            }
            c->snd_nxt += used;
            if (SEQ_GT(c->snd_nxt, c->snd_max))
                c->snd_max = c->snd_nxt;
        }
    }
    if ((c->flags & TF_ACKNOW) && c->state != TCP_SYN_SENT)
        tcp_send_seg(c, tcp_bare_seq(c), TCP_ACK, 0, 0); /* after a go-back too (BSD) */
    if (c->state == TCP_TIME_WAIT)
        return; /* the timer counts 2 MSL */
    if (c->snd_wnd == 0 && (c->snd_len > 0 || (c->flags & (TF_FIN_Q | TF_FIN_ACKED)) == TF_FIN_Q) &&
        c->state >= TCP_ESTABLISHED) {
        /* zero window: probe it, whatever is in flight (RFC 9293 3.8.6.1);
         * a FIN alone too - the peer trims it off as it would a byte, and
         * answered probes must never time the connection out (RFC 1122
         * 4.2.2.17), which the retransmission timer would after
         * TCP_DATA_RETRIES */
        if (!(c->flags & TF_PERSIST))
            tcp_arm(c, c->rto, true);
    } else if (c->snd_max != c->snd_una) {
        if ((c->flags & (TF_TIMER | TF_PERSIST)) != TF_TIMER)
            tcp_arm(c, c->rto, false);
    } else if (c->state != TCP_FIN_WAIT_2) { /* there the timer is FIN-WAIT-2's */
        c->flags &= (uint16_t)~(TF_TIMER | TF_PERSIST);
    }
}

/* ---- connections ---------------------------------------------------------- */

static void tcp_finish(struct tcp_conn *c, int err)
{
    const struct tcp_callbacks *cb = c->cb;

    c->cb = NULL;
    if (cb && cb->closed)
        cb->closed(c->arg, c, err);
}

static void tcp_free(struct tcp_conn *c, int err)
{
    c->state = TCP_CLOSED;
    c->ts->live &= ~(1ull << (c - c->ts->conn));
    c->flags &= TF_BUSY;
    tcp_finish(c, err);
}

static void tcp_set_rto(struct tcp_conn *c)
{
    uint32_t rto = c->srtt8 ? (c->srtt8 >> 3) + (c->rttvar4 > CLOCK_G_MS ? c->rttvar4 : CLOCK_G_MS)
                            : TCP_RTO_INIT_MS;
    c->rto = rto < TCP_RTO_MIN_MS ? TCP_RTO_MIN_MS : u32min(rto, TCP_RTO_MAX_MS);
}

/* RFC 6298 2.2 and 2.3, in ms: srtt8 = 8 SRTT, rttvar4 = 4 RTTVAR. */
static void tcp_rtt_sample(struct tcp_conn *c, uint32_t r)
{
    if (r == 0)
        r = 1;
    if (c->srtt8 == 0) {
        c->srtt8 = r << 3;
        c->rttvar4 = r << 1;
    } else {
        int32_t delta = (int32_t)(r - (c->srtt8 >> 3));
        c->srtt8 = (uint32_t)((int32_t)c->srtt8 + delta);
        c->rttvar4 = c->rttvar4 - (c->rttvar4 >> 2) + (uint32_t)(delta < 0 ? -delta : delta);
    }
    tcp_set_rto(c);
}

/* Zero everything of c but its two buffers (written before they are read):
 * the state before them, and whatever follows them - only padding today,
 * but a member added there would otherwise start as garbage in a table
 * nobody zeroed (board_alloc), and tcp.h's static assertion cannot see a
 * member that fits in the padding. */
static void conn_clear(struct tcp_conn *c)
{
    size_t end = offsetof(struct tcp_conn, rcvbuf) + TCP_RCV_BUF;

    memset(c, 0, offsetof(struct tcp_conn, sndbuf));
    memset((unsigned char *)c + end, 0, sizeof(*c) - end);
}

static struct tcp_conn *tcp_alloc(struct tcp_stack *ts, bool passive)
{
    struct tcp_conn *c, *free_c = NULL, *half = NULL, *tw = NULL, *v;
    unsigned nhalf = 0;

    for (c = ts->conn; c < ts->conn + TCP_MAX_CONNS; c++) {
        if (c->flags & TF_BUSY)
            continue;
        if (c->state == TCP_CLOSED) {
            if (free_c == NULL)
                free_c = c;
        } else if (c->state == TCP_SYN_RCVD && (c->flags & TF_PASSIVE)) {
            nhalf++;
            if (half == NULL || (int32_t)(c->age - half->age) < 0)
                half = c;
        } else if (c->state == TCP_TIME_WAIT && c->cb == NULL) { /* not one the app still reads */
            if (tw == NULL || (int32_t)(c->age - tw->age) < 0)
                tw = c;
        }
    }
    if (passive && half && (nhalf >= TCP_MAX_HALF_OPEN || (!free_c && !tw))) {
        v = half;
        ts->nif->stats.tcp_syn_evicted++;
    } else if (free_c) {
        v = free_c;
    } else if (tw) {
        v = tw;
        ts->nif->stats.tcp_tw_recycled++;
    } else {
        return NULL;
    }
    conn_clear(v);
    v->ts = ts;
    v->age = ts->age++;
    v->rto = TCP_RTO_INIT_MS;
    v->ssthresh = 0xffffu;
    return v;
}

static void tcp_start(struct tcp_conn *c, uint8_t state, uint32_t raddr, uint16_t lport, uint16_t rport,
                      const struct tcp_callbacks *cb, void *arg)
{
    struct tcp_stack *ts = c->ts;

    c->state = state;
    ts->live |= 1ull << (c - ts->conn);
    c->raddr = raddr;
    c->lport = lport;
    c->rport = rport;
    c->cb = cb;
    c->arg = arg;
    c->mss = (uint16_t)(ts->nif->mtu - IP4_HLEN - TCP_HLEN);
    c->iss = c->snd_una = c->snd_nxt = c->snd_max = c->recover = tcp_isn(ts, raddr, lport, rport);
}

/* The peer's MSS (RFC 9293 3.7.1: 536 without the option), within
 * [64, our MTU's]; and the initial window (RFC 5681 3.1). */
static void tcp_set_mss(struct tcp_conn *c, uint16_t peer)
{
    uint32_t m = peer ? peer : 536u;
    if (m < 64)
        m = 64;
    c->mss = (uint16_t)u32min(m, c->mss);
    m = tcp_smss(c);
    c->cwnd = m > 2190 ? 2u * m : m > 1095 ? 3u * m : 4u * m;
}

/* RFC 5961 7: a budget per connection, not one for the stack (whose
 * count another connection could read: CVE-2016-5696) */
static void tcp_challenge_ack(struct tcp_conn *c)
{
    struct netif *nif = c->ts->nif;
    uint32_t now = tcp_now(nif);

    if (now - c->chal_start >= 1000u) {
        c->chal_start = now;
        c->chal_count = 0;
    }
    if (c->chal_count >= TCP_CHALLENGE_PER_S) {
        nif->stats.tcp_challenge_limited++;
        return;
    }
    c->chal_count++;
    nif->stats.tcp_challenge_ack++;
    tcp_send_seg(c, tcp_bare_seq(c), TCP_ACK, 0, 0);
}

/* Hand in-order data, then the FIN, to recv. */
static void tcp_deliver(struct tcp_conn *c)
{
    if (c->flags & TF_DELIVER)
        return;
    c->flags |= TF_DELIVER;
    while (c->rcv_len && c->state != TCP_CLOSED) {
        uint32_t n = u32min(c->rcv_len, TCP_RCV_BUF - c->rcv_head), used = n;
        if (c->cb && c->cb->recv)
            used = (uint32_t)u32min((uint32_t)c->cb->recv(c->arg, c, c->rcvbuf + c->rcv_head, n), n);
        if (c->state == TCP_CLOSED)
            break;
        c->rcv_head = (uint16_t)((c->rcv_head + used) & (TCP_RCV_BUF - 1));
        c->rcv_len = (uint16_t)(c->rcv_len - used);
        if (used < n)
            break;
    }
    if (c->state != TCP_CLOSED && (c->flags & (TF_FIN_RCVD | TF_EOF)) == TF_FIN_RCVD && c->rcv_len == 0) {
        c->flags |= TF_EOF;
        if (c->cb && c->cb->recv)
            c->cb->recv(c->arg, c, NULL, 0);
    }
    c->flags &= (uint16_t)~TF_DELIVER;
}

/* Remember [seq, seq + len) beyond rcv_nxt (already in the ring); false if
 * no range is free for it. */
static bool tcp_ooo_add(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
    uint32_t end = seq + len;
    int i, slot = -1;

    for (i = 0; i < TCP_OOO_MAX; i++) {
        uint32_t s = c->ooo[i].seq, e = s + c->ooo[i].len;
        if (c->ooo[i].len == 0) {
            slot = slot < 0 ? i : slot;
        } else if (SEQ_LEQ(s, end) && SEQ_GEQ(e, seq)) { /* overlaps or touches: merge */
            if (SEQ_LT(s, seq))
                seq = s;
            if (SEQ_GT(e, end))
                end = e;
            c->ooo[i].len = 0;
            slot = i;
            i = -1; /* the grown range may touch another */
        }
    }
    if (slot < 0)
        return false;
    c->ooo[slot].seq = seq;
    c->ooo[slot].len = (uint16_t)(end - seq);
    return true;
}

/* Ranges that rcv_nxt has reached become in-order data; true if any did. */
static bool tcp_ooo_merge(struct tcp_conn *c)
{
    bool any = false;

    for (int i = 0; i < TCP_OOO_MAX; i++) {
        uint32_t s = c->ooo[i].seq, e = s + c->ooo[i].len;
        if (c->ooo[i].len && SEQ_LEQ(s, c->rcv_nxt)) {
            c->ooo[i].len = 0;
            if (SEQ_GT(e, c->rcv_nxt)) {
                c->rcv_len = (uint16_t)(c->rcv_len + (e - c->rcv_nxt));
                c->rcv_nxt = e;
                any = true;
                i = -1;
            }
        }
    }
    return any;
}

static void tcp_enter_time_wait(struct tcp_conn *c)
{
    c->state = TCP_TIME_WAIT;
    tcp_arm(c, 2u * TCP_MSL_MS, false);
}

/* New data (and maybe the SYN, the FIN) acknowledged: returns data bytes. */
static uint32_t tcp_ack_new(struct tcp_conn *c, uint32_t ack, bool syn)
{
    uint32_t n = ack - c->snd_una - syn, smss = tcp_smss(c);

    if (n > c->snd_len) { /* only the FIN can be beyond */
        c->flags |= TF_FIN_ACKED;
        n = c->snd_len;
    }
    c->snd_head = (uint16_t)((c->snd_head + n) & (TCP_SND_BUF - 1));
    c->snd_len = (uint16_t)(c->snd_len - n);
    c->snd_una = ack;
    c->flags &= (uint16_t)~TF_REXMIT; /* that hole is filled */
    if (SEQ_LT(c->snd_nxt, ack))
        c->snd_nxt = ack;
    if ((c->flags & TF_RTT) && SEQ_GEQ(ack, c->rtt_seq)) {
        c->flags &= (uint16_t)~TF_RTT;
        tcp_rtt_sample(c, tcp_now(c->ts->nif) - c->rtt_start);
    }
    c->retries = 0;
    if (c->flags & TF_RECOVERY) {
        if (SEQ_GEQ(ack, c->recover)) {
            /* RFC 6582 3.2 step 3, full ACK: deflate to min(ssthresh,
             * max(FlightSize, SMSS) + SMSS) and leave fast recovery */
            c->cwnd = u32min(c->ssthresh, (c->snd_max - ack > smss ? c->snd_max - ack : smss) + smss);
            c->flags &= (uint16_t)~TF_RECOVERY;
        } else {
            /* partial ACK: the next hole goes now; deflate by what was
             * acknowledged, add back one SMSS; stay in recovery */
            if (!tcp_send_at(c, ack, smss))
                c->flags |= TF_REXMIT; /* no TX buffer: at the next tick */
            c->flags &= (uint16_t)~TF_RTT; /* Karn */
            c->cwnd = (c->cwnd > n ? c->cwnd - n : 0) + smss;
            c->ts->nif->stats.tcp_fast_retransmits++;
        }
    } else if (c->cwnd < c->ssthresh)
        c->cwnd += u32min(n, smss); /* the SYN, the FIN alone: none */
    else if (n)
        c->cwnd += (uint32_t)smss * smss / c->cwnd + 1;
    c->cwnd = u32min(c->cwnd, 0xffffu);
    c->dupacks = 0;
    c->flags &= (uint16_t)~(TF_TIMER | TF_PERSIST);
    return n;
}

static void tcp_established(struct tcp_conn *c, const struct seg *s)
{
    /* closed by the app before the handshake ended: its FIN is queued */
    c->state = (c->flags & TF_FIN_Q) ? TCP_FIN_WAIT_1 : TCP_ESTABLISHED;
    c->snd_wnd = c->max_snd_wnd = s->wnd;
    c->snd_wl1 = s->seq;
    c->snd_wl2 = s->ack;
    /* a SYN lost: RFC 5681 3.1, the initial window is one segment;
     * RFC 6298 5.7, no RTT measured: start data at 3 s */
    if (c->flags & TF_SYN_REXMIT) {
        c->cwnd = tcp_smss(c);
        if (c->srtt8 == 0)
            c->rto = 3000;
    }
}

/* A segment for a synchronized connection or one in SYN-SENT. */
static void tcp_process(struct tcp_conn *c, const struct seg *s)
{
    struct netif *nif = c->ts->nif;
    const struct tcp_callbacks *cb;
    uint32_t seq = s->seq, dlen = s->dlen, wnd, acked = 0;
    const uint8_t *d = s->data;
    bool fin = (s->flags & TCP_FIN) != 0, newly = false;

    if (c->state == TCP_SYN_SENT) {
        if ((s->flags & TCP_ACK) && (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
            nif->stats.tcp_bad_ack++;
            if (!(s->flags & TCP_RST))
                tcp_xmit(nif, c->raddr, c->lport, c->rport, s->ack, 0, TCP_RST, 0, NULL, 0, 0);
            return;
        }
        if (s->flags & TCP_RST) {
            if (s->flags & TCP_ACK) {
                nif->stats.tcp_conn_reset++;
                tcp_free(c, -TCP_EREFUSED);
            } else {
                nif->stats.tcp_rst_ignored++;
            }
            return;
        }
        if (!(s->flags & TCP_SYN)) {
            nif->stats.tcp_state_drop++;
            return;
        }
        c->irs = seq;
        c->rcv_nxt = c->rcv_adv = seq + 1;
        tcp_set_mss(c, s->mss);
        c->flags |= TF_ACKNOW;
        if (s->flags & TCP_ACK) {
            tcp_ack_new(c, s->ack, true);
            tcp_established(c, s);
            nif->stats.tcp_connected++;
            cb = c->cb;
            if (cb && cb->established)
                cb->established(c->arg, c);
        } else {
            c->state = TCP_SYN_RCVD; /* simultaneous open: SYN-ACK */
            c->snd_nxt = c->iss;
            c->snd_wnd = s->wnd;
        }
        if (c->state != TCP_CLOSED)
            tcp_output(c);
        return;
    }

    /* RFC 5961 4: a SYN in a synchronized state, whatever its sequence
     * number, gets a challenge ACK - except the peer's own SYN again while
     * our SYN-ACK is unanswered, which gets the SYN-ACK again. */
    if (s->flags & TCP_SYN) {
        if (c->state == TCP_SYN_RCVD && !(s->flags & TCP_ACK) && seq == c->irs) {
            c->snd_nxt = c->iss;
            tcp_output(c);
        } else {
            tcp_challenge_ack(c);
        }
        return;
    }

    /* RFC 9293 3.10.7.4 first: is the segment in the receive window? */
    wnd = TCP_RCV_BUF - c->rcv_len;
    {
        uint32_t slen = dlen + fin, rel = seq - c->rcv_nxt;
        /* with the window at 0, a segment at rcv_nxt is kept for its ACK
         * (3.10.7.4): its data (and a FIN after data) is trimmed off below
         * and counted here; a bare FIN needs no buffer and is taken (as
         * Linux does: a peer closing into our zero window), so it is not
         * a drop */
        bool ok = wnd == 0 ? rel == 0 : rel < wnd || (slen && seq + slen - 1 - c->rcv_nxt < wnd);
        if (ok && wnd == 0 && dlen) {
            nif->stats.tcp_out_of_window++;
            c->flags |= TF_ACKNOW;
        }
        if (!ok) {
            if (s->flags & TCP_RST) {
                nif->stats.tcp_rst_ignored++;
            } else {
                if (fin && c->state == TCP_TIME_WAIT)
                    tcp_enter_time_wait(c); /* the peer's FIN again: restart 2 MSL */
                nif->stats.tcp_out_of_window++;
                c->flags |= TF_ACKNOW;
                tcp_output(c);
            }
            return;
        }
    }

    if (s->flags & TCP_RST) {
        /* RFC 5961 3.2: only an exact match resets */
        if (seq != c->rcv_nxt) {
            tcp_challenge_ack(c);
            return;
        }
        nif->stats.tcp_conn_reset++;
        if (c->state == TCP_SYN_RCVD && (c->flags & TF_PASSIVE))
            c->cb = NULL; /* back to LISTEN: the app never saw it */
        tcp_free(c, c->state == TCP_SYN_RCVD ? -TCP_EREFUSED : -TCP_ERESET);
        return;
    }

    /* trim to the window: old bytes off the front, the excess off the end */
    if (SEQ_LT(seq, c->rcv_nxt)) {
        uint32_t skip = c->rcv_nxt - seq;
        if (skip > dlen)
            fin = false; /* the FIN too is old */
        skip = u32min(skip, dlen);
        d += skip;
        dlen -= skip;
        seq += skip;
        if (s->dlen && dlen == 0)
            c->flags |= TF_ACKNOW; /* a duplicate: tell where we are */
    }
    if (dlen > wnd - (seq - c->rcv_nxt)) {
        dlen = wnd - (seq - c->rcv_nxt);
        fin = false;
    }

    /* ACK */
    if (c->state == TCP_SYN_RCVD) {
        if (SEQ_LEQ(s->ack, c->snd_una) || SEQ_GT(s->ack, c->snd_max)) {
            nif->stats.tcp_bad_ack++;
            tcp_xmit(nif, c->raddr, c->lport, c->rport, s->ack, 0, TCP_RST, 0, NULL, 0, 0);
            return;
        }
        acked = tcp_ack_new(c, s->ack, true);
        tcp_established(c, s);
        newly = true;
    }
    /* RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT */
    if (SEQ_GT(s->ack, c->snd_max) || SEQ_LT(s->ack, c->snd_una - c->max_snd_wnd)) {
        nif->stats.tcp_bad_ack++;
        c->flags |= TF_ACKNOW;
        tcp_output(c);
        return;
    }
    if (c->flags & TF_PERSIST)
        c->retries = 0; /* a probe answered */
    if (SEQ_GT(s->ack, c->snd_una)) {
        acked += tcp_ack_new(c, s->ack, false);
    } else if (s->ack == c->snd_una && s->dlen == 0 && !fin && s->wnd == c->snd_wnd && c->snd_wnd != 0 &&
               c->snd_max != c->snd_una) {
        /* a duplicate ACK (RFC 5681 2) */
        uint32_t flight = c->snd_max - c->snd_una, thresh = 3, smss = tcp_smss(c);
        /* RFC 5827 early retransmit: with fewer than four segments out and
         * nothing new that may leave, oseg - 1 duplicates are all that can
         * come.  oseg = ceil(FlightSize / SMSS) (its byte-based form: we
         * keep no segment boundaries), FlightSize being data - not our
         * FIN, which only the flight beyond snd_len can be, and which
         * would make two full segments, the FIN on the second, three */
        uint32_t oseg = (flight - (flight > c->snd_len) + smss - 1) / smss;
        if (oseg >= 2 && oseg < 4 && (c->snd_len <= flight || c->snd_wnd <= flight))
            thresh = oseg - 1;
        if (c->dupacks < 255)
            c->dupacks++;
        if (c->flags & TF_RECOVERY) {
            c->cwnd = u32min(c->cwnd + smss, 0xffffu);
        } else if (c->dupacks >= thresh && SEQ_GEQ(c->snd_una, c->recover)) {
            /* fast retransmit; RFC 6582: not again for losses of the
             * flight that one or a timeout already handled (snd_una still
             * below recover) */
            c->ssthresh = flight / 2 > 2u * smss ? flight / 2 : 2u * smss;
            c->recover = c->snd_max;
            c->flags = (uint16_t)((c->flags & ~TF_RTT) | TF_RECOVERY); /* Karn */
            if (!tcp_send_at(c, c->snd_una, smss))
                c->flags |= TF_REXMIT; /* no TX buffer: at the next tick */
            c->cwnd = c->ssthresh + c->dupacks * smss;
            nif->stats.tcp_fast_retransmits++;
        }
    }
    /* RFC 9293 3.10.7.4: only from an ACK at or past SND.UNA (an old one,
     * still inside RFC 5961's acceptable range, must not move the window) */
    if (SEQ_GEQ(s->ack, c->snd_una) &&
        (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, s->ack)))) {
        if (c->snd_wnd == 0 && s->wnd != 0 && c->state != TCP_TIME_WAIT) {
            /* window open: out of persist; an unaccepted probe byte goes
             * again with the rest */
            if (c->flags & TF_PERSIST) {
                c->snd_nxt = c->snd_una;
                c->flags &= (uint16_t)~TF_RTT; /* Karn: what follows is resent */
            }
            c->flags &= (uint16_t)~(TF_TIMER | TF_PERSIST);
            c->retries = 0;
            tcp_set_rto(c);
        }
        c->snd_wnd = s->wnd;
        c->snd_wl1 = s->seq;
        c->snd_wl2 = s->ack;
        if (s->wnd > c->max_snd_wnd)
            c->max_snd_wnd = s->wnd;
    }
    if (c->flags & TF_FIN_ACKED) {
        if (c->state == TCP_FIN_WAIT_1) {
            c->state = TCP_FIN_WAIT_2;
        } else if (c->state == TCP_CLOSING) {
            tcp_enter_time_wait(c);
        } else if (c->state == TCP_LAST_ACK) {
            if (c->flags & TF_EOF) {
                tcp_free(c, 0);
                return;
            }
            tcp_enter_time_wait(c); /* bytes before the peer's FIN unread: kept for the app */
        }
    }

    /* data */
    if (dlen && c->state >= TCP_ESTABLISHED && c->state <= TCP_FIN_WAIT_2) {
        uint32_t rel = seq - c->rcv_nxt;
        uint32_t at = (c->rcv_head + c->rcv_len + rel) & (TCP_RCV_BUF - 1);
        uint32_t first = u32min(dlen, TCP_RCV_BUF - at);
        memcpy(c->rcvbuf + at, d, first);
        memcpy(c->rcvbuf, d + first, dlen - first);
        if (rel == 0) {
            c->rcv_nxt += dlen;
            c->rcv_len = (uint16_t)(c->rcv_len + dlen);
            c->rcv_unacked = (uint16_t)(c->rcv_unacked + dlen);
            if (tcp_ooo_merge(c) || c->rcv_unacked >= 2u * c->mss) {
                c->flags |= TF_ACKNOW;
            } else if (!(c->flags & TF_DELACK)) {
                c->flags |= TF_DELACK;
                c->t_delack = tcp_now(nif) + TCP_DELACK_MS;
            }
            for (int i = 0; i < TCP_OOO_MAX; i++)
                if (c->ooo[i].len)
                    c->flags |= TF_ACKNOW; /* holes left: keep the duplicate ACKs coming */
        } else {
            if (tcp_ooo_add(c, seq, dlen))
                nif->stats.tcp_ooo_queued++;
            else
                nif->stats.tcp_ooo_dropped++;
            fin = false; /* a FIN out of order: the peer sends it again */
            /* RFC 5681 4.2: an immediate duplicate ACK, and a pure one: on
             * a segment of our data the peer would not count it */
            if (!tcp_send_seg(c, tcp_bare_seq(c), TCP_ACK, 0, 0))
                c->flags |= TF_ACKNOW;
        }
    } else if (dlen) {
        nif->stats.tcp_state_drop++; /* data after the peer's FIN */
        fin = false;
    }

    /* FIN */
    if (fin && seq + dlen == c->rcv_nxt && !(c->flags & TF_FIN_RCVD)) {
        c->rcv_nxt++;
        c->flags |= TF_FIN_RCVD | TF_ACKNOW;
        if (c->state == TCP_ESTABLISHED)
            c->state = TCP_CLOSE_WAIT;
        else if (c->state == TCP_FIN_WAIT_1)
            c->state = TCP_CLOSING;
        else if (c->state == TCP_FIN_WAIT_2)
            tcp_enter_time_wait(c);
    } else if (fin && !(c->flags & TF_FIN_RCVD)) {
        /* out of order, alone: dropped, a duplicate ACK (RFC 5681 4.2) */
        nif->stats.tcp_ooo_dropped++;
        c->flags |= TF_ACKNOW;
    }

    /* Our FIN is acknowledged, the peer's has not come: each segment
     * from it restarts the FIN-WAIT-2 timer, so a peer that half-closes
     * and keeps sending is not cut off, and one that goes silent does not
     * hold the slot for ever (RFC 9293 sets no bound; BSD and Linux do). */
    if (c->state == TCP_FIN_WAIT_2)
        tcp_arm(c, TCP_FIN_WAIT2_MS, false);
    c->t_heard = tcp_now(nif);

    cb = c->cb;
    if (newly) {
        nif->stats.tcp_accepted++;
        if (cb && cb->established)
            cb->established(c->arg, c);
        if (c->state == TCP_CLOSED)
            return;
    }
    tcp_deliver(c);
    cb = c->cb;
    if (acked && c->state != TCP_CLOSED && cb && cb->sent)
        cb->sent(c->arg, c, acked);
    if (c->state == TCP_CLOSED)
        return;
    /* the app is done with it once it has read everything and the FIN
     * (until then tcp_recv_resume() may still hand it the rest) */
    if (c->state == TCP_TIME_WAIT && (c->flags & TF_EOF))
        tcp_finish(c, 0);
    tcp_output(c);
}

/* ---- input ---------------------------------------------------------------- */

/* RFC 9293 3.10.7.1: the answer to a segment for no connection. */
static void tcp_reset_reply(struct netif *nif, uint32_t src, uint16_t sport, uint16_t dport, const struct seg *s)
{
    if (s->flags & TCP_RST)
        return;
    if (s->flags & TCP_ACK)
        tcp_xmit(nif, src, dport, sport, s->ack, 0, TCP_RST, 0, NULL, 0, 0);
    else
        tcp_xmit(nif, src, dport, sport, 0, s->seq + s->dlen + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN),
                 TCP_RST | TCP_ACK, 0, NULL, 0, 0);
}

/* Verify the checksum, unless the driver vouched for it. */
static bool tcp_csum_ok(struct netif *nif, const struct netbuf *nb, const struct net_rx *rx)
{
    bool drop;

    if (net_l4_csum_trusted(nb, rx, (uint16_t)offsetof(struct tcp_hdr, chksum), &nif->stats.tcp_bad_partial,
                            &drop))
        return true;
    if (drop)
        return false;
    if (net_fold(net_sum(nb->buf + nb->off, nb->len, net_pseudo_sum(rx->src, rx->dst, IP4_PROTO_TCP, nb->len))) !=
        0) {
        nif->stats.tcp_bad_checksum++;
        return false;
    }
    return true;
}

void tcp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx)
{
    struct tcp_stack *ts = nif->tcp;
    const uint8_t *p = netbuf_data(nb);
    uint16_t len = nb->len, hlen, sport, dport;
    struct tcp_conn *c;
    struct seg s;
    unsigned i;

    nif->stats.tcp_rx++;
    if (len < TCP_HLEN) {
        nif->stats.tcp_truncated++;
        goto drop;
    }
    if (!tcp_csum_ok(nif, nb, rx))
        goto drop;
    hlen = (uint16_t)((p[12] >> 4) * 4u);
    if (hlen < TCP_HLEN || hlen > len) {
        nif->stats.tcp_bad_offset++;
        goto drop;
    }
    memset(&s, 0, sizeof(s));
    for (i = TCP_HLEN; i < hlen && p[i] != TCP_OPT_END;) {
        if (p[i] == TCP_OPT_NOP) {
            i++;
            continue;
        }
        /* a length byte inside the header, at least 2 (0 or 1 would loop),
         * the option inside the header */
        if (i + 1u >= hlen || p[i + 1] < 2 || i + p[i + 1] > hlen) {
            nif->stats.tcp_bad_options++;
            goto drop;
        }
        if (p[i] == TCP_OPT_MSS && p[i + 1] == TCP_OPT_MSS_LEN)
            s.mss = get_be16(p + i + 2);
        i += p[i + 1];
    }
    s.flags = p[13] & (TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG);
    /* SYN with FIN or RST; no ACK on anything but a SYN or a RST (null,
     * FIN-only, Xmas...) */
    if (((s.flags & TCP_SYN) && (s.flags & (TCP_FIN | TCP_RST))) ||
        !(s.flags & (TCP_ACK | TCP_SYN | TCP_RST))) {
        nif->stats.tcp_bad_flags++;
        goto drop;
    }
    if (rx->ip_bcast || rx->l2_bcast) {
        nif->stats.tcp_bcast++;
        goto drop;
    }
    sport = get_be16(p);
    dport = get_be16(p + 2);
    if (sport == 0 || dport == 0) {
        nif->stats.tcp_bad_port++;
        goto drop;
    }
    s.seq = get_be32(p + 4);
    s.ack = get_be32(p + 8);
    s.wnd = get_be16(p + 14);
    s.data = p + hlen;
    s.dlen = (uint16_t)(len - hlen);

    for (i = 0; ts && i < TCP_MAX_CONNS; i++) {
        c = &ts->conn[i];
        if (c->state != TCP_CLOSED && c->lport == dport && c->rport == sport && c->raddr == rx->src) {
            c->flags |= TF_BUSY;
            tcp_process(c, &s);
            c->flags &= (uint16_t)~TF_BUSY;
            goto drop;
        }
    }
    for (i = 0; ts && i < TCP_MAX_LISTEN; i++)
        if (ts->listen[i].port == dport)
            break;
    if (ts == NULL || i == TCP_MAX_LISTEN) {
        nif->stats.tcp_no_port++;
        tcp_reset_reply(nif, rx->src, sport, dport, &s);
        goto drop;
    }
    /* LISTEN (RFC 9293 3.10.7.2) */
    if (s.flags & (TCP_RST | TCP_ACK)) {
        nif->stats.tcp_state_drop++;
        tcp_reset_reply(nif, rx->src, sport, dport, &s);
        goto drop;
    }
    c = tcp_alloc(ts, true);
    if (c == NULL) {
        nif->stats.tcp_syn_dropped++;
        goto drop;
    }
    tcp_start(c, TCP_SYN_RCVD, rx->src, dport, sport, ts->listen[i].cb, ts->listen[i].arg);
    c->flags |= TF_PASSIVE | TF_ACKNOW;
    c->irs = s.seq;
    c->rcv_nxt = c->rcv_adv = s.seq + 1;
    c->snd_wnd = s.wnd;
    tcp_set_mss(c, s.mss);
    tcp_output(c); /* SYN-ACK; data on the SYN is not kept: it comes again */
drop:
    netbuf_release(nb);
}

/* ---- timers --------------------------------------------------------------- */

static void tcp_timeout(struct tcp_conn *c)
{
    struct netif *nif = c->ts->nif;

    c->flags &= (uint16_t)~TF_TIMER;
    if (c->state == TCP_TIME_WAIT) {
        tcp_free(c, 0);
        return;
    }
    if (c->state == TCP_FIN_WAIT_2) {
        nif->stats.tcp_fin_wait2_timeouts++;
        tcp_xmit(nif, c->raddr, c->lport, c->rport, tcp_bare_seq(c), 0, TCP_RST, 0, NULL, 0, 0);
        tcp_free(c, -TCP_ETIMEDOUT);
        return;
    }
    /* a persist probe counts as a retransmission: an answer (any
     * acceptable ACK) starts the count again */
    if (++c->retries > (c->state == TCP_SYN_SENT   ? TCP_SYN_RETRIES
                        : c->state == TCP_SYN_RCVD ? TCP_SYNACK_RETRIES
                                                   : TCP_DATA_RETRIES)) {
        nif->stats.tcp_timeouts++;
        if (c->state != TCP_SYN_SENT)
            tcp_xmit(nif, c->raddr, c->lport, c->rport, tcp_bare_seq(c), 0, TCP_RST, 0, NULL, 0, 0);
        if (c->state == TCP_SYN_RCVD && (c->flags & TF_PASSIVE))
            c->cb = NULL;
        tcp_free(c, -TCP_ETIMEDOUT);
        return;
    }
    if (c->flags & TF_PERSIST) {
        /* zero window: one byte beyond it (RFC 9293 3.8.6.1) */
        nif->stats.tcp_persist_probes++;
        c->flags &= (uint16_t)~TF_RTT; /* Karn: a timed segment's first byte is resent */
        c->snd_nxt = c->snd_una + tcp_send_at(c, c->snd_una, 1);
        if (c->snd_nxt == c->snd_una) { /* no TX buffer: the probe at the next tick */
            c->retries--;
            tcp_arm(c, CLOCK_G_MS, true);
            return;
        }
        if (SEQ_GT(c->snd_nxt, c->snd_max))
            c->snd_max = c->snd_nxt;
        c->rto = u32min(c->rto * 2, TCP_RTO_MAX_MS);
        tcp_arm(c, c->rto, true);
        return;
    }
    nif->stats.tcp_retransmits++;
    /* RFC 6298 5.5-5.6, RFC 5681 (3.1): back off, one segment, go back */
    c->rto = u32min(c->rto * 2, TCP_RTO_MAX_MS);
    uint32_t smss = tcp_smss(c);
    {
        uint32_t half = (c->snd_max - c->snd_una) / 2;
        c->ssthresh = half > 2u * smss ? half : 2u * smss;
    }
    c->cwnd = smss;
    c->dupacks = 0;
    c->recover = c->snd_max; /* RFC 6582 3.2 step 4 */
    c->flags &= (uint16_t)~(TF_RTT | TF_RECOVERY | TF_REXMIT); /* Karn; the go-back resends */
    if (!synchronized(c) || c->state == TCP_SYN_RCVD)
        c->flags |= TF_SYN_REXMIT;
    c->snd_nxt = c->snd_una;
    tcp_output(c);
}

void tcp_tick(struct netif *nif)
{
    struct tcp_stack *ts = nif->tcp;
    uint32_t now = tcp_now(nif);

    /* Only the connections in use: most ticks of an idle stack walk none.
     * (A bit the walk clears, tcp_free, is of the one it is at.) */
    uint64_t m = ts->live;
    for (struct tcp_conn *c = ts->conn; m; c++, m >>= 1) {
        if (!(m & 1) || c->state == TCP_CLOSED)
            continue;
        if (c->idle_ms && synchronized(c) && c->state != TCP_TIME_WAIT && now - c->t_heard >= c->idle_ms) {
            nif->stats.tcp_idle_timeouts++;
            tcp_xmit(nif, c->raddr, c->lport, c->rport, tcp_bare_seq(c), 0, TCP_RST, 0, NULL, 0, 0);
            tcp_free(c, -TCP_ETIMEDOUT);
            continue;
        }
        if ((c->flags & TF_DELACK) && (int32_t)(now - c->t_delack) >= 0) {
            c->flags |= TF_ACKNOW;
            tcp_output(c);
        }
        if ((c->flags & TF_TIMER) && (int32_t)(now - c->t_rexmit) >= 0)
            tcp_timeout(c);
        /* what a lack of TX buffers held back goes now, not at the RTO */
        else if (c->state != TCP_CLOSED && c->state != TCP_TIME_WAIT)
            tcp_output(c);
    }
}

/* ---- API ------------------------------------------------------------------ */

void tcp_init(struct tcp_stack *ts, struct netif *nif, const uint8_t *key)
{
    /* The state, not the buffers: a connection's are written before they
     * are read (tcp_alloc, too, zeroes all but them), and at 32 KiB a
     * connection they are nearly all of the table, which the firmware's
     * boot would otherwise write and touch before its first answer. */
    memset(ts, 0, offsetof(struct tcp_stack, conn));
    for (unsigned i = 0; i < TCP_MAX_CONNS; i++)
        conn_clear(&ts->conn[i]);
    ts->nif = nif;
    for (unsigned i = 0; i < TCP_KEY_LEN; i++)
        ts->key[i] = key ? key[i] : (uint8_t)net_random();
    nif->tcp = ts;
}

void tcp_set_key(struct tcp_stack *ts, const uint8_t key[TCP_KEY_LEN])
{
    memcpy(ts->key, key, TCP_KEY_LEN);
}

int tcp_listen(struct netif *nif, uint16_t port, const struct tcp_callbacks *cb, void *arg)
{
    struct tcp_stack *ts = nif->tcp;
    struct tcp_listener *free_l = NULL;

    if (ts == NULL || port == 0)
        return -NET_EINVAL;
    for (struct tcp_listener *l = ts->listen; l < ts->listen + TCP_MAX_LISTEN; l++) {
        if (l->port == port)
            return -NET_EADDRINUSE;
        if (l->port == 0 && free_l == NULL)
            free_l = l;
    }
    if (free_l == NULL)
        return -NET_ENOMEM;
    free_l->port = port;
    free_l->cb = cb;
    free_l->arg = arg;
    return 0;
}

int tcp_unlisten(struct netif *nif, uint16_t port)
{
    struct tcp_stack *ts = nif->tcp;

    for (unsigned i = 0; ts && port && i < TCP_MAX_LISTEN; i++) {
        if (ts->listen[i].port == port) {
            ts->listen[i].port = 0;
            /* its half-open connections are no app's yet, and none may
             * become one now: reset (RFC 9293 3.10.5, ABORT in
             * SYN-RECEIVED), no callback */
            for (struct tcp_conn *c = ts->conn; c < ts->conn + TCP_MAX_CONNS; c++)
                if (c->state == TCP_SYN_RCVD && (c->flags & TF_PASSIVE) && c->lport == port)
                    tcp_abort(c);
            return 0;
        }
    }
    return -NET_ENOENT;
}

struct tcp_conn *tcp_connect(struct netif *nif, uint32_t dst, uint16_t dport, const struct tcp_callbacks *cb,
                             void *arg, int *err)
{
    struct tcp_stack *ts = nif->tcp;
    struct tcp_conn *c;
    uint16_t port;
    int e = -NET_EINVAL;

    if (ts == NULL || dport == 0 || !net_ip4_usable(dst) || net_ip4_is_bcast(nif, dst))
        goto fail;
    e = -NET_ENOROUTE;
    if (nif->ipv4.addr == 0)
        goto fail;
    /* an ephemeral port that no connection uses: from a random one, each
     * in turn (RFC 6056 3.3.1) */
    e = -NET_EADDRINUSE;
    port = (uint16_t)net_random();
    for (unsigned n = 0;; n++, port++) {
        unsigned i;
        if (n == 16384u)
            goto fail;
        port = (uint16_t)(49152u + port % 16384u);
        for (i = 0; i < TCP_MAX_CONNS; i++)
            if (ts->conn[i].state != TCP_CLOSED && ts->conn[i].lport == port)
                break;
        if (i == TCP_MAX_CONNS)
            break;
    }
    e = -NET_ENOMEM;
    c = tcp_alloc(ts, false);
    if (c == NULL)
        goto fail;
    tcp_start(c, TCP_SYN_SENT, dst, port, dport, cb, arg);
    tcp_output(c);
    return c;
fail:
    if (err)
        *err = e;
    return NULL;
}

int tcp_send(struct tcp_conn *c, const void *data, size_t len)
{
    uint32_t n, at, first;

    if (data == NULL && len)
        return -NET_EINVAL;
    if ((c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT && c->state != TCP_SYN_SENT &&
         c->state != TCP_SYN_RCVD) ||
        (c->flags & TF_FIN_Q))
        return -TCP_ENOTCONN;
    n = (uint32_t)(len < TCP_SND_BUF - c->snd_len ? len : TCP_SND_BUF - c->snd_len);
    if (n) { /* (data may be NULL with len 0: not for memcpy) */
        at = (c->snd_head + c->snd_len) & (TCP_SND_BUF - 1);
        first = u32min(n, TCP_SND_BUF - at);
        memcpy(c->sndbuf + at, data, first);
        memcpy(c->sndbuf, (const uint8_t *)data + first, n - first);
        c->snd_len = (uint16_t)(c->snd_len + n);
    }
    /* From inside recv (an echo), the segment waits for the tcp_output()
     * that follows delivery: by then the bytes just consumed are back in
     * the window it advertises, and no window update has to follow. */
    if (synchronized(c) && !(c->flags & TF_DELIVER))
        tcp_output(c);
    return (int)n;
}

size_t tcp_sndbuf(const struct tcp_conn *c)
{
    return TCP_SND_BUF - c->snd_len;
}

int tcp_close(struct tcp_conn *c)
{
    if (c->flags & TF_FIN_Q)
        return -TCP_ENOTCONN;
    switch (c->state) {
    case TCP_SYN_SENT:
        if (c->snd_len == 0) { /* nothing queued: forgotten (RFC 9293 3.10.4) */
            c->cb = NULL;
            tcp_free(c, 0);
            return 0;
        }
        /* the FIN after the queued data, once established */
        c->flags |= TF_FIN_Q;
        return 0;
    case TCP_SYN_RCVD:
        c->flags |= TF_FIN_Q; /* FIN-WAIT-1 on entering ESTABLISHED */
        return 0;
    case TCP_ESTABLISHED:
        c->state = TCP_FIN_WAIT_1;
        break;
    case TCP_CLOSE_WAIT:
        c->state = TCP_LAST_ACK;
        break;
    default:
        return -TCP_ENOTCONN;
    }
    c->flags |= TF_FIN_Q;
    tcp_output(c);
    return 0;
}

void tcp_abort(struct tcp_conn *c)
{
    if (c->state == TCP_CLOSED)
        return;
    if (synchronized(c) && c->state != TCP_TIME_WAIT)
        tcp_xmit(c->ts->nif, c->raddr, c->lport, c->rport, tcp_bare_seq(c), 0, TCP_RST, 0, NULL, 0, 0);
    c->cb = NULL;
    tcp_free(c, 0);
}

size_t tcp_recv_peek(const struct tcp_conn *c, const uint8_t **p1, size_t *n1, const uint8_t **p2, size_t *n2)
{
    size_t len = c->state == TCP_CLOSED ? 0 : c->rcv_len, first = TCP_RCV_BUF - c->rcv_head;

    if (first > len)
        first = len;
    *p1 = c->rcvbuf + c->rcv_head;
    *n1 = first;
    *p2 = c->rcvbuf;
    *n2 = len - first;
    return len;
}

void tcp_recv_resume(struct tcp_conn *c)
{
    uint16_t busy = c->flags & TF_BUSY;

    if (c->state < TCP_ESTABLISHED)
        return;
    /* as tcp_input: recv may free the slot, but not see it reused */
    c->flags |= TF_BUSY;
    tcp_deliver(c);
    if (c->state == TCP_TIME_WAIT && (c->flags & TF_EOF))
        tcp_finish(c, 0); /* the rest read: now the end */
    c->flags = (uint16_t)((c->flags & ~TF_BUSY) | busy);
    if (c->state == TCP_CLOSED || c->state == TCP_TIME_WAIT)
        return;
    /* a window update when the window opened enough to say so */
    if (tcp_adv_wnd(c, false) != (uint16_t)(c->rcv_adv - c->rcv_nxt))
        c->flags |= TF_ACKNOW;
    tcp_output(c);
}

void tcp_set_arg(struct tcp_conn *c, void *arg)
{
    c->arg = arg;
}

void tcp_set_idle_timeout(struct tcp_conn *c, uint32_t ms)
{
    c->idle_ms = ms;
    c->t_heard = tcp_now(c->ts->nif);
}

enum tcp_state tcp_get_state(const struct tcp_conn *c)
{
    return (enum tcp_state)c->state;
}

const char *tcp_state_name(enum tcp_state s)
{
    static const char names[][13] = {"CLOSED",     "LISTEN",     "SYN-SENT",   "SYN-RECEIVED",
                                     "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",
                                     "CLOSING",    "LAST-ACK",   "TIME-WAIT"};
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

const char *tcp_strerror(int err)
{
    switch (err < 0 ? -err : err) {
    case TCP_ERESET:
        return "connection reset";
    case TCP_EREFUSED:
        return "connection refused";
    case TCP_ETIMEDOUT:
        return "timed out";
    case TCP_ENOTCONN:
        return "not connected";
    default:
        return net_strerror(err);
    }
}
