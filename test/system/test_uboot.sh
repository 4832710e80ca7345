#!/usr/bin/env bash
# test_uboot.sh - a clean hand-over from Debian's U-Boot (u-boot-qemu) after
# it used the devices, on QEMU virt, every ARCH (arm64 booti, arm bootz,
# riscv64 booti from the S-mode U-Boot qemu-riscv64_smode under OpenSBI).
#  1. On a TAP device in a namespace of this test's own, legacy and modern
#     virtio-mmio, two load addresses: U-Boot pings the host through
#     virtio-net, reads the image from a virtio-blk disk (raw sectors at LBA
#     2048 of a host-made image of random bytes) and boots it with U-Boot's
#     device tree.  The firmware's banner and probe table come out right,
#     it reads the device tree where U-Boot handed it over, the network
#     conformance probe (tap.sh) then passes on that same NIC and a
#     whole-disk read of the disk U-Boot read from matches the host's
#     checksum.  After `virtio scan` this U-Boot probes every virtio device
#     and removes (resets) them all before booti/bootz starts the image, so
#     the firmware finds none running; test_mmu_handover.sh covers a loader
#     that leaves one running.  riscv64's booti moves the image to RAM +
#     its header's text_offset (0x80200000) from wherever it was loaded.
#  2. On QEMU's user network: U-Boot's DHCP and TFTP fetch the image, the
#     firmware takes its own DHCP lease and echoes UDP.  Without `virtio
#     scan`, U-Boot on arm and aarch64 leaves the rng it bound at start-up
#     with status ACKNOWLEDGE: the firmware resets it and the rng works.
# The riscv64 U-Boot keeps no environment: tools/qemu-run.sh puts the same
# one into /config of QEMU's device tree (tools/uboot-env.py --fdt).
# Debian's U-Boot `go` and `bootelf` never start the payload on QEMU arm and
# aarch64 (their serial flush spins on the PL011), and on riscv64 `go` is
# no Linux boot protocol (a0 = argc, a1 = argv, no device tree), so they
# are not tested here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap.sh"

SECTORS=8192
ok=1
for arch in $ARCHES; do
    f=/usr/lib/u-boot/qemu_$arch/u-boot.bin
    [[ $arch == aarch64 ]] && f=/usr/lib/u-boot/qemu_arm64/u-boot.bin
    [[ $arch == riscv64 ]] && f=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
    [[ -f $f ]] || { fail "$f missing: tools/deps.sh test installs u-boot-qemu"; ok=0; }
done
((ok)) || finish
dir=build/test-uboot
mkdir -p "$dir"

# env ARCH FILE CMD... : a U-Boot environment that boots with CMD.
uboot_env() {
    local out=$1
    shift
    python3 tools/uboot-env.py "$out" bootdelay=0 autoload=no "$@"
}

# runs_at ARCH ADDR : where the image runs when U-Boot loaded it at ADDR
# (riscv64's booti moves it to RAM + text_offset).
runs_at() { [[ $1 == riscv64 ]] && printf '0x%x\n' $(($(ram_base "$1") + 0x200000)) || echo "$2"; }

# handover_check NAME LOG ARCH MMIO LEFT DEVICE... : the firmware's banner,
# the probe table (DEVICE, in command-line order: "NAME ID"), what U-Boot
# left behind (LEFT: the device U-Boot bound but never used or removed,
# status ACKNOWLEDGE, which the firmware must reset, or -), the rng works
# after that, and the firmware reads the device tree U-Boot handed over
# (moved to the top of RAM on arm and aarch64, in place on riscv64).
handover_check() {
    local name=$1 log=$2 arch=$3 v=1 left=$5 k=0 n=0 a irq dt
    [[ $4 == modern ]] && v=2
    shift 5
    expect_grep "$log" "^vbare: $arch firmware on " "$name: the firmware's banner"
    for d in "$@"; do
        read -r a irq <<<"$(virt_dev "$arch" "$k")"
        expect_line "$log" "virtio-mmio@$a irq $irq v$v dev ${d#* } (${d% *}) vendor 0x554d4551" \
            "$name: probe table: ${d% *} at $a"
        if [[ ${d% *} == "$left" ]]; then
            expect_line "$log" "virtio: $a was left running by the boot loader (status 0x01): reset" \
                "$name: the firmware resets the $left device U-Boot left acknowledged"
            n=1
        fi
        k=$((k + 1))
    done
    expect_line "$log" "virtio: $# devices, $(($(virt_slots "$arch") - $#)) empty slots" "$name: probe table: $# devices"
    if [[ $(tr -d '\r' <"$log" | grep -c 'was left running by the boot loader') == "$n" ]] &&
        ! grep -q 'reset did not complete' "$log"; then
        pass "$name: U-Boot reset every device it drove ($n left acknowledged)"
    else
        fail "$name: expected $n device(s) left by U-Boot, found: $(grep -E 'left running|did not complete' "$log" | tr -d '\r' | tr '\n' ' ')"
    fi
    expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v[12], [1-9][0-9]* interrupts?\)$' \
        "$name: the rng works after the hand-over"
    dt=$(tr -d '\r' <"$log" | sed -nE 's/^ *(Loading Device Tree to|Using Device Tree in place at) 0*([0-9a-f]+), end .*/\2/p' | tail -1)
    if [[ -n $dt ]]; then
        expect_grep "$log" "^dt: device tree at $(printf '0x%08x' "0x$dt"), " \
            "$name: the firmware reads the device tree U-Boot handed over, at 0x$dt"
    else
        fail "$name: U-Boot printed no 'Loading Device Tree to' or 'Using Device Tree in place at' line in $log"
    fi
}

