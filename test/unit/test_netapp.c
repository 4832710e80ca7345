/*
 * test_netapp.c - the demo's network glue (apps/netapp.c) on the real IP
 * stack, with the virtio-net driver stood in for: each interface's frames
 * go to a fake link (test/unit/fake_netif.c) and virtio_net_check()
 * answers what the test says.  What is asserted: the shell's ping
 * (netapp_ping) returns when its interface stops under it (the device
 * failed its re-initialisation) and says so in words, as it returns after
 * its last timeout when nothing fails; netq= as long as a word may be is
 * taken whole, not cut to a size it does not say.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "forked_cases.h"

#include "app.h"
#include "bench.h"
#include "fake_netif.h"
#include "kprintf.h"
#include "netapp.h"
#include "netif.h"
#include "tcpapp.h"
#include "timer/timer.h"
#include "virtio/virtio.h"
#include "virtio/virtio_net.h"
#include "virtio/virtqueue.h"

/* ---- the firmware and the driver around netapp.c, stood in for ---------- */

static struct board_info binfo;
static uint64_t now_ns;
static struct fake_netif wire;    /* where every interface's frames go */
static int check_err;             /* what virtio_net_check() answers */
static unsigned idle_calls, break_after;
static struct virtio_net_config last_cfg;
static char out[16384];
static size_t out_len;

const struct board_info *board(void) { return &binfo; }
static const char *stage_names[BOARD_STAGES];
static unsigned nstages;
void board_stage(const char *name)
{
    if (nstages < BOARD_STAGES)
        stage_names[nstages++] = name;
}
uint64_t timer_ns(void) { return now_ns; }
uint64_t timer_us(void) { return now_ns / 1000; }
uint64_t timer_ms(void) { return now_ns / 1000000; }
uint32_t app_random(void) { return 4; }
void bench_network_ready(void) {}
void *bench_tx_begin(struct netbuf *nb)
{
    (void)nb;
    return NULL;
}
void bench_tx_queued(void *series, unsigned net_intid)
{
    (void)series;
    (void)net_intid;
}
void tcpapp_start(struct netif *nif) { (void)nif; }
void tcpapp_poll(void) {}
const char *virtio_strerror(int err) { return err == VIRTIO_EIO ? "I/O error" : "some error"; }
unsigned virtqueue_size(const struct virtqueue *vq)
{
    (void)vq;
    return 256;
}

/* The main loop's sleep: 10 ms pass; the device fails when the test says. */
void board_idle_unless(bool (*work)(void *), void *arg)
{
    (void)work;
    (void)arg;
    now_ns += 10ull * 1000 * 1000;
    if (++idle_calls == break_after)
        check_err = VIRTIO_EIO;
    if (idle_calls > 100000)
        fail_msg("the ping still waits after %u sleeps (%llu s)", idle_calls, (unsigned long long)(now_ns / 1000000000));
}

int virtio_net_init(struct virtio_net *n, uintptr_t base, unsigned irq, unsigned irq_flags, bool dma_coherent,
                    const struct virtio_net_config *cfg)
{
    (void)irq;
    (void)irq_flags;
    (void)dma_coherent;
    memset(n, 0, sizeof(*n));
    n->dev.base = base;
    n->dev.irq = VIRTIO_NO_IRQ;
    memcpy(n->mac, fake_mac, 6);
    n->link_up = true;
    last_cfg = *cfg;
    return 0;
}
bool virtio_net_link_up(struct virtio_net *n) { return n->link_up; }
bool virtio_net_link_changed(struct virtio_net *n)
{
    (void)n;
    return false;
}
unsigned virtio_net_poll(struct virtio_net *n, unsigned budget)
{
    (void)n;
    (void)budget;
    return 0;
}
bool virtio_net_pending(const struct virtio_net *n)
{
    (void)n;
    return false;
}
struct netbuf *virtio_net_tx_alloc(struct virtio_net *n)
{
    (void)n;
    return wire.ops.tx_alloc(&wire.nif);
}
static unsigned dev_mtu = 1500; /* what virtio_net_mtu() answers */
unsigned virtio_net_mtu(const struct virtio_net *n)
{
    (void)n;
    return dev_mtu;
}
bool virtio_net_tx_csum(const struct virtio_net *n)
{
    (void)n;
    return false;
}
int virtio_net_tx(struct virtio_net *n, struct netbuf *nb)
{
    (void)n;
    return wire.ops.output(&wire.nif, nb);
}
void virtio_net_flush(struct virtio_net *n) { (void)n; }
int virtio_net_check(struct virtio_net *n)
{
    (void)n;
    return check_err;
}
/* The device's request to announce (VIRTIO_NET_F_GUEST_ANNOUNCE) and the
 * ack: what the test says, and what the glue did, in order. */
