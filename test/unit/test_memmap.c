/*
 * test_memmap.c - host tests for lib/memmap.c (memmap_largest_free).
 *
 * Two kinds of evidence:
 *  - table cases, each a small picture of RAM and reservations with the
 *    answer worked out by hand: empty inputs, reservations at the start,
 *    middle and end and over everything, touching, overlapping and
 *    separated banks, unsorted input, the limit, alignment, values near
 *    2^64, ties, min_size and bad arguments;
 *  - a brute-force cross-check: many pseudo-random small configurations in
 *    a universe of a few hundred addresses (at 0, and just below 2^64 so
 *    that ranges wrap), compared with a bitmap of free addresses and a scan
 *    over every aligned start (ref_largest_free), which shares no code or
 *    method with the implementation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "memmap.h"

#define KB 0x400ull
#define MB 0x100000ull
#define GB 0x40000000ull
#define TOP UINT64_MAX

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* memmap_largest_free with out pre-set to a marker: on -1 the marker must
 * survive (out is left alone). */
static int largest(const struct mem_range *ram, int nram,
		   const struct mem_range *rsv, int nrsv, uint64_t limit,
		   uint64_t align, uint64_t min_size, struct mem_range *out)
{
	int r;

	out->base = 0x5a5a5a5a5a5a5a5aull;
	out->size = 0xa5a5a5a5a5a5a5a5ull;
	r = memmap_largest_free(ram, nram, rsv, nrsv, limit, align, min_size,
				out);
	assert_true(r == 0 || r == -1);
	if (r < 0) {
		assert_int_equal(out->base, 0x5a5a5a5a5a5a5a5aull);
		assert_int_equal(out->size, 0xa5a5a5a5a5a5a5a5ull);
	} else {
		/* whatever the case: aligned, non-empty, below the limit */
		assert_true(out->size > 0 && out->size >= min_size);
		assert_int_equal(out->base & (align - 1), 0);
		assert_int_equal(out->size & (align - 1), 0);
		assert_true(out->base < limit && out->size <= limit - out->base);
	}
	return r;
}

#define expect_none(ram, nram, rsv, nrsv, limit, align, min) \
	do { \
		struct mem_range o_; \
		assert_int_equal(largest((ram), (nram), (rsv), (nrsv), (limit), (align), (min), &o_), -1); \
	} while (0)

#define expect_range(ram, nram, rsv, nrsv, limit, align, min, b, s) \
	do { \
		struct mem_range o_; \
		assert_int_equal(largest((ram), (nram), (rsv), (nrsv), (limit), (align), (min), &o_), 0); \
		assert_int_equal(o_.base, (b)); \
		assert_int_equal(o_.size, (s)); \
	} while (0)

/* ---- Table cases ---------------------------------------------------------- */

static void test_empty(void **state)
{
	static const struct mem_range zero[] = { { 0x1000, 0 }, { 0, 0 } };
	static const struct mem_range ram[] = { { 0x1000, 0x1000 } };
	static const struct mem_range rsv[] = { { 0x1000, 0x1000 } };

	(void)state;
	expect_none(NULL, 0, NULL, 0, TOP, 1, 0);
	expect_none(NULL, 0, rsv, N(rsv), TOP, 1, 0);
	expect_none(zero, N(zero), NULL, 0, TOP, 1, 0);  /* only empty banks */
	expect_none(ram, N(ram), NULL, 0, 0, 1, 0);       /* limit 0 */
	expect_none(ram, N(ram), NULL, 0, 0x1000, 1, 0);  /* bank at the limit */
	/* no reservations at all, or only empty ones */
	expect_range(ram, N(ram), NULL, 0, TOP, 1, 0, 0x1000, 0x1000);
	expect_range(ram, N(ram), zero, N(zero), TOP, 1, 0, 0x1000, 0x1000);
	expect_range(ram, 1, zero, 1, TOP, 1, 0, 0x1000, 0x1000);
}

