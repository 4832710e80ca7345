/*
 * arch.h (RISC-V 64, S-mode) - CPU primitives the board and the timer
 * driver use: interrupt masking, the timer, barriers, cache hooks, the
 * retired-instruction counter and the MMU.  boot/arm and boot/aarch64 offer
 * the same names where the ISAs share the idea; what only RISC-V needs
 * (the boot hart's ID, the ISA string, the external-interrupt enable, the
 * trap entry's callbacks) is marked so.  drivers/virtio and net never
 * include it.
 *
 * The firmware runs in S-mode under an SBI implementation (OpenSBI), single
 * hart: the boot hart; start.S stops every other hart that enters.
 */
#ifndef ARCH_H
#define ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_NAME "riscv64"
/* The /cpus/cpu@N property the board passes to arch_cpu_isa() (RISC-V only). */
#define ARCH_CPU_ISA_PROP "riscv,isa"

typedef unsigned long arch_irqstate_t;

#define CSR_READ(csr)                                                                              \
    ({                                                                                             \
        unsigned long v__;                                                                         \
        __asm__ volatile("csrr %0, " #csr : "=r"(v__)::"memory");                                  \
        v__;                                                                                       \
    })
#define CSR_WRITE(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"((unsigned long)(v)) : "memory")
#define CSR_SET(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"((unsigned long)(v)) : "memory")
#define CSR_CLEAR(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"((unsigned long)(v)) : "memory")

#define SSTATUS_SIE (1ul << 1)
#define SIE_SSIE (1ul << 1) /* supervisor software interrupt */
#define SIE_STIE (1ul << 5) /* supervisor timer interrupt */
#define SIE_SEIE (1ul << 9) /* supervisor external interrupt (the PLIC) */

/* The hart start.S let through (the others are stopped); the board needs it
 * to find this hart's /cpus node and its PLIC context.  RISC-V only. */
extern unsigned long arch_boot_hartid;

/* ---------------------------------------------------------------- interrupts */

/* Non-zero when interrupts were already masked, as on ARM: board.c's console
 * relies on that meaning. */
static inline arch_irqstate_t arch_irq_save(void)
{
    unsigned long s;
    __asm__ volatile("csrrci %0, sstatus, 2" : "=r"(s)::"memory");
    return (s & SSTATUS_SIE) ^ SSTATUS_SIE;
}
static inline void arch_irq_restore(arch_irqstate_t s)
{
    if (!s)
        __asm__ volatile("csrsi sstatus, 2" ::: "memory");
}
static inline void arch_irq_enable(void) { __asm__ volatile("csrsi sstatus, 2" ::: "memory"); }
static inline void arch_irq_disable(void) { __asm__ volatile("csrci sstatus, 2" ::: "memory"); }
/* Wakes for any interrupt enabled in sie that becomes pending, even with
 * sstatus.SIE clear (then it is taken once SIE is set again). */
static inline void arch_wfi(void) { __asm__ volatile("wfi" ::: "memory"); }

/* Let the external interrupt (the PLIC's S-mode context for this hart)
 * through sie; the board calls it once the PLIC is set up, before
 * arch_irq_enable().  RISC-V only: on ARM the GIC's own enables do this. */
static inline void arch_local_irq_enable(void) { CSR_SET(sie, SIE_SEIE); }

/* Called by the trap entry (boot/riscv64/cpu.c) with interrupts masked;
 * board/generic/board.c implements both.
 *   board_timer_irq: the supervisor timer interrupt (scause 5).  The timer is
 *     one-shot: the trap entry has already disabled it (sie.STIE = 0); the
 *     handler re-arms it with arch_timer_set() for the next tick.
 *   irq_dispatch: the supervisor external interrupt (scause 9): claim from
 *     the PLIC, run the handler, complete. */
void board_timer_irq(void);
void irq_dispatch(void);

/* What the trap entry saves (start.S), for arch_trap() and the crash report:
 * x[0] holds nothing, x[2] the stack pointer before the trap. */
struct trap_frame {
    unsigned long x[32];
    unsigned long sepc;
    unsigned long sstatus;
    unsigned long scause;
    unsigned long stval;
};
void arch_trap(struct trap_frame *f);

/* ---------------------------------------------------------------- barriers */

/* RVWMO (the RISC-V weak memory model, unprivileged spec chapter 17) orders
 * nothing between different addresses unless a FENCE says so.  A FENCE's
 * predecessor and successor sets name what it orders: r/w are loads/stores
 * to main memory, i/o are device input/output (loads/stores to I/O regions,
 * as the PMAs or PBMT=IO say).  "fence p,s" orders every earlier access in
 * p before every later access in s, as any other hart or device sees them. */
#define arch_dmb() __asm__ volatile("fence rw,rw" ::: "memory")
#define arch_dmb_st() __asm__ volatile("fence w,w" ::: "memory")
/* Everything before, memory and I/O, before everything after. */
#define arch_dsb() __asm__ volatile("fence iorw,iorw" ::: "memory")
/* Instruction fetch sees earlier stores (Zifencei).  CSR writes need no
 * equivalent of ARM's ISB: they take effect for the next instruction. */
#define arch_isb() __asm__ volatile("fence.i" ::: "memory")

/* Before an MMIO store (a notify): earlier normal-memory writes - the
 * descriptors and ring index the device will read by DMA - are visible
 * first.  "fence w,o": predecessor = memory writes, successor = device
 * output, exactly that pair (Linux's __io_bw() in writeX()). */
static inline void arch_mmio_wmb(void) { __asm__ volatile("fence w,o" ::: "memory"); }
/* After an MMIO load (an interrupt or status register): later normal-memory
 * loads - the used ring the device wrote before raising it - are not
 * performed before it.  "fence i,r": predecessor = device input, successor =
 * memory reads.  (Linux's __io_ar() uses "fence i,ir", which also orders
 * later device reads; accesses to one device's region are already kept in
 * order by its strongly-ordered I/O region.) */
static inline void arch_mmio_rmb(void) { __asm__ volatile("fence i,r" ::: "memory"); }

/* ---------------------------------------------------------------- timer */

/* The `time` CSR: the platform's real-time counter (QEMU virt: 10 MHz, the
 * CLINT's mtime).  Readable in S-mode when M-mode sets mcounteren.TM, as
 * OpenSBI does (otherwise OpenSBI emulates the read). */
static inline uint64_t arch_counter(void)
{
    uint64_t v;
    __asm__ volatile("csrr %0, time" : "=r"(v)::"memory");
    return v;
}
/* The counter has no frequency register on RISC-V: 0, "unknown"; the board
 * reads /cpus/timebase-frequency from the device tree. */
static inline uint32_t arch_counter_freq(void) { return 0; }
/* Fire the supervisor timer interrupt once arch_counter() >= deadline (an
 * absolute counter value; a past one fires at once) and enable it in sie.
 * stimecmp directly when the CPU has Sstc and M-mode opened it
 * (menvcfg.STCE, probed by arch_cpu_isa()), else SBI set_timer. */
void arch_timer_set(uint64_t deadline);
/* Disable the timer interrupt and push the deadline to "never". */
void arch_timer_stop(void);

/* ---------------------------------------------------------------- CPU features */

/* Record what the boot hart's riscv,isa string (from the device tree) says:
 * Svpbmt (arch_mmu_enable() then marks I/O PBMT=IO) and Sstc (stimecmp for
 * the timer).  Call it before arch_mmu_enable() and arch_timer_set(); never
 * called means neither is used.  Both are also checked against what M-mode
 * enabled (menvcfg), by probes that trap harmlessly.  RISC-V only. */
void arch_cpu_isa(const char *isa);
/* What arch_cpu_isa() and arch_mmu_enable() found usable, for the boot log. */
#define ARCH_FEAT_SSTC 0x1u   /* the timer writes stimecmp itself */
#define ARCH_FEAT_SVPBMT 0x2u /* I/O pages are PBMT=IO */
unsigned arch_cpu_features(void);

/* ---------------------------------------------------------------- caches */

/* DMA on QEMU virt (and on most RISC-V SoCs) is cache-coherent.  Cache
 * maintenance by address needs Zicbom (cbo.clean/inval/flush, with M-mode
 * opening them in menvcfg.CBCFE/CBIE); this port neither detects nor uses
 * it, so these are no-ops and only devices with coherent DMA are supported. */
static inline uint32_t arch_dcache_line(void) { return 64; }
static inline void arch_dcache_clean_line(uintptr_t a) { (void)a; }
static inline void arch_dcache_inval_line(uintptr_t a) { (void)a; }
static inline void arch_dcache_flush_line(uintptr_t a) { (void)a; }

/* ---------------------------------------------------------------- PMU */

/* The unprivileged counters: instret (retired instructions) and cycle.
 * Readable in S-mode only when M-mode set mcounteren.IR/CY (OpenSBI does) and
 * running only when mcountinhibit leaves them on; arch_pmu_present() checks
 * both with a read that traps harmlessly (arch_trap skips it) and a second
 * read.  S-mode cannot reset them: arch_pmu_init() records the start and the
 * readers subtract it.  Under QEMU without -icount both count host ticks;
 * with -icount, guest instructions. */
extern uint64_t arch_pmu_base_instret, arch_pmu_base_cycle;
int arch_pmu_present(void);
void arch_pmu_init(void);
static inline uint32_t arch_pmu_instructions(void)
{
    return (uint32_t)(CSR_READ(instret) - arch_pmu_base_instret);
}
static inline uint32_t arch_pmu_cycles(void) { return (uint32_t)(CSR_READ(cycle) - arch_pmu_base_cycle); }

/* ---------------------------------------------------------------- MMU */

/* The lowest 2 MiB, left unmapped when null_guard is set so that a NULL
 * dereference faults; a board clears it when the image or the device tree
 * was loaded there.  (QEMU virt has devices there - the test/syscon
 * device at 0x100000 - that then cannot be reached: power off through SBI.) */
#define ARCH_NULL_GUARD (2u << 20)
/* The identity map is Sv39's lower half, 256 GiB (cpu.c): RAM above is not used. */
#define ARCH_ADDR_LIMIT (1ull << 38)
void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard);

/* Implemented by board/generic/board.c: write out the console output held
 * so far and write through from then on.  The crash report calls it first
 * (cpu.c), so the report follows everything before it, in order. */
void board_console_release(void);

#endif
