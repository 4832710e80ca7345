/*
 * test_virtqueue.c - the split virtqueue (drivers/virtio/virtqueue.c):
 * the event-index function and ring layout as pure functions, then chains,
 * notification and interrupt suppression, callback races, validation of
 * device-written used entries, index wrap and free-list integrity, against
 * the simulated device in both transport versions.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "virtio/virtio.h"
#include "virtio/virtqueue.h"
#include "virtio/virtio_ring.h"

#define B(n) VIRTIO_BIT(n)
#define F_IND B(VIRTIO_F_INDIRECT_DESC)
#define F_EVT B(VIRTIO_F_EVENT_IDX)
#define POOL 65536u

/* ---- helpers ---------------------------------------------------------------- */

struct rec {
    unsigned n;
    struct {
        unsigned nseg, n_out, n_in;
        bool indirect;
        uint32_t out_bytes, in_bytes;
        uint8_t first_byte;
    } c[64];
    uint32_t write_limit; /* 0: fill every writable byte */
};

static uint32_t rec_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    struct rec *r = arg;
    uint32_t w = 0, k;
    unsigned i;

    (void)s;
    (void)q;
    if (r->n < 64) {
        r->c[r->n].nseg = c->nseg;
        r->c[r->n].n_out = c->n_out;
        r->c[r->n].n_in = c->n_in;
        r->c[r->n].indirect = c->indirect;
        r->c[r->n].out_bytes = c->out_bytes;
        r->c[r->n].in_bytes = c->in_bytes;
        r->c[r->n].first_byte = c->nseg ? c->seg[0].p[0] : 0;
    }
    r->n++;
    for (i = 0; i < c->nseg; i++) {
        if (!c->seg[i].write)
            continue;
        for (k = 0; k < c->seg[i].len; k++) {
            if (r->write_limit && w >= r->write_limit)
                return w;
            c->seg[i].p[k] = (uint8_t)(0xc0 + i);
            w++;
        }
    }
    return w;
}

static uint8_t *pool_alloc(void)
{
    plat_busaddr_t bus;
    uint8_t *p = plat_dma_alloc(POOL, 4096, &bus);

    assert_non_null(p);
    return p;
}

/* Bring up a device with one queue of `num` entries. */
static void up(struct vfix *fx, uint64_t features, uint16_t num, uint16_t max_ind)
{
    vfix_create(fx, VFIX_DEV_ID, features, 1, 256);
    assert_int_equal(vfix_up(fx, features, num, max_ind), 0);
}

static void add_simple(struct vfix *fx, uint8_t *mem, unsigned slot, void *token)
{
    struct vq_buf b[2] = {{mem + slot * 64, 16}, {mem + slot * 64 + 32, 32}};

    assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, token), 0);
}

#define TOK(i) ((void *)(uintptr_t)(0x1000 + (i)))

/* ---- pure functions ----------------------------------------------------------- */

static void test_need_event_table(void **state)
{
    static const struct {
        uint16_t event, new_idx, old_idx;
        bool need;
    } t[] = {
        {0, 1, 0, true},          /* the first entry */
        {0, 0, 0, false},         /* nothing new */
        {5, 6, 5, true},          /* exactly the event */
        {5, 5, 4, false},         /* not yet */
        {5, 10, 0, true},         /* passed inside a batch */
        {10, 10, 0, false},       /* window is [old, new) */
        {4, 10, 5, false},        /* already passed before old */
        {65535, 0, 65535, true},  /* wrap: event at the last index */
        {0, 1, 65535, true},      /* wrap: window {65535, 0} */
        {1, 1, 65535, false},     /* wrap: 1 not in {65535, 0} */
        {65534, 2, 65530, true},  /* wrap inside a batch */
        {65529, 2, 65530, false}, /* just before the window */
        {3, 2, 65530, false},     /* just after */
        {101, 100, 101, true},    /* 65535 new entries: window covers almost all */
        {100, 100, 101, false},   /* ... but not new itself */
    };
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        if (vring_need_event(t[i].event, t[i].new_idx, t[i].old_idx) != t[i].need) {
            fprintf(stderr, "row %u: event %u new %u old %u\n", i, t[i].event, t[i].new_idx,
                    t[i].old_idx);
            fail();
        }
    }
}

/* Against the definition "event in [old, new) modulo 2^16", walked. */
static void test_need_event_definition(void **state)
{
    uint32_t seed = 12345;
    unsigned i;

    (void)state;
    for (i = 0; i < 200000; i++) {
        uint16_t old, n, event, k, span;
        bool in = false;

        seed = seed * 1103515245u + 12345u;
        old = (uint16_t)(seed >> 8);
        seed = seed * 1103515245u + 12345u;
        span = (uint16_t)((seed >> 8) % 300); /* realistic batches */
        n = (uint16_t)(old + span);
        seed = seed * 1103515245u + 12345u;
        event = (i & 1) ? (uint16_t)(old + (seed >> 8) % 400 - 50) : (uint16_t)(seed >> 8);
        for (k = 0; k < span; k++)
            if ((uint16_t)(old + k) == event)
                in = true;
        assert_int_equal(vring_need_event(event, n, old), in);
        assert_int_equal(sim_need_event(event, n, old), in);
    }
}

static void test_layout(void **state)
{
    static const unsigned nums[] = {1, 2, 16, 64, 128, 256, 1024, 32768};
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        unsigned n = nums[i];
        struct vring_layout l;
        size_t avail_end = 16u * n + 6u + 2u * n;

        vring_layout_compute(n, 4096, &l);
        /* 2.7 legacy layout, numbers from the spec */
        assert_int_equal(l.desc_off, 0);
        assert_int_equal(l.avail_off, 16u * n);
        assert_int_equal(l.used_off, (avail_end + 4095) & ~(size_t)4095);
        assert_int_equal(l.size, l.used_off + 6u + 8u * n);
    }
}

static void noop_notify(void *arg, unsigned idx)
{
    (void)arg;
    (void)idx;
}

static void test_create_rejects(void **state)
{
    struct vq_params p;
    struct virtqueue *vq = NULL;
    long n;

    (void)state;
    sim_plat_reset();
    memset(&p, 0, sizeof(p));
    p.notify = noop_notify;
    p.num = 0;
    assert_int_equal(virtqueue_create(&p, &vq), VIRTIO_EINVAL);
    p.num = 24;
    assert_int_equal(virtqueue_create(&p, &vq), VIRTIO_EINVAL);
    p.num = 16;
    p.notify = NULL;
    assert_int_equal(virtqueue_create(&p, &vq), VIRTIO_EINVAL);
    assert_int_equal(virtqueue_create(NULL, &vq), VIRTIO_EINVAL);
    p.notify = noop_notify;
    p.indirect = true;
    p.max_indirect = 8;
    p.dma_coherent = false; /* four allocations: self, ring, tables, table shadow */
    for (n = 0; n < 4; n++) {
        sim_dma_fail_after(n);
        assert_int_equal(virtqueue_create(&p, &vq), VIRTIO_ENOMEM);
        assert_int_equal(sim_dma_live(), 0);
    }
    sim_dma_fail_after(-1);
    assert_int_equal(virtqueue_create(&p, &vq), 0);
    assert_int_equal(virtqueue_size(vq), 16);
    assert_int_equal(virtqueue_num_free(vq), 16);
    assert_int_equal(virtqueue_desc_addr(vq) % 4096, 0);
    assert_int_equal(virtqueue_used_addr(vq) % 4096, 0);
    virtqueue_destroy(vq);
    assert_int_equal(sim_dma_live(), 0);
    assert_true(sim_plat_ok());
}

/* Without coherent DMA the used ring is the device's alone down to the
 * cache line: it starts on its own page and its allocation runs to the end
 * of its last line, so no other allocation (an indirect table, a driver's
 * bookkeeping, the next queue: a bump allocator puts them right after the
 * requested size) and nothing of the driver's areas shares a line with
 * it; a write-back of such a line would put back stale used entries. */
