/*
 * test_virtio_rng.c - the virtio-rng driver (drivers/virtio/virtio_rng.c)
 * against the simulated device with the rng model, in both transport
 * versions: interrupt mode (synchronous and delayed device), polling mode,
 * async reads, short device reads, timeouts, a device fault, a
 * DEVICE_NEEDS_RESET in the middle of a read, and init failures; a device
 * without an interrupt (VIRTIO_NO_IRQ) read by polling whatever mode was
 * asked, nothing attached; a device without dma-coherent behind the
 * simulated cache (sim_cache_model) in both modes, and a coherent one that
 * gets no cache maintenance at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "virtio/virtio.h"
#include "virtio/virtio_rng.h"

#define MS 1000000ull

struct rfix {
    struct vfix *fx;
    struct sim_rng model;
    struct virtio_rng rng;
    bool inited;
    unsigned waits;
    unsigned wakeups;
    int async_result;
    unsigned async_calls;
    unsigned reset_at_wait; /* raise DEVICE_NEEDS_RESET at this wait call */
};

static int rng_setup(void **state)
{
    struct rfix *r;
    int err = vfix_setup(state);

    if (err)
        return err;
    r = calloc(1, sizeof(*r));
    if (!r)
        return -1;
    r->fx = *state;
    r->fx->user = r;
    return 0;
}

static int rng_teardown(void **state)
{
    struct vfix *fx = *state;
    struct rfix *r = fx->user;

    if (r->inited)
        virtio_rng_shutdown(&r->rng);
    free(r);
    return vfix_teardown(state);
}

#define RNG_TEST(f)                                                                   \
    {#f "/v1", f, rng_setup, rng_teardown, &vfix_v1},                                 \
    {#f "/v2", f, rng_setup, rng_teardown, &vfix_v2},                                 \
    {                                                                                 \
        #f "/v2p", f, rng_setup, rng_teardown, &vfix_v2p                               \
    }

static struct rfix *mk(void **state, uint64_t features)
{
    struct vfix *fx = *state;
    struct rfix *r = fx->user;

    vfix_create(fx, VIRTIO_ID_RNG, features, 1, 64);
    sim_rng_attach(fx->sim, &r->model);
    return r;
}

static int init(struct rfix *r, enum virtio_rng_mode mode, uint32_t buf_size)
{
    struct virtio_rng_config cfg;
    int err;

    memset(&cfg, 0, sizeof(cfg));
    cfg.mode = mode;
    cfg.buf_size = buf_size;
    err = virtio_rng_init(&r->rng, &r->fx->dev, &cfg);
    r->inited = err == 0;
    return err;
}

/* The model produces 0, 1, 2, ... */
static void check_pattern(const uint8_t *b, size_t n, uint8_t first)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (b[i] != (uint8_t)(first + i))
            fail_msg("byte %zu is %u, expected %u", i, b[i], (uint8_t)(first + i));
}

static void wait_process(void *arg)
{
    struct rfix *r = arg;

    r->waits++;
    if (r->reset_at_wait && r->waits == r->reset_at_wait) {
        sim_virtio_set_needs_reset(r->fx->sim);
        sim_run_irqs();
        return;
    }
    sim_virtio_process(r->fx->sim, 0);
    sim_run_irqs();
}

static void wait_nothing(void *arg)
{
    ((struct rfix *)arg)->waits++;
}

/* ---- init ------------------------------------------------------------------------- */

static void test_rng_init_irq(void **state)
{
    struct rfix *r = mk(state, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    struct vfix *fx = r->fx;

    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
    assert_int_equal(r->rng.buf_size, VIRTIO_RNG_DEFAULT_BUF);
    assert_true(fx->sim->status & VIRTIO_STATUS_DRIVER_OK);
    assert_int_equal(fx->sim->ready_at_driver_ok, 1);
    assert_true(sim_irq_attached(fx->sim->irq));
    assert_false(sim_irq_masked(fx->sim->irq));
    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_EVENT_IDX));
    assert_non_null(r->rng.vq);
    assert_int_equal(virtqueue_size(r->rng.vq), 4);
}

/* Without coherent DMA the buffer the device fills is alone in its cache
 * lines whatever size it is given: its allocation starts and ends on a
 * line, so nothing allocated after it shares the last one. */
