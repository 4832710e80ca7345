/*
 * gic.c - see gic.h.  Register offsets from the GIC architecture
 * specifications (IHI 0048 for v2, IHI 0069 for v3).  ARM only: the GICv3
 * CPU interface is system registers (arch.h).
 */
#include "gic.h"

#include <stdbool.h>

#include "arch.h"
#include "kprintf.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00
#define GICD_IROUTER 0x6000
#define GICD_PIDR2 0xffe8    /* v3 */
#define GICD_PIDR2_V2 0xfe8
#define GICD_CTLR_RWP (1u << 31)

#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define GICR_TYPER 0x08
#define GICR_WAKER 0x14
#define GICR_SGI 0x10000 /* the SGI/PPI frame follows the control frame */

#define PRIO 0xa0u

static struct {
    int version;
    uintptr_t dist, cpu, rd; /* rd: this CPU's redistributor */
    unsigned nirqs;
} g;

static inline uint32_t r32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void w32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t r64(uintptr_t a) { return (uint64_t)r32(a) | ((uint64_t)r32(a + 4) << 32); }
static inline void w8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint8_t r8(uintptr_t a) { return *(volatile uint8_t *)a; }

static void dist_wait(void)
{
    for (int i = 0; i < 1000000 && (r32(g.dist + GICD_CTLR) & GICD_CTLR_RWP); i++)
        ;
}

/* This CPU's redistributor in the region [base, base + size): its
 * GICR_TYPER affinity is this CPU's MPIDR affinity.  One redistributor
 * after the other, stride apart (the tree's redistributor-stride, or 0:
 * as GICR_TYPER says, gic_rd_next), as long as one's two frames fit in
 * the region: a GICR_TYPER that never says Last ends at its end.  Reads
 * only. */
static int find_redist(uintptr_t base, uint64_t size, uint64_t stride, uintptr_t *rd)
{
    uint64_t mpidr = arch_mpidr();
    uint32_t aff = (uint32_t)((mpidr & 0xffffff) | ((mpidr >> 8) & 0xff000000u));
    if (size < GIC_RD_FRAMES)
        return -1;
    for (uint64_t off = 0;;) {
        uint64_t typer = r64(base + off + GICR_TYPER);
        if ((uint32_t)(typer >> 32) == aff) {
            *rd = base + off;
            return 0;
        }
        if (gic_rd_next(&off, size, stride, typer) != 0)
            return -1;
    }
}

/* version 2: cpu_or_rd is the CPU interface; 3: this CPU's redistributor
 * (find_redist). */
static void gic_init(int version, uintptr_t dist, uintptr_t cpu_or_rd)
{
    g.dist = dist;
    g.version = version;
    g.nirqs = ((r32(dist + GICD_TYPER) & 0x1f) + 1) * 32;
    if (g.nirqs > 1020)
        g.nirqs = 1020;

    w32(dist + GICD_CTLR, 0);
    dist_wait();
    for (unsigned i = 32; i < g.nirqs; i += 32) {
        w32(dist + GICD_ICENABLER + i / 8, 0xffffffffu);
        w32(dist + GICD_ICPENDR + i / 8, 0xffffffffu);
        w32(dist + GICD_IGROUPR + i / 8, version == 3 ? 0xffffffffu : 0);
    }
    for (unsigned i = 32; i < g.nirqs; i++)
        w8(dist + GICD_IPRIORITYR + i, PRIO);

    if (version == 2) {
        g.cpu = cpu_or_rd;
        /* The banked SGI/PPI registers: nothing a loader left enabled fires
         * before its handler is attached. */
        w32(dist + GICD_ICENABLER, 0xffffffffu);
        w32(dist + GICD_ICPENDR, 0xffffffffu);
        /* This CPU's interface bit: ITARGETSR0-7 read as it (RAZ on a
         * uniprocessor GIC, where the targets are fixed anyway). */
        uint8_t self = 0;
        for (unsigned i = 0; i < 32 && !self; i++)
            self = r8(dist + GICD_ITARGETSR + i);
        for (unsigned i = 32; i < g.nirqs; i++)
            w8(dist + GICD_ITARGETSR + i, self ? self : 1);
        for (unsigned i = 0; i < 32; i++)
            w8(dist + GICD_IPRIORITYR + i, PRIO);
        w32(dist + GICD_CTLR, 1);
        w32(g.cpu + GICC_PMR, 0xf0);
        w32(g.cpu + GICC_BPR, 0);
        w32(g.cpu + GICC_CTLR, 1);
        return;
    }

    g.rd = cpu_or_rd;
    /* Wake the redistributor: clear ProcessorSleep, wait for ChildrenAsleep to clear. */
    w32(g.rd + GICR_WAKER, r32(g.rd + GICR_WAKER) & ~2u);
    for (int i = 0; i < 1000000 && (r32(g.rd + GICR_WAKER) & 4u); i++)
        ;
    uintptr_t sgi = g.rd + GICR_SGI;
    w32(sgi + GICD_ICENABLER, 0xffffffffu);
    w32(sgi + GICD_IGROUPR, 0xffffffffu);
    for (unsigned i = 0; i < 32; i++)
        w8(sgi + GICD_IPRIORITYR + i, PRIO);
    /* ARE (bit 4) plus both group enables: correct whether or not the GIC has security. */
    w32(dist + GICD_CTLR, (1u << 4) | 3u);
    dist_wait();
    /* GICD_IROUTER is RES0 until affinity routing is on: route after ARE. */
    uint64_t mpidr = arch_mpidr();
    uint64_t route = (mpidr & 0xffffff) | ((mpidr & 0xff00000000ull));
    for (unsigned i = 32; i < g.nirqs; i++) {
        w32(dist + GICD_IROUTER + 8 * i, (uint32_t)route);
        w32(dist + GICD_IROUTER + 8 * i + 4, (uint32_t)(route >> 32));
    }
    arch_icc_ctlr_write(0); /* EOImode 0 (UNKNOWN at reset): EOI also deactivates */
    arch_icc_pmr_write(0xf0);
    arch_icc_bpr1_write(0);
    arch_icc_igrpen1_write(1);
}

