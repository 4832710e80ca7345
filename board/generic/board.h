/*
 * board.h - what the board found at boot, for the firmware in apps/.
 * Everything here comes from the device tree; when no valid device tree is
 * found, from the documented QEMU virt fallback table of the ISA
 * (docs/PORTING.md).  ARM: RAM 0x40000000 +128 MiB, PL011 at 0x09000000,
 * GIC distributor 0x08000000 (v2 CPU interface 0x08010000, v3
 * redistributors 0x080a0000), timer PPI 27, and 32 virtio-mmio slots at
 * 0x0a000000 + n*0x200 with INTID 48+n.  RISC-V: RAM 0x80000000 +128 MiB,
 * NS16550A at 0x10000000, PLIC at 0x0c000000 (96 sources, context 1 = hart
 * 0 S-mode), a 10 MHz time base, and 8 virtio-mmio slots at 0x10001000 +
 * n*0x1000 with PLIC source 1+n.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdt/fdt.h"

#define BOARD_MAX_RAM 8
#define BOARD_MAX_VIRTIO 64
#define BOARD_MAX_RSV 512 /* reserved ranges read from the device tree (real trees have a few) */

struct board_virtio_slot {
    uintptr_t base;
    uint64_t size;
    unsigned intid;   /* 0: no usable interrupt */
    unsigned irq_flags; /* PLAT_IRQ_EDGE / PLAT_IRQ_LEVEL */
    bool dma_coherent;
    char name[40];    /* device-tree node name, or "slot N" from the table */
};

/* The boot arguments the board keeps (Linux's arm64 limit): longer ones are
 * cut, with a warning. */
#define BOARD_BOOTARGS_MAX 2048

struct board_info {
    const struct dt *dt; /* NULL when no valid device tree was found */
    int dt_err;          /* why not (a DT_ERR_* code), or 0 */
    uintptr_t dtb_addr;
    uint32_t dtb_size;
    bool fallback;       /* the board table stands in for the device tree */
    const char *bootargs;  /* printable ASCII, at most BOARD_BOOTARGS_MAX - 1 bytes, or NULL */
    const char *model;   /* the root's "model", or NULL */
    uint64_t ram[BOARD_MAX_RAM + 1][2]; /* the tree's banks, and one for the image if none holds it */
    int nram;
    uintptr_t uart;
    const char *irqchip;   /* the interrupt controller: "GICv2", "GICv3", "PLIC" */
    const char *timer_via; /* what delivers the tick: the controller's name, or the CPU's own interrupt */
    unsigned timer_intid;  /* ARM: the generic timer's PPI; 0 where the timer is CPU-local */
    struct board_virtio_slot virtio[BOARD_MAX_VIRTIO];
    int nvirtio;
    int virtio_skipped; /* nodes with status "disabled", unusable reg, translated DMA, ... */
};

const struct board_info *board(void);

/* Boot stages (the boot argument `bootstage`): board_stage() notes the
 * counter's time at a point of the boot, under a name it keeps (a string
 * literal); board_stages_print() writes one line per point, in
 * milliseconds from boot_main's entry, after timer_init().  The first
 * BOARD_STAGES points are kept.  About ten instructions a point, so boot
 * notes its points whether or not they are printed. */
#define BOARD_STAGES 16
void board_stage(const char *name);
void board_stages_print(void);

/* Memory for the firmware's own tables from the DMA pool (board/generic/
 * plat.c), never freed, aligned to align (a power of two; at least 16), or
 * NULL.  Not zeroed, unlike plat_dma_alloc(): for large tables whose
 * caller initialises what it reads (the TCP connections' buffers, which
 * nothing reads before it has written them), so that boot neither writes
 * nor touches memory it does not need yet. */
void *board_alloc(size_t size, size_t align);

/* Console input without blocking: -1 when none. */
int board_getc(void);
/* Write out the console output held since interrupts were enabled and stop
 * holding it (board.c says why it is held).  Safe from interrupt handlers. */
void board_console_release(void);
/* Sleep until the next interrupt. */
void board_idle(void);
/* Sleep until the next interrupt unless work(arg) is true.  work() runs with
 * interrupts masked, so an interrupt that makes it true after it has looked
 * still ends the sleep (a plain check-then-board_idle() would sleep through
 * it until the next tick). */
void board_idle_unless(bool (*work)(void *), void *arg);
/* Stop QEMU (PSCI SYSTEM_OFF, SBI system reset) or halt. */
void board_poweroff(void) __attribute__((noreturn));

/* Bytes left in the DMA pool (what the drivers took is the difference). */
size_t plat_dma_pool_left(void);

/* Total interrupts taken. */
uint64_t board_irq_count(void);
/* The retired-instruction count (PMU) when interrupt intid last entered the
 * vector, if not read since; for self-measurement. */
bool board_irq_stamp(unsigned intid, uint32_t *instructions);
/* Retired instructions since boot (PMU event counter; wraps at 2^32). */
uint32_t board_instructions(void);

/* Called by the CPU's vector (boot/<arch>/start.S): the interrupt
 * controller's line, and on RISC-V the CPU-local supervisor timer. */
void irq_dispatch(void);
void board_timer_irq(void);

/* The firmware entry, called with interrupts enabled. */
void app_main(void);

#endif