if tap_setup; then
    while read -r arch mmio addr; do
        [[ " $ARCHES " == *" $arch "* ]] || continue
        boot=booti
        [[ $arch == arm ]] && boot=bootz
        name="$arch $mmio U-Boot $boot at $addr tap"
        disk=$dir/$arch-$mmio.img
        python3 tools/blk-image.py random "$disk" "$SECTORS"
        img=build/$arch/firmware.bin
        nsec=$((($(stat -c %s "$img") + 511) / 512))
        dd if="$img" of="$disk" bs=512 seek=2048 conv=notrunc status=none
        want=$(python3 tools/blk-image.py checksum "$disk")
        env=$dir/$arch-$mmio.env
        uboot_env "$env" kernel_addr_r="$addr" ipaddr=$GUEST_IP serverip=$HOST_IP netmask=255.255.255.0 \
            "bootargs=$TAP_APPEND blk=check" \
            "bootcmd=ping $HOST_IP; virtio scan; virtio read \${kernel_addr_r} 0x800 $(printf '0x%x' "$nsec"); $boot \${kernel_addr_r} - \${fdtcontroladdr}"
        log=$LOGDIR/uboot-$arch-$mmio.log
        tap_start "$name" "$log" tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices net,blk,rng \
            --net tap:tap0 --disk "$disk" --uboot "$env" "$img"
        expect_grep "$log" "^host $HOST_IP is alive" "$name: U-Boot pinged the host through virtio-net"
        expect_grep "$log" "^virtio read: device 0 block # 2048, count $nsec \\.\\.\\. $nsec blocks read: OK" \
            "$name: U-Boot read the image through virtio-blk"
        [[ $arch == riscv64 ]] && expect_grep "$log" "^Moving Image from $addr to $(runs_at "$arch" "$addr")," \
            "$name: booti moves the image to RAM + text_offset"
        expect_grep "$log" "^image: $(runs_at "$arch" "$addr")-" "$name: runs where U-Boot put it"
        handover_check "$name" "$log" "$arch" "$mmio" - "net 1" "blk 2" "rng 4"
        expect_line "$log" "blk: checksum $want over $SECTORS sectors (ok, 0)" \
            "$name: whole-disk read after U-Boot used the disk matches the host"
        tap_check "$name" "$log"
        tap_stop
    done <<'CASES'
arm legacy 0x40400000
arm modern 0x45008000
aarch64 legacy 0x40400000
aarch64 modern 0x46000000
riscv64 legacy 0x84000000
riscv64 modern 0x81000000
CASES
fi

for arch in $ARCHES; do
    boot=booti
    [[ $arch == arm ]] && boot=bootz
    name="$arch U-Boot dhcp + tftpboot + $boot, user network"
    env=$dir/$arch-tftp.env
    addr=0x40400000
    [[ $arch == riscv64 ]] && addr=0x84000000
    uboot_env "$env" kernel_addr_r=$addr \
        "bootcmd=dhcp; tftpboot \${kernel_addr_r} firmware.bin; $boot \${kernel_addr_r} - \${fdtcontroladdr}"
    port=$(free_port)
    log=$LOGDIR/uboot-$arch-tftp.log
    timeout --kill-after=5 60 tools/qemu-run.sh --arch "$arch" --devices net,rng --hostfwd "$port" \
        --uboot "$env" "build/$arch/firmware.bin" >"$log" 2>&1 </dev/null &
    pid=$!
    wait_for "$log" '^net: ready' "$pid" 40
    expect_grep "$log" '^Bytes transferred = [0-9]+' "$name: U-Boot fetched the image by TFTP"
    expect_grep "$log" "^image: $(runs_at "$arch" "$addr")-" "$name: runs where U-Boot put it"
    # Without `virtio scan`, U-Boot on arm and aarch64 binds the rng at
    # start-up (ACKNOWLEDGE) and never probes or removes it; riscv64's
    # U-Boot never touches it.
    left=rng
    [[ $arch == riscv64 ]] && left=-
    handover_check "$name" "$log" "$arch" legacy "$left" "net 1" "rng 4"
    expect_grep "$log" '^net: dhcp: bound 10\.0\.2\.15/24 ' "$name: the firmware's own DHCP lease"
    expect_echo "$name" 127.0.0.1 "$port" 1 256
    expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
finish