static void test_reservation_positions(void **state)
{
	static const struct mem_range ram[] = { { 0x40000000, 0x10000 } };
	static const struct mem_range start[] = { { 0x40000000, 0x1000 } };
	static const struct mem_range middle[] = { { 0x40004000, 0x1000 } };
	static const struct mem_range end[] = { { 0x4000f000, 0x1000 } };
	static const struct mem_range all[] = { { 0x40000000, 0x10000 } };
	static const struct mem_range beyond[] = { { 0x3fff0000, 0x100000 } };
	static const struct mem_range outside[] = { { 0x3fff0000, 0x10000 },
						    { 0x40010000, 0x10000 } };
	static const struct mem_range two[] = { { 0x40008000, 0x100 },
						{ 0x40002000, 0x1000 } };

	(void)state;
	expect_range(ram, 1, start, 1, TOP, 1, 0, 0x40001000, 0xf000);
	/* [0, 0x4000) and [0x5000, 0x10000): the bigger one above */
	expect_range(ram, 1, middle, 1, TOP, 1, 0, 0x40005000, 0xb000);
	expect_range(ram, 1, end, 1, TOP, 1, 0, 0x40000000, 0xf000);
	expect_none(ram, 1, all, 1, TOP, 1, 0);
	expect_none(ram, 1, beyond, 1, TOP, 1, 0);
	/* touching from both sides without overlapping changes nothing */
	expect_range(ram, 1, outside, 2, TOP, 1, 0, 0x40000000, 0x10000);
	/* pieces: [0,0x2000) [0x3000,0x8000) [0x8100,0x10000) */
	expect_range(ram, 1, two, 2, TOP, 1, 0, 0x40008100, 0x7f00);
}

static void test_banks(void **state)
{
	static const struct mem_range touching[] = { { 0x1000, 0x1000 },
						      { 0x2000, 0x2000 } };
	static const struct mem_range overlapping[] = {
		{ 0x0, 0x2000 }, { 0x1000, 0x800 }, /* inside the first */
		{ 0x1800, 0x2800 },                   /* overlaps its end */
	};
	static const struct mem_range gap[] = { { 0x0, 0x1000 },
						{ 0x1001, 0x1001 } };
	/* the union is one stretch only through the third bank */
	static const struct mem_range chain[] = { { 0x3000, 0x1000 },
						  { 0x0, 0x1000 },
						  { 0x800, 0x2800 } };
	static const struct mem_range same[] = { { 0x8000, 0x1000 },
						 { 0x8000, 0x1000 } };
	static const struct mem_range rsv_touch[] = { { 0x2000, 0x1 } };

	(void)state;
	expect_range(touching, 2, NULL, 0, TOP, 1, 0, 0x1000, 0x3000);
	expect_range(overlapping, 3, NULL, 0, TOP, 1, 0, 0x0, 0x4000);
	/* a one-byte gap splits */
	expect_range(gap, 2, NULL, 0, TOP, 1, 0, 0x1001, 0x1001);
	expect_range(chain, 3, NULL, 0, TOP, 1, 0, 0x0, 0x4000);
	expect_range(same, 2, NULL, 0, TOP, 1, 0, 0x8000, 0x1000);
	/* a reservation at the seam of two touching banks splits them */
	expect_range(touching, 2, rsv_touch, 1, TOP, 1, 0, 0x2001, 0x1fff);
}

