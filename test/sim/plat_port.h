/*
 * plat_port.h (host simulation) - the port's part of drivers/plat/plat.h for
 * the host unit tests: a lock that models "interrupts masked" (see
 * sim_plat.c) and compiler+CPU fences for the DMA barriers.  The simulated
 * device runs on the same thread, so a sequentially consistent fence is more
 * than enough; what matters is that the compiler cannot move shared-memory
 * accesses across it.
 */
#ifndef PLAT_PORT_H
#define PLAT_PORT_H

typedef struct {
    int held; /* non-zero while locked: a recursive lock is a test failure */
} plat_lock_t;
typedef int plat_irqstate_t; /* the previous "interrupts masked" depth */

#define plat_dma_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define plat_dma_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define plat_dma_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#endif /* PLAT_PORT_H */
