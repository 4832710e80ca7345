/*
 * dhcp.h - DHCP message (RFC 2131 section 2, BOOTP layout) and the option
 * codes we use (RFC 2132).  Wire format only; the client is net/dhcp.h.
 */
#ifndef NET_PROT_DHCP_H
#define NET_PROT_DHCP_H

#include <stdint.h>

struct dhcp_msg {
    uint8_t op;        /* 1 BOOTREQUEST, 2 BOOTREPLY */
    uint8_t htype;     /* 1 Ethernet */
    uint8_t hlen;      /* 6 */
    uint8_t hops;
    uint8_t xid[4];
    uint8_t secs[2];
    uint8_t flags[2];
    uint8_t ciaddr[4]; /* client address, when it has one (renew/rebind) */
    uint8_t yiaddr[4]; /* "your" address: what the server offers/assigns */
    uint8_t siaddr[4];
    uint8_t giaddr[4];
    uint8_t chaddr[16];
    uint8_t sname[64]; /* may carry options (overload, option 52) */
    uint8_t file[128]; /* may carry options (overload, option 52) */
    uint8_t cookie[4]; /* 99.130.83.99 */
    /* options */
};
_Static_assert(sizeof(struct dhcp_msg) == 240, "BOOTP header and cookie are 240 bytes");

#define DHCP_HDR_LEN ((uint16_t)sizeof(struct dhcp_msg))
/* BOOTP's fixed 300-byte message (236 + 64 bytes of vendor area): some
 * servers and relays ignore anything shorter, so requests are padded to it. */
#define DHCP_MIN_MSG_LEN 300u
#define DHCP_MAGIC_COOKIE 0x63825363u
#define DHCP_OP_REQUEST 1u
#define DHCP_OP_REPLY 2u
#define DHCP_HTYPE_ETHERNET 1u
#define DHCP_FLAG_BROADCAST 0x8000u

/* Options (RFC 2132). */
#define DHCP_OPT_PAD 0u
#define DHCP_OPT_SUBNET_MASK 1u
#define DHCP_OPT_ROUTER 3u
#define DHCP_OPT_HOSTNAME 12u
#define DHCP_OPT_MTU 26u /* Interface MTU (RFC 2132 5.1): 2 bytes, at least 68 */
#define DHCP_OPT_REQUESTED_IP 50u
#define DHCP_OPT_LEASE_TIME 51u
#define DHCP_OPT_OVERLOAD 52u
#define DHCP_OPT_MSG_TYPE 53u
#define DHCP_OPT_SERVER_ID 54u
#define DHCP_OPT_PARAM_REQ 55u
#define DHCP_OPT_MAX_MSG_SIZE 57u
#define DHCP_OPT_T1 58u
#define DHCP_OPT_T2 59u
#define DHCP_OPT_CLIENT_ID 61u
#define DHCP_OPT_END 255u

/* Option 52 values: which of sname/file also hold options. */
#define DHCP_OVERLOAD_FILE 1u
#define DHCP_OVERLOAD_SNAME 2u

/* Option 53 values. */
#define DHCP_DISCOVER 1u
#define DHCP_OFFER 2u
#define DHCP_REQUEST 3u
#define DHCP_DECLINE 4u
#define DHCP_ACK 5u
#define DHCP_NAK 6u
#define DHCP_RELEASE 7u
#define DHCP_INFORM 8u

#define DHCP_LEASE_INFINITE 0xffffffffu

#endif /* NET_PROT_DHCP_H */
