/*
 * netif.h - the network interface: the seam between a link driver
 * (virtio-net) and the IPv4 stack (Ethernet, ARP, IPv4, ICMP, UDP, DHCP,
 * and TCP: tcp.h).
 *
 * Threading: the stack is single-threaded and not reentrant.  Call
 * netif_input(), net_tick() and every other net_* / netif_* function from
 * one context - the firmware's main loop - never from an interrupt handler.
 * A driver's interrupt handler only acknowledges the device and sets a flag;
 * the main loop then drains the RX queue into netif_input().
 *
 * The stack calls the driver back through netif_ops from inside those calls
 * (output() may happen during netif_input(), e.g. for an echo reply); the
 * driver must not call netif_input() from output() or tx_alloc().
 *
 * Memory: no allocation.  All state (ARP cache, UDP bindings, DHCP and ping
 * client) lives in struct netif, sized at compile time.
 *
 * Several NICs: one struct netif each; they share only the random source
 * and the clock.  A reply leaves by the netif its request came in on;
 * net_route() (route.h) picks the netif for what the firmware starts
 * itself (ping, sendto).  Packets are netbufs
 * owned by the driver (see netbuf.h); the stack never copies a received
 * frame (TCP copies only the payload, into its receive ring) and sends
 * replies to ICMP echo and UDP echo in the received buffer.
 *
 * Usage:
 *     static struct netif nif;
 *     static const struct netif_ops ops = { .output = drv_output,
 *                                           .tx_alloc = drv_tx_alloc };
 *     net_seed_random(seed_from_rng_or_clock);   // or net_set_random(fn)
 *     net_set_clock(now_us);                     // optional, for ping RTTs
 *     netif_init(&nif, mac, &ops, drv);
 *     nif.offload = NETIF_OFFLOAD_TX_CSUM;       // only if the driver finishes
 *                                                // NETBUF_CSUM_PARTIAL frames
 *     netif_set_link(&nif, true);                // link up (virtio: at once)
 *     struct net_ipcfg cfg;                      // from ip= in bootargs
 *     if (net_parse_ip_arg(bootargs, &cfg) < 0) ... print net_ipcfg_strerror()
 *     net_ipcfg_apply(&nif, &cfg, on_dhcp, NULL); // static address or DHCP
 *     for (;;) {
 *         while ((nb = drv_rx_next(drv)) != NULL)
 *             netif_input(&nif, nb);             // the stack releases nb
 *         net_tick(&nif, now_ms());              // every 10-100 ms
 *         wait_for_interrupt();
 *     }
 */
#ifndef NET_NETIF_H
#define NET_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arp.h"
#include "dhcp.h"
#include "net_stats.h"
#include "netbuf.h"
#include "ping.h"
#include "udp.h"

/* Bytes a driver needs before the Ethernet header (virtio-net header: 10 or
 * 12).  tx_alloc buffers must have at least this much headroom. */
#define NETIF_HEADROOM 32
#define NETIF_MTU 1500
#define NETIF_MTU_MIN 68 /* RFC 791: every link carries a 68-byte datagram */
/* An Ethernet frame without FCS: header + MTU. */
#define NETIF_FRAME_MAX (NETIF_MTU + 14)

/* Error codes, returned negated. */
#define NET_EINVAL 1
#define NET_EBUSY 2
#define NET_ENOBUFS 3
#define NET_ENOROUTE 4
#define NET_EADDRINUSE 5
#define NET_ENOMEM 6
#define NET_ENOENT 7
#define NET_ELINKDOWN 8
/* A few words for a code above, negated as returned or not: "link down",
 * ...; "ok" for 0, "unknown error" for anything else (net/neterr.c). */
const char *net_strerror(int err);

struct netif;

struct netif_ops {
    /* Transmit the frame (starting at the Ethernet header; nb->off leaves
     * room for the driver's own header; csum_flags says whether the driver
     * must finish a checksum, see netbuf.h).  Always takes ownership: the
     * driver releases the buffer after transmission or on error.  0 or
     * negative. */
    int (*output)(struct netif *nif, struct netbuf *nb);
    /* A free TX buffer with off >= NETIF_HEADROOM, room for NETIF_FRAME_MAX
     * bytes after off, and len 0; NULL when none (counted as a drop). */
    struct netbuf *(*tx_alloc)(struct netif *nif);
};

/* What the driver does for the stack (netif.offload; netbuf.h has the
 * per-frame metadata).  NETIF_OFFLOAD_TX_CSUM: it finishes the transport
 * checksum of a frame marked NETBUF_CSUM_PARTIAL (virtio-net with
 * VIRTIO_NET_F_CSUM), so the stack hands it the UDP checksums it computes
 * (sendto, UDP echo) instead of summing the payload.  Receive needs no
 * flag: the driver marks each frame. */
#define NETIF_OFFLOAD_TX_CSUM 0x01u

