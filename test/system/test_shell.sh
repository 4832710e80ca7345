#!/usr/bin/env bash
# test_shell.sh - the console shell driven over the serial port, on every
# ARCH and both transports: help, devices (with negotiated features), ping
# of the gateway (and Ctrl-C stopping a long one), stats, blk info/read/write, rng, ifconfig; and every error
# the shell can print, each asserted by its exact words (and number, where
# there is one):
#  1. with net, blk and rng: a read and a write past the end of the disk,
#     a bad argument to each command, a missing and a surplus argument, an
#     unknown command and subcommand, too many words, a line too long;
#  2. with a read-only disk (and a bad ip= boot argument, whose words the
#     boot log must give): a write refused, the image unchanged;
#  3. with no devices at all: blk, ifconfig, ping and rng each say which
#     device is missing.
. "$(dirname "$0")/lib.sh"

long=$(printf 'a%.0s' {1..100}) # more than the shell's 95 characters

for arch in $ARCHES; do
    for mmio in legacy modern; do
        name="$arch $mmio"
        log=$LOGDIR/shell-$arch-$mmio.log
        disk=build/test-blk/shell-$arch-$mmio.img
        mkdir -p build/test-blk
        rm -f "$disk"
        truncate -s 1M "$disk" # 2048 sectors: the last is 2047
        python3 tools/serial-drive.py "$log" \
            'wait:^net: ready' 'send:' 'wait:vbare> $' \
            'send:help' 'wait:vbare> $' \
            'send:devices' 'wait:vbare> $' \
            'send:ping 10.0.2.2 2' 'wait:vbare> $' \
            'send:ping 10.0.2.2 100' 'wait:^56 bytes from' 'key:03' 'wait:vbare> $' \
            'send:ifconfig' 'wait:vbare> $' \
            'send:blk write 5 0xa5' 'wait:vbare> $' \
            'send:blk read 5' 'wait:vbare> $' \
            'send:blk info' 'wait:vbare> $' \
            'send:rng 8' 'wait:vbare> $' \
            'send:stats' 'wait:vbare> $' \
            'send:frobnicate' 'wait:vbare> $' \
            'send:ping 10.0.2' 'wait:vbare> $' \
            'send:blk read x' 'wait:vbare> $' \
            'send:blk read 2048' 'wait:vbare> $' \
            'send:blk read 2045 4' 'wait:vbare> $' \
            'send:blk write 2048 1' 'wait:vbare> $' \
            'send:blk read 2047' 'wait:vbare> $' \
            'send:blk read 5 9' 'wait:vbare> $' \
            'send:blk write 5 256' 'wait:vbare> $' \
            'send:blk write 5' 'wait:vbare> $' \
            'send:blk' 'wait:vbare> $' \
            'send:blk frob' 'wait:vbare> $' \
            'send:blk info now' 'wait:vbare> $' \
            'send:ping 255.255.255.255' 'wait:vbare> $' \
            'send:ping 10.0.2.2 0' 'wait:vbare> $' \
            'send:ping' 'wait:vbare> $' \
            'send:rng 65' 'wait:vbare> $' \
            'send:rng' 'wait:vbare> $' \
            'send:devices now' 'wait:vbare> $' \
            'send:blk read 1 2 3 4 5 6' 'wait:vbare> $' \
            "send:$long" 'wait:vbare> $' \
            -- tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,blk,rng --disk "$disk" \
            "build/$arch/firmware.elf"
        rc=$?
        ((rc == 0)) && pass "$name: every command answered" || fail "$name: serial-drive stopped early (see $log)"
        ver=1; [[ $mmio == modern ]] && ver=2
        read -r net_at net_irq < <(virt_dev "$arch" 0)
        read -r blk_at blk_irq < <(virt_dev "$arch" 1)
        expect_grep "$log" '^  devices +the virtio devices' "$name: help lists the commands"
        expect_grep "$log" "^virtio-mmio@$blk_at irq $blk_irq v$ver dev 2 \\(blk\\) features 0x[0-9a-f]+:.* flush" "$name: devices shows blk features"
        expect_grep "$log" "^virtio-mmio@$net_at irq $net_irq v$ver dev 1 \\(net\\) features 0x[0-9a-f]+:.* mrg_rxbuf" "$name: devices shows net features"
        expect_grep "$log" '^56 bytes from 10\.0\.2\.2: seq=[0-9]+ time=[0-9]+\.[0-9]{3} ms$' "$name: ping from the shell prints each reply"
        expect_grep "$log" '^net: ping 10\.0\.2\.2: 2/2 replies' "$name: ping of the gateway from the shell"
        expect_grep "$log" '^ping 10\.0\.2\.2: interrupted; [0-9]+/[0-9]+ replies$' "$name: Ctrl-C stops a running ping"
        expect_no_grep "$log" '^net: ping 10\.0\.2\.2: [0-9]+/100 replies' "$name: the interrupted ping sent not all 100"
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
        expect_grep "$log" '^usage: blk info \| blk id \[diskN\] \| blk read' "$name: bad blk argument gets the usage"
        # Errors in words, then the number.
        expect_line "$log" "blk: read of sector 2048 refused: past the end of the disk, whose last sector is 2047 (-22)" \
            "$name: read past the end of the disk says so"
        expect_line "$log" "blk: read of sectors 2045-2048 refused: past the end of the disk, whose last sector is 2047 (-22)" \
            "$name: read reaching past the end of the disk says so"
        expect_line "$log" "blk: write of sector 2048 with 0x01 refused: past the end of the disk, whose last sector is 2047 (-22)" \
            "$name: write past the end of the disk says so"
        expect_grep "$log" '^000ffe00  00 00 ' "$name: the last sector (2047) is still readable"
        expect_line "$log" "blk: bad argument 'x': not a sector number" "$name: blk read x: bad sector number"
        expect_line "$log" "blk: bad argument '9': not a count from 1 to 8" "$name: blk read count out of range"
        expect_line "$log" "blk: bad argument '256': not a byte from 0 to 255" "$name: blk write byte out of range"
        expect_line "$log" "blk write: missing argument: the byte to write" "$name: blk write without the byte"
        expect_line "$log" "blk: missing argument: info, id, read, write, discard or zero" "$name: blk alone"
        expect_line "$log" "blk: unknown subcommand 'frob': info, id, read, write, discard or zero" "$name: blk unknown subcommand"
        expect_line "$log" "blk info: too many arguments" "$name: blk info with a surplus argument"
        expect_line "$log" "ping: bad argument '10.0.2': not an address a.b.c.d" "$name: ping of a malformed address"
        expect_line "$log" "ping: bad argument '255.255.255.255': not a host address (0, broadcast, multicast or reserved)" \
            "$name: ping of the broadcast address"
        expect_line "$log" "ping: bad argument '0': not a count from 1 to 1000" "$name: ping count out of range"
        expect_line "$log" "ping: missing argument: the address to ping" "$name: ping alone"
        expect_line "$log" "rng: bad argument '65': not a count from 1 to 64" "$name: rng count out of range"
        expect_line "$log" "rng: missing argument: how many bytes" "$name: rng alone"
        expect_line "$log" "devices: too many arguments: it takes none" "$name: devices with an argument"
        expect_line "$log" "too many arguments: a command takes at most 5" "$name: too many words on a line"
        expect_line "$log" "line too long: at most 95 characters; nothing was run" "$name: a line too long is refused"
        expect_no_grep "$log" 'CRASH' "$name: no crash"

        # A read-only disk; a bad ip= falls back to DHCP and says why.
        log=$LOGDIR/shell-$arch-$mmio-ro.log
        before=$(sha256sum <"$disk")
        python3 tools/serial-drive.py "$log" \
            'wait:^net: ready' 'send:' 'wait:vbare> $' \
            'send:blk info' 'wait:vbare> $' \
            'send:blk write 0 171' 'wait:vbare> $' \
            'send:blk read 5' 'wait:vbare> $' \
            -- tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,blk,rng --disk "$disk" \
            --disk-opts readonly=on --append "ip=10.0.2.300" "build/$arch/firmware.elf"
        rc=$?
        ((rc == 0)) && pass "$name read-only: every command answered" ||
            fail "$name read-only: serial-drive stopped early (see $log)"
        expect_line "$log" "net: WARNING: bad ip= argument: client address is not a dotted quad (-1); using DHCP" \
            "$name: a bad ip= says what is wrong with it"
        expect_grep "$log" '^blk: 2048 sectors of 512 bytes .*, read-only,' "$name read-only: blk info says read-only"
        expect_line "$log" "blk: write of sector 0 with 0xab refused: read-only device (-30)" \
            "$name read-only: write refused in words"
        expect_grep "$log" '^00000a00  a5 a5 a5 a5 ' "$name read-only: reads still work"
        [[ $(sha256sum <"$disk") == "$before" ]] && pass "$name read-only: image unchanged" ||
            fail "$name read-only: image changed"
        expect_no_grep "$log" 'CRASH' "$name read-only: no crash"

        # No devices at all: each command names what is missing.  Without a
        # network to wait for, wait for the shell's banner and the timer
        # check's "irq: timer" line (not the controller's "irq:" line of
        # the boot log), in either order, so no boot line lands in the
        # middle of a command's answer.
        log=$LOGDIR/shell-$arch-$mmio-none.log
        python3 tools/serial-drive.py "$log" \
            'wait:(?s)^shell: press Enter.*^irq: timer |^irq: timer .*^shell: press Enter' 'send:' 'wait:vbare> $' \
            'send:blk info' 'wait:vbare> $' \
            'send:blk read 0' 'wait:vbare> $' \
            'send:blk write 0 1' 'wait:vbare> $' \
            'send:ifconfig' 'wait:vbare> $' \
            'send:ping 10.0.2.2' 'wait:vbare> $' \
            'send:rng 8' 'wait:vbare> $' \
            'send:devices' 'wait:vbare> $' \
            -- tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices "" "build/$arch/firmware.elf"
        rc=$?
        ((rc == 0)) && pass "$name no devices: every command answered" ||
            fail "$name no devices: serial-drive stopped early (see $log)"
        n=$(tr -d '\r' <"$log" | grep -cx 'blk: no block device')
        ((n == 3)) && pass "$name no devices: blk info, read and write each say 'no block device'" ||
            fail "$name no devices: 'blk: no block device' $n times, not 3, in $log"
        expect_line "$log" "ifconfig: no network interface" "$name no devices: ifconfig says there is no interface"
        expect_line "$log" "ping: no network interface" "$name no devices: ping says there is no interface"
        expect_line "$log" "rng: no entropy device" "$name no devices: rng says there is no entropy device"
        expect_line "$log" "no virtio devices" "$name no devices: devices says there are none"
        expect_no_grep "$log" 'CRASH' "$name no devices: no crash"
    done
done
finish
