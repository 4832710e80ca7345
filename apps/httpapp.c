/*
 * httpapp.c - see httpapp.h.  The TCP callbacks only gather the request
 * head (svcparse.c decides what to answer) and push the answer out;
 * httpapp_poll() builds the answer from the main loop.
 */
#include "httpapp.h"

#include <stddef.h>
#include <string.h>

#include "app.h"
#include "blkapp.h"
#include "kprintf.h"
#include "net_stats.h"
#include "netapp.h"
#include "netif.h"
#include "shellsrv.h"
#include "svcparse.h"
#include "tcp.h"
#include "timer/timer.h"
#include "virtio/virtio_blk.h"
#include "virtio/virtio_net.h"
#include "virtio/virtqueue.h"

#define HEAD_ROOM 256u /* the answer's head goes in front of its body */

enum { H_FREE, H_READ, H_READY, H_SEND, H_DONE };

struct client {
    struct tcp_conn *c;
    uint8_t state;
    uint16_t req_len;
    struct http_req req;
    uint64_t t0_ms;            /* accepted */
    size_t out_off, out_len;   /* what is left to send: resp[out_off..out_len) */
    char req_buf[HTTP_REQ_MAX];
    char resp[HTTP_RESP_MAX];
};

static struct client clients[HTTP_CLIENTS];
static struct http_stats stats;

static uint64_t now_ms(void) { return timer_ms(); }

/* Hand what TCP takes of the answer to it; after the last byte, our FIN. */
static void push(struct client *k)
{
    while (k->state == H_SEND && k->out_off < k->out_len) {
        int n = tcp_send(k->c, k->resp + k->out_off, k->out_len - k->out_off);
        if (n <= 0)
            break;
        k->out_off += (size_t)n;
    }
    if (k->state == H_SEND && k->out_off == k->out_len) {
        k->state = H_DONE;
        tcp_close(k->c);
    }
}

/* ---- TCP callbacks ------------------------------------------------------------ */

static void h_established(void *arg, struct tcp_conn *c)
{
    static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                               "Content-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n";
    (void)arg;
    for (unsigned i = 0; i < HTTP_CLIENTS; i++) {
        struct client *k = &clients[i];
        if (k->state != H_FREE)
            continue;
        k->c = c;
        k->state = H_READ;
        k->req_len = 0;
        k->t0_ms = now_ms();
        k->out_off = k->out_len = 0;
        tcp_set_arg(c, k);
        return;
    }
    stats.busy++;
    stats.requests++;
    stats.server_errors++;
    tcp_set_arg(c, NULL);
    tcp_send(c, busy, sizeof(busy) - 1);
    tcp_close(c);
}

static void set_status(struct client *k, int status)
{
    memset(&k->req, 0, sizeof(k->req));
    k->req.status = status;
    k->req.head = http_is_head(k->req_buf, k->req_len); /* no content for HEAD (RFC 9110 9.3.2) */
    k->state = H_READY;
}

static size_t h_recv(void *arg, struct tcp_conn *c, const uint8_t *data, size_t len)
{
    struct client *k = arg;
    (void)c;
    if (k == NULL || k->state != H_READ)
        return len; /* after the head, or a refused connection: dropped */
    if (data == NULL) { /* the peer closed before a complete head */
        if (k->req_len) {
            set_status(k, 400);
        } else {
            k->state = H_SEND; /* nothing asked: push() just closes */
            push(k);
        }
        return 0;
    }
    size_t room = HTTP_REQ_MAX - k->req_len, take = len < room ? len : room;
    memcpy(k->req_buf + k->req_len, data, take);
    k->req_len = (uint16_t)(k->req_len + take);
    size_t end = http_head_end(k->req_buf, k->req_len);
    if (end) {
        http_parse(k->req_buf, end, &k->req);
        k->state = H_READY;
    } else if (k->req_len == HTTP_REQ_MAX) {
        stats.too_large++;
        set_status(k, http_too_large(k->req_buf, k->req_len)); /* 431, or 414 for the request line */
    }
    return len; /* beyond the head (or the buffer): dropped */
}

static void h_sent(void *arg, struct tcp_conn *c, size_t acked)
{
    (void)c;
    (void)acked;
    if (arg)
        push(arg);
}

static void h_closed(void *arg, struct tcp_conn *c, int err)
{
    struct client *k = arg;
    (void)c;
    (void)err;
    if (k) {
        k->c = NULL;
        k->state = H_FREE;
    }
}

