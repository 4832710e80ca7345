#!/usr/bin/env bash
# test_boot_anywhere.sh - the same two images wherever a loader puts them:
#  1. firmware.bin through QEMU -kernel (the Linux boot protocol: DTB in
#     x0/r2; riscv64: OpenSBI enters it at 0x80200000 in S-mode with the
#     hart in a0 and the DTB in a1, two harts) on QEMU virt with several RAM
#     sizes and CPUs, both transports, RAM above 4 GiB on aarch64 and
#     riscv64: probe, rng, a DMA pool inside RAM and clear of the image, the
#     device tree (and OpenSBI's /reserved-memory), and the network
#     conformance probe on a TAP device (tap.sh);
#  2. the image placed by QEMU's generic loader at addresses it is not
#     linked at, with no DTB pointer: it relocates itself and finds the tree
#     at the base of RAM; riscv64, where the generic loader would skip
#     OpenSBI: firmware.bin wrapped in an ELF whose one segment starts at
#     such an address, which OpenSBI enters (the DTB still in a1);
#  3. the same images on the second board of each ARCH - xlnx-versal-virt
#     (aarch64: RAM at 0, GICv3; with 4G, two banks, the second at 32 GiB,
#     where the DMA pool goes) and vexpress-a15 (arm: RAM at 0x80000000,
#     our device tree, power-off without PSCI): the network conformance
#     probe on TAP, legacy and modern virtio-mmio;
#  4. what the device tree reserves (/memreserve/, /reserved-memory, the
#     initrd) stays out of the DMA pool, on every ARCH.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tap.sh"

hex() { printf '%d' "$1"; }
# check_layout NAME LOG : the image, device tree and DMA pool lines agree:
# the pool lies inside one RAM range and touches neither the image nor the DTB.
check_layout() {
    local name=$1 log=$2 txt img_lo img_hi dt_lo dt_hi p_lo p_hi inside=0 lo hi
    txt=$(tr -d '\r' <"$log")
    read -r img_lo img_hi < <(sed -n 's/^image: \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\).*/\1 \2/p' <<<"$txt")
    read -r dt_lo dt_hi < <(sed -n 's/^dt: device tree at \(0x[0-9a-f]*\), \([0-9]*\) bytes.*/\1 \2/p' <<<"$txt")
    read -r p_lo p_hi < <(sed -n 's/^mem: DMA pool \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) .*/\1 \2/p' <<<"$txt")
    if [[ -z $img_lo || -z $dt_lo || -z $p_lo ]]; then
        fail "$name: no image, device tree or DMA pool line in $log"
        return
    fi
    dt_hi=$(($(hex "$dt_lo") + dt_hi - 1))
    while read -r lo hi; do
        (($(hex "$lo") <= $(hex "$p_lo") && $(hex "$p_hi") <= $(hex "$hi"))) && inside=1
    done < <(sed -n 's/^mem: \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\)$/\1 \2/p' <<<"$txt")
    ((inside)) && pass "$name: DMA pool $p_lo-$p_hi lies in RAM" || fail "$name: DMA pool $p_lo-$p_hi outside every RAM range"
    if (($(hex "$p_hi") < $(hex "$img_lo") || $(hex "$p_lo") > $(hex "$img_hi"))) &&
       (($(hex "$p_hi") < $(hex "$dt_lo") || $(hex "$p_lo") > dt_hi)); then
        pass "$name: DMA pool clear of the image ($img_lo-$img_hi) and the device tree ($dt_lo)"
    else
        fail "$name: DMA pool $p_lo-$p_hi overlaps the image $img_lo-$img_hi or the device tree at $dt_lo"
    fi
}

# no_overlap NAME LOG : every "mem: reserved" range lies outside the DMA pool.
no_overlap() {
    local name=$1 log=$2 txt p_lo p_hi lo hi n=0 bad=0
    txt=$(tr -d '\r' <"$log")
    read -r p_lo p_hi < <(sed -n 's/^mem: DMA pool \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) .*/\1 \2/p' <<<"$txt")
    while read -r lo hi; do
        n=$((n + 1))
        (($(hex "$hi") < $(hex "$p_lo") || $(hex "$lo") > $(hex "$p_hi"))) || bad=1
    done < <(sed -n 's/^mem: reserved \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) .*/\1 \2/p' <<<"$txt")
    if [[ -n $p_lo ]] && ((n > 0 && !bad)); then
        pass "$name: the DMA pool $p_lo-$p_hi touches none of the $n reserved ranges"
    else
        fail "$name: pool '$p_lo-$p_hi', $n reserved ranges, overlap=$bad (see $log)"
    fi
}

