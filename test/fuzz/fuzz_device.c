/*
 * fuzz_device.c - fuzz target for the virtio device side: every value a
 * device writes comes from the input.  The drivers (virtio_net, virtio_blk,
 * virtio_console, virtio_rng over drivers/virtio's core, split and packed
 * rings) talk to a register window of our own (sim_mmio_register) that sits
 * in front of the simulated device (test/sim/sim_virtio.c): each register
 * read is answered honestly by the simulated device, with one bit flipped,
 * or with four raw bytes, as a "register stream" in the input says.  The
 * simulated device keeps the queue addresses the driver programs; a
 * "device actor" then completes chains through it (with a handler whose
 * used lengths and written bytes - net headers and num_buffers, the blk
 * status byte, console and rng data - come from the input), writes raw used
 * entries (split) or used descriptors (packed) through sim_dma_ptr, arms
 * the simulator's one-shot faults, raises interrupts, changes the config
 * space and sets DEVICE_NEEDS_RESET; the driver side polls, submits,
 * checks/recovers and the clock moves - one step per input byte group,
 * at most MAX_STEPS.  DMA allocations fail where the input says, at init
 * (the extended header) or later (a device step re-arms the failure mask:
 * net's RX pool grows after init), and the clock advances by input-chosen
 * amounts on every read (the extended header, and device steps that set
 * the per-read advance or jump the clock).
 *
 * Input:
 *   [0]      bits 0-1 driver (net, blk, console, rng), bit 2 modern (v2),
 *            bit 3 offer RING_PACKED, bit 4 no interrupt line, bit 5
 *            ordering model off, bit 6 not dma-coherent (and the simulated
 *            non-coherent cache on), bit 7 edge irq
 *   [1]      QueueNumMax
 *   [2..9]   device features (le64)
 *   [10]     driver options (buffer counts, sizes, modes)
 *   [11]     L: bits 0-6 the register stream's length; bit 7 an extended
 *            header follows (else none: the first format, which the older
 *            seeds use)
 *   extended header, when L has bit 7:
 *     [12..13]  DMA failures (le16): bit i makes the driver's i-th DMA
 *               allocation from the start of its init fail (sim_plat's
 *               sim_dma_fail_mask), so init's unwinding runs
 *     [14]      the clock: what each plat_time_ns() read advances it by,
 *               0 the default 20 us, else (c & 0x3f) + 1 units of 10 us
 *               (bits 6-7 0), 100 us (1), 1 ms (2) or 50 ms (3); at least
 *               10 us, so a 100 ms wait (the reset's) ends within 10,000
 *               reads
 *     [15]      K, the clock stream's length; [16..16+K) the stream: while
 *               it lasts, each clock read advances the clock by one more
 *               byte b of it, (b & 0x7f) * (b & 0x80 ? 1 ms : 10 us) - so
 *               timeouts (blk/console/rng sync waits, the reset wait) expire
 *               early, late or at once, as the input says
 *   then     the register stream, 16 bytes of config space (for blk, also
 *            repeated over the discard / write-zeroes fields, 36..56), then
 *            the step stream.
 * Register stream, one control byte per register read while it lasts:
 *   c < 0x80 this read and the next c are honest; 0x80..0xbf honest value
 *   with bit c&31 flipped; >= 0xc0 four raw bytes follow.
 *
 * Oracle: ASan/UBSan; no hang (bounded steps, short timeouts and the
 * simulated clock); a blk request completes exactly once and only after it
 * was posted (and every posted one by shutdown), never with an unknown
 * result; an rng read or async completion never gives more than asked; a
 * console read/write never reports more than asked; a received net frame is
 * inside its buffer and not one the stack already holds, a TX buffer never
 * one it holds; after shutdown (or a failed init) no DMA block of the
 * driver is left and the platform saw no misuse (bad MMIO address, bad bus
 * address, bad free, lock recursion).
 *
 * Two builds, as the other targets: -DFUZZ_LIBFUZZER for libFuzzer,
 * otherwise the seed runner (seed_runner.c) over test/fuzz/seeds-device.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_runner.h"
#include "sim_packed.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_rng.h"
#include "virtio/virtqueue.h"

#define MAX_STEPS 256u
#define MS 1000000ull


/* ---- input streams ---------------------------------------------------------- */

struct stream {
    const uint8_t *p;
    size_t n, pos;
};
static struct stream regs, steps, clk_s;

static bool more(const struct stream *s) { return s->pos < s->n; }
static uint8_t u8(struct stream *s) { return s->pos < s->n ? s->p[s->pos++] : 0; }
static uint16_t u16(struct stream *s)
{
    uint16_t v = u8(s);
    return (uint16_t)(v | (uint16_t)u8(s) << 8);
}
static uint32_t u32(struct stream *s)
{
    uint32_t v = u16(s);
    return v | (uint32_t)u16(s) << 16;
}

