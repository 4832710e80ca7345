/*
 * plat_port.h (host simulation) - the port's part of drivers/plat/plat.h for
 * the host unit tests: a lock that models "interrupts masked" on the
 * calling thread and is a real lock between threads (see sim_plat.c), and DMA barriers that are calls into the simulated platform.
 * Each barrier is where the memory-ordering model (sim_plat.h, "Ordering")
 * moves the driver's stores into the device's view of DMA memory (wmb, mb)
 * and the device's writes into the driver's (rmb, mb): a barrier left out
 * means the simulated device, or the driver, works on stale data.
 */
#ifndef PLAT_PORT_H
#define PLAT_PORT_H

typedef struct {
    int held;       /* non-zero while locked (a spinlock between threads) */
    unsigned owner; /* the holding thread's id: a recursive lock is a test failure */
} plat_lock_t;
typedef int plat_irqstate_t; /* the previous "interrupts masked" depth */

/* kind: bit 0 orders earlier loads (rmb), bit 1 earlier stores (wmb). */
void sim_dma_barrier(unsigned kind);
#define plat_dma_mb() sim_dma_barrier(3u)
#define plat_dma_rmb() sim_dma_barrier(1u)
#define plat_dma_wmb() sim_dma_barrier(2u)

#endif /* PLAT_PORT_H */
