/*
 * virtio_spec.h - what the virtio 1.2 specification defines for every
 * transport and device type: device status bits (2.1), device IDs (5),
 * reserved feature bits (6) and the two reasons for a notification to the
 * driver (2.3: used buffers, configuration change).  Wire definitions
 * only.  The ring layouts are in virtio_ring.h; feature bits 0-23 and
 * 50-127 are device-specific and in each driver's header; a transport's
 * registers are its own (virtio_mmio_regs.h).
 */
#ifndef VIRTIO_SPEC_H
#define VIRTIO_SPEC_H

#include <stdint.h>

#define VIRTIO_BIT(n) (1ull << (n))

/* Device status bits (2.1) */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* Why the device notified the driver (2.3): the bits of virtio-mmio's
 * InterruptStatus (4.2.2) and of virtio-pci's ISR status (4.1.4.5) alike.
 * A transport's irq_status/irq_ack speak these. */
#define VIRTIO_ISR_VRING (1u << 0)  /* used buffers */
#define VIRTIO_ISR_CONFIG (1u << 1) /* configuration change */

/* Device IDs (5) */
#define VIRTIO_ID_NET 1u
#define VIRTIO_ID_BLOCK 2u
#define VIRTIO_ID_CONSOLE 3u
#define VIRTIO_ID_RNG 4u
#define VIRTIO_ID_BALLOON 5u
#define VIRTIO_ID_SCSI 8u
#define VIRTIO_ID_9P 9u
#define VIRTIO_ID_GPU 16u
#define VIRTIO_ID_INPUT 18u
#define VIRTIO_ID_VSOCK 19u
#define VIRTIO_ID_CRYPTO 20u

/* Reserved feature bits (6) */
#define VIRTIO_F_NOTIFY_ON_EMPTY 24 /* legacy only */
#define VIRTIO_F_ANY_LAYOUT 27      /* legacy only */
#define VIRTIO_F_INDIRECT_DESC 28   /* == VIRTIO_RING_F_INDIRECT_DESC */
#define VIRTIO_F_EVENT_IDX 29       /* == VIRTIO_RING_F_EVENT_IDX */
#define VIRTIO_F_VERSION_1 32
#define VIRTIO_F_ACCESS_PLATFORM 33
#define VIRTIO_F_RING_PACKED 34
#define VIRTIO_F_IN_ORDER 35
#define VIRTIO_F_ORDER_PLATFORM 36
#define VIRTIO_F_SR_IOV 37
#define VIRTIO_F_NOTIFICATION_DATA 38
#define VIRTIO_F_NOTIF_CONFIG_DATA 39
#define VIRTIO_F_RING_RESET 40

/* The reserved (transport / ring) range: 24..40 (and 41..49 reserved). */
#define VIRTIO_TRANSPORT_F_START 24
#define VIRTIO_TRANSPORT_F_END 50 /* exclusive */

#endif /* VIRTIO_SPEC_H */
