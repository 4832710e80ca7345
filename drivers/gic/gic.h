/*
 * gic.h - ARM Generic Interrupt Controller, v2 and v3, for one CPU.
 * Recipe: gic_init() with the addresses from the device tree (or the board
 * table), then gic_config(intid, edge) and gic_enable(intid) per interrupt;
 * the IRQ vector calls gic_ack() and gic_eoi().  Every interrupt is routed to
 * the boot CPU as a non-secure group 1 (v3) or group 0 (v2, security
 * extensions off) interrupt at one priority: no preemption.
 */
#ifndef GIC_H
#define GIC_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_SPURIOUS 1023u

/* Returns the version in use, or <0 when this CPU's redistributor is not found. */
int gic_init(int version, uintptr_t dist, uintptr_t cpu_or_redist, uint64_t redist_size);
/* The architecture version from the distributor's PIDR2 (for the fallback table). */
int gic_detect(uintptr_t dist);
int gic_version(void);
unsigned gic_num_irqs(void);
void gic_config(unsigned intid, bool edge);
void gic_enable(unsigned intid);
void gic_disable(unsigned intid);
uint32_t gic_ack(void);          /* the raw IAR value; intid = value & 0xffffff (v3) or 0x3ff (v2) */
unsigned gic_intid(uint32_t iar);
void gic_eoi(uint32_t iar);

#endif
