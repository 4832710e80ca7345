/*
 * sim_virtio.h - a simulated virtio-mmio device (register file of version 1
 * legacy and version 2 modern, plus the device side of split virtqueues;
 * packed ones, when the driver accepts VIRTIO_F_RING_PACKED, are in
 * sim_packed.c behind the same API) for host unit tests of drivers/virtio.
 *
 * Independence: the device side deliberately does NOT use the driver's
 * headers for the ring layout; it computes offsets from the numbers in the
 * spec (2.7: 16-byte descriptors, 4-byte ring headers, 2-byte avail
 * entries, 8-byte used elements) so a layout mistake in the driver shows up
 * as a disagreement instead of being shared.  Host is little-endian.
 *
 * The register file checks the driver's protocol and counts violations
 * (status bits cleared instead of OR-ed in, features written at the wrong
 * time, PFN before GuestPageSize, notify before DRIVER_OK, malformed
 * chains...): tests assert `violations == 0` unless they provoke one.
 *
 * Device model: when chains are popped, `handler` is called to consume the
 * readable part and fill the writable part; it returns the number of bytes
 * written.  Popped chains wait in a per-queue pending list until
 * sim_virtio_complete() pushes them to the used ring (so tests control
 * timing and order); sim_virtio_process() does both.  With auto_process set,
 * a QueueNotify write processes the queue at once.
 *
 * Usage:
 *     struct sim_virtio *s = sim_virtio_create(2, VIRTIO_ID_RNG, features, 1, 256);
 *     virtio_mmio_attach(&dev, s->base, s->irq, PLAT_IRQ_LEVEL, true);
 *     ...driver adds + kicks...
 *     sim_virtio_process(s, 0);   sim_run_irqs();
 *     sim_virtio_destroy(s);
 */
#ifndef SIM_VIRTIO_H
#define SIM_VIRTIO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SIM_MAX_QUEUES 4
#define SIM_MAX_SEGS 64
#define SIM_LOG_CAP 1024

struct sim_virtio;

struct sim_seg {
    uint8_t *p; /* host pointer (checked to be inside DMA memory) */
    uint64_t bus;
    uint32_t len;
    bool write;
};

struct sim_chain {
    uint16_t head;
    bool indirect;
    unsigned nseg, n_out, n_in;
    uint32_t out_bytes, in_bytes;
    struct sim_seg seg[SIM_MAX_SEGS];
    uint32_t written; /* what the handler reported */
    /* what the chain occupied, for the scribble fault */
    uint16_t desc_ids[SIM_MAX_SEGS];
    unsigned ndesc;
    uint8_t *ind_table;
    uint32_t ind_len;
};

/* What the device fetched of one avail entry when the index it could see
 * first covered it (the memory-ordering model, sim_plat.h): the head, and
 * the descriptors of the chain from there (ring, then indirect), each with
 * the bus address it was read at. */
#define SIM_PF_CAP 256u  /* entries fetched ahead per queue */
#define SIM_PF_DESCS 8u  /* descriptors kept per entry */
struct sim_prefetch {
    uint16_t head;
    unsigned ndesc;
    uint64_t bus[SIM_PF_DESCS];
    uint8_t desc[SIM_PF_DESCS][16];
};

/* Consume/fill one chain; return bytes written into its writable part. */
typedef uint32_t (*sim_handler_t)(struct sim_virtio *sim, unsigned q, struct sim_chain *c,
                                  void *arg);

struct sim_vq {
    uint32_t num_max;
    uint32_t num;
    bool ready;    /* modern QueueReady / legacy PFN != 0 */
    uint32_t pfn;  /* legacy */
    uint32_t align; /* legacy QueueAlign */
    uint64_t desc, avail, used;
    uint16_t last_avail; /* next avail entry the device reads */
    uint16_t used_idx;   /* device's used->idx */
    bool error;          /* device gave up on this queue (see violations) */
    /* notification suppression the device asks for */
    uint16_t used_flags;       /* written to used->flags when set */
    bool avail_event_fixed;    /* false: write last_avail after each pop */
    uint16_t avail_event;      /* when fixed */
    /* observations */
    unsigned notifies;
    unsigned popped, pushed;
    unsigned irqs_raised, irqs_suppressed;
    unsigned max_chain_segs;
    unsigned indirect_chains, direct_chains;
    /* chains popped and not yet pushed (FIFO) */
    struct sim_chain *pending;
    unsigned npending;
    /* avail entries fetched early, [last_avail, fetched): pf[i % SIM_PF_CAP] */
    uint16_t fetched;
    struct sim_prefetch *pf;
    unsigned stale_fetches; /* entries whose early fetch differed from the ring later */
};

