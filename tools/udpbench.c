/* udpbench.c - UDP round-trip measurements against an echo service, for
 * make bench (tools/bench-rtt.sh).  Host C11, no dependencies.
 *
 *   udpbench pingpong HOST PORT SIZE SECONDS
 *       one datagram in flight for SECONDS: round trips per second and the
 *       latency percentiles of the replies.
 *   udpbench stream HOST PORT SIZE WINDOW COUNT [MAXSECONDS]
 *       COUNT datagrams in all with WINDOW of them in flight: replies per
 *       second.  After MAXSECONDS (default 30) it sends no more and only
 *       waits for the replies still due.
 *
 * HOST is a numeric IPv4 address (no name lookup): the datagrams go to that
 * address and nowhere else.  Every datagram carries a sequence number and a
 * payload derived from it; a reply counts only if it is byte-exact.  A
 * datagram with no reply within the timeout (UDPBENCH_TIMEOUT_MS, default
 * 200) is lost: pingpong sends the next one, stream frees its window slot.
 * Prints one line:
 *
 *   udpbench pingpong size=64 secs=2.000 n=20311 rate=10155.3 p50_us=92 p99_us=154 max_us=2100 lost=0 bad=0
 *   udpbench stream size=64 window=32 count=20000 secs=1.201 n=20000 rate=16650.4 p50_us=1801 p99_us=2403 lost=0 bad=0 late=0 unsent=0
 *
 * n is the number of exact replies, rate = n / secs, bad counts replies of
 * the right length or sequence whose bytes differ, late counts replies that
 * came after their datagram was given up, unsent the datagrams stream had
 * not sent when MAXSECONDS ran out.  Exit status 0 when at least one
 * exact reply came and nothing was bad, 1 otherwise, 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "udpbench"
#include "benchlib.h"

#define MAX_SIZE 65507          /* largest UDP payload over IPv4 */
#define MIN_SIZE 8              /* room for the sequence number */
#define MAX_SECONDS 600
#define MAX_COUNT 10000000u
#define MAX_WINDOW 4096u
#define MAX_SAMPLES 10000000u

static int timeout_ms = 200;

/* The payload of datagram SEQ: the sequence number (little-endian) and then
 * bytes from a generator seeded with it, so a reply can be checked without
 * keeping what was sent. */
static void fill(unsigned char *p, size_t size, uint64_t seq)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(seq >> (8 * i));
    uint64_t x = seq * 0x9E3779B97F4A7C15u + 0x5EEDu;
    for (size_t i = 8; i < size; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)(x >> 24);
    }
}

static uint64_t seq_of(const unsigned char *p)
{
    uint64_t seq = 0;
    for (int i = 7; i >= 0; i--)
        seq = seq << 8 | p[i];
    return seq;
}

static int open_socket(const char *host, const char *port_s)
{
    char *end;
    long port = strtol(port_s, &end, 10);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &to.sin_addr) != 1) {
        fprintf(stderr, "udpbench: HOST must be a numeric IPv4 address and PORT 1..65535\n");
        return -1;
    }
    to.sin_port = htons((unsigned short)port);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("udpbench: socket");
        return -1;
    }
    /* connect(): replies from anyone but HOST:PORT are filtered out, and
     * send() can only go to HOST:PORT. */
    if (connect(s, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("udpbench: connect");
        close(s);
        return -1;
    }
    int buf = 1 << 20;
    (void)setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    (void)setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    return s;
}

/* Wait up to MS milliseconds for a datagram; its length, 0 on timeout, -1 on
 * an error worth stopping for.  An ICMP error for an earlier datagram
 * (ECONNREFUSED) is not one: the datagram is lost and the wait goes on. */
static ssize_t recv_wait(int s, unsigned char *buf, size_t cap, int ms)
{
    struct pollfd pfd = { .fd = s, .events = POLLIN };
    int r = poll(&pfd, 1, ms < 0 ? 0 : ms);
    if (r < 0)
        return errno == EINTR ? 0 : -1;
    if (r == 0)
        return 0;
    ssize_t n = recv(s, buf, cap, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNREFUSED)
            return 0;
        perror("udpbench: recv");
        return -1;
    }
    /* A zero-length datagram is not an echo of ours; make it a mismatch. */
    return n == 0 ? 1 : n;
}

