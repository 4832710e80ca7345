/*
 * virtio_mmio.c - the virtio-mmio transport (virtio 1.2, 4.2), version 2
 * (modern) and version 1 (legacy, 4.2.4) behind one ops table.
 *
 * Assumptions: the register window is the usual 0x200 bytes, so the
 * device-specific config space is at most 0x100 bytes.  plat_mmio_* return
 * register values in CPU order.  Legacy config space and rings are
 * guest-endian, which on our little-endian targets equals the modern
 * little-endian; attach refuses legacy devices on a big-endian CPU.
 * A config access here is one raw access (a 64-bit field: two 32-bit
 * halves, low first); the core repeats it under ConfigGeneration, or on a
 * legacy device until two reads agree, so a concurrent change does not
 * tear it (virtio.c, cfg_read).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "plat.h"
#include "mmio_probe.h"
#include "virtio.h"
#include "virtio_mmio_regs.h"
#include "virtio_ring.h"

#define MMIO_CONFIG_SIZE 0x100u /* 0x100..0x1ff in the 0x200 window */
#define MMIO_LEGACY_PAGE 4096u  /* GuestPageSize, QueueAlign, PFN unit */

static inline uint32_t rd(const struct virtio_dev *dev, uint32_t off)
{
    return plat_mmio_read32(dev->base + off);
}

static inline void wr(const struct virtio_dev *dev, uint32_t off, uint32_t v)
{
    plat_mmio_write32(dev->base + off, v);
}

static bool is_legacy(const struct virtio_dev *dev)
{
    return dev->legacy;
}

/* Poll the register at base + off until it reads 0, bounded in time and
 * in reads. */
static bool wait_zero(uintptr_t base, uint32_t off)
{
    uint64_t start = plat_time_ns();
    unsigned i;

    for (i = 0; i < VIRTIO_POLL_MAX_ITER; i++) {
        if (plat_mmio_read32(base + off) == 0)
            return true;
        if (plat_time_ns() - start > VIRTIO_RESET_TIMEOUT_NS)
            break;
    }
    return false;
}

int virtio_mmio_quiesce(uintptr_t base)
{
    uint32_t was = plat_mmio_read32(base + VIRTIO_MMIO_STATUS) & 0xffu;

    plat_mmio_write32(base + VIRTIO_MMIO_STATUS, 0);
    /* 4.2.3.1 / 2.4.1: the reset is complete when Status reads 0. */
    return wait_zero(base, VIRTIO_MMIO_STATUS) ? (int)was : VIRTIO_ETIMEDOUT;
}

static int mmio_reset(struct virtio_dev *dev)
{
    if (virtio_mmio_quiesce(dev->base) < 0) {
        plat_log("virtio-mmio@%lx: reset timed out", (unsigned long)dev->base);
        return VIRTIO_ETIMEDOUT;
    }
    /* 4.2.4: the legacy driver writes GuestPageSize before any queue. */
    if (is_legacy(dev))
        wr(dev, VIRTIO_MMIO_GUEST_PAGE_SIZE, MMIO_LEGACY_PAGE);
    return 0;
}

static uint8_t mmio_get_status(struct virtio_dev *dev)
{
    return (uint8_t)rd(dev, VIRTIO_MMIO_STATUS);
}

static void mmio_add_status(struct virtio_dev *dev, uint8_t bits)
{
    wr(dev, VIRTIO_MMIO_STATUS, (rd(dev, VIRTIO_MMIO_STATUS) | bits) & 0xffu);
}

