/*
 * netapp.h - the demo firmware's network: virtio-net under the IP stack,
 * addressed by ip= in the boot arguments (DHCP by default), pinging its
 * gateway once, then answering ping and UDP echo (port 7).
 */
#ifndef NETAPP_H
#define NETAPP_H

#include <stdbool.h>

#include "board.h"

/* Does the network want entropy (app_random) as it starts - DHCP's
 * transaction id - so that virtio-rng should start first?  Not with a
 * static ip=: its IP ids and the gateway ping's id do with the fallback. */
bool netapp_wants_entropy(void);
int netapp_start(const struct board_virtio_slot *slot);
void netapp_poll(void);   /* main loop: receive, timers, transmit */
bool netapp_busy(void);   /* work is waiting: do not idle */
struct netif *netapp_netif(void);
struct virtio_net *netapp_dev(void);
/* Ping from the shell: prints each reply and the summary, returns when done.
 * 0, or a negative NET_E* code (net_strerror() says it in words). */
int netapp_ping(uint32_t dst, unsigned count);

#endif
