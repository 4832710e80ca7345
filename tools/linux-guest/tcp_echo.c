/* tcp_echo.c - the Linux guest's TCP echo service for make bench.
 *
 *   tcp_echo [PORT]      (default 7)
 *
 * Listens on 0.0.0.0:PORT; each connection gets a process of its own
 * (fork) that writes back everything it reads, unchanged, until the peer
 * closes its direction, then closes its own.  TCP_NODELAY on every
 * connection: the firmware's TCP has no Nagle either, so both send an echo
 * as soon as it is read.  Debian's busybox-static has no TCP echo, so
 * tools/linux-guest/build.sh cross-builds this statically for the guest's
 * initramfs.  Runs until killed.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void echo(int c)
{
    static unsigned char buf[65536];
    for (;;) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n == 0)
            return; /* the peer's FIN */
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(c, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                return;
            }
            off += w;
        }
    }
}

int main(int argc, char **argv)
{
    long port = 7;
    if (argc > 2 || (argc == 2 && ((port = strtol(argv[1], NULL, 10)) < 1 || port > 65535))) {
        fprintf(stderr, "usage: tcp_echo [PORT]\n");
        return 2;
    }
    signal(SIGCHLD, SIG_IGN); /* no zombies */
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) {
        perror("tcp_echo: socket");
        return 1;
    }
    int one = 1;
    (void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in me;
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_port = htons((unsigned short)port);
    me.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *)&me, sizeof me) < 0 || listen(s, 16) < 0) {
        perror("tcp_echo: bind/listen");
        return 1;
    }
    printf("tcp_echo: port %ld\n", port);
    fflush(stdout);

    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            perror("tcp_echo: accept");
            return 1;
        }
        (void)setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pid_t p = fork();
        if (p == 0) {
            close(s);
            echo(c);
            close(c);
            _exit(0);
        }
        if (p < 0) /* no process: serve it here, the others wait */
            echo(c);
        close(c);
    }
}
