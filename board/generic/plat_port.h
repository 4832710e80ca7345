/*
 * plat_port.h (board generic: any single-core ARM or RISC-V board) - the port's
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

#if defined(__riscv)
/* RVWMO: a FENCE orders the accesses of its predecessor set before those
 * of its successor set, as every other hart and device observes them
 * (RISC-V unprivileged ISA, chapter 17, and the A.3 "fence" litmus rules).
 * Ring memory is ordinary memory (r/w); the MMIO side of plat.h's promises
 * is in plat.c (arch_mmio_wmb/arch_mmio_rmb: fence w,o and fence i,r).
 *   plat_dma_mb:  earlier writes before later reads (avail->idx before
 *                 used->flags / avail_event): only rw,rw covers W->R.
 *   plat_dma_rmb: used->idx before the used elements: r,r.
 *   plat_dma_wmb: descriptors before avail->idx: w,w. */
#define plat_dma_mb() __asm__ volatile("fence rw,rw" ::: "memory")
#define plat_dma_rmb() __asm__ volatile("fence r,r" ::: "memory")
#define plat_dma_wmb() __asm__ volatile("fence w,w" ::: "memory")
#elif defined(__aarch64__)
#define plat_dma_mb() __asm__ volatile("dmb osh" ::: "memory")
#define plat_dma_rmb() __asm__ volatile("dmb oshld" ::: "memory")
#define plat_dma_wmb() __asm__ volatile("dmb oshst" ::: "memory")
#else
#define plat_dma_mb() __asm__ volatile("dmb osh" ::: "memory")
#define plat_dma_rmb() __asm__ volatile("dmb osh" ::: "memory")
#define plat_dma_wmb() __asm__ volatile("dmb oshst" ::: "memory")
#endif

#endif
