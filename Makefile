# vbare: bare-metal virtio drivers for RTOSes and unikernels.  See README.md.
#
#   make [ARCH=arm|aarch64|riscv64]
#                              build build/$(ARCH)/firmware.elf (arm is the default)
#   make run [ARCH=..] [BOARD=..] [LOADER=uboot] [MMIO=legacy|modern] [PACKED=0|1] [GIC=2|3] [HOSTFWD=port] [TCPFWD='h:g ...'] [PCAP=file]
#                              boot it under QEMU with net, blk, rng and console
#                              (BOARD: virt, xlnx-versal-virt (aarch64) or
#                              vexpress-a15 (arm); LOADER=uboot: Debian's
#                              U-Boot fetches the image by TFTP and boots it;
#                              PCAP: record the guest's network traffic;
#                              PACKED=1, with MMIO=modern: packed virtqueues)
#   make debug                 the same, halted, with a gdb stub on 127.0.0.1:1234
#   make check                 every build and every test
#   make bench                 performance figures (docs/PERFORMANCE.md)
#   make clean
ARCH ?= arm
BOARD ?= virt
# The platform code: one for every board the device tree describes.
BOARD_SRC := board/generic
MMIO ?= legacy
GIC ?= 2
HOSTFWD ?= 5555
# make run: TCP forwards of the user network, HOSTPORT:GUESTPORT (the shell,
# HTTP, TCP echo); TCPFWD= for none
TCPFWD ?= 2323:23 8080:80 7007:7
PCAP ?=
LOADER ?=

.DEFAULT_GOAL := all
.SUFFIXES:
SHELL := /bin/bash
# V=1 shows every command line.
V ?= 0
ifeq ($(V),0)
Q := @
else
Q :=
endif

# ------------------------------------------------------------ target build
ifeq ($(ARCH),arm)
CROSS ?= arm-none-eabi-
ARCH_CFLAGS := -mcpu=cortex-a15 -marm -mfloat-abi=soft -mno-unaligned-access -fpie
ARCH_LDFLAGS := -static -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text -Wl,--no-warn-rwx-segments
ARCH_LIBS := -lc -lgcc
ARCH_SRCS :=
else ifeq ($(ARCH),aarch64)
CROSS ?= aarch64-linux-gnu-
# No C library: the compiler's own freestanding headers plus lib/include.
ARCH_CFLAGS = -mcpu=cortex-a53 -mgeneral-regs-only -mstrict-align -fpie \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) -Ilib/include
ARCH_LDFLAGS := -static-pie -nostdlib -Wl,--no-dynamic-linker -Wl,-z,text -Wl,--no-warn-rwx-segments
ARCH_LIBS := -lgcc
ARCH_SRCS := lib/string.c
else ifeq ($(ARCH),riscv64)
CROSS ?= riscv64-unknown-elf-
# S-mode under SBI, no C library (as aarch64).  No F/D: the soft-float ABI
# keeps the FPU out of the code and of the trap frame.  -mno-relax: nothing
# is addressed relative to gp, which the image never sets up.
ARCH_CFLAGS = -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -mno-relax -fpie \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) -Ilib/include
# riscv64-unknown-elf's ld cannot link a PIE (-pie: "not supported", and
# gcc drops -static-pie): the same binutils built for riscv64-linux-gnu
# (Debian's binutils-riscv64-linux-gnu) can, and gcc runs it through -B.
RISCV_PIE_LD_DIR ?= /usr/riscv64-linux-gnu/bin/
ARCH_LDFLAGS := -B$(RISCV_PIE_LD_DIR) -pie -nostdlib -Wl,--no-dynamic-linker -Wl,-z,text \
	-Wl,--no-warn-rwx-segments
ARCH_LIBS := -lgcc
ARCH_SRCS := lib/string.c
else
$(error ARCH must be arm, aarch64 or riscv64, not '$(ARCH)')
endif

