/*
 * sim_plat.c - host implementation of drivers/plat/plat.h for unit tests.
 * See sim_plat.h for the model.  "Interrupts" are function calls made
 * when the calling thread holds no plat_lock.  Host code, so it uses the C
 * library freely; file-scope state is fine here (one simulated machine per
 * test process, reset between tests).
 *
 * Threads (sim_plat.h, "Threads"): every entry point that touches the
 * simulated machine's state takes one recursive mutex, so the platform
 * and the devices behind it step one at a time; plat_lock is a real lock
 * between threads and does not take that mutex, so the driver's own
 * critical sections are not serialised by the simulation.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plat.h"
#include "sim_plat.h"

/* ---- the simulation's mutex ------------------------------------------------ */

static pthread_mutex_t sim_mu = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local unsigned sim_depth; /* made recursive by this count */

void sim_lock(void)
{
    if (sim_depth++ == 0)
        pthread_mutex_lock(&sim_mu);
}

void sim_unlock(void)
{
    if (--sim_depth == 0)
        pthread_mutex_unlock(&sim_mu);
}

/* Around a call out of the simulation into driver code (an interrupt
 * handler): release it whatever the depth, then take it again. */
static unsigned sim_release_all(void)
{
    unsigned d = sim_depth;

    if (d) {
        sim_depth = 0;
        pthread_mutex_unlock(&sim_mu);
    }
    return d;
}

static void sim_reacquire(unsigned d)
{
    if (d) {
        pthread_mutex_lock(&sim_mu);
        sim_depth = d;
    }
}

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
    sim_lock();
    if (getenv("SIM_VERBOSE"))
        fprintf(stderr, "[plat_log] %s\n", line);
    n = strlen(line);
    if (log_len + n + 2 > LOG_CAP)
        log_len = 0; /* wrap: keep recent lines */
    memcpy(log_buf + log_len, line, n);
    log_len += n;
    log_buf[log_len++] = '\n';
    log_buf[log_len] = '\0';
    sim_unlock();
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

/* Per 64-byte line of a modelled block: when it was last cleaned,
 * invalidated, given back by the device, written by the device (numbers
 * from one event counter; 0: never). */
struct line_state {
    unsigned long clean, inval, release, devw;
};

struct dma_block {
    void *p;
    size_t size; /* as requested */
    size_t span; /* as allocated */
    uint64_t bus;
    /* cache model (NULL: coherent): the device's view, the CPU's view as
     * of its last sync with memory, and the lines, counted from the line
     * that holds p */
    uint8_t *mem;
    uint8_t *synced;
    struct line_state *lines;
    size_t nlines;
    /* ordering model, for blocks that hold ring areas (NULL: not one, or
     * the model is off; never together with the cache model): the
     * device's view, both sides' last agreed contents, the bytes only a
     * full barrier moves (NULL: none), and whether the device has had a
     * pointer into its view since the last move to the driver */
    uint8_t *dev;
    uint8_t *snap;
    uint8_t *mbonly;
    bool devtouch;
};

static struct dma_block *blocks;
static size_t nblocks, capblocks;
static uint64_t bus_next = 0x40000000u;
static long fail_after = -1;
static uint32_t fail_mask;      /* bit i: allocation number i since sim_dma_fail_mask fails */
static unsigned fail_seq;       /* allocations since sim_dma_fail_mask */
static unsigned long dma_failed; /* allocations refused (either control) */
static bool cache_model;
static bool order_model = true;

static void model_free(struct dma_block *b)
{
    free(b->mem);
    free(b->synced);
    free(b->lines);
    free(b->dev);
    free(b->snap);
    free(b->mbonly);
    b->mem = b->synced = b->dev = b->snap = b->mbonly = NULL;
    b->lines = NULL;
}

void sim_dma_set_bus_base(uint64_t base)
{
    bus_next = base;
}

void sim_dma_fail_after(long n)
{
    fail_after = n;
}

