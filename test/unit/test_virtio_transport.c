/*
 * test_virtio_transport.c - the virtio core and the virtio-mmio transport
 * (drivers/virtio/virtio.c, virtio_mmio.c) against the simulated device, in
 * both transport versions: attach, status order, feature negotiation,
 * queue set-up rules of each version, config space access, interrupt
 * handling, DEVICE_NEEDS_RESET recovery.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "virtio/mmio_probe.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio_regs.h"

#define B(n) VIRTIO_BIT(n)
#define ST_A VIRTIO_STATUS_ACKNOWLEDGE
#define ST_D VIRTIO_STATUS_DRIVER
#define ST_F VIRTIO_STATUS_FEATURES_OK
#define ST_OK VIRTIO_STATUS_DRIVER_OK

static bool modern(const struct vfix *fx)
{
    return fx->version != 1;
}

/* Post one 1-in/1-out request on fx->vq; buffers from DMA memory. */
static void *post_one(struct vfix *fx, void *token)
{
    plat_busaddr_t bus;
    uint8_t *mem = plat_dma_alloc(64, 64, &bus);
    struct vq_buf b[2] = {{mem, 16}, {mem + 32, 32}};

    assert_non_null(mem);
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, token), 0);
    return mem;
}

/* ---- attach ---------------------------------------------------------------- */

static void test_attach_identity(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(fx->dev.version, fx->version);
    assert_int_equal(fx->dev.device_id, VFIX_DEV_ID);
    assert_int_equal(fx->dev.vendor_id, 0x554d4551u);
    assert_int_equal(fx->dev.irq, fx->sim->irq);
    assert_true(fx->dev.dma_coherent);
    assert_int_equal(fx->sim->n_reg, 0); /* attach writes nothing */
}

static void test_attach_rejects(void **state)
{
    struct vfix *fx = *state;
    struct virtio_dev d;

    fx->sim = sim_virtio_create(fx->version, 0, 0, 1, 64); /* empty slot */
    assert_int_equal(virtio_mmio_attach(&d, fx->sim->base, 1, 0, true), VIRTIO_ENODEV);
    fx->sim->device_id = VFIX_DEV_ID;
    fx->sim->fault.bad_magic = true;
    assert_int_equal(virtio_mmio_attach(&d, fx->sim->base, 1, 0, true), VIRTIO_ENODEV);
    fx->sim->fault.bad_magic = false;
    fx->sim->version = 3;
    assert_int_equal(virtio_mmio_attach(&d, fx->sim->base, 1, 0, true), VIRTIO_ENOTSUP);
    fx->sim->version = fx->version;
    assert_int_equal(virtio_mmio_attach(&d, fx->sim->base, 1, 0, true), 0);
    assert_int_equal(virtio_mmio_attach(NULL, fx->sim->base, 1, 0, true), VIRTIO_EINVAL);
}

/* ---- status order ----------------------------------------------------------- */

static void test_status_order(void **state)
{
    struct vfix *fx = *state;
    static const uint8_t modern_seq[] = {0, ST_A, ST_A | ST_D, ST_A | ST_D | ST_F,
                                         ST_A | ST_D | ST_F | ST_OK};
    static const uint8_t legacy_seq[] = {0, ST_A, ST_A | ST_D, ST_A | ST_D | ST_OK};
    struct virtio_vq_params p = {.name = "q", .num = 16};
    struct virtqueue *vq;

    vfix_create(fx, VFIX_DEV_ID, 0, 2, 64);
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    /* negotiate never sets DRIVER_OK */
    assert_int_equal(fx->sim->status & ST_OK, 0);
    assert_int_equal(fx->sim->driver_ok_writes, 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 1, &p, &vq), 0);
    assert_int_equal(fx->sim->driver_ok_writes, 0);
    assert_int_equal(virtio_dev_driver_ok(&fx->dev), 0);
    if (modern(fx))
        assert_true(vfix_status_seq(fx, modern_seq, sizeof(modern_seq)));
    else
        assert_true(vfix_status_seq(fx, legacy_seq, sizeof(legacy_seq)));
    /* both queues were live when DRIVER_OK was written */
    assert_int_equal(fx->sim->ready_at_driver_ok, 3);
    assert_int_equal(fx->sim->driver_ok_writes, 1);
}

static void test_reset_waits_and_times_out(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    fx->sim->fault.reset_delay_reads = 5; /* slow but finishes */
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(fx->sim->reset_delay_left, 0);

    fx->sim->fault.reset_delay_reads = ~0u; /* never finishes */
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), VIRTIO_ETIMEDOUT);
    assert_true(sim_log_contains("reset timed out"));
    /* the wait was bounded by the clock, not by luck */
    assert_true(sim_time_reads() > 1);
    fx->sim->reset_delay_left = 0;
    fx->sim->fault.reset_delay_reads = 0;
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
}

/* A device a boot loader left running: the probe-time reset reports the
 * status it had, leaves it at 0, and gives up (bounded) on one that never
 * finishes its reset. */
static void test_quiesce_reports_and_resets(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_mmio_quiesce(fx->sim->base), 0); /* nobody touched it */
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    fx->dev.ops->add_status(&fx->dev, VIRTIO_STATUS_DRIVER_OK);
    uint32_t left = fx->sim->status;
    assert_true(left & VIRTIO_STATUS_DRIVER_OK);
    fx->sim->fault.reset_delay_reads = 5; /* slow but finishes */
    assert_int_equal(virtio_mmio_quiesce(fx->sim->base), (int)left);
    assert_int_equal(fx->sim->status, 0);

    fx->dev.ops->add_status(&fx->dev, VIRTIO_STATUS_ACKNOWLEDGE);
    fx->sim->fault.reset_delay_reads = ~0u; /* never finishes */
    assert_int_equal(virtio_mmio_quiesce(fx->sim->base), VIRTIO_ETIMEDOUT);
    assert_true(sim_time_reads() > 1);
    fx->sim->reset_delay_left = 0;
    fx->sim->fault.reset_delay_reads = 0;
}

/* ---- features --------------------------------------------------------------- */

static void test_features_accept_offered_and_supported(void **state)
{
    struct vfix *fx = *state;
    uint64_t offered = B(0) | B(1) | B(5) | B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_EVENT_IDX) |
                       B(VIRTIO_F_RING_PACKED) | B(VIRTIO_F_ACCESS_PLATFORM) |
                       B(VIRTIO_F_NOTIFICATION_DATA) | B(40) | B(55);
    uint64_t expect;

    vfix_create(fx, VFIX_DEV_ID, offered, 1, 64);
    fx->spec.supported = B(0) | B(5) | B(7) | B(VIRTIO_F_EVENT_IDX) | B(VIRTIO_F_RING_PACKED) | B(55);
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    if (modern(fx)) /* RING_PACKED: the core's, on a modern dma-coherent device */
        expect = B(0) | B(5) | B(VIRTIO_F_EVENT_IDX) | B(VIRTIO_F_VERSION_1) |
                 B(VIRTIO_F_ACCESS_PLATFORM) | B(VIRTIO_F_RING_PACKED) | B(55);
    else
        expect = B(0) | B(5) | B(VIRTIO_F_EVENT_IDX);
    assert_int_equal(fx->dev.features, expect);
    assert_int_equal(fx->sim->drv_features, expect);
    assert_true(virtio_has_feature(&fx->dev, VIRTIO_F_EVENT_IDX));
    assert_false(virtio_has_feature(&fx->dev, VIRTIO_F_INDIRECT_DESC)); /* not wanted */
    assert_false(virtio_has_feature(&fx->dev, 7));                      /* not offered */
    assert_false(virtio_has_feature(&fx->dev, 99));
}

static void test_features_ok_refused(void **state)
{
    struct vfix *fx = *state;
    unsigned i;

    vfix_create(fx, VFIX_DEV_ID, B(3), 1, 64);
    fx->spec.supported = B(3);
    fx->sim->fault.refuse_features_ok = true;
    if (modern(fx)) {
        assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), VIRTIO_ENOTSUP);
        assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
        assert_false(fx->sim->status & ST_F);
        assert_true(sim_log_contains("FEATURES_OK refused"));
    } else {
        /* legacy has no FEATURES_OK: never written, nothing to refuse */
        assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
        for (i = 0; i < fx->sim->n_status; i++)
            assert_int_equal(fx->sim->status_log[i] & ST_F, 0);
        assert_false(fx->sim->status & VIRTIO_STATUS_FAILED);
    }
}

static void test_modern_requires_version_1(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    fx->sim->dev_features &= ~B(VIRTIO_F_VERSION_1);
    if (modern(fx)) {
        assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), VIRTIO_ENOTSUP);
        assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
        assert_int_equal(fx->sim->drv_features, 0); /* never written */
    } else {
        assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    }
}

static void test_select_features_rules(void **state)
{
    static const struct virtio_feature_dep deps[] = {
        {10, B(11)}, /* 10 needs 11 */
        {11, B(12)}, /* 11 needs 12: dropping 12 orphans 11 and then 10 */
        {13, B(14)},
    };
    struct virtio_feature_spec spec = {
        .supported = B(10) | B(11) | B(12) | B(13) | B(14), .deps = deps, .ndeps = 3};
    uint64_t acc;

    (void)state;
    /* 12 not offered: 11 and 10 go; 13 keeps 14 */
    assert_int_equal(virtio_select_features(false, B(10) | B(11) | B(13) | B(14) | B(32), &spec, &acc), 0);
    assert_int_equal(acc, B(13) | B(14) | B(32));
    /* everything offered: everything kept */
    assert_int_equal(virtio_select_features(false, B(10) | B(11) | B(12) | B(32), &spec, &acc), 0);
    assert_int_equal(acc, B(10) | B(11) | B(12) | B(32));
    /* a required feature that cannot be had */
    spec.required = B(10);
    assert_int_equal(virtio_select_features(false, B(10) | B(32), &spec, &acc), VIRTIO_ENOTSUP);
    spec.required = 0;
    /* modern without VERSION_1 */
    assert_int_equal(virtio_select_features(false, B(10), &spec, &acc), VIRTIO_ENOTSUP);
    /* legacy: VERSION_1 and the high word dropped */
    assert_int_equal(virtio_select_features(true, B(12) | B(32) | B(33), &spec, &acc), 0);
    assert_int_equal(acc, B(12));
    /* ring bits only when the driver wants them; core bits always */
    spec.supported = B(VIRTIO_F_INDIRECT_DESC);
    assert_int_equal(virtio_select_features(false,
                                            B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_EVENT_IDX) |
                                                B(VIRTIO_F_VERSION_1) |
                                                B(VIRTIO_F_ORDER_PLATFORM) | B(VIRTIO_F_IN_ORDER),
                                            &spec, &acc),
                     0);
    assert_int_equal(acc, B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_VERSION_1) |
                              B(VIRTIO_F_ORDER_PLATFORM));
    /* no spec at all */
    assert_int_equal(virtio_select_features(false, B(1) | B(32), NULL, &acc), 0);
    assert_int_equal(acc, B(32));
}

