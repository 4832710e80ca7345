/*
 * main.c - the demo firmware: list the virtio-mmio devices the board found,
 * start a driver for each kind it knows, then serve the network and the
 * console shell from one main loop.
 *
 * Devices: every virtio-net (up to NETAPP_MAX, 4: net0..net3), virtio-blk
 * (BLKAPP_MAX, 4: disk0..disk3), virtio-console (CON_MAX, 2: each echoes)
 * and virtio-rng (RNG_MAX, 2: rng0 the entropy source, rng1 its fallback)
 * the device tree lists, in probe order; one past a limit is left out with
 * a "virtio: ... left out" line.
 *
 * Boot arguments (from /chosen/bootargs, QEMU -append; of a key=value
 * word given twice, the last counts; a word not in this list - apps/bootargs.c has it
 * too - is named in a boot warning and ignored):
 *   ip=...            net0's address (Linux syntax); DHCP by default
 *   ip1=... ip3=...   net1's ... net3's address, the same syntax (net/ipcfg.h);
 *                     DHCP by default.  Sending picks the interface by
 *                     destination (net/route.h)
 *   bench             count instructions per packet (apps/bench.h)
 *   netq=N            virtio-net queue size to ask for (power of two, 2-1024)
 *   csum=off          virtio-net: do not hand UDP checksums to the device
 *                     (VIRTIO_NET_F_CSUM); the guest sums what it sends
 *   guest_csum=off    virtio-net: do not accept partial or device-verified
 *                     checksums (VIRTIO_NET_F_GUEST_CSUM); the guest
 *                     verifies every checksum it receives
 *   ctrl_vq=off       virtio-net: no control queue (VIRTIO_NET_F_CTRL_VQ),
 *                     and so no announcements either
 *   guest_announce=off  virtio-net: do not announce the guest when the
 *                     device asks (VIRTIO_NET_F_GUEST_ANNOUNCE: after a
 *                     migration, or QEMU's announce_self)
 *   tcp_echo=off      no TCP echo service on port 7 (apps/tcpapp.h)
 *   tcp_discard=off   no TCP discard service on port 9
 *   tcp_shell=off     no shell on TCP port 23 (apps/shellsrv.h)
 *   http=off          no HTTP server on port 80 (apps/httpapp.h)
 *   poweroff          power off once boot has finished (system tests)
 *   bootstage         after boot: done, the time of each boot stage (board.c)
 *   crash=undef|abort take an exception on purpose, to show the crash report
 *   rng=poll          drive virtio-rng by polling instead of its interrupt
 *   blk=MODE          whole-disk integrity pass at boot, every disk in turn: write (the LBA
 *                     pattern, then flush), check (print a checksum),
 *                     verify (compare with the pattern), rowrite (try a
 *                     write that a read-only disk must refuse)
 */
#include <string.h>

#include "app.h"
#include "bench.h"
#include "blkapp.h"
#include "conecho.h"
#include "httpapp.h"
#include "kprintf.h"
#include "netapp.h"
#include "shellsrv.h"
#include "plat.h"
#include "timer/timer.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_rng.h"

static struct app_device devices[BOARD_MAX_VIRTIO];
static int ndevices;

const struct app_device *app_devices(int *n)
{
    *n = ndevices;
    return devices;
}

void app_set_driver(uint32_t device_id, struct virtio_dev *dev)
{
    for (int i = 0; i < ndevices; i++)
        if (devices[i].id.device_id == device_id && devices[i].slot->base == dev->base)
            devices[i].dev = dev;
}

/* Boot arguments: apps/bootargs.c. */

/* ---- devices ------------------------------------------------------------------ */

const char *app_irq_str(const struct board_virtio_slot *s, char *buf, size_t size)
{
    if (s->intid == VIRTIO_NO_IRQ)
        ksnprintf(buf, size, "none");
    else
        ksnprintf(buf, size, "%u%s", s->intid, s->irq_flags == PLAT_IRQ_LEVEL ? " level" : "");
    return buf;
}

