/*
 * ip4.c - IPv4 receive and transmit (RFC 791, host requirements from
 * RFC 1122 3.2.1).
 *
 * Receive checks in lwIP's order: version, header length, header fits,
 * total length fits (then the link-layer padding is trimmed), header
 * checksum, then fragments, source, destination and protocol.  Options are
 * accepted and skipped (counted in ip_options): none of them matter to an
 * end host that neither routes nor records routes.  Fragments are dropped:
 * no reassembly, so nothing larger than the MTU can be received.
 *
 * Transmit: TTL 64, DF clear, no options.  Route: limited or subnet
 * broadcast goes to the Ethernet broadcast address; an on-link destination
 * ((dst & mask) == (addr & mask)) is resolved directly, anything else via
 * the gateway; no address, no gateway for an off-link destination, or a
 * loopback (127/8) destination, which never leaves a host, is a drop
 * counted in no_route.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_priv.h"
#include "prot/be.h"
#include "prot/ethernet.h"
#include "prot/ip4.h"
#include "prot/udp.h"

static void ip4_fill(struct netif *nif, struct ip4_hdr *h, uint16_t total, uint32_t src,
                     uint32_t dst, uint8_t proto)
{
    uint16_t id = nif->ip_id++;
    h->vhl = IP4_VHL_DEFAULT;
    h->tos = 0;
    put_be16(h->len, total);
    put_be16(h->id, id);
    put_be16(h->frag, 0);
    h->ttl = IP4_DEFAULT_TTL;
    h->proto = proto;
    put_be32(h->src, src);
    put_be32(h->dst, dst);
    /* The header's ten 16-bit words, summed from the values just written
     * (tos, frag and the checksum itself are 0) rather than read back. */
    uint32_t sum = (uint32_t)IP4_VHL_DEFAULT << 8;
    sum += (uint32_t)total + id + ((uint32_t)IP4_DEFAULT_TTL << 8 | proto);
    sum += (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu);
    put_be16(h->chksum, net_fold(sum));
    nif->stats.ip_tx++;
}

int ip4_output(struct netif *nif, struct netbuf *nb, uint32_t src, uint32_t dst, uint8_t proto)
{
    uint32_t nexthop;

    if (!netbuf_push(nb, IP4_HLEN)) {
        nif->stats.tx_no_headroom++;
        netbuf_release(nb);
        return -NET_ENOBUFS;
    }
    if (net_ip4_is_bcast(nif, dst)) {
        ip4_fill(nif, (struct ip4_hdr *)netbuf_data(nb), nb->len, src, dst, proto);
        return eth_output(nif, nb, net_eth_broadcast, ETHTYPE_IPV4);
    }
    if (nif->ipv4.addr == 0 || dst == 0 || IP4_IS_MULTICAST(dst) || (dst >> 24) == 127) {
        /* (127/8 never leaves a host: RFC 1122 3.2.1.3 (g)) */
        nexthop = 0;
    } else if ((dst & nif->ipv4.netmask) == (nif->ipv4.addr & nif->ipv4.netmask)) {
        nexthop = dst;
    } else {
        nexthop = nif->ipv4.gw;
    }
    if (nexthop == 0) {
        nif->stats.no_route++;
        netbuf_release(nb);
        return -NET_ENOROUTE;
    }
    ip4_fill(nif, (struct ip4_hdr *)netbuf_data(nb), nb->len, src, dst, proto);
    return arp_output(nif, nb, nexthop);
}

/* Answer in the received buffer (nb starts at the transport header, which
 * the caller has rewritten): a fresh option-less header from us back to the
 * sender, sent to the MAC the request came from.  Replying to the link
 * sender rather than routing needs no ARP round trip and never parks an RX
 * buffer in the ARP queue; for an off-link peer that MAC is the router's. */
int ip4_reply(struct netif *nif, struct netbuf *nb, const struct net_rx *rx, uint8_t proto)
{
    if (!netbuf_push(nb, IP4_HLEN)) {
        nif->stats.tx_no_headroom++;
        netbuf_release(nb);
        return -NET_ENOBUFS;
    }
    ip4_fill(nif, (struct ip4_hdr *)netbuf_data(nb), nb->len, nif->ipv4.addr, rx->src, proto);
    return eth_output(nif, nb, rx->eth_src, ETHTYPE_IPV4);
}

