/*
 * sim_blk.h - a virtio-blk device model (virtio 1.2, 5.2) on top of
 * sim_virtio: a RAM disk with a capacity, optional read-only behaviour, the
 * config fields (capacity, size_max, seg_max, blk_size) and a request
 * parser with its own bounds checks, for host unit tests of
 * drivers/virtio/virtio_blk.c.
 *
 * Independence: the request layout is parsed from the spec's numbers
 * (5.2.6: a 16-byte header le32 type, le32 reserved, le64 sector, then
 * data, then one status byte written by the device), not from the driver's
 * structs.  The header and data are gathered from however many readable
 * segments carry them, the status byte is the last writable byte.
 *
 * Behaviour per request (at pop time, from the sim_virtio handler):
 *   IN     copy disk -> writable bytes before the status byte; used len
 *          data + 1.
 *   OUT    copy readable bytes after the header -> disk; used len 1.
 *          Read-only model: IOERR and the disk is left alone.
 *   FLUSH  OK; counted (with data or a non-zero sector: counted apart).
 *   GET_ID writes serial_len bytes of cfg.serial (at most 20, at most the
 *          writable room before the status byte) and OK; used len the
 *          room + 1 (QEMU reports every writable byte).  cfg.no_get_id:
 *          UNSUPP (a device without a serial command).
 *   DISCARD / WRITE_ZEROES, checked as QEMU's hw/block/virtio-blk.c does:
 *          the feature not negotiated -> UNSUPP; the data is one 16-byte
 *          segment (le64 sector, le32 num_sectors, le32 flags), anything
 *          else -> UNSUPP (QEMU serves one segment); num_sectors above the
 *          config's max -> IOERR; the range past the capacity or not whole
 *          blocks -> IOERR; a flag bit other than UNMAP, or UNMAP on a
 *          DISCARD -> UNSUPP; read-only model -> IOERR.  Otherwise the
 *          range is zeroed (a DISCARD too: a raw image with discard=unmap
 *          punches a hole, which reads back as zeroes) and OK; used len 1.
 *   other  UNSUPP.
 *   A data length that is not a multiple of 512, or a range past the
 *   capacity, is IOERR (5.2.6.2).  A chain too short to hold a header and a
 *   status byte is counted `malformed` and returned with used len 0.
 *
 * Faults, one-shot, applied to the next request parsed:
 *   next_status = a byte: written instead of the real status (IOERR,
 *   UNSUPP, or garbage such as 0x7f); SIM_BLK_NO_STATUS: the status byte
 *   is not written at all (used len then covers the data only).
 *
 * Completion order: requests are parsed when popped; tests control when and
 * in which order they complete with sim_virtio_pop / sim_virtio_complete /
 * sim_virtio_complete_at (or sim_virtio_process for "at once").
 *
 * Every parsed request is recorded (rec[], the first SIM_BLK_REC_CAP).
 */
#ifndef SIM_BLK_H
#define SIM_BLK_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "sim_virtio.h"

#define SIM_BLK_SECTOR 512u
#define SIM_BLK_REC_CAP 512u
#define SIM_BLK_STATUS_AUTO (-1)
#define SIM_BLK_NO_STATUS (-2)

/* spec values (5.2.6) */
#define SIM_BLK_T_IN 0u
#define SIM_BLK_T_OUT 1u
#define SIM_BLK_T_FLUSH 4u
#define SIM_BLK_T_GET_ID 8u
#define SIM_BLK_T_DISCARD 11u
#define SIM_BLK_T_WRITE_ZEROES 13u
#define SIM_BLK_F_DISCARD 13u
#define SIM_BLK_F_WRITE_ZEROES 14u
#define SIM_BLK_ID_BYTES 20u
#define SIM_BLK_S_OK 0u
#define SIM_BLK_S_IOERR 1u
#define SIM_BLK_S_UNSUPP 2u

struct sim_blk_config {
    uint64_t capacity; /* 512-byte sectors */
    uint32_t size_max; /* config field values; offered or not is up to */
    uint32_t seg_max;  /* the features given to sim_virtio_create */
    uint32_t blk_size;
    bool read_only;    /* model behaviour: OUT, DISCARD, WRITE_ZEROES -> IOERR */
    /* DISCARD / WRITE_ZEROES config fields (5.2.4); the model enforces the
     * max_*_sectors it advertises. */
    uint32_t max_discard_sectors, max_discard_seg, discard_sector_alignment;
    uint32_t max_write_zeroes_sectors, max_write_zeroes_seg;
    uint8_t write_zeroes_may_unmap;
    /* GET_ID: the bytes the device writes (no NUL unless they hold one). */
    uint8_t serial[SIM_BLK_ID_BYTES];
    unsigned serial_len;
    bool no_get_id; /* GET_ID -> UNSUPP */
};

struct sim_blk_rec {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
    uint32_t data_len;    /* bytes of data carried (OUT) or asked for (IN) */
    unsigned nseg, n_out, n_in;
    bool indirect;
    bool hdr_alone;       /* header is exactly the first segment (16 readable bytes) */
    bool status_alone;    /* status is exactly the last segment (1 writable byte) */
    unsigned data_segs;   /* segments carrying data */
    uint32_t max_data_seg;
    uint32_t seg_len[SIM_MAX_SEGS];
    bool seg_write[SIM_MAX_SEGS];
    uint64_t dwz_sector;  /* DISCARD / WRITE_ZEROES: the segment as read */
    uint32_t dwz_num, dwz_flags;
    int status;           /* byte written, or SIM_BLK_NO_STATUS */
    uint32_t used_len;    /* what the device reported */
};

struct sim_blk {
    struct sim_virtio *sim;
    struct sim_blk_config cfg;
    uint8_t *disk; /* capacity * 512 bytes */
    int next_status;
    /* counters */
    unsigned requests, reads, writes, flushes, unsupported;
    unsigned ioerr_range, ioerr_ro, ioerr_align;
    unsigned malformed, flush_with_data, flush_nonzero_sector, out_extra_writable;
    unsigned get_ids, discards, write_zeroes;   /* requests of each type */
    unsigned dwz_unsupp, dwz_over_max;          /* refused: UNSUPP (QEMU's checks), IOERR over max */
    unsigned nrec;
    struct sim_blk_rec rec[SIM_BLK_REC_CAP];
};

/* Attach a blk model to sim (whose device id should be 2), write the config
 * space and allocate the disk (zeroed).  Free with sim_blk_destroy (before
 * or after sim_virtio_destroy). */
struct sim_blk *sim_blk_create(struct sim_virtio *sim, const struct sim_blk_config *cfg);
void sim_blk_destroy(struct sim_blk *blk);

/* Pointer to sector `s` of the RAM disk (NULL past the capacity). */
uint8_t *sim_blk_sector(struct sim_blk *blk, uint64_t s);

/* The last recorded request (NULL if none). */
const struct sim_blk_rec *sim_blk_last(const struct sim_blk *blk);

#endif /* SIM_BLK_H */
