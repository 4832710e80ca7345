#!/usr/bin/env bash
# test_pcap.sh - the packet capture a person gets with `make run PCAP=file`
# (qemu-run.sh --pcap): boot on QEMU's user network with the capture on, let
# the firmware take its DHCP lease, send UDP echo requests through the
# hostfwd, then read the file back with tcpdump and find the whole DHCP
# exchange and each echo request with its reply, byte-exact payloads.
. "$(dirname "$0")/lib.sh"

command -v tcpdump >/dev/null || { fail "tcpdump is not installed (tools/deps.sh test installs it)"; finish; }
for cfg in "arm legacy" "aarch64 modern" "riscv64 legacy" "riscv64 modern"; do
    read -r arch mmio <<<"$cfg"
    name="$arch $mmio"
    log=$LOGDIR/pcap-$arch-$mmio.log
    pcap=$LOGDIR/pcap-$arch-$mmio.pcap
    rm -f "$pcap"
    port=$(free_port)
    timeout --kill-after=5 60 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,rng --net user \
        --hostfwd "$port" --pcap "$pcap" "build/$arch/firmware.elf" >"$log" 2>&1 &
    pid=$!
    if ! wait_for "$log" '^net: ready' "$pid" 30; then
        fail "$name: the firmware's network never came up (see $log)"
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
        continue
    fi
    # Three requests with payloads the capture must show both ways.
    out=$(python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("127.0.0.1", int(sys.argv[1])))
ok = 0
for i in range(3):
    msg = b"vbare-pcap-%d" % i
    for _ in range(5):
        s.send(msg)
        try:
            if s.recv(2048) == msg:
                ok += 1
                break
        except socket.timeout:
            pass
print(ok)
PY
)
    [[ $out == 3 ]] && pass "$name: 3 UDP echoes answered with the capture on" || fail "$name: $out of 3 echoes answered"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [[ ! -s $pcap ]]; then
        fail "$name: no capture at $pcap"
        continue
    fi
    dhcp=$(tcpdump -nv -r "$pcap" 'udp port 67 or udp port 68' 2>/dev/null)
    for m in Discover Offer Request ACK; do
        if grep -Eq "DHCP-Message.*: $m\$" <<<"$dhcp"; then
            pass "$name: tcpdump -r finds the DHCP $m"
        else
            fail "$name: no DHCP $m in $pcap"
        fi
    done
    grep -q 'Your-IP 10\.0\.2\.15' <<<"$dhcp" && pass "$name: the capture shows the lease 10.0.2.15" ||
        fail "$name: no 'Your-IP 10.0.2.15' in the DHCP exchange of $pcap"
    # One line per packet: -A prints the headers' bytes too, and a 0x0a
    # among them (an IP id or checksum) breaks the dump onto another line.
    echo_txt=$(tcpdump -n -A -r "$pcap" 'udp port 7' 2>/dev/null |
        awk '/^[0-9][0-9]:[0-9][0-9]:[0-9]/ { if (r != "") print r; r = $0; next } { r = r " " $0 } END { if (r != "") print r }')
    for i in 0 1 2; do
        req=$(grep -E '> 10\.0\.2\.15\.7: UDP, length 12 ' <<<"$echo_txt" | grep -c "vbare-pcap-$i")
        rep=$(grep -E ' 10\.0\.2\.15\.7 > .*: UDP, length 12 ' <<<"$echo_txt" | grep -c "vbare-pcap-$i")
        if ((req >= 1 && rep >= 1)); then
            pass "$name: capture holds echo $i both ways ($req request, $rep reply)"
        else
            fail "$name: echo $i in $pcap: $req requests, $rep replies"
        fi
    done
done
finish
