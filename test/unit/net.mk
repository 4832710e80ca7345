# Host tests of net/ (the IPv4 stack) against the fake driver in
# test/unit/fake_netif.c (see test/unit/unit.mk for the scheme), and the
# fuzz target's seed runner, which runs every file in test/fuzz/seeds (or
# $FUZZ_SEEDS) under ASan/UBSan and fails when there are none.
NET_SRCS := $(sort $(wildcard net/*.c))
NET_TEST_SRCS := test/unit/fake_netif.c $(NET_SRCS)

UNIT_TESTS += net net_dhcp net_ipcfg net_tcp fuzz_netif_seeds
UNIT_net_SRCS := test/unit/test_net.c $(NET_TEST_SRCS)
UNIT_net_dhcp_SRCS := test/unit/test_net_dhcp.c $(NET_TEST_SRCS)
UNIT_net_ipcfg_SRCS := test/unit/test_net_ipcfg.c $(NET_TEST_SRCS)
UNIT_net_tcp_SRCS := test/unit/test_net_tcp.c $(NET_TEST_SRCS)
UNIT_fuzz_netif_seeds_SRCS := test/fuzz/fuzz_netif.c $(NET_TEST_SRCS)

# Not part of `make check`:
#   make fuzz-net [FUZZ_TIME=seconds]   libFuzzer run (needs clang), corpus in
#                                       build/fuzz/corpus, seeded from test/fuzz/seeds
#   make build/host/gen_seeds           the program that wrote test/fuzz/seeds
FUZZ_CC ?= clang
FUZZ_TIME ?= 300
NET_HDRS := $(wildcard net/*.h net/prot/*.h test/unit/fake_netif.h)

build/fuzz/fuzz_netif: test/fuzz/fuzz_netif.c $(NET_TEST_SRCS) $(NET_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -g -O1 -D_DEFAULT_SOURCE -DFUZZ_LIBFUZZER \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Idrivers -Idrivers/plat -Inet -Itest/sim -Itest/unit \
		-o $@ test/fuzz/fuzz_netif.c $(NET_TEST_SRCS)

.PHONY: fuzz-net
fuzz-net: build/fuzz/fuzz_netif
	@mkdir -p build/fuzz/corpus
	build/fuzz/fuzz_netif -max_total_time=$(FUZZ_TIME) -max_len=1600 \
		build/fuzz/corpus test/fuzz/seeds

build/host/gen_seeds: test/fuzz/gen_seeds.c $(NET_TEST_SRCS) $(NET_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE \
		-Idrivers -Idrivers/plat -Inet -Itest/sim -Itest/unit \
		-o $@ test/fuzz/gen_seeds.c $(NET_TEST_SRCS)
