/*
 * sim_blk.c - virtio-blk device model, see sim_blk.h.  Host code: uses the
 * C library; little-endian host.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_blk.h"

#define HDR_LEN 16u /* 5.2.6: le32 type, le32 reserved, le64 sector */
#define CFG_CAPACITY 0u
#define CFG_SIZE_MAX 8u
#define CFG_SEG_MAX 12u
#define CFG_BLK_SIZE 20u
#define SIM_BLK_F_BLK_SIZE 6u
#define CFG_MAX_DISCARD_SECTORS 36u
#define CFG_MAX_DISCARD_SEG 40u
#define CFG_DISCARD_SECTOR_ALIGNMENT 44u
#define CFG_MAX_WRITE_ZEROES_SECTORS 48u
#define CFG_MAX_WRITE_ZEROES_SEG 52u
#define CFG_WRITE_ZEROES_MAY_UNMAP 56u
#define DWZ_LEN 16u    /* 5.2.6: le64 sector, le32 num_sectors, le32 flags */
#define DWZ_UNMAP 1u

static void put32(uint8_t *p, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;

    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static bool in_range(const struct sim_blk *b, uint64_t sector, uint32_t bytes)
{
    uint64_t n = bytes / SIM_BLK_SECTOR;

    return sector <= b->cfg.capacity && n <= b->cfg.capacity - sector;
}

/* As QEMU's virtio-blk: with a logical block above 512 bytes (offered as
 * blk_size), a transfer must start and end on a block boundary. */
static bool block_aligned(const struct sim_blk *b, struct sim_virtio *s, uint64_t sector, uint32_t bytes)
{
    uint32_t bs = b->cfg.blk_size;

    if (bs <= SIM_BLK_SECTOR || !sim_virtio_has(s, SIM_BLK_F_BLK_SIZE))
        return true;
    return sector % (bs / SIM_BLK_SECTOR) == 0 && bytes % bs == 0;
}

/* DISCARD / WRITE_ZEROES (5.2.6), in the order QEMU checks. */
static uint8_t blk_dwz(struct sim_blk *b, struct sim_virtio *s, struct sim_chain *c, struct sim_blk_rec *r)
{
    bool wz = r->type == SIM_BLK_T_WRITE_ZEROES;
    uint8_t seg[DWZ_LEN];
    uint32_t max = wz ? b->cfg.max_write_zeroes_sectors : b->cfg.max_discard_sectors;

    if (wz)
        b->write_zeroes++;
    else
        b->discards++;
    r->data_len = c->out_bytes - HDR_LEN;
    if (!sim_virtio_has(s, wz ? SIM_BLK_F_WRITE_ZEROES : SIM_BLK_F_DISCARD) || r->data_len != DWZ_LEN) {
        b->dwz_unsupp++;
        return SIM_BLK_S_UNSUPP;
    }
    sim_chain_gather(c, HDR_LEN, seg, DWZ_LEN);
    r->dwz_sector = get_le(seg, 8);
    r->dwz_num = (uint32_t)get_le(seg + 8, 4);
    r->dwz_flags = (uint32_t)get_le(seg + 12, 4);
    if (r->dwz_num > max) {
        b->dwz_over_max++;
        return SIM_BLK_S_IOERR;
    }
    /* num_sectors <= a 32-bit max: the byte count fits 64 bits; in_range
     * takes 32, so check the sectors directly. */
    if (r->dwz_sector > b->cfg.capacity || r->dwz_num > b->cfg.capacity - r->dwz_sector) {
        b->ioerr_range++;
        return SIM_BLK_S_IOERR;
    }
    if (b->cfg.blk_size > SIM_BLK_SECTOR && sim_virtio_has(s, SIM_BLK_F_BLK_SIZE) &&
        (r->dwz_sector % (b->cfg.blk_size / SIM_BLK_SECTOR) || r->dwz_num % (b->cfg.blk_size / SIM_BLK_SECTOR))) {
        b->ioerr_align++;
        return SIM_BLK_S_IOERR;
    }
    if ((r->dwz_flags & ~DWZ_UNMAP) || (!wz && (r->dwz_flags & DWZ_UNMAP))) {
        b->dwz_unsupp++;
        return SIM_BLK_S_UNSUPP;
    }
    if (b->cfg.read_only) {
        b->ioerr_ro++;
        return SIM_BLK_S_IOERR;
    }
    memset(b->disk + r->dwz_sector * SIM_BLK_SECTOR, 0, (size_t)r->dwz_num * SIM_BLK_SECTOR);
    return SIM_BLK_S_OK;
}

static uint32_t blk_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    struct sim_blk *b = arg;
    struct sim_blk_rec dummy, *r = b->nrec < SIM_BLK_REC_CAP ? &b->rec[b->nrec] : &dummy;
    const struct sim_seg *last = c->nseg ? &c->seg[c->nseg - 1] : NULL;
    uint8_t hdr[HDR_LEN];
    uint32_t data_len = 0, written = 0;
    uint8_t status;
    unsigned i;

    (void)s;
    (void)q;
    b->requests++;
    memset(r, 0, sizeof(*r));
    r->nseg = c->nseg;
    r->n_out = c->n_out;
    r->n_in = c->n_in;
    r->indirect = c->indirect;
    for (i = 0; i < c->nseg && i < SIM_MAX_SEGS; i++) {
        r->seg_len[i] = c->seg[i].len;
        r->seg_write[i] = c->seg[i].write;
    }
    b->nrec++;
    r->status = SIM_BLK_NO_STATUS;

    /* Bounds first: a header to read and a status byte to write. */
    if (c->out_bytes < HDR_LEN || !last || !last->write) {
        b->malformed++;
        r->used_len = 0;
        return 0;
    }
    sim_chain_gather(c, 0, hdr, HDR_LEN);
    r->type = (uint32_t)get_le(hdr, 4);
    r->reserved = (uint32_t)get_le(hdr + 4, 4);
    r->sector = get_le(hdr + 8, 8);
    r->hdr_alone = !c->seg[0].write && c->seg[0].len == HDR_LEN;
    r->status_alone = last->len == 1;
    for (i = 0; i < c->nseg; i++) {
        bool is_hdr = i == 0 && r->hdr_alone;
        bool is_status = i == c->nseg - 1 && r->status_alone;

        if (!is_hdr && !is_status) {
            r->data_segs++;
            if (c->seg[i].len > r->max_data_seg)
                r->max_data_seg = c->seg[i].len;
        }
    }

    switch (r->type) {
    case SIM_BLK_T_IN:
        b->reads++;
        data_len = c->in_bytes - 1;
        r->data_len = data_len;
        if (data_len % SIM_BLK_SECTOR || !block_aligned(b, s, r->sector, data_len)) {
            b->ioerr_align++;
            status = SIM_BLK_S_IOERR;
        } else if (!in_range(b, r->sector, data_len)) {
            b->ioerr_range++;
            status = SIM_BLK_S_IOERR;
        } else {
            sim_chain_scatter(c, 0, b->disk + r->sector * SIM_BLK_SECTOR, data_len);
            written = data_len;
            status = SIM_BLK_S_OK;
        }
        break;
    case SIM_BLK_T_OUT:
        b->writes++;
        data_len = c->out_bytes - HDR_LEN;
        r->data_len = data_len;
        if (c->in_bytes != 1)
            b->out_extra_writable++;
        if (b->cfg.read_only) {
            b->ioerr_ro++;
            status = SIM_BLK_S_IOERR;
        } else if (data_len % SIM_BLK_SECTOR || !block_aligned(b, s, r->sector, data_len)) {
            b->ioerr_align++;
            status = SIM_BLK_S_IOERR;
        } else if (!in_range(b, r->sector, data_len)) {
            b->ioerr_range++;
            status = SIM_BLK_S_IOERR;
        } else {
            sim_chain_gather(c, HDR_LEN, b->disk + r->sector * SIM_BLK_SECTOR, data_len);
            status = SIM_BLK_S_OK;
        }
        break;
    case SIM_BLK_T_FLUSH:
        b->flushes++;
        if (c->out_bytes != HDR_LEN || c->in_bytes != 1)
            b->flush_with_data++;
        if (r->sector != 0)
            b->flush_nonzero_sector++;
        status = SIM_BLK_S_OK;
        break;
    case SIM_BLK_T_GET_ID:
        b->get_ids++;
        data_len = c->in_bytes - 1;
        r->data_len = data_len;
        if (b->cfg.no_get_id) {
            b->unsupported++;
            status = SIM_BLK_S_UNSUPP;
        } else {
            uint32_t n = b->cfg.serial_len < SIM_BLK_ID_BYTES ? b->cfg.serial_len : SIM_BLK_ID_BYTES;

            if (n > data_len)
                n = data_len;
            sim_chain_scatter(c, 0, b->cfg.serial, n);
            written = data_len; /* as QEMU: every writable byte reported */
            status = SIM_BLK_S_OK;
        }
        break;
    case SIM_BLK_T_DISCARD:
    case SIM_BLK_T_WRITE_ZEROES:
        status = blk_dwz(b, s, c, r);
        break;
    default:
        b->unsupported++;
        status = SIM_BLK_S_UNSUPP;
        break;
    }

    if (b->next_status == SIM_BLK_NO_STATUS) {
        b->next_status = SIM_BLK_STATUS_AUTO;
        r->used_len = written;
        return written;
    }
    if (b->next_status != SIM_BLK_STATUS_AUTO) {
        status = (uint8_t)b->next_status;
        b->next_status = SIM_BLK_STATUS_AUTO;
    }
    last->p[last->len - 1] = status;
    r->status = status;
    r->used_len = written + 1;
    return written + 1;
}

