/*
 * test_net_ipcfg.c - host tests for the `ip=` kernel-argument parser
 * (net/ipcfg.c): a table of good and bad bootargs strings with the exact
 * result each must give, the error strings (and the stack's own,
 * net_strerror() in net/neterr.c), net_ipcfg_apply() on a fake netif,
 * and the per-interface keys ip1= ... ip9= (net_parse_ip_arg_index).  Each bootargs string is copied into an exactly-sized heap
 * buffer so AddressSanitizer catches a read past its NUL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_netif.h"
#include "ipcfg.h"
#include "netif.h"

struct good {
    const char *args;
    enum net_ipcfg_mode mode;
    uint32_t addr, netmask, gw, server;
    const char *hostname, *device;
};

static const struct good goods[] = {
    {"", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"console=ttyAMA0 root=/dev/vda", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"ip=dhcp", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"console=ttyAMA0 ip=on quiet", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"ip=any", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"ip=off", NET_IPCFG_NONE, 0, 0, 0, 0, "", ""},
    {"ip=none", NET_IPCFG_NONE, 0, 0, 0, 0, "", ""},
    {"ip=", NET_IPCFG_NONE, 0, 0, 0, 0, "", ""},
    {"a ip= b", NET_IPCFG_NONE, 0, 0, 0, 0, "", ""},
    {"ip=192.0.2.2::192.0.2.1:255.255.255.0", NET_IPCFG_STATIC, 0xc0000202u, 0xffffff00u,
     0xc0000201u, 0, "", ""},
    {"ip=10.0.2.15:10.0.2.2:10.0.2.2:255.255.255.0:vbare:eth0:off", NET_IPCFG_STATIC,
     0x0a00020fu, 0xffffff00u, 0x0a000202u, 0x0a000202u, "vbare", "eth0"},
    {"ip=10.0.2.15:::255.255.255.0::eth0:none:8.8.8.8:1.1.1.1", NET_IPCFG_STATIC, 0x0a00020fu,
     0xffffff00u, 0, 0, "", "eth0"},
    {"ip=10.0.2.15", NET_IPCFG_STATIC, 0x0a00020fu, 0xff000000u, 0, 0, "", ""},
    {"ip=192.168.1.5:::", NET_IPCFG_STATIC, 0xc0a80105u, 0xffffff00u, 0, 0, "", ""},
    {"ip=172.16.0.5::::", NET_IPCFG_STATIC, 0xac100005u, 0xffff0000u, 0, 0, "", ""},
    {"ip=10.0.0.1:::255.255.255.254", NET_IPCFG_STATIC, 0x0a000001u, 0xfffffffeu, 0, 0, "", ""},
    {"ip=10.0.0.0:::255.255.255.255", NET_IPCFG_STATIC, 0x0a000000u, 0xffffffffu, 0, 0, "", ""},
    {"ip=0.0.0.0:::255.255.255.0", NET_IPCFG_DHCP, 0, 0xffffff00u, 0, 0, "", ""},
    {"ip=10.0.2.15::10.0.2.2:255.255.255.0:::dhcp", NET_IPCFG_DHCP, 0x0a00020fu, 0xffffff00u,
     0x0a000202u, 0, "", ""},
    {"ip=::10.0.2.2:255.255.255.0", NET_IPCFG_DHCP, 0, 0xffffff00u, 0x0a000202u, 0, "", ""},
    {"ip=:::::eth0:off", NET_IPCFG_NONE, 0, 0, 0, 0, "", "eth0"},
    {"nfsip=1.2.3.4 ip=dhcp", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"xip=1.2.3.4", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"ip=1.2.3.4::1.2.3.1:255.255.255.0 ip=dhcp", NET_IPCFG_DHCP, 0, 0, 0, 0, "", ""},
    {"ip=dhcp ip=192.0.2.2::192.0.2.1:255.255.255.0", NET_IPCFG_STATIC, 0xc0000202u,
     0xffffff00u, 0xc0000201u, 0, "", ""},
    {"root=x\tip=192.0.2.2::192.0.2.1:255.255.255.0\n", NET_IPCFG_STATIC, 0xc0000202u,
     0xffffff00u, 0xc0000201u, 0, "", ""},
    {"ip=192.0.2.2:::255.255.255.0:"
     "h23456789012345678901234567890123456789012345678901234567890123",
     NET_IPCFG_STATIC, 0xc0000202u, 0xffffff00u, 0, 0,
     "h23456789012345678901234567890123456789012345678901234567890123", ""},
    {"ip=192.0.2.2:::255.255.255.0::d23456789012345", NET_IPCFG_STATIC, 0xc0000202u,
     0xffffff00u, 0, 0, "", "d23456789012345"},
    {"ip=192.0.2.2 quiet", NET_IPCFG_STATIC, 0xc0000202u, 0xffffff00u, 0, 0, "", ""},
    {"ip=223.255.255.254:::255.255.255.0:x", NET_IPCFG_STATIC, 0xdffffffeu, 0xffffff00u, 0, 0,
     "x", ""},
};

struct bad {
    const char *args;
    int err;
};

static const struct bad bads[] = {
    {"ip=bootp", NET_IPCFG_EAUTOCONF},
    {"ip=rarp", NET_IPCFG_EAUTOCONF},
    {"ip=both", NET_IPCFG_EAUTOCONF},
    {"ip=foo", NET_IPCFG_EBADADDR},
    {"ip=DHCP", NET_IPCFG_EBADADDR},
    {"ip=192.0.2.256::192.0.2.1:255.255.255.0", NET_IPCFG_EBADADDR},
    {"ip=192.0.2::192.0.2.1:255.255.255.0", NET_IPCFG_EBADADDR},
    {"ip=192.0.2.2.1", NET_IPCFG_EBADADDR},
    {"ip=192.0.2.02", NET_IPCFG_EBADADDR},
    {"ip=192.0.2.-2", NET_IPCFG_EBADADDR},
    {"ip=+192.0.2.2", NET_IPCFG_EBADADDR},
    {"ip=1922.0.2.2", NET_IPCFG_EBADADDR},
    {"ip=192.0.2.", NET_IPCFG_EBADADDR},
    {"ip=.0.2.2", NET_IPCFG_EBADADDR},
    {"ip=192..2.2", NET_IPCFG_EBADADDR},
    {"ip=0x7f.0.0.1", NET_IPCFG_EBADADDR},
    {"ip=192.0.2.2:x:192.0.2.1:255.255.255.0", NET_IPCFG_EBADSERVER},
    {"ip=192.0.2.2::192.0.2.:255.255.255.0", NET_IPCFG_EBADGW},
    {"ip=192.0.2.2::192.0.2.1:255.0.255.0", NET_IPCFG_EBADMASK},
    {"ip=192.0.2.2::192.0.2.1:0.0.0.0", NET_IPCFG_EBADMASK},
    {"ip=192.0.2.2::192.0.2.1:255.255.255.0x", NET_IPCFG_EBADMASK},
    {"ip=192.0.2.2::192.0.2.1:255.255.255.1", NET_IPCFG_EBADMASK},
    {"ip=127.0.0.1", NET_IPCFG_EUNUSABLE},
    {"ip=224.0.0.1", NET_IPCFG_EUNUSABLE},
    {"ip=240.0.0.1", NET_IPCFG_EUNUSABLE},
    {"ip=255.255.255.255", NET_IPCFG_EUNUSABLE},
    /* 0/8 is "this network" (RFC 1122 3.2.1.3): a source only while a
     * host starts, never an address it keeps ("0.0.2.15" for 10.0.2.15) */
    {"ip=0.0.2.15", NET_IPCFG_EUNUSABLE},
    {"ip=0.1.2.3::0.1.2.1:255.255.255.0", NET_IPCFG_EUNUSABLE},
    {"ip=1.2.3.4::0.0.0.5:254.0.0.0", NET_IPCFG_EGWOFFLINK},
    {"ip=192.0.2.0::192.0.2.1:255.255.255.0", NET_IPCFG_EUNUSABLE},
    {"ip=192.0.2.255::192.0.2.1:255.255.255.0", NET_IPCFG_EUNUSABLE},
    {"ip=192.0.2.2::198.51.100.1:255.255.255.0", NET_IPCFG_EGWOFFLINK},
    {"ip=192.0.2.2::192.0.2.2:255.255.255.0", NET_IPCFG_EGWOFFLINK},
    {"ip=192.0.2.2::192.0.2.255:255.255.255.0", NET_IPCFG_EGWOFFLINK},
    {"ip=192.0.2.2::192.0.2.0:255.255.255.0", NET_IPCFG_EGWOFFLINK},
    {"ip=192.0.2.2::127.0.0.1:255.0.0.0", NET_IPCFG_EGWOFFLINK},
    {"ip=192.0.2.2:::255.255.255.0:"
     "h234567890123456789012345678901234567890123456789012345678901234",
     NET_IPCFG_ELONG},
    {"ip=192.0.2.2:::255.255.255.0::d234567890123456", NET_IPCFG_ELONG},
    {"ip=192.0.2.2::192.0.2.1:255.255.255.0:::bootp", NET_IPCFG_EAUTOCONF},
    {"ip=192.0.2.2::192.0.2.1:255.255.255.0:::foo", NET_IPCFG_EAUTOCONF},
    {"ip=192.0.2.2::192.0.2.1:255.255.255.0:::Off", NET_IPCFG_EAUTOCONF},
    {"ip=dhcp ip=1.2.3", NET_IPCFG_EBADADDR},
};

