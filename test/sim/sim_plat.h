/*
 * sim_plat.h - controls for the host implementation of drivers/plat/plat.h
 * (sim_plat.c), used by the unit tests and the simulated devices.
 *
 * The model:
 *  - DMA memory: every plat_dma_alloc() block gets a fake bus address from
 *    a compact range (default base 0x40000000), so bus != host pointer and a
 *    device can only reach memory through sim_dma_ptr(), which checks that
 *    the whole range lies inside one live block.  The test can move the bus
 *    base (e.g. above 2^44 to exercise the legacy 32-bit PFN limit) and make
 *    allocations fail.
 *  - MMIO: devices register a window; plat_mmio_* are dispatched by address.
 *  - Interrupts: a level per line.  Delivery happens in sim_run_irqs(), or
 *    immediately when a line rises if sync delivery is on - but never while
 *    "interrupts are masked", i.e. while a plat_lock is held or a handler is
 *    running; they are then delivered at plat_unlock().
 *  - Time: a fake clock that advances by a step on every plat_time_ns()
 *    read (so every bounded wait terminates) and calls an optional hook,
 *    which tests use to let a simulated device make progress while a driver
 *    spins.
 *  - Log: plat_log lines go to a capture buffer (and stderr with
 *    SIM_VERBOSE=1 in the environment).
 *  - Errors: misuse of the platform (unknown MMIO address, bus address of
 *    non-DMA memory, bad free, cache op outside DMA memory, lock recursion,
 *    interrupt storm) is counted in sim_plat_errors(); tests assert zero.
 */
#ifndef SIM_PLAT_H
#define SIM_PLAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat.h"

#define SIM_MMIO_BASE 0x10000000u
#define SIM_MMIO_STRIDE 0x200u
#define SIM_MAX_IRQ 64u

/* Reset every piece of simulated platform state (between tests).  Live DMA
 * blocks are freed and counted as leaks in the returned value. */
size_t sim_plat_reset(void);

struct sim_plat_errors {
    unsigned bad_mmio;      /* access outside every registered window */
    unsigned bad_bus_addr;  /* plat_bus_addr on non-DMA memory */
    unsigned bad_free;      /* plat_dma_free of an unknown block / wrong size */
    unsigned bad_cache;     /* cache op outside DMA memory */
    unsigned lock_recursion;
    unsigned irq_storm;     /* a line stayed asserted through 64 deliveries */
};
const struct sim_plat_errors *sim_plat_errors(void);
bool sim_plat_ok(void); /* all error counters zero */
/* A test's teardown: report platform misuse and leaked DMA blocks on stderr,
 * reset the platform, and return whether everything was clean. */
bool sim_plat_finish(void);

/* ---- MMIO --------------------------------------------------------------- */
struct sim_mmio_ops {
    uint32_t (*read)(void *ctx, uint32_t off, unsigned width);
    void (*write)(void *ctx, uint32_t off, unsigned width, uint32_t val);
};
/* Returns the base address of a new window (SIM_MMIO_BASE + n * stride). */
uintptr_t sim_mmio_register(const struct sim_mmio_ops *ops, void *ctx, size_t size);
void sim_mmio_unregister(uintptr_t base);

/* ---- DMA ---------------------------------------------------------------- */
void sim_dma_set_bus_base(uint64_t base); /* applies to later allocations */
void *sim_dma_ptr(uint64_t bus, size_t len); /* NULL unless inside one block */
size_t sim_dma_live(void);                   /* live blocks */
void sim_dma_fail_after(long n);             /* n more allocations succeed; -1: never fail */

/* ---- cache -------------------------------------------------------------- */
struct sim_cache_stats {
    unsigned long cleans;
    unsigned long invalidates;
};
const struct sim_cache_stats *sim_cache_stats(void);

/* ---- interrupts --------------------------------------------------------- */
void sim_irq_set_level(unsigned irq, bool level);
void sim_irq_inject(unsigned irq); /* one delivery even with the line low */
unsigned sim_run_irqs(void);       /* deliver what is deliverable; returns count */
void sim_irq_set_sync(bool sync);
bool sim_irq_attached(unsigned irq);
bool sim_irq_masked(unsigned irq);
unsigned sim_irq_delivered(unsigned irq);

/* ---- time --------------------------------------------------------------- */
void sim_time_advance(uint64_t ns);
void sim_time_set_step(uint64_t ns); /* per plat_time_ns() read; default 1000 */
void sim_time_set_hook(void (*fn)(void *arg), void *arg);
unsigned long sim_time_reads(void);

/* ---- log ---------------------------------------------------------------- */
const char *sim_log_text(void);
bool sim_log_contains(const char *needle);
void sim_log_clear(void);

#endif /* SIM_PLAT_H */
