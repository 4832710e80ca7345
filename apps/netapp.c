/*
 * netapp.c - see netapp.h.  Glue only: the driver hands frames to the stack
 * and the stack transmits through the driver; both run in the main loop.
 */
#include "netapp.h"

#include <string.h>

#include "bench.h"
#include "dhcp.h"
#include "ipcfg.h"
#include "app.h"
#include "kprintf.h"
#include "netif.h"
#include "ping.h"
#include "timer/timer.h"
#include "tcpapp.h"
#include "udp.h"
#include "virtio/virtio_net.h"

_Static_assert(NETIF_HEADROOM >= VIRTIO_NET_HDR_LEN, "the stack must leave room for the virtio-net header");

static struct virtio_net vnet;
static struct netif nif;
static bool started, ready, gw_ping_started;
/* What netapp_start() leaves to the end of the first netapp_poll(): the
 * lines about the device and the address, and the gateway ping. */
static bool announced;
static struct net_ipcfg start_ip;
static int start_ip_err;
static bool link_was_up;
static uint32_t my_gw;

static void rx_up(void *arg, struct netbuf *nb)
{
    (void)arg;
    netif_input(&nif, nb);
}

static int drv_output(struct netif *n, struct netbuf *nb)
{
    (void)n;
    bench_tx(vnet.dev.irq, nb);
    return virtio_net_tx(&vnet, nb);
}

static struct netbuf *drv_tx_alloc(struct netif *n)
{
    (void)n;
    return virtio_net_tx_alloc(&vnet);
}

static const struct netif_ops ops = {.output = drv_output, .tx_alloc = drv_tx_alloc};

static uint64_t now_us(void) { return timer_ns() / 1000; }

static volatile bool shell_ping_done;

static bool ping_work(void *arg)
{
    (void)arg;
    return shell_ping_done || netapp_busy();
}

static void print_ping(void *arg, const struct ping_result *r)
{
    bool boot = arg != NULL;
    char a[16];
    if (!boot && r->event == PING_EV_REPLY)
        kprintf("%u bytes from %s: seq=%u time=%u.%03u ms\n", r->size, net_ip4_str(r->dst, a), r->seq,
                (unsigned)(r->rtt_us / 1000), (unsigned)(r->rtt_us % 1000));
    if (!boot && r->event == PING_EV_TIMEOUT)
        kprintf("no reply from %s: seq=%u\n", net_ip4_str(r->dst, a), r->seq);
    if (r->event != PING_EV_DONE)
        return;
    if (!boot)
        shell_ping_done = true;
    kprintf("net: ping %s: %u/%u replies, rtt min/avg/max %u.%03u/%u.%03u/%u.%03u ms\n", net_ip4_str(r->dst, a),
            r->received, r->sent, (unsigned)(r->rtt_min_us / 1000), (unsigned)(r->rtt_min_us % 1000),
            (unsigned)(r->rtt_avg_us / 1000), (unsigned)(r->rtt_avg_us % 1000), (unsigned)(r->rtt_max_us / 1000),
            (unsigned)(r->rtt_max_us % 1000));
    if (boot && !ready) {
        ready = true;
        kprintf("net: ready: ping %s, UDP echo on port 7\n", net_ip4_str(nif.ipv4.addr, a));
    }
}

static void address_ready(uint32_t gw)
{
    char a[16];
    bench_network_ready();
    my_gw = gw;
    if (gw && !gw_ping_started) {
        gw_ping_started = true;
        int err = net_ping_start(&nif, gw, 3, 56, 100, 1000, print_ping, &nif);
        if (err)
            kprintf("net: ping %s could not start: %s (%d)\n", net_ip4_str(gw, a), net_strerror(err), err);
        else
            return;
    }
    if (!ready) {
        ready = true;
        kprintf("net: ready: ping %s, UDP echo on port 7\n", net_ip4_str(nif.ipv4.addr, a));
    }
}

static void on_dhcp(void *arg, struct netif *n, enum dhcp_event ev, const struct dhcp_lease *l)
{
    (void)arg;
    (void)n;
    char a[16], g[16];
    if (ev == DHCP_EV_LOST) {
        kprintf("net: dhcp: lease lost, asking again\n");
        return;
    }
    kprintf("net: dhcp: %s %s/%u gw %s lease %lu s\n", ev == DHCP_EV_BOUND ? "bound" : "renewed",
            net_ip4_str(l->addr, a), net_ip4_prefix_len(l->netmask), net_ip4_str(l->gw, g),
            (unsigned long)l->lease_s);
    if (ev == DHCP_EV_BOUND)
        address_ready(l->gw);
}

