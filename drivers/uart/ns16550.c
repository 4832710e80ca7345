/*
 * ns16550.c - see ns16550.h.  Register layout and bits of the National
 * Semiconductor PC16550D data sheet.
 */
#include "ns16550.h"

#include "plat.h"
#include "uart.h"

/* Register numbers, before reg_shift (DLAB = 0). */
#define RBR 0 /* read: receive buffer */
#define THR 0 /* write: transmit holding */
#define IER 1
#define FCR 2 /* write: FIFO control */
#define LCR 3
#define LSR 5

#define FCR_FIFO_EN 0x01u
#define FCR_RX_CLEAR 0x02u
#define FCR_TX_CLEAR 0x04u
#define LCR_8N1 0x03u  /* 8 data bits, no parity, 1 stop bit, DLAB 0, no break */
#define LSR_DR 0x01u   /* a received byte is waiting */
#define LSR_THRE 0x20u /* the transmitter (FIFO) takes a byte */
#define LSR_TEMT 0x40u /* transmitter idle: FIFO and shift register empty */

static struct {
    uintptr_t base;
    unsigned shift, width;
} u;

static uint32_t rd(unsigned reg)
{
    uintptr_t a = u.base + ((uintptr_t)reg << u.shift);
    return u.width == 4 ? plat_mmio_read32(a) : plat_mmio_read8(a);
}

static void wr(unsigned reg, uint32_t v)
{
    uintptr_t a = u.base + ((uintptr_t)reg << u.shift);
    if (u.width == 4)
        plat_mmio_write32(a, v & 0xffu);
    else
        plat_mmio_write8(a, (uint8_t)v);
}

void ns16550_init(uintptr_t base, unsigned reg_shift, unsigned reg_io_width)
{
    u.base = 0;
    if (!base || (reg_io_width != 1 && reg_io_width != 4) || reg_shift > 8)
        return;
    u.base = base;
    u.shift = reg_shift;
    u.width = reg_io_width;
    /* Let a loader's last characters out before the FIFOs are cleared
     * (bounded: a UART that never drains is still taken over). */
    for (int i = 0; i < 1000000 && !(rd(LSR) & LSR_TEMT); i++)
        ;
    /* DLAB must be 0 for IER to be IER; the divisor latch itself (the
     * baud rate) is left as the firmware set it. */
    if ((rd(LCR) & 0xffu) != LCR_8N1)
        wr(LCR, LCR_8N1);
    wr(IER, 0);
    wr(FCR, FCR_FIFO_EN | FCR_RX_CLEAR | FCR_TX_CLEAR);
}

uintptr_t ns16550_base(void) { return u.base; }

void ns16550_putc(char c)
{
    if (!u.base)
        return;
    while (!(rd(LSR) & LSR_THRE))
        ;
    wr(THR, (uint8_t)c);
}

void ns16550_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            ns16550_putc('\r');
        ns16550_putc(s[i]);
    }
}

int ns16550_getc(void)
{
    if (!u.base || !(rd(LSR) & LSR_DR))
        return -1;
    return (int)(rd(RBR) & 0xffu);
}

const struct uart_ops ns16550_ops = {
    .name = "16550",
    .putc = ns16550_putc,
    .write = ns16550_write,
    .getc = ns16550_getc,
};
