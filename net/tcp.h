/*
 * tcp.h - TCP (RFC 9293) for firmware without threads: a fixed table of
 * connections, each with its own send and receive ring, driven by callbacks
 * from netif_input() and net_tick().  Apps never see segments.
 *
 * What is implemented: passive and active open, the whole state machine
 * (TIME-WAIT with its timer), half-close, RST sent to closed ports and
 * handled by the RFC 9293 rules plus RFC 5961 (challenge ACKs for in-window
 * RST and any SYN, blind RST ignored), MSS option from the interface MTU,
 * segments within the peer's MSS and the link MTU of the moment (RFC 9293
 * 3.7.1: the MTU may fall under an open connection; retransmissions too),
 * receive window = free receive buffer (never shrunk, receiver SWS
 * avoidance), zero-window probing, delayed ACKs, RFC 6298 retransmission
 * (SRTT/RTTVAR, Karn, backoff), RFC 5681 slow start / congestion avoidance
 * with fast retransmit on three duplicate ACKs, RFC 3042 limited transmit
 * (a new segment on each of the first two duplicate ACKs), RFC 5827 early
 * retransmit (with two or three segments out and nothing new to send, one
 * or two duplicate ACKs are enough), RFC 6582 NewReno fast recovery
 * (a partial ACK resends the next hole at once and stays in recovery; the
 * timer restarts on every ACK that advances, the "slow but steady"
 * variant; no fast retransmit for losses of a flight that a timeout
 * already went back over), out-of-order segments kept
 * in the receive ring (up to TCP_OOO_MAX ranges), RFC 6528 initial sequence
 * numbers (SipHash-2-4 of the 4-tuple under a secret key, plus a 4 us
 * clock), and a bound on half-open connections (the oldest is evicted).
 * Not implemented: window scaling, timestamps, SACK, urgent data (the
 * urgent pointer is ignored, the data delivered in line), keep-alive,
 * Nagle (each tcp_send() may leave as a segment of its own), IP options on
 * output.  A FIN that arrives out of order is dropped (with a duplicate
 * ACK) and recovered by the peer's retransmission.
 *
 * Memory: no allocation.  struct tcp_stack (the caller's: static, or memory
 * it need not zero, as apps/tcpapp.c's from board_alloc()) holds
 * TCP_MAX_CONNS connections; each carries its buffers:
 *     RAM per connection = TCP_SND_BUF + TCP_RCV_BUF + ~220 bytes of state
 *                        = about 32.2 KiB with the defaults (16 KiB each:
 *                          11 segments of 1460 bytes in flight, enough for
 *                          duplicate ACKs to tell of a loss; 4 KiB held
 *                          only 3, and most losses waited for a timeout),
 *     sizeof(struct tcp_stack) = about 775 KiB for 24 connections.
 * All three may be overridden with -D at build time (powers of two for the
 * buffers, at most 32 KiB each: no window scaling; TCP_MAX_CONNS at most
 * 64, one bit of tcp_stack.live each).
 *
 * Timers run from net_tick() (every 10-100 ms) on the stack's clock
 * (net_set_clock(), else net_tick's milliseconds): retransmission (RTO
 * floor TCP_RTO_MIN_MS = 300 ms - above the 200 ms delayed-ACK timer that
 * many peers use, so that a lone segment is not resent while its ACK is
 * merely delayed, yet far below RFC 6298's conservative 1 s, which is
 * meant for the Internet, not a virtio link -, ceiling 60 s, initial 1 s),
 * persist (zero window, same backoff, never gives up while probes are
 * answered; TCP_DATA_RETRIES unanswered ones reset the connection, as
 * retransmissions do), delayed ACK (TCP_DELACK_MS), TIME-WAIT (2 * TCP_MSL_MS),
 * FIN-WAIT-2 (TCP_FIN_WAIT2_MS without a segment from the peer once our FIN
 * is acknowledged: a RST, and closed with -TCP_ETIMEDOUT; each segment from
 * the peer starts it again, so a half-closed peer that keeps sending is
 * not cut off).
 * A segment that finds no TX buffer (ops->tx_alloc NULL) is not lost: it
 * is tried again at the next net_tick(), not after a retransmission
 * timeout.
 *
 * Threading: as the rest of the stack (netif.h): one context, never from an
 * interrupt handler.  Callbacks run from inside netif_input(), net_tick()
 * or a tcp_* call, and may call any tcp_* function, tcp_abort() and
 * tcp_close() included.
 *
 * Usage (an echo server; see apps/tcpapp.c for echo and discard):
 *     static struct tcp_stack tcp;              // ~775 KiB, in .bss
 *     uint8_t key[TCP_KEY_LEN];                 // secret, from an RNG
 *     rng_read(key, sizeof(key));
 *     tcp_init(&tcp, &nif, key);                // after netif_init()
 *
 *     static size_t echo_recv(void *arg, struct tcp_conn *c,
 *                             const uint8_t *data, size_t len)
 *     {
 *         if (data == NULL) {                   // peer sent FIN: all read
 *             tcp_close(c);                     // our FIN after our data
 *             return 0;
 *         }
 *         int n = tcp_send(c, data, len);       // copies what fits
 *         return n > 0 ? (size_t)n : 0;         // the rest is offered again
 *     }
 *     static void echo_sent(void *arg, struct tcp_conn *c, size_t acked)
 *     {
 *         tcp_recv_resume(c);                   // room again: offer the rest
 *     }
 *     static const struct tcp_callbacks echo = {
 *         .recv = echo_recv, .sent = echo_sent };
 *     tcp_listen(&nif, 7, &echo, NULL);
 *
 * A client: c = tcp_connect(&nif, ip, port, &cb, arg, &err); cb.established
 * runs when the handshake completes (cb.closed with an error if it fails);
 * tcp_send() before that is queued.
 */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef TCP_MAX_CONNS
