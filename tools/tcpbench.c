/* tcpbench.c - TCP echo measurements, for make bench (tools/bench-rtt.sh,
 * tools/bench-instr.sh).  Host C11, no dependencies.
 *
 *   tcpbench rr HOST PORT SIZE COUNT SECONDS
 *       stop-and-wait: one connection (TCP_NODELAY), send SIZE bytes, read
 *       the SIZE bytes of the echo, repeat; COUNT round trips or SECONDS,
 *       whichever ends first.  Round trips per second and the latency
 *       percentiles.
 *   tcpbench bulk HOST PORT BYTES [MAXSECONDS]
 *       one connection: send BYTES as fast as the connection takes them
 *       while reading the echo at the same time; echoed megabytes (10^6
 *       bytes) per second, from the first byte sent to the last one echoed.
 *       After MAXSECONDS (default 60) it stops and reports what came back.
 *
 * HOST is a numeric IPv4 address (no name lookup).  The bytes sent are a
 * function of their position in the stream, so every byte of the echo is
 * checked without keeping what was sent.  After the measurement the client
 * half-closes (FIN) and expects the server's FIN with no byte more; the
 * handshake and the close are outside the timed part (the handshake is
 * printed as connect_us).  A wait for the peer longer than
 * TCPBENCH_TIMEOUT_MS (default 5000) ends the run.  Prints one line:
 *
 *   tcpbench rr size=64 count=1000 secs=0.123 n=1000 rate=8130.1 p50_us=110 p99_us=250 max_us=900 connect_us=300 bad=0 closed=1
 *   tcpbench bulk bytes=4194304 secs=0.812 echoed=4194304 rate_MBps=5.17 connect_us=300 bad=0 closed=1
 *
 * n is the number of complete exact round trips, bad the number of echoed
 * bytes that differ from what was sent (the run stops at the first),
 * closed 1 when the server answered the FIN with its own and nothing else.
 * Exit status 0 when the whole measurement came back exact (rr: at least
 * one round trip, bulk: every byte) and the close was clean, 1 otherwise,
 * 2 on a usage error.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BENCH_NAME "tcpbench"
#include "benchlib.h"

#define MAX_SIZE 65536
#define MAX_SECONDS 600
#define MAX_COUNT 10000000L
#define MAX_BYTES (1L << 30)
#define CHUNK 65536

static int timeout_ms = 5000;
static uint64_t connect_us;

/* Byte number POS of the stream (either direction: the echo must equal
 * it).  Not periodic at any small power of two. */
static unsigned char byte_at(uint64_t pos)
{
    uint64_t x = (pos + 1) * 0x9E3779B97F4A7C15u;
    return (unsigned char)(x >> 56 ^ x >> 29);
}

static void fill(unsigned char *p, size_t n, uint64_t pos)
{
    for (size_t i = 0; i < n; i++)
        p[i] = byte_at(pos + i);
}

/* How many of N bytes at P match the stream from POS (N on a full match). */
static size_t check(const unsigned char *p, size_t n, uint64_t pos)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != byte_at(pos + i))
            return i;
    return n;
}

/* Wait until S is ready for EVENTS, at most timeout_ms: 1 ready, 0 timed
 * out (said on stderr), -1 error. */
static int wait_fd(int s, short events, const char *what)
{
    struct pollfd pfd = {.fd = s, .events = events};
    for (;;) {
        int r = poll(&pfd, 1, timeout_ms);
        if (r > 0)
            return 1;
        if (r == 0) {
            fprintf(stderr, "tcpbench: no progress in %d ms (%s)\n", timeout_ms, what);
            return 0;
        }
        if (errno != EINTR) {
            perror("tcpbench: poll");
            return -1;
        }
    }
}

/* A connected non-blocking socket to HOST:PORT with TCP_NODELAY; -1 on
 * failure (said on stderr). */
