/*
 * sim_plat.c - host implementation of drivers/plat/plat.h for unit tests.
 * See sim_plat.h for the model.  Single-threaded: "interrupts" are
 * function calls made when nothing holds a plat_lock.  Host code, so it
 * uses the C library freely; file-scope state is fine here (one simulated
 * machine per test process, reset between tests).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"
#include "sim_plat.h"

/* ---- errors ------------------------------------------------------------- */

static struct sim_plat_errors errs;

const struct sim_plat_errors *sim_plat_errors(void)
{
    return &errs;
}

bool sim_plat_ok(void)
{
    return errs.bad_mmio == 0 && errs.bad_bus_addr == 0 && errs.bad_free == 0 &&
           errs.bad_cache == 0 && errs.lock_recursion == 0 && errs.irq_storm == 0;
}

/* ---- log ---------------------------------------------------------------- */

#define LOG_CAP 65536
static char log_buf[LOG_CAP];
static size_t log_len;

void plat_log(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    size_t n;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (getenv("SIM_VERBOSE"))
        fprintf(stderr, "[plat_log] %s\n", line);
    n = strlen(line);
    if (log_len + n + 2 > LOG_CAP)
        log_len = 0; /* wrap: keep recent lines */
    memcpy(log_buf + log_len, line, n);
    log_len += n;
    log_buf[log_len++] = '\n';
    log_buf[log_len] = '\0';
}

const char *sim_log_text(void)
{
    return log_buf;
}

bool sim_log_contains(const char *needle)
{
    return strstr(log_buf, needle) != NULL;
}

