# Fuzz targets (libFuzzer, clang) for every untrusted input, the virtio
# device side included, and their seed runners (unit tests, gcc + ASan/UBSan).
#
#   target       input                                  seeds (committed)
#   fuzz_netif   one Ethernet frame, four stack states  test/fuzz/seeds
#   fuzz_netseq  frames, clock steps, pings: a script   test/fuzz/seeds-netseq
#   fuzz_dt      a device-tree blob: reader, irqchip    test/fuzz/seeds-dt
#                DT halves, board.c's parse, probes     (+ seeds-dt-src/*.dts)
#   fuzz_shell   boot arguments + console keystrokes    test/fuzz/seeds-shell
#   fuzz_svcparse the TCP shell's lines and telnet, the  test/fuzz/seeds-svcparse
#                HTTP request head (apps/svcparse.c)
#   fuzz_device  the device side of virtio: registers,  test/fuzz/seeds-device
#                used rings, written data, irqs (all drivers)
#
# Each target's seed runner (build/host/unit/<target>_seeds) runs in `make
# unit` and `make check` like any unit test.  Then:
#   make fuzz [FUZZ_TIME=s]    every libFuzzer target for s seconds each
#                              (default 60), corpora in build/fuzz/corpus-<target>
#   make fuzz-net [FUZZ_TIME=s] fuzz_netif alone (as before)
#   make fuzz-smoke            every target for FUZZ_SMOKE_TIME (3) seconds;
#                              part of `make check` when clang has libFuzzer
#   make fuzz-seeds            write the generated seeds again (gen_seeds.c,
#                              and the device trees from build/dtb)
#   FUZZ_SAN=                  (with fuzz, fuzz-net, fuzz-run-<t>) libFuzzer
#                              alone, no ASan/UBSan: several times the
#                              executions per second, for long campaigns
#                              (binaries in build/fuzz-nosan, the same
#                              corpora); a find is then re-run on the
#                              sanitized binary or the seed runner
# Long campaigns (docs/RELIABILITY.md): tools/fuzz-campaign.sh.
# A crash leaves build/fuzz/crash-* (libFuzzer's artifact); reproduce with
# build/fuzz/<target> <file>, or the seed runner on a directory holding it.
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 3
# Where new inputs go (libFuzzer writes them into its first directory, so
# never the committed seeds): a corpus kept across `make fuzz` runs, and a
# fresh one for each smoke run.
FUZZ_CORPUS ?= corpus
comma := ,
FUZZ_SAN ?= address,undefined
FUZZ_OUT := build/fuzz$(if $(FUZZ_SAN),,-nosan)
# TCP's rings at 4 KiB (the firmware's are 16 KiB): each input starts a
# fresh stack, and zeroing 775 KiB per execution would be most of the time.
FUZZ_FLAGS := -std=c11 -g -O1 -D_DEFAULT_SOURCE -DFUZZ_LIBFUZZER -DTCP_SND_BUF=4096u -DTCP_RCV_BUF=4096u \
	-fsanitize=fuzzer$(if $(FUZZ_SAN),$(comma)$(FUZZ_SAN) -fno-sanitize-recover=all) \
	-Idrivers -Idrivers/plat -Inet -Ilib -Itest/sim -Itest/unit -Itest/fuzz
