/*
 * svcparse.h - the pure parsing halves of the TCP shell (apps/shellsrv.c)
 * and the HTTP server (apps/httpapp.c): no TCP, no globals, so the host
 * unit test (test/unit/test_svcparse.c) drives them byte by byte.
 *
 * linein: assembles the shell's input lines from a TCP byte stream.
 *   - A line ends at LF, at CR, or at CR LF / CR NUL (telnet's two forms of
 *     Enter): the LF or NUL right after a CR belongs to that line end, even
 *     when it arrives in a later segment.
 *   - Telnet commands (RFC 854) are no part of the line: IAC (0xff)
 *     followed by WILL/WONT/DO/DONT and an option byte, IAC SB ... IAC SE
 *     (subnegotiation, skipped), any other two-byte IAC command; IAC IAC
 *     (a data byte 0xff) is dropped too, as every byte outside printable
 *     ASCII is.  IAC EC and IAC EL (erase character, erase line) edit the
 *     line as backspace and Ctrl-U do.  Every other command - a
 *     negotiation once its option byte is in, even when the three bytes
 *     came in three segments, and the two-byte ones (AYT, IP, NOP, ...) -
 *     is handed to l->telnet_cmd, if set, to answer (apps/shellsrv.c);
 *     without it, they are just skipped.
 *   - Backspace (0x08) and DEL (0x7f) remove the last character, Ctrl-U
 *     the whole line; other control characters and bytes >= 0x80 are
 *     ignored.
 *   - A line longer than LINEIN_MAX - 1 characters is not cut: the rest is
 *     read and dropped, and the line ends as LINEIN_TOOLONG, which the
 *     shell refuses (as the serial shell does).
 *
 * http: one HTTP/1.1 request head (RFC 9112), parsed once it is complete.
 *   http_head_end() finds where the head ends (the empty line; bare LF is
 *   accepted as a line end, as RFC 9112 2.2 allows, and empty lines before
 *   the request line are skipped); http_parse() then says what to answer:
 *     400  malformed request line or header field (spaces other than one
 *          SP between the three parts, a control character, a bare CR,
 *          whitespace before a field's colon, an obsolete folded line, a
 *          target that is neither origin-form nor absolute-form - nor
 *          OPTIONS's asterisk-form or CONNECT's host:port, which get
 *          405), an
 *          HTTP/1.1 request without exactly one Host field, a Host field
 *          whose value is not host[:port], or a body whose length cannot
 *          be known: an invalid Content-Length (or several that differ)
 *          without Transfer-Encoding, or a Transfer-Encoding whose final
 *          coding is not chunked (RFC 9112 3.2, 6.3);
 *     505  a well-formed HTTP-version whose major version is not 1
 *          (HTTP/1.2 and later minor versions are read as 1.1, RFC 9110
 *          2.5);
 *     501  a method RFC 9110 does not define (nor PATCH): not
 *          implemented for any resource (RFC 9110 9.1); or a transfer
 *          coding other than chunked, which this server does not decode
 *          (RFC 9112 6.1: "gzip, chunked");
 *     405  another method than GET and HEAD (the answer carries
 *          Allow: GET, HEAD);
 *     404  a path other than / and /stats (a query string is ignored;
 *          an escaped unreserved character is that character, RFC 3986
 *          6.2.2.2: /%73tats is /stats; a malformed escape is a 400);
 *     200  GET or HEAD of / or /stats.
 *   A head that does not fit in the caller's buffer is never parsed: the
 *   caller (httpapp.c) answers what http_too_large() says.
 */
#ifndef SVCPARSE_H
#define SVCPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- shell lines -------------------------------------------------------- */

#define LINEIN_MAX 96 /* as the serial shell's line (apps/shell.c) */

/* Telnet command codes (RFC 854, "Telnet command structure"). */
#define TELNET_SE 240   /* end of subnegotiation */
#define TELNET_NOP 241
#define TELNET_DM 242   /* data mark (the end of a Synch) */
#define TELNET_BRK 243
#define TELNET_IP 244   /* interrupt process */
#define TELNET_AO 245   /* abort output */
#define TELNET_AYT 246  /* are you there */
#define TELNET_EC 247   /* erase character */
#define TELNET_EL 248   /* erase line */
#define TELNET_GA 249   /* go ahead */
#define TELNET_SB 250   /* subnegotiation */
#define TELNET_WILL 251
#define TELNET_WONT 252
#define TELNET_DO 253
#define TELNET_DONT 254
#define TELNET_IAC 255
#define TELNET_OPT_TM 6 /* TIMING-MARK (RFC 860) */

enum { LINEIN_MORE, LINEIN_LINE, LINEIN_TOOLONG };

struct linein {
    char buf[LINEIN_MAX]; /* the line, NUL-terminated once complete */
    uint16_t len;
    uint8_t telnet;       /* state of a telnet command being read */
    uint8_t telnet_verb;  /* WILL/WONT/DO/DONT waiting for its option byte */
    bool overflow;        /* characters were lost: LINEIN_TOOLONG at the end */
    bool after_cr;        /* the last line ended with CR: skip one LF or NUL */
    bool complete;        /* a line (or TOOLONG) waits for linein_next() */
    uint8_t result;       /* LINEIN_LINE or LINEIN_TOOLONG while complete */
    /* Set by the owner after linein_init() (NULL: commands are skipped):
     * called from linein_feed() with every telnet command but IAC IAC,
     * SB ... SE, EC and EL, in the order they came - cmd a TELNET_ code,
     * opt the option after WILL/WONT/DO/DONT (0 for the others). */
    void (*telnet_cmd)(void *arg, uint8_t cmd, uint8_t opt);
    void *telnet_arg;
};

void linein_init(struct linein *l);
/* Consume bytes from data up to and including the end of one line.  The
 * count consumed; *ev is LINEIN_MORE (everything consumed, no line yet),
 * LINEIN_LINE (l->buf holds the line) or LINEIN_TOOLONG.  While a line is
 * complete, nothing more is consumed (returns 0 with that event again)
 * until linein_next(). */
size_t linein_feed(struct linein *l, const uint8_t *data, size_t len, int *ev);
/* Done with the complete line: start the next one. */
void linein_next(struct linein *l);

/* ---- HTTP requests ------------------------------------------------------ */

enum http_route { HTTP_ROUTE_NONE, HTTP_ROUTE_ROOT, HTTP_ROUTE_STATS };

struct http_req {
    int status;      /* 200 or the error to answer */
    bool head;       /* HEAD: the answer has no body */
    uint8_t route;   /* enum http_route, with status 200 */
    uint8_t minor;   /* HTTP/1.<minor> when the version parsed */
};

/* The length of the request head in buf[0..len) up to and including its
 * empty line, or 0 when that line has not arrived yet. */
size_t http_head_end(const char *buf, size_t len);
/* Parse a complete head (buf, head_len from http_head_end); fills r and
 * returns r->status. */
int http_parse(const char *buf, size_t head_len, struct http_req *r);
/* What to answer a head that filled buf[0..len) without its end (RFC 9112
 * 3): 501 while the method itself has not ended, 414 while the request
 * line has not (400 if it does not start with a method and SP), else 431
 * (the header fields, RFC 6585 5). */
int http_too_large(const char *buf, size_t len);
/* Does buf[0..len), a head complete or not, start with the method HEAD
 * and its SP?  For an answer decided before the head was parsed (408, 431,
 * a FIN mid-head): to HEAD, it has no content either. */
bool http_is_head(const char *buf, size_t len);
/* The reason phrase of a status this server sends ("Not Found"). */
const char *http_reason(int status);

#endif