/* ---- queue set-up ------------------------------------------------------------- */

static void test_queue_size_rule(void **state)
{
    (void)state;
    assert_int_equal(virtio_queue_size(256, 1024), 256);
    assert_int_equal(virtio_queue_size(256, 100), 64);
    assert_int_equal(virtio_queue_size(48, 256), 32);
    assert_int_equal(virtio_queue_size(1, 1), 1);
    assert_int_equal(virtio_queue_size(0, 256), 0);
    assert_int_equal(virtio_queue_size(256, 0), 0);
    assert_int_equal(virtio_queue_size(65535, 65535), 32768);
    assert_int_equal(virtio_queue_size(65535, 0xffffffffu), 32768);
}

static void test_legacy_page_size_first(void **state)
{
    struct vfix *fx = *state;
    int gps, num, pfn, align;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 32, 0), 0);
    gps = sim_virtio_first_write(fx->sim, VIRTIO_MMIO_GUEST_PAGE_SIZE);
    num = sim_virtio_first_write(fx->sim, VIRTIO_MMIO_QUEUE_NUM);
    pfn = sim_virtio_first_write(fx->sim, VIRTIO_MMIO_QUEUE_PFN);
    align = sim_virtio_first_write(fx->sim, VIRTIO_MMIO_QUEUE_ALIGN);
    assert_true(num >= 0);
    if (modern(fx)) {
        assert_int_equal(gps, -1);
        assert_int_equal(pfn, -1);
        assert_int_equal(align, -1);
        assert_true(sim_virtio_first_write(fx->sim, VIRTIO_MMIO_QUEUE_READY) > num);
        assert_int_equal(fx->sim->vq[0].desc, virtqueue_desc_addr(fx->vq));
        assert_int_equal(fx->sim->vq[0].avail, virtqueue_avail_addr(fx->vq));
        assert_int_equal(fx->sim->vq[0].used, virtqueue_used_addr(fx->vq));
    } else {
        assert_true(gps >= 0);
        assert_true(gps < num);
        assert_true(gps < pfn);
        assert_true(align < pfn);
        assert_int_equal(fx->sim->guest_page_size, 4096);
        assert_int_equal(fx->sim->vq[0].align, 4096);
        assert_int_equal((uint64_t)fx->sim->vq[0].pfn << 12, virtqueue_desc_addr(fx->vq));
        /* the device's own layout computation agrees with the driver's */
        assert_int_equal(fx->sim->vq[0].avail, virtqueue_avail_addr(fx->vq));
        assert_int_equal(fx->sim->vq[0].used, virtqueue_used_addr(fx->vq));
    }
    assert_int_equal(fx->sim->vq[0].num, 32);
    assert_true(fx->sim->vq[0].ready);
}

static void test_pfn_beyond_32_bits(void **state)
{
    struct vfix *fx = *state;

    sim_dma_set_bus_base(1ull << 45); /* PFN = 2^33 */
    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    if (modern(fx)) {
        assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
        assert_true(virtqueue_desc_addr(fx->vq) >= (1ull << 45));
        assert_int_equal(fx->sim->vq[0].desc >> 32, virtqueue_desc_addr(fx->vq) >> 32);
    } else {
        struct virtio_vq_params p = {.num = 16};
        struct virtqueue *vq = NULL;

        assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
        assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), VIRTIO_E2BIG);
        assert_null(vq);
        assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
        assert_int_equal(sim_virtio_first_write(fx->sim, VIRTIO_MMIO_QUEUE_PFN), -1);
        assert_null(fx->dev.vqs[0]);
    }
}

static void test_queue_num_max_zero(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.num = 16};
    struct virtqueue *vq = NULL;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 0);
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), VIRTIO_ENOENT);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    /* an index past the device's queues reads NumMax 0 too */
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 3, &p, &vq), VIRTIO_ENOENT);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, VIRTIO_MAX_VQS, &p, &vq), VIRTIO_EINVAL);
    assert_int_equal(sim_dma_live(), 0);
}

static void test_queue_num_max_not_power_of_two(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 100);
    assert_int_equal(vfix_up(fx, 0, 256, 0), 0);
    assert_int_equal(virtqueue_size(fx->vq), 64);
    assert_int_equal(fx->sim->vq[0].num, 64);
}

static void test_queue_requested_zero(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.num = 0};
    struct virtqueue *vq = NULL;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), VIRTIO_EINVAL);
}

static void test_queue_ready_read_back(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.num = 16};
    struct virtqueue *vq = NULL;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    fx->sim->fault.queue_ready_stuck = true;
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    if (!modern(fx)) {
        /* legacy has no QueueReady: never touched (the sim would count a
         * violation), set-up does not depend on it */
        assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), 0);
        assert_int_equal(sim_virtio_first_write(fx->sim, VIRTIO_MMIO_QUEUE_READY), -1);
        return;
    }
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), VIRTIO_EIO);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    assert_true(sim_log_contains("QueueReady did not read back"));
    assert_int_equal(sim_dma_live(), 0);
}

static void test_queue_already_live(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.num = 16};
    struct virtqueue *vq = NULL;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    fx->sim->fault.queue_busy = true;
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), VIRTIO_EBUSY);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    fx->sim->fault.queue_busy = false;
}

static void test_queue_twice(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.num = 16};
    struct virtqueue *vq = NULL;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), VIRTIO_EBUSY);
    fx->sim->status &= ~VIRTIO_STATUS_FAILED;
}

static void test_setup_vq_enomem(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.num = 16, .max_indirect = 4};
    struct virtqueue *vq = NULL;
    long n;

    vfix_create(fx, VFIX_DEV_ID, B(VIRTIO_F_INDIRECT_DESC), 1, 64);
    fx->spec.supported = B(VIRTIO_F_INDIRECT_DESC);
    /* each of the allocations in turn (self, ring, indirect tables) */
    for (n = 0; n < 3; n++) {
        assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
        sim_dma_fail_after(n);
        assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &vq), VIRTIO_ENOMEM);
        sim_dma_fail_after(-1);
        assert_int_equal(sim_dma_live(), 0);
    }
}

static void test_fail_tears_down(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    virtio_dev_fail(&fx->dev);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    assert_false(fx->sim->vq[0].ready);
    assert_null(fx->dev.vqs[0]);
    assert_true(sim_irq_masked(fx->sim->irq));
    assert_int_equal(sim_dma_live(), 0);
}

/* The status FAILED is the last thing virtio_dev_fail() leaves: on legacy
 * the teardown's QueuePFN 0 writes reset the device (QEMU's virtio-mmio
 * does, and so does the simulated device), which would clear a FAILED set
 * before them. */
static void test_fail_sets_failed_last(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.name = "q", .num = 16};
    struct virtqueue *vq1;
    unsigned resets;

    vfix_create(fx, VFIX_DEV_ID, 0, 2, 64);
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &fx->vq), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 1, &p, &vq1), 0);
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), 0);
    assert_int_equal(virtio_dev_driver_ok(&fx->dev), 0);
    assert_false(fx->sim->status & VIRTIO_STATUS_FAILED);
    resets = fx->sim->resets;
    fx->sim->n_status = 0;

    virtio_dev_fail(&fx->dev);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    assert_true(fx->sim->n_status >= 1);
    assert_true(fx->sim->status_log[fx->sim->n_status - 1] & VIRTIO_STATUS_FAILED);
    assert_false(fx->sim->vq[0].ready);
    assert_false(fx->sim->vq[1].ready);
    assert_null(fx->dev.vqs[0]);
    assert_null(fx->dev.vqs[1]);
    if (modern(fx)) {
        /* QueueReady 0 is no reset: FAILED joins the bits already there */
        assert_int_equal(fx->sim->resets, resets);
        assert_int_equal(fx->sim->status, ST_A | ST_D | ST_F | ST_OK | VIRTIO_STATUS_FAILED);
        assert_int_equal(fx->sim->n_status, 1);
    } else {
        /* one reset per QueuePFN 0 write, then FAILED on a reset device */
        assert_int_equal(fx->sim->resets, resets + 2);
        assert_int_equal(fx->sim->status, VIRTIO_STATUS_FAILED);
        assert_int_equal(fx->sim->n_status, 1);
    }
}

/* The simulated device's legacy model itself: a QueuePFN 0 write resets
 * the whole device, as QEMU's virtio_mmio_write does (virtio_reset). */
static void test_legacy_pfn_zero_resets_device(void **state)
{
    struct vfix *fx = *state;
    unsigned resets;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    resets = fx->sim->resets;
    sim_virtio_raise(fx->sim, VIRTIO_MMIO_INT_CONFIG);
    fx->dev.ops->queue_teardown(&fx->dev, 0);
    assert_false(fx->sim->vq[0].ready);
    if (modern(fx)) {
        assert_int_equal(fx->sim->resets, resets);
        assert_true(fx->sim->status & ST_OK);
        assert_int_equal(fx->sim->int_status, VIRTIO_MMIO_INT_CONFIG);
        sim_run_irqs();
    } else {
        assert_int_equal(fx->sim->resets, resets + 1);
        assert_int_equal(fx->sim->status, 0);
        assert_int_equal(fx->sim->drv_features, 0);
        assert_int_equal(fx->sim->int_status, 0);
        assert_int_equal(fx->sim->guest_page_size, 4096); /* a transport register: kept */
        assert_int_equal(fx->sim->vq[0].pfn, 0);
    }
}

