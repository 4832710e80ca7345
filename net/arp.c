/*
 * arp.c - ARP for IPv4 over Ethernet (RFC 826): the cache, requests and
 * replies, the one-packet queue per unresolved address, retries, ageing and
 * the gratuitous announcement (RFC 5227 section 2.3).
 *
 * We answer requests for our own address only (no proxy ARP) and reply in
 * the request's buffer.  A packet claiming our address from another MAC is
 * counted and logged (arp_conflict); we do not defend or give the address up.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_priv.h"
#include "plat.h"
#include "prot/arp.h"
#include "prot/be.h"
#include "prot/ethernet.h"
#include "prot/ip4.h"

static const uint8_t zero_mac[6];

static struct arp_entry *arp_find(struct netif *nif, uint32_t ip)
{
    size_t i;

    for (i = 0; i < ARP_TABLE_SIZE; i++)
        if (nif->arp[i].state != ARP_FREE && nif->arp[i].ip == ip)
            return &nif->arp[i];
    return NULL;
}

bool net_arp_lookup(const struct netif *nif, uint32_t ip, uint8_t mac[6])
{
    size_t i;

    for (i = 0; i < ARP_TABLE_SIZE; i++) {
        const struct arp_entry *e = &nif->arp[i];
        if ((e->state == ARP_REACHABLE || e->state == ARP_REFRESHING) && e->ip == ip) {
            memcpy(mac, e->mac, 6);
            return true;
        }
    }
    return false;
}

static void arp_free(struct arp_entry *e)
{
    if (e->pending)
        netbuf_release(e->pending);
    memset(e, 0, sizeof(*e));
}

/* A free entry, else the least recently confirmed resolved one, else the
 * oldest pending one (whose queued packet is lost). */
static struct arp_entry *arp_alloc(struct netif *nif)
{
    struct arp_entry *resolved = NULL, *pending = NULL;
    size_t i;

    for (i = 0; i < ARP_TABLE_SIZE; i++) {
        struct arp_entry *e = &nif->arp[i];
        if (e->state == ARP_FREE)
            return e;
        if (e->state == ARP_PENDING) {
            if (pending == NULL || e->time_ms < pending->time_ms)
                pending = e;
        } else if (resolved == NULL || e->time_ms < resolved->time_ms) {
            resolved = e;
        }
    }
    if (resolved == NULL) {
        resolved = pending;
        if (resolved->pending)
            nif->stats.arp_queue_dropped++;
    }
    nif->stats.arp_evicted++;
    arp_free(resolved);
    return resolved;
}

/* false: no buffer to send it in */
static bool arp_send(struct netif *nif, uint16_t op, const uint8_t eth_dst[6],
                     const uint8_t tha[6], uint32_t tpa)
{
    struct netbuf *nb = net_tx_alloc(nif, ETH_HLEN);
    struct arp_pkt *a;

    if (nb == NULL)
        return false;
    a = (struct arp_pkt *)netbuf_data(nb);
    put_be16(a->htype, ARP_HTYPE_ETHERNET);
    put_be16(a->ptype, ETHTYPE_IPV4);
    a->hlen = ARP_HLEN_ETHERNET;
    a->plen = ARP_PLEN_IPV4;
    put_be16(a->op, op);
    memcpy(a->sha, nif->mac, 6);
    put_be32(a->spa, nif->ipv4.addr);
    memcpy(a->tha, tha, 6);
    put_be32(a->tpa, tpa);
    nb->len = ARP_PKT_LEN;
    if (op == ARP_OP_REQUEST)
        nif->stats.arp_requests_sent++;
    else
        nif->stats.arp_replies_sent++;
    eth_output(nif, nb, eth_dst, ETHTYPE_ARP);
    return true;
}

void netif_flush(struct netif *nif)
{
    size_t i;

    for (i = 0; i < ARP_TABLE_SIZE; i++)
        arp_free(&nif->arp[i]);
}

bool arp_announce(struct netif *nif)
{
    if (!arp_send(nif, ARP_OP_REQUEST, net_eth_broadcast, zero_mac, nif->ipv4.addr))
        return false;
    nif->stats.arp_announced++;
    return true;
}

/* An entry's next deadline: arp_tick() looks at the table by then. */
static void arp_due_by(struct netif *nif, uint64_t t)
{
    if (t < nif->arp_due)
        nif->arp_due = t;
}

/* The sender's MAC is now known: mark it fresh and send what waited. */
static void arp_update(struct netif *nif, struct arp_entry *e, uint32_t ip, const uint8_t mac[6])
{
    struct netbuf *nb = e->pending;

    e->ip = ip;
    memcpy(e->mac, mac, 6);
    e->state = ARP_REACHABLE;
    e->tries = 0;
    e->time_ms = nif->now_ms;
    arp_due_by(nif, e->time_ms + ARP_REACHABLE_MS);
    e->used = false;
    e->pending = NULL;
    if (nb) {
        e->used = true;
        eth_output(nif, nb, e->mac, ETHTYPE_IPV4);
    }
}

