/*
 * test_virtqueue_packed.c - the packed virtqueue (drivers/virtio/
 * virtqueue_packed.c behind virtqueue.c): the wire layout, wrap-counter
 * helpers and descriptor-event test as pure functions; negotiation (modern
 * and dma-coherent only, refusable); then, against the simulated device's
 * packed mode (test/sim/sim_packed.c) with the memory-ordering model on,
 * the split suite's cases adapted: chains direct and indirect, out-of-order
 * completion, notification and interrupt suppression in both event forms,
 * the callback races, every device fault the ring can express (bad id, id
 * not an outstanding head, duplicate, bad length, wrap-counter faults, a
 * used descriptor with nothing outstanding) with recovery, wrap past the
 * ring size and past 2^15 and 2^16 counters, and a scribbling device.
 *
 * Device-facing tests run on the modern transport only (packed needs
 * VERSION_1): PTEST registers them once, as "/v2p".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sim_fixture.h"
#include "sim_packed.h"
#include "virtio/virtio.h"
#include "virtio/virtqueue.h"
#include "virtio/virtio_ring.h"

#define B(n) VIRTIO_BIT(n)
#define F_IND B(VIRTIO_F_INDIRECT_DESC)
#define F_EVT B(VIRTIO_F_EVENT_IDX)
#define F_PK B(VIRTIO_F_RING_PACKED)
#define POOL 65536u

#define PTEST(f) {#f "/v2p", f, vfix_setup, vfix_teardown, &vfix_v2}

#define TOK(i) ((void *)(uintptr_t)(0x1000 + (i)))

/* ---- helpers ---------------------------------------------------------------- */

struct rec {
    unsigned n;
    struct {
        unsigned nseg, n_out, n_in, ndesc;
        bool indirect;
        uint32_t out_bytes, in_bytes;
        uint16_t id;
    } c[64];
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
        r->c[r->n].ndesc = c->ndesc;
        r->c[r->n].indirect = c->indirect;
        r->c[r->n].out_bytes = c->out_bytes;
        r->c[r->n].in_bytes = c->in_bytes;
        r->c[r->n].id = c->head;
    }
    r->n++;
    for (i = 0; i < c->nseg; i++)
        if (c->seg[i].write)
            for (k = 0; k < c->seg[i].len; k++, w++)
                c->seg[i].p[k] = (uint8_t)(0xc0 + i);
    return w;
}

static uint8_t *pool_alloc(void)
{
    plat_busaddr_t bus;
    uint8_t *p = plat_dma_alloc(POOL, 4096, &bus);

    assert_non_null(p);
    return p;
}

/* A modern device offering the packed ring; one queue of `num`. */
static void up(struct vfix *fx, uint64_t features, uint16_t num, uint16_t max_ind)
{
    vfix_create(fx, VFIX_DEV_ID, features | F_PK, 1, 32768);
    assert_int_equal(vfix_up(fx, features, num, max_ind), 0);
    assert_true(virtio_has_feature(&fx->dev, VIRTIO_F_RING_PACKED));
    assert_true(virtqueue_is_packed(fx->vq));
    assert_true(sim_packed_on(fx->sim));
}

/* A 2-descriptor chain: 16 readable, 32 writable bytes. */
static void add_simple(struct vfix *fx, uint8_t *mem, unsigned slot, void *token)
{
    struct vq_buf b[2] = {{mem + slot * 64, 16}, {mem + slot * 64 + 32, 32}};

    assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, token), 0);
}

/* A 1-descriptor chain (32 writable bytes). */
static void add_one(struct vfix *fx, uint8_t *mem, unsigned slot, void *token)
{
    struct vq_buf b = {mem + slot * 64, 32};

    assert_int_equal(virtqueue_add(fx->vq, &b, 0, 1, token), 0);
}

static uint16_t desc_flags(struct vfix *fx, unsigned pos)
{
    const uint8_t *d = sim_packed_desc(fx->sim, 0, pos);

    return (uint16_t)(d[14] | d[15] << 8);
}

static uint16_t desc_id(struct vfix *fx, unsigned pos)
{
    const uint8_t *d = sim_packed_desc(fx->sim, 0, pos);

    return (uint16_t)(d[12] | d[13] << 8);
}

static void stats(struct vfix *fx, struct vq_stats *st)
{
    virtqueue_get_stats(fx->vq, st);
}

/* ---- pure functions ----------------------------------------------------------- */

static void test_packed_layout(void **state)
{
    static const unsigned nums[] = {1, 2, 16, 256, 32768};
    unsigned i;

    (void)state;
    /* 2.8.13 / 2.8.14, from the spec's numbers */
    assert_int_equal(sizeof(struct vring_packed_desc), 16);
    assert_int_equal(offsetof(struct vring_packed_desc, addr), 0);
    assert_int_equal(offsetof(struct vring_packed_desc, len), 8);
    assert_int_equal(offsetof(struct vring_packed_desc, id), 12);
    assert_int_equal(offsetof(struct vring_packed_desc, flags), 14);
    assert_int_equal(sizeof(struct vring_packed_event), 4);
    assert_int_equal(VRING_PACKED_DESC_F_AVAIL, 0x80);
    assert_int_equal(VRING_PACKED_DESC_F_USED, 0x8000);
    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        struct vring_packed_layout l;

        vring_packed_layout_compute(nums[i], &l);
        assert_int_equal(l.desc_off, 0);
        assert_int_equal(l.driver_off, 16u * nums[i]);
        assert_int_equal(l.device_off, 16u * nums[i] + 4);
        assert_int_equal(l.size, 16u * nums[i] + 8);
        assert_int_equal(l.driver_off % 4, 0);
    }
}

