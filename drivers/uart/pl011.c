/*
 * pl011.c - see pl011.h.
 */
#include "pl011.h"

#include "uart.h"

#define UARTDR 0x00
#define UARTFR 0x18
#define UARTLCR_H 0x2c
#define UARTCR 0x30
#define UARTIMSC 0x38
#define FR_TXFF (1u << 5)
#define FR_RXFE (1u << 4)
#define FR_BUSY (1u << 3)
#define LCR_FEN (1u << 4)
#define LCR_WLEN8 (3u << 5)
#define CR_UARTEN (1u << 0)
#define CR_TXE (1u << 8)
#define CR_RXE (1u << 9)

static uintptr_t uart;

static inline uint32_t rd(uint32_t off) { return *(volatile uint32_t *)(uart + off); }
static inline void wr(uint32_t off, uint32_t v) { *(volatile uint32_t *)(uart + off) = v; }

void pl011_init(uintptr_t base)
{
    uart = base;
    if (!uart)
        return;
    wr(UARTIMSC, 0);
    /* The PL011 TRM: reprogram UARTLCR_H only with the UART disabled, and
     * disable it only once it is idle (a loader's last characters). */
    for (int i = 0; i < 1000000 && (rd(UARTFR) & FR_BUSY); i++)
        ;
    wr(UARTCR, 0);
    wr(UARTLCR_H, LCR_FEN | LCR_WLEN8);
    wr(UARTCR, CR_UARTEN | CR_TXE | CR_RXE);
}

void pl011_init_sbsa(uintptr_t base)
{
    uart = base;
    if (uart)
        wr(UARTIMSC, 0);
}

uintptr_t pl011_base(void) { return uart; }

void pl011_putc(char c)
{
    if (!uart)
        return;
    while (rd(UARTFR) & FR_TXFF)
        ;
    wr(UARTDR, (uint8_t)c);
}

void pl011_write(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            pl011_putc('\r');
        pl011_putc(s[i]);
    }
}

int pl011_getc(void)
{
    if (!uart || (rd(UARTFR) & FR_RXFE))
        return -1;
    return (int)(rd(UARTDR) & 0xff);
}

const struct uart_ops pl011_ops = {
    .name = "PL011",
    .putc = pl011_putc,
    .write = pl011_write,
    .getc = pl011_getc,
};
