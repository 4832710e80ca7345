/*
 * svcparse.c - see svcparse.h.  Everything here reads untrusted bytes from
 * the network: every index is checked against the length it was given,
 * nothing is written outside the caller's structures.
 */
#include "svcparse.h"

#include <string.h>

/* ---- shell lines -------------------------------------------------------- */

/* linein.telnet: where we are in a telnet command. */
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

/* IAC EC and IAC EL (RFC 854, "Standard representation of control
 * functions"): delete the last character not yet deleted, and everything
 * back to the last CR LF - as backspace and Ctrl-U do here.  after_cr is
 * left alone: a command is no data byte, so it neither is nor breaks the
 * LF or NUL of a CR pair. */
static void erase(struct linein *l, bool line)
{
    if (line) {
        l->len = 0;
        l->overflow = false;
    } else if (l->len) {
        l->len--;
    }
}

/* A whole telnet command for the owner, if it wants them. */
static void telnet_cmd(struct linein *l, uint8_t cmd, uint8_t opt)
{
    if (l->telnet_cmd)
        l->telnet_cmd(l->telnet_arg, cmd, opt);
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
            l->telnet = TN_DATA;
            if (c == TELNET_WILL || c == TELNET_WONT || c == TELNET_DO || c == TELNET_DONT) {
                l->telnet = TN_OPTION;
                l->telnet_verb = c;
            } else if (c == TELNET_SB) {
                l->telnet = TN_SB;
            } else if (c == TELNET_EC || c == TELNET_EL) {
                erase(l, c == TELNET_EL);
            } else if (c != TELNET_IAC) { /* IAC IAC: data 0xff, dropped */
                telnet_cmd(l, c, 0);      /* a two-byte command (or an unknown one) */
            }
            continue;
        case TN_OPTION:
            l->telnet = TN_DATA;
            telnet_cmd(l, l->telnet_verb, c);
            continue;
        case TN_SB:
            if (c == TELNET_IAC)
                l->telnet = TN_SB_IAC;
            continue;
        case TN_SB_IAC:
            l->telnet = c == TELNET_SE ? TN_DATA : TN_SB; /* IAC IAC inside SB: data */
            continue;
        default:
            break;
        }
        if (c == TELNET_IAC) {
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

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

/* buf[a..b) without the optional whitespace around it. */
static void trim_ows(const char *buf, size_t *a, size_t *b)
{
    while (*a < *b && (buf[*a] == ' ' || buf[*a] == '\t'))
        (*a)++;
    while (*b > *a && (buf[*b - 1] == ' ' || buf[*b - 1] == '\t'))
        (*b)--;
}

/* unreserved or sub-delims (RFC 3986 2.2, 2.3), but ',': a list of hosts
 * is no host. */
static bool host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           (c && strchr("-._~!$&'()*+;=", c) != NULL);
}

/* Host = uri-host [ ":" port ] (RFC 9110 7.2): IP-literal "[...]", or a
 * reg-name / IPv4address of unreserved, pct-encoded and sub-delims
 * characters (RFC 3986 3.2.2), possibly empty; port = *DIGIT. */
static bool host_valid(const char *s, size_t n)
{
    size_t i = 0;
    if (n && s[0] == '[') {
        for (i = 1; i < n && s[i] != ']'; i++) /* IPv6address or IPvFuture: no more checked */
            if (!(host_char(s[i]) || s[i] == ':' || s[i] == ','))
                return false;
        if (i == n || i == 1)
            return false;
        i++;
    } else {
        for (; i < n && s[i] != ':'; i++) {
            char c = s[i];
            if (c == '%') {
                if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
                    return false;
                i += 2;
            } else if (!host_char(c)) {
                return false;
            }
        }
    }
    if (i < n && s[i++] != ':')
        return false;
    for (; i < n; i++)
        if (!is_digit(s[i]))
            return false;
    return true;
}

/* authority-form = uri-host ":" port (RFC 9112 3.2.3), CONNECT's target:
 * a host and a port that is there and a number CONNECT can use (RFC 9110
 * 9.3.6: an empty or invalid one is a bad request). */
static bool authority_form(const char *s, size_t n)
{
    size_t i = n;
    unsigned long port = 0, scale = 1;
    while (i > 0 && is_digit(s[i - 1]) && n - i < 5) {
        port += (unsigned long)(s[i - 1] - '0') * scale;
        scale *= 10;
        i--;
    }
    if (i == n || i < 2 || s[i - 1] != ':' || port > 65535)
        return false; /* no port, a longer one, or no host before it */
    return host_valid(s, n);
}