void sim_dma_fail_mask(uint32_t mask)
{
    fail_mask = mask;
    fail_seq = 0;
}

unsigned long sim_dma_failures(void)
{
    return dma_failed;
}

size_t sim_dma_live(void)
{
    return nblocks;
}

static size_t forgiven; /* sim_dma_forgive_live() */

void sim_dma_forgive_live(void)
{
    forgiven = nblocks;
}

static void *plat_dma_alloc_u(size_t size, size_t align, plat_busaddr_t *bus)
{
    struct dma_block *b;
    size_t span;
    void *p;

    if (fail_seq < 32 && (fail_mask >> fail_seq++ & 1u)) {
        dma_failed++;
        return NULL;
    }
    if (fail_after == 0) {
        dma_failed++;
        return NULL;
    }
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
    memset(b, 0, sizeof(*b));
    b->p = p;
    b->size = size;
    b->span = span;
    if (cache_model) {
        uintptr_t first = (uintptr_t)p & ~(uintptr_t)(SIM_CACHE_LINE - 1);

        b->nlines = ((uintptr_t)p + span - first + SIM_CACHE_LINE - 1) / SIM_CACHE_LINE;
        b->mem = malloc(span);
        b->synced = malloc(span);
        b->lines = calloc(b->nlines, sizeof(*b->lines));
        if (!b->mem || !b->synced || !b->lines)
            abort();
        /* The zeroes above were written through the cache: the memory
         * behind it still holds whatever was there, until a clean. */
        memset(b->mem, SIM_CACHE_GARBAGE, span);
        memset(b->synced, SIM_CACHE_GARBAGE, span);
    }
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

static void plat_dma_free_u(void *p, size_t size)
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
        model_free(&blocks[i]);
        blocks[i] = blocks[--nblocks];
        return;
    }
    errs.bad_free++;
}

static plat_busaddr_t plat_bus_addr_u(const void *p)
{
    struct dma_block *b = find_host(p, 1);

    if (!b) {
        errs.bad_bus_addr++;
        return 0xdead0000dead0000ull;
    }
    return b->bus + (uint64_t)((const uint8_t *)p - (const uint8_t *)b->p);
}

static struct dma_block *find_bus(uint64_t bus, size_t len)
{
    size_t i;

    for (i = 0; i < nblocks; i++) {
        struct dma_block *b = &blocks[i];

        if (bus >= b->bus && bus - b->bus <= b->span && len <= b->span - (bus - b->bus))
            return b;
    }
    return NULL;
}

bool sim_dma_block(uint64_t bus, uint64_t *base, size_t *size)
{
    sim_lock();
    struct dma_block *b = find_bus(bus, 1);
    if (b) {
        *base = b->bus;
        *size = b->size;
    }
    sim_unlock();
    return b != NULL;
}

/* The device's view: the memory itself, behind the modelled cache. */
void *sim_dma_ptr(uint64_t bus, size_t len)
{
    struct dma_block *b = find_bus(bus, len);

    if (!b)
        return NULL;
    if (b->dev)
        b->devtouch = true;
    return (b->mem ? b->mem : b->dev ? b->dev : (uint8_t *)b->p) + (bus - b->bus);
}

/* ---- ordering ------------------------------------------------------------- */

#define MAX_OBSERVERS 16u

static struct {
    void (*fn)(void *ctx);
    void *ctx;
} observers[MAX_OBSERVERS];
static struct sim_order_stats order;
static bool observing; /* an observer's own accesses do not recurse */

const struct sim_order_stats *sim_order_stats(void)
{
    return &order;
}

void sim_order_model(bool on)
{
    order_model = on;
}

void sim_dma_observe(void (*fn)(void *ctx), void *ctx)
{
    for (unsigned i = 0; i < MAX_OBSERVERS; i++)
        if (!observers[i].fn) {
            observers[i].fn = fn;
            observers[i].ctx = ctx;
            return;
        }
    abort(); /* more simulated devices than any test needs */
}

