/*
 * neterr.c - net_strerror(): the stack's error codes (netif.h) in words,
 * for messages of the form "<what>: <words> (<number>)".
 */
#include "netif.h"

const char *net_strerror(int err)
{
    static const char *const msg[] = {
        [0] = "ok",
        [NET_EINVAL] = "bad argument",
        [NET_EBUSY] = "busy, one is already running",
        [NET_ENOBUFS] = "no free buffer",
        [NET_ENOROUTE] = "no route to the host",
        [NET_EADDRINUSE] = "port already in use",
        [NET_ENOMEM] = "no room left in the table",
        [NET_ENOENT] = "not found",
        [NET_ELINKDOWN] = "link down",
    };

    unsigned e = err < 0 ? 0u - (unsigned)err : (unsigned)err; /* no overflow at INT_MIN */

    if (e >= sizeof(msg) / sizeof(msg[0]) || !msg[e])
        return "unknown error";
    return msg[e];
}
