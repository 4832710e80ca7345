/*
 * svcparse.c - see svcparse.h.  Everything here reads untrusted bytes from
 * the network: every index is checked against the length it was given,
 * nothing is written outside the caller's structures.
 */
#include "svcparse.h"

#include <string.h>

/* ---- shell lines -------------------------------------------------------- */

/* Telnet (RFC 854) command bytes. */
#define T_IAC 255
#define T_DONT 254
#define T_DO 253
#define T_WONT 252
#define T_WILL 251
#define T_SB 250
#define T_SE 240

/* linein.telnet: where we are in a command being skipped. */
enum { TN_DATA, TN_IAC, TN_OPTION, TN_SB, TN_SB_IAC };

void linein_init(struct linein *l) { memset(l, 0, sizeof(*l)); }

void linein_next(struct linein *l)
{
    l->len = 0;
    l->buf[0] = '\0';
    l->overflow = false;
    l->complete = false;
}

/* A data byte (telnet commands already removed).  true: it ended a line. */
static bool line_byte(struct linein *l, uint8_t c)
{
    if (l->after_cr) {
        l->after_cr = false;
        if (c == '\n' || c == '\0')
            return false; /* the second half of CR LF / CR NUL */
    }
    if (c == '\r' || c == '\n') {
        l->after_cr = c == '\r';
        l->buf[l->len] = '\0';
        l->complete = true;
        l->result = l->overflow ? LINEIN_TOOLONG : LINEIN_LINE;
        return true;
    }
    if (c == 0x08 || c == 0x7f) {
        if (l->len)
            l->len--;
    } else if (c == 0x15) { /* Ctrl-U */
        l->len = 0;
        l->overflow = false;
    } else if (c >= 32 && c < 127) {
        if (l->len < LINEIN_MAX - 1)
            l->buf[l->len++] = (char)c;
        else
            l->overflow = true;
    }
    return false;
}

size_t linein_feed(struct linein *l, const uint8_t *data, size_t len, int *ev)
{
    size_t i;

    if (l->complete) {
        *ev = l->result;
        return 0;
    }
    for (i = 0; i < len; i++) {
        uint8_t c = data[i];
        switch (l->telnet) {
        case TN_IAC:
            if (c == T_WILL || c == T_WONT || c == T_DO || c == T_DONT)
                l->telnet = TN_OPTION;
            else if (c == T_SB)
                l->telnet = TN_SB;
            else
                l->telnet = TN_DATA; /* IAC IAC (data 0xff, dropped) or a two-byte command */
            continue;
        case TN_OPTION:
            l->telnet = TN_DATA;
            continue;
        case TN_SB:
            if (c == T_IAC)
                l->telnet = TN_SB_IAC;
            continue;
        case TN_SB_IAC:
            l->telnet = c == T_SE ? TN_DATA : TN_SB; /* IAC IAC inside SB: data */
            continue;
        default:
            break;
        }
        if (c == T_IAC) {
            l->telnet = TN_IAC;
            continue;
        }
        if (line_byte(l, c)) {
            *ev = l->result;
            return i + 1;
        }
    }
    *ev = LINEIN_MORE;
    return len;
}

/* ---- HTTP requests ------------------------------------------------------ */

/* The next line of buf[pos..len): its end (the '\n'), or len if none. */
static size_t line_end(const char *buf, size_t pos, size_t len)
{
    const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
    return nl ? (size_t)(nl - buf) : len;
}

/* Is buf[a..b) empty once a trailing CR is removed? */
static bool line_empty(const char *buf, size_t a, size_t b)
{
    return b == a || (b == a + 1 && buf[a] == '\r');
}

/* Skip the empty lines RFC 9112 2.2 lets a client send before a request. */
static size_t skip_empty(const char *buf, size_t len)
{
    size_t pos = 0;
    for (;;) {
        size_t e = line_end(buf, pos, len);
        if (e == len || !line_empty(buf, pos, e))
            return pos;
        pos = e + 1;
    }
}

size_t http_head_end(const char *buf, size_t len)
{
    size_t start = skip_empty(buf, len), pos = start;
    for (;;) {
        size_t e = line_end(buf, pos, len);
        if (e == len)
            return 0;
        if (pos != start && line_empty(buf, pos, e))
            return e + 1;
        pos = e + 1;
    }
}

