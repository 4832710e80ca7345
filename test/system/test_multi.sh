#!/usr/bin/env bash
# test_multi.sh - several devices of a kind (about 40 s on 2 cores).
#  1. Two NICs: net0 on QEMU's user network (DHCP, UDP echo through a
#     hostfwd), net1 on a TAP device in a namespace of this test's own with
#     the static ip1=192.0.2.2/24 and no gateway.  The shell's ping goes out
#     by the interface whose subnet holds the address (192.0.2.1 by net1,
#     the user network's gateway by net0); then, while the host runs UDP
#     echo of every size on net0, ping -c 50 and UDP echo of every size on
#     net1, both byte-exact and without loss; ifconfig lists both.
#     (QEMU's user network passes no ICMP to the guest: net0's ICMP is the
#     guest's own ping of its gateway.)
#  2. Two disks of different sizes and contents: blk=check prints each
#     disk's checksum, compared with the host's; the shell reads sector 5 of
#     each (blk read 5, blk read disk1 5) and writes sector 7 of disk1 only,
#     which the host finds in that image and not the other; a second boot
#     writes the LBA pattern over both (blk=write), the host verifies every
#     byte of each.
#  3. Three virtio-rng devices: two are started (the second as the
#     fallback), the third is left out with a line that says why.
# arm and aarch64, the transports alternating (arm legacy + modern,
# aarch64 modern + legacy across the cases).
. "$(dirname "$0")/lib.sh"

work=build/test-multi
mkdir -p "$work"
arches=
for a in $ARCHES; do [[ $a == arm || $a == aarch64 ]] && arches+=" $a"; done
[[ -n $arches ]] || { skip "test_multi: arm and aarch64 only (TEST_ARCHES=$ARCHES)"; finish; }

