/*
 * memmap.h - where in RAM a pool can go: the largest free stretch of memory
 * given the RAM banks and the reserved ranges (from dt_memory and
 * dt_reserved, or a board's fallback table).
 *
 * Pure arithmetic: no allocation, no global state, freestanding C11.  Every
 * input value is allowed (ranges may be empty, overlap, come in any order or
 * run past 2^64) and nothing is computed in a way that can wrap.
 */
#ifndef LIB_MEMMAP_H
#define LIB_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mem_range {
	uint64_t base, size;
};

/*
 * The largest stretch of RAM that no reserved range overlaps, considering
 * only addresses below limit (exclusive; e.g. 1ull << 32 on a CPU that
 * cannot address more, UINT64_MAX for all), with its base rounded up to
 * align (a power of two) and its size rounded down to a multiple of align.
 *
 * RAM is the union of the banks: banks that touch or overlap form one
 * stretch, a gap between banks splits.  Ranges of either kind may be
 * unsorted and may overlap; one that runs past 2^64 is clipped there (so a
 * reserved range that wraps reserves to the top).  Zero-size ranges count
 * for nothing.  Ties: the lowest address.
 *
 * Returns 0 and fills *out, or -1 (and leaves *out alone) when no stretch
 * of at least min_size bytes, and at least one byte, exists; also -1 for
 * bad arguments: align 0 or not a power of two, a negative count, or a NULL
 * pointer (ram/rsv may be NULL when their count is 0).  Cost: O((nram +
 * nrsv) * (nram^2 + nrsv)), meant for a handful of banks and reservations.
 */
int memmap_largest_free(const struct mem_range *ram, int nram,
			const struct mem_range *rsv, int nrsv, uint64_t limit,
			uint64_t align, uint64_t min_size,
			struct mem_range *out);

/*
 * For an MMU choosing between one large block and smaller pages: whether
 * any RAM bank (base, size pairs, as struct board_info holds them)
 * overlaps [lo, hi), and in *partial whether some overlapping bank leaves
 * part of [lo, hi) uncovered by it.  Banks that run past 2^64 are clipped.
 */
bool memmap_overlaps(const uint64_t (*ram)[2], int nram, uint64_t lo,
		     uint64_t hi, bool *partial);

/*
 * A register range this CPU can address: on a 32-bit CPU without LPAE one
 * above 4 GiB would be truncated onto some other device.
 */
static inline bool memmap_reachable(uint64_t a, uint64_t size)
{
#if UINTPTR_MAX < UINT64_MAX
	return a <= UINTPTR_MAX && (size == 0 || size - 1 <= UINTPTR_MAX - a);
#else
	(void)a;
	(void)size;
	return true;
#endif
}

#endif
