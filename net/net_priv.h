/*
 * net_priv.h - what the stack's layers call in each other.  Not API: the
 * firmware and drivers include netif.h (and ipcfg.h) only.
 *
 * Receive path: netif_input (Ethernet) -> arp_input | ip4_input ->
 * icmp_input | udp_input -> dhcp_input | echo | bound callback.  Each layer
 * validates its header, pulls it off the netbuf and passes what the upper
 * layers need in struct net_rx.  Whoever ends the path releases the buffer
 * or hands it to eth_output for an in-place reply.
 *
 * Transmit path: net_tx_alloc (headroom reserved) -> payload written ->
 * udp_output / icmp -> ip4_output (route) -> arp_output (resolve or queue)
 * -> eth_output -> ops->output.  Every *_output takes ownership of the
 * buffer, whatever it returns.
 */
#ifndef NET_NET_PRIV_H
#define NET_NET_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netif.h"

/* Facts about a received packet gathered on the way up. */
struct net_rx {
    uint8_t eth_src[6];    /* copied: the header may be overwritten by a reply */
    bool l2_bcast;
    const uint8_t *ip_hdr; /* into the buffer, valid until it is released */
    uint16_t ip_hlen;
    uint32_t src, dst;     /* IPv4, host order */
    bool ip_bcast;         /* dst is 255.255.255.255 or the subnet broadcast */
    /* The frame's checksum metadata (netbuf.h), kept here because
     * netif_input clears it in the buffer, which may carry a reply: a
     * reply is offloaded only when the layer that builds it says so. */
    uint8_t l4_csum;       /* NETBUF_CSUM_VALID, NETBUF_CSUM_PARTIAL or 0 */
    uint16_t csum_start;   /* with NETBUF_CSUM_PARTIAL: offset in the buffer */
    uint16_t csum_offset;
};

extern const uint8_t net_eth_broadcast[6];

/* Internet checksum (RFC 1071): net_sum accumulates 16-bit big-endian words
 * (an odd tail byte is the high half of a word), net_fold folds the carries
 * and complements.  A message whose checksum field is right sums to 0. */
uint32_t net_sum(const uint8_t *p, size_t len, uint32_t sum);
uint16_t net_fold(uint32_t sum);
/* RFC 1624 incremental update: the checksum after one 16-bit word of the
 * checksummed data changed from old_word to new_word (ones'-complement
 * arithmetic, so the result is exactly what a full recomputation gives, up to
 * the equivalent encodings 0x0000/0xffff). */
uint16_t net_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);
uint32_t net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);
/* May the transport layer whose header starts at nb's data, with its
 * checksum field at field_off, skip summing (true: the device verified it
 * or vouched for a partial one)?  A partial checksum anywhere else than
 * that field is counted in *bad_partial and the packet is to be dropped
 * (returns false with *drop set). */
bool net_l4_csum_trusted(const struct netbuf *nb, const struct net_rx *rx, uint16_t field_off,
                         uint32_t *bad_partial, bool *drop);

/* A TX buffer from the driver with `reserve` bytes of headroom kept for the
 * headers to be pushed (Ethernet included) beyond NETIF_HEADROOM; data is
 * empty and at least NETIF_FRAME_MAX - reserve bytes may be written. */
struct netbuf *net_tx_alloc(struct netif *nif, uint16_t reserve);
int eth_output(struct netif *nif, struct netbuf *nb, const uint8_t dst[6], uint16_t type);

bool net_ip4_is_bcast(const struct netif *nif, uint32_t a);
/* A unicast address a host may own: not in 0/8, 127/8, multicast, class E
 * or 255.255.255.255. */
bool net_ip4_usable(uint32_t a);
/* Non-zero and contiguous (ones then zeros). */
bool net_ip4_mask_valid(uint32_t m);
/* The pre-CIDR default for an address (A /8, B /16, C /24). */
uint32_t net_ip4_classful_mask(uint32_t a);
/* The clock (net_set_clock's hook, else net_tick's milliseconds).  Between
 * net_clock_hold() and net_clock_release() (they nest) the hook is read at
 * most once and every call returns that reading (netif.c).  The held
 * reading is one process-wide state, shared by every interface: like the
 * rest of the stack (netif.h, Threading) it is for one context only. */
uint64_t net_now_us(const struct netif *nif);
uint64_t net_now_ms(const struct netif *nif);
void net_clock_hold(void);
void net_clock_release(void);

void arp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx);
int arp_output(struct netif *nif, struct netbuf *nb, uint32_t nexthop);
bool arp_announce(struct netif *nif); /* false: no buffer */
void arp_tick(struct netif *nif);

void ip4_input(struct netif *nif, struct netbuf *nb, struct net_rx *rx);
int ip4_output(struct netif *nif, struct netbuf *nb, uint32_t src, uint32_t dst, uint8_t proto);
int ip4_reply(struct netif *nif, struct netbuf *nb, const struct net_rx *rx, uint8_t proto);

void icmp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx);
void icmp_port_unreach(struct netif *nif, const struct net_rx *rx);
void ping_input(struct netif *nif, uint32_t src, const uint8_t *msg, uint16_t len);
void ping_tick(struct netif *nif);

void udp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx);
void tcp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx);
void tcp_tick(struct netif *nif);
int udp_output(struct netif *nif, struct netbuf *nb, uint32_t src, uint32_t dst,
               uint16_t sport, uint16_t dport);

bool dhcp_accepts_any_dst(const struct netif *nif);
void dhcp_input(struct netif *nif, const struct net_rx *rx, uint16_t sport,
                const uint8_t *msg, uint16_t len);
void dhcp_tick(struct netif *nif);

#endif /* NET_NET_PRIV_H */
