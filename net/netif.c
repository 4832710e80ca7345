/*
 * netif.c - the interface: Ethernet II receive and transmit, timers, the
 * Internet checksum, randomness and small address helpers.
 *
 * Ethernet receive accepts frames to our MAC and to the broadcast address;
 * everything else (other unicast, multicast, runts, group source addresses,
 * EtherTypes other than IPv4 and ARP, 802.3 length frames) is dropped with
 * its own counter.  Frames are not padded to 60 bytes on transmit: virtio
 * and the host bridges behind it do not need it.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "net_priv.h"
#include "prot/be.h"
#include "prot/ethernet.h"
#include "prot/ip4.h"
#include "udiv64.h"

_Alignas(2) const uint8_t net_eth_broadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* ---- randomness and clock -------------------------------------------------
 * Process-wide hooks rather than per-netif: a driver needs a random MAC
 * before its netif exists, and one source serves every interface. */

static uint32_t (*random_hook)(void);
static uint32_t prng_state = 0x2545f491u;
static uint64_t (*clock_hook)(void);

void net_set_random(uint32_t (*fn)(void))
{
    random_hook = fn;
}

void net_seed_random(uint32_t seed)
{
    prng_state = seed ? seed : 0x2545f491u; /* xorshift must not start at 0 */
}

uint32_t net_random(void)
{
    uint32_t x;

    if (random_hook)
        return random_hook();
    x = prng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    prng_state = x;
    return x;
}

void net_random_mac(uint8_t mac[6])
{
    uint32_t a = net_random(), b = net_random();

    mac[0] = (uint8_t)(((a >> 24) & ~ETH_ADDR_GROUP) | ETH_ADDR_LOCAL);
    mac[1] = (uint8_t)(a >> 16);
    mac[2] = (uint8_t)(a >> 8);
    mac[3] = (uint8_t)a;
    mac[4] = (uint8_t)(b >> 8);
    mac[5] = (uint8_t)b;
}

/* The clock held for one TCP segment's input or one tick (net_clock_hold,
 * around tcp_input in ip4.c and in net_tick): the hook is read at most once
 * per hold, at the first net_now_us/net_now_ms, and the milliseconds are
 * derived with it (TCP, the usual reader, wants them).  Reading a counter
 * and converting it costs more than the rest of a small segment's path on
 * a CPU without a 64-bit divide, and TCP asks for the time several times
 * per segment; within one input the answers would differ by microseconds
 * at most, and TCP's timers count milliseconds.  Time still never goes
 * backwards: each hold reads the hook afresh, after the previous hold's
 * reading.  Outside a hold (ICMP's RTTs, the application sending from its
 * own loop) every call reads the hook.  Process-wide like the hook (one
 * clock serves every interface); depth counts nested holds, should an
 * input ever be delivered inside another. */
static struct {
    unsigned depth;
    bool valid;
    uint64_t us, ms;
} held;

void net_set_clock(uint64_t (*now_us)(void))
{
    clock_hook = now_us;
    held.valid = false;
}

void net_clock_hold(void)
{
    if (held.depth++ == 0)
        held.valid = false;
}

void net_clock_release(void)
{
    held.depth--;
}

/* The first reading in a hold; clock_hook is not NULL. */
static void net_clock_read(void)
{
    held.us = clock_hook();
    held.ms = udiv64_by1000(held.us);
    held.valid = true;
}

uint64_t net_now_us(const struct netif *nif)
{
    if (clock_hook == NULL)
        return nif->now_ms * 1000u;
    if (held.depth == 0)
        return clock_hook();
    if (!held.valid)
        net_clock_read();
    return held.us;
}

uint64_t net_now_ms(const struct netif *nif)
{
    if (clock_hook == NULL)
        return nif->now_ms;
    if (held.depth == 0)
        return udiv64_by1000(clock_hook());
    if (!held.valid)
        net_clock_read();
    return held.ms;
}

/* ---- checksum (RFC 1071) ------------------------------------------------- */

