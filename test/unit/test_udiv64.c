/*
 * test_udiv64.c - host tests for lib/udiv64.h and the counter-to-time
 * conversions of drivers/timer/timer.c (timer_ns, timer_us, timer_ms).
 *
 * The reference for every quotient is exact 128-bit arithmetic
 * (unsigned __int128, which the host has), sharing no code or method with
 * the reciprocal: ref_scale(n, k, d) = floor(n * k / d) mod 2^64.  Checked:
 *  - the four-product high multiply against the 128-bit product;
 *  - the reciprocal quotient and remainder for divisors 1, 2, 3, 7, 1000,
 *    the counter frequencies of real boards (10 MHz riscv64 virt, 19.2 MHz,
 *    24 MHz, 54 MHz, 62.5 MHz ARM virt, 1 GHz, 3.2 GHz), 2^31, 2^32 - 1 and
 *    pseudo-random ones, at dividends 0, 1, around multiples of d, around
 *    2^32 and 2^63, just below 2^64 and pseudo-random;
 *  - timer_ns/us/ms at those frequencies and counts, including counts whose
 *    nanoseconds wrap 2^64 (the result wraps as the exact value does);
 *  - monotonicity: over runs of consecutive counts, each conversion never
 *    decreases and steps by at most ceil(unit / hz);
 *  - timer_init(0) behaves as 1 Hz rather than dividing by zero.
 * test/unit/udiv64.mk builds this file twice, the second time with
 * UDIV64_RECIP so that the 32-bit CPU's code runs on this host too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "timer/timer.h"
#include "udiv64.h"

/* ---- the fake counter timer.c reads (test/unit/timer_arch/arch.h) ---- */

static uint64_t counter;
uint64_t arch_counter(void) { return counter; }
void arch_timer_set(uint64_t deadline) { (void)deadline; }
void arch_timer_stop(void) {}

typedef unsigned __int128 u128;

static uint64_t ref_scale(uint64_t n, uint32_t k, uint32_t d)
{
    return (uint64_t)((u128)n * k / d);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

static const uint32_t divisors[] = {
    1u,         2u,          3u,          7u,          1000u,
    10000000u,  19200000u,   24000000u,   54000000u,   62500000u,
    1000000000u, 3200000000u, 0x80000000u, 0xfffffffeu, 0xffffffffu,
};
#define NDIV (sizeof(divisors) / sizeof(divisors[0]))

/* Dividends that stress the reciprocal for divisor d: the edges of the
 * 64-bit range, 2^32 and 2^63, and multiples of d (q*d - 1, q*d, q*d + 1)
 * near each, where a quotient off by one shows. */
static size_t edge_values(uint32_t d, uint64_t *out)
{
    static const uint64_t bases[] = {0, 1ull << 32, 1ull << 63, UINT64_MAX};
    size_t n = 0;

    for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
        uint64_t m = bases[b] / d * d; /* a multiple of d at or below the base */
        for (int k = -3; k <= 3; k++) {
            out[n++] = bases[b] + (uint64_t)(int64_t)k; /* wraps around 0 and 2^64 */
            out[n++] = m + (uint64_t)(int64_t)k;
        }
    }
    out[n++] = d;
    out[n++] = (uint64_t)d - 1;
    out[n++] = (uint64_t)d + 1;
    out[n++] = UINT64_MAX - d;
    out[n++] = UINT64_MAX / d * d - 1;
    return n;
}

static void test_mulhi(void **state)
{
    static const uint64_t v[] = {0, 1, 2, 0xffffffffull, 0x100000000ull, 0x100000001ull,
                                 1ull << 63, UINT64_MAX - 1, UINT64_MAX};
    (void)state;
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        for (size_t j = 0; j < sizeof(v) / sizeof(v[0]); j++)
            assert_true(udiv64_mulhi_32(v[i], v[j]) == (uint64_t)(((u128)v[i] * v[j]) >> 64));
    for (int i = 0; i < 200000; i++) {
        uint64_t a = rnd(), b = rnd();
        assert_true(udiv64_mulhi_32(a, b) == (uint64_t)(((u128)a * b) >> 64));
        assert_true(udiv64_mulhi(a, b) == (uint64_t)(((u128)a * b) >> 64));
    }
}

static void check_div(const struct udiv64 *u, uint64_t n)
{
    uint32_t r1 = 0xdeadbeef, r2 = 0xdeadbeef;
    uint64_t q1 = udiv64_div_recip(u, n, &r1);
    uint64_t q2 = udiv64_div(u, n, &r2);

    if (q1 != n / u->d || r1 != n % u->d || q2 != q1 || r2 != r1)
        fail_msg("%llu / %u: got %llu r %u (recip), %llu r %u; want %llu r %llu",
                 (unsigned long long)n, u->d, (unsigned long long)q1, r1, (unsigned long long)q2,
                 r2, (unsigned long long)(n / u->d), (unsigned long long)(n % u->d));
    assert_true(udiv64_div_recip(u, n, NULL) == q1);
}

static void test_div(void **state)
{
    uint64_t v[64];
    struct udiv64 u;

    (void)state;
    for (size_t i = 0; i < NDIV; i++) {
        udiv64_init(&u, divisors[i]);
        assert_int_equal(u.d, divisors[i]);
        size_t n = edge_values(divisors[i], v);
        for (size_t j = 0; j < n; j++)
            check_div(&u, v[j]);
        for (int j = 0; j < 20000; j++) {
            uint64_t x = rnd();
            check_div(&u, x);
            check_div(&u, x >> (x & 63)); /* small dividends too */
        }
    }
    /* Pseudo-random divisors of every size. */
    for (int i = 0; i < 20000; i++) {
        uint32_t d = (uint32_t)(rnd() >> (32 + (i & 31)));
        udiv64_init(&u, d);
        if (d == 0) {
            assert_int_equal(u.d, 1); /* 0 is taken as 1 */
            d = 1;
        }
        size_t n = edge_values(d, v);
        for (size_t j = 0; j < n; j++)
            check_div(&u, v[j]);
        for (int j = 0; j < 20; j++)
            check_div(&u, rnd());
    }
}

