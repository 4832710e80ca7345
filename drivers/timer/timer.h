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
/* The counter in nanoseconds, microseconds and milliseconds since it read
 * 0: exactly floor(count * unit / hz) mod 2^64, as lib/udiv64.h's
 * udiv64_scale computes it, for any hz from 1 to 2^32 - 1 and any count
 * up to 2^64 - 1 (no rounding error to bound: the same value as the
 * 128-bit quotient; test/unit/test_udiv64.c).  So, until timer_ns()
 * passes 2^64 (584 years), timer_us() == timer_ns() / 1000 and
 * timer_ms() == timer_ns() / 1000000, and each is monotonic as the counter
 * is.  A read costs two divisions by a reciprocal computed in
 * timer_init (about 100 instructions on 32-bit ARM, no call to the 64-bit
 * divide helper; the hardware's divide on aarch64 and riscv64); callers
 * that want us or ms call timer_us()/timer_ms() rather than dividing
 * timer_ns(). */
uint64_t timer_ns(void);
uint64_t timer_us(void);
uint64_t timer_ms(void);
uint32_t timer_freq(void);
/* Fire fn from interrupt context every period_ns. */
void timer_start_tick(uint64_t period_ns, timer_tick_fn fn);
void timer_irq(void *arg);
uint64_t timer_ticks(void);
void timer_delay_ns(uint64_t ns);

#endif