tap_ok=0
tap_setup && tap_ok=1

# 1. -kernel firmware.bin on QEMU virt, then the network conformance probe.
while read -r arch cpu mem mmio smp; do
    smp=${smp:-1}
    name="$arch $cpu -m $mem $mmio: -kernel firmware.bin"
    ((smp == 1)) || name="$arch $cpu -m $mem -smp $smp $mmio: -kernel firmware.bin"
    log=$LOGDIR/anywhere-$arch-$cpu-$mem-$mmio.log
    ((tap_ok)) || { skip "$name: no TAP device"; continue; }
    tap_start "$name" "$log" tools/qemu-run.sh --arch "$arch" --cpu "$cpu" --mem "$mem" --mmio "$mmio" --smp "$smp" \
        --devices net,blk,rng --net tap:tap0 --append "$TAP_APPEND" "build/$arch/firmware.bin"
    expect_grep "$log" '^image: 0x' "$name: says where it runs"
    expect_grep "$log" '^dt: device tree at 0x[0-9a-f]+, ' "$name: device tree from the boot register"
    expect_grep "$log" "^virtio: 3 devices, $(($(virt_slots "$arch") - 3)) empty slots\$" "$name: probe finds net, blk and rng"
    expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v[12], 1 interrupt\)$' "$name: rng by interrupt"
    check_layout "$name" "$log"
    if [[ $arch == riscv64 ]]; then
        # QEMU puts a raw image at 0x80200000, the DTB at the top of RAM
        # below 3 GiB (2 MiB aligned); OpenSBI keeps its own 512 KiB.
        dt=0x87e00000; [[ $mem == 128M ]] || dt=0xbfe00000
        expect_grep "$log" '^image: 0x80200000-' "$name: runs where QEMU put it"
        expect_grep "$log" "^dt: device tree at $dt, " "$name: device tree from a1"
        expect_line "$log" "mem: reserved 0x80000000-0x8007ffff (/reserved-memory)" "$name: OpenSBI's memory is reserved"
        no_overlap "$name" "$log"
    fi
    tap_check "$name" "$log"
    tap_stop
    expect_no_grep "$log" 'WARNING' "$name: no warning"
done <<'CASES'
arm cortex-a15 128M legacy
arm cortex-a7 1G modern
arm cortex-a15 3G legacy
aarch64 cortex-a53 128M modern
aarch64 cortex-a72 1G legacy
aarch64 cortex-a57 5G modern
riscv64 rv64 128M legacy 2
riscv64 rv64 1G modern 2
riscv64 rv64 3G legacy 2
CASES
# Above 4 GiB the pool is where the most RAM is: check that it went there.
if ((tap_ok)); then
    expect_grep "$LOGDIR/anywhere-aarch64-cortex-a57-5G-modern.log" '^mem: 0x40000000-0x17fffffff$' \
        "aarch64 -m 5G: RAM runs past 4 GiB"
    expect_grep "$LOGDIR/anywhere-aarch64-cortex-a57-5G-modern.log" '^mem: DMA pool 0x[0-9a-f]+-0x17fffffff ' \
        "aarch64 -m 5G: the DMA pool reaches above 4 GiB"
    expect_grep "$LOGDIR/anywhere-riscv64-rv64-3G-legacy.log" '^mem: 0x80000000-0x13fffffff$' \
        "riscv64 -m 3G: RAM runs past 4 GiB"
    expect_grep "$LOGDIR/anywhere-riscv64-rv64-3G-legacy.log" '^mem: DMA pool 0x[0-9a-f]+-0x13fffffff ' \
        "riscv64 -m 3G: the DMA pool reaches above 4 GiB"
fi