#define TCP_MAX_CONNS 24
#endif
#ifndef TCP_SND_BUF
#define TCP_SND_BUF 16384u
#endif
#ifndef TCP_RCV_BUF
#define TCP_RCV_BUF 16384u
#endif
#define TCP_MAX_LISTEN 4
/* SYN-RECEIVED entries at most; a SYN beyond that evicts the oldest. */
#define TCP_MAX_HALF_OPEN (TCP_MAX_CONNS / 2)
#define TCP_OOO_MAX 8           /* out-of-order ranges kept per connection (holes
                                 * a reordering or lossy path leaves in 16 KiB) */
#define TCP_KEY_LEN 16          /* ISN secret (SipHash key) */

#define TCP_RTO_INIT_MS 1000u
#define TCP_RTO_MIN_MS 300u
#define TCP_RTO_MAX_MS 60000u
#define TCP_DELACK_MS 40u
#define TCP_MSL_MS 30000u       /* TIME-WAIT lasts 2 MSL */
#define TCP_FIN_WAIT2_MS 60000u /* FIN-WAIT-2 with nothing from the peer: reset */
/* SYN sent at most 1 + this: 7 keeps an active open trying for 183 s,
 * RFC 9293 3.8.3's "at least 3 minutes" (MUST-23; tcp_close() or
 * tcp_abort() give up sooner). */
#define TCP_SYN_RETRIES 7
/* SYN-ACK sent at most 1 + this (63 s): a half-open connection from a
 * listener is nobody's yet, and holding it longer would only help a SYN
 * flood (BSD and Linux give up as soon). */
#define TCP_SYNACK_RETRIES 5
#define TCP_DATA_RETRIES 10     /* then the connection is reset (closed: -TCP_ETIMEDOUT) */
#define TCP_CHALLENGE_PER_S 10  /* RFC 5961 challenge ACKs per second, per connection */

_Static_assert((TCP_SND_BUF & (TCP_SND_BUF - 1)) == 0 && TCP_SND_BUF <= 32768, "TCP_SND_BUF");
_Static_assert((TCP_RCV_BUF & (TCP_RCV_BUF - 1)) == 0 && TCP_RCV_BUF <= 32768, "TCP_RCV_BUF");

/* Errors passed (negated) to the closed callback and returned by the calls
 * below, beyond the NET_E* ones of netif.h. */
#define TCP_ERESET 20      /* the peer reset the connection */
#define TCP_EREFUSED 21    /* RST in answer to our SYN */
#define TCP_ETIMEDOUT 22   /* retransmissions unanswered */
#define TCP_ENOTCONN 23    /* not in a state that allows it */
/* A few words for a TCP_E* or NET_E* code, negated or not. */
const char *tcp_strerror(int err);

enum tcp_state {
    TCP_CLOSED, TCP_LISTEN, TCP_SYN_SENT, TCP_SYN_RCVD, TCP_ESTABLISHED, TCP_FIN_WAIT_1,
    TCP_FIN_WAIT_2, TCP_CLOSE_WAIT, TCP_CLOSING, TCP_LAST_ACK, TCP_TIME_WAIT
};

struct netif;
struct tcp_conn;
struct tcp_stack;

