/*
 * test_plic.c - host tests for drivers/irqchip/plic.c (the RISC-V PLIC).
 *
 * The driver reaches the PLIC only through plat_mmio_read32/write32, which
 * this file defines over a model of the PLIC's register window at QEMU
 * virt's address (0x0c000000, the address in the device trees): per the
 * PLIC specification, priorities, pending bits, per-context enables,
 * thresholds and claim/complete, with level-triggered gateways that hold a
 * source from its claim to its completion, and a completion that is
 * ignored when the source is not enabled for the context.  Every access
 * must be an aligned 32-bit access to a register the specification
 * defines; anything else is counted and fails the test.
 *
 * Evidence:
 *  - the context of the boot hart's S-mode, from QEMU's own riscv virt
 *    trees (tools/dump-dtbs.sh: one hart, two harts) and from hand-made
 *    trees that put harts out of order, leave a hart M-mode only, mark
 *    unused contexts with cause 0xffffffff, split harts over two PLICs, or
 *    break the node (no riscv,ndev, reg too small, disabled); and what
 *    plic_from_dt then programs: our context's enables and threshold, no
 *    other context's, a priority for every source;
 *  - claim/complete: round trip, a claim of 0 (nothing pending, or the
 *    source still held by its gateway) is spurious, a level source that
 *    stays high comes back after completion, ties go to the lower number,
 *    completion of a source disabled while claimed still reaches the
 *    gateway;
 *  - ranges: nirqs = ndev + 1, first_device 1, numbers outside refused by
 *    the driver (no register touched) and by the board-side check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <libfdt.h>

#include "irqchip/plic.h"
#include "plat.h"

/* ---- The PLIC model -------------------------------------------------------- */

#define BASE 0x0c000000u
#define WINDOW 0x4000000u /* the spec's whole map */
#define NSRC 1024u
#define NWORD (NSRC / 32)
#define NCTX 8u

static struct {
    unsigned ndev; /* sources 1..ndev exist */
    uint32_t prio[NSRC];
    uint32_t pending[NWORD];
    uint32_t enable[NCTX][NWORD];
    uint32_t threshold[NCTX];
    bool line[NSRC];    /* the device's level */
    bool claimed[NSRC]; /* the gateway waits for a completion */
    unsigned bad;       /* accesses the spec does not define */
    unsigned accesses;
    unsigned ctx_writes[NCTX]; /* enable, threshold, complete writes */
    unsigned prio_writes;
    unsigned ignored_completes;
} m;

static bool get(const uint32_t *bits, unsigned i) { return (bits[i / 32] >> (i % 32)) & 1u; }
static void set(uint32_t *bits, unsigned i, bool v)
{
    if (v)
        bits[i / 32] |= 1u << (i % 32);
    else
        bits[i / 32] &= ~(1u << (i % 32));
}

/* Level gateways: a high line not held by a claim becomes pending. */
static void gateways(void)
{
    for (unsigned s = 1; s <= m.ndev; s++)
        if (m.line[s] && !m.claimed[s])
            set(m.pending, s, true);
}

static void model_reset(unsigned ndev)
{
    memset(&m, 0, sizeof(m));
    m.ndev = ndev;
    /* what a loader may leave: everything enabled, thresholds up */
    memset(m.enable, 0xff, sizeof(m.enable));
    for (unsigned c = 0; c < NCTX; c++)
        m.threshold[c] = 7;
}

static void line(unsigned src, bool level)
{
    m.line[src] = level;
    gateways();
}

static uint32_t claim(unsigned ctx)
{
    unsigned best = 0;
    uint32_t bp = 0;
    for (unsigned s = 1; s <= m.ndev; s++)
        if (get(m.pending, s) && get(m.enable[ctx], s) && m.prio[s] > m.threshold[ctx] && m.prio[s] > bp) {
            best = s; /* ties: the lowest number, found first */
            bp = m.prio[s];
        }
    if (best) {
        set(m.pending, best, false);
        m.claimed[best] = true;
    }
    return best;
}

static void complete(unsigned ctx, uint32_t v)
{
    if (v == 0 || v > m.ndev || !get(m.enable[ctx], v)) {
        m.ignored_completes++; /* spec: "silently ignored" */
        return;
    }
    m.claimed[v] = false;
    gateways();
}

/* The register at off: a pointer to it (r/w), or a special, or bad. */
enum kind { K_BAD, K_PRIO, K_PENDING, K_ENABLE, K_THRESHOLD, K_CLAIM };

