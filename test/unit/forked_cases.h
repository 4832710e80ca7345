/*
 * forked_cases.h - run each test case in a child process of its own, for
 * code under test that keeps its state in statics (apps/netapp.c,
 * apps/blkapp.c): one cmocka group per case, and "<what>: <case> FAILED"
 * on stderr for each that fails or dies.  main() returns the count.
 *
 *     static const struct forked_case cases[] = {FORKED(test_a), ...};
 *     int main(void) { return run_forked_cases("netapp", cases, FORKED_N(cases)); }
 */
#ifndef FORKED_CASES_H
#define FORKED_CASES_H

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

struct forked_case {
    const char *name;
    void (*fn)(void);
};

#define FORKED(f) {#f, f}
#define FORKED_N(a) (sizeof(a) / sizeof((a)[0]))

static void forked_case_run(void **state)
{
    ((const struct forked_case *)*state)->fn();
}

static inline int run_forked_cases(const char *what, const struct forked_case *cases, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            const struct CMUnitTest t[] = {{cases[i].name, forked_case_run, NULL, NULL, (void *)&cases[i]}};
            _exit(_cmocka_run_group_tests(cases[i].name, t, 1, NULL, NULL) ? 1 : 0);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "%s: %s FAILED\n", what, cases[i].name);
            failed++;
        }
    }
    return failed;
}

#endif