static void test_rng_buf_lines(void **state)
{
    struct rfix *r = mk(state, 0);
    uint64_t base;
    size_t size;

    assert_int_equal(init(r, VIRTIO_RNG_POLL, 100), 0);
    assert_int_equal(r->rng.buf_size, 100);
    assert_true(sim_dma_block(plat_bus_addr(r->rng.buf), &base, &size));
    assert_int_equal(plat_bus_addr(r->rng.buf), base);
    assert_int_equal(base % PLAT_DMA_LINE, 0);
    if (size % PLAT_DMA_LINE != 0 || size < 100)
        fail_msg("a 100-byte buffer: an allocation of %zu bytes, not whole lines", size);
}

static void test_rng_init_rejects(void **state)
{
    struct vfix *fx = *state;
    struct rfix *r = fx->user;
    struct virtio_rng_config cfg = {.mode = VIRTIO_RNG_IRQ};

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64); /* not an rng */
    assert_int_equal(virtio_rng_init(&r->rng, &fx->dev, &cfg), VIRTIO_ENODEV);
    fx->dev.device_id = VIRTIO_ID_RNG;
    cfg.mode = (enum virtio_rng_mode)7;
    assert_int_equal(virtio_rng_init(&r->rng, &fx->dev, &cfg), VIRTIO_EINVAL);
    assert_int_equal(virtio_rng_init(NULL, &fx->dev, &cfg), VIRTIO_EINVAL);
    assert_int_equal(virtio_rng_init(&r->rng, &fx->dev, NULL), VIRTIO_EINVAL);
    /* a bounce buffer beyond VIRTIO_RNG_MAX_BUF: refused before anything
     * is allocated (0xffffffff rounded up to whole lines wrapped to 0 with
     * a 32-bit size_t) */
    cfg.mode = VIRTIO_RNG_POLL;
    cfg.buf_size = 0xffffffffu;
    assert_int_equal(virtio_rng_init(&r->rng, &fx->dev, &cfg), VIRTIO_EINVAL);
    cfg.buf_size = VIRTIO_RNG_MAX_BUF + 1;
    assert_int_equal(virtio_rng_init(&r->rng, &fx->dev, &cfg), VIRTIO_EINVAL);
    assert_int_equal(sim_dma_live(), 0);
}

static void test_rng_init_failures(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    long n;

    /* each allocation of init in turn: buffer, queue state, ring */
    for (n = 0; n < 3; n++) {
        sim_dma_fail_after(n);
        assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), VIRTIO_ENOMEM);
        sim_dma_fail_after(-1);
        assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
        assert_int_equal(sim_dma_live(), 0);
    }
    if (fx->version != 1) {
        fx->sim->fault.refuse_features_ok = true;
        assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), VIRTIO_ENOTSUP);
        assert_int_equal(sim_dma_live(), 0);
        fx->sim->fault.refuse_features_ok = false;
    }
    fx->sim->vq[0].num_max = 0; /* no requestq */
    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), VIRTIO_ENOENT);
    assert_int_equal(sim_dma_live(), 0);
    fx->sim->vq[0].num_max = 64;
    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
}

/* ---- interrupt mode ------------------------------------------------------------------ */

static void test_rng_irq_sync_device(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    uint8_t buf[64];
    struct vq_stats st;

    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
    fx->sim->auto_process = true; /* completes inside the notify */
    sim_irq_set_sync(true);       /* delivered as soon as unmasked */
    memset(buf, 0, sizeof(buf));
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, 10 * MS), 64);
    check_pattern(buf, 64, 0);
    virtqueue_get_stats(r->rng.vq, &st);
    assert_int_equal(st.callbacks, 1); /* through the interrupt */
    assert_int_equal(r->rng.stats.requests, 1);
    assert_int_equal(r->rng.stats.bytes, 64);
    assert_int_equal(sim_plat_errors()->lock_recursion, 0);
}

static void test_rng_irq_delayed_device(void **state)
{
    struct rfix *r = mk(state, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    struct vfix *fx = r->fx;
    struct virtio_rng_wait w = {wait_process, NULL};
    static uint8_t buf[1000];
    struct vq_stats st;

    w.arg = r;
    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 256), 0);
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), &w, 10 * MS), 1000);
    check_pattern(buf, 1000, 0);
    assert_int_equal(r->rng.stats.requests, 4);
    assert_int_equal(r->model.requests, 4);
    virtqueue_get_stats(r->rng.vq, &st);
    assert_int_equal(st.callbacks, 4);
    assert_int_equal(st.kicks, 4);
    assert_int_equal(r->waits, 4);
    assert_int_equal(fx->sim->vq[0].notifies, 4);
}