/* RFC 9110 5.6.2 tchar. */
static bool tchar(char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A character of a request-target: visible ASCII (no SP, no controls). */
static bool target_char(char c) { return c > 32 && c < 127; }

static bool lower_eq(const char *s, size_t n, const char *lit)
{
    if (strlen(lit) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lit[i])
            return false;
    }
    return true;
}

static int finish(struct http_req *r, int status)
{
    r->status = status;
    return status;
}

int http_parse(const char *buf, size_t head_len, struct http_req *r)
{
    size_t pos = skip_empty(buf, head_len), e, i;
    memset(r, 0, sizeof(*r));

    /* request-line = method SP request-target SP HTTP-version */
    e = line_end(buf, pos, head_len);
    if (e == head_len)
        return finish(r, 400);
    size_t end = e > pos && buf[e - 1] == '\r' ? e - 1 : e;
    const char *m = buf + pos;
    size_t mlen = 0;
    while (pos + mlen < end && tchar(m[mlen]))
        mlen++;
    if (mlen == 0 || pos + mlen >= end || m[mlen] != ' ')
        return finish(r, 400);
    size_t t = pos + mlen + 1, tlen = 0;
    while (t + tlen < end && target_char(buf[t + tlen]))
        tlen++;
    if (tlen == 0 || t + tlen >= end || buf[t + tlen] != ' ')
        return finish(r, 400);
    size_t v = t + tlen + 1;
    if (end - v != 8)
        return finish(r, 400);
    const char *ver = buf + v;
    if (memcmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' || ver[6] != '.' || ver[7] < '0' ||
        ver[7] > '9')
        return finish(r, 400);

    /* The target: origin-form "/path[?query]" or absolute-form
     * "http://authority/path" (RFC 9112 3.2); asterisk-form and
     * authority-form belong to OPTIONS and CONNECT, refused below. */
    const char *path = buf + t;
    size_t plen = tlen;
    bool target_ok = true;
    if (plen >= 7 && lower_eq(path, 7, "http://")) {
        size_t k = 7;
        while (k < plen && path[k] != '/' && path[k] != '?')
            k++;
        if (k == 7)
            target_ok = false; /* no authority */
        path += k;
        plen -= k;
    } else if (path[0] != '/' && !(plen == 1 && path[0] == '*')) {
        target_ok = false;
    }
    for (i = 0; i < plen; i++)
        if (path[i] == '?' || path[i] == '#')
            break;
    plen = i;

    /* header fields: name ":" OWS value OWS, until the empty line */
    unsigned hosts = 0;
    pos = e + 1;
    for (;;) {
        e = line_end(buf, pos, head_len);
        if (e == head_len)
            return finish(r, 400); /* not a complete head */
        end = e > pos && buf[e - 1] == '\r' ? e - 1 : e;
        if (end == pos)
            break;
        size_t nlen = 0;
        while (pos + nlen < end && tchar(buf[pos + nlen]))
            nlen++;
        if (nlen == 0 || pos + nlen >= end || buf[pos + nlen] != ':')
            return finish(r, 400); /* folded line, space before ':', no ':' */
        for (i = pos + nlen + 1; i < end; i++) {
            unsigned char c = (unsigned char)buf[i];
            if ((c < 32 && c != '\t') || c == 127)
                return finish(r, 400); /* a bare CR among them */
        }
        if (lower_eq(buf + pos, nlen, "host"))
            hosts++;
        pos = e + 1;
    }
    if (!target_ok)
        return finish(r, 400);
    if (ver[5] != '1' || (ver[7] != '0' && ver[7] != '1'))
        return finish(r, 505);
    r->minor = (uint8_t)(ver[7] - '0');
    if (r->minor == 1 && hosts != 1)
        return finish(r, 400); /* RFC 9112 3.2 */
    if (hosts > 1)
        return finish(r, 400);
    if (mlen == 4 && memcmp(m, "HEAD", 4) == 0)
        r->head = true;
    else if (!(mlen == 3 && memcmp(m, "GET", 3) == 0))
        return finish(r, 405);
    if (plen && path[0] == '*')
        return finish(r, 400); /* asterisk-form is for OPTIONS only */
    if (plen == 0 || (plen == 1 && path[0] == '/')) /* "http://host" is "/" */
        r->route = HTTP_ROUTE_ROOT;
    else if (plen == 6 && memcmp(path, "/stats", 6) == 0)
        r->route = HTTP_ROUTE_STATS;
    else
        return finish(r, 404);
    return finish(r, 200);
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Error";
}
