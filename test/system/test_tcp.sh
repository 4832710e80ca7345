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

tcp_boot() { tap_boot "$1" "$2" "$3" "$4" net,rng "${5:-}"; } # NAME LOG ARCH MMIO [EXTRA-APPEND]

tcp_check() { tap_checker "$1" timeout 300 python3 tools/tcp-check.py "${@:2}"; } # NAME ARGS...

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
[[ -n $arches ]] || { skip "test_tcp: arm and aarch64 only (TEST_ARCHES=$ARCHES)"; finish; }
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
try_port() { # PORT : "refused" (by a RST), or the bytes discard sent back ("0")
    # An ICMP port unreachable also makes connect() fail with ECONNREFUSED;
    # it is queued on the socket with IP_RECVERR (11), a RST is not.
    in_ns python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_IP, 11, 1)
s.settimeout(10)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    s.sendall(b"x" * 1000)
    s.shutdown(socket.SHUT_WR)
    print(len(s.recv(1)))
except ConnectionRefusedError:
    try:
        s.setblocking(False)  # with a timeout set, Python polls for input first: the whole timeout
        s.recvmsg(1, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        print("refused by an ICMP error, not a RST")
    except (BlockingIOError, TimeoutError):
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
