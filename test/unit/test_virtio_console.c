/*
 * test_virtio_console.c - the virtio-console driver
 * (drivers/virtio/virtio_console.c) against the simulated device with the
 * console model (test/sim/sim_console.c), in both transport versions:
 * feature negotiation (MULTIPORT/SIZE never accepted, port 0 still works),
 * bytes in both directions byte-exact, receive refill and back-pressure,
 * transmit pool exhaustion and reclaim, a ring smaller than the pool,
 * device faults (used length beyond the buffer), polling mode,
 * DEVICE_NEEDS_RESET recovery, emergency write, init failures; a device
 * without an interrupt (VIRTIO_NO_IRQ) run by polling whatever mode was
 * asked; a device without dma-coherent behind the simulated cache
 * (sim_cache_model), byte-exact both ways with every buffer maintained;
 * and a coherent device that gets no maintenance at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_console.h"
#include "sim_fixture.h"
#include "virtio/virtio.h"
#include "virtio/virtio_mmio_regs.h"
#include "virtio/virtio_console.h"

#define B(n) VIRTIO_BIT(n)
#define F_SIZE B(VIRTIO_CONSOLE_F_SIZE)
#define F_MULTI B(VIRTIO_CONSOLE_F_MULTIPORT)
#define F_EMERG B(VIRTIO_CONSOLE_F_EMERG_WRITE)
#define F_IND B(VIRTIO_F_INDIRECT_DESC)
#define F_EVT B(VIRTIO_F_EVENT_IDX)
#define MS 1000000ull

struct cfix {
    struct vfix *fx;
    struct sim_console *model;
    struct virtio_console con;
    bool inited;
    unsigned ev_calls, ev_rx, ev_tx;
    unsigned hook_calls, hook_every;
};

static int con_setup(void **state)
{
    struct cfix *c;
    int err = vfix_setup(state);

    if (err)
        return err;
    c = calloc(1, sizeof(*c));
    if (!c)
        return -1;
    c->fx = *state;
    c->fx->user = c;
    return 0;
}

static int con_teardown(void **state)
{
    struct vfix *fx = *state;
    struct cfix *c = fx->user;
    int bad = 0;

    if (c->inited)
        virtio_console_shutdown(&c->con);
    if (c->model) {
        if (c->model->tx_bad_dir || c->model->rx_bad_dir || c->model->other_queue) {
            fprintf(stderr, "console model: tx_bad_dir %u rx_bad_dir %u other_queue %u\n",
                    c->model->tx_bad_dir, c->model->rx_bad_dir, c->model->other_queue);
            bad = 1;
        }
        sim_console_destroy(c->model);
    }
    free(c);
    return vfix_teardown(state) || bad ? -1 : 0;
}

#define CON_TEST(f)                                                                   \
    {#f "/v1", f, con_setup, con_teardown, &vfix_v1},                                 \
    {#f "/v2", f, con_setup, con_teardown, &vfix_v2},                                 \
    {                                                                                 \
        #f "/v2p", f, con_setup, con_teardown, &vfix_v2p                               \
    }

static void on_event(void *arg, unsigned ev)
{
    struct cfix *c = arg;

    c->ev_calls++;
    if (ev & VIRTIO_CONSOLE_EV_RX)
        c->ev_rx++;
    if (ev & VIRTIO_CONSOLE_EV_TX)
        c->ev_tx++;
}

static struct cfix *mk(void **state, uint64_t features, unsigned nq, uint32_t num_max)
{
    struct vfix *fx = *state;
    struct cfix *c = fx->user;

    vfix_create(fx, VIRTIO_ID_CONSOLE, features, nq, num_max);
    c->model = sim_console_create(fx->sim);
    return c;
}

static void init_cfg(struct cfix *c, const struct virtio_console_config *cfg)
{
    assert_int_equal(virtio_console_init(&c->con, &c->fx->dev, cfg), 0);
    c->inited = true;
}

static void init(struct cfix *c, enum virtio_console_mode mode)
{
    struct virtio_console_config cfg = {.mode = mode, .on_event = on_event, .event_arg = c};

    init_cfg(c, &cfg);
}

static void pattern(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i * 7u + seed + (i >> 8) * 13u);
}

static uint32_t vq_stat_bad_len(struct virtqueue *vq)
{
    struct vq_stats st;

    virtqueue_get_stats(vq, &st);
    return st.bad_len;
}

/* ---- negotiation ---------------------------------------------------------------- */