static char *exact(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

static void test_ipcfg_good(void **state)
{
    struct net_ipcfg c;
    size_t i;

    (void)state;
    assert_int_equal(net_parse_ip_arg(NULL, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_DHCP);
    for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
        char *a = exact(goods[i].args);
        int r;
        memset(&c, 0x77, sizeof(c));
        r = net_parse_ip_arg(a, &c);
        if (r != 0)
            fail_msg("\"%s\": error %d (%s)", goods[i].args, r, net_ipcfg_strerror(r));
        if (c.mode != goods[i].mode || c.addr != goods[i].addr || c.netmask != goods[i].netmask ||
            c.gw != goods[i].gw || c.server != goods[i].server ||
            strcmp(c.hostname, goods[i].hostname) != 0 || strcmp(c.device, goods[i].device) != 0)
            fail_msg("\"%s\": mode %d addr %08x mask %08x gw %08x server %08x host '%s' dev '%s'",
                     goods[i].args, c.mode, c.addr, c.netmask, c.gw, c.server, c.hostname,
                     c.device);
        free(a);
    }
}

static void test_ipcfg_bad(void **state)
{
    struct net_ipcfg c, zero;
    size_t i;

    (void)state;
    memset(&zero, 0, sizeof(zero));
    zero.mode = NET_IPCFG_DHCP;
    for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        char *a = exact(bads[i].args);
        int r;
        memset(&c, 0x77, sizeof(c));
        r = net_parse_ip_arg(a, &c);
        if (r != -bads[i].err)
            fail_msg("\"%s\": got %d, want %d", bads[i].args, r, -bads[i].err);
        if (r != 0)
            assert_memory_equal(&c, &zero, sizeof(c)); /* DHCP, nothing else */
        free(a);
    }
}

