/*
 * shellsrv.c - see shellsrv.h.  A plain user of net/tcp.h: each session
 * is a slot in a static table; the TCP callbacks only move bytes (input
 * into the session's line, output from its buffer into TCP) and set flags;
 * shellsrv_poll() in the main loop runs the commands.
 */
#include "shellsrv.h"

#include <stddef.h>
#include <string.h>

#include "app.h"
#include "kprintf.h"
#include "netif.h"
#include "svcparse.h"
#include "tcp.h"
#include "timer/timer.h"

#define PROMPT "vbare> "
/* Room kept free in the output buffer for the "output lost" line and the
 * prompt after a command whose output overflowed. */
#define TAIL_ROOM 128u

_Static_assert(SHELLSRV_OUT_BUF > 2 * TAIL_ROOM, "SHELLSRV_OUT_BUF");

struct session {
    struct tcp_conn *c; /* NULL: the connection is gone */
    bool used;          /* the slot is taken (until c is gone and nothing runs) */
    bool line_ready;    /* in.buf holds a line for shellsrv_poll() */
    bool eof;           /* the peer closed its direction */
    bool quit;          /* exit: close once the output is out */
    bool closing;       /* tcp_close() done */
    bool running;       /* a command of this session runs now */
    bool interrupt;     /* its command met a Ctrl-C in what TCP holds (session_interrupted) */
    bool capturing;     /* output is a command's (counted against TAIL_ROOM) */
    bool answered;      /* s_recv: a telnet answer was queued, to be flushed */
    struct linein in;
    size_t out_start, out_end; /* unsent output: out[out_start..out_end) */
    uint32_t lost;             /* bytes the current command lost */
    uint64_t active_ms;        /* last input from the peer */
    char out[SHELLSRV_OUT_BUF];
};

static struct session sessions[SHELLSRV_SESSIONS];
static struct shellsrv_stats stats;

static uint64_t now_ms(void) { return timer_ms(); }

/* Hand what TCP takes of the session's output to it. */
static void flush(struct session *s)
{
    while (s->c && s->out_start < s->out_end) {
        int n = tcp_send(s->c, s->out + s->out_start, s->out_end - s->out_start);
        if (n <= 0)
            break;
        s->out_start += (size_t)n;
    }
    if (s->out_start == s->out_end)
        s->out_start = s->out_end = 0;
}

/* Queue output, LF as CR LF.  A command's output stops TAIL_ROOM short of
 * the end (the rest is counted as lost); the shell's own lines may use it.
 * Once a command has lost output, the rest of its output is lost too, even
 * when ACKs have made room meanwhile (a command that polls the network, as
 * ping does): taken up again, it would follow the cut piece with no sign
 * of the hole between them. */
static void put(struct session *s, const char *p, size_t n)
{
    size_t limit = s->capturing ? SHELLSRV_OUT_BUF - TAIL_ROOM : SHELLSRV_OUT_BUF;
    if (!s->c) /* nobody to read it */
        return;
    if (s->capturing && s->lost) {
        s->lost += (uint32_t)n;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t need = p[i] == '\n' ? 2 : 1;
        if (s->out_end + need > limit && s->out_start > 0) {
            memmove(s->out, s->out + s->out_start, s->out_end - s->out_start);
            s->out_end -= s->out_start;
            s->out_start = 0;
        }
        if (s->out_end + need > limit) {
            size_t held = s->out_end - s->out_start;
            flush(s); /* TCP may take some now (all of it: then flush empties the buffer) */
            if (s->out_end - s->out_start < held) {
                i--; /* compact and retry this byte */
                continue;
            }
            s->lost += (uint32_t)(n - i);
            return;
        }
        if (p[i] == '\n')
            s->out[s->out_end++] = '\r';
        s->out[s->out_end++] = p[i];
    }
}

static void puts_s(struct session *s, const char *str) { put(s, str, strlen(str)); }

/* ---- telnet (RFC 854, 855, 860, 1143) ---------------------------------------- */