static void test_features_and_queues(void **state)
{
    struct cfix *c = mk(state, F_SIZE | F_MULTI | F_EMERG | F_IND | F_EVT, 4, 64);
    struct vfix *fx = c->fx;

    init(c, VIRTIO_CONSOLE_IRQ);
    assert_false(sim_virtio_has(fx->sim, VIRTIO_CONSOLE_F_MULTIPORT));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_CONSOLE_F_SIZE));
    assert_false(sim_virtio_has(fx->sim, VIRTIO_F_INDIRECT_DESC));
    assert_true(sim_virtio_has(fx->sim, VIRTIO_CONSOLE_F_EMERG_WRITE));
    assert_true(sim_virtio_has(fx->sim, VIRTIO_F_EVENT_IDX));
    assert_true(c->con.emerg);
    /* only port 0's queues, both live before DRIVER_OK; no control queues */
    assert_int_equal(fx->sim->ready_at_driver_ok, 0x3);
    assert_false(fx->sim->vq[2].ready);
    assert_false(fx->sim->vq[3].ready);
    /* the receive queue filled with 8 buffers of 256, one notify after DRIVER_OK */
    assert_int_equal(c->con.stats.rx_posted, 8);
    assert_int_equal(virtqueue_num_free(c->con.rxq), 0);
    assert_int_equal(fx->sim->vq[0].notifies, 1);
    assert_int_equal(fx->sim->vq[1].notifies, 0);
    assert_int_equal(virtio_console_tx_free(&c->con), 8);
    assert_true(sim_irq_attached(fx->sim->irq));
    assert_false(sim_irq_masked(fx->sim->irq));
    assert_int_equal(sim_console_run_rx(c->model), 0); /* no input: nothing completes */
    assert_int_equal(fx->sim->vq[0].npending, 8);
    assert_int_equal(c->model->rx_buf_len, 256);
}

static void test_no_features(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);

    init(c, VIRTIO_CONSOLE_IRQ);
    assert_false(c->con.emerg);
    assert_int_equal(virtio_console_emerg_write(&c->con, "x", 1), VIRTIO_ENOTSUP);
    assert_int_equal(c->fx->sim->drv_features & 0xffffffffull, 0);
}

static void test_multiport_device_port0_works(void **state)
{
    /* A device that offers MULTIPORT still serves port 0 on queues 0/1
     * when the driver declines the feature. */
    struct cfix *c = mk(state, F_MULTI, 4, 64);
    uint8_t buf[64];
    int n;

    init(c, VIRTIO_CONSOLE_IRQ);
    assert_int_equal(virtio_console_write(&c->con, "ping", 4), 4);
    sim_console_input(c->model, "pong", 4);
    sim_console_run(c->model);
    sim_run_irqs();
    assert_int_equal(c->model->out_len, 4);
    assert_memory_equal(c->model->out, "ping", 4);
    n = virtio_console_read(&c->con, buf, sizeof(buf));
    assert_int_equal(n, 4);
    assert_memory_equal(buf, "pong", 4);
    assert_int_equal(c->fx->sim->vq[2].notifies + c->fx->sim->vq[3].notifies, 0);
    assert_int_equal(c->model->other_queue, 0);
}

/* ---- transmit ---------------------------------------------------------------------- */

static void test_tx_byte_exact(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    static uint8_t big[1000];
    unsigned notifies;

    init(c, VIRTIO_CONSOLE_IRQ);
    assert_int_equal(virtio_console_write(&c->con, "hello, world\r\n", 14), 14);
    assert_int_equal(virtio_console_tx_free(&c->con), 7);
    sim_console_run(c->model);
    assert_int_equal(c->model->out_len, 14);
    assert_memory_equal(c->model->out, "hello, world\r\n", 14);
    sim_run_irqs(); /* TX completion reclaimed in the interrupt */
    assert_int_equal(virtio_console_tx_free(&c->con), 8);
    assert_int_equal(c->ev_tx, 1);
    assert_int_equal(c->con.stats.tx_completions, 1);

    /* 1000 bytes: four buffers (256, 256, 256, 232) and one notification */
    pattern(big, sizeof(big), 1);
    notifies = c->fx->sim->vq[1].notifies;
    assert_int_equal(virtio_console_write(&c->con, big, sizeof(big)), 1000);
    assert_int_equal(c->fx->sim->vq[1].notifies, notifies + 1);
    assert_int_equal(virtio_console_tx_free(&c->con), 4);
    sim_console_run(c->model);
    sim_run_irqs();
    assert_int_equal(c->model->tx_chains, 5);
    assert_int_equal(c->model->max_tx_chain_bytes, 256);
    assert_int_equal(c->model->out_len, 1014);
    assert_memory_equal(c->model->out + 14, big, sizeof(big));
    assert_int_equal(c->con.stats.tx_bytes, 1014);
    assert_int_equal(virtio_console_tx_free(&c->con), 8);
    assert_int_equal(virtio_console_write(&c->con, big, 0), 0);
}