static void test_rng_short_device_reads(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    uint8_t buf[50];

    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
    fx->sim->auto_process = true;
    sim_irq_set_sync(true);
    r->model.max_per_req = 7;
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, 10 * MS), 50);
    check_pattern(buf, 50, 0);
    assert_int_equal(r->rng.stats.requests, 8); /* 7 * 7 + 1 */
    /* an empty completion is counted and the read simply goes on */
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 0;
    r->model.max_per_req = 0;
    assert_int_equal(virtio_rng_read(&r->rng, buf, 10, NULL, 10 * MS), 10);
    assert_int_equal(r->rng.stats.empty, 1);
    assert_int_equal(r->rng.stats.requests, 10);
}

static void test_rng_timeout_then_late_data(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    struct virtio_rng_wait w = {wait_nothing, NULL};
    uint8_t buf[16];
    uint64_t t0;

    w.arg = r;
    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
    t0 = plat_time_ns();
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), &w, 5 * MS), VIRTIO_ETIMEDOUT);
    assert_true(plat_time_ns() - t0 >= 5 * MS);
    assert_true(r->waits > 0);
    assert_int_equal(r->rng.stats.timeouts, 1);
    assert_true(r->rng.busy); /* still the device's */
    /* the device answers later; the next read uses that answer first */
    sim_virtio_process(fx->sim, 0);
    sim_run_irqs();
    fx->sim->auto_process = true;
    sim_irq_set_sync(true);
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, 5 * MS), 16);
    check_pattern(buf, 16, 0);
    assert_int_equal(r->rng.stats.requests, 1);
}

static void async_done(void *arg, int result)
{
    struct rfix *r = arg;

    r->async_calls++;
    r->async_result = result;
}

static void test_rng_async(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    uint8_t dst[32], other[8];

    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
    memset(dst, 0, sizeof(dst));
    assert_int_equal(virtio_rng_read_async(&r->rng, dst, sizeof(dst), async_done, r), 0);
    assert_int_equal(virtio_rng_read_async(&r->rng, other, sizeof(other), async_done, r),
                     VIRTIO_EBUSY);
    assert_int_equal(virtio_rng_read(&r->rng, other, sizeof(other), NULL, MS), VIRTIO_EBUSY);
    assert_int_equal(r->async_calls, 0);
    sim_virtio_process(fx->sim, 0);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(r->async_calls, 1); /* from the interrupt handler */
    assert_int_equal(r->async_result, 32);
    check_pattern(dst, 32, 0);
    assert_int_equal(virtio_rng_read_async(&r->rng, dst, 0, async_done, r), VIRTIO_EINVAL);
    assert_int_equal(virtio_rng_read_async(&r->rng, NULL, 4, async_done, r), VIRTIO_EINVAL);
    /* an outstanding async request is cancelled by shutdown */
    assert_int_equal(virtio_rng_read_async(&r->rng, dst, 4, async_done, r), 0);
    virtio_rng_shutdown(&r->rng);
    r->inited = false;
    assert_int_equal(r->async_calls, 2);
    assert_int_equal(r->async_result, VIRTIO_ECANCELED);
    assert_int_equal(sim_dma_live(), 0);
}

/* ---- polling mode ------------------------------------------------------------------- */

static void time_hook_process(void *arg)
{
    struct rfix *r = arg;

    /* the device makes progress while the driver spins */
    sim_virtio_process(r->fx->sim, 0);
}

static void test_rng_poll(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    static uint8_t buf[300];
    struct vq_stats st;

    assert_int_equal(init(r, VIRTIO_RNG_POLL, 128), 0);
    assert_false(sim_irq_attached(fx->sim->irq));
    sim_time_set_hook(time_hook_process, r);
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, 10 * MS), 300);
    sim_time_set_hook(NULL, NULL);
    check_pattern(buf, 300, 0);
    assert_int_equal(r->rng.stats.requests, 3);
    virtqueue_get_stats(r->rng.vq, &st);
    assert_int_equal(st.callbacks, 0);
    assert_int_equal(st.interrupts, 0);
    /* callbacks off: the device was asked not to interrupt */
    assert_int_equal(fx->sim->vq[0].irqs_raised, 0);
    assert_int_equal(fx->sim->vq[0].irqs_suppressed, 3);
    assert_int_equal(virtio_rng_read_async(&r->rng, buf, 4, async_done, r), VIRTIO_ENOTSUP);
}

static void test_rng_poll_timeout(void **state)
{
    struct rfix *r = mk(state, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    uint8_t buf[8];

    assert_int_equal(init(r, VIRTIO_RNG_POLL, 0), 0);
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, 2 * MS), VIRTIO_ETIMEDOUT);
    assert_int_equal(r->rng.stats.timeouts, 1);
    /* the device catches up: the same request serves the next read */
    sim_time_set_hook(time_hook_process, r);
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, 2 * MS), 8);
    sim_time_set_hook(NULL, NULL);
    check_pattern(buf, 8, 0);
}

