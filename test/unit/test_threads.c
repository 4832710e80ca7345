/*
 * test_threads.c - the thread-safety contract of virtio-net (virtio_net.h,
 * Concurrency; virtio.h and virtqueue.h, Locking) under real threads: the
 * real driver sources against the simulated device (test/sim), with
 *   - the owning thread: virtio_net_poll, virtio_net_check, link_up;
 *   - an application thread: releases the RX buffers the poll handed up or
 *     transmits them in place, tx_alloc + tx + flush, releases unsent
 *     pool buffers;
 *   - an "interrupt" thread: sim_run_irqs, i.e. the handler on another CPU;
 *   - a device thread: frames in, transmit chains completed, and faults:
 *     DEVICE_NEEDS_RESET, a broken used entry (bad id), link changes.
 * The simulated device steps under the simulation's mutex (sim_plat.h,
 * Threads) and, for the device thread's own steps, the driver's lock - the
 * device is not a thread the driver has to be safe against, and its ring
 * accesses would otherwise be reported as races by ThreadSanitizer that a
 * real device's DMA is not.  The driver's calls themselves are not
 * serialised.  A fixed number of operations (no timing), then, single-
 * threaded: drain, and account for every buffer (every RX buffer on the
 * ring exactly once, the TX pool full, nothing released twice, no DMA leak).
 *
 * virtio-blk the same way: two threads submitting asynchronous reads and
 * writes, the owning thread in virtio_blk_check and synchronous reads and
 * writes, the interrupt and device threads (requests processed,
 * DEVICE_NEEDS_RESET with read-only toggled across it, broken used
 * entries, config changes resizing the disk); every request posted
 * completes exactly once, every refusal is counted once, and the capacity
 * and read-only flag end as the device says.
 *
 * virtio-console: a reader, a writer (and emergency writes), the owning
 * thread polling, the interrupt, and the device thread (input, transmit
 * consumed, the same faults); then every receive buffer is back on the
 * ring once, every post ended in one completion or cancel, every byte
 * that arrived was read, every written byte reached the device or was
 * counted lost, and each VIRTIO_EIO returned is one counted error.
 *
 * virtio-rng: the owning thread reading (blocking and asynchronous) and
 * recovering, the interrupt, and the device thread; every asynchronous
 * request calls back exactly once, every request ends once (completed or
 * cancelled), and the byte counter is what the callers got.
 *
 * Built twice (test/unit/threads.mk): under ThreadSanitizer (threads_tsan)
 * and under ASan + UBSan (threads).  net runs on virtio-mmio v1 (split),
 * v2 (split) and v2 with packed rings; blk, console and rng on v1 and v2
 * packed, console also on v2 in polling mode.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim_blk.h"
#include "sim_console.h"
#include "sim_net.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_rng.h"

#define B(n) VIRTIO_BIT(n)
#define FEATURES                                                                            \
    (B(VIRTIO_NET_F_MAC) | B(VIRTIO_NET_F_STATUS) | B(VIRTIO_NET_F_MRG_RXBUF) |             \
     B(VIRTIO_F_ANY_LAYOUT) | B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_EVENT_IDX))

#define QSIZE 64u
#define DEV_OPS 3000u /* device thread steps */
#define APP_OPS 6000u /* application thread steps */
#define APPQ 2048u    /* buffers handed up, waiting for the application */

struct tfix {
    uint32_t version;
    bool packed;
    struct sim_virtio *sim;
    struct sim_net *model;
    struct virtio_net net;
    /* the application's queue of received buffers (its own mutex) */
    pthread_mutex_t qmu;
    struct netbuf *q[APPQ];
    unsigned qn;
    unsigned delivered; /* cfg.rx calls (owning thread) */
    bool dev_done, app_done, stop; /* __atomic */
    unsigned tx_sent, tx_alloc_none, check_failed;
};

static void app_push(struct tfix *fx, struct netbuf *nb)
{
    pthread_mutex_lock(&fx->qmu);
    if (fx->qn < APPQ) {
        fx->q[fx->qn++] = nb;
        nb = NULL;
    }
    pthread_mutex_unlock(&fx->qmu);
    if (nb)
        netbuf_release(nb); /* the queue is full: straight back */
}

static struct netbuf *app_pop(struct tfix *fx)
{
    struct netbuf *nb = NULL;

    pthread_mutex_lock(&fx->qmu);
    if (fx->qn)
        nb = fx->q[--fx->qn];
    pthread_mutex_unlock(&fx->qmu);
    return nb;
}

/* cfg.rx: the owning thread, without the driver's lock. */
static void stack_rx(void *arg, struct netbuf *nb)
{
    struct tfix *fx = arg;

    fx->delivered++;
    app_push(fx, nb);
}

static bool flag(const bool *f) { return __atomic_load_n(f, __ATOMIC_ACQUIRE); }
static void raise_flag(bool *f) { __atomic_store_n(f, true, __ATOMIC_RELEASE); }

static void *owner_thread(void *arg)
{
    struct tfix *fx = arg;

    while (!flag(&fx->stop)) {
        virtio_net_poll(&fx->net, 8);
        if (virtio_net_check(&fx->net) < 0)
            fx->check_failed++; /* asserted after the join (cmocka: main thread only) */
        (void)virtio_net_link_up(&fx->net);
        sched_yield();
    }
    return NULL;
}

/* The "interrupt" thread of every run: delivers what the simulated device
 * raised until the run's stop flag (arg) is set. */
static void *irq_thread(void *arg)
{
    const bool *stop = arg;

    while (!flag(stop)) {
        sim_run_irqs();
        sched_yield();
    }
    return NULL;
}