static void test_tx_pool_exhaustion_and_reclaim(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    static uint8_t data[8 * 256 + 100];
    int n;

    init(c, VIRTIO_CONSOLE_IRQ);
    pattern(data, sizeof(data), 3);
    n = virtio_console_write(&c->con, data, sizeof(data));
    assert_int_equal(n, 8 * 256); /* the pool is full */
    assert_int_equal(virtio_console_tx_free(&c->con), 0);
    assert_int_equal(virtio_console_write(&c->con, data + n, sizeof(data) - (size_t)n), 0);
    assert_int_equal(c->con.stats.tx_no_buffer, 1);
    /* the device consumes: everything comes back through the interrupt */
    sim_console_run_tx(c->model);
    assert_int_equal(virtio_console_tx_free(&c->con), 0); /* not yet delivered */
    sim_run_irqs();
    assert_int_equal(virtio_console_tx_free(&c->con), 8);
    assert_true(c->ev_tx >= 1);
    assert_int_equal(virtio_console_write(&c->con, data + n, sizeof(data) - (size_t)n), 100);
    sim_console_run_tx(c->model);
    assert_int_equal(c->model->out_len, sizeof(data));
    assert_memory_equal(c->model->out, data, sizeof(data));
}

static void test_tx_reclaimed_by_write_without_irq(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    static uint8_t data[8 * 256];

    init(c, VIRTIO_CONSOLE_IRQ);
    pattern(data, sizeof(data), 4);
    assert_int_equal(virtio_console_write(&c->con, data, sizeof(data)), 2048);
    sim_console_run_tx(c->model);
    /* interrupt not delivered: the next write reclaims by itself */
    assert_int_equal(virtio_console_write(&c->con, data, 10), 10);
    assert_int_equal(c->con.stats.tx_completions, 8);
    assert_int_equal(virtio_console_tx_free(&c->con), 7);
}

static void test_rings_smaller_than_pools(void **state)
{
    struct cfix *c = mk(state, 0, 2, 4);
    static uint8_t data[2048];

    init(c, VIRTIO_CONSOLE_IRQ);
    assert_int_equal(c->con.stats.rx_posted, 4); /* only 4 fit */
    pattern(data, sizeof(data), 5);
    assert_int_equal(virtio_console_write(&c->con, data, sizeof(data)), 1024);
    assert_int_equal(virtio_console_tx_free(&c->con), 4); /* buffers left, ring full */
    sim_console_run(c->model);
    sim_run_irqs();
    assert_int_equal(virtio_console_write(&c->con, data + 1024, 1024), 1024);
    sim_console_run(c->model);
    assert_int_equal(c->model->out_len, 2048);
    assert_memory_equal(c->model->out, data, 2048);
}

/* ---- receive ----------------------------------------------------------------------- */

static void test_rx_byte_exact_and_refill(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    uint8_t in[100], out[100];

    init(c, VIRTIO_CONSOLE_IRQ);
    pattern(in, sizeof(in), 9);
    sim_console_input(c->model, in, sizeof(in));
    assert_int_equal(sim_console_run(c->model), 1);
    assert_int_equal(virtio_console_rx_pending(&c->con), 0); /* interrupt not yet taken */
    sim_run_irqs();
    assert_int_equal(c->ev_rx, 1);
    assert_int_equal(virtio_console_rx_pending(&c->con), 100);
    memset(out, 0, sizeof(out));
    assert_int_equal(virtio_console_read(&c->con, out, 30), 30);
    assert_int_equal(c->con.stats.rx_posted, 8); /* partly read: still ours */
    assert_int_equal(virtio_console_read(&c->con, out + 30, 100), 70);
    assert_memory_equal(out, in, sizeof(in));
    assert_int_equal(c->con.stats.rx_posted, 9); /* drained: re-posted */
    assert_int_equal(virtqueue_num_free(c->con.rxq), 0);
    assert_int_equal(virtio_console_read(&c->con, out, sizeof(out)), 0);
    assert_int_equal(c->con.stats.rx_bytes, 100);
    assert_int_equal(c->con.stats.rx_read, 100);
}

