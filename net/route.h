/*
 * route.h - which interface sends to a destination, when the firmware has
 * several (one struct netif per NIC; every other piece of the stack's state
 * is per netif already).
 *
 * The rule, over the interfaces in the order given (net0, net1, ...),
 * skipping any whose link is down or that has no address:
 *   1. the first whose subnet holds the destination (its subnet broadcast
 *      included): the destination is on that link;
 *   2. otherwise the first with a default gateway;
 *   3. otherwise none (the caller answers -NET_ENOROUTE).
 * The limited broadcast 255.255.255.255 has no subnet: it takes rule 2 and
 * then the first usable interface.  A reply to a received packet needs no
 * choice: it leaves by the interface it came in on.
 */
#ifndef NET_ROUTE_H
#define NET_ROUTE_H

#include <stddef.h>
#include <stdint.h>

struct netif;

/* The interface for dst (host order), or NULL when none can reach it. */
struct netif *net_route(struct netif *const *ifs, size_t n, uint32_t dst);

#endif /* NET_ROUTE_H */