static int open_conn(const char *host, const char *port_s)
{
    char *end;
    long port = strtol(port_s, &end, 10);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    if (*end || port < 1 || port > 65535 || inet_pton(AF_INET, host, &to.sin_addr) != 1) {
        fprintf(stderr, "tcpbench: HOST must be a numeric IPv4 address and PORT 1..65535\n");
        return -1;
    }
    to.sin_port = htons((unsigned short)port);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        perror("tcpbench: socket");
        return -1;
    }
    int one = 1;
    if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
        fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK) < 0) {
        perror("tcpbench: setsockopt/fcntl");
        close(s);
        return -1;
    }
    uint64_t t0 = now_ns();
    if (connect(s, (struct sockaddr *)&to, sizeof to) < 0) {
        if (errno != EINPROGRESS) {
            perror("tcpbench: connect");
            close(s);
            return -1;
        }
        int err = 0;
        socklen_t len = sizeof err;
        if (wait_fd(s, POLLOUT, "connect") != 1 || getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
            if (err)
                fprintf(stderr, "tcpbench: connect: %s\n", strerror(err));
            close(s);
            return -1;
        }
    }
    connect_us = (now_ns() - t0) / 1000;
    return s;
}

/* Half-close and wait for the server's FIN: 1 when it came with no byte
 * before it, 0 otherwise. */
static int close_clean(int s)
{
    unsigned char b[256];
    int clean = 1;
    if (shutdown(s, SHUT_WR) < 0) {
        perror("tcpbench: shutdown");
        clean = 0;
    }
    for (;;) {
        ssize_t r = recv(s, b, sizeof b, 0);
        if (r == 0)
            break;
        if (r > 0) {
            fprintf(stderr, "tcpbench: %zd byte(s) more than was sent\n", r);
            clean = 0;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            if (wait_fd(s, POLLIN, "the server's FIN") != 1)
                return 0;
            continue;
        }
        perror("tcpbench: recv");
        return 0;
    }
    return clean;
}

static int rr(int s, size_t size, long count, long seconds)
{
    unsigned char *tx = malloc(size), *rx = malloc(size);
    uint32_t *lat = malloc(sizeof(uint32_t) * (size_t)count);
    if (!tx || !rx || !lat) {
        fprintf(stderr, "tcpbench: out of memory\n");
        return 1;
    }
    size_t n = 0;
    uint64_t bad = 0, pos = 0;
    int ok = 1;
    uint64_t start = now_ns(), end = start + (uint64_t)seconds * 1000000000u;
    while (ok && n < (size_t)count && now_ns() < end) {
        fill(tx, size, pos);
        uint64_t sent_at = now_ns();
        size_t out = 0, in = 0;
        while (ok && in < size) {
            if (out < size) {
                ssize_t w = send(s, tx + out, size - out, MSG_NOSIGNAL);
                if (w > 0)
                    out += (size_t)w;
                else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    perror("tcpbench: send");
                    ok = 0;
                    break;
                }
            }
            ssize_t r = recv(s, rx + in, size - in, 0);
            if (r > 0) {
                size_t good = check(rx + in, (size_t)r, pos + in);
                if (good != (size_t)r) {
                    bad++;
                    fprintf(stderr, "tcpbench: echo byte %llu differs\n", (unsigned long long)(pos + in + good));
                    ok = 0;
                }
                in += (size_t)r;
            } else if (r == 0) {
                fprintf(stderr, "tcpbench: the server closed after %llu bytes\n", (unsigned long long)(pos + in));
                ok = 0;
            } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                if (wait_fd(s, out < size ? POLLIN | POLLOUT : POLLIN, "waiting for the echo") != 1)
                    ok = 0;
            } else {
                perror("tcpbench: recv");
                ok = 0;
            }
        }
        if (!ok)
            break;
        lat[n++] = (uint32_t)((now_ns() - sent_at) / 1000);
        pos += size;
    }
    double secs = (double)(now_ns() - start) / 1e9;
    int closed = ok && close_clean(s);
    qsort(lat, n, sizeof *lat, cmp_u32);
    printf("tcpbench rr size=%zu count=%ld secs=%.3f n=%zu rate=%.1f p50_us=%u p99_us=%u max_us=%u connect_us=%llu bad=%llu closed=%d\n",
           size, count, secs, n, secs > 0 ? (double)n / secs : 0.0, pct(lat, n, 50), pct(lat, n, 99),
           n ? lat[n - 1] : 0, (unsigned long long)connect_us, (unsigned long long)bad, closed);
    free(tx);
    free(rx);
    free(lat);
    return ok && n > 0 && closed ? 0 : 1;
}

