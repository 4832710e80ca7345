/*
 * main.c - the demo firmware: list the virtio-mmio devices the board found,
 * then serve.  Boot arguments (from /chosen/bootargs, QEMU -append):
 *   poweroff          power off once boot has finished (system tests)
 *   crash=undef|abort take an exception on purpose, to show the crash report
 */
#include <string.h>

#include "board.h"
#include "kprintf.h"
#include "plat.h"
#include "timer/timer.h"
#include "virtio/mmio_probe.h"

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

void app_main(void)
{
    crash_on_request();
    check_tick();
    probe_all();
    kprintf("boot: done\n");
    if (bootarg("poweroff")) {
        kprintf("boot: powering off\n");
        board_poweroff();
    }
    for (;;)
        board_idle();
}
