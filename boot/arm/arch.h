/*
 * arch.h (AArch32) - CPU primitives the board and the GIC/timer drivers use:
 * interrupt masking, the generic timer, the GICv3 CPU interface registers,
 * barriers and cache maintenance by address.  boot/aarch64/arch.h has the
 * same interface; drivers/virtio and net never include it.
 */
#ifndef ARCH_H
#define ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_NAME "arm"

typedef uint32_t arch_irqstate_t;

static inline arch_irqstate_t arch_irq_save(void)
{
    uint32_t cpsr;
    __asm__ volatile("mrs %0, cpsr\n cpsid i" : "=r"(cpsr)::"memory");
    return cpsr & 0x80u;
}
static inline void arch_irq_restore(arch_irqstate_t s)
{
    if (!s)
        __asm__ volatile("cpsie i" ::: "memory");
}
static inline void arch_irq_enable(void) { __asm__ volatile("cpsie i" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ volatile("cpsid i" ::: "memory"); }
static inline void arch_wfi(void) { __asm__ volatile("dsb\n wfi" ::: "memory"); }

#define arch_dmb() __asm__ volatile("dmb ish" ::: "memory")
#define arch_dmb_st() __asm__ volatile("dmb ishst" ::: "memory")
#define arch_dsb() __asm__ volatile("dsb sy" ::: "memory")
#define arch_isb() __asm__ volatile("isb" ::: "memory")

/* Generic timer, virtual view (usable at PL1 without hypervisor set-up). */
static inline uint64_t arch_cntvct(void)
{
    uint32_t lo, hi;
    __asm__ volatile("isb\n mrrc p15, 1, %0, %1, c14" : "=r"(lo), "=r"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline uint32_t arch_cntfrq(void)
{
    uint32_t v;
    __asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v));
    return v;
}
static inline void arch_cntv_tval(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c14, c3, 0" ::"r"(v)); }
static inline void arch_cntv_ctl(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c14, c3, 1\n isb" ::"r"(v)); }

static inline uint64_t arch_mpidr(void)
{
    uint32_t v;
    __asm__ volatile("mrc p15, 0, %0, c0, c0, 5" : "=r"(v));
    return v;
}

/* The ISA-neutral timer (drivers/timer/timer.c; boot/riscv64/arch.h has the
 * same four): the virtual counter, its frequency, and the virtual timer's
 * absolute compare (CNTV_CVAL, a 64-bit MCRR), which fires once the counter
 * reaches it. */
static inline uint64_t arch_counter(void) { return arch_cntvct(); }
static inline uint32_t arch_counter_freq(void) { return arch_cntfrq(); }
static inline void arch_timer_set(uint64_t deadline)
{
    __asm__ volatile("mcrr p15, 3, %0, %1, c14" ::"r"((uint32_t)deadline), "r"((uint32_t)(deadline >> 32))
                     : "memory");
    arch_cntv_ctl(1); /* enabled, unmasked */
}
static inline void arch_timer_stop(void) { arch_cntv_ctl(0); }

/* Device-access ordering against the outer-shareable domain (a device, or a
 * hypervisor's device model on another CPU): earlier normal-memory writes
 * before a following MMIO store; an MMIO load before later memory accesses
 * (ARMv7 has no load-only DMB: the full one). */
static inline void arch_mmio_wmb(void) { __asm__ volatile("dmb oshst" ::: "memory"); }
static inline void arch_mmio_rmb(void) { __asm__ volatile("dmb osh" ::: "memory"); }

/* GICv3 CPU interface (system register access, AArch32 encodings).  Only
 * where the CPU implements it (ID_PFR1.GIC): else every ICC_* access is
 * UNDEFINED. */
static inline int arch_gicv3_sysregs(void)
{
    uint32_t v;
    __asm__ volatile("mrc p15, 0, %0, c0, c1, 1" : "=r"(v));
    return (v >> 28) != 0;
}
static inline uint32_t arch_icc_sre_read(void)
{
    uint32_t v;
    __asm__ volatile("mrc p15, 0, %0, c12, c12, 5" : "=r"(v));
    return v;
}
static inline void arch_icc_sre_write(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c12, c12, 5\n isb" ::"r"(v)); }
static inline void arch_icc_pmr_write(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c4, c6, 0" ::"r"(v)); }
static inline void arch_icc_bpr1_write(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c12, c12, 3" ::"r"(v)); }
static inline void arch_icc_igrpen1_write(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c12, c12, 7\n isb" ::"r"(v)); }
static inline uint32_t arch_icc_iar1_read(void)
{
    uint32_t v;
    __asm__ volatile("mrc p15, 0, %0, c12, c12, 0" : "=r"(v));
    __asm__ volatile("dsb sy" ::: "memory");
    return v;
}
static inline void arch_icc_eoir1_write(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c12, c12, 1\n isb" ::"r"(v)); }
static inline void arch_icc_ctlr_write(uint32_t v) { __asm__ volatile("mcr p15, 0, %0, c12, c12, 4\n isb" ::"r"(v)); }

/* Cache maintenance by virtual address, to the point of coherency. */
static inline uint32_t arch_dcache_line(void)
{
    uint32_t ctr;
    __asm__ volatile("mrc p15, 0, %0, c0, c0, 1" : "=r"(ctr));
    return 4u << ((ctr >> 16) & 0xf);
}
static inline void arch_dcache_clean_line(uintptr_t a) { __asm__ volatile("mcr p15, 0, %0, c7, c10, 1" ::"r"(a) : "memory"); }
static inline void arch_dcache_inval_line(uintptr_t a) { __asm__ volatile("mcr p15, 0, %0, c7, c6, 1" ::"r"(a) : "memory"); }
static inline void arch_dcache_flush_line(uintptr_t a) { __asm__ volatile("mcr p15, 0, %0, c7, c14, 1" ::"r"(a) : "memory"); }

/* PMU: cycle counter and event counter 0 counting retired instructions
 * (event 0x08).  Under QEMU -icount both count guest instructions.
 * Touch it only if arch_pmu_present(): a hypervisor that offers no PMU
 * (KVM without a vPMU) makes every PMU register access UNDEFINED. */
static inline int arch_pmu_present(void)
{
    uint32_t dfr0, pmcr;
    __asm__ volatile("mrc p15, 0, %0, c0, c1, 2" : "=r"(dfr0)); /* ID_DFR0.PerfMon [27:24] */
    unsigned v = (dfr0 >> 24) & 0xf;
    if (v == 0 || v == 0xf)
        return 0;
    __asm__ volatile("mrc p15, 0, %0, c9, c12, 0" : "=r"(pmcr));
    return ((pmcr >> 11) & 0x1f) != 0; /* PMCR.N: event counter 0 exists */
}
static inline void arch_pmu_init(void)
{
    __asm__ volatile("mcr p15, 0, %0, c9, c12, 5" ::"r"(0));          /* PMSELR: counter 0 */
    __asm__ volatile("mcr p15, 0, %0, c9, c13, 1" ::"r"(0x08));       /* PMXEVTYPER: INST_RETIRED */
    __asm__ volatile("mcr p15, 0, %0, c9, c12, 1" ::"r"(0x80000001u)); /* PMCNTENSET: cycles, counter 0 */
    __asm__ volatile("mcr p15, 0, %0, c9, c12, 0" ::"r"(0x7));         /* PMCR: enable, reset both */
    __asm__ volatile("isb" ::: "memory");
}
static inline uint32_t arch_pmu_instructions(void)
{
    uint32_t v;
    __asm__ volatile("mcr p15, 0, %1, c9, c12, 5\n mrc p15, 0, %0, c9, c13, 2" : "=r"(v) : "r"(0));
    return v;
}
static inline uint32_t arch_pmu_cycles(void)
{
    uint32_t v;
    __asm__ volatile("mrc p15, 0, %0, c9, c13, 0" : "=r"(v));
    return v;
}

/* The lowest 1 MiB, left unmapped when null_guard is set so that a NULL
 * dereference faults; a board clears it when the image or the device tree
 * was loaded there (RAM at address 0). */
#define ARCH_NULL_GUARD (1u << 20)
/* No LPAE: RAM above 4 GiB is not reachable; the last page is left out so
 * that an end address still fits a uintptr_t. */
#define ARCH_ADDR_LIMIT 0xfffff000ull
void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard);

/* Implemented by board/generic/board.c: write out the console output held
 * so far and write through from then on.  The crash report calls it first
 * (cpu.c), so the report follows everything before it, in order. */
void board_console_release(void);

#endif
