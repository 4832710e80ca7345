/*
 * netapp.h - the demo firmware's network: every virtio-net device (up to
 * NETAPP_MAX) under the IP stack, each with its own interface (net0,
 * net1, ...: struct netif with its own address, ARP cache and DHCP
 * client), addressed by ip= (net0) and ip1= ... (net1 ...) in the boot
 * arguments (DHCP by default), pinging its gateway once, then answering
 * ping and UDP echo (port 7) on every interface.  The TCP services
 * (tcpapp.h) run on net0 only.  What the firmware sends on its own (the
 * shell's ping) leaves by the interface net_route() (net/route.h) picks.
 */
#ifndef NETAPP_H
#define NETAPP_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h"

/* Network devices driven at most; main.c says which it leaves out. */
#define NETAPP_MAX 4
/* netapp_start(): every interface is taken. */
#define NETAPP_EFULL (-1000)

struct netif;
struct virtio_net;

/* Does the network want entropy (app_random) as it starts - DHCP's
 * transaction id - so that virtio-rng should start first?  Not when each
 * of the nics interfaces has a static ip=/ipN=: their IP ids and the
 * gateway pings' ids do with the fallback. */
bool netapp_wants_entropy(unsigned nics);
/* Start the next interface (net0 first) on this device: 0, a negative
 * VIRTIO_E* code (said in the log), or NETAPP_EFULL (not said). */
int netapp_start(const struct board_virtio_slot *slot);
void netapp_poll(void);   /* main loop: receive, timers, transmit, every interface */
bool netapp_busy(void);   /* work is waiting on some interface: do not idle */
unsigned netapp_count(void); /* interfaces started (net0 .. net<count-1>) */
/* Interface i and its driver; NULL when there is none or it stopped. */
struct netif *netapp_netif_at(unsigned i);
struct virtio_net *netapp_dev_at(unsigned i);
struct netif *netapp_netif(void);   /* net0 */
struct virtio_net *netapp_dev(void); /* net0's driver */
/* The interface that sends to dst (net/route.h has the rule); NULL: none. */
struct netif *netapp_route(uint32_t dst);
/* Ping from the shell through netapp_route(dst): prints each reply and the
 * summary, returns when done - or, should the interface stop meanwhile
 * (its device failed), says so and returns at once; so too when
 * interrupted(arg) (asked after each poll of the network; NULL: never)
 * says true, with the replies so far.  0, or a negative NET_E* code when it
 * could not start (net_strerror() says it in words; -NET_ENOROUTE when no
 * interface reaches dst). */
int netapp_ping(uint32_t dst, unsigned count, bool (*interrupted)(void *arg), void *arg);

#endif