static void test_packed_wrap_helpers(void **state)
{
    (void)state;
    /* the wrap counter starts at 1 and flips after each lap (2.8.1) */
    assert_true(vring_packed_wrap(0, 16));
    assert_true(vring_packed_wrap(15, 16));
    assert_false(vring_packed_wrap(16, 16));
    assert_false(vring_packed_wrap(31, 16));
    assert_true(vring_packed_wrap(32, 16));
    assert_false(vring_packed_wrap(65535, 16)); /* lap 4095 */
    assert_true(vring_packed_wrap((uint16_t)(65535 + 1), 16));
    assert_int_equal(vring_packed_off_wrap(0, 16), 0x8000);
    assert_int_equal(vring_packed_off_wrap(17, 16), 1);
    assert_int_equal(vring_packed_off_wrap(33, 16), 0x8001);
    /* the largest ring: the counter's bit 15 is the lap parity, so the
     * wrap counter flips at 2^15 and comes back at 2^16 = 0 */
    assert_true(vring_packed_wrap(32767, 32768));
    assert_false(vring_packed_wrap(32768, 32768));
    assert_false(vring_packed_wrap(65535, 32768));
    assert_true(vring_packed_wrap((uint16_t)(65535 + 1), 32768));
    assert_int_equal(vring_packed_off_wrap(32768 + 5, 32768), 5);
    assert_int_equal(vring_packed_off_wrap(5, 32768), 0x8005);
}

static void test_packed_need_event_table(void **state)
{
    static const struct {
        uint16_t off_wrap, new_c, old_c;
        unsigned num;
        bool need;
    } t[] = {
        {0x8000, 1, 0, 16, true},    /* the first descriptor */
        {0x8000, 0, 0, 16, false},   /* nothing new */
        {0x8003, 3, 0, 16, false},   /* [0, 3) */
        {0x8003, 4, 0, 16, true},
        {0x0003, 4, 0, 16, false},   /* offset 3 but of the next lap */
        {0x0003, 20, 16, 16, true},  /* ... which is counter 19 */
        {0x8000, 33, 30, 16, true},  /* lap 2 (wrap 1 again): counter 32 */
        {0x0000, 33, 30, 16, false},
        {0x000f, 33, 30, 16, true},  /* counter 31: offset 15, wrap 0 */
        {0x7fff, 2, 65534, 32768, true},  /* counter 65535: offset 32767, wrap 0 */
        {0x8000, 2, 65534, 32768, true},  /* counter 0 after 2^16 */
        {0x8002, 2, 65534, 32768, false},
        {0x0000, 32769, 32767, 32768, true}, /* counter 32768: wrap flips at 2^15 */
        {0x8000, 32769, 32767, 32768, false},
    };
    unsigned i;

    (void)state;
    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        bool a = vring_packed_need_event(t[i].off_wrap, t[i].new_c, t[i].old_c, t[i].num);
        bool b = sim_packed_need_event(t[i].off_wrap, t[i].new_c, t[i].old_c, t[i].num);

        if (a != t[i].need || b != t[i].need)
            fail_msg("row %u: driver %d sim %d want %d", i, a, b, t[i].need);
    }
}

/* The driver's modulo test against the simulator's walk. */
static void test_packed_need_event_definition(void **state)
{
    static const unsigned nums[] = {1, 2, 8, 64, 1024, 32768};
    uint32_t seed = 4242;
    unsigned i;

    (void)state;
    for (i = 0; i < 100000; i++) {
        unsigned num = nums[i % 6];
        uint16_t old_c, new_c, off_wrap, span;

        seed = seed * 1103515245u + 12345u;
        old_c = (uint16_t)(seed >> 8);
        seed = seed * 1103515245u + 12345u;
        span = (uint16_t)((seed >> 8) % (2u * num < 300 ? 2u * num : 300u));
        new_c = (uint16_t)(old_c + span);
        seed = seed * 1103515245u + 12345u;
        off_wrap = (uint16_t)(((seed >> 8) % num) | ((seed >> 4) & 0x8000u));
        assert_int_equal(vring_packed_need_event(off_wrap, new_c, old_c, num),
                         sim_packed_need_event(off_wrap, new_c, old_c, num));
    }
}

static void noop_notify(void *arg, unsigned idx)
{
    (void)arg;
    (void)idx;
}

static void test_create_packed(void **state)
{
    struct vq_params p;
    struct virtqueue *vq = NULL;
    long n;

    (void)state;
    sim_plat_reset();
    memset(&p, 0, sizeof(p));
    p.notify = noop_notify;
    p.num = 16;
    p.packed = true;
    assert_int_equal(virtqueue_create(&p, &vq), VIRTIO_EINVAL); /* not coherent */
    p.dma_coherent = true;
    p.indirect = true;
    p.max_indirect = 8;
    for (n = 0; n < 3; n++) { /* self, ring, tables */
        sim_dma_fail_after(n);
        assert_int_equal(virtqueue_create(&p, &vq), VIRTIO_ENOMEM);
        assert_int_equal(sim_dma_live(), 0);
    }
    sim_dma_fail_after(-1);
    assert_int_equal(virtqueue_create(&p, &vq), 0);
    assert_true(virtqueue_is_packed(vq));
    assert_int_equal(virtqueue_num_free(vq), 16);
    assert_int_equal(virtqueue_desc_addr(vq) % 16, 0);
    assert_int_equal(virtqueue_avail_addr(vq), virtqueue_desc_addr(vq) + 16 * 16);
    assert_int_equal(virtqueue_used_addr(vq), virtqueue_desc_addr(vq) + 16 * 16 + 4);
    virtqueue_destroy(vq);
    assert_int_equal(sim_dma_live(), 0);
    assert_true(sim_plat_ok());
}

/* ---- negotiation ---------------------------------------------------------------- */

