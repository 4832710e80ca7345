/*
 * timer.h - a monotonic clock and one periodic tick over the CPU's counter
 * (boot/<arch>/arch.h: arch_counter, arch_timer_set, arch_timer_stop): the
 * ARM generic timer's virtual view, or RISC-V's time CSR with an SBI (or
 * Sstc) compare.  The board routes the timer's interrupt to timer_irq():
 * on ARM a PPI through the GIC (QEMU virt: INTID 27), on RISC-V the
 * supervisor timer interrupt.  Nothing here assumes a counter frequency.
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

typedef void (*timer_tick_fn)(void);

/* hz: the counter's frequency (the device tree's, the CPU's register, or
 * the board table's).  Stops any compare a loader left armed. */
void timer_init(uint32_t hz);
uint64_t timer_ns(void);
uint32_t timer_freq(void);
/* Fire fn from interrupt context every period_ns. */
void timer_start_tick(uint64_t period_ns, timer_tick_fn fn);
void timer_irq(void *arg);
uint64_t timer_ticks(void);
void timer_delay_ns(uint64_t ns);

#endif
