/*
 * test_virtio_blk.c - the virtio-blk driver (drivers/virtio/virtio_blk.c)
 * against the simulated device with the blk model (test/sim/sim_blk.c), in
 * both transport versions: config reading, request layout (header, data
 * segments split at size_max, seg_max, indirect tables), the size limit,
 * range checks, requests completing out of order, status handling, read-only
 * devices, FLUSH, the synchronous helpers (splitting, data integrity,
 * timeouts, recovery from DEVICE_NEEDS_RESET), cancellation, full queues,
 * init failures; a device without an interrupt (VIRTIO_NO_IRQ) run by
 * polling; a device without dma-coherent behind the simulated cache
 * (sim_cache_model): data, headers and status bytes maintained, byte-exact
 * both ways; and a coherent device that gets no maintenance at all.
 * GET_ID (the serial: layout, no NUL, junk bytes, UNSUPP, short and
 * hostile lengths), DISCARD and WRITE_ZEROES (layout, the segment, limits
 * from the config and their validation, splitting, refusals, device
 * errors, hostile lengths).
 *
 * The teardown checks for every test: no protocol violation seen by the
 * simulated device, no platform misuse (lock recursion, bad DMA addresses),
 * no DMA memory leaked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_blk.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"

#define B(n) VIRTIO_BIT(n)
#define F_SIZE_MAX B(VIRTIO_BLK_F_SIZE_MAX)
#define F_SEG_MAX B(VIRTIO_BLK_F_SEG_MAX)
#define F_GEOMETRY B(VIRTIO_BLK_F_GEOMETRY)
#define F_RO B(VIRTIO_BLK_F_RO)
#define F_BLK_SIZE B(VIRTIO_BLK_F_BLK_SIZE)
#define F_FLUSH B(VIRTIO_BLK_F_FLUSH)
#define F_DISCARD B(VIRTIO_BLK_F_DISCARD)
#define F_WZ B(VIRTIO_BLK_F_WRITE_ZEROES)
#define F_IND B(VIRTIO_F_INDIRECT_DESC)
#define F_EVT B(VIRTIO_F_EVENT_IDX)
#define SEC VIRTIO_BLK_SECTOR
#define MEM_SIZE ((1u << 20) + 64u * 1024u)
#define MAX_DONE 256
#define MS 1000000ull

struct bfix {
    uint32_t version;
    bool packed; /* "/v2p": the device also offers VIRTIO_F_RING_PACKED */
    struct sim_virtio *sim;
    struct sim_blk *model;
    struct virtio_blk blk;
    bool inited;
    bool allow_violations;
    uint8_t *mem; /* DMA data buffers */
    unsigned ndone;
    struct virtio_blk_req *done_req[MAX_DONE];
    int done_res[MAX_DONE];
    /* time hook scenario */
    unsigned hook_calls;
    unsigned reset_at;   /* raise DEVICE_NEEDS_RESET at this hook call (0: never) */
    unsigned serve_from; /* process the queue from this hook call on (0: never) */
    /* resubmission from the completion callback */
    struct virtio_blk_req chain[8];
    unsigned chain_next, chain_len;
};

static uint32_t v1 = 1, v2 = 2, v2p = 2; /* v2p: modern, packed ring offered */

static int bsetup(void **state)
{
    struct bfix *fx = calloc(1, sizeof(*fx));

    if (!fx)
        return -1;
    sim_plat_reset();
    fx->version = *(uint32_t *)*state;
    fx->packed = *state == (void *)&v2p;
    *state = fx;
    return 0;
}

static int bteardown(void **state)
{
    struct bfix *fx = *state;
    bool allow = fx->allow_violations;
    unsigned violations = 0;
    bool clean;

    if (fx->inited)
        virtio_blk_shutdown(&fx->blk);
    if (fx->mem)
        plat_dma_free(fx->mem, MEM_SIZE);
    if (fx->sim) {
        violations = fx->sim->violations;
        if (violations && !allow)
            fprintf(stderr, "sim violation: %s\n", fx->sim->last_violation);
        sim_virtio_destroy(fx->sim);
    }
    sim_blk_destroy(fx->model);
    clean = sim_plat_finish();
    free(fx);
    if ((violations && !allow) || !clean)
        return -1;
    return 0;
}

#define BLK_TEST(f)                                                                   \
    {#f "/v1", f, bsetup, bteardown, &v1},                                            \
    {#f "/v2", f, bsetup, bteardown, &v2},                                            \
    {                                                                                 \
        #f "/v2p", f, bsetup, bteardown, &v2p                                         \
    }

/* Create the simulated device + model (nothing initialised yet). */
static void create(struct bfix *fx, uint64_t features, const struct sim_blk_config *cfg, uint32_t num_max)
{
    plat_busaddr_t bus;

    if (fx->version != 1)
        features |= B(VIRTIO_F_VERSION_1);
    else
        features &= 0xffffffffull;
    if (fx->packed)
        features |= B(VIRTIO_F_RING_PACKED);
    fx->sim = sim_virtio_create(fx->version, VIRTIO_ID_BLOCK, features, 1, num_max);
    fx->model = sim_blk_create(fx->sim, cfg);
    fx->mem = plat_dma_alloc(MEM_SIZE, 4096, &bus);
    assert_non_null(fx->mem);
}

static struct bfix *up(void **state, uint64_t features, const struct sim_blk_config *cfg, uint32_t num_max)
{
    struct bfix *fx = *state;

    create(fx, features, cfg, num_max);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);
    fx->inited = true;
    return fx;
}

static const struct sim_blk_config cfg_small = {.capacity = 4096}; /* 2 MiB */

static void rec_done(struct virtio_blk_req *r, int result)
{
    struct bfix *fx = r->arg;

    if (fx->ndone < MAX_DONE) {
        fx->done_req[fx->ndone] = r;
        fx->done_res[fx->ndone] = result;
    }
    fx->ndone++;
}

static struct virtio_blk_req req(struct bfix *fx, uint32_t type, uint64_t sector, void *buf, uint32_t len)
{
    struct virtio_blk_req r = {.type = type, .sector = sector, .buf = buf, .len = len, .done = rec_done, .arg = fx};

    return r;
}

static uint32_t added(struct bfix *fx)
{
    struct vq_stats st;

    virtqueue_get_stats(fx->blk.vq, &st);
    return st.added;
}

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)((i * 131u + seed * 7u + (i >> 9)) ^ (seed >> 3));
}

/* Device: pop and complete everything, then deliver the interrupt. */
static void serve(struct bfix *fx)
{
    sim_virtio_process(fx->sim, 0);
    sim_run_irqs();
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- config ------------------------------------------------------------------ */

static void test_config_all_fields(void **state)
{
    struct bfix *fx = *state;
    struct sim_blk_config cfg = {.capacity = 64, .size_max = 8192, .seg_max = 17, .blk_size = 4096};
    const struct virtio_blk_info *in;

    create(fx, F_SIZE_MAX | F_SEG_MAX | F_BLK_SIZE | F_RO | F_FLUSH | F_GEOMETRY, &cfg, 128);
    /* A capacity above 32 bits: both halves must be read (the disk behind
     * it stays small; nothing here touches it). */
    put_le(fx->sim->config + VIRTIO_BLK_CFG_CAPACITY, 0x0000000123456789ull, 8);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);
    fx->inited = true;
    in = virtio_blk_info(&fx->blk);
    assert_true(in->capacity == 0x0000000123456789ull);
    assert_int_equal(in->blk_size, 4096);
    assert_int_equal(in->size_max, 8192);
    assert_int_equal(in->seg_max, 17);
    assert_true(in->read_only);
    assert_true(in->flush);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_BLK_F_RO));
    assert_true(sim_virtio_has(fx->sim, VIRTIO_BLK_F_FLUSH));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_BLK_F_GEOMETRY)); /* not implemented */
    /* 17 segments of 8 KiB, no indirect, ring of 128 */
    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 17u * 8192u / SEC);
}

static void test_config_none_offered(void **state)
{
    struct sim_blk_config cfg = {.capacity = 1000, .size_max = 4096, .seg_max = 9, .blk_size = 4096};
    struct bfix *fx = up(state, 0, &cfg, 128);
    const struct virtio_blk_info *in = virtio_blk_info(&fx->blk);

    /* Fields of features not offered are not used, whatever they hold. */
    assert_int_equal(in->capacity, 1000);
    assert_int_equal(in->blk_size, 512);
    assert_int_equal(in->size_max, 0);
    assert_int_equal(in->seg_max, 1);
    assert_false(in->read_only);
    assert_false(in->flush);
    assert_int_equal(virtio_blk_max_sectors(&fx->blk), VIRTIO_BLK_MAX_REQ_BYTES / SEC);
    assert_int_equal(fx->sim->status & 0x0f, (fx->version == 1 ? 0x07 : 0x0f));
}

static void test_config_untrusted_values(void **state)
{
    /* blk_size not a power of two and size_max below a sector. */
    struct sim_blk_config cfg = {.capacity = 64, .size_max = 100, .seg_max = 0, .blk_size = 1000};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX | F_BLK_SIZE, &cfg, 64);
    const struct virtio_blk_info *in = virtio_blk_info(&fx->blk);

    assert_int_equal(in->blk_size, 512);
    assert_int_equal(in->size_max, 512);
    assert_int_equal(in->seg_max, 1); /* 0 means one segment */
    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 1);
}

/* ---- request layout ------------------------------------------------------------ */

static void test_read_layout(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    fill_pattern(sim_blk_sector(fx->model, 7), SEC, 7);
    memset(fx->mem, 0xee, SEC);
    r = req(fx, VIRTIO_BLK_T_IN, 7, fx->mem, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    assert_int_equal(fx->ndone, 0);
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    serve(fx);
    assert_int_equal(fx->ndone, 1);
    assert_ptr_equal(fx->done_req[0], &r);
    assert_int_equal(fx->done_res[0], 0);
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 7), SEC);

    assert_int_equal(fx->model->nrec, 1);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->type, SIM_BLK_T_IN);
    assert_int_equal(rec->reserved, 0);
    assert_int_equal(rec->sector, 7);
    assert_int_equal(rec->nseg, 3);
    assert_int_equal(rec->n_out, 1);
    assert_int_equal(rec->n_in, 2);
    assert_false(rec->indirect);
    assert_true(rec->hdr_alone);    /* header readable, first */
    assert_false(rec->seg_write[0]);
    assert_int_equal(rec->seg_len[1], SEC);
    assert_true(rec->seg_write[1]); /* data writable for IN */
    assert_true(rec->status_alone); /* status writable, last */
    assert_true(rec->seg_write[2]);
    assert_int_equal(rec->data_len, SEC);
    assert_int_equal(rec->used_len, SEC + 1);
    assert_int_equal(fx->blk.stats.reads, 1);
    assert_int_equal(fx->blk.stats.completed, 1);
    assert_int_equal(fx->blk.stats.bad_len, 0);
    assert_int_equal(fx->blk.ninflight, 0);
}

static void test_write_layout(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    fill_pattern(fx->mem, 2 * SEC, 99);
    r = req(fx, VIRTIO_BLK_T_OUT, 4094, fx->mem, 2 * SEC); /* the last two sectors */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->ndone, 1);
    assert_int_equal(fx->done_res[0], 0);
    assert_memory_equal(sim_blk_sector(fx->model, 4094), fx->mem, 2 * SEC);

    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->type, SIM_BLK_T_OUT);
    assert_int_equal(rec->sector, 4094);
    assert_int_equal(rec->nseg, 3);
    assert_int_equal(rec->n_out, 2); /* header + data readable */
    assert_int_equal(rec->n_in, 1);  /* status only */
    assert_true(rec->hdr_alone);
    assert_false(rec->seg_write[1]);
    assert_int_equal(rec->seg_len[1], 2 * SEC);
    assert_true(rec->status_alone);
    assert_int_equal(rec->used_len, 1);
    assert_int_equal(fx->model->out_extra_writable, 0);
    assert_int_equal(fx->blk.stats.writes, 1);
    assert_int_equal(fx->blk.stats.bad_len, 0);
}