static uint64_t mmio_get_features(struct virtio_dev *dev)
{
    uint64_t f;

    wr(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    f = rd(dev, VIRTIO_MMIO_DEVICE_FEATURES);
    if (!is_legacy(dev)) { /* legacy: only word 0 exists */
        wr(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
        f |= (uint64_t)rd(dev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
    }
    return f;
}

static void mmio_set_features(struct virtio_dev *dev, uint64_t features)
{
    wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
    if (!is_legacy(dev)) {
        wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
        wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
    }
}

/* ---- config space ------------------------------------------------------- */

static int cfg_check(unsigned off, unsigned width)
{
    unsigned align;

    if (width != 1 && width != 2 && width != 4 && width != 8)
        return VIRTIO_EINVAL;
    align = width == 8 ? 4 : width; /* 64-bit fields: two aligned halves */
    if (off % align != 0 || off > MMIO_CONFIG_SIZE || width > MMIO_CONFIG_SIZE - off)
        return VIRTIO_EINVAL;
    return 0;
}

static uint64_t cfg_raw_read(const struct virtio_dev *dev, unsigned off, unsigned width)
{
    uintptr_t a = dev->base + VIRTIO_MMIO_CONFIG + off;

    switch (width) {
    case 1:
        return plat_mmio_read8(a);
    case 2:
        return plat_mmio_read16(a);
    case 4:
        return plat_mmio_read32(a);
    default: {
        uint64_t lo = plat_mmio_read32(a);
        uint64_t hi = plat_mmio_read32(a + 4);

        return lo | (hi << 32);
    }
    }
}

/* One access; the core makes a read of several consistent (cfg_read). */
static int mmio_config_read(struct virtio_dev *dev, unsigned off, unsigned width, uint64_t *val)
{
    int err = cfg_check(off, width);

    if (err || !val)
        return err ? err : VIRTIO_EINVAL;
    *val = cfg_raw_read(dev, off, width);
    return 0;
}

static uint32_t mmio_config_generation(struct virtio_dev *dev)
{
    return rd(dev, VIRTIO_MMIO_CONFIG_GENERATION); /* modern only: the core asks no legacy device */
}

static int mmio_config_write(struct virtio_dev *dev, unsigned off, unsigned width, uint64_t val)
{
    uintptr_t a = dev->base + VIRTIO_MMIO_CONFIG + off;
    int err = cfg_check(off, width);

    if (err)
        return err;
    switch (width) {
    case 1:
        plat_mmio_write8(a, (uint8_t)val);
        break;
    case 2:
        plat_mmio_write16(a, (uint16_t)val);
        break;
    case 4:
        plat_mmio_write32(a, (uint32_t)val);
        break;
    default:
        plat_mmio_write32(a, (uint32_t)val);
        plat_mmio_write32(a + 4, (uint32_t)(val >> 32));
        break;
    }
    return 0;
}

/* ---- queues ------------------------------------------------------------- */

static uint32_t mmio_queue_max(struct virtio_dev *dev, unsigned idx)
{
    wr(dev, VIRTIO_MMIO_QUEUE_SEL, idx);
    return rd(dev, VIRTIO_MMIO_QUEUE_NUM_MAX);
}

static int legacy_queue_setup(struct virtio_dev *dev, const struct virtio_queue_addrs *a)
{
    struct vring_layout l;
    uint64_t pfn;

    if (rd(dev, VIRTIO_MMIO_QUEUE_PFN) != 0)
        return VIRTIO_EBUSY;
    /* One contiguous area: avail right after desc, used on the next
     * QueueAlign boundary (2.7 legacy layout). */
    vring_layout_compute(a->num, MMIO_LEGACY_PAGE, &l);
    if (a->desc % MMIO_LEGACY_PAGE != 0 || a->avail != a->desc + l.avail_off ||
        a->used != a->desc + l.used_off)
        return VIRTIO_EINVAL;
    pfn = a->desc / MMIO_LEGACY_PAGE;
    if (pfn == 0 || pfn > UINT32_MAX) { /* PFN 0 would mean "no queue" */
        plat_log("virtio-mmio@%lx: ring at %llx outside the legacy PFN range",
                 (unsigned long)dev->base, (unsigned long long)a->desc);
        return VIRTIO_E2BIG;
    }
    wr(dev, VIRTIO_MMIO_QUEUE_NUM, a->num);
    wr(dev, VIRTIO_MMIO_QUEUE_ALIGN, MMIO_LEGACY_PAGE);
    wr(dev, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)pfn);
    return 0;
}

static int modern_queue_setup(struct virtio_dev *dev, const struct virtio_queue_addrs *a)
{
    /* 4.2.3.2 */
    if (rd(dev, VIRTIO_MMIO_QUEUE_READY) != 0)
        return VIRTIO_EBUSY;
    wr(dev, VIRTIO_MMIO_QUEUE_NUM, a->num);
    wr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)a->desc);
    wr(dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(a->desc >> 32));
    wr(dev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)a->avail);
    wr(dev, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(a->avail >> 32));
    wr(dev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)a->used);
    wr(dev, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(a->used >> 32));
    wr(dev, VIRTIO_MMIO_QUEUE_READY, 1);
    if (rd(dev, VIRTIO_MMIO_QUEUE_READY) != 1) {
        plat_log("virtio-mmio@%lx: QueueReady did not read back", (unsigned long)dev->base);
        wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
        return VIRTIO_EIO;
    }
    return 0;
}

