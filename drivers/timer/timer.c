/*
 * timer.c - see timer.h.
 */
#include "timer.h"

#include "arch.h"

static uint32_t freq;
static uint32_t period_cnt;
static timer_tick_fn tick_fn;
static volatile uint64_t ticks;

void timer_init(void)
{
    freq = arch_cntfrq();
    if (!freq)
        freq = 62500000; /* a hypervisor that leaves CNTFRQ unset: QEMU's 62.5 MHz */
    /* Off until timer_start_tick(): a timer a loader left running would fire
     * as soon as its PPI is unmasked, and re-arm with a period of 0. */
    arch_cntv_ctl(0);
}

uint32_t timer_freq(void) { return freq; }

uint64_t timer_ns(void)
{
    uint64_t c = arch_cntvct();
    return (c / freq) * 1000000000ull + ((c % freq) * 1000000000ull) / freq;
}

void timer_start_tick(unsigned intid, uint64_t period_ns, timer_tick_fn fn)
{
    (void)intid;
    tick_fn = fn;
    /* Seconds and the remainder apart: period_ns * freq overflows 64 bits
     * for periods over about 295 s at 62.5 MHz. */
    uint64_t p = (period_ns / 1000000000ull) * freq + (period_ns % 1000000000ull) * freq / 1000000000ull;
    period_cnt = p ? (p > 0x7fffffffu ? 0x7fffffffu : (uint32_t)p) : 1;
    arch_cntv_tval(period_cnt);
    arch_cntv_ctl(1); /* enabled, unmasked */
}

void timer_irq(void *arg)
{
    (void)arg;
    ticks++;
    arch_cntv_tval(period_cnt); /* re-arming also clears the level-sensitive condition */
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
