/*
 * main.c - the demo firmware: list the virtio-mmio devices the board found,
 * start a driver for each kind it knows, then serve the network and the
 * console shell from one main loop.
 *
 * Boot arguments (from /chosen/bootargs, QEMU -append):
 *   ip=...            network address (Linux syntax); DHCP by default
 *   bench             count instructions per packet (apps/bench.h)
 *   netq=N            virtio-net queue size to ask for (power of two, 2-1024)
 *   poweroff          power off once boot has finished (system tests)
 *   crash=undef|abort take an exception on purpose, to show the crash report
 *   rng=poll          drive virtio-rng by polling instead of its interrupt
 *   blk=MODE          whole-disk integrity pass at boot: write (the LBA
 *                     pattern, then flush), check (print a checksum),
 *                     verify (compare with the pattern), rowrite (try a
 *                     write that a read-only disk must refuse)
 */
#include <string.h>

#include "app.h"
#include "bench.h"
#include "blkapp.h"
#include "kprintf.h"
#include "netapp.h"
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

/* ---- boot arguments -------------------------------------------------------- */

/* Each whitespace-separated word of the boot arguments in turn. */
static const char *next_word(const char *a, size_t *len)
{
    while (a && *a == ' ')
        a++;
    if (!a || !*a)
        return NULL;
    *len = 0;
    while (a[*len] && a[*len] != ' ')
        (*len)++;
    return a;
}

bool app_bootarg(const char *word)
{
    size_t n = strlen(word), len;
    for (const char *a = next_word(board()->bootargs, &len); a; a = next_word(a + len, &len))
        if (len == n && memcmp(a, word, n) == 0)
            return true;
    return false;
}

const char *app_bootarg_value(const char *key, char *buf, size_t size)
{
    size_t n = strlen(key), len;
    for (const char *a = next_word(board()->bootargs, &len); a; a = next_word(a + len, &len)) {
        if (len > n && memcmp(a, key, n) == 0 && a[n] == '=') {
            size_t v = len - n - 1 < size - 1 ? len - n - 1 : size - 1;
            memcpy(buf, a + n + 1, v);
            buf[v] = '\0';
            return buf;
        }
    }
    return NULL;
}

/* ---- devices ------------------------------------------------------------------ */

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
            kprintf("virtio-mmio@0x%08lx irq %u v%u dev %u (%s) vendor 0x%08x%s\n", (unsigned long)s->base,
                    s->intid, (unsigned)id.version, (unsigned)id.device_id, virtio_device_name(id.device_id),
                    (unsigned)id.vendor_id, s->dma_coherent ? "" : " non-coherent");
            devices[ndevices].slot = s;
            devices[ndevices].id = id;
            ndevices++;
        }
    }
    kprintf("virtio: %d device%s, %d empty slot%s\n", ndevices, ndevices == 1 ? "" : "s", empty,
            empty == 1 ? "" : "s");
}

static struct virtio_dev rng_dev;
static struct virtio_rng rng;
static bool have_rng;

static void wait_for_interrupt(void *arg)
{
    (void)arg;
    board_idle();
}

int app_rng_read(void *buf, size_t len)
{
    if (!have_rng)
        return VIRTIO_ENODEV;
    struct virtio_rng_wait w = {.wait = wait_for_interrupt};
    return virtio_rng_read(&rng, buf, len, &w, 1000ull * 1000 * 1000);
}