static void make_frame(const struct tfix *fx, uint8_t *f, uint32_t len, uint32_t seed)
{
    memcpy(f, fx->net.mac, 6);
    memset(f + 6, 0x02, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    for (uint32_t i = 14; i < len; i++)
        f[i] = (uint8_t)(i + seed);
}

/* The device's own steps: under the driver's lock, then the simulation's
 * (the lock order of sim_plat.h). */
static void *device_thread(void *arg)
{
    struct tfix *fx = arg;
    uint8_t f[256];
    uint16_t link = SIM_NET_S_LINK_UP;

    for (unsigned i = 1; i <= DEV_OPS; i++) {
        plat_irqstate_t s = plat_lock(&fx->net.lock);

        sim_lock();
        if (i % 401 == 0) {
            sim_virtio_set_needs_reset(fx->sim);
        } else if (i % 733 == 0) {
            fx->sim->fault.used_id_force = true; /* the next used entry breaks the ring */
            fx->sim->fault.used_id = 0xffffu;
        } else if (i % 97 == 0) {
            link ^= SIM_NET_S_LINK_UP;
            sim_net_set_status(fx->model, link, true);
        } else {
            make_frame(fx, f, 60 + i % 100, i);
            (void)sim_net_rx(fx->model, f, 60 + i % 100, NULL); /* false: no buffer held */
            (void)sim_net_tx_run(fx->model);
        }
        sim_unlock();
        plat_unlock(&fx->net.lock, s);
        sched_yield();
    }
    raise_flag(&fx->dev_done);
    return NULL;
}

static void *app_thread(void *arg)
{
    struct tfix *fx = arg;

    for (unsigned i = 0; i < APP_OPS; i++) {
        struct netbuf *nb = app_pop(fx);

        if (nb) {
            if (i % 3 == 0) {
                memcpy(netbuf_data(nb), netbuf_data(nb) + 6, 6); /* a reply in place */
                (void)virtio_net_tx(&fx->net, nb);
            } else {
                netbuf_release(nb);
            }
        }
        nb = virtio_net_tx_alloc(&fx->net);
        if (!nb) {
            fx->tx_alloc_none++;
        } else if (i % 5 == 0) {
            netbuf_release(nb); /* allocated, not sent */
        } else {
            make_frame(fx, netbuf_data(nb), 60, i);
            nb->len = 60;
            if (virtio_net_tx(&fx->net, nb) == 0)
                fx->tx_sent++;
        }
        virtio_net_flush(&fx->net);
        sched_yield();
    }
    raise_flag(&fx->app_done);
    return NULL;
}

/* RX buffers in each state, read straight from the driver (no thread runs). */
static unsigned rx_on_ring(struct tfix *fx)
{
    const uint8_t *st = (const uint8_t *)(fx->net.rx + fx->net.nrx);
    unsigned ring = 0;

    for (unsigned i = 0; i < fx->net.nrx_ready; i++) {
        assert_int_equal(st[i], 2); /* RX_RING (virtio_net.c): none free, held or in TX */
        ring++;
    }
    return ring;
}

static void run(uint32_t version, bool packed)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    struct tfix *fx = test_calloc(1, sizeof(*fx));
    uint64_t features = FEATURES;
    pthread_t th[4];

    fx->version = version;
    fx->packed = packed;
    pthread_mutex_init(&fx->qmu, NULL);
    sim_plat_reset();
    sim_order_model(false); /* see sim_plat.h, Threads */
    sim_dma_observers(false);
    sim_irq_set_sync(false); /* interrupts only from the interrupt thread */
    if (version != 1)
        features |= B(VIRTIO_F_VERSION_1);
    else
        features &= 0xffffffffull;
    if (packed)
        features |= B(VIRTIO_F_RING_PACKED);
    fx->sim = sim_virtio_create(version, VIRTIO_ID_NET, features, 2, QSIZE);
    fx->model = sim_net_create(fx->sim, mac, SIM_NET_S_LINK_UP);
    struct virtio_net_config cfg = {.rx = stack_rx, .rx_arg = fx};
    assert_int_equal(virtio_net_init(&fx->net, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true, &cfg), 0);
    assert_int_equal(virtqueue_is_packed(fx->net.rxq), packed);

    assert_int_equal(pthread_create(&th[0], NULL, owner_thread, fx), 0);
    assert_int_equal(pthread_create(&th[1], NULL, irq_thread, &fx->stop), 0);
    assert_int_equal(pthread_create(&th[2], NULL, device_thread, fx), 0);
    assert_int_equal(pthread_create(&th[3], NULL, app_thread, fx), 0);
    pthread_join(th[2], NULL);
    pthread_join(th[3], NULL);
    raise_flag(&fx->stop);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);

    /* Single-threaded from here: recover if a fault is pending, give every
     * buffer back, let the device finish what it holds. */
    for (unsigned round = 0; round < 16; round++) {
        struct netbuf *nb;

        sim_run_irqs();
        assert_true(virtio_net_check(&fx->net) >= 0);
        while ((nb = app_pop(fx)) != NULL)
            netbuf_release(nb);
        virtio_net_flush(&fx->net);
        (void)sim_net_tx_run(fx->model);
        sim_run_irqs();
        virtio_net_poll(&fx->net, 64);
        while ((nb = app_pop(fx)) != NULL)
            netbuf_release(nb);
        virtio_net_flush(&fx->net);
    }

    /* Accounting. */
    const struct virtio_net_stats *st = &fx->net.stats;
    fprintf(stderr, "threads v%u%s: delivered %u, tx sent %u (alloc empty %u), reinits %u, "
                    "queue_broken %u, config_changes %u, tx_error %u, irqs %u\n",
            version, packed ? "p" : "", fx->delivered, fx->tx_sent, fx->tx_alloc_none,
            fx->net.dev.stats.reinits, st->queue_broken, st->config_changes, st->tx_error,
            fx->net.dev.stats.interrupts);
    assert_int_equal(fx->check_failed, 0);
    assert_false(fx->net.dev.broken);
    assert_int_equal(st->bad_release, 0);
    assert_int_equal(st->tx_invalid, 0);
    assert_int_equal(fx->net.ntx_free, VIRTIO_NET_TX_BUFS); /* the TX pool is full again */
    for (unsigned i = 0; i < fx->net.ntx_free; i++) {
        assert_int_equal(fx->net.tx_state[fx->net.tx_free[i]], 0); /* TX_POOL */
        for (unsigned j = i + 1; j < fx->net.ntx_free; j++)
            assert_int_not_equal(fx->net.tx_free[i], fx->net.tx_free[j]);
    }
    /* Every RX buffer is on the ring, and the device holds each exactly once. */
    unsigned ring = rx_on_ring(fx);
    assert_int_equal(ring, fx->net.nrx);
    assert_int_equal(sim_net_rx_avail(fx->model), ring);
    const struct sim_vq *v = &fx->sim->vq[SIM_NET_RXQ];
    for (unsigned i = 0; i < v->npending; i++)
        for (unsigned j = i + 1; j < v->npending; j++)
            assert_ptr_not_equal(v->pending[i].seg[0].p, v->pending[j].seg[0].p);
    /* Work was done, and a fault was met and recovered from (how much of
     * each depends on the interleaving; at least one of each whatever it
     * is: the last DEVICE_NEEDS_RESET is handled by the drain above). */
    assert_true(fx->delivered >= 1);
    assert_true(fx->tx_sent >= 1);
    assert_true(fx->net.dev.stats.reinits >= 1);
    assert_int_equal(fx->sim->violations, 0);

    virtio_net_shutdown(&fx->net);
    sim_net_destroy(fx->model);
    sim_virtio_destroy(fx->sim);
    assert_int_equal(sim_plat_errors()->lock_recursion, 0);
    assert_true(sim_plat_finish());
    pthread_mutex_destroy(&fx->qmu);
    test_free(fx);
}

