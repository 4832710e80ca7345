/*
 * features.c - the names of the feature bits the drivers here negotiate,
 * for the boot log's "features:" (netapp.c) and the shell's devices (one
 * table: the two used to name them apart).
 */
#include <stdint.h>

#include "app.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_console.h"
#include "virtio/virtio_net.h"
#include "virtio/virtio_spec.h"

/* Every feature bit a driver here can negotiate: the core's and the
 * rings' (virtio.c), and each driver's own.  NULL for any other. */
const char *app_feature_name(uint32_t dev, unsigned bit)
{
    switch (bit) {
    case VIRTIO_F_ANY_LAYOUT: return "any_layout";
    case VIRTIO_F_INDIRECT_DESC: return "indirect_desc";
    case VIRTIO_F_EVENT_IDX: return "event_idx";
    case VIRTIO_F_VERSION_1: return "version_1";
    case VIRTIO_F_ACCESS_PLATFORM: return "access_platform";
    case VIRTIO_F_RING_PACKED: return "ring_packed";
    case VIRTIO_F_ORDER_PLATFORM: return "order_platform";
    }
    if (dev == VIRTIO_ID_NET)
        switch (bit) {
        case VIRTIO_NET_F_CSUM: return "csum";
        case VIRTIO_NET_F_GUEST_CSUM: return "guest_csum";
        case VIRTIO_NET_F_MTU: return "mtu";
        case VIRTIO_NET_F_MAC: return "mac";
        case VIRTIO_NET_F_MRG_RXBUF: return "mrg_rxbuf";
        case VIRTIO_NET_F_STATUS: return "status";
        case VIRTIO_NET_F_CTRL_VQ: return "ctrl_vq";
        case VIRTIO_NET_F_GUEST_ANNOUNCE: return "guest_announce";
        }
    if (dev == VIRTIO_ID_BLOCK)
        switch (bit) {
        case VIRTIO_BLK_F_SIZE_MAX: return "size_max";
        case VIRTIO_BLK_F_SEG_MAX: return "seg_max";
        case VIRTIO_BLK_F_RO: return "ro";
        case VIRTIO_BLK_F_BLK_SIZE: return "blk_size";
        case VIRTIO_BLK_F_FLUSH: return "flush";
        case VIRTIO_BLK_F_DISCARD: return "discard";
        case VIRTIO_BLK_F_WRITE_ZEROES: return "write_zeroes";
        }
    if (dev == VIRTIO_ID_CONSOLE && bit == VIRTIO_CONSOLE_F_EMERG_WRITE)
        return "emerg_write";
    return NULL;
}
