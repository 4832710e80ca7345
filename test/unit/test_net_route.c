/*
 * test_net_route.c - host tests for the choice of interface by destination
 * (net/route.c; the rule is in net/route.h): on-link first, in interface
 * order; then the first interface with a gateway; interfaces without an
 * address or with the link down never chosen; the limited broadcast; and
 * a sweep that checks every answer against the rule written out again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netif.h"
#include "route.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static struct netif nif[4];
static struct netif *tab[4];

static void set(unsigned i, uint32_t addr, uint32_t mask, uint32_t gw, bool up)
{
    memset(&nif[i], 0, sizeof(nif[i]));
    nif[i].ipv4.addr = addr;
    nif[i].ipv4.netmask = mask;
    nif[i].ipv4.gw = gw;
    nif[i].link_up = up;
    tab[i] = &nif[i];
}

/* The test's setting: net0 on the user network with a gateway (DHCP),
 * net1 on 192.0.2.0/24 without one (ip1=). */
static void two(void)
{
    set(0, IP(10, 0, 2, 15), IP(255, 255, 255, 0), IP(10, 0, 2, 2), true);
    set(1, IP(192, 0, 2, 2), IP(255, 255, 255, 0), 0, true);
}

static void test_route_on_link_first(void **state)
{
    (void)state;
    two();
    assert_ptr_equal(net_route(tab, 2, IP(192, 0, 2, 1)), &nif[1]);
    assert_ptr_equal(net_route(tab, 2, IP(192, 0, 2, 255)), &nif[1]); /* its subnet broadcast */
    assert_ptr_equal(net_route(tab, 2, IP(10, 0, 2, 2)), &nif[0]);
    assert_ptr_equal(net_route(tab, 2, IP(10, 0, 2, 3)), &nif[0]);
    /* Off every link: the interface with the gateway, whichever index. */
    assert_ptr_equal(net_route(tab, 2, IP(198, 51, 100, 7)), &nif[0]);
    set(0, IP(10, 0, 2, 15), IP(255, 255, 255, 0), 0, true);
    set(1, IP(192, 0, 2, 2), IP(255, 255, 255, 0), IP(192, 0, 2, 1), true);
    assert_ptr_equal(net_route(tab, 2, IP(198, 51, 100, 7)), &nif[1]);
    assert_ptr_equal(net_route(tab, 2, IP(10, 0, 2, 2)), &nif[0]); /* on-link beats the gateway */
}

static void test_route_order(void **state)
{
    (void)state;
    /* Two interfaces on overlapping subnets: the first in order wins, the
     * narrower one is not preferred (no longest-prefix match: documented). */
    set(0, IP(192, 0, 2, 2), IP(255, 255, 255, 0), IP(192, 0, 2, 1), true);
    set(1, IP(192, 0, 2, 130), IP(255, 255, 255, 128), IP(192, 0, 2, 129), true);
    assert_ptr_equal(net_route(tab, 2, IP(192, 0, 2, 140)), &nif[0]);
    assert_ptr_equal(net_route(tab, 2, IP(203, 0, 113, 1)), &nif[0]); /* both have a gateway: the first */
    /* Only the first n count. */
    assert_ptr_equal(net_route(tab, 1, IP(192, 0, 2, 140)), &nif[0]);
    two();
    assert_ptr_equal(net_route(tab, 1, IP(192, 0, 2, 1)), &nif[0]); /* via net0's gateway */
}

static void test_route_unusable(void **state)
{
    (void)state;
    two();
    nif[1].link_up = false; /* link down: never chosen, not even on-link */
    assert_ptr_equal(net_route(tab, 2, IP(192, 0, 2, 1)), &nif[0]);
    nif[0].link_up = false;
    assert_null(net_route(tab, 2, IP(192, 0, 2, 1)));
    two();
    nif[0].ipv4.addr = 0; /* no address yet (DHCP asking): never chosen */
    assert_null(net_route(tab, 2, IP(198, 51, 100, 7))); /* net1 has no gateway */
    assert_ptr_equal(net_route(tab, 2, IP(192, 0, 2, 1)), &nif[1]);
    /* No gateway anywhere, off-link: none. */
    two();
    nif[0].ipv4.gw = 0;
    assert_null(net_route(tab, 2, IP(198, 51, 100, 7)));
    /* Empty tables and NULL entries. */
    assert_null(net_route(tab, 0, IP(10, 0, 2, 2)));
    assert_null(net_route(NULL, 2, IP(10, 0, 2, 2)));
    struct netif *holes[3] = {NULL, &nif[1], NULL};
    assert_ptr_equal(net_route(holes, 3, IP(192, 0, 2, 1)), &nif[1]);
}

static void test_route_broadcast(void **state)
{
    (void)state;
    two();
    /* 255.255.255.255: the gateway's interface, else the first usable. */
    assert_ptr_equal(net_route(tab, 2, 0xffffffffu), &nif[0]);
    nif[0].ipv4.gw = 0;
    assert_ptr_equal(net_route(tab, 2, 0xffffffffu), &nif[0]);
    nif[0].link_up = false;
    assert_ptr_equal(net_route(tab, 2, 0xffffffffu), &nif[1]);
    nif[1].ipv4.addr = 0;
    assert_null(net_route(tab, 2, 0xffffffffu));
}

/* The rule again, written the long way, against net_route on random
 * tables of four interfaces and random destinations. */
static struct netif *reference(size_t n, uint32_t dst)
{
    for (size_t pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < n; i++) {
            struct netif *f = tab[i];
            if (!f->link_up || !f->ipv4.addr)
                continue;
            bool on_link = ((dst ^ f->ipv4.addr) & f->ipv4.netmask) == 0;
            if (pass == 0 && dst != 0xffffffffu && on_link)
                return f;
            if (pass == 1 && f->ipv4.gw)
                return f;
            if (pass == 2 && dst == 0xffffffffu)
                return f;
        }
    return NULL;
}

static void test_route_sweep(void **state)
{
    (void)state;
    uint32_t x = 12345;
    unsigned chosen[5] = {0};
    for (int round = 0; round < 20000; round++) {
        for (unsigned i = 0; i < 4; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            unsigned prefix = 8 + x % 25; /* /8 .. /32 */
            uint32_t mask = prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
            /* Addresses from a few subnets, so that they overlap often. */
            uint32_t addr = IP(192, 0, 2, 0) | (x >> 8 & 0x3ff);
            set(i, (x & 7) == 0 ? 0 : addr, mask, (x & 0x30) ? addr ^ 1 : 0, (x & 0x300) != 0);
        }
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        uint32_t dst = (x & 15) == 0 ? 0xffffffffu : (x & 1) ? IP(192, 0, 2, 0) | (x >> 4 & 0x3ff) : x;
        size_t n = 1 + x % 4;
        struct netif *want = reference(n, dst), *got = net_route(tab, n, dst);
        if (got != want)
            fail_msg("round %d dst %08x: got net%d, want net%d", round, dst, got ? (int)(got - nif) : -1,
                     want ? (int)(want - nif) : -1);
        chosen[want ? (unsigned)(want - nif) : 4]++;
    }
    for (unsigned i = 0; i < 5; i++) /* every outcome happened: the sweep tests something */
        assert_true(chosen[i] > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_on_link_first),
        cmocka_unit_test(test_route_order),
        cmocka_unit_test(test_route_unusable),
        cmocka_unit_test(test_route_broadcast),
        cmocka_unit_test(test_route_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
