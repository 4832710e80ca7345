/*
 * cpu.c (AArch64) - the crash report and the MMU.
 * The MMU uses a 4 KiB granule with a 39-bit virtual space starting at level
 * 1 (1 GiB blocks).  A gigabyte that RAM covers entirely is one normal
 * write-back block; a gigabyte that RAM covers in part is split into 2 MiB
 * blocks at level 2; everything else is device-nGnRnE, never executable.
 * Unless the board says the image or device tree lies there, the first
 * gigabyte is split so that its first 2 MiB stay unmapped: a NULL
 * dereference faults.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "kprintf.h"
#include "memmap.h"

unsigned long arch_entry_el; /* written by start.S, after it clears .bss */

struct crash_frame {
    uint64_t x[31];
    uint64_t elr;
    uint64_t spsr;
    uint64_t pad;
};
_Static_assert(sizeof(struct crash_frame) == 272, "the frame start.S's SAVE builds");

static const char *const kinds[] = {
    "?",
    "synchronous exception (SP_EL0)", "IRQ (SP_EL0)", "FIQ (SP_EL0)", "SError (SP_EL0)",
    "synchronous exception", "IRQ", "FIQ", "SError",
    "lower-EL synchronous exception", "lower-EL IRQ", "lower-EL FIQ", "lower-EL SError",
    "lower-EL (AArch32) synchronous exception", "lower-EL (AArch32) IRQ", "lower-EL (AArch32) FIQ",
    "lower-EL (AArch32) SError",
};

static const char *ec_name(unsigned ec)
{
    switch (ec) {
    case 0x00: return "unknown reason";
    case 0x0e: return "illegal execution state";
    case 0x15: return "SVC";
    case 0x18: return "system register trap";
    case 0x20: case 0x21: return "instruction abort";
    case 0x22: return "PC alignment fault";
    case 0x24: case 0x25: return "data abort";
    case 0x26: return "SP alignment fault";
    case 0x3c: return "BRK";
    default: return "other";
    }
}

void arch_crash(uint64_t kind, struct crash_frame *f);
void arch_crash(uint64_t kind, struct crash_frame *f)
{
    board_console_release(); /* the held log first, then this report, written through */
    uint64_t esr = SYSREG_READ(esr_el1), far = SYSREG_READ(far_el1);
    kprintf("\n*** CRASH: %s at pc 0x%016llx (spsr 0x%llx)\n", kind < 17 ? kinds[kind] : "?",
            (unsigned long long)f->elr, (unsigned long long)f->spsr);
    kprintf("*** ESR 0x%08llx (%s), fault address 0x%016llx\n", (unsigned long long)esr,
            ec_name((unsigned)(esr >> 26) & 0x3f), (unsigned long long)far);
    for (int i = 0; i < 31; i++)
        kprintf("x%-2d 0x%016llx%s", i, (unsigned long long)f->x[i], (i % 4 == 3) ? "\n" : "  ");
    kprintf("sp  0x%016llx", (unsigned long long)((uintptr_t)f + sizeof(*f))); /* SP_EL1 before SAVE */
    kprintf("\n*** halted\n");
    for (;;)
        __asm__ volatile("wfi");
}

#define DESC_BLOCK 0x1ull
#define DESC_TABLE 0x3ull
#define ATTR_IDX(i) ((uint64_t)(i) << 2)
#define SH_INNER (3ull << 8)
#define AF (1ull << 10)
#define PXN (1ull << 53)
#define UXN (1ull << 54)
#define BLK_NORMAL (DESC_BLOCK | ATTR_IDX(1) | SH_INNER | AF)
#define BLK_DEVICE (DESC_BLOCK | ATTR_IDX(0) | AF | PXN | UXN)
#define GIB (1ull << 30)
#define MIB2 (1ull << 21)
#define L2_TABLES 4

static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l2[L2_TABLES][512] __attribute__((aligned(4096)));

extern char __image_start[], __heap_start[];

/* The image, its .bss (these tables included) and the stack were written with
 * the MMU off, straight to memory; a loader that ran with caches on may have
 * left clean lines of the same addresses behind (the boot protocol asks only
 * for a clean to the PoC).  Drop them before the first cacheable access. */
static void inval_image(void)
{
    uintptr_t line = arch_dcache_line();
    for (uintptr_t a = (uintptr_t)__image_start & ~(line - 1); a < (uintptr_t)__heap_start; a += line)
        arch_dcache_inval_line(a);
}

void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard)
{
    int used_l2 = 0;
    for (uint64_t i = 0; i < 512; i++) {
        uint64_t lo = i * GIB;
        bool partial;
        bool any = memmap_overlaps(ram, nram, lo, lo + GIB, &partial);
        bool split = ((i == 0 && null_guard) || (any && partial)) && used_l2 < L2_TABLES;
        if (!split) {
            l1[i] = lo | (any ? BLK_NORMAL : BLK_DEVICE); /* out of level-2 tables: cacheable wins */
            continue;
        }
        uint64_t *t = l2[used_l2++];
        for (uint64_t j = 0; j < 512; j++) {
            uint64_t a = lo + j * MIB2;
            bool p;
            t[j] = a | (memmap_overlaps(ram, nram, a, a + MIB2, &p) ? BLK_NORMAL : BLK_DEVICE);
        }
        if (i == 0 && null_guard)
            t[0] = 0; /* the first 2 MiB fault, so a NULL dereference is caught */
        l1[i] = (uint64_t)(uintptr_t)t | DESC_TABLE;
    }
    arch_dsb();
    inval_image();
    arch_dsb();
    uint64_t pa_range = SYSREG_READ(id_aa64mmfr0_el1) & 0xf;
    if (pa_range > 5)
        pa_range = 5;
    /* MAIR: attr0 device-nGnRnE, attr1 normal write-back read/write-allocate. */
    SYSREG_WRITE(mair_el1, 0xff00ull);
    /* TCR: T0SZ=25 (39 bits), walks inner/outer WBWA inner-shareable, 4K, TTBR1 off. */
    uint64_t tcr = 25ull | (1ull << 8) | (1ull << 10) | (3ull << 12) | (1ull << 23) | (pa_range << 32);
    SYSREG_WRITE(tcr_el1, tcr);
    SYSREG_WRITE(ttbr0_el1, (uint64_t)(uintptr_t)l1);
    __asm__ volatile("isb\n tlbi vmalle1\n dsb ish\n ic iallu\n dsb ish\n isb" ::: "memory");
    uint64_t sctlr = SYSREG_READ(sctlr_el1);
    sctlr |= (1ull << 0) | (1ull << 2) | (1ull << 12); /* M, C, I */
    sctlr &= ~(1ull << 1);                             /* A: unaligned accesses allowed */
    SYSREG_WRITE(sctlr_el1, sctlr);
    arch_isb();
}
