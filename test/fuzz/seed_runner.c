/*
 * seed_runner.c - the seed runner shared by the fuzz targets in test/fuzz/
 * (all but fuzz_netif.c, which has its own): a cmocka program, built
 * without libFuzzer, that runs LLVMFuzzerTestOneInput() on every file in a
 * seed directory as one test each, plus cheap mutations of each seed (up to
 * FUZZ_CUTS truncations and FUZZ_CUTS one-bit flips, spread evenly over
 * the seed), then the target's own check that the seeds still reach what
 * they were made for (fuzz_seed_coverage()).  It fails when the directory
 * holds no seeds.  The directory is argv[1], else $FUZZ_SEEDS, else the
 * target's FUZZ_SEED_DIR.  Registered as a unit test (test/fuzz/fuzz.mk),
 * so `make check` runs every target over its seeds under ASan and UBSan.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "seed_runner.h"

#define MAX_SEEDS 512
#define FUZZ_CUTS 256
#define MAX_SEED_BYTES (1u << 20)

static char *seed_path[MAX_SEEDS];

static void run_seed(void **state)
{
    const char *path = *state;
    FILE *fp = fopen(path, "rb");
    uint8_t *buf, *m;
    long len;
    size_t n, k, step;

    assert_non_null(fp);
    assert_int_equal(fseek(fp, 0, SEEK_END), 0);
    len = ftell(fp);
    assert_true(len >= 0 && len <= (long)MAX_SEED_BYTES);
    rewind(fp);
    buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    n = fread(buf, 1, (size_t)len, fp);
    fclose(fp);
    assert_int_equal(n, (size_t)len);
    /* Exactly-sized copies, so ASan sees a read past the end of any of them. */
    m = malloc(n + 1);
    assert_non_null(m);
    memcpy(m, buf, n);
    LLVMFuzzerTestOneInput(m, n);
    step = n / FUZZ_CUTS + 1;
    for (k = 0; k < n; k += step) {
        uint8_t *t = malloc(k + 1);
        assert_non_null(t);
        memcpy(t, buf, k);
        LLVMFuzzerTestOneInput(t, k);
        free(t);
    }
    for (k = 0; k < n; k += step) {
        memcpy(m, buf, n);
        m[k] ^= (uint8_t)(1u << (k % 8));
        LLVMFuzzerTestOneInput(m, n);
    }
    free(m);
    free(buf);
}

static void seed_coverage(void **state)
{
    (void)state;
    assert_int_equal(fuzz_seed_coverage(), 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    static struct CMUnitTest tests[MAX_SEEDS + 1];
    const char *dir = argc > 1 ? argv[1] : getenv("FUZZ_SEEDS");
    struct dirent *de;
    size_t nseeds = 0, i;
    DIR *d;

    if (dir == NULL || dir[0] == '\0')
        dir = FUZZ_SEED_DIR;
    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "%s: cannot open seed directory %s\n", FUZZ_NAME, dir);
        return 1;
    }
    while ((de = readdir(d)) != NULL && nseeds < MAX_SEEDS) {
        struct stat st;
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        char *p;
        if (de->d_name[0] == '.')
            continue;
        p = malloc(len);
        if (p == NULL)
            return 1;
        snprintf(p, len, "%s/%s", dir, de->d_name);
        if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        seed_path[nseeds++] = p;
    }
    closedir(d);
    if (nseeds == 0) {
        fprintf(stderr, "%s: no seeds in %s\n", FUZZ_NAME, dir);
        return 1;
    }
    qsort(seed_path, nseeds, sizeof(seed_path[0]), cmp_str);
    for (i = 0; i < nseeds; i++) {
        const char *slash = strrchr(seed_path[i], '/');
        tests[i].name = slash ? slash + 1 : seed_path[i];
        tests[i].test_func = run_seed;
        tests[i].initial_state = seed_path[i];
    }
    tests[nseeds].name = "seed_coverage";
    tests[nseeds].test_func = seed_coverage;
    return _cmocka_run_group_tests(FUZZ_NAME "_seeds", tests, nseeds + 1, NULL, NULL);
}