/* ---- config space -------------------------------------------------------------- */

static void test_config_read_widths(void **state)
{
    struct vfix *fx = *state;
    uint8_t v8;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;
    unsigned i;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    for (i = 0; i < 32; i++)
        fx->sim->config[i] = (uint8_t)(0x10 + i);
    assert_int_equal(virtio_config_read8(&fx->dev, 1, &v8), 0);
    assert_int_equal(v8, 0x11);
    assert_int_equal(virtio_config_read16(&fx->dev, 2, &v16), 0);
    assert_int_equal(v16, 0x1312);
    assert_int_equal(virtio_config_read32(&fx->dev, 4, &v32), 0);
    assert_int_equal(v32, 0x17161514u);
    assert_int_equal(virtio_config_read64(&fx->dev, 8, &v64), 0);
    assert_int_equal(v64, 0x1f1e1d1c1b1a1918ull);
    assert_int_equal(virtio_config_read64(&fx->dev, 12, &v64), 0); /* 4-aligned is enough */
    assert_int_equal(v64, 0x232221201f1e1d1cull);
    if (modern(fx))
        assert_true(fx->sim->gen_reads >= 10); /* before and after every access */
    else
        assert_int_equal(fx->sim->gen_reads, 0); /* legacy: no generation */
    assert_int_equal(fx->dev.stats.config_retries, 0);
}

static void test_config_generation_retry(void **state)
{
    struct vfix *fx = *state;
    uint64_t v64;
    uint32_t v32;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    fx->sim->config[0] = 0xaa;
    fx->sim->fault.gen_bumps = 3;
    assert_int_equal(virtio_config_read32(&fx->dev, 0, &v32), 0);
    assert_int_equal(v32, 0xaa);
    if (modern(fx)) {
        assert_int_equal(fx->dev.stats.config_retries, 3);
        /* 64-bit: both halves inside one generation */
        fx->sim->fault.gen_bumps = 4;
        assert_int_equal(virtio_config_read64(&fx->dev, 0, &v64), 0);
        assert_int_equal(fx->dev.stats.config_retries, 3 + 2);
        /* a device whose generation never settles: bounded, an error */
        fx->sim->fault.gen_bumps = 100000;
        assert_int_equal(virtio_config_read32(&fx->dev, 0, &v32), VIRTIO_EIO);
        assert_int_equal(fx->dev.stats.config_failures, 1);
        assert_int_equal(fx->dev.stats.config_retries, 5 + VIRTIO_CONFIG_RETRIES);
    } else {
        assert_int_equal(fx->dev.stats.config_retries, 0);
        assert_int_equal(fx->sim->gen_reads, 0);
    }
    fx->sim->fault.gen_bumps = 0;
}

/* A field of several bytes (virtio-net's mac) read byte by byte as one
 * read (2.5.1): a change in the middle gives the new value whole, never a
 * mix; a device that never settles is an error, bounded. */
static void test_config_read_bytes(void **state)
{
    static const uint8_t a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {0x61, 0x62, 0x63, 0x64, 0x65, 0x66};
    struct vfix *fx = *state;
    uint8_t m[6];

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    memcpy(fx->sim->config, a, 6);
    assert_int_equal(virtio_config_read_bytes(&fx->dev, 0, m, 6), 0);
    assert_memory_equal(m, a, 6);
    assert_int_equal(fx->dev.stats.config_retries, 0);
    fx->sim->fault.cfg_change_at = fx->sim->config_reads + 4;
    fx->sim->fault.cfg_change_len = 6;
    memcpy(fx->sim->fault.cfg_change_bytes, b, 6);
    assert_int_equal(virtio_config_read_bytes(&fx->dev, 0, m, 6), 0);
    assert_memory_equal(m, b, 6);
    assert_true(fx->dev.stats.config_retries >= 1);
    if (modern(fx)) {
        fx->sim->fault.gen_bumps = 100000;
        assert_int_not_equal(virtio_config_read_bytes(&fx->dev, 0, m, 6), 0);
        assert_true(fx->dev.stats.config_failures >= 1);
        fx->sim->fault.gen_bumps = 0;
    }
    assert_int_equal(virtio_config_read_bytes(&fx->dev, 0, NULL, 6), VIRTIO_EINVAL);
    /* One byte is one byte: nothing past it is written (nor need the
     * buffer be aligned for more). */
    struct {
        uint8_t pad, b, after[14];
    } one;
    memset(&one, 0xee, sizeof(one));
    assert_int_equal(virtio_config_read_bytes(&fx->dev, 2, &one.b, 1), 0);
    assert_int_equal(one.b, b[2]);
    assert_int_equal(one.pad, 0xee);
    for (unsigned i = 0; i < sizeof(one.after); i++)
        assert_int_equal(one.after[i], 0xee);
}

/* A device that changes a 64-bit config field (blk capacity: a resize)
 * between the driver's two 32-bit reads of it, once.  Modern: it bumps
 * ConfigGeneration as it must (4.2.2).  Legacy has no generation. */
struct cfg_wrap {
    struct sim_virtio *sim;
    uintptr_t base;
    bool armed;
    bool always;   /* ... after every read of the first half, next++ */
    uint64_t next; /* the value the field takes after the first half is read */
};

static uint32_t cfgw_read(void *ctx, uint32_t off, unsigned width)
{
    struct cfg_wrap *w = ctx;
    uintptr_t a = w->sim->base + off;
    uint32_t v = width == 1 ? plat_mmio_read8(a) : width == 2 ? plat_mmio_read16(a) : plat_mmio_read32(a);

    if ((w->armed || w->always) && off == VIRTIO_MMIO_CONFIG && width == 4) {
        w->armed = false;
        if (w->always)
            w->next++;
        for (unsigned i = 0; i < 8; i++)
            w->sim->config[i] = (uint8_t)(w->next >> (8 * i));
        w->sim->config_gen++;
    }
    return v;
}

static void cfgw_write(void *ctx, uint32_t off, unsigned width, uint32_t val)
{
    struct cfg_wrap *w = ctx;
    uintptr_t a = w->sim->base + off;

    if (width == 1)
        plat_mmio_write8(a, (uint8_t)val);
    else if (width == 2)
        plat_mmio_write16(a, (uint16_t)val);
    else
        plat_mmio_write32(a, val);
}

static const struct sim_mmio_ops cfgw_ops = {cfgw_read, cfgw_write};

/* 2.5.1: "Drivers MUST NOT assume reads from fields greater than 32 bits
 * wide are atomic"; 2.5.4 (legacy, no generation count): "drivers SHOULD
 * read these fields [blk capacity, net mac] multiple times until two reads
 * generate a consistent result."  A capacity growing from 2^32 - 1 to 2^32
 * sectors read torn is 2^33 - 1: requests past the real end would pass the
 * driver's range check (5.2.6.1). */
static void test_config_read64_not_torn(void **state)
{
    static struct cfg_wrap w; /* static: the window outlives a failed assertion */
    struct vfix *fx = *state;
    const uint64_t before = 0x00000000ffffffffull, after = 0x0000000100000000ull;
    uint64_t v = 0;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    memset(&w, 0, sizeof(w));
    w.sim = fx->sim;
    w.base = sim_mmio_register(&cfgw_ops, &w, 0x200);
    assert_int_equal(virtio_mmio_attach(&fx->dev, w.base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);
    for (unsigned i = 0; i < 8; i++)
        fx->sim->config[i] = (uint8_t)(before >> (8 * i));
    w.next = after;
    w.armed = true;
    assert_int_equal(virtio_config_read64(&fx->dev, 0, &v), 0);
    assert_false(w.armed); /* the change did happen mid-read */
    assert_true(v == before || v == after);
    assert_true(v == after); /* the retry saw the new value whole */
    assert_int_equal(fx->dev.stats.config_failures, 0);
    /* a field that changes at every read: bounded, an error, both kinds */
    w.always = true;
    assert_int_equal(virtio_config_read64(&fx->dev, 0, &v), VIRTIO_EIO);
    assert_int_equal(fx->dev.stats.config_failures, 1);
    assert_int_equal(fx->dev.stats.config_retries, 1 + VIRTIO_CONFIG_RETRIES);
    w.always = false;
    assert_int_equal(virtio_config_read64(&fx->dev, 0, &v), 0);
    assert_true(v == w.next);
    virtio_dev_shutdown(&fx->dev); /* while the window is still there */
    fx->attached = false;
    sim_mmio_unregister(w.base);
}

static void test_config_bad_args(void **state)
{
    struct vfix *fx = *state;
    uint16_t v16;
    uint32_t v32;
    uint64_t v64;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_config_read16(&fx->dev, 1, &v16), VIRTIO_EINVAL);
    assert_int_equal(virtio_config_read32(&fx->dev, 2, &v32), VIRTIO_EINVAL);
    assert_int_equal(virtio_config_read64(&fx->dev, 2, &v64), VIRTIO_EINVAL);
    assert_int_equal(virtio_config_read32(&fx->dev, 0xfc, &v32), 0);
    assert_int_equal(virtio_config_read32(&fx->dev, 0x100, &v32), VIRTIO_EINVAL);
    assert_int_equal(virtio_config_read64(&fx->dev, 0xfc, &v64), VIRTIO_EINVAL);
    assert_int_equal(virtio_config_read32(NULL, 0, &v32), VIRTIO_EINVAL);
    assert_int_equal(virtio_config_write32(&fx->dev, 0x100, 1), VIRTIO_EINVAL);
}

static void test_config_write(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_config_write32(&fx->dev, 4, 0xa1b2c3d4u), 0);
    assert_int_equal(virtio_config_write16(&fx->dev, 8, 0x1234), 0);
    assert_int_equal(virtio_config_write8(&fx->dev, 11, 0x77), 0);
    assert_int_equal(fx->sim->config[4], 0xd4);
    assert_int_equal(fx->sim->config[7], 0xa1);
    assert_int_equal(fx->sim->config[8], 0x34);
    assert_int_equal(fx->sim->config[9], 0x12);
    assert_int_equal(fx->sim->config[11], 0x77);
}

/* ---- interrupts ------------------------------------------------------------------ */

static void test_irq_attach_and_mask(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_false(sim_irq_attached(fx->sim->irq));
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    assert_true(sim_irq_attached(fx->sim->irq));
    assert_false(sim_irq_masked(fx->sim->irq));
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), 0); /* idempotent */
}