/* ---- the clock ----------------------------------------------------------------- */

#define US 1000ull
static unsigned long n_clock_jumps, n_dma_fail_armed;

/* The per-read advance from a control byte (the extended header's format). */
static uint64_t clock_step(uint8_t c)
{
    static const uint64_t unit[4] = {10 * US, 100 * US, 1000 * US, 50000 * US};
    return c ? (uint64_t)((c & 0x3f) + 1u) * unit[c >> 6] : 20 * US; /* never 0: waits end */
}

/* sim_plat's time hook: each plat_time_ns() read takes one byte of the
 * clock stream while it lasts. */
static void clock_hook(void *arg)
{
    uint8_t b;

    (void)arg;
    if (!more(&clk_s))
        return;
    b = u8(&clk_s);
    sim_time_advance((uint64_t)(b & 0x7f) * ((b & 0x80) ? 1000 * US : 10 * US));
    n_clock_jumps++;
}

/* ---- the register window in front of the simulated device -------------------- */

static struct sim_virtio *sim;
static uintptr_t front;
static unsigned honest_left;
static unsigned long n_reg_fuzzed;

static uint32_t inner_read(uint32_t off, unsigned width)
{
    uintptr_t a = sim->base + off;
    return width == 1 ? plat_mmio_read8(a) : width == 2 ? plat_mmio_read16(a) : plat_mmio_read32(a);
}

static uint32_t front_read(void *ctx, uint32_t off, unsigned width)
{
    uint32_t v = inner_read(off, width), mask = width >= 4 ? 0xffffffffu : (1u << (8 * width)) - 1u;
    uint8_t c;

    (void)ctx;
    if (honest_left) {
        honest_left--;
        return v;
    }
    if (!more(&regs))
        return v;
    c = u8(&regs);
    if (c < 0x80) {
        honest_left = c;
        return v;
    }
    n_reg_fuzzed++;
    if (c < 0xc0)
        return (v ^ (1u << (c & 31))) & mask;
    return u32(&regs) & mask;
}

static void front_write(void *ctx, uint32_t off, unsigned width, uint32_t val)
{
    uintptr_t a = sim->base + off;

    (void)ctx;
    if (width == 1)
        plat_mmio_write8(a, (uint8_t)val);
    else if (width == 2)
        plat_mmio_write16(a, (uint16_t)val);
    else
        plat_mmio_write32(a, val);
}

static const struct sim_mmio_ops front_ops = {front_read, front_write};

/* ---- the device actor ----------------------------------------------------------- */

static unsigned drv_kind; /* 0 net, 1 blk, 2 console, 3 rng */
static unsigned long n_chains, n_raw_used, n_irqs;

/* Fill a popped chain's writable part; return the used length. */
static uint32_t dev_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    uint8_t b = u8(&steps), buf[64];
    uint32_t n, i;

    (void)s;
    (void)arg;
    n_chains++;
    if (c->in_bytes == 0)
        return (b & 0x80) ? u16(&steps) : 0;
    if (!(b & 0x80)) { /* an answer like a correct device's */
        if (drv_kind == 0 && q == 0) {
            uint8_t hdr[12] = {0};
            uint32_t hl = (sim_virtio_has(s, 32) || sim_virtio_has(s, VIRTIO_NET_F_MRG_RXBUF)) ? 12 : 10;
            uint32_t flen = 14u + (uint32_t)u8(&steps) * 4u;

            hdr[0] = (uint8_t)(b & 3);
            hdr[6] = u8(&steps); /* csum_start / offset */
            hdr[8] = (uint8_t)(b >> 2 & 15);
            hdr[10] = 1;
            sim_chain_scatter(c, 0, hdr, hl < c->in_bytes ? hl : c->in_bytes);
            for (i = 0; i < sizeof(buf); i++)
                buf[i] = (uint8_t)(i * 7u + b);
            for (i = hl; i < hl + flen && i < c->in_bytes; i += sizeof(buf)) {
                uint32_t k = c->in_bytes - i < sizeof(buf) ? c->in_bytes - i : sizeof(buf);
                sim_chain_scatter(c, i, buf, k);
            }
            n = hl + flen;
            return n < c->in_bytes ? n : c->in_bytes;
        }
        if (drv_kind == 1) {
            uint8_t st = (uint8_t)(b % 3);
            sim_chain_scatter(c, c->in_bytes - 1, &st, 1);
            return c->in_bytes;
        }
        n = (b & 0x40) ? c->in_bytes : u8(&steps);
        if (n > c->in_bytes)
            n = c->in_bytes;
        for (i = 0; i < sizeof(buf); i++)
            buf[i] = (uint8_t)(i + b);
        for (i = 0; i < n; i += sizeof(buf))
            sim_chain_scatter(c, i, buf, n - i < sizeof(buf) ? n - i : sizeof(buf));
        return n;
    }
    /* raw: input bytes at the start (and at the end), any length */
    n = b & 0x3f;
    for (i = 0; i < n; i++)
        buf[i] = u8(&steps);
    if (n > c->in_bytes)
        n = c->in_bytes;
    sim_chain_scatter(c, 0, buf, n);
    if (b & 0x40)
        sim_chain_scatter(c, c->in_bytes - 1, buf, n ? 1 : 0);
    return u32(&steps);
}

