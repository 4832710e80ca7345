/*
 * test_svcparse.c - host tests for apps/svcparse.c: the TCP shell's line
 * assembler (line ends LF, CR LF, CR NUL, a CR LF split across segments,
 * telnet IAC commands of every length and the ones handed on to be
 * answered, editing keys and telnet's EC and EL, overlong lines, a
 * line held until linein_next()) and the HTTP request parser (the request
 * line's forms, every status it decides: 200, 400, 404, 405, 501, 505;
 * Host values, Content-Length and Transfer-Encoding; what a head too large
 * for the buffer gets: 414, 431, 501; the end of the head with CR LF and
 * bare LF, split at every byte).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "svcparse.h"

/* ---- linein ---------------------------------------------------------------- */

/* The telnet command hook feed_all() sets (NULL: none). */
static void (*feed_hook)(void *arg, uint8_t cmd, uint8_t opt);

/* Feed s (n bytes) in pieces of `step` bytes; collect the lines produced
 * into out[] (TOOLONG as "!TOOLONG"), taking each with linein_next(). */
static int feed_all(const char *s, size_t n, size_t step, char out[][LINEIN_MAX + 8], int max)
{
    struct linein l;
    int lines = 0;
    size_t pos = 0;
    linein_init(&l);
    l.telnet_cmd = feed_hook;
    while (pos < n) {
        size_t piece = n - pos < step ? n - pos : step, off = 0;
        while (off < piece) {
            int ev;
            size_t used = linein_feed(&l, (const uint8_t *)s + pos + off, piece - off, &ev);
            assert_true(used <= piece - off);
            off += used;
            if (ev == LINEIN_MORE) {
                assert_int_equal(off, piece);
                continue;
            }
            assert_true(lines < max);
            assert_true(strlen(l.buf) < LINEIN_MAX);
            if (ev == LINEIN_TOOLONG)
                strcpy(out[lines++], "!TOOLONG");
            else
                strcpy(out[lines++], l.buf);
            /* held: nothing more is consumed until linein_next() */
            if (off < piece) {
                int ev2;
                assert_int_equal(linein_feed(&l, (const uint8_t *)s + pos + off, piece - off, &ev2), 0);
                assert_int_equal(ev2, ev);
            }
            linein_next(&l);
        }
        pos += piece;
    }
    return lines;
}

static void expect_lines(const char *s, size_t n, const char *const *want, int nwant)
{
    char out[16][LINEIN_MAX + 8];
    for (size_t step = 1; step <= n + 1; step++) { /* every split, whole at the end */
        int got = feed_all(s, n, step, out, 16);
        if (got != nwant)
            fail_msg("step %zu: %d lines, want %d", step, got, nwant);
        for (int i = 0; i < nwant; i++)
            if (strcmp(out[i], want[i]) != 0)
                fail_msg("step %zu line %d: '%s', want '%s'", step, i, out[i], want[i]);
    }
}

#define LINES(s, ...)                                                                                                  \
    do {                                                                                                               \
        static const char *const w_[] = {__VA_ARGS__};                                                                 \
        expect_lines(s, sizeof(s) - 1, w_, (int)(sizeof(w_) / sizeof(w_[0])));                                        \
    } while (0)

static void test_line_ends(void **state)
{
    (void)state;
    LINES("help\n", "help");
    LINES("help\r\n", "help");
    LINES("help\r\0", "help");
    LINES("help\r", "help");
    LINES("a\nb\r\nc\r\0d\re\n", "a", "b", "c", "d", "e");
    LINES("\r\n\r\n", "", "");       /* two empty lines, not four */
    LINES("\n\n", "", "");
    LINES("\r\r", "", "");           /* CR CR: two line ends */
    LINES("a\r\n\nb\n", "a", "", "b"); /* only one LF belongs to the CR */
    {
        struct linein l;
        int ev;
        linein_init(&l);
        assert_int_equal(linein_feed(&l, (const uint8_t *)"x", 1, &ev), 1);
        assert_int_equal(ev, LINEIN_MORE); /* no line end: nothing yet */
    }
}