/*
 * What a connection tells its app; every member may be NULL.  `arg` is the
 * listener's (or tcp_connect's) until tcp_set_arg() changes it.
 *  established  the handshake completed (from a listener: a new connection).
 *  recv         in-order data: a view into the receive ring, valid during the
 *               call only.  Return how many bytes were consumed (0..len):
 *               what is left stays buffered (the window shrinks by it) and
 *               is offered again with the next data or by tcp_recv_resume().
 *               data NULL, len 0: the peer closed its direction (FIN), once,
 *               after every byte before it was consumed.  Without recv, data
 *               is discarded as it arrives.
 *  sent         `acked` bytes of ours were acknowledged: send-buffer room.
 *  closed       the connection is over: 0 (orderly: both FINs exchanged, or
 *               our FIN acknowledged and TIME-WAIT reached - and in either
 *               case every byte and the FIN handed to recv; bytes it left
 *               are kept for tcp_recv_resume() until 2 MSL), -TCP_ERESET,
 *               -TCP_EREFUSED, -TCP_ETIMEDOUT.  The handle is invalid after
 *               this returns.  Not called after tcp_abort().
 */
struct tcp_callbacks {
    void (*established)(void *arg, struct tcp_conn *c);
    size_t (*recv)(void *arg, struct tcp_conn *c, const uint8_t *data, size_t len);
    void (*sent)(void *arg, struct tcp_conn *c, size_t acked);
    void (*closed)(void *arg, struct tcp_conn *c, int err);
};

struct tcp_listener {
    uint16_t port; /* 0 = free */
    const struct tcp_callbacks *cb;
    void *arg;
};

struct tcp_conn {
    struct tcp_stack *ts;
    const struct tcp_callbacks *cb;
    void *arg;
    uint8_t state;        /* enum tcp_state */
    uint16_t flags;       /* TF_* in tcp.c */
    uint8_t retries;      /* consecutive timeouts of the current timer */
    uint8_t dupacks;
    uint16_t lport, rport;
    uint32_t raddr;       /* host order; the local address is the netif's */
    uint32_t age;         /* allocation order, for eviction */
    /* send sequence space (RFC 9293 3.3.1) */
    uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2;
    uint16_t snd_wnd, max_snd_wnd, mss; /* mss: SendMSS (the peer's MSS, within the link MTU
                                         * at the start); each segment also keeps to the
                                         * link MTU of its time (tcp_smss() in tcp.c) */
    uint32_t cwnd, ssthresh;
    uint32_t recover;     /* RFC 6582: snd_max when fast recovery began */
    /* receive sequence space */
    uint32_t irs, rcv_nxt, rcv_adv; /* rcv_adv: right edge last advertised */
    uint16_t rcv_unacked;           /* bytes received since our last ACK */
    /* RFC 6298, in ms; srtt8 = 8 SRTT, rttvar4 = 4 RTTVAR; 0 = no sample */
    uint32_t srtt8, rttvar4, rto;
    uint32_t rtt_seq, rtt_start;    /* timed segment (TF_RTT) */
    /* timers: absolute times on the stack's ms clock, valid with their flag */
    uint32_t t_rexmit;              /* retransmit, persist, or TIME-WAIT end */
    uint32_t t_delack;
    uint32_t idle_ms, t_heard;      /* tcp_set_idle_timeout; last segment from the peer */
    uint32_t chal_start;            /* RFC 5961 challenge ACKs: this second's */
    uint16_t chal_count;            /* start and count */
    /* rings: snd from snd_una (snd_len bytes, TF_FIN_Q: FIN after them);
     * rcv: rcv_len in-order bytes from rcv_head, then out-of-order ranges */
    uint16_t snd_head, snd_len, rcv_head, rcv_len;
    struct {
        uint32_t seq;
        uint16_t len; /* 0 = unused */
    } ooo[TCP_OOO_MAX];
    uint8_t sndbuf[TCP_SND_BUF];
    uint8_t rcvbuf[TCP_RCV_BUF];
};

struct tcp_stack {
    struct netif *nif;
    uint8_t key[TCP_KEY_LEN];
    uint32_t age;                   /* next connection's age */
    struct tcp_listener listen[TCP_MAX_LISTEN];
    uint64_t live;                  /* bit i: conn[i] may be other than CLOSED (tcp_tick's walk) */
    struct tcp_conn conn[TCP_MAX_CONNS];
};
_Static_assert(TCP_MAX_CONNS <= 64, "one bit of tcp_stack.live per connection");
/* tcp_init and tcp_alloc zero a connection but for its buffers (conn_clear
 * in tcp.c: before sndbuf, and after rcvbuf): the two adjacent.  (Nothing
 * here can tell a member after rcvbuf that fits in the padding; conn_clear
 * zeroes that stretch too.) */
