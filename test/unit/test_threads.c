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
 * virtio-blk the same way: a thread submitting asynchronous reads, the
 * owning thread in virtio_blk_check, the interrupt and device threads
 * (requests processed, DEVICE_NEEDS_RESET, broken used entries, config
 * changes); every request posted completes exactly once.
 *
 * Built twice (test/unit/threads.mk): under ThreadSanitizer (threads_tsan)
 * and under ASan + UBSan (threads).  net runs on virtio-mmio v1 (split),
 * v2 (split) and v2 with packed rings; blk on v1 and v2 packed.
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
#include "sim_net.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"

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

static void *irq_thread(void *arg)
{
    struct tfix *fx = arg;

    while (!flag(&fx->stop)) {
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
    assert_int_equal(pthread_create(&th[1], NULL, irq_thread, fx), 0);
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

/* ---- virtio-blk: submissions from one thread, recovery in another ------- */

#define NREQ 32u
#define BLK_OPS 4000u

struct bfix {
    struct sim_virtio *sim;
    struct sim_blk *model;
    struct virtio_blk blk;
    struct virtio_blk_req req[NREQ];
    uint8_t *mem;
    bool busy[NREQ];         /* __atomic: submitted, done() not yet run */
    unsigned posted[NREQ];   /* submit returned 0 (submitting thread) */
    unsigned done[NREQ];     /* done() calls (__atomic) */
    unsigned bad_done;       /* done() for a request not posted (__atomic) */
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

static void *blk_owner(void *arg)
{
    struct bfix *fx = arg;

    while (!flag(&fx->stop)) {
        if (virtio_blk_check(&fx->blk) < 0)
            fx->check_failed++;
        sched_yield();
    }
    return NULL;
}

static void *blk_irq(void *arg)
{
    struct bfix *fx = arg;

    while (!flag(&fx->stop)) {
        sim_run_irqs();
        sched_yield();
    }
    return NULL;
}

static void *blk_device(void *arg)
{
    struct bfix *fx = arg;

    for (unsigned i = 1; i <= DEV_OPS; i++) {
        plat_irqstate_t s = plat_lock(&fx->blk.lock);

        sim_lock();
        if (i % 401 == 0) {
            sim_virtio_set_needs_reset(fx->sim);
        } else if (i % 733 == 0) {
            fx->sim->fault.used_id_force = true;
            fx->sim->fault.used_id = 0xffffu;
        } else if (i % 97 == 0) {
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

static void *blk_submitter(void *arg)
{
    struct bfix *fx = arg;

    for (unsigned i = 0; i < BLK_OPS; i++) {
        unsigned k = i % NREQ;

        if (__atomic_load_n(&fx->busy[k], __ATOMIC_ACQUIRE)) {
            sched_yield();
            continue;
        }
        struct virtio_blk_req *r = &fx->req[k];
        *r = (struct virtio_blk_req){.type = VIRTIO_BLK_T_IN, .sector = i % 64u, .buf = fx->mem + k * 512u,
                                     .len = 512, .done = blk_done, .arg = fx};
        __atomic_store_n(&fx->busy[k], true, __ATOMIC_RELEASE);
        if (virtio_blk_submit(&fx->blk, r) == 0)
            fx->posted[k]++;
        else
            __atomic_store_n(&fx->busy[k], false, __ATOMIC_RELEASE); /* done() will not run */
        sched_yield();
    }
    raise_flag(&fx->app_done);
    return NULL;
}

static void run_blk(uint32_t version, bool packed)
{
    struct bfix *fx = test_calloc(1, sizeof(*fx));
    struct sim_blk_config bc = {.capacity = 64};
    uint64_t features = B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_EVENT_IDX);
    plat_busaddr_t bus;
    pthread_t th[4];

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
    assert_non_null(fx->mem);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);

    assert_int_equal(pthread_create(&th[0], NULL, blk_owner, fx), 0);
    assert_int_equal(pthread_create(&th[1], NULL, blk_irq, fx), 0);
    assert_int_equal(pthread_create(&th[2], NULL, blk_device, fx), 0);
    assert_int_equal(pthread_create(&th[3], NULL, blk_submitter, fx), 0);
    pthread_join(th[2], NULL);
    pthread_join(th[3], NULL);
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
    fprintf(stderr, "threads blk v%u%s: posted %u, completed %u, cancelled %u, reinits %u, config_changes %u\n",
            version, packed ? "p" : "", posted, done, fx->blk.stats.cancelled, fx->blk.dev.stats.reinits,
            fx->blk.stats.config_changes);
    assert_int_equal(fx->bad_done, 0);
    assert_int_equal(fx->check_failed, 0);
    assert_int_equal(fx->blk.ninflight, 0);
    assert_true(posted >= 1);
    assert_true(fx->blk.dev.stats.reinits >= 1);

    virtio_blk_shutdown(&fx->blk);
    plat_dma_free(fx->mem, NREQ * 512u);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_v1),
        cmocka_unit_test(test_threads_v2),
        cmocka_unit_test(test_threads_v2p),
        cmocka_unit_test(test_threads_blk_v1),
        cmocka_unit_test(test_threads_blk_v2p),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
