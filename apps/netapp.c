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
#include "route.h"
#include "timer/timer.h"
#include "tcpapp.h"
#include "udp.h"
#include "virtio/virtio_net.h"

_Static_assert(NETIF_HEADROOM >= VIRTIO_NET_HDR_LEN, "the stack must leave room for the virtio-net header");

/* One per virtio-net device: the driver, its interface and its start-up. */
struct netapp_if {
    struct virtio_net vnet;
    struct netif nif;
    unsigned index;                /* net<index> */
    const char *tag;               /* "net" for net0 (the log as with one NIC), "net1", ... */
    bool started, ready, gw_ping_started;
    /* What netapp_start() leaves to the end of the first netapp_poll(): the
     * lines about the device and the address, and the gateway ping. */
    bool announced;
    struct net_ipcfg start_ip;
    int start_ip_err;
    bool link_was_up;
    int stop_err; /* why it stopped (!started after a start): the device's error */
};

static struct netapp_if ifs[NETAPP_MAX];
static unsigned nifs;
static struct netif *route_table[NETAPP_MAX]; /* &ifs[i].nif of the running ones, for net_route() */
static const char *const tags[NETAPP_MAX] = {"net", "net1", "net2", "net3"};
_Static_assert(NETAPP_MAX <= 4 && NETAPP_MAX <= NET_IPCFG_INDEX_MAX + 1, "a tag and an ipN= per interface");

static void rx_up(void *arg, struct netbuf *nb)
{
    struct netapp_if *f = arg;
    netif_input(&f->nif, nb);
}

static int drv_output(struct netif *n, struct netbuf *nb)
{
    struct netapp_if *f = n->driver;
    void *b = bench_tx_begin(nb);
    int err = virtio_net_tx(&f->vnet, nb);
    if (b && err == 0)
        bench_tx_queued(b, f->vnet.dev.irq);
    return err;
}

static struct netbuf *drv_tx_alloc(struct netif *n)
{
    struct netapp_if *f = n->driver;
    return virtio_net_tx_alloc(&f->vnet);
}

static const struct netif_ops ops = {.output = drv_output, .tx_alloc = drv_tx_alloc};

static uint64_t now_us(void) { return timer_us(); }

static volatile bool shell_ping_done;

static bool ping_work(void *arg)
{
    (void)arg;
    return shell_ping_done || netapp_busy();
}

/* The boot's gateway ping reports with arg = its interface; the shell's
 * with arg NULL. */
static void print_ping(void *arg, const struct ping_result *r)
{
    struct netapp_if *f = arg;
    bool boot = f != NULL;
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
    kprintf("%s: ping %s: %u/%u replies, rtt min/avg/max %u.%03u/%u.%03u/%u.%03u ms\n", boot ? f->tag : "net",
            net_ip4_str(r->dst, a), r->received, r->sent, (unsigned)(r->rtt_min_us / 1000),
            (unsigned)(r->rtt_min_us % 1000), (unsigned)(r->rtt_avg_us / 1000), (unsigned)(r->rtt_avg_us % 1000),
            (unsigned)(r->rtt_max_us / 1000), (unsigned)(r->rtt_max_us % 1000));
    if (boot && !f->ready) {
        f->ready = true;
        kprintf("%s: ready: ping %s, UDP echo on port 7\n", f->tag, net_ip4_str(f->nif.ipv4.addr, a));
    }
}

static void address_ready(struct netapp_if *f, uint32_t gw)
{
    char a[16];
    if (f->index == 0)
        bench_network_ready();
    if (gw && !f->gw_ping_started) {
        f->gw_ping_started = true;
        int err = net_ping_start(&f->nif, gw, 3, 56, 100, 1000, print_ping, f);
        if (err)
            kprintf("%s: ping %s could not start: %s (%d)\n", f->tag, net_ip4_str(gw, a), net_strerror(err), err);
        else
            return;
    }
    if (!f->ready) {
        f->ready = true;
        kprintf("%s: ready: ping %s, UDP echo on port 7\n", f->tag, net_ip4_str(f->nif.ipv4.addr, a));
    }
}

