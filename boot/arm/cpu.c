/*
 * cpu.c (AArch32) - the crash report and the MMU.
 * The MMU uses the short-descriptor format: one level of 1 MiB sections
 * covering the 4 GiB physical space.  Sections that overlap RAM are normal
 * write-back cacheable shareable memory; every other section is shareable
 * device memory, never executable, except the first MiB, left unmapped so
 * that a NULL dereference faults (unless the board says the image or device
 * tree lies there).  RAM above 4 GiB is not reachable here.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch.h"
#include "kprintf.h"
#include "memmap.h"

struct crash_frame {
    uint32_t spsr;
    uint32_t r[13];
    uint32_t pc;
};

static const char *const kinds[] = {"?", "undefined instruction", "supervisor call", "prefetch abort",
                                    "data abort", "reserved vector", "FIQ"};

void arch_crash(uint32_t kind, struct crash_frame *f);
void arch_crash(uint32_t kind, struct crash_frame *f)
{
    board_console_release(); /* the held log first, then this report, written through */
    uint32_t dfsr, dfar, ifsr, ifar;
    __asm__ volatile("mrc p15, 0, %0, c5, c0, 0" : "=r"(dfsr));
    __asm__ volatile("mrc p15, 0, %0, c6, c0, 0" : "=r"(dfar));
    __asm__ volatile("mrc p15, 0, %0, c5, c0, 1" : "=r"(ifsr));
    __asm__ volatile("mrc p15, 0, %0, c6, c0, 2" : "=r"(ifar));
    kprintf("\n*** CRASH: %s at pc 0x%08x (spsr 0x%08x)\n", kind < 7 ? kinds[kind] : "?", (unsigned)f->pc,
            (unsigned)f->spsr);
    if (kind == 4)
        kprintf("*** fault address 0x%08x, status DFSR 0x%08x\n", (unsigned)dfar, (unsigned)dfsr);
    else if (kind == 3)
        kprintf("*** fault address 0x%08x, status IFSR 0x%08x\n", (unsigned)ifar, (unsigned)ifsr);
    for (int i = 0; i < 13; i++)
        kprintf("r%-2d 0x%08x%s", i, (unsigned)f->r[i], (i % 4 == 3) ? "\n" : "  ");
    kprintf("\n*** halted\n");
    for (;;)
        __asm__ volatile("wfi");
}

#define SECTION 0x2u
#define SEC_B (1u << 2)
#define SEC_C (1u << 3)
#define SEC_XN (1u << 4)
#define SEC_AP_RW (3u << 10)
#define SEC_TEX(x) ((uint32_t)(x) << 12)
#define SEC_S (1u << 16)
#define SEC_NORMAL_WBWA (SECTION | SEC_TEX(1) | SEC_C | SEC_B | SEC_S | SEC_AP_RW)
#define SEC_DEVICE (SECTION | SEC_B | SEC_XN | SEC_AP_RW)

static uint32_t l1[4096] __attribute__((aligned(16384)));

extern char __image_start[], __heap_start[];

/* The image, its .bss (this table included) and the stacks were written with
 * the MMU off, straight to memory; a loader that ran with caches on may have
 * left clean lines of the same addresses behind (the boot protocol asks only
 * for a clean).  Drop them before the first cacheable access. */
static void inval_image(void)
{
    uintptr_t line = arch_dcache_line();
    for (uintptr_t a = (uintptr_t)__image_start & ~(line - 1); a < (uintptr_t)__heap_start; a += line)
        arch_dcache_inval_line(a);
}

void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard)
{
    for (uint32_t i = 0; i < 4096; i++) {
        uint64_t lo = (uint64_t)i << 20, hi = lo + (1u << 20);
        bool partial;
        /* (memmap_overlaps clips a bank that runs past 2^64: base + size
         * would wrap, and the RAM the image runs in be mapped Device) */
        uint32_t attr = memmap_overlaps(ram, nram, lo, hi, &partial) ? SEC_NORMAL_WBWA : SEC_DEVICE;
        l1[i] = (uint32_t)lo | attr;
    }
    if (null_guard)
        l1[0] = 0; /* the first MiB faults, so a NULL dereference is caught */
    arch_dsb();
    inval_image();
    arch_dsb();
    uint32_t ttbr = (uint32_t)(uintptr_t)l1 | 0x4au; /* walks: inner+outer WBWA, shareable */
    __asm__ volatile("mcr p15, 0, %0, c2, c0, 2" ::"r"(0));    /* TTBCR: TTBR0 only, short format */
    __asm__ volatile("mcr p15, 0, %0, c2, c0, 0" ::"r"(ttbr)); /* TTBR0 */
    __asm__ volatile("mcr p15, 0, %0, c3, c0, 0" ::"r"(1));    /* DACR: domain 0 client */
    __asm__ volatile("mcr p15, 0, %0, c8, c7, 0" ::"r"(0));    /* TLBIALL */
    __asm__ volatile("mcr p15, 0, %0, c7, c5, 0" ::"r"(0));    /* ICIALLU */
    __asm__ volatile("mcr p15, 0, %0, c7, c5, 6" ::"r"(0));    /* BPIALL */
    arch_dsb();
    arch_isb();
    uint32_t sctlr;
    __asm__ volatile("mrc p15, 0, %0, c1, c0, 0" : "=r"(sctlr));
    sctlr |= (1u << 0) | (1u << 2) | (1u << 11) | (1u << 12); /* M, C, Z, I */
    sctlr &= ~(1u << 1);                                       /* A: unaligned normal accesses allowed */
    sctlr &= ~(1u << 28);                                      /* TRE off: TEX/C/B used as written */
    __asm__ volatile("mcr p15, 0, %0, c1, c0, 0" ::"r"(sctlr));
    arch_isb();
}