static void test_ipcfg_strerror(void **state)
{
    int i, j;

    (void)state;
    for (i = 0; i < NET_IPCFG_NERR; i++) {
        const char *m = net_ipcfg_strerror(-i);
        assert_non_null(m);
        assert_true(strlen(m) > 1);
        assert_ptr_equal(m, net_ipcfg_strerror(i));
        for (j = 0; j < i; j++)
            assert_string_not_equal(m, net_ipcfg_strerror(j));
    }
    assert_string_equal(net_ipcfg_strerror(-NET_IPCFG_NERR), "unknown error");
    assert_string_equal(net_ipcfg_strerror(1000), "unknown error");
    assert_string_equal(net_ipcfg_strerror(-NET_IPCFG_EBADMASK),
                        "netmask is not a dotted quad of contiguous ones");
    /* The boot log prints "bad ip= argument: <words> (<code>)": the words of
     * the error test_shell.sh provokes with ip=10.0.2.300 are pinned here. */
    assert_string_equal(net_ipcfg_strerror(-NET_IPCFG_EBADADDR), "client address is not a dotted quad");
    assert_int_equal(-NET_IPCFG_EBADADDR, -1);
    assert_string_equal(net_ipcfg_strerror(INT_MIN), "unknown error");
    assert_string_equal(net_ipcfg_strerror(INT_MAX), "unknown error");
}