static void test_select_features_packed(void **state)
{
    struct virtio_feature_spec spec = {.supported = F_EVT};
    uint64_t acc;

    (void)state;
    /* modern: taken without being asked for */
    assert_int_equal(virtio_select_features(false, F_PK | F_EVT | B(32), &spec, &acc), 0);
    assert_int_equal(acc, F_PK | F_EVT | B(32));
    assert_int_equal(virtio_select_features(false, F_PK | B(32), NULL, &acc), 0);
    assert_int_equal(acc, F_PK | B(32));
    /* ... unless refused */
    spec.refused = F_PK;
    assert_int_equal(virtio_select_features(false, F_PK | F_EVT | B(32), &spec, &acc), 0);
    assert_int_equal(acc, F_EVT | B(32));
    /* legacy: beyond its 32 bits */
    spec.refused = 0;
    assert_int_equal(virtio_select_features(true, F_PK | F_EVT, &spec, &acc), 0);
    assert_int_equal(acc, F_EVT);
}

static void test_negotiate_modern_only(void **state)
{
    struct vfix *fx = *state;

    /* legacy: the feature does not exist (32 bits) */
    fx->version = 1;
    vfix_create(fx, VFIX_DEV_ID, F_PK, 1, 64);
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    assert_false(virtio_has_feature(&fx->dev, VIRTIO_F_RING_PACKED));
    assert_false(virtqueue_is_packed(fx->vq));
}

static void test_negotiate_default_on(void **state)
{
    struct vfix *fx = *state;

    /* no driver asks for it: the core takes it */
    up(fx, 0, 16, 0);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_RING_PACKED));
}

static void test_negotiate_refused(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, F_PK, 1, 64);
    fx->spec.refused = F_PK;
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    assert_false(virtio_has_feature(&fx->dev, VIRTIO_F_RING_PACKED));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_F_RING_PACKED));
    assert_false(virtqueue_is_packed(fx->vq));
}

static void test_negotiate_not_coherent(void **state)
{
    struct vfix *fx = *state;

    vfix_create(fx, VFIX_DEV_ID, F_PK, 1, 64);
    fx->dev.dma_coherent = false;
    assert_int_equal(vfix_up(fx, 0, 16, 0), 0);
    assert_false(virtio_has_feature(&fx->dev, VIRTIO_F_RING_PACKED));
    assert_false(virtqueue_is_packed(fx->vq));
}

/* The queues keep their format: a device that stops offering packed
 * cannot be re-initialised with the same queues. */
static void test_reinit_format_change(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem = pool_alloc();

    up(fx, 0, 16, 0);
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    assert_int_equal(virtio_dev_reinit(&fx->dev), 1); /* same features: fine */
    assert_int_equal(fx->ncancel, 1);
    add_simple(fx, mem, 0, TOK(1));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(1));
    fx->sim->dev_features &= ~F_PK;
    assert_int_equal(virtio_dev_reinit(&fx->dev), VIRTIO_ENOTSUP);
    assert_true(fx->dev.broken);
    assert_true(virtqueue_is_broken(fx->vq));
    plat_dma_free(mem, POOL);
}

/* ---- chains -------------------------------------------------------------------- */

static void test_direct_chain(void **state)
{
    struct vfix *fx = *state;
    struct rec r = {0};
    struct vq_stats st;
    uint8_t *mem;
    uint32_t len;
    unsigned k;

    up(fx, 0, 16, 0);
    fx->sim->handler = rec_handler;
    fx->sim->handler_arg = &r;
    mem = pool_alloc();
    memset(mem, 0x5a, 100);
    {
        struct vq_buf b[4] = {{mem, 10}, {mem + 10, 20}, {mem + 100, 30}, {mem + 200, 40}};

        assert_int_equal(virtqueue_add(fx->vq, b, 2, 2, TOK(1)), 0);
    }
    assert_int_equal(virtqueue_num_free(fx->vq), 12);
    assert_true(virtqueue_kick(fx->vq)); /* its barrier: the device sees the head's flags */
    /* four available descriptors (AVAIL = wrap 1, USED = 0), one id, the
     * last without NEXT */
    for (k = 0; k < 4; k++) {
        uint16_t f = desc_flags(fx, k);

        assert_int_equal(f & (VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED),
                         VRING_PACKED_DESC_F_AVAIL);
        assert_int_equal(!!(f & VRING_DESC_F_NEXT), k < 3);
        assert_int_equal(!!(f & VRING_DESC_F_WRITE), k >= 2);
        assert_int_equal(desc_id(fx, k), desc_id(fx, 0));
    }
    assert_int_equal(desc_flags(fx, 4), 0);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_int_equal(r.n, 1);
    assert_false(r.c[0].indirect);
    assert_int_equal(r.c[0].nseg, 4);
    assert_int_equal(r.c[0].ndesc, 4);
    assert_int_equal(r.c[0].n_out, 2);
    assert_int_equal(r.c[0].out_bytes, 30);
    assert_int_equal(r.c[0].in_bytes, 70);
    /* one used descriptor, over the chain's first (no WRITE, as QEMU) */
    assert_int_equal(desc_flags(fx, 0) & (VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED |
                                          VRING_DESC_F_WRITE),
                     VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED);
    assert_int_equal(fx->sim->vq[0].used_idx, 4);
    sim_run_irqs();
    assert_int_equal(fx->cb_calls, 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(1));
    assert_int_equal(len, 70);
    assert_int_equal(mem[100], 0xc2);
    assert_int_equal(mem[239], 0xc3);
    assert_null(virtqueue_get_used(fx->vq, &len));
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    stats(fx, &st);
    assert_int_equal(st.added, 1);
    assert_int_equal(st.completed, 1);
    assert_int_equal(st.kicks, 1);
    assert_int_equal(st.callbacks, 1);
    assert_false(st.broken);
    assert_int_equal(fx->sim->vq[0].stale_fetches, 0);
    plat_dma_free(mem, POOL);
}