struct sim_blk *sim_blk_create(struct sim_virtio *sim, const struct sim_blk_config *cfg)
{
    struct sim_blk *b = calloc(1, sizeof(*b));

    if (!b)
        abort();
    b->sim = sim;
    b->cfg = *cfg;
    b->next_status = SIM_BLK_STATUS_AUTO;
    b->disk = calloc(cfg->capacity ? cfg->capacity : 1, SIM_BLK_SECTOR);
    if (!b->disk)
        abort();
    put32(sim->config + CFG_CAPACITY, (uint32_t)cfg->capacity);
    put32(sim->config + CFG_CAPACITY + 4, (uint32_t)(cfg->capacity >> 32));
    put32(sim->config + CFG_SIZE_MAX, cfg->size_max);
    put32(sim->config + CFG_SEG_MAX, cfg->seg_max);
    put32(sim->config + CFG_BLK_SIZE, cfg->blk_size);
    put32(sim->config + CFG_MAX_DISCARD_SECTORS, cfg->max_discard_sectors);
    put32(sim->config + CFG_MAX_DISCARD_SEG, cfg->max_discard_seg);
    put32(sim->config + CFG_DISCARD_SECTOR_ALIGNMENT, cfg->discard_sector_alignment);
    put32(sim->config + CFG_MAX_WRITE_ZEROES_SECTORS, cfg->max_write_zeroes_sectors);
    put32(sim->config + CFG_MAX_WRITE_ZEROES_SEG, cfg->max_write_zeroes_seg);
    sim->config[CFG_WRITE_ZEROES_MAY_UNMAP] = cfg->write_zeroes_may_unmap;
    sim->handler = blk_handler;
    sim->handler_arg = b;
    return b;
}

void sim_blk_destroy(struct sim_blk *b)
{
    if (!b)
        return;
    free(b->disk);
    free(b);
}

uint8_t *sim_blk_sector(struct sim_blk *b, uint64_t s)
{
    return s < b->cfg.capacity ? b->disk + s * SIM_BLK_SECTOR : NULL;
}

const struct sim_blk_rec *sim_blk_last(const struct sim_blk *b)
{
    if (b->nrec == 0 || b->nrec > SIM_BLK_REC_CAP)
        return NULL;
    return &b->rec[b->nrec - 1];
}