void sim_dma_unobserve(void (*fn)(void *ctx), void *ctx)
{
    for (unsigned i = 0; i < MAX_OBSERVERS; i++)
        if (observers[i].fn == fn && observers[i].ctx == ctx)
            observers[i].fn = NULL;
}

static bool observers_on = true;

void sim_dma_observers(bool on)
{
    observers_on = on;
}

static void run_observers(void)
{
    if (observing || !observers_on)
        return;
    observing = true;
    for (unsigned i = 0; i < MAX_OBSERVERS; i++)
        if (observers[i].fn)
            observers[i].fn(observers[i].ctx);
    observing = false;
}

/* Chunks that compare equal are skipped whole: most of a block is quiet
 * between two barriers.  A plain word loop, outside the sanitizers: this
 * runs at every barrier over every ring area. */
#define ORDER_CHUNK 256u

__attribute__((no_sanitize("address", "undefined"))) static bool chunk_same(const uint8_t *a,
                                                                           const uint8_t *b,
                                                                           size_t n)
{
    uint64_t x = 0, y, z;
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&y, a + i, 8);
        memcpy(&z, b + i, 8);
        x |= y ^ z;
    }
    for (; i < n; i++)
        x |= (uint64_t)(a[i] ^ b[i]);
    return x == 0;
}

/* The driver's stores since the last agreement go to the device's view
 * (mb-only bytes only when `full`). */
static void move_to_device(struct dma_block *b, bool full)
{
    uint8_t *cpu = b->p;
    bool held = false;

    for (size_t o = 0; o < b->span; o += ORDER_CHUNK) {
        size_t n = b->span - o < ORDER_CHUNK ? b->span - o : ORDER_CHUNK;

        if (chunk_same(cpu + o, b->snap + o, n))
            continue;
        for (size_t i = o; i < o + n; i++) {
            if (cpu[i] == b->snap[i])
                continue;
            if (!full && b->mbonly && b->mbonly[i]) {
                held = true;
                continue;
            }
            b->dev[i] = b->snap[i] = cpu[i];
            order.to_device++;
        }
    }
    if (held)
        order.held_mbonly++;
}

/* The device's writes since the last agreement go to the driver's memory,
 * except where the driver wrote too (its store is the later one). */
static void move_to_driver(struct dma_block *b)
{
    uint8_t *cpu = b->p;

    for (size_t o = 0; o < b->span; o += ORDER_CHUNK) {
        size_t n = b->span - o < ORDER_CHUNK ? b->span - o : ORDER_CHUNK;

        if (chunk_same(b->dev + o, b->snap + o, n))
            continue;
        for (size_t i = o; i < o + n; i++) {
            if (b->dev[i] == b->snap[i] || cpu[i] != b->snap[i])
                continue;
            cpu[i] = b->snap[i] = b->dev[i];
            order.to_driver++;
        }
    }
}

static void order_barrier(unsigned kind)
{
    run_observers();
    for (size_t i = 0; i < nblocks; i++) {
        struct dma_block *b = &blocks[i];

        if (!b->dev)
            continue;
        if (kind & 2u)
            move_to_device(b, kind == 3u);
        if ((kind & 1u) && b->devtouch) {
            move_to_driver(b);
            b->devtouch = false;
        }
    }
}

static void sim_dma_barrier_u(unsigned kind)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    order.barriers[kind & 3u]++;
    order_barrier(kind & 3u);
}

void *sim_dma_peek(uint64_t bus, size_t len)
{
    struct dma_block *b = find_bus(bus, len);

    if (!b)
        return NULL;
    return (b->mem ? b->mem : (uint8_t *)b->p) + (bus - b->bus);
}

void sim_dma_publish(uint64_t bus, size_t len)
{
    struct dma_block *b = find_bus(bus, len);
    size_t off;

    order.published++;
    if (!b || !b->dev)
        return;
    off = (size_t)(bus - b->bus);
    memcpy((uint8_t *)b->p + off, b->dev + off, len);
    memcpy(b->snap + off, b->dev + off, len);
}