/* The trigger the board read from the device tree (edge or level) reaches
 * plat_irq_attach unchanged, whatever the transport version. */
static void test_irq_trigger_flags(void **state)
{
    static const unsigned flags[2] = {PLAT_IRQ_EDGE, PLAT_IRQ_LEVEL};
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    for (unsigned k = 0; k < 2; k++) {
        assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, fx->sim->irq, flags[k], true), 0);
        assert_int_equal(fx->dev.irq_flags, flags[k]);
        assert_int_equal(virtio_dev_attach_irq(&fx->dev), 0);
        assert_true(sim_irq_attached(fx->sim->irq));
        assert_int_equal(sim_irq_flags(fx->sim->irq), flags[k]);
        virtio_dev_shutdown(&fx->dev);
    }
}

/* irq VIRTIO_NO_IRQ (0: no usable interrupt in the device tree): the core
 * attaches nothing, never line 0 (SGI 0 on a GIC), and says why. */
static void test_irq_none_never_attached(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, VIRTIO_NO_IRQ, PLAT_IRQ_EDGE, true), 0);
    assert_int_equal(fx->dev.irq, VIRTIO_NO_IRQ);
    assert_false(virtio_dev_has_irq(&fx->dev));
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), VIRTIO_ENXIO);
    assert_false(fx->dev.irq_attached);
    for (unsigned i = 0; i < SIM_MAX_IRQ; i++)
        assert_false(sim_irq_attached(i));
    virtio_dev_shutdown(&fx->dev);
    assert_false(sim_irq_attached(0));
    assert_string_equal(virtio_strerror(VIRTIO_ENXIO), "no interrupt line");
}

static void test_irq_ack_what_was_read(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);

    sim_virtio_raise(fx->sim, VIRTIO_MMIO_INT_VRING);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->n_ack, 1);
    assert_int_equal(fx->sim->ack_log[0], VIRTIO_MMIO_INT_VRING);

    sim_virtio_raise(fx->sim, VIRTIO_MMIO_INT_CONFIG);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->ack_log[1], VIRTIO_MMIO_INT_CONFIG);
    assert_int_equal(fx->config_changed_calls, 1);

    sim_virtio_raise(fx->sim, VIRTIO_MMIO_INT_CONFIG | VIRTIO_MMIO_INT_VRING);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->ack_log[2], VIRTIO_MMIO_INT_CONFIG | VIRTIO_MMIO_INT_VRING);
    assert_int_equal(fx->config_changed_calls, 2);
    assert_int_equal(fx->dev.stats.config_irqs, 2);

    assert_int_equal(fx->sim->n_ack, 3);
    assert_int_equal(fx->dev.stats.interrupts, 3); /* one delivery each */
    assert_int_equal(fx->dev.stats.unknown_irq_bits, 0);
    assert_int_equal(fx->dev.stats.irq_stuck, 0);
    assert_int_equal(fx->dev.stats.spurious, 0);
}

/*
 * A register window in front of the simulated device: the driver attaches
 * to it and every access is forwarded, but an INTERRUPT_ACK write can make
 * the device raise bits as it lands - once (`raise_on_ack`, an event that
 * arrives between the handler's read and its ack) or after every ack
 * (`stuck`, an InterruptStatus that never clears).
 */
struct irq_wrap {
    struct sim_virtio *sim;
    uintptr_t base;
    uint32_t raise_on_ack; /* raised, once, just before the first ack lands */
    uint32_t stuck;        /* raised again after every ack */
    unsigned status_reads;
};

static uint32_t wrap_read(void *ctx, uint32_t off, unsigned width)
{
    struct irq_wrap *w = ctx;
    uintptr_t a = w->sim->base + off;

    if (off == VIRTIO_MMIO_INTERRUPT_STATUS)
        w->status_reads++;
    return width == 1 ? plat_mmio_read8(a) : width == 2 ? plat_mmio_read16(a) : plat_mmio_read32(a);
}

static void wrap_write(void *ctx, uint32_t off, unsigned width, uint32_t val)
{
    struct irq_wrap *w = ctx;
    uintptr_t a = w->sim->base + off;

    if (off == VIRTIO_MMIO_INTERRUPT_ACK && w->raise_on_ack) {
        sim_virtio_raise(w->sim, w->raise_on_ack);
        w->raise_on_ack = 0;
    }
    if (width == 1)
        plat_mmio_write8(a, (uint8_t)val);
    else if (width == 2)
        plat_mmio_write16(a, (uint16_t)val);
    else
        plat_mmio_write32(a, val);
    if (off == VIRTIO_MMIO_INTERRUPT_ACK && w->stuck)
        sim_virtio_raise(w->sim, w->stuck);
}

static const struct sim_mmio_ops wrap_ops = {wrap_read, wrap_write};

/* The one wrapper, static so that a test failing half-way leaves a window
 * the fixture's teardown can still shut the device down through
 * (sim_plat_finish then removes it). */
static struct irq_wrap the_wrap;

/* Put the wrapper in front of fx->sim and attach the driver to it (after
 * vfix_create, before vfix_up).  Undo with wrap_remove() at the end. */
static struct irq_wrap *wrap_attach(struct vfix *fx, unsigned irq_flags)
{
    struct irq_wrap *w = &the_wrap;

    memset(w, 0, sizeof(*w));
    w->sim = fx->sim;
    w->base = sim_mmio_register(&wrap_ops, w, 0x200);
    assert_int_equal(virtio_mmio_attach(&fx->dev, w->base, fx->sim->irq, irq_flags, true), 0);
    virtio_dev_set_driver(&fx->dev, &fx->drv, fx);
    return w;
}

static void wrap_remove(struct vfix *fx, struct irq_wrap *w)
{
    virtio_dev_shutdown(&fx->dev); /* while the window is still there */
    fx->attached = false;
    sim_mmio_unregister(w->base);
}

/* Edge-triggered line: a config change that arrives while the handler acks
 * a vring interrupt keeps InterruptStatus (and so the line) up, and no new
 * edge comes.  The handler must read again, see it and handle it in the
 * same invocation. */
static void test_irq_config_during_vring_ack(void **state)
{
    struct vfix *fx = *state;
    struct irq_wrap *w;
    uint32_t len;
    void *mem;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    w = wrap_attach(fx, PLAT_IRQ_EDGE);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    mem = post_one(fx, (void *)0x7);
    virtqueue_kick(fx->vq);
    w->raise_on_ack = VIRTIO_MMIO_INT_CONFIG;
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1); /* raises VRING */
    assert_int_equal(fx->sim->int_status, VIRTIO_MMIO_INT_VRING);

    /* one delivery - all an edge gives - handles both */
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->dev.stats.interrupts, 1);
    assert_int_equal(fx->sim->n_ack, 2);
    assert_int_equal(fx->sim->ack_log[0], VIRTIO_MMIO_INT_VRING);
    assert_int_equal(fx->sim->ack_log[1], VIRTIO_MMIO_INT_CONFIG);
    assert_int_equal(w->status_reads, 3); /* VRING, CONFIG, 0 */
    assert_int_equal(fx->sim->int_status, 0);
    assert_int_equal(fx->config_changed_calls, 1);
    assert_int_equal(fx->dev.stats.config_irqs, 1);
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), (void *)0x7);
    assert_int_equal(fx->dev.stats.irq_stuck, 0);
    assert_int_equal(sim_run_irqs(), 0); /* nothing left behind */
    wrap_remove(fx, w);
    plat_dma_free(mem, 64);
}

/* Bits the driver does not know are acked too (on a level-triggered line
 * an unacked bit is an interrupt storm) and counted. */
static void test_irq_unknown_bit_acked(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);

    /* with a known bit: both acked in one write, the known one handled */
    sim_virtio_raise(fx->sim, 0x4 | VIRTIO_MMIO_INT_CONFIG);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->n_ack, 1);
    assert_int_equal(fx->sim->ack_log[0], 0x4 | VIRTIO_MMIO_INT_CONFIG);
    assert_int_equal(fx->sim->int_status, 0);
    assert_int_equal(fx->config_changed_calls, 1);
    assert_int_equal(fx->dev.stats.unknown_irq_bits, 1);

    /* alone: acked, counted, one delivery and the line is down */
    sim_virtio_raise(fx->sim, 0x80000000u | 0x8);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->n_ack, 2);
    assert_int_equal(fx->sim->ack_log[1], 0x80000000u | 0x8);
    assert_int_equal(fx->sim->int_status, 0);
    assert_int_equal(fx->dev.stats.unknown_irq_bits, 2);
    assert_int_equal(fx->dev.stats.interrupts, 2);
    assert_int_equal(fx->dev.stats.spurious, 0);
    assert_int_equal(fx->config_changed_calls, 1);
    assert_int_equal(fx->cb_calls, 0);
    assert_int_equal(sim_irq_delivered(fx->sim->irq), 2);
    assert_int_equal(sim_plat_errors()->irq_storm, 0);
}

/* A device whose InterruptStatus never clears: the handler gives up after
 * VIRTIO_IRQ_MAX_ROUNDS acks, counts it, and still handles what it saw. */
static void test_irq_status_never_clears(void **state)
{
    struct vfix *fx = *state;
    struct irq_wrap *w;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    w = wrap_attach(fx, PLAT_IRQ_LEVEL);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    w->stuck = VIRTIO_MMIO_INT_CONFIG;
    sim_virtio_raise(fx->sim, VIRTIO_MMIO_INT_CONFIG);

    /* one invocation (a delivery loop would be the storm the platform
     * reports; what matters here is that the handler returns) */
    assert_true(virtio_dev_interrupt(&fx->dev));
    assert_int_equal(fx->dev.stats.irq_stuck, 1);
    assert_int_equal(fx->sim->n_ack, VIRTIO_IRQ_MAX_ROUNDS);
    assert_int_equal(w->status_reads, VIRTIO_IRQ_MAX_ROUNDS + 1);
    assert_int_equal(fx->config_changed_calls, 1); /* once per invocation */
    assert_int_equal(fx->dev.stats.config_irqs, 1);
    assert_int_equal(fx->sim->int_status, VIRTIO_MMIO_INT_CONFIG);

    /* the device recovers: the next invocation clears it normally */
    w->stuck = 0;
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->int_status, 0);
    assert_int_equal(fx->dev.stats.irq_stuck, 1);
    assert_int_equal(fx->config_changed_calls, 2);
    assert_int_equal(fx->dev.stats.unknown_irq_bits, 0);
    wrap_remove(fx, w);
}