/* Queue a telnet answer: raw (an option byte 10 is no LF to make CR LF
 * of), all of it or nothing - a cut IAC sequence would turn the peer's
 * reading of what follows into nonsense.  Answers come only while input is
 * read (s_recv), never while a command runs, so the whole buffer is
 * theirs, TAIL_ROOM included.  When the buffer and TCP's send buffer are
 * both full (a peer that sends requests and reads nothing), the answer is
 * dropped and counted (stats.telnet_dropped): a peer that asks faster than
 * it reads loses answers, and a flood of requests costs the session
 * neither memory nor a wait (nor input stalled behind it). */
static void answer(struct session *s, const void *p, size_t n)
{
    if (!s->c)
        return;
    if (s->out_end + n > SHELLSRV_OUT_BUF) {
        flush(s); /* TCP may take some (all: then flush empties the buffer) */
        if (s->out_start > 0) {
            memmove(s->out, s->out + s->out_start, s->out_end - s->out_start);
            s->out_end -= s->out_start;
            s->out_start = 0;
        }
        if (s->out_end + n > SHELLSRV_OUT_BUF) {
            stats.telnet_dropped++;
            return;
        }
    }
    memcpy(s->out + s->out_end, p, n);
    s->out_end += n;
    s->answered = true;
}

static void answer3(struct session *s, uint8_t verb, uint8_t opt)
{
    const uint8_t a[3] = {TELNET_IAC, verb, opt};
    answer(s, a, sizeof(a));
}

/* The line editor's hook (svcparse.h): a telnet command from the peer, in
 * the order it came.  Commands after a line's end stay in TCP until that
 * line has run (s_recv), so an answer follows the output of every line
 * before it.
 *
 * We offer no option and accept none - the session is plain NVT, which is
 * what nc gets too (and no negotiation is started from here, so nc sees
 * not a byte of it).  RFC 1143's Q method with every option kept off:
 * DO x is refused with WONT x, WILL x with DONT x, every time one comes
 * (RFC 854, "General considerations" b: "It is required that a response
 * be sent to requests for a change of mode"); WONT x and DONT x ask for
 * the state we are in and get no answer - answering them is the endless
 * loop that same rule b, and RFC 1143, are there to prevent.
 *
 * TIMING-MARK (RFC 860) is not an option that is on or off but a mark in
 * the stream: DO TM is answered WILL TM, here, after the output of
 * everything received before it (BSD telnet sends it after IAC IP and
 * throws output away until the mark comes back).  A WILL TM from the
 * peer would be the answer to a DO TM of ours; we never send one, so it
 * is ignored, and RFC 860 section 2's DONT TM ("a WILL TIMING-MARK ... has
 * been IGNORED") tells it so - which is also what the refusal of any WILL
 * says.
 *
 * AYT: some visible evidence (RFC 854).  EC and EL the line editor
 * applies itself.  IP keeps its meaning: while a command runs it is seen
 * in TCP's buffer (has_interrupt); at the prompt there is nothing to
 * interrupt.  NOP, DM (we do not look for the urgent Synch), BRK, AO
 * (output is not held back: there is little to abort), GA (we are full
 * duplex) and the codes RFC 854 does not define are ignored. */
static void telnet_cmd(void *arg, uint8_t cmd, uint8_t opt)
{
    struct session *s = arg;
    static const char ayt[] = "\r\n[vbare: yes]\r\n";
    switch (cmd) {
    case TELNET_DO:
        answer3(s, opt == TELNET_OPT_TM ? TELNET_WILL : TELNET_WONT, opt);
        break;
    case TELNET_WILL:
        answer3(s, TELNET_DONT, opt);
        break;
    case TELNET_AYT:
        answer(s, ayt, sizeof(ayt) - 1);
        break;
    default: /* WONT, DONT: no answer (above); IP, NOP, DM, BRK, AO, GA, others: ignored */
        break;
    }
}

/* kprintf_set_capture's hook while a session's command runs.  TCP sends
 * each tcp_send() as a segment of its own (no Nagle, tcp.h) and a command
 * prints in pieces (a hexdump line is 35 kprintf calls): the output goes
 * to TCP only when TCP has nothing of ours unacknowledged; otherwise it
 * gathers here and leaves on the sent callback (an ACK: ping's lines, as
 * the network is polled), when the buffer fills (put), or at the
 * command's end (run). */
static void capture(void *arg, const char *p, size_t n)
{
    struct session *s = arg;
    put(s, p, n);
    if (s->c && tcp_sndbuf(s->c) == TCP_SND_BUF)
        flush(s);
}

