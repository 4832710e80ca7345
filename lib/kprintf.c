/*
 * kprintf.c - formatting without a C library.  kvsnprintf is the one
 * formatter; kprintf formats into a bounded stack buffer and hands it to the
 * sink, so nothing here allocates or needs a lock beyond the sink's own.
 */
#include "kprintf.h"

#include <stdint.h>

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
    size_t size;
    size_t len; /* characters produced, even past size */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

static void put_num(struct out *o, uint64_t v, unsigned base, int neg, int upper, int width, int left,
                    char pad)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
        v /= base;
    } while (v);
    if (neg) {
        if (pad == '0') {
            put(o, '-');
            width = width > 0 ? width - 1 : 0;
        } else {
            tmp[sizeof(tmp) - 1 - n++] = '-';
        }
    }
    put_padded(o, &tmp[sizeof(tmp) - n], n, width, left, pad);
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = {buf, size, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        int left = 0, width = 0, prec = -1, lng = 0, sz = 0;
        char pad = ' ';
        for (;; p++) {
            if (*p == '-')
                left = 1;
            else if (*p == '0')
                pad = '0';
            else
                break;
        }
        if (*p == '*') {
            width = va_arg(ap, int);
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            prec = 0;
            if (*p == '*') {
                prec = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    prec = prec * 10 + (*p++ - '0');
            }
        }
        for (;; p++) {
            if (*p == 'l')
                lng++;
            else if (*p == 'z')
                sz = 1;
            else if (*p == 'h')
                ;
            else
                break;
        }
        if (left)
            pad = ' ';
        uint64_t u;
        int64_t s;
        switch (*p) {
        case 'd':
        case 'i':
            s = sz ? (int64_t)va_arg(ap, long) : lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            put_num(&o, s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s, 10, s < 0, 0, width, left, pad);
            break;
        case 'u':
        case 'x':
        case 'X':
            u = sz ? va_arg(ap, size_t) : lng >= 2 ? va_arg(ap, unsigned long long) : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            put_num(&o, u, *p == 'u' ? 10 : 16, 0, *p == 'X', width, left, pad);
            break;
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_num(&o, (uintptr_t)va_arg(ap, void *), 16, 0, 0, width, left, pad);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left, ' ');
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            size_t n = 0;
            while (str[n] && (prec < 0 || n < (size_t)prec))
                n++;
            put_padded(&o, str, n, width, left, ' ');
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
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
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
    size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
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