static void on_dhcp(void *arg, struct netif *n, enum dhcp_event ev, const struct dhcp_lease *l)
{
    struct netapp_if *f = arg;
    char a[16], g[16], m[40] = "";
    if (ev == DHCP_EV_LOST) {
        kprintf("%s: dhcp: lease lost, asking again\n", f->tag);
        return;
    }
    /* The server's MTU (option 26) when it gave one; the stack has already
     * made the link's the smaller of it and the device's, which a larger
     * one leaves in force. */
    if (l->mtu && n->mtu < l->mtu)
        ksnprintf(m, sizeof(m), " mtu %u (the device's; dhcp said %u)", (unsigned)n->mtu, (unsigned)l->mtu);
    else if (l->mtu)
        ksnprintf(m, sizeof(m), " mtu %u", (unsigned)l->mtu);
    kprintf("%s: dhcp: %s %s/%u gw %s lease %lu s%s\n", f->tag, ev == DHCP_EV_BOUND ? "bound" : "renewed",
            net_ip4_str(l->addr, a), net_ip4_prefix_len(l->netmask), net_ip4_str(l->gw, g),
            (unsigned long)l->lease_s, m);
    if (ev == DHCP_EV_BOUND)
        address_ready(f, l->gw);
}

static void print_features(struct netapp_if *f)
{
    const struct virtio_net *v = &f->vnet;
    char line[160];
    int n = 0;
    for (unsigned b = 0; b < 64; b++) {
        const char *name = app_feature_name(VIRTIO_ID_NET, b);
        if (virtio_has_feature(&v->dev, b) && n < (int)sizeof(line))
            n += name ? ksnprintf(line + n, sizeof(line) - (size_t)n, " %s", name)
                      : ksnprintf(line + n, sizeof(line) - (size_t)n, " bit%u", b);
    }
    if (n == 0)
        ksnprintf(line, sizeof(line), " none");
    else if (virtio_has_feature(&v->dev, VIRTIO_NET_F_MTU))
        ksnprintf(line + n, sizeof(line) - (size_t)n, " (mtu %u)", virtio_net_mtu(v));
    kprintf("%s: virtio-net at 0x%08lx mac %02x:%02x:%02x:%02x:%02x:%02x link %s, rx %u x %u, tx %u, "
            "header %u bytes, features:%s\n",
            f->tag, (unsigned long)v->dev.base, v->mac[0], v->mac[1], v->mac[2], v->mac[3], v->mac[4], v->mac[5],
            v->link_up ? "up" : "down", v->nrx, (unsigned)VIRTIO_NET_BUF_SIZE, virtqueue_size(v->txq), v->hdr_len,
            line);
}

bool netapp_wants_entropy(unsigned nics)
{
    struct net_ipcfg ip;
    for (unsigned i = 0; i < nics && i < NETAPP_MAX; i++)
        if (net_parse_ip_arg_index(board()->bootargs, i, &ip) < 0 || ip.mode != NET_IPCFG_STATIC)
            return true;
    return false;
}