static bool announce_wanted;
static int ack_err;
static unsigned acks;
static unsigned frames_at_ack; /* frames on the wire when the ack was sent */
bool virtio_net_announce_wanted(const struct virtio_net *n)
{
    (void)n;
    return announce_wanted;
}
int virtio_net_announce_ack(struct virtio_net *n)
{
    (void)n;
    acks++;
    announce_wanted = false;
    frames_at_ack = (unsigned)wire.out_count;
    return ack_err;
}

static void sink(const char *s, size_t n)
{
    if (n > sizeof(out) - 1 - out_len)
        n = sizeof(out) - 1 - out_len;
    memcpy(out + out_len, s, n);
    out_len += n;
    out[out_len] = '\0';
}

static const struct board_virtio_slot slot0 = {.base = 0x0a003e00, .intid = VIRTIO_NO_IRQ};

static void setup_net(const char *bootargs)
{
    binfo.bootargs = bootargs;
    fake_init(&wire);
    wire.tx_budget = -1;
    kprintf_set_sink(sink);
    assert_int_equal(netapp_start(&slot0), 0);
    netapp_poll();
}

/* ---- tests: each runs in a process of its own (netapp.c's state is static) */

static void test_ping_done(void)
{
    setup_net("ip=10.0.2.15:::255.255.255.0");
    out_len = 0;
    /* No answer on the link: three timeouts, then the summary. */
    assert_int_equal(netapp_ping(FAKE_PEER, 3, NULL, NULL), 0);
    assert_non_null(strstr(out, "net: ping 10.0.2.3: 0/3 replies"));
}

static void test_ping_interface_stops(void)
{
    setup_net("ip=10.0.2.15:::255.255.255.0");
    out_len = 0;
    break_after = 150; /* 1.5 s in: the second request is out */
    int err = netapp_ping(FAKE_PEER, 5, NULL, NULL);
    assert_int_equal(err, 0);
    assert_non_null(strstr(out, "net: device re-initialisation failed: I/O error (-5); network stopped"));
    assert_non_null(strstr(out, "net: ping 10.0.2.3 stopped: the interface stopped, its device failed: "
                                "I/O error (-5); 0/2 replies"));
    assert_null(netapp_netif_at(0));
    /* Nothing keeps waiting: a second ping has no route. */
    assert_int_equal(netapp_ping(FAKE_PEER, 1, NULL, NULL), -NET_ENOROUTE);
}

/* The interrupt check says true 1.5 s in (Ctrl-C, or the TCP session
 * gone): the ping stops there, says so with the replies so far, and a
 * new one can start (the first no longer holds the interface's client). */
static unsigned checks;
static bool interrupt_after_150(void *arg)
{
    assert_ptr_equal(arg, &checks);
    return ++checks >= 150;
}

static void test_ping_interrupted(void)
{
    setup_net("ip=10.0.2.15:::255.255.255.0");
    out_len = 0;
    assert_int_equal(netapp_ping(FAKE_PEER, 1000, interrupt_after_150, &checks), 0);
    assert_int_equal(checks, 150);
    if (!strstr(out, "ping 10.0.2.3: interrupted; 0/2 replies"))
        fail_msg("the ping said:\n%s", out);
    assert_null(strstr(out, "net: ping 10.0.2.3: 0/"));
    assert_true(now_ns < 2000ull * 1000 * 1000);
    out_len = 0;
    assert_int_equal(netapp_ping(FAKE_PEER, 1, NULL, NULL), 0);
    assert_non_null(strstr(out, "net: ping 10.0.2.3: 0/1 replies"));
}

