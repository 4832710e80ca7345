#!/usr/bin/env bash
# test_el3.sh - images entered by QEMU's -M virt,secure=on, which starts a
# -kernel image without TF-A in the secure world and gives it a device
# tree with no PSCI:
#   * aarch64 at EL3: the entry contract is EL2 or EL1, and at EL3 the EL1
#     registers the entry sets up (vectors, MMU) do not apply and no
#     interrupt routed to a lower level is taken.  The image says so in
#     words, once, and still boots; entered at EL1 (plain -M virt) it says
#     nothing of the kind.
#   * arm in secure SVC, and aarch64 at EL3: `poweroff` finds no way to
#     power off and says so instead of hanging silently.
. "$(dirname "$0")/lib.sh"

warn='^cpu: WARNING: entered at EL3; this firmware runs at EL1 and needs a loader that enters it at EL2 or EL1 \(TF-A, U-Boot\): here it has no MMU, no interrupts and no crash reports$'
off='boot: WARNING: cannot power off: the device tree names no PSCI and the board has no other way; halted'
for arch in aarch64 arm; do
    if [[ ! -f build/$arch/firmware.elf ]]; then
        fail "no build/$arch/firmware.elf (make ARCH=$arch)"
        continue
    fi
    for m in secure=on ""; do
        [[ $arch == arm && -z $m ]] && continue # plain virt: other tests
        log=$LOGDIR/el3-$arch${m:+-secure}.log
        boot_until "$log" "boot: (WARNING: cannot power off|done)" 20 --arch "$arch" ${m:+--machine-opts "$m"} \
            --devices net --net user --append "ip=10.0.2.15::10.0.2.2:255.255.255.0 ${m:+poweroff}"
        expect_line "$log" "boot: done" "$arch${m:+ $m}: boots to the end"
        if [[ -n $m ]]; then
            expect_line "$log" "$off" "$arch $m: poweroff says it cannot, in words"
        fi
        if [[ $arch == aarch64 && -n $m ]]; then
            expect_grep "$log" "$warn" "aarch64 $m: entered at EL3, the firmware says what it lacks there"
            n=$(tr -d '\r' <"$log" | grep -c 'entered at EL3')
            ((n == 1)) && pass "aarch64 $m: one such line" || fail "aarch64 $m: the EL3 warning $n times in $log"
        else
            expect_no_grep "$log" 'EL3' "$arch${m:+ $m}: no EL3 warning"
        fi
    done
done
finish
