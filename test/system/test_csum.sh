#!/usr/bin/env bash
# test_csum.sh - virtio-net checksum offload on a TAP device inside a network
# namespace this test creates (192.0.2.0/24; tap.sh), for arm and aarch64,
# both transports, and four configurations: the default (CSUM and
# GUEST_CSUM), csum=off, guest_csum=off, both off.  QEMU offers both
# features only with a TAP backend; it tells the TAP to offload checksums
# when the guest accepts GUEST_CSUM, so the host's own sockets then send
# partial checksums (NEEDS_CSUM) that the guest must accept, and it passes
# the guest's NEEDS_CSUM frames to the TAP as they are (the kernel finishes
# them only where it must, so a reader on the TAP sees the partial sum).
# tools/csum-probe.py checks it all from inside the namespace: UDP echo to
# the host's sockets, crafted frames from a raw socket (right, wrong, absent
# and partial checksums; ICMP too), every reply byte-exact and its checksum
# as captured on the TAP complete and right, or partial exactly when the
# guest offloads it; then UDP echo byte-exact for every size 1..1472.  Only
# the QEMU this test started is ever signalled; the namespace goes on exit.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tap.sh"
tap_setup || finish

# TEST_ARCHES narrows it like the other tests; riscv64 is left to
# test_net_tap.sh (the driver and the stack are the same code).
for arch in ${TEST_ARCHES:-arm aarch64}; do
    for mmio in legacy modern; do
        for cfg in default csum=off guest_csum=off both-off; do
            name="$arch $mmio $cfg"
            log=$LOGDIR/csum-$arch-$mmio-${cfg//=/-}.log
            append=$TAP_APPEND tx=on rx=on
            case $cfg in
            csum=off) append+=" csum=off" tx=off ;;
            guest_csum=off) append+=" guest_csum=off" rx=off ;;
            both-off) append+=" csum=off guest_csum=off" tx=off rx=off ;;
            esac
            if ! tap_start "$name" "$log" tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,rng \
                --net tap:tap0 --append "$append" "build/$arch/firmware.elf"; then
                fail "$name: the network did not come up: $(tr -d '\r' <"$log" | tail -2 | tr '\n' ' ')"
                tap_stop
                continue
            fi
            feat=$(tr -d '\r' <"$log" | sed -n 's/^net: virtio-net .*features:\(.*\)$/\1 /p' | head -1)
            want=
            [[ $tx == on ]] && want+=" csum"
            [[ $rx == on ]] && want+=" guest_csum"
            got=
            [[ $feat == *" csum "* ]] && got+=" csum"
            [[ $feat == *" guest_csum "* ]] && got+=" guest_csum"
            if [[ -n $feat && $got == "$want" ]]; then
                pass "$name: checksum features negotiated:${want:- none}"
            else
                fail "$name: checksum features negotiated:${got:- none}, expected:${want:- none} (features:$feat)"
            fi
            mac=$(tr -d '\r' <"$log" | sed -n 's/^net: virtio-net .* mac \([0-9a-f:]*\) .*/\1/p' | head -1)
            out=$(in_ns python3 tools/csum-probe.py tap0 "$HOST_IP" "$GUEST_IP" "$mac" "$tx" "$rx" 2>&1)
            rc=$?
            while IFS= read -r line; do
                case $line in
                "PASS "*) pass "$name: ${line#PASS }" ;;
                "FAIL "*) fail "$name: ${line#FAIL }" ;;
                esac
            done <<<"$out"
            if ((rc != 0)) && ! grep -q '^FAIL ' <<<"$out"; then
                fail "$name: csum-probe.py exited with $rc: $(tail -3 <<<"$out" | tr '\n' ' ')"
            fi
            expect_echo "$name: host sockets, every size" "$GUEST_IP" 7 1 1472 in_ns
            expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
            tap_stop
        done
    done
done
finish
