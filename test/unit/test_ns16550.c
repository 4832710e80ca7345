/*
 * test_ns16550.c - host tests for drivers/uart/ns16550.c, against a model
 * of the UART's eight registers behind this file's own plat_mmio_*: each
 * register at base + (i << reg_shift), to be accessed exactly reg_io_width
 * bytes wide (QEMU's 0/1 and the DesignWare APB UART's 2/4).  Checks what
 * init may and may not touch (IER off, FIFOs on and cleared, 8N1 with the
 * divisor latch closed, the divisor never written), transmit with
 * "\n" -> "\r\n", non-blocking receive, and that a width the driver does
 * not know leaves the UART alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plat.h"
#include "uart/ns16550.h"
#include "uart/uart.h"

#define BASE 0x10000000u
enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

static struct {
    unsigned shift, width;
    uint8_t ier, fcr, lcr, lsr, rbr;
    uint8_t dll, dlm; /* the divisor latch (DLAB = 1) */
    char tx[64];
    size_t ntx;
    unsigned bad, accesses, lcr_writes, divisor_writes;
} u;

static void reset(unsigned shift, unsigned width)
{
    memset(&u, 0, sizeof(u));
    u.shift = shift;
    u.width = width;
    u.ier = 0x0f;
    u.lcr = 0x83; /* a loader left the divisor latch open */
    u.lsr = 0x60; /* THRE | TEMT */
    u.dll = 1;
}

static int reg_of(uintptr_t a, unsigned width)
{
    u.accesses++;
    if (width != u.width || a < BASE || ((a - BASE) & ((1u << u.shift) - 1)) || (a - BASE) >> u.shift > 7) {
        u.bad++;
        return -1;
    }
    return (int)((a - BASE) >> u.shift);
}

static uint32_t rd(uintptr_t a, unsigned width)
{
    bool dlab = u.lcr & 0x80;
    switch (reg_of(a, width)) {
    case RBR_THR: u.lsr &= (uint8_t)~1u; return dlab ? u.dll : u.rbr;
    case IER: return dlab ? u.dlm : u.ier;
    case IIR_FCR: return 0xc1;
    case LCR: return u.lcr;
    case LSR: return u.lsr;
    case MCR: case MSR: case SCR: return 0;
    default: return 0xff;
    }
}

static void wr(uintptr_t a, unsigned width, uint32_t v)
{
    bool dlab = u.lcr & 0x80;
    assert_true(v <= 0xff);
    switch (reg_of(a, width)) {
    case RBR_THR:
        if (dlab) {
            u.divisor_writes++;
            break;
        }
        assert_true(u.ntx < sizeof(u.tx));
        u.tx[u.ntx++] = (char)v;
        break;
    case IER:
        if (dlab)
            u.divisor_writes++;
        else
            u.ier = (uint8_t)v;
        break;
    case IIR_FCR: u.fcr = (uint8_t)v; break;
    case LCR: u.lcr = (uint8_t)v; u.lcr_writes++; break;
    case -1: break;
    default: u.bad++; /* nothing else is ours to write */
    }
}

uint8_t plat_mmio_read8(uintptr_t a) { return (uint8_t)rd(a, 1); }
uint32_t plat_mmio_read32(uintptr_t a) { return rd(a, 4); }
void plat_mmio_write8(uintptr_t a, uint8_t v) { wr(a, 1, v); }
void plat_mmio_write32(uintptr_t a, uint32_t v) { wr(a, 4, v); }

static void check_uart(unsigned shift, unsigned width)
{
    reset(shift, width);
    ns16550_init(BASE, shift, width);
    assert_int_equal(ns16550_base(), BASE);
    assert_int_equal(u.bad, 0);
    assert_int_equal(u.ier, 0);
    assert_int_equal(u.fcr, 0x07);
    assert_int_equal(u.lcr, 0x03);
    assert_int_equal(u.divisor_writes, 0);
    assert_int_equal(u.dll, 1);

    ns16550_write("a\nb", 3);
    ns16550_putc('c');
    assert_int_equal(u.ntx, 5);
    assert_memory_equal(u.tx, "a\r\nbc", 5);

    assert_int_equal(ns16550_getc(), -1);
    u.rbr = 'x';
    u.lsr |= 1;
    assert_int_equal(ns16550_getc(), 'x');
    assert_int_equal(ns16550_getc(), -1);
    assert_int_equal(u.bad, 0);

    /* through the ops table the board uses */
    assert_string_equal(ns16550_ops.name, "16550");
    ns16550_ops.write("\n", 1);
    assert_memory_equal(u.tx + 5, "\r\n", 2);
    u.lsr |= 1;
    assert_int_equal(ns16550_ops.getc(), 'x');

    /* already 8N1: LCR is not rewritten (a busy DesignWare UART drops
     * LCR writes) */
    reset(shift, width);
    u.lcr = 0x03;
    ns16550_init(BASE, shift, width);
    assert_int_equal(u.lcr_writes, 0);
    assert_int_equal(u.bad, 0);
}

static void test_qemu(void **state)
{
    (void)state;
    check_uart(0, 1);
}

static void test_designware(void **state)
{
    (void)state;
    check_uart(2, 4);
}

static void test_off(void **state)
{
    (void)state;
    reset(0, 1);
    ns16550_init(BASE, 0, 2); /* no such width */
    ns16550_putc('a');
    assert_int_equal(ns16550_getc(), -1);
    ns16550_init(0, 0, 1);
    ns16550_write("abc", 3);
    assert_int_equal(ns16550_getc(), -1);
    assert_int_equal(ns16550_base(), 0);
    assert_int_equal(u.accesses, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu),
        cmocka_unit_test(test_designware),
        cmocka_unit_test(test_off),
    };
    return cmocka_run_group_tests_name("ns16550", tests, NULL, NULL);
}