static void test_used_ring_lines(void **state)
{
    static const unsigned nums[] = {1, 2, 16, 256, 1024};
    const uint64_t line = PLAT_DMA_LINE;

    (void)state;
    assert_int_equal(line, 64);
    for (unsigned ind = 0; ind < 2; ind++)
        for (unsigned i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
            struct vq_params p;
            struct virtqueue *vq = NULL;
            uint64_t base;
            size_t size;
            unsigned n = nums[i];

            sim_plat_reset();
            memset(&p, 0, sizeof(p));
            p.notify = noop_notify;
            p.num = n;
            p.indirect = ind != 0;
            p.max_indirect = 8;
            p.dma_coherent = false;
            assert_int_equal(virtqueue_create(&p, &vq), 0);
            uint64_t used = virtqueue_used_addr(vq);
            uint64_t used_end = used + 4u + 8u * n + 2u; /* flags, idx, ring[n], avail_event */
            uint64_t avail_end = virtqueue_avail_addr(vq) + 4u + 2u * n + 2u; /* ..., used_event */
            assert_true(sim_dma_block(used, &base, &size));
            assert_int_equal(base % line, 0);
            assert_int_equal(used % line, 0);
            assert_true(avail_end <= used);
            if ((used_end + line - 1) / line * line > base + size)
                fail_msg("num %u%s: the used ring's last line (to 0x%llx) runs past its allocation (to 0x%llx)",
                         n, ind ? ", indirect" : "", (unsigned long long)((used_end + line - 1) / line * line),
                         (unsigned long long)(base + size));
            virtqueue_destroy(vq);
            assert_true(sim_plat_ok());
        }
}

/* ---- chains -------------------------------------------------------------------- */

static void test_direct_chain(void **state)
{
    struct vfix *fx = *state;
    struct rec r = {0};
    uint8_t *mem;
    uint32_t len;
    struct vq_stats st;

    /* the device offers INDIRECT, the driver does not take it */
    vfix_create(fx, VFIX_DEV_ID, F_IND, 1, 256);
    assert_int_equal(vfix_up(fx, 0, 16, 8), 0);
    fx->sim->handler = rec_handler;
    fx->sim->handler_arg = &r;
    assert_false(virtio_has_feature(&fx->dev, VIRTIO_F_INDIRECT_DESC));
    mem = pool_alloc();
    memset(mem, 0x5a, 100);
    {
        struct vq_buf b[4] = {{mem, 10}, {mem + 10, 20}, {mem + 100, 30}, {mem + 200, 40}};

        assert_int_equal(virtqueue_add(fx->vq, b, 2, 2, TOK(1)), 0);
    }
    assert_int_equal(virtqueue_num_free(fx->vq), 12);
    assert_true(virtqueue_kick(fx->vq));
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_int_equal(r.n, 1);
    assert_false(r.c[0].indirect);
    assert_int_equal(r.c[0].nseg, 4);
    assert_int_equal(r.c[0].n_out, 2);
    assert_int_equal(r.c[0].n_in, 2);
    assert_int_equal(r.c[0].out_bytes, 30);
    assert_int_equal(r.c[0].in_bytes, 70);
    assert_int_equal(r.c[0].first_byte, 0x5a);
    sim_run_irqs();
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(1));
    assert_int_equal(len, 70); /* the used length, not the posted one */
    assert_int_equal(mem[100], 0xc2);
    assert_int_equal(mem[239], 0xc3);
    assert_null(virtqueue_get_used(fx->vq, &len));
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.added_indirect, 0);
    assert_int_equal(st.completed, 1);
    assert_int_equal(st.kicks, 1);
    assert_int_equal(st.interrupts, 1);
    assert_int_equal(st.callbacks, 1);
    assert_int_equal(st.num, 16);
    assert_int_equal(st.num_free, 16);
    assert_false(st.broken);
    plat_dma_free(mem, POOL);
}

static void test_indirect_chain(void **state)
{
    struct vfix *fx = *state;
    struct rec r = {0};
    uint8_t *mem;
    uint32_t len;
    struct vq_stats st;

    up(fx, F_IND, 8, 4);
    fx->sim->handler = rec_handler;
    fx->sim->handler_arg = &r;
    assert_true(virtio_has_feature(&fx->dev, VIRTIO_F_INDIRECT_DESC));
    mem = pool_alloc();
    {
        struct vq_buf b3[3] = {{mem, 12}, {mem + 64, 8}, {mem + 128, 16}};
        struct vq_buf b1[1] = {{mem + 256, 24}};
        struct vq_buf b5[5] = {{mem + 512, 4}, {mem + 576, 4}, {mem + 640, 4}, {mem + 704, 4},
                               {mem + 768, 4}};

        assert_int_equal(virtqueue_add(fx->vq, b3, 1, 2, TOK(1)), 0); /* indirect */
        assert_int_equal(virtqueue_num_free(fx->vq), 7);
        assert_int_equal(virtqueue_add(fx->vq, b1, 0, 1, TOK(2)), 0); /* one: direct */
        assert_int_equal(virtqueue_num_free(fx->vq), 6);
        assert_int_equal(virtqueue_add(fx->vq, b5, 5, 0, TOK(3)), 0); /* > max: direct */
        assert_int_equal(virtqueue_num_free(fx->vq), 1);
    }
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 3);
    assert_true(r.c[0].indirect);
    assert_int_equal(r.c[0].nseg, 3);
    assert_int_equal(r.c[0].n_out, 1);
    assert_int_equal(r.c[0].in_bytes, 24);
    assert_false(r.c[1].indirect);
    assert_false(r.c[2].indirect);
    assert_int_equal(r.c[2].nseg, 5);
    assert_int_equal(r.c[2].n_in, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(1));
    assert_int_equal(len, 24);
    assert_int_equal(mem[64], 0xc1);
    assert_int_equal(mem[143], 0xc2);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(2));
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(3));
    assert_int_equal(len, 0);
    assert_int_equal(virtqueue_num_free(fx->vq), 8);
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.added_indirect, 1);
    /* a full ring of indirect chains: one descriptor each */
    {
        struct vq_buf b[4] = {{mem, 8}, {mem + 64, 8}, {mem + 128, 8}, {mem + 192, 8}};
        unsigned i;

        for (i = 0; i < 8; i++)
            assert_int_equal(virtqueue_add(fx->vq, b, 2, 2, TOK(10 + i)), 0);
        assert_int_equal(virtqueue_add(fx->vq, b, 2, 2, TOK(99)), VIRTIO_ENOSPC);
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_process(fx->sim, 0), 8);
        for (i = 0; i < 8; i++)
            assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(10 + i));
    }
    plat_dma_free(mem, POOL);
}

static void test_add_errors(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    struct vq_buf b[20];
    unsigned i;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    for (i = 0; i < 20; i++) {
        b[i].addr = mem + 64 * i;
        b[i].len = 8;
    }
    assert_int_equal(virtqueue_add(fx->vq, b, 0, 0, TOK(1)), VIRTIO_EINVAL);
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 0, NULL), VIRTIO_EINVAL);
    assert_int_equal(virtqueue_add(fx->vq, NULL, 1, 0, TOK(1)), VIRTIO_EINVAL);
    assert_int_equal(virtqueue_add(NULL, b, 1, 0, TOK(1)), VIRTIO_EINVAL);
    b[1].len = 0;
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, TOK(1)), VIRTIO_EINVAL);
    b[1].len = 8;
    assert_int_equal(virtqueue_add(fx->vq, b, 17, 0, TOK(1)), VIRTIO_E2BIG);
    assert_int_equal(virtqueue_add(fx->vq, b, 10, 10, TOK(1)), VIRTIO_E2BIG);
    assert_int_equal(virtqueue_add(fx->vq, b, 0xffffffffu, 2, TOK(1)), VIRTIO_E2BIG);
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    /* fill: 16 one-descriptor chains, then full */
    for (i = 0; i < 16; i++)
        assert_int_equal(virtqueue_add(fx->vq, &b[i], 1, 0, TOK(i)), 0);
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 0, TOK(99)), VIRTIO_ENOSPC);
    {
        struct vq_stats st;

        virtqueue_get_stats(fx->vq, &st);
        assert_int_equal(st.full, 1);
        assert_int_equal(st.num_free, 0);
    }
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    for (i = 0; i < 16; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    /* a 16-element chain fits an empty ring exactly */
    assert_int_equal(virtqueue_add(fx->vq, b, 8, 8, TOK(50)), 0);
    assert_int_equal(virtqueue_num_free(fx->vq), 0);
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(50));
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    plat_dma_free(mem, POOL);
}