static void test_segments_split_at_size_max(void **state)
{
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 1024, .seg_max = 4};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX, &cfg, 64);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;
    unsigned i;

    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 8);

    /* 8 sectors: exactly seg_max segments of size_max */
    fill_pattern(fx->mem, 8 * SEC, 3);
    r = req(fx, VIRTIO_BLK_T_OUT, 100, fx->mem, 8 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->nseg, 6);
    assert_int_equal(rec->data_segs, 4);
    for (i = 1; i <= 4; i++) {
        assert_int_equal(rec->seg_len[i], 1024);
        assert_false(rec->seg_write[i]);
    }
    assert_memory_equal(sim_blk_sector(fx->model, 100), fx->mem, 8 * SEC);

    /* 3 sectors: 1024 + 512, read back */
    memset(fx->mem, 0, 3 * SEC);
    r = req(fx, VIRTIO_BLK_T_IN, 101, fx->mem, 3 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->done_res[1], 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->nseg, 4);
    assert_int_equal(rec->seg_len[1], 1024);
    assert_int_equal(rec->seg_len[2], 512);
    assert_true(rec->seg_write[1]);
    assert_true(rec->seg_write[2]);
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 101), 3 * SEC);

    /* 9 sectors: beyond the limit, nothing posted */
    r = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, 9 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
    assert_int_equal(added(fx), 2);
    assert_int_equal(fx->model->nrec, 2);
    assert_int_equal(fx->ndone, 2);
}

static void test_size_max_not_sector_multiple(void **state)
{
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 1000, .seg_max = 4};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX, &cfg, 64);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 7); /* 4000 bytes -> 7 whole sectors */
    fill_pattern(fx->mem, 7 * SEC, 5);
    r = req(fx, VIRTIO_BLK_T_OUT, 0, fx->mem, 7 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->data_segs, 4);
    assert_int_equal(rec->seg_len[1], 1000);
    assert_int_equal(rec->seg_len[2], 1000);
    assert_int_equal(rec->seg_len[3], 1000);
    assert_int_equal(rec->seg_len[4], 7 * SEC - 3000);
    assert_int_equal(rec->max_data_seg, 1000);
    assert_memory_equal(sim_blk_sector(fx->model, 0), fx->mem, 7 * SEC);
}

static void test_seg_max_without_size_max(void **state)
{
    struct sim_blk_config cfg = {.capacity = 4096, .seg_max = 2};
    struct bfix *fx = up(state, F_SEG_MAX, &cfg, 64);
    uint32_t max = virtio_blk_max_sectors(&fx->blk);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    /* No size_max: one segment, up to the driver's own cap. */
    assert_int_equal(max, VIRTIO_BLK_MAX_REQ_BYTES / SEC);
    fill_pattern(fx->mem, (size_t)max * SEC, 11);
    r = req(fx, VIRTIO_BLK_T_OUT, 10, fx->mem, max * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->nseg, 3);
    assert_int_equal(rec->seg_len[1], max * SEC);
    assert_memory_equal(sim_blk_sector(fx->model, 10), fx->mem, (size_t)max * SEC);

    r = req(fx, VIRTIO_BLK_T_OUT, 10, fx->mem, (max + 1) * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
    assert_int_equal(added(fx), 1);
}

static void test_indirect_when_negotiated(void **state)
{
    /* 62 data segments + header + status = the simulator's 64-segment cap */
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 512, .seg_max = 62};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX | F_IND, &cfg, 64);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;
    unsigned i;

    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_INDIRECT_DESC));
    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 62);
    fill_pattern(sim_blk_sector(fx->model, 1000), 62 * SEC, 21);
    r = req(fx, VIRTIO_BLK_T_IN, 1000, fx->mem, 62 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    assert_int_equal(virtqueue_num_free(fx->blk.vq), 63); /* one descriptor in the ring */
    serve(fx);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_true(rec->indirect);
    assert_int_equal(rec->nseg, 64);
    assert_int_equal(rec->n_out, 1);
    assert_int_equal(rec->n_in, 63);
    assert_true(rec->hdr_alone);
    assert_true(rec->status_alone);
    for (i = 1; i <= 62; i++) {
        assert_int_equal(rec->seg_len[i], 512);
        assert_true(rec->seg_write[i]);
    }
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 1000), 62 * SEC);
    assert_int_equal(fx->sim->vq[0].indirect_chains, 1);
    assert_int_equal(fx->sim->vq[0].direct_chains, 0);

    r = req(fx, VIRTIO_BLK_T_IN, 1000, fx->mem, 63 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
}

static void test_indirect_chain_limited_by_queue_size(void **state)
{
    /* An indirect chain may not be longer than the queue either (2.7.5.3.1):
     * with a ring of 8, 6 data segments, in one ring descriptor. */
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 512, .seg_max = 62};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX | F_IND, &cfg, 8);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 6);
    r = req(fx, VIRTIO_BLK_T_OUT, 0, fx->mem, 6 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    assert_int_equal(virtqueue_num_free(fx->blk.vq), 7);
    serve(fx);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_true(rec->indirect);
    assert_int_equal(rec->nseg, 8);
    r = req(fx, VIRTIO_BLK_T_OUT, 0, fx->mem, 7 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
    assert_int_equal(added(fx), 1);
}

static void test_direct_chain_fits_ring(void **state)
{
    /* Same device without INDIRECT_DESC: the chain must fit the 8-entry ring. */
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 512, .seg_max = 62};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX, &cfg, 8);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    assert_false(sim_virtio_has(fx->sim, VIRTIO_F_INDIRECT_DESC));
    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 6);
    r = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, 6 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    assert_int_equal(virtqueue_num_free(fx->blk.vq), 0);
    serve(fx);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_false(rec->indirect);
    assert_int_equal(rec->nseg, 8);
    assert_int_equal(rec->data_segs, 6);
    r = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, 7 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
}

static void test_driver_cap_on_request_size(void **state)
{
    /* 64 x 64 KiB would be 4 MiB: the driver's own 1 MiB cap applies. */
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 65536, .seg_max = 64};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX | F_IND, &cfg, 64);
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    assert_int_equal(virtio_blk_max_sectors(&fx->blk), VIRTIO_BLK_MAX_REQ_BYTES / SEC);
    r = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, VIRTIO_BLK_MAX_REQ_BYTES);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->data_segs, VIRTIO_BLK_MAX_REQ_BYTES / 65536);
    assert_int_equal(rec->max_data_seg, 65536);
    r = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, VIRTIO_BLK_MAX_REQ_BYTES + SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
}

static void test_bad_requests(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r;

    r = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, 100); /* not a sector multiple */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, 0);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_OUT, 0, NULL, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, 8 /* GET_ID: its buffer is 20 bytes, not 512 */, 0, fx->mem, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_submit(&fx->blk, NULL), VIRTIO_EINVAL);
    assert_int_equal(added(fx), 0);
    assert_int_equal(fx->ndone, 0);
    assert_int_equal(fx->sim->vq[0].notifies, 0);
}

/* ---- range checks ---------------------------------------------------------------- */

static void test_range_checks(void **state)
{
    struct sim_blk_config cfg = {.capacity = 100};
    struct bfix *fx = up(state, 0, &cfg, 64);
    struct virtio_blk_req r;
    struct virtio_blk_wait w = {NULL, NULL, 0};

    fx->sim->auto_process = true;
    r = req(fx, VIRTIO_BLK_T_IN, 99, fx->mem, SEC); /* the last sector: fine */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    sim_run_irqs();
    assert_int_equal(fx->done_res[0], 0);

    r = req(fx, VIRTIO_BLK_T_IN, 99, fx->mem, 2 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_OUT, 100, fx->mem, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_IN, UINT64_MAX, fx->mem, SEC); /* sector + n overflows */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_IN, UINT64_MAX - 1, fx->mem, 4 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    assert_int_equal(fx->blk.stats.refused_range, 4);

    /* The synchronous helper checks the whole transfer up front: nothing of
     * a transfer that ends past the disk is written. */
    assert_int_equal(virtio_blk_write(&fx->blk, 90, fx->mem, 11, &w), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_read(&fx->blk, 101, fx->mem, 0, &w), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_read(&fx->blk, 100, fx->mem, 0, &w), 0); /* empty, at the end */
    assert_int_equal(added(fx), 1);
    assert_int_equal(fx->model->nrec, 1);
    assert_int_equal(fx->model->ioerr_range, 0);
}

/* A 4096-byte logical block (blk_size): the protocol's unit stays 512
 * bytes, but a device fails a transfer that does not cover whole blocks
 * (QEMU answers IOERR, as the simulated device does here).  Such a request
 * is refused before it reaches the device, and the synchronous helpers cut
 * an aligned transfer into aligned pieces, even where size_max * seg_max
 * (4.5 KiB here) is not a whole number of blocks. */
static void test_block_size_alignment(void **state)
{
    struct sim_blk_config cfg = {.capacity = 256, .size_max = 1536, .seg_max = 3, .blk_size = 4096};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX | F_BLK_SIZE, &cfg, 64);
    struct virtio_blk_req r;
    struct virtio_blk_wait w = {NULL, NULL, 0};
    uint8_t *out = fx->mem, *in = fx->mem + 64 * SEC;

    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_info(&fx->blk)->blk_size, 4096);
    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 8); /* 9 would split 16 into 9 + 7 */

    r = req(fx, VIRTIO_BLK_T_IN, 1, fx->mem, 8 * SEC); /* starts inside a block */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_OUT, 8, fx->mem, SEC); /* ends inside one */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_read(&fx->blk, 3, in, 8, &w), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_write(&fx->blk, 16, out, 12, &w), VIRTIO_EINVAL);
    assert_int_equal(fx->blk.stats.refused_align, 4);
    assert_int_equal(fx->model->nrec, 0); /* none reached the device */

    fill_pattern(out, 32 * SEC, 4096);
    assert_int_equal(virtio_blk_write(&fx->blk, 64, out, 32, &w), 0);
    memset(in, 0, 32 * SEC);
    assert_int_equal(virtio_blk_read(&fx->blk, 64, in, 32, &w), 0);
    assert_memory_equal(in, out, 32 * SEC);
    assert_int_equal(fx->model->nrec, 8); /* 4 writes and 4 reads of one block each */
    for (unsigned k = 0; k < fx->model->nrec; k++) {
        assert_int_equal(fx->model->rec[k].sector % 8, 0);
        assert_int_equal(fx->model->rec[k].data_len, 8 * SEC);
    }
    assert_int_equal(fx->model->ioerr_align, 0);
    assert_int_equal(fx->blk.stats.errors_io, 0);
}

/* ---- several in flight, out of order ------------------------------------------------ */