static void test_threads_v1(void **state)
{
    (void)state;
    run(1, false);
}

static void test_threads_v2(void **state)
{
    (void)state;
    run(2, false);
}

static void test_threads_v2p(void **state)
{
    (void)state;
    run(2, true);
}

/* ---- virtio-blk: submissions from two threads, recovery in another ------ */

#define NREQ 32u       /* request records, half per submitting thread */
#define BLK_OPS 2000u  /* steps per submitting thread */
#define BLK_CAP 64u    /* the disk; a config change halves it and back */

struct bfix {
    struct sim_virtio *sim;
    struct sim_blk *model;
    struct virtio_blk blk;
    struct virtio_blk_req req[NREQ];
    uint8_t *mem;
    uint8_t *sync_buf;       /* the owning thread's synchronous reads */
    bool busy[NREQ];         /* __atomic: submitted, done() not yet run */
    unsigned posted[NREQ];   /* submit returned 0 (submitting thread) */
    unsigned done[NREQ];     /* done() calls (__atomic) */
    unsigned bad_done;       /* done() for a request not posted (__atomic) */
    unsigned range[2], ro[2], other[2]; /* submit refusals per thread: EINVAL / EROFS / unexpected */
    unsigned sync_ok, sync_range, sync_ro, sync_bad; /* owning thread */
    bool ro_now;             /* the device offers VIRTIO_BLK_F_RO (device thread) */
    bool dev_done, app_done, stop;
    unsigned check_failed;
};

static void blk_done(struct virtio_blk_req *r, int result)
{
    struct bfix *fx = r->arg;
    unsigned k = (unsigned)(r - fx->req);

    (void)result;
    if (!__atomic_load_n(&fx->busy[k], __ATOMIC_ACQUIRE))
        __atomic_fetch_add(&fx->bad_done, 1u, __ATOMIC_RELAXED);
    __atomic_fetch_add(&fx->done[k], 1u, __ATOMIC_RELAXED);
    __atomic_store_n(&fx->busy[k], false, __ATOMIC_RELEASE);
}

static void blk_yield(void *arg)
{
    (void)arg;
    sched_yield();
}

/* The owning thread: virtio_blk_check, and synchronous reads and writes
 * (which call it as they wait). */
static void *blk_owner(void *arg)
{
    struct bfix *fx = arg;
    const struct virtio_blk_wait w = {blk_yield, NULL, 200000};

    for (unsigned i = 0; !flag(&fx->stop); i++) {
        if (virtio_blk_check(&fx->blk) < 0)
            fx->check_failed++;
        if (i % 8 == 0) {
            int err = i % 16 ? virtio_blk_read(&fx->blk, i % BLK_CAP, fx->sync_buf, 1, &w)
                             : virtio_blk_write(&fx->blk, i % BLK_CAP, fx->sync_buf, 1, &w);

            if (err == 0)
                fx->sync_ok++;
            else if (err == VIRTIO_EINVAL)
                fx->sync_range++;
            else if (err == VIRTIO_EROFS)
                fx->sync_ro++;
            else if (err != VIRTIO_ETIMEDOUT && err != VIRTIO_EIO && err != VIRTIO_ECANCELED)
                fx->sync_bad++;
        }
        sched_yield();
    }
    return NULL;
}

/* The capacity in the config space (little-endian, as the host) and in
 * the model's checks. */
static void blk_set_capacity(struct bfix *fx, uint64_t cap)
{
    memcpy(fx->sim->config, &cap, sizeof(cap));
    fx->model->cfg.capacity = cap;
}

