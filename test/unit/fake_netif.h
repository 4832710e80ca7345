/*
 * fake_netif.h - a fake link driver for the net/ stack's host tests and
 * fuzz target, and builders for the frames they feed it.
 *
 * The fake owns every netbuf the stack sees:
 *  - fake_input() copies a frame into a heap buffer of exactly
 *    FAKE_RX_HEADROOM + len bytes (AddressSanitizer flags any read past the
 *    frame) and calls netif_input();
 *  - tx_alloc hands out buffers of exactly NETIF_HEADROOM + NETIF_FRAME_MAX
 *    bytes, filled with 0xa5 so nothing may assume zeroed memory, with
 *    checksum metadata that is garbage (the stack must set or clear it);
 *  - fake_input_csum() hands a frame in with checksum metadata (what a
 *    driver with checksum offload does); output records the metadata;
 *  - output copies the frame into a queue (fake_pop) and releases the
 *    buffer, as a driver would after transmission;
 *  - a released buffer is poisoned under ASan, so a use after release is
 *    caught at the access; fake_fini() reports buffers never released or
 *    released twice.
 * Nothing here uses cmocka: problems are counted and the caller asserts.
 *
 * The frame builders compute their checksums with their own naive code, so
 * the tests do not trust the stack's checksum to check the stack.
 */
#ifndef FAKE_NETIF_H
#define FAKE_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netif.h"

/* Bytes before a received frame: a virtio-net header's worth. */
#define FAKE_RX_HEADROOM 12
#define FAKE_OUT_MAX 256
#define FAKE_FRAME_MAX 2048

/* The addresses the tests and seeds use (QEMU user networking's). */
#define FAKE_IP 0x0a00020fu   /* 10.0.2.15: us */
#define FAKE_MASK 0xffffff00u
#define FAKE_GW 0x0a000202u   /* 10.0.2.2: gateway and DHCP server */
#define FAKE_PEER 0x0a000203u /* 10.0.2.3: another host on the link */
#define FAKE_FAR 0xc0000201u  /* 192.0.2.1: off-link */
#define FAKE_XID 0x1badb002u  /* what the fuzz target's random hook returns */
extern const uint8_t fake_mac[6];      /* 52:54:00:12:34:56 */
extern const uint8_t fake_gw_mac[6];   /* 52:55:0a:00:02:02 */
extern const uint8_t fake_peer_mac[6]; /* 52:55:0a:00:02:03 */
extern const uint8_t fake_bcast_mac[6];

struct fake_frame {
    size_t len;
    uint16_t off;  /* the netbuf's off when it was output (driver headroom) */
    uint8_t csum_flags;   /* the netbuf's checksum metadata at output, */
    int csum_start;       /* ... csum_start from the frame's start (not buf) */
    uint16_t csum_offset;
    uint8_t data[];
};

struct fake_buf;

struct fake_netif {
    struct netif nif;
    struct netif_ops ops;
    struct fake_frame *out[FAKE_OUT_MAX];
    size_t out_head, out_count;
    struct fake_buf *bufs;   /* every buffer ever handed out */
    long tx_budget;          /* tx_alloc returns NULL when 0; < 0 = unlimited */
    bool tx_small;           /* hand out buffers too small (a driver bug) */
    int output_ret;          /* what output() returns */
    unsigned long n_rx, n_tx, n_out;
    unsigned long err_double_release, err_headroom, err_out_overflow;
    unsigned long err_csum_meta; /* output with checksum metadata the netif did not
                                  * offer, or a field outside the frame */
    unsigned long err_ip_csum;   /* an IPv4 frame whose header checksum is wrong */
};

/* netif_init with fake_mac; link down, no address.  Heap-free state only
 * (the struct may live anywhere). */
void fake_init(struct fake_netif *f);
/* Free everything.  Returns the number of problems: buffers not released
 * exactly once plus the err_* counters; when `why` is given, a description. */
unsigned long fake_fini(struct fake_netif *f, char *why, size_t whylen);
/* A test's set-up and teardown: a zeroed heap fake, initialised, quiet, no
 * clock hook, link up; and its end: flush the stack, check every buffer came
 * back exactly once (the problem goes to stderr), free.  fake_close returns
 * 0 when clean, -1 otherwise, and sets *f to NULL. */
struct fake_netif *fake_open(void);
int fake_close(struct fake_netif **f);
/* Buffers handed out and not yet released. */
unsigned long fake_outstanding(const struct fake_netif *f);

void fake_input(struct fake_netif *f, const uint8_t *frame, size_t len);
/* The same with checksum metadata (netbuf.h), csum_start counted from the
 * frame's start as a virtio-net header counts it. */
void fake_input_csum(struct fake_netif *f, const uint8_t *frame, size_t len, uint8_t flags,
                     uint16_t csum_start, uint16_t csum_offset);
/* The oldest captured output frame (free with free()), or NULL. */
struct fake_frame *fake_pop(struct fake_netif *f);
size_t fake_pending(const struct fake_netif *f);
void fake_drain(struct fake_netif *f);

/* The last plat_log() line (plat_log is defined in fake_netif.c). */
const char *fake_last_log(void);
void fake_log_quiet(bool quiet);

/* ---- frame builders: each returns the bytes written to out ---- */
uint16_t fake_csum(const uint8_t *p, size_t len, uint32_t initial);
size_t build_eth(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], uint16_t type);
size_t build_arp(uint8_t *out, uint16_t op, const uint8_t sha[6], uint32_t spa,
                 const uint8_t tha[6], uint32_t tpa);
/* IPv4 header (20 bytes, TTL 64, id 0x1234, checksum right) + payload. */
size_t build_ip4(uint8_t *out, uint32_t src, uint32_t dst, uint8_t proto,
                 const uint8_t *payload, size_t plen);
size_t build_udp(uint8_t *out, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 const void *data, size_t len);
size_t build_icmp_echo(uint8_t *out, uint8_t type, uint16_t id, uint16_t seq,
                       const uint8_t *data, size_t len);

/* Whole frames from src_mac to dst_mac. */
size_t frame_arp(uint8_t *out, const uint8_t dst_mac[6], uint16_t op, const uint8_t sha[6],
                 uint32_t spa, const uint8_t tha[6], uint32_t tpa);
size_t frame_ip4(uint8_t *out, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                 uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *payload, size_t plen);
size_t frame_udp(uint8_t *out, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                 uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                 const void *data, size_t len);
size_t frame_echo(uint8_t *out, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                  uint32_t src, uint32_t dst, uint8_t type, uint16_t id, uint16_t seq,
                  const uint8_t *data, size_t len);

/* A DHCP reply (BOOTREPLY) from FAKE_GW port 67 to us, broadcast.
 * opts/optlen are placed after the cookie as given (include the END). */
size_t build_dhcp(uint8_t *out, uint32_t xid, const uint8_t chaddr[6], uint32_t yiaddr,
                  const uint8_t *opts, size_t optlen);
size_t frame_dhcp(uint8_t *out, uint32_t xid, uint32_t yiaddr, const uint8_t *opts, size_t optlen);
/* The options of a typical reply: type, server FAKE_GW, and for OFFER/ACK
 * mask FAKE_MASK, router FAKE_GW, lease; END. */
size_t dhcp_std_opts(uint8_t *out, uint8_t type, uint32_t lease_s);

#endif /* FAKE_NETIF_H */