/* ---- device faults and resets --------------------------------------------------------- */

static void test_rng_oversize_len(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    uint8_t buf[16];
    struct vq_stats st;

    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 64), 0);
    fx->sim->auto_process = true;
    sim_irq_set_sync(true);
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 17; /* 16 posted */
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, MS), VIRTIO_EIO);
    virtqueue_get_stats(r->rng.vq, &st);
    assert_int_equal(st.bad_len, 1);
    assert_true(st.broken);
    assert_int_equal(r->rng.stats.errors, 1);
    assert_int_equal(r->rng.stats.bytes, 0);
    /* The next read recovers by itself: the device is re-initialised (the
     * request it held is cancelled) and the read goes on. */
    fx->sim->fault.used_len_force = false;
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, MS), 16);
    assert_int_equal(r->rng.stats.cancelled, 1);
    assert_int_equal(fx->dev.stats.queue_faults, 1);
    assert_int_equal(r->rng.stats.errors, 1);
    assert_int_equal(r->rng.stats.bytes, 16);
    assert_false(virtqueue_is_broken(r->rng.vq));
    /* A fault the next read meets again: the error once more, then again
     * recovered. */
    fx->sim->fault.used_len_force = true;
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, MS), VIRTIO_EIO);
    fx->sim->fault.used_len_force = false;
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, MS), 16);
    assert_int_equal(fx->dev.stats.queue_faults, 2);
}

static void test_rng_needs_reset_mid_read(void **state)
{
    struct rfix *r = mk(state, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    struct vfix *fx = r->fx;
    struct virtio_rng_wait w = {wait_process, NULL};
    uint8_t buf[64];

    w.arg = r;
    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
    r->reset_at_wait = 1; /* the first wait: the device fails instead */
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), &w, 10 * MS), 64);
    assert_int_equal(fx->dev.stats.needs_reset, 1);
    assert_int_equal(fx->dev.stats.reinits, 1);
    assert_int_equal(r->rng.stats.cancelled, 1);
    assert_int_equal(r->rng.stats.requests, 2);
    assert_int_equal(r->model.requests, 1); /* the first one never reached the model */
    check_pattern(buf, 64, 0);
    assert_true(fx->sim->status & VIRTIO_STATUS_DRIVER_OK);
    assert_false(fx->sim->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_EVENT_IDX));
    assert_false(sim_irq_masked(fx->sim->irq));
}

static void test_rng_needs_reset_poll(void **state)
{
    struct rfix *r = mk(state, 0);
    struct vfix *fx = r->fx;
    uint8_t buf[32];

    assert_int_equal(init(r, VIRTIO_RNG_POLL, 0), 0);
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, MS), VIRTIO_ETIMEDOUT);
    /* no interrupt in this mode: the status bit alone is noticed */
    fx->sim->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    sim_time_set_hook(time_hook_process, r);
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), NULL, MS), 32);
    sim_time_set_hook(NULL, NULL);
    assert_int_equal(fx->dev.stats.reinits, 1);
    assert_int_equal(r->rng.stats.cancelled, 1);
    /* still polling after the restart: no interrupts asked for */
    assert_int_equal(fx->sim->vq[0].irqs_raised, 0);
}

/* ---- no interrupt, cache maintenance ----------------------------------------------- */

static void assert_no_irq_attached(void)
{
    for (unsigned i = 0; i < SIM_MAX_IRQ; i++)
        if (sim_irq_attached(i))
            fail_msg("interrupt %u attached", i);
}

/* The device tree gave no interrupt: IRQ mode asked, polling done, no
 * line attached (never line 0), and the core refuses to attach one. */
static void test_rng_no_irq_polls(void **state)
{
    struct vfix *fx = *state;
    struct rfix *r = mk(state, 0);
    struct virtio_rng_wait w = {wait_process, r};
    uint8_t buf[40];

    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, VIRTIO_NO_IRQ, PLAT_IRQ_LEVEL, true), 0);
    assert_false(virtio_dev_has_irq(&fx->dev));
    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 16), 0);
    assert_int_equal(r->rng.mode, VIRTIO_RNG_POLL);
    assert_false(fx->dev.irq_attached);
    assert_no_irq_attached();
    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), &w, 100 * MS), (int)sizeof(buf));
    check_pattern(buf, sizeof(buf), 0);
    assert_int_equal(fx->dev.stats.interrupts, 0);
    assert_int_equal(virtio_rng_read_async(&r->rng, buf, 4, async_done, r), VIRTIO_ENOTSUP);
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), VIRTIO_ENXIO);
    assert_no_irq_attached();
}