/* 2.7.5.2 (Driver Requirements: The Virtqueue Descriptor Table): "Drivers MUST
 * NOT add a descriptor chain longer than 2^32 bytes in total".  Readable
 * bytes count too, not only the writable ones (whose sum the used length,
 * 32 bits, must be able to express).  Nothing is posted. */
static void test_add_chain_over_4g(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;
    struct vq_buf b[3];
    unsigned i;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    for (i = 0; i < 3; i++) {
        b[i].addr = mem + 64 * i;
        b[i].len = 0x60000000u; /* never touched: nothing is posted */
    }
    /* 3 x 1.5 GiB readable: 4.5 GiB */
    assert_int_equal(virtqueue_add(fx->vq, b, 3, 0, TOK(1)), VIRTIO_E2BIG);
    /* 4 GiB - 1 readable and 16 writable */
    b[0].len = 0xffffffffu;
    b[1].len = 16;
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, TOK(2)), VIRTIO_E2BIG);
    /* the writable sum alone beyond 32 bits (refused before too) */
    b[0].len = 8;
    b[1].len = 0x80000000u;
    b[2].len = 0x80000000u;
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 2, TOK(3)), VIRTIO_E2BIG);
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.added, 0);
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    plat_dma_free(mem, POOL);
}

/* virtqueue_interrupt() calls the callback only while callbacks are on and
 * something completed, and says whether it did; each call is counted. */
static void test_interrupt_callback_state(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    assert_false(virtqueue_interrupt(fx->vq)); /* nothing completed */
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_true(virtqueue_interrupt(fx->vq));
    assert_int_equal(fx->cb_calls, 1);
    virtqueue_disable_cb(fx->vq);
    assert_false(virtqueue_interrupt(fx->vq)); /* pending, but callbacks off */
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.interrupts, 3);
    assert_int_equal(st.callbacks, 1);
    assert_true(virtqueue_enable_cb(fx->vq));
    plat_dma_free(mem, POOL);
}

/* A queue created without a callback (reaped by polling, as virtio-net's
 * TX ring is): an interrupt counts and returns without reading the ring,
 * and what completed is still there for the poll. */
static void test_interrupt_no_callback(void **state)
{
    struct vfix *fx = *state;
    struct virtio_vq_params p;
    struct vq_stats st;
    uint8_t *mem;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 256);
    fx->spec.supported = 0;
    assert_int_equal(virtio_dev_negotiate(&fx->dev, &fx->spec), 0);
    memset(&p, 0, sizeof(p));
    p.name = "test.nocb";
    p.num = 16;
    p.cancel = vfix_vq_cancel;
    p.priv = fx;
    assert_int_equal(virtio_dev_setup_vq(&fx->dev, 0, &p, &fx->vq), 0);
    assert_int_equal(virtio_dev_attach_irq(&fx->dev), 0);
    assert_int_equal(virtio_dev_driver_ok(&fx->dev), 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_false(virtqueue_interrupt(fx->vq));
    assert_int_equal(sim_run_irqs(), 1); /* the device's line, through the core */
    assert_int_equal(fx->cb_calls, 0);
    virtqueue_get_stats(fx->vq, &st);
    /* the direct call only: the core does not walk to a queue without a
     * callback (virtio_dev_interrupt, dev->vq_end) */
    assert_int_equal(st.interrupts, 1);
    assert_int_equal(st.callbacks, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_null(virtqueue_get_used(fx->vq, NULL));
    plat_dma_free(mem, POOL);
}

/* ---- notifications --------------------------------------------------------------- */

static void test_batch_one_kick(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    struct vq_stats st;
    unsigned i;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    for (i = 0; i < 5; i++)
        add_simple(fx, mem, i, TOK(i));
    assert_true(virtqueue_kick(fx->vq));
    assert_false(virtqueue_kick(fx->vq)); /* nothing new */
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 5);
    assert_int_equal(sim_run_irqs(), 1); /* one interrupt for the batch */
    assert_int_equal(fx->cb_calls, 1);
    for (i = 0; i < 5; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.kicks, 1);
    assert_int_equal(st.added, 5);
    plat_dma_free(mem, POOL);
}

static void test_no_notify_flag(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    struct vq_stats st;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    sim_virtio_set_used_flags(fx->sim, 0, VRING_USED_F_NO_NOTIFY);
    add_simple(fx, mem, 0, TOK(0));
    assert_false(virtqueue_kick_prepare(fx->vq));
    add_simple(fx, mem, 1, TOK(1));
    assert_false(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, 0);
    sim_virtio_set_used_flags(fx->sim, 0, 0);
    add_simple(fx, mem, 2, TOK(2));
    assert_true(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.kicks_suppressed, 2);
    assert_int_equal(st.kicks, 1);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 3);
    plat_dma_free(mem, POOL);
}

static void test_event_idx_kick(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned i;

    up(fx, F_EVT, 32, 0);
    assert_true(virtio_has_feature(&fx->dev, VIRTIO_F_EVENT_IDX));
    mem = pool_alloc();
    /* the device wants a notification once avail idx passes 3 */
    sim_virtio_set_avail_event(fx->sim, 0, 3);
    for (i = 0; i < 3; i++) { /* idx 0->1, 1->2, 2->3: no */
        add_simple(fx, mem, i, TOK(i));
        assert_false(virtqueue_kick_prepare(fx->vq));
    }
    add_simple(fx, mem, 3, TOK(3)); /* 3->4: crosses 3 */
    assert_true(virtqueue_kick_prepare(fx->vq));
    add_simple(fx, mem, 4, TOK(4)); /* 4->5 */
    assert_false(virtqueue_kick_prepare(fx->vq));
    for (i = 5; i < 8; i++) /* a batch 5->8 */
        add_simple(fx, mem, i, TOK(i));
    assert_false(virtqueue_kick_prepare(fx->vq));
    sim_virtio_set_avail_event(fx->sim, 0, 9);
    add_simple(fx, mem, 8, TOK(8));
    add_simple(fx, mem, 9, TOK(9)); /* batch 8->10 contains 9 */
    assert_true(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 10);
    for (i = 0; i < 10; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    plat_dma_free(mem, POOL);
}

/* ---- interrupts and callbacks ------------------------------------------------------ */

static void test_interrupt_suppression_flag(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    virtqueue_disable_cb(fx->vq);
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_int_equal(fx->sim->vq[0].irqs_raised, 0);
    assert_int_equal(fx->sim->vq[0].irqs_suppressed, 1);
    assert_int_equal(sim_run_irqs(), 0);
    /* polling still works */
    assert_true(virtqueue_more_used(fx->vq));
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_true(virtqueue_enable_cb(fx->vq));
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_int_equal(fx->sim->vq[0].irqs_raised, 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(1));
    plat_dma_free(mem, POOL);
}

static void test_event_idx_interrupts(void **state)
{
    struct vfix *fx = *state;
    struct sim_vq *sv;
    uint8_t *mem;
    unsigned i;

    up(fx, F_EVT, 16, 0);
    sv = &fx->sim->vq[0];
    mem = pool_alloc();
    for (i = 0; i < 4; i++)
        add_simple(fx, mem, i, TOK(i));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 4);
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1); /* used_event 0: 0->1 */
    assert_int_equal(sv->irqs_raised, 1);
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1); /* 1->2: driver has not read */
    assert_int_equal(sv->irqs_raised, 1);
    assert_int_equal(sv->irqs_suppressed, 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(1)); /* used_event = 2 */
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1);      /* 2->3 */
    assert_int_equal(sv->irqs_raised, 2);
    /* flags stay 0 with EVENT_IDX even when callbacks are off (2.7.10) */
    virtqueue_disable_cb(fx->vq);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(2)); /* used_event left at 2 */
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1);      /* 3->4: 2 already passed */
    assert_int_equal(sv->irqs_raised, 2);
    sim_run_irqs();
    assert_int_equal(fx->cb_calls, 1); /* the second interrupt had the callback off */
    assert_false(virtqueue_enable_cb(fx->vq)); /* TOK(3) pending */
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(3));
    assert_true(virtqueue_enable_cb(fx->vq));
    plat_dma_free(mem, POOL);
}

