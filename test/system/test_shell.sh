#!/usr/bin/env bash
# test_shell.sh - the console shell driven over the serial port, on both
# ARCHes and both transports: help, devices (with negotiated features), ping
# of the gateway, stats, blk info/read/write, rng, ifconfig, and the usage
# line for an unknown command and a bad argument.
. "$(dirname "$0")/lib.sh"

for arch in arm aarch64; do
    for mmio in legacy modern; do
        name="$arch $mmio"
        log=$LOGDIR/shell-$arch-$mmio.log
        disk=build/test-blk/shell-$arch-$mmio.img
        mkdir -p build/test-blk
        rm -f "$disk"
        truncate -s 1M "$disk"
        python3 tools/serial-drive.py "$log" \
            'wait:^net: ready' 'send:' 'wait:vbare> $' \
            'send:help' 'wait:vbare> $' \
            'send:devices' 'wait:vbare> $' \
            'send:ping 10.0.2.2 2' 'wait:vbare> $' \
            'send:ifconfig' 'wait:vbare> $' \
            'send:blk write 5 0xa5' 'wait:vbare> $' \
            'send:blk read 5' 'wait:vbare> $' \
            'send:blk info' 'wait:vbare> $' \
            'send:rng 8' 'wait:vbare> $' \
            'send:stats' 'wait:vbare> $' \
            'send:frobnicate' 'wait:vbare> $' \
            'send:ping 10.0.2' 'wait:vbare> $' \
            'send:blk read x' 'wait:vbare> $' \
            -- tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,blk,rng --disk "$disk" \
            "build/$arch/firmware.elf"
        rc=$?
        ((rc == 0)) && pass "$name: every command answered" || fail "$name: serial-drive stopped early (see $log)"
        ver=1; [[ $mmio == modern ]] && ver=2
        expect_grep "$log" '^  devices +the virtio devices' "$name: help lists the commands"
        expect_grep "$log" "^virtio-mmio@0x0a003c00 irq 78 v$ver dev 2 \\(blk\\) features 0x[0-9a-f]+:.* flush" "$name: devices shows blk features"
        expect_grep "$log" "^virtio-mmio@0x0a003e00 irq 79 v$ver dev 1 \\(net\\) features 0x[0-9a-f]+:.* mrg_rxbuf" "$name: devices shows net features"
        expect_grep "$log" '^56 bytes from 10\.0\.2\.2: seq=[0-9]+ time=[0-9]+\.[0-9]{3} ms$' "$name: ping from the shell prints each reply"
        expect_grep "$log" '^net: ping 10\.0\.2\.2: 2/2 replies' "$name: ping of the gateway from the shell"
        expect_grep "$log" '^      inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2$' "$name: ifconfig"
        expect_grep "$log" '^blk: write of sector 5 with 0xa5: ok \(0\)$' "$name: blk write"
        expect_grep "$log" '^00000a00  a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5 a5  \|\.{16}\|$' "$name: blk read hexdump shows what was written"
        expect_grep "$log" '^blk: 2048 sectors of 512 bytes' "$name: blk info"
        expect_grep "$log" '^([0-9a-f]{2} ){7}[0-9a-f]{2}$' "$name: rng 8"
        expect_grep "$log" '^  eth: .*eth_runt=' "$name: stats prints the drop counters"
        expect_grep "$log" '^  net/rx: [0-9]+/[0-9]+ descriptors free' "$name: stats prints queue fill levels"
        expect_grep "$log" '^interrupts: [0-9]+ total$' "$name: stats prints interrupt counts"
        expect_grep "$log" "^unknown command 'frobnicate'; try help\$" "$name: unknown command"
        expect_grep "$log" '^usage: ping <a\.b\.c\.d> \[count 1-1000\]$' "$name: bad ping argument gets the usage"
        expect_grep "$log" '^usage: blk info \| blk read' "$name: bad blk argument gets the usage"
        expect_no_grep "$log" 'CRASH' "$name: no crash"
    done
done
finish