FUZZ_HDRS := $(wildcard drivers/*/*.h drivers/plat/*.h net/*.h net/prot/*.h lib/*.h apps/*.h \
	board/generic/*.h test/unit/*.h test/fuzz/*.h test/fuzz/host/*.h)
FUZZ_TARGETS :=

# ---- the targets: FUZZ_<t>_SRCS (without the target file), FUZZ_<t>_CFLAGS,
# FUZZ_<t>_SEEDS (the seed directory), FUZZ_<t>_MAXLEN
FUZZ_TARGETS += fuzz_dt
FUZZ_fuzz_dt_SRCS := drivers/fdt/fdt.c drivers/irqchip/gic_dt.c drivers/irqchip/plic.c \
	drivers/virtio/mmio_probe.c lib/kprintf.c lib/memmap.c
FUZZ_fuzz_dt_CFLAGS := -Itest/fuzz/host
FUZZ_fuzz_dt_SEEDS := test/fuzz/seeds-dt
FUZZ_fuzz_dt_MAXLEN := 16384
FUZZ_fuzz_dt_DEPS := board/generic/board.c

FUZZ_TARGETS += fuzz_netseq
FUZZ_fuzz_netseq_SRCS := test/fuzz/fuzz_net_util.c $(NET_TEST_SRCS)
FUZZ_fuzz_netseq_SEEDS := test/fuzz/seeds-netseq
FUZZ_fuzz_netseq_MAXLEN := 4096

FUZZ_TARGETS += fuzz_shell
FUZZ_fuzz_shell_SRCS := apps/shell.c apps/features.c apps/bootargs.c drivers/virtio/mmio_probe.c lib/kprintf.c $(NET_TEST_SRCS)
FUZZ_fuzz_shell_CFLAGS := -Iapps -Iboard/generic
FUZZ_fuzz_shell_SEEDS := test/fuzz/seeds-shell
FUZZ_fuzz_shell_MAXLEN := 1024

FUZZ_TARGETS += fuzz_svcparse
FUZZ_fuzz_svcparse_SRCS := apps/svcparse.c
FUZZ_fuzz_svcparse_CFLAGS := -Iapps
FUZZ_fuzz_svcparse_SEEDS := test/fuzz/seeds-svcparse
FUZZ_fuzz_svcparse_MAXLEN := 4096

FUZZ_TARGETS += fuzz_device
FUZZ_fuzz_device_SRCS := drivers/virtio/virtio.c drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c \
	drivers/virtio/virtqueue_split.c drivers/virtio/virtqueue_packed.c drivers/virtio/virtio_net.c \
	drivers/virtio/virtio_blk.c drivers/virtio/virtio_console.c drivers/virtio/virtio_rng.c \
	test/sim/sim_plat.c test/sim/sim_virtio.c test/sim/sim_packed.c
FUZZ_fuzz_device_SEEDS := test/fuzz/seeds-device
FUZZ_fuzz_device_MAXLEN := 2048
FUZZ_fuzz_device_DEPS := $(wildcard test/sim/*.h)

# ---- seed runners: unit tests (the scheme of test/unit/unit.mk)
define fuzz_seed_unit
UNIT_TESTS += $(1)_seeds
UNIT_$(1)_seeds_SRCS := test/fuzz/$(1).c test/fuzz/seed_runner.c $$(FUZZ_$(1)_SRCS)
UNIT_$(1)_seeds_CFLAGS := -Itest/fuzz $$(FUZZ_$(1)_CFLAGS) -DFUZZ_NAME='"$(1)"' \
	-DFUZZ_SEED_DIR='"$$(FUZZ_$(1)_SEEDS)"'
$(HOST_BUILD)/unit/$(1)_seeds: $$(FUZZ_$(1)_DEPS) $$(FUZZ_HDRS)
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_seed_unit,$(t))))

# ---- libFuzzer builds and runs
define fuzz_target
$$(FUZZ_OUT)/$(1): test/fuzz/$(1).c $$(FUZZ_$(1)_SRCS) $$(FUZZ_$(1)_DEPS) $$(FUZZ_HDRS) | deps-fuzz
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  FUZZCC  $$@")
	$$(Q)$$(FUZZ_CC) $$(FUZZ_FLAGS) $$(FUZZ_$(1)_CFLAGS) -o $$@ test/fuzz/$(1).c $$(FUZZ_$(1)_SRCS)

.PHONY: fuzz-run-$(1)
fuzz-run-$(1): $$(FUZZ_OUT)/$(1)
	$$(if $$(FUZZ_FRESH),@rm -rf build/fuzz/$$(FUZZ_CORPUS)-$(1))
	@mkdir -p build/fuzz/$$(FUZZ_CORPUS)-$(1)
	@echo "  FUZZ    $(1) for $$(FUZZ_RUN_TIME) s$$(if $$(FUZZ_SAN),, (no sanitizers))"
	$$(Q)cd build/fuzz && $$(abspath $$(FUZZ_OUT)/$(1)) -max_total_time=$$(FUZZ_RUN_TIME) -max_len=$$(FUZZ_$(1)_MAXLEN) \
		-print_final_stats=1 -artifact_prefix=crash-$(1)- $$(FUZZ_CORPUS)-$(1) $$(abspath $$(FUZZ_$(1)_SEEDS))
endef
# fuzz_netif: its own seed runner is in test/unit/net.mk (NET_TEST_SRCS too)
FUZZ_fuzz_netif_SRCS := test/fuzz/fuzz_net_util.c $(NET_TEST_SRCS)
FUZZ_fuzz_netif_SEEDS := test/fuzz/seeds
FUZZ_fuzz_netif_MAXLEN := 1600
FUZZ_ALL := fuzz_netif $(FUZZ_TARGETS)
$(foreach t,$(FUZZ_ALL),$(eval $(call fuzz_target,$(t))))

.PHONY: fuzz fuzz-net fuzz-smoke deps-fuzz
deps-fuzz:
	@tools/deps.sh fuzz
# One target after another, never in parallel (-j): each runs one process.
fuzz: deps-fuzz
	$(Q)$(foreach t,$(FUZZ_ALL),$(MAKE) --no-print-directory -j1 fuzz-run-$(t) FUZZ_RUN_TIME=$(FUZZ_TIME) &&) true
fuzz-net: deps-fuzz
	$(Q)$(MAKE) --no-print-directory -j1 fuzz-run-fuzz_netif FUZZ_RUN_TIME=$(FUZZ_TIME)
# A short run of each, when clang can build a libFuzzer binary (else a note).
fuzz-smoke:
	$(Q)if echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return d && n < 0; }' | \
		$(FUZZ_CC) -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then \
		$(foreach t,$(FUZZ_ALL),$(MAKE) --no-print-directory -j1 fuzz-run-$(t) FUZZ_RUN_TIME=$(FUZZ_SMOKE_TIME) \
			FUZZ_CORPUS=smoke FUZZ_FRESH=1 &&) true; \
	else echo "  FUZZ    skipped: $(FUZZ_CC) cannot build libFuzzer targets"; fi

# `make check` runs fuzz-smoke after its other prerequisites (the hook is
# this line: check's own rule in the Makefile is unchanged).
check: fuzz-smoke

# The seeds' generators.  gen_seeds writes test/fuzz/seeds (one frame per
# file) and test/fuzz/seeds-netseq (scripts); the device trees come from
# the QEMU dumps in build/dtb (make dtbs), re-written compact by dtc, and
# from test/fuzz/seeds-dt-src/*.dts.
build/host/gen_seeds: test/fuzz/gen_seeds.c $(NET_TEST_SRCS) $(FUZZ_HDRS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE \
		-Idrivers -Idrivers/plat -Inet -Itest/sim -Itest/unit \
		-o $@ test/fuzz/gen_seeds.c $(NET_TEST_SRCS)

# QEMU's trees (tools/dump-dtbs.sh), one per ISA and GIC version; QEMU pads
# them to 1 MiB, dtc writes them compact.
FUZZ_DT_DUMPS := qemu-virt-arm-a15-gic2-nbr qemu-virt-aarch64-a53-gic3-mix8modern \
	qemu-virt-riscv64-smp1-nbr qemu-virt-riscv64-smp2-none
.PHONY: fuzz-seeds
fuzz-seeds: build/host/gen_seeds dtbs
	build/host/gen_seeds test/fuzz/seeds test/fuzz/seeds-netseq
	$(Q)$(foreach d,$(FUZZ_DT_DUMPS),dtc -q -I dtb -O dtb -o test/fuzz/seeds-dt/$(d).dtb build/dtb/$(d).dtb &&) true
	$(Q)$(foreach f,$(wildcard test/fuzz/seeds-dt-src/*.dts) board/vexpress-a15/vexpress-a15.dts,\
		dtc -q -I dts -O dtb -o test/fuzz/seeds-dt/$(basename $(notdir $(f))).dtb $(f) &&) true
