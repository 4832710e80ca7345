/*
 * memmap.c - the largest free stretch of RAM.  See memmap.h.
 *
 * Every range is first clipped to [0, limit), as a half-open [lo, hi) with
 * hi <= limit <= UINT64_MAX, so no end below needs 2^64 and nothing wraps.
 *
 * A maximal free stretch starts where RAM starts (a bank's base) or where a
 * reservation ends, so those are the only candidate starts.  From a start s
 * that is in RAM and not reserved, the stretch runs to the end of the union
 * of banks through s (grown one covering bank at a time, so a gap between
 * banks ends it and touching or overlapping banks join), cut at the first
 * reservation that begins after s.  Aligning that stretch (base up, size
 * down) gives the best placement inside it.  A candidate that is not a
 * maximal start gives a sub-stretch of one that is, never something bigger
 * or lower, so taking the biggest, then the lowest, over all candidates is
 * exact.
 */
#include "memmap.h"

/* r clipped to [0, limit): true and [*lo, *hi) if anything is left. */
static bool clip(const struct mem_range *r, uint64_t limit, uint64_t *lo,
		 uint64_t *hi)
{
	if (r->size == 0 || r->base >= limit)
		return false;
	*lo = r->base;
	/* base + size, or past 2^64: then it reaches limit anyway */
	*hi = r->size > limit - r->base ? limit : r->base + r->size;
	return true;
}

/* The end of the RAM union that holds s, or s if no bank holds it. */
static uint64_t ram_end(const struct mem_range *ram, int nram,
			uint64_t limit, uint64_t s)
{
	uint64_t end = s, lo, hi;
	bool grew = true;
	int i;

	/* Each pass that grows `end` does so past the end of some bank, which
	 * then never grows it again: at most nram + 1 passes. */
	while (grew) {
		grew = false;
		for (i = 0; i < nram; i++) {
			if (clip(&ram[i], limit, &lo, &hi) && lo <= end &&
			    hi > end) {
				end = hi;
				grew = true;
			}
		}
	}
	return end;
}

/* The free stretch starting at s: its end (> s), or s if s is reserved or
 * not in RAM. */
static uint64_t free_end(const struct mem_range *ram, int nram,
			 const struct mem_range *rsv, int nrsv,
			 uint64_t limit, uint64_t s)
{
	uint64_t end = ram_end(ram, nram, limit, s), lo, hi;
	int i;

	for (i = 0; i < nrsv && end > s; i++) {
		if (!clip(&rsv[i], limit, &lo, &hi))
			continue;
		if (lo <= s && hi > s)
			return s; /* s itself is reserved */
		if (lo > s && lo < end)
			end = lo;
	}
	return end;
}

int memmap_largest_free(const struct mem_range *ram, int nram,
			const struct mem_range *rsv, int nrsv, uint64_t limit,
			uint64_t align, uint64_t min_size,
			struct mem_range *out)
{
	uint64_t mask = align - 1, s, e, a, size, lo, hi;
	uint64_t best_base = 0, best_size = 0;
	bool found = false;
	int i;

	if (align == 0 || (align & mask) != 0 || nram < 0 || nrsv < 0 ||
	    (ram == NULL && nram > 0) || (rsv == NULL && nrsv > 0) ||
	    out == NULL)
		return -1;
	for (i = 0; i < nram + nrsv; i++) {
		if (i < nram) {
			if (!clip(&ram[i], limit, &s, &hi))
				continue;
		} else {
			if (!clip(&rsv[i - nram], limit, &lo, &s) || s >= limit)
				continue;
		}
		e = free_end(ram, nram, rsv, nrsv, limit, s);
		if (e <= s)
			continue;
		/* base up to align without wrapping: the distance to the
		 * next multiple must fit in the stretch */
		a = s;
		if ((s & mask) != 0) {
			if (align - (s & mask) >= e - s)
				continue;
			a = s + (align - (s & mask));
		}
		size = (e - a) & ~mask;
		if (size == 0 || size < min_size)
			continue;
		if (!found || size > best_size ||
		    (size == best_size && a < best_base)) {
			best_base = a;
			best_size = size;
			found = true;
		}
	}
	if (!found)
		return -1;
	out->base = best_base;
	out->size = best_size;
	return 0;
}

bool memmap_overlaps(const uint64_t (*ram)[2], int nram, uint64_t lo,
		     uint64_t hi, bool *partial)
{
	bool any = false;
	int r;

	*partial = false;
	for (r = 0; r < nram; r++) {
		uint64_t b = ram[r][0];
		uint64_t e = ram[r][1] > UINT64_MAX - b ? UINT64_MAX : b + ram[r][1];

		if (ram[r][1] == 0 || b >= hi || e <= lo)
			continue;
		any = true;
		if (b > lo || e < hi)
			*partial = true;
	}
	return any;
}
