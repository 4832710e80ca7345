#!/usr/bin/env bash
# test_uboot.sh - a clean hand-over from Debian's U-Boot (u-boot-qemu) after
# it used the devices, on QEMU virt, both ARCHes (arm64 booti, arm bootz).
#  1. On a TAP device in a namespace of this test's own, legacy and modern
#     virtio-mmio, two load addresses: U-Boot pings the host through
#     virtio-net, reads the image from a virtio-blk disk (raw sectors at LBA
#     2048 of a host-made image of random bytes) and boots it with U-Boot's
#     device tree.  The network conformance probe (tap.sh) then passes on
#     that same NIC and a whole-disk read of the disk U-Boot read from
#     matches the host's checksum.  (This U-Boot removes its virtio devices
#     before booti/bootz starts the image; test_mmu_handover.sh covers a
#     loader that leaves one running.)
#  2. On QEMU's user network: U-Boot's DHCP and TFTP fetch the image, the
#     firmware takes its own DHCP lease and echoes UDP.
# Debian's U-Boot `go` and `bootelf` never start the payload on QEMU (their
# serial flush spins on the PL011), so they are not tested here.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap.sh"

SECTORS=8192
ok=1
for arch in arm aarch64; do
    f=/usr/lib/u-boot/qemu_$arch/u-boot.bin
    [[ $arch == aarch64 ]] && f=/usr/lib/u-boot/qemu_arm64/u-boot.bin
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

if tap_setup; then
    while read -r arch mmio addr; do
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
        expect_grep "$log" "^image: $addr-" "$name: runs where U-Boot put it"
        expect_line "$log" "blk: checksum $want over $SECTORS sectors (ok, 0)" \
            "$name: whole-disk read after U-Boot used the disk matches the host"
        tap_check "$name" "$log"
        tap_stop
    done <<'CASES'
arm legacy 0x40400000
arm modern 0x45008000
aarch64 legacy 0x40400000
aarch64 modern 0x46000000
CASES
fi

for arch in arm aarch64; do
    boot=booti
    [[ $arch == arm ]] && boot=bootz
    name="$arch U-Boot dhcp + tftpboot + $boot, user network"
    env=$dir/$arch-tftp.env
    uboot_env "$env" kernel_addr_r=0x40400000 \
        "bootcmd=dhcp; tftpboot \${kernel_addr_r} firmware.bin; $boot \${kernel_addr_r} - \${fdtcontroladdr}"
    port=$(free_port)
    log=$LOGDIR/uboot-$arch-tftp.log
    timeout --kill-after=5 60 tools/qemu-run.sh --arch "$arch" --devices net,rng --hostfwd "$port" \
        --uboot "$env" "build/$arch/firmware.bin" >"$log" 2>&1 </dev/null &
    pid=$!
    wait_for "$log" '^net: ready' "$pid" 40
    expect_grep "$log" '^Bytes transferred = [0-9]+' "$name: U-Boot fetched the image by TFTP"
    expect_grep "$log" '^net: dhcp: bound 10\.0\.2\.15/24 ' "$name: the firmware's own DHCP lease"
    expect_echo "$name" 127.0.0.1 "$port" 1 256
    expect_no_grep "$log" 'CRASH|broke a ring' "$name: no crash, no ring fault"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
finish
