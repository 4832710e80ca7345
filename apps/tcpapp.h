/*
 * tcpapp.h - the demo firmware's TCP services: echo (RFC 862) on port 7 and
 * discard (RFC 863) on port 9, each on unless the boot arguments say
 * tcp_echo=off or tcp_discard=off; and it starts the shell on port 23
 * (shellsrv.h, tcp_shell=off) and HTTP on port 80 (httpapp.h, http=off).
 */
#ifndef TCPAPP_H
#define TCPAPP_H

struct netif;

/* After netif_init(): the TCP stack and the services. */
void tcpapp_start(struct netif *nif);
/* From the main loop: keys the ISNs from virtio-rng once it is there, and
 * prints the services line once. */
void tcpapp_poll(void);

#endif