static void *blk_device(void *arg)
{
    struct bfix *fx = arg;

    for (unsigned i = 1; i <= DEV_OPS; i++) {
        plat_irqstate_t s = plat_lock(&fx->blk.lock);

        sim_lock();
        if (i % 401 == 0) {
            /* Read-only comes and goes across resets (the features are
             * negotiated again), and so does the model's behaviour. */
            fx->ro_now = !fx->ro_now;
            if (fx->ro_now)
                fx->sim->dev_features |= B(VIRTIO_BLK_F_RO);
            else
                fx->sim->dev_features &= ~B(VIRTIO_BLK_F_RO);
            fx->model->cfg.read_only = fx->ro_now;
            sim_virtio_set_needs_reset(fx->sim);
        } else if (i % 733 == 0) {
            fx->sim->fault.used_id_force = true;
            fx->sim->fault.used_id = 0xffffu;
        } else if (i % 97 == 0) {
            blk_set_capacity(fx, fx->model->cfg.capacity == BLK_CAP ? BLK_CAP / 2 : BLK_CAP);
            sim_virtio_config_changed(fx->sim); /* the capacity is read again */
        } else {
            (void)sim_virtio_process(fx->sim, 0);
        }
        sim_unlock();
        plat_unlock(&fx->blk.lock, s);
        sched_yield();
    }
    raise_flag(&fx->dev_done);
    return NULL;
}

struct bsub {
    struct bfix *fx;
    unsigned t; /* 0 or 1: requests [t * NREQ / 2, (t + 1) * NREQ / 2) */
};

static void *blk_submitter(void *arg)
{
    const struct bsub *bs = arg;
    struct bfix *fx = bs->fx;
    const unsigned t = bs->t;

    for (unsigned i = 0; i < BLK_OPS; i++) {
        unsigned k = t * (NREQ / 2) + i % (NREQ / 2);

        if (__atomic_load_n(&fx->busy[k], __ATOMIC_ACQUIRE)) {
            sched_yield();
            continue;
        }
        struct virtio_blk_req *r = &fx->req[k];
        *r = (struct virtio_blk_req){.type = i % 4 == 3 ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN,
                                     .sector = (i * 7u + t) % BLK_CAP, .buf = fx->mem + k * 512u,
                                     .len = 512, .done = blk_done, .arg = fx};
        __atomic_store_n(&fx->busy[k], true, __ATOMIC_RELEASE);
        int err = virtio_blk_submit(&fx->blk, r);
        if (err == 0) {
            fx->posted[k]++;
        } else {
            __atomic_store_n(&fx->busy[k], false, __ATOMIC_RELEASE); /* done() will not run */
            if (err == VIRTIO_EINVAL)
                fx->range[t]++;
            else if (err == VIRTIO_EROFS)
                fx->ro[t]++;
            else if (err != VIRTIO_ENOSPC && err != VIRTIO_EBUSY && err != VIRTIO_EIO)
                fx->other[t]++;
        }
        sched_yield();
    }
    return NULL;
}

static void run_blk(uint32_t version, bool packed)
{
    struct bfix *fx = test_calloc(1, sizeof(*fx));
    struct sim_blk_config bc = {.capacity = BLK_CAP};
    uint64_t features = B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_EVENT_IDX);
    plat_busaddr_t bus;
    pthread_t th[5];
    struct bsub sub[2] = {{fx, 0}, {fx, 1}};

    sim_plat_reset();
    sim_order_model(false);
    sim_dma_observers(false);
    sim_irq_set_sync(false);
    if (version != 1)
        features |= B(VIRTIO_F_VERSION_1);
    if (packed)
        features |= B(VIRTIO_F_RING_PACKED);
    fx->sim = sim_virtio_create(version, VIRTIO_ID_BLOCK, features, 1, QSIZE);
    fx->model = sim_blk_create(fx->sim, &bc);
    fx->mem = plat_dma_alloc(NREQ * 512u, 64, &bus);
    fx->sync_buf = plat_dma_alloc(512u, 64, &bus);
    assert_non_null(fx->mem);
    assert_non_null(fx->sync_buf);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);

    assert_int_equal(pthread_create(&th[0], NULL, blk_owner, fx), 0);
    assert_int_equal(pthread_create(&th[1], NULL, irq_thread, &fx->stop), 0);
    assert_int_equal(pthread_create(&th[2], NULL, blk_device, fx), 0);
    assert_int_equal(pthread_create(&th[3], NULL, blk_submitter, &sub[0]), 0);
    assert_int_equal(pthread_create(&th[4], NULL, blk_submitter, &sub[1]), 0);
    pthread_join(th[2], NULL);
    pthread_join(th[3], NULL);
    pthread_join(th[4], NULL);
    raise_flag(&fx->stop);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);

    for (unsigned round = 0; round < 16; round++) {
        sim_run_irqs();
        assert_true(virtio_blk_check(&fx->blk) >= 0);
        (void)sim_virtio_process(fx->sim, 0);
        sim_run_irqs();
        (void)virtio_blk_poll(&fx->blk);
    }

    unsigned posted = 0, done = 0;
    for (unsigned k = 0; k < NREQ; k++) {
        assert_int_equal(fx->done[k], fx->posted[k]); /* each posted request completed exactly once */
        assert_false(fx->busy[k]);
        posted += fx->posted[k];
        done += fx->done[k];
    }
    const struct virtio_blk_stats *st = &fx->blk.stats;
    fprintf(stderr, "threads blk v%u%s: posted %u, completed %u, cancelled %u, refused range %u ro %u, "
                    "sync ok %u range %u ro %u, timeouts %u, reinits %u, config_changes %u\n",
            version, packed ? "p" : "", posted, done, st->cancelled, st->refused_range, st->refused_ro,
            fx->sync_ok, fx->sync_range, fx->sync_ro, st->sync_timeouts, fx->blk.dev.stats.reinits,
            st->config_changes);
    assert_int_equal(fx->bad_done, 0);
    assert_int_equal(fx->check_failed, 0);
    assert_int_equal(fx->other[0] + fx->other[1] + fx->sync_bad, 0);
    assert_int_equal(fx->blk.ninflight, 0);
    for (unsigned i = 0; i < VIRTIO_BLK_SYNC_SLOTS; i++)
        assert_false(fx->blk.sync[i].busy); /* every synchronous record free again */
    /* Every refusal the callers saw was counted once, from both threads. */
    assert_int_equal(st->refused_range, fx->range[0] + fx->range[1] + fx->sync_range);
    assert_int_equal(st->refused_ro, fx->ro[0] + fx->ro[1] + fx->sync_ro);
    /* What a config change and a recovery modify is what the device says. */
    assert_int_equal(fx->blk.info.capacity, fx->model->cfg.capacity);
    assert_int_equal(fx->blk.info.read_only, fx->ro_now);
    assert_true(posted >= 1);
    assert_true(fx->blk.dev.stats.reinits >= 1);

    virtio_blk_shutdown(&fx->blk);
    plat_dma_free(fx->mem, NREQ * 512u);
    plat_dma_free(fx->sync_buf, 512u);
    sim_blk_destroy(fx->model);
    sim_virtio_destroy(fx->sim);
    assert_int_equal(sim_plat_errors()->lock_recursion, 0);
    assert_true(sim_plat_finish());
    test_free(fx);
}

