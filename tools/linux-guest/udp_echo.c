/* udp_echo.c - the Linux guest's UDP echo service for make bench.
 *
 *   udp_echo [PORT]      (default 7)
 *
 * Binds 0.0.0.0:PORT and sends every datagram back to where it came from,
 * unchanged, one recvfrom/sendto pair per datagram: the same work the
 * firmware's echo does.  Debian's busybox-static has no UDP echo, so
 * tools/linux-guest/build.sh cross-builds this statically for the guest's
 * initramfs.  Runs until killed.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long port = 7;
    if (argc > 2 || (argc == 2 && ((port = strtol(argv[1], NULL, 10)) < 1 || port > 65535))) {
        fprintf(stderr, "usage: udp_echo [PORT]\n");
        return 2;
    }
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) {
        perror("udp_echo: socket");
        return 1;
    }
    struct sockaddr_in me;
    memset(&me, 0, sizeof me);
    me.sin_family = AF_INET;
    me.sin_port = htons((unsigned short)port);
    me.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(s, (struct sockaddr *)&me, sizeof me) < 0) {
        perror("udp_echo: bind");
        return 1;
    }
    printf("udp_echo: port %ld\n", port);
    fflush(stdout);

    static unsigned char buf[65536];
    for (;;) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof peer;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror("udp_echo: recvfrom");
            return 1;
        }
        /* A full socket buffer on the way out drops the reply, as a lost
         * datagram would be; the client counts it. */
        (void)sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen);
    }
}
