/*
 * icmp.c - ICMP (RFC 792): echo replies built in the request's buffer,
 * port unreachable for UDP to a closed port, and the echo (ping) client.
 *
 * Echo replies keep the request's data byte for byte (any length the MTU
 * allows) and get a fresh checksum over the whole message.  Errors are never
 * sent in reply to a broadcast (IP or link layer), to an ICMP message, or
 * to a source that is not one host (RFC 1122 3.2.2): only UDP triggers one
 * here.  Received error messages are
 * counted and dropped: there are no connections to tell.  No rate limiting
 * of the errors we send (RFC 1812 suggests it for routers).
 *
 * Checksum offload (netbuf.h): a message the driver marks VALID, or PARTIAL
 * with the partial checksum at this header's field, is not summed (PARTIAL
 * elsewhere: icmp_bad_partial); its echo reply then gets a checksum summed
 * in full, since the request's field was never seen to be right (a partial
 * one holds no checksum at all).  ICMP checksums are never offloaded.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_priv.h"
#include "prot/be.h"
#include "prot/ethernet.h"
#include "prot/icmp.h"
#include "prot/ip4.h"
#include "prot/udp.h"

static void icmp_set_chksum(uint8_t *msg, uint16_t len)
{
    put_be16(msg + 2, 0);
    put_be16(msg + 2, net_fold(net_sum(msg, len, 0)));
}

void icmp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx)
{
    uint8_t *p = netbuf_data(nb);
    uint16_t len = nb->len;

    nif->stats.icmp_rx++;
    if (len < ICMP_MIN_LEN) {
        nif->stats.icmp_truncated++;
        goto drop;
    }
    bool drop_partial, verified = false;
    if (net_l4_csum_trusted(nb, rx, (uint16_t)offsetof(struct icmp_echo, chksum), &nif->stats.icmp_bad_partial,
                            &drop_partial)) {
        /* the device verified it, or vouches for a partial one */
    } else if (drop_partial) {
        goto drop;
    } else if (net_fold(net_sum(p, len, 0)) != 0) {
        nif->stats.icmp_bad_checksum++;
        goto drop;
    } else {
        verified = true;
    }
    switch (p[0]) {
    case ICMP_TYPE_ECHO_REQUEST:
        if (len < ICMP_HLEN) {
            nif->stats.icmp_truncated++;
            goto drop;
        }
        if (rx->ip_bcast) {
            nif->stats.icmp_echo_bcast++;
            goto drop;
        }
        /* The request's checksum was just verified over the whole message:
         * only the type/code word changes, so update it instead of summing
         * the payload a second time (RFC 1624).  Not verified here (the
         * device vouched for it, or it was partial): sum it in full. */
        {
            uint16_t old_word = get_be16(p);
            p[0] = ICMP_TYPE_ECHO_REPLY;
            p[1] = 0;
            if (verified)
                put_be16(p + 2, net_csum_update16(get_be16(p + 2), old_word, get_be16(p)));
            else
                icmp_set_chksum(p, len);
        }
        nif->stats.icmp_echo_replied++;
        ip4_reply(nif, nb, rx, IP4_PROTO_ICMP);
        return;
    case ICMP_TYPE_ECHO_REPLY:
        if (len < ICMP_HLEN) {
            nif->stats.icmp_truncated++;
            goto drop;
        }
        ping_input(nif, rx->src, p, len);
        goto drop;
    case ICMP_TYPE_DEST_UNREACH:
    case ICMP_TYPE_SOURCE_QUENCH:
    case ICMP_TYPE_REDIRECT:
    case ICMP_TYPE_TIME_EXCEEDED:
    case ICMP_TYPE_PARAM_PROBLEM:
        nif->stats.icmp_error_rx++;
        goto drop;
    default:
        nif->stats.icmp_unknown_type++;
        goto drop;
    }
drop:
    netbuf_release(nb);
}

void icmp_port_unreach(struct netif *nif, const struct net_rx *rx)
{
    /* the offending header as received, options included, and 8 bytes of
     * its payload: the UDP header, which the caller has validated */
    uint16_t quote = (uint16_t)(rx->ip_hlen + ICMP_ERR_QUOTE_DATA);
    struct icmp_err *e;
    struct netbuf *nb;

    /* RFC 1122 3.2.2: not for a broadcast, nor to a source that is not one
     * host (0, loopback, broadcast, multicast, class E) */
    if (rx->ip_bcast || rx->l2_bcast || nif->ipv4.addr == 0 || !net_ip4_usable(rx->src))
        return;
    nb = net_tx_alloc(nif, ETH_HLEN + IP4_HLEN);
    if (nb == NULL)
        return;
    e = (struct icmp_err *)netbuf_data(nb);
    e->type = ICMP_TYPE_DEST_UNREACH;
    e->code = ICMP_CODE_PORT_UNREACH;
    memset(e->unused, 0, sizeof(e->unused));
    memcpy(netbuf_data(nb) + ICMP_HLEN, rx->ip_hdr, quote);
    nb->len = (uint16_t)(ICMP_HLEN + quote);
    icmp_set_chksum(netbuf_data(nb), nb->len);
    nif->stats.icmp_unreach_sent++;
    ip4_output(nif, nb, nif->ipv4.addr, rx->src, IP4_PROTO_ICMP);
}

/* ---- ping client ---------------------------------------------------------- */

static uint8_t ping_pattern(uint16_t i)
{
    return (uint8_t)(i & 0xffu);
}