static void test_rx_stream_many_buffers(void **state)
{
    struct cfix *c = mk(state, F_EVT, 2, 64);
    static uint8_t in[5000], out[5000];
    size_t got = 0;
    unsigned rounds = 0;

    init(c, VIRTIO_CONSOLE_IRQ);
    pattern(in, sizeof(in), 17);
    c->model->rx_max_per_buf = 37; /* short fills, odd sizes */
    sim_console_input(c->model, in, sizeof(in));
    while (got < sizeof(in) && rounds++ < 1000) {
        int n;

        sim_console_run(c->model);
        sim_run_irqs();
        n = virtio_console_read(&c->con, out + got, 13); /* odd read sizes */
        assert_true(n >= 0);
        got += (size_t)n;
    }
    assert_int_equal(got, sizeof(in));
    assert_memory_equal(out, in, sizeof(in));
    assert_int_equal(sim_console_input_left(c->model), 0);
    assert_int_equal(c->con.stats.rx_completions, (sizeof(in) + 36) / 37);
}

static void test_rx_backpressure(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    static uint8_t in[5000], out[5000];
    size_t got = 0;
    int n;

    init(c, VIRTIO_CONSOLE_IRQ);
    pattern(in, sizeof(in), 23);
    sim_console_input(c->model, in, sizeof(in));
    sim_console_run(c->model);
    sim_run_irqs();
    assert_int_equal(virtio_console_rx_pending(&c->con), 2048);
    /* nobody reads: the device has no buffer left, input waits (no loss) */
    assert_int_equal(sim_console_run(c->model), 0);
    assert_int_equal(sim_console_input_left(c->model), 5000 - 2048);
    assert_int_equal(c->con.stats.rx_posted, 8);
    n = virtio_console_read(&c->con, out, 100);
    assert_int_equal(n, 100);
    assert_int_equal(c->con.stats.rx_posted, 8); /* first buffer not drained */
    got = 100;
    n = virtio_console_read(&c->con, out + got, 156);
    assert_int_equal(n, 156);
    got += 156;
    assert_int_equal(c->con.stats.rx_posted, 9); /* now re-posted */
    while (got < sizeof(in)) {
        sim_console_run(c->model);
        sim_run_irqs();
        n = virtio_console_read(&c->con, out + got, sizeof(out) - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_memory_equal(out, in, sizeof(in));
}

static void test_rx_empty_completion_reposted(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    uint8_t buf[8];

    init(c, VIRTIO_CONSOLE_IRQ);
    /* The device returns a receive buffer with nothing in it. */
    sim_virtio_pop(c->fx->sim, 0);
    assert_true(sim_virtio_complete_at(c->fx->sim, 0, 0));
    sim_run_irqs();
    assert_int_equal(c->con.stats.rx_empty, 1);
    assert_int_equal(c->con.stats.rx_posted, 9); /* straight back */
    assert_int_equal(c->ev_rx, 0);
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 0);
}

/* ---- device faults ------------------------------------------------------------------ */

static void test_rx_used_len_beyond_buffer(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    uint8_t buf[512];

    init(c, VIRTIO_CONSOLE_IRQ);
    c->fx->sim->fault.used_len_force = true;
    c->fx->sim->fault.used_len = 257; /* the buffer holds 256 */
    sim_console_input(c->model, "xyz", 3);
    sim_console_run(c->model);
    sim_run_irqs();
    assert_true(virtqueue_is_broken(c->con.rxq));
    assert_int_equal(vq_stat_bad_len(c->con.rxq), 1);
    memset(buf, 0x55, sizeof(buf));
    /* The read that finds it recovers (a reset), and says so once. */
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), VIRTIO_EIO);
    assert_int_equal(buf[0], 0x55); /* nothing copied */
    assert_int_equal(buf[256], 0x55);
    assert_false(virtqueue_is_broken(c->con.rxq));
    assert_int_equal(c->con.stats.rx_bytes, 0);
    assert_int_equal(c->con.stats.errors, 1);
    assert_int_equal(c->con.stats.recoveries, 1);
    assert_int_equal(c->fx->dev.stats.queue_faults, 1);
    assert_int_equal(c->ev_rx, 0);
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 0); /* no error twice */
    /* Later input arrives through the re-posted buffers. */
    sim_console_input(c->model, "again", 5);
    sim_console_run(c->model);
    sim_run_irqs();
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "again", 5);
    assert_int_equal(virtio_console_write(&c->con, "ok", 2), 2);
    c->fx->allow_violations = true; /* the device's wrong length */
}