void sim_dma_ring(uint64_t bus, size_t len)
{
    struct dma_block *b = find_bus(bus, len);

    if (!b || b->mem || b->dev || !order_model)
        return;
    /* From here on two copies, agreeing on what the block holds now. */
    b->dev = malloc(b->span);
    b->snap = malloc(b->span);
    if (!b->dev || !b->snap)
        abort();
    memcpy(b->dev, b->p, b->span);
    memcpy(b->snap, b->p, b->span);
}

void sim_dma_mbonly(uint64_t bus, size_t len)
{
    struct dma_block *b = find_bus(bus, len);

    sim_dma_ring(bus, len);
    if (!b || !b->dev)
        return;
    if (!b->mbonly) {
        b->mbonly = calloc(1, b->span);
        if (!b->mbonly)
            abort();
    }
    memset(b->mbonly + (bus - b->bus), 1, len);
}

void *sim_dma_cpu_ptr(uint64_t bus, size_t len)
{
    struct dma_block *b = find_bus(bus, len);

    return b ? (uint8_t *)b->p + (bus - b->bus) : NULL;
}

/* ---- cache -------------------------------------------------------------- */

static struct sim_cache_stats cache;
static struct sim_cache_op cache_log[SIM_CACHE_LOG];
static size_t cache_nops;
static unsigned long cache_seq; /* event counter for the line states */

const struct sim_cache_stats *sim_cache_stats(void)
{
    return &cache;
}

void sim_cache_model(bool on)
{
    cache_model = on;
}

size_t sim_cache_nops(void)
{
    return cache_nops;
}

const struct sim_cache_op *sim_cache_op(size_t i)
{
    if (i >= cache_nops || cache_nops - i > SIM_CACHE_LOG)
        return NULL;
    return &cache_log[i % SIM_CACHE_LOG];
}

bool sim_cache_covered(bool invalidate, const void *p, size_t len, size_t since)
{
    const uint8_t *lo = p, *hi = lo + len;
    bool progress = true;

    /* Grow the covered prefix [lo, ...) until it reaches hi. */
    while (lo < hi && progress) {
        progress = false;
        for (size_t i = since; i < cache_nops; i++) {
            const struct sim_cache_op *op = sim_cache_op(i);
            const uint8_t *a, *b;

            if (!op || op->invalidate != invalidate)
                continue;
            a = op->p;
            b = a + op->len;
            if (a <= lo && b > lo) {
                lo = b;
                progress = true;
            }
        }
    }
    return lo >= hi;
}

/* Line k of a modelled block: its bytes inside the block. */
static void line_range(const struct dma_block *b, size_t k, size_t *off, size_t *n)
{
    uintptr_t first = (uintptr_t)b->p & ~(uintptr_t)(SIM_CACHE_LINE - 1);
    uintptr_t a = first + k * SIM_CACHE_LINE, e = a + SIM_CACHE_LINE;
    uintptr_t s = (uintptr_t)b->p, t = s + b->span;

    if (a < s)
        a = s;
    if (e > t)
        e = t;
    *off = a - s;
    *n = e > a ? e - a : 0;
}

/* Lines [k0, k1) of a modelled block that [off, off+len) touches. */
static void line_span(const struct dma_block *b, size_t off, size_t len, size_t *k0, size_t *k1)
{
    uintptr_t first = (uintptr_t)b->p & ~(uintptr_t)(SIM_CACHE_LINE - 1);
    uintptr_t a = (uintptr_t)b->p + off;

    *k0 = (a - first) / SIM_CACHE_LINE;
    *k1 = len ? (a + len - 1 - first) / SIM_CACHE_LINE + 1 : *k0;
    if (*k1 > b->nlines)
        *k1 = b->nlines;
}

static bool line_dirty(const struct dma_block *b, size_t k)
{
    size_t off, n;

    line_range(b, k, &off, &n);
    return memcmp((const uint8_t *)b->p + off, b->synced + off, n) != 0;
}