/* Reads of 150 bytes through a 64-byte bounce buffer: three requests each. */
static void read_checked(struct rfix *r, const struct virtio_rng_wait *w)
{
    uint8_t buf[150];
    uint8_t first = r->model.next;
    size_t mark = sim_cache_nops();

    assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), w, 100 * MS), (int)sizeof(buf));
    check_pattern(buf, sizeof(buf), first);
    /* the buffer was cleaned before each hand-over and invalidated after */
    assert_true(sim_cache_covered(false, r->rng.buf, 64, mark));
    assert_true(sim_cache_covered(true, r->rng.buf, 64, mark));
}

/* A device without dma-coherent behind the cache model: what a read
 * returns is what the device wrote (a missing invalidate would return the
 * stale zeros of the CPU's view), in interrupt and in polling mode; the
 * device never sees a line the CPU holds dirty or a buffer not cleaned
 * since it last had it; every line it wrote is invalidated. */
static void test_rng_non_coherent(void **state)
{
    struct vfix *fx = *state;
    struct rfix *r;
    struct virtio_rng_wait w;
    unsigned k;

    sim_cache_model(true);
    r = mk(state, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    w = (struct virtio_rng_wait){wait_process, r};
    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false), 0);
    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 64), 0);
    for (k = 0; k < 4; k++)
        read_checked(r, &w);
    assert_true(fx->dev.stats.interrupts > 0);
    virtio_rng_shutdown(&r->rng);
    assert_int_equal(init(r, VIRTIO_RNG_POLL, 64), 0);
    for (k = 0; k < 4; k++)
        read_checked(r, &w);
    assert_true(sim_cache_stats()->invalidates > 0);
    assert_true(sim_cache_model_ok());
}

/* The same reads from a dma-coherent device, in both modes, from init to
 * shutdown: not one maintenance call. */
static void test_rng_coherent_no_cache_ops(void **state)
{
    struct rfix *r = mk(state, VIRTIO_BIT(VIRTIO_F_EVENT_IDX));
    struct virtio_rng_wait w = {wait_process, r};
    uint8_t buf[150];
    unsigned k;

    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 64), 0);
    for (k = 0; k < 4; k++)
        assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), &w, 100 * MS), (int)sizeof(buf));
    virtio_rng_shutdown(&r->rng);
    assert_int_equal(init(r, VIRTIO_RNG_POLL, 64), 0);
    for (k = 0; k < 4; k++)
        assert_int_equal(virtio_rng_read(&r->rng, buf, sizeof(buf), &w, 100 * MS), (int)sizeof(buf));
    virtio_rng_shutdown(&r->rng);
    r->inited = false;
    assert_int_equal(sim_cache_nops(), 0);
    assert_int_equal(sim_cache_stats()->cleans, 0);
    assert_int_equal(sim_cache_stats()->invalidates, 0);
}

static void test_rng_args(void **state)
{
    struct rfix *r = mk(state, 0);
    uint8_t buf[4];

    assert_int_equal(init(r, VIRTIO_RNG_IRQ, 0), 0);
    assert_int_equal(virtio_rng_read(&r->rng, buf, 0, NULL, MS), 0);
    assert_int_equal(virtio_rng_read(&r->rng, NULL, 4, NULL, MS), VIRTIO_EINVAL);
    assert_int_equal(virtio_rng_read(NULL, buf, 4, NULL, MS), VIRTIO_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        RNG_TEST(test_rng_init_irq),
        RNG_TEST(test_rng_buf_lines),
        RNG_TEST(test_rng_init_rejects),
        RNG_TEST(test_rng_init_failures),
        RNG_TEST(test_rng_irq_sync_device),
        RNG_TEST(test_rng_irq_delayed_device),
        RNG_TEST(test_rng_short_device_reads),
        RNG_TEST(test_rng_timeout_then_late_data),
        RNG_TEST(test_rng_async),
        RNG_TEST(test_rng_poll),
        RNG_TEST(test_rng_poll_timeout),
        RNG_TEST(test_rng_oversize_len),
        RNG_TEST(test_rng_needs_reset_mid_read),
        RNG_TEST(test_rng_needs_reset_poll),
        RNG_TEST(test_rng_args),
        RNG_TEST(test_rng_no_irq_polls),
        RNG_TEST(test_rng_non_coherent),
        RNG_TEST(test_rng_coherent_no_cache_ops),
    };

    return cmocka_run_group_tests_name("virtio_rng", tests, NULL, NULL);
}