static void test_netq_long_value(void)
{
    /* 640 is not a power of two: cut to its first digits it would read 64. */
    setup_net("netq=00000640 ip=10.0.2.15:::255.255.255.0");
    assert_int_equal(last_cfg.rx_queue_size, 0);
    assert_non_null(strstr(out, "net: WARNING: netq=00000640 is not a power of two from 2 to 1024"));
}

static void test_netq_ok(void)
{
    setup_net("netq=0064 ip=10.0.2.15:::255.255.255.0");
    assert_int_equal(last_cfg.rx_queue_size, 64);
    assert_int_equal(last_cfg.tx_queue_size, 64);
}

static void test_bootargs_tabs_newline(void)
{
    /* A device tree's bootargs may hold tabs or end in a newline: words
     * apart for every argument, as ip= (net/ipcfg.c) already reads them. */
    setup_net("ip=10.0.2.15:::255.255.255.0\tnetq=64\n");
    assert_int_equal(last_cfg.rx_queue_size, 64);
    assert_true(app_bootarg("netq=64"));
}

/* A word given twice: the last counts, as ip= takes it. */
static void test_bootarg_last_counts(void)
{
    setup_net("netq=64 ip=10.0.2.15:::255.255.255.0 netq=128");
    assert_int_equal(last_cfg.rx_queue_size, 128);
}

/* Words the firmware does not read (a typo, a loader's Linux argument) are
 * named in a warning, at most eight lines and then a count, a long one cut;
 * every word of main.c's list passes without one. */