static void test_out_of_order_completion(void **state)
{
    struct bfix *fx = up(state, F_IND | F_EVT, &cfg_small, 64);
    struct virtio_blk_req r[4];
    static const unsigned order[4] = {2, 0, 3, 1};
    unsigned i;

    for (i = 0; i < 4; i++) {
        fill_pattern(sim_blk_sector(fx->model, 10 * i), 2 * SEC, 40 + i);
        r[i] = req(fx, VIRTIO_BLK_T_IN, 10 * i, fx->mem + i * 4096, 2 * SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
    }
    assert_int_equal(fx->blk.ninflight, 4);
    assert_int_equal(fx->blk.stats.max_inflight, 4);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 4);
    /* complete pending[k] by original index: translate as entries leave */
    {
        unsigned pend[4] = {0, 1, 2, 3}, npend = 4;

        for (i = 0; i < 4; i++) {
            unsigned k;

            for (k = 0; k < npend && pend[k] != order[i]; k++)
                ;
            assert_true(k < npend);
            assert_true(sim_virtio_complete_at(fx->sim, 0, k));
            memmove(&pend[k], &pend[k + 1], (npend - k - 1) * sizeof(pend[0]));
            npend--;
            sim_run_irqs();
            assert_int_equal(fx->ndone, i + 1);
            assert_ptr_equal(fx->done_req[i], &r[order[i]]);
            assert_int_equal(fx->done_res[i], 0);
            assert_int_equal(fx->blk.ninflight, 3 - i);
        }
    }
    for (i = 0; i < 4; i++)
        assert_memory_equal(fx->mem + i * 4096, sim_blk_sector(fx->model, 10 * i), 2 * SEC);
    assert_int_equal(fx->blk.stats.completed, 4);
}

/* virtio_blk_queue publishes without a notify; one virtio_blk_kick covers
 * the batch, and the device then holds all of it at once. */
static void test_queue_then_one_kick(void **state)
{
    struct bfix *fx = up(state, F_IND | F_EVT, &cfg_small, 64);
    struct virtio_blk_req r[4];
    unsigned i;

    for (i = 0; i < 4; i++) {
        r[i] = req(fx, VIRTIO_BLK_T_IN, 10 * i, fx->mem + i * 4096, 2 * SEC);
        assert_int_equal(virtio_blk_queue(&fx->blk, &r[i]), 0);
    }
    assert_int_equal(fx->sim->vq[0].notifies, 0);
    assert_int_equal(fx->blk.ninflight, 4);
    virtio_blk_kick(&fx->blk);
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    virtio_blk_kick(&fx->blk); /* nothing new: no second notify */
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 4);
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 4), 4);
    sim_run_irqs();
    assert_int_equal(fx->ndone, 4);
    assert_int_equal(fx->blk.stats.max_inflight, 4);
}

static void chain_done(struct virtio_blk_req *r, int result)
{
    struct bfix *fx = r->arg;

    rec_done(r, result);
    if (fx->chain_next < fx->chain_len) {
        struct virtio_blk_req *n = &fx->chain[fx->chain_next++];

        /* From the completion callback (interrupt context): submit the next. */
        assert_int_equal(virtio_blk_submit(&fx->blk, n), 0);
    }
}

static void test_submit_from_callback(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    unsigned i;

    fx->chain_len = 6;
    for (i = 0; i < fx->chain_len; i++) {
        fx->chain[i] = req(fx, VIRTIO_BLK_T_OUT, i, fx->mem + i * SEC, SEC);
        fx->chain[i].done = chain_done;
        fill_pattern(fx->mem + i * SEC, SEC, 60 + i);
    }
    fx->sim->auto_process = true;
    sim_irq_set_sync(true);
    fx->chain_next = 1;
    assert_int_equal(virtio_blk_submit(&fx->blk, &fx->chain[0]), 0);
    sim_irq_set_sync(false);
    assert_int_equal(fx->ndone, 6);
    for (i = 0; i < 6; i++) {
        assert_ptr_equal(fx->done_req[i], &fx->chain[i]);
        assert_int_equal(fx->done_res[i], 0);
    }
    assert_memory_equal(sim_blk_sector(fx->model, 0), fx->mem, 6 * SEC);
    assert_int_equal(fx->blk.ninflight, 0);
    assert_int_equal(sim_plat_errors()->lock_recursion, 0);
}

/* ---- status handling ----------------------------------------------------------------- */

static void test_status_values(void **state)
{
    static const struct {
        int inject;
        int result;
    } t[] = {
        {SIM_BLK_STATUS_AUTO, 0},
        {SIM_BLK_S_IOERR, VIRTIO_EIO},
        {SIM_BLK_S_UNSUPP, VIRTIO_ENOTSUP},
        {SIM_BLK_NO_STATUS, VIRTIO_EIO},
        {0x7f, VIRTIO_EIO},
        {0x03, VIRTIO_EIO},
        {0xff, VIRTIO_EIO},
    };
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r;
    unsigned i;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        fx->model->next_status = t[i].inject;
        r = req(fx, i % 2 ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, i, fx->mem, SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
        serve(fx);
        assert_int_equal(fx->ndone, i + 1);
        assert_int_equal(fx->done_res[i], t[i].result);
    }
    assert_int_equal(fx->blk.stats.completed, 7);
    assert_int_equal(fx->blk.stats.errors_io, 1);
    assert_int_equal(fx->blk.stats.errors_unsupp, 1);
    assert_int_equal(fx->blk.stats.bad_status, 4); /* unwritten + 3 garbage */
    assert_int_equal(fx->blk.stats.bad_len, 1);    /* the unwritten status: len short by 1 */
    assert_int_equal(fx->blk.ninflight, 0);
}

/* Legacy interface (5.2.6, Legacy Interface: Device Operation): "transitional
 * drivers SHOULD ignore the used length values" - "some devices put the total
 * descriptor length, or the total length of device-writable buffers there,
 * even when only the status byte was actually written" (older QEMU pushed
 * qiov.size + 1: data + 1 for a write).  Such a length is more than the writable
 * bytes of the chain: on a legacy device it is counted (bad_len), never
 * used, and the request completes with its status byte; the queue stays up.
 * A modern device gets no such leniency (the ring refuses the length). */
static void test_legacy_used_len_ignored(void **state)
{
    static const struct {
        uint32_t type, len;
    } t[] = {
        {VIRTIO_BLK_T_OUT, SEC + 1},      /* older QEMU: data + status on a write */
        {VIRTIO_BLK_T_OUT, 16 + SEC + 1}, /* the total descriptor length */
        {VIRTIO_BLK_T_IN, 16 + SEC + 1},
    };
    static struct virtio_blk_req r[3]; /* outlive a failed assertion (teardown cancels) */
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    unsigned i;

    if (fx->version != 1)
        return;
    for (i = 0; i < 3; i++) {
        r[i] = req(fx, t[i].type, i, fx->mem, SEC);
        fx->sim->fault.used_len_force = true;
        fx->sim->fault.used_len = t[i].len;
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
        serve(fx);
        assert_false(virtqueue_is_broken(fx->blk.vq));
        assert_int_equal(fx->ndone, i + 1);
        assert_int_equal(fx->done_res[i], 0);
    }
    assert_int_equal(fx->blk.stats.bad_len, 3);
    assert_int_equal(fx->blk.stats.completed, 3);
    assert_int_equal(fx->blk.stats.cancelled, 0);
    assert_int_equal(fx->blk.dev.stats.reinits, 0);
    {
        struct vq_stats st;

        virtqueue_get_stats(fx->blk.vq, &st);
        assert_int_equal(st.len_ignored, 3);
        assert_int_equal(st.bad_len, 0);
    }
    assert_int_equal(fx->model->writes, 2);
    assert_int_equal(fx->model->reads, 1);
}

static void test_device_ioerr_past_capacity(void **state)
{
    /* A device whose capacity shrank behind the driver's back: the driver's
     * check passes (stale capacity), the device answers IOERR. */
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r;

    fx->model->cfg.capacity = 10;
    r = req(fx, VIRTIO_BLK_T_IN, 10, fx->mem, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->done_res[0], VIRTIO_EIO);
    assert_int_equal(fx->model->ioerr_range, 1);
    assert_int_equal(fx->blk.stats.errors_io, 1);
}

/* ---- read-only ----------------------------------------------------------------------- */

static void test_read_only(void **state)
{
    struct sim_blk_config cfg = {.capacity = 64, .read_only = true};
    struct bfix *fx = up(state, F_RO, &cfg, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    struct virtio_blk_req r;

    assert_true(virtio_blk_info(&fx->blk)->read_only);
    assert_true(sim_virtio_has(fx->sim, VIRTIO_BLK_F_RO));
    r = req(fx, VIRTIO_BLK_T_OUT, 0, fx->mem, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EROFS);
    assert_int_equal(virtio_blk_write(&fx->blk, 0, fx->mem, 1, &w), VIRTIO_EROFS);
    assert_int_equal(fx->blk.stats.refused_ro, 2);
    assert_int_equal(added(fx), 0);
    assert_int_equal(fx->sim->vq[0].notifies, 0);
    assert_int_equal(fx->model->writes, 0);
    assert_int_equal(fx->ndone, 0);

    /* Reads still work. */
    fill_pattern(sim_blk_sector(fx->model, 3), SEC, 3);
    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_read(&fx->blk, 3, fx->mem, 1, &w), 0);
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 3), SEC);
}

/* ---- flush ------------------------------------------------------------------------------ */

static void test_flush_negotiated(void **state)
{
    struct bfix *fx = up(state, F_FLUSH, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    struct virtio_blk_req r;
    const struct sim_blk_rec *rec;

    assert_true(virtio_blk_info(&fx->blk)->flush);
    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_flush(&fx->blk, &w), 0);
    assert_int_equal(fx->model->flushes, 1);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->type, SIM_BLK_T_FLUSH);
    assert_int_equal(rec->sector, 0);
    assert_int_equal(rec->nseg, 2); /* header + status, no data */
    assert_int_equal(rec->n_out, 1);
    assert_int_equal(rec->n_in, 1);
    assert_int_equal(fx->blk.stats.flushes, 1);

    /* An asynchronous FLUSH with stray buf/len/sector still carries no data. */
    fx->sim->auto_process = false;
    r = req(fx, VIRTIO_BLK_T_FLUSH, 55, fx->mem, 4 * SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    assert_int_equal(fx->ndone, 0); /* waits for the device */
    serve(fx);
    assert_int_equal(fx->ndone, 1);
    assert_int_equal(fx->done_res[0], 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->nseg, 2);
    assert_int_equal(rec->sector, 0);
    assert_int_equal(fx->model->flush_with_data, 0);
    assert_int_equal(fx->model->flush_nonzero_sector, 0);

    /* A device error on flush reaches the caller. */
    fx->sim->auto_process = true;
    fx->model->next_status = SIM_BLK_S_IOERR;
    assert_int_equal(virtio_blk_flush(&fx->blk, &w), VIRTIO_EIO);
}

static void test_flush_not_negotiated(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    struct virtio_blk_req r;

    assert_false(virtio_blk_info(&fx->blk)->flush);
    assert_int_equal(virtio_blk_flush(&fx->blk, &w), 0);
    r = req(fx, VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    assert_int_equal(fx->ndone, 1); /* completed inside submit */
    assert_int_equal(fx->done_res[0], 0);
    assert_int_equal(added(fx), 0);
    assert_int_equal(fx->model->flushes, 0);
    assert_int_equal(fx->sim->vq[0].notifies, 0);
}

/* ---- synchronous helpers --------------------------------------------------------------------- */

static void test_sync_split_and_integrity(void **state)
{
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 512, .seg_max = 4};
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX, &cfg, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    uint8_t *out = fx->mem, *in = fx->mem + 16 * SEC;

    assert_int_equal(virtio_blk_max_sectors(&fx->blk), 4);
    fx->sim->auto_process = true;
    fill_pattern(out, 10 * SEC, 77);
    assert_int_equal(virtio_blk_write(&fx->blk, 200, out, 10, &w), 0);
    assert_int_equal(fx->model->nrec, 3);
    assert_int_equal(fx->model->rec[0].sector, 200);
    assert_int_equal(fx->model->rec[0].data_len, 4 * SEC);
    assert_int_equal(fx->model->rec[1].sector, 204);
    assert_int_equal(fx->model->rec[1].data_len, 4 * SEC);
    assert_int_equal(fx->model->rec[2].sector, 208);
    assert_int_equal(fx->model->rec[2].data_len, 2 * SEC);
    assert_memory_equal(sim_blk_sector(fx->model, 200), out, 10 * SEC);
    assert_int_equal(*sim_blk_sector(fx->model, 210), 0); /* nothing beyond */

    memset(in, 0, 10 * SEC);
    assert_int_equal(virtio_blk_read(&fx->blk, 200, in, 10, &w), 0);
    assert_int_equal(fx->model->nrec, 6);
    assert_int_equal(fx->model->rec[5].type, SIM_BLK_T_IN);
    assert_int_equal(fx->model->rec[5].sector, 208);
    assert_memory_equal(in, out, 10 * SEC);
    assert_int_equal(fx->blk.stats.reads, 3);
    assert_int_equal(fx->blk.stats.writes, 3);
}

