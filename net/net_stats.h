/*
 * net_stats.h - the stack's counters: one per drop reason, plus traffic
 * counts, grouped by layer.
 *
 * The list is an X-macro so the struct and net_stats_print() cannot drift
 * apart.  Every counter marked "drop" counts a frame or packet the stack
 * discarded for exactly that reason; the others count traffic or events.
 * Counters are 32-bit and wrap.
 */
#ifndef NET_NET_STATS_H
#define NET_NET_STATS_H

#include <stdint.h>

struct netif;

/* G(group) starts a group (one printed line); C(name) is one counter. */
#define NET_STATS_LIST(G, C)                                                   \
    G(link)                                                                    \
    C(rx_frames)        /* frames handed to netif_input */                     \
    C(rx_bad_buffer)    /* drop: netbuf with off + len > cap (driver bug) */   \
    C(tx_frames)        /* frames handed to ops->output */                     \
    C(tx_errors)        /* ops->output returned an error */                    \
    C(tx_link_down)     /* drop: output while the link is down */             \
    C(tx_no_headroom)   /* drop: no room to push a header */                   \
    C(no_tx_buffer)     /* drop: ops->tx_alloc returned NULL */                \
    C(tx_bad_buffer)    /* drop: tx_alloc buffer too small (driver bug) */     \
    C(rx_csum_valid)    /* frames the device vouched (DATA_VALID): L4 unsummed */ \
    C(rx_csum_partial)  /* frames with a partial L4 checksum (NEEDS_CSUM) */   \
    C(tx_csum_offload)  /* frames whose UDP checksum the driver finishes */    \
    G(eth)                                                                     \
    C(eth_runt)         /* drop: shorter than an Ethernet header */            \
    C(eth_not_for_us)   /* drop: unicast to another MAC */                     \
    C(eth_multicast)    /* drop: multicast (we join no groups) */              \
    C(eth_bad_src)      /* drop: source MAC is a group address */              \
    C(eth_unknown_type) /* drop: not IPv4 or ARP */                            \
    G(arp)                                                                     \
    C(arp_rx)                                                                  \
    C(arp_truncated)    /* drop: shorter than 28 bytes */                      \
    C(arp_bad)          /* drop: htype/ptype/hlen/plen/op/sender invalid */    \
    C(arp_not_for_us)   /* drop: target is not our address (no reply) */      \
    C(arp_conflict)     /* drop: another host claims our address */           \
    C(arp_requests_sent)                                                       \
    C(arp_replies_sent)                                                        \
    C(arp_announced)    /* gratuitous ARPs (RFC 5227 announcements) sent */    \
    C(arp_queue_dropped) /* drop: pending packet replaced by a newer one */    \
    C(arp_unresolved)   /* drop: pending packet, no reply after retries */     \
    C(arp_expired)      /* cache entries aged out */                           \
    C(arp_evicted)      /* cache entries pushed out by a full table */         \
    G(ip)                                                                      \
    C(ip_rx)                                                                   \
    C(ip_bad_version)   /* drop: version is not 4 */                           \
    C(ip_bad_hlen)      /* drop: header length < 20 */                         \
    C(ip_truncated)     /* drop: header or total length past the frame */      \
    C(ip_bad_len)       /* drop: total length < header length */               \
    C(ip_bad_checksum)  /* drop */                                             \
    C(ip_fragment)      /* drop: MF set or offset != 0 (no reassembly) */      \
    C(ip_options)       /* accepted packets whose options were skipped */      \
    C(ip_bad_src)       /* drop: source 0, broadcast, multicast, 127/8, ours */ \
    C(ip_not_for_us)    /* drop: destination is not ours or broadcast */       \
    C(ip_l2_bcast)      /* drop: ours alone, in a link-layer broadcast */      \
    C(ip_unknown_proto) /* drop: not ICMP, UDP or TCP */                       \
    C(ip_tx)                                                                   \
    C(no_route)         /* drop: no address, or off-link and no gateway */     \
    G(icmp)                                                                    \
    C(icmp_rx)                                                                 \
    C(icmp_truncated)   /* drop: shorter than its type needs */                \
    C(icmp_bad_checksum) /* drop */                                            \
    C(icmp_bad_partial) /* drop: partial checksum not at the ICMP checksum */  \
    C(icmp_unknown_type) /* drop */                                            \
    C(icmp_echo_bcast)  /* drop: echo request to a broadcast address */        \
    C(icmp_error_rx)    /* drop: error messages (unreachable etc.) received */ \
    C(icmp_echo_replied)                                                       \
    C(icmp_unreach_sent)                                                       \
    C(ping_unmatched)   /* drop: echo reply for no outstanding ping */         \
    G(udp)                                                                     \
    C(udp_rx)                                                                  \
    C(udp_truncated)    /* drop: shorter than a UDP header */                  \
    C(udp_bad_len)      /* drop: length field < 8 or past the IP payload */    \
    C(udp_bad_checksum) /* drop */                                             \
    C(udp_bad_partial)  /* drop: partial checksum not at the UDP checksum */   \
    C(udp_no_port)      /* drop: nothing bound (port unreachable sent) */     \
    C(udp_echo_bcast)   /* drop: echo request to a broadcast address */        \
    C(udp_echo_loop)    /* drop: echo request from port 0, 7, 13, 17, 19, 37 (a loop) */ \
    C(udp_echo_replied)                                                        \
    C(udp_tx)                                                                  \
    G(dhcp)                                                                    \
    C(dhcp_rx)                                                                 \
    C(dhcp_bad)         /* drop: malformed message or options */              \
    C(dhcp_not_ours)    /* drop: wrong xid or chaddr */                        \
    C(dhcp_unexpected)  /* drop: message type not expected in this state */   \
    C(dhcp_nak)         /* NAKs received (each restarts discovery) */          \
    C(dhcp_tx)                                                                 \
    C(dhcp_bound)       /* leases obtained or renewed */                       \
    C(dhcp_lease_lost)  /* leases lost by NAK or expiry */                    \
    C(dhcp_mtu_ignored) /* ACKs whose interface MTU (26) was bad: length, < 68 */ \
    G(tcp)                                                                     \
    C(tcp_rx)                                                                  \
    C(tcp_truncated)    /* drop: shorter than a TCP header */                  \
    C(tcp_bad_checksum) /* drop */                                             \
    C(tcp_bad_partial)  /* drop: partial checksum not at the TCP checksum */   \
    C(tcp_bad_offset)   /* drop: data offset < 5 or past the segment */        \
    C(tcp_bad_options)  /* drop: option length < 2 or past the header */       \
    C(tcp_bad_flags)    /* drop: SYN+FIN, SYN+RST, no ACK/SYN/RST */           \
    C(tcp_bcast)        /* drop: to a broadcast address */                     \
    C(tcp_bad_port)     /* drop: port 0 */                                     \
    C(tcp_no_port)      /* drop: no connection or listener (RST sent) */       \
    C(tcp_state_drop)   /* drop: not valid in the state (LISTEN, SYN-SENT) */  \
    C(tcp_syn_dropped)  /* drop: SYN, no free connection */                    \
    C(tcp_syn_evicted)  /* half-open connections evicted by a new SYN */       \
    C(tcp_tw_recycled)  /* TIME-WAIT connections reused for a new one */       \
    C(tcp_out_of_window) /* drop: sequence not acceptable (ACK sent) */        \
    C(tcp_bad_ack)      /* drop: ACK of unsent data or too old */              \
    C(tcp_rst_ignored)  /* drop: RST out of window or unacceptable */          \
    C(tcp_challenge_ack) /* RFC 5961 challenge ACKs sent */                    \
    C(tcp_challenge_limited) /* drop: challenge ACK over the rate limit */     \
    C(tcp_ooo_queued)   /* out-of-order segments kept */                       \
    C(tcp_ooo_dropped)  /* drop: out of order, no range free */                \
    C(tcp_tx)                                                                  \
    C(tcp_rst_sent)                                                            \
    C(tcp_retransmits)  /* retransmission timeouts */                         \
    C(tcp_fast_retransmits)                                                    \
    C(tcp_persist_probes)                                                      \
    C(tcp_timeouts)     /* connections given up after retransmissions */      \
    C(tcp_fin_wait2_timeouts) /* FIN-WAIT-2 left after TCP_FIN_WAIT2_MS of silence */ \
    C(tcp_idle_timeouts) /* reset after tcp_set_idle_timeout's silence */        \
    C(tcp_accepted)                                                            \
    C(tcp_connected)                                                           \
    C(tcp_conn_reset)   /* connections ended by a RST received */

#define NET_STATS_GROUP_NONE_(g)
#define NET_STATS_FIELD_(n) uint32_t n;
struct net_stats {
    NET_STATS_LIST(NET_STATS_GROUP_NONE_, NET_STATS_FIELD_)
};

/*
 * One line per group, "<group>: name=value name=value ...", each passed to
 * print() without a trailing newline.  Lines are at most NET_STATS_LINE_MAX
 * characters; a group that would not fit continues on another line with the
 * same prefix.
 */
#define NET_STATS_LINE_MAX 160
void net_stats_print(const struct netif *nif, void (*print)(const char *line));

#endif /* NET_NET_STATS_H */
