/*
 * virtio_errno.h - negative error codes returned by drivers/virtio.
 *
 * The drivers are freestanding and do not include <errno.h>; the values are
 * the usual Linux/POSIX numbers so logs read naturally.  Functions return 0
 * (or a non-negative count) on success and one of these on failure.
 *
 * virtio_strerror() (in virtio.c) names each code in a few words, so that a
 * message can say what went wrong before the number:
 *     kprintf("blk: read failed: %s (%d)\n", virtio_strerror(err), err);
 */
#ifndef VIRTIO_ERRNO_H
#define VIRTIO_ERRNO_H

#define VIRTIO_EIO (-5)         /* device misbehaved; queue or device broken */
#define VIRTIO_ENXIO (-6)       /* the device has no interrupt (VIRTIO_NO_IRQ) */
#define VIRTIO_E2BIG (-7)       /* address or request does not fit */
#define VIRTIO_EAGAIN (-11)     /* nothing yet / try again */
#define VIRTIO_ENOMEM (-12)     /* plat_dma_alloc failed */
#define VIRTIO_EBUSY (-16)      /* queue already in use / request outstanding */
#define VIRTIO_ENODEV (-19)     /* no (such) device */
#define VIRTIO_EINVAL (-22)     /* bad argument */
#define VIRTIO_ENOSPC (-28)     /* ring full */
#define VIRTIO_ENOENT (-2)      /* queue absent (QueueNumMax 0) */
#define VIRTIO_ENOTSUP (-95)    /* feature / version not supported */
#define VIRTIO_ETIMEDOUT (-110) /* device did not respond in time */
#define VIRTIO_EROFS (-30)      /* write to a read-only device */
#define VIRTIO_ECANCELED (-125) /* request dropped by a device reset */

/* A short description of a VIRTIO_E* code (negative, as returned): "I/O
 * error", "read-only device", ...; "ok" for 0, "unknown error" for any
 * other value.  Never NULL; the strings are constant. */
const char *virtio_strerror(int err);

#endif /* VIRTIO_ERRNO_H */
