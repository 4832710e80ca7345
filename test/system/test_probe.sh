#!/usr/bin/env bash
# test_probe.sh - boot each ARCH, both virtio-mmio versions, both GIC
# versions, on the CPUs we support, with a known set of devices in a known
# order, and check the exact probe table.  QEMU fills the virtio-mmio slots
# from the top (slot 31: 0x0a003e00, INTID 79) down in command-line order.
. "$(dirname "$0")/lib.sh"

declare -A ids=([net]=1 [blk]=2 [console]=3 [rng]=4)

run_case() { # arch cpu qemu mmio gic devices
    local arch=$1 cpu=$2 qemu=$3 mmio=$4 gic=$5 devs=$6
    local name="$arch-$cpu-$mmio-gic$gic-${devs//,/+}"
    local log=$LOGDIR/probe-$name.log
    local ver=1
    [[ $mmio == modern ]] && ver=2
    boot "$log" 30 --arch "$arch" --cpu "$cpu" --qemu "$qemu" --mmio "$mmio" --gic "$gic" \
        --devices "$devs" --append poweroff
    expect_line "$log" "boot: powering off" "$name: boots and finishes"
    expect_line "$log" "gic: v$gic, $([[ $gic == 2 ]] && echo 288 || echo 256) interrupt lines" "$name: GICv$gic found through the device tree"
    expect_grep "$log" "^irq: timer interrupts arrive through GICv$gic\$" "$name: timer interrupt delivered"
    IFS=, read -ra list <<<"$devs"
    local i=0 d lines=()
    for d in "${list[@]}"; do
        local slot=$((31 - i))
        lines+=("$(printf 'virtio-mmio@0x%08x irq %d v%d dev %d (%s) vendor 0x554d4551' \
            $((0x0a000000 + slot * 0x200)) $((48 + slot)) "$ver" "${ids[$d]}" "$d")")
        i=$((i + 1))
    done
    # The table is printed in ascending address order: the reverse of the command line.
    local expected actual
    expected=$(printf '%s\n' "${lines[@]}" | sort)
    actual=$(tr -d '\r' <"$log" | grep '^virtio-mmio@')
    if [[ $expected == "$actual" ]]; then
        pass "$name: probe table is exactly the ${#list[@]} devices"
    else
        fail "$name: probe table differs; expected:"$'\n'"$expected"$'\n'"got:"$'\n'"$actual"
    fi
    local n=${#list[@]}
    expect_line "$log" "virtio: $n device$([[ $n == 1 ]] || echo s), $((32 - n)) empty slots" "$name: empty slots counted"
    expect_no_grep "$log" 'CRASH|WARNING' "$name: no crash or warning"
}

run_case arm cortex-a15 qemu-system-aarch64 legacy 2 net,blk,rng
run_case arm cortex-a15 qemu-system-aarch64 modern 3 rng,console,net,blk
run_case arm cortex-a15 qemu-system-arm legacy 2 blk,rng
run_case arm cortex-a15 qemu-system-arm modern 2 net,blk,rng
run_case aarch64 cortex-a53 qemu-system-aarch64 legacy 2 net,blk,rng
run_case aarch64 cortex-a53 qemu-system-aarch64 modern 3 net,blk,rng
run_case aarch64 cortex-a72 qemu-system-aarch64 legacy 3 rng,console,net,blk
run_case aarch64 cortex-a72 qemu-system-aarch64 modern 2 blk,net
finish
