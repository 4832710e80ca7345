/*
 * test_board.c - host tests of board/generic/board.c's reading of the
 * platform from the device tree.  board.c is compiled into this file, as in
 * test/fuzz/fuzz_dt.c (the host's arch.h is test/fuzz/host/arch.h), and
 * boot_main() runs on small hand-made trees; the UART, timer, MMU, GIC and
 * DMA pool are stand-ins that record what the board asked of them, and
 * app_main() jumps back here.
 */
#define __image_start (*test_image_start)
#define __heap_start (*test_heap_start)
#include "../../board/generic/board.c"
#include "board_reset.h"
#undef __image_start
#undef __heap_start

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#define IMG_BASE 0x40080000u
#define IMG_END 0x40100000u
char (*test_image_start)[] = (char (*)[])(uintptr_t)IMG_BASE;
char (*test_heap_start)[] = (char (*)[])(uintptr_t)IMG_END;

/* ---- stand-ins for what board.c drives ------------------------------------ */

bool host_irq_on;
static jmp_buf back;

/* What the console was given (the lines held back included: console_log()). */
static char conout[16384];
static size_t nconout;
static void uart_putc(char c) { (void)c; }
static void uart_write(const char *s, size_t n)
{
    if (n > sizeof(conout) - 1 - nconout)
        n = sizeof(conout) - 1 - nconout;
    memcpy(conout + nconout, s, n);
    nconout += n;
    conout[nconout] = '\0';
}
static int uart_getc(void) { return -1; }
const struct uart_ops pl011_ops = {"PL011", uart_putc, uart_write, uart_getc};
const struct uart_ops ns16550_ops = {"16550", uart_putc, uart_write, uart_getc};

static struct {
    int pl011, sbsa, ns16550;
    uintptr_t base;
    unsigned shift, width;
} con;

void pl011_init(uintptr_t base)
{
    con.pl011++;
    con.base = base;
}
void pl011_init_sbsa(uintptr_t base)
{
    con.sbsa++;
    con.base = base;
}
void ns16550_init(uintptr_t base, unsigned reg_shift, unsigned reg_io_width)
{
    con.ns16550++;
    con.base = base;
    con.shift = reg_shift;
    con.width = reg_io_width;
}

static uint32_t hz_set;
void timer_init(uint32_t hz) { hz_set = hz; }
uint32_t timer_freq(void) { return hz_set; }
void timer_irq(void *arg) { (void)arg; }

void arch_mmu_enable(const uint64_t (*ram)[2], int nram, bool null_guard)
{
    (void)ram;
    (void)nram;
    (void)null_guard;
}
/* With fake_gic set, the tree's first "arm,gic-400" node is the controller,
 * decoding specifiers with the GIC's own dt_decode (gic_dt.c); else there is
 * none and every device is polled. */
static bool fake_gic;
static void gic_stub_line(unsigned irq) { (void)irq; }
static void gic_stub_config(unsigned irq, bool edge)
{
    (void)irq;
    (void)edge;
}
static uint32_t gic_stub_claim(void) { return 1023; }
static unsigned gic_stub_irq_of(uint32_t t) { return t; }
static void gic_stub_complete(uint32_t t) { (void)t; }
static struct irqchip test_gic = {"test GIC", -1, 1020, 32, gic_dt_decode, gic_stub_config,
                                  gic_stub_line, gic_stub_line, gic_stub_claim, gic_stub_irq_of,
                                  gic_stub_complete};
const struct irqchip *gic_from_dt(const struct dt *d)
{
    if (!fake_gic)
        return NULL; /* every device polled: no interrupt controller */
    test_gic.dt_node = dt_find_compatible(d, -1, "arm,gic-400");
    return test_gic.dt_node >= 0 ? &test_gic : NULL;
}
const struct irqchip *gic_from_table(uintptr_t dist, uintptr_t gicc, uintptr_t gicr, uint64_t gicr_size)
{
    (void)dist, (void)gicc, (void)gicr, (void)gicr_size;
    fail_msg("the board table is never used with a valid tree");
    return NULL;
}
void plat_dma_pool_init(uintptr_t base, uintptr_t end)
{
    (void)base;
    (void)end;
}
void app_main(void) { longjmp(back, 1); }