static int bulk(int s, uint64_t bytes, long maxsecs)
{
    unsigned char *tx = malloc(CHUNK), *rx = malloc(CHUNK);
    if (!tx || !rx) {
        fprintf(stderr, "tcpbench: out of memory\n");
        return 1;
    }
    uint64_t sent = 0, echoed = 0, bad = 0;
    int ok = 1;
    uint64_t start = now_ns(), end = start + (uint64_t)maxsecs * 1000000000u, last = start;
    while (ok && echoed < bytes) {
        if (now_ns() >= end) {
            fprintf(stderr, "tcpbench: %ld s over with %llu of %llu bytes echoed\n", maxsecs,
                    (unsigned long long)echoed, (unsigned long long)bytes);
            ok = 0;
            break;
        }
        struct pollfd pfd = {.fd = s, .events = POLLIN | (sent < bytes ? POLLOUT : 0)};
        int r = poll(&pfd, 1, timeout_ms);
        if (r == 0) {
            fprintf(stderr, "tcpbench: no progress in %d ms (%llu sent, %llu echoed)\n", timeout_ms,
                    (unsigned long long)sent, (unsigned long long)echoed);
            ok = 0;
            break;
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            perror("tcpbench: poll");
            ok = 0;
            break;
        }
        if (sent < bytes && (pfd.revents & POLLOUT)) {
            size_t k = bytes - sent < CHUNK ? (size_t)(bytes - sent) : CHUNK;
            fill(tx, k, sent);
            ssize_t w = send(s, tx, k, MSG_NOSIGNAL);
            if (w > 0)
                sent += (uint64_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                perror("tcpbench: send");
                ok = 0;
                break;
            }
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            size_t want = sent - echoed < CHUNK ? (size_t)(sent - echoed) : CHUNK;
            if (want == 0)
                want = 1; /* anything now is a byte more than was sent */
            ssize_t g = recv(s, rx, want, 0);
            if (g > 0) {
                if (echoed + (uint64_t)g > sent) {
                    fprintf(stderr, "tcpbench: more echoed than sent\n");
                    bad++;
                    ok = 0;
                    break;
                }
                size_t good = check(rx, (size_t)g, echoed);
                if (good != (size_t)g) {
                    fprintf(stderr, "tcpbench: echo byte %llu differs\n", (unsigned long long)(echoed + good));
                    bad++;
                    ok = 0;
                }
                echoed += (uint64_t)g;
                last = now_ns();
            } else if (g == 0) {
                fprintf(stderr, "tcpbench: the server closed after %llu bytes\n", (unsigned long long)echoed);
                ok = 0;
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                perror("tcpbench: recv");
                ok = 0;
            }
        }
    }
    double secs = (double)(last - start) / 1e9;
    int closed = ok && close_clean(s);
    printf("tcpbench bulk bytes=%llu secs=%.3f echoed=%llu rate_MBps=%.2f connect_us=%llu bad=%llu closed=%d\n",
           (unsigned long long)bytes, secs, (unsigned long long)echoed, secs > 0 ? (double)echoed / secs / 1e6 : 0.0,
           (unsigned long long)connect_us, (unsigned long long)bad, closed);
    free(tx);
    free(rx);
    return ok && echoed == bytes && closed ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: tcpbench rr HOST PORT SIZE COUNT SECONDS\n"
            "       tcpbench bulk HOST PORT BYTES [MAXSECONDS]\n"
            "HOST: numeric IPv4; SIZE: 1..%d; environment TCPBENCH_TIMEOUT_MS (default 5000)\n",
            MAX_SIZE);
}

int main(int argc, char **argv)
{
    const char *t = getenv("TCPBENCH_TIMEOUT_MS");
    if (t && *t)
        timeout_ms = (int)parse_num(t, 1, 60000, "TCPBENCH_TIMEOUT_MS");
    if (argc == 7 && strcmp(argv[1], "rr") == 0) {
        size_t size = (size_t)parse_num(argv[4], 1, MAX_SIZE, "SIZE");
        long count = parse_num(argv[5], 1, MAX_COUNT, "COUNT");
        long secs = parse_num(argv[6], 1, MAX_SECONDS, "SECONDS");
        int s = open_conn(argv[2], argv[3]);
        if (s < 0)
            return 1;
        int rc = rr(s, size, count, secs);
        close(s);
        return rc;
    }
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "bulk") == 0) {
        long bytes = parse_num(argv[4], 1, MAX_BYTES, "BYTES");
        long maxsecs = argc == 6 ? parse_num(argv[5], 1, MAX_SECONDS, "MAXSECONDS") : 60;
        int s = open_conn(argv[2], argv[3]);
        if (s < 0)
            return 1;
        int rc = bulk(s, (uint64_t)bytes, maxsecs);
        close(s);
        return rc;
    }
    usage();
    return 2;
}
