/*
 * uart.h - the console UART as the board uses it once it is initialised:
 * one ops table per driver, so the board picks one from the device tree
 * (the compatible of the node /chosen/stdout-path names) and the rest of
 * it does not care which.  Initialisation differs per driver
 * (pl011_init(base), ns16550_init(base, reg_shift, reg_io_width)) and is
 * called directly.  All operations are polled; write turns "\n" into
 * "\r\n"; getc returns -1 when nothing is waiting.
 */
#ifndef UART_H
#define UART_H

#include <stddef.h>

struct uart_ops {
    const char *name; /* "PL011", "16550": for the boot log */
    void (*putc)(char c);
    void (*write)(const char *s, size_t n);
    int (*getc)(void);
};

extern const struct uart_ops pl011_ops, ns16550_ops;

#endif