static const struct tcp_callbacks http_cb = {
    .established = h_established, .recv = h_recv, .sent = h_sent, .closed = h_closed};

/* ---- building the answer --------------------------------------------------------- */

/* The body under construction: resp[HEAD_ROOM..HEAD_ROOM + len). */
struct body {
    char *buf;
    size_t cap, len;
    bool overflow;
    bool first; /* no member yet in the innermost JSON object */
};

static void b_put(struct body *b, const char *s, size_t n)
{
    if (b->overflow || n > b->cap - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

static void b_str(struct body *b, const char *s) { b_put(b, s, strlen(s)); }

static void capture(void *arg, const char *s, size_t n) { b_put(arg, s, n); }

/* JSON: "key": before a member (with its comma), objects, numbers. */
static void j_key(struct body *b, const char *key)
{
    if (!b->first)
        b_str(b, ",");
    b->first = false;
    if (key) {
        b_str(b, "\"");
        b_str(b, key);
        b_str(b, "\":");
    }
}

static void j_open(struct body *b, const char *key, const char *brace)
{
    j_key(b, key);
    b_str(b, brace);
    b->first = true;
}

static void j_close(struct body *b, const char *brace)
{
    b_str(b, brace);
    b->first = false;
}

static void j_num(struct body *b, const char *key, uint64_t v)
{
    char num[24];
    j_key(b, key);
    ksnprintf(num, sizeof(num), "%llu", (unsigned long long)v);
    b_str(b, num);
}

static void j_bool(struct body *b, const char *key, bool v)
{
    j_key(b, key);
    b_str(b, v ? "true" : "false");
}

/* A value that is one of our own fixed words (no escaping needed). */
static void j_word(struct body *b, const char *key, const char *v)
{
    j_key(b, key);
    b_str(b, "\"");
    b_str(b, v);
    b_str(b, "\"");
}

static void j_vq(struct body *b, struct virtqueue *vq)
{
    struct vq_stats s = {0};
    if (!vq)
        return;
    virtqueue_get_stats(vq, &s);
    j_open(b, virtqueue_name(vq), "{");
#define VQ_FIELD(n) j_num(b, #n, s.n);
    VQ_FIELD(num) VQ_FIELD(num_free) VQ_FIELD(added) VQ_FIELD(added_indirect) VQ_FIELD(completed)
    VQ_FIELD(kicks) VQ_FIELD(kicks_suppressed) VQ_FIELD(interrupts) VQ_FIELD(callbacks) VQ_FIELD(full)
    VQ_FIELD(cancelled) VQ_FIELD(bad_id) VQ_FIELD(not_head) VQ_FIELD(dup) VQ_FIELD(bad_len)
    VQ_FIELD(len_ignored) VQ_FIELD(idx_jump) VQ_FIELD(bad_wrap)
#undef VQ_FIELD
    j_bool(b, "broken", s.broken);
    j_close(b, "}");
}

static void j_net_stats(struct body *b, const char *key, const struct netif *nif)
{
    const struct net_stats *s = &nif->stats;
    bool open = false;
    j_open(b, key, "{");
#define NS_GROUP(g)                                                                                                    \
    if (open)                                                                                                          \
        j_close(b, "}");                                                                                               \
    j_open(b, #g, "{");                                                                                                \
    open = true;
#define NS_FIELD(n) j_num(b, #n, s->n);
    NET_STATS_LIST(NS_GROUP, NS_FIELD)
#undef NS_GROUP
#undef NS_FIELD
    if (open)
        j_close(b, "}");
    j_close(b, "}");
}

static void stats_json(struct body *b)
{
    b->first = true;
    j_open(b, NULL, "{");
    j_num(b, "interrupts", board_irq_count());

    int ndev;
    const struct app_device *d = app_devices(&ndev);
    j_open(b, "devices", "[");
    for (int i = 0; i < ndev; i++) {
        char base[24];
        ksnprintf(base, sizeof(base), "0x%08lx", (unsigned long)d[i].slot->base);
        j_open(b, NULL, "{");
        j_word(b, "base", base);
        j_word(b, "type", virtio_device_name(d[i].id.device_id));
        j_bool(b, "driver", d[i].dev != NULL);
        if (d[i].dev) {
            const struct virtio_dev_stats *vs = &d[i].dev->stats;
#define DS_FIELD(n) j_num(b, #n, vs->n);
            DS_FIELD(interrupts) DS_FIELD(spurious) DS_FIELD(unknown_irq_bits) DS_FIELD(irq_stuck)
            DS_FIELD(config_irqs) DS_FIELD(needs_reset) DS_FIELD(reinits) DS_FIELD(queue_faults)
            DS_FIELD(reinit_failures) DS_FIELD(restart_failures) DS_FIELD(config_retries) DS_FIELD(config_failures)
#undef DS_FIELD
        }
        j_close(b, "}");
    }
    j_close(b, "]");

    /* Every interface and every disk, as the stats command prints them:
     * net0's and disk0's under "net", "virtio_net", "virtio_blk", the
     * others' under the same names with their number ("net1"). */
    for (unsigned i = 0; i < netapp_count(); i++) {
        char key[16];
        struct netif *nif = netapp_netif_at(i);
        if (nif) {
            ksnprintf(key, sizeof(key), i ? "net%u" : "net", i);
            j_net_stats(b, key, nif);
        }
        struct virtio_net *vn = netapp_dev_at(i);
        if (!vn)
            continue;
        const struct virtio_net_stats *s = &vn->stats;
        ksnprintf(key, sizeof(key), i ? "virtio_net%u" : "virtio_net", i);
        j_open(b, key, "{");
#define NV_FIELD(n) j_num(b, #n, s->n);
        NV_FIELD(rx_frames) NV_FIELD(tx_frames) NV_FIELD(rx_interrupts) NV_FIELD(polls) NV_FIELD(budget_exhausted)
        NV_FIELD(rearm_races) NV_FIELD(rx_short) NV_FIELD(rx_too_long) NV_FIELD(rx_bad_num_buffers)
        NV_FIELD(rx_merged_dropped) NV_FIELD(rx_repost_failed) NV_FIELD(rx_alloc_failed) NV_FIELD(tx_no_buffer)
        NV_FIELD(tx_ring_full) NV_FIELD(tx_too_long) NV_FIELD(tx_no_headroom) NV_FIELD(tx_invalid)
        NV_FIELD(tx_error) NV_FIELD(bad_release) NV_FIELD(kicks) NV_FIELD(config_changes) NV_FIELD(queue_broken)
        NV_FIELD(mac_invalid) NV_FIELD(rx_bad_csum) NV_FIELD(tx_bad_csum) NV_FIELD(tx_csum_sw)
        NV_FIELD(mtu_declined) NV_FIELD(ctrl_cmds) NV_FIELD(ctrl_err) NV_FIELD(ctrl_bad_ack) NV_FIELD(ctrl_bad_len)
        NV_FIELD(ctrl_timeouts) NV_FIELD(ctrl_late) NV_FIELD(announce_requests) NV_FIELD(announce_acked)
#undef NV_FIELD
        j_num(b, "mtu", virtio_net_mtu(vn));
        j_bool(b, "csum_offload", vn->tx_csum);
        j_bool(b, "guest_csum", vn->guest_csum);
        j_open(b, "queues", "{");
        j_vq(b, vn->rxq);
        j_vq(b, vn->txq);
        j_vq(b, vn->ctrlq); /* none without CTRL_VQ */
        j_close(b, "}");
        j_close(b, "}");
    }

    for (unsigned i = 0; i < blkapp_count(); i++) {
        char key[16];
        struct virtio_blk *blk = blkapp_dev_at(i);
        if (!blk)
            continue;
        const struct virtio_blk_stats *s = &blk->stats;
        ksnprintf(key, sizeof(key), i ? "virtio_blk%u" : "virtio_blk", i);
        j_open(b, key, "{");
#define BS_FIELD(n) j_num(b, #n, s->n);
        BS_FIELD(reads) BS_FIELD(writes) BS_FIELD(flushes) BS_FIELD(completed) BS_FIELD(errors_io)
        BS_FIELD(errors_unsupp) BS_FIELD(bad_status) BS_FIELD(bad_len) BS_FIELD(cancelled) BS_FIELD(refused_ro)
        BS_FIELD(refused_range) BS_FIELD(refused_align) BS_FIELD(queue_full) BS_FIELD(max_inflight) BS_FIELD(sync_timeouts)
        BS_FIELD(sync_abandoned_done) BS_FIELD(sync_retries) BS_FIELD(sync_slot_waits) BS_FIELD(config_changes)
        BS_FIELD(discards) BS_FIELD(write_zeroes) BS_FIELD(get_ids) BS_FIELD(refused_unsupp)
#undef BS_FIELD
        j_open(b, "queues", "{");
        j_vq(b, blk->vq);
        j_close(b, "}");
        j_close(b, "}");
    }

    j_open(b, "services", "{");
    const struct shellsrv_stats *ss = shellsrv_get_stats();
    j_open(b, "shell", "{");
    j_num(b, "active", shellsrv_active());
#define SS_FIELD(n) j_num(b, #n, ss->n);
    SS_FIELD(sessions) SS_FIELD(refused) SS_FIELD(commands) SS_FIELD(too_long) SS_FIELD(truncated)
    SS_FIELD(lost_bytes) SS_FIELD(idle_closed) SS_FIELD(telnet_dropped)
#undef SS_FIELD
    j_close(b, "}");
    j_open(b, "http", "{");
#define HS_FIELD(n) j_num(b, #n, stats.n);
    HS_FIELD(requests) HS_FIELD(ok) HS_FIELD(client_errors) HS_FIELD(server_errors) HS_FIELD(busy)
    HS_FIELD(too_large) HS_FIELD(timeouts)
#undef HS_FIELD
    j_close(b, "}");
    j_close(b, "}");
    j_close(b, "}");
    b_str(b, "\n");
}

/* Build k's answer into k->resp and start sending it. */
static void answer(struct client *k)
{
    struct body b = {k->resp + HEAD_ROOM, sizeof(k->resp) - HEAD_ROOM, 0, false, true};
    int status = k->req.status;
    const char *type = "text/plain; charset=utf-8";

    if (status == 200 && k->req.route == HTTP_ROUTE_ROOT) {
        char cmd[] = "devices";
        kprintf_set_capture(capture, &b);
        shell_run_line(cmd, NULL, NULL); /* "devices": nothing to interrupt */
        kprintf_set_capture(NULL, NULL);
    } else if (status == 200 && k->req.route == HTTP_ROUTE_STATS) {
        stats_json(&b);
        type = "application/json";
    }
    if (b.overflow) {
        status = 500;
        b.len = 0;
        b.overflow = false;
    }
    if (status != 200) {
        char msg[64];
        ksnprintf(msg, sizeof(msg), "%d %s\n", status, http_reason(status));
        b_str(&b, msg);
        type = "text/plain; charset=utf-8";
    }
    char head[HEAD_ROOM];
    int n = ksnprintf(head, sizeof(head),
                      "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %lu\r\n%sConnection: close\r\n\r\n",
                      status, http_reason(status), type, (unsigned long)b.len,
                      status == 405 ? "Allow: GET, HEAD\r\n" : "");
    size_t hn = n > 0 && (size_t)n < sizeof(head) ? (size_t)n : 0;
    memcpy(k->resp + HEAD_ROOM - hn, head, hn);
    k->out_off = HEAD_ROOM - hn;
    k->out_len = HEAD_ROOM + (k->req.head ? 0 : b.len);
    stats.requests++;
    if (status == 200)
        stats.ok++;
    else if (status < 500)
        stats.client_errors++;
    else
        stats.server_errors++;
    k->state = H_SEND;
    push(k);
}

void httpapp_poll(void)
{
    uint64_t now = 0;
    bool have_now = false;
    for (unsigned i = 0; i < HTTP_CLIENTS; i++) {
        struct client *k = &clients[i];
        if (k->state == H_FREE)
            continue;
        if (!have_now) { /* the clock only when a client is open: this runs every wake-up */
            now = now_ms();
            have_now = true;
        }
        if (k->state == H_READ && now - k->t0_ms >= HTTP_TIMEOUT_MS) {
            stats.timeouts++;
            set_status(k, 408);
        }
        if (k->state == H_READY)
            answer(k);
        else if (k->state == H_SEND)
            push(k);
        if (k->state != H_FREE && now - k->t0_ms >= HTTP_TIMEOUT_MS + HTTP_LINGER_MS) {
            stats.timeouts++;
            tcp_abort(k->c); /* no closed callback after this */
            k->c = NULL;
            k->state = H_FREE;
        }
    }
}

bool httpapp_busy(void)
{
    for (unsigned i = 0; i < HTTP_CLIENTS; i++)
        if (clients[i].state == H_READY)
            return true;
    return false;
}

const struct http_stats *httpapp_get_stats(void) { return &stats; }

bool httpapp_start(struct netif *nif)
{
    if (app_bootarg("http=off"))
        return false;
    return tcp_listen(nif, HTTP_PORT, &http_cb, NULL) == 0;
}
