/*
 * seed_runner.h - what a fuzz target gives the shared seed runner
 * (seed_runner.c).  Compile the target with -DFUZZ_NAME='"name"' and
 * -DFUZZ_SEED_DIR='"test/fuzz/seeds-..."' (test/fuzz/fuzz.mk does).
 */
#ifndef FUZZ_SEED_RUNNER_H
#define FUZZ_SEED_RUNNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Called once after every seed has run: whether the seeds reached the
 * paths they were made for.  0 if so; otherwise the number of misses,
 * each named on stderr. */
int fuzz_seed_coverage(void);
/* For fuzz_seed_coverage(): 1 (and says so on stderr) when !ok. */
#define FUZZ_REACHED(ok) ((ok) ? 0 : (fprintf(stderr, "seeds no longer reach: %s\n", #ok), 1))

/* The targets' own oracle: a failed check names its file and expression
 * and aborts, which libFuzzer and the seed runner both report. */
#define fuzz_fail(what) fuzz_fail_at(__FILE__, (what))
static inline void fuzz_fail_at(const char *file, const char *what)
{
    fprintf(stderr, "%s: %s\n", file, what);
    abort();
}
#define CHECK(c)                                                                                                       \
    do {                                                                                                               \
        if (!(c))                                                                                                      \
            fuzz_fail("check failed: " #c);                                                                            \
    } while (0)

#endif
