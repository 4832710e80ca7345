/*
 * main.c - the demo firmware: list the virtio-mmio devices the board found,
 * then serve.  Boot arguments (from /chosen/bootargs, QEMU -append):
 *   poweroff          power off once boot has finished (system tests)
 *   crash=undef|abort take an exception on purpose, to show the crash report
 *   rng=poll          drive virtio-rng by polling instead of its interrupt
 */
#include <string.h>

#include "board.h"
#include "kprintf.h"
#include "plat.h"
#include "timer/timer.h"
#include "virtio/mmio_probe.h"
#include "virtio/virtio_rng.h"

struct app_device {
    const struct board_virtio_slot *slot;
    struct virtio_mmio_ident id;
};

static struct app_device devices[BOARD_MAX_VIRTIO];
static int ndevices;

static bool bootarg(const char *word)
{
    const char *a = board()->bootargs;
    size_t n = strlen(word);
    while (a && *a) {
        while (*a == ' ')
            a++;
        size_t len = 0;
        while (a[len] && a[len] != ' ')
            len++;
        if (len == n && memcmp(a, word, n) == 0)
            return true;
        a += len;
    }
    return false;
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

/* The GIC and the timer work only if this tick arrives: say so either way. */
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
    if (bootarg("crash=undef")) {
        kprintf("crash: executing an undefined instruction\n");
#if defined(__aarch64__)
        __asm__ volatile(".word 0x00000000"); /* UDF #0 */
#else
        __asm__ volatile(".word 0xe7f000f0"); /* UDF #0 */
#endif
    }
    if (bootarg("crash=abort")) {
        kprintf("crash: reading through a NULL pointer\n");
        uintptr_t null_page = 0x10; /* the MMU leaves page 0 unmapped */
        __asm__ volatile("" : "+r"(null_page)); /* hide the constant from the optimiser's bounds checks */
        (void)*(volatile uint32_t *)null_page;
    }
}

static struct virtio_dev rng_dev;
static struct virtio_rng rng;
static bool have_rng;

static void wait_for_interrupt(void *arg)
{
    (void)arg;
    board_idle();
}

/* Entropy for the rest of the firmware: the first virtio-rng device. */
static void start_rng(void)
{
    for (int i = 0; i < ndevices; i++) {
        const struct board_virtio_slot *s = devices[i].slot;
        if (devices[i].id.device_id != VIRTIO_ID_RNG)
            continue;
        bool poll = bootarg("rng=poll");
        struct virtio_rng_config cfg = {.mode = poll ? VIRTIO_RNG_POLL : VIRTIO_RNG_IRQ};
        int err = virtio_mmio_attach(&rng_dev, s->base, s->intid, s->irq_flags, s->dma_coherent);
        if (!err)
            err = virtio_rng_init(&rng, &rng_dev, &cfg);
        if (err) {
            kprintf("rng: virtio-rng at 0x%08lx failed: error %d\n", (unsigned long)s->base, err);
            continue;
        }
        uint8_t bytes[16];
        struct virtio_rng_wait w = {.wait = wait_for_interrupt};
        int n = virtio_rng_read(&rng, bytes, sizeof(bytes), &w, 1000ull * 1000 * 1000);
        if (n != (int)sizeof(bytes)) {
            kprintf("rng: read failed: %d\n", n);
            continue;
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
        have_rng = true;
        return;
    }
}

uint32_t app_random(void);
uint32_t app_random(void)
{
    uint32_t v = 0;
    struct virtio_rng_wait w = {.wait = wait_for_interrupt};
    if (have_rng && virtio_rng_read(&rng, &v, sizeof(v), &w, 100ull * 1000 * 1000) == (int)sizeof(v))
        return v;
    /* No entropy device: the counter's low bits are the best we have. */
    static uint32_t x;
    x = x * 1664525u + 1013904223u + (uint32_t)timer_ns();
    return x;
}

void app_main(void)
{
    crash_on_request();
    check_tick();
    probe_all();
    start_rng();
    kprintf("boot: done\n");
    if (bootarg("poweroff")) {
        kprintf("boot: powering off\n");
        board_poweroff();
    }
    for (;;)
        board_idle();
}
