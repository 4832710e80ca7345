# tap.sh - the network conformance probe on a TAP device (sourced after
# lib.sh).  tap_setup makes a network namespace of this test's own with
# tap0 at 192.0.2.1/24 (QEMU runs inside it); tap_probe boots one
# configuration there and checks: the static address from ip=, the guest's
# ARP and ping of the host, ping -c 50 without loss, ping -s 1472, the
# host's ARP entry for the guest's MAC, UDP echo byte-exact for 1..1472
# bytes, no crash.  The namespace and the QEMU it started go on exit.

. tools/tapns.sh
NS=vbare-tap-$$
HOST_IP=192.0.2.1 GUEST_IP=192.0.2.2
TAP_APPEND="ip=$GUEST_IP::$HOST_IP:255.255.255.0"
tap_pid=
tap_cleanup() {
    [[ -n $tap_pid ]] && kill "$tap_pid" 2>/dev/null && wait "$tap_pid" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
}
in_ns() { ip netns exec "$NS" "$@"; }

# tap_setup : 0 when the namespace is ready; otherwise prints a SKIP line.
tap_setup() {
    trap tap_cleanup EXIT
    tapns_up "$NS" tap0 "$HOST_IP" && return 0
    skip "TAP tests: $TAPNS_ERR"
    return 1
}

# tap_start NAME LOG CMD... : start CMD (a QEMU the caller built, with its
# virtio-net on tap0 and ip=$TAP_APPEND) inside the namespace and wait for
# the network; tap_check NAME LOG : the probe; tap_stop.  tap_probe NAME
# LOG qemu-run-options... FIRMWARE : all three, through tools/qemu-run.sh.
tap_start() {
    local log=$2
    shift 2
    in_ns ip neigh flush dev tap0 2>/dev/null
    # Not through in_ns(): $! must be the process that becomes QEMU's parent.
    ip netns exec "$NS" timeout --kill-after=5 120 "$@" >"$log" 2>&1 </dev/null &
    tap_pid=$!
    wait_for "$log" '^net: ready' "$tap_pid" 40
}

tap_stop() {
    [[ -n $tap_pid ]] && kill "$tap_pid" 2>/dev/null && wait "$tap_pid" 2>/dev/null
    tap_pid=
}

tap_check() {
    local name=$1 log=$2 out mac
    expect_grep "$log" "^net: static $GUEST_IP/24 gw $HOST_IP\$" "$name: static address from ip="
    expect_grep "$log" "^net: ping $HOST_IP: 3/3 replies" "$name: guest resolves the host by ARP and pings it"
    if out=$(in_ns ping -c 50 -i 0.02 -W 1 "$GUEST_IP" 2>&1) && grep -q ' 0% packet loss' <<<"$out"; then
        pass "$name: ping -c 50 loses nothing"
    else
        fail "$name: ping -c 50: $(grep -E 'packet loss' <<<"$out")"
    fi
    if out=$(in_ns ping -c 3 -s 1472 -W 1 "$GUEST_IP" 2>&1) && grep -q ' 0% packet loss' <<<"$out"; then
        pass "$name: ping -s 1472 works"
    else
        fail "$name: ping -s 1472: $(grep -E 'packet loss' <<<"$out")"
    fi
    mac=$(tr -d '\r' <"$log" | sed -n 's/^net: virtio-net .* mac \([0-9a-f:]*\) .*/\1/p' | head -1)
    if [[ -n $mac ]] && grep -q "lladdr $mac" <<<"$(in_ns ip neigh show "$GUEST_IP" dev tap0)"; then
        pass "$name: the host resolved the guest's MAC $mac by ARP"
    else
        fail "$name: host ARP entry for $GUEST_IP is '$(in_ns ip neigh show "$GUEST_IP" dev tap0)', guest MAC '$mac'"
    fi
    expect_echo "$name" "$GUEST_IP" 7 1 1472 in_ns
    expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
}

# tap_boot NAME LOG ARCH MMIO DEVICES [EXTRA-APPEND]: tap_start ARCH's
# firmware on tap0 with ip= (and EXTRA-APPEND) and the virtio DEVICES; a
# FAIL and status 1 when it does not come up.
tap_boot() {
    local name=$1 log=$2 arch=$3 mmio=$4 devices=$5 extra=${6:-}
    if ! tap_start "$name" "$log" tools/qemu-run.sh --net tap:tap0 --append "$TAP_APPEND${extra:+ $extra}" \
        --arch "$arch" --mmio "$mmio" --devices "$devices" "build/$arch/firmware.elf"; then
        fail "$name: the guest did not come up (see $log)"
        tap_stop
        return 1
    fi
}

# tap_checker NAME COMMAND...: run a checker inside the namespace; each
# PASS:/FAIL: line it prints counts as this test's own (prefixed with NAME).
# A checker that ends with a failing status but no FAIL line (a traceback,
# its timeout: the checks after that never ran) or prints no check at all
# is a FAIL too.
tap_checker() {
    local name=$1 line out rc np=0 nf=0
    shift
    out=$(in_ns "$@" 2>&1)
    rc=$?
    while IFS= read -r line; do
        case $line in
        PASS:*) pass "$name: ${line#PASS: }"; np=$((np + 1)) ;;
        FAIL:*) fail "$name: ${line#FAIL: }"; nf=$((nf + 1)) ;;
        *) echo "$line" ;;
        esac
    done <<<"$out"
    if ((rc != 0 && nf == 0 || np + nf == 0)); then
        fail "$name: '$*' exited with status $rc after $np checks, none failed: $(tail -3 <<<"$out" | tr '\n' ' ')"
    fi
}

tap_probe() {
    local name=$1 log=$2
    shift 2
    tap_start "$name" "$log" tools/qemu-run.sh --net tap:tap0 --append "$TAP_APPEND" "$@"
    tap_check "$name" "$log"
    tap_stop
}