static void test_sync_integrity_large(void **state)
{
    struct bfix *fx = up(state, F_SIZE_MAX | F_SEG_MAX | F_IND | F_EVT,
                         &(struct sim_blk_config){.capacity = 4096, .size_max = 4096, .seg_max = 16}, 32);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    uint8_t *out = fx->mem, *in = fx->mem + 512 * 1024;
    unsigned k;

    fx->sim->auto_process = true;
    /* odd sizes and offsets across the 128-sector request limit */
    static const struct {
        uint64_t sector;
        uint32_t count;
    } t[] = {{0, 1}, {1, 127}, {128, 128}, {300, 129}, {1000, 513}, {4095, 1}};
    for (k = 0; k < sizeof(t) / sizeof(t[0]); k++) {
        fill_pattern(out, (size_t)t[k].count * SEC, 1000 + k);
        assert_int_equal(virtio_blk_write(&fx->blk, t[k].sector, out, t[k].count, &w), 0);
        memset(in, 0xcc, (size_t)t[k].count * SEC);
        assert_int_equal(virtio_blk_read(&fx->blk, t[k].sector, in, t[k].count, &w), 0);
        assert_memory_equal(in, out, (size_t)t[k].count * SEC);
        assert_memory_equal(sim_blk_sector(fx->model, t[k].sector), out, (size_t)t[k].count * SEC);
    }
    /* 513 sectors: 5 requests of at most 128 */
    assert_int_equal(fx->blk.stats.writes, 1 + 1 + 1 + 2 + 5 + 1);
}

static void test_sync_timeout_then_late_completion(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 1 * MS};
    unsigned i;

    fill_pattern(sim_blk_sector(fx->model, 5), SEC, 5);
    /* The device never answers: ETIMEDOUT, the request stays posted. */
    assert_int_equal(virtio_blk_read(&fx->blk, 5, fx->mem, 1, &w), VIRTIO_ETIMEDOUT);
    assert_int_equal(fx->blk.stats.sync_timeouts, 1);
    assert_int_equal(fx->blk.ninflight, 1);
    /* The buffer is the device's until then; not its neighbours. */
    assert_true(virtio_blk_holds(&fx->blk, fx->mem, SEC));
    assert_true(virtio_blk_holds(&fx->blk, fx->mem - 8, 9));
    assert_false(virtio_blk_holds(&fx->blk, fx->mem - 8, 8));
    assert_false(virtio_blk_holds(&fx->blk, fx->mem + SEC, SEC));
    assert_false(virtio_blk_holds(&fx->blk, fx->mem, 0));
    /* It completes late: the driver-owned record absorbs it. */
    serve(fx);
    assert_false(virtio_blk_holds(&fx->blk, fx->mem, SEC));
    assert_int_equal(fx->blk.ninflight, 0);
    assert_int_equal(fx->blk.stats.sync_abandoned_done, 1);
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 5), SEC);

    /* Every sync record abandoned: the next helper waits for one and, none
     * freeing in time, times out with nothing posted. */
    for (i = 0; i < VIRTIO_BLK_SYNC_SLOTS; i++)
        assert_int_equal(virtio_blk_read(&fx->blk, i, fx->mem + (i + 1) * SEC, 1, &w), VIRTIO_ETIMEDOUT);
    assert_int_equal(fx->blk.stats.sync_slot_waits, 0);
    assert_int_equal(virtio_blk_read(&fx->blk, 0, fx->mem, 1, &w), VIRTIO_ETIMEDOUT);
    assert_int_equal(fx->blk.stats.sync_slot_waits, 1);
    assert_int_equal(added(fx), 1 + VIRTIO_BLK_SYNC_SLOTS);
    serve(fx);
    assert_int_equal(fx->blk.stats.sync_abandoned_done, 1 + VIRTIO_BLK_SYNC_SLOTS);
    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_read(&fx->blk, 5, fx->mem, 1, &w), 0);
}

/* A buffer the device may still write is held whatever part of it the
 * caller asks about: a range that starts inside the request's data, not
 * only one that contains its first byte. */
static void test_holds_any_overlap(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 1 * MS};

    assert_int_equal(virtio_blk_read(&fx->blk, 5, fx->mem, 4, &w), VIRTIO_ETIMEDOUT);
    assert_true(virtio_blk_holds(&fx->blk, fx->mem + 3 * SEC, SEC));
    assert_true(virtio_blk_holds(&fx->blk, fx->mem + 4 * SEC - 1, 1));
    assert_true(virtio_blk_holds(&fx->blk, fx->mem + SEC, 8 * SEC));
    assert_false(virtio_blk_holds(&fx->blk, fx->mem + 4 * SEC, SEC));
    serve(fx);
    assert_false(virtio_blk_holds(&fx->blk, fx->mem + 3 * SEC, SEC));
}

static void reset_hook(void *arg)
{
    struct bfix *fx = arg;

    fx->hook_calls++;
    if (fx->hook_calls == fx->reset_at) {
        sim_virtio_set_needs_reset(fx->sim);
        sim_run_irqs();
    }
    if (fx->serve_from && fx->hook_calls >= fx->serve_from)
        serve(fx);
}

static void test_sync_survives_needs_reset(void **state)
{
    struct bfix *fx = up(state, F_IND, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};

    fill_pattern(sim_blk_sector(fx->model, 33), 4 * SEC, 33);
    fx->reset_at = 3;
    fx->serve_from = 6;
    sim_time_set_hook(reset_hook, fx);
    assert_int_equal(virtio_blk_read(&fx->blk, 33, fx->mem, 4, &w), 0);
    sim_time_set_hook(NULL, NULL);
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 33), 4 * SEC);
    assert_int_equal(fx->blk.dev.stats.reinits, 1);
    assert_int_equal(fx->blk.stats.cancelled, 1);
    assert_int_equal(fx->blk.stats.sync_retries, 1);
    assert_int_equal(fx->blk.stats.reads, 2);
    assert_int_equal(fx->model->reads, 1); /* the first never reached the device */
    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_INDIRECT_DESC));
}

/* A sync call whose request the device answers with a value the ring
 * refuses: the queue breaks, the driver resets the device at once (not
 * after a timeout) and posts the request again, which then works. */
static void test_broken_queue_recovers_sync(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    unsigned long reads0;

    fill_pattern(sim_blk_sector(fx->model, 3), SEC, 3);
    /* The device claims more bytes written than the request had room for
     * (once): the ring refuses the entry and breaks the queue.  A legacy
     * device's used length is ignored (test_legacy_used_len_ignored): it
     * names a buffer id out of range instead. */
    fx->sim->auto_process = true;
    if (fx->version == 1) {
        fx->sim->fault.used_id_force = true;
        fx->sim->fault.used_id = 1000;
    } else {
        fx->sim->fault.used_len_force = true;
        fx->sim->fault.used_len = SEC + 2;
    }
    reads0 = sim_time_reads();
    assert_int_equal(virtio_blk_read(&fx->blk, 3, fx->mem, 1, &w), 0);
    assert_true(sim_time_reads() - reads0 < 10); /* not after a 10 s timeout */
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 3), SEC);
    assert_false(virtqueue_is_broken(fx->blk.vq));
    assert_int_equal(fx->blk.dev.stats.queue_faults, 1);
    assert_int_equal(fx->blk.dev.stats.reinits, 1);
    assert_int_equal(fx->blk.stats.sync_retries, 1);
    assert_int_equal(fx->blk.stats.cancelled, 1);
    assert_int_equal(fx->sim->resets, 2); /* init, recovery */
    fx->allow_violations = true; /* the device's wrong length is its violation */
}

/* Asynchronous requests in flight when the device breaks the queue: each
 * completes once, VIRTIO_ECANCELED, at the check; later requests work. */
static void test_broken_queue_recovers_async(void **state)
{
    struct bfix *fx = up(state, F_EVT, &cfg_small, 64);
    struct virtio_blk_req r[3], r2;
    unsigned i;

    for (i = 0; i < 3; i++) {
        r[i] = req(fx, VIRTIO_BLK_T_IN, i, fx->mem + i * SEC, SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
    }
    assert_int_equal(sim_virtio_pop(fx->sim, 0), 3);
    fx->sim->fault.used_id_force = true;
    fx->sim->fault.used_id = 9999; /* out of range */
    assert_int_equal(sim_virtio_complete(fx->sim, 0, 1), 1);
    sim_run_irqs();
    assert_true(virtqueue_is_broken(fx->blk.vq));
    assert_int_equal(fx->ndone, 0); /* nothing completes from a broken ring */
    r2 = req(fx, VIRTIO_BLK_T_IN, 7, fx->mem + 4 * SEC, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r2), VIRTIO_EIO);

    assert_int_equal(virtio_blk_check(&fx->blk), 1);
    assert_int_equal(fx->ndone, 3);
    for (i = 0; i < 3; i++)
        assert_int_equal(fx->done_res[i], VIRTIO_ECANCELED);
    assert_int_equal(virtio_blk_check(&fx->blk), 0); /* nothing more to do */
    assert_int_equal(fx->ndone, 3);                  /* once each */

    fill_pattern(sim_blk_sector(fx->model, 7), SEC, 7);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r2), 0);
    serve(fx);
    assert_int_equal(fx->ndone, 4);
    assert_int_equal(fx->done_res[3], 0);
    assert_memory_equal(fx->mem + 4 * SEC, sim_blk_sector(fx->model, 7), SEC);
    fx->allow_violations = true;
}

/* A resize: the config interrupt re-reads the capacity, and requests are
 * checked against the new one. */
static void test_config_change_rereads_capacity(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    uint64_t cap = fx->blk.info.capacity;

    assert_true(cap > 8);
    fx->sim->auto_process = true;
    /* shrink: the config field changes, then the interrupt */
    {
        uint64_t v = cap / 2;

        memcpy(&fx->sim->config[VIRTIO_BLK_CFG_CAPACITY], &v, 8);
    }
    sim_virtio_config_changed(fx->sim);
    sim_run_irqs();
    assert_int_equal(fx->blk.stats.config_changes, 1);
    assert_int_equal(fx->blk.info.capacity, cap / 2);
    assert_int_equal(virtio_blk_read(&fx->blk, cap / 2, fx->mem, 1, &w), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_read(&fx->blk, cap / 2 - 1, fx->mem, 1, &w), 0);
}

/* Every request slot taken by asynchronous requests: a synchronous read
 * waits for one to free (the device completes them meanwhile) instead of
 * failing with VIRTIO_ENOSPC. */
static void slot_hook(void *arg)
{
    struct bfix *fx = arg;

    if (++fx->hook_calls >= 20) /* the device gets going a while later */
        serve(fx);
}