static void test_unsorted(void **state)
{
	/* same picture in two orders: RAM [0x10000, 0x30000) and
	 * [0x40000, 0x48000), reserved [0x18000, 0x19000), [0x28000,
	 * 0x2a000), [0x44000, 0x45000); free runs 0x8000, 0xf000, 0x6000,
	 * 0x4000, 0x3000 */
	static const struct mem_range ram_a[] = { { 0x40000, 0x8000 },
						  { 0x20000, 0x10000 },
						  { 0x10000, 0x10000 } };
	static const struct mem_range rsv_a[] = { { 0x44000, 0x1000 },
						  { 0x28000, 0x2000 },
						  { 0x18000, 0x1000 } };
	static const struct mem_range ram_b[] = { { 0x10000, 0x10000 },
						  { 0x40000, 0x8000 },
						  { 0x20000, 0x10000 } };
	static const struct mem_range rsv_b[] = { { 0x28000, 0x2000 },
						  { 0x18000, 0x1000 },
						  { 0x44000, 0x1000 } };

	(void)state;
	expect_range(ram_a, 3, rsv_a, 3, TOP, 1, 0, 0x19000, 0xf000);
	expect_range(ram_b, 3, rsv_b, 3, TOP, 1, 0, 0x19000, 0xf000);
	/* overlapping reservations, unsorted, cover [0x19000, 0x20000) too */
	{
		static const struct mem_range rsv_c[] = {
			{ 0x1c000, 0x4000 }, { 0x18000, 0x1000 },
			{ 0x19000, 0x4000 }, { 0x28000, 0x2000 },
			{ 0x44000, 0x1000 }, { 0x1b000, 0x2000 },
		};
		/* left: [0x10000,0x18000) 0x8000, [0x20000,0x28000)
		 * 0x8000, [0x2a000,0x30000) 0x6000 ...: the lowest 0x8000 */
		expect_range(ram_a, 3, rsv_c, N(rsv_c), TOP, 1, 0, 0x10000,
			     0x8000);
	}
}

static void test_limit(void **state)
{
	/* 2 GiB from 3 GiB: straddles 4 GiB */
	static const struct mem_range straddle[] = { { 3 * GB, 2 * GB } };
	static const struct mem_range low_high[] = { { 4 * GB, 64 * GB },
						     { 1 * GB, 256 * MB } };
	static const struct mem_range rsv_over[] = { { 4 * GB - 4 * KB, 8 * KB } };
	static const struct mem_range rsv_above[] = { { 4 * GB, 1 * GB } };

	(void)state;
	expect_range(straddle, 1, NULL, 0, 4 * GB, 1, 0, 3 * GB, 1 * GB);
	expect_range(straddle, 1, NULL, 0, TOP, 1, 0, 3 * GB, 2 * GB);
	/* a bank wholly above the limit does not count */
	expect_range(low_high, 2, NULL, 0, 4 * GB, 1, 0, 1 * GB, 256 * MB);
	expect_range(low_high, 2, NULL, 0, TOP, 1, 0, 4 * GB, 64 * GB);
	/* a reservation straddling the limit cuts below it */
	expect_range(straddle, 1, rsv_over, 1, 4 * GB, 1, 0, 3 * GB,
		     1 * GB - 4 * KB);
	/* one wholly above it changes nothing below */
	expect_range(straddle, 1, rsv_above, 1, 4 * GB, 1, 0, 3 * GB, 1 * GB);
	/* limit inside a bank, odd */
	expect_range(straddle, 1, NULL, 0, 3 * GB + 1, 1, 0, 3 * GB, 1);
	expect_none(straddle, 1, NULL, 0, 3 * GB, 1, 0);
	/* limit and alignment together: the size rounds down at the limit */
	expect_range(straddle, 1, NULL, 0, 3 * GB + 0x1800, 0x1000, 0, 3 * GB,
		     0x1000);
}

