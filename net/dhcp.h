/*
 * dhcp.h - a DHCP client (RFC 2131, options from RFC 2132) for one netif.
 *
 * States (RFC 2131 figure 5, without INIT-REBOOT):
 *   SELECTING   DISCOVER broadcast, retransmitted with backoff until an OFFER
 *   REQUESTING  REQUEST broadcast for the offer; DHCP_REQUEST_TRIES sends
 *               without an answer go back to SELECTING
 *   BOUND       address configured on the netif; at T1 ->
 *   RENEWING    REQUEST unicast to the server that granted the lease; at T2 ->
 *   REBINDING   REQUEST broadcast to any server; at lease end the address is
 *               removed and discovery starts again.
 * A NAK in REQUESTING/RENEWING/REBINDING removes any address and restarts
 * discovery.  Retransmission in SELECTING/REQUESTING starts at
 * DHCP_RETRY_INITIAL_MS, doubles up to DHCP_RETRY_MAX_MS, each delay
 * jittered by up to +-DHCP_RETRY_JITTER_MS from net_random(); in
 * RENEWING/REBINDING it is half the time left to T2/lease end, at least
 * DHCP_RENEW_MIN_MS (RFC 2131 4.4.5).
 *
 * Options taken: subnet mask, router, lease time, server identifier, T1,
 * T2 and the Interface MTU (26, RFC 2132 5.1: it limits the netif's MTU,
 * netif_set_mtu_cfg(), while the lease lasts; see dhcp.c).
 *
 * Not done: ARP probing of the offered address before use (DECLINE),
 * INIT-REBOOT, RELEASE on stop, options beyond those above.
 *
 * Usage (after netif_init and netif_set_link(nif, true)):
 *     static void on_dhcp(void *arg, struct netif *nif, enum dhcp_event ev,
 *                         const struct dhcp_lease *l)
 *     {
 *         char a[16], g[16];
 *         if (ev == DHCP_EV_BOUND)
 *             printf("dhcp: bound %s/%u gw %s lease %lu s\n",
 *                    net_ip4_str(l->addr, a), net_ip4_prefix_len(l->netmask),
 *                    net_ip4_str(l->gw, g), (unsigned long)l->lease_s);
 *     }
 *     net_dhcp_start(nif, on_dhcp, NULL);
 *     // then keep calling netif_input() and net_tick() from the main loop
 */
#ifndef NET_DHCP_H
#define NET_DHCP_H

#include <stdbool.h>
#include <stdint.h>

#define DHCP_RETRY_INITIAL_MS 1000u
#define DHCP_RETRY_MAX_MS 64000u
#define DHCP_RETRY_JITTER_MS 250u
#define DHCP_REQUEST_TRIES 4u
#define DHCP_RENEW_MIN_MS 60000u

enum dhcp_state {
    DHCP_OFF = 0,
    DHCP_SELECTING,
    DHCP_REQUESTING,
    DHCP_BOUND,
    DHCP_RENEWING,
    DHCP_REBINDING,
};

enum dhcp_event {
    DHCP_EV_BOUND,   /* first ACK: address configured */
    DHCP_EV_RENEWED, /* ACK in RENEWING/REBINDING: lease extended */
    DHCP_EV_LOST,    /* NAK or lease expiry: address removed, rediscovering */
};

/* All addresses host order; times in seconds as the server gave them
 * (T1/T2 defaulted and clamped: T1 <= T2 < lease, for a lease above 0). */
struct dhcp_lease {
    uint32_t addr;
    uint32_t netmask;
    uint32_t gw;      /* 0 when the server sent no router option */
    uint32_t server;
    uint32_t lease_s; /* DHCP_LEASE_INFINITE (0xffffffff) = never expires */
    uint32_t t1_s;
    uint32_t t2_s;
    uint32_t mtu;     /* Interface MTU option (RFC 2132 5.1) as the server gave it,
                       * 68..65535; 0 when it sent none or one that was ignored.
                       * The link MTU is the smaller of it and the device's. */
};

struct netif;

/* Called from netif_input/net_tick context; the lease is valid during the
 * call only.  May call netif_* / net_udp_* functions. */
typedef void (*dhcp_cb_t)(void *arg, struct netif *nif, enum dhcp_event ev,
                          const struct dhcp_lease *lease);

struct dhcp_client {
    uint8_t state;         /* enum dhcp_state */
    uint8_t tries;         /* sends of the current message */
    uint32_t xid;
    uint64_t start_ms;     /* start of this exchange, for `secs` */
    uint64_t req_ms;       /* first REQUEST of this xid: the lease counts from it */
    uint16_t discover_secs; /* `secs` of the last DISCOVER, repeated in REQUESTING */
    uint64_t next_ms;      /* next retransmission */
    uint64_t bound_ms;     /* when the lease was granted */
    struct dhcp_lease lease; /* offered (REQUESTING) or granted */
    dhcp_cb_t cb;
    void *arg;
};

/* Start (or restart) discovery: sends a DISCOVER at once.  0, or
 * -NET_EINVAL for a NULL netif.  Leaves any configured address alone until
 * a lease is bound. */
int net_dhcp_start(struct netif *nif, dhcp_cb_t cb, void *arg);
/* Stop the client; the address (if any) stays configured. */
void net_dhcp_stop(struct netif *nif);
enum dhcp_state net_dhcp_state(const struct netif *nif);
const char *net_dhcp_state_name(enum dhcp_state s);
/* The current lease: true when BOUND, RENEWING or REBINDING. */
bool net_dhcp_lease(const struct netif *nif, struct dhcp_lease *out);

#endif /* NET_DHCP_H */