/* The race of 2.7.10: an entry completes after disable and before enable;
 * enable must report it instead of waiting for an interrupt that will not
 * come. */
static void race(struct vfix *fx)
{
    uint8_t *mem = pool_alloc();

    virtqueue_disable_cb(fx->vq);
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1); /* between disable and enable */
    sim_run_irqs();
    assert_int_equal(fx->cb_calls, 0);
    assert_false(virtqueue_enable_cb(fx->vq));
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_true(virtqueue_enable_cb(fx->vq));
    /* and interrupts work again afterwards */
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(1));
    plat_dma_free(mem, POOL);
}

static void test_enable_cb_race_flags(void **state)
{
    struct vfix *fx = *state;

    up(fx, 0, 16, 0);
    race(fx);
}

static void test_enable_cb_race_event_idx(void **state)
{
    struct vfix *fx = *state;

    up(fx, F_EVT, 16, 0);
    race(fx);
}

static void test_enable_cb_delayed(void **state)
{
    struct vfix *fx = *state;
    struct sim_vq *sv;
    uint8_t *mem;
    unsigned i;

    up(fx, F_EVT, 16, 0);
    sv = &fx->sim->vq[0];
    mem = pool_alloc();
    virtqueue_disable_cb(fx->vq);
    for (i = 0; i < 8; i++)
        add_simple(fx, mem, i, TOK(i));
    virtqueue_kick(fx->vq);
    assert_true(virtqueue_enable_cb_delayed(fx->vq)); /* used_event = 0 + 6 */
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 8);
    for (i = 0; i < 6; i++)
        sim_virtio_complete(fx->sim, 0, 1);
    assert_int_equal(sv->irqs_raised, 0);
    sim_virtio_complete(fx->sim, 0, 1); /* 6->7 passes 6 */
    assert_int_equal(sv->irqs_raised, 1);
    sim_virtio_complete(fx->sim, 0, 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    for (i = 0; i < 8; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    /* pending beyond the mark: reports false */
    virtqueue_disable_cb(fx->vq);
    for (i = 0; i < 4; i++)
        add_simple(fx, mem, i, TOK(i));
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_false(virtqueue_enable_cb_delayed(fx->vq)); /* 4 pending > 3 */
    for (i = 0; i < 4; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    plat_dma_free(mem, POOL);
}

/* ---- device faults on the used ring ------------------------------------------------- */

/* After a fault: counted, sticky, nothing returned, nothing freed.  A
 * re-initialisation then hands every outstanding token back exactly once. */
static void check_broken_then_recover(struct vfix *fx, uint8_t *mem, unsigned outstanding)
{
    struct vq_buf b = {mem, 8};
    uint32_t len = 0xdeadu;

    assert_true(virtqueue_is_broken(fx->vq));
    assert_null(virtqueue_get_used(fx->vq, &len));
    assert_int_equal(len, 0xdeadu);
    assert_false(virtqueue_more_used(fx->vq));
    assert_int_equal(virtqueue_add(fx->vq, &b, 1, 0, TOK(77)), VIRTIO_EIO);
    assert_false(virtqueue_kick(fx->vq));
    assert_int_equal(fx->ncancel, 0);
    assert_true(sim_log_contains("queue marked broken"));
    assert_int_equal(virtio_dev_reinit(&fx->dev), 1);
    assert_int_equal(fx->ncancel, outstanding);
    assert_false(virtqueue_is_broken(fx->vq));
    assert_int_equal(virtqueue_num_free(fx->vq), virtqueue_size(fx->vq));
    add_simple(fx, mem, 0, TOK(88));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(88));
}

static void test_used_bad_id(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0));
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 16 + 5;
    assert_int_equal(sim_virtio_process(fx->sim, 0), 2);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.bad_id, 1);
    assert_int_equal(st.completed, 0);
    assert_true(st.broken);
    check_broken_then_recover(fx, mem, 2);
    /* a huge id as well */
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 0xffffffffu;
    sim_virtio_process(fx->sim, 0);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.bad_id, 2);
    plat_dma_free(mem, POOL);
}

/*
 * A used id equal to the queue size: the first value out of range (the
 * shadow has num entries, sh[num] is one past its end), over every ring
 * size from 1 to 256.  Rejected as out of range - counted as bad_id, not
 * as something else found at sh[num] - with nothing completed or freed;
 * and, after re-initialisation, id num - 1 (the last valid one) accepted.
 */
static void test_used_id_equals_num(void **state)
{
    static const uint16_t sizes[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned z, i;

    vfix_create(fx, VFIX_DEV_ID, 0, 1, 256);
    mem = pool_alloc();
    for (z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
        uint16_t num = sizes[z];
        unsigned posted = num < 2 ? num : 2, cancelled0;
        struct vq_stats st;
        uint32_t len = 0xdeadu;

        assert_int_equal(vfix_up(fx, 0, num, 0), 0);
        for (i = 0; i < posted; i++) {
            struct vq_buf b = {mem + 64 * i, 32};

            assert_int_equal(virtqueue_add(fx->vq, &b, 0, 1, TOK(i)), 0);
        }
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_pop(fx->sim, 0), posted);
        fx->sim->fault.used_id_force = true;
        fx->sim->fault.used_id = num; /* the first completion names id num */
        assert_int_equal(sim_virtio_complete(fx->sim, 0, ~0u), posted);
        assert_true(virtqueue_more_used(fx->vq));
        if (virtqueue_get_used(fx->vq, &len) != NULL)
            fail_msg("num %u: used id %u accepted", num, num);
        assert_int_equal(len, 0xdeadu);
        virtqueue_get_stats(fx->vq, &st);
        if (st.bad_id != 1 || st.not_head != 0 || st.dup != 0)
            fail_msg("num %u, used id %u: bad_id %u not_head %u dup %u, want 1 0 0", num, num,
                     (unsigned)st.bad_id, (unsigned)st.not_head, (unsigned)st.dup);
        assert_int_equal(st.completed, 0);
        assert_true(st.broken);
        assert_true(virtqueue_is_broken(fx->vq));
        assert_int_equal(st.num_free, num - posted); /* nothing freed */
        /* sticky: the valid entries behind it are not read either */
        assert_null(virtqueue_get_used(fx->vq, NULL));
        assert_false(virtqueue_more_used(fx->vq));
        virtqueue_get_stats(fx->vq, &st);
        assert_int_equal(st.bad_id, 1);
        assert_int_equal(st.completed, 0);
        assert_true(sim_log_contains("used id out of range"));
        sim_log_clear();

        /* recovery hands both tokens back; then a full ring of one-buffer
         * chains, heads 0 .. num - 1, all accepted */
        cancelled0 = fx->ncancel;
        assert_int_equal(virtio_dev_reinit(&fx->dev), 1);
        assert_int_equal(fx->ncancel - cancelled0, posted);
        assert_false(virtqueue_is_broken(fx->vq));
        for (i = 0; i < num; i++) {
            struct vq_buf b = {mem + 64 * (i % 64), 32};

            assert_int_equal(virtqueue_add(fx->vq, &b, 0, 1, TOK(100 + i)), 0);
        }
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_process(fx->sim, 0), num);
        for (i = 0; i < num; i++)
            assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(100 + i));
        virtqueue_get_stats(fx->vq, &st);
        assert_int_equal(st.completed, num);
        assert_false(st.broken);
        assert_int_equal(st.num_free, num);
        virtio_dev_shutdown(&fx->dev);
    }
    plat_dma_free(mem, POOL);
}

static void test_used_not_head(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0)); /* a 2-descriptor chain */
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 1);
    assert_int_equal(fx->sim->vq[0].pending[0].ndesc, 2);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = fx->sim->vq[0].pending[0].desc_ids[1]; /* the body */
    sim_virtio_complete(fx->sim, 0, 1);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.not_head, 1);
    check_broken_then_recover(fx, mem, 1);

    /* a descriptor that was never used at all */
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 15;
    sim_virtio_process(fx->sim, 0);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.not_head, 2);
    plat_dma_free(mem, POOL);
}