/* The ones'-complement sum of 16-bit words does not depend on the order the
 * words are added in, and swapping the two bytes of every word swaps the two
 * bytes of the sum (RFC 1071, 2(A) and 2(B)).  So the data is summed as
 * native 32-bit words from aligned addresses into a 64-bit accumulator (two
 * words per load; 2^32 loads before it could overflow), folded to 16 bits
 * and byte-swapped once on a little-endian CPU: 0.6 instructions a byte on
 * aarch64 and 0.9 on arm (the loop's 16 bytes), against 3 for bytewise
 * big-endian words. */
static uint16_t fold16(uint64_t a)
{
    a = (a & 0xffffffffu) + (a >> 32); /* < 2^33 */
    a = (a & 0xffffu) + (a >> 16);     /* < 2^17 + 2^16 */
    a = (a & 0xffffu) + (a >> 16);     /* <= 0x10001 */
    a = (a & 0xffffu) + (a >> 16);     /* <= 0xffff */
    return (uint16_t)a;
}

static uint16_t swap16(uint16_t w)
{
    return (uint16_t)(w << 8 | w >> 8);
}

/* The native-order sum of len bytes at p, which is 2-byte aligned; an odd
 * last byte is the word's first byte, the second being 0.  The loads are
 * __builtin_memcpy (-ffreestanding makes memcpy a call) from addresses the
 * compiler is told are aligned: one load instruction each, on riscv64 too. */
static uint64_t sum_native(const uint8_t *p, size_t len)
{
    uint64_t acc = 0;
    uint16_t h;
    uint32_t a, b, c, d;

    if (len == 0)
        return 0; /* (p may be odd then: no alignment is promised below) */
    p = __builtin_assume_aligned(p, 2); /* net_sum() passes an even address */
    if (((uintptr_t)p & 2) && len >= 2) {
        __builtin_memcpy(&h, p, 2);
        acc += h;
        p += 2;
        len -= 2;
    }
    if (((uintptr_t)p & 2) == 0) {
        const uint8_t *q = __builtin_assume_aligned(p, 4);
        for (; len >= 16; q += 16, len -= 16) {
            __builtin_memcpy(&a, q, 4);
            __builtin_memcpy(&b, q + 4, 4);
            __builtin_memcpy(&c, q + 8, 4);
            __builtin_memcpy(&d, q + 12, 4);
            acc += (uint64_t)a + b + c + d;
        }
        for (; len >= 4; q += 4, len -= 4) {
            __builtin_memcpy(&a, q, 4);
            acc += a;
        }
        p = q;
    }
    if (len >= 2) {
        __builtin_memcpy(&h, p, 2);
        acc += h;
        p += 2;
        len -= 2;
    }
    if (len) {
        const uint8_t t[2] = {p[0], 0};
        __builtin_memcpy(&h, t, 2);
        acc += h;
    }
    return acc;
}

uint32_t net_sum(const uint8_t *p, size_t len, uint32_t sum)
{
    uint32_t s = (sum & 0xffffu) + (sum >> 16); /* <= 0x1fffe */
    uint32_t head = 0;
    bool odd = ((uintptr_t)p & 1) && len;
    if (odd) {
        /* The first byte is the high half of the first word; the rest is
         * summed one byte off the data's word boundaries, which swaps it. */
        head = (uint32_t)p[0] << 8;
        p++;
        len--;
    }
    uint16_t w = fold16(sum_native(p, len));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    w = swap16(w); /* the sum of big-endian words */
#endif
    if (odd)
        w = swap16(w);
    return s + head + w; /* < 2^18: net_fold() and further sums take it */
}

uint16_t net_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffffu) + (sum >> 16);
    return (uint16_t)~sum;
}

uint16_t net_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
    uint32_t sum = (uint32_t)(uint16_t)~csum + (uint16_t)~old_word + new_word;
    return net_fold(sum);
}

uint32_t net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
    return (src >> 16) + (src & 0xffffu) + (dst >> 16) + (dst & 0xffffu) + proto + len;
}

bool net_l4_csum_trusted(const struct netbuf *nb, const struct net_rx *rx, uint16_t field_off,
                         uint32_t *bad_partial, bool *drop)
{
    *drop = false;
    if (rx->l4_csum & NETBUF_CSUM_PARTIAL) {
        /* The device says: sum from csum_start to the end into the field
         * at csum_offset.  Only the transport header's own checksum field
         * makes that the transport checksum (the driver has only checked
         * that it lies inside the frame). */
        if (rx->csum_start != nb->off || rx->csum_offset != field_off) {
            (*bad_partial)++;
            *drop = true;
            return false;
        }
        return true;
    }
    return (rx->l4_csum & NETBUF_CSUM_VALID) != 0;
}