/* Entropy for the rest of the firmware: the first virtio-rng device. */
static void start_rng(const struct board_virtio_slot *s)
{
    bool poll = app_bootarg("rng=poll");
    struct virtio_rng_config cfg = {.mode = poll ? VIRTIO_RNG_POLL : VIRTIO_RNG_IRQ};
    int err = virtio_mmio_attach(&rng_dev, s->base, s->intid, s->irq_flags, s->dma_coherent);
    if (!err)
        err = virtio_rng_init(&rng, &rng_dev, &cfg);
    if (err) {
        kprintf("rng: virtio-rng at 0x%08lx failed: error %d\n", (unsigned long)s->base, err);
        return;
    }
    have_rng = true;
    app_set_driver(VIRTIO_ID_RNG, &rng_dev);
    uint8_t bytes[16];
    int n = app_rng_read(bytes, sizeof(bytes));
    if (n != (int)sizeof(bytes)) {
        kprintf("rng: read failed: %d\n", n);
        return;
    }
    char hex[3 * sizeof(bytes) + 1];
    for (unsigned k = 0; k < sizeof(bytes); k++)
        ksnprintf(hex + 3 * k, 4, "%02x%s", bytes[k], k + 1 < sizeof(bytes) ? " " : "");
    if (poll)
        kprintf("rng: %s (virtio-mmio v%u, polled, %u interrupts)\n", hex, (unsigned)rng_dev.version,
                (unsigned)rng_dev.stats.interrupts);
    else
        kprintf("rng: %s (virtio-mmio v%u, %u interrupt%s)\n", hex, (unsigned)rng_dev.version,
                (unsigned)rng_dev.stats.interrupts, rng_dev.stats.interrupts == 1 ? "" : "s");
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

/* virtio-console port 0: a second console that echoes what it receives. */
static struct virtio_dev con_dev;
static struct virtio_console con;
static bool have_con;

static void start_console(const struct board_virtio_slot *s)
{
    struct virtio_console_config cfg = {.mode = VIRTIO_CONSOLE_IRQ};
    int err = virtio_mmio_attach(&con_dev, s->base, s->intid, s->irq_flags, s->dma_coherent);
    if (!err)
        err = virtio_console_init(&con, &con_dev, &cfg);
    if (err) {
        kprintf("console: virtio-console at 0x%08lx failed: error %d\n", (unsigned long)s->base, err);
        return;
    }
    have_con = true;
    app_set_driver(VIRTIO_ID_CONSOLE, &con_dev);
    static const char hello[] = "vbare virtio-console: type, and it comes back\r\n";
    virtio_console_write(&con, hello, sizeof(hello) - 1);
    kprintf("console: virtio-console at 0x%08lx, port 0 echoes (no MULTIPORT)\n", (unsigned long)s->base);
}

static void console_poll(void)
{
    uint8_t buf[128];
    int n;
    if (!have_con)
        return;
    virtio_console_poll(&con);
    while ((n = virtio_console_read(&con, buf, sizeof(buf))) > 0) {
        int off = 0;
        while (off < n) { /* the TX pool may be busy for a moment: wait for completions */
            int w = virtio_console_write(&con, buf + off, (size_t)(n - off));
            if (w < 0)
                return;
            if (w == 0)
                virtio_console_poll(&con);
            off += w;
        }
    }
}

/* DMA memory each kind of device took at start-up (rings, buffers, headers). */
static size_t dma_used[VIRTIO_ID_CRYPTO + 1];

static void start_drivers(void)
{
    bool net = false, blk = false;
    size_t left = plat_dma_pool_left();
    for (int i = 0; i < ndevices; i++)
        if (devices[i].id.device_id == VIRTIO_ID_RNG && !have_rng)
            start_rng(devices[i].slot);
    dma_used[VIRTIO_ID_RNG] += left - plat_dma_pool_left();
    for (int i = 0; i < ndevices; i++) {
        const struct board_virtio_slot *s = devices[i].slot;
        uint32_t id = devices[i].id.device_id;
        left = plat_dma_pool_left();
        if (devices[i].id.device_id == VIRTIO_ID_NET && !net && netapp_start(s) == 0) {
            net = true;
            app_set_driver(VIRTIO_ID_NET, &netapp_dev()->dev);
        } else if (devices[i].id.device_id == VIRTIO_ID_BLOCK && !blk && blkapp_start(s) == 0) {
            blk = true;
            app_set_driver(VIRTIO_ID_BLOCK, &blkapp_dev()->dev);
        } else if (devices[i].id.device_id == VIRTIO_ID_CONSOLE && !have_con) {
            start_console(s);
        }
        if (id < sizeof(dma_used) / sizeof(dma_used[0]))
            dma_used[id] += left - plat_dma_pool_left();
    }
    kprintf("dma: net %lu, blk %lu, console %lu, rng %lu bytes; %lu left\n", (unsigned long)dma_used[VIRTIO_ID_NET],
            (unsigned long)dma_used[VIRTIO_ID_BLOCK], (unsigned long)dma_used[VIRTIO_ID_CONSOLE],
            (unsigned long)dma_used[VIRTIO_ID_RNG], (unsigned long)plat_dma_pool_left());
}

/* ---- self checks ------------------------------------------------------------- */

/* The GIC and the timer work only if this tick arrives: say so either way.
 * The tick keeps running: it drives the network timers. */
static void check_tick(void)
{
    const struct board_info *b = board();
    timer_start_tick(b->timer_intid, 10 * 1000 * 1000, NULL);
    uint64_t t0 = timer_ns();
    while (timer_ticks() < 3 && timer_ns() - t0 < 1000ull * 1000 * 1000)
        board_idle();
    if (timer_ticks() >= 3)
        kprintf("irq: timer interrupts arrive through GICv%d\n", b->gic_version);
    else
        kprintf("irq: WARNING: no timer interrupt within 1 s\n");
}

static void crash_on_request(void)
{
    if (app_bootarg("crash=undef")) {
        kprintf("crash: executing an undefined instruction\n");
#if defined(__aarch64__)
        __asm__ volatile(".word 0x00000000"); /* UDF #0 */
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
    return netapp_busy();
}

void app_main(void)
{
    crash_on_request();
    bench_init();
    check_tick();
    probe_all();
    start_drivers();
    char mode[16];
    if (app_bootarg_value("blk", mode, sizeof(mode)))
        blkapp_boot_mode(mode);
    kprintf("boot: done\n");
    if (app_bootarg("poweroff")) {
        kprintf("boot: powering off\n");
        board_poweroff();
    }
    shell_init();
    for (;;) {
        netapp_poll();
        console_poll();
        shell_poll();
        board_idle_unless(net_work, NULL);
    }
}
