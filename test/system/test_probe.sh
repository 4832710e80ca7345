#!/usr/bin/env bash
# test_probe.sh - boot each ARCH, both virtio-mmio versions, both GIC
# versions (arm, aarch64; riscv64 has a PLIC), on the CPUs we support, with
# a known set of devices in a known order, and check the exact probe table.
# QEMU fills the virtio-mmio slots from the top down in command-line order
# (arm, aarch64: slot 31 at 0x0a003e00, INTID 79; riscv64: slot 7 at
# 0x10008000, PLIC source 8; lib.sh's virt_slot).
. "$(dirname "$0")/lib.sh"

declare -A ids=([net]=1 [blk]=2 [console]=3 [rng]=4)

run_case() { # arch cpu qemu mmio gic(- on riscv64) devices [smp]
    local arch=$1 cpu=$2 qemu=$3 mmio=$4 gic=$5 devs=$6 smp=${7:-1}
    local name="$arch-$cpu-$mmio-gic$gic-${devs//,/+}"
    [[ $arch == riscv64 ]] && name="$arch-$cpu-$mmio-${devs//,/+}"
    ((smp == 1)) || name+="-smp$smp"
    local log=$LOGDIR/probe-$name.log
    local ver=1 opts=()
    [[ $mmio == modern ]] && ver=2
    [[ $arch == riscv64 ]] || opts=(--gic "$gic")
    boot "$log" 30 --arch "$arch" --cpu "$cpu" --qemu "$qemu" --mmio "$mmio" "${opts[@]}" --smp "$smp" \
        --devices "$devs" --append poweroff
    expect_line "$log" "boot: powering off" "$name: boots and finishes"
    if [[ $arch == riscv64 ]]; then
        expect_line "$log" "vbare: riscv64 firmware on riscv-virtio,qemu" "$name: the machine's name from the device tree"
        expect_line "$log" "$(irqchip_line "$arch")" "$name: the PLIC found through the device tree"
    else
        expect_line "$log" "$(irqchip_line "$arch" "$gic")" "$name: GICv$gic found through the device tree"
    fi
    expect_grep "$log" "^irq: timer interrupts arrive through $(timer_via "$arch" "$gic")\$" "$name: timer interrupt delivered"
    IFS=, read -ra list <<<"$devs"
    local i=0 d lines=() addr irq
    for d in "${list[@]}"; do
        read -r addr irq < <(virt_dev "$arch" "$i")
        lines+=("virtio-mmio@$addr irq $irq v$ver dev ${ids[$d]} ($d) vendor 0x554d4551")
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
    local n=${#list[@]} slots
    slots=$(virt_slots "$arch")
    expect_line "$log" "virtio: $n device$([[ $n == 1 ]] || echo s), $((slots - n)) empty slots" "$name: empty slots counted"
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
run_case riscv64 rv64 qemu-system-riscv64 legacy - net,blk,rng
run_case riscv64 rv64 qemu-system-riscv64 modern - rng,console,net,blk
run_case riscv64 rv64 qemu-system-riscv64 legacy - console,blk 2
run_case riscv64 rv64 qemu-system-riscv64 modern - blk,net,rng,console 2

# riscv64 with the AIA's APLIC in place of the PLIC (-M virt,aia=aplic): the
# firmware drives no APLIC, so it must not write PLIC registers into it
# (it did, and crashed, when it fell back to QEMU's PLIC address with a valid
# tree); every device is polled, the S-mode timer still ticks, and the
# network works; the Svpbmt CPU option shows in the cpu line.
log=$LOGDIR/probe-riscv64-aplic.log
boot_until "$log" '^net: ready' 30 --arch riscv64 --cpu rv64,svpbmt=on --machine-opts aia=aplic --devices net,rng
expect_line "$log" "irq: WARNING: no interrupt controller this firmware drives: every device will be polled" \
    "riscv64 aia=aplic: no controller driven, said in words"
expect_grep "$log" '^virtio: WARNING: virtio_mmio@10008000: the interrupt goes to another interrupt controller; the device will be polled$' \
    "riscv64 aia=aplic: the devices' interrupts are refused by name"
expect_line "$log" "virtio-mmio@0x10008000 irq none v1 dev 1 (net) vendor 0x554d4551" "riscv64 aia=aplic: net is polled"
expect_grep "$log" '^net: dhcp: bound ' "riscv64 aia=aplic: DHCP completes, polled"
expect_line "$log" "irq: timer interrupts arrive through the supervisor timer interrupt" "riscv64 aia=aplic: the timer ticks"
expect_grep "$log" '^cpu: hart 0, timer through stimecmp \(Sstc\), I/O pages PBMT=IO \(Svpbmt\)$' \
    "riscv64 -cpu rv64,svpbmt=on: Sstc and Svpbmt found in the ISA string and usable"
expect_no_grep "$log" 'CRASH' "riscv64 aia=aplic: no crash"
finish
