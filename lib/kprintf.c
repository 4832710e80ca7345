/*
 * kprintf.c - formatting without a C library.  kvsnprintf is the one
 * formatter; kprintf formats into a bounded stack buffer and hands it to the
 * sink, so nothing here allocates or needs a lock beyond the sink's own.
 */
#include "kprintf.h"

#include <stdint.h>

#ifndef INT_MAX
#define INT_MAX __INT_MAX__ /* no <limits.h> in a build without a C library */
#endif

static kprintf_sink_t sink;
static kprintf_capture_t capture;
static void *capture_arg;

void kprintf_set_sink(kprintf_sink_t s) { sink = s; }

void kprintf_set_capture(kprintf_capture_t fn, void *arg)
{
    capture = fn;
    capture_arg = arg;
}

struct out {
    char *buf;
    size_t cap; /* characters buf holds before its NUL: size - 1, or 0 */
    size_t len; /* characters produced, even past cap (at most SIZE_MAX) */
};

static void put(struct out *o, char c)
{
    if (o->len < o->cap)
        o->buf[o->len] = c;
    if (o->len < SIZE_MAX)
        o->len++;
}

/* n copies of c: only those that fit are written, the rest just counted, so
 * that a width near INT_MAX costs no time. */
static void put_fill(struct out *o, char c, size_t n)
{
    for (; n && o->len < o->cap; n--)
        o->buf[o->len++] = c;
    o->len = n > SIZE_MAX - o->len ? SIZE_MAX : o->len + n;
}

static size_t fill_for(int width, size_t n) { return width > 0 && (size_t)width > n ? (size_t)width - n : 0; }

static void put_padded(struct out *o, const char *s, size_t n, int width, int left)
{
    size_t fill = fill_for(width, n);
    if (!left)
        put_fill(o, ' ', fill);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        put_fill(o, ' ', fill);
}

/* A number as C prints it: prefix (sign, 0x), at least prec digits (prec < 0:
 * none asked for; 0 and value 0: no digit), padded to width with spaces, or
 * zeros after the prefix for the '0' flag without a precision. */
static void put_num(struct out *o, uint64_t v, unsigned base, const char *prefix, int upper, int alt, int width,
                    int prec, int left, char pad)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0, np = 0;
    if (v != 0 || prec != 0) {
        do {
            tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
            v /= base;
        } while (v);
    }
    size_t zeros = prec > 0 && (size_t)prec > n ? (size_t)prec - n : 0;
    if (alt && base == 8 && zeros == 0 && (n == 0 || tmp[sizeof(tmp) - n] != '0'))
        zeros = 1; /* %#o: the first digit is a 0 */
    while (prefix[np])
        np++;
    size_t fill = fill_for(width, np + zeros + n); /* zeros <= INT_MAX: no wrap */
    if (left || prec >= 0)
        pad = ' ';
    if (pad == ' ' && !left)
        put_fill(o, ' ', fill);
    for (size_t i = 0; i < np; i++)
        put(o, prefix[i]);
    if (pad == '0')
        put_fill(o, '0', fill);
    put_fill(o, '0', zeros);
    for (size_t i = sizeof(tmp) - n; i < sizeof(tmp); i++)
        put(o, tmp[i]);
    if (left)
        put_fill(o, ' ', fill);
}

/* Decimal digits of a width or precision, saturating at INT_MAX. */
static int digits_of(const char **pp)
{
    int v = 0;
    for (; **pp >= '0' && **pp <= '9'; (*pp)++) {
        int d = **pp - '0';
        v = v > (INT_MAX - d) / 10 ? INT_MAX : v * 10 + d;
    }
    return v;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size ? size - 1 : 0, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        int left = 0, alt = 0, width = 0, prec = -1, lng = 0, sz = 0, h = 0;
        char pad = ' ', sign = 0;
        for (;; p++) {
            if (*p == '-')
                left = 1;
            else if (*p == '0')
                pad = '0';
            else if (*p == '#')
                alt = 1;
            else if (*p == '+')
                sign = '+';
            else if (*p == ' ')
                sign = sign ? sign : ' ';
            else
                break;
        }
        if (*p == '*') {
            width = va_arg(ap, int);
            p++;
            if (width < 0) { /* the '-' flag and a positive width */
                left = 1;
                width = width < -INT_MAX ? INT_MAX : -width;
            }
        } else {
            width = digits_of(&p);
        }
        if (*p == '.') {
            p++;
            if (*p == '*') {
                prec = va_arg(ap, int); /* negative: as if none */
                p++;
            } else {
                prec = digits_of(&p);
            }
        }
        for (;; p++) {
            if (*p == 'l')
                lng++;
            else if (*p == 'z' || *p == 't')
                sz = 1;
            else if (*p == 'j')
                lng = 2;
            else if (*p == 'h')
                h++;
            else
                break;
        }
        uint64_t u;
        int64_t s;
        char pre[3] = {0};
        switch (*p) {
        case 'd':
        case 'i':
            s = sz ? (int64_t)va_arg(ap, ptrdiff_t) : lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            if (!sz && !lng && h)
                s = h >= 2 ? (signed char)s : (short)s;
            pre[0] = s < 0 ? '-' : sign;
            put_num(&o, s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s, 10, pre, 0, 0, width, prec, left, pad);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = sz ? va_arg(ap, size_t) : lng >= 2 ? va_arg(ap, unsigned long long) : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            if (!sz && !lng && h)
                u = h >= 2 ? (unsigned char)u : (unsigned short)u;
            if (alt && u != 0 && (*p == 'x' || *p == 'X')) {
                pre[0] = '0';
                pre[1] = *p;
            }
            put_num(&o, u, *p == 'u' ? 10 : *p == 'o' ? 8 : 16, pre, *p == 'X', alt, width, prec, left, pad);
            break;
        case 'p':
            put_num(&o, (uintptr_t)va_arg(ap, void *), 16, "0x", 0, 0, width, prec, left, pad);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            while ((prec < 0 || n < (size_t)prec) && str[n])
                n++;
            put_padded(&o, str, n, width, left);
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (size)
        buf[o.len < o.cap ? o.len : o.cap] = '\0';
    return o.len > INT_MAX ? -1 : (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int kvprintf(const char *fmt, va_list ap)
{
    char buf[256];
    int n = kvsnprintf(buf, sizeof(buf), fmt, ap);
    size_t len = n >= 0 && (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    /* Cut short: the line keeps its end, or the next one runs on into it. */
    const char *end = fmt;
    while (*end)
        end++;
    if (len < (size_t)n && end > fmt && end[-1] == '\n')
        buf[len - 1] = '\n';
    if (capture)
        capture(capture_arg, buf, len);
    else if (sink)
        sink(buf, len);
    return n;
}

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvprintf(fmt, ap);
    va_end(ap);
    return n;
}
