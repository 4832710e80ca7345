# Host tests of net/ (the IPv4 stack) against the fake driver in
# test/unit/fake_netif.c (see test/unit/unit.mk for the scheme), and the
# fuzz target's seed runner, which runs every file in test/fuzz/seeds (or
# $FUZZ_SEEDS) under ASan/UBSan and fails when there are none.
NET_SRCS := $(sort $(wildcard net/*.c))
NET_TEST_SRCS := test/unit/fake_netif.c $(NET_SRCS)

UNIT_TESTS += net net_dhcp net_ipcfg net_tcp net_route fuzz_netif_seeds
UNIT_net_SRCS := test/unit/test_net.c $(NET_TEST_SRCS)
UNIT_net_dhcp_SRCS := test/unit/test_net_dhcp.c $(NET_TEST_SRCS)
UNIT_net_ipcfg_SRCS := test/unit/test_net_ipcfg.c $(NET_TEST_SRCS)
UNIT_net_tcp_SRCS := test/unit/test_net_tcp.c $(NET_TEST_SRCS)
# Its segment-by-segment expectations are written for 4 KiB rings (the
# defaults are larger; tcp.h allows -D overrides); the firmware, the fuzz
# seeds and the system tests run with the defaults.
UNIT_net_tcp_CFLAGS := -DTCP_SND_BUF=4096u -DTCP_RCV_BUF=4096u
UNIT_net_route_SRCS := test/unit/test_net_route.c $(NET_TEST_SRCS)
UNIT_fuzz_netif_seeds_SRCS := test/fuzz/fuzz_netif.c test/fuzz/fuzz_net_util.c $(NET_TEST_SRCS)
UNIT_fuzz_netif_seeds_CFLAGS := -Itest/fuzz
# Its libFuzzer build, `make fuzz-net` and the seed generator's rule are in
# test/fuzz/fuzz.mk.