static void test_tx_used_len_beyond_buffer(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);

    init(c, VIRTIO_CONSOLE_IRQ);
    /* A transmit buffer has no writable bytes: any used length is too much
     * for a modern device; a legacy device may report the buffer length
     * there, so the value is ignored and counted. */
    c->fx->sim->fault.used_len_force = true;
    c->fx->sim->fault.used_len = 1;
    assert_int_equal(virtio_console_write(&c->con, "abc", 3), 3);
    sim_console_run_tx(c->model);
    sim_run_irqs();
    if (c->fx->version == 1) {
        struct vq_stats st;
        virtqueue_get_stats(c->con.txq, &st);
        assert_false(virtqueue_is_broken(c->con.txq));
        assert_int_equal(st.len_ignored, 1);
        assert_int_equal(st.bad_len, 0);
        assert_int_equal(virtio_console_write(&c->con, "def", 3), 3);
        return;
    }
    assert_true(virtqueue_is_broken(c->con.txq));
    assert_int_equal(vq_stat_bad_len(c->con.txq), 1);
    /* The write that finds it recovers, says so once, and the next works. */
    assert_int_equal(virtio_console_write(&c->con, "def", 3), VIRTIO_EIO);
    assert_int_equal(c->con.stats.tx_completions, 0);
    assert_false(virtqueue_is_broken(c->con.txq));
    assert_int_equal(c->con.stats.recoveries, 1);
    assert_int_equal(virtio_console_tx_free(&c->con), 8); /* "abc" given back: lost */
    assert_int_equal(c->con.stats.tx_lost, 3);
    assert_int_equal(virtio_console_write(&c->con, "def", 3), 3);
    sim_console_run_tx(c->model);
    sim_run_irqs();
    assert_int_equal(c->con.stats.tx_completions, 1);
    assert_true(c->model->out_len >= 3);
    assert_memory_equal(c->model->out + c->model->out_len - 3, "def", 3);
    c->fx->allow_violations = true;
}

/* ---- polling mode -------------------------------------------------------------------- */

static void test_poll_mode(void **state)
{
    struct cfix *c = mk(state, F_EVT, 2, 64);
    uint8_t buf[64];

    init(c, VIRTIO_CONSOLE_POLL);
    assert_false(sim_irq_attached(c->fx->sim->irq));
    sim_console_input(c->model, "poll me", 7);
    sim_console_run(c->model);
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 7);
    assert_memory_equal(buf, "poll me", 7);
    assert_int_equal(virtio_console_write(&c->con, "answer", 6), 6);
    sim_console_run(c->model);
    assert_memory_equal(c->model->out, "answer", 6);
    assert_int_equal(virtio_console_poll(&c->con), 1); /* the TX buffer */
    assert_int_equal(virtio_console_tx_free(&c->con), 8);
    sim_console_input(c->model, "!", 1);
    sim_console_run(c->model);
    assert_int_equal(virtio_console_poll(&c->con), 1); /* the RX buffer */
    assert_int_equal(virtio_console_rx_pending(&c->con), 1);
    assert_int_equal(c->ev_calls, 0); /* no interrupt context in this mode */
    assert_int_equal(sim_irq_delivered(c->fx->sim->irq), 0);
}

/* ---- write_all ------------------------------------------------------------------------ */

static void device_hook(void *arg)
{
    struct cfix *c = arg;

    if (++c->hook_calls % c->hook_every == 0) {
        sim_console_run(c->model);
        sim_run_irqs();
    }
}

static void test_write_all(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    static uint8_t data[5000];
    struct virtio_console_wait w = {NULL, NULL};

    init(c, VIRTIO_CONSOLE_IRQ);
    pattern(data, sizeof(data), 31);
    c->hook_every = 5;
    sim_time_set_hook(device_hook, c);
    assert_int_equal(virtio_console_write_all(&c->con, data, sizeof(data), &w, 10 * MS), 5000);
    sim_time_set_hook(NULL, NULL);
    sim_console_run(c->model);
    assert_int_equal(c->model->out_len, 5000);
    assert_memory_equal(c->model->out, data, 5000);
}

static void test_write_all_timeout(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    static uint8_t data[3000];

    init(c, VIRTIO_CONSOLE_IRQ);
    /* The device never consumes: the pool fills, then the time runs out. */
    assert_int_equal(virtio_console_write_all(&c->con, data, sizeof(data), NULL, 1 * MS), 2048);
    assert_int_equal(virtio_console_write_all(&c->con, data, sizeof(data), NULL, 1 * MS), VIRTIO_ETIMEDOUT);
}

/* ---- DEVICE_NEEDS_RESET ---------------------------------------------------------------- */

