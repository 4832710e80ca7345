/*
 * sim_console.h - a virtio-console device model (virtio 1.2, 5.3), port 0
 * only, on top of sim_virtio, for host unit tests of
 * drivers/virtio/virtio_console.c.
 *
 * Queues (5.3.2): 0 receiveq0 (device -> driver), 1 transmitq0 (driver ->
 * device); 2/3 would be the control queues of MULTIPORT, which the model
 * expects never to be used (counted in `other_queue`).
 *
 * Host side:
 *   sim_console_input()  bytes "typed" on the host side, queued in the model
 *   sim_console_run()    one device step: consume every transmit buffer
 *                        (appended to out[]) and complete it; pop receive
 *                        buffers and fill them, oldest first, with queued
 *                        input; complete those that got bytes.  A receive
 *                        buffer with nothing to put in it stays with the
 *                        device, as a real device holds it until input.
 *   rx_max_per_buf       at most this many bytes per receive buffer (0: fill)
 *   hold_tx              leave transmit buffers popped but not completed
 *
 * Checks (5.3.6.1): a receive chain with a device-readable part, or a
 * transmit chain with a device-writable part, is counted (rx_bad_dir,
 * tx_bad_dir); tests assert zero.  Then sim_console_run() completes what
 * it filled; interrupts are raised by sim_virtio as usual (deliver them with
 * sim_run_irqs()).
 */
#ifndef SIM_CONSOLE_H
#define SIM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "sim_virtio.h"

#define SIM_CON_IN_CAP 65536u
#define SIM_CON_OUT_CAP 65536u

struct sim_console {
    struct sim_virtio *sim;
    /* host -> guest bytes waiting for receive buffers */
    uint8_t in[SIM_CON_IN_CAP];
    size_t in_head, in_len;
    /* guest -> host bytes received on transmitq0 */
    uint8_t out[SIM_CON_OUT_CAP];
    size_t out_len;
    uint32_t rx_max_per_buf;
    bool hold_tx;
    /* observations */
    unsigned tx_chains, rx_filled;
    unsigned tx_bad_dir, rx_bad_dir, other_queue;
    uint32_t max_tx_chain_bytes;
    uint32_t rx_buf_len; /* size of the last receive buffer seen */
};

/* Attach the model to sim (device id 3; give it 2 queues, or 4 to look
 * like a MULTIPORT device).  Free with sim_console_destroy. */
struct sim_console *sim_console_create(struct sim_virtio *sim);
void sim_console_destroy(struct sim_console *con);

/* Queue host-side input; returns bytes accepted (limited by SIM_CON_IN_CAP). */
size_t sim_console_input(struct sim_console *con, const void *data, size_t len);
/* One device step (see above); returns receive buffers completed. */
unsigned sim_console_run(struct sim_console *con);
/* Only the transmit or only the receive half of a step. */
unsigned sim_console_run_tx(struct sim_console *con);
unsigned sim_console_run_rx(struct sim_console *con);
/* Input still waiting for a receive buffer. */
size_t sim_console_input_left(const struct sim_console *con);

#endif /* SIM_CONSOLE_H */