static enum kind decode(uintptr_t addr, unsigned *idx, unsigned *ctx)
{
    if (addr < BASE || addr - BASE >= WINDOW || (addr & 3))
        return K_BAD;
    uint32_t off = (uint32_t)(addr - BASE);
    if (off < 0x1000) {
        *idx = off / 4;
        return *idx >= 1 && *idx <= m.ndev ? K_PRIO : K_BAD;
    }
    if (off < 0x1080) {
        *idx = (off - 0x1000) / 4;
        return K_PENDING;
    }
    if (off >= 0x2000 && off < 0x2000 + NCTX * 0x80) {
        *ctx = (off - 0x2000) / 0x80;
        *idx = (off % 0x80) / 4;
        return K_ENABLE;
    }
    if (off >= 0x200000 && off < 0x200000 + NCTX * 0x1000) {
        *ctx = (off - 0x200000) / 0x1000;
        switch (off % 0x1000) {
        case 0: return K_THRESHOLD;
        case 4: return K_CLAIM;
        default: return K_BAD;
        }
    }
    return K_BAD;
}

uint32_t plat_mmio_read32(uintptr_t addr)
{
    unsigned idx = 0, ctx = 0;
    m.accesses++;
    switch (decode(addr, &idx, &ctx)) {
    case K_PRIO: return m.prio[idx];
    case K_PENDING: return m.pending[idx];
    case K_ENABLE: return m.enable[ctx][idx];
    case K_THRESHOLD: return m.threshold[ctx];
    case K_CLAIM: return claim(ctx);
    default: m.bad++; return 0xdeadbeef;
    }
}

void plat_mmio_write32(uintptr_t addr, uint32_t v)
{
    unsigned idx = 0, ctx = 0;
    m.accesses++;
    switch (decode(addr, &idx, &ctx)) {
    case K_PRIO:
        m.prio[idx] = v & 7; /* QEMU: 7 levels */
        m.prio_writes++;
        return;
    case K_ENABLE:
        m.enable[ctx][idx] = v;
        if (idx == 0)
            m.enable[ctx][0] &= ~1u; /* source 0 does not exist */
        m.ctx_writes[ctx]++;
        return;
    case K_THRESHOLD:
        m.threshold[ctx] = v & 7;
        m.ctx_writes[ctx]++;
        return;
    case K_CLAIM:
        m.ctx_writes[ctx]++;
        complete(ctx, v);
        return;
    default: /* pending is read-only */
        m.bad++;
    }
}

/* ---- Trees ------------------------------------------------------------------ */

static const char *dtb_dir(void)
{
    const char *d = getenv("DT_DTB_DIR");
    return d != NULL && *d != '\0' ? d : "build/dtb";
}