static void test_sync_waits_for_slot(void **state)
{
    struct bfix *fx = up(state, F_IND, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    static struct virtio_blk_req r[VIRTIO_BLK_MAX_INFLIGHT], extra;
    unsigned i, n = fx->blk.nslots;

    for (i = 0; i < n; i++) {
        r[i] = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
    }
    extra = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &extra), VIRTIO_ENOSPC);
    fill_pattern(sim_blk_sector(fx->model, 2), SEC, 2);
    sim_time_set_hook(slot_hook, fx);
    assert_int_equal(virtio_blk_read(&fx->blk, 2, fx->mem + SEC, 1, &w), 0);
    sim_time_set_hook(NULL, NULL);
    assert_int_equal(fx->blk.stats.sync_slot_waits, 1);
    assert_memory_equal(fx->mem + SEC, sim_blk_sector(fx->model, 2), SEC);
}

/* ---- cancellation ----------------------------------------------------------------------- */

static void test_reset_cancels_in_flight(void **state)
{
    struct bfix *fx = up(state, F_EVT, &cfg_small, 64);
    struct virtio_blk_req r[4];
    unsigned i, k;

    for (i = 0; i < 4; i++) {
        r[i] = req(fx, VIRTIO_BLK_T_IN, i, fx->mem + i * SEC, SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
        if (i == 2)
            assert_int_equal(sim_virtio_pop(fx->sim, 0), 3); /* 3 at the device, 1 only posted */
    }
    sim_virtio_set_needs_reset(fx->sim);
    sim_run_irqs();
    assert_true(fx->blk.dev.reset_pending);
    assert_int_equal(fx->ndone, 0);
    assert_int_equal(virtio_dev_check(&fx->blk.dev), 1);
    assert_int_equal(fx->ndone, 4);
    for (i = 0; i < 4; i++) {
        bool found = false;

        assert_int_equal(fx->done_res[i], VIRTIO_ECANCELED);
        for (k = 0; k < 4; k++)
            found |= fx->done_req[k] == &r[i];
        assert_true(found);
    }
    assert_int_equal(fx->blk.stats.cancelled, 4);
    assert_int_equal(fx->blk.ninflight, 0);

    /* The device works again. */
    fill_pattern(sim_blk_sector(fx->model, 9), SEC, 9);
    r[0] = req(fx, VIRTIO_BLK_T_IN, 9, fx->mem, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[0]), 0);
    serve(fx);
    assert_int_equal(fx->ndone, 5);
    assert_int_equal(fx->done_res[4], 0);
    assert_memory_equal(fx->mem, sim_blk_sector(fx->model, 9), SEC);
}

static void test_shutdown_cancels(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r[2];

    r[0] = req(fx, VIRTIO_BLK_T_IN, 0, fx->mem, SEC);
    r[1] = req(fx, VIRTIO_BLK_T_OUT, 1, fx->mem + SEC, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[0]), 0);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[1]), 0);
    sim_virtio_pop(fx->sim, 0);
    virtio_blk_shutdown(&fx->blk);
    fx->inited = false;
    assert_int_equal(fx->ndone, 2);
    assert_int_equal(fx->done_res[0], VIRTIO_ECANCELED);
    assert_int_equal(fx->done_res[1], VIRTIO_ECANCELED);
    assert_int_equal(fx->model->writes, 1); /* popped, never completed */
    assert_int_equal(fx->sim->status, 0);   /* reset */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[0]), VIRTIO_EINVAL);
}

/* ---- full queue --------------------------------------------------------------------------- */

static void test_ring_full(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 8); /* 3 descriptors per request */
    struct virtio_blk_req r[3];
    unsigned i;

    for (i = 0; i < 2; i++) {
        r[i] = req(fx, VIRTIO_BLK_T_IN, i, fx->mem + i * SEC, SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
    }
    r[2] = req(fx, VIRTIO_BLK_T_IN, 2, fx->mem + 2 * SEC, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[2]), VIRTIO_ENOSPC);
    assert_int_equal(fx->blk.stats.queue_full, 1);
    assert_int_equal(fx->blk.ninflight, 2);
    assert_int_equal(added(fx), 2);
    serve(fx);
    assert_int_equal(fx->ndone, 2);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[2]), 0);
    serve(fx);
    assert_int_equal(fx->ndone, 3);
    assert_ptr_equal(fx->done_req[2], &r[2]);
    assert_int_equal(fx->done_res[2], 0);
}

static void test_slots_full(void **state)
{
    struct bfix *fx = up(state, F_IND, &cfg_small, 256);
    static struct virtio_blk_req r[VIRTIO_BLK_MAX_INFLIGHT + 1];
    unsigned i;

    assert_int_equal(fx->blk.nslots, VIRTIO_BLK_MAX_INFLIGHT);
    for (i = 0; i < VIRTIO_BLK_MAX_INFLIGHT; i++) {
        r[i] = req(fx, VIRTIO_BLK_T_IN, i, fx->mem + i * SEC, SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
    }
    r[i] = req(fx, VIRTIO_BLK_T_IN, i, fx->mem + i * SEC, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), VIRTIO_ENOSPC);
    assert_int_equal(fx->blk.stats.queue_full, 1);
    assert_int_equal(fx->blk.stats.max_inflight, VIRTIO_BLK_MAX_INFLIGHT);
    assert_int_equal(added(fx), VIRTIO_BLK_MAX_INFLIGHT);
    assert_true(virtqueue_num_free(fx->blk.vq) > 0); /* the ring had room: slots ran out */
    serve(fx);
    assert_int_equal(fx->ndone, VIRTIO_BLK_MAX_INFLIGHT);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
    serve(fx);
    assert_int_equal(fx->ndone, VIRTIO_BLK_MAX_INFLIGHT + 1);
}

/* ---- polling without interrupts --------------------------------------------------------------- */

static void test_poll(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r[3];
    unsigned i;

    for (i = 0; i < 3; i++) {
        r[i] = req(fx, VIRTIO_BLK_T_IN, i, fx->mem + i * SEC, SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[i]), 0);
    }
    assert_int_equal(virtio_blk_poll(&fx->blk), 0);
    sim_virtio_pop(fx->sim, 0);
    sim_virtio_complete(fx->sim, 0, 2);
    assert_int_equal(virtio_blk_poll(&fx->blk), 2); /* no interrupt delivered */
    assert_int_equal(fx->ndone, 2);
    sim_virtio_complete(fx->sim, 0, 1);
    assert_int_equal(virtio_blk_poll(&fx->blk), 1);
    assert_int_equal(fx->ndone, 3);
    sim_run_irqs(); /* the pending interrupt finds nothing left */
    assert_int_equal(fx->ndone, 3);
}

/* ---- init ------------------------------------------------------------------------------------- */

static void test_init_wrong_device(void **state)
{
    struct bfix *fx = *state;
    struct virtio_blk blk;

    fx->sim = sim_virtio_create(fx->version, VIRTIO_ID_NET, fx->version == 1 ? 0 : B(VIRTIO_F_VERSION_1), 1, 64);
    assert_int_equal(virtio_blk_init(&blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), VIRTIO_ENODEV);
    assert_int_equal(fx->sim->n_status, 0); /* untouched */
    assert_int_equal(virtio_blk_max_sectors(&blk), 0);
    assert_int_equal(virtio_blk_poll(&blk), 0);
}

static void test_init_alloc_failures(void **state)
{
    struct bfix *fx = *state;
    long n;
    int err = -1;

    fx->sim = sim_virtio_create(fx->version, VIRTIO_ID_BLOCK, fx->version == 1 ? 0 : B(VIRTIO_F_VERSION_1), 1, 64);
    fx->model = sim_blk_create(fx->sim, &cfg_small);
    /* Fail the n-th allocation for every n until init gets through. */
    for (n = 0; n < 32; n++) {
        sim_dma_fail_after(n);
        err = virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true);
        sim_dma_fail_after(-1);
        if (err == 0)
            break;
        assert_int_equal(err, VIRTIO_ENOMEM);
        assert_int_equal(sim_dma_live(), 0);          /* nothing left behind */
        assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
        assert_null(fx->blk.vq);
    }
    assert_int_equal(err, 0);
    assert_true(n >= 2); /* at least the ring and the slots */
    fx->inited = true;
}

static void test_non_coherent_slots(void **state)
{
    struct bfix *fx = *state;
    struct virtio_blk_wait w = {NULL, NULL, 0};
    unsigned long cleans;

    create(fx, 0, &cfg_small, 64);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false), 0);
    fx->inited = true;
    /* Each status byte has its own cache line (64 bytes, or the CPU's
     * longer one). */
    assert_int_equal((uintptr_t)fx->blk.slots % PLAT_DMA_LINE, 0);
    assert_int_equal((uintptr_t)fx->blk.slots % 64, 0);
    assert_int_equal(sizeof(fx->blk.slots[0]) % PLAT_DMA_LINE, 0);
    assert_int_equal(sizeof(fx->blk.slots[0]) % 64, 0);
    fx->sim->auto_process = true;
    cleans = sim_cache_stats()->cleans;
    fill_pattern(fx->mem, SEC, 1);
    assert_int_equal(virtio_blk_write(&fx->blk, 0, fx->mem, 1, &w), 0);
    assert_true(sim_cache_stats()->cleans > cleans);
    assert_memory_equal(sim_blk_sector(fx->model, 0), fx->mem, SEC);
}

/* ---- no interrupt, cache maintenance --------------------------------------------------- */

/* The device tree gave no interrupt: nothing attached (never line 0); the
 * synchronous helpers find their completions by polling, an asynchronous
 * request completes in virtio_blk_poll(). */
static void test_no_irq_polled(void **state)
{
    struct bfix *fx = *state;
    struct virtio_blk_wait w = {NULL, NULL, 0};
    struct virtio_blk_req r;

    create(fx, F_FLUSH, &cfg_small, 64);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, VIRTIO_NO_IRQ, PLAT_IRQ_LEVEL, true), 0);
    fx->inited = true;
    assert_false(fx->blk.dev.irq_attached);
    for (unsigned i = 0; i < SIM_MAX_IRQ; i++)
        assert_false(sim_irq_attached(i));
    fx->sim->auto_process = true;
    fill_pattern(fx->mem, 8 * SEC, 3);
    assert_int_equal(virtio_blk_write(&fx->blk, 10, fx->mem, 8, &w), 0);
    memset(fx->mem + 8 * SEC, 0, 8 * SEC);
    assert_int_equal(virtio_blk_read(&fx->blk, 10, fx->mem + 8 * SEC, 8, &w), 0);
    assert_memory_equal(fx->mem + 8 * SEC, fx->mem, 8 * SEC);
    fx->sim->auto_process = false;
    r = req(fx, VIRTIO_BLK_T_IN, 10, fx->mem + 16 * SEC, SEC);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    serve(fx);
    assert_int_equal(fx->ndone, 0); /* no interrupt: nothing yet */
    assert_int_equal(virtio_blk_poll(&fx->blk), 1);
    assert_int_equal(fx->ndone, 1);
    assert_int_equal(fx->done_res[0], 0);
    assert_memory_equal(fx->mem + 16 * SEC, fx->mem, SEC);
    assert_int_equal(fx->blk.dev.stats.interrupts, 0);
}

/* Writes, read-backs, a flush, a device error and asynchronous requests
 * completed by interrupt, in buffers the CPU filled; with `checks`, the
 * maintenance calls of each buffer, header and status byte. */