_Static_assert(offsetof(struct tcp_conn, rcvbuf) == offsetof(struct tcp_conn, sndbuf) + TCP_SND_BUF &&
                   sizeof(struct tcp_conn) - offsetof(struct tcp_conn, rcvbuf) - TCP_RCV_BUF < _Alignof(struct tcp_conn),
               "the send and receive buffers end struct tcp_conn");

/* Zero ts's state (not the connections' buffers, which are written before
 * they are read: ts may come from memory nobody zeroed) and attach it to
 * nif (nif->tcp); after netif_init().  key: the RFC 6528 secret,
 * TCP_KEY_LEN random bytes (NULL: taken from net_random(), only as good as
 * that source).  Without a stack, every TCP port of the netif is closed
 * (RST). */
void tcp_init(struct tcp_stack *ts, struct netif *nif, const uint8_t *key);
/* Replace the ISN secret (e.g. once an RNG has started): before the first
 * connection, or the ISNs of a 4-tuple in TIME-WAIT are no longer above
 * the old ones. */
void tcp_set_key(struct tcp_stack *ts, const uint8_t key[TCP_KEY_LEN]);

/* 0, or -NET_EINVAL (port 0, no stack), -NET_EADDRINUSE, -NET_ENOMEM. */
int tcp_listen(struct netif *nif, uint16_t port, const struct tcp_callbacks *cb, void *arg);
/* Stop accepting: connections already made go on, half-open ones (our
 * SYN-ACK out) are reset and never reach the app.  0 or -NET_ENOENT. */
int tcp_unlisten(struct netif *nif, uint16_t port);

/* Open a connection from our address and a random port to dst:dport (the
 * SYN leaves now).  The handle, or NULL with *err (if err is not NULL) set:
 * -NET_EINVAL, -NET_ENOROUTE (no address), -NET_EADDRINUSE (no ephemeral
 * port free), -NET_ENOMEM (table full). */
struct tcp_conn *tcp_connect(struct netif *nif, uint32_t dst, uint16_t dport,
                             const struct tcp_callbacks *cb, void *arg, int *err);

/* Copy up to len bytes into the send buffer and send what the windows
 * allow.  The count copied (0 when the buffer is full: wait for sent), or
 * -TCP_ENOTCONN after tcp_close() or in a closing state, -NET_EINVAL. */
int tcp_send(struct tcp_conn *c, const void *data, size_t len);
/* Free room in the send buffer. */
size_t tcp_sndbuf(const struct tcp_conn *c);
/* Half-close: FIN after the queued data; receiving goes on until the peer's
 * FIN.  Before the handshake completes the FIN waits for it (in SYN-SENT
 * with nothing queued the connection is simply forgotten, no callback).
 * 0, or -TCP_ENOTCONN when already closed in our direction. */
int tcp_close(struct tcp_conn *c);
/* Reset the connection (RST) and forget it at once; no closed callback. */
void tcp_abort(struct tcp_conn *c);
/* Offer buffered in-order data (and the FIN) to recv again. */
void tcp_recv_resume(struct tcp_conn *c);
/* A look at the in-order data recv has left (not consumed), without
 * consuming it: *p1[0..*n1) then *p2[0..*n2) (two pieces where the receive
 * ring wraps; recv is offered only the first until it consumes it).  The
 * total, n1 + n2.  Valid until the next call into the stack.  For an app
 * that holds input back and still watches it (apps/shellsrv.c: Ctrl-C
 * while a command runs). */
size_t tcp_recv_peek(const struct tcp_conn *c, const uint8_t **p1, size_t *n1, const uint8_t **p2, size_t *n2);
void tcp_set_arg(struct tcp_conn *c, void *arg);
/* Reset the connection (RST; closed with -TCP_ETIMEDOUT) once ms pass
 * without a segment from the peer while it is synchronized; 0 (the
 * default) never.  TCP has no keep-alive here: a service that should not
 * let silent peers hold its slots for ever sets this (apps/tcpapp.c). */
void tcp_set_idle_timeout(struct tcp_conn *c, uint32_t ms);
enum tcp_state tcp_get_state(const struct tcp_conn *c);
const char *tcp_state_name(enum tcp_state s);

#endif /* NET_TCP_H */