static void test_alignment(void **state)
{
	static const struct mem_range odd[] = { { 0x1001, 0x1fff } };
	/* [0x1001, 0x2fff): aligned to 4 KiB it is [0x2000, 0x2fff) -> 0 */
	static const struct mem_range vanish[] = { { 0x1001, 0x1ffe } };
	/* the longer stretch before alignment loses after it */
	static const struct mem_range two[] = { { 0x10001, 0x2ffe },
						{ 0x20000, 0x2000 } };
	static const struct mem_range round_down[] = { { 0x0, 0x2800 } };
	static const struct mem_range small_and_vanish[] = {
		{ 0x1001, 0x1ffe }, { 0x5000, 0x1000 } };
	static const struct mem_range rsv_cut[] = { { 0x3000, 0x1 } };
	static const struct mem_range big[] = { { 0x0, 0x10000 } };

	(void)state;
	expect_range(odd, 1, NULL, 0, TOP, 1, 0, 0x1001, 0x1fff);
	expect_range(odd, 1, NULL, 0, TOP, 2, 0, 0x1002, 0x1ffe);
	expect_range(odd, 1, NULL, 0, TOP, 0x1000, 0, 0x2000, 0x1000);
	expect_none(vanish, 1, NULL, 0, TOP, 0x1000, 0);
	expect_range(vanish, 1, NULL, 0, TOP, 1, 0, 0x1001, 0x1ffe);
	expect_range(two, 2, NULL, 0, TOP, 1, 0, 0x10001, 0x2ffe);
	expect_range(two, 2, NULL, 0, TOP, 0x1000, 0, 0x20000, 0x2000);
	expect_range(round_down, 1, NULL, 0, TOP, 0x1000, 0, 0x0, 0x2000);
	expect_range(small_and_vanish, 2, NULL, 0, TOP, 0x1000, 0, 0x5000,
		     0x1000);
	/* a one-byte reservation costs a whole aligned block on each side */
	expect_range(big, 1, rsv_cut, 1, TOP, 0x1000, 0, 0x4000, 0xc000);
	/* the biggest alignment there is: nothing that small fits */
	expect_none(big, 1, NULL, 0, TOP, 1ull << 63, 0);
}

static void test_wraparound(void **state)
{
	static const struct mem_range wrap[] = { { TOP - 0xfff, 0x2000 } };
	static const struct mem_range all[] = { { 0, TOP } };
	static const struct mem_range all_wrap[] = { { 1, TOP } };
	static const struct mem_range huge_wrap[] = { { 0x1000, TOP } };
	static const struct mem_range rsv_wrap[] = { { TOP - 0xffff, TOP } };
	static const struct mem_range rsv_low[] = { { 0, 0x1000 } };
	static const struct mem_range top_byte[] = { { TOP, 1 } };
	static const struct mem_range near_top[] = { { TOP - 10, 5 } };

	(void)state;
	/* clipped at 2^64, then below the limit UINT64_MAX (exclusive) */
	expect_range(wrap, 1, NULL, 0, TOP, 1, 0, TOP - 0xfff, 0xfff);
	expect_none(wrap, 1, NULL, 0, TOP, 0x1000, 0);
	expect_range(wrap, 1, NULL, 0, TOP, 0x800, 0, TOP - 0xfff, 0x800);
	expect_range(all, 1, NULL, 0, TOP, 1, 0, 0, TOP);
	expect_range(all, 1, NULL, 0, TOP, 0x1000, 0, 0, TOP & ~0xfffull);
	expect_range(all_wrap, 1, NULL, 0, TOP, 1, 0, 1, TOP - 1);
	expect_range(huge_wrap, 1, NULL, 0, TOP, 1, 0, 0x1000, TOP - 0x1000);
	/* a reservation that wraps reserves to the top */
	expect_range(all, 1, rsv_wrap, 1, TOP, 1, 0, 0, TOP - 0xffff);
	expect_range(all, 1, rsv_low, 1, TOP, 1, 0, 0x1000, TOP - 0x1000);
	/* the last byte is above every limit */
	expect_none(top_byte, 1, NULL, 0, TOP, 1, 0);
	/* rounding up near the top must not wrap to 0 */
	expect_none(near_top, 1, NULL, 0, TOP, 16, 0);
	expect_range(near_top, 1, NULL, 0, TOP, 1, 0, TOP - 10, 5);
	/* a range near the top and a limit far below it */
	expect_none(wrap, 1, NULL, 0, 4 * GB, 1, 0);
	expect_range(all, 1, rsv_wrap, 1, 4 * GB, 1, 0, 0, 4 * GB);
}