/* A used entry written straight into the ring, every field from the input. */
static void raw_used(unsigned q)
{
    struct sim_vq *v = &sim->vq[q];
    uint8_t b = u8(&steps);
    uint32_t id = (b & 1) ? u32(&steps) : (uint32_t)(u8(&steps) % (v->num ? v->num : 1));
    uint32_t len = (b & 2) ? u32(&steps) : u8(&steps);

    if (!v->ready || v->num == 0)
        return;
    n_raw_used++;
    if (sim_packed_on(sim)) {
        unsigned pos = v->used_idx % v->num;
        bool wrap = ((v->used_idx / v->num) & 1) == 0;
        uint8_t *d = sim_dma_ptr(v->desc + 16u * pos, 16);
        uint16_t flags = wrap ? (uint16_t)(1u << 7 | 1u << 15) : 0;

        if (!d)
            return;
        if (b & 4)
            flags ^= u16(&steps);
        if (b & 8)
            flags |= 2; /* WRITE */
        memcpy(d + 8, &len, 4);
        memcpy(d + 12, &id, 2);
        memcpy(d + 14, &flags, 2);
        sim_dma_publish(v->desc + 16u * pos + 14, 2);
        v->used_idx++;
    } else {
        size_t sz = 4u + 8u * v->num;
        uint8_t *u = sim_dma_ptr(v->used, sz);
        uint16_t delta = (b & 4) ? u16(&steps) : (uint16_t)(b >> 4 & 3);

        if (!u)
            return;
        memcpy(u + 4 + 8u * (v->used_idx % v->num), &id, 4);
        memcpy(u + 8 + 8u * (v->used_idx % v->num), &len, 4);
        v->used_idx = (uint16_t)(v->used_idx + delta);
        memcpy(u + 2, &v->used_idx, 2);
        sim_dma_publish(v->used + 2, 2);
    }
}

static void set_fault(void)
{
    uint8_t b = u8(&steps);
    struct sim_faults *f = &sim->fault;

    switch (b & 7) {
    case 0: f->used_id_force = true; f->used_id = (b & 8) ? u32(&steps) : u8(&steps); break;
    case 1: f->used_len_force = true; f->used_len = (b & 8) ? u32(&steps) : u16(&steps); break;
    case 2: f->dup_next = true; break;
    case 3: f->idx_jump = (uint16_t)(1u + (b >> 3)); break;
    case 4: f->scribble = !f->scribble; break;
    case 5: f->used_flags_xor = u16(&steps); break;
    case 6: f->gen_bumps = b >> 3; break;
    default: f->reset_delay_reads = b >> 3; break;
    }
}

/* ---- the drivers and their bookkeeping ------------------------------------------ */

static struct virtio_dev vdev;
static bool inited;
static size_t harness_blocks;

/* net */
#define NET_HOLD 16
static struct virtio_net vnet;
static struct netbuf *held[NET_HOLD];
static unsigned nheld;
static bool hold_rx;
static unsigned long n_rx_frames, n_tx;

static bool is_held(const struct netbuf *nb)
{
    unsigned i;
    for (i = 0; i < nheld; i++)
        if (held[i] == nb)
            return true;
    return false;
}

static void net_rx(void *arg, struct netbuf *nb)
{
    volatile uint8_t sum = 0;
    unsigned i;

    (void)arg;
    CHECK(nb != NULL);
    CHECK(!is_held(nb));
    CHECK((uint32_t)nb->off + nb->len <= nb->cap);
    for (i = 0; i < nb->len; i++)
        sum = (uint8_t)(sum + nb->buf[nb->off + i]);
    n_rx_frames++;
    if (hold_rx && nheld < NET_HOLD)
        held[nheld++] = nb;
    else
        nb->release(nb);
}

static void net_release_held(void)
{
    while (nheld) {
        struct netbuf *nb = held[--nheld];
        nb->release(nb);
    }
}