static void test_used_duplicate(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0));
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 2);
    fx->sim->fault.dup_next = true;
    sim_virtio_complete(fx->sim, 0, 1); /* TOK(0)'s head twice */
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_null(virtqueue_get_used(fx->vq, NULL));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.dup, 1);
    assert_int_equal(st.completed, 1);
    check_broken_then_recover(fx, mem, 1); /* TOK(1) */
    assert_ptr_equal(fx->cancelled[0], TOK(1));
    plat_dma_free(mem, POOL);
}

static void test_used_bad_len(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;
    uint32_t len;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0)); /* 32 writable bytes */
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 32; /* exactly the posted length: fine */
    sim_virtio_pop(fx->sim, 0);
    sim_virtio_complete(fx->sim, 0, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(0));
    assert_int_equal(len, 32);
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 33;
    sim_virtio_complete(fx->sim, 0, 1);
    assert_null(virtqueue_get_used(fx->vq, &len));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.bad_len, 1);
    check_broken_then_recover(fx, mem, 1);
    plat_dma_free(mem, POOL);
}

static void test_used_idx_jump(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    fx->sim->fault.idx_jump = 5; /* 6 "new" entries for 1 outstanding */
    sim_virtio_process(fx->sim, 0);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.idx_jump, 1);
    check_broken_then_recover(fx, mem, 1);
    /* beyond the queue size */
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    fx->sim->fault.idx_jump = 40000;
    sim_virtio_process(fx->sim, 0);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    assert_null(virtqueue_get_used(fx->vq, NULL));
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.idx_jump, 2);
    plat_dma_free(mem, POOL);
}

/* ---- wrap and free-list integrity ------------------------------------------------------ */

#define WRAP_REQS 140000u /* more than two trips round the u16 indices */

static void run_many(struct vfix *fx, unsigned total, unsigned batch)
{
    uint8_t *mem = pool_alloc();
    unsigned posted = 0, done = 0, i;
    unsigned batches = 0;
    struct vq_stats st;

    while (done < total) {
        unsigned n = batch;

        if (n > total - posted)
            n = total - posted;
        for (i = 0; i < n; i++) {
            struct vq_buf b[3] = {{mem + (i * 128) % POOL, 8},
                                  {mem + (i * 128 + 16) % POOL, 8},
                                  {mem + (i * 128 + 64) % POOL, 24}};

            assert_int_equal(virtqueue_add(fx->vq, b, 2, 1, TOK(posted)), 0);
            posted++;
        }
        virtqueue_kick(fx->vq);
        batches++;
        assert_int_equal(sim_virtio_process(fx->sim, 0), n);
        sim_run_irqs();
        for (i = 0; i < n; i++) {
            uint32_t len;

            if (virtqueue_get_used(fx->vq, &len) != TOK(done))
                fail_msg("request %u out of order", done);
            assert_int_equal(len, 24);
            done++;
        }
        assert_null(virtqueue_get_used(fx->vq, NULL));
    }
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.completed, total);
    assert_int_equal(st.num_free, virtqueue_size(fx->vq));
    assert_int_equal(fx->sim->vq[0].used_idx, (uint16_t)total);
    assert_int_equal(fx->sim->vq[0].popped, total);
    assert_int_equal(st.kicks, batches);
    assert_int_equal(fx->cb_calls, batches);
    plat_dma_free(mem, POOL);
}

static void test_wrap_direct(void **state)
{
    struct vfix *fx = *state;

    up(fx, 0, 16, 0);
    run_many(fx, WRAP_REQS, 5); /* 5 chains of 3 descriptors: ring nearly full */
}

static void test_wrap_indirect_event_idx(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;

    up(fx, F_IND | F_EVT, 8, 4);
    run_many(fx, WRAP_REQS, 8);
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.added_indirect, WRAP_REQS);
    assert_int_equal(fx->sim->vq[0].indirect_chains, WRAP_REQS);
}

/* The device scribbles over descriptors (and indirect tables) once it has
 * read them, and completes out of order: the driver must free from its
 * shadow only. */
static void scribble_run(struct vfix *fx)
{
    uint8_t *mem = pool_alloc();
    uint32_t seed = 7;
    unsigned round, i;
    bool seen[64];

    fx->sim->fault.scribble = true;
    for (round = 0; round < 300; round++) {
        unsigned n = 0;

        memset(seen, 0, sizeof(seen));
        for (;;) {
            struct vq_buf b[4];
            unsigned nseg, k;
            int err;

            seed = seed * 1103515245u + 12345u;
            nseg = 1 + (seed >> 16) % 4;
            for (k = 0; k < nseg; k++) {
                b[k].addr = mem + (n * 4 + k) * 64;
                b[k].len = 16;
            }
            err = virtqueue_add(fx->vq, b, nseg / 2, nseg - nseg / 2, TOK(n));
            if (err == VIRTIO_ENOSPC)
                break;
            assert_int_equal(err, 0);
            n++;
        }
        assert_true(n > 0 && n <= 64);
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_pop(fx->sim, 0), n);
        /* complete in a shuffled order */
        while (fx->sim->vq[0].npending) {
            seed = seed * 1103515245u + 12345u;
            assert_true(sim_virtio_complete_at(fx->sim, 0, (seed >> 16) % fx->sim->vq[0].npending));
        }
        for (i = 0; i < n; i++) {
            uintptr_t t = (uintptr_t)virtqueue_get_used(fx->vq, NULL);

            assert_true(t >= 0x1000 && t < 0x1000 + n);
            assert_false(seen[t - 0x1000]);
            seen[t - 0x1000] = true;
        }
        assert_null(virtqueue_get_used(fx->vq, NULL));
        assert_int_equal(virtqueue_num_free(fx->vq), virtqueue_size(fx->vq));
    }
    assert_false(virtqueue_is_broken(fx->vq));
    plat_dma_free(mem, POOL);
}

static void test_scribble_direct(void **state)
{
    struct vfix *fx = *state;

    up(fx, 0, 32, 0);
    scribble_run(fx);
}

static void test_scribble_indirect(void **state)
{
    struct vfix *fx = *state;

    up(fx, F_IND, 32, 3); /* 4-element chains go direct: a mix */
    scribble_run(fx);
}

/* ---- cache maintenance -------------------------------------------------------------- */

/* What the stamping device writes at bus address a: never the 0x11 the
 * CPU left in a writable buffer, different from byte to byte. */
static uint8_t stamp_at(uint64_t a)
{
    return (uint8_t)(0x80u | (a & 0x7fu));
}

static uint32_t stamp_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    uint32_t w = 0, k;
    unsigned i;

    (void)s;
    (void)q;
    (void)arg;
    for (i = 0; i < c->nseg; i++) {
        if (!c->seg[i].write)
            continue;
        for (k = 0; k < c->seg[i].len; k++)
            c->seg[i].p[k] = stamp_at(c->seg[i].bus + k); /* the device's view */
        w += c->seg[i].len;
    }
    return w;
}

/* The invalidates since log entry `since`, on stderr (a failure's context). */
static void dump_invalidates(size_t since)
{
    size_t i;

    for (i = since; i < sim_cache_nops(); i++) {
        const struct sim_cache_op *op = sim_cache_op(i);

        if (op && op->invalidate)
            fprintf(stderr, "  invalidate %p +%zu\n", op->p, op->len);
    }
}

/*
 * A device without dma-coherent behind the cache model: two indirect
 * chains and two direct ones (one of five buffers, one of a single
 * buffer), with one to four writable buffers each, on cache lines of their
 * own, completed by the device out of order.  Before get_used the CPU's
 * view of a writable buffer is stale (what it held when posted); after
 * get_used returns the chain, the CPU's view of each of its writable
 * buffers holds exactly what the device wrote (sim_dma_ptr's view), the
 * invalidates issued since the completion cover each of them, and the
 * readable buffers are as the CPU wrote them.
 */
