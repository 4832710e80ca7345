#!/usr/bin/env bash
# test_mmu_handover.sh - the image's entry copes with a loader that jumps to
# it with the MMU and caches on (identity mapped, as U-Boot's `go` and
# `bootelf` do; docs/PORTING.md, "The images"): it cleans the data cache by
# set/way, turns the MMU and caches off at the level it runs at, relocates
# itself and boots.
#
# A pre-loader (tools/mmu-loader/, QEMU -kernel) finds firmware.bin where
# QEMU's generic loader put it (0x40400000, no CPU started there), turns the
# MMU and caches on with an identity map, copies the image through the cache
# to 0x40800000, makes RAM read-only in its map and jumps there with the
# device tree in x0/r2.  On each ARCH, at the level QEMU starts a guest
# (EL1 / SVC) and, with virtualization=on, at EL2 / HYP:
#   - the pre-loader reports its SCTLR read back with M, C and I set;
#   - the image then runs at 0x40800000 (relocated), takes the device tree
#     at 0x40000000, reads 16 bytes from virtio-rng by interrupt and reaches
#     `boot: done`, with no exception (the pre-loader's vectors report one
#     the image takes before it has its own), crash or warning.
# The read-only RAM is what makes this fail under QEMU: an entry that wrote
# anything (relocations, stack, .bss) before turning the MMU off at its own
# level takes a permission fault there.  QEMU's TCG models no caches, so a
# missing clean by set/way would still go unnoticed.
. "$(dirname "$0")/lib.sh"

LOADER_DIR=build/mmu-loader
if ! out=$(tools/build-tiny-guest.sh tools/mmu-loader "$LOADER_DIR" arm aarch64 2>&1); then
    fail "tools/build-tiny-guest.sh tools/mmu-loader: $out"
    finish
fi

while read -r arch cpu machine level sctlr_name; do
    name="$arch $level"
    fw=build/$arch/firmware.bin
    if [[ ! -f $fw ]]; then
        fail "$name: no $fw (make ARCH=$arch)"
        continue
    fi
    log=$LOGDIR/mmu-handover-$arch-$level.log
    timeout --kill-after=5 20 qemu-system-aarch64 -M "$machine" -cpu "$cpu" -m 256M -nic none \
        -kernel "$LOADER_DIR/$arch.elf" -device "loader,file=$fw,addr=0x40400000" \
        -device virtio-rng-device \
        -display none -monitor none -serial stdio -no-reboot >"$log" 2>&1 </dev/null &
    pid=$!
    wait_for "$log" '^boot: done|^mmu-loader: (FAILED|exception)' "$pid" 15
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null

    dtreg=x0; [[ $arch == arm ]] && dtreg=r2
    sctlr=$(tr -d '\r' <"$log" | sed -n "s/^mmu-loader: ${level}[ a-z]*, ${sctlr_name}=\\(0x[0-9a-f]*\\), .*MMU, D-cache and I-cache on, identity map\$/\\1/p")
    if [[ -z $sctlr ]]; then
        fail "$name: no 'mmu-loader: $level..., $sctlr_name=...' line in $log"
    elif (((sctlr & 0x1005) == 0x1005)); then
        pass "$name: the pre-loader turned the MMU and caches on ($sctlr_name=$sctlr: M, C, I set)"
    else
        fail "$name: $sctlr_name=$sctlr lacks M, C or I"
    fi
    expect_grep "$log" '^mmu-loader: copied 0x[0-9a-f]+ bytes from 0x40400000 to 0x40800000 through the cache' \
        "$name: the pre-loader copied the image through the cache"
    expect_line "$log" "mmu-loader: MMU and caches on, RAM read-only from here, jumping to 0x40800000 with $dtreg=0x40000000" \
        "$name: the pre-loader jumps to the copy, MMU and caches on"
    expect_grep "$log" '^mmu-loader: left virtio-mmio@0xa003e00 running \(status 0x07\)$' \
        "$name: the loader left the rng device running"
    expect_line "$log" "virtio: 0x0a003e00 was left running by the boot loader (status 0x07): reset" \
        "$name: the image reset it before using memory"
    expect_grep "$log" '^image: 0x40800000-' "$name: the image runs at the copy (relocated)"
    expect_grep "$log" '^dt: device tree at 0x40000000, ' "$name: the image takes the device tree"
    expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v1, [1-9][0-9]* interrupts?\)$' \
        "$name: rng by interrupt"
    expect_line "$log" "boot: done" "$name: boots to the end"
    expect_no_grep "$log" '^mmu-loader: (FAILED|exception)|CRASH|WARNING' "$name: no exception, crash or warning"
done <<'CASES'
arm cortex-a15 virt SVC SCTLR
arm cortex-a15 virt,virtualization=on HYP HSCTLR
aarch64 cortex-a53 virt EL1 SCTLR_EL1
aarch64 cortex-a53 virt,virtualization=on EL2 SCTLR_EL2
CASES
finish
