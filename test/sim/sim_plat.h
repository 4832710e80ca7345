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
 *  - Ordering (blocks that hold ring areas - the simulated device names
 *    them with sim_dma_ring when a queue goes live, and indirect tables
 *    when it first meets one - unless the cache model covers them; buffers
 *    stay one copy): the driver's memory and the device's view of it are
 *    two copies.  The driver's
 *    stores reach the device's view only at a store-ordering barrier
 *    (plat_dma_wmb, plat_dma_mb, or an MMIO write, which the ports order
 *    after earlier stores); in areas declared with sim_dma_mbonly (where
 *    the driver asks for or suppresses interrupts) only at plat_dma_mb,
 *    the one barrier that orders a store before a later load.  The
 *    device's writes reach the driver's memory only at the driver's next
 *    read barrier (plat_dma_rmb, plat_dma_mb), except the one "trigger"
 *    field of each completion (used->idx), which the device publishes at
 *    once with sim_dma_publish - so a driver that reads a used element
 *    before its rmb reads what was there before.  The device reads the
 *    driver's trigger field (avail->idx) from the driver's latest stores
 *    (sim_dma_peek), as a real device may see a store early, and the rest
 *    through its view.  At every barrier and MMIO write, before moving
 *    anything, the observers (sim_dma_observe) run: the simulated devices
 *    fetch the ring entries that the index they can see makes available,
 *    as a device polling the ring would - so an index published before the
 *    entries behind it (no wmb between) makes the device fetch stale ones.
 *    Where both sides wrote the same byte between barriers, the driver's
 *    store wins (it is the later one in every legal exchange).
 *  - Cache: every plat_cache_clean/invalidate call is counted and logged
 *    with its range.  With the cache model on (sim_cache_model), DMA blocks
 *    allocated from then on have two views, as behind a write-back cache
 *    without coherency: the CPU's (the pointer plat_dma_alloc returns,
 *    zeroed, as if by a memset through the cache) and the device's (what
 *    sim_dma_ptr returns, so what the simulated devices read and write;
 *    0xa5 bytes until the CPU's lines are cleaned).  plat_cache_clean writes the CPU's dirty 64-byte
 *    lines back to the device's view; plat_cache_invalidate replaces the
 *    CPU's lines by the device's (dropping CPU writes never cleaned, which
 *    is counted).  A driver that forgets either works on stale data; the
 *    device side (sim_virtio) also reports, for every buffer and ring entry
 *    it reads, lines the CPU still holds dirty and buffers not cleaned since
 *    the device last had them, and sim_cache_unsynced() counts lines the
 *    device wrote that the CPU has not invalidated since.
 *  - Threads: the machine may be driven from several pthreads (a driver's
 *    polling thread, a thread releasing buffers, an "interrupt" thread
 *    calling sim_run_irqs, a thread driving the devices).  Every plat_*
 *    entry point and sim_dma_barrier take one recursive mutex of the
 *    simulation (sim_lock), as does sim_run_irqs except around the
 *    handler it calls; device steps a test drives itself (sim_net_rx,
 *    sim_virtio_set_needs_reset, ...) must be bracketed with
 *    sim_lock()/sim_unlock().  So the simulated device and the ordering
 *    and cache models are consistent, while the driver's code between
 *    those calls runs truly concurrently.  plat_lock is a spinlock between
 *    threads and "interrupts masked" for its own thread only (an
 *    interrupt is delivered by the thread that calls sim_run_irqs, as by
 *    another CPU).  Lock order: a driver's plat_lock before sim_lock.
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

/* The simulation's recursive mutex (see Threads above). */
void sim_lock(void);
void sim_unlock(void);

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
/* The blocks live now are kept on purpose (a device that could not be
 * stopped keeps its memory): sim_plat_finish() does not count them as
 * leaks.  Until sim_plat_reset(). */
void sim_dma_forgive_live(void);
/* The live block holding bus address `bus`: its bus address and the size
 * plat_dma_alloc was asked for (which a real allocator may stop at: the
 * next block can start in the same cache line). */
bool sim_dma_block(uint64_t bus, uint64_t *base, size_t *size);
void sim_dma_fail_after(long n);             /* n more allocations succeed; -1: never fail */
/* Allocation number i (0 = the next) fails when bit i of mask is set; the
 * 33rd and later follow sim_dma_fail_after alone.  0: none (the default). */
void sim_dma_fail_mask(uint32_t mask);
unsigned long sim_dma_failures(void);        /* allocations refused since the reset */

/* ---- ordering (see the top) ------------------------------------------ */
/* The driver's latest stores at a bus address (the device's early look at
 * a trigger field); for a cache-modelled block, the device's view. */
void *sim_dma_peek(uint64_t bus, size_t len);
/* The device wrote a trigger field through sim_dma_ptr: the driver sees it
 * at once (its other writes wait for the driver's read barrier). */