int netapp_start(const struct board_virtio_slot *s)
{
    if (nifs >= NETAPP_MAX)
        return NETAPP_EFULL;
    struct netapp_if *f = &ifs[nifs];
    memset(f, 0, sizeof(*f));
    f->index = nifs;
    f->tag = tags[nifs];
    /* Start-up for the first answer (docs/PERFORMANCE.md, boot to network):
     * 64 RX buffers to start with - the requests that queued up while the
     * firmware booted fit, and the answer waits neither for the memory of
     * the other 960 (2 MiB zeroed) nor for their posting; the main loop's
     * polls add the rest, 64 at a time, right after.  And the interrupt
     * masked until the first poll has answered: no interrupt is taken on
     * the way. */
    struct virtio_net_config cfg = {.rx = rx_up,
                                    .rx_arg = f,
                                    .random = app_random,
                                    .rx_initial = VIRTIO_NET_RX_BATCH,
                                    .irq_after_first_poll = true};
    char q[12];
    if (app_bootarg_value("netq", q, sizeof(q))) {
        /* Queue size to ask for (the device's maximum caps it), every NIC.
         * A value that fills q may have been cut short ("00000640" to
         * "0000064"): refused, not read as another size. */
        unsigned v = strlen(q) < sizeof(q) - 1 ? app_parse_queue_size(q, VIRTIO_NET_QUEUE_MAX) : 0;
        if (v)
            cfg.rx_queue_size = cfg.tx_queue_size = (uint16_t)v;
        else
            kprintf("%s: WARNING: netq=%s is not a power of two from 2 to %u; using the device's size\n", f->tag, q,
                    (unsigned)VIRTIO_NET_QUEUE_MAX);
    }
    /* Checksum offload both ways unless turned off: csum=off (the guest
     * sums what it sends), guest_csum=off (the host sends complete
     * checksums, which the guest verifies).  Every NIC. */
    if (app_bootarg("csum=off"))
        cfg.disable_features |= VIRTIO_BIT(VIRTIO_NET_F_CSUM);
    if (app_bootarg("guest_csum=off"))
        cfg.disable_features |= VIRTIO_BIT(VIRTIO_NET_F_GUEST_CSUM);
    /* The control queue and the announcements it acks (after a migration
     * or QEMU's announce_self): ctrl_vq=off turns off both (GUEST_ANNOUNCE
     * needs CTRL_VQ), guest_announce=off the announcements only. */
    if (app_bootarg("ctrl_vq=off"))
        cfg.disable_features |= VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ);
    if (app_bootarg("guest_announce=off"))
        cfg.disable_features |= VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE);
    int err = virtio_net_init(&f->vnet, s->base, s->intid, s->irq_flags, s->dma_coherent, &cfg);
    if (err) {
        kprintf("%s: virtio-net at 0x%08lx failed: %s (%d)\n", f->tag, (unsigned long)s->base, virtio_strerror(err),
                err);
        return err;
    }
    if (f->index == 0)
        board_stage("virtio-net started");
    net_set_random(app_random);
    net_set_clock(now_us);
    struct netif *nif = &f->nif;
    netif_init(nif, f->vnet.mac, &ops, f);
    nif->offload = virtio_net_tx_csum(&f->vnet) ? NETIF_OFFLOAD_TX_CSUM : 0;
    netif_set_mtu(nif, virtio_net_mtu(&f->vnet));
    f->link_was_up = virtio_net_link_up(&f->vnet);
    netif_set_link(nif, f->link_was_up);
    net_udp_echo_enable(nif, true); /* UDP echo and ICMP answer on every interface */
    if (f->index == 0)
        tcpapp_start(nif); /* the TCP services: net0 only (README) */

    struct net_ipcfg *ip = &f->start_ip;
    err = net_parse_ip_arg_index(board()->bootargs, f->index, ip);
    if (err < 0) {
        if (f->index == 0)
            kprintf("net: WARNING: bad ip= argument: %s (%d); using DHCP\n", net_ipcfg_strerror(err), err);
        else
            kprintf("%s: WARNING: bad ip%u= argument: %s (%d); using DHCP\n", f->tag, f->index,
                    net_ipcfg_strerror(err), err);
    }
    f->start_ip_err = net_ipcfg_apply(nif, ip, on_dhcp, f);
    if (f->index == 0)
        board_stage("network configured");
    if (f->start_ip_err == 0 && ip->mode == NET_IPCFG_STATIC && f->index == 0)
        bench_network_ready();
    /* The rest waits for the end of the first netapp_poll() (announce()),
     * which start_drivers() calls next: the lines about the device and the
     * address cost cold code that the first answer need not wait for. */
    f->started = true;
    route_table[nifs] = nif;
    nifs++;
    return 0;
}

/* The end of start-up, after the first poll has answered what arrived
 * while the driver started: the lines netapp_start() held back, and the
 * gateway ping of a static address. */
static void announce(struct netapp_if *f)
{
    const struct net_ipcfg *ip = &f->start_ip;
    f->announced = true;
    print_features(f);
    if (!virtio_dev_has_irq(&f->vnet.dev))
        kprintf("%s: no interrupt: polled on the 10 ms tick\n", f->tag);
    if (f->start_ip_err < 0) {
        kprintf("%s: address configuration failed: %s (%d)\n", f->tag, net_strerror(f->start_ip_err),
                f->start_ip_err);
    } else if (ip->mode == NET_IPCFG_STATIC) {
        char a[16], g[16];
        kprintf("%s: static %s/%u gw %s\n", f->tag, net_ip4_str(ip->addr, a), net_ip4_prefix_len(ip->netmask),
                net_ip4_str(ip->gw, g));
        address_ready(f, ip->gw);
    } else if (ip->mode == NET_IPCFG_DHCP) {
        kprintf("%s: dhcp: asking for an address\n", f->tag);
    }
}

/* The device asked us to announce ourselves (VIRTIO_NET_F_GUEST_ANNOUNCE:
 * after a migration, or QEMU's announce_self): a gratuitous ARP for the
 * address, when there is one, sent before the ack (5.1.6.5.3: the packets
 * first, then VIRTIO_NET_CTRL_ANNOUNCE_ACK); acked even without an
 * address - there is nothing to announce, and the device waits for it. */
static void announce_peers(struct netapp_if *f)
{
    char a[16];
    bool sent = netif_announce(&f->nif);
    virtio_net_flush(&f->vnet);
    int err = virtio_net_announce_ack(&f->vnet);
    const char *what = sent ? net_ip4_str(f->nif.ipv4.addr, a) : "nothing to announce";
    if (err)
        kprintf("%s: announce: %s, ack failed: %s (%d)\n", f->tag, what, virtio_strerror(err), err);
    else
        kprintf("%s: announce: %s, acked\n", f->tag, what);
}

/* Receive and answer: what a wake-up is for.  false when the interface is
 * not (or no longer) running. */