ifeq ($(filter $(MMIO),legacy modern),)
$(error MMIO must be legacy or modern, not '$(MMIO)')
endif
ifeq ($(filter $(PACKED),0 1),)
ifneq ($(PACKED),)
$(error PACKED must be 0 or 1, not '$(PACKED)')
endif
endif
override PACKED := $(filter 1,$(PACKED))
ifneq ($(PACKED),)
ifneq ($(MMIO),modern)
$(error PACKED=1 needs MMIO=modern: legacy virtio has no packed virtqueues)
endif
endif
# BOARD is make run's and make debug's: said here, before a build (and on a
# fresh machine the compilers' install) that qemu-run.sh refuses only after.
ifeq ($(filter $(BOARD),virt xlnx-versal-virt vexpress-a15),)
$(error BOARD must be virt, xlnx-versal-virt (ARCH=aarch64) or vexpress-a15 (ARCH=arm), not '$(BOARD)')
endif
# (Its ARCH only where it boots: make check's builds of every ARCH pass it on.)
ifneq ($(filter run debug,$(MAKECMDGOALS)),)
ifeq ($(BOARD)-$(filter aarch64,$(ARCH)),xlnx-versal-virt-)
$(error BOARD=xlnx-versal-virt is an aarch64 board: give ARCH=aarch64, not ARCH=$(ARCH))
endif
ifeq ($(BOARD)-$(filter arm,$(ARCH)),vexpress-a15-)
$(error BOARD=vexpress-a15 is an arm board: give ARCH=arm, not ARCH=$(ARCH))
endif
endif
ifeq ($(filter $(GIC),2 3),)
$(error GIC must be 2 or 3, not '$(GIC)')
endif
# Only ARM's QEMU virt has a choice of GIC: GIC= given elsewhere is a
# mistake, not something to ignore.
ifneq ($(filter command line,$(origin GIC)),)
ifeq ($(ARCH),riscv64)
$(error GIC=$(GIC): riscv64 has no GIC (QEMU's riscv virt has a PLIC); leave GIC out)
else ifneq ($(BOARD),virt)
$(error GIC=$(GIC): only QEMU virt has a choice of GIC, $(BOARD) has its own; leave GIC out)
endif
endif

CC := $(CROSS)gcc
SIZE := $(CROSS)size
BUILD := build/$(ARCH)
INCLUDES := -Iboot/$(ARCH) -I$(BOARD_SRC) -Idrivers -Idrivers/plat -Inet -Ilib -Iapps
# Link-time optimisation: one packet's path crosses a dozen files (netif,
# ip4, icmp, virtio_net, virtqueue, the platform hooks), and LTO inlines
# across them (aarch64, make bench: 2,324 -> 1,959 guest instructions per
# ICMP echo, 11 KB less text).  The objects are fat (-ffat-lto-objects), so
# footprint.sh still sizes each as compiled; lib/string.c stays outside
# (-fno-lto below), because the memcpy/memset calls the compiler itself
# emits must resolve to an ordinary object.
CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -flto -ffat-lto-objects -ffreestanding -fno-builtin-printf \
	-fno-stack-protector -fno-common -ffunction-sections -fdata-sections \
	-fno-unwind-tables -fno-asynchronous-unwind-tables $(ARCH_CFLAGS) $(INCLUDES)
LDFLAGS := -flto=auto -nostartfiles -Wl,--gc-sections -Wl,--build-id=none -T linker/$(ARCH).ld $(ARCH_LDFLAGS)

# Components, so `make bench` can size each one.
SRC_boot := $(wildcard boot/$(ARCH)/*.S boot/$(ARCH)/*.c) $(BOARD_SRC)/board.c $(BOARD_SRC)/plat.c
SRC_lib := lib/kprintf.c lib/memmap.c $(ARCH_SRCS)
SRC_fdt := drivers/fdt/fdt.c
# Every ISA's boards may have either UART; the interrupt controllers are the
# ISA's own (the board picks one from the device tree).
IRQCHIP_SRCS := $(if $(filter riscv64,$(ARCH)),drivers/irqchip/plic.c,drivers/irqchip/gic.c drivers/irqchip/gic_dt.c)
SRC_drivers := drivers/timer/timer.c drivers/uart/pl011.c drivers/uart/ns16550.c $(IRQCHIP_SRCS)
SRC_virtio := $(sort $(filter-out %_net.c %_blk.c %_console.c,$(wildcard drivers/virtio/*.c)))
SRC_virtio_net := $(wildcard drivers/virtio/virtio_net.c)
SRC_virtio_blk := $(wildcard drivers/virtio/virtio_blk.c)
SRC_virtio_console := $(wildcard drivers/virtio/virtio_console.c)
SRC_net := $(wildcard net/*.c)
SRC_apps := $(wildcard apps/*.c)
COMPONENTS := boot lib fdt drivers virtio virtio_net virtio_blk virtio_console net apps
SRCS := $(foreach c,$(COMPONENTS),$(SRC_$(c)))
OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(SRCS))
FIRMWARE := $(BUILD)/firmware.elf
# The raw image with the Linux boot header (arm64 Image / arm zImage) that
# QEMU -kernel, U-Boot booti/bootz and other hypervisors' loaders take.
IMAGE := $(BUILD)/firmware.bin
OBJCOPY := $(CROSS)objcopy
# Device trees for boards whose QEMU model has none of its own.
DTBS := $(if $(filter arm,$(ARCH)),$(BUILD)/vexpress-a15.dtb)

.PHONY: all firmware
all: firmware
firmware: deps-build $(FIRMWARE) $(IMAGE) $(DTBS)

$(BUILD)/%.dtb: board/%/*.dts | deps-build
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  DTC     $@")
	$(Q)dtc -q -I dts -O dtb -o $@ $<

$(BUILD)/obj/lib/string.c.o: CFLAGS += -fno-tree-loop-distribute-patterns -fno-builtin -fno-lto
# -ffreestanding makes every memcpy and memset a call, 30-50 instructions
# for each 4- or 6-byte address a frame copies (about 150 of an ICMP echo's
# 1,600 on aarch64): let the compiler expand the constant-size ones inline
# in the IP stack (bytewise: every firmware build is strict-alignment, so
# memcmp stays a call; prot/ethernet.h's eth_addr_eq() is the per-frame one).
$(BUILD)/obj/net/%.c.o: CFLAGS += -fbuiltin

# Every object depends on the Makefile: a changed flag rebuilds all.
$(BUILD)/obj/%.c.o: %.c Makefile | deps-build
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $(ARCH) $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/%.S.o: %.S Makefile | deps-build
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $(ARCH) $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(FIRMWARE): $(OBJS) linker/$(ARCH).ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(ARCH_LIBS)
	@$(SIZE) $@

$(IMAGE): $(FIRMWARE)
	@$(if $(Q),echo "  IMAGE   $@")
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(OBJS:.o=.d)

# ------------------------------------------------------------ dependencies
# Each step installs the Debian packages it lacks and says which (tools/deps.sh).
.PHONY: deps-build deps-run deps-debug deps-test
deps-build:
	@tools/deps.sh build-$(ARCH)
deps-run:
	@tools/deps.sh run-$(ARCH)
	$(if $(PCAP),@tools/deps.sh pcap)
	$(if $(LOADER),@tools/deps.sh uboot)
# make debug boots what make run boots, halted: all of run's (nc and curl,
# which its banner names; tcpdump for PCAP=; U-Boot) and gdb-multiarch.
deps-debug: deps-run
	@tools/deps.sh debug-$(ARCH)
deps-test:
	@tools/deps.sh test

# ------------------------------------------------------------ running
.PHONY: run debug
RUN_OPTS = --arch $(ARCH) --board $(BOARD) --mmio $(MMIO) $(if $(filter virt,$(BOARD)),$(if $(filter riscv64,$(ARCH)),,--gic $(GIC))) $(if $(HOSTFWD),--hostfwd $(HOSTFWD)) $(foreach f,$(TCPFWD),--tcpfwd $(f)) $(if $(PCAP),--pcap $(PCAP)) $(if $(PACKED),--packed) --interactive
# QEMU virt boots the ELF (symbols for gdb at the addresses it runs at);
# the other boards the image, which runs wherever their RAM is.
RUN_IMAGE = $(if $(filter virt,$(BOARD)),$(FIRMWARE),$(IMAGE))
ifeq ($(LOADER),uboot)
# Said before the build and U-Boot's install, which qemu-run.sh refused after.
ifneq ($(BOARD),virt)
$(error LOADER=uboot: Debian's U-Boot is built for QEMU virt only, not BOARD=$(BOARD))
endif
# U-Boot's environment: fetch the image from QEMU's user network, boot it
# with U-Boot's device tree (docs/PORTING.md).
UBOOT_BOOT := $(if $(filter arm,$(ARCH)),bootz,booti)
UBOOT_ENV := $(BUILD)/uboot-env.fd
RUN_OPTS += --uboot $(UBOOT_ENV)
RUN_IMAGE = $(IMAGE)
run debug: $(UBOOT_ENV)
$(UBOOT_ENV): tools/uboot-env.py Makefile | deps-run
	$(Q)python3 tools/uboot-env.py $@ bootdelay=0 autoload=no kernel_addr_r=$(if $(filter riscv64,$(ARCH)),0x84000000,0x40400000) \
		'bootcmd=dhcp; tftpboot $${kernel_addr_r} firmware.bin; $(UBOOT_BOOT) $${kernel_addr_r} - $${fdtcontroladdr}'
else ifneq ($(LOADER),)
$(error LOADER must be uboot or empty (QEMU loads the image), not '$(LOADER)')
endif
run: firmware deps-run
	@tools/qemu-run.sh $(RUN_OPTS) $(RUN_IMAGE)
debug: firmware deps-debug
	@tools/qemu-run.sh $(RUN_OPTS) --debug $(RUN_IMAGE)

# ------------------------------------------------------------ host tests
HOST_CC ?= gcc
HOST_BUILD := build/host
HOST_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 -D_DEFAULT_SOURCE \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
	-Idrivers -Idrivers/plat -Inet -Ilib -Itest/sim -Itest/unit
HOST_LDFLAGS := -fsanitize=address,undefined
# A unit test with UNIT_N_SAN := thread is built under ThreadSanitizer
# instead of ASan + UBSan (the two cannot be combined); libtsan2, which
# tools/deps.sh test installs.  -Wno-tsan: TSan does not model the
# simulator's fences; what orders its threads is its mutex and the locks.
HOST_TSAN_CFLAGS := $(filter-out -fsanitize=% -fno-sanitize-recover=%,$(HOST_CFLAGS)) -fsanitize=thread -Wno-tsan

UNIT_TESTS :=
include test/unit/unit.mk
include $(filter-out test/unit/unit.mk,$(wildcard test/unit/*.mk))
include test/fuzz/fuzz.mk

define unit_rule
$(HOST_BUILD)/unit/$(1): $$(UNIT_$(1)_SRCS) $$(wildcard drivers/*/*.h drivers/plat/*.h net/*.h net/prot/*.h lib/*.h test/sim/*.h test/unit/*.h) | deps-test
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  HOSTCC  $$@")
	$$(Q)$$(HOST_CC) $$(if $$(filter thread,$$(UNIT_$(1)_SAN)),$$(HOST_TSAN_CFLAGS),$$(HOST_CFLAGS)) $$(UNIT_$(1)_CFLAGS) -o $$@ $$(UNIT_$(1)_SRCS) $$(if $$(filter thread,$$(UNIT_$(1)_SAN)),-fsanitize=thread,$$(HOST_LDFLAGS)) $$(UNIT_$(1)_LIBS) -lcmocka
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))
UNIT_BINS := $(addprefix $(HOST_BUILD)/unit/,$(UNIT_TESTS))

.PHONY: unit dtbs system check images
SYSTEM_TESTS := $(sort $(wildcard test/system/test_*.sh))
dtbs: deps-test
	@tools/dump-dtbs.sh build/dtb
ARCHES := arm aarch64 riscv64
images:
	@$(foreach a,$(ARCHES),$(MAKE) --no-print-directory ARCH=$(a) firmware &&) true

unit: deps-test dtbs $(UNIT_BINS)
	@tools/run-tests.sh $(UNIT_BINS)
system: deps-test images
	@tools/run-tests.sh $(SYSTEM_TESTS)

# Benchmarks: a report on stdout and in build/bench/report.md; never fails.
.PHONY: bench
bench: deps-test images
	@tools/bench.sh

# Every ARCH builds, then every host unit test and every QEMU system test runs.
# The builds run CHECK_JOBS at a time (one per CPU: on 2 CPUs a clean
# clone's builds take half as long); the tests one after another.
CHECK_JOBS ?= $(shell nproc 2>/dev/null || echo 1)
check: deps-test
	@$(MAKE) --no-print-directory -j$(CHECK_JOBS) images dtbs $(UNIT_BINS)
	@tools/run-tests.sh $(UNIT_BINS) $(SYSTEM_TESTS)

.PHONY: clean
clean:
	rm -rf build