/* Every static of board.c, as at reset, and the stand-ins' records. */
static void board_reset(void)
{
    board_reset_statics();
    host_irq_on = false;
    memset(&con, 0, sizeof(con));
    nconout = 0;
    conout[0] = '\0';
}

/* Everything boot_main wrote, what board.c still holds back included. */
static const char *console_log(void)
{
    uart_write(console_held, console_nheld);
    console_nheld = 0;
    return conout;
}

static size_t count_of(const char *s, const char *w)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, w)) != NULL; p += strlen(w))
        n++;
    return n;
}

static void run_board(const uint8_t *blob)
{
    board_reset();
    if (setjmp(back) == 0) {
        boot_main((uintptr_t)blob);
        fail_msg("boot_main returned");
    }
    assert_true(info.dt == &dt && !info.fallback);
}

/* ---- a tiny blob builder ---------------------------------------------------- */

struct blob {
    uint8_t st[65536], str[1024];
    size_t nst, nstr;
    uint8_t out[68 * 1024];
};

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static void u32(struct blob *b, uint32_t v)
{
    put32(b->st + b->nst, v);
    b->nst += 4;
}
static void bytes(struct blob *b, const void *p, size_t n)
{
    memcpy(b->st + b->nst, p, n);
    b->nst += n;
    while (b->nst % 4)
        b->st[b->nst++] = 0;
}
static uint32_t str_off(struct blob *b, const char *name)
{
    for (size_t i = 0; i < b->nstr; i += strlen((char *)b->str + i) + 1)
        if (strcmp((char *)b->str + i, name) == 0)
            return (uint32_t)i;
    uint32_t off = (uint32_t)b->nstr;
    memcpy(b->str + b->nstr, name, strlen(name) + 1);
    b->nstr += strlen(name) + 1;
    return off;
}
static void begin(struct blob *b, const char *name)
{
    u32(b, DT_TOKEN_BEGIN_NODE);
    bytes(b, name, strlen(name) + 1);
}
static void end(struct blob *b) { u32(b, DT_TOKEN_END_NODE); }
static void prop(struct blob *b, const char *name, const void *v, size_t n)
{
    u32(b, DT_TOKEN_PROP);
    u32(b, (uint32_t)n);
    u32(b, str_off(b, name));
    bytes(b, v, n);
}
static void prop_str(struct blob *b, const char *name, const char *s) { prop(b, name, s, strlen(s) + 1); }
static void prop_cells(struct blob *b, const char *name, int n, ...)
{
    uint8_t v[128];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        put32(v + 4 * i, va_arg(ap, uint32_t));
    va_end(ap);
    prop(b, name, v, 4u * (unsigned)n);
}
/* The finished blob: header, an empty reservation map, struct, strings. */
static const uint8_t *finish(struct blob *b)
{
    uint32_t off_rsv = 40, off_st = off_rsv + 16, off_str = off_st + (uint32_t)b->nst;
    uint32_t total = off_str + (uint32_t)b->nstr;
    u32(b, DT_TOKEN_END);
    off_str += 4;
    total += 4;
    memset(b->out, 0, sizeof(b->out));
    put32(b->out + 0, DT_MAGIC);
    put32(b->out + 4, total);
    put32(b->out + 8, off_st);
    put32(b->out + 12, off_str);
    put32(b->out + 16, off_rsv);
    put32(b->out + 20, 17);
    put32(b->out + 24, 16);
    put32(b->out + 32, (uint32_t)b->nstr);
    put32(b->out + 36, (uint32_t)b->nst);
    memcpy(b->out + off_st, b->st, b->nst);
    memcpy(b->out + off_str, b->str, b->nstr);
    return b->out;
}

