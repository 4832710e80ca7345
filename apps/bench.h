/*
 * bench.h - the firmware measures itself in retired instructions (PMU event
 * 0x08), which QEMU counts exactly under -icount.  Enabled by the boot
 * argument "bench"; the shell's `bench` command prints the figures.
 *   reset_to_ready: from the first instruction of boot_main to the moment
 *                   the interface has its address;
 *   icmp_echo / udp_echo / tcp_echo: from the entry of the virtio-net
 *                   interrupt to the reply queued on the TX ring (its
 *                   descriptors added, before the kick), per packet
 *                   (tcp_echo: every segment from TCP port 7 - the echo
 *                   with its ACK, the SYN-ACK, the FIN - the first one
 *                   after an interrupt).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdint.h>

struct netbuf;

bool bench_enabled(void);
void bench_init(void);
void bench_network_ready(void);
/* A frame about to be queued for transmission: which series it belongs to
 * (NULL: none, or bench off).  Its own cost is left out of the sample. */
void *bench_tx_begin(struct netbuf *nb);
/* The frame bench_tx_begin() classified is on net_intid's TX ring. */
void bench_tx_queued(void *series, unsigned net_intid);
void bench_print(void);

#endif
