#!/usr/bin/env bash
# test_announce.sh - guest announcements (VIRTIO_NET_F_GUEST_ANNOUNCE over
# the control queue, VIRTIO_NET_F_CTRL_VQ) on a TAP device inside a network
# namespace of this test's own (192.0.2.0/24): QEMU's monitor command
# announce_self - what a live migration's destination does - sets
# VIRTIO_NET_S_ANNOUNCE with a config interrupt; the guest must send a
# gratuitous ARP for 192.0.2.2 (RFC 5227 announcement: sender and target
# address its own), captured by tcpdump on tap0, and ack it on the control
# queue (the log line, and announce_acked in /stats with no control-queue
# fault).  Both transports (the legacy one frames the command as 5.1.6.5
# asks); and with guest_announce=off the feature is not negotiated and the
# guest stays silent (QEMU's own RARP goes out either way, and is not an ARP).
# The namespace, QEMU and tcpdump are ended by PID on exit.
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || { fail "tcpdump is not installed (tools/deps.sh test installs it)"; finish; }
. "$(dirname "$0")/tap.sh"
tcpdump_pid=
announce_cleanup() {
    [[ -n $tcpdump_pid ]] && kill "$tcpdump_pid" 2>/dev/null && wait "$tcpdump_pid" 2>/dev/null
    tap_cleanup
}
tap_setup || finish
trap announce_cleanup EXIT

# stats_field JSON KEY: the first number after "KEY": in JSON.
stats_field() { sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p" <<<"$1" | head -1; }
get_stats() {
    in_ns python3 -c '
import sys, urllib.request
print(urllib.request.urlopen("http://%s/stats" % sys.argv[1], timeout=10).read().decode())' "$GUEST_IP" 2>&1
}

arch=aarch64
for cfg in "modern on" "legacy on" "modern off"; do
    read -r mmio ann <<<"$cfg"
    name="$arch $mmio guest_announce=$ann"
    log=$LOGDIR/announce-$arch-$mmio-$ann.log
    pcap=$LOGDIR/announce-$arch-$mmio-$ann.pcap
    mon=$(mktemp -u /tmp/vbare-mon.XXXXXX)
    extra=
    [[ $ann == off ]] && extra=" guest_announce=off"
    rm -f "$pcap"
    if ! tap_start "$name" "$log" tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,rng \
        --net tap:tap0 --append "$TAP_APPEND$extra" --monitor "unix:$mon,server=on,wait=off" \
        "build/$arch/firmware.elf"; then
        fail "$name: the network did not come up: $(tr -d '\r' <"$log" | tail -2 | tr '\n' ' ')"
        tap_stop
        continue
    fi
    feat=$(tr -d '\r' <"$log" | sed -n 's/^net: virtio-net .*features:\(.*\)$/\1 /p' | head -1)
    want=" ctrl_vq guest_announce "
    [[ $ann == off ]] && want=" ctrl_vq "
    if [[ $feat == *"$want"* && ($ann == on || $feat != *" guest_announce "*) ]]; then
        pass "$name: features:$feat"
    else
        fail "$name: features:'$feat', expected ctrl_vq$([[ $ann == on ]] && echo ' guest_announce' || echo ', no guest_announce')"
    fi
    mac=$(tr -d '\r' <"$log" | sed -n 's/^net: virtio-net .* mac \([0-9a-f:]*\) .*/\1/p' | head -1)
    # Only what follows announce_self: the boot's own announcement is over.
    ip netns exec "$NS" tcpdump -i tap0 -n -U -w "$pcap" arp or rarp 2>"$pcap.err" &
    tcpdump_pid=$!
    wait_for "$pcap.err" 'listening on' "$tcpdump_pid" 5 || fail "$name: tcpdump did not start: $(cat "$pcap.err")"
    python3 tools/qemu-monitor.py "$mon" announce_self >/dev/null
    if [[ $ann == on ]]; then
        wait_for "$log" "^net: announce: $GUEST_IP, acked\$" "$tap_pid" 5
        expect_grep "$log" "^net: announce: $GUEST_IP, acked\$" "$name: the guest announced $GUEST_IP and acked"
    fi
    # announce_self's rounds (50 ms, then 100 ms more each): over in ~1.3 s.
    sleep 1.5
    kill "$tcpdump_pid" 2>/dev/null
    wait "$tcpdump_pid" 2>/dev/null
    tcpdump_pid=
    arps=$(tcpdump -r "$pcap" -n -e 2>/dev/null)
    garps=$(grep -ci "$mac > ff:ff:ff:ff:ff:ff, ethertype ARP .*Request who-has $GUEST_IP tell $GUEST_IP," <<<"$arps")
    rarps=$(grep -ci "$mac > ff:ff:ff:ff:ff:ff, ethertype Reverse ARP" <<<"$arps")
    if ((rarps == 0)); then
        fail "$name: no RARP from QEMU in the capture: announce_self did not run? ($(head -3 <<<"$arps" | tr '\n' ' '))"
    elif [[ $ann == on ]] && ((garps >= 1)); then
        pass "$name: $garps gratuitous ARP(s) from $mac for $GUEST_IP on tap0 ($rarps RARPs from QEMU)"
    elif [[ $ann == off ]] && ((garps == 0)); then
        pass "$name: no gratuitous ARP from the guest ($rarps RARPs from QEMU)"
    else
        fail "$name: $garps gratuitous ARPs from $mac for $GUEST_IP: $(tr '\n' ' ' <<<"$arps" | head -c 400)"
    fi
    js=$(get_stats)
    req=$(stats_field "$js" announce_requests) acked=$(stats_field "$js" announce_acked)
    b1=$(stats_field "$js" ctrl_bad_ack) b2=$(stats_field "$js" ctrl_bad_len) b3=$(stats_field "$js" ctrl_timeouts)
    bad=$((${b1:-1} + ${b2:-1} + ${b3:-1})) # a field missing counts as a fault
    sent=$(stats_field "$js" arp_announced)
    if [[ $ann == on ]] && [[ -n $req && -n $acked ]] && ((req >= 1 && acked == req && bad == 0 && ${sent:-0} >= acked + 1)); then
        pass "$name: /stats: announce_requests $req, announce_acked $acked, arp_announced $sent, no control-queue fault"
    elif [[ $ann == off ]] && [[ $req == 0 && $acked == 0 ]] && ((bad == 0)); then
        pass "$name: /stats: announce_requests 0, announce_acked 0"
    else
        fail "$name: /stats: announce_requests '$req' announce_acked '$acked' faults '$bad' arp_announced '$sent': $(head -c 300 <<<"$js")"
    fi
    [[ $ann == off ]] && expect_no_grep "$log" '^net: announce' "$name: nothing announced"
    expect_no_grep "$log" 'CRASH|broke a ring|ack failed' "$name: no crash, no ring fault, no failed ack"
    tap_stop
    rm -f "$mon"
done
finish