static void test_telnet(void **state)
{
    (void)state;
    /* IAC DO ECHO, IAC WILL NAWS, IAC SB NAWS 0 80 0 24 IAC SE, IAC IP, IAC IAC */
    LINES("\xff\xfd\x01he\xff\xfb\x1fl\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0p\xff\xf4\xff\xff\n", "help");
    /* option bytes that look like line ends or IAC are not data */
    LINES("\xff\xfd\n\xff\xfb\rab\n", "ab");
    LINES("\xff\xfd\xff" "ab\n", "ab");
    /* inside SB: LF, CR and IAC IAC are skipped; SB ends only at IAC SE */
    LINES("\xff\xfa\x18\n\r\xff\xff\xf0x\xff\xf0ok\n", "ok");
    /* a two-byte command (NOP, AYT) */
    LINES("\xff\xf1o\xff\xf6k\n", "ok");
    /* bytes >= 0x80 and controls are dropped */
    LINES("o\x80\x01\x1b" "k\xfe\n", "ok");
}

/* The commands handed to the hook, as "cmd/opt" in order. */
static char hooked[256];
static void record_cmd(void *arg, uint8_t cmd, uint8_t opt)
{
    (void)arg;
    size_t n = strlen(hooked);
    snprintf(hooked + n, sizeof(hooked) - n, "%u/%u ", cmd, opt);
}

/* With a hook: every negotiation once its option is in (option 255 and
 * 13 too), every two-byte command but EC and EL (which edit the line) and
 * IAC IAC (data); nothing from inside SB ... SE; the same at every split,
 * including IAC | DO | option across three pieces. */
static void test_telnet_hook(void **state)
{
    (void)state;
    static const char s[] = "\xff\xfd\x01" "a"                         /* DO ECHO, a */
                            "\xff\xfb\x18\xff\xfc\x06\xff\xfe\xff"     /* WILL TTYPE, WONT TM, DONT 255 */
                            "\xff\xf6\xff\xff"                         /* AYT, IAC IAC */
                            "\xff\xfa\x18\xff\xfd\x01\xff\xff\xff\xf0" /* SB with IAC DO, IAC IAC inside */
                            "\xff\xf1\xff\xf4\xff\xf7"                 /* NOP, IP, EC (erases the a) */
                            "\xff\xfd\r" "b\n";                        /* DO 13, the line b */
    const char *want = "253/1 251/24 252/6 254/255 246/0 241/0 244/0 253/13 ";
    char out[16][LINEIN_MAX + 8];
    feed_hook = record_cmd;
    for (size_t step = 1; step <= sizeof(s); step++) {
        hooked[0] = '\0';
        int got = feed_all(s, sizeof(s) - 1, step, out, 16);
        if (got != 1 || strcmp(out[0], "b") != 0 || strcmp(hooked, want) != 0)
            fail_msg("step %zu: %d lines, '%s'; commands %s, want %s", step, got, got ? out[0] : "", hooked,
                     want);
    }
    feed_hook = NULL;
}

static void test_editing(void **state)
{
    (void)state;
    LINES("helpp\b\n", "help");
    LINES("helpx\x7f\n", "help");
    LINES("\b\b\x7fhi\n", "hi");                 /* backspace on an empty line */
    LINES("junk\x15stats\n", "stats");           /* Ctrl-U */
    /* telnet's IAC EC and IAC EL (RFC 854): as backspace and Ctrl-U */
    LINES("helpx\xff\xf7\n", "help");
    LINES("\xff\xf7" "ab\xff\xf7\xff\xf7\xff\xf7" "c\n", "c");
    LINES("junk\xff\xf8stats\n", "stats");
    /* a command between CR and its LF is no data: the LF still pairs */
    LINES("a\r\xff\xf7\nb\n", "a", "b");
    char s[300];
    memset(s, 'x', 200);
    s[200] = '\n';
    memcpy(s + 201, "ok\n", 3);
    char out[16][LINEIN_MAX + 8];
    for (size_t step = 1; step <= 205; step += 17) {
        assert_int_equal(feed_all(s, 204, step, out, 16), 2);
        assert_string_equal(out[0], "!TOOLONG");
        assert_string_equal(out[1], "ok");
    }
    /* exactly LINEIN_MAX - 1 characters fit; one more does not */
    memset(s, 'y', LINEIN_MAX - 1);
    s[LINEIN_MAX - 1] = '\n';
    assert_int_equal(feed_all(s, LINEIN_MAX, LINEIN_MAX, out, 16), 1);
    assert_int_equal(strlen(out[0]), LINEIN_MAX - 1);
    memset(s, 'y', LINEIN_MAX);
    s[LINEIN_MAX] = '\n';
    assert_int_equal(feed_all(s, LINEIN_MAX + 1, 7, out, 16), 1);
    assert_string_equal(out[0], "!TOOLONG");
    /* Ctrl-U clears an overflow too */
    memset(s, 'z', 150);
    s[150] = 0x15;
    memcpy(s + 151, "ok\n", 3);
    assert_int_equal(feed_all(s, 154, 10, out, 16), 1);
    assert_string_equal(out[0], "ok");
    /* so does IAC EL */
    memset(s, 'z', 150);
    memcpy(s + 150, "\xff\xf8" "ok\n", 5);
    assert_int_equal(feed_all(s, 155, 10, out, 16), 1);
    assert_string_equal(out[0], "ok");
}

