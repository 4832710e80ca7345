#!/usr/bin/env bash
# test_tcp_loss.sh - the guest's TCP (net/tcp.c) recovering from loss,
# reordering and duplication, and a large echo.  In a network namespace of
# this test's own (192.0.2.0/24, tools/tapns.sh):
#  - 10 MB echoed (port 7) without faults, SHA-256 exact, by python
#    (tools/tcp-check.py --echo) on arm and aarch64, legacy and modern,
#    QEMU on the TAP device directly;
#  - 10 MB echoed SHA-256 exact through tools/loss-relay.py (QEMU's
#    virtio-net on a UDP socket netdev, the relay forwarding to the TAP
#    device) at 5% loss both ways, 2% reordering (held back behind the next
#    2 frames), 2% duplication, within LOSS_TIMEOUT seconds (default 120),
#    on arm legacy and aarch64 modern (a representative pair: a run takes
#    about 45 s; LOSS_CONFIGS="arm legacy" runs one); the relay's counts
#    must show drops, reorders and duplicates in both directions.
# Run time: about 2 minutes on the 2-core machine (the fault-free runs
# 1-2 s of echo each, plus boots; each loss run about 45 s).  The
# namespace, the relay and the QEMU it started go on exit, whatever
# happens.
#   LOSS_SEED=N (default 1) picks another fault schedule; LOSS_ONLY=1
#   skips the fault-free runs.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tap.sh"
relay_pid=
relay_stop() {
    [[ -n $relay_pid ]] && kill "$relay_pid" 2>/dev/null && wait "$relay_pid" 2>/dev/null
    relay_pid=
}
trap 'relay_stop; tap_cleanup' EXIT
tapns_up "$NS" tap0 "$HOST_IP" || { skip "TAP tests: $TAPNS_ERR"; finish; }

SIZE=10000000
LOSS_TIMEOUT=${LOSS_TIMEOUT:-120}
QPORT=40007 RPORT=40008 # on the namespace's own loopback

# Each PASS:/FAIL: line of tools/tcp-check.py counts as this test's own.
tcp_check() { # NAME TIMEOUT ARGS...
    tap_checker "$1" env TCP_TIMEOUT="$2" timeout $(($2 + 10)) python3 tools/tcp-check.py "${@:3}"
}

# As tap_start (tap.sh), with room for the slow run: QEMU ends after
# LOSS_TIMEOUT + 60 s whatever happens.
boot_on() { # NAME LOG ARCH MMIO NET
    in_ns ip neigh flush dev tap0 2>/dev/null
    : >"$2"
    ip netns exec "$NS" timeout --kill-after=5 $((LOSS_TIMEOUT + 60)) tools/qemu-run.sh --net "$5" \
        --append "$TAP_APPEND" --arch "$3" --mmio "$4" --devices net,rng "build/$3/firmware.elf" \
        >"$2" 2>&1 </dev/null &
    tap_pid=$!
    if ! wait_for "$2" '^net: ready' "$tap_pid" 40; then
        fail "$1: the guest did not come up (see $2)"
        tap_stop
        return 1
    fi
}

arches=
for a in $ARCHES; do
    [[ $a == arm || $a == aarch64 ]] && arches+=" $a"
done
[[ -n $arches ]] || { skip "test_tcp_loss: arm and aarch64 only (TEST_ARCHES=$ARCHES)"; finish; }

# Without faults: the whole matrix (LOSS_ONLY=1: skipped).
for arch in $arches; do
    [[ -n ${LOSS_ONLY:-} ]] && break
    for mmio in legacy modern; do
        name="$arch $mmio tcp 10 MB"
        log=$LOGDIR/tcp-10m-$arch-$mmio.log
        boot_on "$name" "$log" "$arch" "$mmio" tap:tap0 || continue
        tcp_check "$name" 60 --echo "$SIZE" "$GUEST_IP" 7
        expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
        tap_stop
    done
done

# Through the relay.
IFS=, read -ra loss_configs <<<"${LOSS_CONFIGS:-arm legacy,aarch64 modern}"
for cfg in "${loss_configs[@]}"; do
    read -r arch mmio <<<"$cfg"
    [[ " $arches " == *" $arch "* ]] || continue
    name="$arch $mmio tcp 10 MB, 5% loss"
    log=$LOGDIR/tcp-loss-$arch-$mmio.log
    rlog=$LOGDIR/tcp-loss-$arch-$mmio.relay.log
    : >"$rlog"
    ip netns exec "$NS" python3 tools/loss-relay.py --tap tap0 --listen "127.0.0.1:$RPORT" \
        --qemu "127.0.0.1:$QPORT" --seed "${LOSS_SEED:-1}" --drop 0.05 --reorder 0.02 --depth 2 \
        --dup 0.02 >"$rlog" 2>&1 &
    relay_pid=$!
    if ! wait_for "$rlog" '^ready' "$relay_pid" 10; then
        fail "$name: the relay did not start: $(tail -3 "$rlog")"
        relay_stop
        continue
    fi
    boot_on "$name" "$log" "$arch" "$mmio" "udp:$QPORT:$RPORT" || { relay_stop; continue; }
    tcp_check "$name" "$LOSS_TIMEOUT" --echo "$SIZE" "$GUEST_IP" 7
    expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
    tap_stop
    relay_stop
    for dir in to-guest from-guest; do
        line=$(grep "^loss-relay: $dir " "$rlog")
        read -r dropped reordered duplicated < <(sed -n \
            's/.* dropped \([0-9]*\) reordered \([0-9]*\) duplicated \([0-9]*\)$/\1 \2 \3/p' <<<"$line")
        if ((${dropped:-0} > 0 && ${reordered:-0} > 0 && ${duplicated:-0} > 0)); then
            pass "$name: the relay dropped $dropped, reordered $reordered, duplicated $duplicated frames $dir"
        else
            fail "$name: relay counts $dir: '${line:-none}'"
        fi
    done
done
finish