/* Ctrl-C in what the peer sent and the session has not read yet (held in
 * TCP while a command runs, in two pieces where TCP's ring wraps): the byte
 * 3, as nc sends it with the terminal in raw mode, or telnet's IAC IP
 * (RFC 854).  Telnet's other commands are stepped over, so that an option
 * 3 (SUPPRESS-GO-AHEAD) in a negotiation or an escaped 0xff 0xf4 is not
 * taken for one.  The line editor ignores both forms afterwards. */
static bool has_interrupt(const uint8_t *p1, size_t n1, const uint8_t *p2, size_t n2)
{
    size_t n = n1 + n2;
#define AT(i) ((i) < n1 ? p1[(i)] : p2[(i) - n1])
    for (size_t i = 0; i < n; i++) {
        if (AT(i) == 0x03)
            return true;
        if (AT(i) != 0xff || i + 1 >= n)
            continue;
        uint8_t cmd = AT(i + 1);
        if (cmd == 0xf4)
            return true;                  /* IAC IP */
        if (cmd >= 0xfb && cmd <= 0xfe) { /* IAC WILL/WONT/DO/DONT option */
            i += 2;
        } else if (cmd == 0xfa) {         /* IAC SB ... IAC SE */
            /* Inside, IAC and the byte after it go together (IAC IAC is a
             * data 0xff, so IAC IAC SE ends nothing), as in the line editor. */
            for (i += 2; i + 1 < n && !(AT(i) == 0xff && AT(i + 1) == 0xf0); i++)
                if (AT(i) == 0xff)
                    i++;
            i++;
        } else {
            i++;                          /* IAC IAC (a data 0xff), other commands */
        }
    }
#undef AT
    return false;
}

/* A running command's interrupt check (shell_run_line): Ctrl-C, or the
 * connection gone (a reset, or the peer's close answered with one when
 * the command's next output reached it).  What arrives while the command
 * runs stays in TCP (s_recv), so it is looked at there, all of it - also
 * a Ctrl-C that came before the command started. */
static bool session_interrupted(void *arg)
{
    struct session *s = arg;
    const uint8_t *p1, *p2;
    size_t n1, n2;
    if (s->c == NULL)
        return true;
    if (!s->interrupt && tcp_recv_peek(s->c, &p1, &n1, &p2, &n2))
        s->interrupt = has_interrupt(p1, n1, p2, n2);
    return s->interrupt;
}

/* ---- TCP callbacks --------------------------------------------------------- */

/* One set of callbacks for every connection on the port: arg is the
 * session, or NULL for a connection refused for want of a free one. */
static size_t s_recv(void *arg, struct tcp_conn *c, const uint8_t *data, size_t len)
{
    struct session *s = arg;
    int ev;
    (void)c;
    if (s == NULL)
        return len; /* refused: discarded while it closes */
    if (data == NULL) {
        s->eof = true;
        return 0;
    }
    if (s->quit)
        return len; /* leaving: whatever follows exit is dropped */
    s->active_ms = now_ms();
    if (s->line_ready || s->running)
        return 0; /* stays in TCP's receive buffer until the line has run
                   * (a command that polls the network, as ping does, may
                   * bring more while s->in still holds its line) */
    s->answered = false;
    size_t used = linein_feed(&s->in, data, len, &ev);
    if (ev != LINEIN_MORE)
        s->line_ready = true;
    if (s->answered)
        flush(s); /* telnet answers (telnet_cmd): now, all in one segment, not at the next poll */
    return used;
}

static void s_sent(void *arg, struct tcp_conn *c, size_t acked)
{
    (void)c;
    (void)acked;
    if (arg)
        flush(arg);
}

static void s_closed(void *arg, struct tcp_conn *c, int err)
{
    struct session *s = arg;
    (void)c;
    (void)err;
    if (s == NULL)
        return;
    s->c = NULL;
    s->out_start = s->out_end = 0;
    if (!s->running)
        s->used = false;
}