static void test_ties(void **state)
{
	/* equal stretches: the lowest wins, in whatever order listed */
	static const struct mem_range ram[] = { { 0x9000, 0x1000 },
						{ 0x3000, 0x1000 },
						{ 0x6000, 0x1000 } };
	/* one bank cut into equal halves by a reservation */
	static const struct mem_range one[] = { { 0x0, 0x3000 } };
	static const struct mem_range mid[] = { { 0x1000, 0x1000 } };
	/* equal after alignment only: [0x1001,0x3000) and [0x5000,0x6000) */
	static const struct mem_range al[] = { { 0x5000, 0x1000 },
					       { 0x1001, 0x1fff } };

	(void)state;
	expect_range(ram, 3, NULL, 0, TOP, 1, 0, 0x3000, 0x1000);
	expect_range(one, 1, mid, 1, TOP, 1, 0, 0x0, 0x1000);
	expect_range(al, 2, NULL, 0, TOP, 0x1000, 0, 0x2000, 0x1000);
}

static void test_min_size(void **state)
{
	static const struct mem_range ram[] = { { 0x10000, 0x4000 } };
	static const struct mem_range rsv[] = { { 0x12000, 0x1 } };

	(void)state;
	/* the largest is [0x10000, 0x12000) */
	expect_range(ram, 1, rsv, 1, TOP, 1, 0, 0x10000, 0x2000);
	expect_range(ram, 1, rsv, 1, TOP, 1, 0x2000, 0x10000, 0x2000);
	expect_none(ram, 1, rsv, 1, TOP, 1, 0x2001);
	/* after alignment the stretch is smaller: min_size is judged after */
	expect_range(ram, 1, rsv, 1, TOP, 0x1000, 0x2000, 0x10000, 0x2000);
	expect_none(ram, 1, NULL, 0, TOP, 1, 0x4001);
	expect_range(ram, 1, NULL, 0, TOP, 1, 0x4000, 0x10000, 0x4000);
	expect_none(ram, 1, NULL, 0, TOP, 1, TOP);
}

static void test_bad_args(void **state)
{
	static const struct mem_range ram[] = { { 0x1000, 0x1000 } };
	struct mem_range out;

	(void)state;
	expect_none(ram, 1, NULL, 0, TOP, 0, 0);     /* align 0 */
	expect_none(ram, 1, NULL, 0, TOP, 3, 0);     /* not a power of two */
	expect_none(ram, 1, NULL, 0, TOP, 0x1800, 0);
	expect_none(ram, -1, NULL, 0, TOP, 1, 0);
	expect_none(ram, 1, ram, -1, TOP, 1, 0);
	expect_none(NULL, 1, NULL, 0, TOP, 1, 0);
	expect_none(ram, 1, NULL, 1, TOP, 1, 0);
	assert_int_equal(memmap_largest_free(ram, 1, NULL, 0, TOP, 1, 0, NULL), -1);
	assert_int_equal(memmap_largest_free(ram, 1, NULL, 0, TOP, 1, 0, &out), 0);
}

/* ---- Brute force against a bitmap ----------------------------------------- */

/*
 * The universe is the X addresses K + x, x in [0, X).  With K = 0 the limit
 * is a small number (so everything fits); with K = 2^64 - 256 (X = 256)
 * ranges run past 2^64 and the limit may be UINT64_MAX.  K is a multiple of
 * every alignment tried, so aligned x are aligned addresses.
 */
#define X_MAX 512

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* xorshift64* */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return rnd(r) % n;
}

/* [base, base+size) clipped to 2^64 and to limit, in x: [lo, hi). */
static void ref_clip(const struct mem_range *m, uint64_t k, unsigned cap,
		     unsigned *lo, unsigned *hi)
{
	uint64_t x = m->base - k; /* every base is K + x, x < 256 */

	*lo = *hi = 0;
	if (m->size == 0 || x >= cap)
		return;
	*lo = (unsigned)x;
	*hi = m->size >= cap - x ? cap : (unsigned)(x + m->size);
}