static void cache_log_op(bool invalidate, const void *p, size_t len)
{
    struct sim_cache_op *op = &cache_log[cache_nops % SIM_CACHE_LOG];

    op->invalidate = invalidate;
    op->p = p;
    op->len = len;
    cache_nops++;
}

static void plat_cache_clean_u(const void *p, size_t len)
{
    struct dma_block *b = find_host(p, len);
    size_t k, k0, k1, off, n;

    cache.cleans++;
    cache.clean_bytes += len;
    cache_log_op(false, p, len);
    if (!b) {
        errs.bad_cache++;
        return;
    }
    if (!b->mem)
        return;
    cache_seq++;
    line_span(b, (size_t)((const uint8_t *)p - (const uint8_t *)b->p), len, &k0, &k1);
    for (k = k0; k < k1; k++) {
        line_range(b, k, &off, &n);
        /* A dirty line goes back whole: bytes the device wrote meanwhile
         * are overwritten with the CPU's stale copy, as in hardware. */
        if (line_dirty(b, k)) {
            memcpy(b->mem + off, (uint8_t *)b->p + off, n);
            memcpy(b->synced + off, (uint8_t *)b->p + off, n);
        }
        b->lines[k].clean = cache_seq;
    }
}

static void plat_cache_invalidate_u(const void *p, size_t len)
{
    struct dma_block *b = find_host(p, len);
    size_t k, k0, k1, off, n;

    cache.invalidates++;
    cache.invalidate_bytes += len;
    cache_log_op(true, p, len);
    if (!b) {
        errs.bad_cache++;
        return;
    }
    if (!b->mem)
        return;
    cache_seq++;
    line_span(b, (size_t)((const uint8_t *)p - (const uint8_t *)b->p), len, &k0, &k1);
    for (k = k0; k < k1; k++) {
        line_range(b, k, &off, &n);
        if (line_dirty(b, k))
            cache.dirty_discards++;
        memcpy((uint8_t *)b->p + off, b->mem + off, n);
        memcpy(b->synced + off, b->mem + off, n);
        b->lines[k].inval = cache_seq;
    }
}

/* The modelled block holding [bus, bus+len) and the lines it touches. */
static struct dma_block *model_lines(uint64_t bus, size_t len, size_t *k0, size_t *k1)
{
    struct dma_block *b = find_bus(bus, len);

    if (!b || !b->mem)
        return NULL;
    line_span(b, (size_t)(bus - b->bus), len, k0, k1);
    return b;
}

void sim_cache_device_read(uint64_t bus, size_t len)
{
    size_t k, k0, k1;
    struct dma_block *b = model_lines(bus, len, &k0, &k1);

    for (k = k0; b && k < k1; k++)
        if (line_dirty(b, k))
            cache.device_saw_dirty++;
}

void sim_cache_handover(uint64_t bus, size_t len)
{
    size_t k, k0, k1;
    struct dma_block *b = model_lines(bus, len, &k0, &k1);

    for (k = k0; b && k < k1; k++) {
        if (line_dirty(b, k))
            cache.device_saw_dirty++;
        if (b->lines[k].clean == 0 || b->lines[k].clean <= b->lines[k].release)
            cache.unclean_handovers++;
    }
}

void sim_cache_release(uint64_t bus, size_t len, size_t written)
{
    size_t k, k0, k1;
    struct dma_block *b = model_lines(bus, len, &k0, &k1);

    if (!b)
        return;
    cache_seq++;
    for (k = k0; k < k1; k++)
        b->lines[k].release = cache_seq;
    if (written > len)
        written = len;
    line_span(b, (size_t)(bus - b->bus), written, &k0, &k1);
    for (k = k0; k < k1; k++)
        b->lines[k].devw = cache_seq;
}