/* One of tools/dump-dtbs.sh's riscv trees, opened (the blob is *blob). */
static void load_tree(const char *name, struct dt *dt, uint8_t **blob)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dtb_dir(), name);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s missing: run tools/dump-dtbs.sh %s", path, dtb_dir());
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 40);
    rewind(f);
    *blob = malloc((size_t)n);
    assert_non_null(*blob);
    assert_int_equal(fread(*blob, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    assert_int_equal(dt_open(dt, *blob, (size_t)n), 0);
}

#define SMP1 "qemu-virt-riscv64-smp1-nbr.dtb"
#define SMP2 "qemu-virt-riscv64-smp2-none.dtb"

/* A hand-made tree: nharts CPUs (intc phandle 10 + hart, in /cpus order
 * given by order[], NULL: 0, 1, ...), and PLIC nodes described by plic[]. */
struct plic_node {
    const char *name;
    const char *compat; /* NUL-separated list, ending in "\0" */
    size_t compat_len;
    const uint32_t *ext; /* interrupts-extended cells */
    int next;
    uint32_t ndev; /* 0: absent */
    uint32_t size; /* reg size */
    const char *status; /* NULL: none */
    uint32_t phandle;
};

#define SIFIVE "sifive,plic-1.0.0\0riscv,plic0", sizeof("sifive,plic-1.0.0\0riscv,plic0")

static void *build(unsigned nharts, const unsigned *order, const struct plic_node *p, int np)
{
    size_t size = 16384;
    void *fdt = malloc(size);
    char name[32];

    assert_non_null(fdt);
    assert_int_equal(fdt_create(fdt, (int)size), 0);
    assert_int_equal(fdt_finish_reservemap(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, ""), 0);
    assert_int_equal(fdt_property_u32(fdt, "#address-cells", 2), 0);
    assert_int_equal(fdt_property_u32(fdt, "#size-cells", 2), 0);
    assert_int_equal(fdt_begin_node(fdt, "cpus"), 0);
    assert_int_equal(fdt_property_u32(fdt, "#address-cells", 1), 0);
    assert_int_equal(fdt_property_u32(fdt, "#size-cells", 0), 0);
    for (unsigned i = 0; i < nharts; i++) {
        unsigned h = order ? order[i] : i;
        snprintf(name, sizeof(name), "cpu@%u", h);
        assert_int_equal(fdt_begin_node(fdt, name), 0);
        assert_int_equal(fdt_property_string(fdt, "device_type", "cpu"), 0);
        assert_int_equal(fdt_property_u32(fdt, "reg", h), 0);
        assert_int_equal(fdt_begin_node(fdt, "interrupt-controller"), 0);
        assert_int_equal(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"), 0);
        assert_int_equal(fdt_property_u32(fdt, "#interrupt-cells", 1), 0);
        assert_int_equal(fdt_property(fdt, "interrupt-controller", NULL, 0), 0);
        assert_int_equal(fdt_property_u32(fdt, "phandle", 10 + h), 0);
        assert_int_equal(fdt_end_node(fdt), 0);
        assert_int_equal(fdt_end_node(fdt), 0);
    }
    assert_int_equal(fdt_begin_node(fdt, "cpu-map"), 0); /* no reg */
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0); /* cpus */
    assert_int_equal(fdt_begin_node(fdt, "soc"), 0);
    assert_int_equal(fdt_property_u32(fdt, "#address-cells", 2), 0);
    assert_int_equal(fdt_property_u32(fdt, "#size-cells", 2), 0);
    assert_int_equal(fdt_property(fdt, "ranges", NULL, 0), 0);
    for (int k = 0; k < np; k++) {
        fdt32_t ext[64], reg[4] = {0, cpu_to_fdt32(BASE), 0, cpu_to_fdt32(p[k].size)};
        assert_true(p[k].next <= 64);
        for (int i = 0; i < p[k].next; i++)
            ext[i] = cpu_to_fdt32(p[k].ext[i]);
        assert_int_equal(fdt_begin_node(fdt, p[k].name), 0);
        assert_int_equal(fdt_property(fdt, "compatible", p[k].compat, (int)p[k].compat_len), 0);
        assert_int_equal(fdt_property(fdt, "reg", reg, sizeof(reg)), 0);
        assert_int_equal(fdt_property_u32(fdt, "#interrupt-cells", 1), 0);
        assert_int_equal(fdt_property(fdt, "interrupt-controller", NULL, 0), 0);
        assert_int_equal(fdt_property(fdt, "interrupts-extended", ext, 4 * p[k].next), 0);
        if (p[k].ndev)
            assert_int_equal(fdt_property_u32(fdt, "riscv,ndev", p[k].ndev), 0);
        if (p[k].status)
            assert_int_equal(fdt_property_string(fdt, "status", p[k].status), 0);
        assert_int_equal(fdt_property_u32(fdt, "phandle", p[k].phandle), 0);
        assert_int_equal(fdt_end_node(fdt), 0);
    }
    /* a device of the first PLIC */
    assert_int_equal(fdt_begin_node(fdt, "virtio_mmio@10001000"), 0);
    assert_int_equal(fdt_property_string(fdt, "compatible", "virtio,mmio"), 0);
    assert_int_equal(fdt_property_u32(fdt, "interrupt-parent", np ? p[0].phandle : 1), 0);
    assert_int_equal(fdt_property_u32(fdt, "interrupts", 3), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0); /* soc */
    assert_int_equal(fdt_end_node(fdt), 0); /* root */
    assert_int_equal(fdt_finish(fdt), 0);
    return fdt;
}

/* plic_dt_find on a hand-made tree: the error, or the context. */
static int find(const void *fdt, unsigned long hart, struct plic_dt *out)
{
    struct dt dt;
    assert_int_equal(dt_open(&dt, fdt, fdt_totalsize(fdt)), 0);
    int r = plic_dt_find(&dt, hart, out);
    return r < 0 ? r : (int)out->context;
}

/* ---- The board's reach (irqchip.h) ---------------------------------------- */

/* What board_mmio_reachable allows: [reach_lo, reach_hi), everything by
 * default; the driver asks before it touches a register. */
static uint64_t reach_lo, reach_hi = UINT64_MAX;
static unsigned reach_asked;

bool board_mmio_reachable(uint64_t a, uint64_t size)
{
    reach_asked++;
    return a >= reach_lo && a < reach_hi && size <= reach_hi - a;
}

/* ---- Context lookup ----------------------------------------------------------- */

static void check_qemu_tree(const char *name, unsigned harts)
{
    struct dt dt;
    uint8_t *blob;
    struct plic_dt d;
    uint32_t ndev;

    load_tree(name, &dt, &blob);
    int plic = dt_find_compatible(&dt, -1, "sifive,plic-1.0.0");
    assert_true(plic > 0);
    assert_int_equal(dt_prop_u32(&dt, plic, "riscv,ndev", &ndev), 0);
    for (unsigned h = 0; h < harts; h++) {
        memset(&d, 0xa5, sizeof(d));
        assert_int_equal(plic_dt_find(&dt, h, &d), 0);
        /* M-mode context 2h, S-mode 2h + 1 */
        assert_int_equal(d.context, 2 * h + 1);
        assert_int_equal(d.node, plic);
        assert_int_equal(d.base, 0x0c000000);
        assert_true(d.size >= 0x200000 + (2 * h + 2) * 0x1000);
        assert_int_equal(d.ndev, ndev);
    }
    assert_int_equal(plic_dt_find(&dt, harts, &d), -DT_ERR_NOTFOUND);
    assert_int_equal(plic_dt_find(&dt, 0x100000000ul, &d), -DT_ERR_NOTFOUND);
    assert_int_equal(plic_dt_find(NULL, 0, &d), -DT_ERR_BADARG);
    assert_int_equal(plic_dt_find(&dt, 0, NULL), -DT_ERR_BADARG);
    assert_null(plic_from_dt(&dt, harts));
    free(blob);
}

static void test_qemu_contexts(void **state)
{
    (void)state;
    check_qemu_tree(SMP1, 1);
    check_qemu_tree(SMP2, 2);
}

/* plic_from_dt for hart `hart` of a QEMU tree: only its S context is
 * programmed, every source gets a priority, and the virtio devices'
 * interrupts decode to sources the chip takes. */
static void check_qemu_init(const char *name, unsigned long hart, unsigned want_ctx)
{
    struct dt dt;
    uint8_t *blob;
    uint32_t ndev;

    load_tree(name, &dt, &blob);
    int plic = dt_find_compatible(&dt, -1, "sifive,plic-1.0.0");
    assert_int_equal(dt_prop_u32(&dt, plic, "riscv,ndev", &ndev), 0);
    model_reset(ndev);
    const struct irqchip *ic = plic_from_dt(&dt, hart);
    assert_non_null(ic);
    assert_string_equal(ic->name, "PLIC");
    assert_int_equal(ic->dt_node, plic);
    assert_int_equal(ic->first_device, 1);
    assert_int_equal(ic->nirqs, ndev + 1);
    assert_int_equal(m.bad, 0);
    for (unsigned c = 0; c < NCTX; c++) {
        if (c == want_ctx) {
            for (unsigned w = 0; w < (ndev + 32) / 32; w++)
                assert_int_equal(m.enable[c][w], 0);
            assert_int_equal(m.threshold[c], 0);
            assert_true(m.ctx_writes[c] > 0);
        } else {
            /* another context (another hart's, or M-mode): untouched */
            assert_int_equal(m.ctx_writes[c], 0);
            assert_int_equal(m.enable[c][0], 0xffffffffu);
            assert_int_equal(m.threshold[c], 7);
        }
    }
    assert_int_equal(m.prio[0], 0);
    for (unsigned s = 1; s <= ndev; s++)
        assert_int_equal(m.prio[s], 1);
    assert_int_equal(m.prio_writes, ndev);

    /* what the board does with each virtio node: the spec, then the
     * chip's decode, then its range check */
    unsigned seen = 0;
    for (int n = dt_find_compatible(&dt, -1, "virtio,mmio"); n >= 0; n = dt_find_compatible(&dt, n, "virtio,mmio")) {
        uint32_t cells[IRQCHIP_MAX_CELLS];
        int ctrl, nc;
        unsigned irq, flags = 77;
        assert_int_equal(dt_irq_spec(&dt, n, 0, &ctrl, cells, IRQCHIP_MAX_CELLS, &nc), 0);
        assert_int_equal(ctrl, ic->dt_node);
        assert_int_equal(ic->dt_decode(cells, nc, &irq, &flags), 0);
        assert_int_equal(flags, PLAT_IRQ_LEVEL);
        assert_true(irq >= ic->first_device && irq < ic->nirqs && irq <= 8);
        seen |= 1u << irq;
    }
    assert_int_equal(seen, 0x1feu);

    /* and an interrupt through our context only */
    ic->config(8, true); /* nothing to program */
    assert_int_equal(m.ctx_writes[want_ctx], (ndev + 32) / 32 + 1);
    ic->enable(8);
    assert_int_equal(m.enable[want_ctx][0], 1u << 8);
    line(8, true);
    uint32_t t = ic->claim();
    assert_int_equal(t, 8);
    assert_int_equal(ic->irq_of(t), 8);
    assert_true(m.claimed[8]);
    line(8, false);
    ic->complete(t);
    assert_false(m.claimed[8]);
    assert_int_equal(ic->irq_of(ic->claim()), ic->nirqs);
    assert_int_equal(m.bad, 0);
    free(blob);
}

static void test_qemu_init(void **state)
{
    (void)state;
    check_qemu_init(SMP1, 0, 1);
    check_qemu_init(SMP2, 0, 1);
    check_qemu_init(SMP2, 1, 3);
}

/* A PLIC the board cannot map (above the identity map, or in the NULL
 * guard) is refused before any register access, and says so: the board
 * then polls every device instead of faulting. */
static void test_unreachable(void **state)
{
    struct dt dt;
    uint8_t *blob;
    uint32_t ndev;
    (void)state;

    load_tree(SMP1, &dt, &blob);
    int plic = dt_find_compatible(&dt, -1, "sifive,plic-1.0.0");
    assert_int_equal(dt_prop_u32(&dt, plic, "riscv,ndev", &ndev), 0);
    const uint64_t windows[][2] = {
        {0, BASE},                 /* the map ends below it */
        {0, BASE + 0x200000u},     /* ... inside it: part of the registers beyond */
        {BASE + 0x1000u, UINT64_MAX}, /* the guard covers its base */
    };
    for (unsigned i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
        model_reset(ndev);
        reach_lo = windows[i][0];
        reach_hi = windows[i][1];
        reach_asked = 0;
        assert_null(plic_from_dt(&dt, 0));
        assert_true(reach_asked > 0);
        assert_int_equal(m.accesses, 0);
    }
    reach_lo = 0;
    reach_hi = UINT64_MAX;
    model_reset(ndev);
    assert_non_null(plic_from_dt(&dt, 0));
    free(blob);
}

static void test_handmade_contexts(void **state)
{
    struct plic_dt d;
    void *t;
    (void)state;

    /* harts listed 1 then 0 in /cpus, and hart 1's contexts first in the
     * PLIC: the phandle decides, not the position */
    static const unsigned rev[] = {1, 0};
    static const uint32_t ext_rev[] = {11, 11, 11, 9, 10, 11, 10, 9};
    struct plic_node p = {"plic@c000000", SIFIVE, ext_rev, 8, 95, 0x600000, NULL, 5};
    t = build(2, rev, &p, 1);
    assert_int_equal(find(t, 0, &d), 3);
    assert_int_equal(find(t, 1, &d), 1);
    assert_int_equal(d.ndev, 95);
    free(t);

    /* hart 0 has only an M-mode context (SiFive FU540's monitor core);
     * unused contexts marked 0xffffffff */
    static const uint32_t ext_monitor[] = {10, 11, 11, 11, 11, 9, 12, 0xffffffffu, 12, 9};
    p.ext = ext_monitor;
    p.next = 10;
    t = build(3, NULL, &p, 1);
    assert_int_equal(find(t, 0, &d), -DT_ERR_NOTFOUND);
    assert_int_equal(find(t, 1, &d), 2);
    assert_int_equal(find(t, 2, &d), 4);
    assert_int_equal(find(t, 3, &d), -DT_ERR_NOTFOUND);
    free(t);

    /* two PLICs: the first serves hart 0, the second hart 1 */
    static const uint32_t ext_h0[] = {10, 11, 10, 9}, ext_h1[] = {11, 11, 11, 9};
    struct plic_node two[2] = {
        {"plic@c000000", SIFIVE, ext_h0, 4, 31, 0x600000, NULL, 5},
        {"plic@d000000", SIFIVE, ext_h1, 4, 63, 0x600000, NULL, 6},
    };
    t = build(2, NULL, two, 2);
    assert_int_equal(find(t, 0, &d), 1);
    assert_int_equal(d.ndev, 31);
    assert_int_equal(find(t, 1, &d), 1);
    assert_int_equal(d.ndev, 63);
    free(t);

    /* broken or absent: no riscv,ndev; reg short of our context's
     * registers; disabled; only "riscv,plic0" is enough; ndev capped */
    static const uint32_t ext_q[] = {10, 11, 10, 9};
    struct plic_node q = {"plic@c000000", SIFIVE, ext_q, 4, 0, 0x600000, NULL, 5};
    t = build(1, NULL, &q, 1);
    assert_int_equal(find(t, 0, &d), -DT_ERR_BADVALUE);
    free(t);
    q.ndev = 95;
    q.size = 0x201004; /* claim at 0x201004 needs 0x201008 */
    t = build(1, NULL, &q, 1);
    assert_int_equal(find(t, 0, &d), -DT_ERR_BADVALUE);
    free(t);
    q.size = 0x201008;
    t = build(1, NULL, &q, 1);
    assert_int_equal(find(t, 0, &d), 1);
    free(t);
    q.status = "disabled";
    t = build(1, NULL, &q, 1);
    assert_int_equal(find(t, 0, &d), -DT_ERR_NOTFOUND);
    free(t);
    q.status = "okay";
    q.compat = "riscv,plic0";
    q.compat_len = sizeof("riscv,plic0");
    q.ndev = 5000;
    t = build(1, NULL, &q, 1);
    assert_int_equal(find(t, 0, &d), 1);
    assert_int_equal(d.ndev, PLIC_MAX_NDEV);
    free(t);
    /* no PLIC at all, or no /cpus entry for the hart */
    t = build(1, NULL, NULL, 0);
    assert_int_equal(find(t, 0, &d), -DT_ERR_NOTFOUND);
    free(t);
}

/* A hostile PLIC: as many contexts as the PLIC can have (15,872), every one
 * another hart's but the last, which is hart 1's S-mode.  Finding it must
 * cost about one pass over interrupts-extended, not one pass per context
 * (entry k read by stepping over the k before it: 126 M entry steps, each
 * with its controller's phandle search, a minute natively and far longer
 * on an emulated CPU at boot).  The bound is generous (a sanitized build
 * on a busy machine): the linear walk takes milliseconds. */
static void test_hostile_context_count(void **state)
{
    enum { N = 15872 };
    size_t size = 8u * N + 16384;
    void *fdt = malloc(size);
    fdt32_t *ext = malloc(8u * N);
    struct plic_dt d;
    struct dt dt;
    (void)state;

    assert_non_null(fdt);
    assert_non_null(ext);
    for (unsigned i = 0; i < N; i++) {
        ext[2 * i] = cpu_to_fdt32(i + 1 == N ? 11 : 10); /* hart 1's intc is phandle 11 */
        ext[2 * i + 1] = cpu_to_fdt32(i + 1 == N ? 9 : 11);
    }
    assert_int_equal(fdt_create(fdt, (int)size), 0);
    assert_int_equal(fdt_finish_reservemap(fdt), 0);
    assert_int_equal(fdt_begin_node(fdt, ""), 0);
    assert_int_equal(fdt_property_u32(fdt, "#address-cells", 2), 0);
    assert_int_equal(fdt_property_u32(fdt, "#size-cells", 2), 0);
    assert_int_equal(fdt_begin_node(fdt, "cpus"), 0);
    assert_int_equal(fdt_property_u32(fdt, "#address-cells", 1), 0);
    assert_int_equal(fdt_property_u32(fdt, "#size-cells", 0), 0);
    for (unsigned h = 0; h < 2; h++) {
        char name[16];
        snprintf(name, sizeof(name), "cpu@%u", h);
        assert_int_equal(fdt_begin_node(fdt, name), 0);
        assert_int_equal(fdt_property_string(fdt, "device_type", "cpu"), 0);
        assert_int_equal(fdt_property_u32(fdt, "reg", h), 0);
        assert_int_equal(fdt_begin_node(fdt, "interrupt-controller"), 0);
        assert_int_equal(fdt_property_string(fdt, "compatible", "riscv,cpu-intc"), 0);
        assert_int_equal(fdt_property_u32(fdt, "#interrupt-cells", 1), 0);
        assert_int_equal(fdt_property(fdt, "interrupt-controller", NULL, 0), 0);
        assert_int_equal(fdt_property_u32(fdt, "phandle", 10 + h), 0);
        assert_int_equal(fdt_end_node(fdt), 0);
        assert_int_equal(fdt_end_node(fdt), 0);
    }
    assert_int_equal(fdt_end_node(fdt), 0); /* cpus */
    assert_int_equal(fdt_begin_node(fdt, "plic@c000000"), 0);
    assert_int_equal(fdt_property_string(fdt, "compatible", "sifive,plic-1.0.0"), 0);
    fdt32_t reg[4] = {0, cpu_to_fdt32(BASE), 0, cpu_to_fdt32(0x4000000)};
    assert_int_equal(fdt_property(fdt, "reg", reg, sizeof(reg)), 0);
    assert_int_equal(fdt_property_u32(fdt, "#interrupt-cells", 1), 0);
    assert_int_equal(fdt_property(fdt, "interrupt-controller", NULL, 0), 0);
    assert_int_equal(fdt_property(fdt, "interrupts-extended", ext, 8 * N), 0);
    assert_int_equal(fdt_property_u32(fdt, "riscv,ndev", 95), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_end_node(fdt), 0);
    assert_int_equal(fdt_finish(fdt), 0);

    assert_int_equal(dt_open(&dt, fdt, fdt_totalsize(fdt)), 0);
    clock_t t0 = clock();
    int r = plic_dt_find(&dt, 1, &d);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("  %d contexts: %.3f s\n", N, secs);
    assert_int_equal(r, 0);
    assert_int_equal(d.context, N - 1);
    assert_true(secs < 5.0);
    /* hart 0 has no S-mode context at all: the whole list, once */
    t0 = clock();
    assert_int_equal(plic_dt_find(&dt, 0, &d), -DT_ERR_NOTFOUND);
    secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 5.0);
    free(ext);
    free(fdt);
}