static int send_dgram(int s, const unsigned char *p, size_t size)
{
    for (int tries = 0; tries < 100; tries++) {
        if (send(s, p, size, 0) == (ssize_t)size)
            return 0;
        if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED || errno == EINTR) {
            /* Neighbour resolution or a full queue: the datagram may be
             * dropped; it then counts as lost. */
            if (errno != ECONNREFUSED)
                nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
            continue;
        }
        perror("udpbench: send");
        return -1;
    }
    return 0;
}

static int pingpong(int s, size_t size, long seconds)
{
    unsigned char *tx = malloc(size), *rx = malloc(MAX_SIZE + 1);
    uint32_t *lat = malloc(sizeof(uint32_t) * MAX_SAMPLES);
    if (!tx || !rx || !lat) {
        fprintf(stderr, "udpbench: out of memory\n");
        return 1;
    }
    size_t n = 0;
    uint64_t lost = 0, bad = 0, seq = 0;
    uint64_t start = now_ns(), end = start + (uint64_t)seconds * 1000000000u, t;
    while ((t = now_ns()) < end && n < MAX_SAMPLES) {
        fill(tx, size, seq);
        uint64_t sent = now_ns();
        if (send_dgram(s, tx, size) < 0)
            return 1;
        uint64_t deadline = sent + (uint64_t)timeout_ms * 1000000u;
        int got = 0;
        for (;;) {
            uint64_t now = now_ns();
            if (now >= deadline)
                break;
            ssize_t r = recv_wait(s, rx, MAX_SIZE + 1, (int)((deadline - now + 999999) / 1000000));
            if (r < 0)
                return 1;
            if (r == 0)
                continue;
            uint64_t at = now_ns();
            if ((size_t)r >= 8 && seq_of(rx) != seq)
                continue;       /* a late reply to a datagram given up */
            if ((size_t)r != size || memcmp(rx, tx, size) != 0) {
                bad++;
                continue;
            }
            lat[n++] = (uint32_t)((at - sent) / 1000);
            got = 1;
            break;
        }
        if (!got)
            lost++;
        seq++;
    }
    double secs = (double)(now_ns() - start) / 1e9;
    qsort(lat, n, sizeof *lat, cmp_u32);
    printf("udpbench pingpong size=%zu secs=%.3f n=%zu rate=%.1f p50_us=%u p99_us=%u max_us=%u lost=%llu bad=%llu\n",
           size, secs, n, secs > 0 ? (double)n / secs : 0.0, pct(lat, n, 50), pct(lat, n, 99),
           n ? lat[n - 1] : 0, (unsigned long long)lost, (unsigned long long)bad);
    free(tx);
    free(rx);
    free(lat);
    return n > 0 && bad == 0 ? 0 : 1;
}

/* Per-datagram state in stream mode. */
enum { PENDING, INFLIGHT, DONE, LOST };

