/*
 * test_kprintf.c - host tests for lib/kprintf.c: what ksnprintf writes and
 * returns for each conversion, flag, length modifier, width and precision
 * the compiler's printf checking accepts, as C says (the host's snprintf
 * is the reference where it agrees with C), and kprintf's line to its sink.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kprintf.h"

/* Widths past INT_MAX and a NULL %s are what some cases are about. */
#pragma GCC diagnostic ignored "-Wformat-overflow"

/* ksnprintf into a generous buffer: its text, and its return value the length. */
#define CHECK_FMT(want, ...)                                                                                          \
    do {                                                                                                              \
        char got_[256];                                                                                               \
        int n_ = ksnprintf(got_, sizeof(got_), __VA_ARGS__);                                                          \
        assert_string_equal(got_, want);                                                                              \
        assert_int_equal(n_, (int)strlen(want));                                                                      \
    } while (0)

static void test_basic(void **state)
{
    (void)state;
    CHECK_FMT("-42|  -42|-42  |-0042", "%d|%5d|%-5d|%05d", -42, -42, -42, -42);
    CHECK_FMT("-9223372036854775808 18446744073709551615 ffffffffffffffff", "%lld %llu %llx", LLONG_MIN,
              ULLONG_MAX, ULLONG_MAX);
    CHECK_FMT("00000abc|ABCDEF", "%08x|%X", 0xabcu, 0xabcdefu);
    CHECK_FMT("abc|ab|   ab|ab   |x|xyz|(null)", "%s|%.2s|%5s|%-5s|%.*s|%.*s|%s", "abc", "abc", "ab", "ab", 1, "xyz",
              -1, "xyz", (char *)NULL);
    CHECK_FMT("a|  b|c  |%", "%c|%3c|%-3c|%%", 'a', 'b', 'c');
}

/* '#', '+' and ' ' are flags the compiler accepts: each was printed as
 * text and its argument left for the next conversion to take. */
static void test_flags(void **state)
{
    (void)state;
    CHECK_FMT("0xff|0XFF|0|+5|-5| 5|-5|7", "%#x|%#X|%#x|%+d|%+d|% d|% d|%d", 255u, 255u, 0u, 5, -5, 5, -5, 7);
    CHECK_FMT("0x000000ff|+0005|  +5", "%#010x|%+05d|%+4d", 255u, 5, 5);
}

/* %o, which the compiler accepts too, and its '#' form. */
static void test_octal(void **state)
{
    (void)state;
    CHECK_FMT("10|010|0|0|1777777777777777777777|x", "%o|%#o|%o|%#o|%llo|%s", 8u, 8u, 0u, 0u, ULLONG_MAX, "x");
}

/* h and hh convert the promoted argument back to short and char. */
static void test_length_h(void **state)
{
    (void)state;
    CHECK_FMT("ffff|ff|44|-32768|-128|65535", "%hx|%hhx|%hhu|%hd|%hhd|%hu", (unsigned short)0xffff,
              (unsigned char)0xff, (unsigned char)300, (short)-32768, (signed char)-128, (unsigned short)65535);
    /* An int wider than the type: what the conversion to it leaves. */
    int wide = 0x12345;
    char got[32];
    ksnprintf(got, sizeof(got), "%hx|%hhx", wide, wide);
    assert_string_equal(got, "2345|45");
}

/* j (intmax_t) and t (ptrdiff_t), accepted by the compiler, were not
 * read: the argument went to the next conversion. */
static void test_length_jt(void **state)
{
    (void)state;
    CHECK_FMT("-3|18446744073709551615|-4|7|x", "%jd|%ju|%td|%zu|%s", (intmax_t)-3, UINTMAX_MAX, (ptrdiff_t)-4,
              (size_t)7, "x");
}

/* A negative width from '*' is the '-' flag and that width (C11 7.21.6.1). */
static void test_star_negative_width(void **state)
{
    (void)state;
    CHECK_FMT("1    |a  |    2|", "%*d|%*s|%*d|", -5, 1, -3, "a", 5, 2);
}

/* Precision on integers: at least that many digits, none for 0 at .0, and
 * the '0' flag ignored. */