/* ---- Claim and complete --------------------------------------------------------- */

/* QEMU virt's PLIC from the board table: 95 sources, hart 0's S-mode. */
static const struct irqchip *table_chip(void)
{
    model_reset(95);
    const struct irqchip *ic = plic_from_table(BASE, 95, 1);
    assert_non_null(ic);
    assert_int_equal(ic->dt_node, -1);
    assert_int_equal(ic->nirqs, 96);
    assert_int_equal(ic->first_device, 1);
    assert_int_equal(m.threshold[1], 0);
    assert_int_equal(m.enable[1][0], 0);
    assert_int_equal(m.ctx_writes[0], 0);
    assert_int_equal(m.prio_writes, 95);
    return ic;
}

static void test_claim_complete(void **state)
{
    (void)state;
    const struct irqchip *ic = table_chip();

    ic->enable(10);
    ic->enable(1);
    assert_int_equal(m.enable[1][0], (1u << 10) | (1u << 1));
    line(10, true);
    uint32_t t = ic->claim();
    assert_int_equal(t, 10);
    assert_int_equal(ic->irq_of(t), 10);
    /* held by the gateway until completed: nothing more to claim */
    uint32_t t2 = ic->claim();
    assert_int_equal(t2, 0);
    assert_true(ic->irq_of(t2) >= ic->nirqs); /* spurious */
    /* still high at completion: level, so it comes back */
    ic->complete(t);
    assert_int_equal(ic->claim(), 10);
    line(10, false);
    ic->complete(10);
    assert_false(m.claimed[10]);
    assert_int_equal(ic->claim(), 0);
    assert_int_equal(m.ignored_completes, 0);

    /* same priority: the lower source first */
    line(1, true);
    line(10, true);
    assert_int_equal(ic->claim(), 1);
    assert_int_equal(ic->claim(), 10);
    line(1, false);
    line(10, false);
    ic->complete(10);
    ic->complete(1);
    assert_int_equal(ic->claim(), 0);

    /* a source not enabled is not claimed */
    line(20, true);
    assert_int_equal(ic->claim(), 0);
    ic->enable(20);
    assert_int_equal(ic->claim(), 20);
    line(20, false);
    ic->complete(20);
    assert_int_equal(m.ignored_completes, 0);
    assert_int_equal(m.bad, 0);
}