static void net_submit(void)
{
    uint8_t b = u8(&steps);
    struct netbuf *nb = virtio_net_tx_alloc(&vnet);
    uint16_t len;

    if (!nb)
        return;
    CHECK(!is_held(nb));
    CHECK((uint32_t)nb->off + nb->len <= nb->cap);
    len = (b & 0x80) ? u16(&steps) : (uint16_t)(14u + (b & 0x7f) * 12u);
    if (len > nb->cap - nb->off)
        len = (uint16_t)(nb->cap - nb->off);
    nb->len = len;
    memset(netbuf_data(nb), b, len);
    if (b & 0x40 && len >= 34) {
        nb->csum_flags = NETBUF_CSUM_PARTIAL;
        nb->csum_start = (uint16_t)(nb->off + 14u + (b & 0x1f));
        nb->csum_offset = (uint16_t)(b & 0x0f);
    }
    if ((b & 0x3) == 3) {
        nb->release(nb);
        if (b & 4)
            nb->release(nb); /* a double release is ignored (documented) */
        return;
    }
    n_tx++;
    (void)virtio_net_tx(&vnet, nb);
    if (b & 8)
        virtio_net_flush(&vnet);
}

/* blk */
#define NREQ 8
#define REQ_BUF 4096u
static struct virtio_blk vblk;
static struct virtio_blk_req reqs[NREQ];
static int req_state[NREQ]; /* 0 free, 1 posted, 2 done */
static uint8_t *blk_mem;
static unsigned long n_blk_done, n_blk_sync;

static void blk_done(struct virtio_blk_req *r, int result)
{
    unsigned i = (unsigned)(r - reqs);

    CHECK(i < NREQ);
    CHECK(req_state[i] == 1);
    CHECK(result == 0 || result == VIRTIO_EIO || result == VIRTIO_ENOTSUP || result == VIRTIO_ECANCELED);
    req_state[i] = 2;
    n_blk_done++;
}

static void blk_submit(void)
{
    uint8_t b = u8(&steps), c = u8(&steps);
    unsigned i = b % NREQ;
    struct virtio_blk_req *r = &reqs[i];
    static const uint32_t types[4] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, 7};
    /* the fourth type, by c's top bits: unknown, or one of the requests
     * without a data buffer of 512-byte units */
    static const uint32_t other[4] = {7, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES};
    int ret;

    if (req_state[i] == 1)
        return;
    memset(r, 0, sizeof(*r));
    r->type = types[(b >> 3) & 3];
    r->sector = (b & 0x80) ? u32(&steps) : c;
    r->buf = r->type == VIRTIO_BLK_T_FLUSH ? NULL : blk_mem + (size_t)i * REQ_BUF;
    r->len = r->type == VIRTIO_BLK_T_FLUSH ? 0 : (uint32_t)((c & 7) + 1) * 512u;
    if (b & 0x20)
        r->len = c; /* not a multiple of 512 */
    if (r->type == 7) {
        r->type = other[c >> 6];
        if (r->type == VIRTIO_BLK_T_GET_ID && !(b & 0x20))
            r->len = VIRTIO_BLK_ID_BYTES;
        r->num_sectors = (c & 7) + ((b & 0x20) ? 0 : 1); /* 0: refused */
        r->flags = (b & 0x20) ? (c >> 3) & 3 : 0;        /* UNMAP, or a reserved bit */
    }
    r->done = blk_done;
    req_state[i] = 1;
    ret = (b & 0x40) ? virtio_blk_queue(&vblk, r) : virtio_blk_submit(&vblk, r);
    if (ret != 0) {
        CHECK(req_state[i] == 1); /* refused: done() must not have run */
        req_state[i] = 0;
    }
    if (b & 0x40 && (c & 1))
        virtio_blk_kick(&vblk);
}

/* rng */
static struct virtio_rng vrng;
static uint8_t rng_dst[1024];
static size_t rng_asked;
static bool rng_async_out;
static unsigned long n_rng_bytes, n_rng_async_zero;

static void rng_cb(void *arg, int result)
{
    (void)arg;
    CHECK(rng_async_out);
    CHECK(result <= (int)rng_asked);
    /* 0 happens: a device that returns an empty buffer (virtio_rng.h says > 0) */
    if (result == 0)
        n_rng_async_zero++;
    rng_async_out = false;
}

/* console */
static struct virtio_console vcon;
static unsigned long n_con_rx;

/* The wait hook of the synchronous helpers: the device makes some progress. */
static void dev_step(void);
static unsigned wait_calls;
static void wait_hook(void *arg)
{
    (void)arg;
    if (++wait_calls > 64)
        return;
    if (more(&steps))
        dev_step();
}

