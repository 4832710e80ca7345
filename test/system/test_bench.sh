#!/usr/bin/env bash
# test_bench.sh - the smoke run of `make bench` (tools/bench.sh --short):
# every part produces its table.  Figures are not judged here (timing
# belongs to make bench); only that each measurement ran and is well formed.
. "$(dirname "$0")/lib.sh"

out=$LOGDIR/bench-short.md
tools/bench.sh --short >"$out" 2>&1
# bench-rtt's own PASS/FAIL/SKIP lines (guests up, pings answered, echo exact)
grep -E '^(PASS|FAIL|SKIP):' "$out"
for arch in arm aarch64; do
    expect_grep "$out" "^\\| virtio core \\| $arch \\| [0-9]+ \\| [0-9]+ \\| [0-9]+ \\|\$" "footprint row for the virtio core ($arch)"
    expect_grep "$out" "^\\| $arch \\| legacy \\| [1-9][0-9]* \\| [1-9][0-9]* \\| [1-9][0-9]* \\| [1-9][0-9]* \\|\$" "DMA use per driver ($arch)"
    if grep -q '^SKIP: instruction counts' "$out"; then
        skip "instruction counts ($arch): no network namespace here"
    else
        expect_grep "$out" "^\\| $arch \\| ICMP echo, RX interrupt to reply queued \\(instructions\\) \\| 50 \\| [0-9]+ \\| [0-9]+ \\|" "instruction counts per ICMP echo ($arch)"
        expect_grep "$out" "^\\| $arch \\| UDP echo, RX interrupt to reply queued \\(instructions\\) \\| 50 \\| [0-9]+ \\| [0-9]+ \\|" "instruction counts per UDP echo ($arch)"
        expect_grep "$out" "^\\| $arch \\| reset to network ready \\(instructions\\) \\| 1 \\| \\| [0-9]+ \\|" "instructions from reset to network ready ($arch)"
    fi
    # Boot to network (tools/bench-boot.sh --short): one boot of the floor
    # guest and one of the firmware per ARCH; that each gave its figure.
    if grep -q '^SKIP: bench-boot' "$out"; then
        skip "boot to network ($arch): $(grep -m1 '^SKIP: bench-boot' "$out")"
    else
        n='[0-9]+\.[0-9] \(n=1\)' d='-?[0-9]+\.[0-9]'
        expect_grep "$out" "^\\| $arch \\| net \\| $n \\| $n \\| $n \\| $d \\| $d \\|\$" \
            "boot to network from QEMU's exec: floor, first byte, first ping reply, difference ($arch)"
        expect_grep "$out" "^\\| $arch \\| net \\| $n \\| $n \\| $d \\| $d \\| $n \\|\$" \
            "boot to network from the TAP attach: floor, first ping reply, difference, firmware's part ($arch)"
    fi
done
finish
