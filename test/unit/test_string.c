/*
 * test_string.c - lib/string.c (the freestanding builds' memcpy, memmove,
 * memset, memcmp, memchr and the str* functions) against bytewise
 * references: every length up to 300 at every source and destination
 * offset within a word, with guard bytes around the destination so a write
 * one past the end or one before the start is caught.  The functions are
 * renamed (lib_memcpy ...) so the host's own stay in use for everything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define memcpy lib_memcpy
#define memmove lib_memmove
#define memset lib_memset
#define memcmp lib_memcmp
#define memchr lib_memchr
#define strlen lib_strlen
#define strnlen lib_strnlen
#define strcmp lib_strcmp
#define strncmp lib_strncmp
#define strchr lib_strchr
void *lib_memcpy(void *restrict d, const void *restrict s, size_t n);
void *lib_memmove(void *d, const void *s, size_t n);
void *lib_memset(void *d, int c, size_t n);
int lib_memcmp(const void *a, const void *b, size_t n);
void *lib_memchr(const void *s, int c, size_t n);
size_t lib_strlen(const char *s);
size_t lib_strnlen(const char *s, size_t max);
int lib_strcmp(const char *a, const char *b);
int lib_strncmp(const char *a, const char *b, size_t n);
char *lib_strchr(const char *s, int c);
#include "../../lib/string.c"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef memchr
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr

/* One failure stops the test with what was being checked. */
#define CHECK(cond, ...)                                                           \
    do {                                                                           \
        if (!(cond))                                                               \
            fail_msg(__VA_ARGS__);                                                 \
    } while (0)

#define MAXLEN 300
#define GUARD 16
static _Alignas(16) unsigned char src[MAXLEN + 2 * GUARD], dst[MAXLEN + 2 * GUARD], want[MAXLEN + 2 * GUARD];

static void fill(unsigned char *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 3));
}

/* memcpy and memset at every length and every offset pair within 8 bytes:
 * what lands in [off, off + n) and that nothing around it moved. */
static void test_copy_and_set(void **state)
{
    (void)state;
    for (size_t so = 0; so < 8; so++)
        for (size_t doff = 0; doff < 8; doff++)
            for (size_t n = 0; n <= MAXLEN; n++) {
                fill(src, sizeof(src), (unsigned)(so + n));
                fill(dst, sizeof(dst), 99);
                memcpy(want, dst, sizeof(want));
                for (size_t i = 0; i < n; i++)
                    want[GUARD + doff + i] = src[GUARD + so + i];
                void *r = lib_memcpy(dst + GUARD + doff, src + GUARD + so, n);
                CHECK(r == dst + GUARD + doff, "memcpy returned %p, not its destination", r);
                CHECK(memcmp(dst, want, sizeof(dst)) == 0, "memcpy n=%zu src+%zu dst+%zu", n, so, doff);

                fill(dst, sizeof(dst), 5);
                memcpy(want, dst, sizeof(want));
                for (size_t i = 0; i < n; i++)
                    want[GUARD + doff + i] = (unsigned char)(0x1c5 + so);
                r = lib_memset(dst + GUARD + doff, (int)(0x1c5 + so), n); /* only the low byte counts */
                CHECK(r == dst + GUARD + doff, "memset returned %p, not its destination", r);
                CHECK(memcmp(dst, want, sizeof(dst)) == 0, "memset n=%zu dst+%zu", n, doff);
            }
}

/* memmove both ways over overlapping ranges. */
static void test_move(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 80; n++)
        for (int shift = -9; shift <= 9; shift++) {
            fill(dst, sizeof(dst), (unsigned)n);
            memcpy(want, dst, sizeof(want));
            memmove(want + 40 + shift, want + 40, n);
            lib_memmove(dst + 40 + shift, dst + 40, n);
            CHECK(memcmp(dst, want, sizeof(dst)) == 0, "memmove n=%zu shift %d", n, shift);
        }
}

static int sign(int v) { return (v > 0) - (v < 0); }

static void test_compare_and_search(void **state)
{
    (void)state;
    unsigned char a[64], b[64];
    fill(a, sizeof(a), 3);
    memcpy(b, a, sizeof(b));
    CHECK(lib_memcmp(a, b, sizeof(a)) == 0, "memcmp of equal buffers");
    CHECK(lib_memcmp(a, b, 0) == 0, "memcmp of nothing");
    b[40] = (unsigned char)(a[40] + 1);
    CHECK(sign(lib_memcmp(a, b, sizeof(a))) == -1, "memcmp: a < b");
    CHECK(sign(lib_memcmp(b, a, sizeof(a))) == 1, "memcmp: b > a");
    CHECK(lib_memcmp(a, b, 40) == 0, "memcmp stops at n");
    a[5] = 0xff, b[5] = 0x01; /* unsigned bytes */
    CHECK(sign(lib_memcmp(a, b, 10)) == 1, "memcmp compares unsigned bytes");

    unsigned char h[32] = {0};
    h[17] = 0xab;
    CHECK(lib_memchr(h, 0xab, sizeof(h)) == h + 17, "memchr finds the byte");
    CHECK(lib_memchr(h, 0xab, 17) == NULL, "memchr stops at n");
    CHECK(lib_memchr(h, 0x1ab, sizeof(h)) == h + 17, "memchr compares the low byte");

    CHECK(lib_strlen("") == 0 && lib_strlen("vbare") == 5, "strlen");
    CHECK(lib_strnlen("vbare", 3) == 3 && lib_strnlen("vb", 9) == 2, "strnlen");
    CHECK(lib_strcmp("abc", "abc") == 0 && sign(lib_strcmp("abc", "abd")) == -1 && sign(lib_strcmp("b", "a")) == 1,
          "strcmp");
    CHECK(sign(lib_strcmp("ab", "abc")) == -1 && sign(lib_strcmp("\xff", "a")) == 1, "strcmp: prefix, unsigned");
    CHECK(lib_strncmp("abcx", "abcy", 3) == 0 && sign(lib_strncmp("abcx", "abcy", 4)) == -1, "strncmp stops at n");
    CHECK(lib_strncmp("ab", "ab", 10) == 0, "strncmp stops at the end");
    const char *s = "ip=1,2";
    CHECK(lib_strchr(s, '=') == s + 2 && lib_strchr(s, 'z') == NULL && lib_strchr(s, '\0') == s + 6, "strchr");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_and_set),
        cmocka_unit_test(test_move),
        cmocka_unit_test(test_compare_and_search),
    };
    return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