static void cache_model_completed_buffers(struct vfix *fx)
{
    enum { NCH = 4, MAXB = 5 };
    static const struct {
        unsigned n_out, n_in;
        uint32_t len[MAXB];
        bool indirect;
    } ch[NCH] = {
        {1, 2, {16, 40, 24}, true},             /* 3 <= max_indirect */
        {0, 2, {64, 8}, true},                  /* writable only */
        {1, 4, {16, 48, 100, 8, 130}, false},   /* 5 > max_indirect: direct */
        {0, 1, {200}, false},                   /* one buffer: direct */
    };
    static const unsigned order[NCH] = {2, 0, 3, 1}; /* the device's completion order */
    uint8_t *pool, *bp[NCH][MAXB];
    struct vq_stats st;
    unsigned i, k, done, ind0;
    size_t off = 0;

    sim_cache_model(true); /* for what is allocated from here on */
    pool = pool_alloc();
    fx->dev.dma_coherent = false;
    fx->sim->handler = stamp_handler;
    assert_int_equal(vfix_up(fx, F_IND, 16, 4), 0);

    for (i = 0; i < NCH; i++) {
        struct vq_buf b[MAXB];
        unsigned n = ch[i].n_out + ch[i].n_in;

        for (k = 0; k < n; k++) {
            bp[i][k] = pool + off;
            off += (ch[i].len[k] + 127u) & ~(size_t)127u; /* lines of its own */
            if (k < ch[i].n_out)
                for (uint32_t j = 0; j < ch[i].len[k]; j++)
                    bp[i][k][j] = (uint8_t)(i * 16 + k + j);
            else
                memset(bp[i][k], 0x11, ch[i].len[k]);
            b[k] = (struct vq_buf){bp[i][k], ch[i].len[k]};
        }
        assert_int_equal(virtqueue_add(fx->vq, b, ch[i].n_out, ch[i].n_in, TOK(i)), 0);
    }
    virtqueue_get_stats(fx->vq, &st);
    assert_int_equal(st.added_indirect, 2);
    virtqueue_kick(fx->vq);
    ind0 = fx->sim->vq[0].indirect_chains; /* counts over the sim's life */
    assert_int_equal(sim_virtio_pop(fx->sim, 0), NCH); /* the device fills them now */
    assert_int_equal(fx->sim->vq[0].indirect_chains - ind0, 2);

    for (done = 0; done < NCH; done++) {
        unsigned c = order[done], n = ch[c].n_out + ch[c].n_in, p;
        uint32_t len = 0, want = 0;
        size_t mark;

        /* pending[] keeps the pop order minus what was completed */
        for (p = 0; p < fx->sim->vq[0].npending; p++)
            if (fx->sim->vq[0].pending[p].seg[0].p == sim_dma_ptr(plat_bus_addr(bp[c][0]), 1))
                break;
        assert_true(p < fx->sim->vq[0].npending);
        /* not yet: the device wrote, the CPU still sees what it left */
        for (k = ch[c].n_out; k < n; k++)
            assert_int_equal(bp[c][k][0], 0x11);
        assert_true(sim_virtio_complete_at(fx->sim, 0, p));
        mark = sim_cache_nops();
        assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(c));
        for (k = 0; k < n; k++) {
            uint8_t *cpu_view = bp[c][k];
            const uint8_t *dev_view = sim_dma_ptr(plat_bus_addr(cpu_view), ch[c].len[k]);
            uint64_t bus = plat_bus_addr(cpu_view);

            assert_non_null(dev_view);
            if (k < ch[c].n_out) { /* readable: the CPU's bytes, untouched */
                for (uint32_t j = 0; j < ch[c].len[k]; j++)
                    if (cpu_view[j] != (uint8_t)(c * 16 + k + j))
                        fail_msg("chain %u readable buffer %u byte %u: %#x", c, k, j, cpu_view[j]);
                continue;
            }
            want += ch[c].len[k];
            if (!sim_cache_covered(true, cpu_view, ch[c].len[k], mark)) {
                fprintf(stderr, "chain %u writable buffer %u (%p +%u) not invalidated; since completion:\n",
                        c, k, (void *)cpu_view, (unsigned)ch[c].len[k]);
                dump_invalidates(mark);
                fail_msg("chain %u writable buffer %u not invalidated after completion", c, k);
            }
            for (uint32_t j = 0; j < ch[c].len[k]; j++)
                if (cpu_view[j] != stamp_at(bus + j) || cpu_view[j] != dev_view[j])
                    fail_msg("chain %u writable buffer %u byte %u: CPU sees %#x, device wrote %#x",
                             c, k, j, cpu_view[j], dev_view[j]);
        }
        assert_int_equal(len, want);
    }
    assert_null(virtqueue_get_used(fx->vq, NULL));
    assert_int_equal(sim_cache_unsynced(), 0);
    assert_int_equal(fx->sim->violations, 0);
    virtio_dev_shutdown(&fx->dev);
    assert_true(sim_cache_model_ok());
    plat_dma_free(pool, POOL);
}

static void test_cache_ops_only_when_not_coherent(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned long c0, i0;
    unsigned i;

    vfix_create(fx, VFIX_DEV_ID, F_IND, 1, 64);
    assert_int_equal(vfix_up(fx, F_IND, 16, 4), 0);
    mem = pool_alloc();
    for (i = 0; i < 3; i++)
        add_simple(fx, mem, i, TOK(i));
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    for (i = 0; i < 3; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    assert_int_equal(sim_cache_stats()->cleans, 0);
    assert_int_equal(sim_cache_stats()->invalidates, 0);
    virtio_dev_shutdown(&fx->dev);

    /* the same device without dma-coherent */
    fx->dev.dma_coherent = false;
    assert_int_equal(vfix_up(fx, F_IND, 16, 4), 0);
    c0 = sim_cache_stats()->cleans;
    assert_true(c0 > 0); /* the zeroed ring */
    for (i = 0; i < 3; i++)
        add_simple(fx, mem, i, TOK(i)); /* indirect */
    {
        struct vq_buf b = {mem + 1024, 64};

        assert_int_equal(virtqueue_add(fx->vq, &b, 0, 1, TOK(9)), 0); /* direct */
    }
    assert_true(sim_cache_stats()->cleans > c0);
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    i0 = sim_cache_stats()->invalidates;
    for (i = 0; i < 3; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(9));
    /* used ring reads and the writable buffers were invalidated */
    assert_true(sim_cache_stats()->invalidates >= i0 + 4 + 4);
    /* the count alone is met by the used ring's invalidates: each
     * completed writable buffer, by range */
    for (i = 0; i < 3; i++)
        assert_true(sim_cache_covered(true, mem + i * 64 + 32, 32, i0));
    assert_true(sim_cache_covered(true, mem + 1024, 64, i0));
    assert_true(sim_plat_ok()); /* every range inside DMA memory */
    virtio_dev_shutdown(&fx->dev);
    plat_dma_free(mem, POOL);

    /* and through the cache model, what the CPU then reads */
    cache_model_completed_buffers(fx);
}

/* The device copies the readable part into the writable part, each byte
 * plus one: both directions checked byte for byte. */
static uint32_t echo_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    uint8_t tmp[512];
    uint32_t n = c->out_bytes < c->in_bytes ? c->out_bytes : c->in_bytes, i;

    (void)s;
    (void)q;
    (void)arg;
    if (n > sizeof(tmp))
        n = sizeof(tmp);
    sim_chain_gather(c, 0, tmp, n);
    for (i = 0; i < n; i++)
        tmp[i]++;
    sim_chain_scatter(c, 0, tmp, n);
    return n;
}

/* The CPU's pointer to bus address `bus` of the ring. */
static void *cpu(uint64_t bus, size_t len)
{
    void *p = sim_dma_cpu_ptr(bus, len);

    assert_non_null(p);
    return p;
}

