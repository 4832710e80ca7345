/*
 * udp.c - UDP (RFC 768): receive with checksum verification, a table of
 * bound ports, sendto, and the echo service (RFC 862) answered in place.
 *
 * A checksum of 0 on receive means the sender computed none (allowed over
 * IPv4) and is accepted; we always send one (0 is sent as 0xffff).  The
 * length field must be at least 8 and may be shorter than the IP payload
 * (the rest is trimmed as padding) but not longer.
 *
 * Checksum offload (netbuf.h): a datagram the driver marks VALID is not
 * summed; one marked PARTIAL (its checksum field holds only the
 * pseudo-header sum - what the host's own sockets send over a TAP) is
 * accepted unsummed when the partial checksum is this header's field, and
 * dropped (udp_bad_partial) otherwise.  Every datagram we send carries a
 * complete checksum, or, when the netif finishes checksums
 * (NETIF_OFFLOAD_TX_CSUM), the pseudo-header sum and NETBUF_CSUM_PARTIAL.
 * An echo keeps the request's checksum (swapping addresses and ports does
 * not change it) only when this stack verified it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_priv.h"
#include "prot/be.h"
#include "prot/ethernet.h"
#include "prot/ip4.h"
#include "prot/udp.h"

int net_udp_bind(struct netif *nif, uint16_t port, udp_recv_fn fn, void *arg)
{
    struct udp_binding *free_slot = NULL;
    size_t i;

    if (port == 0 || fn == NULL)
        return -NET_EINVAL;
    for (i = 0; i < UDP_MAX_BINDINGS; i++) {
        struct udp_binding *b = &nif->udp[i];
        if (b->port == port)
            return -NET_EADDRINUSE;
        if (b->port == 0 && free_slot == NULL)
            free_slot = b;
    }
    if (free_slot == NULL)
        return -NET_ENOMEM;
    free_slot->port = port;
    free_slot->fn = fn;
    free_slot->arg = arg;
    return 0;
}

int net_udp_unbind(struct netif *nif, uint16_t port)
{
    size_t i;

    for (i = 0; port != 0 && i < UDP_MAX_BINDINGS; i++) {
        if (nif->udp[i].port == port) {
            memset(&nif->udp[i], 0, sizeof(nif->udp[i]));
            return 0;
        }
    }
    return -NET_ENOENT;
}

void net_udp_echo_enable(struct netif *nif, bool on)
{
    nif->udp_echo = on;
}

static void udp_set_chksum(uint8_t *u, uint16_t ulen, uint32_t src, uint32_t dst)
{
    uint16_t c;

    put_be16(((struct udp_hdr *)u)->chksum, 0);
    c = net_fold(net_sum(u, ulen, net_pseudo_sum(src, dst, IP4_PROTO_UDP, ulen)));
    put_be16(((struct udp_hdr *)u)->chksum, c ? c : 0xffffu);
}

/* The checksum of the datagram at nb's data (nb->len bytes): complete, or
 * left to the driver when it offers to finish it. */
static void udp_csum_out(struct netif *nif, struct netbuf *nb, uint32_t src, uint32_t dst)
{
    struct udp_hdr *u = (struct udp_hdr *)netbuf_data(nb);

    if (nif->offload & NETIF_OFFLOAD_TX_CSUM) {
        /* The pseudo-header sum, folded, not complemented: the device adds
         * the header and payload to it and stores the complement. */
        put_be16(u->chksum, (uint16_t)~net_fold(net_pseudo_sum(src, dst, IP4_PROTO_UDP, nb->len)));
        nb->csum_flags = NETBUF_CSUM_PARTIAL;
        nb->csum_start = nb->off;
        nb->csum_offset = (uint16_t)offsetof(struct udp_hdr, chksum);
        nif->stats.tx_csum_offload++;
    } else {
        udp_set_chksum(netbuf_data(nb), nb->len, src, dst);
        nb->csum_flags = 0;
    }
}

int udp_output(struct netif *nif, struct netbuf *nb, uint32_t src, uint32_t dst,
               uint16_t sport, uint16_t dport)
{
    struct udp_hdr *u;

    if (!netbuf_push(nb, UDP_HLEN)) {
        nif->stats.tx_no_headroom++;
        netbuf_release(nb);
        return -NET_ENOBUFS;
    }
    u = (struct udp_hdr *)netbuf_data(nb);
    put_be16(u->sport, sport);
    put_be16(u->dport, dport);
    put_be16(u->len, nb->len);
    udp_csum_out(nif, nb, src, dst);
    nif->stats.udp_tx++;
    return ip4_output(nif, nb, src, dst, IP4_PROTO_UDP);
}

