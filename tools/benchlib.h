/*
 * benchlib.h - what tools/udpbench.c and tools/tcpbench.c share: a
 * monotonic clock, percentiles of latency samples and strict number
 * parsing.  Define BENCH_NAME (the program's name, for messages) before
 * including it.
 */
#ifndef BENCHLIB_H
#define BENCHLIB_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Percentile P (0..100) of N sorted samples, nearest rank. */
static inline uint32_t pct(const uint32_t *v, size_t n, unsigned p)
{
    if (n == 0)
        return 0;
    size_t rank = (n * p + 99) / 100;
    if (rank == 0)
        rank = 1;
    return v[rank - 1];
}

/* S as a whole number in [lo, hi], or a message naming WHAT and exit 2. */
static inline long parse_num(const char *s, long lo, long hi, const char *what)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, BENCH_NAME ": %s must be %ld..%ld, not '%s'\n", what, lo, hi, s);
        exit(2);
    }
    return v;
}

#endif /* BENCHLIB_H */
