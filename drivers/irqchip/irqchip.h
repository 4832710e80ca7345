/*
 * irqchip.h - the one interrupt controller of the boot CPU, as the board
 * sees it.  Each controller driver (gic.c: ARM GICv2/v3, plic.c: the RISC-V
 * PLIC) finds its node in the device tree, initialises the hardware for the
 * boot CPU and returns one of these; board/ routes every device interrupt
 * through it.  The numbers are the controller's own (a GIC INTID, a PLIC
 * source), which is also what drivers/plat/plat.h passes to
 * plat_irq_attach().  A CPU-local timer that does not go through the
 * controller (the RISC-V supervisor timer) is the board's business.
 */
#ifndef IRQCHIP_H
#define IRQCHIP_H

#include <stdbool.h>
#include <stdint.h>

#include "fdt/fdt.h"

/* The board's (board/generic/board.c): whether registers at [a, a + size)
 * can be accessed once the MMU is on - addressable, inside the identity
 * map, outside the unmapped NULL guard.  A controller whose registers are
 * not is left alone (the drivers return NULL, and every device is polled):
 * an access would fault. */
bool board_mmio_reachable(uint64_t a, uint64_t size);

#define IRQCHIP_MAX_CELLS 4 /* the largest #interrupt-cells a driver decodes */

struct irqchip {
    const char *name;       /* "GICv2", "GICv3", "PLIC": for the boot log */
    int dt_node;            /* the controller's device-tree node, or -1 (board table) */
    unsigned nirqs;         /* every valid number is below this */
    unsigned first_device;  /* the lowest number a device may use: GIC 32 (SPI 0), PLIC 1 */
    /* One interrupt specifier of this controller from the device tree
     * (ncells = its #interrupt-cells) to a number and PLAT_IRQ_EDGE /
     * PLAT_IRQ_LEVEL.  Checks the cells' form only, not the range: a
     * negative DT_ERR_* when they are not this controller's form. */
    int (*dt_decode)(const uint32_t *cells, int ncells, unsigned *irq, unsigned *flags);
    void (*config)(unsigned irq, bool edge);
    void (*enable)(unsigned irq);
    void (*disable)(unsigned irq);
    /* claim: take the highest-priority pending interrupt; irq_of: its
     * number, >= nirqs when none was pending (spurious); complete: end it.
     * complete() is called for every claim() whose irq_of() < nirqs. */
    uint32_t (*claim)(void);
    unsigned (*irq_of)(uint32_t token);
    void (*complete)(uint32_t token);
};

#endif
