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
const char *virtio_device_name(uint32_t device_id);

#endif