/*
 * A device without dma-coherent behind the cache model (sim_plat.h), with
 * and without INDIRECT_DESC and EVENT_IDX, over many turns of a 16-entry
 * ring: chains of one to four buffers, each filled by the CPU, echoed by
 * the device.  Byte-exact both ways (a missing clean leaves the device
 * the 0xa5 of the memory behind the cache, a missing invalidate leaves the
 * CPU its stale copy); and, call by call, the maintenance on the rings:
 * every descriptor (and indirect table) of a chain, its avail ring entry
 * and avail->idx cleaned before the device reads them; used->idx and the
 * used element invalidated before the driver reads them; every buffer
 * cleaned when posted and its written bytes invalidated on completion.
 */
static void test_cache_model_rings(void **state)
{
    static const uint64_t feats[4] = {0, F_IND, F_EVT, F_IND | F_EVT};
    struct vfix *fx = *state;
    struct sim_vq *sv;
    uint8_t *mem;
    unsigned f, round, i, k;

    sim_cache_model(true);
    vfix_create(fx, VFIX_DEV_ID, F_IND | F_EVT, 1, 256);
    fx->dev.dma_coherent = false;
    fx->sim->handler = echo_handler;
    mem = pool_alloc();
    for (f = 0; f < 4; f++) {
        assert_int_equal(vfix_up(fx, feats[f], 16, 4), 0);
        sv = &fx->sim->vq[0];
        for (round = 0; round < 12; round++) {
            unsigned nch = 1 + round % 4; /* chains this round */
            size_t mark = sim_cache_nops(), mark_done;
            uint8_t *out[4][2], *in[4][2];
            uint32_t olen[4][2], ilen[4][2];
            unsigned nout[4], nin[4];

            for (i = 0; i < nch; i++) {
                struct vq_buf b[4];
                uint8_t *slot = mem + (size_t)(round % 3 * 4 + i) * 1024;

                nout[i] = 1 + (i + round) % 2;
                nin[i] = 1 + (i + round / 2) % 2;
                for (k = 0; k < 2; k++) {
                    out[i][k] = slot + k * 256;
                    olen[i][k] = 40 + 8 * k + round;
                    in[i][k] = slot + 512 + k * 256;
                    ilen[i][k] = 24 + 40 * k;
                    for (unsigned j = 0; j < olen[i][k]; j++)
                        out[i][k][j] = (uint8_t)(round * 31 + i * 7 + k * 3 + j);
                    memset(in[i][k], 0x11, ilen[i][k]);
                }
                for (k = 0; k < nout[i]; k++)
                    b[k] = (struct vq_buf){out[i][k], olen[i][k]};
                for (k = 0; k < nin[i]; k++)
                    b[nout[i] + k] = (struct vq_buf){in[i][k], ilen[i][k]};
                assert_int_equal(virtqueue_add(fx->vq, b, nout[i], nin[i], TOK(i)), 0);
                for (k = 0; k < nout[i]; k++)
                    assert_true(sim_cache_covered(false, out[i][k], olen[i][k], mark));
                for (k = 0; k < nin[i]; k++) { /* cleaned (nothing dirty may land later), invalidated */
                    assert_true(sim_cache_covered(false, in[i][k], ilen[i][k], mark));
                    assert_true(sim_cache_covered(true, in[i][k], ilen[i][k], mark));
                }
            }
            /* the ring entries just published, and the index */
            for (i = 0; i < nch; i++) {
                uint16_t a = (uint16_t)(sv->last_avail + i);

                assert_true(sim_cache_covered(false, cpu(sv->avail + 4 + 2u * (a % sv->num), 2), 2, mark));
            }
            assert_true(sim_cache_covered(false, cpu(sv->avail + 2, 2), 2, mark));
            virtqueue_kick(fx->vq);
            assert_int_equal(sim_virtio_pop(fx->sim, 0), nch);
            /* every descriptor the device read (ring, and indirect tables) */
            for (i = 0; i < sv->npending; i++) {
                const struct sim_chain *c = &sv->pending[i];

                for (k = 0; k < c->ndesc; k++)
                    assert_true(sim_cache_covered(false, cpu(sv->desc + 16u * c->desc_ids[k], 16), 16, mark));
                if (c->indirect) { /* the table's address, from the head descriptor */
                    uint64_t tbl;

                    memcpy(&tbl, sim_dma_ptr(sv->desc + 16u * c->desc_ids[0], 16), 8);
                    assert_true(sim_cache_covered(false, cpu(tbl, c->ind_len), c->ind_len, mark));
                }
            }
            assert_int_equal(sim_virtio_complete(fx->sim, 0, ~0u), nch);
            mark_done = sim_cache_nops();
            for (i = 0; i < nch; i++) {
                uint32_t len = 0, want = 0, got = 0;
                uint16_t u = (uint16_t)(sv->used_idx - nch + i);

                assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(i));
                assert_true(sim_cache_covered(true, cpu(sv->used + 2, 2), 2, mark_done));
                assert_true(sim_cache_covered(true, cpu(sv->used + 4 + 8u * (u % sv->num), 8), 8, mark_done));
                for (k = 0; k < nout[i]; k++)
                    want += olen[i][k];
                for (k = 0; k < nin[i]; k++)
                    got += ilen[i][k];
                want = want < got ? want : got;
                assert_int_equal(len, want);
                /* the echo, byte for byte, in the CPU's view */
                {
                    uint8_t o[1024], w[1024];
                    uint32_t p = 0, q = 0;

                    for (k = 0; k < nout[i]; k++) {
                        memcpy(o + p, out[i][k], olen[i][k]);
                        p += olen[i][k];
                    }
                    for (k = 0; k < nin[i]; k++) {
                        memcpy(w + q, in[i][k], ilen[i][k]);
                        q += ilen[i][k];
                        assert_true(sim_cache_covered(true, in[i][k], ilen[i][k], mark_done));
                    }
                    for (k = 0; k < want; k++)
                        if (w[k] != (uint8_t)(o[k] + 1))
                            fail_msg("f %u round %u chain %u byte %u: %#x, want %#x", f, round, i, k, w[k],
                                     (uint8_t)(o[k] + 1));
                    for (; k < q; k++)
                        assert_int_equal(w[k], 0x11); /* beyond what the device wrote */
                }
            }
            assert_null(virtqueue_get_used(fx->vq, NULL));
            assert_int_equal(sim_cache_unsynced(), 0);
        }
        if (feats[f] & F_IND)
            assert_true(sv->indirect_chains > 0);
        virtio_dev_shutdown(&fx->dev);
    }
    assert_int_equal(fx->sim->violations, 0);
    assert_true(sim_cache_model_ok());
    plat_dma_free(mem, POOL);
}

/* One request through a 256-entry ring: posted, kicked (the kick wanted
 * or not), taken and completed by the device. */
static void one_request(struct vfix *fx, uint8_t *mem, unsigned i, bool kick_wanted)
{
    add_simple(fx, mem, i % 8, TOK(i));
    assert_int_equal(virtqueue_kick(fx->vq), kick_wanted);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 1);
    assert_int_equal(sim_virtio_complete(fx->sim, 0, ~0u), 1);
}

/*
 * Notification suppression through the cache model, on a 256-entry ring so
 * used_event and avail_event have cache lines of their own, with and
 * without EVENT_IDX: the driver's kick decisions read what the device
 * wrote (avail_event, used->flags: invalidated), the device's interrupt
 * decisions read what the driver wrote (used_event, avail->flags:
 * cleaned), and the callback and re-arm paths read a fresh used->idx.  A
 * missing clean or invalidate shows as a lost or extra kick or interrupt.
 */