static int ref_largest_free(const struct mem_range *ram, int nram,
			    const struct mem_range *rsv, int nrsv, uint64_t k,
			    unsigned cap, unsigned align, uint64_t min_size,
			    struct mem_range *out)
{
	bool isfree[X_MAX + 1];
	unsigned run[X_MAX + 1], lo, hi, x, size, best = 0, best_x = 0;
	int i;

	memset(isfree, 0, sizeof(isfree));
	for (i = 0; i < nram; i++) {
		ref_clip(&ram[i], k, cap, &lo, &hi);
		for (x = lo; x < hi; x++)
			isfree[x] = true;
	}
	for (i = 0; i < nrsv; i++) {
		ref_clip(&rsv[i], k, cap, &lo, &hi);
		for (x = lo; x < hi; x++)
			isfree[x] = false;
	}
	/* run[x]: free addresses from x on */
	run[cap] = 0;
	for (x = cap; x-- > 0;)
		run[x] = isfree[x] ? run[x + 1] + 1 : 0;
	for (x = 0; x < cap; x += align) {
		size = run[x] / align * align;
		if (size > best) {
			best = size;
			best_x = x;
		}
	}
	if (best == 0 || best < min_size)
		return -1;
	out->base = k + best_x;
	out->size = best;
	return 0;
}

static uint64_t rand_size(struct rng *r)
{
	switch (below(r, 16)) {
	case 0:
		return 0;
	case 1:
		return TOP - below(r, 4); /* wraps from anywhere */
	case 2:
		return 1ull << 63;
	case 3:
		return below(r, 512);
	default:
		return below(r, 64);
	}
}

static void print_case(const struct mem_range *ram, int nram,
		       const struct mem_range *rsv, int nrsv, uint64_t limit,
		       uint64_t align, uint64_t min_size)
{
	int i;

	print_message("limit %#llx align %llu min %llu\n",
		      (unsigned long long)limit, (unsigned long long)align,
		      (unsigned long long)min_size);
	for (i = 0; i < nram; i++)
		print_message("  ram %#llx + %#llx\n",
			      (unsigned long long)ram[i].base,
			      (unsigned long long)ram[i].size);
	for (i = 0; i < nrsv; i++)
		print_message("  rsv %#llx + %#llx\n",
			      (unsigned long long)rsv[i].base,
			      (unsigned long long)rsv[i].size);
}

static void brute(uint64_t seed, int rounds, bool high)
{
	static const unsigned aligns[] = { 1, 2, 4, 8, 16 };
	struct rng r = { seed };
	struct mem_range ram[8], rsv[64], got, want;
	uint64_t k = high ? 0ull - 256 : 0, limit, min_size;
	unsigned cap, align;
	int nram, nrsv, i, n, rg, rw, found = 0;

	for (n = 0; n < rounds; n++) {
		nram = (int)below(&r, 9);
		nrsv = below(&r, 8) == 0 ? (int)below(&r, 65) : (int)below(&r, 9);
		for (i = 0; i < nram; i++) {
			ram[i].base = k + below(&r, 256);
			ram[i].size = rand_size(&r);
		}
		for (i = 0; i < nrsv; i++) {
			rsv[i].base = k + below(&r, 256);
			rsv[i].size = rand_size(&r);
		}
		align = aligns[below(&r, 5)];
		min_size = below(&r, 4) == 0 ? below(&r, 80) : 0;
		if (high) {
			/* limit K + cap, cap < 256: UINT64_MAX when 255 */
			cap = below(&r, 2) == 0 ? 255 : (unsigned)below(&r, 256);
		} else {
			cap = below(&r, 4) == 0 ? (unsigned)below(&r, X_MAX + 1)
						: X_MAX;
		}
		limit = k + cap;
		rw = ref_largest_free(ram, nram, rsv, nrsv, k, cap, align,
				      min_size, &want);
		rg = largest(ram, nram, rsv, nrsv, limit, align, min_size, &got);
		if (rg != rw || (rg == 0 && (got.base != want.base ||
					     got.size != want.size))) {
			print_case(ram, nram, rsv, nrsv, limit, align, min_size);
			print_message("got %d %#llx + %#llx, want %d %#llx + %#llx\n",
				      rg, (unsigned long long)got.base,
				      (unsigned long long)got.size, rw,
				      (unsigned long long)want.base,
				      (unsigned long long)want.size);
			fail();
		}
		found += rg == 0;
	}
	print_message("  %d configurations, %d with a stretch\n", rounds, found);
	/* the generator must produce both outcomes in earnest */
	assert_true(found > rounds / 4 && found < rounds - rounds / 20);
}