static void blk_cache_traffic(struct bfix *fx, bool checks)
{
    struct virtio_blk_wait w = {NULL, NULL, 0};
    uint8_t *in = fx->mem + 512 * SEC;
    unsigned k;

    fx->sim->auto_process = true;
    for (k = 0; k < 8; k++) {
        uint8_t *out = fx->mem + (size_t)k * 32 * SEC;
        uint32_t n = 1 + k * 3;
        size_t mark = sim_cache_nops();
        bool slot_ok = false;

        fill_pattern(out, (size_t)n * SEC, k + 1);
        assert_int_equal(virtio_blk_write(&fx->blk, 100 * k, out, n, &w), 0);
        assert_memory_equal(sim_blk_sector(fx->model, 100 * k), out, (size_t)n * SEC);
        if (checks) {
            assert_true(sim_cache_covered(false, out, (size_t)n * SEC, mark));
            /* some slot's header cleaned and status invalidated */
            for (unsigned s = 0; s < fx->blk.nslots; s++)
                slot_ok |= sim_cache_covered(false, &fx->blk.slots[s].hdr, sizeof(fx->blk.slots[s].hdr), mark) &&
                           sim_cache_covered(true, &fx->blk.slots[s].status, 1, mark);
            assert_true(slot_ok);
        }
        memset(in, 0xee, (size_t)n * SEC);
        mark = sim_cache_nops();
        assert_int_equal(virtio_blk_read(&fx->blk, 100 * k, in, n, &w), 0);
        assert_memory_equal(in, out, (size_t)n * SEC);
        if (checks)
            assert_true(sim_cache_covered(true, in, (size_t)n * SEC, mark));
    }
    assert_int_equal(virtio_blk_flush(&fx->blk, &w), 0);
    fx->model->next_status = SIM_BLK_S_IOERR;
    assert_int_equal(virtio_blk_read(&fx->blk, 0, in, 1, &w), VIRTIO_EIO);
    assert_int_equal(virtio_blk_read(&fx->blk, 0, in, 1, &w), 0); /* the status is read afresh */
    /* asynchronous, completed through the interrupt */
    fx->sim->auto_process = false;
    fx->ndone = 0;
    struct virtio_blk_req r[4];
    for (k = 0; k < 4; k++) {
        r[k] = req(fx, VIRTIO_BLK_T_IN, 100 * k, in + (size_t)k * 32 * SEC, 4 * SEC);
        memset(r[k].buf, 0x33, 4 * SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[k]), 0);
    }
    serve(fx);
    assert_int_equal(fx->ndone, 4);
    for (k = 0; k < 4; k++) {
        assert_int_equal(fx->done_res[k], 0);
        assert_memory_equal(in + (size_t)k * 32 * SEC, fx->mem + (size_t)k * 32 * SEC, (k ? 4 : 1) * SEC);
    }
    /* Each completed by the device as it is queued, reaped after the next
     * is set up: a status the device wrote survives the CPU writing and
     * cleaning the next slot's header (a slot is whole lines of its own,
     * whatever the CPU's line, PLAT_DMA_LINE). */
    fx->sim->auto_process = true;
    fx->ndone = 0;
    for (k = 0; k < 4; k++) {
        r[k] = req(fx, VIRTIO_BLK_T_IN, 100 * k, in + (size_t)k * 32 * SEC, 4 * SEC);
        assert_int_equal(virtio_blk_submit(&fx->blk, &r[k]), 0);
    }
    sim_run_irqs();
    assert_int_equal(fx->ndone, 4);
    for (k = 0; k < 4; k++)
        assert_int_equal(fx->done_res[k], 0);
}

/*
 * A device without dma-coherent behind the cache model (sim_plat.h), with
 * segments split at size_max and with indirect tables: the device stores
 * what the CPU wrote, the CPU reads what the device stored, every status
 * is the device's; the device never gets a dirty line or a buffer not
 * cleaned since it last had it, and every line it wrote is invalidated.
 */
static void test_non_coherent_model(void **state)
{
    static const uint64_t combos[] = {F_FLUSH | F_SIZE_MAX | F_SEG_MAX, F_FLUSH | F_IND};
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 1024, .seg_max = 8};
    struct bfix *fx = *state;

    sim_cache_model(true);
    for (unsigned c = 0; c < 2; c++) {
        create(fx, combos[c], &cfg, 64);
        assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false), 0);
        fx->inited = true;
        blk_cache_traffic(fx, true);
        if (combos[c] & F_IND)
            assert_true(fx->sim->vq[0].indirect_chains > 0);
        assert_int_equal(sim_cache_unsynced(), 0);
        assert_true(sim_cache_model_ok());
        virtio_blk_shutdown(&fx->blk);
        fx->inited = false;
        plat_dma_free(fx->mem, MEM_SIZE);
        fx->mem = NULL;
        assert_int_equal(fx->sim->violations, 0);
        sim_virtio_destroy(fx->sim);
        fx->sim = NULL;
        sim_blk_destroy(fx->model);
        fx->model = NULL;
    }
}

/* The same traffic through a dma-coherent device: not one maintenance
 * call from init to shutdown. */
static void test_coherent_no_cache_ops(void **state)
{
    struct sim_blk_config cfg = {.capacity = 4096, .size_max = 1024, .seg_max = 8};
    struct bfix *fx = up(state, F_FLUSH | F_IND, &cfg, 64);

    blk_cache_traffic(fx, false);
    virtio_blk_shutdown(&fx->blk);
    fx->inited = false;
    assert_int_equal(sim_cache_nops(), 0);
}

/* ---- GET_ID --------------------------------------------------------------------------- */

static void set_serial(struct bfix *fx, const void *bytes, unsigned n)
{
    memset(fx->model->cfg.serial, 0, sizeof(fx->model->cfg.serial));
    memcpy(fx->model->cfg.serial, bytes, n);
    fx->model->cfg.serial_len = n;
}

static void test_get_id_layout(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    const struct sim_blk_rec *rec;
    char id[VIRTIO_BLK_ID_BYTES + 1];

    set_serial(fx, "VBARE0001", 10); /* with its NUL, as QEMU writes a shorter one */
    fx->sim->auto_process = true;
    memset(id, 'x', sizeof(id));
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "VBARE0001");
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->type, SIM_BLK_T_GET_ID);
    assert_int_equal(rec->sector, 0);
    assert_int_equal(rec->nseg, 3);
    assert_int_equal(rec->n_out, 1); /* header */
    assert_int_equal(rec->n_in, 2);  /* 20 bytes, then the status */
    assert_true(rec->hdr_alone);
    assert_int_equal(rec->seg_len[1], VIRTIO_BLK_ID_BYTES);
    assert_true(rec->seg_write[1]);
    assert_true(rec->status_alone);
    assert_int_equal(rec->used_len, VIRTIO_BLK_ID_BYTES + 1);
    assert_int_equal(fx->blk.stats.get_ids, 1);
    assert_int_equal(fx->blk.stats.bad_len, 0);
    assert_int_equal(fx->model->get_ids, 1);
    /* No feature needed, and a read-only disk has a serial too: nothing
     * else was refused or counted. */
    assert_int_equal(fx->blk.stats.refused_unsupp, 0);
    assert_int_equal(fx->blk.ninflight, 0);
}

/* 20 bytes and no NUL (5.2.6: the string is NUL-terminated only when
 * shorter): all 20 and a NUL of the driver's. */
static void test_get_id_twenty_bytes_no_nul(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    char id[VIRTIO_BLK_ID_BYTES + 1];

    set_serial(fx, "ABCDEFGHIJKLMNOPQRST", 20);
    fx->sim->auto_process = true;
    memset(id, 'x', sizeof(id));
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_int_equal(strlen(id), 20);
    assert_string_equal(id, "ABCDEFGHIJKLMNOPQRST");
    /* A device that then writes 3 bytes and no NUL: the rest of the old
     * serial (in the same slot) must not show through. */
    set_serial(fx, "xyz", 3);
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "xyz");
    /* ... and one that writes nothing at all: no serial. */
    set_serial(fx, "", 0);
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "");
}

/* Control characters, DEL and bytes above 0x7f never reach a console:
 * replaced; the string ends at the device's first NUL. */
static void test_get_id_junk_bytes(void **state)
{
    static const uint8_t junk[20] = {'S', 'N', 0x01, 0xff, 'x', 0x7f, '\n', 0x1b, '9', 0x80,
                                     ' ', '~', 0,    'Z',  'Z', 'Z',  'Z',  'Z',  'Z', 'Z'};
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    char id[VIRTIO_BLK_ID_BYTES + 1];

    set_serial(fx, junk, sizeof(junk));
    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "SN??x???9? ~");
    for (const char *p = id; *p; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
}

static void test_get_id_errors(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    char id[VIRTIO_BLK_ID_BYTES + 1];

    fx->sim->auto_process = true;
    fx->model->cfg.no_get_id = true; /* a device without the command */
    memset(id, 'x', sizeof(id));
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), VIRTIO_ENOTSUP);
    assert_string_equal(id, "");
    assert_int_equal(fx->blk.stats.errors_unsupp, 1);
    fx->model->cfg.no_get_id = false;
    set_serial(fx, "DISK", 5);
    fx->model->next_status = SIM_BLK_S_IOERR;
    memset(id, 'x', sizeof(id));
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), VIRTIO_EIO);
    assert_string_equal(id, "");
    fx->model->next_status = 0x55; /* garbage status */
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), VIRTIO_EIO);
    assert_int_equal(fx->blk.stats.bad_status, 1);
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "DISK");
    assert_int_equal(virtio_blk_get_id(&fx->blk, NULL, &w), VIRTIO_EINVAL);
    assert_int_equal(fx->model->get_ids, 4);
}

/* Asynchronous GET_ID: any memory of 20 bytes gets the raw bytes; any
 * other length is refused (the type-8 request of test_bad_requests). */
static void test_get_id_async(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_req r;
    uint8_t raw[VIRTIO_BLK_ID_BYTES + 4];

    set_serial(fx, "ABCDEFGHIJKLMNOPQRS\x01", 20);
    memset(raw, 0xee, sizeof(raw));
    r = req(fx, VIRTIO_BLK_T_GET_ID, 77, raw, VIRTIO_BLK_ID_BYTES - 1);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_GET_ID, 77, NULL, VIRTIO_BLK_ID_BYTES);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    assert_int_equal(added(fx), 0);
    r = req(fx, VIRTIO_BLK_T_GET_ID, 77, raw, VIRTIO_BLK_ID_BYTES);
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), 0);
    assert_int_equal(raw[0], 0xee); /* nothing until it completes */
    serve(fx);
    assert_int_equal(fx->ndone, 1);
    assert_int_equal(fx->done_res[0], 0);
    assert_memory_equal(raw, "ABCDEFGHIJKLMNOPQRS\x01", VIRTIO_BLK_ID_BYTES);
    assert_int_equal(raw[VIRTIO_BLK_ID_BYTES], 0xee); /* not a byte more */
    assert_int_equal(sim_blk_last(fx->model)->sector, 0); /* the sector is unused: 0 */
}

/* Used lengths: a legacy device's is ignored (counted); a modern device
 * claiming more than the 21 writable bytes breaks the queue and the call
 * recovers; one claiming fewer is only counted (the serial is read from
 * the pre-zeroed bytes, whatever the length says, as Linux does). */
