/*
 * arch.h (AArch64) - CPU primitives the board and the GIC/timer drivers use:
 * interrupt masking, the generic timer, the GICv3 CPU interface registers,
 * barriers and cache maintenance by address.  boot/arm/arch.h has the same
 * interface; drivers/virtio and net never include it.
 */
#ifndef ARCH_H
#define ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_NAME "aarch64"

/* The exception level the image was entered at (start.S): 1 or 2 as the
 * entry contract asks, 3 from a loader that skipped the secure firmware. */
extern unsigned long arch_entry_el;

typedef uint64_t arch_irqstate_t;

#define SYSREG_READ(name)                                                                          \
    ({                                                                                             \
        uint64_t v__;                                                                              \
        __asm__ volatile("mrs %0, " #name : "=r"(v__));                                            \
        v__;                                                                                       \
    })
#define SYSREG_WRITE(name, v) __asm__ volatile("msr " #name ", %0" ::"r"((uint64_t)(v)) : "memory")

static inline arch_irqstate_t arch_irq_save(void)
{
    uint64_t daif;
    __asm__ volatile("mrs %0, daif\n msr daifset, #2" : "=r"(daif)::"memory");
    return daif & (1u << 7);
}
static inline void arch_irq_restore(arch_irqstate_t s)
{
    if (!s)
        __asm__ volatile("msr daifclr, #2" ::: "memory");
}
static inline void arch_irq_enable(void) { __asm__ volatile("msr daifclr, #2" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ volatile("msr daifset, #2" ::: "memory"); }
static inline void arch_wfi(void) { __asm__ volatile("dsb sy\n wfi" ::: "memory"); }

#define arch_dmb() __asm__ volatile("dmb ish" ::: "memory")
#define arch_dmb_st() __asm__ volatile("dmb ishst" ::: "memory")
#define arch_dsb() __asm__ volatile("dsb sy" ::: "memory")
#define arch_isb() __asm__ volatile("isb" ::: "memory")

static inline uint64_t arch_cntvct(void)
{
    __asm__ volatile("isb" ::: "memory");
    return SYSREG_READ(cntvct_el0);
}
static inline uint32_t arch_cntfrq(void) { return (uint32_t)SYSREG_READ(cntfrq_el0); }
static inline void arch_cntv_tval(uint32_t v) { SYSREG_WRITE(cntv_tval_el0, v); }
static inline void arch_cntv_ctl(uint32_t v)
{
    SYSREG_WRITE(cntv_ctl_el0, v);
    __asm__ volatile("isb" ::: "memory");
}
static inline uint64_t arch_mpidr(void) { return SYSREG_READ(mpidr_el1); }

/* The ISA-neutral timer (drivers/timer/timer.c; boot/riscv64/arch.h has the
 * same four): the virtual counter, its frequency, and the virtual timer's
 * absolute compare (CNTV_CVAL), which fires once the counter reaches it. */
static inline uint64_t arch_counter(void) { return arch_cntvct(); }
static inline uint32_t arch_counter_freq(void) { return arch_cntfrq(); }
static inline void arch_timer_set(uint64_t deadline)
{
    SYSREG_WRITE(cntv_cval_el0, deadline);
    arch_cntv_ctl(1); /* enabled, unmasked */
}
static inline void arch_timer_stop(void) { arch_cntv_ctl(0); }

/* Device-access ordering against the outer-shareable domain (a device, or a
 * hypervisor's device model on another CPU): earlier normal-memory writes
 * before a following MMIO store; an MMIO load before later memory loads. */
static inline void arch_mmio_wmb(void) { __asm__ volatile("dmb oshst" ::: "memory"); }
static inline void arch_mmio_rmb(void) { __asm__ volatile("dmb oshld" ::: "memory"); }

/* GICv3 CPU interface, by encoding so any assembler accepts them.  Only
 * where the CPU implements it (ID_AA64PFR0_EL1.GIC): else every ICC_*
 * access is UNDEFINED. */
static inline int arch_gicv3_sysregs(void) { return ((SYSREG_READ(id_aa64pfr0_el1) >> 24) & 0xf) != 0; }
static inline uint32_t arch_icc_sre_read(void) { return (uint32_t)SYSREG_READ(s3_0_c12_c12_5); }
static inline void arch_icc_sre_write(uint32_t v)
{
    SYSREG_WRITE(s3_0_c12_c12_5, v);
    __asm__ volatile("isb" ::: "memory");
}
static inline void arch_icc_pmr_write(uint32_t v) { SYSREG_WRITE(s3_0_c4_c6_0, v); }
static inline void arch_icc_bpr1_write(uint32_t v) { SYSREG_WRITE(s3_0_c12_c12_3, v); }
static inline void arch_icc_igrpen1_write(uint32_t v)
{
    SYSREG_WRITE(s3_0_c12_c12_7, v);
    __asm__ volatile("isb" ::: "memory");
}
static inline uint32_t arch_icc_iar1_read(void)
{
    uint32_t v = (uint32_t)SYSREG_READ(s3_0_c12_c12_0);
    __asm__ volatile("dsb sy" ::: "memory");
    return v;
}
static inline void arch_icc_eoir1_write(uint32_t v)
{
    SYSREG_WRITE(s3_0_c12_c12_1, v);
    __asm__ volatile("isb" ::: "memory");
}

static inline void arch_icc_ctlr_write(uint32_t v)
{
    SYSREG_WRITE(s3_0_c12_c12_4, v);
    __asm__ volatile("isb" ::: "memory");
}

static inline uint32_t arch_dcache_line(void)
{
    uint64_t ctr = SYSREG_READ(ctr_el0);
    return 4u << ((ctr >> 16) & 0xf);
}
static inline void arch_dcache_clean_line(uintptr_t a) { __asm__ volatile("dc cvac, %0" ::"r"(a) : "memory"); }
static inline void arch_dcache_inval_line(uintptr_t a) { __asm__ volatile("dc ivac, %0" ::"r"(a) : "memory"); }
static inline void arch_dcache_flush_line(uintptr_t a) { __asm__ volatile("dc civac, %0" ::"r"(a) : "memory"); }

/* PMU: cycle counter and event counter 0 counting retired instructions
 * (event 0x08).  Under QEMU -icount both count guest instructions.
 * Touch it only if arch_pmu_present(): a hypervisor that offers no PMU
 * (KVM without a vPMU) makes every PMU register access UNDEFINED. */
static inline int arch_pmu_present(void)
{
    unsigned v = (unsigned)(SYSREG_READ(id_aa64dfr0_el1) >> 8) & 0xf; /* PMUVer */
    if (v == 0 || v == 0xf)
        return 0;
    return ((SYSREG_READ(pmcr_el0) >> 11) & 0x1f) != 0; /* PMCR_EL0.N: event counter 0 exists */
}
static inline void arch_pmu_init(void)
{
    SYSREG_WRITE(pmevtyper0_el0, 0x08);         /* INST_RETIRED, counted at EL1 */
    SYSREG_WRITE(pmccfiltr_el0, 0);
    SYSREG_WRITE(pmcntenset_el0, 0x80000001u);   /* cycles, counter 0 */
    SYSREG_WRITE(pmcr_el0, 0x7);                 /* enable, reset both */
    __asm__ volatile("isb" ::: "memory");
}
static inline uint32_t arch_pmu_instructions(void) { return (uint32_t)SYSREG_READ(pmevcntr0_el0); }
static inline uint32_t arch_pmu_cycles(void) { return (uint32_t)SYSREG_READ(pmccntr_el0); }

/* The lowest 2 MiB, left unmapped when null_guard is set so that a NULL
 * dereference faults; a board clears it when the image or the device tree
 * was loaded there (RAM at address 0). */
#define ARCH_NULL_GUARD (2u << 20)
/* The identity map covers 39 bits (cpu.c): RAM above is not used. */
#define ARCH_ADDR_LIMIT (1ull << 39)
void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard);

/* Implemented by board/generic/board.c: write out the console output held
 * so far and write through from then on.  The crash report calls it first
 * (cpu.c), so the report follows everything before it, in order. */
void board_console_release(void);

#endif