/* ---- HTTP ------------------------------------------------------------------ */

static int parse(const char *req, struct http_req *r)
{
    size_t n = strlen(req), end = http_head_end(req, n);
    if (!end)
        return -1;
    /* the end is found at the same place with more bytes after it, and not
     * before it has arrived */
    for (size_t k = 0; k < end; k++)
        assert_int_equal(http_head_end(req, k), 0);
    return http_parse(req, end, r);
}

static void test_http_ok(void **state)
{
    struct http_req r;
    (void)state;
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_ROOT);
    assert_false(r.head);
    assert_int_equal(r.minor, 1);
    assert_int_equal(parse("GET /stats HTTP/1.1\r\nHost: g\r\nAccept: */*\r\nUser-Agent: curl/7.88\r\n\r\n", &r),
                     200);
    assert_int_equal(r.route, HTTP_ROUTE_STATS);
    assert_int_equal(parse("HEAD /stats HTTP/1.0\r\n\r\n", &r), 200); /* 1.0: Host optional */
    assert_true(r.head);
    assert_int_equal(r.minor, 0);
    assert_int_equal(parse("GET /stats?a=b HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_STATS);
    assert_int_equal(parse("GET /#frag HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(parse("GET http://g/stats HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_STATS);
    assert_int_equal(parse("GET HTTP://g:80 HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_ROOT);
    /* bare LF, mixed, empty lines before the request line */
    assert_int_equal(parse("GET / HTTP/1.1\nHost: g\n\n", &r), 200);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: g\n\r\n", &r), 200);
    assert_int_equal(parse("\r\n\nGET / HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    /* header values: empty, tabs, obs-text; names case-insensitive */
    assert_int_equal(parse("GET / HTTP/1.1\r\nhOsT:g\r\nX-A:\r\nX-B: \t v\xe9 \r\n\r\n", &r), 200);
    /* a body after the head is not the parser's business */
    const char *post = "GET / HTTP/1.1\r\nHost: g\r\n\r\nGARBAGE";
    assert_int_equal(http_head_end(post, strlen(post)), strlen(post) - 7);
}

static void test_http_errors(void **state)
{
    struct http_req r;
    (void)state;
    static const char *const bad[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /\r\n\r\n",                          /* HTTP/0.9 */
        "GET  / HTTP/1.1\r\nHost: g\r\n\r\n",     /* two spaces */
        "GET / HTTP/1.1 \r\nHost: g\r\n\r\n",     /* trailing space */
        " GET / HTTP/1.1\r\nHost: g\r\n\r\n",     /* leading space */
        "GET\t/ HTTP/1.1\r\nHost: g\r\n\r\n",
        "GET / http/1.1\r\nHost: g\r\n\r\n",
        "GET / HTTP/1.10\r\nHost: g\r\n\r\n",
        "GET / HTTP/1\r\nHost: g\r\n\r\n",
        "GET / HTTP/a.b\r\nHost: g\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: g\r\n\r\n",      /* not a token */
        "GET stats HTTP/1.1\r\nHost: g\r\n\r\n",  /* not origin-form */
        "GET http:///x HTTP/1.1\r\nHost: g\r\n\r\n", /* no authority */
        "GET * HTTP/1.1\r\nHost: g\r\n\r\n",      /* asterisk-form with GET */
        "GET /\x01 HTTP/1.1\r\nHost: g\r\n\r\n",
        "GET /\x80 HTTP/1.1\r\nHost: g\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : g\r\n\r\n",     /* space before the colon */
        "GET / HTTP/1.1\r\nHost: g\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\n: empty name\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\rX\r\n\r\n",   /* bare CR in a value */
        "GET / HTTP/1.1\r\nHost: g\x01\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\x7f\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",                 /* 1.1 without Host */
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &r) != 400)
            fail_msg("'%s': %d, want 400", bad[i], r.status);

    assert_int_equal(parse("GET / HTTP/2.0\r\nHost: g\r\n\r\n", &r), 505);
    assert_int_equal(parse("GET / HTTP/1.2\r\nHost: g\r\n\r\n", &r), 200); /* as 1.1 (RFC 9110 2.5) */
    assert_int_equal(parse("GET / HTTP/0.9\r\n\r\n", &r), 505);
    /* method: case-sensitive; known but not allowed 405, unknown 501 */
    assert_int_equal(parse("POST / HTTP/1.1\r\nHost: g\r\n\r\n", &r), 405);
    assert_int_equal(parse("get / HTTP/1.1\r\nHost: g\r\n\r\n", &r), 501);
    assert_int_equal(parse("OPTIONS * HTTP/1.1\r\nHost: g\r\n\r\n", &r), 405);
    assert_int_equal(parse("BREW /pot HTTP/1.1\r\nHost: g\r\n\r\n", &r), 501);
    /* paths */
    assert_int_equal(parse("GET /nope HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("GET /stats/ HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("GET /Stats HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("GET // HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("HEAD /x HTTP/1.0\r\n\r\n", &r), 404);
    /* incomplete heads: no end yet */
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: g\r\n", &r), -1);
    assert_int_equal(parse("GET / HTTP/1.1", &r), -1);
    assert_int_equal(parse("\r\n\r\n", &r), -1); /* empty lines only */
    assert_int_equal(parse("", &r), -1);
    /* http_parse on a head cut short (what httpapp never passes) */
    assert_int_equal(http_parse("GET / HTTP/1.1\r\nHost: g\r\n", 25, &r), 400);
    assert_int_equal(http_parse("GET / HTTP/1.1", 14, &r), 400);
    assert_int_equal(http_parse("", 0, &r), 400);
    assert_string_equal(http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(http_reason(404), "Not Found");
}

/* Message framing (RFC 9112 6.3): "If a message is received without
 * Transfer-Encoding and with an invalid Content-Length header field, then
 * the message framing is invalid ... the server MUST respond with a 400
 * (Bad Request) status code and then close the connection" (5), and "If a
 * Transfer-Encoding header field is present in a request and the chunked
 * transfer coding is not the final encoding, ... the server MUST respond
 * with the 400 (Bad Request) status code" (3). */
static void test_http_framing(void **state)
{
    struct http_req r;
    (void)state;
    static const char *const bad[] = {
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: -1\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: +5\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 1 2\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length:\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 5, 6\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 5,\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding:\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked, gzip,\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: , ,\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &r) != 400)
            fail_msg("'%s': %d, want 400", bad[i], r.status);
    static const char *const good[] = {
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length:  12 \r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 5, 5\r\n\r\n",   /* the same value: 5 */
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nContent-Length: 123456789012345678901234567890\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: Chunked;x=1\r\n\r\n",
        /* empty list elements, which a recipient "MUST parse and ignore"
         * (RFC 9110 5.6.1.2): chunked is still the final coding */
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked,\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: , chunked , ,\t\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: ,\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (parse(good[i], &r) != 200)
            fail_msg("'%s': %d, want 200", good[i], r.status);
    /* Framing that can be read, with a coding before chunked that this
     * server does not decode: "A server that receives a request message
     * with a transfer coding it does not understand SHOULD respond with
     * 501 (Not Implemented)" (RFC 9112 6.1). */
    static const char *const other[] = {
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: gzip, chunked , ,\t\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: g\r\nTransfer-Encoding: x;q=\"a,b\", chunked\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        if (parse(other[i], &r) != 501)
            fail_msg("'%s': %d, want 501", other[i], r.status);
}

/* Percent-encoding in the path (RFC 3986): an escaped unreserved
 * character is that character (2.3, 6.2.2.2), in upper or lower case hex;
 * any other escape is not decoded (%2F is no '/'); a malformed one makes
 * a malformed target (2.1). */
static void test_http_percent(void **state)
{
    struct http_req r;
    (void)state;
    assert_int_equal(parse("GET /%73tats HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_STATS);
    assert_int_equal(parse("GET /st%61%74s HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_STATS);
    assert_int_equal(parse("GET http://g/%73%74%61%74%73?x=%zz HTTP/1.1\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_STATS);
    assert_int_equal(parse("GET /%53tats HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404); /* 'S' */
    assert_int_equal(parse("GET %2Fstats HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400); /* not origin-form */
    assert_int_equal(parse("GET /%2Fstats HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("GET /%2f HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("GET /stats%00 HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("GET /%73tatsxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx HTTP/1.1\r\nHost: g\r\n\r\n", &r), 404);
    assert_int_equal(parse("GET /%7 HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400);
    assert_int_equal(parse("GET /% HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400);
    assert_int_equal(parse("GET /%zzstats HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400);
    assert_int_equal(parse("GET /stats%4 HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400);
}

/* RFC 9112 3.2: "A server MUST respond with a 400 (Bad Request) status
 * code to any HTTP/1.1 request message that lacks a Host header field and
 * to any request message that contains more than one Host header field
 * line or a Host header field with an invalid field value."
 * Host = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2). */
static void test_http_host_value(void **state)
{
    struct http_req r;
    (void)state;
    static const char *const bad[] = {
        "a b", "a/b", "user@g", "g:x", "g:80:81", "a%zz", "[::1", "[::1]x", "g\xe9", "g,h", "g:80 x",
    };
    static const char *const good[] = {
        "g", "g:80", "g:", "", "10.0.2.15", "10.0.2.15:8080", "[::1]", "[::1]:8080", "[v1.x]", "a%2Fb",
        "my-host.example_~!$&'()*+;=", " g ",
    };
    char req[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", bad[i]);
        if (parse(req, &r) != 400)
            fail_msg("Host: '%s': %d, want 400", bad[i], r.status);
        snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", bad[i]);
        if (parse(req, &r) != 400)
            fail_msg("HTTP/1.0, Host: '%s': %d, want 400", bad[i], r.status);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n", good[i]);
        if (parse(req, &r) != 200)
            fail_msg("Host: '%s': %d, want 200", good[i], r.status);
    }
}

/* RFC 9110 2.5: "A recipient that receives a message with a major version
 * number that it implements and a minor version number higher than what it
 * implements SHOULD process the message as if it were in the highest minor
 * version within that major version to which the recipient is conformant";
 * 505 is for "the major version of HTTP that was used in the request
 * message" (15.6.6). */
static void test_http_higher_minor(void **state)
{
    struct http_req r;
    (void)state;
    assert_int_equal(parse("GET /stats HTTP/1.2\r\nHost: g\r\n\r\n", &r), 200);
    assert_int_equal(r.route, HTTP_ROUTE_STATS);
    assert_int_equal(r.minor, 1);
    assert_int_equal(parse("GET / HTTP/1.9\r\n\r\n", &r), 400); /* as 1.1: Host required */
    assert_int_equal(parse("GET / HTTP/2.0\r\nHost: g\r\n\r\n", &r), 505);
    assert_int_equal(parse("GET / HTTP/0.9\r\n\r\n", &r), 505);
}

/* RFC 9110 9.1: "An origin server that receives a request method that is
 * unrecognized or not implemented SHOULD respond with the 501 (Not
 * Implemented) status code.  An origin server that receives a request
 * method that is recognized and implemented, but not allowed for the
 * target resource, SHOULD respond with the 405 (Method Not Allowed)". */
static void test_http_unknown_method(void **state)
{
    struct http_req r;
    (void)state;
    assert_int_equal(parse("BREW /pot HTTP/1.1\r\nHost: g\r\n\r\n", &r), 501);
    assert_int_equal(parse("get / HTTP/1.1\r\nHost: g\r\n\r\n", &r), 501); /* methods are case-sensitive */
    assert_int_equal(parse("GETX / HTTP/1.1\r\nHost: g\r\n\r\n", &r), 501);
    static const char *const known[] = {"POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"};
    char req[64];
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        snprintf(req, sizeof(req), "%s / HTTP/1.1\r\nHost: g\r\n\r\n", known[i]);
        if (parse(req, &r) != 405)
            fail_msg("%s: %d, want 405", known[i], r.status);
    }
    /* CONNECT in its own form, authority-form (RFC 9112 3.2.3), is a
     * well-formed request for a method not allowed here, as OPTIONS * is:
     * 405, not 400; authority-form with another method is malformed */
    assert_int_equal(parse("CONNECT g:443 HTTP/1.1\r\nHost: g:443\r\n\r\n", &r), 405);
    assert_int_equal(parse("CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\n\r\n", &r), 405);
    assert_int_equal(parse("CONNECT g HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400);   /* no port */
    assert_int_equal(parse("CONNECT g:x HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400); /* not a port */
    assert_int_equal(parse("GET g:443 HTTP/1.1\r\nHost: g\r\n\r\n", &r), 400);
    assert_string_equal(http_reason(501), "Not Implemented");
}

/* A head that filled the buffer without its end (httpapp.c): RFC 9112 3,
 * "A server that receives a method longer than any that it implements
 * SHOULD respond with a 501 (Not Implemented) status code.  A server that
 * receives a request-target longer than any URI it wishes to parse MUST
 * respond with a 414 (URI Too Long) status code"; header fields too large:
 * 431 (RFC 6585 5). */
static void test_http_too_large(void **state)
{
    (void)state;
    char buf[2048];
    memset(buf, 'a', sizeof(buf));
    assert_int_equal(http_too_large(buf, sizeof(buf)), 501);
    memcpy(buf, "GET /", 5);
    assert_int_equal(http_too_large(buf, sizeof(buf)), 414);
    memcpy(buf, "\r\n\r\nGET /", 9);
    assert_int_equal(http_too_large(buf, sizeof(buf)), 414);
    memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
    assert_int_equal(http_too_large(buf, sizeof(buf)), 431);
    memset(buf, '\r', sizeof(buf));
    memcpy(buf, "\x01\x02 /", 4);
    assert_int_equal(http_too_large(buf, sizeof(buf)), 400); /* bare CRs: no line end */
    memset(buf, '\n', sizeof(buf));
    assert_int_equal(http_too_large(buf, sizeof(buf)), 431); /* empty lines only */
    assert_string_equal(http_reason(414), "URI Too Long");
}

/* Every prefix and every single-byte change of a valid request: the parser
 * stays inside the bytes it was given (ASan) and answers with a status it
 * knows. */
static void test_http_mutations(void **state)
{
    (void)state;
    const char *base = "GET /stats?q HTTP/1.1\r\nHost: g\r\nX: \t y\r\n\r\n";
    size_t n = strlen(base);
    static const uint8_t subst[] = {0, '\r', '\n', ' ', '\t', ':', '/', '?', 0x7f, 0xff, 'A'};
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < sizeof(subst); k++) {
            char buf[128];
            struct http_req r;
            memcpy(buf, base, n);
            buf[i] = (char)subst[k];
            size_t end = http_head_end(buf, n);
            assert_true(end <= n);
            if (!end)
                continue;
            int st = http_parse(buf, end, &r);
            assert_true(st == 200 || st == 400 || st == 404 || st == 405 || st == 501 || st == 505);
            assert_int_equal(st, r.status);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends),   cmocka_unit_test(test_telnet),
        cmocka_unit_test(test_telnet_hook),
        cmocka_unit_test(test_editing),     cmocka_unit_test(test_http_ok),
        cmocka_unit_test(test_http_percent),
        cmocka_unit_test(test_http_errors), cmocka_unit_test(test_http_mutations),
        cmocka_unit_test(test_http_framing), cmocka_unit_test(test_http_host_value),
        cmocka_unit_test(test_http_higher_minor), cmocka_unit_test(test_http_unknown_method),
        cmocka_unit_test(test_http_too_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
