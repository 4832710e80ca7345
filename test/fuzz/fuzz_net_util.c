/*
 * fuzz_net_util.c - see fuzz_net_util.h.
 */
#include "fuzz_net_util.h"

#include "fake_netif.h"
#include "prot/be.h"

static uint32_t pseudo_sum(const uint8_t *ip, size_t ulen)
{
    uint32_t src = (uint32_t)get_be16(ip + 12) << 16 | get_be16(ip + 14);
    uint32_t dst = (uint32_t)get_be16(ip + 16) << 16 | get_be16(ip + 18);
    return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + (uint32_t)ulen;
}

bool fuzz_fix_checksums(uint8_t *f, size_t n)
{
    uint8_t *ip = f + 14;
    size_t hlen, total;

    if (n < 34 || get_be16(f + 12) != 0x0800)
        return false;
    hlen = (size_t)(ip[0] & 0xf) * 4;
    if (hlen < 20 || hlen > n - 14)
        return false;
    put_be16(ip + 10, 0);
    put_be16(ip + 10, fake_csum(ip, hlen, 0));
    total = get_be16(ip + 2);
    if (total > n - 14)
        total = n - 14;
    if (total <= hlen)
        return true;
    if (ip[9] == 1 && total - hlen >= 4) {
        put_be16(ip + hlen + 2, 0);
        put_be16(ip + hlen + 2, fake_csum(ip + hlen, total - hlen, 0));
    } else if (ip[9] == 17 && total - hlen >= 8) {
        uint8_t *u = ip + hlen;
        size_t ulen = get_be16(u + 4);
        if (ulen >= 8 && ulen <= total - hlen) {
            uint16_t c;
            put_be16(u + 6, 0);
            c = fake_csum(u, ulen, pseudo_sum(ip, ulen));
            put_be16(u + 6, c ? c : 0xffff);
        }
    } else if (ip[9] == 6 && total - hlen >= 20) {
        /* TCP: over the whole IP payload, proto 6 in the pseudo-header */
        uint8_t *t = ip + hlen;
        size_t tlen = total - hlen;
        put_be16(t + 16, 0);
        put_be16(t + 16, fake_csum(t, tlen, pseudo_sum(ip, tlen) - 17 + 6));
    }
    return true;
}

const char *fuzz_check_output(const uint8_t *f, size_t n)
{
    const uint8_t *ip = f + 14;
    size_t hlen, total;

    if (n < 14)
        return "shorter than an Ethernet header";
    if (get_be16(f + 12) == 0x0806)
        return n >= 42 && get_be16(f + 14) == 1 && get_be16(f + 16) == 0x0800 && f[18] == 6 && f[19] == 4
                   ? NULL
                   : "a malformed ARP packet";
    if (get_be16(f + 12) != 0x0800)
        return "neither IPv4 nor ARP";
    if (n < 34 || (ip[0] >> 4) != 4)
        return "a short or non-v4 IP header";
    hlen = (size_t)(ip[0] & 0xf) * 4;
    total = get_be16(ip + 2);
    if (hlen < 20 || total < hlen || total > n - 14)
        return "an IPv4 header or total length outside the frame";
    if (fake_csum(ip, hlen, 0) != 0)
        return "a wrong IPv4 header checksum";
    if (ip[9] == 1 && (total - hlen < 8 || fake_csum(ip + hlen, total - hlen, 0) != 0))
        return "a short ICMP message or a wrong ICMP checksum";
    if (ip[9] == 17) {
        const uint8_t *u = ip + hlen;
        size_t ulen;
        if (total - hlen < 8)
            return "a short UDP header";
        ulen = get_be16(u + 4);
        if (ulen < 8 || ulen > total - hlen)
            return "a UDP length outside the datagram";
        if (get_be16(u + 6) != 0 && fake_csum(u, ulen, pseudo_sum(ip, ulen)) != 0)
            return "a wrong UDP checksum";
    }
    return NULL;
}