static bool poll_one(struct netapp_if *f)
{
    if (!f->started)
        return false;
    int err = virtio_net_check(&f->vnet);
    if (err > 0) { /* re-initialised: the features were negotiated again */
        f->nif.offload = virtio_net_tx_csum(&f->vnet) ? NETIF_OFFLOAD_TX_CSUM : 0;
        /* the device's limit only: a DHCP lease's (option 26) is the
         * network's and stays; the link MTU is the smaller (netif.h) */
        netif_set_mtu(&f->nif, virtio_net_mtu(&f->vnet));
    }
    if (err < 0) {
        if (!f->announced)
            announce(f);
        kprintf("%s: device re-initialisation failed: %s (%d); network stopped\n", f->tag, virtio_strerror(err),
                err);
        f->started = false;
        f->stop_err = err;
        netif_set_link(&f->nif, false); /* no route through it any more */
        return false;
    }
    if (virtio_net_link_changed(&f->vnet)) {
        bool up = virtio_net_link_up(&f->vnet);
        if (up != f->link_was_up) {
            f->link_was_up = up;
            kprintf("%s: link %s\n", f->tag, up ? "up" : "down");
            netif_set_link(&f->nif, up);
        }
    }
    if (virtio_net_announce_wanted(&f->vnet))
        announce_peers(f);
    virtio_net_poll(&f->vnet, 64);
    /* Replies leave before the timers run (one notification per batch). */
    virtio_net_flush(&f->vnet);
    if (!f->announced)
        announce(f);
    return true;
}

void netapp_poll(void)
{
    if (nifs == 0)
        return;
    for (unsigned i = 0; i < nifs; i++)
        if (poll_one(&ifs[i]) && i == 0)
            tcpapp_poll(); /* its stack is net0's */
    /* The stack's timers want a call every 10-100 ms, not one per wake-up:
     * under traffic the loop runs once per packet.  The clock is read after
     * the frames are answered, not on the way to the answer. */
    static uint64_t last_tick_ms;
    uint64_t now_ms = timer_ms();
    if (now_ms - last_tick_ms < 10)
        return;
    last_tick_ms = now_ms;
    for (unsigned i = 0; i < nifs; i++) {
        struct netapp_if *f = &ifs[i];
        if (!f->started)
            continue;
        net_tick(&f->nif, now_ms);
        virtio_net_flush(&f->vnet);
    }
}

bool netapp_busy(void)
{
    for (unsigned i = 0; i < nifs; i++)
        if (ifs[i].started && virtio_net_pending(&ifs[i].vnet))
            return true;
    return false;
}

unsigned netapp_count(void) { return nifs; }
struct netif *netapp_netif_at(unsigned i) { return i < nifs && ifs[i].started ? &ifs[i].nif : NULL; }
struct virtio_net *netapp_dev_at(unsigned i) { return i < nifs && ifs[i].started ? &ifs[i].vnet : NULL; }
struct netif *netapp_netif(void) { return netapp_netif_at(0); }
struct virtio_net *netapp_dev(void) { return netapp_dev_at(0); }

struct netif *netapp_route(uint32_t dst) { return net_route(route_table, nifs, dst); }

int netapp_ping(uint32_t dst, unsigned count, bool (*interrupted)(void *arg), void *arg)
{
    if (nifs == 0)
        return -NET_ELINKDOWN; /* no interface at all: the shell says so before calling */
    struct netif *nif = netapp_route(dst);
    if (!nif)
        return -NET_ENOROUTE;
    struct netapp_if *f = nif->driver;
    shell_ping_done = false;
    int err = net_ping_start(nif, dst, (uint16_t)count, 56, 1000, 1000, print_ping, NULL);
    if (err)
        return err;
    /* Like ping(8), the command lasts until the last reply or timeout -
     * or until the interface stops (its device failed): its timers no
     * longer run, so no timeout would ever come. */
    while (!shell_ping_done) {
        netapp_poll();
        if (!f->started) {
            char a[16];
            net_ping_stop(nif);
            kprintf("%s: ping %s stopped: the interface stopped, its device failed: %s (%d); %u/%u replies\n",
                    f->tag, net_ip4_str(dst, a), virtio_strerror(f->stop_err), f->stop_err,
                    (unsigned)nif->ping.received, (unsigned)nif->ping.sent);
            return 0;
        }
        if (!shell_ping_done && interrupted && interrupted(arg)) {
            char a[16];
            net_ping_stop(nif);
            kprintf("ping %s: interrupted; %u/%u replies\n", net_ip4_str(dst, a), (unsigned)nif->ping.received,
                    (unsigned)nif->ping.sent);
            return 0;
        }
        board_idle_unless(ping_work, NULL);
    }
    return 0;
}