static void test_indirect_chain(void **state)
{
    struct vfix *fx = *state;
    struct rec r = {0};
    struct vq_stats st;
    uint8_t *mem;
    uint32_t len;
    unsigned i;

    up(fx, F_IND, 8, 4);
    fx->sim->handler = rec_handler;
    fx->sim->handler_arg = &r;
    mem = pool_alloc();
    {
        struct vq_buf b3[3] = {{mem, 12}, {mem + 64, 8}, {mem + 128, 16}};
        struct vq_buf b1[1] = {{mem + 256, 24}};
        struct vq_buf b5[5] = {{mem + 512, 4}, {mem + 576, 4}, {mem + 640, 4}, {mem + 704, 4},
                               {mem + 768, 4}};

        assert_int_equal(virtqueue_add(fx->vq, b3, 1, 2, TOK(1)), 0); /* indirect */
        assert_int_equal(virtqueue_num_free(fx->vq), 7);
        assert_int_equal(virtqueue_add(fx->vq, b1, 0, 1, TOK(2)), 0); /* one: direct */
        assert_int_equal(virtqueue_add(fx->vq, b5, 5, 0, TOK(3)), 0); /* > max: direct */
        assert_int_equal(virtqueue_num_free(fx->vq), 1);
    }
    virtqueue_kick(fx->vq);
    assert_true(desc_flags(fx, 0) & VRING_DESC_F_INDIRECT);
    assert_false(desc_flags(fx, 0) & VRING_DESC_F_NEXT);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 3);
    assert_true(r.c[0].indirect);
    assert_int_equal(r.c[0].nseg, 3);
    assert_int_equal(r.c[0].ndesc, 1);
    assert_int_equal(r.c[0].in_bytes, 24);
    assert_false(r.c[1].indirect);
    assert_int_equal(r.c[2].ndesc, 5);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(1));
    assert_int_equal(len, 24);
    assert_int_equal(mem[64], 0xc1);
    assert_int_equal(mem[143], 0xc2);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(2));
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(3));
    assert_int_equal(len, 0); /* nothing writable: no WRITE in the used flags */
    assert_int_equal(virtqueue_num_free(fx->vq), 8);
    stats(fx, &st);
    assert_int_equal(st.added_indirect, 1);
    assert_int_equal(st.len_ignored, 0);
    /* a full ring of indirect chains, one descriptor each, across the end */
    {
        struct vq_buf b[4] = {{mem, 8}, {mem + 64, 8}, {mem + 128, 8}, {mem + 192, 8}};

        for (i = 0; i < 8; i++)
            assert_int_equal(virtqueue_add(fx->vq, b, 2, 2, TOK(10 + i)), 0);
        assert_int_equal(virtqueue_add(fx->vq, b, 2, 2, TOK(99)), VIRTIO_ENOSPC);
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_process(fx->sim, 0), 8);
        for (i = 0; i < 8; i++)
            assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(10 + i));
        assert_int_equal(fx->sim->vq[0].indirect_chains, 9);
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
    b[1].len = 0;
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 1, TOK(1)), VIRTIO_EINVAL);
    b[1].len = 8;
    assert_int_equal(virtqueue_add(fx->vq, b, 17, 0, TOK(1)), VIRTIO_E2BIG);
    assert_int_equal(virtqueue_add(fx->vq, b, 10, 10, TOK(1)), VIRTIO_E2BIG);
    for (i = 0; i < 16; i++)
        assert_int_equal(virtqueue_add(fx->vq, &b[i], 1, 0, TOK(i)), 0);
    assert_int_equal(virtqueue_add(fx->vq, b, 1, 0, TOK(99)), VIRTIO_ENOSPC);
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    for (i = 0; i < 16; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    /* a 16-element chain fills the empty ring exactly (second lap) */
    assert_int_equal(virtqueue_add(fx->vq, b, 8, 8, TOK(50)), 0);
    assert_int_equal(virtqueue_num_free(fx->vq), 0);
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(50));
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    plat_dma_free(mem, POOL);
}

/* Chains of different lengths completed in reverse: each used descriptor
 * lands at the device's next position; the driver steps by the reported
 * chain's own length, and the freed positions are reused while an earlier
 * chain is still outstanding. */
static void test_out_of_order(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    uint32_t len;
    unsigned round;

    up(fx, 0, 8, 0);
    mem = pool_alloc();
    for (round = 0; round < 50; round++) {
        struct vq_buf a[3] = {{mem, 8}, {mem + 64, 8}, {mem + 128, 16}};
        struct vq_buf b[1] = {{mem + 256, 8}};
        struct vq_buf c[4] = {{mem + 512, 8}, {mem + 576, 8}, {mem + 640, 8}, {mem + 704, 4}};

        assert_int_equal(virtqueue_add(fx->vq, a, 2, 1, TOK(1)), 0);
        assert_int_equal(virtqueue_add(fx->vq, b, 0, 1, TOK(2)), 0);
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_pop(fx->sim, 0), 2);
        assert_true(sim_virtio_complete_at(fx->sim, 0, 1)); /* TOK(2) first */
        assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(2));
        assert_int_equal(len, 8);
        assert_null(virtqueue_get_used(fx->vq, NULL)); /* 1 used desc, 1 skipped */
        assert_int_equal(virtqueue_num_free(fx->vq), 5);
        /* the freed descriptor's worth reused while TOK(1) is out */
        assert_int_equal(virtqueue_add(fx->vq, c, 3, 1, TOK(3)), 0);
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_pop(fx->sim, 0), 1);
        assert_true(sim_virtio_complete_at(fx->sim, 0, 1)); /* TOK(3) */
        assert_true(sim_virtio_complete_at(fx->sim, 0, 0)); /* TOK(1) */
        assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(3));
        assert_int_equal(len, 4);
        assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(1));
        assert_int_equal(len, 16);
        assert_null(virtqueue_get_used(fx->vq, NULL));
        assert_int_equal(virtqueue_num_free(fx->vq), 8);
    }
    assert_false(virtqueue_is_broken(fx->vq));
    plat_dma_free(mem, POOL);
}

