/*
 * sim_virtio.c - simulated virtio-mmio device, see sim_virtio.h.
 *
 * Register semantics follow virtio 1.2 4.2.2 (modern) and 4.2.4 (legacy);
 * the ring engine follows 2.7 (split virtqueues) with its own bounds
 * checks.  Ring offsets are written out from the spec's numbers on purpose
 * (this is the independent side of the test).  Host code: little-endian,
 * uses the C library.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_plat.h"
#include "sim_le.h"
#include "sim_virtio.h"
#include "sim_packed.h" /* packed dispatch: the marked "packed:" lines */
#include "virtio/virtio_mmio_regs.h"

#define PENDING_CAP 1024u

/* Spec numbers (2.7.5, 2.7.6, 2.7.8). */
#define DESC_SIZE 16u
#define RING_HDR 4u
#define AVAIL_ENTRY 2u
#define USED_ELEM 8u
#define F_NEXT 1u
#define F_WRITE 2u
#define F_INDIRECT 4u
#define FEAT_INDIRECT_DESC 28u
#define FEAT_EVENT_IDX 29u

void sim_violation(struct sim_virtio *s, const char *fmt, ...)
{
    va_list ap;

    s->violations++;
    va_start(ap, fmt);
    vsnprintf(s->last_violation, sizeof(s->last_violation), fmt, ap);
    va_end(ap);
    if (getenv("SIM_VERBOSE"))
        fprintf(stderr, "[sim] violation: %s\n", s->last_violation);
}


/* ---- ring areas ------------------------------------------------------------ */

static size_t desc_bytes(const struct sim_vq *v)
{
    return (size_t)DESC_SIZE * v->num;
}

static size_t avail_bytes(const struct sim_vq *v)
{
    return RING_HDR + (size_t)AVAIL_ENTRY * v->num + 2; /* + used_event */
}

static size_t used_bytes(const struct sim_vq *v)
{
    return RING_HDR + (size_t)USED_ELEM * v->num + 2; /* + avail_event */
}

static uint8_t *area(struct sim_virtio *s, uint64_t bus, size_t len, const char *what)
{
    uint8_t *p = sim_dma_ptr(bus, len);

    if (!p)
        sim_violation(s, "%s at bus %llx+%zu is not DMA memory", what, (unsigned long long)bus, len);
    return p;
}

static bool event_idx(const struct sim_virtio *s)
{
    return (s->drv_features >> FEAT_EVENT_IDX) & 1u;
}

bool sim_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx)
{
    /* 2.7.10: notify iff event is in [old, new) modulo 2^16 */
    uint16_t dist_new = (uint16_t)(new_idx - old_idx);
    uint16_t dist_event = (uint16_t)(event - old_idx);

    return dist_event < dist_new;
}

/* ---- queue state ------------------------------------------------------------ */

static void queue_clear(struct sim_vq *v)
{
    v->num = 0;
    v->ready = false;
    v->pfn = 0;
    v->align = 0;
    v->desc = v->avail = v->used = 0;
    v->last_avail = 0;
    v->used_idx = 0;
    v->error = false;
    v->npending = 0;
    v->used_flags = 0;
    v->avail_event_fixed = false;
    v->avail_event = 0;
    v->fetched = 0;
}

static void device_reset(struct sim_virtio *s)
{
    unsigned i;

    s->resets++;
    s->status = 0;
    s->drv_features = 0;
    s->dev_features_sel = 0;
    s->drv_features_sel = 0;
    s->queue_sel = 0;
    s->int_status = 0;
    s->guest_page_size = 0; /* the driver must write it again */
    for (i = 0; i < s->nq; i++)
        queue_clear(&s->vq[i]);
    sim_irq_set_level(s->irq, false);
}

static bool queue_areas_ok(struct sim_virtio *s, struct sim_vq *v)
{
    if (sim_packed_on(s)) /* packed: sim_packed.c */
        return sim_packed_areas_ok(s, v);
    return area(s, v->desc, desc_bytes(v), "desc") && area(s, v->avail, avail_bytes(v), "avail") &&
           area(s, v->used, used_bytes(v), "used");
}

/* Apply the device's notification-suppression wishes to a fresh queue. */
static void queue_went_live(struct sim_virtio *s, struct sim_vq *v)
{
    uint8_t *used;

    if (sim_packed_on(s)) { /* packed: sim_packed.c */
        sim_packed_went_live(s, v);
        return;
    }
    used = area(s, v->used, used_bytes(v), "used");
    if (used && v->used_flags)
        st16(used, v->used_flags);
    sim_dma_ring(v->desc, desc_bytes(v));
    sim_dma_ring(v->avail, avail_bytes(v));
    sim_dma_ring(v->used, used_bytes(v));
    /* Where the driver asks for interrupts (avail->flags, used_event): its
     * stores there count for the device only after a full barrier. */
    sim_dma_mbonly(v->avail, 2);
    sim_dma_mbonly(v->avail + RING_HDR + (uint64_t)AVAIL_ENTRY * v->num, 2);
    v->fetched = v->last_avail;
}

