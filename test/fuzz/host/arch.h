/*
 * arch.h (host) - the CPU primitives board/generic/board.c uses, for the
 * device-tree fuzz target (test/fuzz/fuzz_dt.c), which compiles board.c on
 * the host.  Nothing here touches hardware: interrupts are a flag, the
 * counter runs at a fixed rate, there is no PMU, and the MMU is not turned
 * on.  The limits are those of the 32-bit ARM port (ARCH_ADDR_LIMIT,
 * ARCH_NULL_GUARD), so the board's range checks work as on a real target.
 */
#ifndef ARCH_H
#define ARCH_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_NAME "host"

typedef uint32_t arch_irqstate_t;
extern bool host_irq_on;

static inline arch_irqstate_t arch_irq_save(void)
{
    arch_irqstate_t s = host_irq_on ? 0 : 1; /* 1: already masked, as CPSR.I */
    host_irq_on = false;
    return s;
}
static inline void arch_irq_restore(arch_irqstate_t s) { host_irq_on = !s; }
static inline void arch_irq_enable(void) { host_irq_on = true; }
static inline void arch_irq_disable(void) { host_irq_on = false; }
static inline void arch_wfi(void) {}
static inline uint64_t arch_counter(void) { return 0; } /* board_stage(): no stages on the host */
static inline uint32_t arch_counter_freq(void) { return 0; }
static inline int arch_pmu_present(void) { return 0; }
static inline void arch_pmu_init(void) {}
static inline uint32_t arch_pmu_instructions(void) { return 0; }

#define ARCH_NULL_GUARD (1u << 20)
#define ARCH_ADDR_LIMIT 0xfffff000ull
void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard);

#endif
