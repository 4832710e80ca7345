/*
 * dhcp.c - the DHCP client state machine (see dhcp.h for the states and
 * timers) and its message builder and parser.
 *
 * Replies are checked before any option is looked at: server port 67, op
 * BOOTREPLY, Ethernet htype/hlen, our xid, our chaddr, the magic cookie.
 * Options are parsed with every length checked against its area: a length
 * running past the end, an option area without an END, or a known option
 * with a wrong size rejects the whole message (dhcp_bad).  Option overload
 * (52) is honoured: file, then sname, are parsed as further areas.  Of
 * repeated options the last wins.  A router outside the leased subnet is
 * ignored (we have no static routes to reach it), as is one at the
 * subnet's own or broadcast address; a lease of either of those is
 * unusable (dhcp_bad), as is an OFFER whose server identifier names no
 * host (0, broadcast, multicast, loopback).  A missing subnet mask falls
 * back to the classful default; a missing lease time is malformed (RFC
 * 2131 4.3.1: the server MUST send it in an ACK).
 *
 * The Interface MTU (26, RFC 2132 5.1) is asked for and, from an ACK,
 * becomes the netif's configured MTU limit (netif_set_mtu_cfg: the link
 * MTU is the smaller of it and the device's).  Unlike the options above,
 * a bad one (length not 2, or a value below the 68 RFC 2132 allows) does
 * not make the lease unusable - the address is good, the link works at
 * the device's MTU - so it is ignored, counted (dhcp_mtu_ignored) and
 * logged.  Each ACK sets the limit afresh (one without the option, or
 * with a bad one, removes it), and a lost lease takes it with the address.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_priv.h"
#include "plat.h"
#include "prot/be.h"
#include "prot/dhcp.h"
#include "prot/ethernet.h"
#include "prot/ip4.h"
#include "prot/udp.h"

struct dhcp_opts {
    uint8_t msg_type;
    uint8_t overload;
    bool have_mask, have_router, have_lease, have_server, have_t1, have_t2;
    bool have_mtu;
    uint8_t mtu_len;     /* have_mtu: option 26's length, and its value when that is 2 */
    uint16_t mtu;
    uint32_t mask, router, lease, server, t1, t2;
};

/* In order of preference (RFC 2132 9.8): the MTU last, as the one the
 * client can do without. */
static const uint8_t dhcp_param_req[] = {
    DHCP_OPT_SUBNET_MASK, DHCP_OPT_ROUTER, DHCP_OPT_LEASE_TIME, DHCP_OPT_SERVER_ID,
    DHCP_OPT_T1,          DHCP_OPT_T2,     DHCP_OPT_MTU,
};

/* ---- messages ------------------------------------------------------------- */

static uint8_t *opt_put(uint8_t *p, uint8_t code, uint8_t len, const uint8_t *val)
{
    *p++ = code;
    *p++ = len;
    memcpy(p, val, len);
    return p + len;
}

static void dhcp_send(struct netif *nif, uint8_t type)
{
    struct dhcp_client *d = &nif->dhcp;
    bool have_addr = d->state == DHCP_RENEWING || d->state == DHCP_REBINDING;
    struct dhcp_msg *m;
    struct netbuf *nb;
    uint8_t *p, v[4];
    uint64_t secs = (nif->now_ms - d->start_ms) / 1000u;
    uint16_t len;

    if (secs > 0xffffu)
        secs = 0xffffu;
    /* RFC 2131 3.1 step 3: the REQUEST for an offer repeats the DISCOVER's
     * secs (relays forward it to the same servers) */
    if (type == DHCP_REQUEST && d->state == DHCP_REQUESTING)
        secs = d->discover_secs;
    nb = net_tx_alloc(nif, ETH_HLEN + IP4_HLEN + UDP_HLEN);
    if (nb == NULL)
        return; /* the retransmission timer will try again */
    if (type == DHCP_DISCOVER)
        d->discover_secs = (uint16_t)secs;
    m = (struct dhcp_msg *)netbuf_data(nb);
    memset(m, 0, DHCP_MIN_MSG_LEN);
    m->op = DHCP_OP_REQUEST;
    m->htype = DHCP_HTYPE_ETHERNET;
    m->hlen = ETH_ADDR_LEN;
    put_be32(m->xid, d->xid);
    put_be16(m->secs, (uint16_t)secs);
    if (have_addr)
        put_be32(m->ciaddr, nif->ipv4.addr);
    memcpy(m->chaddr, nif->mac, ETH_ADDR_LEN);
    put_be32(m->cookie, DHCP_MAGIC_COOKIE);
    p = (uint8_t *)m + DHCP_HDR_LEN;
    v[0] = type;
    p = opt_put(p, DHCP_OPT_MSG_TYPE, 1, v);
    if (type == DHCP_REQUEST && d->state == DHCP_REQUESTING) {
        /* RFC 2131 4.3.2: SELECTING names the offer and its server */
        put_be32(v, d->lease.addr);
        p = opt_put(p, DHCP_OPT_REQUESTED_IP, 4, v);
        put_be32(v, d->lease.server);
        p = opt_put(p, DHCP_OPT_SERVER_ID, 4, v);
    }
    p = opt_put(p, DHCP_OPT_PARAM_REQ, sizeof(dhcp_param_req), dhcp_param_req);
    *p++ = DHCP_OPT_END;
    len = (uint16_t)(p - (uint8_t *)m);
    nb->len = len < DHCP_MIN_MSG_LEN ? DHCP_MIN_MSG_LEN : len;
    nif->stats.dhcp_tx++;
    udp_output(nif, nb, have_addr ? nif->ipv4.addr : 0,
               d->state == DHCP_RENEWING ? d->lease.server : IP4_ADDR_BROADCAST,
               UDP_PORT_DHCP_CLIENT, UDP_PORT_DHCP_SERVER);
}