int net_udp_sendto(struct netif *nif, uint16_t src_port, uint32_t dst_ip, uint16_t dst_port,
                   const void *data, size_t len)
{
    struct netbuf *nb;

    if (len > UDP_MAX_PAYLOAD || len > (size_t)nif->mtu - IP4_HLEN - UDP_HLEN || (data == NULL && len > 0) ||
        dst_port == 0)
        return -NET_EINVAL;
    nb = net_tx_alloc(nif, ETH_HLEN + IP4_HLEN + UDP_HLEN);
    if (nb == NULL)
        return -NET_ENOBUFS;
    if (len)
        memcpy(netbuf_data(nb), data, len);
    nb->len = (uint16_t)len;
    return udp_output(nif, nb, nif->ipv4.addr, dst_ip, src_port, dst_port);
}

/* Source ports the echo does not answer: 0, and the small services that
 * answer any datagram (RFC 862, 867, 865, 864, 868). */
#define UDP_ECHO_LOOP_PORTS                                                                        \
    ((1ull << 0) | (1ull << UDP_PORT_ECHO) | (1ull << 13) | (1ull << 17) | (1ull << 19) | (1ull << 37))

static void udp_echo(struct netif *nif, struct netbuf *nb, const struct net_rx *rx, bool verified)
{
    struct udp_hdr *u = (struct udp_hdr *)netbuf_data(nb);
    uint8_t port[2];
    uint16_t sport = get_be16(u->sport);

    if (rx->ip_bcast) {
        nif->stats.udp_echo_bcast++;
        netbuf_release(nb);
        return;
    }
    /* An echo to a service that answers every datagram - another echo,
     * daytime (13), quote of the day (17), chargen (19), time (37) - is
     * answered, and the answer echoed, for ever: one datagram forged from
     * such a server starts a flood between it and us (CVE-1999-0103).
     * One compare for the usual (ephemeral) port. */
    if (sport < 64 && (UDP_ECHO_LOOP_PORTS >> sport & 1u)) {
        nif->stats.udp_echo_loop++;
        netbuf_release(nb);
        return;
    }
    /* Bytewise: two-byte memcpy()s of unknown alignment are calls on arm. */
    port[0] = u->sport[0];
    port[1] = u->sport[1];
    u->sport[0] = u->dport[0];
    u->sport[1] = u->dport[1];
    u->dport[0] = port[0];
    u->dport[1] = port[1];
    /* Swapping the addresses and the ports reorders the words the checksum
     * adds up, which leaves it unchanged (RFC 1071), as long as the reply
     * leaves from the address the request came to and the request carried
     * one that we verified; otherwise compute it (a reply always carries a
     * checksum): a partial one copied back would be wrong on the wire, and
     * one the device vouched for we have not seen to be right. */
    if (!verified || rx->dst != nif->ipv4.addr || get_be16(u->chksum) == 0)
        udp_csum_out(nif, nb, nif->ipv4.addr, rx->src);
    nif->stats.udp_echo_replied++;
    nif->stats.udp_tx++;
    ip4_reply(nif, nb, rx, IP4_PROTO_UDP);
}

void udp_input(struct netif *nif, struct netbuf *nb, const struct net_rx *rx)
{
    const struct udp_hdr *u;
    const uint8_t *p = netbuf_data(nb);
    uint16_t ulen, sport, dport;
    size_t i;

    nif->stats.udp_rx++;
    if (nb->len < UDP_HLEN) {
        nif->stats.udp_truncated++;
        goto drop;
    }
    u = (const struct udp_hdr *)p;
    ulen = get_be16(u->len);
    if (ulen < UDP_HLEN || ulen > nb->len) {
        nif->stats.udp_bad_len++;
        goto drop;
    }
    netbuf_trim(nb, ulen);
    bool drop_partial, verified = false;
    if (net_l4_csum_trusted(nb, rx, (uint16_t)offsetof(struct udp_hdr, chksum), &nif->stats.udp_bad_partial,
                            &drop_partial)) {
        /* the device verified it, or vouches for a partial one */
    } else if (drop_partial) {
        goto drop;
    } else if (get_be16(u->chksum) != 0) {
        if (net_fold(net_sum(p, ulen, net_pseudo_sum(rx->src, rx->dst, IP4_PROTO_UDP, ulen))) != 0) {
            nif->stats.udp_bad_checksum++;
            goto drop;
        }
        verified = true;
    }
    sport = get_be16(u->sport);
    dport = get_be16(u->dport);
    if (dport == UDP_PORT_DHCP_CLIENT && nif->dhcp.state != DHCP_OFF) {
        dhcp_input(nif, rx, sport, p + UDP_HLEN, (uint16_t)(ulen - UDP_HLEN));
        goto drop;
    }
    if (dport == UDP_PORT_ECHO && nif->udp_echo) {
        udp_echo(nif, nb, rx, verified);
        return;
    }
    for (i = 0; i < UDP_MAX_BINDINGS; i++) {
        struct udp_binding *b = &nif->udp[i];
        if (b->port != 0 && b->port == dport) {
            b->fn(b->arg, nif, rx->src, sport, dport, p + UDP_HLEN, (size_t)(ulen - UDP_HLEN));
            goto drop;
        }
    }
    nif->stats.udp_no_port++;
    icmp_port_unreach(nif, rx);
drop:
    netbuf_release(nb);
}
