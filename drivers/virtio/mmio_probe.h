/*
 * mmio_probe.h - identify what sits behind one virtio-mmio register window
 * (virtio 1.2, 4.2.3.1.1): magic, version, device ID, vendor ID.  Reads
 * nothing else, and nothing past the device ID of an empty slot.
 */
#ifndef VIRTIO_MMIO_PROBE_H
#define VIRTIO_MMIO_PROBE_H

#include <stdint.h>

#define VIRTIO_PROBE_PRESENT 0
#define VIRTIO_PROBE_EMPTY 1         /* device ID 0: a placeholder slot */
#define VIRTIO_PROBE_BAD_MAGIC (-1)
#define VIRTIO_PROBE_BAD_VERSION (-2)

struct virtio_mmio_ident {
    uint32_t magic;
    uint32_t version;   /* 1 legacy, 2 modern */
    uint32_t device_id;
    uint32_t vendor_id;
};

int virtio_mmio_identify(uintptr_t base, struct virtio_mmio_ident *id);

/* Reset a device virtio_mmio_identify() found present, before anything
 * else is placed in memory: a boot loader that drove it (U-Boot's virtio
 * drivers) leaves DRIVER_OK set and queues in memory that is now the
 * firmware's, and the device would go on using them.  Writes Status 0 and
 * waits, bounded, until it reads 0 (virtio 1.2, 2.4.1, 4.2.3.1).  Returns
 * the status the device had before (non-zero: a loader left it running),
 * or VIRTIO_ETIMEDOUT if the reset does not complete.  The transport's own
 * reset is this same function (virtio_mmio.c). */
int virtio_mmio_quiesce(uintptr_t base);
const char *virtio_device_name(uint32_t device_id);

#endif