/* ---- notifications --------------------------------------------------------------- */

static void test_batch_one_kick(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;
    unsigned i;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    for (i = 0; i < 5; i++)
        add_one(fx, mem, i, TOK(i));
    assert_true(virtqueue_kick(fx->vq));
    assert_false(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 5);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    for (i = 0; i < 5; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    stats(fx, &st);
    assert_int_equal(st.kicks, 1);
    plat_dma_free(mem, POOL);
}

/* Device event structure flags DISABLE / ENABLE (no EVENT_IDX). */
static void test_device_event_disable(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    sim_virtio_set_used_flags(fx->sim, 0, 1); /* -> RING_EVENT_FLAGS_DISABLE */
    add_simple(fx, mem, 0, TOK(0));
    assert_false(virtqueue_kick_prepare(fx->vq));
    add_simple(fx, mem, 1, TOK(1));
    assert_false(virtqueue_kick(fx->vq));
    assert_int_equal(fx->sim->vq[0].notifies, 0);
    sim_virtio_set_used_flags(fx->sim, 0, 0);
    add_simple(fx, mem, 2, TOK(2));
    assert_true(virtqueue_kick(fx->vq));
    stats(fx, &st);
    assert_int_equal(st.kicks_suppressed, 2);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 3);
    plat_dma_free(mem, POOL);
}

/* RING_EVENT_FLAGS_DESC: the device names a descriptor (offset + wrap). */
static void test_device_event_desc(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned i;

    up(fx, F_EVT, 8, 0);
    mem = pool_alloc();
    sim_virtio_set_avail_event(fx->sim, 0, 3); /* descriptor counter 3 */
    for (i = 0; i < 3; i++) {
        add_one(fx, mem, i, TOK(i));
        assert_false(virtqueue_kick_prepare(fx->vq));
    }
    add_one(fx, mem, 3, TOK(3)); /* makes descriptor 3 available */
    assert_true(virtqueue_kick_prepare(fx->vq));
    add_simple(fx, mem, 4, TOK(4)); /* 4, 5 */
    assert_false(virtqueue_kick_prepare(fx->vq));
    /* offset 1 in the second lap (wrap 0): counter 9 */
    sim_virtio_set_avail_event(fx->sim, 0, 9);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 5);
    for (i = 0; i < 5; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    add_simple(fx, mem, 5, TOK(5)); /* 6, 7 */
    assert_false(virtqueue_kick_prepare(fx->vq));
    add_one(fx, mem, 6, TOK(6)); /* 8 */
    assert_false(virtqueue_kick_prepare(fx->vq));
    add_simple(fx, mem, 7, TOK(7)); /* 9, 10: wraps to offset 1, wrap 0 */
    assert_true(virtqueue_kick(fx->vq));
    /* the device follows its position (default): the next one wants it */
    fx->sim->vq[0].avail_event_fixed = false;
    assert_int_equal(sim_virtio_process(fx->sim, 0), 3);
    for (i = 5; i < 8; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    add_one(fx, mem, 8, TOK(8));
    assert_true(virtqueue_kick(fx->vq));
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(8));
    plat_dma_free(mem, POOL);
}

/* ---- interrupts and callbacks ------------------------------------------------------ */

static void test_interrupt_disable_flag(void **state)
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
    assert_true(virtqueue_more_used(fx->vq));
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_false(virtqueue_more_used(fx->vq));
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

/* The driver event offset follows get_used (with its full barrier): the
 * device raises the interrupt exactly for the next used descriptor. */
static void test_driver_event_desc(void **state)
{
    struct vfix *fx = *state;
    struct sim_vq *sv;
    uint8_t *mem;
    unsigned i;

    up(fx, F_EVT, 16, 0);
    sv = &fx->sim->vq[0];
    mem = pool_alloc();
    for (i = 0; i < 4; i++)
        add_simple(fx, mem, i, TOK(i)); /* 2 descriptors each */
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 4);
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1); /* passes descriptor 0 */
    assert_int_equal(sv->irqs_raised, 1);
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1); /* 2: not read yet */
    assert_int_equal(sv->irqs_raised, 1);
    assert_int_equal(sv->irqs_suppressed, 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(1)); /* event at 4 */
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1);      /* 4 -> 6 */
    assert_int_equal(sv->irqs_raised, 2);
    /* callbacks off: DISABLE, even with EVENT_IDX */
    virtqueue_disable_cb(fx->vq);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(2));
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1);
    assert_int_equal(sv->irqs_raised, 2);
    sim_run_irqs();
    assert_int_equal(fx->cb_calls, 1);
    assert_false(virtqueue_enable_cb(fx->vq)); /* TOK(3) waiting */
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(3));
    assert_true(virtqueue_enable_cb(fx->vq));
    add_simple(fx, mem, 0, TOK(4));
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_int_equal(sv->irqs_raised, 3);
    plat_dma_free(mem, POOL);
}

