/*
 * gic.h - ARM Generic Interrupt Controller, v2 and v3, for one CPU, behind
 * the irqchip interface (irqchip.h).
 * Recipe: gic_from_dt() (or, without a device tree, gic_from_table() with
 * the board's addresses) initialises the GIC for the boot CPU and returns
 * its irqchip; then config/enable per interrupt, and the IRQ vector calls
 * claim, irq_of and complete.  Every interrupt is routed to the boot CPU as
 * a non-secure group 1 (v3) or group 0 (v2, security extensions off)
 * interrupt at one priority: no preemption.  Numbers are INTIDs: SGIs
 * 0-15, PPIs 16-31, SPIs from 32 (first_device), below nirqs (at most
 * 1020).
 *
 * gic.c touches the hardware (ARM only: it needs arch.h); gic_dt.c is the
 * device-tree half - finding the node, decoding specifiers - which needs
 * nothing of the machine, so the host tests use it too.
 */
#ifndef GIC_H
#define GIC_H

#include <stdint.h>

#include "fdt/fdt.h"
#include "irqchip.h"

/* Both NULL when no usable GIC is found (no okay node, a register range
 * the CPU cannot address, no redistributor of this CPU, no system-register
 * access to a GICv3); the board then polls every device (the fixed table's
 * GIC is used only without a device tree). */
const struct irqchip *gic_from_dt(const struct dt *dt);
/* The GIC at fixed addresses: its version from the distributor's PIDR2;
 * v2 uses gicc, v3 gicr and gicr_size (the redistributor region; 0 means
 * one redistributor, 128 KiB). */
const struct irqchip *gic_from_table(uintptr_t dist, uintptr_t gicc,
                                     uintptr_t gicr, uint64_t gicr_size);

/* ---- gic_dt.c ------------------------------------------------------------ */

#define GIC_DT_MAX_REGIONS 15 /* v3 redistributor regions read (reg 1..15) */

/* A GICv3 redistributor's frames (IHI 0069, 12.10): RD_base and SGI_base,
 * 64 KiB each; with GICR_TYPER.VLPIS (GICv4) VLPI_base and a reserved
 * frame follow, 256 KiB in all. */
#define GIC_RD_FRAME 0x10000u
#define GIC_RD_FRAMES 0x20000u

/* Why a "redistributor-stride" the tree has is not used. */
enum gic_stride_err {
    GIC_STRIDE_OK,        /* usable, or absent */
    GIC_STRIDE_BADLEN,    /* not 8 bytes: the binding's uint64 is two cells */
    GIC_STRIDE_ZERO,      /* 0 */
    GIC_STRIDE_UNALIGNED, /* not a multiple of 64 KiB */
    GIC_STRIDE_SMALL,     /* less than a redistributor's two frames, 128 KiB */
};

/* A GIC node of the device tree, as written there (CPU addresses). */
struct gic_dt {
    int node;
    int version; /* 2 or 3 */
    uint64_t dist, dist_size;
    /* v2: one region, the CPU interface (reg 1).  v3: the
     * #redistributor-regions regions (default 1) that read, in order;
     * the boot CPU's redistributor may be in any. */
    unsigned nregions;
    uint64_t region[GIC_DT_MAX_REGIONS][2]; /* base, size */
    /* v3: "redistributor-stride" (arm,gic-v3.yaml: a uint64, a multiple of
     * 64 KiB, for redistributors padded beyond what GICR_TYPER implies),
     * the distance from one redistributor to the next in every region
     * when usable (at least GIC_RD_FRAMES); 0 when absent or not usable
     * (then GICR_TYPER.VLPIS decides: 128 or 256 KiB).  rd_stride_err says
     * why not, for the log, with the value read (when 8 bytes) in
     * rd_stride_raw.  v2: 0, GIC_STRIDE_OK, 0. */
    uint64_t rd_stride, rd_stride_raw;
    enum gic_stride_err rd_stride_err;
};

/* The first node with status okay of `version` (3: "arm,gic-v3"; 2:
 * "arm,cortex-a15-gic", "arm,gic-400", "arm,cortex-a9-gic",
 * "arm,cortex-a7-gic", tried in that order) that has its distributor and
 * at least one region in "reg".  0, or -DT_ERR_NOTFOUND (or another
 * -DT_ERR_* from the tree). */
int gic_dt_find(const struct dt *dt, int version, struct gic_dt *out);
/* The GIC binding's 3-cell specifier: type (0 SPI -> INTID n + 32 for n <
 * 988, 1 PPI -> n + 16 for n < 16), number, flags (trigger in bits 0-3:
 * 1 or 2 edge, 4 or 8 level; bits 8-15, the GICv2 PPI CPU mask, ignored).
 * 0 with *irq and *flags (PLAT_IRQ_EDGE / PLAT_IRQ_LEVEL), or
 * -DT_ERR_BADVALUE (another cell count, type, number, or no single
 * trigger).  The irqchip's dt_decode. */
int gic_dt_decode(const uint32_t *cells, int ncells, unsigned *irq, unsigned *flags);

/* One step of the walk over a GICv3 redistributor region of `size` bytes
 * (gic.c's search for the boot CPU's): the redistributor at offset *off,
 * whose GICR_TYPER reads typer, is not the one sought.  0 with *off moved
 * to the next one (stride when it is a usable redistributor-stride, a
 * multiple of 64 KiB of at least GIC_RD_FRAMES, else 128 KiB, or 256 KiB
 * with GICR_TYPER.VLPIS) when that one's RD_base and SGI_base frames lie
 * inside the region; -1 when the walk ends there: typer says Last, or the
 * next would not fit (a GICR_TYPER that never says Last, a stride past the
 * end).  Every step moves at least GIC_RD_FRAMES, so a walk from 0 ends
 * after at most size / GIC_RD_FRAMES steps.  Arithmetic only, no access. */
int gic_rd_next(uint64_t *off, uint64_t size, uint64_t stride, uint64_t typer);

#endif
