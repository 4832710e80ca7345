#!/usr/bin/env bash
# test_tcp_services.sh - the shell on TCP port 23 (apps/shellsrv.h) and the
# HTTP server on port 80 (apps/httpapp.h), on a TAP device inside a network
# namespace this test creates (192.0.2.0/24; QEMU runs inside it), with
# net, blk and rng attached: every check of tools/tcp-services-check.py
# (curl GET / and /stats parsed as JSON, HEAD, 404, 405, 400, 505, 431 and
# an answer after it; the shell's prompt, commands, telnet negotiation,
# line ends, ping from a session, two sessions at once, the session limit,
# exit/quit) for arm legacy and aarch64 modern, then with
# tcp_shell=off http=off both ports refused (RST).  About 30 s.
#   SVC_CONFIGS="arm:legacy arm:modern" bash test/system/test_tcp_services.sh
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tap.sh"
tap_setup || finish

svc_boot() { tap_boot "$1" "$2" "$3" "$4" net,blk,rng "${5:-}"; } # NAME LOG ARCH MMIO [EXTRA-APPEND]

svc_check() { tap_checker "$1" timeout 120 python3 tools/tcp-services-check.py "${@:2}"; } # NAME ARGS...

configs=
for c in ${SVC_CONFIGS:-arm:legacy aarch64:modern}; do
    [[ " $ARCHES " == *" ${c%%:*} "* ]] && configs+=" $c"
done
[[ -n $configs ]] || { skip "test_tcp_services: no configuration of ${SVC_CONFIGS:-arm:legacy aarch64:modern} in TEST_ARCHES=$ARCHES"; finish; }
for c in $configs; do
    arch=${c%%:*} mmio=${c#*:}
    name="$arch $mmio tcp services"
    log=$LOGDIR/tcp-services-$arch-$mmio.log
    svc_boot "$name" "$log" "$arch" "$mmio" || continue
    expect_grep "$log" '^net: tcp: shell on port 23 on \(4 sessions\), http on port 80 on' "$name: announced"
    svc_check "$name" "$GUEST_IP" on "$HOST_IP"
    expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
    tap_stop
done

# The boot arguments: both services off, both ports refused.
read -r c _ <<<"$configs"
if [[ -n $c ]]; then
    arch=${c%%:*}
    name="$arch tcp_shell=off http=off"
    log=$LOGDIR/tcp-services-$arch-off.log
    if svc_boot "$name" "$log" "$arch" legacy "tcp_shell=off http=off"; then
        expect_grep "$log" '^net: tcp: shell on port 23 off \(4 sessions\), http on port 80 off' "$name: announced"
        svc_check "$name" "$GUEST_IP" off
        tap_stop
    fi
fi
finish
