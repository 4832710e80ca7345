/*
 * fuzz_svcparse.c - fuzz target for the parsers of the TCP services
 * (apps/svcparse.c): the shell's line assembler with its telnet commands
 * (port 23) and the HTTP request head (port 80).  Both read whatever a
 * peer on the network sends.
 *
 * Input: byte 0 picks the part (bit 0: linein, else HTTP) and, for
 * linein, the segment sizes (bits 1-7 seed them); the rest is the byte
 * stream.
 *
 * linein: the stream goes through linein_feed() twice - once in segments
 * of 1 to 16 bytes as byte 0 chooses, once byte by byte - and the two runs
 * must give the same lines, the same events and the same telnet commands
 * in the same order (a segment boundary means nothing to the parser).
 * Checked on the way: the count consumed is within what was offered and
 * not 0 unless a line waits; a line is NUL-terminated, shorter than
 * LINEIN_MAX and printable ASCII only; a telnet command handed up is one
 * the header promises (not IAC IAC, SB, EC or EL; an option only after
 * WILL/WONT/DO/DONT).
 *
 * HTTP: http_head_end() on the stream and on every prefix is within it,
 * and a head that ends at h ends at h in every prefix that holds it;
 * http_parse() of a complete head answers one of the statuses the header
 * lists, a route only with 200; http_too_large() of any prefix is 400,
 * 414, 431 or 501; every status has a reason phrase.
 *
 * Two builds, as fuzz_shell.c: -DFUZZ_LIBFUZZER for libFuzzer, otherwise
 * the seed runner (seed_runner.c) over test/fuzz/seeds-svcparse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svcparse.h"
#include "seed_runner.h"

#define MAX_EVENTS 4096

/* What the seeds reached (fuzz_seed_coverage); nothing under libFuzzer. */
static unsigned seen_line, seen_toolong, seen_cmd, seen_http_ok, seen_http_err, seen_too_large;

struct trace {
    /* 'L' line, 'T' too long, 'C' telnet command: one byte each, then the
     * line's text or the command and option */
    uint8_t ev[MAX_EVENTS * 3];
    size_t n;
    bool full;
    unsigned lines, cmds;
};

static void put(struct trace *t, const void *p, size_t n)
{
    if (t->full || t->n + n > sizeof(t->ev)) {
        t->full = true;
        return;
    }
    memcpy(t->ev + t->n, p, n);
    t->n += n;
}

static void on_cmd(void *arg, uint8_t cmd, uint8_t opt)
{
    struct trace *t = arg;
    uint8_t rec[3] = {'C', cmd, opt};

    /* Any byte after an IAC but these (an unknown one too: the owner
     * ignores it). */
    CHECK(cmd != TELNET_IAC && cmd != TELNET_SB && cmd != TELNET_EC && cmd != TELNET_EL);
    if (cmd < TELNET_WILL)
        CHECK(opt == 0);
    t->cmds++;
    seen_cmd++;
    put(t, rec, sizeof(rec));
}

/* Feed data in segments from the generator g (0: one byte at a time). */
static void run_linein(const uint8_t *data, size_t size, unsigned g, struct trace *t)
{
    struct linein l;
    size_t off = 0;

    linein_init(&l);
    l.telnet_cmd = on_cmd;
    l.telnet_arg = t;
    while (off < size) {
        size_t seg = 1, used, fed = 0;

        if (g) {
            g = g * 1103515245u + 12345u;
            seg = 1 + (g >> 16) % 16;
        }
        if (seg > size - off)
            seg = size - off;
        while (fed < seg) {
            int ev = -1;

            used = linein_feed(&l, data + off + fed, seg - fed, &ev);
            CHECK(used <= seg - fed);
            CHECK(ev == LINEIN_MORE || ev == LINEIN_LINE || ev == LINEIN_TOOLONG);
            fed += used;
            if (ev == LINEIN_MORE) {
                CHECK(fed == seg); /* everything offered was taken */
                break;
            }
            if (ev == LINEIN_LINE) {
                size_t len = strnlen(l.buf, sizeof(l.buf));

                CHECK(len < LINEIN_MAX);
                for (size_t i = 0; i < len; i++)
                    CHECK(l.buf[i] >= 0x20 && l.buf[i] < 0x7f);
                put(t, "L", 1);
                put(t, l.buf, len + 1);
                seen_line++;
            } else {
                put(t, "T", 1);
                seen_toolong++;
            }
            t->lines++;
            /* A complete line holds everything back until it is taken. */
            CHECK(fed == seg || linein_feed(&l, data + off + fed, seg - fed, &ev) == 0);
            linein_next(&l);
        }
        off += seg;
    }
}

static void fuzz_linein(const uint8_t *data, size_t size, unsigned g)
{
    static struct trace a, b;

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    run_linein(data, size, g | 1u, &a);
    run_linein(data, size, 0, &b);
    CHECK(a.lines == b.lines && a.cmds == b.cmds);
    CHECK(a.full == b.full);
    CHECK(a.n == b.n && memcmp(a.ev, b.ev, a.n) == 0);
}

static bool known_status(int s)
{
    return s == 200 || s == 400 || s == 404 || s == 405 || s == 501 || s == 505;
}

static void fuzz_http(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1); /* exactly, for ASan */
    size_t end, cut;

    CHECK(buf != NULL);
    memcpy(buf, data, size);
    end = http_head_end(buf, size);
    CHECK(end <= size);
    if (end) {
        struct http_req r;
        int st = http_parse(buf, end, &r);

        CHECK(st == r.status && known_status(st));
        if (st == 200)
            seen_http_ok++;
        else
            seen_http_err++;
        CHECK(http_reason(st) != NULL);
        if (st == 200)
            CHECK(r.route == HTTP_ROUTE_ROOT || r.route == HTTP_ROUTE_STATS);
        else
            CHECK(r.route == HTTP_ROUTE_NONE);
        CHECK(http_head_end(buf, end) == end);
    }
    /* Prefixes, as a request arrives in pieces: a few cut points. */
    for (cut = 0; cut <= size; cut += 1 + size / 8) {
        size_t e = http_head_end(buf, cut);

        CHECK(e <= cut);
        if (end && cut >= end)
            CHECK(e == end);
        if (!e) {
            int st = http_too_large(buf, cut);

            CHECK(st == 400 || st == 414 || st == 431 || st == 501);
            if (cut == size && size > 0)
                seen_too_large++;
            CHECK(http_reason(st) != NULL);
        }
        (void)http_is_head(buf, cut);
    }
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t sel;

    if (size == 0)
        return 0;
    sel = data[0];
    if (sel & 1)
        fuzz_linein(data + 1, size - 1, sel >> 1);
    else
        fuzz_http(data + 1, size - 1);
    return 0;
}

#ifndef FUZZ_LIBFUZZER
int fuzz_seed_coverage(void)
{
    return FUZZ_REACHED(seen_line) + FUZZ_REACHED(seen_toolong) + FUZZ_REACHED(seen_cmd) +
           FUZZ_REACHED(seen_http_ok) + FUZZ_REACHED(seen_http_err) + FUZZ_REACHED(seen_too_large);
}
#endif