/* A device whose InterruptStatus never clears on a level-triggered line:
 * each invocation is bounded, but the line stays up, so the handler would
 * be entered again and again for ever - nothing else would run.  After
 * VIRTIO_IRQ_STUCK_MAX stuck invocations in a row the line is masked and a
 * reset requested (a reset clears InterruptStatus); the re-initialisation
 * unmasks it. */
static void test_irq_status_stuck_masks_line(void **state)
{
    struct vfix *fx = *state;
    struct irq_wrap *w;
    unsigned delivered;
    void *mem;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    w = wrap_attach(fx, PLAT_IRQ_LEVEL);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    mem = post_one(fx, (void *)0x7);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 1); /* the device holds it */
    w->stuck = VIRTIO_MMIO_INT_VRING;
    sim_virtio_raise(fx->sim, VIRTIO_MMIO_INT_VRING);

    delivered = sim_run_irqs();
    assert_int_equal(delivered, VIRTIO_IRQ_STUCK_MAX); /* not a storm */
    assert_int_equal(fx->dev.stats.irq_stuck, VIRTIO_IRQ_STUCK_MAX);
    assert_true(sim_irq_masked(fx->sim->irq));
    assert_true(virtio_flag_get(&fx->dev.reset_pending));
    assert_int_equal(fx->needs_reset_calls, 1); /* the owner is woken */
    assert_int_equal(fx->dev.stats.needs_reset, 0); /* the device did not say so */
    assert_int_equal(sim_run_irqs(), 0);

    /* The owning thread resets the device: the request comes back
     * cancelled, the line is live again and works. */
    w->stuck = 0;
    assert_int_equal(virtio_dev_check(&fx->dev), 1);
    assert_false(sim_irq_masked(fx->sim->irq));
    assert_int_equal(fx->ncancel, 1);
    assert_ptr_equal(fx->cancelled[0], (void *)0x7);
    assert_int_equal(fx->sim->int_status, 0);
    {
        struct vq_buf b[2] = {{mem, 16}, {(uint8_t *)mem + 32, 32}};
        uint32_t len;

        assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, (void *)0x8), 0);
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
        assert_int_equal(sim_run_irqs(), 1);
        assert_int_equal(fx->sim->int_status, 0);
        assert_ptr_equal(virtqueue_get_used(fx->vq, &len), (void *)0x8);
    }
    assert_int_equal(fx->dev.stats.irq_stuck, VIRTIO_IRQ_STUCK_MAX);
    wrap_remove(fx, w);
    plat_dma_free(mem, 64);
}

static void test_irq_spurious(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    sim_irq_inject(fx->sim->irq);
    assert_int_equal(sim_run_irqs(), 1);
    sim_irq_inject(fx->sim->irq);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->dev.stats.spurious, 2);
    assert_int_equal(fx->dev.stats.interrupts, 2);
    assert_int_equal(fx->sim->n_ack, 0);
    assert_int_equal(fx->cb_calls, 0);
}

static void test_irq_dispatches_to_queues(void **state)
{
    struct vfix *fx = *state;
    void *mem;
    uint32_t len;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    mem = post_one(fx, (void *)0x1);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), (void *)0x1);
    assert_int_equal(len, 32);
    plat_dma_free(mem, 64);
}

/* The interrupt walks dev->vqs[] up to dev->vq_end: a queue set up at a
 * higher index than the others (set up first or last) is reached, one
 * without a callback (polled) is not walked to; a
 * teardown leaves nothing to walk (an interrupt then touches no freed
 * queue: ASan); queues set up again after a shutdown are reached again,
 * whatever their index. */
static void test_irq_queue_walk_bound(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.name = "q", .num = 16, .callback = vfix_vq_cb, .cancel = vfix_vq_cancel,
                                 .priv = fx};
    struct virtqueue *q0, *q2, *q3;
    void *mem;
    uint32_t len;

    vfix_create(fx, VFIX_DEV_ID, 0, 4, 64);
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 2, &p, &q2), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &q0), 0);
    assert_int_equal(fx->dev.vq_end, 3);
    /* a queue without a callback (reaped by polling) is not walked */
    struct virtio_vq_params pp = p;
    struct virtqueue *q3p;
    pp.callback = NULL;
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 3, &pp, &q3p), 0);
    assert_int_equal(fx->dev.vq_end, 3);
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), 0);
    assert_int_equal(virtio_dev_driver_ok(&fx->dev), 0);
    fx->vq = q2;
    mem = post_one(fx, (void *)0x2);
    virtqueue_kick(q2);
    assert_int_equal(sim_virtio_process(fx->sim, 2), 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(q2, &len), (void *)0x2);

    virtio_dev_shutdown(&fx->dev);
    assert_int_equal(fx->dev.vq_end, 0);
    assert_null(fx->dev.vqs[0]);
    assert_null(fx->dev.vqs[2]);
    sim_virtio_raise(fx->sim, VIRTIO_ISR_VRING); /* masked by the shutdown */
    plat_irq_unmask(fx->dev.irq);
    sim_run_irqs(); /* nothing to walk: no callback, no freed queue read */
    assert_int_equal(fx->cb_calls, 1);

    /* Up again with queue 3 alone. */
    fx->dev.stopping = false;
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 3, &p, &q3), 0);
    assert_int_equal(fx->dev.vq_end, 4);
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), 0);
    assert_int_equal(virtio_dev_driver_ok(&fx->dev), 0);
    fx->vq = q3;
    assert_int_equal(virtqueue_add(q3, &(struct vq_buf){(uint8_t *)mem + 32, 32}, 0, 1, (void *)0x3), 0);
    virtqueue_kick(q3);
    assert_int_equal(sim_virtio_process(fx->sim, 3), 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 2);
    assert_ptr_equal(virtqueue_get_used(q3, &len), (void *)0x3);
    plat_dma_free(mem, 64);
}

/* ---- DEVICE_NEEDS_RESET ------------------------------------------------------------ */

static void test_needs_reset_via_interrupt(void **state)
{
    struct vfix *fx = *state;
    static const uint8_t modern_seq[] = {0, ST_A, ST_A | ST_D, ST_A | ST_D | ST_F,
                                         ST_A | ST_D | ST_F | ST_OK};
    static const uint8_t legacy_seq[] = {0, ST_A, ST_A | ST_D, ST_A | ST_D | ST_OK};
    void *m1, *m2, *m3;
    uint32_t len;

    vfix_create(fx, VFIX_DEV_ID, B(VIRTIO_F_EVENT_IDX), 1, 64);
    assert_int_equal(vfix_up(fx, B(VIRTIO_F_EVENT_IDX), 16, 0), 0);
    m1 = post_one(fx, (void *)0x11);
    m2 = post_one(fx, (void *)0x22);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 2); /* device holds them */

    sim_virtio_set_needs_reset(fx->sim);
    assert_int_equal(sim_run_irqs(), 1);
    assert_true(fx->dev.reset_pending);
    assert_int_equal(fx->dev.stats.needs_reset, 1);
    assert_int_equal(fx->needs_reset_calls, 1);
    assert_int_equal(fx->config_changed_calls, 0);
    assert_int_equal(fx->ncancel, 0); /* nothing done in interrupt context */

    fx->sim->n_status = 0;
    assert_int_equal(virtio_dev_check(&fx->dev), 1);
    assert_false(fx->dev.reset_pending);
    assert_int_equal(fx->dev.stats.reinits, 1);
    assert_int_equal(fx->restart_calls, 1);
    /* outstanding requests came back through cancel, none lost */
    assert_int_equal(fx->ncancel, 2);
    assert_true((fx->cancelled[0] == (void *)0x11 && fx->cancelled[1] == (void *)0x22) ||
                (fx->cancelled[0] == (void *)0x22 && fx->cancelled[1] == (void *)0x11));
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    if (modern(fx))
        assert_true(vfix_status_seq(fx, modern_seq, sizeof(modern_seq)));
    else
        assert_true(vfix_status_seq(fx, legacy_seq, sizeof(legacy_seq)));
    assert_false(fx->sim->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_EVENT_IDX));
    assert_false(sim_irq_masked(fx->sim->irq));

    /* the queue works again */
    m3 = post_one(fx, (void *)0x33);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    sim_run_irqs();
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), (void *)0x33);
    assert_int_equal(virtio_dev_check(&fx->dev), 0); /* nothing to do */
    plat_dma_free(m1, 64);
    plat_dma_free(m2, 64);
    plat_dma_free(m3, 64);
}

/* What the queue saw of interrupts: virtqueue_interrupt calls, callbacks. */
static void vq_irq_counts(struct vfix *fx, uint32_t *interrupts, uint32_t *callbacks)
{
    struct vq_stats st;

    virtqueue_get_stats(fx->vq, &st);
    *interrupts = st.interrupts;
    *callbacks = st.callbacks;
}

/* After the needs-reset tests: the re-initialisation hands both requests
 * back, and the queue and its callback work again. */
static void needs_reset_recover(struct vfix *fx, void *m1, void *m2)
{
    void *m3;
    uint32_t len;

    assert_int_equal(virtio_dev_check(&fx->dev), 1);
    assert_false(fx->dev.reset_pending);
    assert_int_equal(fx->restart_calls, 1);
    assert_int_equal(fx->ncancel, 2); /* completed on the ring, never taken: cancelled */
    assert_true((fx->cancelled[0] == (void *)0x11 && fx->cancelled[1] == (void *)0x22) ||
                (fx->cancelled[0] == (void *)0x22 && fx->cancelled[1] == (void *)0x11));
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    m3 = post_one(fx, (void *)0x33);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), (void *)0x33);
    plat_dma_free(m1, 64);
    plat_dma_free(m2, 64);
    plat_dma_free(m3, 64);
}