/* net_strerror(): every NET_E* code in netif.h has its own words, either
 * sign; 0 is "ok"; anything else "unknown error". */
static void test_net_strerror(void **state)
{
    static const int codes[] = {NET_EINVAL, NET_EBUSY,  NET_ENOBUFS, NET_ENOROUTE,
                                NET_EADDRINUSE, NET_ENOMEM, NET_ENOENT, NET_ELINKDOWN};
    static const int unknown[] = {9, -9, 100, -100, INT_MIN, INT_MAX};
    size_t i, j;

    (void)state;
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *m = net_strerror(-codes[i]);
        assert_non_null(m);
        assert_true(strlen(m) >= 3);
        assert_string_not_equal(m, "unknown error");
        assert_string_not_equal(m, "ok");
        assert_ptr_equal(m, net_strerror(codes[i]));
        for (j = 0; j < i; j++)
            if (strcmp(m, net_strerror(-codes[j])) == 0)
                fail_msg("codes %d and %d share the words '%s'", codes[i], codes[j], m);
    }
    assert_string_equal(net_strerror(0), "ok");
    assert_string_equal(net_strerror(-NET_ELINKDOWN), "link down");
    assert_string_equal(net_strerror(-NET_EINVAL), "bad argument");
    for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
        assert_string_equal(net_strerror(unknown[i]), "unknown error");
}

static void test_ipcfg_apply(void **state)
{
    struct fake_netif *f = calloc(1, sizeof(*f));
    struct net_ipcfg c;
    char why[200];

    (void)state;
    assert_non_null(f);
    fake_log_quiet(true);
    fake_init(f);
    netif_set_link(&f->nif, true);
    assert_int_equal(net_parse_ip_arg("ip=192.0.2.2::192.0.2.1:255.255.255.0", &c), 0);
    assert_int_equal(net_ipcfg_apply(&f->nif, &c, NULL, NULL), 0);
    assert_int_equal(f->nif.ipv4.addr, 0xc0000202u);
    assert_int_equal(f->nif.ipv4.netmask, 0xffffff00u);
    assert_int_equal(f->nif.ipv4.gw, 0xc0000201u);
    assert_int_equal(net_dhcp_state(&f->nif), DHCP_OFF);
    assert_int_equal(fake_pending(f), 1); /* the announcement */
    fake_drain(f);
    assert_int_equal(net_parse_ip_arg("ip=off", &c), 0);
    assert_int_equal(net_ipcfg_apply(&f->nif, &c, NULL, NULL), 0);
    assert_int_equal(fake_pending(f), 0);
    assert_int_equal(net_dhcp_state(&f->nif), DHCP_OFF);
    assert_int_equal(net_parse_ip_arg("quiet", &c), 0);
    assert_int_equal(net_ipcfg_apply(&f->nif, &c, NULL, NULL), 0);
    assert_int_equal(net_dhcp_state(&f->nif), DHCP_SELECTING);
    assert_int_equal(fake_pending(f), 1); /* the DISCOVER */
    netif_flush(&f->nif);
    assert_int_equal(fake_fini(f, why, sizeof(why)), 0);
    free(f);
}

/* ip= is net0's and ip1= ... ip9= the others', each with the same grammar;
 * a key never matches another interface's (ip= is not ip1=, ip1= is not
 * ip10= or ip=), and an error in one leaves the others alone. */
