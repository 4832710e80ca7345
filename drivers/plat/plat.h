/*
 * plat.h - the platform hooks: the only way drivers/virtio/ and net/ reach
 * the machine they run on.
 *
 * A port (a board, an RTOS, the host-side simulator in test/sim) provides
 * "plat_port.h" on the include path and implements every function declared
 * below.  plat_port.h must define:
 *   - plat_lock_t           an interrupt-safe lock (a struct; zero-initialised
 *                           storage is a valid unlocked lock)
 *   - plat_irqstate_t       whatever plat_lock() returns for plat_unlock()
 *   - plat_dma_mb(), plat_dma_rmb(), plat_dma_wmb()  (macros or inline
 *                           functions; see "Barriers" below)
 * Nothing else in the drivers depends on the port.
 *
 * Assumptions: a single address space in which device registers can be read
 * and written with plat_mmio_*; memory returned by plat_dma_alloc() is
 * reachable by the device at the bus address reported with it.
 */
#ifndef PLAT_H
#define PLAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "plat_port.h"

/* A bus (DMA) address as the device sees it. */
typedef uint64_t plat_busaddr_t;

/* ---- DMA-able memory ------------------------------------------------------
 * plat_dma_alloc: zeroed memory of at least `size` bytes aligned to `align`
 * (a power of two), reachable by devices; its bus address is stored in *bus.
 * Returns NULL when exhausted.  Called in thread context with no driver
 * lock held: at init, and from virtio_net_poll() while the RX ring is still
 * filling (virtio_net.h, cfg.rx_initial: one block per call, at most
 * VIRTIO_NET_RX_BLOCKS - 1 calls after init); not once the ring is full.
 * plat_dma_free may be a no-op on a port that never frees (bump allocator).
 * plat_bus_addr: the bus address of any byte inside DMA-able memory.
 */
void *plat_dma_alloc(size_t size, size_t align, plat_busaddr_t *bus);
void plat_dma_free(void *p, size_t size);
plat_busaddr_t plat_bus_addr(const void *p);

/* ---- Barriers (provided by plat_port.h) -----------------------------------
 * plat_dma_wmb(): orders this CPU's earlier writes to shared memory before
 *                 its later writes, as observed by the device (spec 2.7.13:
 *                 descriptors and ring entries before avail->idx).
 * plat_dma_rmb(): orders earlier reads of shared memory before later reads
 *                 (spec 2.7.14: used->idx before the used elements).
 * plat_dma_mb():  orders earlier writes before later reads (spec 2.7.13.4:
 *                 avail->idx before reading used->flags / avail_event).
 */

/* ---- Cache maintenance ----------------------------------------------------
 * Only needed for a device whose device-tree node lacks `dma-coherent`.
 * clean: write dirty lines back before the device reads the memory.
 * invalidate: discard lines before the CPU reads what the device wrote.
 * A coherent port implements both as no-ops.
 */
void plat_cache_clean(const void *p, size_t len);
void plat_cache_invalidate(const void *p, size_t len);
/* The cache line the drivers lay DMA memory out for.  Every region the
 * device writes (used rings, receive buffers, status bytes) starts and
 * ends on such a boundary of its own allocation, so no byte the CPU writes
 * meanwhile - another allocation right after it included - shares a line
 * with it: a clean or eviction of that line would put stale data over what
 * the device wrote.  A CPU with longer lines needs a larger value: a port
 * defines PLAT_DMA_LINE in its plat_port.h (or on the compiler's command
 * line).  The split rings and virtio-rng round to it; virtio-blk's slots
 * (VIRTIO_BLK_SLOT_SIZE), virtio-console's buffers (VIRTIO_CONSOLE_BUF_ALIGN)
 * and virtio-net's buffers keep 64 bytes, a multiple of any shorter line,
 * and take PLAT_DMA_LINE when it is longer. */
#ifndef PLAT_DMA_LINE
#define PLAT_DMA_LINE 64u
#endif
_Static_assert(PLAT_DMA_LINE >= 4 && (PLAT_DMA_LINE & (PLAT_DMA_LINE - 1)) == 0, "PLAT_DMA_LINE: a power of two");
/* n bytes rounded up to whole PLAT_DMA_LINEs: a device-written region's
 * allocation size. */
#define PLAT_DMA_LINES(n) (((size_t)(n) + PLAT_DMA_LINE - 1) & ~(size_t)(PLAT_DMA_LINE - 1))

/* ---- Device registers -----------------------------------------------------
 * Accesses of exactly the named width.  Writes are ordered after the CPU's
 * earlier writes to normal memory (as Linux's writel), reads before its later
 * reads of normal memory (as readl).
 */
uint8_t plat_mmio_read8(uintptr_t addr);
uint16_t plat_mmio_read16(uintptr_t addr);
uint32_t plat_mmio_read32(uintptr_t addr);
void plat_mmio_write8(uintptr_t addr, uint8_t v);
void plat_mmio_write16(uintptr_t addr, uint16_t v);
void plat_mmio_write32(uintptr_t addr, uint32_t v);

/* ---- Interrupts -----------------------------------------------------------
 * irq is the interrupt controller's number (a GIC INTID on ARM).
 * flags: PLAT_IRQ_EDGE or PLAT_IRQ_LEVEL (from the device tree).
 * The handler runs in interrupt context with the interrupt masked at the CPU;
 * it must not block.  attach returns 0 or a negative error.
 */
#define PLAT_IRQ_LEVEL 0u
#define PLAT_IRQ_EDGE 1u
typedef void (*plat_irq_handler_t)(void *arg);
int plat_irq_attach(unsigned irq, unsigned flags, plat_irq_handler_t fn, void *arg);
void plat_irq_unmask(unsigned irq);
void plat_irq_mask(unsigned irq);

/* ---- Time -----------------------------------------------------------------
 * A monotonic clock in nanoseconds; it need not start at zero.
 */
uint64_t plat_time_ns(void);

/* ---- Locking --------------------------------------------------------------
 * An interrupt-safe lock: plat_lock() masks local interrupts (and, on SMP,
 * takes a spinlock) and returns the previous state for plat_unlock().
 */
void plat_lock_init(plat_lock_t *l);
plat_irqstate_t plat_lock(plat_lock_t *l);
void plat_unlock(plat_lock_t *l, plat_irqstate_t s);

/* ---- Diagnostics ----------------------------------------------------------
 * One line of driver diagnostics (no trailing newline needed).  Also called
 * in interrupt context and with a driver's lock held (a ring the device
 * broke is reported where it is found): it must not block.
 */
void plat_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* PLAT_H */