static void test_cache_model_notify(void **state)
{
    static const uint64_t feats[2] = {0, F_EVT};
    struct vfix *fx = *state;
    struct sim_vq *sv;
    uint8_t *mem;
    unsigned f, i, raised, cbs;

    sim_cache_model(true);
    vfix_create(fx, VFIX_DEV_ID, F_EVT, 1, 256);
    fx->dev.dma_coherent = false;
    mem = pool_alloc();
    for (f = 0; f < 2; f++) {
        bool evt = feats[f] != 0;

        assert_int_equal(vfix_up(fx, feats[f], 256, 0), 0);
        sv = &fx->sim->vq[0];
        for (i = 0; i < 20; i++) {
            raised = sv->irqs_raised;
            cbs = fx->cb_calls;
            /* the device took everything: each batch wants a kick */
            one_request(fx, mem, i, true);
            /* callbacks on: an interrupt, and the callback finds the entry */
            assert_int_equal(sv->irqs_raised, raised + 1);
            sim_run_irqs();
            assert_int_equal(fx->cb_calls, cbs + 1);
            assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
        }
        /* the device wants no notification */
        if (evt)
            sim_virtio_set_avail_event(fx->sim, 0, (uint16_t)(sv->last_avail + 100));
        else
            sim_virtio_set_used_flags(fx->sim, 0, 1); /* VRING_USED_F_NO_NOTIFY */
        one_request(fx, mem, i, false);
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
        i++;
        sv->avail_event_fixed = false;
        sim_virtio_set_used_flags(fx->sim, 0, 0);
        one_request(fx, mem, i, !evt); /* EVENT_IDX: the stale avail_event still says no */
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
        i++;
        one_request(fx, mem, i, true);
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
        i++;
        /* callbacks off: without EVENT_IDX the device must see the flag */
        virtqueue_disable_cb(fx->vq);
        raised = sv->irqs_raised;
        one_request(fx, mem, i, true);
        if (!evt)
            assert_int_equal(sv->irqs_raised, raised);
        /* re-arming with an entry waiting says so; drained with callbacks
         * off (used_event untouched), re-armed: quiet, and used_event moved */
        assert_false(virtqueue_enable_cb(fx->vq));
        virtqueue_disable_cb(fx->vq);
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
        i++;
        assert_true(virtqueue_enable_cb(fx->vq));
        /* armed again: the next completion interrupts */
        sim_run_irqs();
        raised = sv->irqs_raised;
        one_request(fx, mem, i, true);
        assert_int_equal(sv->irqs_raised, raised + 1);
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
        sim_run_irqs();
        assert_int_equal(sim_cache_unsynced(), 0);
        virtio_dev_shutdown(&fx->dev);
    }
    assert_int_equal(fx->sim->violations, 0);
    assert_true(sim_cache_model_ok());
    plat_dma_free(mem, POOL);
}

/* The same traffic from a dma-coherent device: not one maintenance call. */
static void test_cache_coherent_none(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned i, round;

    vfix_create(fx, VFIX_DEV_ID, F_IND | F_EVT, 1, 256);
    fx->sim->handler = echo_handler;
    mem = pool_alloc();
    assert_int_equal(vfix_up(fx, F_IND | F_EVT, 16, 4), 0);
    for (round = 0; round < 12; round++) {
        for (i = 0; i < 3; i++)
            add_simple(fx, mem, i, TOK(i));
        virtqueue_kick(fx->vq);
        sim_virtio_process(fx->sim, 0);
        for (i = 0; i < 3; i++)
            assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    }
    virtio_dev_shutdown(&fx->dev);
    assert_int_equal(sim_cache_nops(), 0);
    plat_dma_free(mem, POOL);
}

/* ---- reset ------------------------------------------------------------------------- */

static void test_reset_cancels_tokens(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned i;

    up(fx, F_IND, 16, 4);
    mem = pool_alloc();
    for (i = 0; i < 5; i++)
        add_simple(fx, mem, i, TOK(i));
    virtqueue_kick(fx->vq);
    sim_virtio_pop(fx->sim, 0);
    sim_virtio_complete(fx->sim, 0, 2);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    /* The ring the device wrote and the descriptors posted are not zero now
     * (the CPU's view); the reset must zero them again (creation relies on plat_dma_alloc's
     * zeroes instead, a reset reuses the memory). */
    uint64_t desc_bus = fx->sim->vq[0].desc, used_bus = fx->sim->vq[0].used;
    const uint8_t *desc = sim_dma_cpu_ptr(desc_bus, 16u * 16), *used = sim_dma_cpu_ptr(used_bus, 4 + 8u * 16);
    static const uint8_t zeroes[16 * 16];
    assert_non_null(desc);
    assert_non_null(used);
    assert_memory_not_equal(desc, zeroes, 16u * 16);
    assert_memory_not_equal(used, zeroes, 4 + 8u * 16);
    /* device reset first (the ring contract), then the ring */
    assert_int_equal(fx->dev.ops->reset(&fx->dev), 0);
    virtqueue_reset(fx->vq, true, false);
    assert_memory_equal(desc, zeroes, 16u * 16);
    assert_memory_equal(used, zeroes, 4 + 8u * 16);
    assert_int_equal(fx->ncancel, 4); /* TOK(1) completed on the ring but unread */
    for (i = 0; i < 4; i++) {
        unsigned k;
        bool found = false;

        for (k = 0; k < 4; k++)
            found |= fx->cancelled[k] == TOK(i + 1);
        assert_true(found);
    }
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    {
        struct vq_stats st;

        virtqueue_get_stats(fx->vq, &st);
        assert_int_equal(st.cancelled, 4);
    }
    plat_dma_free(mem, POOL);
}

/* virtqueue_hold (what a re-initialisation does until DRIVER_OK): adds are
 * refused with VIRTIO_EBUSY and nothing reaches the ring, so no kick
 * notifies; released, the queue works as before. */
static void test_hold_refuses_adds(void **state)
{
    struct vfix *fx = *state;
    struct vq_buf b[2];
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    b[0] = (struct vq_buf){mem, 16};
    b[1] = (struct vq_buf){mem + 32, 32};
    unsigned before = fx->sim->vq[0].notifies;
    virtqueue_hold(fx->vq, true);
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, TOK(0)), VIRTIO_EBUSY);
    assert_false(virtqueue_kick(fx->vq));
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    assert_int_equal(fx->sim->vq[0].notifies, before);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 0);
    virtqueue_hold(fx->vq, false);
    add_simple(fx, mem, 0, TOK(1));
    assert_true(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, before + 1);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(1));
    plat_dma_free(mem, POOL);
}

/* A buffer added before the hold, its kick deferred: the kick while held
 * rings no doorbell; once released, the next kick does. */
static void test_hold_suppresses_kick(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    unsigned before = fx->sim->vq[0].notifies;
    add_simple(fx, mem, 0, TOK(2));
    virtqueue_hold(fx->vq, true);
    assert_false(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, before);
    virtqueue_hold(fx->vq, false);
    assert_true(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, before + 1);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(2));
    plat_dma_free(mem, POOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_need_event_table),
        cmocka_unit_test(test_need_event_definition),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_create_rejects),
        cmocka_unit_test(test_used_ring_lines),
        VFIX_TEST(test_direct_chain),
        VFIX_TEST(test_indirect_chain),
        VFIX_TEST(test_add_errors),
        VFIX_TEST(test_add_chain_over_4g),
        VFIX_TEST(test_batch_one_kick),
        VFIX_TEST(test_interrupt_callback_state),
        VFIX_TEST(test_interrupt_no_callback),
        VFIX_TEST(test_no_notify_flag),
        VFIX_TEST(test_event_idx_kick),
        VFIX_TEST(test_interrupt_suppression_flag),
        VFIX_TEST(test_event_idx_interrupts),
        VFIX_TEST(test_enable_cb_race_flags),
        VFIX_TEST(test_enable_cb_race_event_idx),
        VFIX_TEST(test_enable_cb_delayed),
        VFIX_TEST(test_used_bad_id),
        VFIX_TEST(test_used_id_equals_num),
        VFIX_TEST(test_used_not_head),
        VFIX_TEST(test_used_duplicate),
        VFIX_TEST(test_used_bad_len),
        VFIX_TEST(test_used_idx_jump),
        VFIX_TEST(test_wrap_direct),
        VFIX_TEST(test_wrap_indirect_event_idx),
        VFIX_TEST(test_scribble_direct),
        VFIX_TEST(test_scribble_indirect),
        VFIX_TEST(test_cache_ops_only_when_not_coherent),
        VFIX_TEST(test_cache_model_rings),
        VFIX_TEST(test_cache_model_notify),
        VFIX_TEST(test_cache_coherent_none),
        VFIX_TEST(test_reset_cancels_tokens),
        VFIX_TEST(test_hold_refuses_adds),
        VFIX_TEST(test_hold_suppresses_kick),
    };

    return cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);
}
