/*
 * ipcfg.c - the `ip=` kernel argument (see ipcfg.h for the grammar).
 *
 * The bootargs string is only read, never modified, and each field is
 * handled as a (pointer, length) slice, so no field can run past its ':'
 * or the end of the argument.  Addresses must be strict dotted quads
 * (four decimal parts 0-255, no leading zeros, no signs): inet_aton's
 * octal and short forms would let "010.0.0.1" mean 8.0.0.1.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ipcfg.h"
#include "net_priv.h"

struct slice {
    const char *p;
    size_t n;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool slice_is(struct slice s, const char *kw)
{
    return strlen(kw) == s.n && s.n && memcmp(s.p, kw, s.n) == 0;
}

/* 0 on success. */
static int parse_quad(struct slice s, uint32_t *out)
{
    uint32_t a = 0;
    size_t i = 0;
    int part;

    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        if (part > 0) {
            if (i >= s.n || s.p[i] != '.')
                return -1;
            i++;
        }
        while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9') {
            if (digits == 1 && v == 0)
                return -1; /* leading zero */
            v = v * 10 + (unsigned)(s.p[i] - '0');
            if (++digits > 3 || v > 255)
                return -1;
            i++;
        }
        if (digits == 0)
            return -1;
        a = a << 8 | v;
    }
    if (i != s.n)
        return -1;
    *out = a;
    return 0;
}

/* An optional address field: empty leaves *out at 0. */
static int parse_opt_quad(struct slice s, uint32_t *out)
{
    *out = 0;
    return s.n == 0 ? 0 : parse_quad(s, out);
}

static int copy_field(struct slice s, char *dst, size_t max)
{
    if (s.n > max)
        return -1;
    if (s.n)
        memcpy(dst, s.p, s.n); /* an absent field has p == NULL */
    dst[s.n] = '\0';
    return 0;
}

static int parse_value(struct slice v, struct net_ipcfg *c)
{
    struct slice f[7];
    size_t nf = 0, start = 0, i;
    struct slice autoconf;
    bool dhcp;

    if (memchr(v.p, ':', v.n) == NULL) {
        if (slice_is(v, "dhcp") || slice_is(v, "on") || slice_is(v, "any")) {
            c->mode = NET_IPCFG_DHCP;
            return 0;
        }
        if (v.n == 0 || slice_is(v, "off") || slice_is(v, "none")) {
            c->mode = NET_IPCFG_NONE;
            return 0;
        }
        if (slice_is(v, "bootp") || slice_is(v, "rarp") || slice_is(v, "both"))
            return NET_IPCFG_EAUTOCONF;
        /* otherwise a lone client address, handled below */
    }
    memset(f, 0, sizeof(f));
    for (i = 0; i <= v.n && nf < 7; i++) {
        if (i == v.n || v.p[i] == ':') {
            f[nf].p = v.p + start;
            f[nf].n = i - start;
            nf++;
            start = i + 1;
        }
    }
    if (parse_opt_quad(f[0], &c->addr) < 0)
        return NET_IPCFG_EBADADDR;
    if (parse_opt_quad(f[1], &c->server) < 0)
        return NET_IPCFG_EBADSERVER;
    if (parse_opt_quad(f[2], &c->gw) < 0)
        return NET_IPCFG_EBADGW;
    if (parse_opt_quad(f[3], &c->netmask) < 0 || (f[3].n && !net_ip4_mask_valid(c->netmask)))
        return NET_IPCFG_EBADMASK;
    if (copy_field(f[4], c->hostname, NET_IPCFG_HOSTNAME_MAX) < 0 ||
        copy_field(f[5], c->device, NET_IPCFG_DEVICE_MAX) < 0)
        return NET_IPCFG_ELONG;
    autoconf = f[6];
    if (slice_is(autoconf, "dhcp") || slice_is(autoconf, "on") || slice_is(autoconf, "any"))
        dhcp = true;
    else if (autoconf.n == 0 || slice_is(autoconf, "off") || slice_is(autoconf, "none"))
        dhcp = false;
    else
        return NET_IPCFG_EAUTOCONF;

    if (c->addr == 0) {
        c->mode = dhcp || autoconf.n == 0 ? NET_IPCFG_DHCP : NET_IPCFG_NONE;
        return 0;
    }
    /* (net_ip4_usable: not 0/8, 127/8, multicast or class E) */
    if (!net_ip4_usable(c->addr))
        return NET_IPCFG_EUNUSABLE;
    if (c->netmask == 0)
        c->netmask = net_ip4_classful_mask(c->addr);
    if (c->netmask < 0xfffffffeu &&
        ((c->addr & ~c->netmask) == 0 || (c->addr | c->netmask) == 0xffffffffu))
        return NET_IPCFG_EUNUSABLE; /* the subnet's network or broadcast address */
    if (c->gw != 0 && (c->gw == c->addr || !net_ip4_usable(c->gw) ||
                       (c->gw & c->netmask) != (c->addr & c->netmask) ||
                       (c->netmask < 0xfffffffeu && ((c->gw & ~c->netmask) == 0 ||
                                                     (c->gw | c->netmask) == 0xffffffffu))))
        return NET_IPCFG_EGWOFFLINK;
    c->mode = dhcp ? NET_IPCFG_DHCP : NET_IPCFG_STATIC;
    return 0;
}

