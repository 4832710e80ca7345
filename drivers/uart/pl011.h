/*
 * pl011.h - polled ARM PL011 UART: transmit, and non-blocking receive for
 * the console.  Assumes the firmware or hypervisor already set the baud rate
 * (true of QEMU and of every hypervisor's emulated PL011); init only enables
 * the FIFOs, transmitter and receiver.
 */
#ifndef PL011_H
#define PL011_H

#include <stddef.h>
#include <stdint.h>

void pl011_init(uintptr_t base);
/* The SBSA generic UART ("arm,sbsa-uart": Xen's console, some servers'):
 * the PL011's data, flag and interrupt registers only, no UARTLCR_H or
 * UARTCR to program (Arm SBSA, the generic UART), so init only masks its
 * interrupts; the rest is pl011_*. */
void pl011_init_sbsa(uintptr_t base);
uintptr_t pl011_base(void);
void pl011_putc(char c);
void pl011_write(const char *s, size_t n); /* "\n" becomes "\r\n" */
int pl011_getc(void);                      /* -1 when nothing is waiting */

#endif