static void test_get_id_hostile_used_len(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_small, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    char id[VIRTIO_BLK_ID_BYTES + 1];

    set_serial(fx, "SER", 4);
    fx->sim->auto_process = true;
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = fx->version == 1 ? 16 + VIRTIO_BLK_ID_BYTES + 1 : VIRTIO_BLK_ID_BYTES + 2;
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "SER");
    if (fx->version == 1) {
        assert_int_equal(fx->blk.stats.bad_len, 1);
        assert_int_equal(fx->blk.dev.stats.reinits, 0);
    } else {
        assert_int_equal(fx->blk.dev.stats.queue_faults, 1);
        assert_int_equal(fx->blk.dev.stats.reinits, 1);
        assert_int_equal(fx->blk.stats.sync_retries, 1);
        fx->allow_violations = true; /* the device's wrong length is its violation */
    }
    assert_false(virtqueue_is_broken(fx->blk.vq));
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 1; /* the status byte alone */
    set_serial(fx, "SHORT", 5);
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "SHORT");
    assert_int_equal(fx->blk.stats.bad_len, fx->version == 1 ? 2 : 1);
}

/* A device without dma-coherent behind the cache model: the serial the
 * device wrote is what the CPU reads (the slot's bytes invalidated). */
static void test_get_id_non_coherent(void **state)
{
    struct bfix *fx = *state;
    struct virtio_blk_wait w = {NULL, NULL, 0};
    char id[VIRTIO_BLK_ID_BYTES + 1];

    sim_cache_model(true);
    create(fx, 0, &cfg_small, 64);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false), 0);
    fx->inited = true;
    fx->sim->auto_process = true;
    set_serial(fx, "FIRST-SERIAL-NUMBER", 20);
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "FIRST-SERIAL-NUMBER");
    set_serial(fx, "2ND", 4);
    assert_int_equal(virtio_blk_get_id(&fx->blk, id, &w), 0);
    assert_string_equal(id, "2ND");
    assert_int_equal(sim_cache_unsynced(), 0);
    assert_true(sim_cache_model_ok());
}

/* ---- DISCARD / WRITE_ZEROES ------------------------------------------------------------ */

static const struct sim_blk_config cfg_dwz = {.capacity = 4096,
                                              .max_discard_sectors = 64,
                                              .max_discard_seg = 1,
                                              .discard_sector_alignment = 8,
                                              .max_write_zeroes_sectors = 32,
                                              .max_write_zeroes_seg = 1,
                                              .write_zeroes_may_unmap = 1};

static void test_dwz_config(void **state)
{
    struct bfix *fx = up(state, F_DISCARD | F_WZ, &cfg_dwz, 64);
    const struct virtio_blk_info *in = virtio_blk_info(&fx->blk);

    assert_true(sim_virtio_has(fx->sim, VIRTIO_BLK_F_DISCARD));
    assert_true(sim_virtio_has(fx->sim, VIRTIO_BLK_F_WRITE_ZEROES));
    assert_true(in->discard);
    assert_true(in->write_zeroes);
    assert_true(in->write_zeroes_may_unmap);
    assert_int_equal(in->max_discard_sectors, 64);
    assert_int_equal(in->discard_align, 8);
    assert_int_equal(in->max_write_zeroes_sectors, 32);
}

/* Fields of features not offered mean nothing, whatever they hold; a
 * limit of 0 sectors or 0 segments makes the command unusable. */
static void test_dwz_config_unusable(void **state)
{
    static const struct {
        uint32_t dmax, dseg, dalign, zmax, zseg, blk;
        bool discard, wz;
        uint32_t want_dmax, want_align, want_zmax;
    } t[] = {
        {0, 1, 0, 0, 1, 0, false, false, 0, 0, 0},    /* no sectors */
        {64, 0, 8, 32, 0, 0, false, false, 0, 0, 0},  /* no segments */
        {64, 1, 0, 32, 4, 0, true, true, 64, 1, 32},   /* no alignment: a sector */
        {64, 1, 65, 32, 4, 0, true, true, 64, 1, 32},  /* alignment past the maximum */
        {7, 1, 8, 7, 1, 4096, false, false, 0, 0, 0}, /* not one 4 KiB block */
        {20, 1, 12, 12, 1, 4096, true, true, 16, 8, 8}, /* down to blocks; 12 not whole blocks */
        {UINT32_MAX, UINT32_MAX, 16, UINT32_MAX, 1, 4096, true, true, UINT32_MAX - 7, 16, UINT32_MAX - 7},
    };
    struct bfix *fx = *state;
    struct virtio_blk_wait w = {NULL, NULL, 0};

    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct sim_blk_config cfg = {.capacity = 4096,
                                     .max_discard_sectors = t[i].dmax,
                                     .max_discard_seg = t[i].dseg,
                                     .discard_sector_alignment = t[i].dalign,
                                     .max_write_zeroes_sectors = t[i].zmax,
                                     .max_write_zeroes_seg = t[i].zseg,
                                     .blk_size = t[i].blk};
        const struct virtio_blk_info *in;

        create(fx, F_DISCARD | F_WZ | (t[i].blk ? F_BLK_SIZE : 0), &cfg, 64);
        assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);
        fx->inited = true;
        in = virtio_blk_info(&fx->blk);
        if (in->discard != t[i].discard || in->write_zeroes != t[i].wz || in->max_discard_sectors != t[i].want_dmax ||
            in->max_write_zeroes_sectors != t[i].want_zmax || (t[i].discard && in->discard_align != t[i].want_align))
            fail_msg("case %u: discard %d max %u align %u, write_zeroes %d max %u", i, in->discard,
                     in->max_discard_sectors, in->discard_align, in->write_zeroes, in->max_write_zeroes_sectors);
        if (!t[i].discard) {
            fx->sim->auto_process = true;
            assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), VIRTIO_ENOTSUP);
            assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 0, 8, false, &w), VIRTIO_ENOTSUP);
            assert_int_equal(fx->blk.stats.refused_unsupp, 2);
            assert_int_equal(fx->model->nrec, 0);
        }
        virtio_blk_shutdown(&fx->blk);
        fx->inited = false;
        plat_dma_free(fx->mem, MEM_SIZE);
        fx->mem = NULL;
        sim_virtio_destroy(fx->sim);
        fx->sim = NULL;
        sim_blk_destroy(fx->model);
        fx->model = NULL;
    }
    /* Offered limits, features not offered: nothing of it used. */
    create(fx, 0, &cfg_dwz, 64);
    assert_int_equal(virtio_blk_init(&fx->blk, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, true), 0);
    fx->inited = true;
    assert_false(virtio_blk_info(&fx->blk)->discard);
    assert_false(virtio_blk_info(&fx->blk)->write_zeroes);
    assert_false(virtio_blk_info(&fx->blk)->write_zeroes_may_unmap);
    assert_int_equal(virtio_blk_info(&fx->blk)->max_discard_sectors, 0);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_BLK_F_DISCARD));
}

static void test_discard_layout(void **state)
{
    struct bfix *fx = up(state, F_DISCARD | F_WZ, &cfg_dwz, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    const struct sim_blk_rec *rec;
    uint8_t keep[SEC];

    fill_pattern(sim_blk_sector(fx->model, 99), 10 * SEC, 9);
    memcpy(keep, sim_blk_sector(fx->model, 99), SEC);
    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_discard(&fx->blk, 100, 8, &w), 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->type, SIM_BLK_T_DISCARD);
    assert_int_equal(rec->sector, 0); /* the header's: unused */
    assert_int_equal(rec->nseg, 3);
    assert_int_equal(rec->n_out, 2); /* header, segment */
    assert_int_equal(rec->n_in, 1);  /* status */
    assert_true(rec->hdr_alone);
    assert_int_equal(rec->seg_len[1], 16);
    assert_false(rec->seg_write[1]);
    assert_true(rec->status_alone);
    assert_int_equal(rec->dwz_sector, 100);
    assert_int_equal(rec->dwz_num, 8);
    assert_int_equal(rec->dwz_flags, 0);
    assert_int_equal(rec->status, SIM_BLK_S_OK);
    assert_int_equal(rec->used_len, 1);
    for (unsigned k = 0; k < 8 * SEC; k++)
        assert_int_equal(sim_blk_sector(fx->model, 100)[k], 0);
    assert_memory_equal(sim_blk_sector(fx->model, 99), keep, SEC); /* not a sector more */
    assert_int_not_equal(sim_blk_sector(fx->model, 108)[7], 0);
    assert_int_equal(fx->blk.stats.discards, 1);
    assert_int_equal(fx->blk.stats.bad_len, 0);
    assert_int_equal(fx->model->discards, 1);
    assert_int_equal(fx->model->dwz_unsupp, 0);
}

static void test_write_zeroes_layout(void **state)
{
    struct bfix *fx = up(state, F_WZ, &cfg_dwz, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    const struct sim_blk_rec *rec;

    assert_false(virtio_blk_info(&fx->blk)->discard);
    fill_pattern(sim_blk_sector(fx->model, 0), 64 * SEC, 13);
    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 10, 5, false, &w), 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->type, SIM_BLK_T_WRITE_ZEROES);
    assert_int_equal(rec->sector, 0);
    assert_int_equal(rec->n_out, 2);
    assert_int_equal(rec->seg_len[1], 16);
    assert_int_equal(rec->dwz_sector, 10);
    assert_int_equal(rec->dwz_num, 5);
    assert_int_equal(rec->dwz_flags, 0);
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 40, 4, true, &w), 0);
    rec = sim_blk_last(fx->model);
    assert_int_equal(rec->dwz_flags, VIRTIO_BLK_WZ_UNMAP);
    for (unsigned k = 0; k < 64 * SEC; k++) {
        uint64_t s = k / SEC;
        bool zero = (s >= 10 && s < 15) || (s >= 40 && s < 44);
        if (!zero)
            continue;
        assert_int_equal(sim_blk_sector(fx->model, 0)[k], 0);
    }
    assert_int_not_equal(sim_blk_sector(fx->model, 9)[5], 0);
    assert_int_not_equal(sim_blk_sector(fx->model, 15)[5], 0);
    assert_int_equal(fx->blk.stats.write_zeroes, 2);
    assert_int_equal(fx->model->write_zeroes, 2);
    /* DISCARD was not offered: refused, nothing posted. */
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), VIRTIO_ENOTSUP);
    assert_int_equal(fx->model->nrec, 2);
}

/* Larger than the device's maximum: several requests, each within it; a
 * discard's pieces end on discard_sector_alignment boundaries. */
static void test_dwz_split(void **state)
{
    struct sim_blk_config cfg = cfg_dwz;
    struct bfix *fx;
    struct virtio_blk_wait w = {NULL, NULL, 0};
    static const struct {
        uint64_t sector;
        uint32_t num;
    } dwant[] = {{3, 13}, {16, 16}, {32, 11}}, zwant[] = {{0, 7}, {7, 7}, {14, 6}};

    cfg.max_discard_sectors = 20; /* 16 in whole 8-sector units */
    cfg.max_write_zeroes_sectors = 7;
    fx = up(state, F_DISCARD | F_WZ, &cfg, 64);
    fx->sim->auto_process = true;
    fill_pattern(sim_blk_sector(fx->model, 0), 64 * SEC, 5);
    assert_int_equal(virtio_blk_discard(&fx->blk, 3, 40, &w), 0);
    assert_int_equal(fx->model->nrec, 3);
    for (unsigned k = 0; k < 3; k++) {
        assert_int_equal(fx->model->rec[k].dwz_sector, dwant[k].sector);
        assert_int_equal(fx->model->rec[k].dwz_num, dwant[k].num);
        assert_true(fx->model->rec[k].dwz_num <= 20);
    }
    for (unsigned k = 3 * SEC; k < 43 * SEC; k++)
        assert_int_equal(sim_blk_sector(fx->model, 0)[k], 0);
    assert_int_not_equal(sim_blk_sector(fx->model, 43)[1], 0);
    assert_int_equal(fx->blk.stats.discards, 3);

    fill_pattern(sim_blk_sector(fx->model, 0), 64 * SEC, 6);
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 0, 20, true, &w), 0);
    assert_int_equal(fx->model->nrec, 6);
    for (unsigned k = 0; k < 3; k++) {
        assert_int_equal(fx->model->rec[3 + k].dwz_sector, zwant[k].sector);
        assert_int_equal(fx->model->rec[3 + k].dwz_num, zwant[k].num);
        assert_int_equal(fx->model->rec[3 + k].dwz_flags, VIRTIO_BLK_WZ_UNMAP);
    }
    for (unsigned k = 0; k < 20 * SEC; k++)
        assert_int_equal(sim_blk_sector(fx->model, 0)[k], 0);
    assert_int_not_equal(sim_blk_sector(fx->model, 20)[1], 0);
    assert_int_equal(fx->model->dwz_over_max, 0);

    /* The whole disk in one call: 4096 / 16 requests. */
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 4096, &w), 0);
    assert_int_equal(fx->blk.stats.discards, 3 + 256);
    assert_int_equal(fx->model->dwz_over_max, 0);
    assert_int_equal(fx->model->ioerr_range, 0);
}

