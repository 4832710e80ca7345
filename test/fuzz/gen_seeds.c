/*
 * gen_seeds.c - writes the fuzz seed frames in test/fuzz/seeds/ (one
 * Ethernet frame per file, named <protocol>-<case>.bin).  The seeds are
 * committed; run this again only to change them (rule in test/unit/net.mk):
 *     make build/host/gen_seeds && build/host/gen_seeds test/fuzz/seeds
 * The frames are aimed at the interface states fuzz_netif.c sets up
 * (addresses and FAKE_XID from fake_netif.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_netif.h"
#include "prot/be.h"

static const char *outdir;

static void put(const char *name, const uint8_t *p, size_t n)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.bin", outdir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void fix_ip(uint8_t *frame)
{
    uint8_t *ip = frame + 14;
    size_t hlen = (size_t)(ip[0] & 0xf) * 4;

    put_be16(ip + 10, 0);
    put_be16(ip + 10, fake_csum(ip, hlen, 0));
}

int main(int argc, char **argv)
{
    static const uint8_t zero[6];
    static uint8_t fr[FAKE_FRAME_MAX], data[1472], msg[1024], opts[128];
    size_t n, m, i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    for (i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)i;

    /* Ethernet */
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero, FAKE_IP);
    put("eth-runt", fr, 13);
    put_be16(fr + 12, 0x8100);
    put("eth-vlan", fr, n);

    /* ARP */
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero, FAKE_IP);
    put("arp-request", fr, n);
    put("arp-request-truncated", fr, 30);
    memset(fr + n, 0, 18);
    put("arp-request-padded", fr, 60);
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, FAKE_PEER, zero, 0x0a000263u);
    put("arp-request-other-host", fr, n);
    n = frame_arp(fr, fake_mac, 2, fake_gw_mac, FAKE_GW, fake_mac, FAKE_IP);
    put("arp-reply", fr, n);
    n = frame_arp(fr, fake_bcast_mac, 1, fake_peer_mac, 0, zero, FAKE_IP);
    put("arp-probe", fr, n);

    /* ICMP */
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0x1234, 1, data, 56);
    put("icmp-echo-request", fr, n);
    put("icmp-echo-request-truncated", fr, n - 20);
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 0x1234, 2, data, 1472);
    put("icmp-echo-request-1472", fr, n);
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 0, (uint16_t)FAKE_XID, 1,
                   data, 56);
    put("icmp-echo-reply-ping", fr, n);
    n = frame_echo(fr, fake_bcast_mac, fake_peer_mac, FAKE_PEER, 0xffffffffu, 8, 1, 1, data, 8);
    put("icmp-echo-broadcast", fr, n);
    {
        /* echo request with 8 bytes of IP options (NOPs, EOL) */
        uint8_t icmp[64];
        size_t k = build_icmp_echo(icmp, 8, 0x4242, 3, data, 24);
        n = build_eth(fr, fake_mac, fake_peer_mac, 0x0800);
        build_ip4(fr + n, FAKE_PEER, FAKE_IP, 1, NULL, 0);
        fr[n] = 0x47;
        put_be16(fr + n + 2, (uint16_t)(28 + k));
        memset(fr + n + 20, 1, 7);
        fr[n + 27] = 0;
        memcpy(fr + n + 28, icmp, k);
        fix_ip(fr);
        put("icmp-echo-ip-options", fr, n + 28 + k);
    }

    /* IPv4 */
    n = frame_echo(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 8, 1, 1, data, 16);
    put_be16(fr + 20, 0x2000);
    fix_ip(fr);
    put("ip-fragment", fr, n);

    /* UDP */
    n = frame_udp(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 40000, 7, data, 100);
    put("udp-echo", fr, n);
    n = frame_udp(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 40000, 9999, data, 10);
    put("udp-closed-port", fr, n);
    n = frame_udp(fr, fake_mac, fake_peer_mac, FAKE_PEER, FAKE_IP, 40000, 5000, data, 32);
    put("udp-bound-port", fr, n);
    fr[n - 1] ^= 0x40;
    put("udp-bad-checksum", fr, n);

    /* DHCP (from 10.0.2.2 to broadcast, xid FAKE_XID) */
    m = dhcp_std_opts(opts, 2, 86400);
    n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, m);
    put("dhcp-offer", fr, n);
    put("dhcp-offer-truncated", fr, n - 6);
    m = dhcp_std_opts(opts, 5, 86400);
    n = frame_dhcp(fr, FAKE_XID, FAKE_IP, opts, m);
    put("dhcp-ack", fr, n);
    m = dhcp_std_opts(opts, 6, 0);
    n = frame_dhcp(fr, FAKE_XID, 0, opts, m);
    put("dhcp-nak", fr, n);
    {
        static const uint8_t top[] = {52, 1, 3, 255};
        m = build_dhcp(msg, FAKE_XID, fake_mac, FAKE_IP, top, sizeof(top));
        memcpy(msg + 108, (const uint8_t[]){53, 1, 2, 51, 4, 0, 0, 2, 88, 255}, 10);
        memcpy(msg + 44, (const uint8_t[]){54, 4, 10, 0, 2, 2, 255}, 7);
        n = frame_udp(fr, fake_bcast_mac, fake_gw_mac, FAKE_GW, 0xffffffffu, 67, 68, msg, m);
        put("dhcp-offer-overload", fr, n);
    }
    return 0;
}
