#!/usr/bin/env bash
# test_el1t.sh - the aarch64 image's EL1 entry in EL1t (SPSel 0), as a
# loader may leave it: the entry must select SP_EL1 before it sets its
# stack, or `mov sp` sets SP_EL0 and every exception (taken on SP_EL1)
# runs on whatever SP_EL1 held.
#
# A pre-loader (tools/el1t-loader/, QEMU -kernel, -M virt: EL1) sets SP_EL1
# to 0, selects SP_EL0 and jumps to firmware.bin, which QEMU's generic
# loader put at 0x40400000, with the device tree in x0.  The image then
# boots: takes the device tree, reads virtio-rng by interrupt (exceptions
# on its own stack) and reaches `boot: done`, with no crash or warning.
. "$(dirname "$0")/lib.sh"

LOADER_DIR=build/el1t-loader
fw=build/aarch64/firmware.bin
if ! out=$(tools/build-tiny-guest.sh tools/el1t-loader "$LOADER_DIR" aarch64 2>&1); then
    fail "tools/build-tiny-guest.sh tools/el1t-loader: $out"
    finish
fi
if [[ ! -f $fw ]]; then
    fail "no $fw (make ARCH=aarch64)"
    finish
fi

log=$LOGDIR/el1t-aarch64.log
timeout --kill-after=5 20 qemu-system-aarch64 -M virt -cpu cortex-a53 -m 256M -nic none \
    -kernel "$LOADER_DIR/aarch64.elf" -device "loader,file=$fw,addr=0x40400000" \
    -device virtio-rng-device \
    -display none -monitor none -serial stdio -no-reboot >"$log" 2>&1 </dev/null &
pid=$!
wait_for "$log" '^boot: done|^el1t-loader: FAILED|CRASH' "$pid" 15
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

expect_grep "$log" '^el1t-loader: EL1, SP_EL1=0, SPSel=0x0000000000000000, jumping' \
    "the pre-loader entered the image at EL1t with SP_EL1 unset"
expect_grep "$log" '^image: 0x40400000-' "the image runs where the loader put it"
expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v1, [1-9][0-9]* interrupts?\)$' \
    "rng by interrupt: exceptions run on the image's stack"
expect_line "$log" "boot: done" "boots to the end"
expect_no_grep "$log" '^el1t-loader: FAILED|CRASH|WARNING' "no crash or warning"
finish