/* Used entries waiting, and the device sets DEVICE_NEEDS_RESET: one
 * interrupt with VRING and CONFIG.  The reset is noted and no queue
 * callback runs - a device that needs a reset may have left its rings
 * inconsistent; the re-initialisation empties them instead. */
static void test_needs_reset_with_vring_no_callback(void **state)
{
    struct vfix *fx = *state;
    uint32_t vq_irqs, vq_cbs;
    void *m1, *m2;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    m1 = post_one(fx, (void *)0x11);
    m2 = post_one(fx, (void *)0x22);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 2); /* raises VRING, not delivered yet */
    assert_int_equal(fx->sim->int_status, VIRTIO_MMIO_INT_VRING);
    sim_virtio_set_needs_reset(fx->sim);                 /* and CONFIG */
    assert_int_equal(fx->sim->int_status, VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    assert_true(virtqueue_more_used(fx->vq));

    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->n_ack, 1);
    assert_int_equal(fx->sim->ack_log[0], VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
    assert_int_equal(fx->sim->int_status, 0);
    /* the reset noted, once */
    assert_true(fx->dev.reset_pending);
    assert_int_equal(fx->dev.stats.needs_reset, 1);
    assert_int_equal(fx->needs_reset_calls, 1);
    assert_int_equal(fx->dev.stats.config_irqs, 1);
    assert_int_equal(fx->config_changed_calls, 0);
    /* no queue callback, the queue not even asked */
    if (fx->cb_calls != 0)
        fail_msg("queue callback ran %u times with DEVICE_NEEDS_RESET in the same interrupt",
                 fx->cb_calls);
    vq_irq_counts(fx, &vq_irqs, &vq_cbs);
    assert_int_equal(vq_irqs, 0);
    assert_int_equal(vq_cbs, 0);
    assert_int_equal(virtqueue_num_free(fx->vq), 12); /* nothing taken */
    assert_int_equal(fx->ncancel, 0);                  /* nothing done in interrupt context */
    needs_reset_recover(fx, m1, m2);
}

/* DEVICE_NEEDS_RESET noted by an earlier interrupt (CONFIG alone), then a
 * VRING-only interrupt with used entries waiting and callbacks on: still
 * no queue callback while the reset is pending, and the reset is not
 * noted twice. */
static void test_needs_reset_then_vring_no_callback(void **state)
{
    struct vfix *fx = *state;
    uint32_t vq_irqs, vq_cbs;
    void *m1, *m2;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    m1 = post_one(fx, (void *)0x11);
    m2 = post_one(fx, (void *)0x22);
    /* callbacks off: the device completes both without an interrupt */
    virtqueue_disable_cb(fx->vq);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 2);
    assert_int_equal(fx->sim->vq[0].irqs_raised, 0);
    assert_int_equal(fx->sim->int_status, 0);

    /* first interrupt: CONFIG, for DEVICE_NEEDS_RESET */
    sim_virtio_set_needs_reset(fx->sim);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->ack_log[0], VIRTIO_MMIO_INT_CONFIG);
    assert_true(fx->dev.reset_pending);
    assert_int_equal(fx->dev.stats.needs_reset, 1);
    assert_int_equal(fx->needs_reset_calls, 1);

    /* callbacks back on (the entries are waiting), then VRING alone */
    assert_false(virtqueue_enable_cb(fx->vq));
    sim_virtio_raise(fx->sim, VIRTIO_MMIO_INT_VRING);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->sim->n_ack, 2);
    assert_int_equal(fx->sim->ack_log[1], VIRTIO_MMIO_INT_VRING);
    assert_int_equal(fx->dev.stats.interrupts, 2);
    if (fx->cb_calls != 0)
        fail_msg("queue callback ran %u times on a VRING interrupt with a reset pending",
                 fx->cb_calls);
    vq_irq_counts(fx, &vq_irqs, &vq_cbs);
    assert_int_equal(vq_irqs, 0);
    assert_int_equal(vq_cbs, 0);
    assert_true(fx->dev.reset_pending);
    assert_int_equal(fx->dev.stats.needs_reset, 1); /* noted once */
    assert_int_equal(fx->needs_reset_calls, 1);
    assert_int_equal(fx->config_changed_calls, 0);
    assert_int_equal(virtqueue_num_free(fx->vq), 12);
    assert_int_equal(fx->ncancel, 0);
    needs_reset_recover(fx, m1, m2);
}

static void test_needs_reset_via_check(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    assert_int_equal(virtio_dev_check(&fx->dev), 0);
    /* the bit without an interrupt (e.g. polling drivers) */
    fx->sim->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    assert_int_equal(virtio_dev_check(&fx->dev), 1);
    assert_int_equal(fx->dev.stats.needs_reset, 1);
    assert_int_equal(fx->needs_reset_calls, 1);
    assert_int_equal(fx->restart_calls, 1);
    assert_true(fx->sim->status & ST_OK);
}

/* A cancel callback of the re-initialisation in which the device asks
 * for a reset again, once: between FEATURES_OK and DRIVER_OK. */
static void cancel_then_needs_reset(struct virtqueue *vq, void *token, void *priv)
{
    struct vfix *fx = priv;

    vfix_vq_cancel(vq, token, priv);
    if (!fx->user) {
        fx->user = fx;
        fx->sim->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    }
}

/* DEVICE_NEEDS_RESET set during a re-initialisation, before DRIVER_OK:
 * the device sends no notification for it (2.1.2 asks for one only with
 * DRIVER_OK set), so the re-initialisation must look at Status after
 * DRIVER_OK as virtio_dev_driver_ok() does at start - or, with an
 * interrupt line, nothing ever re-initialises the device again and the
 * queue stays dead. */
