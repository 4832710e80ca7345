/*
 * udiv64.h - exact 64-bit by 32-bit unsigned division without a divide
 * instruction on the hot path.
 *
 * 32-bit ARM has no 64-bit divide: `n / d` on a uint64_t is a call to the
 * compiler's helper (__aeabi_uldivmod), a few hundred instructions.  A
 * divisor that is fixed for a long time (the counter frequency, 1000) can
 * be replaced by its reciprocal, computed once:
 *
 *     m = floor((2^64 - 1) / d)            (udiv64_init: one real division)
 *     q0 = floor(n * m / 2^64)             (the high half of a 64x64 product)
 *
 * With e = 2^64 - m * d, 1 <= e <= d (m * d <= 2^64 - 1 and
 * m * d > 2^64 - 1 - d), so n/d - n * m / 2^64 = n * e / (d * 2^64) lies in
 * [0, n / 2^64), below 1 for every n < 2^64: q0 is floor(n/d) or one less.
 * One correction step (r = n - q0 * d; if r >= d: q0++, r -= d) makes the
 * quotient and remainder exact: the same as `n / d` and `n % d`, bit for
 * bit, with no error to bound.
 *
 * On 64-bit targets (aarch64 udiv, riscv64 divu) the hardware divides in
 * one instruction and udiv64_div() uses it; the reciprocal form is always
 * compiled (udiv64_div_recip) so that the host unit test
 * (test/unit/test_udiv64.c) checks it on every host.  Defining UDIV64_RECIP
 * forces the 32-bit CPU's code (reciprocal and four-product multiply) on a
 * 64-bit host: the test is built both ways.
 */
#ifndef UDIV64_H
#define UDIV64_H

#include <stdint.h>

struct udiv64 {
    uint64_t m; /* floor((2^64 - 1) / d) */
    uint32_t d; /* never 0 */
};

/* The high 64 bits of a * b, from four 32x32->64 products (what a 32-bit
 * CPU has: umull / umlal on ARM).  No carry is lost: each partial sum below
 * is at most (2^32 - 1) * (2^32 - 1) + 2 * (2^32 - 1) < 2^64. */
static inline uint64_t udiv64_mulhi_32(uint64_t a, uint64_t b)
{
    uint32_t a0 = (uint32_t)a, a1 = (uint32_t)(a >> 32);
    uint32_t b0 = (uint32_t)b, b1 = (uint32_t)(b >> 32);
    uint64_t p00 = (uint64_t)a0 * b0;
    uint64_t p01 = (uint64_t)a0 * b1;
    uint64_t p10 = (uint64_t)a1 * b0;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;

    return (uint64_t)a1 * b1 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

static inline uint64_t udiv64_mulhi(uint64_t a, uint64_t b)
{
#if defined(__SIZEOF_INT128__) && !defined(UDIV64_RECIP)
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
#else
    return udiv64_mulhi_32(a, b);
#endif
}

/* d == 0 is taken as 1 (the caller's value is never trusted to be non-zero). */
static inline void udiv64_init(struct udiv64 *u, uint32_t d)
{
    u->d = d ? d : 1;
    u->m = UINT64_MAX / u->d;
}

/* n / u->d, and n % u->d in *rem when rem is not NULL; by the reciprocal. */
static inline uint64_t udiv64_div_recip(const struct udiv64 *u, uint64_t n, uint32_t *rem)
{
    uint64_t q = udiv64_mulhi(n, u->m);
    uint64_t r = n - q * u->d;

    /* q is exact or one short (see the top of the file). */
    if (r >= u->d) {
        q++;
        r -= u->d;
    }
    if (rem)
        *rem = (uint32_t)r;
    return q;
}

/* n / u->d and n % u->d: the hardware's divide where it has a 64-bit one,
 * the reciprocal otherwise. */
static inline uint64_t udiv64_div(const struct udiv64 *u, uint64_t n, uint32_t *rem)
{
#if UINTPTR_MAX > 0xffffffffu && !defined(UDIV64_RECIP)
    uint64_t q = n / u->d;
    if (rem)
        *rem = (uint32_t)(n - q * u->d);
    return q;
#else
    return udiv64_div_recip(u, n, rem);
#endif
}

/* floor(n * k / d) mod 2^64 for k <= 2^30 (1e9, 1e6, 1e3: counter ticks to
 * ns, us, ms), exact: with n = q*d + r, n*k/d = q*k + r*k/d, and
 * r*k < 2^32 * 2^30 fits 64 bits.  Only q*k can exceed 2^64, and then the
 * result wraps exactly as the mathematical value does mod 2^64. */
static inline uint64_t udiv64_scale(const struct udiv64 *u, uint64_t n, uint32_t k)
{
    uint32_t r;
    uint64_t q = udiv64_div(u, n, &r);

    return q * k + udiv64_div(u, (uint64_t)r * k, 0);
}

/* n / 1000 with the reciprocal folded at compile time (microseconds to
 * milliseconds on the network stack's path).  Out of line on a 32-bit CPU
 * (some 50 instructions of code), inline where it is a multiply. */
#if UINTPTR_MAX > 0xffffffffu && !defined(UDIV64_RECIP)
static inline uint64_t udiv64_by1000(uint64_t n)
{
    return n / 1000u;
}
#else
__attribute__((noinline, unused)) static uint64_t udiv64_by1000(uint64_t n)
{
    static const struct udiv64 k1000 = {UINT64_MAX / 1000u, 1000u};
    return udiv64_div_recip(&k1000, n, 0);
}
#endif

#endif
