/*
 * shellsrv.h - the console shell over TCP on port 23: plain TCP for nc, and
 * a minimal telnet server (RFC 854) for a telnet client.
 *
 *   nc 192.0.2.2 23         a "vbare> " prompt; every shell command, its
 *                           output to this session; exit or quit closes it
 *   telnet 192.0.2.2 23     the same, in the client's line mode
 *
 * Sessions: SHELLSRV_SESSIONS (4) at once, each with its own line (as the
 * serial shell's, 95 characters) and its own output buffer
 * (SHELLSRV_OUT_BUF, 16 KiB).  A connection beyond the limit gets one line
 * ("vbare: too many shell sessions (4); try again later") and is closed.
 * Lines end with LF, CR LF or CR NUL (apps/svcparse.h); output lines end
 * with CR LF (telnet's network virtual terminal).  Nothing is echoed: nc
 * and telnet echo locally.
 *
 * Telnet: the server starts no negotiation, so nc gets nothing but the
 * shell's own bytes.  Every option is refused (RFC 855, RFC 1143's rule
 * against loops): IAC DO x is answered IAC WONT x, IAC WILL x IAC DONT x;
 * IAC WONT x and IAC DONT x, which leave the option off as it is, get no
 * answer.  IAC DO TIMING-MARK (RFC 860) is answered IAC WILL TIMING-MARK
 * after the output of every line received before it; a WILL TIMING-MARK
 * (we never ask for one) gets DONT TIMING-MARK.  IAC AYT gets
 * "\r\n[vbare: yes]\r\n"; IAC EC and IAC EL erase a character and the line
 * being typed, as backspace and Ctrl-U do; IAC IP is Ctrl-C (below);
 * IAC IAC is a data byte 0xff (dropped, as every byte outside printable
 * ASCII); subnegotiation (SB ... SE), NOP, DM, BRK, AO and GA are
 * ignored.  The answers share the session's output buffer: a peer that
 * floods requests and does not read the answers has them dropped once
 * that buffer and TCP's are full (counted, telnet_dropped) - never more
 * memory, never a wait.  Output is not escaped: a 0xff in what a command
 * prints would go out as it is, not as IAC IAC (the commands print text;
 * nc gets the same bytes as before).
 *
 * Commands never run inside a TCP callback (a command may poll the
 * network itself, as ping does): the callback stops reading at the end of
 * a line, and shellsrv_poll() runs that line from the main loop, then
 * reads on.  While it runs, everything the firmware prints through kprintf
 * goes to that session instead of the serial console
 * (kprintf_set_capture(), lib/kprintf.h) - a DHCP renewal line that
 * happens to be printed then included.  The main loop is busy for as long
 * as the command lasts (ping: up to its count in seconds), so other
 * sessions and the serial shell wait for it - until Ctrl-C from the session
 * (the byte 3, or telnet's IAC IP) stops it, or the session ends: a reset,
 * or a peer that closed and answers the command's next output with one.
 *
 * Output goes to TCP as it is produced when TCP holds nothing of ours
 * unacknowledged; otherwise (and what the TCP send buffer, TCP_SND_BUF =
 * 16 KiB, cannot take yet) it waits in the session's buffer and leaves on
 * the sent callbacks, when that buffer fills, or when the command ends - so
 * that a command printing in small pieces does not put a segment per piece
 * on the wire (TCP has no Nagle, net/tcp.h).
 * A command whose output overflows that buffer too loses the rest: the
 * session then prints "[shell: N bytes of output lost: ...]" after it, and
 * the loss is counted (shellsrv_stats, shown by GET /stats; bytes as the
 * command printed them, before LF became CR LF).
 *
 * A session without input for SHELLSRV_IDLE_MS (30 minutes) is reset.
 *
 * Boot argument tcp_shell=off: no listener on port 23 (connections are
 * refused with RST).
 */
#ifndef SHELLSRV_H
#define SHELLSRV_H

#include <stdbool.h>
#include <stdint.h>

#define SHELLSRV_PORT 23
#ifndef SHELLSRV_SESSIONS
#define SHELLSRV_SESSIONS 4
#endif
/* A session with no input for this long is reset (a peer that vanished
 * without a FIN would otherwise hold its slot for good: no keep-alive). */
#ifndef SHELLSRV_IDLE_MS
#define SHELLSRV_IDLE_MS (30u * 60u * 1000u)
#endif
#ifndef SHELLSRV_OUT_BUF
#define SHELLSRV_OUT_BUF 16384u
#endif

struct netif;

struct shellsrv_stats {
    uint32_t sessions;    /* sessions opened */
    uint32_t refused;     /* connections beyond SHELLSRV_SESSIONS */
    uint32_t commands;    /* lines run */
    uint32_t too_long;    /* lines refused: longer than the line buffer */
    uint32_t truncated;   /* commands whose output overflowed the buffer */
    uint32_t lost_bytes;  /* output bytes those lost */
    uint32_t idle_closed; /* sessions reset after SHELLSRV_IDLE_MS without input */
    uint32_t telnet_dropped; /* telnet answers dropped: the output buffer full */
};

/* Listen on port 23 unless tcp_shell=off; false when off or it failed. */
bool shellsrv_start(struct netif *nif);
/* From the main loop: run waiting lines, send output, close finished
 * sessions. */
void shellsrv_poll(void);
/* A line waits to be run: the main loop should not sleep. */
bool shellsrv_busy(void);
const struct shellsrv_stats *shellsrv_get_stats(void);
/* Sessions open now. */
unsigned shellsrv_active(void);

#endif