static void test_reinit_sees_needs_reset(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p = {.name = "q", .num = 16, .callback = vfix_vq_cb,
                                 .cancel = cancel_then_needs_reset, .priv = fx};
    void *m1;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &fx->vq), 0);
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), 0);
    assert_int_equal(virtio_dev_driver_ok(&fx->dev), 0);
    m1 = post_one(fx, (void *)0x66);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_true(fx->dev.reset_pending);
    assert_int_equal(virtio_dev_check(&fx->dev), 1);
    assert_int_equal(fx->ncancel, 1);
    assert_true(fx->sim->status & ST_OK);
    assert_true(fx->sim->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    /* noticed, announced to the driver, and recovered by the next check */
    assert_true(fx->dev.reset_pending);
    assert_int_equal(fx->dev.stats.needs_reset, 2);
    assert_int_equal(fx->needs_reset_calls, 2);
    assert_int_equal(virtio_dev_check(&fx->dev), 1);
    assert_false(fx->dev.reset_pending);
    assert_false(fx->sim->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
    plat_dma_free(m1, 64);
}

static void test_needs_reset_reinit_fails(void **state)
{
    struct vfix *fx = *state;
    struct vq_buf b;
    void *m1;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    m1 = post_one(fx, (void *)0x44);
    virtqueue_kick(fx->vq);
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    /* the device now shrinks the queue: re-creating it must fail */
    fx->sim->vq[0].num_max = 8;
    assert_int_equal(virtio_dev_check(&fx->dev), VIRTIO_E2BIG);
    assert_true(fx->dev.broken);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    assert_int_equal(fx->dev.stats.reinit_failures, 1);
    assert_int_equal(fx->ncancel, 1); /* still handed back */
    assert_true(virtqueue_is_broken(fx->vq));
    b.addr = m1;
    b.len = 8;
    assert_int_equal(virtqueue_add(fx->vq, &b, 1, 0, (void *)1), VIRTIO_EIO);
    assert_int_equal(virtio_dev_check(&fx->dev), VIRTIO_EIO);
    assert_true(sim_irq_masked(fx->sim->irq));
    plat_dma_free(m1, 64);
}

static void test_driver_ok_sees_needs_reset(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    fx->sim->fault.reset_delay_reads = 0;
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    fx->sim->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    assert_int_equal(virtio_dev_driver_ok(&fx->dev), 0);
    assert_true(fx->dev.reset_pending);
    assert_int_equal(virtio_dev_check(&fx->dev), 1);
}

static void test_shutdown_releases_everything(void **state)
{
    struct vfix *fx = *state;
    void *m1;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    m1 = post_one(fx, (void *)0x55);
    virtio_dev_shutdown(&fx->dev);
    assert_int_equal(fx->ncancel, 1);
    assert_int_equal(fx->sim->status, 0);
    assert_null(fx->dev.vqs[0]);
    plat_dma_free(m1, 64);
    assert_int_equal(sim_dma_live(), 0);
    fx->attached = false;
}

/* A reset that never completes, but queues that do stop when told
 * (QueueReady / QueuePFN read 0): the memory is the driver's again. */
static void test_shutdown_reset_timeout_queues_stop(void **state)
{
    struct vfix *fx = *state;
    void *m1;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    m1 = post_one(fx, (void *)0x55);
    fx->sim->fault.reset_delay_reads = ~0u; /* Status never reads 0 */
    assert_int_equal(virtio_dev_shutdown(&fx->dev), 0);
    assert_true(sim_log_contains("reset timed out"));
    assert_false(fx->dev.memory_kept);
    assert_int_equal(fx->dev.stats.queues_kept, 0);
    assert_int_equal(fx->ncancel, 1);
    virtio_dev_dma_free(&fx->dev, m1, 64);
    assert_int_equal(sim_dma_live(), 0);
    fx->sim->reset_delay_left = 0;
    fx->sim->fault.reset_delay_reads = 0;
    fx->attached = false;
}

/* A device that cannot be stopped (2.4.1: until its reset completes it may
 * still use what it was given): neither the rings nor the buffers posted
 * to them are freed or handed back, and the driver's own DMA memory is
 * kept too (virtio_dev_dma_free). */
static void test_shutdown_keeps_memory_of_unstoppable_device(void **state)
{
    struct vfix *fx = *state;
    size_t live;
    void *m1;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    m1 = post_one(fx, (void *)0x55);
    live = sim_dma_live();
    fx->sim->fault.stop_ignored = true;
    assert_int_equal(virtio_dev_shutdown(&fx->dev), VIRTIO_EBUSY);
    assert_true(sim_log_contains("reset timed out"));
    assert_true(sim_log_contains("stays live"));
    assert_true(sim_log_contains("queue 0 did not stop: its memory is kept"));
    assert_true(fx->dev.memory_kept);
    assert_int_equal(fx->dev.stats.queues_kept, 1);
    assert_null(fx->dev.vqs[0]);
    assert_int_equal(fx->ncancel, 0);    /* the buffer is still the device's */
    assert_int_equal(sim_dma_live(), live); /* rings, shadow, all of it */
    assert_true(fx->sim->vq[0].ready);
    virtio_dev_dma_free(&fx->dev, m1, 64);
    assert_int_equal(sim_dma_live(), live);
    fx->sim->fault.stop_ignored = false;
    sim_dma_forgive_live();
    fx->attached = false;
}

static void test_fail_keeps_memory_of_unstoppable_device(void **state)
{
    struct vfix *fx = *state;
    size_t live;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    live = sim_dma_live();
    fx->sim->fault.stop_ignored = true;
    assert_int_equal(virtio_dev_fail(&fx->dev), VIRTIO_EBUSY);
    assert_true(fx->dev.memory_kept);
    assert_int_equal(fx->dev.stats.queues_kept, 1);
    assert_int_equal(sim_dma_live(), live);
    fx->sim->fault.stop_ignored = false;
    sim_dma_forgive_live();
    fx->attached = false;
}

/* ---- virtio_dev_start: the one bring-up sequence ------------------------------ */

/* What the start hooks saw, in the order they ran. */
struct start_probe {
    struct vfix *fx;
    int configure_err, prepare_err;
    unsigned nq;        /* queues the hooks describe */
    unsigned absent;    /* a queue configure marks absent (0: none) */
    char order[16];     /* c = configure, p = prepare, x = cancel, r = release */
    unsigned n;
    bool queues_at_configure, irq_at_prepare, ok_at_prepare, features_ok_at_configure;
    bool stopping_at_cancel, queues_at_release;
    void *posted;       /* prepare's DMA buffer, if it posted one */
};

static void sp_mark(struct start_probe *sp, char c)
{
    if (sp->n < sizeof(sp->order) - 1)
        sp->order[sp->n++] = c;
}

static void sp_cancel(struct virtqueue *vq, void *token, void *priv)
{
    struct start_probe *sp = priv;

    (void)vq;
    (void)token;
    sp->stopping_at_cancel = sp->fx->dev.stopping;
    sp_mark(sp, 'x');
}

/* A callback, so that the queues count in the interrupt's walk (vq_end). */
static void sp_cb(struct virtqueue *vq, void *priv)
{
    (void)vq;
    (void)priv;
}

static int sp_configure(struct virtio_dev *dev, struct virtio_vq_params *qp)
{
    struct start_probe *sp = dev->drv_priv;

    sp_mark(sp, 'c');
    sp->queues_at_configure = dev->vqs[0] != NULL;
    sp->features_ok_at_configure = (sp->fx->sim->status & ST_F) != 0;
    for (unsigned i = 0; i < sp->nq; i++)
        qp[i] = (struct virtio_vq_params){
            .name = "start.q", .num = 8, .callback = sp_cb, .cancel = sp_cancel, .priv = sp,
            .absent = sp->absent && i == sp->absent};
    return sp->configure_err;
}

static int sp_prepare(struct virtio_dev *dev)
{
    struct start_probe *sp = dev->drv_priv;
    plat_busaddr_t bus;

    sp_mark(sp, 'p');
    sp->irq_at_prepare = dev->irq_attached;
    sp->ok_at_prepare = (sp->fx->sim->status & ST_OK) != 0;
    if (dev->vqs[0]) { /* post one buffer: a failed start must cancel it */
        sp->posted = plat_dma_alloc(64, 64, &bus);
        assert_non_null(sp->posted);
        struct vq_buf b = {sp->posted, 64};
        assert_int_equal(virtqueue_add(dev->vqs[0], &b, 0, 1, sp), 0);
    }
    return sp->prepare_err;
}

static void sp_release(struct virtio_dev *dev)
{
    struct start_probe *sp = dev->drv_priv;

    sp_mark(sp, 'r');
    sp->queues_at_release = dev->vqs[0] != NULL;
}

static struct virtio_driver_ops sp_ops(unsigned nqueues)
{
    return (struct virtio_driver_ops){.name = "start-test",
                                      .device_id = VFIX_DEV_ID,
                                      .nqueues = nqueues,
                                      .configure = sp_configure,
                                      .prepare = sp_prepare,
                                      .release = sp_release};
}

static void test_start_sequence(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 2};
    struct virtio_driver_ops ops = sp_ops(2);

    vfix_create(fx, VFIX_DEV_ID, 0, 2, 64);
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), 0);
    assert_string_equal(sp.order, "cp");
    assert_false(sp.queues_at_configure);
    assert_int_equal(sp.features_ok_at_configure, modern(fx)); /* legacy has no FEATURES_OK */
    assert_false(sp.irq_at_prepare); /* buffers first, then the interrupt, then DRIVER_OK */
    assert_false(sp.ok_at_prepare);
    assert_non_null(fx->dev.vqs[0]);
    assert_non_null(fx->dev.vqs[1]);
    assert_true(fx->dev.irq_attached);
    assert_false(sim_irq_masked(fx->dev.irq));
    assert_true(fx->sim->status & ST_OK);
    assert_false(fx->dev.stopping);
    assert_ptr_equal(fx->dev.drv, &ops);
    assert_ptr_equal(fx->dev.drv_priv, &sp);
    virtio_dev_shutdown(&fx->dev);
    assert_string_equal(sp.order, "cpx"); /* the posted buffer comes back on shutdown */
    assert_true(sp.stopping_at_cancel);
    plat_dma_free(sp.posted, 64);
    fx->attached = false;
}

/* A queue configure marks absent (an optional one the features do not
 * call for: virtio-net's control queue without CTRL_VQ) is not set up, on a
 * device that does not have it either; a re-initialisation leaves it out. */
static void test_start_absent_queue(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 3, .absent = 2};
    struct virtio_driver_ops ops = sp_ops(3);

    vfix_create(fx, VFIX_DEV_ID, 0, 2, 64); /* queues 0 and 1 only */
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), 0);
    assert_string_equal(sp.order, "cp");
    assert_non_null(fx->dev.vqs[0]);
    assert_non_null(fx->dev.vqs[1]);
    assert_null(fx->dev.vqs[2]);
    assert_int_equal(fx->dev.vq_end, 2);
    assert_true(fx->sim->status & ST_OK);
    sim_virtio_set_needs_reset(fx->sim);
    assert_int_equal(virtio_dev_check(&fx->dev), 1);
    assert_null(fx->dev.vqs[2]);
    assert_true(fx->sim->vq[1].ready);
    virtio_dev_shutdown(&fx->dev);
    plat_dma_free(sp.posted, 64);
    fx->attached = false;
}

static void test_start_irq_modes(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 1};
    struct virtio_driver_ops ops = sp_ops(1);

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_POLL), 0);
    assert_false(fx->dev.irq_attached);
    virtio_dev_shutdown(&fx->dev);
    plat_dma_free(sp.posted, 64);

    sp = (struct start_probe){.fx = fx, .nq = 1};
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_MASKED), 0);
    assert_true(fx->dev.irq_attached);
    assert_true(sim_irq_masked(fx->dev.irq)); /* the driver unmasks when it is ready */
    assert_true(fx->sim->status & ST_OK);
    virtio_dev_shutdown(&fx->dev);
    plat_dma_free(sp.posted, 64);
    fx->attached = false;
}

static void test_start_wrong_device_touches_nothing(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 1};
    struct virtio_driver_ops ops = sp_ops(1);

    vfix_create(fx, VFIX_DEV_ID + 1, 0, 1, 64);
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), VIRTIO_ENODEV);
    assert_int_equal(fx->sim->n_reg, 0);
    assert_int_equal(sp.n, 0);
    assert_ptr_not_equal(fx->dev.drv, &ops);
    ops.nqueues = VIRTIO_MAX_VQS + 1;
    fx->sim->device_id = VFIX_DEV_ID;
    fx->dev.device_id = VFIX_DEV_ID;
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), VIRTIO_EINVAL);
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, NULL, VIRTIO_IRQ_ON), VIRTIO_EINVAL);
    assert_int_equal(fx->sim->n_reg, 0);
    assert_int_equal(sp.n, 0);
    fx->attached = false;
}

static void test_start_configure_fails(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 1, .configure_err = VIRTIO_ENOMEM};
    struct virtio_driver_ops ops = sp_ops(1);

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), VIRTIO_ENOMEM);
    assert_string_equal(sp.order, "cr"); /* no queue, no prepare; release frees what configure took */
    assert_null(fx->dev.vqs[0]);
    assert_false(fx->dev.irq_attached);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    assert_false(fx->sim->status & ST_OK);
    fx->attached = false;
}

static void test_start_prepare_fails_unwinds_in_order(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 1, .prepare_err = VIRTIO_EIO};
    struct virtio_driver_ops ops = sp_ops(1);

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), VIRTIO_EIO);
    /* The posted buffer is cancelled (nothing may re-post it: stopping),
     * then release runs with the queues already gone. */
    assert_string_equal(sp.order, "cpxr");
    assert_true(sp.stopping_at_cancel);
    assert_false(sp.queues_at_release);
    assert_false(fx->dev.irq_attached);
    assert_true(fx->sim->status_log[fx->sim->n_status - 1] & VIRTIO_STATUS_FAILED); /* FAILED last */
    for (unsigned i = 0; i + 1 < fx->sim->n_status; i++)
        assert_false(fx->sim->status_log[i] & VIRTIO_STATUS_FAILED);
    assert_false(fx->sim->status & ST_OK);
    plat_dma_free(sp.posted, 64);
    fx->attached = false;
}

static void test_start_missing_queue_unwinds(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 2};
    struct virtio_driver_ops ops = sp_ops(2);

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64); /* the device has one queue, the driver wants two */
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), VIRTIO_ENOENT);
    assert_string_equal(sp.order, "cr");
    assert_false(sp.queues_at_release); /* queue 0, already created, was destroyed */
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    fx->attached = false;
}

