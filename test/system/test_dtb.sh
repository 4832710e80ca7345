#!/usr/bin/env bash
# test_dtb.sh - the firmware meets a broken device tree and a broken virtio
# node: it says what is wrong, falls back to the board table, and boots.
# The blob is corrupted inside the halted guest through QEMU's gdb stub
# (tools/dtb-poke.py), so the firmware's own reader is what meets it.
. "$(dirname "$0")/lib.sh"

poke_boot() { # arch mutation log
    local arch=$1 mut=$2 log=$3 port
    port=$(free_port)
    timeout --kill-after=5 20 tools/qemu-run.sh --arch "$arch" --devices net,rng --gdb-port "$port" \
        "build/$arch/firmware.elf" >"$log" 2>&1 &
    local pid=$!
    if ! python3 tools/dtb-poke.py "$port" "$mut" >>"$log.poke" 2>&1; then
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
for arch in arm aarch64; do
    for mut in magic version totalsize off_struct nameoff end unbalanced; do
        log=$LOGDIR/dtb-$arch-$mut.log
        rm -f "$log.poke"
        poke_boot "$arch" "$mut" "$log"
        expect_grep "$log" "^dt: WARNING: no valid device tree \\((${reason[$mut]}) at 0x40000000\\); using the qemu-virt board table\$" \
            "$arch corrupt DTB ($mut): reported with its reason"
        expect_line "$log" "virtio-mmio@0x0a003e00 irq 79 v1 dev 1 (net) vendor 0x554d4551" "$arch corrupt DTB ($mut): fallback table finds net"
        expect_line "$log" "virtio: 2 devices, 30 empty slots" "$arch corrupt DTB ($mut): fallback table counts slots"
        expect_no_grep "$log" 'CRASH' "$arch corrupt DTB ($mut): no crash"
    done
    log=$LOGDIR/dtb-$arch-virtio-reg.log
    rm -f "$log.poke"
    poke_boot "$arch" virtio-reg "$log"
    expect_grep "$log" '^virtio: WARNING: virtio_mmio@a000000 at 0x09010000: bad magic 0x[0-9a-f]{8}, skipped$' \
        "$arch: a virtio node with bad magic is named in a warning"
    expect_line "$log" "virtio: 2 devices, 29 empty slots" "$arch: boot goes on past the bad node"
done

# The crash report: exception kind, PC, fault address and status.
for arch in arm aarch64; do
    log=$LOGDIR/crash-$arch-abort.log
    boot_until "$log" '\*\*\* halted' 20 --arch "$arch" --devices rng --append "crash=abort"
    if [[ $arch == arm ]]; then
        expect_grep "$log" '^\*\*\* CRASH: data abort at pc 0x402[0-9a-f]{5} ' "$arch crash report: kind and pc"
        expect_grep "$log" '^\*\*\* fault address 0x00000010, status DFSR 0x[0-9a-f]{8}$' "$arch crash report: fault address and status"
    else
        expect_grep "$log" '^\*\*\* CRASH: synchronous exception at pc 0x00000000402[0-9a-f]{5} ' "$arch crash report: kind and pc"
        expect_grep "$log" '^\*\*\* ESR 0x96[0-9a-f]{6} \(data abort\), fault address 0x0000000000000010$' "$arch crash report: fault address and status"
    fi
    log=$LOGDIR/crash-$arch-undef.log
    boot_until "$log" '\*\*\* halted' 20 --arch "$arch" --devices rng --append "crash=undef"
    if [[ $arch == arm ]]; then
        expect_grep "$log" '^\*\*\* CRASH: undefined instruction at pc 0x402[0-9a-f]{5} ' "$arch crash report: undefined instruction"
    else
        expect_grep "$log" '^\*\*\* ESR 0x02[0-9a-f]{6} \(unknown reason\)' "$arch crash report: undefined instruction"
    fi
done
finish