static void test_ipcfg_index(void **state)
{
    static const char args[] = "console=ttyAMA0 ip=10.0.2.15::10.0.2.2:255.255.255.0 "
                               "ip1=192.0.2.2:::255.255.255.0 ip2=dhcp ip3=1.2.3 xip4=192.0.2.9 ip5=off";
    struct net_ipcfg c, zero;
    char *a = exact(args);

    (void)state;
    memset(&zero, 0, sizeof(zero));
    zero.mode = NET_IPCFG_DHCP;
    assert_int_equal(net_parse_ip_arg_index(a, 0, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_STATIC);
    assert_int_equal(c.addr, 0x0a00020fu);
    assert_int_equal(c.gw, 0x0a000202u);
    assert_int_equal(net_parse_ip_arg(a, &c), 0); /* the same as index 0 */
    assert_int_equal(c.addr, 0x0a00020fu);
    assert_int_equal(net_parse_ip_arg_index(a, 1, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_STATIC);
    assert_int_equal(c.addr, 0xc0000202u);
    assert_int_equal(c.netmask, 0xffffff00u);
    assert_int_equal(c.gw, 0);
    assert_int_equal(net_parse_ip_arg_index(a, 2, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_DHCP);
    memset(&c, 0x77, sizeof(c));
    assert_int_equal(net_parse_ip_arg_index(a, 3, &c), -NET_IPCFG_EBADADDR);
    assert_memory_equal(&c, &zero, sizeof(c));
    memset(&c, 0x77, sizeof(c));
    assert_int_equal(net_parse_ip_arg_index(a, 4, &c), 0); /* xip4= is not ip4=: DHCP */
    assert_memory_equal(&c, &zero, sizeof(c));
    assert_int_equal(net_parse_ip_arg_index(a, 5, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_NONE);
    assert_int_equal(net_parse_ip_arg_index(a, 9, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_DHCP);
    memset(&c, 0x77, sizeof(c));
    assert_int_equal(net_parse_ip_arg_index(a, 10, &c), -NET_IPCFG_EINDEX);
    assert_memory_equal(&c, &zero, sizeof(c));
    assert_string_equal(net_ipcfg_strerror(-NET_IPCFG_EINDEX),
                        "no such interface: ip= is net0, ip1= to ip9= the others");
    free(a);

    /* Only ip1= given: net0 stays on DHCP; the last ip1= wins. */
    a = exact("ip1=192.0.2.2 ip1=192.0.2.3");
    assert_int_equal(net_parse_ip_arg_index(a, 0, &c), 0);
    assert_memory_equal(&c, &zero, sizeof(c));
    assert_int_equal(net_parse_ip_arg_index(a, 1, &c), 0);
    assert_int_equal(c.addr, 0xc0000203u);
    assert_int_equal(c.netmask, 0xffffff00u); /* classful default for 192/8 .. C */
    free(a);
    /* A bad ip= does not spoil ip1=; ip10= is no interface's. */
    a = exact("ip=300.0.0.1 ip10=192.0.2.2 ip1=192.0.2.4::192.0.2.1:255.255.255.0");
    assert_int_equal(net_parse_ip_arg_index(a, 0, &c), -NET_IPCFG_EBADADDR);
    assert_int_equal(net_parse_ip_arg_index(a, 1, &c), 0);
    assert_int_equal(c.addr, 0xc0000204u);
    assert_int_equal(c.gw, 0xc0000201u);
    free(a);
    a = exact("ip10=192.0.2.2");
    assert_int_equal(net_parse_ip_arg_index(a, 1, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_DHCP);
    assert_int_equal(net_parse_ip_arg_index(NULL, 1, &c), 0);
    assert_int_equal(c.mode, NET_IPCFG_DHCP);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipcfg_good),
        cmocka_unit_test(test_ipcfg_bad),
        cmocka_unit_test(test_ipcfg_strerror),
        cmocka_unit_test(test_net_strerror),
        cmocka_unit_test(test_ipcfg_apply),
        cmocka_unit_test(test_ipcfg_index),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