size_t sim_cache_unsynced(void)
{
    size_t i, k, n = 0;

    for (i = 0; i < nblocks; i++)
        for (k = 0; blocks[i].mem && k < blocks[i].nlines; k++)
            if (blocks[i].lines[k].devw > blocks[i].lines[k].inval)
                n++;
    return n;
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

static uint32_t mmio_read_u(uintptr_t addr, unsigned width)
{
    struct window *w = find_window(addr, width);

    return w ? w->ops->read(w->ctx, (uint32_t)(addr - w->base), width) : 0xffffffffu;
}

static void mmio_write_u(uintptr_t addr, unsigned width, uint32_t v)
{
    struct window *w;

    /* The ports order an MMIO write after earlier stores (a doorbell must
     * not overtake the ring it rings for): a wmb, as far as DMA goes. */
    order.mmio_writes++;
    order_barrier(2u);
    w = find_window(addr, width);

    if (w)
        w->ops->write(w->ctx, (uint32_t)(addr - w->base), width, v);
}

static uint32_t mmio_read(uintptr_t addr, unsigned width);
static void mmio_write(uintptr_t addr, unsigned width, uint32_t v);

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
static _Thread_local int cpu_masked; /* > 0: interrupts masked at this thread's "CPU" */
static bool sync_irqs;

static int plat_irq_attach_u(unsigned irq, unsigned flags, plat_irq_handler_t fn, void *arg)
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

static void plat_irq_unmask_u(unsigned irq)
{
    if (irq >= SIM_MAX_IRQ)
        return;
    lines[irq].masked = false;
    if (sync_irqs)
        sim_run_irqs();
}

static void plat_irq_mask_u(unsigned irq)
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

unsigned sim_irq_flags(unsigned irq)
{
    return irq < SIM_MAX_IRQ ? lines[irq].flags : 0;
}

unsigned sim_irq_delivered(unsigned irq)
{
    return irq < SIM_MAX_IRQ ? lines[irq].delivered : 0;
}

void sim_irq_set_sync(bool sync)
{
    sync_irqs = sync;
}

static unsigned sim_run_irqs_u(void)
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
            plat_irq_handler_t fn = l->fn;
            void *arg = l->arg;
            unsigned held = sim_release_all(); /* driver code: not under sim_mu */
            fn(arg);
            sim_reacquire(held);
            cpu_masked--;
        }
        if (!any)
            return count;
    }
    errs.irq_storm++;
    return count;
}

static void sim_irq_set_level_u(unsigned irq, bool level)
{
    if (irq >= SIM_MAX_IRQ)
        return;
    lines[irq].level = level;
    if (level && sync_irqs)
        sim_run_irqs();
}

static void sim_irq_inject_u(unsigned irq)
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
    __atomic_store_n(&l->held, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&l->owner, 0u, __ATOMIC_RELAXED);
}

static unsigned next_tid = 1;
static _Thread_local unsigned my_tid;

static unsigned thread_id(void)
{
    if (!my_tid)
        my_tid = __atomic_fetch_add(&next_tid, 1u, __ATOMIC_RELAXED);
    return my_tid;
}

/* Masks this thread's "interrupts" and takes the lock: a spinlock between
 * threads (acquire/release, which ThreadSanitizer follows), as on SMP. */
plat_irqstate_t plat_lock(plat_lock_t *l)
{
    plat_irqstate_t prev = cpu_masked;
    unsigned me = thread_id();

    cpu_masked++;
    if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == me) {
        sim_lock();
        errs.lock_recursion++; /* would deadlock on a real machine */
        sim_unlock();
        return prev;
    }
    while (__atomic_exchange_n(&l->held, 1, __ATOMIC_ACQUIRE))
        sched_yield();
    __atomic_store_n(&l->owner, me, __ATOMIC_RELAXED);
    return prev;
}

