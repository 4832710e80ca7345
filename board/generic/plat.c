/*
 * plat.c (generic) - the platform hooks of drivers/plat/plat.h for a
 * single-core ARM or RISC-V board with identity-mapped memory.
 * DMA memory is a bump allocator over the largest stretch of free RAM
 * (board.c): drivers allocate at set-up only, so nothing is ever returned.  Bus address =
 * physical address = virtual address.
 */
#include <stdarg.h>
#include <string.h>

#include "arch.h"
#include "board.h"
#include "kprintf.h"
#include "plat.h"
#include "timer/timer.h"

void plat_dma_pool_init(uintptr_t base, uintptr_t end);

static uintptr_t pool_next, pool_end;

/* board.c chose [base, end): free RAM clear of the image, the device tree
 * and everything it reserves. */
void plat_dma_pool_init(uintptr_t base, uintptr_t end)
{
    pool_next = base;
    pool_end = end;
}

/* The bump itself: [p, p + size) aligned to align (a power of two, at
 * least 16), or NULL; not zeroed. */
static void *pool_take(size_t size, size_t align)
{
    if (align < 16)
        align = 16;
    if (align & (align - 1))
        return NULL;
    plat_irqstate_t s = arch_irq_save();
    uintptr_t p = (pool_next + align - 1) & ~(uintptr_t)(align - 1);
    if (p < pool_next || p > pool_end || size > pool_end - p) {
        arch_irq_restore(s);
        return NULL;
    }
    pool_next = p + size;
    arch_irq_restore(s);
    return (void *)p;
}

void *plat_dma_alloc(size_t size, size_t align, plat_busaddr_t *bus)
{
    void *p = pool_take(size, align);
    if (!p)
        return NULL;
    memset(p, 0, size);
    if (bus)
        *bus = (uintptr_t)p;
    return p;
}

void *board_alloc(size_t size, size_t align)
{
    return pool_take(size, align);
}

void plat_dma_free(void *p, size_t size)
{
    (void)p;
    (void)size;
}

plat_busaddr_t plat_bus_addr(const void *p) { return (uintptr_t)p; }

size_t plat_dma_pool_left(void) { return pool_end - pool_next; }

void plat_cache_clean(const void *p, size_t len)
{
    uintptr_t line = arch_dcache_line();
    uintptr_t a = (uintptr_t)p & ~(line - 1), end = (uintptr_t)p + len;
    for (; a < end; a += line)
        arch_dcache_clean_line(a);
    arch_dsb();
}

void plat_cache_invalidate(const void *p, size_t len)
{
    uintptr_t line = arch_dcache_line();
    uintptr_t start = (uintptr_t)p, end = start + len;
    uintptr_t a = start & ~(line - 1);
    /* Partial lines at either end may hold CPU data: clean them as well. */
    for (; a < end; a += line) {
        if (a < start || a + line > end)
            arch_dcache_flush_line(a);
        else
            arch_dcache_inval_line(a);
    }
    arch_dsb();
}

/* Device accesses: the barrier before a write publishes earlier normal-memory
 * writes (descriptors before a notify); the one after a read keeps later
 * normal-memory reads behind it (interrupt status before ring reads).  On
 * ARM these are the DMA barriers; on RISC-V normal memory and I/O are
 * separate sets of a FENCE, so arch.h gives the mixed forms (fence w,o and
 * fence i,r). */
#define MMIO_READ(bits)                                                                            \
    uint##bits##_t plat_mmio_read##bits(uintptr_t a)                                               \
    {                                                                                              \
        uint##bits##_t v = *(volatile uint##bits##_t *)a;                                          \
        arch_mmio_rmb();                                                                           \
        return v;                                                                                  \
    }
#define MMIO_WRITE(bits)                                                                           \
    void plat_mmio_write##bits(uintptr_t a, uint##bits##_t v)                                      \
    {                                                                                              \
        arch_mmio_wmb();                                                                           \
        *(volatile uint##bits##_t *)a = v;                                                         \
    }
MMIO_READ(8)
MMIO_READ(16)
MMIO_READ(32)
MMIO_WRITE(8)
MMIO_WRITE(16)
MMIO_WRITE(32)

uint64_t plat_time_ns(void) { return timer_ns(); }

void plat_lock_init(plat_lock_t *l) { (void)l; }
plat_irqstate_t plat_lock(plat_lock_t *l)
{
    (void)l;
    return arch_irq_save();
}
void plat_unlock(plat_lock_t *l, plat_irqstate_t s)
{
    (void)l;
    arch_irq_restore((arch_irqstate_t)s);
}

void plat_log(const char *fmt, ...)
{
    char line[200];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    kprintf("%s\n", line);
}
