/*
 * udp.h - UDP sockets in their simplest form (RFC 768): a fixed table of
 * bound local ports, each with a receive callback, and a sendto().
 *
 * Usage:
 *     static void rx(void *arg, struct netif *nif, uint32_t src_ip,
 *                    uint16_t src_port, uint16_t dst_port,
 *                    const uint8_t *data, size_t len)
 *     {
 *         // data is valid only during this call; copy what you keep.
 *         // Replying from here is fine:
 *         net_udp_sendto(nif, dst_port, src_ip, src_port, data, len);
 *     }
 *     net_udp_bind(nif, 5000, rx, NULL);
 *     ...
 *     net_udp_unbind(nif, 5000);
 *
 * The echo service (RFC 862) on port 7 is built in and on by default; it
 * answers in place in the received buffer.  It never answers a datagram
 * sent to a broadcast address, nor one from port 0 or from a service that
 * answers every datagram (echo, daytime, quote of the day, chargen, time:
 * the two would answer each other for ever).
 */
#ifndef NET_UDP_H
#define NET_UDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDP_MAX_BINDINGS 8
/* Largest payload sendto accepts: NETIF_MTU - IPv4 header - UDP header. */
#define UDP_MAX_PAYLOAD 1472u

struct netif;

/*
 * Receive callback.  Ownership: `data` points into the received buffer,
 * which the stack releases when the callback returns; the callback must
 * not keep the pointer.  It may call net_udp_sendto/bind/unbind.
 */
typedef void (*udp_recv_fn)(void *arg, struct netif *nif, uint32_t src_ip,
                            uint16_t src_port, uint16_t dst_port,
                            const uint8_t *data, size_t len);

struct udp_binding {
    uint16_t port; /* 0 = free slot */
    udp_recv_fn fn;
    void *arg;
};

/* 0, or -NET_EINVAL (port 0 or fn NULL), -NET_EADDRINUSE, -NET_ENOMEM (table full). */
int net_udp_bind(struct netif *nif, uint16_t port, udp_recv_fn fn, void *arg);
/* 0, or -NET_ENOENT if the port was not bound. */
int net_udp_unbind(struct netif *nif, uint16_t port);

/*
 * Copy len bytes into a fresh TX buffer and send them from our address and
 * src_port to dst_ip:dst_port, with a checksum.  Returns 0 once the datagram
 * has gone to the driver or waits for ARP (a later ARP failure is counted,
 * not reported); -NET_EINVAL (len > UDP_MAX_PAYLOAD or beyond the link's
 * MTU - 28, nif->mtu (netif.h); data NULL with len > 0),
 * -NET_ENOBUFS (no TX buffer), -NET_ENOROUTE, -NET_ELINKDOWN, or the
 * driver's error.  dst_ip may be 255.255.255.255 or the subnet broadcast.
 */
int net_udp_sendto(struct netif *nif, uint16_t src_port, uint32_t dst_ip,
                   uint16_t dst_port, const void *data, size_t len);

/* Turn the port-7 echo service on or off (on after netif_init). */
void net_udp_echo_enable(struct netif *nif, bool on);

#endif /* NET_UDP_H */
