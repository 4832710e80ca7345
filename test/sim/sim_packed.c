/*
 * sim_packed.c - the device side of packed virtqueues, see sim_packed.h.
 * Follows virtio 1.2 2.8 with its own bounds checks; offsets from the
 * spec's numbers.  Host code: little-endian, uses the C library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_le.h"
#include "sim_packed.h"
#include "sim_plat.h"
#include "sim_virtio.h"
#include "virtio/virtio_mmio_regs.h"

/* Spec numbers (2.8.13, 2.8.14, 2.8.1, 2.8.10). */
#define PDESC 16u
#define P_ADDR 0u
#define P_LEN 8u
#define P_ID 12u
#define P_FLAGS 14u
#define EVT_SIZE 4u
#define F_NEXT 1u
#define F_WRITE 2u
#define F_INDIRECT 4u
#define F_AVAIL (1u << 7)
#define F_USED (1u << 15)
#define EVT_ENABLE 0u
#define EVT_DISABLE 1u
#define EVT_DESC 2u
#define FEAT_INDIRECT_DESC 28u
#define FEAT_EVENT_IDX 29u

bool sim_packed_on(const struct sim_virtio *s)
{
    return s->version != 1 && ((s->drv_features >> SIM_F_RING_PACKED) & 1u);
}

static bool event_idx(const struct sim_virtio *s)
{
    return (s->drv_features >> FEAT_EVENT_IDX) & 1u;
}