/* A DHCP reply may come to the address being offered before we have it. */
static bool ip4_is_dhcp_reply(const struct netif *nif, const uint8_t *l4, uint16_t l4len,
                              uint8_t proto)
{
    return proto == IP4_PROTO_UDP && l4len >= UDP_HLEN && dhcp_accepts_any_dst(nif) &&
           get_be16(((const struct udp_hdr *)l4)->dport) == UDP_PORT_DHCP_CLIENT;
}

void ip4_input(struct netif *nif, struct netbuf *nb, struct net_rx *rx)
{
    const struct ip4_hdr *h;
    const uint8_t *p;
    uint16_t hlen, total, frag;

    nif->stats.ip_rx++;
    p = netbuf_data(nb);
    if (nb->len < 1) {
        nif->stats.ip_truncated++;
        goto drop;
    }
    if (p[0] >> 4 != IP4_VERSION) {
        nif->stats.ip_bad_version++;
        goto drop;
    }
    hlen = (uint16_t)((p[0] & 0x0fu) * 4u);
    if (hlen < IP4_HLEN) {
        nif->stats.ip_bad_hlen++;
        goto drop;
    }
    if (hlen > nb->len) {
        nif->stats.ip_truncated++;
        goto drop;
    }
    h = (const struct ip4_hdr *)p;
    total = get_be16(h->len);
    if (total < hlen) {
        nif->stats.ip_bad_len++;
        goto drop;
    }
    if (total > nb->len) {
        nif->stats.ip_truncated++;
        goto drop;
    }
    netbuf_trim(nb, total);
    if (net_fold(net_sum(p, hlen, 0)) != 0) {
        nif->stats.ip_bad_checksum++;
        goto drop;
    }
    frag = get_be16(h->frag);
    if (frag & (IP4_FLAG_MF | IP4_OFFMASK)) {
        nif->stats.ip_fragment++;
        goto drop;
    }
    rx->src = get_be32(h->src);
    rx->dst = get_be32(h->dst);
    /* RFC 1122 3.2.1.3: a source must name one host, and 127/8 "MUST NOT
     * appear outside a host" (an answer would put it on the wire).  Nor
     * our own address: a forged "LAND" segment, or our own datagram
     * reflected back (Linux's martian source check drops it too). */
    if (rx->src == 0 || IP4_IS_MULTICAST(rx->src) || net_ip4_is_bcast(nif, rx->src) ||
        (rx->src >> 24) == 127 || rx->src == nif->ipv4.addr) {
        nif->stats.ip_bad_src++;
        goto drop;
    }
    rx->ip_bcast = net_ip4_is_bcast(nif, rx->dst);
    if (!rx->ip_bcast && !(nif->ipv4.addr != 0 && rx->dst == nif->ipv4.addr) &&
        !ip4_is_dhcp_reply(nif, p + hlen, (uint16_t)(total - hlen), h->proto)) {
        nif->stats.ip_not_for_us++;
        goto drop;
    }
    /* RFC 1122 3.3.6: a datagram that came in a link-layer broadcast but
     * names one host is discarded (a misaddressed frame every host on the
     * link sees: one answer from each would follow).  Not a DHCP reply:
     * a server may broadcast the frame of an offer to the address it
     * offers. */
    if (rx->l2_bcast && !rx->ip_bcast &&
        !(h->proto == IP4_PROTO_UDP && total - hlen >= UDP_HLEN &&
          get_be16(((const struct udp_hdr *)(const void *)(p + hlen))->dport) == UDP_PORT_DHCP_CLIENT)) {
        nif->stats.ip_l2_bcast++;
        goto drop;
    }
    if (hlen > IP4_HLEN)
        nif->stats.ip_options++;
    rx->ip_hdr = p;
    rx->ip_hlen = hlen;
    netbuf_pull(nb, hlen);
    switch (h->proto) {
    case IP4_PROTO_ICMP:
        icmp_input(nif, nb, rx);
        return;
    case IP4_PROTO_UDP:
        udp_input(nif, nb, rx);
        return;
    case IP4_PROTO_TCP:
        /* One clock reading for the segment (TCP asks several times). */
        net_clock_hold();
        tcp_input(nif, nb, rx);
        net_clock_release();
        return;
    default:
        nif->stats.ip_unknown_proto++;
        goto drop;
    }
drop:
    netbuf_release(nb);
}
