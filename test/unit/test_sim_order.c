/*
 * test_sim_order.c - the simulator's memory-ordering model (sim_plat.h,
 * "Ordering") on its own: what each barrier moves, in which direction.
 * The ring tests rely on it to fail when a driver leaves a barrier out;
 * this file makes sure the model itself cannot quietly become "everything
 * visible at once".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "plat.h"
#include "sim_plat.h"

struct blk {
    uint8_t *cpu;
    plat_busaddr_t bus;
};

static struct blk ring_block(void)
{
    struct blk b;

    b.cpu = plat_dma_alloc(4096, 4096, &b.bus);
    assert_non_null(b.cpu);
    sim_dma_ring(b.bus, 4096);
    return b;
}

static const uint8_t *dev(const struct blk *b, size_t off)
{
    return sim_dma_ptr(b->bus + off, 1);
}

static int teardown(void **state)
{
    (void)state;
    return sim_plat_finish() ? 0 : -1;
}

/* Driver stores: invisible to the device until a store-ordering barrier;
 * an rmb is not one. */
static void test_store_needs_wmb(void **state)
{
    struct blk b = ring_block();

    (void)state;
    b.cpu[10] = 0x5a;
    assert_int_equal(*dev(&b, 10), 0);
    assert_int_equal(*(uint8_t *)sim_dma_peek(b.bus + 10, 1), 0x5a); /* an early look */
    plat_dma_rmb();
    assert_int_equal(*dev(&b, 10), 0);
    plat_dma_wmb();
    assert_int_equal(*dev(&b, 10), 0x5a);
    b.cpu[11] = 0x6b;
    plat_dma_mb();
    assert_int_equal(*dev(&b, 11), 0x6b);
    b.cpu[12] = 0x7c;
    plat_mmio_write32(0x7fff0000u, 0); /* nothing there (counted), but it orders */
    assert_int_equal(*dev(&b, 12), 0x7c);
    assert_int_equal(sim_plat_errors()->bad_mmio, 1);
    plat_dma_free(b.cpu, 4096);
    sim_plat_reset();
}

/* Where the driver asks for interrupts, only a full barrier counts. */
static void test_mbonly_needs_mb(void **state)
{
    struct blk b = ring_block();

    (void)state;
    sim_dma_mbonly(b.bus + 100, 2);
    b.cpu[100] = 1;
    b.cpu[102] = 2; /* outside the area */
    plat_dma_wmb();
    assert_int_equal(*dev(&b, 100), 0);
    assert_int_equal(*dev(&b, 102), 2);
    assert_int_equal(sim_order_stats()->held_mbonly, 1);
    plat_dma_mb();
    assert_int_equal(*dev(&b, 100), 1);
    plat_dma_free(b.cpu, 4096);
    sim_plat_reset();
}

/* Device writes: invisible to the driver until its read barrier, except a
 * published trigger field. */
static void test_device_write_needs_rmb(void **state)
{
    struct blk b = ring_block();
    uint8_t *d = sim_dma_ptr(b.bus, 4096);

    (void)state;
    d[20] = 0x11; /* an element */
    d[24] = 0x22; /* its index */
    sim_dma_publish(b.bus + 24, 1);
    assert_int_equal(b.cpu[24], 0x22);
    assert_int_equal(b.cpu[20], 0);
    plat_dma_wmb();
    assert_int_equal(b.cpu[20], 0);
    plat_dma_rmb();
    assert_int_equal(b.cpu[20], 0x11);
    d = sim_dma_ptr(b.bus, 4096); /* a device step takes its pointers afresh */
    d[21] = 0x33;
    plat_dma_mb();
    assert_int_equal(b.cpu[21], 0x33);
    plat_dma_free(b.cpu, 4096);
    sim_plat_reset();
}

/* Both sides wrote one byte between barriers: the driver's store wins,
 * in both copies. */
static void test_driver_store_wins(void **state)
{
    struct blk b = ring_block();
    uint8_t *d = sim_dma_ptr(b.bus, 4096);

    (void)state;
    d[30] = 0xa5; /* the device scribbles */
    b.cpu[30] = 0x01; /* the driver reuses the slot */
    plat_dma_rmb();
    assert_int_equal(b.cpu[30], 0x01);
    plat_dma_wmb();
    assert_int_equal(d[30], 0x01);
    plat_dma_free(b.cpu, 4096);
    sim_plat_reset();
}

/* A block no device named as ring memory is one copy. */
static void test_buffers_one_copy(void **state)
{
    plat_busaddr_t bus;
    uint8_t *p = plat_dma_alloc(256, 16, &bus);

    (void)state;
    p[0] = 9;
    assert_int_equal(*(uint8_t *)sim_dma_ptr(bus, 1), 9);
    plat_dma_free(p, 256);
    sim_plat_reset();
}

static int observed;
static void observer(void *ctx)
{
    struct blk *b = ctx;

    /* Before anything moves: the device's view still lacks the store. */
    if (*dev(b, 40) == 0 && b->cpu[40] == 4)
        observed++;
}

/* Observers run at every barrier and MMIO write, before the move. */
static void test_observers_run_first(void **state)
{
    struct blk b = ring_block();

    (void)state;
    observed = 0;
    sim_dma_observe(observer, &b);
    b.cpu[40] = 4;
    plat_dma_wmb();
    assert_int_equal(observed, 1);
    plat_dma_mb();
    assert_int_equal(observed, 1); /* moved by then */
    sim_dma_unobserve(observer, &b);
    plat_dma_free(b.cpu, 4096);
    sim_plat_reset();
}

/* The model off: one copy even for ring memory. */
static void test_model_off(void **state)
{
    struct blk b;

    (void)state;
    sim_order_model(false);
    b = ring_block();
    b.cpu[5] = 3;
    assert_int_equal(*dev(&b, 5), 3);
    plat_dma_free(b.cpu, 4096);
    sim_plat_reset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_store_needs_wmb, teardown),
        cmocka_unit_test_teardown(test_mbonly_needs_mb, teardown),
        cmocka_unit_test_teardown(test_device_write_needs_rmb, teardown),
        cmocka_unit_test_teardown(test_driver_store_wins, teardown),
        cmocka_unit_test_teardown(test_buffers_one_copy, teardown),
        cmocka_unit_test_teardown(test_observers_run_first, teardown),
        cmocka_unit_test_teardown(test_model_off, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
