#!/usr/bin/env bash
# test_el2_vhe.sh - the aarch64 image's EL2 entry with HCR_EL2.E2H set, as
# a Linux host with VHE leaves it when it kexecs the image (and as a
# VHE-only CPU always has it): while E2H is set, an EL2 access to an EL1
# register name reaches the EL2 register instead, so the entry must clear
# E2H before it initialises SCTLR_EL1, or EL1 runs with whatever SCTLR a
# guest last had.
#
# A pre-loader (tools/vhe-loader/, QEMU -kernel, -M virt,virtualization=on,
# -cpu max) sets HCR_EL2.E2H, writes EL1's SCTLR through SCTLR_EL12 with
# the MMU on and no usable table, and jumps at EL2 to firmware.bin, which
# QEMU's generic loader put at 0x40400000, with the device tree in x0.
# The image then boots: takes the device tree, reads virtio-rng by
# interrupt and reaches `boot: done`, with no crash or warning.
. "$(dirname "$0")/lib.sh"

LOADER_DIR=build/vhe-loader
fw=build/aarch64/firmware.bin
if ! out=$(tools/build-tiny-guest.sh tools/vhe-loader "$LOADER_DIR" aarch64 2>&1); then
    fail "tools/build-tiny-guest.sh tools/vhe-loader: $out"
    finish
fi
if [[ ! -f $fw ]]; then
    fail "no $fw (make ARCH=aarch64)"
    finish
fi

log=$LOGDIR/el2-vhe-aarch64.log
timeout --kill-after=5 20 qemu-system-aarch64 -M virt,virtualization=on -cpu max -m 256M -nic none \
    -kernel "$LOADER_DIR/aarch64.elf" -device "loader,file=$fw,addr=0x40400000" \
    -device virtio-rng-device \
    -display none -monitor none -serial stdio -no-reboot >"$log" 2>&1 </dev/null &
pid=$!
wait_for "$log" '^boot: done|^vhe-loader: FAILED|CRASH' "$pid" 15
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

expect_grep "$log" '^vhe-loader: EL2, HCR_EL2=0x0000000[4-7][0-9a-f]{8}, SCTLR_EL12=0x[0-9a-f]*1[0-9a-f]{2}[13579bdf], jumping' \
    "the pre-loader entered the image at EL2 with E2H set and EL1's SCTLR.M set"
expect_grep "$log" '^image: 0x40400000-' "the image runs where the loader put it"
expect_grep "$log" '^dt: device tree at 0x40000000, ' "the image takes the device tree"
expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v1, [1-9][0-9]* interrupts?\)$' \
    "rng by interrupt"
expect_line "$log" "boot: done" "boots to the end at EL1"
expect_no_grep "$log" '^vhe-loader: FAILED|CRASH|WARNING' "no crash or warning"
finish
