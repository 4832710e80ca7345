/*
 * conecho.c - see conecho.h.
 */
#include "conecho.h"

#include "virtio/virtio_console.h"

void con_echo_poll(struct virtio_console *con, struct con_echo *e)
{
    virtio_console_poll(con);
    for (;;) {
        if (e->off == e->len) {
            int n = virtio_console_read(con, e->buf, sizeof(e->buf));
            if (n <= 0)
                return;
            e->off = 0;
            e->len = (uint16_t)n;
        }
        int w = virtio_console_write(con, e->buf + e->off, (size_t)(e->len - e->off));
        if (w == 0) { /* every TX buffer with the device: what it finished, then once more */
            virtio_console_poll(con);
            w = virtio_console_write(con, e->buf + e->off, (size_t)(e->len - e->off));
        }
        if (w <= 0)
            return; /* still none (its peer does not read), or an error: the rest next time */
        e->off = (uint16_t)(e->off + w);
    }
}
