/*
 * arch.h for the host test of drivers/timer/timer.c (test/unit/udiv64.mk):
 * the counter and compare that boot/<arch>/arch.h gives the firmware, here
 * functions that test/unit/test_udiv64.c defines over a settable count.
 */
#ifndef TEST_TIMER_ARCH_H
#define TEST_TIMER_ARCH_H

#include <stdint.h>

uint64_t arch_counter(void);
void arch_timer_set(uint64_t deadline);
void arch_timer_stop(void);

#endif
