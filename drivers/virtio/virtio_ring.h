/*
 * virtio_ring.h - the virtqueues as they sit in shared memory: the split
 * ring (virtio 1.2, 2.7) and, at the end, the packed ring (2.8).  Wire
 * format only: the driver's private state lives in virtqueue_impl.h.
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

/* ---- packed virtqueue (2.8) -------------------------------------------------
 *
 * One descriptor ring written by both sides, and two 4-byte event
 * suppression structures.  In one allocation:
 *
 *     desc[num]                16-byte aligned (we use the page)
 *     driver event structure   (the transport's "driver area")
 *     device event structure   (the transport's "device area")
 *
 * Descriptor flags: NEXT, WRITE and INDIRECT keep their split values
 * (2.8.4-2.8.6); AVAIL and USED carry the ring wrap counters (2.8.1).
 */
#define VRING_PACKED_DESC_F_AVAIL (1u << 7)
#define VRING_PACKED_DESC_F_USED (1u << 15)

/* Event suppression flags (2.8.10). */
#define VRING_PACKED_EVENT_FLAG_ENABLE 0u
#define VRING_PACKED_EVENT_FLAG_DISABLE 1u
#define VRING_PACKED_EVENT_FLAG_DESC 2u /* only with EVENT_IDX */
/* off_wrap: bits 0-14 the descriptor offset, bit 15 the wrap counter. */
#define VRING_PACKED_EVENT_WRAP_SHIFT 15u
#define VRING_PACKED_EVENT_OFF_MASK 0x7fffu

struct vring_packed_desc {
    le64 addr; /* available: buffer (or table); used: unused */
    le32 len;  /* available: length; used: bytes written (with WRITE) */
    le16 id;   /* buffer id */
    le16 flags; /* VRING_DESC_F_* | VRING_PACKED_DESC_F_AVAIL/USED */
};

struct vring_packed_event {
    le16 off_wrap; /* with EVENT_FLAG_DESC: the descriptor to raise the event at */
    le16 flags;    /* VRING_PACKED_EVENT_FLAG_* */
};

_Static_assert(sizeof(struct vring_packed_desc) == 16, "2.8.13: descriptor is 16 bytes");
_Static_assert(offsetof(struct vring_packed_desc, id) == 12, "2.8.13 layout");
_Static_assert(offsetof(struct vring_packed_desc, flags) == 14, "2.8.13 layout");
_Static_assert(sizeof(struct vring_packed_event) == 4, "2.8.14: event structure is 4 bytes");
_Static_assert(offsetof(struct vring_packed_event, flags) == 2, "2.8.14 layout");

/* The packed queue holds at most 2^15 descriptors (2.8). */
#define VRING_PACKED_MAX_SIZE 32768u

struct vring_packed_layout {
    size_t desc_off;
    size_t driver_off; /* driver event suppression (written by the driver) */
    size_t device_off; /* device event suppression (written by the device) */
    size_t size;
};

static inline void vring_packed_layout_compute(unsigned num, struct vring_packed_layout *l)
{
    l->desc_off = 0;
    l->driver_off = l->desc_off + (size_t)num * sizeof(struct vring_packed_desc);
    l->device_off = l->driver_off + sizeof(struct vring_packed_event);
    l->size = l->device_off + sizeof(struct vring_packed_event);
}

/*
 * Ring positions as free-running u16 counters: for a queue of num entries
 * (a power of two, so 2 * num divides 2^16) counter c is descriptor
 * c % num, and its wrap counter is 1 on even laps - the counter both sides
 * start at 1 (2.8.1) - so c % (2 * num) names a (position, wrap) pair.
 */
static inline bool vring_packed_wrap(uint16_t c, unsigned num)
{
    return (c & num) == 0;
}

static inline uint16_t vring_packed_off_wrap(uint16_t c, unsigned num)
{
    return (uint16_t)((c & (num - 1)) |
                      (vring_packed_wrap(c, num) ? 1u << VRING_PACKED_EVENT_WRAP_SHIFT : 0u));
}

/*
 * The descriptor-event test (2.8.10 with EVENT_IDX): the counter moved
 * from old_c to new_c (descriptors made available, or used); does the
 * (offset, wrap) pair in off_wrap name one of the descriptors in
 * [old_c, new_c)?  Modulo 2 * num, so valid while fewer than 2 * num
 * descriptors passed between the two observations.  An offset outside the
 * ring names no descriptor: the caller decides (we notify).
 */
static inline bool vring_packed_need_event(uint16_t off_wrap, uint16_t new_c, uint16_t old_c,
                                           unsigned num)
{
    uint32_t span = 2u * num - 1u; /* mask modulo 2 * num */
    uint32_t off = off_wrap & VRING_PACKED_EVENT_OFF_MASK;
    uint32_t ev = off + ((off_wrap >> VRING_PACKED_EVENT_WRAP_SHIFT) ? 0u : num);

    return ((ev - old_c) & span) < ((uint32_t)(uint16_t)(new_c - old_c) & span);
}

#endif /* VIRTIO_RING_H */
