/*
 * route.c - the choice of interface for a destination (route.h has the
 * rule).  Pure: reads the interfaces' address, netmask, gateway and link.
 */
#include "route.h"

#include "netif.h"

static bool usable(const struct netif *nif)
{
    return nif && nif->link_up && nif->ipv4.addr != 0;
}

struct netif *net_route(struct netif *const *ifs, size_t n, uint32_t dst)
{
    if (!ifs)
        return NULL;
    if (dst != 0xffffffffu)
        for (size_t i = 0; i < n; i++)
            if (usable(ifs[i]) && (dst & ifs[i]->ipv4.netmask) == (ifs[i]->ipv4.addr & ifs[i]->ipv4.netmask))
                return ifs[i];
    for (size_t i = 0; i < n; i++)
        if (usable(ifs[i]) && ifs[i]->ipv4.gw != 0)
            return ifs[i];
    if (dst == 0xffffffffu)
        for (size_t i = 0; i < n; i++)
            if (usable(ifs[i]))
                return ifs[i];
    return NULL;
}