static void test_threads_blk_v1(void **state)
{
    (void)state;
    run_blk(1, false);
}

static void test_threads_blk_v2p(void **state)
{
    (void)state;
    run_blk(2, true);
}

/* ---- virtio-console: a reader, a writer and a poller at once ------------- */

#define CON_OPS 2000u  /* reader, writer and poller steps each */
#define CON_CHUNK 96u  /* bytes per write; the device's input per step */

struct cfix {
    struct sim_virtio *sim;
    struct sim_console *model;
    struct virtio_dev dev;
    struct virtio_console con;
    uint64_t written;   /* bytes write() accepted (writer thread) */
    uint64_t emerg;     /* bytes emerg_write() took (writer thread) */
    uint64_t read;      /* bytes read() handed out (reader thread) */
    uint64_t input;     /* bytes the device was given (device thread) */
    uint64_t output;    /* bytes the device took from transmit buffers */
    unsigned rd_eio, wr_eio, rd_bad, wr_bad; /* negative returns: VIRTIO_EIO / others */
    unsigned events;    /* on_event calls (__atomic) */
    bool dev_done, stop;
};

static void con_event(void *arg, unsigned ev)
{
    struct cfix *fx = arg;

    (void)ev;
    __atomic_fetch_add(&fx->events, 1u, __ATOMIC_RELAXED);
}

static void *con_reader(void *arg)
{
    struct cfix *fx = arg;
    uint8_t buf[200];

    for (unsigned i = 0; i < CON_OPS; i++) {
        int n = virtio_console_read(&fx->con, buf, sizeof(buf));

        if (n > 0)
            fx->read += (unsigned)n;
        else if (n == VIRTIO_EIO)
            fx->rd_eio++;
        else if (n < 0)
            fx->rd_bad++;
        sched_yield();
    }
    return NULL;
}

static void *con_writer(void *arg)
{
    struct cfix *fx = arg;
    uint8_t buf[CON_CHUNK];

    for (unsigned i = 0; i < CON_OPS; i++) {
        for (unsigned k = 0; k < sizeof(buf); k++)
            buf[k] = (uint8_t)(i + k);
        int n = virtio_console_write(&fx->con, buf, 1 + i % sizeof(buf));

        if (n > 0)
            fx->written += (unsigned)n;
        else if (n == VIRTIO_EIO)
            fx->wr_eio++;
        else if (n < 0)
            fx->wr_bad++;
        if (i % 50 == 0 && virtio_console_emerg_write(&fx->con, "!", 1) == 1)
            fx->emerg++;
        (void)virtio_console_tx_free(&fx->con);
        sched_yield();
    }
    return NULL;
}

/* The owning thread's loop: poll (collects both directions, recovers). */
static void *con_poller(void *arg)
{
    struct cfix *fx = arg;

    while (!flag(&fx->stop)) {
        (void)virtio_console_poll(&fx->con);
        (void)virtio_console_rx_pending(&fx->con);
        sched_yield();
    }
    return NULL;
}

/* One device step (simulation locked): the model's output buffer is
 * emptied into the count, so it never fills. */
static void con_run(struct cfix *fx)
{
    (void)sim_console_run(fx->model);
    fx->output += fx->model->out_len;
    fx->model->out_len = 0;
}

/* Host input, transmit consumed, receive buffers filled; faults and
 * config changes.  Under the driver's lock, then the simulation's. */
static void *con_device(void *arg)
{
    struct cfix *fx = arg;
    uint8_t in[CON_CHUNK];

    for (unsigned i = 1; i <= DEV_OPS; i++) {
        plat_irqstate_t s = plat_lock(&fx->con.lock);

        sim_lock();
        if (i % 401 == 0) {
            sim_virtio_set_needs_reset(fx->sim);
        } else if (i % 733 == 0) {
            fx->sim->fault.used_id_force = true; /* the next used entry, either queue */
            fx->sim->fault.used_id = 0xffffu;
        } else if (i % 97 == 0) {
            sim_virtio_config_changed(fx->sim); /* no hook: SIZE is never accepted */
        } else {
            if (sim_console_input_left(fx->model) < 4096) {
                for (unsigned k = 0; k < sizeof(in); k++)
                    in[k] = (uint8_t)(i * 3 + k);
                fx->input += sim_console_input(fx->model, in, 1 + i % sizeof(in));
            }
            con_run(fx);
        }
        sim_unlock();
        plat_unlock(&fx->con.lock, s);
        sched_yield();
    }
    raise_flag(&fx->dev_done);
    return NULL;
}

