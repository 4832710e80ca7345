/*
 * httpapp.h - a small HTTP/1.1 server on port 80 (RFC 9110, 9112):
 *
 *   GET /        the device table, as the shell's devices command prints
 *                it (text/plain)
 *   GET /stats   every counter the shell's stats command prints, as JSON
 *                (application/json): the total interrupt count, each
 *                device's virtio counters, the IP stack's counters by
 *                layer, virtio-net's and virtio-blk's driver counters and
 *                each of their virtqueues' counters - for every interface
 *                and every disk: net0's and disk0's under "net",
 *                "virtio_net" and "virtio_blk", the others' under those
 *                names with their number ("net1", "virtio_blk2") - and
 *                this server's and the TCP shell's own (shellsrv.h)
 *   HEAD         of either: the same head, no body
 *
 * Anything else: 404 (another path), 405 with Allow: GET, HEAD (another
 * method RFC 9110 defines), 501 (a method it does not), 400 (a malformed
 * request; apps/svcparse.h lists what), 505 (an HTTP major version other
 * than 1), 431 (a request head longer than HTTP_REQ_MAX bytes: refused
 * without reading further; 414 when the request line alone is, RFC 9112
 * 3), 408 (no complete head within HTTP_TIMEOUT_MS), 503 (HTTP_CLIENTS
 * connections already open).  Every answer carries Content-Type, Content-Length and
 * Connection: close, and the server closes after it: one request per
 * connection; anything after the head (a body, a second request) is read
 * and dropped.
 *
 * The answer is built in the main loop (httpapp_poll(), never in a TCP
 * callback) into the connection's static buffer (HTTP_RESP_MAX bytes, room
 * for /stats of 4 interfaces, 4 disks and 16 devices with every counter at
 * its largest, about 25 KiB; an answer that would not fit becomes 500) and
 * goes out as the TCP send buffer (16 KiB) makes room.  No allocation.
 *
 * Boot argument http=off: no listener on port 80 (connections refused
 * with RST).
 */
#ifndef HTTPAPP_H
#define HTTPAPP_H

#include <stdbool.h>
#include <stdint.h>

#define HTTP_PORT 80
#ifndef HTTP_CLIENTS
#define HTTP_CLIENTS 2
#endif
#define HTTP_REQ_MAX 2048u      /* request head, request line included */
#define HTTP_RESP_MAX 32768u    /* head and body of an answer */
#define HTTP_TIMEOUT_MS 10000u  /* for the request head to arrive */
#define HTTP_LINGER_MS 30000u   /* a connection lasts at most this much longer */

struct netif;

struct http_stats {
    uint32_t requests;      /* answers sent (any status) */
    uint32_t ok;            /* 200 */
    uint32_t client_errors; /* 4xx */
    uint32_t server_errors; /* 5xx */
    uint32_t busy;          /* 503: no free connection slot */
    uint32_t too_large;     /* a head larger than HTTP_REQ_MAX: 431 (414, 501) */
    uint32_t timeouts;      /* 408, and connections aborted after the linger */
};

/* Listen on port 80 unless http=off; false when off or it failed. */
bool httpapp_start(struct netif *nif);
/* From the main loop: build waiting answers, send, time out. */
void httpapp_poll(void);
/* An answer waits to be built: the main loop should not sleep. */
bool httpapp_busy(void);
const struct http_stats *httpapp_get_stats(void);

#endif
