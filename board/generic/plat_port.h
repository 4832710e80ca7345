/*
 * plat_port.h (board generic: any single-core ARM board) - the port's
 * part of drivers/plat/plat.h: the lock type and the DMA barriers.
 * The barriers order against an observer in the outer-shareable domain, so
 * they hold both for a hypervisor's device model on another CPU and for a
 * real DMA master (Linux's dma_mb/dma_rmb/dma_wmb do the same).
 */
#ifndef PLAT_PORT_H
#define PLAT_PORT_H

typedef struct {
    int unused; /* one CPU: masking interrupts is the whole lock */
} plat_lock_t;
typedef unsigned long plat_irqstate_t;

#if defined(__aarch64__)
#define plat_dma_mb() __asm__ volatile("dmb osh" ::: "memory")
#define plat_dma_rmb() __asm__ volatile("dmb oshld" ::: "memory")
#define plat_dma_wmb() __asm__ volatile("dmb oshst" ::: "memory")
#else
#define plat_dma_mb() __asm__ volatile("dmb osh" ::: "memory")
#define plat_dma_rmb() __asm__ volatile("dmb osh" ::: "memory")
#define plat_dma_wmb() __asm__ volatile("dmb oshst" ::: "memory")
#endif

#endif