/* ---- steps ------------------------------------------------------------------ */

static void dev_step(void)
{
    uint8_t op = u8(&steps);
    unsigned q = (op >> 4) % (sim->nq ? sim->nq : 1);

    switch (op & 15) {
    case 0: sim_virtio_pop(sim, q); break;
    case 1: sim_virtio_complete(sim, q, (op >> 6) + 1u); break;
    case 2: sim_virtio_process(sim, q); break;
    case 3: raw_used(q); break;
    case 4: set_fault(); break;
    case 5:
        sim_virtio_raise(sim, (op & 0x80) ? u8(&steps) : 1u);
        n_irqs++;
        sim_run_irqs();
        break;
    case 6: /* the line alone (InterruptStatus says what the register stream says) */
        sim_irq_set_level(sim->irq, true);
        sim_run_irqs();
        sim_irq_set_level(sim->irq, false);
        break;
    case 7: {
        uint8_t off = u8(&steps) & 15;
        sim->config[off] = u8(&steps);
        sim_virtio_config_changed(sim);
        sim_run_irqs();
        break;
    }
    case 8: sim_virtio_set_needs_reset(sim); sim_run_irqs(); break;
    case 9: sim_time_advance((uint64_t)u8(&steps) * MS); break;
    case 10: sim_virtio_set_used_flags(sim, q, (uint16_t)(op >> 7)); break;
    case 11: sim_virtio_set_avail_event(sim, q, u16(&steps)); break;
    case 12: /* the driver's next DMA allocations fail as a mask says (net's RX pool growth) */
        sim_dma_fail_mask(u16(&steps));
        n_dma_fail_armed++;
        break;
    case 13: sim_time_set_step(clock_step(u8(&steps))); break;
    default: sim_run_irqs(); break;
    }
}

static void drv_step(void)
{
    uint8_t op = u8(&steps);
    struct virtio_blk_wait bw = {wait_hook, NULL, 2 * MS};
    static uint8_t buf[1024];

    wait_calls = 0;
    switch (drv_kind) {
    case 0:
        switch (op & 7) {
        case 0: case 1: (void)virtio_net_poll(&vnet, (op >> 3) & 15); break;
        case 2: case 3: net_submit(); break;
        case 4: (void)virtio_net_check(&vnet); break;
        case 5: net_release_held(); hold_rx = op & 8; break;
        case 6: (void)virtio_net_link_up(&vnet); (void)virtio_net_link_changed(&vnet); break;
        default: (void)virtio_net_pending(&vnet); virtio_net_flush(&vnet); break;
        }
        break;
    case 1:
        switch (op & 7) {
        case 0: case 1: case 2: blk_submit(); break;
        case 3: (void)virtio_blk_poll(&vblk); break;
        case 4: (void)virtio_blk_check(&vblk); break;
        case 5: case 6: {
            /* the helpers' buffers: the last request slots' memory, free while no request uses them */
            unsigned cnt = (op >> 3) & 7, i;
            bool busy = false;
            for (i = NREQ - 2; i < NREQ; i++)
                busy |= req_state[i] == 1;
            if (busy)
                break;
            n_blk_sync++;
            if ((op & 7) == 5)
                (void)virtio_blk_read(&vblk, op >> 6, blk_mem + (NREQ - 2) * REQ_BUF, cnt, &bw);
            else if (op & 0x80)
                (void)virtio_blk_flush(&vblk, &bw);
            else
                (void)virtio_blk_write(&vblk, op >> 6, blk_mem + (NREQ - 2) * REQ_BUF, cnt, &bw);
            /* a timed-out helper's request keeps its buffer: never reuse those slots' memory
             * for asynchronous requests from now on */
            req_state[NREQ - 1] = req_state[NREQ - 2] = 1;
            break;
        }
        default:
            switch ((op >> 3) & 3) {
            case 0: (void)virtio_blk_info(&vblk); (void)virtio_blk_max_sectors(&vblk); break;
            case 1: {
                /* the serial the device wrote: printable, at most 20, or "" with an error */
                char id[VIRTIO_BLK_ID_BYTES + 1];
                size_t k;
                int err = virtio_blk_get_id(&vblk, id, &bw);
                for (k = 0; id[k]; k++)
                    CHECK(k < VIRTIO_BLK_ID_BYTES && id[k] >= 0x20 && id[k] < 0x7f);
                CHECK(err == 0 || k == 0);
                n_blk_sync++;
                break;
            }
            case 2: (void)virtio_blk_discard(&vblk, (op >> 5) & 7, 1 + (op >> 6), &bw); n_blk_sync++; break;
            default:
                (void)virtio_blk_write_zeroes(&vblk, (op >> 5) & 7, 1 + (op >> 6), op & 0x20, &bw);
                n_blk_sync++;
                break;
            }
            break;
        }
        break;
    case 2:
        switch (op & 7) {
        case 0: case 1: {
            size_t len = (size_t)(op >> 3) * 20u;
            int r = virtio_console_read(&vcon, buf, len);
            CHECK(r <= (int)len);
            if (r > 0)
                n_con_rx += (unsigned)r;
            break;
        }
        case 2: case 3: {
            size_t len = (size_t)(op >> 3) * 24u;
            int r;
            memset(buf, op, len);
            r = virtio_console_write(&vcon, buf, len);
            CHECK(r <= (int)len);
            break;
        }
        case 4: (void)virtio_console_poll(&vcon); break;
        case 5: {
            struct virtio_console_wait w = {wait_hook, NULL};
            size_t len = (size_t)(op >> 3) * 32u; /* <= sizeof buf */
            CHECK(virtio_console_write_all(&vcon, buf, len, &w, 2 * MS) <= (int)len);
            break;
        }
        case 6: (void)virtio_console_emerg_write(&vcon, "x!", 1u + (op >> 7)); break;
        default: (void)virtio_console_rx_pending(&vcon); (void)virtio_console_tx_free(&vcon); break;
        }
        CHECK(vcon.stats.rx_read <= vcon.stats.rx_bytes);
        break;
    default:
        switch (op & 3) {
        case 0: case 1: {
            struct virtio_rng_wait w = {wait_hook, NULL};
            size_t len = (size_t)(op >> 2) * 9u;
            int r = virtio_rng_read(&vrng, buf, len, &w, 2 * MS);
            CHECK(r <= (int)len);
            if (r > 0)
                n_rng_bytes += (unsigned)r;
            break;
        }
        case 2:
            if (!rng_async_out) {
                size_t len = 1u + (size_t)(op >> 2) * 16u;
                rng_asked = len;
                rng_async_out = true;
                if (virtio_rng_read_async(&vrng, rng_dst, len, rng_cb, NULL) != 0)
                    rng_async_out = false;
            }
            break;
        default: break;
        }
        break;
    }
}

