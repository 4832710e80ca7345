#!/usr/bin/env bash
# test_el3.sh - the aarch64 image entered at EL3, as QEMU's -M
# virt,secure=on enters an image given without TF-A: the entry contract is
# EL2 or EL1, and at EL3 the EL1 registers the entry sets up (vectors, MMU)
# do not apply and no interrupt routed to a lower level is taken.  The
# image says so in words, once, and still boots; entered at EL1 (plain
# -M virt) it says nothing of the kind.
. "$(dirname "$0")/lib.sh"

if [[ ! -f build/aarch64/firmware.elf ]]; then
    fail "no build/aarch64/firmware.elf (make ARCH=aarch64)"
    finish
fi
warn='^cpu: WARNING: entered at EL3; this firmware runs at EL1 and needs a loader that enters it at EL2 or EL1 \(TF-A, U-Boot\): here it has no MMU, no interrupts and no crash reports$'
for m in secure=on ""; do
    log=$LOGDIR/el3-aarch64${m:+-secure}.log
    boot_until "$log" "boot: done" 20 --arch aarch64 ${m:+--machine-opts "$m"} --devices net --net user \
        --append "ip=10.0.2.15::10.0.2.2:255.255.255.0"
    expect_line "$log" "boot: done" "aarch64${m:+ $m}: boots to the end"
    if [[ -n $m ]]; then
        expect_grep "$log" "$warn" "aarch64 $m: entered at EL3, the firmware says what it lacks there"
        [[ $(tr -d '\r' <"$log" | grep -c 'entered at EL3') == 1 ]] && pass "aarch64 $m: one such line" ||
            fail "aarch64 $m: the EL3 warning $(tr -d '\r' <"$log" | grep -c 'entered at EL3') times in $log"
    else
        expect_no_grep "$log" 'EL3' "aarch64 at EL1: no EL3 warning"
    fi
done
finish