struct netif {
    _Alignas(2) uint8_t mac[6]; /* 2-aligned: eth_addr_eq() compares halfwords */
    uint16_t mtu;           /* the largest IP packet sent, 68..NETIF_MTU: min(mtu_dev, mtu_cfg) */
    uint16_t mtu_dev;       /* the driver's limit (netif_set_mtu) */
    uint16_t mtu_cfg;       /* the network's, as configured (netif_set_mtu_cfg; DHCP option
                             * 26); 0 = none */
    bool link_up;
    bool udp_echo;          /* port-7 echo service on */
    uint8_t offload;        /* NETIF_OFFLOAD_*: set by the driver's glue after netif_init */
    const struct netif_ops *ops;
    void *driver;           /* for the driver's use */
    struct {
        uint32_t addr;      /* host order; 0 = none */
        uint32_t netmask;
        uint32_t gw;        /* 0 = none: only on-link destinations */
    } ipv4;
    uint16_t ip_id;         /* next IPv4 identification */
    uint64_t now_ms;        /* time of the latest net_tick() */
    struct net_stats stats;
    struct arp_entry arp[ARP_TABLE_SIZE];
    uint64_t arp_due;      /* arp_tick() has nothing to do before this */
    struct udp_binding udp[UDP_MAX_BINDINGS];
    struct dhcp_client dhcp;
    struct ping_client ping;
    struct tcp_stack *tcp;  /* tcp_init() (tcp.h) attaches one; NULL: every TCP port closed */
};

/* Zero the netif and set its MAC and driver; link down, no address, UDP
 * echo on, DHCP off. */
void netif_init(struct netif *nif, const uint8_t mac[6], const struct netif_ops *ops,
                void *driver);

/* A received frame starting at the Ethernet header, its csum_flags set
 * (netbuf.h; 0 when the driver knows nothing).  The stack takes
 * ownership: it calls netbuf_release() when done, or reuses the buffer for
 * a reply (ICMP echo, UDP echo, ARP reply) and passes it to ops->output,
 * after which the driver releases it. */
void netif_input(struct netif *nif, struct netbuf *nb);

/* Give back every buffer the stack holds (the packets waiting for ARP) and
 * empty the ARP cache.  For a driver about to reset its device or free its
 * buffers; the stack stays usable. */
void netif_flush(struct netif *nif);

/* Link state.  Going up with an address configured sends a gratuitous ARP
 * (RFC 5227 announcement).  While down, every transmission is dropped
 * (stats.tx_link_down). */
void netif_set_link(struct netif *nif, bool up);

/* Tell the link's peers where we are now - after a live migration or a
 * snapshot restore, when the device asks (virtio-net's
 * VIRTIO_NET_F_GUEST_ANNOUNCE): a gratuitous ARP for the address (RFC 5227
 * 2.3 announcement: sender and target address ours, broadcast), one per
 * configured address (an interface has one).  Nothing without an address
 * or with the link down (or no buffer).  Returns whether one was sent (stats.arp_announced
 * counts every announcement, those of netif_set_link/_set_ipv4 too). */
bool netif_announce(struct netif *nif);

/* The link MTU, nif->mtu, is the smaller of two limits, each owned by one
 * party: the device's, which the driver's glue sets with netif_set_mtu()
 * (virtio-net: VIRTIO_NET_F_MTU; at the start and after every device
 * re-initialisation), and the network's, which address configuration sets
 * with netif_set_mtu_cfg() (DHCP: the Interface MTU option, RFC 2132 5.1;
 * removed with the lease).  Neither knows of the other, and neither can
 * raise the MTU above what the other allows.  netif_init() sets the device
 * limit to NETIF_MTU and no configured one.
 *
 * The stack sends no IP packet larger than nif->mtu: UDP sendto and ping
 * refuse a bigger payload; TCP offers an MSS of mtu - 40 on its SYNs, and
 * every segment it sends, a retransmission too, carries at most the
 * current mtu - 40 bytes (tcp.h: the MTU may fall under an open
 * connection); and a datagram echoed or answered that would be larger is
 * dropped by the driver (virtio-net: stats.tx_too_long). */

/* The device's limit, clamped to 68..NETIF_MTU. */
void netif_set_mtu(struct netif *nif, unsigned mtu);
/* The network's limit: 0 removes it; others are clamped to 68..NETIF_MTU
 * (one above the device's leaves the device's in force). */
void netif_set_mtu_cfg(struct netif *nif, unsigned mtu);

/* Configure (or, with addr 0, remove) the IPv4 address.  Host order.  With
 * the link up and addr != 0 a gratuitous ARP announces it. */
void netif_set_ipv4(struct netif *nif, uint32_t addr, uint32_t netmask, uint32_t gw);

/* Run timers: ARP retry/ageing, DHCP retransmission/renewal, ping.  Call
 * every 10-100 ms with a monotonic millisecond clock (a clock that goes
 * backwards is ignored until it catches up). */
void net_tick(struct netif *nif, uint64_t now_ms);

/* Randomness for DHCP transaction ids, retransmission jitter and random
 * MACs.  net_set_random() installs a source (e.g. virtio-rng or a hardware
 * RNG; NULL restores the default); otherwise a small PRNG (xorshift32) is
 * used, which net_seed_random() seeds - seed it from something that differs
 * between boots (a clock, the MAC).  Not cryptographic. */
void net_set_random(uint32_t (*fn)(void));
void net_seed_random(uint32_t seed);
uint32_t net_random(void);
/* A random locally administered unicast MAC (for a NIC without its own). */
void net_random_mac(uint8_t mac[6]);

/* An optional microsecond clock for ping RTTs and TCP's timers (NULL: use
 * net_tick's ms).  The stack reads it at most once per received TCP
 * segment and per net_tick, and keeps that reading for the rest of it. */
void net_set_clock(uint64_t (*now_us)(void));

/* Dotted-quad text for a host-order address, in buf (16 bytes); returns buf. */
char *net_ip4_str(uint32_t addr, char buf[16]);
/* Number of leading one bits of a netmask (24 for 255.255.255.0). */
unsigned net_ip4_prefix_len(uint32_t netmask);

#endif /* NET_NETIF_H */
