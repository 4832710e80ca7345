/*
 * fuzz_net_util.h - helpers the network fuzz targets share (fuzz_netif.c,
 * fuzz_netseq.c): repairing a mutated frame's checksums, and checking a
 * frame the stack sent.
 */
#ifndef FUZZ_NET_UTIL_H
#define FUZZ_NET_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Make the IPv4 header checksum and the ICMP or UDP checksum right, where
 * the frame's own lengths allow, so mutations get past the checksum checks
 * to the parsers behind them.  Returns false if nothing could be fixed. */
bool fuzz_fix_checksums(uint8_t *f, size_t n);
/* A frame the stack output (no checksum offload): NULL if it is well
 * formed (Ethernet; an IPv4 header with a right checksum and a total
 * length inside the frame; a right ICMP checksum; a UDP length inside the
 * datagram and a right or absent checksum; an ARP of Ethernet/IPv4), else
 * what is wrong. */
const char *fuzz_check_output(const uint8_t *f, size_t n);

#endif
