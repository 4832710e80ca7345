/*
 * virtio_config.h - transport-independent feature bits (virtio 1.2, 6).
 * Wire definitions only.  Bits 0-23 and 50-127 are device-specific and are
 * defined by each device driver's header.
 */
#ifndef VIRTIO_CONFIG_H
#define VIRTIO_CONFIG_H

#include <stdint.h>

#define VIRTIO_BIT(n) (1ull << (n))

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

#endif /* VIRTIO_CONFIG_H */