static int mmio_queue_setup(struct virtio_dev *dev, unsigned idx, const struct virtio_queue_addrs *a)
{
    uint32_t max;

    if (!a || a->num == 0 || (a->num & (a->num - 1)) != 0)
        return VIRTIO_EINVAL;
    wr(dev, VIRTIO_MMIO_QUEUE_SEL, idx);
    max = rd(dev, VIRTIO_MMIO_QUEUE_NUM_MAX);
    if (max == 0)
        return VIRTIO_ENOENT;
    if (a->num > max)
        return VIRTIO_EINVAL;
    return is_legacy(dev) ? legacy_queue_setup(dev, a) : modern_queue_setup(dev, a);
}

static int mmio_queue_teardown(struct virtio_dev *dev, unsigned idx)
{
    wr(dev, VIRTIO_MMIO_QUEUE_SEL, idx);
    if (is_legacy(dev)) {
        wr(dev, VIRTIO_MMIO_QUEUE_PFN, 0);
        /* 4.2.4: QueuePFN reads 0 once the queue is no longer in use.  The
         * write may have reset the whole device (QEMU's does), QueueSel
         * with it: select the queue again before reading. */
        wr(dev, VIRTIO_MMIO_QUEUE_SEL, idx);
        if (rd(dev, VIRTIO_MMIO_QUEUE_PFN) == 0)
            return 0;
    } else {
        wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
        if (wait_zero(dev->base, VIRTIO_MMIO_QUEUE_READY))
            return 0;
    }
    plat_log("virtio-mmio@%lx: queue %u stays live", (unsigned long)dev->base, idx);
    return VIRTIO_ETIMEDOUT;
}

static void mmio_notify(struct virtio_dev *dev, unsigned idx)
{
    wr(dev, VIRTIO_MMIO_QUEUE_NOTIFY, idx);
}

static uint32_t mmio_irq_status(struct virtio_dev *dev)
{
    return rd(dev, VIRTIO_MMIO_INTERRUPT_STATUS);
}

static void mmio_irq_ack(struct virtio_dev *dev, uint32_t bits)
{
    wr(dev, VIRTIO_MMIO_INTERRUPT_ACK, bits);
}

static const struct virtio_ops virtio_mmio_ops = {
    .reset = mmio_reset,
    .get_status = mmio_get_status,
    .add_status = mmio_add_status,
    .get_features = mmio_get_features,
    .set_features = mmio_set_features,
    .config_read = mmio_config_read,
    .config_write = mmio_config_write,
    .config_generation = mmio_config_generation,
    .queue_max = mmio_queue_max,
    .queue_setup = mmio_queue_setup,
    .queue_teardown = mmio_queue_teardown,
    .notify = mmio_notify,
    .irq_status = mmio_irq_status,
    .irq_ack = mmio_irq_ack,
};

int virtio_mmio_attach(struct virtio_dev *dev, uintptr_t base, unsigned irq, unsigned irq_flags,
                       bool dma_coherent)
{
    uint32_t magic, version, id;

    if (!dev)
        return VIRTIO_EINVAL;
    memset(dev, 0, sizeof(*dev));
    magic = plat_mmio_read32(base + VIRTIO_MMIO_MAGIC_VALUE);
    if (magic != VIRTIO_MMIO_MAGIC)
        return VIRTIO_ENODEV;
    version = plat_mmio_read32(base + VIRTIO_MMIO_VERSION);
    if (version != VIRTIO_MMIO_VERSION_LEGACY && version != VIRTIO_MMIO_VERSION_MODERN) {
        plat_log("virtio-mmio@%lx: unknown version %lu", (unsigned long)base,
                 (unsigned long)version);
        return VIRTIO_ENOTSUP;
    }
    if (version == VIRTIO_MMIO_VERSION_LEGACY && VIRTIO_CPU_BIG_ENDIAN)
        return VIRTIO_ENOTSUP; /* legacy rings would be big-endian */
    id = plat_mmio_read32(base + VIRTIO_MMIO_DEVICE_ID);
    if (id == 0)
        return VIRTIO_ENODEV; /* an empty slot */

    dev->ops = &virtio_mmio_ops;
    dev->base = base;
    dev->version = version;
    dev->legacy = version == VIRTIO_MMIO_VERSION_LEGACY;
    dev->device_id = id;
    dev->vendor_id = plat_mmio_read32(base + VIRTIO_MMIO_VENDOR_ID);
    dev->irq = irq;
    dev->irq_flags = irq_flags;
    dev->dma_coherent = dma_coherent;
    return 0;
}