int arp_output(struct netif *nif, struct netbuf *nb, uint32_t nexthop)
{
    struct arp_entry *e = arp_find(nif, nexthop);

    if (e && e->state != ARP_PENDING) {
        e->used = true;
        return eth_output(nif, nb, e->mac, ETHTYPE_IPV4);
    }
    if (e) {
        if (e->pending) {
            netbuf_release(e->pending);
            nif->stats.arp_queue_dropped++;
        }
        e->pending = nb;
        return 0;
    }
    e = arp_alloc(nif);
    e->ip = nexthop;
    e->state = ARP_PENDING;
    e->pending = nb;
    e->tries = 1;
    e->time_ms = nif->now_ms;
    arp_due_by(nif, e->time_ms + ARP_RETRY_MS);
    arp_send(nif, ARP_OP_REQUEST, net_eth_broadcast, zero_mac, nexthop);
    return 0;
}

void arp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx)
{
    struct arp_pkt *a;
    struct arp_entry *e;
    uint32_t spa, tpa;
    uint16_t op;
    bool for_us;
    char ip[16];

    (void)rx;
    nif->stats.arp_rx++;
    if (nb->len < ARP_PKT_LEN) {
        nif->stats.arp_truncated++;
        goto drop;
    }
    netbuf_trim(nb, ARP_PKT_LEN);
    a = (struct arp_pkt *)netbuf_data(nb);
    op = get_be16(a->op);
    if (get_be16(a->htype) != ARP_HTYPE_ETHERNET || get_be16(a->ptype) != ETHTYPE_IPV4 ||
        a->hlen != ARP_HLEN_ETHERNET || a->plen != ARP_PLEN_IPV4 ||
        (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) || (a->sha[0] & ETH_ADDR_GROUP) ||
        memcmp(a->sha, nif->mac, 6) == 0) {
        nif->stats.arp_bad++;
        goto drop;
    }
    spa = get_be32(a->spa);
    tpa = get_be32(a->tpa);
    if (spa == IP4_ADDR_BROADCAST || IP4_IS_MULTICAST(spa)) {
        nif->stats.arp_bad++;
        goto drop;
    }
    if (nif->ipv4.addr != 0 && spa == nif->ipv4.addr) {
        nif->stats.arp_conflict++;
        plat_log("arp: %s is also used by %02x:%02x:%02x:%02x:%02x:%02x",
                 net_ip4_str(spa, ip), a->sha[0], a->sha[1], a->sha[2], a->sha[3],
                 a->sha[4], a->sha[5]);
        goto drop;
    }
    for_us = nif->ipv4.addr != 0 && tpa == nif->ipv4.addr;
    /* RFC 826 merge: refresh a known sender whoever the target; add a new
     * one only when it talks to us.  A probe (spa 0) teaches nothing. */
    if (spa != 0) {
        e = arp_find(nif, spa);
        if (e == NULL && for_us)
            e = arp_alloc(nif);
        if (e)
            arp_update(nif, e, spa, a->sha);
    }
    if (!for_us) {
        nif->stats.arp_not_for_us++;
        goto drop;
    }
    if (op == ARP_OP_REQUEST) {
        uint8_t dst[6];
        memcpy(dst, a->sha, 6);
        memcpy(a->tha, a->sha, 6);
        memcpy(a->tpa, a->spa, 4);
        memcpy(a->sha, nif->mac, 6);
        put_be32(a->spa, nif->ipv4.addr);
        put_be16(a->op, ARP_OP_REPLY);
        nif->stats.arp_replies_sent++;
        eth_output(nif, nb, dst, ETHTYPE_ARP);
        return;
    }
drop:
    netbuf_release(nb);
}

void arp_tick(struct netif *nif)
{
    uint64_t now = nif->now_ms, due = UINT64_MAX;
    size_t i;

    /* Most ticks: no entry's retry or expiry is due, nothing to walk. */
    if (now < nif->arp_due)
        return;
    for (i = 0; i < ARP_TABLE_SIZE; i++) {
        struct arp_entry *e = &nif->arp[i];
        switch (e->state) {
        case ARP_PENDING:
        case ARP_REFRESHING:
            if (now - e->time_ms < ARP_RETRY_MS)
                break;
            if (e->tries > ARP_RETRIES) {
                if (e->state == ARP_PENDING && e->pending)
                    nif->stats.arp_unresolved++;
                else
                    nif->stats.arp_expired++;
                arp_free(e);
                break;
            }
            e->tries++;
            e->time_ms = now;
            /* A refresh asks the known MAC directly (RFC 1122 2.3.2.1). */
            arp_send(nif, ARP_OP_REQUEST,
                     e->state == ARP_REFRESHING ? e->mac : net_eth_broadcast, zero_mac, e->ip);
            break;
        case ARP_REACHABLE:
            if (now - e->time_ms < ARP_REACHABLE_MS)
                break;
            if (!e->used) {
                nif->stats.arp_expired++;
                arp_free(e);
                break;
            }
            e->state = ARP_REFRESHING;
            e->used = false;
            e->tries = 1;
            e->time_ms = now;
            arp_send(nif, ARP_OP_REQUEST, e->mac, zero_mac, e->ip);
            break;
        default:
            break;
        }
        /* the earliest deadline left, for the next tick */
        if (e->state == ARP_PENDING || e->state == ARP_REFRESHING) {
            if (e->time_ms + ARP_RETRY_MS < due)
                due = e->time_ms + ARP_RETRY_MS;
        } else if (e->state == ARP_REACHABLE && e->time_ms + ARP_REACHABLE_MS < due) {
            due = e->time_ms + ARP_REACHABLE_MS;
        }
    }
    nif->arp_due = due;
}
