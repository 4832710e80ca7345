#!/usr/bin/env bash
# test_dtb.sh - the firmware meets a broken device tree and a broken virtio
# node: it says what is wrong, falls back to the board table, and boots.
# The blob is corrupted inside the halted guest through QEMU's gdb stub
# (tools/dtb-poke.py), so the firmware's own reader is what meets it; on
# riscv64 after OpenSBI has read it, where OpenSBI enters the firmware.
. "$(dirname "$0")/lib.sh"

poke_boot() { # arch mutation log
    local arch=$1 mut=$2 log=$3 port riscv=()
    port=$(free_port)
    [[ $arch == riscv64 ]] && riscv=(--riscv "build/$arch/firmware.elf")
    timeout --kill-after=5 20 tools/qemu-run.sh --arch "$arch" --devices net,rng --gdb-port "$port" \
        "build/$arch/firmware.elf" >"$log" 2>&1 &
    local pid=$!
    if ! python3 tools/dtb-poke.py "$port" "$mut" "${riscv[@]}" >>"$log.poke" 2>&1; then
        fail "$arch $mut: could not corrupt the blob: $(cat "$log.poke")"
    fi
    # The fallback table has no bootargs, so the guest never powers off: wait for the end of boot.
    wait_for "$log" '^boot: done' "$pid" 10
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

declare -A reason=([magic]="bad magic" [version]="unsupported version" [totalsize]="truncated"
    [off_struct]="bad offset" [nameoff]="bad offset|bad string" [end]="bad structure"
    [unbalanced]="bad structure")
for arch in $ARCHES; do
    # Where the tree is: arm, aarch64: QEMU's at the base of RAM; riscv64:
    # where a1 points, QEMU's copy at the top of the 128 MiB.  What the
    # lowest virtio node is moved onto: the PL031 RTC; on riscv64 the PLIC
    # (its RTC lies in the unmapped lowest 2 MiB), whose first word reads 0.
    dtb=0x40000000 node=virtio_mmio@a000000 other=0x09010000
    [[ $arch == riscv64 ]] && dtb=0x87e00000 node=virtio_mmio@10001000 other=0x0c000000
    read -r net_at net_irq < <(virt_dev "$arch" 0)
    slots=$(virt_slots "$arch")
    for mut in magic version totalsize off_struct nameoff end unbalanced; do
        log=$LOGDIR/dtb-$arch-$mut.log
        rm -f "$log.poke"
        poke_boot "$arch" "$mut" "$log"
        expect_grep "$log" "^dt: WARNING: no valid device tree \\((${reason[$mut]}) at $dtb\\); using the qemu-virt board table\$" \
            "$arch corrupt DTB ($mut): reported with its reason"
        expect_line "$log" "virtio-mmio@$net_at irq $net_irq v1 dev 1 (net) vendor 0x554d4551" "$arch corrupt DTB ($mut): fallback table finds net"
        expect_line "$log" "virtio: 2 devices, $((slots - 2)) empty slots" "$arch corrupt DTB ($mut): fallback table counts slots"
        expect_no_grep "$log" 'CRASH' "$arch corrupt DTB ($mut): no crash"
    done
    log=$LOGDIR/dtb-$arch-virtio-reg.log
    rm -f "$log.poke"
    poke_boot "$arch" virtio-reg "$log"
    expect_grep "$log" "^virtio: WARNING: $node at $other: bad magic 0x[0-9a-f]{8}, skipped\$" \
        "$arch: a virtio node with bad magic is named in a warning"
    expect_line "$log" "virtio: 2 devices, $((slots - 3)) empty slots" "$arch: boot goes on past the bad node"
    # A node whose registers lie in the unmapped lowest page(s): refused
    # before anything reads them (reading would fault).
    log=$LOGDIR/dtb-$arch-virtio-guard.log
    rm -f "$log.poke"
    poke_boot "$arch" virtio-guard "$log"
    expect_grep "$log" "^virtio: WARNING: $node: registers at 0x1000 lie in the unmapped NULL guard \\(the lowest [0-9]+ KiB\\); skipped\$" \
        "$arch: a virtio node inside the NULL guard is refused, not read"
    expect_no_grep "$log" 'CRASH' "$arch: no crash from a virtio node in the NULL guard"
    expect_grep "$log" "^virtio: 2 devices, " "$arch: boot goes on past the node in the guard"
done

# The crash report: exception kind, PC, fault address and status.
for arch in $ARCHES; do
    log=$LOGDIR/crash-$arch-abort.log
    boot_until "$log" '\*\*\* halted' 20 --arch "$arch" --devices rng --append "crash=abort"
    case $arch in
    arm)
        expect_grep "$log" '^\*\*\* CRASH: data abort at pc 0x402[0-9a-f]{5} ' "$arch crash report: kind and pc"
        expect_grep "$log" '^\*\*\* fault address 0x00000010, status DFSR 0x[0-9a-f]{8}$' "$arch crash report: fault address and status" ;;
    aarch64)
        expect_grep "$log" '^\*\*\* CRASH: synchronous exception at pc 0x00000000402[0-9a-f]{5} ' "$arch crash report: kind and pc"
        expect_grep "$log" '^\*\*\* ESR 0x96[0-9a-f]{6} \(data abort\), fault address 0x0000000000000010$' "$arch crash report: fault address and status" ;;
    riscv64)
        expect_grep "$log" '^\*\*\* CRASH: load page fault at pc 0x00000000802[0-9a-f]{5} on hart 0 ' "$arch crash report: kind, pc and hart"
        expect_grep "$log" '^\*\*\* scause 0x000000000000000d, fault address 0x0000000000000010$' "$arch crash report: fault address and cause" ;;
    esac
    # The console holds the log until the network has answered; the crash
    # report lets it out first: boot_main's lines, the firmware's, then it.
    if awk '/^vbare: /&&!a{a=NR} /^mem: DMA pool/&&!b{b=NR} /^crash: reading through a NULL pointer/&&!c{c=NR}
            /^\*\*\* CRASH: /&&!d{d=NR} END {exit !(a && b > a && c > b && d > c)}' "$log"; then
        pass "$arch crash report: the held log before it, in order"
    else
        fail "$arch crash report: the held log before it, in order (see $log)"
    fi
    log=$LOGDIR/crash-$arch-undef.log
    boot_until "$log" '\*\*\* halted' 20 --arch "$arch" --devices rng --append "crash=undef"
    case $arch in
    arm) expect_grep "$log" '^\*\*\* CRASH: undefined instruction at pc 0x402[0-9a-f]{5} ' "$arch crash report: undefined instruction" ;;
    aarch64) expect_grep "$log" '^\*\*\* ESR 0x02[0-9a-f]{6} \(unknown reason\)' "$arch crash report: undefined instruction" ;;
    riscv64)
        expect_grep "$log" '^\*\*\* CRASH: illegal instruction at pc 0x00000000802[0-9a-f]{5} ' "$arch crash report: illegal instruction"
        expect_grep "$log" '^\*\*\* scause 0x0000000000000002, instruction bits 0x[0-9a-f]{16}$' "$arch crash report: the instruction's bits" ;;
    esac
done
finish
