/*
 * timer.c - see timer.h.
 */
#include "timer.h"

#include "arch.h"
#include "udiv64.h"

static uint32_t freq = 1; /* never 0: the conversions divide by it */
/* freq's reciprocal (lib/udiv64.h): the conversions below are exact,
 * floor(count * unit / freq), with no 64-bit division per read. */
static struct udiv64 freq_div = {UINT64_MAX, 1};
static uint64_t period_cnt;
static timer_tick_fn tick_fn;
static volatile uint64_t ticks;

void timer_init(uint32_t hz)
{
    freq = hz ? hz : 1;
    udiv64_init(&freq_div, freq);
    /* Off until timer_start_tick(): a compare a loader left armed would
     * fire as soon as its interrupt is unmasked, with a period of 0. */
    arch_timer_stop();
}

uint32_t timer_freq(void) { return freq; }

/* On a 32-bit CPU, one copy of the conversion (about 100 instructions of
 * code on ARM) rather than three inlined ones; where the CPU divides 64-bit
 * numbers itself it is a dozen instructions, inlined. */
#if UINTPTR_MAX > 0xffffffffu
static inline uint64_t counter_to(uint32_t unit)
#else
__attribute__((noinline)) static uint64_t counter_to(uint32_t unit)
#endif
{
    return udiv64_scale(&freq_div, arch_counter(), unit);
}

uint64_t timer_ns(void) { return counter_to(1000000000u); }
uint64_t timer_us(void) { return counter_to(1000000u); }
uint64_t timer_ms(void) { return counter_to(1000u); }

void timer_start_tick(uint64_t period_ns, timer_tick_fn fn)
{
    tick_fn = fn;
    /* Seconds and the remainder apart: period_ns * freq overflows 64 bits
     * for periods over about 295 s at 62.5 MHz. */
    uint64_t p = (period_ns / 1000000000ull) * freq + (period_ns % 1000000000ull) * freq / 1000000000ull;
    period_cnt = p ? p : 1;
    arch_timer_set(arch_counter() + period_cnt);
}

void timer_irq(void *arg)
{
    (void)arg;
    ticks++;
    /* From now, not from the last deadline: a late tick (a long interrupt
     * handler, a descheduled vCPU) is not followed by a burst of catch-up
     * ticks.  Re-arming also clears the level of the interrupt. */
    arch_timer_set(arch_counter() + period_cnt);
    if (tick_fn)
        tick_fn();
}

uint64_t timer_ticks(void) { return ticks; }

void timer_delay_ns(uint64_t ns)
{
    uint64_t end = timer_ns() + ns;
    while (timer_ns() < end)
        ;
}
