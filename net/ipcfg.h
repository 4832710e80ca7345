/*
 * ipcfg.h - IPv4 address configuration from a Linux-style `ip=` kernel
 * argument in the bootargs string (the device tree's /chosen/bootargs).
 *
 * Accepted forms (Documentation/admin-guide/nfs/nfsroot.rst):
 *   (no ip= at all)                   DHCP, the default
 *   ip=dhcp | ip=on | ip=any          DHCP
 *   ip=off | ip=none                  no address
 *   ip=                               no address (as Linux: empty is "off")
 *   ip=<client>:<server>:<gw>:<netmask>[:<hostname>[:<device>[:<autoconf>[:...]]]]
 *       <autoconf> dhcp, on or any: DHCP (the other fields are only
 *       checked).  <autoconf> empty, off or none: static with <client>;
 *       without a <client>, as Linux, DHCP when <autoconf> is empty and no
 *       address when it is off/none.  <server> is checked but unused; an
 *       empty <netmask> becomes the classful default; an empty <gw> means
 *       none.  Fields after <autoconf> (DNS, NTP) are ignored.
 * ip= must be a whole word (nfsip= does not match); with several, the last
 * wins, as in Linux.  With several NICs, ip= is net0's and ip1= ... ip9=
 * configure net1 ... net9 (net_parse_ip_arg_index), same grammar.  bootp and rarp are refused.
 *
 * Usage:
 *     struct net_ipcfg cfg;
 *     int err = net_parse_ip_arg(bootargs, &cfg);
 *     if (err < 0)
 *         printf("ip=: %s; using DHCP\n", net_ipcfg_strerror(err)),
 *         cfg.mode = NET_IPCFG_DHCP;
 *     net_ipcfg_apply(nif, &cfg, on_dhcp, NULL);
 */
#ifndef NET_IPCFG_H
#define NET_IPCFG_H

#include <stdint.h>

#include "dhcp.h"

enum net_ipcfg_mode {
    NET_IPCFG_DHCP = 0,
    NET_IPCFG_STATIC,
    NET_IPCFG_NONE,
};

#define NET_IPCFG_HOSTNAME_MAX 63
#define NET_IPCFG_DEVICE_MAX 15

struct net_ipcfg {
    enum net_ipcfg_mode mode;
    uint32_t addr;    /* host order; STATIC only */
    uint32_t netmask;
    uint32_t gw;      /* 0 = none */
    uint32_t server;  /* parsed, unused */
    char hostname[NET_IPCFG_HOSTNAME_MAX + 1]; /* "" when not given */
    char device[NET_IPCFG_DEVICE_MAX + 1];
};

/* Error codes (returned negated). */
enum {
    NET_IPCFG_OK = 0,
    NET_IPCFG_EBADADDR,     /* client ip is not a dotted quad */
    NET_IPCFG_EBADSERVER,   /* server ip is not a dotted quad */
    NET_IPCFG_EBADGW,       /* gateway is not a dotted quad */
    NET_IPCFG_EBADMASK,     /* netmask is not a dotted quad or not contiguous */
    NET_IPCFG_EUNUSABLE,    /* client ip is in 0/8, broadcast, multicast, loopback, class E,
                               or the subnet's network/broadcast address */
    NET_IPCFG_EGWOFFLINK,   /* gateway not in the client's subnet, or is the client */
    NET_IPCFG_ELONG,        /* hostname or device too long */
    NET_IPCFG_EAUTOCONF,    /* autoconf method unknown or unsupported (bootp, rarp) */
    NET_IPCFG_EINDEX,       /* interface index above NET_IPCFG_INDEX_MAX */
    NET_IPCFG_NERR
};

/* Parse bootargs (may be NULL: DHCP).  On success fills *out and returns 0;
 * on error returns -NET_IPCFG_E* and leaves *out in DHCP mode. */
int net_parse_ip_arg(const char *bootargs, struct net_ipcfg *out);
/* The same for interface `index` when the firmware has several NICs:
 * index 0 reads ip= (exactly net_parse_ip_arg), index 1 to 9 reads ip1= to
 * ip9= (net1 to net9), with the same grammar; without that argument the
 * interface uses DHCP.  ip= never configures another interface than net0.
 * An index above NET_IPCFG_INDEX_MAX is -NET_IPCFG_EINDEX. */
#define NET_IPCFG_INDEX_MAX 9
int net_parse_ip_arg_index(const char *bootargs, unsigned index, struct net_ipcfg *out);
/* A one-line description of an error code (negative or positive). */
const char *net_ipcfg_strerror(int err);

struct netif;
/* STATIC: netif_set_ipv4(); DHCP: net_dhcp_start(nif, cb, arg); NONE:
 * nothing.  Returns 0 or what net_dhcp_start returns. */
int net_ipcfg_apply(struct netif *nif, const struct net_ipcfg *cfg, dhcp_cb_t cb, void *arg);

#endif /* NET_IPCFG_H */