static void probe_all(void)
{
    const struct board_info *b = board();
    int empty = 0;
    for (int i = 0; i < b->nvirtio; i++) {
        const struct board_virtio_slot *s = &b->virtio[i];
        struct virtio_mmio_ident id;
        int r = virtio_mmio_identify(s->base, &id);
        if (r == VIRTIO_PROBE_EMPTY) {
            empty++;
        } else if (r == VIRTIO_PROBE_BAD_MAGIC) {
            kprintf("virtio: WARNING: %s at 0x%08lx: bad magic 0x%08x, skipped\n", s->name,
                    (unsigned long)s->base, (unsigned)id.magic);
        } else if (r == VIRTIO_PROBE_BAD_VERSION) {
            kprintf("virtio: WARNING: %s at 0x%08lx: unknown version %u, skipped\n", s->name,
                    (unsigned long)s->base, (unsigned)id.version);
        } else {
            char irq[24];
            kprintf("virtio-mmio@0x%08lx irq %s v%u dev %u (%s) vendor 0x%08x%s\n", (unsigned long)s->base,
                    app_irq_str(s, irq, sizeof(irq)),
                    (unsigned)id.version, (unsigned)id.device_id, virtio_device_name(id.device_id),
                    (unsigned)id.vendor_id, s->dma_coherent ? "" : " non-coherent");
            /* Stop whatever a boot loader left running before any DMA
             * memory is handed out: every device, driven here or not. */
            int was = virtio_mmio_quiesce(s->base);
            if (was < 0)
                kprintf("virtio: WARNING: 0x%08lx: reset did not complete: %s (%d)\n", (unsigned long)s->base,
                        virtio_strerror(was), was);
            else if (was)
                kprintf("virtio: 0x%08lx was left running by the boot loader (status 0x%02x): reset\n",
                        (unsigned long)s->base, (unsigned)was);
            devices[ndevices].slot = s;
            devices[ndevices].id = id;
            ndevices++;
        }
    }
    /* Nodes the board left out (status "disabled", or refused with a warning). */
    char skipped[32] = "";
    if (b->virtio_skipped)
        ksnprintf(skipped, sizeof(skipped), ", %d node%s skipped", b->virtio_skipped,
                  b->virtio_skipped == 1 ? "" : "s");
    kprintf("virtio: %d device%s, %d empty slot%s%s\n", ndevices, ndevices == 1 ? "" : "s", empty,
            empty == 1 ? "" : "s", skipped);
}

/* virtio-rng: up to RNG_MAX devices.  rng0 is the entropy source; a second
 * is the fallback, read when rng0 fails a read (a broken or stalled
 * device), so entropy outlives one device. */
#define RNG_MAX 2
struct rng_unit {
    struct virtio_dev dev;
    struct virtio_rng rng;
};
static struct rng_unit rngs[RNG_MAX];
static unsigned nrng;

/* Set by the driver (interrupt context) after each completion.  A plain
 * board_idle() between the driver's checks would sleep through a
 * completion that lands after it looked, until the next timer tick (10 ms,
 * once per read at boot): sleep only while nothing has completed. */
static volatile bool rng_event;

static void rng_completed(void *arg)
{
    (void)arg;
    rng_event = true;
}

static bool rng_event_pending(void *arg)
{
    (void)arg;
    return rng_event;
}

static void wait_for_interrupt(void *arg)
{
    (void)arg;
    board_idle_unless(rng_event_pending, NULL);
    rng_event = false;
}

static int rng_read_one(struct rng_unit *u, void *buf, size_t len)
{
    /* Polled: nothing interrupts, so spin on the ring (a few microseconds
     * under QEMU) instead of sleeping to the next tick. */
    struct virtio_rng_wait w = {.wait = u->rng.mode == VIRTIO_RNG_POLL ? NULL : wait_for_interrupt};
    return virtio_rng_read(&u->rng, buf, len, &w, 1000ull * 1000 * 1000);
}

int app_rng_read(void *buf, size_t len)
{
    if (nrng == 0)
        return VIRTIO_ENODEV;
    int n = rng_read_one(&rngs[0], buf, len);
    /* The fallback: rng1 when rng0 failed or came back short. */
    for (unsigned i = 1; i < nrng && (n < 0 || (size_t)n < len); i++) {
        int m = rng_read_one(&rngs[i], buf, len);
        if (m > n)
            n = m;
    }
    return n;
}