/* GICv3's CPU interface is system registers: the CPU must implement them
 * and ICC_SRE_EL1.SRE must stick.  A hypervisor or EL2 loader that keeps
 * them from EL1 with ICC_SRE_EL2.SRE 0 (a GICv2-compatible guest) leaves
 * SRE reading 0, and every other ICC_* access is then UNDEFINED; with
 * ICC_SRE_EL2.Enable 0 EL1's accesses to ICC_SRE_EL1 trap to EL2 instead
 * (its handler's business: nothing here can see it).  Checked before the
 * GIC is touched, so a refusal leaves it as it was. */
static bool cpu_sysregs(void)
{
    if (!arch_gicv3_sysregs()) {
        kprintf("irq: WARNING: the device tree has a GICv3, but this CPU has no GICv3 system registers\n");
        return false;
    }
    arch_icc_sre_write(arch_icc_sre_read() | 1u); /* the write's isb is in arch.h */
    if (!(arch_icc_sre_read() & 1u)) {
        kprintf("irq: WARNING: GICv3 system register access is disabled at EL2 (ICC_SRE_EL1.SRE stays 0)\n");
        return false;
    }
    return true;
}

static int gic_detect(uintptr_t dist)
{
    /* A v2 distributor is 4 KiB with its ID registers at its top, where a v3
     * one reads as zero; reading v3's location on a v2 GIC would fault. */
    if (((r32(dist + GICD_PIDR2_V2) >> 4) & 0xf) == 2)
        return 2;
    return ((r32(dist + GICD_PIDR2) >> 4) & 0xf) >= 3 ? 3 : 2;
}

static uintptr_t frame_for(unsigned intid)
{
    return (g.version == 3 && intid < 32) ? g.rd + GICR_SGI : g.dist;
}

static void gic_config(unsigned intid, bool edge)
{
    if (intid < 16 || intid >= g.nirqs)
        return;
    uintptr_t f = frame_for(intid) + GICD_ICFGR + (intid / 16) * 4;
    unsigned shift = (intid % 16) * 2 + 1;
    uint32_t v = r32(f);
    v = edge ? (v | (1u << shift)) : (v & ~(1u << shift));
    w32(f, v);
}

static void gic_enable(unsigned intid)
{
    if (intid >= g.nirqs)
        return;
    w32(frame_for(intid) + GICD_ISENABLER + (intid / 32) * 4, 1u << (intid % 32));
}

static void gic_disable(unsigned intid)
{
    if (intid >= g.nirqs)
        return;
    w32(frame_for(intid) + GICD_ICENABLER + (intid / 32) * 4, 1u << (intid % 32));
    arch_dsb();
}