/* memmap_overlaps: the MMU's "one block or smaller pages" question. */
static void test_overlaps(void **state)
{
	const uint64_t ram[3][2] = {
		{ 0x40000000u, 0x08000000u },	/* 1 GiB + 128 MiB */
		{ 0x80000000u, 0x40000000u },	/* exactly the 2nd GiB */
		{ UINT64_MAX - 0xfff, 0x10000 },	/* runs past 2^64 */
	};
	bool partial = true;

	(void)state;
	assert_false(memmap_overlaps(ram, 3, 0, 0x40000000u, &partial));
	assert_false(partial);
	assert_true(memmap_overlaps(ram, 3, 0x40000000u, 0x80000000u, &partial));
	assert_true(partial);	/* 128 MiB of the gigabyte */
	assert_true(memmap_overlaps(ram, 3, 0x80000000u, 0xc0000000u, &partial));
	assert_false(partial);	/* all of it */
	assert_true(memmap_overlaps(ram, 3, 0x46000000u, 0x46200000u, &partial));
	assert_false(partial);	/* a 2 MiB page inside the first bank */
	assert_true(memmap_overlaps(ram, 3, 0x47f00000u, 0x48100000u, &partial));
	assert_true(partial);	/* across the bank's end */
	assert_false(memmap_overlaps(ram, 3, 0x48000000u, 0x48200000u, &partial));
	assert_true(memmap_overlaps(ram, 3, UINT64_MAX - 0x1fff, UINT64_MAX, &partial));
	assert_true(partial);	/* clipped at 2^64, still starts inside */
	assert_false(memmap_overlaps(ram, 0, 0, UINT64_MAX, &partial));
	assert_true(memmap_reachable(0x09000000u, 0x1000));
}

static void test_brute_low(void **state)
{
	(void)state;
	brute(0x9e3779b97f4a7c15ull, 200000, false);
}

static void test_brute_high(void **state)
{
	(void)state;
	brute(0xd1b54a32d192ed03ull, 200000, true);
}

/* The reference itself, on a case worked out by hand. */
static void test_reference(void **state)
{
	static const struct mem_range ram[] = { { 10, 20 }, { 25, 30 } };
	static const struct mem_range rsv[] = { { 12, 3 } };
	struct mem_range o;

	(void)state;
	/* free: [10,12) [15,55) */
	assert_int_equal(ref_largest_free(ram, 2, rsv, 1, 0, 100, 1, 0, &o), 0);
	assert_int_equal(o.base, 15);
	assert_int_equal(o.size, 40);
	assert_int_equal(ref_largest_free(ram, 2, rsv, 1, 0, 100, 16, 0, &o), 0);
	assert_int_equal(o.base, 16);
	assert_int_equal(o.size, 32);
	assert_int_equal(ref_largest_free(ram, 2, rsv, 1, 0, 40, 1, 0, &o), 0);
	assert_int_equal(o.base, 15);
	assert_int_equal(o.size, 25);
	assert_int_equal(ref_largest_free(ram, 2, rsv, 1, 0, 100, 1, 41, &o), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_reservation_positions),
		cmocka_unit_test(test_banks),
		cmocka_unit_test(test_unsorted),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_min_size),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_brute_low),
		cmocka_unit_test(test_brute_high),
	};

	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
