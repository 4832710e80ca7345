#!/usr/bin/env bash
# test_recovery.sh - virtio-net under a ping flood while QEMU takes the
# link away and resets the machine, on a TAP device inside a network
# namespace this test creates (192.0.2.0/24), modern virtio-mmio, every ARCH.
#
# What QEMU can cause, and so what this covers:
#  - link flaps (monitor set_link): the config-change interrupt under load;
#    what is lost is what was sent while the link was down, nothing after.
#  - a reset of the whole machine under traffic (monitor system_reset, with
#    QEMU told to reboot rather than exit): every device is reset and the
#    firmware starts again with frames already waiting; it must come back
#    and answer.
# What it cannot: reset one virtio-mmio device, or make it report
# DEVICE_NEEDS_RESET or write a bad ring entry (QEMU offers no hot-unplug on
# virtio-mmio and no fault injection).  The host tests do those against the
# simulated device: test_virtio_net.c (restart, broken rings, link changes),
# test_virtio_blk.c and test_virtio_console.c (recovery).
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tap.sh"
tap_setup || finish

INTERVAL=0.002 # a ping every 2 ms
FLAPS=3 OFF_S=0.1

# lost_ok SENT RECEIVED MAX NAME : at most MAX of SENT lost, and some answered.
lost_ok() {
    local sent=$1 recv=$2 max=$3 name=$4
    if [[ -z $sent || -z $recv ]]; then
        fail "$name: no ping summary"
    elif ((recv > 0 && sent - recv <= max)); then
        pass "$name: $((sent - recv)) of $sent lost (at most $max allowed)"
    else
        fail "$name: $((sent - recv)) of $sent lost (at most $max allowed)"
    fi
}

# flood COUNT OUTFILE : ping the guest every 2 ms in the background.
flood() {
    in_ns ping -n -q -i "$INTERVAL" -c "$1" -W 1 "$GUEST_IP" >"$2" 2>&1 &
    flood_pid=$!
}
summary() { # OUTFILE -> "sent received"
    sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$1"
}

for arch in $ARCHES; do
    name="$arch modern tap recovery"
    log=$LOGDIR/recovery-$arch.log
    mon=$(mktemp -u /tmp/vbare-mon.XXXXXX)
    out=$LOGDIR/recovery-$arch.ping
    tap_start "$name" "$log" tools/qemu-run.sh --net tap:tap0 --append "$TAP_APPEND" --arch "$arch" \
        --mmio modern --devices net,rng --monitor "unix:$mon,server=on,wait=off" --reboot \
        "build/$arch/firmware.elf"

    # Link flaps under the flood.  Each link is down from the moment the
    # "off" command is sent to the moment the "on" command has returned
    # (100 ms plus the monitor round trips, measured): a ping every 2 ms
    # in that time may be lost, plus 10 per flap for the replies in
    # flight; nothing else.
    flood 1500 "$out"
    sleep 0.5
    down_ms=0
    for ((k = 0; k < FLAPS; k++)); do
        ms=$(python3 tools/qemu-monitor.py --elapsed "$mon" "set_link n0 off" "sleep $OFF_S" "set_link n0 on" \
            2>&1 >/dev/null | sed -n 's/^elapsed-ms //p')
        down_ms=$((down_ms + ${ms:-1000}))
        sleep 0.5
    done
    wait "$flood_pid"
    read -r sent recv < <(summary "$out")
    lost_ok "$sent" "$recv" $((down_ms / 2 + FLAPS * 10)) \
        "$name: link flaps under a ping flood (links down $down_ms ms in all)"
    downs=$(tr -d '\r' <"$log" | grep -c '^net: link down')
    ups=$(tr -d '\r' <"$log" | grep -c '^net: link up')
    if ((downs == FLAPS && ups == FLAPS)); then
        pass "$name: the guest saw $FLAPS link downs and ups"
    else
        fail "$name: the guest saw $downs link downs and $ups ups, not $FLAPS"
    fi
    if o=$(in_ns ping -c 20 -i 0.02 -W 1 "$GUEST_IP" 2>&1) && grep -q ' 0% packet loss' <<<"$o"; then
        pass "$name: after the flaps, ping -c 20 loses nothing"
    else
        fail "$name: after the flaps: $(grep -E 'packet loss' <<<"$o")"
    fi

    # A machine reset under the flood: the firmware boots again while
    # frames arrive, and answers.  The flood runs 3 s; the reset comes at
    # 0.5 s.
    flood 1500 "$out"
    sleep 0.5
    python3 tools/qemu-monitor.py "$mon" "system_reset" >/dev/null
    wait "$flood_pid"
    boots=$(tr -d '\r' <"$log" | grep -c '^net: ready')
    if ((boots == 2)); then
        pass "$name: the firmware came up again after system_reset"
    else
        fail "$name: 'net: ready' $boots times after system_reset, not 2"
    fi
    read -r sent recv < <(summary "$out")
    # Lost: what the reset and the new boot took (well under a second here
    # even on a loaded machine: 500 pings), nothing after the network is up.
    lost_ok "$sent" "$recv" 500 "$name: a reset under a ping flood"
    if o=$(in_ns ping -c 20 -i 0.02 -W 1 "$GUEST_IP" 2>&1) && grep -q ' 0% packet loss' <<<"$o"; then
        pass "$name: after the reset, ping -c 20 loses nothing"
    else
        fail "$name: after the reset: $(grep -E 'packet loss' <<<"$o")"
    fi
    expect_echo "$name: after the reset" "$GUEST_IP" 7 1 1472 in_ns
    expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
    rm -f "$mon"
    tap_stop
done
finish
