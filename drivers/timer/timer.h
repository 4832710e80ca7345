/*
 * timer.h - the ARM generic timer, virtual view: a monotonic clock and one
 * periodic tick.  The tick interrupt is the timer's PPI from the device tree
 * (QEMU virt: INTID 27).  Nothing here assumes a counter frequency.
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

typedef void (*timer_tick_fn)(void);

void timer_init(void);
uint64_t timer_ns(void);
uint32_t timer_freq(void);
/* Fire fn from interrupt context every period_ns; intid is the timer PPI. */
void timer_start_tick(unsigned intid, uint64_t period_ns, timer_tick_fn fn);
void timer_irq(void *arg);
uint64_t timer_ticks(void);
void timer_delay_ns(uint64_t ns);

#endif