static void legacy_pfn(struct sim_virtio *s, struct sim_vq *v, uint32_t pfn)
{
    /* As QEMU's virtio-mmio: a legacy QueuePFN write of 0 resets the whole
     * device (status, features, interrupt status, every queue), not just
     * this queue; GuestPageSize, a transport register, survives it.  So a
     * teardown that writes it clears FAILED if FAILED came first. */
    if (pfn == 0) {
        uint32_t page = s->guest_page_size;

        if (s->fault.stop_ignored)
            return;

        device_reset(s);
        s->guest_page_size = page;
        return;
    }
    if (s->guest_page_size == 0) {
        sim_violation(s, "QueuePFN written before GuestPageSize");
        return;
    }
    if (v->num == 0 || v->num > v->num_max || (v->num & (v->num - 1))) {
        sim_violation(s, "legacy QueueNum %u invalid (max %u)", v->num, v->num_max);
        return;
    }
    if (v->align == 0 || (v->align & (v->align - 1))) {
        sim_violation(s, "legacy QueueAlign %u invalid", v->align);
        return;
    }
    v->pfn = pfn;
    v->desc = (uint64_t)pfn * s->guest_page_size;
    v->avail = v->desc + desc_bytes(v);
    v->used = (v->avail + avail_bytes(v) + v->align - 1) & ~(uint64_t)(v->align - 1);
    if (!queue_areas_ok(s, v))
        return;
    v->ready = true;
    queue_went_live(s, v);
}

static void modern_ready(struct sim_virtio *s, struct sim_vq *v, uint32_t val)
{
    if (val == 0) {
        if (!s->fault.stop_ignored)
            v->ready = false;
        return;
    }
    if (s->fault.queue_ready_stuck)
        return;
    if (v->num == 0 || v->num > v->num_max || (v->num & (v->num - 1))) {
        sim_violation(s, "QueueNum %u invalid (max %u)", v->num, v->num_max);
        return;
    }
    if ((v->desc & 15) || (v->avail & 1) || (v->used & 3)) {
        sim_violation(s, "queue areas misaligned");
        return;
    }
    if (!queue_areas_ok(s, v))
        return;
    v->ready = true;
    queue_went_live(s, v);
}

/* ---- status ---------------------------------------------------------------- */