# ---- 1. two NICs -----------------------------------------------------------------
. "$(dirname "$0")/tap.sh"
if tap_setup; then
    for arch in $arches; do
        mmio=legacy
        [[ $arch == aarch64 ]] && mmio=modern
        name="$arch $mmio two NICs"
        log=$LOGDIR/multi-net-$arch-$mmio.log
        port=$(free_port)
        rm -f "$work"/*.txt
        # The host side of the traffic, all inside the namespace (its own
        # loopback carries the hostfwd): UDP echo on net0 in the background
        # while net1 is pinged and echoed.
        traffic="ip netns exec $NS bash -c '
            (python3 tools/udp-echo-check.py 127.0.0.1 $port 1 1472; echo rc=\$?) >$work/echo0.txt 2>&1 &
            (ping -c 50 -i 0.02 -W 1 $GUEST_IP; echo rc=\$?) >$work/ping1.txt 2>&1
            (python3 tools/udp-echo-check.py $GUEST_IP 7 1 1472; echo rc=\$?) >$work/echo1.txt 2>&1
            wait'"
        python3 tools/serial-drive.py "$log" \
            'wait:(?s)^net: ready.*^net1: ready|^net1: ready.*^net: ready' 'send:' 'wait:vbare> $' \
            "send:ping $HOST_IP 3" 'wait:vbare> $' \
            'send:ping 10.0.2.2 2' 'wait:vbare> $' \
            "run:$traffic" \
            'send:ifconfig' 'wait:vbare> $' \
            -- ip netns exec "$NS" timeout --kill-after=5 90 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" \
            --devices net,rng --net user --net tap:tap0 --hostfwd "$port" \
            --append "ip1=$GUEST_IP:::255.255.255.0" "build/$arch/firmware.elf"
        (($? == 0)) && pass "$name: every step answered" || fail "$name: serial-drive stopped early (see $log)"
        expect_grep "$log" '^net: dhcp: bound 10\.0\.2\.15/24 gw 10\.0\.2\.2 ' "$name: net0 leased 10.0.2.15 by DHCP"
        expect_line "$log" "net1: static $GUEST_IP/24 gw 0.0.0.0" "$name: net1 static from ip1="
        expect_grep "$log" '^net1: virtio-net at .* mac ' "$name: the second NIC is driven"
        expect_grep "$log" "^net: ping $HOST_IP: 3/3 replies" "$name: shell ping of the TAP host leaves by net1"
        expect_grep "$log" '^net: ping 10\.0\.2\.2: 2/2 replies' "$name: shell ping of the user gateway leaves by net0"
        # ping's status is 0 when any reply came: ping1 must have lost none.
        for f in echo0 ping1 echo1; do
            if grep -q '^rc=0$' "$work/$f.txt" 2>/dev/null &&
                { [[ $f != ping* ]] || grep -q ' 0% packet loss' "$work/$f.txt"; }; then
                pass "$name: $f: $(grep -v '^rc=' "$work/$f.txt" | grep -E 'exact|packet loss' | tail -1)"
            else
                fail "$name: $f: $(tr '\n' ' ' <"$work/$f.txt" 2>/dev/null | tail -c 300)"
            fi
        done
        expect_grep "$log" '^      inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2$' "$name: ifconfig net0"
        expect_grep "$log" '^net1: mac [0-9a-f:]+ link up mtu 1500$' "$name: ifconfig lists net1"
        expect_grep "$log" "^      inet $GUEST_IP netmask 255\\.255\\.255\\.0 gateway 0\\.0\\.0\\.0\$" "$name: ifconfig net1's address"
        expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
    done
    tap_cleanup
    trap - EXIT
fi

# ---- 2. two disks ------------------------------------------------------------------
S0=256 S1=301 # different sizes, so different seeded contents too
# img_facts IMAGE... : for each image, its checksum as blk=check prints it
# and the first hexdump line the shell prints for its sectors 5 and 7, one
# per line (one Python start for all: the machine may be busy).
img_facts() {
    python3 - "$@" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("blk_image", "tools/blk-image.py")
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
def line(d, s):
    return "%08x " % (s * 512) + "".join(" %02x" % b for b in d[s * 512:][:16])
for path in sys.argv[1:]:
    d = open(path, "rb").read()
    h = 0xCBF29CE484222325
    for b in d:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    print("%016x" % h)
    print(line(d, 5))
    print(line(d, 7))
PY
}
for arch in $arches; do
    mmio=modern
    [[ $arch == aarch64 ]] && mmio=legacy
    name="$arch $mmio two disks"
    d0=$work/$arch-d0.img d1=$work/$arch-d1.img
    rm -f "$d0" "$d1"
    python3 -c 'import importlib.util, sys
spec = importlib.util.spec_from_file_location("blk_image", "tools/blk-image.py")
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
m.rand(sys.argv[1], int(sys.argv[2]))
m.rand(sys.argv[3], int(sys.argv[4]))' "$d0" $S0 "$d1" $S1
    { read -r want0; read -r line0; read -r seven0; read -r want1; read -r line1; read -r _; } < <(img_facts "$d0" "$d1")
    log=$LOGDIR/multi-blk-$arch-$mmio.log
    python3 tools/serial-drive.py "$log" \
        'wait:(?s)^shell: press Enter.*^irq: timer |^irq: timer .*^shell: press Enter' 'send:' 'wait:vbare> $' \
        'send:blk info' 'wait:vbare> $' \
        'send:blk read 5' 'wait:vbare> $' \
        'send:blk read disk1 5' 'wait:vbare> $' \
        'send:blk write disk1 7 0x5a' 'wait:vbare> $' \
        'send:blk read disk2 0' 'wait:vbare> $' \
        -- timeout --kill-after=5 60 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices blk,rng \
        --disk "$d0" --disk "$d1" --append "blk=check" "build/$arch/firmware.elf"
    (($? == 0)) && pass "$name: every step answered" || fail "$name: serial-drive stopped early (see $log)"
    expect_line "$log" "blk: checksum $want0 over $S0 sectors (ok, 0)" "$name: disk0's checksum matches its image"
    expect_line "$log" "blk: disk1: checksum $want1 over $S1 sectors (ok, 0)" "$name: disk1's checksum matches its image"
    expect_grep "$log" "^blk: disk0: $S0 sectors of 512 bytes" "$name: blk info lists disk0"
    expect_grep "$log" "^blk: disk1: $S1 sectors of 512 bytes" "$name: blk info lists disk1"
    expect_grep "$log" "^$line0  \\|" "$name: blk read 5 shows disk0's sector 5"
    expect_grep "$log" "^$line1  \\|" "$name: blk read disk1 5 shows disk1's sector 5"
    expect_line "$log" "blk: disk1: write of sector 7 with 0x5a: ok (0)" "$name: blk write disk1"
    expect_line "$log" "blk: no disk2: the disks are disk0 to disk1" "$name: a disk that is not there, in words"
    { read -r _; read -r _; read -r now0; read -r _; read -r _; read -r now1; } < <(img_facts "$d0" "$d1")
    if [[ $now1 == "00000e00 $(printf ' 5a%.0s' {1..16})" && $now0 == "$seven0" ]]; then
        pass "$name: the write reached disk1's image and not disk0's"
    else
        fail "$name: sector 7: disk1 '$now1', disk0 '$now0' (was '$seven0')"
    fi
    log=$LOGDIR/multi-blk-$arch-$mmio-write.log
    boot "$log" 60 --arch "$arch" --mmio "$mmio" --devices blk,rng --disk "$d0" --disk "$d1" --append "blk=write poweroff"
    expect_grep "$log" "^blk: pattern write of $S0 sectors .*: ok \\(0\\), flushed\$" "$name: disk0 written"
    expect_grep "$log" "^blk: disk1: pattern write of $S1 sectors .*: ok \\(0\\), flushed\$" "$name: disk1 written"
    for d in "$d0" "$d1"; do
        if out=$(python3 tools/blk-image.py verify "$d"); then pass "$name: host verifies every byte: $out"
        else fail "$name: $out"; fi
    done
    expect_no_grep "$log" 'CRASH' "$name: no crash"
done

# ---- 3. the limit --------------------------------------------------------------------
for arch in $arches; do
    log=$LOGDIR/multi-rng-$arch.log
    boot "$log" 30 --arch "$arch" --devices rng,rng,rng --append poweroff
    expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(' "$arch three rngs: rng0 read"
    expect_grep "$log" '^rng1: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(.*the fallback when rng0 fails\)$' "$arch three rngs: rng1 read, the fallback"
    expect_grep "$log" '^virtio: rng at 0x[0-9a-f]+ left out: the firmware drives at most 2 rng devices$' \
        "$arch three rngs: the third left out, in words"
done
rm -rf "$work"
finish