/* The board disables a source nobody handles, then completes it (and a
 * handler may mask its own line): the PLIC ignores a completion for a
 * disabled source, so the driver must enable it for the write, and leave
 * it disabled after. */
static void test_complete_disabled(void **state)
{
    (void)state;
    const struct irqchip *ic = table_chip();

    ic->enable(33);
    ic->enable(40);
    line(33, true);
    uint32_t t = ic->claim();
    assert_int_equal(t, 33);
    ic->disable(33);
    assert_int_equal(m.enable[1][1], 1u << 8); /* 40 still on, 33 off */
    ic->complete(t);
    assert_false(m.claimed[33]); /* the gateway got it */
    assert_int_equal(m.ignored_completes, 0);
    assert_int_equal(m.enable[1][1], 1u << 8);
    /* line still high, but disabled: not delivered; enabled again: it is */
    assert_int_equal(ic->claim(), 0);
    ic->enable(33);
    assert_int_equal(ic->claim(), 33);
    line(33, false);
    ic->complete(33);
    assert_int_equal(m.bad, 0);
}

static void test_spurious_and_ranges(void **state)
{
    (void)state;
    const struct irqchip *ic = table_chip();
    unsigned irq, flags;

    /* nothing pending: 0, spurious, and completing it writes nothing */
    uint32_t t = ic->claim();
    assert_int_equal(t, 0);
    assert_int_equal(ic->irq_of(t), ic->nirqs);
    unsigned before = m.accesses;
    ic->complete(t);
    ic->complete(ic->nirqs); /* not a source: ignored by the driver */
    ic->enable(0);
    ic->enable(ic->nirqs);
    ic->enable(1023);
    ic->disable(0);
    ic->disable(ic->nirqs);
    ic->config(5, false);
    assert_int_equal(m.accesses, before);

    /* dt_decode: one cell, the form only; the range is the board's */
    uint32_t cells[3] = {200, 0, 0};
    assert_int_equal(ic->dt_decode(cells, 1, &irq, &flags), 0);
    assert_int_equal(irq, 200);
    assert_int_equal(flags, PLAT_IRQ_LEVEL);
    assert_true(irq >= ic->nirqs); /* the board's check refuses it */
    cells[0] = 95;
    assert_int_equal(ic->dt_decode(cells, 1, &irq, &flags), 0);
    assert_true(irq >= ic->first_device && irq < ic->nirqs); /* the last source */
    cells[0] = 0;
    assert_int_equal(ic->dt_decode(cells, 1, &irq, &flags), 0);
    assert_true(irq < ic->first_device); /* source 0: no interrupt */
    assert_int_equal(ic->dt_decode(cells, 3, &irq, &flags), -DT_ERR_BADVALUE);
    assert_int_equal(ic->dt_decode(cells, 0, &irq, &flags), -DT_ERR_BADVALUE);
    assert_int_equal(ic->dt_decode(NULL, 1, &irq, &flags), -DT_ERR_BADARG);

    /* the last source works; the enable word of 95 is word 2 */
    ic->enable(95);
    assert_int_equal(m.enable[1][2], 1u << 31);
    line(95, true);
    assert_int_equal(ic->claim(), 95);
    line(95, false);
    ic->complete(95);
    assert_int_equal(m.bad, 0);
}