void sim_log_clear(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

/* ---- DMA ---------------------------------------------------------------- */

struct dma_block {
    void *p;
    size_t size; /* as requested */
    size_t span; /* as allocated */
    uint64_t bus;
};

static struct dma_block *blocks;
static size_t nblocks, capblocks;
static uint64_t bus_next = 0x40000000u;
static long fail_after = -1;

void sim_dma_set_bus_base(uint64_t base)
{
    bus_next = base;
}

void sim_dma_fail_after(long n)
{
    fail_after = n;
}

size_t sim_dma_live(void)
{
    return nblocks;
}

void *plat_dma_alloc(size_t size, size_t align, plat_busaddr_t *bus)
{
    struct dma_block *b;
    size_t span;
    void *p;

    if (fail_after == 0)
        return NULL;
    if (fail_after > 0)
        fail_after--;
    if (align < 16)
        align = 16;
    span = (size + align - 1) & ~(align - 1);
    if (span == 0)
        span = align;
    p = aligned_alloc(align, span);
    if (!p)
        return NULL;
    memset(p, 0, span);
    if (nblocks == capblocks) {
        size_t nc = capblocks ? capblocks * 2 : 64;
        struct dma_block *nb = realloc(blocks, nc * sizeof(*nb));

        if (!nb) {
            free(p);
            return NULL;
        }
        blocks = nb;
        capblocks = nc;
    }
    b = &blocks[nblocks++];
    b->p = p;
    b->size = size;
    b->span = span;
    /* Same alignment on the bus as requested, plus a guard gap. */
    b->bus = (bus_next + align - 1) & ~(uint64_t)(align - 1);
    bus_next = b->bus + span + 4096;
    if (bus)
        *bus = b->bus;
    return p;
}

static struct dma_block *find_host(const void *p, size_t len)
{
    const uint8_t *q = p;
    size_t i;

    for (i = 0; i < nblocks; i++) {
        const uint8_t *s = blocks[i].p;

        if (q >= s && q < s + blocks[i].span && len <= (size_t)(s + blocks[i].span - q))
            return &blocks[i];
    }
    return NULL;
}

void plat_dma_free(void *p, size_t size)
{
    size_t i;

    if (!p)
        return;
    for (i = 0; i < nblocks; i++) {
        if (blocks[i].p != p)
            continue;
        if (blocks[i].size != size)
            errs.bad_free++;
        free(p);
        blocks[i] = blocks[--nblocks];
        return;
    }
    errs.bad_free++;
}

plat_busaddr_t plat_bus_addr(const void *p)
{
    struct dma_block *b = find_host(p, 1);

    if (!b) {
        errs.bad_bus_addr++;
        return 0xdead0000dead0000ull;
    }
    return b->bus + (uint64_t)((const uint8_t *)p - (const uint8_t *)b->p);
}

void *sim_dma_ptr(uint64_t bus, size_t len)
{
    size_t i;

    for (i = 0; i < nblocks; i++) {
        struct dma_block *b = &blocks[i];

        if (bus >= b->bus && bus - b->bus <= b->span && len <= b->span - (bus - b->bus))
            return (uint8_t *)b->p + (bus - b->bus);
    }
    return NULL;
}

/* ---- cache -------------------------------------------------------------- */

static struct sim_cache_stats cache;

const struct sim_cache_stats *sim_cache_stats(void)
{
    return &cache;
}

void plat_cache_clean(const void *p, size_t len)
{
    cache.cleans++;
    if (!find_host(p, len))
        errs.bad_cache++;
}

void plat_cache_invalidate(const void *p, size_t len)
{
    cache.invalidates++;
    if (!find_host(p, len))
        errs.bad_cache++;
}

/* ---- MMIO --------------------------------------------------------------- */

#define MAX_WINDOWS 16
struct window {
    uintptr_t base;
    size_t size;
    const struct sim_mmio_ops *ops;
    void *ctx;
};
static struct window windows[MAX_WINDOWS];

uintptr_t sim_mmio_register(const struct sim_mmio_ops *ops, void *ctx, size_t size)
{
    unsigned i;

    for (i = 0; i < MAX_WINDOWS; i++) {
        if (windows[i].ops)
            continue;
        windows[i].base = SIM_MMIO_BASE + i * SIM_MMIO_STRIDE;
        windows[i].size = size;
        windows[i].ops = ops;
        windows[i].ctx = ctx;
        return windows[i].base;
    }
    abort();
}

void sim_mmio_unregister(uintptr_t base)
{
    unsigned i;

    for (i = 0; i < MAX_WINDOWS; i++)
        if (windows[i].ops && windows[i].base == base)
            memset(&windows[i], 0, sizeof(windows[i]));
}

static struct window *find_window(uintptr_t addr, unsigned width)
{
    unsigned i;

    for (i = 0; i < MAX_WINDOWS; i++) {
        struct window *w = &windows[i];

        if (w->ops && addr >= w->base && addr - w->base + width <= w->size)
            return w;
    }
    errs.bad_mmio++;
    return NULL;
}

static uint32_t mmio_read(uintptr_t addr, unsigned width)
{
    struct window *w = find_window(addr, width);

    return w ? w->ops->read(w->ctx, (uint32_t)(addr - w->base), width) : 0xffffffffu;
}

static void mmio_write(uintptr_t addr, unsigned width, uint32_t v)
{
    struct window *w = find_window(addr, width);

    if (w)
        w->ops->write(w->ctx, (uint32_t)(addr - w->base), width, v);
}

uint8_t plat_mmio_read8(uintptr_t addr)
{
    return (uint8_t)mmio_read(addr, 1);
}

uint16_t plat_mmio_read16(uintptr_t addr)
{
    return (uint16_t)mmio_read(addr, 2);
}

uint32_t plat_mmio_read32(uintptr_t addr)
{
    return mmio_read(addr, 4);
}

void plat_mmio_write8(uintptr_t addr, uint8_t v)
{
    mmio_write(addr, 1, v);
}

void plat_mmio_write16(uintptr_t addr, uint16_t v)
{
    mmio_write(addr, 2, v);
}

void plat_mmio_write32(uintptr_t addr, uint32_t v)
{
    mmio_write(addr, 4, v);
}

/* ---- interrupts --------------------------------------------------------- */

struct irq_line {
    plat_irq_handler_t fn;
    void *arg;
    unsigned flags;
    bool attached;
    bool masked;
    bool level;
    bool injected;
    unsigned delivered;
};
static struct irq_line lines[SIM_MAX_IRQ];
static int cpu_masked; /* > 0: interrupts masked at the "CPU" */
static bool sync_irqs;

int plat_irq_attach(unsigned irq, unsigned flags, plat_irq_handler_t fn, void *arg)
{
    if (irq >= SIM_MAX_IRQ || !fn)
        return -22;
    lines[irq].fn = fn;
    lines[irq].arg = arg;
    lines[irq].flags = flags;
    lines[irq].attached = true;
    lines[irq].masked = true;
    return 0;
}

void plat_irq_unmask(unsigned irq)
{
    if (irq >= SIM_MAX_IRQ)
        return;
    lines[irq].masked = false;
    if (sync_irqs)
        sim_run_irqs();
}

void plat_irq_mask(unsigned irq)
{
    if (irq < SIM_MAX_IRQ)
        lines[irq].masked = true;
}

bool sim_irq_attached(unsigned irq)
{
    return irq < SIM_MAX_IRQ && lines[irq].attached;
}

bool sim_irq_masked(unsigned irq)
{
    return irq >= SIM_MAX_IRQ || lines[irq].masked;
}

unsigned sim_irq_delivered(unsigned irq)
{
    return irq < SIM_MAX_IRQ ? lines[irq].delivered : 0;
}

void sim_irq_set_sync(bool sync)
{
    sync_irqs = sync;
}

unsigned sim_run_irqs(void)
{
    unsigned count = 0, round, i;
    bool any;

    if (cpu_masked)
        return 0;
    for (round = 0; round < 64; round++) {
        any = false;
        for (i = 0; i < SIM_MAX_IRQ; i++) {
            struct irq_line *l = &lines[i];

            if (!l->attached || l->masked || !(l->level || l->injected))
                continue;
            any = true;
            l->injected = false;
            l->delivered++;
            count++;
            cpu_masked++; /* the handler runs with interrupts masked */
            l->fn(l->arg);
            cpu_masked--;
        }
        if (!any)
            return count;
    }
    errs.irq_storm++;
    return count;
}

void sim_irq_set_level(unsigned irq, bool level)
{
    if (irq >= SIM_MAX_IRQ)
        return;
    lines[irq].level = level;
    if (level && sync_irqs)
        sim_run_irqs();
}

void sim_irq_inject(unsigned irq)
{
    if (irq >= SIM_MAX_IRQ)
        return;
    lines[irq].injected = true;
    if (sync_irqs)
        sim_run_irqs();
}

/* ---- locks -------------------------------------------------------------- */

void plat_lock_init(plat_lock_t *l)
{
    l->held = 0;
}

plat_irqstate_t plat_lock(plat_lock_t *l)
{
    plat_irqstate_t prev = cpu_masked;

    cpu_masked++;
    if (l->held)
        errs.lock_recursion++; /* would deadlock on a real machine */
    l->held = 1;
    return prev;
}

void plat_unlock(plat_lock_t *l, plat_irqstate_t s)
{
    l->held = 0;
    cpu_masked = s;
    if (!cpu_masked && sync_irqs)
        sim_run_irqs();
}

/* ---- time --------------------------------------------------------------- */

static uint64_t now_ns = 1000000000ull;
static uint64_t step_ns = 1000;
static unsigned long time_reads;
static void (*time_hook)(void *);
static void *time_hook_arg;
static bool in_time_hook;

uint64_t plat_time_ns(void)
{
    time_reads++;
    now_ns += step_ns;
    if (time_hook && !in_time_hook) {
        in_time_hook = true;
        time_hook(time_hook_arg);
        in_time_hook = false;
    }
    return now_ns;
}

void sim_time_advance(uint64_t ns)
{
    now_ns += ns;
}

void sim_time_set_step(uint64_t ns)
{
    step_ns = ns;
}

void sim_time_set_hook(void (*fn)(void *arg), void *arg)
{
    time_hook = fn;
    time_hook_arg = arg;
}

unsigned long sim_time_reads(void)
{
    return time_reads;
}

/* ---- reset -------------------------------------------------------------- */

size_t sim_plat_reset(void)
{
    size_t leaked = nblocks, i;

    for (i = 0; i < nblocks; i++)
        free(blocks[i].p);
    free(blocks);
    blocks = NULL;
    nblocks = capblocks = 0;
    bus_next = 0x40000000u;
    fail_after = -1;
    memset(&errs, 0, sizeof(errs));
    memset(&cache, 0, sizeof(cache));
    memset(windows, 0, sizeof(windows));
    memset(lines, 0, sizeof(lines));
    cpu_masked = 0;
    sync_irqs = false;
    step_ns = 1000;
    time_reads = 0;
    time_hook = NULL;
    time_hook_arg = NULL;
    in_time_hook = false;
    sim_log_clear();
    return leaked;
}

bool sim_plat_finish(void)
{
    bool ok = sim_plat_ok();
    if (!ok) {
        const struct sim_plat_errors *e = sim_plat_errors();

        fprintf(stderr, "plat errors: mmio %u bus %u free %u cache %u lock %u storm %u\n", e->bad_mmio,
                e->bad_bus_addr, e->bad_free, e->bad_cache, e->lock_recursion, e->irq_storm);
    }
    size_t leaked = sim_plat_reset();
    if (leaked)
        fprintf(stderr, "leaked %zu DMA blocks\n", leaked);
    return ok && !leaked;
}