static void run_con(uint32_t version, bool packed, enum virtio_console_mode mode)
{
    struct cfix *fx = test_calloc(1, sizeof(*fx));
    uint64_t features = B(VIRTIO_CONSOLE_F_EMERG_WRITE) | B(VIRTIO_F_EVENT_IDX);
    struct virtio_console_config cfg = {
        .mode = mode, .rx_bufs = 8, .tx_bufs = 8, .rx_buf_size = 64, .tx_buf_size = 64,
        .on_event = con_event, .event_arg = fx};
    pthread_t th[5];

    sim_plat_reset();
    sim_order_model(false);
    sim_dma_observers(false);
    sim_irq_set_sync(false);
    if (version != 1)
        features |= B(VIRTIO_F_VERSION_1);
    if (packed)
        features |= B(VIRTIO_F_RING_PACKED);
    fx->sim = sim_virtio_create(version, VIRTIO_ID_CONSOLE, features, 2, QSIZE);
    fx->model = sim_console_create(fx->sim);
    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);
    assert_int_equal(virtio_console_init(&fx->con, &fx->dev, &cfg), 0);
    assert_int_equal(virtqueue_is_packed(fx->con.rxq), packed);

    assert_int_equal(pthread_create(&th[0], NULL, con_poller, fx), 0);
    assert_int_equal(pthread_create(&th[1], NULL, irq_thread, &fx->stop), 0);
    assert_int_equal(pthread_create(&th[2], NULL, con_device, fx), 0);
    assert_int_equal(pthread_create(&th[3], NULL, con_reader, fx), 0);
    assert_int_equal(pthread_create(&th[4], NULL, con_writer, fx), 0);
    pthread_join(th[2], NULL);
    pthread_join(th[3], NULL);
    pthread_join(th[4], NULL);
    raise_flag(&fx->stop);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);

    /* Single-threaded: recover if a fault is pending, let the device take
     * what is queued, read everything that arrived. */
    uint8_t buf[256];
    for (unsigned round = 0; round < 64; round++) {
        int n;

        sim_run_irqs();
        (void)virtio_console_poll(&fx->con);
        while ((n = virtio_console_read(&fx->con, buf, sizeof(buf))) != 0) {
            if (n > 0) {
                fx->read += (unsigned)n;
            } else {
                assert_int_equal(n, VIRTIO_EIO); /* a fault the threads left behind */
                fx->rd_eio++;
            }
        }
        sim_lock();
        con_run(fx);
        sim_unlock();
    }
    sim_run_irqs();
    (void)virtio_console_poll(&fx->con);
    assert_int_equal(virtio_console_read(&fx->con, buf, sizeof(buf)), 0);

    const struct virtio_console *c = &fx->con;
    const struct virtio_console_stats *st = &c->stats;
    fprintf(stderr, "threads con v%u%s%s: input %llu, read %llu, written %llu, device got %llu, tx_lost %u, "
                    "rx_cancelled %u, recoveries %u, errors %u, reinits %u, events %u\n",
            version, packed ? "p" : "", mode == VIRTIO_CONSOLE_POLL ? " poll" : "",
            (unsigned long long)fx->input, (unsigned long long)fx->read, (unsigned long long)fx->written,
            (unsigned long long)fx->output, st->tx_lost, st->rx_cancelled, st->recoveries, st->errors,
            fx->dev.stats.reinits, fx->events);

    if (fx->sim->violations)
        fprintf(stderr, "threads con: %u violations, the last: %s\n", fx->sim->violations, fx->sim->last_violation);
    /* Nothing completed twice, every completion one of ours. */
    assert_int_equal(st->bad_token, 0);
    assert_int_equal(fx->rd_bad + fx->wr_bad, 0);
    assert_false(fx->dev.broken);
    assert_int_equal(fx->sim->violations, 0);
    assert_int_equal(fx->model->tx_bad_dir + fx->model->rx_bad_dir + fx->model->other_queue, 0);
    /* Receive: every buffer back on the ring and held by the device once;
     * every post ended in a completion or a cancel but those on the ring;
     * every byte that arrived was read, and no more arrived than was sent. */
    unsigned posted = 0;
    for (unsigned i = 0; i < c->nrx; i++) {
        assert_int_equal(c->rx[i].state, 1); /* BUF_POSTED (virtio_console.c) */
        posted++;
    }
    const struct sim_vq *v = &fx->sim->vq[VIRTIO_CONSOLE_RXQ];
    assert_int_equal(v->npending, posted);
    for (unsigned i = 0; i < v->npending; i++)
        for (unsigned j = i + 1; j < v->npending; j++)
            assert_ptr_not_equal(v->pending[i].seg[0].p, v->pending[j].seg[0].p);
    assert_int_equal(st->rx_posted, st->rx_completions + st->rx_cancelled + posted);
    assert_int_equal(c->ready_count, 0);
    assert_int_equal(st->rx_read, fx->read);
    assert_int_equal(st->rx_bytes, st->rx_read);
    assert_true(st->rx_bytes <= fx->input - sim_console_input_left(fx->model));
    /* Transmit: the pool is free again; the device got no byte that was
     * not written, and every written byte reached it or was counted lost. */
    assert_int_equal(c->tx_free, c->ntx);
    for (unsigned i = 0; i < c->ntx; i++)
        assert_int_equal(c->tx[i].state, 0); /* BUF_FREE */
    assert_true(st->tx_completions <= st->tx_posted);
    assert_int_equal(st->tx_bytes, fx->written);
    assert_true(fx->output <= fx->written);
    assert_true(fx->written <= fx->output + st->tx_lost);
    assert_int_equal(st->emerg_bytes, fx->emerg);
    /* Each VIRTIO_EIO a caller saw is one counted error; work was done and
     * a fault met and recovered from. */
    assert_int_equal(st->errors, fx->rd_eio + fx->wr_eio);
    assert_true(fx->read >= 1);
    assert_true(fx->written >= 1);
    assert_true(fx->dev.stats.reinits >= 1);

    virtio_console_shutdown(&fx->con);
    sim_console_destroy(fx->model);
    sim_virtio_destroy(fx->sim);
    assert_int_equal(sim_plat_errors()->lock_recursion, 0);
    assert_true(sim_plat_finish());
    test_free(fx);
}