/* One option area.  0, or -1 if malformed. */
static int dhcp_parse_area(const uint8_t *p, size_t len, struct dhcp_opts *o, bool top)
{
    size_t i = 0;

    while (i < len) {
        uint8_t code = p[i], olen;
        const uint8_t *v;

        if (code == DHCP_OPT_PAD) {
            i++;
            continue;
        }
        if (code == DHCP_OPT_END)
            return 0;
        if (len - i < 2)
            return -1;
        olen = p[i + 1];
        if (olen > len - i - 2)
            return -1;
        v = p + i + 2;
        switch (code) {
        case DHCP_OPT_MSG_TYPE:
            if (olen != 1)
                return -1;
            o->msg_type = v[0];
            break;
        case DHCP_OPT_OVERLOAD:
            if (olen != 1 || v[0] < 1 || v[0] > 3)
                return -1;
            if (top) /* only the options field may overload */
                o->overload = v[0];
            break;
        case DHCP_OPT_MTU:
            /* not fatal (see the top): recorded, judged in dhcp_bind */
            o->have_mtu = true;
            o->mtu_len = olen;
            o->mtu = olen == 2 ? get_be16(v) : 0;
            break;
        case DHCP_OPT_ROUTER:
            if (olen < 4 || olen % 4)
                return -1;
            o->have_router = true;
            o->router = get_be32(v); /* the first is preferred */
            break;
        case DHCP_OPT_SUBNET_MASK:
        case DHCP_OPT_LEASE_TIME:
        case DHCP_OPT_SERVER_ID:
        case DHCP_OPT_T1:
        case DHCP_OPT_T2:
            if (olen != 4)
                return -1;
            if (code == DHCP_OPT_SUBNET_MASK) {
                o->have_mask = true;
                o->mask = get_be32(v);
            } else if (code == DHCP_OPT_LEASE_TIME) {
                o->have_lease = true;
                o->lease = get_be32(v);
            } else if (code == DHCP_OPT_SERVER_ID) {
                o->have_server = true;
                o->server = get_be32(v);
            } else if (code == DHCP_OPT_T1) {
                o->have_t1 = true;
                o->t1 = get_be32(v);
            } else {
                o->have_t2 = true;
                o->t2 = get_be32(v);
            }
            break;
        default:
            break;
        }
        i += 2u + olen;
    }
    return -1; /* no END */
}

static int dhcp_parse(const struct dhcp_msg *m, size_t len, struct dhcp_opts *o)
{
    memset(o, 0, sizeof(*o));
    if (dhcp_parse_area((const uint8_t *)m + DHCP_HDR_LEN, len - DHCP_HDR_LEN, o, true) < 0)
        return -1;
    if ((o->overload & DHCP_OVERLOAD_FILE) &&
        dhcp_parse_area(m->file, sizeof(m->file), o, false) < 0)
        return -1;
    if ((o->overload & DHCP_OVERLOAD_SNAME) &&
        dhcp_parse_area(m->sname, sizeof(m->sname), o, false) < 0)
        return -1;
    return o->msg_type ? 0 : -1;
}