static uint32_t gic_ack(void)
{
    return g.version == 3 ? arch_icc_iar1_read() : r32(g.cpu + GICC_IAR);
}

static unsigned gic_intid(uint32_t iar) { return g.version == 3 ? (iar & 0xffffffu) : (iar & 0x3ffu); }

static void gic_eoi(uint32_t iar)
{
    if (g.version == 3)
        arch_icc_eoir1_write(iar);
    else
        w32(g.cpu + GICC_EOIR, iar);
}

static const char *const names[2] = {"GICv2", "GICv3"};

static struct irqchip chip = {
    .first_device = 32,
    .dt_decode = gic_dt_decode,
    .config = gic_config,
    .enable = gic_enable,
    .disable = gic_disable,
    .claim = gic_ack,
    .irq_of = gic_intid,
    .complete = gic_eoi,
};

static const struct irqchip *publish(int node)
{
    chip.name = names[g.version == 3];
    chip.dt_node = node;
    chip.nirqs = g.nirqs;
    return &chip;
}

/* Registers the board can map (irqchip.h); said when not. */
static bool reachable(const char *what, uint64_t a, uint64_t size)
{
    if (board_mmio_reachable(a, size))
        return true;
    kprintf("irq: WARNING: %s registers at 0x%llx are out of this CPU's reach (beyond the identity map "
            "or in the NULL guard); not used\n", what, (unsigned long long)a);
    return false;
}

/* A redistributor-stride the tree has but that is not used, in words. */
static void stride_warning(const struct gic_dt *d)
{
    static const char *const why[] = {
        [GIC_STRIDE_ZERO] = "is 0",
        [GIC_STRIDE_UNALIGNED] = "is not a multiple of 64 KiB",
        [GIC_STRIDE_SMALL] = "is less than the 128 KiB of a redistributor's two frames",
    };
    const char *then = "ignored: redistributors are stepped over as GICR_TYPER says (128 KiB, 256 KiB with VLPIS)";
    if (d->rd_stride_err == GIC_STRIDE_BADLEN)
        kprintf("irq: WARNING: the GICv3 node's redistributor-stride is not one 64-bit value (two cells, as "
                "arm,gic-v3.yaml has it); %s\n", then);
    else if (d->rd_stride_err != GIC_STRIDE_OK && (unsigned)d->rd_stride_err < sizeof(why) / sizeof(why[0]))
        kprintf("irq: WARNING: the GICv3 node's redistributor-stride 0x%llx %s; %s\n",
                (unsigned long long)d->rd_stride_raw, why[d->rd_stride_err], then);
}

const struct irqchip *gic_from_dt(const struct dt *dt)
{
    struct gic_dt d;
    uintptr_t rd;

    /* v3 first; a v3 node without this CPU's redistributor falls back to
     * a v2 node, if the tree has one. */
    if (gic_dt_find(dt, 3, &d) == 0 && reachable("GICv3 distributor", d.dist, 0x10000)) {
        stride_warning(&d);
        for (unsigned r = 0; r < d.nregions; r++) {
            uint64_t base = d.region[r][0], size = d.region[r][1];
            if (reachable("GICv3 redistributor", base, size) &&
                find_redist((uintptr_t)base, size, d.rd_stride, &rd) == 0) {
                if (!cpu_sysregs())
                    break;
                gic_init(3, (uintptr_t)d.dist, rd);
                return publish(d.node);
            }
        }
    }
    if (gic_dt_find(dt, 2, &d) == 0 && reachable("GICv2 distributor", d.dist, 0x1000) &&
        reachable("GICv2 CPU interface", d.region[0][0], 0x2000)) {
        gic_init(2, (uintptr_t)d.dist, (uintptr_t)d.region[0][0]);
        return publish(d.node);
    }
    return NULL;
}

const struct irqchip *gic_from_table(uintptr_t dist, uintptr_t gicc, uintptr_t gicr, uint64_t gicr_size)
{
    uintptr_t rd;

    if (gic_detect(dist) == 2) {
        gic_init(2, dist, gicc);
        return publish(-1);
    }
    if (find_redist(gicr, gicr_size ? gicr_size : GIC_RD_FRAMES, 0, &rd) != 0 || !cpu_sysregs())
        return NULL;
    gic_init(3, dist, rd);
    return publish(-1);
}