static void test_threads_con_v1(void **state)
{
    (void)state;
    run_con(1, false, VIRTIO_CONSOLE_IRQ);
}

static void test_threads_con_v2p(void **state)
{
    (void)state;
    run_con(2, true, VIRTIO_CONSOLE_IRQ);
}

static void test_threads_con_v2_poll(void **state)
{
    (void)state;
    run_con(2, false, VIRTIO_CONSOLE_POLL);
}

/* ---- virtio-rng: one reader (sync and async), the interrupt, the device -- */

#define RNG_OPS 2000u  /* reader steps */

struct rngfix {
    struct sim_virtio *sim;
    struct sim_rng model;
    struct virtio_dev dev;
    struct virtio_rng rng;
    /* asynchronous requests: one record per reader step that posted one */
    bool a_posted[RNG_OPS]; /* reader thread, before the call; cleared if refused */
    unsigned a_done[RNG_OPS]; /* callbacks (__atomic) */
    int a_result[RNG_OPS];
    unsigned a_bad;           /* callback for a request not posted (__atomic) */
    bool a_out;               /* a request is out (__atomic) */
    uint8_t a_dst[RNG_OPS][32];
    uint64_t sync_bytes;      /* bytes virtio_rng_read returned (reader) */
    unsigned sync_err;        /* virtio_rng_read errors but ETIMEDOUT / EBUSY / EIO */
    unsigned wakeups;         /* on_complete (__atomic) */
    bool stop;
};

struct rng_areq {
    struct rngfix *fx;
    unsigned k;
};
static struct rng_areq rng_req[RNG_OPS];

static void rng_async_done(void *arg, int result)
{
    struct rng_areq *a = arg;
    struct rngfix *fx = a->fx;

    if (!__atomic_load_n(&fx->a_posted[a->k], __ATOMIC_ACQUIRE))
        __atomic_fetch_add(&fx->a_bad, 1u, __ATOMIC_RELAXED);
    __atomic_store_n(&fx->a_result[a->k], result, __ATOMIC_RELAXED);
    __atomic_fetch_add(&fx->a_done[a->k], 1u, __ATOMIC_RELEASE);
    __atomic_store_n(&fx->a_out, false, __ATOMIC_RELEASE);
}

static void rng_wake(void *arg)
{
    struct rngfix *fx = arg;

    __atomic_fetch_add(&fx->wakeups, 1u, __ATOMIC_RELAXED);
}

static void rng_yield(void *arg)
{
    (void)arg;
    sched_yield();
}

/* The owning thread: blocking reads with a short timeout, asynchronous
 * reads, and the recovery an asynchronous user runs itself
 * (virtio_dev_check on its device: virtio_rng_read recovers only when it
 * is the one reading). */
static void *rng_reader(void *arg)
{
    struct rngfix *fx = arg;
    const struct virtio_rng_wait w = {rng_yield, NULL};
    uint8_t buf[48];

    for (unsigned i = 0; i < RNG_OPS; i++) {
        if (i % 16 == 0)
            (void)virtio_dev_check(&fx->dev);
        if (i % 3 == 0) {
            if (__atomic_load_n(&fx->a_out, __ATOMIC_ACQUIRE)) {
                sched_yield();
                continue;
            }
            rng_req[i] = (struct rng_areq){fx, i};
            __atomic_store_n(&fx->a_out, true, __ATOMIC_RELEASE);
            __atomic_store_n(&fx->a_posted[i], true, __ATOMIC_RELEASE);
            if (virtio_rng_read_async(&fx->rng, fx->a_dst[i], 1 + i % 32, rng_async_done, &rng_req[i]) != 0) {
                __atomic_store_n(&fx->a_posted[i], false, __ATOMIC_RELEASE); /* no callback comes */
                __atomic_store_n(&fx->a_out, false, __ATOMIC_RELEASE);
            }
        } else {
            int n = virtio_rng_read(&fx->rng, buf, 1 + i % sizeof(buf), &w, 20000);

            if (n > 0)
                fx->sync_bytes += (unsigned)n;
            else if (n != VIRTIO_ETIMEDOUT && n != VIRTIO_EBUSY && n != VIRTIO_EIO)
                fx->sync_err++;
        }
        sched_yield();
    }
    return NULL;
}

static void *rng_device(void *arg)
{
    struct rngfix *fx = arg;

    for (unsigned i = 1; i <= DEV_OPS; i++) {
        plat_irqstate_t s = plat_lock(&fx->rng.lock);

        sim_lock();
        if (i % 401 == 0) {
            sim_virtio_set_needs_reset(fx->sim);
        } else if (i % 733 == 0) {
            fx->sim->fault.used_id_force = true;
            fx->sim->fault.used_id = 0xffffu;
        } else if (i % 97 == 0) {
            sim_virtio_config_changed(fx->sim); /* virtio-rng has no config: nothing to do */
        } else {
            (void)sim_virtio_process(fx->sim, 0);
        }
        sim_unlock();
        plat_unlock(&fx->rng.lock, s);
        sched_yield();
    }
    return NULL;
}