static void s_established(void *arg, struct tcp_conn *c)
{
    (void)arg;
    for (unsigned i = 0; i < SHELLSRV_SESSIONS; i++) {
        struct session *s = &sessions[i];
        if (s->used)
            continue;
        s->c = c;
        s->used = true;
        s->line_ready = s->eof = s->quit = s->closing = s->running = s->capturing = s->interrupt = s->answered = false;
        s->out_start = s->out_end = 0;
        s->lost = 0;
        s->active_ms = now_ms();
        linein_init(&s->in);
        s->in.telnet_cmd = telnet_cmd;
        s->in.telnet_arg = s;
        tcp_set_arg(c, s);
        stats.sessions++;
        puts_s(s, "vbare shell: help for the commands, exit to leave\n" PROMPT);
        flush(s);
        return;
    }
    char msg[80];
    int n = ksnprintf(msg, sizeof(msg), "vbare: too many shell sessions (%u); try again later\r\n",
                      (unsigned)SHELLSRV_SESSIONS);
    stats.refused++;
    tcp_set_arg(c, NULL);
    if (n > 0)
        tcp_send(c, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
    tcp_close(c);
}

static const struct tcp_callbacks shell_cb = {
    .established = s_established, .recv = s_recv, .sent = s_sent, .closed = s_closed};

/* ---- the main loop's part ---------------------------------------------------- */

static bool is_word(const char *l, const char *w)
{
    while (*l == ' ')
        l++;
    size_t n = strlen(w);
    if (strncmp(l, w, n) != 0)
        return false;
    for (l += n; *l == ' '; l++)
        ;
    return *l == '\0';
}

static void run(struct session *s)
{
    s->line_ready = false;
    if (s->in.result == LINEIN_TOOLONG) {
        stats.too_long++;
        char msg[96];
        ksnprintf(msg, sizeof(msg), "line too long: at most %d characters; nothing was run\n", LINEIN_MAX - 1);
        puts_s(s, msg);
    } else if (is_word(s->in.buf, "exit") || is_word(s->in.buf, "quit")) {
        s->quit = true;
        puts_s(s, "bye\n");
    } else {
        stats.commands++;
        s->running = true;
        s->capturing = true;
        s->interrupt = false;
        s->lost = 0;
        kprintf_set_capture(capture, s);
        shell_run_line(s->in.buf, session_interrupted, s);
        kprintf_set_capture(NULL, NULL);
        s->capturing = false;
        s->running = false;
        if (s->lost && s->c) {
            char msg[TAIL_ROOM - 16];
            ksnprintf(msg, sizeof(msg), "[shell: %lu bytes of output lost: more than the %u-byte session buffer]\n",
                      (unsigned long)s->lost, (unsigned)SHELLSRV_OUT_BUF);
            stats.truncated++;
            stats.lost_bytes += s->lost;
            puts_s(s, msg);
        }
    }
    linein_next(&s->in);
    if (!s->c) { /* gone while the command ran */
        s->used = false;
        return;
    }
    if (!s->quit)
        puts_s(s, PROMPT);
    flush(s);
    tcp_recv_resume(s->c); /* the rest of what arrived (may complete a line) */
}

void shellsrv_poll(void)
{
    for (unsigned i = 0; i < SHELLSRV_SESSIONS; i++) {
        struct session *s = &sessions[i];
        if (!s->used)
            continue;
        if (s->line_ready && s->c)
            run(s);
        if (!s->used || !s->c)
            continue;
        flush(s);
        if (now_ms() - s->active_ms >= SHELLSRV_IDLE_MS) {
            stats.idle_closed++;
            tcp_abort(s->c); /* no closed callback after this */
            s->c = NULL;
            s->used = false;
            continue;
        }
        if (!s->closing && (s->quit || s->eof) && !s->line_ready && s->out_end == 0) {
            s->closing = true;
            tcp_close(s->c); /* FIN after what TCP holds; freed by s_closed */
        }
    }
}

bool shellsrv_busy(void)
{
    for (unsigned i = 0; i < SHELLSRV_SESSIONS; i++)
        if (sessions[i].used && sessions[i].c && sessions[i].line_ready)
            return true;
    return false;
}

unsigned shellsrv_active(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < SHELLSRV_SESSIONS; i++)
        n += sessions[i].used;
    return n;
}

const struct shellsrv_stats *shellsrv_get_stats(void) { return &stats; }

bool shellsrv_start(struct netif *nif)
{
    if (app_bootarg("tcp_shell=off"))
        return false;
    return tcp_listen(nif, SHELLSRV_PORT, &shell_cb, NULL) == 0;
}