# 2. Loaded where it is not linked, no DTB pointer.  riscv64: QEMU's generic
# loader would start the hart there in M-mode, past OpenSBI, and QEMU puts a
# raw -kernel at 0x80200000 whatever its header says; so the image goes in
# an ELF whose one segment starts at the address (OpenSBI's fw_dynamic
# enters an ELF at its lowest load address), and the DTB comes in a1; 2 MiB
# aligned, and one only 4 KiB aligned.
wrapdir=$LOGDIR/anywhere-wrap
mkdir -p "$wrapdir"
while read -r arch mem addr; do
    name="$arch -m $mem loaded at $addr"
    log=$LOGDIR/anywhere-$arch-loader-$addr.log
    if [[ $arch == riscv64 ]]; then
        name="$arch -m $mem -smp 2 firmware.bin entered at $addr"
        wrap=$wrapdir/firmware-$addr.elf
        rm -f "$wrap"
        if ! out=$(riscv64-unknown-elf-ld -N -b binary --section-start=.data="$addr" -e "$addr" -o "$wrap" \
            build/riscv64/firmware.bin 2>&1); then
            fail "$name: could not wrap firmware.bin in an ELF: $out"
            continue
        fi
        boot_until "$log" 'boot: done' 40 --arch "$arch" --mem "$mem" --smp 2 --devices net,rng "$wrap"
        dt=0x87e00000; [[ $mem == 128M ]] || dt=0xbfe00000
        expect_grep "$log" "^dt: device tree at $dt, " "$name: device tree from a1"
        no_overlap "$name" "$log"
    else
        boot_until "$log" 'boot: done' 40 --arch "$arch" --mem "$mem" --loader "$addr" --devices net,rng \
            "build/$arch/firmware.bin"
        expect_grep "$log" '^dt: device tree at 0x40000000, ' "$name: finds the tree at the base of RAM"
    fi
    expect_grep "$log" "^image: $addr-" "$name: runs there"
    expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v1, 1 interrupt\)$' "$name: rng by interrupt"
    expect_line "$log" "boot: done" "$name: boots to the end"
    check_layout "$name" "$log"
    expect_no_grep "$log" 'CRASH|WARNING' "$name: no crash, no warning"
done <<'CASES'
arm 128M 0x40108000
arm 128M 0x47f00000
aarch64 128M 0x40400000
aarch64 128M 0x47e00000
aarch64 8G 0x140000000
riscv64 128M 0x80400000
riscv64 128M 0x80601000
riscv64 128M 0x87a00000
riscv64 1G 0xa0000000
CASES

# 3. The second board of each ARCH (Versal also with two RAM banks):
# the network conformance probe on TAP.
if ((tap_ok)); then
    while read -r arch board mmio mem; do
        name="$arch $board -m $mem $mmio firmware.bin tap"
        log=$LOGDIR/anywhere-tap-$arch-$board-$mmio-$mem.log
        tap_probe "$name" "$log" --arch "$arch" --board "$board" --mmio "$mmio" --mem "$mem" \
            --devices net,blk,rng,console "build/$arch/firmware.bin"
        case $board-$mem in
        xlnx-versal-virt-4G) expect_line "$log" "mem: 0x0-0x7fffffff" "$name: first RAM bank, at 0"
                             expect_line "$log" "mem: 0x800000000-0x87fffffff" "$name: second RAM bank, at 32 GiB"
                             expect_grep "$log" '^mem: DMA pool 0x800000000-' "$name: DMA from the second bank" ;;
        xlnx-versal-virt-*) expect_grep "$log" '^mem: 0x0-0x7ffffff$' "$name: RAM at 0 from the device tree"
                          expect_grep "$log" '^irq: GICv3, ' "$name: GICv3 from the device tree"
                          expect_grep "$log" '^virtio: 4 devices, 4 empty slots$' "$name: 8 transports at 0xa0000000" ;;
        vexpress-a15-*) expect_grep "$log" '^mem: 0x80000000-0x87ffffff$' "$name: RAM at 0x80000000 from the device tree"
                      expect_grep "$log" '^virtio-mmio@0x1c130600 irq 75 v' "$name: QEMU's virtio nodes in our device tree"
                      expect_grep "$log" '^virtio: 4 devices, 0 empty slots$' "$name: 4 transports at 0x1c130000" ;;
        esac
        check_layout "$name" "$log"
    done <<'CASES'