/* ---- timers --------------------------------------------------------------- */

static uint64_t dhcp_at(const struct dhcp_client *d, uint32_t s)
{
    return s == DHCP_LEASE_INFINITE ? UINT64_MAX : d->bound_ms + (uint64_t)s * 1000u;
}

/* Delay after the n-th send (n >= 1) in SELECTING/REQUESTING. */
static uint64_t dhcp_backoff(uint8_t n)
{
    uint32_t base = DHCP_RETRY_INITIAL_MS, j;

    while (--n && base < DHCP_RETRY_MAX_MS)
        base *= 2;
    if (base > DHCP_RETRY_MAX_MS)
        base = DHCP_RETRY_MAX_MS;
    j = net_random() % (2u * DHCP_RETRY_JITTER_MS + 1u);
    return (uint64_t)base - DHCP_RETRY_JITTER_MS + j;
}

/* RFC 2131 4.4.5: half the time left, at least DHCP_RENEW_MIN_MS. */
static uint64_t dhcp_renew_delay(uint64_t now, uint64_t until)
{
    uint64_t half = until > now ? (until - now) / 2 : 0;

    return half < DHCP_RENEW_MIN_MS ? DHCP_RENEW_MIN_MS : half;
}

static void dhcp_send_counted(struct netif *nif, uint8_t type)
{
    struct dhcp_client *d = &nif->dhcp;

    if (d->tries < 0xff)
        d->tries++;
    dhcp_send(nif, type);
}

static void dhcp_discover(struct netif *nif)
{
    struct dhcp_client *d = &nif->dhcp;

    d->state = DHCP_SELECTING;
    d->xid = net_random();
    d->tries = 0;
    d->start_ms = nif->now_ms;
    memset(&d->lease, 0, sizeof(d->lease));
    dhcp_send_counted(nif, DHCP_DISCOVER);
    d->next_ms = nif->now_ms + dhcp_backoff(d->tries);
}

static void dhcp_lost(struct netif *nif)
{
    struct dhcp_client *d = &nif->dhcp;
    struct dhcp_lease old = d->lease;
    dhcp_cb_t cb = d->cb;
    void *arg = d->arg;

    nif->stats.dhcp_lease_lost++;
    netif_set_ipv4(nif, 0, 0, 0);
    netif_set_mtu_cfg(nif, 0); /* the lease's MTU goes with its address: the device's again */
    dhcp_discover(nif);
    if (cb)
        cb(arg, nif, DHCP_EV_LOST, &old);
}

void dhcp_tick(struct netif *nif)
{
    struct dhcp_client *d = &nif->dhcp;
    uint64_t now = nif->now_ms, t2, end;

    switch (d->state) {
    case DHCP_SELECTING:
        if (now >= d->next_ms) {
            dhcp_send_counted(nif, DHCP_DISCOVER);
            d->next_ms = now + dhcp_backoff(d->tries);
        }
        break;
    case DHCP_REQUESTING:
        if (now < d->next_ms)
            break;
        if (d->tries >= DHCP_REQUEST_TRIES) {
            dhcp_discover(nif);
            break;
        }
        dhcp_send_counted(nif, DHCP_REQUEST);
        d->next_ms = now + dhcp_backoff(d->tries);
        break;
    case DHCP_BOUND:
    case DHCP_RENEWING:
    case DHCP_REBINDING:
        t2 = dhcp_at(d, d->lease.t2_s);
        end = dhcp_at(d, d->lease.lease_s);
        if (now >= end) {
            dhcp_lost(nif);
        } else if (d->state != DHCP_REBINDING && now >= t2) {
            if (d->state == DHCP_BOUND) {
                /* T1 == T2: the renewal process starts here (secs, xid) */
                d->xid = net_random();
                d->start_ms = now;
                d->req_ms = now;
            }
            d->state = DHCP_REBINDING;
            d->tries = 0;
            dhcp_send_counted(nif, DHCP_REQUEST);
            d->next_ms = now + dhcp_renew_delay(now, end);
        } else if (d->state == DHCP_BOUND && now >= dhcp_at(d, d->lease.t1_s)) {
            d->state = DHCP_RENEWING;
            d->xid = net_random();
            d->tries = 0;
            d->start_ms = now;
            d->req_ms = now;
            dhcp_send_counted(nif, DHCP_REQUEST);
            d->next_ms = now + dhcp_renew_delay(now, t2);
        } else if (d->state != DHCP_BOUND && now >= d->next_ms) {
            dhcp_send_counted(nif, DHCP_REQUEST);
            d->next_ms = now + dhcp_renew_delay(now, d->state == DHCP_RENEWING ? t2 : end);
        }
        break;
    default:
        break;
    }
}

