/*
 * virtio_ring.h - the split virtqueue as it sits in shared memory
 * (virtio 1.2, 2.7).  Wire format only: the driver's private state lives in
 * virtqueue.c.
 *
 * Layout of one queue in a single contiguous allocation (the legacy layout,
 * 2.7 / 4.2.4, which modern devices accept as well because they take three
 * separate addresses):
 *
 *     desc[num]                          16-byte aligned (we use the page)
 *     avail: flags, idx, ring[num], used_event
 *     padding up to `align`
 *     used:  flags, idx, ring[num], avail_event
 *
 * All offsets are derived with sizeof/offsetof by vring_layout_compute();
 * the _Static_asserts below only pin the structs to the sizes the spec
 * states, they are not used to compute anything.
 */
#ifndef VIRTIO_RING_H
#define VIRTIO_RING_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "virtio_endian.h"

/* Descriptor flags (2.7.5) */
#define VRING_DESC_F_NEXT 1u
#define VRING_DESC_F_WRITE 2u
#define VRING_DESC_F_INDIRECT 4u

/* avail->flags (2.7.6): driver asks for no interrupts (without EVENT_IDX) */
#define VRING_AVAIL_F_NO_INTERRUPT 1u
/* used->flags (2.7.8): device asks for no notifications (without EVENT_IDX) */
#define VRING_USED_F_NO_NOTIFY 1u

/* The largest split queue (2.7: Queue Size is at most 32768). */
#define VRING_MAX_SIZE 32768u

/* Legacy alignment of the used ring and the legacy page size (4.2.4). */
#define VRING_LEGACY_ALIGN 4096u

struct vring_desc {
    le64 addr; /* bus address of the buffer */
    le32 len;
    le16 flags; /* VRING_DESC_F_* */
    le16 next;  /* valid when flags & NEXT */
};

struct vring_avail {
    le16 flags;
    le16 idx;
    le16 ring[]; /* [num], then le16 used_event */
};

struct vring_used_elem {
    le32 id;  /* head of the completed chain */
    le32 len; /* bytes the device wrote into the chain's writable part */
};

struct vring_used {
    le16 flags;
    le16 idx;
    struct vring_used_elem ring[]; /* [num], then le16 avail_event */
};

_Static_assert(sizeof(struct vring_desc) == 16, "2.7.5: descriptor is 16 bytes");
_Static_assert(offsetof(struct vring_desc, next) == 14, "2.7.5 layout");
_Static_assert(sizeof(struct vring_used_elem) == 8, "2.7.8: used element is 8 bytes");
_Static_assert(offsetof(struct vring_avail, ring) == 4, "2.7.6 layout");
_Static_assert(offsetof(struct vring_used, ring) == 4, "2.7.8 layout");

/* Byte offsets of the three parts inside one allocation, and its size. */
struct vring_layout {
    size_t desc_off;
    size_t avail_off;
    size_t used_off;
    size_t size;
};

static inline size_t vring_align_up(size_t v, size_t align)
{
    return (v + align - 1) & ~(align - 1);
}

/* num: queue size (a power of two); align: power of two >= 4. */
static inline void vring_layout_compute(unsigned num, size_t align, struct vring_layout *l)
{
    size_t avail_end, used_end;

    l->desc_off = 0;
    l->avail_off = l->desc_off + (size_t)num * sizeof(struct vring_desc);
    /* ring[num] plus used_event */
    avail_end = l->avail_off + offsetof(struct vring_avail, ring) + ((size_t)num + 1) * sizeof(le16);
    l->used_off = vring_align_up(avail_end, align);
    /* ring[num] plus avail_event */
    used_end = l->used_off + offsetof(struct vring_used, ring) +
               (size_t)num * sizeof(struct vring_used_elem) + sizeof(le16);
    l->size = used_end;
}

/* used_event lives right after avail->ring[num] (2.7.10). */
static inline le16 *vring_used_event(struct vring_avail *avail, unsigned num)
{
    return &avail->ring[num];
}

/* avail_event lives right after used->ring[num] (2.7.10). */
static inline le16 *vring_avail_event(struct vring_used *used, unsigned num)
{
    return (le16 *)(void *)&used->ring[num];
}

/*
 * The event-index test (2.7.10 / 2.7.13.4): with the index moving from
 * old_idx to new_idx, has it stepped past event_idx, i.e. is event_idx in
 * the half-open window [old_idx, new_idx)?  All u16 arithmetic, so it is
 * correct across the 65535 -> 0 wrap as long as fewer than 65536 entries
 * were added between the two observations.
 */
static inline bool vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
    return (uint16_t)(new_idx - event_idx - 1u) < (uint16_t)(new_idx - old_idx);
}

#endif /* VIRTIO_RING_H */