static void test_start_negotiation_fails_no_release(void **state)
{
    struct vfix *fx = *state;
    struct start_probe sp = {.fx = fx, .nq = 1};
    struct virtio_driver_ops ops = sp_ops(1);

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 64);
    fx->spec.required = VIRTIO_BIT(5); /* the device does not offer it */
    assert_int_equal(virtio_dev_start(&fx->dev, &ops, &sp, &fx->spec, VIRTIO_IRQ_ON), VIRTIO_ENOTSUP);
    assert_int_equal(sp.n, 0); /* configure never ran: nothing to release */
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    fx->attached = false;
}

/* ---- the simulated device's own checks (sim_virtio.c, sim_packed.c) ------- */

/* Each provokes, with raw register writes or a tampered negotiation, a
 * driver mistake the simulated device let pass before; the violation
 * counter must move (without these checks the tests fail). */
static bool sim_saw(const struct vfix *fx, unsigned before, const char *what)
{
    return fx->sim->violations > before && strstr(fx->sim->last_violation, what) != NULL;
}

static void wr_reg(const struct vfix *fx, uint32_t off, uint32_t val)
{
    plat_mmio_write32(fx->sim->base + off, val);
}

/* 2.2.1: a feature the device did not offer.  Legacy: counted and dropped
 * (QEMU's virtio_set_features), so the device does not run EVENT_IDX the
 * driver believes it has; modern: counted (FEATURES_OK then fails). */
static void test_sim_unoffered_feature(void **state)
{
    struct vfix *fx = *state;
    unsigned before;

    vfix_create(fx, VFIX_DEV_ID, B(VIRTIO_F_INDIRECT_DESC), 1, 64);
    fx->allow_violations = true;
    wr_reg(fx, VIRTIO_MMIO_STATUS, ST_A);
    wr_reg(fx, VIRTIO_MMIO_STATUS, ST_A | ST_D);
    wr_reg(fx, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    before = fx->sim->violations;
    wr_reg(fx, VIRTIO_MMIO_DRIVER_FEATURES, B(VIRTIO_F_INDIRECT_DESC));
    assert_int_equal(fx->sim->violations, before); /* offered: fine */
    wr_reg(fx, VIRTIO_MMIO_DRIVER_FEATURES, B(VIRTIO_F_INDIRECT_DESC) | B(VIRTIO_F_EVENT_IDX));
    assert_true(sim_saw(fx, before, "not offered"));
    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_INDIRECT_DESC));
    assert_int_equal(sim_virtio_has(fx->sim, VIRTIO_F_EVENT_IDX), modern(fx));
}

/* 3.1.1 step 7: queue registers between FEATURES_OK (legacy: DRIVER) and
 * DRIVER_OK only; stopping a queue is allowed at any time. */
static void test_sim_queue_setup_window(void **state)
{
    struct vfix *fx = *state;
    unsigned before;

    vfix_create(fx, VFIX_DEV_ID, 0, 2, 64);
    fx->allow_violations = true;
    wr_reg(fx, VIRTIO_MMIO_STATUS, ST_A);
    wr_reg(fx, VIRTIO_MMIO_STATUS, ST_A | ST_D);
    wr_reg(fx, VIRTIO_MMIO_QUEUE_SEL, 1);
    before = fx->sim->violations;
    wr_reg(fx, VIRTIO_MMIO_QUEUE_NUM, 16); /* modern: before FEATURES_OK */
    if (modern(fx))
        assert_true(sim_saw(fx, before, "QueueNum written with status"));
    else
        assert_int_equal(fx->sim->violations, before);

    wr_reg(fx, VIRTIO_MMIO_STATUS, 0);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0); /* queue 0 by the driver: fine */
    before = fx->sim->violations;
    wr_reg(fx, VIRTIO_MMIO_QUEUE_SEL, 1);
    wr_reg(fx, VIRTIO_MMIO_QUEUE_NUM, 16); /* after DRIVER_OK */
    assert_true(sim_saw(fx, before, "QueueNum written with status"));
    before = fx->sim->violations;
    wr_reg(fx, VIRTIO_MMIO_QUEUE_SEL, 0);
    if (modern(fx))
        wr_reg(fx, VIRTIO_MMIO_QUEUE_READY, 0); /* stopping: always allowed */
    else
        wr_reg(fx, VIRTIO_MMIO_QUEUE_PFN, 0);
    assert_int_equal(fx->sim->violations, before);
}

/* 2.7.5.3.1 / 2.8.7: INDIRECT only with VIRTIO_F_INDIRECT_DESC negotiated
 * (here the device's record of the negotiation loses the bit, as if the
 * driver had gone by the offer). */
static void test_sim_indirect_needs_feature(void **state)
{
    struct vfix *fx = *state;
    unsigned before;
    void *mem;

    vfix_create(fx, VFIX_DEV_ID, B(VIRTIO_F_INDIRECT_DESC), 1, 64);
    assert_int_equal(vfix_up(fx, B(VIRTIO_F_INDIRECT_DESC), 16, 4), 0);
    fx->allow_violations = true;
    fx->sim->drv_features &= ~B(VIRTIO_F_INDIRECT_DESC);
    before = fx->sim->violations;
    mem = post_one(fx, (void *)0x1); /* two buffers: one indirect descriptor */
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 0);
    assert_true(sim_saw(fx, before, "INDIRECT without VIRTIO_F_INDIRECT_DESC"));
    virtio_dev_shutdown(&fx->dev);
    plat_dma_free(mem, 64);
}

/* 2.8.10: the packed driver event flags DESC only with VIRTIO_F_EVENT_IDX. */
static void test_sim_packed_desc_needs_event_idx(void **state)
{
    struct vfix *fx = *state;
    unsigned before;
    void *mem;
    uint32_t len;

    vfix_create(fx, VFIX_DEV_ID, B(VIRTIO_F_EVENT_IDX), 1, 64);
    assert_int_equal(vfix_up(fx, B(VIRTIO_F_EVENT_IDX), 16, 0), 0);
    fx->allow_violations = true;
    fx->sim->drv_features &= ~B(VIRTIO_F_EVENT_IDX);
    before = fx->sim->violations;
    mem = post_one(fx, (void *)0x1);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_true(sim_saw(fx, before, "without VIRTIO_F_EVENT_IDX"));
    sim_run_irqs();
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), (void *)0x1);
    plat_dma_free(mem, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        VFIX_TEST(test_attach_identity),
        VFIX_TEST(test_attach_rejects),
        VFIX_TEST(test_status_order),
        VFIX_TEST(test_reset_waits_and_times_out),
        VFIX_TEST(test_quiesce_reports_and_resets),
        VFIX_TEST(test_features_accept_offered_and_supported),
        VFIX_TEST(test_features_ok_refused),
        VFIX_TEST(test_modern_requires_version_1),
        cmocka_unit_test(test_select_features_rules),
        cmocka_unit_test(test_queue_size_rule),
        VFIX_TEST(test_legacy_page_size_first),
        VFIX_TEST(test_pfn_beyond_32_bits),
        VFIX_TEST(test_queue_num_max_zero),
        VFIX_TEST(test_queue_num_max_not_power_of_two),
        VFIX_TEST(test_queue_requested_zero),
        VFIX_TEST(test_queue_ready_read_back),
        VFIX_TEST(test_queue_already_live),
        VFIX_TEST(test_queue_twice),
        VFIX_TEST(test_setup_vq_enomem),
        VFIX_TEST(test_fail_tears_down),
        VFIX_TEST(test_fail_sets_failed_last),
        VFIX_TEST(test_legacy_pfn_zero_resets_device),
        VFIX_TEST(test_config_read_widths),
        VFIX_TEST(test_config_generation_retry),
        VFIX_TEST(test_config_read_bytes),
        VFIX_TEST(test_config_read64_not_torn),
        VFIX_TEST(test_config_bad_args),
        VFIX_TEST(test_config_write),
        VFIX_TEST(test_irq_attach_and_mask),
        VFIX_TEST(test_irq_trigger_flags),
        VFIX_TEST(test_irq_none_never_attached),
        VFIX_TEST(test_irq_ack_what_was_read),
        VFIX_TEST(test_irq_config_during_vring_ack),
        VFIX_TEST(test_irq_unknown_bit_acked),
        VFIX_TEST(test_irq_status_never_clears),
        VFIX_TEST(test_irq_status_stuck_masks_line),
        VFIX_TEST(test_irq_spurious),
        VFIX_TEST(test_irq_dispatches_to_queues),
        VFIX_TEST(test_irq_queue_walk_bound),
        VFIX_TEST_PACKED(test_irq_queue_walk_bound),
        VFIX_TEST(test_needs_reset_via_interrupt),
        VFIX_TEST(test_needs_reset_with_vring_no_callback),
        VFIX_TEST(test_needs_reset_then_vring_no_callback),
        VFIX_TEST(test_needs_reset_via_check),
        VFIX_TEST(test_reinit_sees_needs_reset),
        VFIX_TEST(test_needs_reset_reinit_fails),
        VFIX_TEST(test_driver_ok_sees_needs_reset),
        VFIX_TEST(test_shutdown_releases_everything),
        VFIX_TEST(test_shutdown_reset_timeout_queues_stop),
        VFIX_TEST(test_shutdown_keeps_memory_of_unstoppable_device),
        VFIX_TEST(test_fail_keeps_memory_of_unstoppable_device),
        VFIX_TEST(test_start_sequence),
        VFIX_TEST(test_start_absent_queue),
        VFIX_TEST(test_start_irq_modes),
        VFIX_TEST(test_start_wrong_device_touches_nothing),
        VFIX_TEST(test_start_configure_fails),
        VFIX_TEST(test_start_prepare_fails_unwinds_in_order),
        VFIX_TEST(test_start_missing_queue_unwinds),
        VFIX_TEST(test_start_negotiation_fails_no_release),
        VFIX_TEST_PACKED(test_start_sequence),
        VFIX_TEST_PACKED(test_start_prepare_fails_unwinds_in_order),
        VFIX_TEST(test_sim_unoffered_feature),
        VFIX_TEST(test_sim_queue_setup_window),
        VFIX_TEST(test_sim_indirect_needs_feature),
        VFIX_TEST_PACKED(test_sim_indirect_needs_feature),
        VFIX_TEST_PACKED(test_sim_packed_desc_needs_event_idx),
    };

    return cmocka_run_group_tests_name("virtio_transport", tests, NULL, NULL);
}
