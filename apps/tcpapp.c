/*
 * tcpapp.c - see tcpapp.h.  The services are plain users of net/tcp.h:
 * echo copies what arrives into the send buffer (what does not fit stays in
 * the receive ring, so the peer's window closes until the ACKs make room),
 * discard consumes everything; both close their direction when the peer
 * closes its own.
 */
#include "tcpapp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "httpapp.h"
#include "kprintf.h"
#include "netif.h"
#include "plat.h"
#include "shellsrv.h"
#include "tcp.h"

/* The connection table: about 773 KiB with the default 16 KiB rings
 * (tcp.h).  It comes from the pool of free RAM the board found, taken once
 * at start (board_alloc: not zeroed - tcp_init sets all but the
 * connections' buffers, which are written before they are read), not from
 * .bss, so the image stays small wherever a loader puts it -
 * test_boot_anywhere loads it 1 MiB below the top of RAM. */
static struct tcp_stack *tcp;
static bool keyed, announced, echo_on, discard_on, shell_on, http_on;

static size_t echo_recv(void *arg, struct tcp_conn *c, const uint8_t *data, size_t len)
{
    (void)arg;
    if (data == NULL) {
        tcp_close(c); /* after what is still queued */
        return 0;
    }
    int n = tcp_send(c, data, len);
    return n > 0 ? (size_t)n : 0;
}

static void echo_sent(void *arg, struct tcp_conn *c, size_t acked)
{
    (void)arg;
    (void)acked;
    tcp_recv_resume(c); /* room again: the rest of what arrived */
}

static size_t discard_recv(void *arg, struct tcp_conn *c, const uint8_t *data, size_t len)
{
    (void)arg;
    if (data == NULL)
        tcp_close(c);
    return len;
}

/* A peer silent for this long loses its connection (RST): echo and
 * discard never close on their own, and without it idle peers could hold
 * every slot of the table. */
#define TCPAPP_IDLE_MS (5u * 60u * 1000u)

static void idle_bound(void *arg, struct tcp_conn *c)
{
    (void)arg;
    tcp_set_idle_timeout(c, TCPAPP_IDLE_MS);
}

static const struct tcp_callbacks echo_cb = {.established = idle_bound, .recv = echo_recv, .sent = echo_sent};
static const struct tcp_callbacks discard_cb = {.established = idle_bound, .recv = discard_recv};

/* The ISN secret from virtio-rng; false when it has not started yet. */
static bool rng_key(uint8_t key[TCP_KEY_LEN])
{
    return app_rng_read(key, TCP_KEY_LEN) == TCP_KEY_LEN;
}

void tcpapp_start(struct netif *nif)
{
    uint8_t key[TCP_KEY_LEN];

    keyed = rng_key(key);
    if (!keyed) /* virtio-rng starts after the network: rekeyed in tcpapp_poll */
        for (unsigned i = 0; i < TCP_KEY_LEN; i += 4) {
            uint32_t r = app_random();
            for (unsigned j = 0; j < 4; j++)
                key[i + j] = (uint8_t)(r >> (8 * j));
        }
    if (!tcp) /* not zeroed: tcp_init sets what is read */
        tcp = board_alloc(sizeof(*tcp), 64);
    if (!tcp) {
        kprintf("net: tcp: WARNING: no memory for the connection table (%lu bytes): no TCP services\n",
                (unsigned long)sizeof(*tcp));
        announced = true;
        return;
    }
    tcp_init(tcp, nif, key);
    echo_on = !app_bootarg("tcp_echo=off");
    discard_on = !app_bootarg("tcp_discard=off");
    if (echo_on && tcp_listen(nif, 7, &echo_cb, NULL) != 0)
        echo_on = false;
    if (discard_on && tcp_listen(nif, 9, &discard_cb, NULL) != 0)
        discard_on = false;
    shell_on = shellsrv_start(nif); /* port 23, unless tcp_shell=off */
    http_on = httpapp_start(nif);   /* port 80, unless http=off */
}

void tcpapp_poll(void)
{
    uint8_t key[TCP_KEY_LEN];

    if (!tcp)
        return;
    /* The rng first: without one (a failed read is cheap) the connection
     * table is not scanned on every turn of the main loop. */
    if (!keyed && rng_key(key)) {
        keyed = true;
        /* rekey only while no connection exists (tcp_set_key): once one
         * may have been made, the boot-time key stays */
        bool any = false;
        for (unsigned i = 0; i < TCP_MAX_CONNS; i++)
            if (tcp->conn[i].state != TCP_CLOSED)
                any = true;
        if (!any)
            tcp_set_key(tcp, key);
    }
    if (!announced) {
        announced = true;
        kprintf("net: tcp: echo on port 7 %s, discard on port 9 %s, %u connections of %u+%u bytes\n",
                echo_on ? "on" : "off", discard_on ? "on" : "off", (unsigned)TCP_MAX_CONNS,
                (unsigned)TCP_SND_BUF, (unsigned)TCP_RCV_BUF);
        kprintf("net: tcp: shell on port 23 %s (%u sessions), http on port 80 %s\n", shell_on ? "on" : "off",
                (unsigned)SHELLSRV_SESSIONS, http_on ? "on" : "off");
    }
}
