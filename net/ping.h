/*
 * ping.h - an ICMP echo client (one session per netif).
 *
 * net_ping_start() schedules `count` echo requests of `size` data bytes,
 * one every `interval_ms`, the first at the next net_tick().  Each reply, each
 * timeout (no reply within `timeout_ms` of its request) and the end of the
 * session are reported to the callback.  RTTs are in microseconds: from the
 * net_set_clock() hook when one is set, otherwise from net_tick()'s
 * millisecond clock (so only as fine as the tick).  The first request may
 * wait for ARP; its RTT includes that.
 *
 * Usage (the firmware pings its gateway at boot):
 *     static void on_ping(void *arg, const struct ping_result *r)
 *     {
 *         if (r->event == PING_EV_REPLY) print("reply seq %u time %u us", ...);
 *         if (r->event == PING_EV_DONE)  print("%u/%u received", r->received, r->sent);
 *     }
 *     net_ping_start(nif, nif->ipv4.gw, 3, 56, 1000, 1000, on_ping, NULL);
 */
#ifndef NET_PING_H
#define NET_PING_H

#include <stdbool.h>
#include <stdint.h>

/* Requests remembered at once; one whose slot is reused is a timeout. */
#define PING_SLOTS 8
#define PING_MAX_SIZE 1472u /* NETIF_MTU - IPv4 header - ICMP header */

enum ping_event {
    PING_EV_REPLY,   /* a reply for seq arrived; rtt_us is set */
    PING_EV_TIMEOUT, /* no reply for seq within the timeout */
    PING_EV_DONE,    /* all sent and answered or timed out; totals final */
};

struct ping_result {
    enum ping_event event;
    uint32_t dst;
    uint16_t seq;
    uint16_t size;
    uint32_t rtt_us;      /* this reply (PING_EV_REPLY) */
    uint16_t sent;
    uint16_t received;
    uint32_t rtt_min_us;  /* over the replies so far; 0 when none */
    uint32_t rtt_avg_us;
    uint32_t rtt_max_us;
};

typedef void (*ping_cb_t)(void *arg, const struct ping_result *r);

struct ping_slot {
    bool pending;
    uint16_t seq;
    uint64_t sent_ms;
    uint64_t sent_us;
};

struct ping_client {
    bool active;
    uint16_t id;          /* echo identifier of this session (random) */
    uint32_t dst;
    uint16_t count, size, sent, received, next_seq;
    uint32_t interval_ms, timeout_ms;
    uint64_t next_ms;
    uint64_t rtt_sum_us;
    uint32_t rtt_min_us, rtt_max_us;
    struct ping_slot slot[PING_SLOTS];
    ping_cb_t cb;
    void *arg;
};

struct netif;

/* 0, or -NET_EBUSY (a session is running), -NET_EINVAL (count 0, size >
 * PING_MAX_SIZE or beyond the link's MTU - 28, dst 0/broadcast/multicast,
 * interval or timeout 0). */
int net_ping_start(struct netif *nif, uint32_t dst, uint16_t count, uint16_t size,
                   uint32_t interval_ms, uint32_t timeout_ms, ping_cb_t cb, void *arg);
/* End the session without a PING_EV_DONE. */
void net_ping_stop(struct netif *nif);
bool net_ping_active(const struct netif *nif);

#endif /* NET_PING_H */