/* The race: an entry completes between disable and enable. */
static void race(struct vfix *fx)
{
    uint8_t *mem = pool_alloc();

    virtqueue_disable_cb(fx->vq);
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    sim_run_irqs();
    assert_int_equal(fx->cb_calls, 0);
    assert_false(virtqueue_enable_cb(fx->vq));
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_true(virtqueue_enable_cb(fx->vq));
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
        add_one(fx, mem, i, TOK(i)); /* 8 descriptors in flight */
    virtqueue_kick(fx->vq);
    assert_true(virtqueue_enable_cb_delayed(fx->vq)); /* event at descriptor 6 */
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 8);
    for (i = 0; i < 6; i++)
        sim_virtio_complete(fx->sim, 0, 1);
    assert_int_equal(sv->irqs_raised, 0);
    sim_virtio_complete(fx->sim, 0, 1); /* 6 -> 7 */
    assert_int_equal(sv->irqs_raised, 1);
    sim_virtio_complete(fx->sim, 0, 1);
    assert_int_equal(sim_run_irqs(), 1);
    assert_int_equal(fx->cb_calls, 1);
    for (i = 0; i < 8; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    /* waiting beyond the mark: false */
    virtqueue_disable_cb(fx->vq);
    for (i = 0; i < 4; i++)
        add_one(fx, mem, i, TOK(i));
    virtqueue_kick(fx->vq);
    sim_virtio_process(fx->sim, 0);
    assert_false(virtqueue_enable_cb_delayed(fx->vq)); /* 4 waiting > 3 */
    for (i = 0; i < 4; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    /* a chain spanning the mark: 3 two-descriptor chains (6 in flight,
     * mark 4), the first two done (4 descriptors, not past it) */
    virtqueue_disable_cb(fx->vq);
    for (i = 0; i < 3; i++)
        add_simple(fx, mem, i, TOK(i));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 3);
    sim_virtio_complete(fx->sim, 0, 2);
    assert_true(virtqueue_enable_cb_delayed(fx->vq));
    sim_virtio_complete(fx->sim, 0, 1); /* passes descriptor 4 */
    assert_int_equal(sim_run_irqs(), 1);
    for (i = 0; i < 3; i++)
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    plat_dma_free(mem, POOL);
}

/* ---- device faults ---------------------------------------------------------------- */

/* After a fault: counted, sticky, nothing returned, nothing freed; a
 * re-initialisation hands every outstanding token back exactly once. */
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
    assert_true(virtqueue_is_packed(fx->vq));
    assert_int_equal(virtqueue_num_free(fx->vq), virtqueue_size(fx->vq));
    add_simple(fx, mem, 0, TOK(88));
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_process(fx->sim, 0), 1);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(88));
    fx->ncancel = 0;
    sim_log_clear();
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
    stats(fx, &st);
    assert_int_equal(st.bad_id, 1);
    assert_int_equal(st.completed, 0);
    assert_true(st.broken);
    check_broken_then_recover(fx, mem, 2);
    /* the largest id the field holds */
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 0xffff;
    sim_virtio_process(fx->sim, 0);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    stats(fx, &st);
    assert_int_equal(st.bad_id, 2);
    check_broken_then_recover(fx, mem, 1);
    plat_dma_free(mem, POOL);
}

/* A used id equal to the queue size, the first value out of range, over
 * every ring size from 1 to 256: bad_id (not something found one past the
 * shadow), nothing completed; after re-initialisation a full ring, ids up
 * to num - 1, accepted. */
static void test_used_id_equals_num(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned num, i;

    vfix_create(fx, VFIX_DEV_ID, F_PK, 1, 256);
    mem = pool_alloc();
    for (num = 1; num <= 256; num *= 2) {
        unsigned posted = num < 2 ? num : 2;
        struct vq_stats st;

        assert_int_equal(vfix_up(fx, 0, (uint16_t)num, 0), 0);
        assert_true(virtqueue_is_packed(fx->vq));
        for (i = 0; i < posted; i++)
            add_one(fx, mem, i, TOK(i));
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_pop(fx->sim, 0), posted);
        fx->sim->fault.used_id_force = true;
        fx->sim->fault.used_id = num;
        assert_int_equal(sim_virtio_complete(fx->sim, 0, ~0u), posted);
        assert_true(virtqueue_more_used(fx->vq));
        assert_null(virtqueue_get_used(fx->vq, NULL));
        stats(fx, &st);
        if (st.bad_id != 1 || st.not_head != 0 || st.dup != 0 || st.completed != 0)
            fail_msg("num %u: bad_id %u not_head %u dup %u completed %u", num, (unsigned)st.bad_id,
                     (unsigned)st.not_head, (unsigned)st.dup, (unsigned)st.completed);
        assert_int_equal(st.num_free, num - posted);
        assert_int_equal(virtio_dev_reinit(&fx->dev), 1);
        for (i = 0; i < num; i++)
            add_one(fx, mem, i % 64, TOK(100 + i));
        virtqueue_kick(fx->vq);
        assert_int_equal(sim_virtio_process(fx->sim, 0), num);
        for (i = 0; i < num; i++)
            assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(100 + i));
        virtio_dev_shutdown(&fx->dev);
    }
    plat_dma_free(mem, POOL);
}