/* Start the next virtio-rng device; 0, or an error (said in the log). */
static int start_rng(const struct board_virtio_slot *s)
{
    struct rng_unit *u = &rngs[nrng];
    const char *tag = nrng == 0 ? "rng" : "rng1";
    bool poll = app_bootarg("rng=poll");
    struct virtio_rng_config cfg = {.mode = poll ? VIRTIO_RNG_POLL : VIRTIO_RNG_IRQ, .on_complete = rng_completed};
    int err = virtio_mmio_attach(&u->dev, s->base, s->intid, s->irq_flags, s->dma_coherent);
    if (!err)
        err = virtio_rng_init(&u->rng, &u->dev, &cfg);
    if (err) {
        kprintf("%s: virtio-rng at 0x%08lx failed: %s (%d)\n", tag, (unsigned long)s->base, virtio_strerror(err),
                err);
        return err;
    }
    nrng++;
    app_set_driver(VIRTIO_ID_RNG, &u->dev);
    uint8_t bytes[16];
    int n = rng_read_one(u, bytes, sizeof(bytes));
    if (n != (int)sizeof(bytes)) {
        if (n < 0)
            kprintf("%s: read failed: %s (%d)\n", tag, virtio_strerror(n), n);
        else
            kprintf("%s: read failed: only %d of %u bytes within 1 s\n", tag, n, (unsigned)sizeof(bytes));
        return 0;
    }
    char hex[3 * sizeof(bytes) + 1];
    for (unsigned k = 0; k < sizeof(bytes); k++)
        ksnprintf(hex + 3 * k, 4, "%02x%s", bytes[k], k + 1 < sizeof(bytes) ? " " : "");
    const char *role = nrng == 1 ? "" : ", the fallback when rng0 fails";
    if (!virtio_dev_has_irq(&u->dev)) /* the driver polls whatever cfg asked */
        kprintf("%s: %s (virtio-mmio v%u, polled: no interrupt%s)\n", tag, hex, (unsigned)u->dev.version, role);
    else if (poll)
        kprintf("%s: %s (virtio-mmio v%u, polled, %u interrupts%s)\n", tag, hex, (unsigned)u->dev.version,
                (unsigned)u->dev.stats.interrupts, role);
    else
        kprintf("%s: %s (virtio-mmio v%u, %u interrupt%s%s)\n", tag, hex, (unsigned)u->dev.version,
                (unsigned)u->dev.stats.interrupts, u->dev.stats.interrupts == 1 ? "" : "s", role);
    return 0;
}

uint32_t app_random(void)
{
    uint32_t v = 0;
    if (app_rng_read(&v, sizeof(v)) == (int)sizeof(v))
        return v;
    /* No entropy device: the counter's low bits are the best we have. */
    static uint32_t x;
    x = x * 1664525u + 1013904223u + (uint32_t)timer_ns();
    return x;
}

/* virtio-console port 0, up to CON_MAX devices: each is a second console
 * of its own that echoes what it receives (the boot log and the shell stay
 * on the UART). */
#define CON_MAX 2
struct con_unit {
    struct virtio_dev dev;
    struct virtio_console con;
    struct con_echo echo; /* what it received and has not taken back yet (conecho.h) */
};
static struct con_unit cons[CON_MAX];
static unsigned ncon;

static int start_console(const struct board_virtio_slot *s)
{
    struct con_unit *u = &cons[ncon];
    const char *tag = ncon == 0 ? "console" : "console1";
    struct virtio_console_config cfg = {.mode = VIRTIO_CONSOLE_IRQ};
    int err = virtio_mmio_attach(&u->dev, s->base, s->intid, s->irq_flags, s->dma_coherent);
    if (!err)
        err = virtio_console_init(&u->con, &u->dev, &cfg);
    if (err) {
        kprintf("%s: virtio-console at 0x%08lx failed: %s (%d)\n", tag, (unsigned long)s->base,
                virtio_strerror(err), err);
        return err;
    }
    ncon++;
    app_set_driver(VIRTIO_ID_CONSOLE, &u->dev);
    static const char hello[] = "vbare virtio-console: type, and it comes back\r\n";
    virtio_console_write(&u->con, hello, sizeof(hello) - 1);
    kprintf("%s: virtio-console at 0x%08lx, port 0 echoes (no MULTIPORT)%s\n", tag, (unsigned long)s->base,
            u->con.mode == VIRTIO_CONSOLE_POLL ? ", polled: no interrupt" : "");
    return 0;
}

static void console_poll(void)
{
    for (unsigned i = 0; i < ncon; i++)
        con_echo_poll(&cons[i].con, &cons[i].echo);
}