/* ---- addresses ------------------------------------------------------------ */

bool net_ip4_is_bcast(const struct netif *nif, uint32_t a)
{
    if (a == IP4_ADDR_BROADCAST)
        return true;
    /* a /31 or /32 has no subnet broadcast (RFC 3021) */
    return nif->ipv4.addr != 0 && nif->ipv4.netmask < 0xfffffffeu &&
           a == (nif->ipv4.addr | ~nif->ipv4.netmask);
}

bool net_ip4_usable(uint32_t a)
{
    /* 0/8 is "this network" (RFC 1122 3.2.1.3 (a)): a source only while a
     * host learns its address, never one to own or to send to. */
    return (a >> 24) != 0 && (a >> 24) != 127 && a < 0xe0000000u;
}

bool net_ip4_mask_valid(uint32_t m)
{
    return m != 0 && (~m & (~m + 1u)) == 0;
}

uint32_t net_ip4_classful_mask(uint32_t a)
{
    if ((a & 0x80000000u) == 0)
        return 0xff000000u;
    if ((a & 0xc0000000u) == 0x80000000u)
        return 0xffff0000u;
    return 0xffffff00u;
}

char *net_ip4_str(uint32_t addr, char buf[16])
{
    char *p = buf;
    int shift;

    for (shift = 24; shift >= 0; shift -= 8) {
        unsigned v = (addr >> shift) & 0xffu;
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        if (shift)
            *p++ = '.';
    }
    *p = '\0';
    return buf;
}

unsigned net_ip4_prefix_len(uint32_t netmask)
{
    unsigned n = 0;

    while (n < 32 && (netmask & (0x80000000u >> n)))
        n++;
    return n;
}

/* ---- interface ------------------------------------------------------------ */

void netif_init(struct netif *nif, const uint8_t mac[6], const struct netif_ops *ops,
                void *driver)
{
    memset(nif, 0, sizeof(*nif));
    memcpy(nif->mac, mac, 6);
    nif->mtu = nif->mtu_dev = NETIF_MTU;
    nif->ops = ops;
    nif->driver = driver;
    nif->udp_echo = true;
    nif->ip_id = (uint16_t)net_random();
}

void netif_set_link(struct netif *nif, bool up)
{
    bool was = nif->link_up;

    nif->link_up = up;
    if (up && !was && nif->ipv4.addr != 0)
        arp_announce(nif);
}

bool netif_announce(struct netif *nif)
{
    if (!nif->link_up || nif->ipv4.addr == 0)
        return false;
    return arp_announce(nif);
}

static uint16_t mtu_clamp(unsigned mtu)
{
    return (uint16_t)(mtu < NETIF_MTU_MIN ? NETIF_MTU_MIN : mtu > NETIF_MTU ? NETIF_MTU : mtu);
}

/* The one place nif->mtu is computed: each limit's owner sets only its
 * own, so a device re-initialisation cannot undo the DHCP server's limit,
 * nor a lease raise the MTU past what the device takes. */
static void mtu_update(struct netif *nif)
{
    nif->mtu = nif->mtu_cfg && nif->mtu_cfg < nif->mtu_dev ? nif->mtu_cfg : nif->mtu_dev;
}

void netif_set_mtu(struct netif *nif, unsigned mtu)
{
    nif->mtu_dev = mtu_clamp(mtu);
    mtu_update(nif);
}

void netif_set_mtu_cfg(struct netif *nif, unsigned mtu)
{
    nif->mtu_cfg = mtu ? mtu_clamp(mtu) : 0;
    mtu_update(nif);
}

void netif_set_ipv4(struct netif *nif, uint32_t addr, uint32_t netmask, uint32_t gw)
{
    nif->ipv4.addr = addr;
    nif->ipv4.netmask = addr ? netmask : 0;
    nif->ipv4.gw = addr ? gw : 0;
    if (nif->link_up && addr != 0)
        arp_announce(nif);
}