int net_parse_ip_arg(const char *bootargs, struct net_ipcfg *out)
{
    return net_parse_ip_arg_index(bootargs, 0, out);
}

int net_parse_ip_arg_index(const char *bootargs, unsigned index, struct net_ipcfg *out)
{
    struct net_ipcfg c;
    struct slice v = {NULL, 0};
    size_t i, n;
    int err;
    /* The key: "ip=" for interface 0, "ip1=" to "ip9=" for the others. */
    char key[5] = {'i', 'p', '=', '\0', '\0'};
    size_t klen = 3;

    memset(out, 0, sizeof(*out));
    out->mode = NET_IPCFG_DHCP;
    if (index > NET_IPCFG_INDEX_MAX)
        return -NET_IPCFG_EINDEX;
    if (index > 0) {
        key[2] = (char)('0' + index);
        key[3] = '=';
        klen = 4;
    }
    if (bootargs == NULL)
        return 0;
    for (i = 0; bootargs[i] != '\0'; i++) {
        if ((i == 0 || is_space(bootargs[i - 1])) && strncmp(bootargs + i, key, klen) == 0) {
            v.p = bootargs + i + klen;
            for (n = 0; v.p[n] != '\0' && !is_space(v.p[n]); n++)
                ;
            v.n = n;
        }
    }
    if (v.p == NULL)
        return 0;
    memset(&c, 0, sizeof(c));
    err = parse_value(v, &c);
    if (err)
        return -err;
    *out = c;
    return 0;
}

const char *net_ipcfg_strerror(int err)
{
    static const char *const msg[NET_IPCFG_NERR] = {
        [NET_IPCFG_OK] = "ok",
        [NET_IPCFG_EBADADDR] = "client address is not a dotted quad",
        [NET_IPCFG_EBADSERVER] = "server address is not a dotted quad",
        [NET_IPCFG_EBADGW] = "gateway address is not a dotted quad",
        [NET_IPCFG_EBADMASK] = "netmask is not a dotted quad of contiguous ones",
        [NET_IPCFG_EUNUSABLE] = "client address cannot be a host's address",
        [NET_IPCFG_EGWOFFLINK] = "gateway is not another host in the client's subnet",
        [NET_IPCFG_ELONG] = "hostname or device name too long",
        [NET_IPCFG_EAUTOCONF] = "autoconf method unknown or unsupported (use dhcp, on, any, off, none)",
        [NET_IPCFG_EINDEX] = "no such interface: ip= is net0, ip1= to ip9= the others",
    };

    unsigned e = err < 0 ? 0u - (unsigned)err : (unsigned)err; /* no overflow at INT_MIN */

    if (e >= NET_IPCFG_NERR)
        return "unknown error";
    return msg[e];
}

int net_ipcfg_apply(struct netif *nif, const struct net_ipcfg *cfg, dhcp_cb_t cb, void *arg)
{
    switch (cfg->mode) {
    case NET_IPCFG_STATIC:
        netif_set_ipv4(nif, cfg->addr, cfg->netmask, cfg->gw);
        return 0;
    case NET_IPCFG_DHCP:
        return net_dhcp_start(nif, cb, arg);
    default:
        return 0;
    }
}