static void test_used_not_head(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;
    uint16_t head;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0)); /* ids head and head's link */
    head = desc_id(fx, 0);
    virtqueue_kick(fx->vq);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 1);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = (uint16_t)(head + 1); /* the body's id (free list in order) */
    sim_virtio_complete(fx->sim, 0, 1);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    stats(fx, &st);
    assert_int_equal(st.not_head, 1);
    check_broken_then_recover(fx, mem, 1);
    /* an id that is not outstanding at all */
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 15;
    sim_virtio_process(fx->sim, 0);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    stats(fx, &st);
    assert_int_equal(st.not_head, 2);
    check_broken_then_recover(fx, mem, 1);
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
    sim_virtio_complete(fx->sim, 0, 1); /* TOK(0)'s id at 0 and again at 2 */
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_null(virtqueue_get_used(fx->vq, NULL));
    stats(fx, &st);
    assert_int_equal(st.dup, 1);
    assert_int_equal(st.completed, 1);
    check_broken_then_recover(fx, mem, 1);
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
    stats(fx, &st);
    assert_int_equal(st.bad_len, 1);
    check_broken_then_recover(fx, mem, 1);
    /* a length (with WRITE) on a chain with nothing writable */
    {
        struct vq_buf b = {mem, 8};

        assert_int_equal(virtqueue_add(fx->vq, &b, 1, 0, TOK(2)), 0);
    }
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 1;
    sim_virtio_process(fx->sim, 0);
    assert_null(virtqueue_get_used(fx->vq, &len));
    stats(fx, &st);
    assert_int_equal(st.bad_len, 2);
    check_broken_then_recover(fx, mem, 1);
    plat_dma_free(mem, POOL);
}

/* 2.8.4: a used descriptor without WRITE has a reserved length - one that
 * does not fit what was posted is ignored (and counted), not trusted; one
 * that fits is used, as QEMU writes the real length without WRITE. */
static void test_used_len_without_write(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;
    uint32_t len = 99;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    fx->sim->packed_used_write = true;
    fx->sim->fault.used_flags_xor = VRING_DESC_F_WRITE; /* clears it */
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 5000;
    sim_virtio_process(fx->sim, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(0));
    assert_int_equal(len, 0);
    stats(fx, &st);
    assert_int_equal(st.len_ignored, 1);
    assert_false(st.broken);
    /* QEMU's way: no WRITE, the real length */
    add_simple(fx, mem, 0, TOK(1));
    virtqueue_kick(fx->vq);
    fx->sim->packed_used_write = false;
    sim_virtio_process(fx->sim, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(1));
    assert_true(len > 0);
    stats(fx, &st);
    assert_int_equal(st.len_ignored, 1);
    /* the spec's way: WRITE with the length */
    add_simple(fx, mem, 0, TOK(2));
    virtqueue_kick(fx->vq);
    fx->sim->packed_used_write = true;
    sim_virtio_process(fx->sim, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, &len), TOK(2));
    assert_true(len > 0);
    assert_false(virtqueue_is_broken(fx->vq));
    plat_dma_free(mem, POOL);
}

/* The flags of the descriptor at last_used against the wrap counter. */
static void wrap_fault(struct vfix *fx, uint8_t *mem, uint16_t xor_bits, unsigned laps)
{
    struct vq_stats st;
    unsigned i;

    /* move into a later lap first (wrap counter 0 on odd laps) */
    for (i = 0; i < laps * 8; i++) {
        add_simple(fx, mem, 0, TOK(i));
        virtqueue_kick(fx->vq);
        sim_virtio_process(fx->sim, 0);
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    }
    add_simple(fx, mem, 0, TOK(0));
    add_simple(fx, mem, 1, TOK(1));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_flags_xor = xor_bits;
    sim_virtio_process(fx->sim, 0);
    assert_true(virtqueue_more_used(fx->vq)); /* something to look at */
    assert_null(virtqueue_get_used(fx->vq, NULL));
    stats(fx, &st);
    assert_int_equal(st.bad_wrap, 1);
    assert_int_equal(st.completed, laps * 8);
    check_broken_then_recover(fx, mem, 2);
}

static void test_used_wrap_avail_only(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    /* AVAIL flipped: AVAIL != USED, and not our own available pattern */
    wrap_fault(fx, mem, VRING_PACKED_DESC_F_AVAIL, 0);
    plat_dma_free(mem, POOL);
}

static void test_used_wrap_both_flipped(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    /* used with the previous lap's wrap counter, in the second lap */
    wrap_fault(fx, mem, VRING_PACKED_DESC_F_AVAIL | VRING_PACKED_DESC_F_USED, 1);
    plat_dma_free(mem, POOL);
}

/* USED alone flipped turns a used descriptor into the pattern of our own
 * available one: indistinguishable from a device that has not finished -
 * nothing returned, nothing broken, in any lap. */
static void test_used_wrap_used_only(void **state)
{
    struct vfix *fx = *state;
    uint8_t *mem;
    unsigned i;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    for (i = 0; i < 3 * 8; i++) { /* into the fourth lap (wrap counter 0) */
        add_simple(fx, mem, 0, TOK(i));
        virtqueue_kick(fx->vq);
        sim_virtio_process(fx->sim, 0);
        assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(i));
    }
    add_simple(fx, mem, 0, TOK(100));
    virtqueue_kick(fx->vq);
    fx->sim->fault.used_flags_xor = VRING_PACKED_DESC_F_USED;
    sim_virtio_process(fx->sim, 0);
    assert_false(virtqueue_more_used(fx->vq));
    assert_null(virtqueue_get_used(fx->vq, NULL));
    assert_false(virtqueue_is_broken(fx->vq));
    plat_dma_free(mem, POOL);
}

/* A used descriptor where nothing is outstanding (split: used->idx jumped). */
static void test_used_nothing_outstanding(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint8_t *mem;

    up(fx, 0, 16, 0);
    mem = pool_alloc();
    add_simple(fx, mem, 0, TOK(0));
    virtqueue_kick(fx->vq);
    fx->sim->fault.idx_jump = 1; /* one more used descriptor behind it */
    sim_virtio_process(fx->sim, 0);
    assert_ptr_equal(virtqueue_get_used(fx->vq, NULL), TOK(0));
    assert_true(virtqueue_more_used(fx->vq));
    assert_null(virtqueue_get_used(fx->vq, NULL));
    stats(fx, &st);
    assert_int_equal(st.idx_jump, 1);
    check_broken_then_recover(fx, mem, 0);
    plat_dma_free(mem, POOL);
}

