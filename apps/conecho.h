/*
 * conecho.h - the demo's virtio-console service: each console echoes what
 * it receives (apps/main.c starts them).  Apart from main.c so that the
 * host can test it against the simulated device (test/unit/test_conecho.c).
 *
 * Never waits for the device: bytes it has not taken yet (every transmit
 * buffer still with it, because its peer does not read) stay in the
 * struct con_echo and go first on the next call, and nothing more is read
 * meanwhile, so the device runs out of receive buffers and holds back its
 * peer.  The main loop goes on serving the network and the shell.
 */
#ifndef CONECHO_H
#define CONECHO_H

#include <stdint.h>

struct virtio_console;

struct con_echo {
    uint8_t buf[128];
    uint16_t len, off; /* buf[off..len) is read and not yet written */
};

/* Main loop: echo what arrived on con, as far as the device takes it. */
void con_echo_poll(struct virtio_console *con, struct con_echo *e);

#endif
