/*
 * sim_console.c - virtio-console device model, see sim_console.h.  Host
 * code: uses the C library.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_console.h"

#define Q_RX 0u
#define Q_TX 1u

static uint32_t con_handler(struct sim_virtio *s, unsigned q, struct sim_chain *c, void *arg)
{
    struct sim_console *con = arg;
    uint32_t bytes = 0;
    unsigned i;

    (void)s;
    if (q == Q_TX) {
        con->tx_chains++;
        if (c->n_in)
            con->tx_bad_dir++;
        for (i = 0; i < c->nseg; i++) {
            const struct sim_seg *g = &c->seg[i];
            size_t room = SIM_CON_OUT_CAP - con->out_len;
            size_t n = g->len < room ? g->len : room;

            if (g->write)
                continue;
            memcpy(con->out + con->out_len, g->p, n);
            con->out_len += n;
            bytes += g->len;
        }
        if (bytes > con->max_tx_chain_bytes)
            con->max_tx_chain_bytes = bytes;
        return 0; /* nothing written into a transmit buffer */
    }
    if (q == Q_RX) {
        if (c->n_out)
            con->rx_bad_dir++;
        con->rx_buf_len = c->in_bytes;
        return 0; /* filled later, when input arrives */
    }
    con->other_queue++;
    return 0;
}

struct sim_console *sim_console_create(struct sim_virtio *sim)
{
    struct sim_console *con = calloc(1, sizeof(*con));

    if (!con)
        abort();
    con->sim = sim;
    sim->handler = con_handler;
    sim->handler_arg = con;
    return con;
}

void sim_console_destroy(struct sim_console *con)
{
    free(con);
}

size_t sim_console_input(struct sim_console *con, const void *data, size_t len)
{
    size_t room, n;

    if (con->in_head) { /* compact */
        memmove(con->in, con->in + con->in_head, con->in_len);
        con->in_head = 0;
    }
    room = SIM_CON_IN_CAP - con->in_len;
    n = len < room ? len : room;
    memcpy(con->in + con->in_len, data, n);
    con->in_len += n;
    return n;
}

size_t sim_console_input_left(const struct sim_console *con)
{
    return con->in_len;
}

unsigned sim_console_run_tx(struct sim_console *con)
{
    if (con->hold_tx) {
        sim_virtio_pop(con->sim, Q_TX);
        return 0;
    }
    return sim_virtio_process(con->sim, Q_TX);
}

unsigned sim_console_run_rx(struct sim_console *con)
{
    struct sim_vq *v;
    unsigned k, filled = 0;

    if (Q_RX >= con->sim->nq)
        return 0;
    sim_virtio_pop(con->sim, Q_RX);
    v = &con->sim->vq[Q_RX];
    /* Fill pending receive buffers in order while there is input. */
    for (k = 0; k < v->npending && con->in_len; k++) {
        struct sim_chain *c = &v->pending[k];
        uint32_t put = 0;
        unsigned i;

        for (i = 0; i < c->nseg && con->in_len; i++) {
            struct sim_seg *g = &c->seg[i];
            size_t n = g->len;

            if (!g->write)
                continue;
            if (con->rx_max_per_buf && n > con->rx_max_per_buf - put)
                n = con->rx_max_per_buf - put;
            if (n > con->in_len)
                n = con->in_len;
            memcpy(g->p, con->in + con->in_head, n);
            con->in_head += n;
            con->in_len -= n;
            put += (uint32_t)n;
            if (con->rx_max_per_buf && put >= con->rx_max_per_buf)
                break;
        }
        c->written = put;
        filled++;
    }
    if (con->in_len == 0)
        con->in_head = 0;
    con->rx_filled += filled;
    return filled ? sim_virtio_complete(con->sim, Q_RX, filled) : 0;
}

unsigned sim_console_run(struct sim_console *con)
{
    sim_console_run_tx(con);
    return sim_console_run_rx(con);
}
