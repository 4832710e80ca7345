/*
 * kprintf.h - a small, allocation-free printf for the firmware console.
 * Supports %d %i %u %x %X %o %p %s %c %%, the hh/h/l/ll/z/j/t length
 * modifiers, the '-', '0', '+', ' ' and '#' flags, field width and precision
 * (either from '*', a negative width meaning '-'), as C11 7.21.6.1 says;
 * not %n or floating point.  The return value is the length the whole
 * output has, or -1 past INT_MAX.  kprintf cuts a line longer than 255
 * characters short (keeping a final newline).
 * Output goes through a sink set with kprintf_set_sink(); until one is set,
 * output is dropped.
 *
 * kprintf_set_capture(fn, arg) diverts kprintf output to fn instead of the
 * sink until kprintf_set_capture(NULL, NULL) restores it (the TCP shell,
 * apps/shellsrv.c, collects a command's output this way).  ksnprintf is
 * never diverted.
 */
#ifndef KPRINTF_H
#define KPRINTF_H

#include <stdarg.h>
#include <stddef.h>

typedef void (*kprintf_sink_t)(const char *s, size_t n);

typedef void (*kprintf_capture_t)(void *arg, const char *s, size_t n);

void kprintf_set_sink(kprintf_sink_t sink);
void kprintf_set_capture(kprintf_capture_t fn, void *arg);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
