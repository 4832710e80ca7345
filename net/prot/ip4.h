/*
 * ip4.h - IPv4 header (RFC 791).  Wire format only.
 */
#ifndef NET_PROT_IP4_H
#define NET_PROT_IP4_H

#include <stdint.h>

struct ip4_hdr {
    uint8_t vhl;       /* version (high nibble) and header length in words */
    uint8_t tos;
    uint8_t len[2];    /* total length: header + payload */
    uint8_t id[2];
    uint8_t frag[2];   /* flags (3 high bits) and fragment offset in 8-byte units */
    uint8_t ttl;
    uint8_t proto;
    uint8_t chksum[2]; /* one's complement sum over the header only */
    uint8_t src[4];
    uint8_t dst[4];
    /* options, up to 40 bytes, when the header length is over 5 words */
};
_Static_assert(sizeof(struct ip4_hdr) == 20, "IPv4 header without options is 20 bytes");

#define IP4_HLEN ((uint16_t)sizeof(struct ip4_hdr))
#define IP4_VERSION 4u
#define IP4_VHL_DEFAULT 0x45u /* version 4, 5 words: what we send */
#define IP4_FLAG_RF 0x8000u   /* reserved, must be zero (ignored on receive) */
#define IP4_FLAG_DF 0x4000u
#define IP4_FLAG_MF 0x2000u
#define IP4_OFFMASK 0x1fffu
#define IP4_DEFAULT_TTL 64u

#define IP4_PROTO_ICMP 1u
#define IP4_PROTO_TCP 6u
#define IP4_PROTO_UDP 17u

#define IP4_ADDR_ANY 0x00000000u
#define IP4_ADDR_BROADCAST 0xffffffffu
/* 224.0.0.0/4 */
#define IP4_IS_MULTICAST(a) (((a) & 0xf0000000u) == 0xe0000000u)

#endif /* NET_PROT_IP4_H */