/* ---- receive -------------------------------------------------------------- */

bool dhcp_accepts_any_dst(const struct netif *nif)
{
    return nif->dhcp.state == DHCP_SELECTING || nif->dhcp.state == DHCP_REQUESTING;
}

/* a names one host of the subnet mask makes: not the subnet's own address
 * (host part all zeros) nor its broadcast address (all ones), RFC 1122
 * 3.2.1.3; a /31 or /32 has neither (RFC 3021). */
static bool dhcp_host_in_subnet(uint32_t a, uint32_t mask)
{
    return mask >= 0xfffffffeu || ((a & ~mask) != 0 && (a | mask) != 0xffffffffu);
}

/* An ACK: take (or extend) the lease.  false if it is unusable. */
static bool dhcp_bind(struct netif *nif, uint32_t yiaddr, const struct dhcp_opts *o)
{
    struct dhcp_client *d = &nif->dhcp;
    struct dhcp_lease l;
    enum dhcp_event ev = d->state == DHCP_REQUESTING ? DHCP_EV_BOUND : DHCP_EV_RENEWED;

    if (!net_ip4_usable(yiaddr) || !o->have_lease)
        return false;
    memset(&l, 0, sizeof(l));
    l.addr = yiaddr;
    l.netmask = o->have_mask ? o->mask : net_ip4_classful_mask(yiaddr);
    if (!net_ip4_mask_valid(l.netmask) || !dhcp_host_in_subnet(yiaddr, l.netmask))
        return false;
    if (o->have_router && o->router != yiaddr && net_ip4_usable(o->router) &&
        (o->router & l.netmask) == (yiaddr & l.netmask) && dhcp_host_in_subnet(o->router, l.netmask))
        l.gw = o->router;
    /* the ACK's server holds the lease now: in REBINDING any server may
     * have answered, and the next RENEWING goes to it (RFC 2131 4.4.5);
     * in REQUESTING only the chosen one gets here */
    l.server = o->have_server && net_ip4_usable(o->server) ? o->server : d->lease.server;
    l.lease_s = o->lease;
    if (l.lease_s == DHCP_LEASE_INFINITE) {
        l.t1_s = l.t2_s = DHCP_LEASE_INFINITE;
    } else {
        /* RFC 2131 4.4.5 defaults: T1 = 0.5, T2 = 0.875 of the lease.  T2
         * "MUST be earlier than" the expiry: one at the expiry would never
         * be reached (expiry is checked first) and nothing would ask to
         * extend the lease. */
        uint32_t def_t2 = (uint32_t)((uint64_t)l.lease_s * 7u / 8u);
        l.t2_s = o->have_t2 && o->t2 < l.lease_s ? o->t2 : def_t2;
        l.t1_s = o->have_t1 && o->t1 <= l.t2_s ? o->t1 : l.lease_s / 2u;
        if (l.t1_s > l.t2_s)
            l.t1_s = l.t2_s;
    }
    if (o->have_mtu && o->mtu_len == 2 && o->mtu >= NETIF_MTU_MIN) {
        l.mtu = o->mtu;
    } else if (o->have_mtu) {
        nif->stats.dhcp_mtu_ignored++;
        if (o->mtu_len != 2)
            plat_log("dhcp: interface MTU option of length %u ignored (RFC 2132 5.1: 2)",
                     (unsigned)o->mtu_len);
        else
            plat_log("dhcp: interface MTU %u ignored (RFC 2132 5.1: at least %u)", (unsigned)o->mtu,
                     (unsigned)NETIF_MTU_MIN);
    }
    d->lease = l;
    d->state = DHCP_BOUND;
    d->tries = 0;
    /* RFC 2131 4.4.5: the lease runs from when the REQUEST was sent (the
     * first one of this xid: the ACK may answer any of them) */
    d->bound_ms = d->req_ms;
    /* before the address: the first packet from it keeps to the MTU.  The
     * netif takes the smaller of this and the device's MTU. */
    netif_set_mtu_cfg(nif, l.mtu);
    if (nif->ipv4.addr != l.addr || nif->ipv4.netmask != l.netmask || nif->ipv4.gw != l.gw)
        netif_set_ipv4(nif, l.addr, l.netmask, l.gw);
    nif->stats.dhcp_bound++;
    if (d->cb)
        d->cb(d->arg, nif, ev, &l);
    return true;
}

