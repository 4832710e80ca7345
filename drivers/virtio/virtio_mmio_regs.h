/*
 * virtio_mmio_regs.h - the virtio-mmio register file (virtio 1.2, 4.2.2 and
 * 4.2.4 for the legacy interface).  Wire format only: no driver state.
 * Offsets are from the device's base address; every register is 32 bits
 * wide and little-endian unless noted.
 */
#ifndef VIRTIO_MMIO_REGS_H
#define VIRTIO_MMIO_REGS_H

#include "virtio_spec.h"

#define VIRTIO_MMIO_MAGIC_VALUE 0x000 /* "virt" = 0x74726976 */
#define VIRTIO_MMIO_VERSION 0x004     /* 1 legacy, 2 modern */
#define VIRTIO_MMIO_DEVICE_ID 0x008   /* 0: no device in this slot */
#define VIRTIO_MMIO_VENDOR_ID 0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES 0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014
#define VIRTIO_MMIO_DRIVER_FEATURES 0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024
#define VIRTIO_MMIO_GUEST_PAGE_SIZE 0x028 /* legacy only */
#define VIRTIO_MMIO_QUEUE_SEL 0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX 0x034
#define VIRTIO_MMIO_QUEUE_NUM 0x038
#define VIRTIO_MMIO_QUEUE_ALIGN 0x03c /* legacy only */
#define VIRTIO_MMIO_QUEUE_PFN 0x040   /* legacy only */
#define VIRTIO_MMIO_QUEUE_READY 0x044 /* modern only */
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW 0x080 /* modern only, to 0x0a4 */
#define VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4
#define VIRTIO_MMIO_SHM_SEL 0x0ac
#define VIRTIO_MMIO_CONFIG_GENERATION 0x0fc /* modern only */
#define VIRTIO_MMIO_CONFIG 0x100            /* device-specific config space */

#define VIRTIO_MMIO_MAGIC 0x74726976u
#define VIRTIO_MMIO_VERSION_LEGACY 1u
#define VIRTIO_MMIO_VERSION_MODERN 2u

/* InterruptStatus bits (4.2.2): the spec's notification reasons. */
#define VIRTIO_MMIO_INT_VRING VIRTIO_ISR_VRING
#define VIRTIO_MMIO_INT_CONFIG VIRTIO_ISR_CONFIG

#endif /* VIRTIO_MMIO_REGS_H */