/* DMA memory each kind of device took at start-up (rings, buffers, headers). */
static size_t dma_used[VIRTIO_ID_CRYPTO + 1];

/* A device past its kind's limit: said once per device. */
static void left_out(const struct board_virtio_slot *s, const char *kind, unsigned max)
{
    kprintf("virtio: %s at 0x%08lx left out: the firmware drives at most %u %s device%s\n", kind,
            (unsigned long)s->base, max, kind, max == 1 ? "" : "s");
}

static void start_drivers(void)
{
    size_t left = plat_dma_pool_left();
    unsigned nics = 0;
    for (int i = 0; i < ndevices; i++)
        nics += devices[i].id.device_id == VIRTIO_ID_NET;
    /* Entropy first (virtio-rng) when the network wants it as it starts
     * (DHCP's transaction id); with static addresses it needs none to
     * answer, so virtio-rng starts with the rest (pass 1). */
    bool rng_first = netapp_wants_entropy(nics);
    bool rng_started[BOARD_MAX_VIRTIO] = {false};
    for (int i = 0; i < ndevices && rng_first; i++)
        if (devices[i].id.device_id == VIRTIO_ID_RNG && nrng < RNG_MAX) {
            start_rng(devices[i].slot);
            rng_started[i] = true;
        }
    dma_used[VIRTIO_ID_RNG] += left - plat_dma_pool_left();
    /* The network next (pass 0), then the rest (pass 1): what a booting
     * guest is waited for comes up, and answers what already reached it,
     * before the others start. */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && netapp_count()) {
            left = plat_dma_pool_left();
            netapp_poll(); /* may add RX buffers (netapp.c): net's memory too */
            dma_used[VIRTIO_ID_NET] += left - plat_dma_pool_left();
            board_stage("network's first poll");
        }
        for (int i = 0; i < ndevices; i++) {
            const struct board_virtio_slot *s = devices[i].slot;
            uint32_t id = devices[i].id.device_id;
            if ((id == VIRTIO_ID_NET) != (pass == 0))
                continue;
            left = plat_dma_pool_left();
            if (id == VIRTIO_ID_NET) {
                if (netapp_count() >= NETAPP_MAX)
                    left_out(s, "net", NETAPP_MAX);
                else if (netapp_start(s) == 0)
                    app_set_driver(VIRTIO_ID_NET, &netapp_dev_at(netapp_count() - 1)->dev);
            } else if (id == VIRTIO_ID_BLOCK) {
                if (blkapp_count() >= BLKAPP_MAX)
                    left_out(s, "blk", BLKAPP_MAX);
                else if (blkapp_start(s) == 0)
                    app_set_driver(VIRTIO_ID_BLOCK, &blkapp_dev_at(blkapp_count() - 1)->dev);
            } else if (id == VIRTIO_ID_CONSOLE) {
                if (ncon >= CON_MAX)
                    left_out(s, "console", CON_MAX);
                else
                    start_console(s);
            } else if (id == VIRTIO_ID_RNG && !rng_started[i]) {
                if (nrng >= RNG_MAX)
                    left_out(s, "rng", RNG_MAX);
                else
                    start_rng(s);
            }
            if (id < sizeof(dma_used) / sizeof(dma_used[0]))
                dma_used[id] += left - plat_dma_pool_left();
        }
    }
    /* virtio-net allocates most of its RX buffers after start-up, as the
     * main loop's polls fill its ring: counted here as taken. */
    size_t later = 0;
    for (unsigned i = 0; i < netapp_count(); i++) {
        const struct virtio_net *vn = netapp_dev_at(i);
        if (vn)
            later += (size_t)(vn->nrx - vn->nrx_ready) * VIRTIO_NET_BUF_SIZE;
    }
    size_t pool = plat_dma_pool_left();
    kprintf("dma: net %lu, blk %lu, console %lu, rng %lu bytes; %lu left\n",
            (unsigned long)(dma_used[VIRTIO_ID_NET] + later), (unsigned long)dma_used[VIRTIO_ID_BLOCK],
            (unsigned long)dma_used[VIRTIO_ID_CONSOLE], (unsigned long)dma_used[VIRTIO_ID_RNG],
            (unsigned long)(pool > later ? pool - later : 0));
}