static void test_table_args(void **state)
{
    (void)state;
    model_reset(1023);
    assert_null(plic_from_table(0, 95, 1));
    assert_null(plic_from_table(BASE, 0, 1));
    assert_null(plic_from_table(BASE, 95, 15872));
    assert_int_equal(m.accesses, 0);
    /* capped at 1023 sources */
    const struct irqchip *ic = plic_from_table(BASE, 5000, 2);
    assert_non_null(ic);
    assert_int_equal(ic->nirqs, 1024);
    assert_int_equal(m.prio_writes, 1023);
    for (unsigned w = 0; w < NWORD; w++)
        assert_int_equal(m.enable[2][w], 0);
    assert_int_equal(m.enable[1][31], 0xffffffffu);
    ic->enable(1023);
    assert_int_equal(m.enable[2][31], 1u << 31);
    assert_int_equal(m.threshold[2], 0);
    assert_int_equal(m.threshold[1], 7);
    line(1023, true);
    assert_int_equal(ic->claim(), 1023); /* through context 2's register */
    line(1023, false);
    ic->complete(1023);
    assert_false(m.claimed[1023]);
    assert_int_equal(m.ctx_writes[1], 0);
    assert_int_equal(m.bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qemu_contexts),
        cmocka_unit_test(test_qemu_init),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_handmade_contexts),
        cmocka_unit_test(test_hostile_context_count),
        cmocka_unit_test(test_claim_complete),
        cmocka_unit_test(test_complete_disabled),
        cmocka_unit_test(test_spurious_and_ranges),
        cmocka_unit_test(test_table_args),
    };
    return cmocka_run_group_tests_name("plic", tests, NULL, NULL);
}