/* Content-Length = 1*DIGIT, or a list of the same value repeated (RFC
 * 9112 6.3 rule 5).  Checked against *cl (a previous field's value, cl_len
 * 0 before the first), which it then holds: the digits without leading
 * zeros.  false: invalid, or a value other than an earlier one. */
static bool content_length_ok(const char *buf, size_t a, size_t b, const char **cl, size_t *cl_len)
{
    for (;;) {
        size_t e = a;
        while (e < b && buf[e] != ',')
            e++;
        size_t x = a, y = e;
        trim_ows(buf, &x, &y);
        if (x == y)
            return false;
        for (size_t i = x; i < y; i++)
            if (!is_digit(buf[i]))
                return false;
        while (y - x > 1 && buf[x] == '0')
            x++;
        if (*cl_len && (*cl_len != y - x || memcmp(*cl, buf + x, y - x) != 0))
            return false;
        *cl = buf + x;
        *cl_len = y - x;
        if (e == b)
            return true;
        a = e + 1;
    }
}

/* The last transfer coding of a Transfer-Encoding field's value: 1 when it
 * is chunked, 0 when it is another, -1 when the value lists none.  Empty
 * list elements ("chunked, ") are skipped: a recipient "MUST parse and
 * ignore" them (RFC 9110 5.6.1.2), so they do not hide the final coding. */
static int last_coding_chunked(const char *buf, size_t a, size_t b)
{
    while (b > a) {
        size_t x = b;
        while (x > a && buf[x - 1] != ',')
            x--;
        size_t y = b;
        for (size_t i = x; i < b; i++)
            if (buf[i] == ';') { /* transfer-parameters */
                y = i;
                break;
            }
        size_t ex = x, eb = b;
        trim_ows(buf, &ex, &eb);
        if (ex < eb) { /* not an empty element */
            trim_ows(buf, &x, &y);
            return lower_eq(buf + x, y - x, "chunked");
        }
        b = x > a ? x - 1 : a; /* before its comma */
    }
    return -1;
}

/* Does a Transfer-Encoding field's value list a coding other than chunked
 * (parameters and empty list elements aside)?  This server decodes none:
 * "A server that receives a request message with a transfer coding it
 * does not understand SHOULD respond with 501 (Not Implemented)" (RFC
 * 9112 6.1). */
static bool other_coding(const char *buf, size_t a, size_t b)
{
    while (a < b) {
        size_t x = a;
        while (x < b && buf[x] != ',')
            x++;
        size_t ea = a, eb = x;
        for (size_t i = a; i < x; i++)
            if (buf[i] == ';') { /* transfer-parameters */
                eb = i;
                break;
            }
        trim_ows(buf, &ea, &eb);
        if (ea < eb && !lower_eq(buf + ea, eb - ea, "chunked"))
            return true;
        a = x + 1;
    }
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The path, percent-decoded where that changes nothing else: %XX of an
 * unreserved character (RFC 3986 2.3: "URIs that differ in the
 * replacement of an unreserved character with its corresponding
 * percent-encoded US-ASCII octet are equivalent", 6.2.2.2) is that
 * character; any other escape stays as written (%2F is not a '/').  At
 * most cap bytes; -1 for a malformed escape (pct-encoded = "%" HEXDIG
 * HEXDIG, 2.1) or a path that does not fit - not one of ours either way. */
static long path_normal(const char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '%') {
            if (n - i < 3 || hexval(p[i + 1]) < 0 || hexval(p[i + 2]) < 0)
                return -1;
            int v = hexval(p[i + 1]) * 16 + hexval(p[i + 2]);
            bool unreserved = (v >= 'A' && v <= 'Z') || (v >= 'a' && v <= 'z') || (v >= '0' && v <= '9') ||
                              v == '-' || v == '.' || v == '_' || v == '~';
            if (unreserved) {
                c = (char)v;
                i += 2;
            } else {
                if (o + 3 > cap)
                    return -1;
                out[o++] = '%';
                out[o++] = p[i + 1];
                out[o++] = p[i + 2];
                i += 2;
                continue;
            }
        }
        if (o + 1 > cap)
            return -1;
        out[o++] = c;
    }
    return (long)o;
}

/* The methods RFC 9110 9.3 defines, and PATCH (RFC 5789): recognized, so
 * 405 rather than 501. */