/* ---- self checks ------------------------------------------------------------- */

/* The GIC and the timer work only if this tick arrives: say so either way.
 * The tick keeps running: it drives the network timers.  Nothing waits for
 * it: check_tick() starts it and boot goes on, and the main loop reports
 * (check_tick_report()) once TICK_CHECK ticks have come, or warns when none
 * have within TICK_CHECK_NS.  Several ticks, so the line also says that the
 * timer re-arms. */
#define TICK_PERIOD_NS (10ull * 1000 * 1000)
#define TICK_CHECK 3
#define TICK_CHECK_NS (1000ull * 1000 * 1000)
static uint64_t tick_check_t0;
static bool tick_check_done;

/* The console holds the boot log until the network has had its first turn
 * in the main loop (board_console_release(), board.c).  Should boot stall
 * before that, the tick lets the log out after CONSOLE_HOLD_TICKS. */
#define CONSOLE_HOLD_TICKS 10

static void on_tick(void)
{
    if (timer_ticks() == CONSOLE_HOLD_TICKS)
        board_console_release();
}

static void check_tick(void)
{
    tick_check_t0 = timer_ns();
    timer_start_tick(TICK_PERIOD_NS, on_tick);
}

/* Called from the main loop (the tick itself wakes it); says its line once. */
static void check_tick_report(void)
{
    if (tick_check_done)
        return;
    if (timer_ticks() >= TICK_CHECK) {
        tick_check_done = true;
        kprintf("irq: timer interrupts arrive through %s\n", board()->timer_via);
    } else if (timer_ns() - tick_check_t0 >= TICK_CHECK_NS) {
        tick_check_done = true;
        kprintf("irq: WARNING: no timer interrupt within 1 s\n");
    }
}

/* Before a power-off the main loop never runs: wait for the verdict there,
 * after boot (and the network) has finished.  Polled, not WFI: with no
 * tick nothing might wake the CPU to see the second pass. */
static void check_tick_finish(void)
{
    while (!tick_check_done)
        check_tick_report();
}

static void crash_on_request(void)
{
    if (app_bootarg("crash=undef")) {
        kprintf("crash: executing an undefined instruction\n");
#if defined(__aarch64__)
        __asm__ volatile(".word 0x00000000"); /* UDF #0 */
#elif defined(__riscv)
        __asm__ volatile(".word 0x00000000"); /* all zeros: defined illegal in every RISC-V base ISA */
#else
        __asm__ volatile(".word 0xe7f000f0"); /* UDF #0 */
#endif
    }
    if (app_bootarg("crash=abort")) {
        kprintf("crash: reading through a NULL pointer\n");
        uintptr_t null_page = 0x10; /* the MMU leaves page 0 unmapped */
        __asm__ volatile("" : "+r"(null_page)); /* hide the constant from the optimiser's bounds checks */
        (void)*(volatile uint32_t *)null_page;
    }
}

static bool net_work(void *arg)
{
    (void)arg;
    return netapp_busy() || shellsrv_busy() || httpapp_busy();
}

void app_main(void)
{
    crash_on_request();
    bench_init();
    check_tick();
    probe_all();
    board_stage("virtio devices probed");
    start_drivers();
    char mode[16];
    if (app_bootarg_value("blk", mode, sizeof(mode))) {
        board_console_release(); /* a whole-disk pass: its lines as they come */
        blkapp_boot_mode(mode);
    }
    app_bootargs_check();
    board_stage("boot done");
    kprintf("boot: done\n");
    if (app_bootarg("bootstage"))
        board_stages_print();
    if (app_bootarg("poweroff")) {
        check_tick_finish();
        kprintf("boot: powering off\n");
        board_console_release();
        board_poweroff();
    }
    shell_init();
    /* Nothing from reset to here waits for a tick, a delay or a poll
     * interval: the first netapp_poll() answers what reached the network
     * while the drivers started, and only then does the boot log go out. */
    bool held = true;
    for (;;) {
        netapp_poll();
        if (held) {
            held = false;
            board_console_release();
        }
        console_poll();
        blkapp_poll();
        shell_poll();
        shellsrv_poll(); /* the shell on TCP port 23 (shellsrv.h) */
        httpapp_poll();  /* HTTP on port 80 (httpapp.h) */
        check_tick_report();
        board_idle_unless(net_work, NULL);
    }
}
