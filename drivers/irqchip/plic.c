/*
 * plic.c - see plic.h.  Register map from the RISC-V PLIC specification
 * 1.0.0 ("Memory Map"); the device-tree binding is Linux's
 * Documentation/devicetree/bindings/interrupt-controller/
 * sifive,plic-1.0.0.yaml.
 */
#include "plic.h"

#include <stdbool.h>

#include "kprintf.h"
#include "plat.h"

#define PRIORITY(src) (4u * (src))
#define ENABLE_BASE 0x2000u
#define ENABLE_STRIDE 0x80u
#define CONTEXT_BASE 0x200000u
#define CONTEXT_STRIDE 0x1000u
#define CTX_THRESHOLD 0x0u
#define CTX_CLAIM 0x4u /* read: claim; write: complete */

#define MAX_CONTEXTS 15872u
#define CAUSE_S_EXTERNAL 9u /* an interrupts-extended cause: supervisor external */
#define NWORDS ((PLIC_MAX_NDEV + 1 + 31) / 32)

static struct {
    uintptr_t base;
    uintptr_t enable; /* our context's enable words */
    uintptr_t ctx;    /* our context's threshold and claim/complete */
    unsigned nirqs;
    uint32_t en[NWORDS]; /* what our enable words hold: only we write them */
} p;

/* ---------------------------------------------------------------- device tree */

int plic_dt_decode(const uint32_t *cells, int ncells, unsigned *irq, unsigned *flags)
{
    if (!cells || !irq || !flags)
        return -DT_ERR_BADARG;
    if (ncells != 1)
        return -DT_ERR_BADVALUE;
    *irq = cells[0];
    *flags = PLAT_IRQ_LEVEL;
    return 0;
}

/* The "riscv,cpu-intc" of the /cpus/cpu node whose reg is hartid. */
static int hart_intc(const struct dt *dt, unsigned long hartid)
{
    int cpu = dt_cpu_node(dt, hartid), n;

    if (cpu < 0)
        return cpu;
    for (n = dt_first_child(dt, cpu); n >= 0; n = dt_next_sibling(dt, n))
        if (dt_node_is_compatible(dt, n, "riscv,cpu-intc") == 1)
            return n;
    return -DT_ERR_NOTFOUND;
}

/* The index of the (intc, 9) entry of the PLIC's interrupts-extended: one
 * entry per context, in context order. */
static int s_context(const struct dt *dt, int plic, int intc)
{
    uint32_t cells[IRQCHIP_MAX_CELLS], cursor = 0;
    int ctrl, n, err;

    /* one pass: entry idx by idx through dt_irq_spec would step over the
     * idx before it each time, quadratic in a hostile tree's thousands */
    for (unsigned idx = 0; idx < MAX_CONTEXTS; idx++) {
        err = dt_irq_spec_next(dt, plic, &cursor, &ctrl, cells, IRQCHIP_MAX_CELLS, &n);
        if (err == -DT_ERR_NOSPACE)
            continue; /* some other controller's: not our hart's */
        if (err < 0)
            return err;
        if (ctrl == intc && n == 1 && cells[0] == CAUSE_S_EXTERNAL)
            return (int)idx;
    }
    return -DT_ERR_NOTFOUND;
}

static int plic_node(const struct dt *dt, int node, int intc, struct plic_dt *out)
{
    struct plic_dt d;
    uint32_t ndev;
    int err, ctx;

    if (!dt_status_okay(dt, node))
        return -DT_ERR_NOTFOUND;
    ctx = s_context(dt, node, intc);
    if (ctx < 0)
        return ctx;
    err = dt_prop_u32(dt, node, "riscv,ndev", &ndev);
    if (err < 0)
        return err == -DT_ERR_NOTFOUND ? -DT_ERR_BADVALUE : err;
    if (ndev == 0)
        return -DT_ERR_BADVALUE;
    err = dt_reg(dt, node, 0, &d.base, &d.size);
    if (err < 0)
        return err;
    if (d.size < CONTEXT_BASE + (uint64_t)ctx * CONTEXT_STRIDE + CTX_CLAIM + 4)
        return -DT_ERR_BADVALUE;
    d.node = node;
    d.ndev = ndev > PLIC_MAX_NDEV ? PLIC_MAX_NDEV : ndev;
    d.context = (unsigned)ctx;
    *out = d;
    return 0;
}