struct sim_faults {
    bool bad_magic;             /* MagicValue reads wrong */
    bool refuse_features_ok;    /* FEATURES_OK never sticks */
    unsigned reset_delay_reads; /* Status reads non-zero N times after reset; ~0u: forever */
    bool queue_ready_stuck;     /* QueueReady reads 0 after 1 is written */
    bool queue_busy;            /* QueueReady / QueuePFN already non-zero */
    bool stop_ignored;          /* a device that cannot be stopped: Status 0,
                                 * QueueReady 0 and QueuePFN 0 writes do nothing */
    unsigned gen_bumps;         /* ConfigGeneration changes on the next N config reads */
    /* The device changes its config space in the middle of the driver's
     * reads: just before config read number cfg_change_at (config_reads
     * counts from 1; 0: off, one-shot), cfg_change_len bytes from
     * cfg_change_off become cfg_change_bytes and ConfigGeneration moves on
     * (2.5.1) - as a device whose MAC is changed by its host would. */
    unsigned cfg_change_at;
    unsigned cfg_change_off, cfg_change_len;
    uint8_t cfg_change_bytes[16];
    /* one-shot faults on the next used entry pushed */
    bool used_id_force;
    uint32_t used_id;
    bool used_len_force;
    uint32_t used_len;
    bool dup_next;     /* push the next entry twice */
    uint16_t idx_jump; /* advance used->idx by this much extra */
    /* overwrite consumed descriptors (and indirect tables) with 0xa5 */
    bool scribble;
    /* packed (sim_packed.h): XOR-ed into the next used descriptor's flags */
    uint16_t used_flags_xor;
};

struct sim_virtio {
    uintptr_t base;
    unsigned irq;
    uint32_t version;
    uint32_t device_id;
    uint32_t vendor_id;
    uint64_t dev_features;
    uint64_t drv_features;
    uint32_t dev_features_sel, drv_features_sel;
    uint32_t status;
    uint32_t guest_page_size;
    uint32_t queue_sel;
    uint32_t int_status;
    unsigned nq;
    struct sim_vq vq[SIM_MAX_QUEUES];
    uint8_t config[256];
    unsigned config_len;
    uint32_t config_gen;

    sim_handler_t handler; /* NULL: fill writable bytes with a counter */
    void *handler_arg;
    /* Called on every QueueNotify write for a present queue (after it is
     * counted), NULL: none - a device model that answers one queue at
     * once (sim_net's control queue) while the others wait for the test. */
    void (*notify_hook)(struct sim_virtio *sim, unsigned q, void *arg);
    void *notify_hook_arg;
    bool auto_process;
    bool packed_used_write; /* packed: WRITE in used descriptors with a length (off: as QEMU) */
    uint8_t fill_next;
    struct sim_faults fault;

    /* observations */
    unsigned violations;
    char last_violation[160];
    uint8_t status_log[64];
    unsigned n_status;
    uint32_t reg_off[SIM_LOG_CAP]; /* register writes, in order */
    uint32_t reg_val[SIM_LOG_CAP];
    unsigned n_reg;
    uint32_t ack_log[64];
    unsigned n_ack;
    unsigned resets;
    unsigned gen_reads;
    unsigned config_reads;
    unsigned driver_ok_writes;
    uint32_t ready_at_driver_ok; /* bitmask of queues live at DRIVER_OK */
    unsigned reset_delay_left;
};

/* version 1 or 2; nq queues with QueueNumMax num_max each. */
/* Device models: copy from the chain's readable part starting at its byte
 * off, or into its writable part starting at its byte off. */
void sim_chain_gather(const struct sim_chain *c, uint32_t off, uint8_t *dst, uint32_t len);
void sim_chain_scatter(const struct sim_chain *c, uint32_t off, const uint8_t *src, uint32_t len);

struct sim_virtio *sim_virtio_create(uint32_t version, uint32_t device_id, uint64_t features,
                                     unsigned nq, uint32_t num_max);
void sim_virtio_destroy(struct sim_virtio *sim);

/* Device side of the rings. */
unsigned sim_virtio_pop(struct sim_virtio *sim, unsigned q);               /* -> pending */
unsigned sim_virtio_complete(struct sim_virtio *sim, unsigned q, unsigned max); /* FIFO */
bool sim_virtio_complete_at(struct sim_virtio *sim, unsigned q, unsigned k);   /* pending[k] */
unsigned sim_virtio_process(struct sim_virtio *sim, unsigned q);           /* pop + complete */

/* Device-initiated events. */
void sim_virtio_raise(struct sim_virtio *sim, uint32_t int_bits);
void sim_virtio_config_changed(struct sim_virtio *sim); /* gen++ and config interrupt */
void sim_virtio_set_needs_reset(struct sim_virtio *sim);
void sim_virtio_set_used_flags(struct sim_virtio *sim, unsigned q, uint16_t flags);
void sim_virtio_set_avail_event(struct sim_virtio *sim, unsigned q, uint16_t idx);

/* Count a protocol violation by the driver (printed with SIM_VERBOSE=1);
 * the device models use it for what they find. */
void sim_violation(struct sim_virtio *sim, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Did the driver accept `bit`? */
bool sim_virtio_has(const struct sim_virtio *sim, unsigned bit);
/* Index of the first register write to `off`, or -1. */
int sim_virtio_first_write(const struct sim_virtio *sim, uint32_t off);

/* The spec's event test, written independently of the driver's. */
bool sim_need_event(uint16_t event, uint16_t new_idx, uint16_t old_idx);

/* A virtio-rng model: fills buffers with an incrementing byte pattern. */
struct sim_rng {
    uint8_t next;         /* next byte value produced */
    uint32_t max_per_req; /* 0: fill every writable byte */
    unsigned requests;
};
void sim_rng_attach(struct sim_virtio *sim, struct sim_rng *rng);

#endif /* SIM_VIRTIO_H */