/* Refused before anything reaches the device: not negotiated, read-only,
 * past the capacity, not whole blocks, over the maximum (asynchronous),
 * bad flags. */
static void test_dwz_refusals(void **state)
{
    struct sim_blk_config cfg = cfg_dwz;
    struct bfix *fx;
    struct virtio_blk_wait w = {NULL, NULL, 0};
    struct virtio_blk_req r;

    cfg.capacity = 100;
    fx = up(state, F_DISCARD | F_WZ, &cfg, 64);
    fx->sim->auto_process = true;
    assert_int_equal(virtio_blk_discard(&fx->blk, 90, 11, &w), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 101, 0, false, &w), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_discard(&fx->blk, UINT64_MAX, 2, &w), VIRTIO_EINVAL);
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 2, UINT64_MAX, false, &w), VIRTIO_EINVAL);
    assert_int_equal(fx->blk.stats.refused_range, 4);
    assert_int_equal(virtio_blk_discard(&fx->blk, 100, 0, &w), 0); /* empty, at the end */
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 99, 1, false, &w), 0); /* the last sector */

    r = req(fx, VIRTIO_BLK_T_DISCARD, 0, NULL, 0);
    r.num_sectors = 65; /* over max_discard_sectors */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
    r.num_sectors = 0;
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r.num_sectors = 8;
    r.flags = VIRTIO_BLK_WZ_UNMAP; /* never on a DISCARD (5.2.6.1) */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r = req(fx, VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 0);
    r.num_sectors = 8;
    r.flags = 2; /* reserved */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    r.flags = 0;
    r.num_sectors = 33;
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_E2BIG);
    r.num_sectors = 32;
    r.sector = 69; /* 69 + 32 > 100 */
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EINVAL);
    assert_int_equal(fx->model->nrec, 1); /* the last-sector write-zeroes only */
    assert_int_equal(fx->ndone, 0);
    assert_int_equal(fx->model->dwz_unsupp, 0);
}

static void test_dwz_read_only(void **state)
{
    struct sim_blk_config cfg = cfg_dwz;
    struct bfix *fx;
    struct virtio_blk_wait w = {NULL, NULL, 0};
    struct virtio_blk_req r;

    cfg.read_only = true;
    fx = up(state, F_RO | F_DISCARD | F_WZ, &cfg, 64);
    assert_true(virtio_blk_info(&fx->blk)->discard);
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), VIRTIO_EROFS);
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 0, 8, true, &w), VIRTIO_EROFS);
    r = req(fx, VIRTIO_BLK_T_WRITE_ZEROES, 0, NULL, 0);
    r.num_sectors = 8;
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_EROFS);
    assert_int_equal(fx->blk.stats.refused_ro, 3);
    assert_int_equal(added(fx), 0);
    assert_int_equal(fx->model->nrec, 0);
}

static void test_dwz_not_negotiated(void **state)
{
    struct bfix *fx = up(state, 0, &cfg_dwz, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};
    struct virtio_blk_req r;

    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), VIRTIO_ENOTSUP);
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 0, 8, false, &w), VIRTIO_ENOTSUP);
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 0, &w), VIRTIO_ENOTSUP);
    r = req(fx, VIRTIO_BLK_T_DISCARD, 0, NULL, 0);
    r.num_sectors = 8;
    assert_int_equal(virtio_blk_submit(&fx->blk, &r), VIRTIO_ENOTSUP);
    assert_int_equal(fx->blk.stats.refused_unsupp, 4);
    assert_int_equal(added(fx), 0);
    assert_int_equal(fx->ndone, 0);
    assert_int_equal(virtio_blk_discard(NULL, 0, 8, &w), VIRTIO_EINVAL);
}

/* The device's answers: UNSUPP -> VIRTIO_ENOTSUP, IOERR -> VIRTIO_EIO, a
 * garbage status -> VIRTIO_EIO; a failed piece stops the rest. */
static void test_dwz_device_errors(void **state)
{
    struct sim_blk_config cfg = cfg_dwz;
    struct bfix *fx;
    struct virtio_blk_wait w = {NULL, NULL, 0};

    cfg.max_write_zeroes_sectors = 8;
    fx = up(state, F_DISCARD | F_WZ, &cfg, 64);
    fx->sim->auto_process = true;
    fx->model->next_status = SIM_BLK_S_UNSUPP;
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), VIRTIO_ENOTSUP);
    fx->model->next_status = SIM_BLK_S_IOERR;
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 0, 24, false, &w), VIRTIO_EIO);
    assert_int_equal(fx->model->write_zeroes, 1); /* the first piece failed: no more */
    fx->model->next_status = 0x42;
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 0, 8, false, &w), VIRTIO_EIO);
    assert_int_equal(fx->blk.stats.errors_unsupp, 1);
    assert_int_equal(fx->blk.stats.errors_io, 1);
    assert_int_equal(fx->blk.stats.bad_status, 1);
    /* The device's own check: a capacity that shrank behind the driver's back. */
    fx->model->cfg.capacity = 10;
    assert_int_equal(virtio_blk_discard(&fx->blk, 8, 8, &w), VIRTIO_EIO);
    assert_int_equal(fx->model->ioerr_range, 1);
    fx->model->cfg.capacity = 4096;
    /* ... and a maximum that shrank (the model checks num_sectors as QEMU
     * does): IOERR. */
    fx->model->cfg.max_discard_sectors = 4;
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), VIRTIO_EIO);
    assert_int_equal(fx->model->dwz_over_max, 1);
    fx->model->cfg.max_discard_sectors = 64;
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), 0);
    assert_int_equal(fx->model->dwz_unsupp, 0);
}

/* Used lengths of a DISCARD (1: the status byte): a legacy device's
 * total-length answer is ignored (counted); a modern device claiming
 * writable bytes the request never had breaks the queue, and the call
 * recovers and posts it again. */
static void test_dwz_hostile_used_len(void **state)
{
    struct bfix *fx = up(state, F_DISCARD | F_WZ, &cfg_dwz, 64);
    struct virtio_blk_wait w = {NULL, NULL, 0};

    fx->sim->auto_process = true;
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = fx->version == 1 ? 16 + 16 + 1 : 2;
    assert_int_equal(virtio_blk_discard(&fx->blk, 0, 8, &w), 0);
    assert_false(virtqueue_is_broken(fx->blk.vq));
    if (fx->version == 1) {
        assert_int_equal(fx->blk.stats.bad_len, 1);
        assert_int_equal(fx->blk.dev.stats.reinits, 0);
        assert_int_equal(fx->model->discards, 1);
    } else {
        assert_int_equal(fx->blk.dev.stats.queue_faults, 1);
        assert_int_equal(fx->blk.dev.stats.reinits, 1);
        assert_int_equal(fx->blk.stats.sync_retries, 1);
        assert_int_equal(fx->model->discards, 2); /* posted again after the reset */
        /* re-negotiated: still usable */
        assert_true(virtio_blk_info(&fx->blk)->discard);
        fx->allow_violations = true;
    }
    fx->sim->fault.used_len_force = true;
    fx->sim->fault.used_len = 0; /* nothing written: counted only */
    assert_int_equal(virtio_blk_write_zeroes(&fx->blk, 8, 8, false, &w), 0);
    assert_int_equal(fx->blk.stats.bad_len, fx->version == 1 ? 2 : 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        BLK_TEST(test_config_all_fields),
        BLK_TEST(test_config_none_offered),
        BLK_TEST(test_config_untrusted_values),
        BLK_TEST(test_read_layout),
        BLK_TEST(test_write_layout),
        BLK_TEST(test_segments_split_at_size_max),
        BLK_TEST(test_size_max_not_sector_multiple),
        BLK_TEST(test_seg_max_without_size_max),
        BLK_TEST(test_indirect_when_negotiated),
        BLK_TEST(test_indirect_chain_limited_by_queue_size),
        BLK_TEST(test_direct_chain_fits_ring),
        BLK_TEST(test_driver_cap_on_request_size),
        BLK_TEST(test_bad_requests),
        BLK_TEST(test_range_checks),
        BLK_TEST(test_block_size_alignment),
        BLK_TEST(test_out_of_order_completion),
        BLK_TEST(test_queue_then_one_kick),
        BLK_TEST(test_submit_from_callback),
        BLK_TEST(test_status_values),
        BLK_TEST(test_device_ioerr_past_capacity),
        BLK_TEST(test_legacy_used_len_ignored),
        BLK_TEST(test_read_only),
        BLK_TEST(test_flush_negotiated),
        BLK_TEST(test_flush_not_negotiated),
        BLK_TEST(test_sync_split_and_integrity),
        BLK_TEST(test_sync_integrity_large),
        BLK_TEST(test_sync_timeout_then_late_completion),
        BLK_TEST(test_holds_any_overlap),
        BLK_TEST(test_sync_survives_needs_reset),
        BLK_TEST(test_broken_queue_recovers_sync),
        BLK_TEST(test_broken_queue_recovers_async),
        BLK_TEST(test_config_change_rereads_capacity),
        BLK_TEST(test_sync_waits_for_slot),
        BLK_TEST(test_reset_cancels_in_flight),
        BLK_TEST(test_shutdown_cancels),
        BLK_TEST(test_ring_full),
        BLK_TEST(test_slots_full),
        BLK_TEST(test_poll),
        BLK_TEST(test_init_wrong_device),
        BLK_TEST(test_init_alloc_failures),
        BLK_TEST(test_non_coherent_slots),
        BLK_TEST(test_no_irq_polled),
        BLK_TEST(test_non_coherent_model),
        BLK_TEST(test_coherent_no_cache_ops),
        BLK_TEST(test_get_id_layout),
        BLK_TEST(test_get_id_twenty_bytes_no_nul),
        BLK_TEST(test_get_id_junk_bytes),
        BLK_TEST(test_get_id_errors),
        BLK_TEST(test_get_id_async),
        BLK_TEST(test_get_id_hostile_used_len),
        BLK_TEST(test_get_id_non_coherent),
        BLK_TEST(test_dwz_config),
        BLK_TEST(test_dwz_config_unusable),
        BLK_TEST(test_discard_layout),
        BLK_TEST(test_write_zeroes_layout),
        BLK_TEST(test_dwz_split),
        BLK_TEST(test_dwz_refusals),
        BLK_TEST(test_dwz_read_only),
        BLK_TEST(test_dwz_not_negotiated),
        BLK_TEST(test_dwz_device_errors),
        BLK_TEST(test_dwz_hostile_used_len),
    };

    return cmocka_run_group_tests_name("virtio_blk", tests, NULL, NULL);
}