static void test_bootargs_unknown(void)
{
    setup_net("ip=10.0.2.15:::255.255.255.0 tcp_shel=off netq=64 console=ttyAMA0");
    out_len = 0;
    assert_int_equal(app_bootargs_check(), 2);
    assert_non_null(strstr(out, "boot: WARNING: boot argument 'tcp_shel=off' is not one this firmware reads; "
                                "ignored\n"));
    assert_non_null(strstr(out, "boot: WARNING: boot argument 'console=ttyAMA0' is not one"));
    assert_null(strstr(out, "'netq"));
    assert_null(strstr(out, "'ip="));

    static char many[1024];
    snprintf(many, sizeof(many), "%s %s",
             "bench csum=off guest_csum=off tcp_echo=off tcp_discard=off tcp_shell=off http=off poweroff "
             "bootstage crash=undef crash=abort rng=poll ctrl_vq=off guest_announce=off ip=dhcp ip1=dhcp ip2=off "
             "ip3=dhcp netq=8 blk=check",
             "a b c d e f g h i j crash=oops ip4=dhcp "
             "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    binfo.bootargs = many;
    out_len = 0;
    out[0] = '\0';
    assert_int_equal(app_bootargs_check(), 13);
    if (!strstr(out, "boot: WARNING: boot argument 'a' is not") || !strstr(out, "'h' is not") ||
        strstr(out, "'i' is not") || !strstr(out, "boot: WARNING: 5 more boot arguments this firmware does not "
                                                    "read; ignored\n"))
        fail_msg("the warnings:\n%s", out);
    binfo.bootargs = "a b c d e f g h xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx";
    out_len = 0;
    out[0] = '\0';
    assert_int_equal(app_bootargs_check(), 9);
    binfo.bootargs = "crash=oops xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx ip4=dhcp";
    out_len = 0;
    out[0] = '\0';
    assert_int_equal(app_bootargs_check(), 3);
    if (!strstr(out, "'crash=oops' is not") || !strstr(out, "'ip4=dhcp' is not") ||
        !strstr(out, "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not"))
        fail_msg("the warnings:\n%s", out);
}

static void test_boot_stages(void)
{
    /* net0 notes its two boot stages (bootstage), in order; net1 none. */
    static const struct board_virtio_slot slot1 = {.base = 0x0a003c00, .intid = VIRTIO_NO_IRQ};
    setup_net("ip=10.0.2.15:::255.255.255.0");
    assert_int_equal(nstages, 2);
    assert_string_equal(stage_names[0], "virtio-net started");
    assert_string_equal(stage_names[1], "network configured");
    assert_int_equal(netapp_start(&slot1), 0);
    assert_int_equal(nstages, 2);
}

/* The stack sends within the device's MTU: set at the start, and again
 * when a re-initialisation negotiated the features anew. */
static void test_mtu_from_device(void)
{
    dev_mtu = 1400;
    setup_net("ip=10.0.2.15:::255.255.255.0");
    assert_int_equal(netapp_netif_at(0)->mtu, 1400);
    dev_mtu = 1280;
    netapp_poll();
    assert_int_equal(netapp_netif_at(0)->mtu, 1400); /* no re-initialisation: kept */
    check_err = 1;
    netapp_poll();
    assert_int_equal(netapp_netif_at(0)->mtu, 1280);
}

/* A frame from the link into net0, in a buffer of the wire's (it goes
 * back to the wire's pool, which fake_fini would check). */
static void link_input(const uint8_t *frame, size_t len)
{
    struct netbuf *nb = wire.ops.tx_alloc(&wire.nif);
    assert_non_null(nb);
    memcpy(nb->buf + nb->off, frame, len);
    nb->len = (uint16_t)len;
    nb->csum_flags = 0;
    netif_input(netapp_netif_at(0), nb);
}

/* The next DHCP message net0 sent (other frames skipped): its xid. */
static uint32_t next_dhcp_xid(void)
{
    struct fake_frame *o;
    while ((o = fake_pop(&wire)) != NULL) {
        bool dhcp = o->len > 46 && o->data[12] == 0x08 && o->data[13] == 0 && o->data[23] == 17 &&
                    o->data[36] == 0 && o->data[37] == 67;
        uint32_t xid = (uint32_t)o->data[46] << 24 | (uint32_t)o->data[47] << 16 | (uint32_t)o->data[48] << 8 |
                       o->data[49];
        free(o);
        if (dhcp)
            return xid;
    }
    fail_msg("no DHCP message sent");
    return 0;
}

/* The two owners of the link MTU: the device (netapp.c, at the start and
 * after a re-initialisation) and the DHCP lease (option 26, in net/).  A
 * lease's 1400 holds over a re-initialisation that brings the device's
 * 1500 back, a device of 1280 wins over it, and the boot line says what
 * the server gave.  Before, a re-initialisation set the MTU to the
 * device's whatever the network had said. */
static void test_mtu_from_dhcp_and_device(void)
{
    static const uint8_t mtu1400[] = {26, 2, 0x05, 0x78};
    static uint8_t fr[FAKE_FRAME_MAX];
    uint8_t opts[64];
    size_t n;

    setup_net("ip=dhcp");
    assert_int_equal(netapp_netif_at(0)->mtu, 1500);
    uint32_t xid = next_dhcp_xid();
    n = frame_dhcp(fr, xid, FAKE_IP, opts, dhcp_std_opts(opts, 2, 600));
    link_input(fr, n);
    assert_int_equal(next_dhcp_xid(), xid); /* the REQUEST */
    n = dhcp_std_opts(opts, 5, 600) - 1;
    memcpy(opts + n, mtu1400, sizeof(mtu1400));
    n += sizeof(mtu1400);
    opts[n++] = 255;
    n = frame_dhcp(fr, xid, FAKE_IP, opts, n);
    link_input(fr, n);
    if (!strstr(out, "net: dhcp: bound 10.0.2.15/24 gw 10.0.2.2 lease 600 s mtu 1400\n"))
        fail_msg("the log:\n%s", out);
    assert_int_equal(netapp_netif_at(0)->mtu, 1400);
    check_err = 1; /* re-initialised, the device's MTU 1500 */
    netapp_poll();
    assert_int_equal(netapp_netif_at(0)->mtu, 1400);
    dev_mtu = 1280;
    netapp_poll();
    assert_int_equal(netapp_netif_at(0)->mtu, 1280);
    dev_mtu = 1500;
    netapp_poll();
    assert_int_equal(netapp_netif_at(0)->mtu, 1400);
    check_err = 0;
    fake_drain(&wire);
}

/* The device asks to be announced (after a migration): a gratuitous ARP
 * for the address leaves before the ack, and the log says so; without an
 * address nothing is sent but the request is acked all the same; a failed
 * ack is said in words.  ctrl_vq=off and guest_announce=off turn the
 * features off. */
static void test_guest_announce(void)
{
    struct fake_frame *o;

    setup_net("ip=10.0.2.15:::255.255.255.0");
    fake_drain(&wire);
    announce_wanted = true;
    netapp_poll();
    assert_int_equal(acks, 1);
    assert_int_equal(frames_at_ack, 1); /* the announcement went out first */
    o = fake_pop(&wire);
    assert_non_null(o);
    assert_int_equal(o->len, 42);
    assert_int_equal(o->data[12], 0x08);
    assert_int_equal(o->data[13], 0x06); /* ARP */
    assert_int_equal(o->data[21], 1);    /* request */
    static const uint8_t ours[4] = {10, 0, 2, 15};
    assert_memory_equal(o->data + 28, ours, 4); /* sender: ours */
    assert_memory_equal(o->data + 38, ours, 4); /* target: ours */
    free(o);
    assert_null(fake_pop(&wire));
    if (!strstr(out, "net: announce: 10.0.2.15, acked\n"))
        fail_msg("the log:\n%s", out);
    assert_int_equal(netapp_netif_at(0)->stats.arp_announced, 2); /* the boot's and this one */
    /* Nothing more until the device asks again. */
    netapp_poll();
    assert_int_equal(acks, 1);
    /* The ack fails: said. */
    announce_wanted = true;
    ack_err = VIRTIO_EIO;
    netapp_poll();
    assert_int_equal(acks, 2);
    if (!strstr(out, "net: announce: 10.0.2.15, ack failed: I/O error (-"))
        fail_msg("the log:\n%s", out);
    fake_drain(&wire);
    /* No address: nothing to announce, acked anyway. */
    ack_err = 0;
    netif_set_ipv4(netapp_netif_at(0), 0, 0, 0);
    announce_wanted = true;
    netapp_poll();
    assert_int_equal(acks, 3);
    assert_null(fake_pop(&wire));
    if (!strstr(out, "net: announce: nothing to announce, acked\n"))
        fail_msg("the log:\n%s", out);
    assert_int_equal(last_cfg.disable_features & (VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ) |
                                                  VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE)), 0);
}