static void print_features(void)
{
    static const struct {
        unsigned bit;
        const char *name;
    } f[] = {{VIRTIO_F_VERSION_1, "version_1"}, {VIRTIO_NET_F_MAC, "mac"},
             {VIRTIO_NET_F_STATUS, "status"},   {VIRTIO_NET_F_MRG_RXBUF, "mrg_rxbuf"},
             {VIRTIO_F_EVENT_IDX, "event_idx"}, {VIRTIO_F_INDIRECT_DESC, "indirect_desc"},
             {VIRTIO_F_ANY_LAYOUT, "any_layout"}, {VIRTIO_NET_F_CSUM, "csum"},
             {VIRTIO_NET_F_GUEST_CSUM, "guest_csum"}, {VIRTIO_F_RING_PACKED, "packed"}};
    char line[160];
    int n = 0;
    for (unsigned i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if (virtio_has_feature(&vnet.dev, f[i].bit) && n < (int)sizeof(line))
            n += ksnprintf(line + n, sizeof(line) - (size_t)n, " %s", f[i].name);
    if (n == 0)
        ksnprintf(line, sizeof(line), " none");
    kprintf("net: virtio-net at 0x%08lx mac %02x:%02x:%02x:%02x:%02x:%02x link %s, rx %u x %u, tx %u, "
            "header %u bytes, features:%s\n",
            (unsigned long)vnet.dev.base, vnet.mac[0], vnet.mac[1], vnet.mac[2], vnet.mac[3], vnet.mac[4],
            vnet.mac[5], vnet.link_up ? "up" : "down", vnet.nrx, (unsigned)VIRTIO_NET_BUF_SIZE,
            virtqueue_size(vnet.txq), vnet.hdr_len, line);
}

bool netapp_wants_entropy(void)
{
    struct net_ipcfg ip;
    return net_parse_ip_arg(board()->bootargs, &ip) < 0 || ip.mode != NET_IPCFG_STATIC;
}

int netapp_start(const struct board_virtio_slot *s)
{
    /* Start-up for the first answer (docs/PERFORMANCE.md, boot to network):
     * 64 RX buffers to start with - the requests that queued up while the
     * firmware booted fit, and the answer waits neither for the memory of
     * the other 960 (2 MiB zeroed) nor for their posting; the main loop's
     * polls add the rest, 64 at a time, right after.  And the interrupt
     * masked until the first poll has answered: no interrupt is taken on
     * the way. */
    struct virtio_net_config cfg = {.rx = rx_up,
                                    .random = app_random,
                                    .rx_initial = VIRTIO_NET_RX_BATCH,
                                    .irq_after_first_poll = true};
    char q[8];
    if (app_bootarg_value("netq", q, sizeof(q))) {
        /* Queue size to ask for (the device's maximum caps it). */
        unsigned v = app_parse_queue_size(q, VIRTIO_NET_QUEUE_MAX);
        if (v)
            cfg.rx_queue_size = cfg.tx_queue_size = (uint16_t)v;
        else
            kprintf("net: WARNING: netq=%s is not a power of two from 2 to %u; using the device's size\n", q,
                    (unsigned)VIRTIO_NET_QUEUE_MAX);
    }
    /* Checksum offload both ways unless turned off: csum=off (the guest
     * sums what it sends), guest_csum=off (the host sends complete
     * checksums, which the guest verifies). */
    if (app_bootarg("csum=off"))
        cfg.disable_features |= VIRTIO_BIT(VIRTIO_NET_F_CSUM);
    if (app_bootarg("guest_csum=off"))
        cfg.disable_features |= VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
    int err = virtio_net_init(&vnet, s->base, s->intid, s->irq_flags, s->dma_coherent, &cfg);
    if (err) {
        kprintf("net: virtio-net at 0x%08lx failed: %s (%d)\n", (unsigned long)s->base, virtio_strerror(err), err);
        return err;
    }
    net_set_random(app_random);
    net_set_clock(now_us);
    netif_init(&nif, vnet.mac, &ops, &vnet);
    nif.offload = virtio_net_tx_csum(&vnet) ? NETIF_OFFLOAD_TX_CSUM : 0;
    link_was_up = virtio_net_link_up(&vnet);
    netif_set_link(&nif, link_was_up);
    net_udp_echo_enable(&nif, true);
    tcpapp_start(&nif);

    struct net_ipcfg *ip = &start_ip;
    err = net_parse_ip_arg(board()->bootargs, ip);
    if (err < 0)
        kprintf("net: WARNING: bad ip= argument: %s (%d); using DHCP\n", net_ipcfg_strerror(err), err);
    start_ip_err = net_ipcfg_apply(&nif, ip, on_dhcp, NULL);
    if (start_ip_err == 0 && ip->mode == NET_IPCFG_STATIC)
        bench_network_ready();
    /* The rest waits for the end of the first netapp_poll() (announce()),
     * which start_drivers() calls next: the lines about the device and the
     * address cost cold code that the first answer need not wait for. */
    started = true;
    return 0;
}

/* The end of start-up, after the first poll has answered what arrived
 * while the driver started: the lines netapp_start() held back, and the
 * gateway ping of a static address. */
static void announce(void)
{
    const struct net_ipcfg *ip = &start_ip;
    announced = true;
    print_features();
    if (!virtio_dev_has_irq(&vnet.dev))
        kprintf("net: no interrupt: polled on the 10 ms tick\n");
    if (start_ip_err < 0) {
        kprintf("net: address configuration failed: %s (%d)\n", net_strerror(start_ip_err), start_ip_err);
    } else if (ip->mode == NET_IPCFG_STATIC) {
        char a[16], g[16];
        kprintf("net: static %s/%u gw %s\n", net_ip4_str(ip->addr, a), net_ip4_prefix_len(ip->netmask),
                net_ip4_str(ip->gw, g));
        address_ready(ip->gw);
    } else if (ip->mode == NET_IPCFG_DHCP) {
        kprintf("net: dhcp: asking for an address\n");
    }
}

void netapp_poll(void)
{
    if (!started)
        return;
    int err = virtio_net_check(&vnet);
    if (err > 0) /* re-initialised: the features were negotiated again */
        nif.offload = virtio_net_tx_csum(&vnet) ? NETIF_OFFLOAD_TX_CSUM : 0;
    if (err < 0) {
        if (!announced)
            announce();
        kprintf("net: device re-initialisation failed: %s (%d); network stopped\n", virtio_strerror(err), err);
        started = false;
        return;
    }
    if (virtio_net_link_changed(&vnet)) {
        bool up = virtio_net_link_up(&vnet);
        if (up != link_was_up) {
            link_was_up = up;
            kprintf("net: link %s\n", up ? "up" : "down");
            netif_set_link(&nif, up);
        }
    }
    virtio_net_poll(&vnet, 64);
    /* Replies leave before the timers run (one notification per batch). */
    virtio_net_flush(&vnet);
    if (!announced)
        announce();
    tcpapp_poll();
    /* The stack's timers want a call every 10-100 ms, not one per wake-up:
     * under traffic the loop runs once per packet. */
    static uint64_t last_tick_ms;
    uint64_t now_ms = timer_ns() / 1000000;
    if (now_ms - last_tick_ms >= 10) {
        last_tick_ms = now_ms;
        net_tick(&nif, now_ms);
        virtio_net_flush(&vnet);
    }
}

bool netapp_busy(void) { return started && virtio_net_pending(&vnet); }
struct netif *netapp_netif(void) { return started ? &nif : NULL; }
struct virtio_net *netapp_dev(void) { return started ? &vnet : NULL; }

int netapp_ping(uint32_t dst, unsigned count)
{
    if (!started)
        return -NET_ELINKDOWN; /* no interface at all: the shell says so before calling */
    shell_ping_done = false;
    int err = net_ping_start(&nif, dst, (uint16_t)count, 56, 1000, 1000, print_ping, NULL);
    if (err)
        return err;
    /* Like ping(8), the command lasts until the last reply or timeout. */
    while (!shell_ping_done) {
        netapp_poll();
        board_idle_unless(ping_work, NULL);
    }
    return 0;
}
