/*
 * plic.h - the RISC-V Platform-Level Interrupt Controller (riscv-plic-spec
 * 1.0.0; SiFive's and QEMU's "sifive,plic-1.0.0" / "riscv,plic0"), for one
 * context: the boot hart's supervisor mode, behind the irqchip interface
 * (irqchip.h).
 * Recipe: plic_from_dt(dt, boot hartid) (or, without a device tree,
 * plic_from_table() with the board's numbers) initialises the PLIC for
 * that context and returns its irqchip; then enable per source, and the
 * supervisor external interrupt (scause 9; the board sets sie.SEIE) calls
 * claim, irq_of and complete.  Numbers are PLIC sources: 1 (first_device)
 * to ndev, below nirqs = ndev + 1; 0 is "no interrupt".
 *
 * Every source gets priority 1 and our context threshold 0: no
 * preemption, ties go to the lower source number.  The gateways' trigger
 * is fixed by the hardware, so config() does nothing and a decoded
 * interrupt is PLAT_IRQ_LEVEL.  Registers are reached through
 * plat_mmio_read32/plat_mmio_write32 (drivers/plat/plat.h), aligned 32-bit
 * accesses only.
 *
 * Concurrency: enable and disable rewrite a whole 32-source enable word
 * from a copy in RAM; call them with interrupts masked at the CPU (as
 * plat_irq_mask/unmask do), so that a handler's change to the same word
 * is not lost.  complete() of a source that is disabled enables it for
 * the moment of the write: the PLIC ignores a completion for a source not
 * enabled for the context (spec, "Interrupt Completion"), and its gateway
 * would then never forward that source again.
 */
#ifndef PLIC_H
#define PLIC_H

#include <stdint.h>

#include "fdt/fdt.h"
#include "irqchip.h"

#define PLIC_MAX_NDEV 1023u /* sources 1..1023 */

/* NULL when there is no okay PLIC node with a supervisor-mode context of
 * that hart (the "riscv,cpu-intc" under /cpus/cpu with reg == hartid), a
 * usable "riscv,ndev", and registers up to that context's in "reg". */
const struct irqchip *plic_from_dt(const struct dt *dt, unsigned long hartid);
/* The PLIC at base with sources 1..ndev (capped at 1023), our context
 * given (QEMU virt: 0x0c000000, 96, context 1 = hart 0's S-mode).  NULL
 * for base 0, ndev 0 or a context beyond the spec's 15871. */
const struct irqchip *plic_from_table(uintptr_t base, unsigned ndev, unsigned context);

/* ---- the device-tree half (reads only the tree) ------------------------ */

struct plic_dt {
    int node;
    uint64_t base, size; /* "reg" 0, a CPU address */
    unsigned ndev;       /* "riscv,ndev", capped at PLIC_MAX_NDEV */
    unsigned context;    /* the index of our entry in interrupts-extended */
};
/* What plic_from_dt initialises: 0, or -DT_ERR_NOTFOUND (no such PLIC,
 * hart or context), -DT_ERR_BADVALUE (no "riscv,ndev" or 0, "reg" too
 * small for the context) or another -DT_ERR_* from the tree. */
int plic_dt_find(const struct dt *dt, unsigned long hartid, struct plic_dt *out);
/* A PLIC specifier: one cell, the source.  0 and *irq = cells[0], *flags
 * = PLAT_IRQ_LEVEL; -DT_ERR_BADVALUE for another cell count.  The range
 * (1..ndev) is the caller's to check against first_device and nirqs.
 * The irqchip's dt_decode. */
int plic_dt_decode(const uint32_t *cells, int ncells, unsigned *irq, unsigned *flags);

#endif
