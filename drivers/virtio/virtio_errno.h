/*
 * virtio_errno.h - negative error codes returned by drivers/virtio.
 *
 * The drivers are freestanding and do not include <errno.h>; the values are
 * the usual Linux/POSIX numbers so logs read naturally.  Functions return 0
 * (or a non-negative count) on success and one of these on failure.
 */
#ifndef VIRTIO_ERRNO_H
#define VIRTIO_ERRNO_H

#define VIRTIO_EIO (-5)         /* device misbehaved; queue or device broken */
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
#define VIRTIO_ECANCELED (-125) /* request dropped by a device reset */

#endif /* VIRTIO_ERRNO_H */