static bool method_known(const char *m, size_t n)
{
    static const char *const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
                                        "PATCH"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i]) == n && memcmp(m, known[i], n) == 0)
            return true;
    return false;
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
    /* Known before anything else is checked: the answer to a HEAD has no
     * content whatever its status (RFC 9110 9.3.2, RFC 9112 6.3 rule 1). */
    r->head = mlen == 4 && memcmp(m, "HEAD", 4) == 0;
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
     * authority-form belong to OPTIONS and CONNECT, methods refused below
     * (405), and with another method are malformed (400). */
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
    } else if (mlen == 7 && memcmp(m, "CONNECT", 7) == 0 && path[0] != '/') {
        target_ok = authority_form(path, plen); /* answered 405 below */
    } else if (path[0] != '/' && !(plen == 1 && path[0] == '*')) {
        target_ok = false;
    }
    for (i = 0; i < plen; i++)
        if (path[i] == '?' || path[i] == '#')
            break;
    plen = i;

    /* header fields: name ":" OWS value OWS, until the empty line */
    unsigned hosts = 0;
    bool host_bad = false, te = false, te_chunked = false, te_other = false, cl_bad = false;
    const char *cl = NULL;
    size_t cl_len = 0;
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
        size_t va = pos + nlen + 1, vb = end;
        trim_ows(buf, &va, &vb);
        if (lower_eq(buf + pos, nlen, "host")) {
            hosts++;
            if (!host_valid(buf + va, vb - va))
                host_bad = true;
        } else if (lower_eq(buf + pos, nlen, "content-length")) {
            if (!content_length_ok(buf, va, vb, &cl, &cl_len))
                cl_bad = true;
        } else if (lower_eq(buf + pos, nlen, "transfer-encoding")) {
            te = true; /* the last coding listed, in any field, is the final one */
            int last = last_coding_chunked(buf, va, vb);
            if (last >= 0)
                te_chunked = last == 1;
            if (other_coding(buf, va, vb))
                te_other = true;
        }
        pos = e + 1;
    }
    if (!target_ok)
        return finish(r, 400);
    if (ver[5] != '1')
        return finish(r, 505); /* 505 is for the major version (RFC 9110 15.6.6) */
    /* a higher minor version is processed as 1.1 (RFC 9110 2.5) */
    r->minor = (uint8_t)(ver[7] == '0' ? 0 : 1);
    if (r->minor == 1 && hosts != 1)
        return finish(r, 400); /* RFC 9112 3.2 */
    if (hosts > 1 || host_bad)
        return finish(r, 400); /* RFC 9112 3.2: an invalid Host value */
    if (te ? !te_chunked : cl_bad)
        return finish(r, 400); /* RFC 9112 6.3: framing that cannot be read */
    if (te_other)
        return finish(r, 501); /* RFC 9112 6.1: a coding we do not decode (gzip, chunked) */
    if (!r->head && !(mlen == 3 && memcmp(m, "GET", 3) == 0))
        return finish(r, method_known(m, mlen) ? 405 : 501); /* RFC 9110 9.1 */
    if (plen && path[0] == '*')
        return finish(r, 400); /* asterisk-form is for OPTIONS only */
    /* A malformed escape is a malformed target (RFC 3986 2.1). */
    for (i = 0; i < plen; i++)
        if (path[i] == '%' && (plen - i < 3 || hexval(path[i + 1]) < 0 || hexval(path[i + 2]) < 0))
            return finish(r, 400);
    char np[8]; /* our longest path, "/stats", and more: a longer one is not ours */
    long nlen = path_normal(path, plen, np, sizeof(np));
    if (plen == 0 || (nlen == 1 && np[0] == '/')) /* "http://host" is "/" */
        r->route = HTTP_ROUTE_ROOT;
    else if (nlen == 6 && memcmp(np, "/stats", 6) == 0)
        r->route = HTTP_ROUTE_STATS;
    else
        return finish(r, 404);
    return finish(r, 200);
}

int http_too_large(const char *buf, size_t len)
{
    size_t pos = skip_empty(buf, len);
    if (pos == len || line_end(buf, pos, len) != len)
        return 431; /* the request line is whole: the header section is too large */
    while (pos < len && tchar(buf[pos]))
        pos++;
    if (pos == len)
        return 501; /* a method longer than any implemented (RFC 9112 3) */
    if (buf[pos] != ' ')
        return 400; /* no method, then SP: not a request line */
    return 414;     /* the request-target (RFC 9112 3) */
}

bool http_is_head(const char *buf, size_t len)
{
    size_t pos = skip_empty(buf, len);
    return len - pos >= 5 && memcmp(buf + pos, "HEAD ", 5) == 0;
}

const char *http_reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    }
    return "Error";
}
