/*
 * sim_net.h - a virtio-net device model (virtio 1.2, 5.1) on top of
 * sim_virtio, for host unit tests of drivers/virtio/virtio_net.c.
 *
 * Queues (5.1.2): 0 receiveq1, 1 transmitq1.  Config (5.1.4): mac[6] at 0,
 * le16 status at 6 (the model's host is little-endian, so the legacy
 * guest-endian layout is the same).
 *
 * Independence: the header layout comes from the spec's numbers (5.1.6:
 * u8 flags, u8 gso_type, le16 hdr_len, gso_size, csum_start, csum_offset,
 * then le16 num_buffers only with VERSION_1 or MRG_RXBUF - 12 bytes, else
 * 10) and the feature bits the driver accepted, not from the driver's
 * headers.
 *
 * Receive: a receive buffer posted by the driver is popped and kept by the
 * device (sim_vq.pending) until a frame arrives for it, as a real device
 * holds it.  sim_net_rx() writes header + frame into the oldest held
 * buffer(s) and completes them; options let a test spread a frame over
 * several buffers (num_buffers > 1, MRG_RXBUF), write a chosen num_buffers
 * value, or report a chosen used length.  Interrupts are raised by
 * sim_virtio as usual (deliver with sim_run_irqs()).
 *
 * Transmit: sim_net_tx_run() pops every transmit chain, records the frame
 * (header checked and stripped) in tx[], and, unless hold_tx is set,
 * completes it with used len 0 (or the chain's length when
 * legacy_tx_len is set - what some legacy devices do).
 *
 * Checks, counted for the tests to assert zero:
 *   rx_bad_dir / tx_bad_dir   a receive chain with a readable part, a
 *                             transmit chain with a writable one (2.7.4)
 *   rx_layout / tx_layout     legacy without ANY_LAYOUT: the header not
 *                             alone in the first descriptor (5.1.6.6)
 *   rx_small                  a receive buffer smaller than 5.1.6.3.1 asks
 *                             (1526 bytes with the header, without
 *                             MRG_RXBUF; a header's worth with it)
 *   tx_bad_hdr                a transmit header with non-zero gso_type
 *                             or num_buffers, flags other than NEEDS_CSUM
 *                             (NEEDS_CSUM itself only with CSUM), or any
 *                             other non-zero field without NEEDS_CSUM
 *                             (5.1.6.2)
 *   tx_bad_csum               NEEDS_CSUM with csum_start + csum_offset + 2
 *                             past the frame (5.1.6.2.1)
 *
 * Checksum offload: a transmitted frame's header flags, csum_start and
 * csum_offset are recorded beside it (the frame as the driver wrote it: a
 * NEEDS_CSUM frame still holds the partial checksum); sim_net_rx_opts can
 * write flags, csum_start and csum_offset into a received frame's header
 * (whatever the features: the model lets a test play a device that sets
 * them without GUEST_CSUM).
 *   tx_short                  a transmit chain shorter than a header
 *
 * Control queue (5.1.6.5; queue 2, present when the sim was created with 3
 * queues): the model answers a command as soon as the driver notifies the
 * queue (QEMU does, in the notify's own handler).  A command must be
 * class and command alone in a readable descriptor, any data in readable
 * ones after it, and one writable ack byte last (the framing a legacy
 * device without ANY_LAYOUT expects; Linux's driver uses it on every
 * device); anything else counts in ctrl_bad_chain.  The answer, by
 * ctrl_mode:
 *   SIM_NET_CTRL_QEMU    as QEMU: VIRTIO_NET_CTRL_ANNOUNCE_ACK with
 *                        VIRTIO_NET_S_ANNOUNCE set clears the bit and
 *                        answers OK; every other command ERR
 *   SIM_NET_CTRL_ERR     ERR to everything
 *   SIM_NET_CTRL_JUNK    ack byte ctrl_junk (neither OK nor ERR)
 *   SIM_NET_CTRL_LEN     as QEMU, but a used length of ctrl_len
 *   SIM_NET_CTRL_SILENT  the chain is taken and never answered, until
 *                        sim_net_ctrl_answer() (as QEMU) - a late answer
 * sim_net_announce() sets VIRTIO_NET_S_ANNOUNCE with a config interrupt,
 * as QEMU's announce_self (or a migration) does.
 */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "sim_virtio.h"

/* spec values (5.1.3, 6) */
#define SIM_NET_F_CSUM 0u
#define SIM_NET_F_GUEST_CSUM 1u
#define SIM_NET_HDR_F_NEEDS_CSUM 1u
#define SIM_NET_HDR_F_DATA_VALID 2u
#define SIM_NET_F_MAC 5u
#define SIM_NET_F_MRG_RXBUF 15u
#define SIM_NET_F_STATUS 16u
#define SIM_NET_F_CTRL_VQ 17u
#define SIM_NET_F_GUEST_ANNOUNCE 21u
#define SIM_NET_F_ANY_LAYOUT 27u
#define SIM_NET_F_INDIRECT 28u
#define SIM_NET_F_EVENT_IDX 29u
#define SIM_NET_F_VERSION_1 32u
#define SIM_NET_S_LINK_UP 1u
#define SIM_NET_S_ANNOUNCE 2u
#define SIM_NET_RXQ 0u
#define SIM_NET_TXQ 1u
#define SIM_NET_CTRLQ 2u
#define SIM_NET_CTRL_ANNOUNCE 3u
#define SIM_NET_CTRL_ANNOUNCE_ACK 0u
#define SIM_NET_OK 0u
#define SIM_NET_ERR 1u