void net_tick(struct netif *nif, uint64_t now_ms)
{
    if (now_ms > nif->now_ms)
        nif->now_ms = now_ms;
    net_clock_hold();
    arp_tick(nif);
    dhcp_tick(nif);
    ping_tick(nif);
    if (nif->tcp)
        tcp_tick(nif);
    net_clock_release();
}

/* ---- Ethernet ------------------------------------------------------------- */

struct netbuf *net_tx_alloc(struct netif *nif, uint16_t reserve)
{
    struct netbuf *nb = nif->ops->tx_alloc(nif);

    if (nb == NULL) {
        nif->stats.no_tx_buffer++;
        return NULL;
    }
    /* The contract in netif.h; checked because the rest of the transmit
     * path writes up to NETIF_FRAME_MAX bytes without looking again. */
    if (nb->off < NETIF_HEADROOM || nb->len != 0 ||
        (uint32_t)nb->cap < (uint32_t)nb->off + NETIF_FRAME_MAX) {
        nif->stats.tx_bad_buffer++;
        netbuf_release(nb);
        return NULL;
    }
    nb->off = (uint16_t)(nb->off + reserve);
    nb->csum_flags = 0; /* nothing offloaded unless the layer that fills it asks */
    return nb;
}

int eth_output(struct netif *nif, struct netbuf *nb, const uint8_t dst[6], uint16_t type)
{
    struct eth_hdr *eh;
    int err;

    if (!nif->link_up) {
        nif->stats.tx_link_down++;
        netbuf_release(nb);
        return -NET_ELINKDOWN;
    }
    if (!netbuf_push(nb, ETH_HLEN)) {
        nif->stats.tx_no_headroom++;
        netbuf_release(nb);
        return -NET_ENOBUFS;
    }
    eh = (struct eth_hdr *)netbuf_data(nb);
    eth_addr_copy(eh->dst, dst);
    eth_addr_copy(eh->src, nif->mac);
    put_be16(eh->type, type);
    nif->stats.tx_frames++;
    err = nif->ops->output(nif, nb);
    if (err < 0)
        nif->stats.tx_errors++;
    return err;
}

void netif_input(struct netif *nif, struct netbuf *nb)
{
    const struct eth_hdr *eh;
    struct net_rx rx;
    uint16_t type;

    nif->stats.rx_frames++;
    if ((uint32_t)nb->off + nb->len > nb->cap) {
        nif->stats.rx_bad_buffer++;
        goto drop;
    }
    if (nb->len < ETH_HLEN) {
        nif->stats.eth_runt++;
        goto drop;
    }
    eh = (const struct eth_hdr *)netbuf_data(nb);
    memset(&rx, 0, sizeof(rx));
    if (eth_addr_eq(eh->dst, nif->mac)) {
        /* unicast to us */
    } else if (eth_addr_eq(eh->dst, net_eth_broadcast)) {
        rx.l2_bcast = true;
    } else if (eh->dst[0] & ETH_ADDR_GROUP) {
        nif->stats.eth_multicast++;
        goto drop;
    } else {
        nif->stats.eth_not_for_us++;
        goto drop;
    }
    if (eh->src[0] & ETH_ADDR_GROUP) {
        nif->stats.eth_bad_src++;
        goto drop;
    }
    eth_addr_copy(rx.eth_src, eh->src);
    /* The checksum metadata moves to rx: the buffer may go out again as a
     * reply, offloaded only if the layer that builds it asks. */
    if (nb->csum_flags & NETBUF_CSUM_PARTIAL) {
        rx.l4_csum = NETBUF_CSUM_PARTIAL;
        rx.csum_start = nb->csum_start;
        rx.csum_offset = nb->csum_offset;
        nif->stats.rx_csum_partial++;
    } else if (nb->csum_flags & NETBUF_CSUM_VALID) {
        rx.l4_csum = NETBUF_CSUM_VALID;
        nif->stats.rx_csum_valid++;
    }
    nb->csum_flags = 0;
    type = get_be16(eh->type);
    netbuf_pull(nb, ETH_HLEN);
    switch (type) {
    case ETHTYPE_IPV4:
        ip4_input(nif, nb, &rx);
        return;
    case ETHTYPE_ARP:
        arp_input(nif, nb, &rx);
        return;
    default:
        nif->stats.eth_unknown_type++;
        goto drop;
    }
drop:
    netbuf_release(nb);
}