int plic_dt_find(const struct dt *dt, unsigned long hartid, struct plic_dt *out)
{
    static const char *const compat[] = {"sifive,plic-1.0.0", "riscv,plic0", NULL};
    int intc, node, err = -DT_ERR_NOTFOUND;

    if (!dt || !out)
        return -DT_ERR_BADARG;
    intc = hart_intc(dt, hartid);
    if (intc < 0)
        return intc;
    /* A machine may have several PLICs, each serving some harts: the
     * first that serves ours.  The first error explains a miss. */
    for (int c = 0; compat[c]; c++) {
        for (node = dt_find_compatible(dt, -1, compat[c]); node >= 0;
             node = dt_find_compatible(dt, node, compat[c])) {
            /* A node with both strings was tried under the first. */
            if (c > 0 && dt_node_is_compatible(dt, node, compat[0]) == 1)
                continue;
            int r = plic_node(dt, node, intc, out);
            if (r == 0)
                return 0;
            if (err == -DT_ERR_NOTFOUND)
                err = r;
        }
    }
    return err;
}

/* ---------------------------------------------------------------- hardware */

static inline uint32_t bit(unsigned src) { return 1u << (src % 32); }
static inline uintptr_t enable_word(unsigned src) { return p.enable + 4u * (src / 32); }

static void plic_config(unsigned irq, bool edge)
{
    /* The gateways' kind is the hardware's: nothing to program. */
    (void)irq;
    (void)edge;
}

static void plic_enable(unsigned irq)
{
    if (irq == 0 || irq >= p.nirqs)
        return;
    p.en[irq / 32] |= bit(irq);
    plat_mmio_write32(enable_word(irq), p.en[irq / 32]);
}

static void plic_disable(unsigned irq)
{
    if (irq == 0 || irq >= p.nirqs)
        return;
    p.en[irq / 32] &= ~bit(irq);
    plat_mmio_write32(enable_word(irq), p.en[irq / 32]);
    /* A read from the PLIC completes after the write: the source is off
     * before the caller goes on (e.g. to reset the device behind it). */
    (void)plat_mmio_read32(enable_word(irq));
}

static uint32_t plic_claim(void) { return plat_mmio_read32(p.ctx + CTX_CLAIM); }

static unsigned plic_irq_of(uint32_t token) { return token == 0 ? p.nirqs : token; }

static void plic_complete(uint32_t token)
{
    if (token == 0 || token >= p.nirqs)
        return;
    if (p.en[token / 32] & bit(token)) {
        plat_mmio_write32(p.ctx + CTX_CLAIM, token);
        return;
    }
    /* Disabled since the claim (a handler masked it, or the board found
     * no handler): the PLIC would ignore the completion, so enable it for
     * the write. */
    plat_mmio_write32(enable_word(token), p.en[token / 32] | bit(token));
    plat_mmio_write32(p.ctx + CTX_CLAIM, token);
    plat_mmio_write32(enable_word(token), p.en[token / 32]);
}

static struct irqchip chip = {
    .name = "PLIC",
    .first_device = 1,
    .dt_decode = plic_dt_decode,
    .config = plic_config,
    .enable = plic_enable,
    .disable = plic_disable,
    .claim = plic_claim,
    .irq_of = plic_irq_of,
    .complete = plic_complete,
};

static const struct irqchip *plic_init(uintptr_t base, unsigned ndev, unsigned context, int node)
{
    if (!base || ndev == 0 || context >= MAX_CONTEXTS)
        return NULL;
    if (ndev > PLIC_MAX_NDEV)
        ndev = PLIC_MAX_NDEV;
    p.base = base;
    p.enable = base + ENABLE_BASE + (uintptr_t)context * ENABLE_STRIDE;
    p.ctx = base + CONTEXT_BASE + (uintptr_t)context * CONTEXT_STRIDE;
    p.nirqs = ndev + 1;
    /* Our context first: nothing it has enabled (a loader's leftovers)
     * fires while the rest is set up. */
    for (unsigned w = 0; w < (p.nirqs + 31) / 32; w++) {
        p.en[w] = 0;
        plat_mmio_write32(p.enable + 4u * w, 0);
    }
    for (unsigned src = 1; src <= ndev; src++)
        plat_mmio_write32(base + PRIORITY(src), 1);
    plat_mmio_write32(p.ctx + CTX_THRESHOLD, 0);
    chip.dt_node = node;
    chip.nirqs = p.nirqs;
    return &chip;
}

const struct irqchip *plic_from_table(uintptr_t base, unsigned ndev, unsigned context)
{
    return plic_init(base, ndev, context, -1);
}

const struct irqchip *plic_from_dt(const struct dt *dt, unsigned long hartid)
{
    struct plic_dt d = {0};

    if (plic_dt_find(dt, hartid, &d) != 0)
        return NULL;
    /* The registers up to our context's must be mapped: beyond the
     * identity map or in the NULL guard, the first access would fault. */
    if (!board_mmio_reachable(d.base, d.size)) {
        kprintf("irq: WARNING: PLIC registers at 0x%llx are out of this CPU's reach (beyond the identity map "
                "or in the NULL guard); not used\n", (unsigned long long)d.base);
        return NULL;
    }
    return plic_init((uintptr_t)d.base, d.ndev, d.context, d.node);
}