/* ---- one run --------------------------------------------------------------------- */

static unsigned long n_runs, n_init_ok[4], n_init_fail, n_packed_up, n_v1_up;
static unsigned long n_kept, n_kept_init; /* a queue the device did not stop: memory kept */
static unsigned long n_init_dma_fail, n_late_dma_fail, n_sync_timeouts;

/* The virtio device of the driver under test (console and rng: vdev). */
static struct virtio_dev *drv_dev(void)
{
    return drv_kind == 0 ? &vnet.dev : drv_kind == 1 ? &vblk.dev : &vdev;
}

static void run(const uint8_t *data, size_t size)
{
    uint8_t sel, numb, opts, L, clk = 0;
    uint16_t dma_fail = 0;
    size_t at = 12;
    uint64_t feat = 0;
    uint32_t version;
    unsigned irq, irq_flags, i, nstep;
    bool coherent;
    int err = 0;
    unsigned long init_failures;

    if (size < 12)
        return;
    sel = data[0];
    numb = data[1];
    for (i = 0; i < 8; i++)
        feat |= (uint64_t)data[2 + i] << (8 * i);
    opts = data[10];
    L = data[11];
    clk_s.n = clk_s.pos = 0;
    if (L & 0x80) { /* the extended header */
        uint8_t K;
        if (size < 16)
            return;
        dma_fail = (uint16_t)(data[12] | data[13] << 8);
        clk = data[14];
        K = data[15];
        at = 16;
        clk_s.p = data + at;
        clk_s.n = (size_t)K < size - at ? K : size - at;
        at += clk_s.n;
        L &= 0x7f;
    }
    regs.p = data + at;
    regs.n = (size_t)L < size - at ? L : size - at;
    regs.pos = 0;
    steps.p = data + at + regs.n;
    steps.n = size - at - regs.n;
    steps.pos = 0;
    honest_left = 0;

    drv_kind = sel & 3;
    version = (sel & 4) ? 2 : 1;
    if (sel & 8)
        feat |= VIRTIO_BIT(VIRTIO_F_RING_PACKED);
    coherent = !(sel & 0x40);

    sim_plat_reset();
    /* 20 us per clock read unless the input says: a 100 ms wait is 5000 reads */
    sim_time_set_step(clock_step(clk));
    if (clk_s.n)
        sim_time_set_hook(clock_hook, NULL);
    if (sel & 0x20)
        sim_order_model(false);
    if (!coherent) /* two views of DMA memory: the drivers' cache maintenance matters */
        sim_cache_model(true);
    sim = sim_virtio_create(version, drv_kind == 0 ? VIRTIO_ID_NET : drv_kind == 1 ? VIRTIO_ID_BLOCK
                                     : drv_kind == 2 ? VIRTIO_ID_CONSOLE : VIRTIO_ID_RNG,
                            feat, (drv_kind == 0 || drv_kind == 2) ? 2u : 1u, numb);
    sim->handler = dev_handler;
    for (i = 0; i < 16 && more(&steps); i++)
        sim->config[i] = u8(&steps);
    /* blk's discard / write-zeroes limits (36..56) from the same bytes:
     * hostile values for the driver's validation, and no new input layout. */
    if (drv_kind == 1)
        for (i = 0; i < 21; i++)
            sim->config[36 + i] = sim->config[i % 16];
    front = sim_mmio_register(&front_ops, NULL, 0x200);
    irq = (sel & 0x10) ? VIRTIO_NO_IRQ : sim->irq;
    irq_flags = (sel & 0x80) ? PLAT_IRQ_EDGE : PLAT_IRQ_LEVEL;
    memset(&vdev, 0, sizeof(vdev));
    inited = false;
    nheld = 0;
    hold_rx = opts & 1;
    memset(req_state, 0, sizeof(req_state));
    rng_async_out = false;
    blk_mem = NULL;
    harness_blocks = 0;
    n_runs++;

    if (drv_kind == 1) { /* the requests' buffers: the harness's, never failed */
        plat_busaddr_t bus;
        blk_mem = plat_dma_alloc(NREQ * REQ_BUF, 4096, &bus);
        CHECK(blk_mem != NULL);
        harness_blocks = 1;
    }
    /* From here on the allocations are the driver's: fail the ones the input says. */
    if (dma_fail) {
        sim_dma_fail_mask(dma_fail);
        n_dma_fail_armed++;
    }
    switch (drv_kind) {
    case 0: {
        struct virtio_net_config cfg = {0};
        cfg.rx = net_rx;
        cfg.rx_queue_size = (opts & 2) ? 0 : 8;
        cfg.tx_queue_size = (opts & 4) ? 0 : 8;
        cfg.rx_initial = (uint16_t)((opts >> 3) & 7);
        cfg.irq_after_first_poll = opts & 0x40;
        if (opts & 0x80)
            cfg.disable_features = VIRTIO_BIT(VIRTIO_NET_F_MRG_RXBUF);
        memset(&vnet, 0, sizeof(vnet));
        err = virtio_net_init(&vnet, front, irq, irq_flags, coherent, &cfg);
        break;
    }
    case 1: {
        memset(&vblk, 0, sizeof(vblk));
        err = virtio_blk_init(&vblk, front, irq, irq_flags, coherent);
        break;
    }
    case 2: {
        struct virtio_console_config cfg = {0};
        cfg.mode = (opts & 1) ? VIRTIO_CONSOLE_POLL : VIRTIO_CONSOLE_IRQ;
        cfg.rx_bufs = (uint16_t)((opts >> 1) & 3);
        cfg.tx_bufs = (uint16_t)((opts >> 3) & 3);
        cfg.rx_buf_size = (opts & 0x20) ? 64 : 0;
        cfg.tx_buf_size = (opts & 0x40) ? 100 : 0;
        memset(&vcon, 0, sizeof(vcon));
        err = virtio_mmio_attach(&vdev, front, irq, irq_flags, coherent);
        if (err == 0)
            err = virtio_console_init(&vcon, &vdev, &cfg);
        break;
    }
    default: {
        struct virtio_rng_config cfg = {0};
        cfg.mode = (opts & 1) ? VIRTIO_RNG_POLL : VIRTIO_RNG_IRQ;
        cfg.buf_size = (opts & 2) ? (uint32_t)(opts >> 2) * 8u + 1u : 0;
        memset(&vrng, 0, sizeof(vrng));
        err = virtio_mmio_attach(&vdev, front, irq, irq_flags, coherent);
        if (err == 0)
            err = virtio_rng_init(&vrng, &vdev, &cfg);
        break;
    }
    }
    init_failures = sim_dma_failures();
    if (err == 0) {
        inited = true;
        n_init_ok[drv_kind]++;
        if (sim_packed_on(sim))
            n_packed_up++;
        if (version == 1)
            n_v1_up++;
    } else {
        n_init_fail++;
        if (sim_dma_failures())
            n_init_dma_fail++;
        /* A failed init leaves nothing allocated - unless the device would
         * not stop a queue (virtio_dev_fail): then what it was given stays. */
        if (!drv_dev()->memory_kept)
            CHECK(sim_dma_live() == harness_blocks);
    }

    for (nstep = 0; inited && nstep < MAX_STEPS && more(&steps); nstep++) {
        uint8_t k = u8(&steps);
        if (k & 1)
            dev_step();
        else
            drv_step();
    }

    if (inited) {
        if (sim_dma_failures() > init_failures)
            n_late_dma_fail++; /* an allocation after init refused (net's RX pool growth) */
        if (drv_kind == 1)
            n_sync_timeouts += vblk.stats.sync_timeouts;
        if (drv_kind == 3)
            n_sync_timeouts += vrng.stats.timeouts;
        switch (drv_kind) {
        case 0: net_release_held(); virtio_net_shutdown(&vnet); break;
        case 1:
            virtio_blk_shutdown(&vblk);
            /* every posted request completed (cancelled at the latest) -
             * but one a device that cannot be stopped still holds */
            for (i = 0; i < NREQ - 2; i++)
                CHECK(req_state[i] != 1 || vblk.dev.memory_kept);
            break;
        case 2: virtio_console_shutdown(&vcon); break;
        default: virtio_rng_shutdown(&vrng); break;
        }
    }
    /* Everything freed, or kept only because a queue did not stop (the
     * blocks the driver allocated stay; virtio_dev_shutdown). */
    if (drv_dev()->memory_kept) {
        n_kept++;
        CHECK(sim_dma_live() >= harness_blocks);
        CHECK(drv_dev()->stats.queues_kept > 0);
        if (!inited)
            n_kept_init++;
    } else {
        CHECK(sim_dma_live() == harness_blocks);
    }
    if (blk_mem && drv_dev()->memory_kept)
        blk_mem = NULL; /* the device may still write it: kept, like the rest */
    if (blk_mem)
        plat_dma_free(blk_mem, NREQ * REQ_BUF);
    sim_mmio_unregister(front);
    sim_virtio_destroy(sim);
    sim = NULL;
    {
        const struct sim_plat_errors *e = sim_plat_errors();
        CHECK(e->bad_mmio == 0);
        CHECK(e->bad_bus_addr == 0);
        CHECK(e->bad_free == 0);
        CHECK(e->bad_cache == 0);
        CHECK(e->lock_recursion == 0);
    }
    if (drv_dev()->memory_kept)
        sim_dma_forgive_live();
    CHECK(sim_plat_reset() == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size);
    return 0;
}