enum sim_net_ctrl_mode {
    SIM_NET_CTRL_QEMU,
    SIM_NET_CTRL_ERR,
    SIM_NET_CTRL_JUNK,
    SIM_NET_CTRL_LEN,
    SIM_NET_CTRL_SILENT,
};

#define SIM_NET_FRAME_MAX 2048u
#define SIM_NET_TX_CAP 512u

struct sim_net_frame {
    uint8_t data[SIM_NET_FRAME_MAX];
    uint32_t len;
    unsigned nseg;       /* descriptors (or indirect entries) of the chain */
    bool hdr_alone;      /* the header was exactly the first segment */
    bool indirect;
    uint8_t hdr_flags;   /* the header's flags, csum_start and csum_offset */
    uint16_t csum_start, csum_offset;
};

/* Options of one sim_net_rx() call; zero-initialised = a plain frame. */
struct sim_net_rx_opts {
    unsigned nbufs;         /* spread over this many buffers (0: 1) */
    bool set_num_buffers;   /* write num_buffers_value instead of nbufs */
    uint16_t num_buffers_value;
    bool force_len;         /* report used_len for the first buffer */
    uint32_t used_len;
    uint8_t flags;          /* header flags (NEEDS_CSUM, DATA_VALID) */
    uint16_t csum_start, csum_offset;
};

struct sim_net {
    struct sim_virtio *sim;
    bool hold_tx;       /* pop transmit chains but do not complete them */
    bool legacy_tx_len; /* complete transmit chains with their length */
    /* transmitted frames (header stripped), the first SIM_NET_TX_CAP */
    struct sim_net_frame *tx;
    unsigned ntx;
    /* observations */
    unsigned rx_frames, rx_no_buffer, rx_bufs_used;
    unsigned rx_bad_dir, tx_bad_dir, rx_layout, tx_layout, rx_small;
    unsigned tx_bad_hdr, tx_short, tx_bad_csum;
    unsigned rx_chains_seen;    /* receive chains popped */
    unsigned rx_hdr_alone;      /* ... with the header in its own descriptor */
    uint32_t rx_buf_len;        /* writable bytes of the last one */
    /* control queue */
    enum sim_net_ctrl_mode ctrl_mode;
    uint8_t ctrl_junk;          /* SIM_NET_CTRL_JUNK: the ack written */
    uint32_t ctrl_len;          /* SIM_NET_CTRL_LEN: the used length reported */
    unsigned ctrl_cmds;         /* commands taken */
    unsigned ctrl_bad_chain;    /* commands framed against 5.1.6.5 (see above) */
    unsigned ctrl_acks;         /* ANNOUNCE_ACKs that cleared VIRTIO_NET_S_ANNOUNCE */
    uint8_t ctrl_class, ctrl_cmd; /* the last command's */
    uint32_t ctrl_data_len;
};

/* Attach the model to sim (device id 1, 2 queues): write mac and status
 * into the config space.  Free with sim_net_destroy. */
struct sim_net *sim_net_create(struct sim_virtio *sim, const uint8_t mac[6], uint16_t status);
void sim_net_destroy(struct sim_net *net);

/* The header length the device uses with the features accepted so far. */
unsigned sim_net_hdr_len(const struct sim_net *net);

/* Pop newly posted receive buffers; returns how many the device holds. */
unsigned sim_net_rx_avail(struct sim_net *net);
/* Receive one frame (see struct sim_net_rx_opts).  false when the device
 * holds fewer buffers than the frame needs (the frame is dropped). */
bool sim_net_rx(struct sim_net *net, const void *frame, uint32_t len, const struct sim_net_rx_opts *o);
/* Pop and record every transmit chain; complete them unless hold_tx.
 * Returns chains popped. */
unsigned sim_net_tx_run(struct sim_net *net);
/* Complete up to max held transmit chains (FIFO). */
unsigned sim_net_tx_complete(struct sim_net *net, unsigned max);

/* Change the status field; with notify, a config-change interrupt. */
void sim_net_set_status(struct sim_net *net, uint16_t status, bool notify);
uint16_t sim_net_status(const struct sim_net *net);
/* VIRTIO_NET_S_ANNOUNCE set, and a config-change interrupt. */
void sim_net_announce(struct sim_net *net);
/* SIM_NET_CTRL_SILENT: answer the commands taken so far, as QEMU would;
 * returns how many. */
unsigned sim_net_ctrl_answer(struct sim_net *net);

#endif /* SIM_NET_H */