static void test_needs_reset_recovery(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    uint8_t buf[64];

    init(c, VIRTIO_CONSOLE_IRQ);
    /* One receive buffer filled but unread; 3 bytes posted for transmit and
     * never consumed. */
    sim_console_input(c->model, "kept", 4);
    sim_console_run_rx(c->model);
    sim_run_irqs();
    assert_int_equal(virtio_console_write(&c->con, "abc", 3), 3);
    c->ev_calls = 0;
    sim_virtio_set_needs_reset(c->fx->sim);
    sim_run_irqs();
    assert_true(c->fx->dev.reset_pending);
    assert_int_equal(c->ev_calls, 1); /* the waiter is woken */
    /* the next call recovers: filled bytes survive, posted ones come back */
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "kept", 4);
    assert_int_equal(c->fx->dev.stats.reinits, 1);
    assert_false(c->fx->dev.reset_pending);
    assert_int_equal(c->con.stats.rx_cancelled, 7);
    assert_int_equal(c->con.stats.tx_lost, 3);
    assert_int_equal(virtio_console_tx_free(&c->con), 8);
    assert_int_equal(virtqueue_num_free(c->con.rxq), 0); /* all 8 posted again */
    /* and it works again both ways */
    sim_console_input(c->model, "again", 5);
    assert_int_equal(virtio_console_write(&c->con, "out", 3), 3);
    sim_console_run(c->model);
    sim_run_irqs();
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 5);
    assert_memory_equal(buf, "again", 5);
    assert_int_equal(c->model->out_len, 3);
    assert_memory_equal(c->model->out, "out", 3);
}

/* ---- emergency write -------------------------------------------------------------------- */

static void test_emerg_write(void **state)
{
    struct cfix *c = mk(state, F_EMERG, 2, 64);
    unsigned i, k = 0;
    uint32_t seen[4] = {0};

    init(c, VIRTIO_CONSOLE_IRQ);
    c->fx->sim->n_reg = 0;
    assert_int_equal(virtio_console_emerg_write(&c->con, "SOS", 3), 3);
    for (i = 0; i < c->fx->sim->n_reg; i++)
        if (c->fx->sim->reg_off[i] == VIRTIO_MMIO_CONFIG + VIRTIO_CONSOLE_CFG_EMERG_WR && k < 4)
            seen[k++] = c->fx->sim->reg_val[i];
    assert_int_equal(k, 3);
    assert_int_equal(seen[0], 'S');
    assert_int_equal(seen[1], 'O');
    assert_int_equal(seen[2], 'S');
    assert_int_equal(c->fx->sim->vq[1].notifies, 0); /* no queue involved */
    assert_int_equal(c->con.stats.emerg_bytes, 3);
}

/* ---- init -------------------------------------------------------------------------------- */

static void test_init_errors(void **state)
{
    struct cfix *c = mk(state, 0, 2, 64);
    struct virtio_console_config bad = {.mode = VIRTIO_CONSOLE_IRQ, .rx_bufs = VIRTIO_CONSOLE_MAX_BUFS + 1};
    struct virtio_console_config ok = {.mode = VIRTIO_CONSOLE_IRQ};
    long n;
    int err = -1;

    assert_int_equal(virtio_console_init(&c->con, &c->fx->dev, &bad), VIRTIO_EINVAL);
    bad.rx_bufs = 0;
    bad.mode = (enum virtio_console_mode)7;
    assert_int_equal(virtio_console_init(&c->con, &c->fx->dev, &bad), VIRTIO_EINVAL);
    assert_int_equal(c->fx->sim->n_status, 0); /* untouched so far */
    for (n = 0; n < 32; n++) {
        sim_dma_fail_after(n);
        err = virtio_console_init(&c->con, &c->fx->dev, &ok);
        sim_dma_fail_after(-1);
        if (err == 0)
            break;
        assert_int_equal(err, VIRTIO_ENOMEM);
        assert_int_equal(sim_dma_live(), 0);
        assert_true(c->fx->sim->status & VIRTIO_STATUS_FAILED);
    }
    assert_int_equal(err, 0);
    assert_true(n >= 3); /* buffers and two rings at least */
    c->inited = true;
}