static int stream(int s, size_t size, unsigned window, unsigned count, long maxsecs)
{
    unsigned char *tx = malloc(size), *rx = malloc(MAX_SIZE + 1), *exp = malloc(size);
    unsigned char *state = calloc(count, 1);
    uint64_t *sent_at = malloc(sizeof(uint64_t) * count);
    uint32_t *lat = malloc(sizeof(uint32_t) * count);
    if (!tx || !rx || !exp || !state || !sent_at || !lat) {
        fprintf(stderr, "udpbench: out of memory\n");
        return 1;
    }
    unsigned next = 0;          /* next sequence number to send */
    unsigned oldest = 0;        /* no datagram before it is still in flight */
    unsigned inflight = 0;
    size_t n = 0;
    uint64_t lost = 0, bad = 0, late = 0;
    uint64_t tmo = (uint64_t)timeout_ms * 1000000u;
    uint64_t start = now_ns(), end = start + (uint64_t)maxsecs * 1000000000u, last = start;

    for (;;) {
        uint64_t now = now_ns();
        int sending = now < end;    /* after MAXSECONDS: only wait for the rest */
        /* Give up on the datagrams that waited too long. */
        while (oldest < next && (state[oldest] != INFLIGHT || now - sent_at[oldest] >= tmo)) {
            if (state[oldest] == INFLIGHT) {
                state[oldest] = LOST;
                lost++;
                inflight--;
            }
            oldest++;
        }
        /* Fill the window. */
        while (sending && inflight < window && next < count) {
            fill(tx, size, next);
            sent_at[next] = now_ns();
            state[next] = INFLIGHT;
            if (send_dgram(s, tx, size) < 0)
                return 1;
            next++;
            inflight++;
        }
        if (inflight == 0 && (next >= count || !sending))
            break;
        /* Wait for a reply, at most until the oldest one times out. */
        int ms = 1;
        while (oldest < next && state[oldest] != INFLIGHT)
            oldest++;
        if (oldest < next) {
            uint64_t due = sent_at[oldest] + tmo;
            now = now_ns();
            ms = due > now ? (int)((due - now + 999999) / 1000000) : 0;
        }
        ssize_t r = recv_wait(s, rx, MAX_SIZE + 1, ms);
        if (r < 0)
            return 1;
        while (r > 0) {
            uint64_t at = now_ns();
            uint64_t q = (size_t)r >= 8 ? seq_of(rx) : UINT64_MAX;
            if (q >= next) {
                bad++;
            } else if (state[q] == LOST || state[q] == DONE) {
                late++;
            } else {
                fill(exp, size, q);
                if ((size_t)r != size || memcmp(rx, exp, size) != 0) {
                    bad++;
                } else {
                    state[q] = DONE;
                    lat[n++] = (uint32_t)((at - sent_at[q]) / 1000);
                    inflight--;
                    last = at;
                }
            }
            /* Drain what else is there without waiting. */
            r = recv_wait(s, rx, MAX_SIZE + 1, 0);
            if (r < 0)
                return 1;
        }
    }
    unsigned unsent = count - next;     /* ran out of time first */
    double secs = (double)((n ? last : now_ns()) - start) / 1e9;
    qsort(lat, n, sizeof *lat, cmp_u32);
    printf("udpbench stream size=%zu window=%u count=%u secs=%.3f n=%zu rate=%.1f p50_us=%u p99_us=%u lost=%llu bad=%llu late=%llu unsent=%u\n",
           size, window, count, secs, n, secs > 0 ? (double)n / secs : 0.0, pct(lat, n, 50),
           pct(lat, n, 99), (unsigned long long)lost, (unsigned long long)bad,
           (unsigned long long)late, unsent);
    free(tx);
    free(rx);
    free(exp);
    free(state);
    free(sent_at);
    free(lat);
    return n > 0 && bad == 0 ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: udpbench pingpong HOST PORT SIZE SECONDS\n"
            "       udpbench stream HOST PORT SIZE WINDOW COUNT [MAXSECONDS]\n"
            "HOST: numeric IPv4; SIZE: %d..%d; environment UDPBENCH_TIMEOUT_MS (default 200)\n",
            MIN_SIZE, MAX_SIZE);
}

int main(int argc, char **argv)
{
    const char *t = getenv("UDPBENCH_TIMEOUT_MS");
    if (t && *t)
        timeout_ms = (int)parse_num(t, 1, 10000, "UDPBENCH_TIMEOUT_MS");
    if (argc == 6 && strcmp(argv[1], "pingpong") == 0) {
        size_t size = (size_t)parse_num(argv[4], MIN_SIZE, MAX_SIZE, "SIZE");
        long secs = parse_num(argv[5], 1, MAX_SECONDS, "SECONDS");
        int s = open_socket(argv[2], argv[3]);
        if (s < 0)
            return 2;
        int rc = pingpong(s, size, secs);
        close(s);
        return rc;
    }
    if ((argc == 7 || argc == 8) && strcmp(argv[1], "stream") == 0) {
        size_t size = (size_t)parse_num(argv[4], MIN_SIZE, MAX_SIZE, "SIZE");
        unsigned window = (unsigned)parse_num(argv[5], 1, MAX_WINDOW, "WINDOW");
        unsigned count = (unsigned)parse_num(argv[6], 1, MAX_COUNT, "COUNT");
        long maxsecs = argc == 8 ? parse_num(argv[7], 1, MAX_SECONDS, "MAXSECONDS") : 30;
        int s = open_socket(argv[2], argv[3]);
        if (s < 0)
            return 2;
        int rc = stream(s, size, window, count, maxsecs);
        close(s);
        return rc;
    }
    usage();
    return 2;
}