/* The root's cells and model, a memory node holding the image. */
static void root_start(struct blob *b)
{
    begin(b, "");
    prop_cells(b, "#address-cells", 1, 2u);
    prop_cells(b, "#size-cells", 1, 2u);
    prop_str(b, "model", "test-board");
}
static void memory(struct blob *b)
{
    begin(b, "memory@40000000");
    prop_str(b, "device_type", "memory");
    prop_cells(b, "reg", 4, 0u, 0x40000000u, 0u, 0x8000000u);
    end(b);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_model(void **state)
{
    (void)state;
    static struct blob b;
    memset(&b, 0, sizeof(b));
    root_start(&b);
    memory(&b);
    end(&b);
    run_board(finish(&b));
    assert_non_null(info.model);
    assert_string_equal(info.model, "test-board");
}

/* Spec 5.4.2: an FDT_NOP may stand anywhere in the struct block, before the
 * root too (the reader accepts it: test_fdt's test_nop_before_root); the
 * root's "model" is then not at struct offset 0. */
static void test_model_nop_before_root(void **state)
{
    (void)state;
    static struct blob b;
    memset(&b, 0, sizeof(b));
    u32(&b, DT_TOKEN_NOP);
    root_start(&b);
    memory(&b);
    end(&b);
    run_board(finish(&b));
    assert_non_null(info.model);
    assert_string_equal(info.model, "test-board");
}

/* /chosen/stdout-path names a 16550 at `base` with the given reg-shift (if
 * shift >= 0) and reg-io-width. */
static const uint8_t *uart_tree(struct blob *b, uint32_t base, int shift, uint32_t width)
{
    memset(b, 0, sizeof(*b));
    root_start(b);
    begin(b, "chosen");
    prop_str(b, "stdout-path", "/serial@10000000");
    end(b);
    memory(b);
    begin(b, "serial@10000000");
    prop_str(b, "compatible", "ns16550a");
    prop_cells(b, "reg", 4, 0u, base, 0u, 0x100u);
    if (shift >= 0)
        prop_cells(b, "reg-shift", 1, (uint32_t)shift);
    prop_cells(b, "reg-io-width", 1, width);
    end(b);
    end(b);
    return finish(b);
}

static void test_uart_16550(void **state)
{
    (void)state;
    static struct blob b;
    run_board(uart_tree(&b, 0x10000000u, 2, 4));
    assert_int_equal(con.ns16550, 1);
    assert_int_equal(con.base, 0x10000000u);
    assert_int_equal(con.shift, 2);
    assert_int_equal(con.width, 4);
    run_board(uart_tree(&b, 0x10000000u, -1, 1));
    assert_int_equal(con.ns16550, 1);
    assert_int_equal(con.shift, 0);
    assert_int_equal(con.width, 1);
}

/* Xen's console: an SBSA generic UART, a PL011 without UARTLCR_H and
 * UARTCR.  It is the console, through the PL011 driver, set up without
 * those registers; and it is found without stdout-path too. */
static void test_uart_sbsa(void **state)
{
    (void)state;
    static struct blob b;
    for (int chosen = 1; chosen >= 0; chosen--) {
        memset(&b, 0, sizeof(b));
        root_start(&b);
        if (chosen) {
            begin(&b, "chosen");
            prop_str(&b, "stdout-path", "/sbsa-uart@22000000");
            end(&b);
        }
        memory(&b);
        begin(&b, "sbsa-uart@22000000");
        prop_str(&b, "compatible", "arm,sbsa-uart");
        prop_cells(&b, "reg", 4, 0u, 0x22000000u, 0u, 0x1000u);
        end(&b);
        end(&b);
        run_board(finish(&b));
        assert_int_equal(con.sbsa, 1);
        assert_int_equal(con.pl011, 0);
        assert_int_equal(con.base, 0x22000000u);
        assert_int_equal(info.uart, 0x22000000u);
    }
}

/* 32-bit accesses (reg-io-width 4) to registers 1 << reg-shift apart, from
 * a base that is not a multiple of 4, land at misaligned addresses: an
 * alignment fault on Device memory (arm, aarch64; and the console is set up
 * with the MMU off, where every access is Device), before any line is out.
 * Such a UART is not used (the board table's console is, as for any
 * reg-shift/reg-io-width the driver does not take). */
static void test_uart_16550_misaligned(void **state)
{
    (void)state;
    static struct blob b;
    /* reg-io-width 4 without reg-shift: registers 1 byte apart */
    run_board(uart_tree(&b, 0x10000000u, -1, 4));
    assert_true(con.ns16550 == 0 || con.width != 4 || con.shift >= 2);
    run_board(uart_tree(&b, 0x10000000u, 1, 4));
    assert_true(con.ns16550 == 0 || con.width != 4 || con.shift >= 2);
    /* aligned spacing, misaligned base */
    run_board(uart_tree(&b, 0x10000002u, 2, 4));
    assert_true(con.ns16550 == 0 || con.width != 4 || con.base % 4 == 0);
    assert_int_equal(info.uart, FB_UART);
}

/* A tree of n virtio-mmio nodes, the first `small` of them with a register
 * window too small to use. */
static const uint8_t *virtio_tree(struct blob *b, int n, int small)
{
    memset(b, 0, sizeof(*b));
    root_start(b);
    memory(b);
    for (int i = 0; i < n; i++) {
        char name[32];
        uint32_t base = 0x0a000000u + 0x200u * (uint32_t)i;
        snprintf(name, sizeof(name), "virtio_mmio@%x", base);
        begin(b, name);
        prop_str(b, "compatible", "virtio,mmio");
        prop_cells(b, "reg", 4, 0u, base, 0u, i < small ? 0x10u : 0x200u);
        end(b);
    }
    end(b);
    return finish(b);
}

/* Hostile numbers of virtio-mmio nodes: more than the node index holds
 * (512 nodes), more than the firmware takes (BOARD_MAX_VIRTIO), unusable
 * ones by the hundred.  The firmware reads its fill and a few warnings'
 * worth, then only counts the rest, in one line: without the bound each
 * node cost a walk from the root and a warning line (7 s natively for
 * 30,000 nodes, minutes under emulation). */
static void test_virtio_many_nodes(void **state)
{
    (void)state;
    static struct blob b;
    const char *log;

    run_board(virtio_tree(&b, 600, 0));
    assert_int_equal(info.nvirtio, BOARD_MAX_VIRTIO);
    assert_int_equal(info.virtio_skipped, 600 - BOARD_MAX_VIRTIO);
    log = console_log();
    if (!strstr(log, "virtio: WARNING: 536 more virtio-mmio nodes not read (this firmware takes 64 and reports 8 "
                     "unusable ones)\n"))
        fail_msg("no summary line in:\n%s", log);
    /* (each node taken has no interrupts property: a line of its own) */
    assert_int_equal(count_of(log, "not read"), 1);
    assert_int_equal(count_of(log, "no interrupts property"), BOARD_MAX_VIRTIO);
    assert_int_equal(count_of(log, "skipped"), 0);

    run_board(virtio_tree(&b, 300, 290));
    assert_int_equal(info.nvirtio, 0); /* the usable ten come after the bound */
    assert_int_equal(info.virtio_skipped, 300);
    log = console_log();
    assert_int_equal(count_of(log, "register window 0x10 bytes"), VIRTIO_DT_WARN_MAX);
    if (!strstr(log, "virtio: WARNING: 292 more virtio-mmio nodes not read"))
        fail_msg("no summary line in:\n%s", log);

    run_board(virtio_tree(&b, 12, 3)); /* a few bad ones: each said, the rest taken */
    assert_int_equal(info.nvirtio, 9);
    assert_int_equal(info.virtio_skipped, 3);
    log = console_log();
    assert_int_equal(count_of(log, "register window 0x10 bytes"), 3);
    assert_null(strstr(log, "not read"));
}

/* A valid tree whose memory node cannot be read (a reg of 3 cells where
 * entries take 4), or that has none: the board table's RAM is taken, and
 * the log says why rather than listing the table's RAM as if found. */
static void test_memory_unreadable(void **state)
{
    (void)state;
    static struct blob b;
    static const struct {
        int memory; /* 0: none, 1: a broken reg, 2: a good one */
        const char *warning;
    } cases[] = {
        {1, "mem: WARNING: the device tree's memory nodes are unreadable: "},
        {0, "mem: WARNING: the device tree names no RAM; assuming the qemu-virt board table's RAM\n"},
        {2, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&b, 0, sizeof(b));
        root_start(&b);
        if (cases[i].memory == 2) {
            memory(&b);
        } else if (cases[i].memory == 1) {
            begin(&b, "memory@40000000");
            prop_str(&b, "device_type", "memory");
            prop_cells(&b, "reg", 3, 0u, 0x40000000u, 0u);
            end(&b);
        }
        end(&b);
        run_board(finish(&b));
        const char *log = console_log();
        assert_int_equal(ram_from_table, cases[i].warning != NULL);
        if (cases[i].warning ? !strstr(log, cases[i].warning) : strstr(log, "mem: WARNING") != NULL)
            fail_msg("case %zu: %s expected in:\n%s", i, cases[i].warning ? cases[i].warning : "no warning", log);
    }
}

/* More RAM ranges than the board keeps (BOARD_MAX_RAM, in nine memory
 * nodes): the first eight are used and listed, and the log says the rest
 * is not, instead of dropping them without a word; eight get no warning. */
static void test_memory_too_many_ranges(void **state)
{
    (void)state;
    static struct blob b;
    for (unsigned extra = BOARD_MAX_RAM - 1; extra <= BOARD_MAX_RAM; extra++) {
        memset(&b, 0, sizeof(b));
        root_start(&b);
        memory(&b);
        for (unsigned i = 0; i < extra; i++) {
            char name[32];
            snprintf(name, sizeof(name), "memory@%x", 0x50000000u + i * 0x1000000u);
            begin(&b, name);
            prop_str(&b, "device_type", "memory");
            prop_cells(&b, "reg", 4, 0u, 0x50000000u + i * 0x1000000u, 0u, 0x100000u);
            end(&b);
        }
        end(&b);
        run_board(finish(&b));
        const char *log = console_log();
        bool cut = extra + 1 > BOARD_MAX_RAM;
        assert_int_equal(info.nram, BOARD_MAX_RAM);
        assert_false(ram_from_table);
        const char *w = strstr(log, "mem: WARNING: the device tree names more than 8 RAM ranges; only the first 8 "
                                    "are used\n");
        if (cut ? w == NULL : w != NULL)
            fail_msg("%u ranges: the warning %s in:\n%s", extra + 1, cut ? "missing" : "unexpected", log);
        assert_non_null(strstr(log, "mem: 0x56000000-0x560fffff\n")); /* the eighth */
        assert_null(strstr(log, "mem: 0x57000000"));                   /* the ninth, not used */
    }
}

/* A GIC-400 (phandle 1, the root's interrupt-parent) and an
 * "arm,armv8-timer" whose interrupts are the PPIs ppi[0..n-1], named by
 * names[0..n-1] if names is not NULL. */
static const uint8_t *timer_tree(struct blob *b, const char *const *names, const uint32_t *ppi, int n)
{
    memset(b, 0, sizeof(*b));
    root_start(b);
    prop_cells(b, "interrupt-parent", 1, 1u);
    memory(b);
    begin(b, "interrupt-controller@8000000");
    prop_str(b, "compatible", "arm,gic-400");
    prop_cells(b, "#interrupt-cells", 1, 3u);
    prop(b, "interrupt-controller", "", 0);
    prop_cells(b, "reg", 8, 0u, 0x08000000u, 0u, 0x10000u, 0u, 0x08010000u, 0u, 0x10000u);
    prop_cells(b, "phandle", 1, 1u);
    end(b);
    begin(b, "timer");
    prop_str(b, "compatible", "arm,armv8-timer");
    uint8_t v[64];
    for (int i = 0; i < n; i++) {
        put32(v + 12 * i, 1u); /* a PPI */
        put32(v + 12 * i + 4, ppi[i]);
        put32(v + 12 * i + 8, 4u); /* level high */
    }
    prop(b, "interrupts", v, 12u * (unsigned)n);
    if (names) {
        char s[64];
        size_t len = 0;
        for (int i = 0; i < n; i++) {
            memcpy(s + len, names[i], strlen(names[i]) + 1);
            len += strlen(names[i]) + 1;
        }
        prop(b, "interrupt-names", s, len);
    }
    end(b);
    end(b);
    return finish(b);
}

/* arm,arch_timer.yaml: the interrupts are sec-phys, phys, virt, hyp-phys,
 * hyp-virt, and "interrupt-names" may say which is which, sec-phys left out
 * ("phys", "virt", "hyp-phys", "hyp-virt", as Linux reads them by name):
 * the virtual timer, which this firmware runs on, is then the entry named
 * "virt", not the third (the hypervisor's physical timer).  PPIs other
 * than the usual ones, so the board's fallback (27) cannot pass for them. */
static void test_timer_interrupt_names(void **state)
{
    (void)state;
    static struct blob b;
    static const char *const four[] = {"phys", "virt", "hyp-phys", "hyp-virt"};
    static const char *const five[] = {"sec-phys", "phys", "virt", "hyp-phys", "hyp-virt"};
    static const uint32_t ppi[] = {5, 6, 7, 8, 9}; /* INTIDs 21..25 */

    fake_gic = true;
    /* no names: the third entry */
    run_board(timer_tree(&b, NULL, ppi, 4));
    assert_int_equal(ic, &test_gic);
    assert_int_equal(info.timer_intid, 16 + 7);
    /* names without sec-phys: "virt" is the second */
    run_board(timer_tree(&b, four, ppi, 4));
    assert_int_equal(info.timer_intid, 16 + 6);
    /* names with sec-phys: the third, as without names */
    run_board(timer_tree(&b, five, ppi, 5));
    assert_int_equal(info.timer_intid, 16 + 7);
    /* names, two of them only (the binding's minimum) */
    run_board(timer_tree(&b, four, ppi, 2));
    assert_int_equal(info.timer_intid, 16 + 6);
    /* names without "virt": not the third entry; the board's fallback */
    static const char *const novirt[] = {"sec-phys", "phys", "hyp-phys"};
    run_board(timer_tree(&b, novirt, ppi, 3));
    assert_int_equal(info.timer_intid, FB_TIMER_INTID);
    fake_gic = false;
}

/* Arm's Versatile Express motherboard as the FVP Base and vexpress trees
 * describe it (Linux's vexpress-v2m-rs1.dtsi, fvp-base-revc.dts): the
 * virtio block device sits on the motherboard bus, a simple-bus with
 * chip-select "ranges" that is also an interrupt nexus: its children's
 * one-cell "interrupts" reach the GIC through its "interrupt-map" (spec
 * 2.4.3), here entries for lines 41 and 42 behind a mask that ignores the
 * unit address.  The GIC has #address-cells 2 (for its ITS children), so
 * each entry's parent unit address is two cells. */
static const uint8_t *nexus_tree(struct blob *b)
{
    memset(b, 0, sizeof(*b));
    root_start(b);
    prop_cells(b, "interrupt-parent", 1, 1u);
    memory(b);
    begin(b, "interrupt-controller@2f000000");
    prop_str(b, "compatible", "arm,gic-400");
    prop_cells(b, "#interrupt-cells", 1, 3u);
    prop_cells(b, "#address-cells", 1, 2u);
    prop_cells(b, "#size-cells", 1, 2u);
    prop(b, "interrupt-controller", "", 0);
    prop_cells(b, "reg", 8, 0u, 0x2f000000u, 0u, 0x10000u, 0u, 0x2c000000u, 0u, 0x2000u);
    prop_cells(b, "phandle", 1, 1u);
    end(b);
    begin(b, "bus@8000000");
    prop_str(b, "compatible", "simple-bus");
    prop_cells(b, "#address-cells", 1, 2u);
    prop_cells(b, "#size-cells", 1, 1u);
    prop_cells(b, "ranges", 10, 0u, 0u, 0u, 0x08000000u, 0x04000000u, 3u, 0u, 0u, 0x1c000000u, 0x04000000u);
    prop_cells(b, "#interrupt-cells", 1, 1u);
    prop_cells(b, "interrupt-map-mask", 3, 0u, 0u, 63u);
    prop_cells(b, "interrupt-map", 18, 0u, 0u, 41u, 1u, 0u, 0u, 0u, 41u, 4u, /* */
               0u, 0u, 42u, 1u, 0u, 0u, 0u, 42u, 4u);
    begin(b, "iofpga@3,00000000");
    prop_str(b, "compatible", "simple-bus");
    prop_cells(b, "#address-cells", 1, 1u);
    prop_cells(b, "#size-cells", 1, 1u);
    prop_cells(b, "ranges", 4, 0u, 3u, 0u, 0x210000u);
    begin(b, "virtio@130000");
    prop_str(b, "compatible", "virtio,mmio");
    prop_cells(b, "reg", 2, 0x130000u, 0x200u);
    prop_cells(b, "interrupts", 1, 42u);
    end(b);
    end(b);
    end(b);
    end(b);
    return finish(b);
}

static void test_virtio_behind_interrupt_map(void **state)
{
    (void)state;
    static struct blob b;
    fake_gic = true;
    run_board(nexus_tree(&b));
    fake_gic = false;
    assert_int_equal(ic, &test_gic);
    assert_int_equal(info.nvirtio, 1);
    assert_int_equal(info.virtio[0].base, 0x1c130000u);
    const char *log = console_log();
    if (info.virtio[0].intid != 32 + 42)
        fail_msg("intid %u, not SPI 42 (74), in:\n%s", info.virtio[0].intid, log);
    assert_int_equal(info.virtio[0].irq_flags, PLAT_IRQ_LEVEL);
    assert_null(strstr(log, "virtio: WARNING"));
}

/* A virtio-mmio node whose own status is okay on a simple-bus whose status
 * is "disabled" (spec 2.3.4: the bus is not operational, so neither is what
 * sits on it; Linux's of_platform_populate creates no device below a bus
 * it does not create), and one on an okay bus. */
static const uint8_t *disabled_bus_tree(struct blob *b)
{
    memset(b, 0, sizeof(*b));
    root_start(b);
    memory(b);
    for (int i = 0; i < 2; i++) {
        begin(b, i == 0 ? "soc@a000000" : "soc@b000000");
        prop_str(b, "compatible", "simple-bus");
        if (i == 0)
            prop_str(b, "status", "disabled");
        prop_cells(b, "#address-cells", 1, 1u);
        prop_cells(b, "#size-cells", 1, 1u);
        prop_cells(b, "ranges", 4, 0u, 0u, i == 0 ? 0x0a000000u : 0x0b000000u, 0x1000u);
        begin(b, "virtio_mmio@0");
        prop_str(b, "compatible", "virtio,mmio");
        prop_str(b, "status", "okay");
        prop_cells(b, "reg", 2, 0u, 0x200u);
        end(b);
        end(b);
    }
    end(b);
    return finish(b);
}

static void test_virtio_on_disabled_bus(void **state)
{
    (void)state;
    static struct blob b;
    run_board(disabled_bus_tree(&b));
    assert_int_equal(info.nvirtio, 1);
    assert_int_equal(info.virtio[0].base, 0x0b000000u);
    assert_int_equal(info.virtio_skipped, 1);
}

/* Virtio nodes behind an IOMMU the tree names: Xen's grant DMA takes no
 * physical address, so its device is skipped; behind another IOMMU the
 * device is used, with a warning that DMA goes untranslated. */
static void test_virtio_behind_iommu(void **state)
{
    (void)state;
    static struct blob b;
    memset(&b, 0, sizeof(b));
    root_start(&b);
    memory(&b);
    begin(&b, "xen-grant-dma");
    prop_str(&b, "compatible", "xen,grant-dma");
    prop_cells(&b, "#iommu-cells", 1, 1u);
    prop_cells(&b, "phandle", 1, 0x51u);
    end(&b);
    begin(&b, "iommu@9050000");
    prop_str(&b, "compatible", "arm,smmu-v3");
    prop_cells(&b, "#iommu-cells", 1, 1u);
    prop_cells(&b, "phandle", 1, 0x52u);
    end(&b);
    begin(&b, "virtio_mmio@a000000");
    prop_str(&b, "compatible", "virtio,mmio");
    prop_cells(&b, "reg", 4, 0u, 0x0a000000u, 0u, 0x200u);
    prop_cells(&b, "iommus", 2, 0x51u, 1u);
    end(&b);
    begin(&b, "virtio_mmio@a000200");
    prop_str(&b, "compatible", "virtio,mmio");
    prop_cells(&b, "reg", 4, 0u, 0x0a000200u, 0u, 0x200u);
    prop_cells(&b, "iommus", 2, 0x52u, 7u);
    end(&b);
    end(&b);
    run_board(finish(&b));
    assert_int_equal(info.nvirtio, 1);
    assert_int_equal(info.virtio[0].base, 0x0a000200u);
    assert_int_equal(info.virtio_skipped, 1);
    const char *log = console_log();
    if (!strstr(log, "virtio: WARNING: virtio_mmio@a000000: its DMA goes through Xen grants (iommus: xen,grant-dma), "
                     "which this firmware does not use; skipped") ||
        !strstr(log, "virtio: WARNING: virtio_mmio@a000200: the device tree puts it behind an IOMMU (iommus)"))
        fail_msg("the console said:\n%s", log);
}

/* Virtio nodes on four buses, each with "ranges" putting its 0 at the
 * CPU's 0x0a000000 + 0x1000 * i: "dma-ranges" absent, empty, identity and
 * an offset (the device's 0 is the CPU's 0x40000000), and one whose
 * "dma-ranges" is not whole entries.  The drivers hand devices CPU
 * addresses, so the last two devices must not be driven; the others are. */
static void test_virtio_dma_ranges(void **state)
{
    (void)state;
    static struct blob b;
    memset(&b, 0, sizeof(b));
    root_start(&b);
    memory(&b);
    static const char *const bus[] = {"soc@a000000", "soc@a001000", "soc@a002000", "soc@a003000", "soc@a004000"};
    for (unsigned i = 0; i < 5; i++) {
        begin(&b, bus[i]);
        prop_str(&b, "compatible", "simple-bus");
        prop_cells(&b, "#address-cells", 1, 1u);
        prop_cells(&b, "#size-cells", 1, 1u);
        prop_cells(&b, "ranges", 4, 0u, 0u, 0x0a000000u + 0x1000u * i, 0x1000u);
        if (i == 1)
            prop(&b, "dma-ranges", "", 0);
        else if (i == 2) /* child 1 cell, parent (the root) 2, size 1 */
            prop_cells(&b, "dma-ranges", 4, 0x40000000u, 0u, 0x40000000u, 0x8000000u);
        else if (i == 3)
            prop_cells(&b, "dma-ranges", 4, 0u, 0u, 0x40000000u, 0x8000000u);
        else if (i == 4)
            prop_cells(&b, "dma-ranges", 3, 0u, 0u, 0x40000000u);
        begin(&b, "virtio_mmio@0");
        prop_str(&b, "compatible", "virtio,mmio");
        prop_cells(&b, "reg", 2, 0u, 0x200u);
        end(&b);
        end(&b);
    }
    end(&b);
    run_board(finish(&b));
    const char *log = console_log();
    if (info.nvirtio != 3)
        fail_msg("%d slots, not 3; the console said:\n%s", info.nvirtio, log);
    assert_int_equal(info.virtio[0].base, 0x0a000000u);
    assert_int_equal(info.virtio[1].base, 0x0a001000u);
    assert_int_equal(info.virtio[2].base, 0x0a002000u);
    assert_int_equal(info.virtio_skipped, 2);
    if (!strstr(log, "virtio: WARNING: virtio_mmio@0 (registers at 0xa003000): the device's DMA addresses are "
                     "translated by dma-ranges (of soc@a003000), which this firmware does not support; skipped") ||
        !strstr(log, "virtio: WARNING: virtio_mmio@0 (registers at 0xa004000): the dma-ranges of soc@a004000 cannot "
                     "be read (bad property value), so the device's DMA addresses may be translated, which this firmware does "
                     "not support; skipped") ||
        count_of(log, "dma-ranges") != 2)
        fail_msg("the console said:\n%s", log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_model_nop_before_root),
        cmocka_unit_test(test_uart_16550),
        cmocka_unit_test(test_uart_16550_misaligned),
        cmocka_unit_test(test_uart_sbsa),
        cmocka_unit_test(test_virtio_many_nodes),
        cmocka_unit_test(test_memory_unreadable),
        cmocka_unit_test(test_memory_too_many_ranges),
        cmocka_unit_test(test_timer_interrupt_names),
        cmocka_unit_test(test_virtio_behind_interrupt_map),
        cmocka_unit_test(test_virtio_on_disabled_bus),
        cmocka_unit_test(test_virtio_behind_iommu),
        cmocka_unit_test(test_virtio_dma_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