static void run_rng(uint32_t version, bool packed)
{
    struct rngfix *fx = test_calloc(1, sizeof(*fx));
    uint64_t features = B(VIRTIO_F_EVENT_IDX);
    struct virtio_rng_config cfg = {.mode = VIRTIO_RNG_IRQ, .buf_size = 64, .on_complete = rng_wake,
                                    .on_complete_arg = fx};
    pthread_t th[3];

    sim_plat_reset();
    sim_order_model(false);
    sim_dma_observers(false);
    sim_irq_set_sync(false);
    if (version != 1)
        features |= B(VIRTIO_F_VERSION_1);
    if (packed)
        features |= B(VIRTIO_F_RING_PACKED);
    fx->sim = sim_virtio_create(version, VIRTIO_ID_RNG, features, 1, QSIZE);
    sim_rng_attach(fx->sim, &fx->model);
    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);
    assert_int_equal(virtio_rng_init(&fx->rng, &fx->dev, &cfg), 0);
    assert_int_equal(virtqueue_is_packed(fx->rng.vq), packed);

    assert_int_equal(pthread_create(&th[0], NULL, irq_thread, &fx->stop), 0);
    assert_int_equal(pthread_create(&th[1], NULL, rng_device, fx), 0);
    assert_int_equal(pthread_create(&th[2], NULL, rng_reader, fx), 0);
    pthread_join(th[1], NULL);
    pthread_join(th[2], NULL);
    raise_flag(&fx->stop);
    pthread_join(th[0], NULL);

    /* Single-threaded: recover, let the device answer what is out, and
     * collect it (a last blocking read completes or cancels it). */
    for (unsigned round = 0; round < 8; round++) {
        uint8_t buf[8];
        int n;

        assert_true(virtio_dev_check(&fx->dev) >= 0);
        sim_lock();
        (void)sim_virtio_process(fx->sim, 0);
        sim_unlock();
        sim_run_irqs();
        if (!__atomic_load_n(&fx->a_out, __ATOMIC_ACQUIRE)) {
            n = virtio_rng_read(&fx->rng, buf, sizeof(buf), NULL, 100000);
            if (n > 0)
                fx->sync_bytes += (unsigned)n;
        }
    }
    /* What the last read left posted (it timed out: no device step ran
     * inside it) completes now; its bytes are nobody's. */
    sim_lock();
    (void)sim_virtio_process(fx->sim, 0);
    sim_unlock();
    sim_run_irqs();

    const struct virtio_rng_stats *st = &fx->rng.stats;
    unsigned aposted = 0, adone = 0;
    uint64_t abytes = 0;
    for (unsigned k = 0; k < RNG_OPS; k++) {
        assert_int_equal(fx->a_done[k], fx->a_posted[k] ? 1 : 0); /* each exactly once */
        aposted += fx->a_posted[k];
        adone += fx->a_done[k];
        if (fx->a_done[k] && fx->a_result[k] > 0) {
            assert_true(fx->a_result[k] <= (int)(1 + k % 32));
            abytes += (unsigned)fx->a_result[k];
        } else if (fx->a_done[k]) {
            assert_true(fx->a_result[k] == 0 || fx->a_result[k] == VIRTIO_ECANCELED ||
                        fx->a_result[k] == VIRTIO_EIO);
        }
    }
    fprintf(stderr, "threads rng v%u%s: async %u (bytes %llu), sync bytes %llu, requests %u, completed %u, "
                    "cancelled %u, errors %u, timeouts %u, reinits %u\n",
            version, packed ? "p" : "", aposted, (unsigned long long)abytes, (unsigned long long)fx->sync_bytes,
            st->requests, st->completed, st->cancelled, st->errors, st->timeouts, fx->dev.stats.reinits);
    assert_int_equal(fx->a_bad, 0);
    assert_int_equal(fx->sync_err, 0);
    assert_false(fx->a_out);
    assert_false(fx->rng.busy);
    assert_false(fx->dev.broken);
    /* Every byte counted was handed to a reader, and every request posted
     * ended once: completed by the device or cancelled by a reset (a
     * request the device broke is cancelled by the reset that follows). */
    assert_int_equal(st->bytes, abytes + fx->sync_bytes); /* (bytes counts only what it hands out) */
    assert_int_equal(st->requests, st->completed + st->cancelled);
    assert_true(aposted >= 1);
    assert_true(fx->sync_bytes >= 1);
    assert_true(fx->dev.stats.reinits >= 1);
    assert_int_equal(fx->sim->violations, 0);

    virtio_rng_shutdown(&fx->rng);
    sim_virtio_destroy(fx->sim);
    assert_int_equal(sim_plat_errors()->lock_recursion, 0);
    assert_true(sim_plat_finish());
    test_free(fx);
}

static void test_threads_rng_v1(void **state)
{
    (void)state;
    run_rng(1, false);
}

static void test_threads_rng_v2p(void **state)
{
    (void)state;
    run_rng(2, true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_v1),
        cmocka_unit_test(test_threads_v2),
        cmocka_unit_test(test_threads_v2p),
        cmocka_unit_test(test_threads_blk_v1),
        cmocka_unit_test(test_threads_blk_v2p),
        cmocka_unit_test(test_threads_con_v1),
        cmocka_unit_test(test_threads_con_v2p),
        cmocka_unit_test(test_threads_con_v2_poll),
        cmocka_unit_test(test_threads_rng_v1),
        cmocka_unit_test(test_threads_rng_v2p),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