void plat_unlock(plat_lock_t *l, plat_irqstate_t s)
{
    __atomic_store_n(&l->owner, 0u, __ATOMIC_RELAXED);
    __atomic_store_n(&l->held, 0, __ATOMIC_RELEASE);
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

static uint64_t plat_time_ns_u(void)
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
    size_t leaked = nblocks > forgiven ? nblocks - forgiven : 0, i;

    for (i = 0; i < nblocks; i++) {
        free(blocks[i].p);
        model_free(&blocks[i]);
    }
    free(blocks);
    blocks = NULL;
    nblocks = capblocks = 0;
    forgiven = 0;
    bus_next = 0x40000000u;
    fail_after = -1;
    fail_mask = 0;
    fail_seq = 0;
    dma_failed = 0;
    memset(&errs, 0, sizeof(errs));
    memset(&cache, 0, sizeof(cache));
    cache_nops = 0;
    cache_seq = 0;
    cache_model = false;
    order_model = true;
    memset(&order, 0, sizeof(order));
    memset(observers, 0, sizeof(observers));
    observing = false;
    observers_on = true;
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

bool sim_cache_model_ok(void)
{
    size_t unsynced = sim_cache_unsynced();

    if (cache.dirty_discards == 0 && cache.device_saw_dirty == 0 && cache.unclean_handovers == 0 &&
        unsynced == 0)
        return true;
    fprintf(stderr, "cache model: %lu dirty discards, %lu dirty lines seen by the device, "
            "%lu unclean handovers, %zu lines written by the device and not invalidated\n",
            cache.dirty_discards, cache.device_saw_dirty, cache.unclean_handovers, unsynced);
    return false;
}

bool sim_plat_finish(void)
{
    bool ok = sim_plat_ok() && sim_cache_model_ok();
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

/* ---- the entry points, under sim_mu ------------------------------------- */

void *plat_dma_alloc(size_t size, size_t align, plat_busaddr_t *bus)
{
    sim_lock();
    void *r = plat_dma_alloc_u(size, align, bus);
    sim_unlock();
    return r;
}

void plat_dma_free(void *p, size_t size)
{
    sim_lock();
    plat_dma_free_u(p, size);
    sim_unlock();
}

plat_busaddr_t plat_bus_addr(const void *p)
{
    sim_lock();
    plat_busaddr_t r = plat_bus_addr_u(p);
    sim_unlock();
    return r;
}

void plat_cache_clean(const void *p, size_t len)
{
    sim_lock();
    plat_cache_clean_u(p, len);
    sim_unlock();
}

void plat_cache_invalidate(const void *p, size_t len)
{
    sim_lock();
    plat_cache_invalidate_u(p, len);
    sim_unlock();
}

void sim_dma_barrier(unsigned kind)
{
    sim_lock();
    sim_dma_barrier_u(kind);
    sim_unlock();
}

static uint32_t mmio_read(uintptr_t addr, unsigned width)
{
    sim_lock();
    uint32_t r = mmio_read_u(addr, width);
    sim_unlock();
    return r;
}

static void mmio_write(uintptr_t addr, unsigned width, uint32_t v)
{
    sim_lock();
    mmio_write_u(addr, width, v);
    sim_unlock();
}

int plat_irq_attach(unsigned irq, unsigned flags, plat_irq_handler_t fn, void *arg)
{
    sim_lock();
    int r = plat_irq_attach_u(irq, flags, fn, arg);
    sim_unlock();
    return r;
}

void plat_irq_unmask(unsigned irq)
{
    sim_lock();
    plat_irq_unmask_u(irq);
    sim_unlock();
}

void plat_irq_mask(unsigned irq)
{
    sim_lock();
    plat_irq_mask_u(irq);
    sim_unlock();
}

void sim_irq_set_level(unsigned irq, bool level)
{
    sim_lock();
    sim_irq_set_level_u(irq, level);
    sim_unlock();
}

void sim_irq_inject(unsigned irq)
{
    sim_lock();
    sim_irq_inject_u(irq);
    sim_unlock();
}

uint64_t plat_time_ns(void)
{
    sim_lock();
    uint64_t r = plat_time_ns_u();
    sim_unlock();
    return r;
}

unsigned sim_run_irqs(void)
{
    sim_lock();
    unsigned r = sim_run_irqs_u();
    sim_unlock();
    return r;
}