void dhcp_input(struct netif *nif, const struct net_rx *rx, uint16_t sport, const uint8_t *msg,
                uint16_t len)
{
    struct dhcp_client *d = &nif->dhcp;
    const struct dhcp_msg *m = (const struct dhcp_msg *)msg;
    struct dhcp_opts o;
    uint32_t yiaddr;

    nif->stats.dhcp_rx++;
    if (len < DHCP_HDR_LEN || sport != UDP_PORT_DHCP_SERVER || m->op != DHCP_OP_REPLY ||
        m->htype != DHCP_HTYPE_ETHERNET || m->hlen != ETH_ADDR_LEN ||
        get_be32(m->cookie) != DHCP_MAGIC_COOKIE) {
        nif->stats.dhcp_bad++;
        return;
    }
    if (get_be32(m->xid) != d->xid || memcmp(m->chaddr, nif->mac, ETH_ADDR_LEN) != 0) {
        nif->stats.dhcp_not_ours++;
        return;
    }
    if (dhcp_parse(m, len, &o) < 0) {
        nif->stats.dhcp_bad++;
        return;
    }
    yiaddr = get_be32(m->yiaddr);
    switch (d->state) {
    case DHCP_SELECTING:
        if (o.msg_type != DHCP_OFFER)
            break;
        /* the server identifier is what the REQUEST names and REQUESTING
         * takes the ACK from: one that names no host could never answer */
        if (!net_ip4_usable(yiaddr) || (o.have_server && !net_ip4_usable(o.server))) {
            nif->stats.dhcp_bad++;
            return;
        }
        d->lease.addr = yiaddr;
        d->lease.server = o.have_server ? o.server : rx->src;
        d->state = DHCP_REQUESTING;
        d->tries = 0;
        d->req_ms = nif->now_ms;
        dhcp_send_counted(nif, DHCP_REQUEST);
        d->next_ms = nif->now_ms + dhcp_backoff(d->tries);
        return;
    case DHCP_REQUESTING:
    case DHCP_RENEWING:
    case DHCP_REBINDING:
        if (o.msg_type != DHCP_ACK && o.msg_type != DHCP_NAK)
            break;
        /* in REQUESTING only the chosen server may answer (RFC 2131 4.3.2) */
        if (d->state == DHCP_REQUESTING && o.have_server && o.server != d->lease.server) {
            nif->stats.dhcp_not_ours++;
            return;
        }
        if (o.msg_type == DHCP_NAK) {
            nif->stats.dhcp_nak++;
            if (d->state == DHCP_REQUESTING)
                dhcp_discover(nif);
            else
                dhcp_lost(nif);
            return;
        }
        if (!dhcp_bind(nif, yiaddr, &o))
            nif->stats.dhcp_bad++;
        return;
    default:
        break;
    }
    nif->stats.dhcp_unexpected++;
}

/* ---- API ------------------------------------------------------------------ */

int net_dhcp_start(struct netif *nif, dhcp_cb_t cb, void *arg)
{
    if (nif == NULL)
        return -NET_EINVAL;
    memset(&nif->dhcp, 0, sizeof(nif->dhcp));
    nif->dhcp.cb = cb;
    nif->dhcp.arg = arg;
    dhcp_discover(nif);
    return 0;
}

void net_dhcp_stop(struct netif *nif)
{
    nif->dhcp.state = DHCP_OFF;
}

enum dhcp_state net_dhcp_state(const struct netif *nif)
{
    return (enum dhcp_state)nif->dhcp.state;
}

const char *net_dhcp_state_name(enum dhcp_state s)
{
    switch (s) {
    case DHCP_OFF:
        return "off";
    case DHCP_SELECTING:
        return "selecting";
    case DHCP_REQUESTING:
        return "requesting";
    case DHCP_BOUND:
        return "bound";
    case DHCP_RENEWING:
        return "renewing";
    case DHCP_REBINDING:
        return "rebinding";
    }
    return "?";
}

bool net_dhcp_lease(const struct netif *nif, struct dhcp_lease *out)
{
    const struct dhcp_client *d = &nif->dhcp;

    if (d->state != DHCP_BOUND && d->state != DHCP_RENEWING && d->state != DHCP_REBINDING)
        return false;
    if (out)
        *out = d->lease;
    return true;
}