static void test_int_precision(void **state)
{
    (void)state;
    CHECK_FMT("007||  007|00a|-007  |", "%.3d|%.0d|%5.3d|%.3x|%-6.3d|%.d", 7, 0, 7, 0xau, -7, 0);
    /* not a literal, so that the compiler's warning about it stays on */
    const char *zero_flag = "%05.2d|%-05d";
    CHECK_FMT("   07|-42  ", zero_flag, 7, -42);
    CHECK_FMT("0|0x0001", "%#.0o|%#.4x", 0u, 1u);
}

/* %p's width covers its "0x". */
static void test_pointer_width(void **state)
{
    (void)state;
    CHECK_FMT("    0x1234|0x1234    |0x1234", "%10p|%-10p|%p", (void *)0x1234, (void *)0x1234, (void *)0x1234);
}

/* A short buffer gets what fits and a NUL; the return value is the length
 * the whole output would have; size 0 writes nothing. */
static void test_truncation(void **state)
{
    (void)state;
    char b[8];
    memset(b, 'x', sizeof(b));
    assert_int_equal(ksnprintf(b, 4, "%s", "abcdef"), 6);
    assert_string_equal(b, "abc");
    assert_int_equal(b[4], 'x');
    memset(b, 'x', sizeof(b));
    assert_int_equal(ksnprintf(b, 1, "%d", 12345), 5);
    assert_int_equal(b[0], '\0');
    assert_int_equal(b[1], 'x');
    memset(b, 'x', sizeof(b));
    assert_int_equal(ksnprintf(b, 0, "%d", 12345), 5);
    assert_int_equal(b[0], 'x');
    assert_int_equal(ksnprintf(NULL, 0, "%10s", "a"), 10);
    /* %c with 0 is one character, as any other. */
    memset(b, 'x', sizeof(b));
    assert_int_equal(ksnprintf(b, sizeof(b), "a%cb", 0), 3);
    assert_memory_equal(b, "a\0b", 4);
}

/* %.Ns reads at most N characters: a name in a fixed array need not end in
 * a NUL (this one is read past its end if it is). */
static void test_string_precision_bound(void **state)
{
    (void)state;
    char name[3] = {'a', 'b', 'c'};
    CHECK_FMT("abc|ab", "%.3s|%.*s", name, 2, name);
}

/* Widths that do not fit an int: the digits saturate at INT_MAX instead of
 * overflowing (undefined behaviour), and an output longer than INT_MAX
 * returns -1 instead of a wrapped length; in little time either way. */
static void test_width_overflow(void **state)
{
    (void)state;
    char b[8];
    assert_int_equal(ksnprintf(b, sizeof(b), "%99999999999d", 1), INT_MAX);
    assert_string_equal(b, "       ");
    assert_int_equal(ksnprintf(b, sizeof(b), "%*d%*d", INT_MAX, 1, INT_MAX, 1), -1);
    assert_int_equal(ksnprintf(b, sizeof(b), "%*d|", INT_MIN, 1), -1);
    assert_string_equal(b, "1      ");
    assert_int_equal(ksnprintf(b, sizeof(b), "%.99999999999d", 1), INT_MAX);
    assert_string_equal(b, "0000000");
}

static char line[512];
static size_t line_len;
static void sink(const char *s, size_t n)
{
    memcpy(line, s, n);
    line_len = n;
}

/* A line longer than kprintf's buffer reaches the sink cut short, but
 * still with its newline: the next line does not run on into it. */
static void test_kprintf_long_line(void **state)
{
    (void)state;
    char model[400];
    memset(model, 'm', sizeof(model) - 1);
    model[sizeof(model) - 1] = '\0';
    kprintf_set_sink(sink);
    int n = kprintf("vbare: firmware on %s\n", model);
    kprintf_set_sink(NULL);
    assert_int_equal(n, (int)strlen("vbare: firmware on \n") + 399);
    assert_true(line_len > 0 && line_len < sizeof(line));
    assert_int_equal(line[line_len - 1], '\n');
    assert_memory_equal(line, "vbare: firmware on mmm", 22);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),          cmocka_unit_test(test_flags),
        cmocka_unit_test(test_octal),          cmocka_unit_test(test_length_h),
        cmocka_unit_test(test_length_jt),      cmocka_unit_test(test_star_negative_width),
        cmocka_unit_test(test_int_precision),  cmocka_unit_test(test_pointer_width),
        cmocka_unit_test(test_truncation),     cmocka_unit_test(test_width_overflow),
        cmocka_unit_test(test_string_precision_bound), cmocka_unit_test(test_kprintf_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
