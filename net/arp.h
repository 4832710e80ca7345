/*
 * arp.h - the ARP cache (RFC 826) kept inside struct netif.
 *
 * A fixed table: no allocation.  Each entry is
 *   FREE        unused;
 *   PENDING     a request is out, at most one IP packet waits for the answer
 *               (a newer packet replaces the older, which is dropped);
 *   REACHABLE   the MAC is known and fresh (confirmed within
 *               ARP_REACHABLE_MS);
 *   REFRESHING  the MAC is known but old and was used since it was last
 *               confirmed: we keep sending to it while unicast requests
 *               re-confirm it; no answer after ARP_RETRIES retries frees it.
 * A REACHABLE entry that ages out without having been used is freed.
 * Requests are retried every ARP_RETRY_MS; after the first request and
 * ARP_RETRIES retries go unanswered, the pending packet is dropped
 * (stats.arp_unresolved) and the entry freed.
 *
 * Learning follows RFC 826's merge rule: an ARP packet from a sender already
 * in the table updates it whatever its target; a new entry is made only from
 * packets targeted at our address.
 */
#ifndef NET_ARP_H
#define NET_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include "netbuf.h"

#define ARP_TABLE_SIZE 16
#define ARP_REACHABLE_MS (5u * 60u * 1000u)
#define ARP_RETRY_MS 1000u
#define ARP_RETRIES 3u

enum arp_state {
    ARP_FREE = 0,
    ARP_PENDING,
    ARP_REACHABLE,
    ARP_REFRESHING,
};

struct arp_entry {
    uint32_t ip;           /* host order */
    uint8_t mac[6];
    uint8_t state;         /* enum arp_state */
    uint8_t tries;         /* requests sent in this round */
    bool used;             /* sent to since last confirmed */
    uint64_t time_ms;      /* confirmed (REACHABLE) or last request sent */
    struct netbuf *pending; /* PENDING only: packet starting at its IP header */
};

struct netif;

/* Look up ip in the cache; true and the MAC if it is known (for tests and
 * diagnostics: does not mark the entry used). */
bool net_arp_lookup(const struct netif *nif, uint32_t ip, uint8_t mac[6]);

#endif /* NET_ARP_H */