static void test_init_wrong_device_and_missing_queue(void **state)
{
    struct vfix *fx = *state;
    struct cfix *c = fx->user;
    struct virtio_console_config cfg = {.mode = VIRTIO_CONSOLE_IRQ};

    vfix_create(fx, VIRTIO_ID_RNG, 0, 2, 64);
    assert_int_equal(virtio_console_init(&c->con, &fx->dev, &cfg), VIRTIO_ENODEV);
    virtio_dev_shutdown(&fx->dev);
    sim_virtio_destroy(fx->sim);
    fx->sim = NULL;
    fx->attached = false;

    /* A console device with only a receive queue. */
    c = mk(state, 0, 1, 64);
    assert_int_equal(virtio_console_init(&c->con, &fx->dev, &cfg), VIRTIO_ENOENT);
    assert_true(fx->sim->status & VIRTIO_STATUS_FAILED);
    assert_int_equal(sim_dma_live(), 0);
}

static void test_non_coherent_buffers(void **state)
{
    struct vfix *fx = *state;
    struct cfix *c = fx->user;
    struct virtio_console_config cfg = {.mode = VIRTIO_CONSOLE_IRQ, .rx_bufs = 3, .tx_bufs = 5,
                                        .rx_buf_size = 100, .tx_buf_size = 65};
    uint8_t buf[16];
    unsigned i;

    fx->sim = sim_virtio_create(fx->version, VIRTIO_ID_CONSOLE,
                                fx->version == 1 ? 0 : B(VIRTIO_F_VERSION_1), 2, 64);
    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false), 0);
    fx->attached = true;
    c->model = sim_console_create(fx->sim);
    init_cfg(c, &cfg);
    assert_int_equal(c->con.rx_size, 128);
    assert_int_equal(c->con.tx_size, 128);
    for (i = 0; i < 3; i++)
        assert_int_equal((uintptr_t)c->con.rx[i].data % VIRTIO_CONSOLE_BUF_ALIGN, 0);
    for (i = 0; i < 5; i++)
        assert_int_equal((uintptr_t)c->con.tx[i].data % VIRTIO_CONSOLE_BUF_ALIGN, 0);
    assert_int_equal(c->con.stats.rx_posted, 3);
    assert_true(sim_cache_stats()->invalidates >= 3);
    sim_console_input(c->model, "nc", 2);
    assert_int_equal(virtio_console_write(&c->con, "tx", 2), 2);
    sim_console_run(c->model);
    sim_run_irqs();
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 2);
    assert_memory_equal(buf, "nc", 2);
    assert_memory_equal(c->model->out, "tx", 2);
}

/* ---- no interrupt, cache maintenance --------------------------------------------------- */

/* The device tree gave no interrupt: IRQ mode asked, polling done,
 * nothing attached (never line 0). */
static void test_no_irq_polled(void **state)
{
    struct cfix *c = mk(state, F_EVT, 2, 64);
    struct vfix *fx = c->fx;
    uint8_t buf[16];

    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, VIRTIO_NO_IRQ, PLAT_IRQ_LEVEL, true), 0);
    init(c, VIRTIO_CONSOLE_IRQ);
    assert_int_equal(c->con.mode, VIRTIO_CONSOLE_POLL);
    assert_false(fx->dev.irq_attached);
    for (unsigned i = 0; i < SIM_MAX_IRQ; i++)
        assert_false(sim_irq_attached(i));
    sim_console_input(c->model, "no irq", 6);
    sim_console_run(c->model);
    assert_int_equal(virtio_console_read(&c->con, buf, sizeof(buf)), 6);
    assert_memory_equal(buf, "no irq", 6);
    assert_int_equal(virtio_console_write(&c->con, "ok", 2), 2);
    sim_console_run(c->model);
    assert_memory_equal(c->model->out, "ok", 2);
    assert_int_equal(fx->dev.stats.interrupts, 0);
}

/* 3000 bytes each way, four times, through buffers that wrap the rings;
 * with `checks`, every transmit buffer the device consumed was cleaned over
 * what it carried, every receive buffer read was invalidated over what the
 * device wrote. */
