/*
 * ns16550.h - polled NS16550A-compatible UART (QEMU's "ns16550a", the
 * Synopsys DesignWare APB UART "snps,dw-apb-uart" and their kin):
 * transmit, and non-blocking receive for the console.  Register i is at
 * base + (i << reg_shift), accessed reg_io_width bytes wide (1 or 4; the
 * device tree's "reg-shift" and "reg-io-width": QEMU 0 and 1, DesignWare
 * usually 2 and 4).  Assumes the firmware (OpenSBI, U-Boot) set the baud
 * rate: init leaves the divisor alone, and only sets 8N1, turns the
 * UART's interrupts off (IER = 0) and enables and clears the FIFOs.
 * Registers are reached through plat_mmio_* (drivers/plat/plat.h).
 */
#ifndef NS16550_H
#define NS16550_H

#include <stddef.h>
#include <stdint.h>

/* base 0, a reg_io_width other than 1 and 4, or a reg_shift above 8
 * leaves the driver off: output is dropped and getc returns -1. */
void ns16550_init(uintptr_t base, unsigned reg_shift, unsigned reg_io_width);
uintptr_t ns16550_base(void);
void ns16550_putc(char c);
void ns16550_write(const char *s, size_t n); /* "\n" becomes "\r\n" */
int ns16550_getc(void);                      /* -1 when nothing is waiting */

#endif
