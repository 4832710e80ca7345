#!/usr/bin/env bash
# test_net_tap.sh - the guest on a TAP device inside a network namespace this
# test creates (192.0.2.0/24; QEMU runs inside the namespace), on both ARCHes
# and both transports, with every optional feature and with mrg_rxbuf, status,
# event_idx and indirect_desc off: ping -c 50 loses nothing, ping -s 1472
# works, ARP resolves both ways, UDP echo is byte-exact.  The namespace and
# the QEMU it started are removed on exit, whatever happens.
. "$(dirname "$0")/lib.sh"

NS=vbare-tap-$$
HOST_IP=192.0.2.1 GUEST_IP=192.0.2.2
pid=
cleanup() {
    [[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT

if [[ $(id -u) -ne 0 ]] || ! ip netns add "$NS" 2>/dev/null; then
    skip "TAP tests: cannot create a network namespace here (need root and netns support)"
    finish
fi
if ! ip netns exec "$NS" ip tuntap add dev tap0 mode tap 2>/dev/null; then
    skip "TAP tests: cannot create a TAP device in the namespace"
    finish
fi
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add "$HOST_IP/24" dev tap0
ip netns exec "$NS" ip link set tap0 up
in_ns() { ip netns exec "$NS" "$@"; }

OFF=mrg_rxbuf=off,event_idx=off,indirect_desc=off,status=off
for arch in arm aarch64; do
    for mmio in legacy modern; do
        for feat in all off; do
            name="$arch $mmio features=$feat tap"
            log=$LOGDIR/net-tap-$arch-$mmio-$feat.log
            opts=
            [[ $feat == off ]] && opts=$OFF
            in_ns ip neigh flush dev tap0 2>/dev/null
            # Not through in_ns: $! must be the process that becomes QEMU's parent.
            ip netns exec "$NS" timeout --kill-after=5 120 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,rng \
                --net tap:tap0 ${opts:+--net-opts "$opts"} --append "ip=$GUEST_IP::$HOST_IP:255.255.255.0" \
                "build/$arch/firmware.elf" >"$log" 2>&1 &
            pid=$!
            wait_for "$log" '^net: ready' "$pid" 30
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
            if out=$(in_ns python3 tools/udp-echo-check.py "$GUEST_IP" 7 1 1472 2>&1); then
                pass "$name: ${out##*$'\n'}"
            else
                fail "$name: $(echo "$out" | tail -3 | tr '\n' ' ')"
            fi
            expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
            kill "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            pid=
        done
    done
done
finish