static void con_traffic(struct cfix *c, bool checks)
{
    static uint8_t data[3000], got[3000];

    for (unsigned round = 0; round < 4; round++) {
        size_t base = c->model->out_len, off = 0;
        size_t mark = sim_cache_nops();

        pattern(data, sizeof(data), round);
        for (unsigned spins = 0; off < sizeof(data); spins++) {
            int w = virtio_console_write(&c->con, data + off, sizeof(data) - off);

            if (spins == 1000)
                fail_msg("round %u: only %zu of %zu bytes written", round, off, sizeof(data));
            assert_true(w >= 0);
            if (w == 0) { /* every buffer with the device: let it catch up */
                sim_console_run(c->model);
                sim_run_irqs();
                virtio_console_poll(&c->con);
            }
            off += (size_t)w;
        }
        sim_console_run(c->model);
        sim_run_irqs();
        virtio_console_poll(&c->con);
        assert_int_equal(c->model->out_len - base, sizeof(data));
        assert_memory_equal(c->model->out + base, data, sizeof(data));
        if (checks)
            for (unsigned i = 0; i < c->con.ntx; i++)
                assert_true(sim_cache_covered(false, c->con.tx[i].data, c->con.tx_size, mark));
        mark = sim_cache_nops();
        assert_int_equal(sim_console_input(c->model, data, sizeof(data)), sizeof(data));
        off = 0;
        for (unsigned spins = 0; off < sizeof(data) && spins < 1000; spins++) {
            int n;

            sim_console_run(c->model);
            sim_run_irqs();
            n = virtio_console_read(&c->con, got + off, sizeof(got) - off);
            assert_true(n >= 0);
            off += (size_t)n;
        }
        assert_int_equal(off, sizeof(data));
        assert_memory_equal(got, data, sizeof(data));
        if (checks)
            for (unsigned i = 0; i < c->con.nrx; i++)
                assert_true(sim_cache_covered(true, c->con.rx[i].data, c->con.rx_size, mark));
    }
}

/*
 * A device without dma-coherent behind the cache model (sim_plat.h), in
 * interrupt and polling mode: what the host receives is what the CPU
 * wrote, what read() returns is what the device wrote; the device never
 * gets a dirty line or a buffer not cleaned since it last had it, and every
 * line it wrote is invalidated before the driver reads it.
 */
static void test_non_coherent_model(void **state)
{
    struct vfix *fx = *state;
    struct cfix *c;
    struct virtio_console_config cfg = {.rx_bufs = 4, .tx_bufs = 4, .rx_buf_size = 200, .tx_buf_size = 300};

    sim_cache_model(true);
    c = mk(state, F_EVT | F_IND, 2, 16);
    assert_int_equal(virtio_mmio_attach(&fx->dev, fx->sim->base, fx->sim->irq, PLAT_IRQ_LEVEL, false), 0);
    for (unsigned m = 0; m < 2; m++) {
        cfg.mode = m ? VIRTIO_CONSOLE_POLL : VIRTIO_CONSOLE_IRQ;
        init_cfg(c, &cfg);
        con_traffic(c, true);
        virtio_console_shutdown(&c->con);
        c->inited = false;
    }
    assert_int_equal(sim_cache_unsynced(), 0);
    assert_true(sim_cache_model_ok());
}

/* The same traffic through a dma-coherent device: not one maintenance
 * call from init to shutdown. */
static void test_coherent_no_cache_ops(void **state)
{
    struct cfix *c = mk(state, F_EVT | F_IND, 2, 16);
    struct virtio_console_config cfg = {.rx_bufs = 4, .tx_bufs = 4, .rx_buf_size = 200, .tx_buf_size = 300};

    for (unsigned m = 0; m < 2; m++) {
        cfg.mode = m ? VIRTIO_CONSOLE_POLL : VIRTIO_CONSOLE_IRQ;
        init_cfg(c, &cfg);
        con_traffic(c, false);
        virtio_console_shutdown(&c->con);
        c->inited = false;
    }
    assert_int_equal(sim_cache_nops(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CON_TEST(test_features_and_queues),
        CON_TEST(test_no_features),
        CON_TEST(test_multiport_device_port0_works),
        CON_TEST(test_tx_byte_exact),
        CON_TEST(test_tx_pool_exhaustion_and_reclaim),
        CON_TEST(test_tx_reclaimed_by_write_without_irq),
        CON_TEST(test_rings_smaller_than_pools),
        CON_TEST(test_rx_byte_exact_and_refill),
        CON_TEST(test_rx_stream_many_buffers),
        CON_TEST(test_rx_backpressure),
        CON_TEST(test_rx_empty_completion_reposted),
        CON_TEST(test_rx_used_len_beyond_buffer),
        CON_TEST(test_tx_used_len_beyond_buffer),
        CON_TEST(test_poll_mode),
        CON_TEST(test_write_all),
        CON_TEST(test_write_all_timeout),
        CON_TEST(test_needs_reset_recovery),
        CON_TEST(test_emerg_write),
        CON_TEST(test_init_errors),
        CON_TEST(test_init_wrong_device_and_missing_queue),
        CON_TEST(test_non_coherent_buffers),
        CON_TEST(test_no_irq_polled),
        CON_TEST(test_non_coherent_model),
        CON_TEST(test_coherent_no_cache_ops),
    };

    return cmocka_run_group_tests_name("virtio_console", tests, NULL, NULL);
}