void sim_dma_publish(uint64_t bus, size_t len);
/* The block holding [bus, bus+len) is ring memory: model it from now on. */
void sim_dma_ring(uint64_t bus, size_t len);
/* Device code takes its sim_dma_ptr pointers afresh in each step (each
 * call from a test or a driver access): a read barrier moves the device's
 * writes only from blocks it has had a pointer into since the last one. */
/* Driver stores in [bus, bus+len) reach the device only at plat_dma_mb
 * (implies sim_dma_ring). */
void sim_dma_mbonly(uint64_t bus, size_t len);
/* Called at every barrier and MMIO write before anything moves; up to 16.
 * Removing an observer that is not there is harmless. */
void sim_dma_observe(void (*fn)(void *ctx), void *ctx);
void sim_dma_unobserve(void (*fn)(void *ctx), void *ctx);
/* Off: observers are not called (sim_plat_reset() turns them back on).
 * With the ordering model off too, no barrier or MMIO access of one
 * thread reads ring memory another thread is writing (Threads, above). */
void sim_dma_observers(bool on);
/* Off: one copy, every access sees everything at once (for blocks
 * allocated after the call; sim_plat_reset() turns it back on). */
void sim_order_model(bool on);

struct sim_order_stats {
    unsigned long barriers[4];   /* by kind: [1] rmb, [2] wmb, [3] mb */
    unsigned long mmio_writes;
    unsigned long to_device;     /* driver bytes moved into the device's view */
    unsigned long to_driver;     /* device bytes moved into the driver's memory */
    unsigned long held_mbonly;   /* a wmb left mb-only bytes behind (once per barrier) */
    unsigned long published;     /* sim_dma_publish calls */
};
const struct sim_order_stats *sim_order_stats(void);

/* ---- cache -------------------------------------------------------------- */
#define SIM_CACHE_LINE PLAT_DMA_LINE /* the drivers' assumption, as a port's is its CPU's */
#define SIM_CACHE_LOG 65536u /* calls kept in the log (the most recent) */
#define SIM_CACHE_GARBAGE 0xa5 /* the memory behind a fresh modelled block */

struct sim_cache_stats {
    unsigned long cleans;            /* plat_cache_clean calls */
    unsigned long invalidates;       /* plat_cache_invalidate calls */
    unsigned long clean_bytes;       /* the lengths asked for, summed */
    unsigned long invalidate_bytes;
    /* with the cache model (lines of 64 bytes): */
    unsigned long dirty_discards;    /* an invalidate dropped CPU writes never cleaned */
    unsigned long device_saw_dirty;  /* the device read or was given a line the CPU held dirty */
    unsigned long unclean_handovers; /* a buffer line handed to the device not cleaned since
                                      * allocation or since the device last returned it */
};
const struct sim_cache_stats *sim_cache_stats(void);

/* The log: call i (0 = the first since reset) or NULL once overwritten. */
struct sim_cache_op {
    bool invalidate; /* else clean */
    const void *p;
    size_t len;
};
size_t sim_cache_nops(void);
const struct sim_cache_op *sim_cache_op(size_t i);
/* Do the calls from number `since` on, of the one kind, cover every byte
 * of [p, p + len)? */
bool sim_cache_covered(bool invalidate, const void *p, size_t len, size_t since);

/* The non-coherent model (see the top), for DMA blocks allocated after
 * the call; sim_plat_reset() turns it off. */
void sim_cache_model(bool on);
/* The CPU's view of a bus address (sim_dma_ptr gives the device's). */
void *sim_dma_cpu_ptr(uint64_t bus, size_t len);
/* Device side, called by sim_virtio for modelled blocks (no-ops for
 * others): the device reads [bus, bus+len) (ring entries, descriptors);
 * takes a buffer from the ring (handover: also checked for a clean since
 * its last release); gives a chain back (release; `written` bytes from the
 * start were written by it). */
void sim_cache_device_read(uint64_t bus, size_t len);
void sim_cache_handover(uint64_t bus, size_t len);
void sim_cache_release(uint64_t bus, size_t len, size_t written);
/* Lines the device wrote (released buffers' written bytes, used ring
 * entries) that the CPU has not invalidated since. */
size_t sim_cache_unsynced(void);
/* The model saw no fault: no dirty discard, no dirty or unclean line given
 * to the device, no unsynced line; otherwise says which on stderr.  Also
 * part of sim_plat_finish(). */
bool sim_cache_model_ok(void);

/* ---- interrupts --------------------------------------------------------- */
void sim_irq_set_level(unsigned irq, bool level);
void sim_irq_inject(unsigned irq); /* one delivery even with the line low */
unsigned sim_run_irqs(void);       /* deliver what is deliverable; returns count */
void sim_irq_set_sync(bool sync);
bool sim_irq_attached(unsigned irq);
bool sim_irq_masked(unsigned irq);
unsigned sim_irq_delivered(unsigned irq);
unsigned sim_irq_flags(unsigned irq); /* as plat_irq_attach got them */

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
