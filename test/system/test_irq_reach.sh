#!/usr/bin/env bash
# test_irq_reach.sh - an interrupt controller the firmware cannot map, or
# cannot use from EL1, is left alone: the boot says why, every device is
# polled, and nothing faults.
#
# The device tree is edited inside the halted guest through QEMU's gdb
# stub (tools/dtb-poke.py; on riscv64 where OpenSBI, which drives the PLIC
# itself, enters the firmware):
#   irqchip-reach  the GIC distributor (aarch64) or the PLIC (riscv64)
#                  above the identity map (512 GiB, 256 GiB; arm's 4 GiB
#                  was refused before, so not here);
#   irqchip-guard  the same at 0x1000, in the unmapped NULL guard;
#   gicv3-no-sysregs  (arm, aarch64) a GICv3 node, with a redistributor
#                  that answers for CPU 0, on a CPU with a GICv2 and so no
#                  GICv3 system registers: any ICC_* access is UNDEFINED.
. "$(dirname "$0")/lib.sh"

poke_boot() { # arch mutation log
    local arch=$1 mut=$2 log=$3 port riscv=()
    port=$(free_port)
    [[ $arch == riscv64 ]] && riscv=(--riscv "build/$arch/firmware.elf")
    timeout --kill-after=5 30 tools/qemu-run.sh --arch "$arch" --devices rng,rng --gdb-port "$port" \
        "build/$arch/firmware.elf" >"$log" 2>&1 &
    local pid=$!
    if ! python3 tools/dtb-poke.py "$port" "$mut" "${riscv[@]}" >>"$log.poke" 2>&1; then
        fail "$arch $mut: could not edit the blob: $(cat "$log.poke")"
    fi
    wait_for "$log" '^boot: done|CRASH' "$pid" 20
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

while IFS='|' read -r -u 3 arch mut warning; do
    log=$LOGDIR/irq-reach-$arch-$mut.log
    rm -f "$log" "$log.poke"
    if [[ ! -f build/$arch/firmware.elf ]]; then
        fail "$arch: no build/$arch/firmware.elf (make ARCH=$arch)"
        continue
    fi
    poke_boot "$arch" "$mut" "$log"
    expect_line "$log" "$warning" "$arch $mut: the controller is refused, and the log says why"
    expect_grep "$log" '^irq: WARNING: no interrupt controller this firmware drives: every device will be polled' \
        "$arch $mut: every device polled"
    expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v1, polled: no interrupt' "$arch $mut: rng read by polling"
    expect_line "$log" "boot: done" "$arch $mut: boots to the end"
    expect_no_grep "$log" 'CRASH' "$arch $mut: no crash"
done 3<<'CASES'
arm|irqchip-guard|irq: WARNING: GICv2 distributor registers at 0x1000 are out of this CPU's reach (beyond the identity map or in the NULL guard); not used
aarch64|irqchip-reach|irq: WARNING: GICv2 distributor registers at 0x8000000000 are out of this CPU's reach (beyond the identity map or in the NULL guard); not used
aarch64|irqchip-guard|irq: WARNING: GICv2 distributor registers at 0x1000 are out of this CPU's reach (beyond the identity map or in the NULL guard); not used
riscv64|irqchip-reach|irq: WARNING: PLIC registers at 0x4000000000 are out of this CPU's reach (beyond the identity map or in the NULL guard); not used
riscv64|irqchip-guard|irq: WARNING: PLIC registers at 0x1000 are out of this CPU's reach (beyond the identity map or in the NULL guard); not used
aarch64|gicv3-no-sysregs|irq: WARNING: the device tree has a GICv3, but this CPU has no GICv3 system registers
arm|gicv3-no-sysregs|irq: WARNING: the device tree has a GICv3, but this CPU has no GICv3 system registers
CASES
finish