static void test_ctrl_vq_off(void)
{
    setup_net("ctrl_vq=off");
    assert_true(last_cfg.disable_features & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ));
    assert_false(last_cfg.disable_features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_int_equal(app_bootargs_check(), 0); /* a word the firmware reads */
}

static void test_guest_announce_off(void)
{
    setup_net("guest_announce=off");
    assert_false(last_cfg.disable_features & VIRTIO_BIT(VIRTIO_NET_F_CTRL_VQ));
    assert_true(last_cfg.disable_features & VIRTIO_BIT(VIRTIO_NET_F_GUEST_ANNOUNCE));
    assert_int_equal(app_bootargs_check(), 0); /* a word the firmware reads */
}

static const struct forked_case cases[] = {
    FORKED(test_guest_announce),
    FORKED(test_ctrl_vq_off),
    FORKED(test_guest_announce_off),
    FORKED(test_mtu_from_device),
    FORKED(test_mtu_from_dhcp_and_device),
    FORKED(test_ping_done),
    FORKED(test_ping_interface_stops),
    FORKED(test_ping_interrupted),
    FORKED(test_netq_long_value),
    FORKED(test_netq_ok),
    FORKED(test_bootargs_tabs_newline),
    FORKED(test_boot_stages),
    FORKED(test_bootarg_last_counts),
    FORKED(test_bootargs_unknown),
};

/* Each case in a child process: netapp.c keeps its state in statics. */
int main(void)
{
    return run_forked_cases("netapp", cases, FORKED_N(cases));
}