/* ---- wrap -------------------------------------------------------------------------- */

/* total requests of 1..3 descriptors (a pattern, so chains straddle the
 * ring's end), in batches, completed in order. */
static void run_many(struct vfix *fx, unsigned total, unsigned batch, unsigned max_ind,
                     uint32_t *descs)
{
    uint8_t *mem = pool_alloc();
    unsigned posted = 0, done = 0, batches = 0, i;
    uint32_t ndesc = 0;
    struct vq_stats st;

    while (done < total) {
        unsigned n = batch;

        if (n > total - posted)
            n = total - posted;
        for (i = 0; i < n; i++) {
            unsigned k = 1 + (posted * 7 + posted / 5) % 3;
            struct vq_buf b[3] = {{mem + (i * 128) % POOL, 8},
                                  {mem + (i * 128 + 16) % POOL, 8},
                                  {mem + (i * 128 + 64) % POOL, 24}};
            struct vq_buf *p = &b[3 - k];

            assert_int_equal(virtqueue_add(fx->vq, p, k - 1, 1, TOK(posted)), 0);
            posted++;
            ndesc += k > 1 && k <= max_ind ? 1u : k; /* indirect: one ring descriptor */
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
    stats(fx, &st);
    assert_int_equal(st.completed, total);
    assert_int_equal(st.num_free, virtqueue_size(fx->vq));
    assert_int_equal(st.kicks, batches);
    assert_int_equal(fx->cb_calls, batches);
    assert_int_equal(fx->sim->vq[0].popped, total);
    assert_int_equal(fx->sim->vq[0].used_idx, (uint16_t)ndesc);
    assert_int_equal(fx->sim->vq[0].last_avail, (uint16_t)ndesc);
    assert_int_equal(fx->sim->vq[0].stale_fetches, 0);
    *descs = ndesc;
    plat_dma_free(mem, POOL);
}

#define WRAP_REQS 70000u

static void test_wrap_direct(void **state)
{
    struct vfix *fx = *state;
    uint32_t d;

    up(fx, 0, 16, 0);
    run_many(fx, WRAP_REQS, 5, 0, &d); /* up to 15 of 16 descriptors in flight */
    assert_true(d > 65536u);        /* the u16 counters went round */
}

static void test_wrap_indirect_event_idx(void **state)
{
    struct vfix *fx = *state;
    struct vq_stats st;
    uint32_t d;

    up(fx, F_IND | F_EVT, 8, 4);
    run_many(fx, WRAP_REQS, 8, 4, &d);
    stats(fx, &st);
    assert_true(st.added_indirect > WRAP_REQS / 2);
    assert_true(d > 65536u);
}

/* The largest ring: the wrap counter flips at counter 2^15, the counter
 * itself wraps at 2^16 - both crossed with chains straddling the end. */
static void test_wrap_max_ring(void **state)
{
    struct vfix *fx = *state;
    uint32_t d;

    up(fx, F_EVT, 32768, 0);
    assert_int_equal(virtqueue_size(fx->vq), 32768);
    run_many(fx, 40000, 1000, 0, &d);
    assert_true(d > 65536u); /* past 2^15 and 2^16 */
}

/* ---- scribbling device ---------------------------------------------------------------- */

/* The device overwrites addr, len and id of descriptors it consumed (and
 * indirect tables) and completes out of order: the driver frees from its
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

    up(fx, F_IND, 32, 3);
    scribble_run(fx);
}

/* ---- reset ------------------------------------------------------------------------------- */

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
    assert_int_equal(fx->dev.ops->reset(&fx->dev), 0);
    virtqueue_reset(fx->vq, true, false);
    assert_int_equal(fx->ncancel, 4);
    assert_int_equal(virtqueue_num_free(fx->vq), 16);
    assert_null(virtqueue_get_used(fx->vq, NULL));
    assert_false(virtqueue_more_used(fx->vq));
    plat_dma_free(mem, POOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_layout),
        cmocka_unit_test(test_packed_wrap_helpers),
        cmocka_unit_test(test_packed_need_event_table),
        cmocka_unit_test(test_packed_need_event_definition),
        cmocka_unit_test(test_create_packed),
        cmocka_unit_test(test_select_features_packed),
        PTEST(test_negotiate_modern_only),
        PTEST(test_negotiate_default_on),
        PTEST(test_negotiate_refused),
        PTEST(test_negotiate_not_coherent),
        PTEST(test_reinit_format_change),
        PTEST(test_direct_chain),
        PTEST(test_indirect_chain),
        PTEST(test_add_errors),
        PTEST(test_out_of_order),
        PTEST(test_batch_one_kick),
        PTEST(test_device_event_disable),
        PTEST(test_device_event_desc),
        PTEST(test_interrupt_disable_flag),
        PTEST(test_driver_event_desc),
        PTEST(test_enable_cb_race_flags),
        PTEST(test_enable_cb_race_event_idx),
        PTEST(test_enable_cb_delayed),
        PTEST(test_used_bad_id),
        PTEST(test_used_id_equals_num),
        PTEST(test_used_not_head),
        PTEST(test_used_duplicate),
        PTEST(test_used_bad_len),
        PTEST(test_used_len_without_write),
        PTEST(test_used_wrap_avail_only),
        PTEST(test_used_wrap_both_flipped),
        PTEST(test_used_wrap_used_only),
        PTEST(test_used_nothing_outstanding),
        PTEST(test_wrap_direct),
        PTEST(test_wrap_indirect_event_idx),
        PTEST(test_wrap_max_ring),
        PTEST(test_scribble_direct),
        PTEST(test_scribble_indirect),
        PTEST(test_reset_cancels_tokens),
    };

    return cmocka_run_group_tests_name("virtqueue_packed", tests, NULL, NULL);
}