aarch64 xlnx-versal-virt legacy 128M
aarch64 xlnx-versal-virt modern 128M
aarch64 xlnx-versal-virt legacy 4G
arm vexpress-a15 legacy 128M
arm vexpress-a15 modern 128M
CASES
fi
# 4. What the device tree reserves stays untouched: QEMU's own tree for this
# command line, with /memreserve/ entries, a /reserved-memory node and an
# initrd (-initrd, named in /chosen by QEMU); then a tree with more
# reservations than the firmware keeps (512): no DMA pool at all, rather
# than one that might cover what it could not read.
QEMU_EXPECTED+='|info: dtb dumped to .*\. Exiting\.'
rsvdir=$LOGDIR/anywhere-rsv
mkdir -p "$rsvdir"
for arch in $ARCHES; do
    # QEMU's tree for the command line of the boot below (qemu-run.sh's, so
    # riscv64's names OpenSBI), dumped.  Reservations 32 and 64 MiB into
    # RAM, clear of QEMU's image at +2 MiB and its DTB and initrd.
    base=$(ram_base "$arch")
    fwres=$((base + 0x2000000)) memres=$((base + 0x4000000))
    mkdir -p "$rsvdir/$arch"
    if ! qemu_dts "$rsvdir/$arch" "build/$arch/firmware.bin" --arch "$arch" --devices rng; then
        fail "$arch: QEMU's device tree: $(head -c 400 "$rsvdir/$arch/dtc.err")"
        continue
    fi
    head -c 1048576 /dev/urandom >"$rsvdir/initrd"
    for kind in some many; do
        name="$arch: $kind reservations"
        python3 - "$rsvdir/$arch/qemu.dts" "$rsvdir/$arch-$kind.dts" "$kind" "$fwres" "$memres" <<'PY'
import sys
src, dst, kind = sys.argv[1:4]
fwres, memres = int(sys.argv[4]), int(sys.argv[5])
t = open(src).read()
n = 2 if kind == "some" else 520
rsv = "".join("/memreserve/ 0x%x 0x1000;\n" % (memres + i * 0x2000) for i in range(n))
t = t.replace("/dts-v1/;\n", "/dts-v1/;\n" + rsv, 1)
node = """
\treserved-memory {
\t\t#address-cells = <0x02>;
\t\t#size-cells = <0x02>;
\t\tranges;
\t\tfirmware@%x {
\t\t\treg = <0x00 0x%x 0x00 0x2000000>;
\t\t\tno-map;
\t\t};
\t};
""" % (fwres, fwres)
i = t.rindex("};")  # the root's end: after its properties and other nodes
open(dst, "w").write(t[:i] + node + t[i:])
PY
        dtc -q -I dts -O dtb -o "$rsvdir/$arch-$kind.dtb" "$rsvdir/$arch-$kind.dts"
        log=$LOGDIR/anywhere-rsv-$arch-$kind.log
        # The image, not the ELF: QEMU passes an initrd only to a Linux image.
        boot "$log" 30 --arch "$arch" --devices rng --dtb "$rsvdir/$arch-$kind.dtb" --initrd "$rsvdir/initrd" \
            --append poweroff "build/$arch/firmware.bin"
        expect_line "$log" "boot: powering off" "$name: boots to the end"
        if [[ $kind == some ]]; then
            expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \(virtio-mmio v1, 1 interrupt\)$' "$name: rng works"
            check_layout "$name" "$log"
            expect_line "$log" "$(printf 'mem: reserved 0x%x-0x%x (/memreserve/)' $memres $((memres + 0xfff)))" \
                "$name: /memreserve/ read"
            expect_line "$log" "$(printf 'mem: reserved 0x%x-0x%x (/reserved-memory)' $fwres $((fwres + 0x1ffffff)))" \
                "$name: /reserved-memory read"
            [[ $arch == riscv64 ]] && expect_line "$log" "mem: reserved 0x80000000-0x8007ffff (/reserved-memory)" \
                "$name: OpenSBI's range added to our /reserved-memory node read"
            expect_grep "$log" '^mem: reserved 0x[0-9a-f]+-0x[0-9a-f]+ \(initrd\)$' "$name: the initrd QEMU named in /chosen"
            no_overlap "$name" "$log"
        else
            expect_line "$log" "mem: WARNING: more than 512 reserved ranges: no DMA pool, devices will not start" \
                "$name: more than it can keep: no pool, said so"
            expect_no_grep "$log" '^mem: DMA pool' "$name: no memory handed to a device on a guess"
            expect_grep "$log" '^rng: virtio-rng at 0x[0-9a-f]+ failed: ' "$name: the device fails to start, in words"
        fi
    done
done

# Power-off without PSCI: the Versatile Express system registers.
log=$LOGDIR/anywhere-vexpress-poweroff.log
start=$SECONDS
boot "$log" 30 --arch arm --board vexpress-a15 --devices rng --append poweroff build/arm/firmware.bin
if grep -q '^boot: powering off' < <(tr -d '\r' <"$log") && ((SECONDS - start < 25)); then
    pass "vexpress-a15: powers off through the system registers"
else
    fail "vexpress-a15: did not power off (see $log)"
fi
finish