static bool queue_usable(struct sim_virtio *s, unsigned q)
{
    return q < s->nq && s->vq[q].ready && !s->vq[q].error &&
           (s->status & VIRTIO_STATUS_DRIVER_OK) &&
           !(s->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* Wrap counter of descriptor counter c: 1 on the first lap (2.8.1). */
static bool wrap_of(const struct sim_vq *v, uint16_t c)
{
    return ((c / v->num) & 1u) == 0;
}

static uint64_t desc_bus(const struct sim_vq *v, uint16_t c)
{
    return v->desc + (uint64_t)PDESC * (c % v->num);
}

static uint8_t *desc_at(const struct sim_vq *v, uint16_t c)
{
    return sim_dma_ptr(desc_bus(v, c), PDESC);
}

/* The next descriptor's flags as the driver last stored them. */
static uint16_t peek_flags(const struct sim_vq *v, uint16_t c)
{
    const uint8_t *p = sim_dma_peek(desc_bus(v, c) + P_FLAGS, 2);

    return p ? ld16(p) : 0;
}

static bool is_avail(const struct sim_vq *v, uint16_t c, uint16_t flags)
{
    bool w = wrap_of(v, c);

    return ((flags & F_AVAIL) != 0) == w && ((flags & F_USED) != 0) != w;
}

uint8_t *sim_packed_desc(struct sim_virtio *s, unsigned q, unsigned pos)
{
    struct sim_vq *v = &s->vq[q];

    return sim_dma_ptr(v->desc + (uint64_t)PDESC * pos, PDESC);
}

/* ---- set-up ------------------------------------------------------------------ */

bool sim_packed_areas_ok(struct sim_virtio *s, struct sim_vq *v)
{
    if ((v->desc & 15) || (v->avail & 3) || (v->used & 3)) {
        sim_violation(s, "packed queue areas misaligned");
        return false;
    }
    if (!sim_dma_ptr(v->desc, (size_t)PDESC * v->num) || !sim_dma_ptr(v->avail, EVT_SIZE) ||
        !sim_dma_ptr(v->used, EVT_SIZE)) {
        sim_violation(s, "packed queue area is not DMA memory");
        return false;
    }
    return true;
}

void sim_packed_device_event(struct sim_virtio *s, unsigned q)
{
    struct sim_vq *v = &s->vq[q];
    uint8_t *e;
    uint16_t flags, c;

    if (!v->ready || !(e = sim_dma_ptr(v->used, EVT_SIZE)))
        return;
    if (v->used_flags & 1u)
        flags = EVT_DISABLE;
    else if (event_idx(s))
        flags = EVT_DESC;
    else
        flags = EVT_ENABLE;
    c = v->avail_event_fixed ? v->avail_event : v->last_avail;
    st16(e, (uint16_t)((c % v->num) | (wrap_of(v, c) ? 0x8000u : 0u)));
    st16(e + 2, flags);
}

void sim_packed_went_live(struct sim_virtio *s, struct sim_vq *v)
{
    sim_dma_ring(v->desc, (size_t)PDESC * v->num);
    sim_dma_ring(v->used, EVT_SIZE);
    /* The driver event structure: where the driver asks for interrupts. */
    sim_dma_mbonly(v->avail, EVT_SIZE);
    v->fetched = v->last_avail;
    sim_packed_device_event(s, (unsigned)(v - s->vq));
}

/* ---- reading chains ------------------------------------------------------------ */

static bool chain_fail(struct sim_virtio *s, struct sim_vq *v, const char *what, unsigned a)
{
    sim_violation(s, "packed chain: %s (%u)", what, a);
    v->error = true;
    return false;
}

static bool add_seg(struct sim_virtio *s, struct sim_vq *v, struct sim_chain *c, uint64_t addr,
                    uint32_t len, bool write)
{
    if (c->nseg >= SIM_MAX_SEGS)
        return chain_fail(s, v, "too many segments", c->nseg);
    if (len == 0)
        return chain_fail(s, v, "zero-length element", c->nseg);
    c->seg[c->nseg].p = sim_dma_ptr(addr, len);
    if (!c->seg[c->nseg].p)
        return chain_fail(s, v, "buffer not in DMA memory", c->nseg);
    c->seg[c->nseg].bus = addr;
    c->seg[c->nseg].len = len;
    c->seg[c->nseg].write = write;
    if (write) {
        c->n_in++;
        c->in_bytes += len;
    } else {
        if (c->n_in)
            return chain_fail(s, v, "readable after writable", c->nseg);
        c->n_out++;
        c->out_bytes += len;
    }
    c->nseg++;
    return true;
}

/* Read the chain whose first descriptor is at counter c0 (its flags, as
 * peeked, in head_flags) into *c. */
static bool walk(struct sim_virtio *s, struct sim_vq *v, uint16_t c0, uint16_t head_flags,
                 struct sim_chain *c)
{
    uint16_t cc = c0;

    memset(c, 0, offsetof(struct sim_chain, seg));
    c->ndesc = 0;
    c->written = 0;
    c->ind_table = NULL;
    c->ind_len = 0;
    for (;;) {
        uint8_t *d = desc_at(v, cc);
        uint16_t flags;
        uint64_t addr;
        uint32_t len;

        if (!d)
            return chain_fail(s, v, "descriptor ring not in DMA memory", cc);
        flags = cc == c0 ? head_flags : ld16(d + P_FLAGS);
        if (cc != c0 && !is_avail(v, cc, flags))
            return chain_fail(s, v, "chain descriptor not available (flags stored late?)", flags);
        addr = ld64(d + P_ADDR);
        len = ld32(d + P_LEN);
        if (c->ndesc < SIM_MAX_SEGS)
            c->desc_ids[c->ndesc] = (uint16_t)(cc % v->num);
        c->ndesc++;
        if (flags & F_INDIRECT) {
            uint8_t *t;
            unsigned i, n;

            /* 2.8.7 (its driver requirements): not unless VIRTIO_F_INDIRECT_DESC
             * was negotiated; see walk_chain in sim_virtio.c. */
            if (!((s->drv_features >> FEAT_INDIRECT_DESC) & 1u))
                return chain_fail(s, v, "INDIRECT without VIRTIO_F_INDIRECT_DESC", cc);
            if (cc != c0 || (flags & F_NEXT))
                return chain_fail(s, v, "INDIRECT in a chain", cc);
            if (len == 0 || len % PDESC)
                return chain_fail(s, v, "indirect table length", len);
            sim_dma_ring(addr, len);
            t = sim_dma_ptr(addr, len);
            if (!t)
                return chain_fail(s, v, "indirect table not in DMA memory", 0);
            c->indirect = true;
            c->ind_table = t;
            c->ind_len = len;
            n = len / PDESC;
            for (i = 0; i < n; i++) {
                const uint8_t *e = t + (size_t)PDESC * i;
                uint16_t ef = ld16(e + P_FLAGS);

                if (ef & ~F_WRITE)
                    return chain_fail(s, v, "indirect entry flags other than WRITE", ef);
                if (!add_seg(s, v, c, ld64(e + P_ADDR), ld32(e + P_LEN), (ef & F_WRITE) != 0))
                    return false;
            }
            c->head = ld16(d + P_ID);
            return true;
        }
        if (!add_seg(s, v, c, addr, len, (flags & F_WRITE) != 0))
            return false;
        if (!(flags & F_NEXT)) {
            c->head = ld16(d + P_ID); /* 2.8.6: the id is in the last descriptor */
            return true;
        }
        cc++;
        if ((uint16_t)(cc - c0) >= v->num)
            return chain_fail(s, v, "chain longer than the queue", cc);
    }
}

/* ---- early fetch (the ordering model) ------------------------------------------ */

/* Ring descriptors of the chain at c0 as the device sees them now, up to
 * SIM_PF_DESCS kept (raw, with bus addresses); returns the chain's length
 * in ring descriptors, 0 if it cannot be followed. */
static unsigned snapshot(struct sim_vq *v, uint16_t c0, uint16_t head_flags, struct sim_prefetch *f)
{
    uint16_t cc = c0;

    f->head = c0;
    f->ndesc = 0;
    for (;;) {
        const uint8_t *d = desc_at(v, cc);
        uint16_t flags;

        if (!d)
            return 0;
        flags = cc == c0 ? head_flags : ld16(d + P_FLAGS);
        if (f->ndesc < SIM_PF_DESCS) {
            f->bus[f->ndesc] = desc_bus(v, cc);
            memcpy(f->desc[f->ndesc++], d, PDESC);
        }
        if ((flags & F_INDIRECT) && cc == c0) {
            uint64_t tbl = ld64(d + P_ADDR);
            uint32_t len = ld32(d + P_LEN);
            const uint8_t *t;

            sim_dma_ring(tbl, len);
            t = len ? sim_dma_ptr(tbl, len) : NULL;
            for (uint32_t i = 0; t && i < len / PDESC && f->ndesc < SIM_PF_DESCS; i++) {
                f->bus[f->ndesc] = tbl + (uint64_t)PDESC * i;
                memcpy(f->desc[f->ndesc++], t + (size_t)PDESC * i, PDESC);
            }
            return 1;
        }
        if (!(flags & F_NEXT))
            return (uint16_t)(cc - c0) + 1u;
        cc++;
        if ((uint16_t)(cc - c0) >= v->num)
            return 0;
    }
}

void sim_packed_prefetch(struct sim_virtio *s, struct sim_vq *v)
{
    (void)s;
    if (!v->pf || v->num == 0)
        return;
    if ((uint16_t)(v->fetched - v->last_avail) > v->num)
        v->fetched = v->last_avail; /* the driver started over */
    for (;;) {
        uint16_t c = v->fetched, flags = peek_flags(v, c);
        struct sim_prefetch tmp;
        unsigned n;

        if ((uint16_t)(c - v->last_avail) >= v->num || !is_avail(v, c, flags))
            return;
        n = snapshot(v, c, flags, &tmp);
        if (n == 0 || (uint16_t)(c - v->last_avail) + n >= SIM_PF_CAP)
            return; /* pop reports a bad chain; the window is full */
        v->pf[c % SIM_PF_CAP] = tmp;
        v->fetched = (uint16_t)(c + n);
    }
}

/* At pop, for a chain fetched early: the ring must still say what it said
 * then (the head's flags excepted: the driver stores them last, and the
 * device saw them early by peeking). */
static void check_prefetch(struct sim_virtio *s, struct sim_vq *v, const struct sim_prefetch *f)
{
    for (unsigned k = 0; k < f->ndesc; k++) {
        const uint8_t *d = sim_dma_ptr(f->bus[k], PDESC);

        if (d && memcmp(d, f->desc[k], k == 0 ? P_FLAGS : PDESC)) {
            sim_violation(s, "packed descriptor at bus %llx changed after its chain became "
                      "visible (stored after the head's flags, or no wmb between)",
                      (unsigned long long)f->bus[k]);
            v->stale_fetches++;
            return;
        }
    }
}

/* ---- pop ----------------------------------------------------------------------- */

static uint32_t fill_handler(struct sim_virtio *s, struct sim_chain *c)
{
    for (unsigned i = 0; i < c->nseg; i++)
        if (c->seg[i].write)
            for (uint32_t k = 0; k < c->seg[i].len; k++)
                c->seg[i].p[k] = s->fill_next++;
    return c->in_bytes;
}

static void scribble(struct sim_vq *v, struct sim_chain *c)
{
    for (unsigned i = 0; i < c->ndesc && i < SIM_MAX_SEGS; i++) {
        uint8_t *d = sim_dma_ptr(v->desc + (uint64_t)PDESC * c->desc_ids[i], PDESC);

        if (d)
            memset(d, 0xa5, P_FLAGS); /* addr, len, id - never the flags */
    }
    if (c->ind_table)
        memset(c->ind_table, 0xa5, c->ind_len);
}

unsigned sim_packed_pop(struct sim_virtio *s, unsigned q)
{
    struct sim_vq *v;
    unsigned count = 0;

    if (!queue_usable(s, q))
        return 0;
    v = &s->vq[q];
    while (v->npending < v->num) {
        uint16_t c0 = v->last_avail, flags = peek_flags(v, c0);
        bool early = v->fetched != c0;
        struct sim_chain *c;

        if (!is_avail(v, c0, flags))
            break;
        if (early && v->pf[c0 % SIM_PF_CAP].head == c0)
            check_prefetch(s, v, &v->pf[c0 % SIM_PF_CAP]);
        c = &v->pending[v->npending];
        if (!walk(s, v, c0, flags, c))
            break;
        v->last_avail = (uint16_t)(c0 + c->ndesc);
        if (!early || (uint16_t)(v->fetched - c0) < c->ndesc)
            v->fetched = v->last_avail;
        v->popped++;
        if (c->nseg > v->max_chain_segs)
            v->max_chain_segs = c->nseg;
        if (c->indirect)
            v->indirect_chains++;
        else
            v->direct_chains++;
        c->written = s->handler ? s->handler(s, q, c, s->handler_arg) : fill_handler(s, c);
        if (s->fault.scribble)
            scribble(v, c);
        v->npending++;
        count++;
    }
    if (count)
        sim_packed_device_event(s, q);
    return count;
}

/* ---- completion ------------------------------------------------------------------ */

bool sim_packed_need_event(uint16_t off_wrap, uint16_t new_c, uint16_t old_c, unsigned num)
{
    unsigned off = off_wrap & 0x7fffu;
    bool wrap = (off_wrap >> 15) != 0;

    for (uint16_t c = old_c; c != new_c; c++)
        if (c % num == off && (((c / num) & 1u) == 0) == wrap)
            return true;
    return false;
}

/* Write one used descriptor at the device's counter u. */
static void write_used(struct sim_virtio *s, struct sim_vq *v, uint16_t u, uint32_t id, uint32_t len,
                       bool write)
{
    uint8_t *d = desc_at(v, u);
    uint16_t flags = (uint16_t)((wrap_of(v, u) ? F_AVAIL | F_USED : 0u) | (write ? F_WRITE : 0u));

    if (!d)
        return;
    flags ^= s->fault.used_flags_xor;
    s->fault.used_flags_xor = 0;
    st16(d + P_ID, (uint16_t)id);
    st32(d + P_LEN, len);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    st16(d + P_FLAGS, flags); /* last: the driver polls it */
    sim_dma_publish(desc_bus(v, u) + P_FLAGS, 2);
}

static void push_chain(struct sim_virtio *s, struct sim_vq *v, const struct sim_chain *c)
{
    uint32_t id = c->head, len = c->written;
    /* WRITE on a used descriptor says its length is meaningful (2.8.4);
     * QEMU 7.2 never sets it and writes the length anyway, which is what
     * this device does unless told to follow the spec's reading. */
    bool write = s->packed_used_write && (c->n_in > 0 || len != 0);

    if (s->fault.used_id_force) {
        s->fault.used_id_force = false;
        id = s->fault.used_id;
    }
    if (s->fault.used_len_force) {
        s->fault.used_len_force = false;
        len = s->fault.used_len;
        write = c->n_in > 0 || len != 0;
    }
    write_used(s, v, v->used_idx, id, len, write);
    v->used_idx = (uint16_t)(v->used_idx + c->ndesc);
    v->pushed++;
    if (s->fault.dup_next) {
        s->fault.dup_next = false;
        write_used(s, v, v->used_idx, id, len, write);
        v->used_idx = (uint16_t)(v->used_idx + c->ndesc);
    }
    if (s->fault.idx_jump) {
        s->fault.idx_jump = 0;
        write_used(s, v, v->used_idx, id, len, write); /* beyond: used_idx stays */
    }
}

static void maybe_interrupt(struct sim_virtio *s, unsigned q, uint16_t old)
{
    struct sim_vq *v = &s->vq[q];
    const uint8_t *e = sim_dma_ptr(v->avail, EVT_SIZE);
    uint16_t flags;
    bool need;

    if (!e)
        return;
    flags = ld16(e + 2);
    /* 2.8.10 / 2.8.14: flags is ENABLE, DISABLE or, only with
     * VIRTIO_F_EVENT_IDX, DESC; 0x3 is reserved.  This device took DESC
     * without EVENT_IDX (and 0x3) as ENABLE, which hid a driver asking for
     * DESC wrongly; QEMU's virtio_packed_should_notify goes by off_wrap for
     * anything but ENABLE and DISABLE, whatever was negotiated - as here
     * now, with the driver's mistake counted. */
    if ((flags == EVT_DESC && !event_idx(s)) || flags > EVT_DESC)
        sim_violation(s, "packed driver event flags %#x%s", flags,
                      flags == EVT_DESC ? " without VIRTIO_F_EVENT_IDX" : " (reserved)");
    if (flags == EVT_DISABLE)
        need = false;
    else if (flags == EVT_ENABLE)
        need = true;
    else
        need = sim_packed_need_event(ld16(e), v->used_idx, old, v->num);
    if (need) {
        v->irqs_raised++;
        sim_virtio_raise(s, VIRTIO_MMIO_INT_VRING);
    } else {
        v->irqs_suppressed++;
    }
}

bool sim_packed_complete_at(struct sim_virtio *s, unsigned q, unsigned k)
{
    struct sim_vq *v;
    uint16_t old;

    if (!queue_usable(s, q) || k >= s->vq[q].npending)
        return false;
    v = &s->vq[q];
    old = v->used_idx;
    push_chain(s, v, &v->pending[k]);
    memmove(&v->pending[k], &v->pending[k + 1], (v->npending - k - 1) * sizeof(v->pending[0]));
    v->npending--;
    maybe_interrupt(s, q, old);
    return true;
}

unsigned sim_packed_complete(struct sim_virtio *s, unsigned q, unsigned max)
{
    struct sim_vq *v;
    unsigned n, i;
    uint16_t old;

    if (!queue_usable(s, q))
        return 0;
    v = &s->vq[q];
    n = v->npending < max ? v->npending : max;
    if (n == 0)
        return 0;
    old = v->used_idx;
    for (i = 0; i < n; i++)
        push_chain(s, v, &v->pending[i]);
    memmove(&v->pending[0], &v->pending[n], (v->npending - n) * sizeof(v->pending[0]));
    v->npending -= n;
    maybe_interrupt(s, q, old); /* one interrupt decision per batch */
    return n;
}