int fuzz_seed_coverage(void)
{
    int miss = 0;

    fprintf(stderr, "fuzz_device: %lu runs, init ok net %lu blk %lu con %lu rng %lu (packed %lu, v1 %lu), "
            "failed %lu; chains %lu, raw used %lu, irqs %lu, rx frames %lu, tx %lu, blk done %lu, "
            "blk sync %lu, con rx %lu, rng bytes %lu, fuzzed regs %lu; dma failures at init %lu, "
            "after init %lu (armed %lu); clock jumps %lu, sync timeouts %lu; memory kept %lu (at init %lu)\n",
            n_runs, n_init_ok[0], n_init_ok[1], n_init_ok[2], n_init_ok[3], n_packed_up, n_v1_up, n_init_fail,
            n_chains, n_raw_used, n_irqs, n_rx_frames, n_tx, n_blk_done, n_blk_sync, n_con_rx, n_rng_bytes,
            n_reg_fuzzed, n_init_dma_fail, n_late_dma_fail, n_dma_fail_armed, n_clock_jumps, n_sync_timeouts,
            n_kept, n_kept_init);
    miss += FUZZ_REACHED(n_init_ok[0] > 0);
    miss += FUZZ_REACHED(n_init_ok[1] > 0);
    miss += FUZZ_REACHED(n_init_ok[2] > 0);
    miss += FUZZ_REACHED(n_init_ok[3] > 0);
    miss += FUZZ_REACHED(n_packed_up > 0);
    miss += FUZZ_REACHED(n_v1_up > 0);
    miss += FUZZ_REACHED(n_rx_frames > 0);
    miss += FUZZ_REACHED(n_blk_done > 0);
    miss += FUZZ_REACHED(n_con_rx > 0);
    miss += FUZZ_REACHED(n_rng_bytes > 0);
    miss += FUZZ_REACHED(n_raw_used > 0);
    miss += FUZZ_REACHED(n_reg_fuzzed > 0);
    miss += FUZZ_REACHED(n_init_dma_fail > 0);
    miss += FUZZ_REACHED(n_late_dma_fail > 0);
    miss += FUZZ_REACHED(n_clock_jumps > 0);
    miss += FUZZ_REACHED(n_sync_timeouts > 0);
    return miss;
}
