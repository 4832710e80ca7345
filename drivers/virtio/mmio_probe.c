/*
 * mmio_probe.c - see mmio_probe.h.
 */
#include "virtio/mmio_probe.h"

#include "plat.h"
#include "virtio/virtio_mmio_regs.h"

int virtio_mmio_identify(uintptr_t base, struct virtio_mmio_ident *id)
{
    id->version = id->device_id = id->vendor_id = 0;
    id->magic = plat_mmio_read32(base + VIRTIO_MMIO_MAGIC_VALUE);
    if (id->magic != VIRTIO_MMIO_MAGIC)
        return VIRTIO_PROBE_BAD_MAGIC;
    id->version = plat_mmio_read32(base + VIRTIO_MMIO_VERSION);
    if (id->version != VIRTIO_MMIO_VERSION_LEGACY && id->version != VIRTIO_MMIO_VERSION_MODERN)
        return VIRTIO_PROBE_BAD_VERSION;
    id->device_id = plat_mmio_read32(base + VIRTIO_MMIO_DEVICE_ID);
    if (id->device_id == 0)
        return VIRTIO_PROBE_EMPTY;
    id->vendor_id = plat_mmio_read32(base + VIRTIO_MMIO_VENDOR_ID);
    return VIRTIO_PROBE_PRESENT;
}

const char *virtio_device_name(uint32_t device_id)
{
    switch (device_id) {
    case VIRTIO_ID_NET: return "net";
    case VIRTIO_ID_BLOCK: return "blk";
    case VIRTIO_ID_CONSOLE: return "console";
    case VIRTIO_ID_RNG: return "rng";
    case VIRTIO_ID_BALLOON: return "balloon";
    case VIRTIO_ID_SCSI: return "scsi";
    case VIRTIO_ID_9P: return "9p";
    case VIRTIO_ID_GPU: return "gpu";
    case VIRTIO_ID_INPUT: return "input";
    case VIRTIO_ID_VSOCK: return "vsock";
    case VIRTIO_ID_CRYPTO: return "crypto";
    default: return "unknown";
    }
}