int net_ping_start(struct netif *nif, uint32_t dst, uint16_t count, uint16_t size,
                   uint32_t interval_ms, uint32_t timeout_ms, ping_cb_t cb, void *arg)
{
    struct ping_client *p = &nif->ping;

    if (p->active)
        return -NET_EBUSY;
    if (count == 0 || size > PING_MAX_SIZE || size > (uint32_t)nif->mtu - IP4_HLEN - ICMP_HLEN || dst == 0 ||
        net_ip4_is_bcast(nif, dst) || IP4_IS_MULTICAST(dst) || interval_ms == 0 || timeout_ms == 0)
        return -NET_EINVAL;
    memset(p, 0, sizeof(*p));
    p->active = true;
    p->id = (uint16_t)net_random();
    p->dst = dst;
    p->count = count;
    p->size = size;
    p->interval_ms = interval_ms;
    p->timeout_ms = timeout_ms;
    p->next_seq = 1;
    p->next_ms = nif->now_ms;
    p->cb = cb;
    p->arg = arg;
    return 0;
}

void net_ping_stop(struct netif *nif)
{
    nif->ping.active = false;
}

bool net_ping_active(const struct netif *nif)
{
    return nif->ping.active;
}

static void ping_report(struct netif *nif, enum ping_event ev, uint16_t seq, uint32_t rtt_us)
{
    struct ping_client *p = &nif->ping;
    struct ping_result r;

    memset(&r, 0, sizeof(r));
    r.event = ev;
    r.dst = p->dst;
    r.seq = seq;
    r.size = p->size;
    r.rtt_us = rtt_us;
    r.sent = p->sent;
    r.received = p->received;
    if (p->received) {
        r.rtt_min_us = p->rtt_min_us;
        r.rtt_max_us = p->rtt_max_us;
        r.rtt_avg_us = (uint32_t)(p->rtt_sum_us / p->received);
    }
    if (ev == PING_EV_DONE)
        p->active = false; /* before the callback, which may start another */
    if (p->cb)
        p->cb(p->arg, &r);
}

static void ping_maybe_done(struct netif *nif)
{
    struct ping_client *p = &nif->ping;
    size_t i;

    if (!p->active || p->sent < p->count)
        return;
    for (i = 0; i < PING_SLOTS; i++)
        if (p->slot[i].pending)
            return;
    ping_report(nif, PING_EV_DONE, 0, 0);
}

static void ping_send(struct netif *nif)
{
    struct ping_client *p = &nif->ping;
    uint16_t seq = p->next_seq++;
    struct ping_slot *s = &p->slot[seq % PING_SLOTS];
    struct icmp_echo *e;
    struct netbuf *nb;
    uint8_t *d;
    uint16_t i;

    if (s->pending) {
        /* still unanswered PING_SLOTS requests later: give up on it */
        s->pending = false;
        ping_report(nif, PING_EV_TIMEOUT, s->seq, 0);
        if (!p->active)
            return;
    }
    p->sent++;
    s->pending = true;
    s->seq = seq;
    s->sent_ms = nif->now_ms;
    s->sent_us = net_now_us(nif);
    nb = net_tx_alloc(nif, ETH_HLEN + IP4_HLEN);
    if (nb == NULL)
        return; /* counted in no_tx_buffer; this one will time out */
    e = (struct icmp_echo *)netbuf_data(nb);
    e->type = ICMP_TYPE_ECHO_REQUEST;
    e->code = 0;
    put_be16(e->id, p->id);
    put_be16(e->seq, seq);
    d = netbuf_data(nb) + ICMP_HLEN;
    for (i = 0; i < p->size; i++)
        d[i] = ping_pattern(i);
    nb->len = (uint16_t)(ICMP_HLEN + p->size);
    icmp_set_chksum(netbuf_data(nb), nb->len);
    ip4_output(nif, nb, nif->ipv4.addr, p->dst, IP4_PROTO_ICMP);
}

void ping_input(struct netif *nif, uint32_t src, const uint8_t *msg, uint16_t len)
{
    struct ping_client *p = &nif->ping;
    const struct icmp_echo *e = (const struct icmp_echo *)msg;
    struct ping_slot *s;
    uint16_t seq = get_be16(e->seq), i;
    uint64_t rtt;

    if (!p->active || src != p->dst || get_be16(e->id) != p->id ||
        len != ICMP_HLEN + p->size)
        goto unmatched;
    s = &p->slot[seq % PING_SLOTS];
    if (!s->pending || s->seq != seq)
        goto unmatched;
    for (i = 0; i < p->size; i++)
        if (msg[ICMP_HLEN + i] != ping_pattern(i))
            goto unmatched;
    s->pending = false;
    rtt = net_now_us(nif) - s->sent_us;
    if (rtt > 0xffffffffu)
        rtt = 0xffffffffu;
    p->received++;
    p->rtt_sum_us += rtt;
    if (p->received == 1 || rtt < p->rtt_min_us)
        p->rtt_min_us = (uint32_t)rtt;
    if (rtt > p->rtt_max_us)
        p->rtt_max_us = (uint32_t)rtt;
    ping_report(nif, PING_EV_REPLY, seq, (uint32_t)rtt);
    ping_maybe_done(nif);
    return;
unmatched:
    nif->stats.ping_unmatched++;
}

void ping_tick(struct netif *nif)
{
    struct ping_client *p = &nif->ping;
    size_t i;

    if (!p->active)
        return;
    for (i = 0; i < PING_SLOTS; i++) {
        struct ping_slot *s = &p->slot[i];
        if (s->pending && nif->now_ms - s->sent_ms >= p->timeout_ms) {
            s->pending = false;
            ping_report(nif, PING_EV_TIMEOUT, s->seq, 0);
            if (!p->active)
                return;
        }
    }
    if (p->sent < p->count && nif->now_ms >= p->next_ms) {
        p->next_ms = nif->now_ms + p->interval_ms;
        ping_send(nif);
        if (!p->active)
            return;
    }
    ping_maybe_done(nif);
}
