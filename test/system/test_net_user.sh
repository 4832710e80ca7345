#!/usr/bin/env bash
# test_net_user.sh - virtio-net and the IP stack on QEMU's user network, on
# every ARCH and both transports, once with every optional feature and once
# with mrg_rxbuf, event_idx, indirect_desc and status off: the DHCP lease 10.0.2.15,
# the guest's ping of the gateway 10.0.2.2, and UDP echo through a hostfwd on
# 127.0.0.1, byte-exact for every size from 1 to 1472 bytes; with every
# feature, the link state through the config interrupt, and the TCP services
# through TCP hostfwds as `make run` sets them up (HTTP /stats as JSON, the
# shell on port 23).
. "$(dirname "$0")/lib.sh"

OFF=mrg_rxbuf=off,event_idx=off,indirect_desc=off,status=off
# feat: all / off (the three optional features) / q16 (off, ANY_LAYOUT off too
# so a legacy driver puts the net header in a descriptor of its own, and queues of 16
# entries: TX and RX rings that fill and wrap) / q1024 (QEMU's largest).
for arch in $ARCHES; do
    for mmio in legacy modern; do
        for feat in all off q16 q1024; do
            name="$arch $mmio features=$feat"
            log=$LOGDIR/net-user-$arch-$mmio-$feat.log
            opts= append=
            case $feat in
            off) opts=$OFF ;;
            q16) opts=$OFF,any_layout=off append=netq=16 ;;
            q1024) opts=rx_queue_size=1024,tx_queue_size=1024 append="netq=1024 bootstage" ;;
            esac
            port=$(free_port) hport=$(free_port) sport=$(free_port)
            mon=$(mktemp -u /tmp/vbare-mon.XXXXXX)
            timeout --kill-after=5 120 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,rng \
                --net user --hostfwd "$port" --tcpfwd "$hport:80" --tcpfwd "$sport:23" ${opts:+--net-opts "$opts"} ${append:+--append "$append"} \
                --monitor "unix:$mon,server=on,wait=off" "build/$arch/firmware.elf" >"$log" 2>&1 &
            pid=$!
            wait_for "$log" '^net: ready' "$pid" 30
            expect_grep "$log" '^net: dhcp: bound 10\.0\.2\.15/24 gw 10\.0\.2\.2 ' "$name: DHCP lease 10.0.2.15"
            expect_grep "$log" '^net: ping 10\.0\.2\.2: 3/3 replies' "$name: the guest's ping of 10.0.2.2 is answered"
            case $feat in
            off | q16)
                # Off in the features line, which must be there.
                f=$(tr -d '\r' <"$log" | sed -n 's/^net: virtio-net .*features:\(.*\)$/\1 /p' | head -1)
                if [[ -n $f ]] && ! grep -Eq ' (mrg_rxbuf|event_idx|indirect_desc|status) ' <<<"$f"; then
                    pass "$name: the features really are off"
                else
                    fail "$name: features:'$f', want no mrg_rxbuf, event_idx, indirect_desc or status (see $log)"
                fi ;;
            *) expect_grep "$log" '^net: .*features:.* mrg_rxbuf' "$name: MRG_RXBUF negotiated" ;;
            esac
            case $feat in
            q16)
                # Legacy without ANY_LAYOUT: two descriptors per RX buffer, so 8 buffers fill 16 entries.
                nrx=16; [[ $mmio == legacy ]] && nrx=8
                expect_grep "$log" "^net: virtio-net .* rx $nrx x 2048, tx 16," "$name: queues of 16 entries ($nrx RX buffers)" ;;
            q1024)
                expect_grep "$log" '^net: virtio-net .* rx 1024 x 2048, tx 1024,' "$name: queues of 1024 entries"
                # bootstage: every stage once, in boot order, at times that never go back.
                if tr -d '\r' <"$log" | python3 -c '
import re, sys
want = ["device tree read", "MMU on", "interrupt controller", "timer, virtio nodes, DMA pool",
        "virtio devices probed", "virtio-net started", "network configured", "network'"'"'s first poll", "boot done"]
lines = [l for l in sys.stdin if l.startswith("bootstage: ")]
ok = bool(lines) and re.match(r"bootstage: boot_main at \d+\.\d{3} ms of the counter$", lines[0].rstrip())
steps = [re.match(r"bootstage: +(\d+)\.(\d{3}) ms  (.*)$", l.rstrip()) for l in lines[1:]]
ok = ok and all(steps) and [m.group(3) for m in steps] == want
t = [int(m.group(1)) * 1000 + int(m.group(2)) for m in steps] if ok else []
sys.exit(0 if ok and t == sorted(t) else 1)'; then
                    pass "$name: bootstage: the nine stages in order, times non-decreasing"
                else
                    fail "$name: bootstage lines missing, out of order or going back (see $log)"
                fi ;;
            esac
            expect_echo "$name" 127.0.0.1 "$port" 1 1472
            if [[ $feat == all ]]; then
                # Link state through the config-change interrupt (VIRTIO_NET_F_STATUS).
                python3 tools/qemu-monitor.py "$mon" "set_link n0 off" >/dev/null
                wait_for "$log" '^net: link down' "$pid" 5
                python3 tools/qemu-monitor.py "$mon" "set_link n0 on" >/dev/null
                wait_for "$log" '^net: link up' "$pid" 5
                expect_grep "$log" '^net: link down' "$name: link down seen through the config interrupt"
                expect_grep "$log" '^net: link up' "$name: link up again"
                expect_echo "$name: after the link came back" 127.0.0.1 "$port" 1 64
                if out=$(curl -s --max-time 10 "http://127.0.0.1:$hport/stats") &&
                    python3 -c 'import json, sys; sys.exit(0 if json.load(sys.stdin).get("devices") else 1)' <<<"$out"; then
                    pass "$name: HTTP /stats through a TCP hostfwd is JSON with the devices"
                else
                    fail "$name: HTTP /stats through a TCP hostfwd: '${out:0:200}'"
                fi
                if out=$(printf 'devices\r\nexit\r\n' | timeout 15 nc 127.0.0.1 "$sport" 2>&1) &&
                    grep -q 'vbare> ' <<<"$out" && grep -q '(net) features' <<<"$out"; then
                    pass "$name: the shell through a TCP hostfwd (prompt, devices, exit)"
                else
                    fail "$name: the shell through a TCP hostfwd: '${out:0:200}'"
                fi
            fi
            expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
            rm -f "$mon"
            kill "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
        done
    done
done
finish