static void test_by1000(void **state)
{
    uint64_t v[64];
    (void)state;
    size_t n = edge_values(1000, v);
    for (size_t j = 0; j < n; j++)
        assert_true(udiv64_by1000(v[j]) == v[j] / 1000);
    for (int i = 0; i < 200000; i++) {
        uint64_t x = rnd();
        assert_true(udiv64_by1000(x) == x / 1000);
        assert_true(udiv64_by1000(x >> 20) == (x >> 20) / 1000);
    }
}

static void check_scale(const struct udiv64 *u, uint64_t n, uint32_t k)
{
    uint64_t got = udiv64_scale(u, n, k), want = ref_scale(n, k, u->d);
    if (got != want)
        fail_msg("%llu * %u / %u: got %llu want %llu", (unsigned long long)n, k, u->d,
                 (unsigned long long)got, (unsigned long long)want);
}

static void test_scale(void **state)
{
    static const uint32_t units[] = {1000000000u, 1000000u, 1000u, 1u, 1u << 30};
    uint64_t v[64];
    struct udiv64 u;

    (void)state;
    for (size_t i = 0; i < NDIV; i++) {
        udiv64_init(&u, divisors[i]);
        size_t n = edge_values(divisors[i], v);
        for (size_t k = 0; k < sizeof(units) / sizeof(units[0]); k++) {
            for (size_t j = 0; j < n; j++)
                check_scale(&u, v[j], units[k]);
            for (int j = 0; j < 5000; j++)
                check_scale(&u, rnd(), units[k]);
        }
    }
}

/* timer_ns/us/ms at count c against the reference. */
static void check_timer(uint32_t hz, uint64_t c)
{
    counter = c;
    uint64_t ns = timer_ns(), us = timer_us(), ms = timer_ms();
    if (ns != ref_scale(c, 1000000000u, hz) || us != ref_scale(c, 1000000u, hz) ||
        ms != ref_scale(c, 1000u, hz))
        fail_msg("hz %u count %llu: ns %llu us %llu ms %llu", hz, (unsigned long long)c,
                 (unsigned long long)ns, (unsigned long long)us, (unsigned long long)ms);
    /* The finer clock, divided, is the coarser one while ns has not wrapped. */
    if ((u128)c * 1000000000u / hz <= UINT64_MAX) {
        assert_true(us == ns / 1000);
        assert_true(ms == ns / 1000000);
    }
}

static void test_timer(void **state)
{
    uint64_t v[64];

    (void)state;
    for (size_t i = 0; i < NDIV; i++) {
        uint32_t hz = divisors[i];
        timer_init(hz);
        assert_int_equal(timer_freq(), hz);
        size_t n = edge_values(hz, v);
        for (size_t j = 0; j < n; j++)
            check_timer(hz, v[j]);
        for (int j = 0; j < 5000; j++)
            check_timer(hz, rnd());
    }
    /* 0 Hz from a broken device tree: treated as 1 Hz, no division by 0. */
    timer_init(0);
    assert_int_equal(timer_freq(), 1);
    check_timer(1, 12345);
    check_timer(1, UINT64_MAX);
}

/* Runs of consecutive counts: no conversion goes back, none jumps by more
 * than one count's worth (rounded up).  Starts at 0, at the counts where the
 * 62.5 MHz clock's us and ms carry over 2^32, and pseudo-random points; each
 * run stays below the count where that unit wraps 2^64. */
static void test_monotonic(void **state)
{
    static const uint32_t hzs[] = {10000000u, 62500000u, 19200000u, 3200000000u, 7u};
    (void)state;
    for (size_t i = 0; i < sizeof(hzs) / sizeof(hzs[0]); i++) {
        uint32_t hz = hzs[i];
        uint64_t starts[8] = {0,
                              (uint64_t)(((u128)1 << 32) * hz / 1000),     /* ms crosses 2^32 */
                              (uint64_t)(((u128)1 << 32) * hz / 1000000),  /* us crosses 2^32 */
                              (uint64_t)(((u128)1 << 32) * hz / 1000000000u) /* ns crosses 2^32 */};
        for (int s = 4; s < 8; s++)
            starts[s] = rnd() >> 8; /* far enough below any wrap */
        timer_init(hz);
        for (int s = 0; s < 8; s++) {
            uint64_t c0 = starts[s] > 3000 ? starts[s] - 3000 : 0;
            counter = c0;
            uint64_t pns = timer_ns(), pus = timer_us(), pms = timer_ms();
            for (uint64_t c = c0 + 1; c < c0 + 6000; c++) {
                counter = c;
                uint64_t ns = timer_ns(), us = timer_us(), ms = timer_ms();
                assert_true(ns >= pns && ns - pns <= (1000000000u + hz - 1) / hz);
                assert_true(us >= pus && us - pus <= (1000000u + hz - 1) / hz);
                assert_true(ms >= pms && ms - pms <= (1000u + hz - 1) / hz);
                pns = ns, pus = us, pms = ms;
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mulhi),     cmocka_unit_test(test_div),   cmocka_unit_test(test_by1000),
        cmocka_unit_test(test_scale),     cmocka_unit_test(test_timer),
        cmocka_unit_test(test_monotonic),
    };

    return cmocka_run_group_tests_name(
#ifdef UDIV64_RECIP
        "udiv64_recip",
#else
        "udiv64",
#endif
        tests, NULL, NULL);
}
