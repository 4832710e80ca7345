#!/usr/bin/env bash
# test_tcp.sh - the guest's TCP (net/tcp.c) against Linux's own TCP, on a
# TAP device inside a network namespace this test creates (192.0.2.0/24;
# QEMU runs inside the namespace), for arm and aarch64 on both transports:
# echo (port 7) of 1 byte, 64 KiB and 1 MiB verified by SHA-256, each sent
# and then half-closed (shutdown(SHUT_WR), the rest read to EOF); 20
# concurrent connections; discard (port 9); RST from a closed port (all in
# tools/tcp-check.py); nc's echo byte-exact; then with tcp_echo=off, port 7
# refused while discard still works.  The namespace and the QEMU it started
# go on exit, whatever happens.
#   TCP_MMIO="legacy" bash test/system/test_tcp.sh   (one transport only)
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tap.sh"
tap_setup || finish

tcp_boot() { # NAME LOG ARCH MMIO [EXTRA-APPEND]
    local name=$1 log=$2 arch=$3 mmio=$4 extra=${5:-}
    if ! tap_start "$name" "$log" tools/qemu-run.sh --net tap:tap0 --append "$TAP_APPEND${extra:+ $extra}" \
        --arch "$arch" --mmio "$mmio" --devices net,rng "build/$arch/firmware.elf"; then
        fail "$name: the guest did not come up (see $log)"
        tap_stop
        return 1
    fi
}

# Each PASS:/FAIL: line of tools/tcp-check.py counts as this test's own.
tcp_check() { # NAME ARGS...
    local name=$1 line
    shift
    while IFS= read -r line; do
        case $line in
        PASS:*) pass "$name: ${line#PASS: }" ;;
        FAIL:*) fail "$name: ${line#FAIL: }" ;;
        *) echo "$line" ;;
        esac
    done < <(in_ns timeout 300 python3 tools/tcp-check.py "$@" 2>&1)
}

nc_echo() { # NAME SIZE
    local name=$1 size=$2 dir
    dir=$(mktemp -d)
    head -c "$size" /dev/urandom >"$dir/in"
    # -N: shutdown(SHUT_WR) at the end of the input, then read to EOF
    if in_ns timeout 60 nc -N "$GUEST_IP" 7 <"$dir/in" >"$dir/out" 2>"$dir/err" &&
        cmp -s "$dir/in" "$dir/out"; then
        pass "$name: nc echo of $size bytes exact"
    else
        fail "$name: nc echo of $size bytes: $(wc -c <"$dir/out") bytes back $(head -c 200 "$dir/err")"
    fi
    rm -rf "$dir"
}

arches=
for a in $ARCHES; do
    [[ $a == arm || $a == aarch64 ]] && arches+=" $a"
done
for arch in $arches; do
    for mmio in ${TCP_MMIO:-legacy modern}; do
        name="$arch $mmio tcp"
        log=$LOGDIR/tcp-$arch-$mmio.log
        tcp_boot "$name" "$log" "$arch" "$mmio" || continue
        expect_grep "$log" '^net: tcp: echo on port 7 on, discard on port 9 on' "$name: services announced"
        tcp_check "$name" "$GUEST_IP" 7 9 4321
        nc_echo "$name" 1
        nc_echo "$name" 65536
        nc_echo "$name" 1048576
        expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
        tap_stop
    done
done

# The boot arguments: tcp_echo=off closes port 7 (RST), discard stays;
# tcp_discard=off likewise.
read -r arch _ <<<"$arches"
try_port() { # PORT : "refused", or the bytes discard sent back ("0")
    in_ns python3 -c '
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
    s.sendall(b"x" * 1000)
    s.shutdown(socket.SHUT_WR)
    print(len(s.recv(1)))
except ConnectionRefusedError:
    print("refused")
except Exception as e:
    print(repr(e))' "$GUEST_IP" "$1" 2>&1
}
for off in echo discard; do
    [[ -n $arch ]] || break
    name="$arch tcp_$off=off"
    log=$LOGDIR/tcp-$arch-$off-off.log
    tcp_boot "$name" "$log" "$arch" legacy "tcp_$off=off" || continue
    if [[ $off == echo ]]; then
        expect_grep "$log" '^net: tcp: echo on port 7 off, discard on port 9 on' "$name: announced"
        closed=7 open=9
    else
        expect_grep "$log" '^net: tcp: echo on port 7 on, discard on port 9 off' "$name: announced"
        closed=9 open=7
    fi
    out=$(try_port $closed)
    [[ $out == refused ]] && pass "$name: port $closed refused (RST)" || fail "$name: port $closed: $out"
    out=$(try_port $open)
    if [[ $open == 9 ]]; then
        [[ $out == 0 ]] && pass "$name: discard still on" || fail "$name: discard: $out"
    else
        [[ $out == 1 ]] && pass "$name: echo still on" || fail "$name: echo: $out"
    fi
    tap_stop
done
finish