static void write_status(struct sim_virtio *s, uint32_t val)
{
    uint32_t added;
    unsigned i;

    if (s->n_status < sizeof(s->status_log))
        s->status_log[s->n_status++] = (uint8_t)val;
    if (val == 0) {
        if (s->fault.stop_ignored)
            return;
        device_reset(s);
        s->reset_delay_left = s->fault.reset_delay_reads;
        return;
    }
    /* DEVICE_NEEDS_RESET is the device's bit: ignore it in comparisons. */
    if ((val & s->status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET) !=
        (s->status & ~VIRTIO_STATUS_DEVICE_NEEDS_RESET))
        sim_violation(s, "status %#x clears bits of %#x", val, s->status);
    added = val & ~s->status;
    if ((added & VIRTIO_STATUS_DRIVER) && !(s->status & VIRTIO_STATUS_ACKNOWLEDGE) &&
        !(val & VIRTIO_STATUS_ACKNOWLEDGE))
        sim_violation(s, "DRIVER before ACKNOWLEDGE");
    if (added & VIRTIO_STATUS_FEATURES_OK) {
        if (s->version == 1)
            sim_violation(s, "FEATURES_OK written to a legacy device");
        if (s->fault.refuse_features_ok || (s->drv_features & ~s->dev_features))
            val &= ~VIRTIO_STATUS_FEATURES_OK;
    }
    if (added & VIRTIO_STATUS_DRIVER_OK) {
        s->driver_ok_writes++;
        if (s->version != 1 && !(val & VIRTIO_STATUS_FEATURES_OK))
            sim_violation(s, "DRIVER_OK without FEATURES_OK");
        s->ready_at_driver_ok = 0;
        for (i = 0; i < s->nq; i++)
            if (s->vq[i].ready)
                s->ready_at_driver_ok |= 1u << i;
    }
    s->status = val | (s->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

/* ---- register file ---------------------------------------------------------- */

static struct sim_vq *sel_vq(struct sim_virtio *s)
{
    return s->queue_sel < s->nq ? &s->vq[s->queue_sel] : NULL;
}

static uint32_t config_read(struct sim_virtio *s, uint32_t off, unsigned width)
{
    uint32_t v = 0;
    unsigned i;

    s->config_reads++;
    if (s->fault.cfg_change_at && s->config_reads == s->fault.cfg_change_at) {
        s->fault.cfg_change_at = 0;
        if (s->fault.cfg_change_off + s->fault.cfg_change_len <= sizeof(s->config) &&
            s->fault.cfg_change_len <= sizeof(s->fault.cfg_change_bytes))
            memcpy(s->config + s->fault.cfg_change_off, s->fault.cfg_change_bytes, s->fault.cfg_change_len);
        s->config_gen++;
    }
    if (s->fault.gen_bumps) {
        s->fault.gen_bumps--;
        s->config_gen++;
    }
    if (off + width > sizeof(s->config)) {
        sim_violation(s, "config read beyond the window");
        return 0;
    }
    for (i = 0; i < width; i++)
        v |= (uint32_t)s->config[off + i] << (8 * i);
    return v;
}

static uint32_t reg_read(void *ctx, uint32_t off, unsigned width)
{
    struct sim_virtio *s = ctx;
    struct sim_vq *v;

    if (off >= VIRTIO_MMIO_CONFIG)
        return config_read(s, off - VIRTIO_MMIO_CONFIG, width);
    if (width != 4 || (off & 3)) {
        sim_violation(s, "register %#x read with width %u", off, width);
        return 0;
    }
    switch (off) {
    case VIRTIO_MMIO_MAGIC_VALUE:
        return s->fault.bad_magic ? 0x12345678u : VIRTIO_MMIO_MAGIC;
    case VIRTIO_MMIO_VERSION:
        return s->version;
    case VIRTIO_MMIO_DEVICE_ID:
        return s->device_id;
    case VIRTIO_MMIO_VENDOR_ID:
        return s->vendor_id;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        if (s->dev_features_sel == 0)
            return (uint32_t)s->dev_features;
        if (s->dev_features_sel == 1 && s->version != 1)
            return (uint32_t)(s->dev_features >> 32);
        return 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX:
        v = sel_vq(s);
        return v ? v->num_max : 0;
    case VIRTIO_MMIO_QUEUE_READY:
        if (s->version == 1) {
            sim_violation(s, "QueueReady read on a legacy device");
            return 0;
        }
        v = sel_vq(s);
        if (s->fault.queue_busy)
            return 1;
        return v && v->ready ? 1 : 0;
    case VIRTIO_MMIO_QUEUE_PFN:
        if (s->version != 1) {
            sim_violation(s, "QueuePFN read on a modern device");
            return 0;
        }
        v = sel_vq(s);
        if (s->fault.queue_busy)
            return 1;
        return v ? v->pfn : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS:
        return s->int_status;
    case VIRTIO_MMIO_STATUS:
        if (s->reset_delay_left) {
            if (s->reset_delay_left != ~0u)
                s->reset_delay_left--;
            return VIRTIO_STATUS_ACKNOWLEDGE; /* still resetting */
        }
        return s->status;
    case VIRTIO_MMIO_CONFIG_GENERATION:
        s->gen_reads++;
        if (s->version == 1)
            sim_violation(s, "ConfigGeneration read on a legacy device");
        return s->config_gen;
    default:
        sim_violation(s, "read of write-only or unknown register %#x", off);
        return 0;
    }
}

static void set_addr(uint64_t *a, bool high, uint32_t val)
{
    if (high)
        *a = (*a & 0xffffffffull) | ((uint64_t)val << 32);
    else
        *a = (*a & ~0xffffffffull) | val;
}

/* 3.1.1 step 7 (3.1.2 for legacy): queues are set up after FEATURES_OK
 * (legacy: after DRIVER and the features) and before DRIVER_OK, never
 * after FAILED.  QEMU takes queue registers at any time; Firecracker's
 * virtio-mmio ignores them outside this window, so a driver that sets up
 * (or re-arms) a queue early or late works only on the lenient device.
 * Only configuring writes count: QueueReady 0 and QueuePFN 0 stop a queue
 * (4.2.2, 4.2.4) and are allowed at any time. */
static void check_setup_window(struct sim_virtio *s, const char *what)
{
    uint32_t need = s->version == 1 ? VIRTIO_STATUS_DRIVER : VIRTIO_STATUS_FEATURES_OK;

    if (!(s->status & need) || (s->status & (VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_FAILED)))
        sim_violation(s, "%s written with status %#x (queues are set up after %s, before DRIVER_OK)",
                      what, s->status, s->version == 1 ? "DRIVER" : "FEATURES_OK");
}

static void reg_write(void *ctx, uint32_t off, unsigned width, uint32_t val)
{
    struct sim_virtio *s = ctx;
    struct sim_vq *v;
    unsigned i;

    if (s->n_reg < SIM_LOG_CAP) {
        s->reg_off[s->n_reg] = off;
        s->reg_val[s->n_reg] = val;
        s->n_reg++;
    }
    if (off >= VIRTIO_MMIO_CONFIG) {
        off -= VIRTIO_MMIO_CONFIG;
        if (off + width > sizeof(s->config)) {
            sim_violation(s, "config write beyond the window");
            return;
        }
        for (i = 0; i < width; i++)
            s->config[off + i] = (uint8_t)(val >> (8 * i));
        return;
    }
    if (width != 4 || (off & 3)) {
        sim_violation(s, "register %#x written with width %u", off, width);
        return;
    }
    v = sel_vq(s);
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
        s->dev_features_sel = val;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
        s->drv_features_sel = val;
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (!(s->status & VIRTIO_STATUS_DRIVER))
            sim_violation(s, "DriverFeatures written before DRIVER");
        if (s->status & VIRTIO_STATUS_FEATURES_OK)
            sim_violation(s, "DriverFeatures written after FEATURES_OK");
        if (s->version == 1 && s->drv_features_sel != 0) {
            sim_violation(s, "legacy DriverFeatures with select %u", s->drv_features_sel);
            break;
        }
        /* 2.2.1: the driver MUST NOT accept a feature the device did not
         * offer.  A modern device refuses FEATURES_OK for it (below); a
         * legacy one has no FEATURES_OK and, as QEMU's virtio_set_features,
         * drops the bit and goes on without it - the driver would then use
         * EVENT_IDX, INDIRECT_DESC or a 12-byte net header the device does
         * not.  So: counted here, and dropped on a legacy device. */
        if (s->drv_features_sel < 2) {
            uint32_t offered = (uint32_t)(s->dev_features >> (32 * s->drv_features_sel));

            if (val & ~offered)
                sim_violation(s, "DriverFeatures word %u: %#x not offered (%#x)", s->drv_features_sel,
                              val & ~offered, offered);
            if (s->version == 1)
                val &= offered;
        }
        if (s->drv_features_sel == 0)
            s->drv_features = (s->drv_features & ~0xffffffffull) | val;
        else if (s->drv_features_sel == 1)
            s->drv_features = (s->drv_features & 0xffffffffull) | ((uint64_t)val << 32);
        break;
    case VIRTIO_MMIO_GUEST_PAGE_SIZE:
        if (s->version != 1)
            sim_violation(s, "GuestPageSize written to a modern device");
        else if (val == 0 || (val & (val - 1)))
            sim_violation(s, "GuestPageSize %u", val);
        s->guest_page_size = val;
        break;
    case VIRTIO_MMIO_QUEUE_SEL:
        s->queue_sel = val;
        break;
    case VIRTIO_MMIO_QUEUE_NUM:
        if (!v) {
            sim_violation(s, "QueueNum for absent queue %u", s->queue_sel);
            break;
        }
        if (v->ready)
            sim_violation(s, "QueueNum written while the queue is live");
        check_setup_window(s, "QueueNum");
        v->num = val;
        break;
    case VIRTIO_MMIO_QUEUE_ALIGN:
        if (s->version != 1)
            sim_violation(s, "QueueAlign written to a modern device");
        check_setup_window(s, "QueueAlign");
        if (v)
            v->align = val;
        break;
    case VIRTIO_MMIO_QUEUE_PFN:
        if (s->version != 1) {
            sim_violation(s, "QueuePFN written to a modern device");
            break;
        }
        if (!v) {
            sim_violation(s, "QueuePFN for absent queue %u", s->queue_sel);
            break;
        }
        if (val != 0)
            check_setup_window(s, "QueuePFN");
        legacy_pfn(s, v, val);
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        if (s->version == 1) {
            sim_violation(s, "QueueReady written to a legacy device");
            break;
        }
        if (!v) {
            sim_violation(s, "QueueReady for absent queue %u", s->queue_sel);
            break;
        }
        if (val != 0)
            check_setup_window(s, "QueueReady");
        modern_ready(s, v, val);
        break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        if (s->version == 1) {
            sim_violation(s, "queue address register %#x on a legacy device", off);
            break;
        }
        if (!v)
            break;
        if (v->ready)
            sim_violation(s, "queue address written while live");
        check_setup_window(s, "queue address");
        if (off == VIRTIO_MMIO_QUEUE_DESC_LOW || off == VIRTIO_MMIO_QUEUE_DESC_HIGH)
            set_addr(&v->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
        else if (off == VIRTIO_MMIO_QUEUE_DRIVER_LOW || off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH)
            set_addr(&v->avail, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, val);
        else
            set_addr(&v->used, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, val);
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        if (!(s->status & VIRTIO_STATUS_DRIVER_OK))
            sim_violation(s, "notify before DRIVER_OK");
        if (val >= s->nq) {
            sim_violation(s, "notify for absent queue %u", val);
            break;
        }
        s->vq[val].notifies++;
        if (s->notify_hook)
            s->notify_hook(s, val, s->notify_hook_arg);
        if (s->auto_process)
            sim_virtio_process(s, val);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        if (s->n_ack < sizeof(s->ack_log) / sizeof(s->ack_log[0]))
            s->ack_log[s->n_ack++] = val;
        s->int_status &= ~val;
        sim_irq_set_level(s->irq, s->int_status != 0);
        break;
    case VIRTIO_MMIO_STATUS:
        write_status(s, val);
        break;
    default:
        sim_violation(s, "write to read-only or unknown register %#x", off);
        break;
    }
}

static const struct sim_mmio_ops reg_ops = {reg_read, reg_write};

/* ---- device-side ring engine ----------------------------------------------- */

static bool queue_usable(struct sim_virtio *s, unsigned q)
{
    return q < s->nq && s->vq[q].ready && !s->vq[q].error &&
           (s->status & VIRTIO_STATUS_DRIVER_OK) &&
           !(s->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static bool chain_fail(struct sim_virtio *s, struct sim_vq *v, const char *what, unsigned a)
{
    sim_violation(s, "chain: %s (%u)", what, a);
    v->error = true;
    return false;
}

/* Walk one chain from `head`, collecting segments; false on a malformed
 * chain (the queue is then given up, as a real device would). */
static bool walk_chain(struct sim_virtio *s, struct sim_vq *v, uint16_t head, struct sim_chain *c)
{
    uint8_t *desc = area(s, v->desc, desc_bytes(v), "desc");
    uint8_t *table = desc;
    uint64_t tbus = v->desc; /* the table's bus address, for the cache model */
    unsigned tsize = v->num, i = head, steps = 0;
    bool in_ind = false;

    memset(c, 0, offsetof(struct sim_chain, seg));
    c->ndesc = 0;
    c->ind_table = NULL;
    c->ind_len = 0;
    c->head = head;
    if (!desc)
        return chain_fail(s, v, "no descriptor table", 0);
    for (;;) {
        uint8_t *d;
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;

        if (i >= tsize)
            return chain_fail(s, v, "descriptor index out of range", i);
        d = table + (size_t)DESC_SIZE * i;
        sim_cache_device_read(tbus + (uint64_t)DESC_SIZE * i, DESC_SIZE);
        addr = ld64(d);
        len = ld32(d + 8);
        flags = ld16(d + 12);
        next = ld16(d + 14);
        if (!in_ind && c->ndesc < SIM_MAX_SEGS)
            c->desc_ids[c->ndesc++] = (uint16_t)i;

        if (flags & F_INDIRECT) {
            /* 2.7.5.3.1: not unless VIRTIO_F_INDIRECT_DESC was negotiated.
             * QEMU follows the flag whatever was negotiated; a device
             * without the feature need not know it and would read the
             * table as data.  A driver that goes by the offer instead of
             * the negotiation passed here before. */
            if (!((s->drv_features >> FEAT_INDIRECT_DESC) & 1u))
                return chain_fail(s, v, "INDIRECT without VIRTIO_F_INDIRECT_DESC", i);
            if (in_ind)
                return chain_fail(s, v, "nested indirect", i);
            if (flags & F_NEXT)
                return chain_fail(s, v, "INDIRECT together with NEXT", i);
            if (len == 0 || len % DESC_SIZE)
                return chain_fail(s, v, "indirect table length", len);
            sim_dma_ring(addr, len); /* ring memory: ordered from now on */
            table = area(s, addr, len, "indirect table");
            if (!table)
                return chain_fail(s, v, "indirect table not in DMA memory", 0);
            if (c->nseg)
                return chain_fail(s, v, "indirect after direct descriptors", i);
            c->indirect = true;
            c->ind_table = table;
            c->ind_len = len;
            tbus = addr;
            tsize = len / DESC_SIZE;
            in_ind = true;
            i = 0;
            steps = 0;
            continue;
        }
        if (c->nseg >= SIM_MAX_SEGS)
            return chain_fail(s, v, "too many segments", c->nseg);
        if (len == 0)
            return chain_fail(s, v, "zero-length descriptor", i);
        c->seg[c->nseg].p = area(s, addr, len, "buffer");
        if (!c->seg[c->nseg].p)
            return chain_fail(s, v, "buffer not in DMA memory", i);
        /* The driver hands this buffer over: cleaned, no dirty lines. */
        sim_cache_handover(addr, len);
        c->seg[c->nseg].bus = addr;
        c->seg[c->nseg].len = len;
        c->seg[c->nseg].write = (flags & F_WRITE) != 0;
        if (flags & F_WRITE) {
            c->n_in++;
            c->in_bytes += len;
        } else {
            if (c->n_in)
                return chain_fail(s, v, "readable after writable", i);
            c->n_out++;
            c->out_bytes += len;
        }
        c->nseg++;
        if (!(flags & F_NEXT))
            break;
        i = next;
        if (++steps >= tsize)
            return chain_fail(s, v, "descriptor loop", i);
    }
    return true;
}

static uint32_t default_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    unsigned i, k;

    (void)q;
    (void)arg;
    for (i = 0; i < c->nseg; i++)
        if (c->seg[i].write)
            for (k = 0; k < c->seg[i].len; k++)
                c->seg[i].p[k] = s->fill_next++;
    return c->in_bytes;
}

static void scribble(struct sim_virtio *s, struct sim_vq *v, struct sim_chain *c)
{
    uint8_t *desc = area(s, v->desc, desc_bytes(v), "desc");
    unsigned i;

    if (!desc)
        return;
    for (i = 0; i < c->ndesc; i++)
        memset(desc + (size_t)DESC_SIZE * c->desc_ids[i], 0xa5, DESC_SIZE);
    if (c->ind_table)
        memset(c->ind_table, 0xa5, c->ind_len);
}

/* ---- early fetch (the memory-ordering model, sim_plat.h) ------------------ */

/* Fetch the entries the avail index the device can see makes available,
 * with the descriptors behind them, as a device polling the ring does.
 * Runs at every driver barrier and MMIO write, before the barrier moves
 * anything: what it reads of the ring is what the driver had ordered
 * before its index store. */
static void prefetch_queue(struct sim_virtio *s, struct sim_vq *v)
{
    const uint8_t *idxp = sim_dma_peek(v->avail + 2, 2);
    const uint8_t *avail = sim_dma_ptr(v->avail, avail_bytes(v));
    const uint8_t *desc = sim_dma_ptr(v->desc, desc_bytes(v));
    uint16_t aidx;

    (void)s;
    if (!idxp || !avail || !desc || !v->pf)
        return;
    aidx = ld16(idxp);
    if ((uint16_t)(aidx - v->last_avail) > v->num)
        return; /* pop reports it */
    if ((uint16_t)(v->fetched - v->last_avail) > (uint16_t)(aidx - v->last_avail))
        v->fetched = v->last_avail; /* the driver started over */
    while (v->fetched != aidx && (uint16_t)(v->fetched - v->last_avail) < SIM_PF_CAP) {
        struct sim_prefetch *f = &v->pf[v->fetched % SIM_PF_CAP];
        uint64_t tbus = v->desc;
        unsigned i, tsize = v->num;

        f->head = ld16(avail + RING_HDR + (size_t)AVAIL_ENTRY * (v->fetched % v->num));
        f->ndesc = 0;
        for (i = f->head; i < tsize && f->ndesc < SIM_PF_DESCS;) {
            uint64_t bus = tbus + (uint64_t)DESC_SIZE * i;
            const uint8_t *d = sim_dma_ptr(bus, DESC_SIZE);
            uint16_t flags;

            if (!d)
                break;
            f->bus[f->ndesc] = bus;
            memcpy(f->desc[f->ndesc++], d, DESC_SIZE);
            flags = ld16(d + 12);
            if ((flags & F_INDIRECT) && tbus == v->desc) {
                tbus = ld64(d);
                sim_dma_ring(tbus, ld32(d + 8)); /* modelled from now on */
                tsize = ld32(d + 8) / DESC_SIZE;
                i = 0;
            } else if (flags & F_NEXT) {
                i = ld16(d + 14);
            } else {
                break;
            }
        }
        v->fetched++;
    }
}

static void prefetch_all(void *ctx)
{
    struct sim_virtio *s = ctx;

    for (unsigned q = 0; q < s->nq; q++)
        if (queue_usable(s, q) && sim_packed_on(s)) /* packed: sim_packed.c */
            sim_packed_prefetch(s, &s->vq[q]);
        else if (queue_usable(s, q))
            prefetch_queue(s, &s->vq[q]);
}

/* At pop: the entry was fetched early.  If the ring says something else
 * now, the driver wrote it after the index that made it visible (or with
 * no write barrier between); the device goes on with what it fetched. */
static uint16_t check_prefetch(struct sim_virtio *s, struct sim_vq *v, const struct sim_prefetch *f,
                               uint16_t head_now)
{
    bool stale = f->head != head_now;

    if (stale)
        sim_violation(s, "avail entry %u: head %u when its index became visible, %u now "
                  "(entry stored after avail->idx, or no wmb between)",
                  v->last_avail, f->head, head_now);
    for (unsigned k = 0; k < f->ndesc && !stale; k++) {
        const uint8_t *d = sim_dma_ptr(f->bus[k], DESC_SIZE);

        if (d && memcmp(d, f->desc[k], DESC_SIZE)) {
            sim_violation(s, "avail entry %u: descriptor at bus %llx changed after its index "
                      "became visible (stored after avail->idx, or no wmb between)",
                      v->last_avail, (unsigned long long)f->bus[k]);
            stale = true;
        }
    }
    if (stale)
        v->stale_fetches++;
    return f->head;
}

unsigned sim_virtio_pop(struct sim_virtio *s, unsigned q)
{
    struct sim_vq *v;
    uint8_t *avail, *used;
    unsigned count = 0;

    if (sim_packed_on(s)) /* packed: sim_packed.c */
        return sim_packed_pop(s, q);
    if (!queue_usable(s, q))
        return 0;
    v = &s->vq[q];
    avail = area(s, v->avail, avail_bytes(v), "avail");
    used = area(s, v->used, used_bytes(v), "used");
    if (!avail || !used)
        return 0;
    while (v->npending < PENDING_CAP && v->npending < v->num) {
        uint16_t aidx = ld16(sim_dma_peek(v->avail + 2, 2)), head;
        bool early = v->fetched != v->last_avail;
        struct sim_chain *c;

        sim_cache_device_read(v->avail + 2, 2);
        if (aidx == v->last_avail)
            break;
        if ((uint16_t)(aidx - v->last_avail) > v->num) {
            sim_violation(s, "avail idx %u ran %u ahead", aidx, (uint16_t)(aidx - v->last_avail));
            v->error = true;
            break;
        }
        head = ld16(avail + RING_HDR + (size_t)AVAIL_ENTRY * (v->last_avail % v->num));
        sim_cache_device_read(v->avail + RING_HDR + (uint64_t)AVAIL_ENTRY * (v->last_avail % v->num), AVAIL_ENTRY);
        if (early) /* the device works from what it fetched then */
            head = check_prefetch(s, v, &v->pf[v->last_avail % SIM_PF_CAP], head);
        c = &v->pending[v->npending];
        if (!walk_chain(s, v, head, c))
            break;
        v->last_avail++;
        if (!early)
            v->fetched = v->last_avail;
        v->popped++;
        if (c->nseg > v->max_chain_segs)
            v->max_chain_segs = c->nseg;
        if (c->indirect)
            v->indirect_chains++;
        else
            v->direct_chains++;
        c->written = s->handler ? s->handler(s, q, c, s->handler_arg)
                                : default_handler(s, q, c, NULL);
        if (s->fault.scribble)
            scribble(s, v, c);
        v->npending++;
        count++;
        if (event_idx(s)) /* avail_event: where the device wants a notify */
            st16(used + RING_HDR + (size_t)USED_ELEM * v->num,
                 v->avail_event_fixed ? v->avail_event : v->last_avail);
    }
    return count;
}

static void push_used(struct sim_virtio *s, struct sim_vq *v, uint8_t *used, uint32_t id,
                      uint32_t len)
{
    size_t slot = v->used_idx % v->num;
    uint8_t *e = used + RING_HDR + (size_t)USED_ELEM * slot;

    (void)s;
    st32(e, id);
    st32(e + 4, len);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    v->used_idx++;
    st16(used + 2, v->used_idx);
    sim_dma_publish(v->used + 2, 2); /* the element waits for the driver's rmb */
    v->pushed++;
    sim_cache_release(v->used + RING_HDR + (uint64_t)USED_ELEM * slot, USED_ELEM, USED_ELEM);
    sim_cache_release(v->used + 2, 2, 2);
}

static void maybe_interrupt(struct sim_virtio *s, unsigned q, uint16_t old)
{
    struct sim_vq *v = &s->vq[q];
    uint8_t *avail = area(s, v->avail, avail_bytes(v), "avail");
    bool need;

    if (!avail)
        return;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (event_idx(s))
        sim_cache_device_read(v->avail + RING_HDR + (uint64_t)AVAIL_ENTRY * v->num, 2);
    else
        sim_cache_device_read(v->avail, 2);
    if (event_idx(s))
        need = sim_need_event(ld16(avail + RING_HDR + (size_t)AVAIL_ENTRY * v->num), v->used_idx,
                              old);
    else
        need = !(ld16(avail) & 1u); /* VRING_AVAIL_F_NO_INTERRUPT */
    if (need) {
        v->irqs_raised++;
        sim_virtio_raise(s, VIRTIO_MMIO_INT_VRING);
    } else {
        v->irqs_suppressed++;
    }
}

static void push_chain(struct sim_virtio *s, struct sim_vq *v, uint8_t *used,
                       const struct sim_chain *c)
{
    uint32_t id = c->head, len = c->written, left = c->written;

    /* The buffers go back to the driver; what the device wrote in them
     * (the first `written` bytes of the writable part) must be
     * invalidated before the CPU reads it. */
    for (unsigned i = 0; i < c->nseg; i++) {
        uint32_t w = 0;

        if (c->seg[i].write) {
            w = left < c->seg[i].len ? left : c->seg[i].len;
            left -= w;
        }
        sim_cache_release(c->seg[i].bus, c->seg[i].len, w);
    }
    if (s->fault.used_id_force) {
        s->fault.used_id_force = false;
        id = s->fault.used_id;
    }
    if (s->fault.used_len_force) {
        s->fault.used_len_force = false;
        len = s->fault.used_len;
    }
    push_used(s, v, used, id, len);
    if (s->fault.dup_next) {
        s->fault.dup_next = false;
        push_used(s, v, used, id, len);
    }
    if (s->fault.idx_jump) {
        v->used_idx = (uint16_t)(v->used_idx + s->fault.idx_jump);
        s->fault.idx_jump = 0;
        st16(used + 2, v->used_idx);
        sim_dma_publish(v->used + 2, 2);
    }
}

bool sim_virtio_complete_at(struct sim_virtio *s, unsigned q, unsigned k)
{
    struct sim_vq *v;
    uint8_t *used;
    uint16_t old;

    if (sim_packed_on(s)) /* packed: sim_packed.c */
        return sim_packed_complete_at(s, q, k);
    if (!queue_usable(s, q) || k >= s->vq[q].npending)
        return false;
    v = &s->vq[q];
    used = area(s, v->used, used_bytes(v), "used");
    if (!used)
        return false;
    old = v->used_idx;
    push_chain(s, v, used, &v->pending[k]);
    memmove(&v->pending[k], &v->pending[k + 1], (v->npending - k - 1) * sizeof(v->pending[0]));
    v->npending--;
    maybe_interrupt(s, q, old);
    return true;
}

unsigned sim_virtio_complete(struct sim_virtio *s, unsigned q, unsigned max)
{
    struct sim_vq *v;
    unsigned n, i;
    uint8_t *used;
    uint16_t old;

    if (sim_packed_on(s)) /* packed: sim_packed.c */
        return sim_packed_complete(s, q, max);
    if (!queue_usable(s, q))
        return 0;
    v = &s->vq[q];
    used = area(s, v->used, used_bytes(v), "used");
    if (!used)
        return 0;
    n = v->npending < max ? v->npending : max;
    if (n == 0)
        return 0;
    old = v->used_idx;
    for (i = 0; i < n; i++)
        push_chain(s, v, used, &v->pending[i]);
    memmove(&v->pending[0], &v->pending[n], (v->npending - n) * sizeof(v->pending[0]));
    v->npending -= n;
    maybe_interrupt(s, q, old); /* one interrupt decision per batch */
    return n;
}

unsigned sim_virtio_process(struct sim_virtio *s, unsigned q)
{
    unsigned total = 0, n;

    /* Loop: a full pending list stops popping until it drains. */
    do {
        sim_virtio_pop(s, q);
        n = sim_virtio_complete(s, q, ~0u);
        total += n;
    } while (n);
    return total;
}

/* ---- device-initiated events ------------------------------------------------ */

void sim_virtio_raise(struct sim_virtio *s, uint32_t bits)
{
    s->int_status |= bits;
    sim_irq_set_level(s->irq, s->int_status != 0);
}

void sim_virtio_config_changed(struct sim_virtio *s)
{
    s->config_gen++;
    sim_virtio_raise(s, VIRTIO_MMIO_INT_CONFIG);
}

void sim_virtio_set_needs_reset(struct sim_virtio *s)
{
    s->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
    /* 2.1.2: with DRIVER_OK set, the device sends a config notification. */
    if (s->status & VIRTIO_STATUS_DRIVER_OK)
        sim_virtio_raise(s, VIRTIO_MMIO_INT_CONFIG);
}

void sim_virtio_set_used_flags(struct sim_virtio *s, unsigned q, uint16_t flags)
{
    struct sim_vq *v = &s->vq[q];
    uint8_t *used;

    v->used_flags = flags;
    if (!v->ready)
        return;
    if (sim_packed_on(s)) { /* packed: sim_packed.c */
        sim_packed_device_event(s, q);
        return;
    }
    used = area(s, v->used, used_bytes(v), "used");
    if (used)
        st16(used, flags);
}

void sim_virtio_set_avail_event(struct sim_virtio *s, unsigned q, uint16_t idx)
{
    struct sim_vq *v = &s->vq[q];
    uint8_t *used;

    v->avail_event_fixed = true;
    v->avail_event = idx;
    if (!v->ready)
        return;
    if (sim_packed_on(s)) { /* packed: sim_packed.c */
        sim_packed_device_event(s, q);
        return;
    }
    used = area(s, v->used, used_bytes(v), "used");
    if (used)
        st16(used + RING_HDR + (size_t)USED_ELEM * v->num, idx);
}

bool sim_virtio_has(const struct sim_virtio *s, unsigned bit)
{
    return bit < 64 && ((s->drv_features >> bit) & 1u);
}

int sim_virtio_first_write(const struct sim_virtio *s, uint32_t off)
{
    unsigned i;

    for (i = 0; i < s->n_reg; i++)
        if (s->reg_off[i] == off)
            return (int)i;
    return -1;
}

/* ---- life cycle ---------------------------------------------------------------- */

/* The queues' pending lists (1.7 MB each) and prefetch arrays, kept from
 * destroyed devices for the next ones: a test or fuzz input that creates
 * a device each time does not map, zero and unmap megabytes (under ASan,
 * with its shadow) every time.  A pending entry is initialised when a
 * chain is popped into it (walk_chain, sim_packed.c's walk), so a reused
 * list needs no zeroing; the prefetch array does (its heads are compared). */
#define SPARE_CAP (2u * SIM_MAX_QUEUES)
static struct sim_chain *spare_pending[SPARE_CAP];
static struct sim_prefetch *spare_pf[SPARE_CAP];
static unsigned n_spare;

static void vq_buffers(struct sim_vq *v)
{
    sim_lock();
    if (n_spare) {
        n_spare--;
        v->pending = spare_pending[n_spare];
        v->pf = spare_pf[n_spare];
        memset(v->pf, 0, SIM_PF_CAP * sizeof(struct sim_prefetch));
    } else {
        v->pending = malloc(PENDING_CAP * sizeof(struct sim_chain));
        v->pf = calloc(SIM_PF_CAP, sizeof(struct sim_prefetch));
    }
    sim_unlock();
    if (!v->pending || !v->pf)
        abort();
}

static void vq_buffers_put(struct sim_vq *v)
{
    sim_lock();
    if (v->pending && v->pf && n_spare < SPARE_CAP) {
        spare_pending[n_spare] = v->pending;
        spare_pf[n_spare] = v->pf;
        n_spare++;
    } else {
        free(v->pending);
        free(v->pf);
    }
    v->pending = NULL;
    v->pf = NULL;
    sim_unlock();
}

struct sim_virtio *sim_virtio_create(uint32_t version, uint32_t device_id, uint64_t features,
                                     unsigned nq, uint32_t num_max)
{
    struct sim_virtio *s = calloc(1, sizeof(*s));
    unsigned i;

    if (!s)
        abort();
    if (nq > SIM_MAX_QUEUES)
        nq = SIM_MAX_QUEUES;
    s->version = version;
    s->device_id = device_id;
    s->vendor_id = 0x554d4551u; /* "QEMU" */
    s->dev_features = features;
    s->nq = nq;
    s->config_len = sizeof(s->config);
    for (i = 0; i < nq; i++) {
        s->vq[i].num_max = num_max;
        vq_buffers(&s->vq[i]);
    }
    s->base = sim_mmio_register(&reg_ops, s, 0x200);
    sim_dma_observe(prefetch_all, s);
    s->irq = 32u + (unsigned)((s->base - SIM_MMIO_BASE) / SIM_MMIO_STRIDE);
    return s;
}

void sim_virtio_destroy(struct sim_virtio *s)
{
    unsigned i;

    if (!s)
        return;
    sim_dma_unobserve(prefetch_all, s);
    sim_mmio_unregister(s->base);
    sim_irq_set_level(s->irq, false);
    for (i = 0; i < SIM_MAX_QUEUES; i++)
        vq_buffers_put(&s->vq[i]);
    free(s);
}

/* ---- rng model ---------------------------------------------------------------- */

static uint32_t rng_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    struct sim_rng *r = arg;
    uint32_t written = 0, k;
    unsigned i;

    (void)s;
    (void)q;
    r->requests++;
    for (i = 0; i < c->nseg; i++) {
        if (!c->seg[i].write)
            continue;
        for (k = 0; k < c->seg[i].len; k++) {
            if (r->max_per_req && written >= r->max_per_req)
                return written;
            c->seg[i].p[k] = r->next++;
            written++;
        }
    }
    return written;
}

void sim_rng_attach(struct sim_virtio *s, struct sim_rng *rng)
{
    s->handler = rng_handler;
    s->handler_arg = rng;
}

/* ---- helpers for device models ------------------------------------------- */

/* Copy `len` bytes starting at byte `off` of the chain's readable part. */
void sim_chain_gather(const struct sim_chain *c, uint32_t off, uint8_t *dst, uint32_t len)
{
    for (unsigned i = 0; i < c->nseg && len; i++) {
        const struct sim_seg *g = &c->seg[i];
        uint32_t take;

        if (g->write)
            break;
        if (off >= g->len) {
            off -= g->len;
            continue;
        }
        take = g->len - off < len ? g->len - off : len;
        memcpy(dst, g->p + off, take);
        dst += take;
        len -= take;
        off = 0;
    }
}

/* Copy `len` bytes into the writable part starting at its byte `off`. */
void sim_chain_scatter(const struct sim_chain *c, uint32_t off, const uint8_t *src, uint32_t len)
{
    for (unsigned i = 0; i < c->nseg && len; i++) {
        const struct sim_seg *g = &c->seg[i];
        uint32_t take;

        if (!g->write)
            continue;
        if (off >= g->len) {
            off -= g->len;
            continue;
        }
        take = g->len - off < len ? g->len - off : len;
        memcpy(g->p + off, src, take);
        src += take;
        len -= take;
        off = 0;
    }
}
