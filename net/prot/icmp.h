/*
 * icmp.h - ICMP messages we send and receive (RFC 792).  Wire format only.
 */
#ifndef NET_PROT_ICMP_H
#define NET_PROT_ICMP_H

#include <stdint.h>

/* Echo request and reply. */
struct icmp_echo {
    uint8_t type;
    uint8_t code;
    uint8_t chksum[2]; /* over the whole ICMP message */
    uint8_t id[2];
    uint8_t seq[2];
    /* data, echoed back unchanged */
};
_Static_assert(sizeof(struct icmp_echo) == 8, "ICMP echo header is 8 bytes");

/* Destination unreachable, time exceeded and the other error messages. */
struct icmp_err {
    uint8_t type;
    uint8_t code;
    uint8_t chksum[2];
    uint8_t unused[4];
    /* the offending datagram's IP header and the first 8 bytes of its data */
};
_Static_assert(sizeof(struct icmp_err) == 8, "ICMP error header is 8 bytes");

#define ICMP_HLEN 8u
#define ICMP_MIN_LEN 4u /* type, code, checksum */
#define ICMP_ERR_QUOTE_DATA 8u /* bytes of the datagram's payload an error quotes */

#define ICMP_TYPE_ECHO_REPLY 0u
#define ICMP_TYPE_DEST_UNREACH 3u
#define ICMP_TYPE_SOURCE_QUENCH 4u
#define ICMP_TYPE_REDIRECT 5u
#define ICMP_TYPE_ECHO_REQUEST 8u
#define ICMP_TYPE_TIME_EXCEEDED 11u
#define ICMP_TYPE_PARAM_PROBLEM 12u

#define ICMP_CODE_PORT_UNREACH 3u

#endif /* NET_PROT_ICMP_H */
