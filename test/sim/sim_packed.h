/*
 * sim_packed.h - the device side of packed virtqueues (virtio 1.2, 2.8)
 * for the simulated virtio-mmio device (sim_virtio.h).
 *
 * A queue is packed when the driver accepted VIRTIO_F_RING_PACKED (bit 34,
 * so modern devices only); sim_virtio.c then hands its ring work here at a
 * few marked dispatch points and keeps the register file, the queue state
 * (struct sim_vq) and the test-facing API.  In packed mode the fields of
 * struct sim_vq mean:
 *   last_avail  free-running counter of the next descriptor the device
 *               reads (position = counter % num; wrap counter 1 on even laps)
 *   used_idx    the same for the next used descriptor it writes
 *   used_flags  VRING_USED_F_NO_NOTIFY (1) -> device event flags DISABLE
 *   avail_event with avail_event_fixed: the descriptor counter the device
 *               event structure names (EVENT_IDX), else last_avail
 *   fetched, pf early fetch (the ordering model), keyed by descriptor counter
 * and a chain's `head` is its buffer id (from the last descriptor, 2.8.6),
 * `ndesc` the ring descriptors it occupies, desc_ids[] their positions.
 *
 * Like sim_virtio.c, the ring layout is written from the spec's numbers
 * (16-byte descriptors: addr 0, len 8, id 12, flags 14; 4-byte event
 * structures: off_wrap 0, flags 2), not from the driver's headers.
 *
 * Ordering model (sim_plat.h): the device looks at the flags word of the
 * next descriptor with sim_dma_peek and reads everything else through
 * sim_dma_ptr; it writes a used descriptor's id and len, then its flags,
 * which it publishes; the driver event structure is mb-only.  At every
 * driver barrier it fetches the chains it can see (sim_packed_prefetch) and
 * at pop reports one that changed since as a violation (stale_fetches).
 *
 * Faults (struct sim_faults) in packed mode: used_id / used_len as split;
 * dup_next writes the same used descriptor again at the next position;
 * idx_jump (any non-zero) writes one extra used descriptor beyond the
 * last, without moving used_idx; used_flags_xor is XOR-ed into the next
 * used descriptor's flags (wrap-counter faults); scribble overwrites addr,
 * len and id (never flags) of consumed descriptors, and indirect tables.
 */
#ifndef SIM_PACKED_H
#define SIM_PACKED_H

#include <stdint.h>
#include <stdbool.h>

#include "sim_virtio.h"

#define SIM_F_RING_PACKED 34u

/* The driver accepted the packed ring. */
bool sim_packed_on(const struct sim_virtio *s);

/* Dispatch targets for sim_virtio.c. */
bool sim_packed_areas_ok(struct sim_virtio *s, struct sim_vq *v);
void sim_packed_went_live(struct sim_virtio *s, struct sim_vq *v);
void sim_packed_prefetch(struct sim_virtio *s, struct sim_vq *v);
unsigned sim_packed_pop(struct sim_virtio *s, unsigned q);
unsigned sim_packed_complete(struct sim_virtio *s, unsigned q, unsigned max);
bool sim_packed_complete_at(struct sim_virtio *s, unsigned q, unsigned k);
/* Write the device event structure from used_flags / avail_event. */
void sim_packed_device_event(struct sim_virtio *s, unsigned q);

/* The spec's descriptor-event test, written independently of the driver's:
 * walking the counters from old_c to new_c, does one of them name the
 * (offset, wrap) pair in off_wrap? */
bool sim_packed_need_event(uint16_t off_wrap, uint16_t new_c, uint16_t old_c, unsigned num);

/* Test access: the raw descriptor at ring position pos (device's view). */
uint8_t *sim_packed_desc(struct sim_virtio *s, unsigned q, unsigned pos);

#endif /* SIM_PACKED_H */
