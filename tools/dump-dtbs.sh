#!/bin/sh
# dump-dtbs.sh OUTDIR - have QEMU write the device trees of the machines we
# boot on, as test input for the device-tree reader (test/unit/test_fdt.c).
#
# One DTB per combination of: emulator and CPU (qemu-system-aarch64 with
# cortex-a53 = AArch64 and cortex-a15 = AArch32, qemu-system-arm), GIC
# version 2 or 3, and a device set (none; net+blk+rng; eight mixed devices,
# legacy and modern virtio-mmio).  QEMU lists all 32 virtio-mmio slots
# whether or not a device sits behind them, so the sets mostly prove the
# command lines keep working; the trees differ by CPU, GIC and random seeds.
# And qemu-system-riscv64's virt with one hart (net+blk+rng) and with two
# (no devices): its PLIC, CPU interrupt controllers and 8 virtio-mmio slots.
#
# Idempotent and quick: a stamp records the QEMU versions and this script's
# checksum; when it matches and every file exists, nothing is run.  Each file
# is written under a temporary name and renamed, so an interrupted run never
# leaves a half-written DTB behind.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
mkdir -p "$out"

QEMU64=${QEMU_SYSTEM_AARCH64:-qemu-system-aarch64}
QEMU32=${QEMU_SYSTEM_ARM:-qemu-system-arm}
QEMURV=${QEMU_SYSTEM_RISCV64:-qemu-system-riscv64}
for q in "$QEMU64" "$QEMU32" "$QEMURV"; do
	if ! command -v "$q" >/dev/null 2>&1; then
		echo "$0: $q not found" >&2
		exit 1
	fi
done

# Disks for virtio-blk: contents never read, QEMU only opens them.
truncate -s 64K "$out/.disk0.img" "$out/.disk1.img"

# The -device arguments of each device set, on stdout.
devices() {
	nbr="-netdev user,id=n0 -device virtio-net-device,netdev=n0
	 -drive if=none,id=d0,file=$out/.disk0.img,format=raw
	 -device virtio-blk-device,drive=d0 -device virtio-rng-device"
	mix8="$nbr -netdev user,id=n1 -device virtio-net-device,netdev=n1
	 -drive if=none,id=d1,file=$out/.disk1.img,format=raw
	 -device virtio-blk-device,drive=d1 -device virtio-serial-device
	 -device virtio-balloon-device -device virtio-keyboard-device"
	case $1 in
	none) ;;
	nbr) echo "$nbr" ;;
	mix8) echo "$mix8" ;;
	mix8modern) echo "$mix8 -global virtio-mmio.force-legacy=false" ;;
	*) echo "$0: unknown device set $1" >&2; exit 1 ;;
	esac
}

# name emulator cpu
machines="aarch64-a53 $QEMU64 cortex-a53
aarch64-a15 $QEMU64 cortex-a15
arm-a15 $QEMU32 cortex-a15"
gics="2 3"
sets="none nbr mix8 mix8modern"
# name harts device-set; no firmware is needed to dump the tree
riscv="riscv64-smp1 1 nbr
riscv64-smp2 2 none"

stamp="$out/.stamp"
key="$("$QEMU64" --version | head -n1) / $("$QEMU32" --version | head -n1) / $("$QEMURV" --version | head -n1) / $(cksum <"$0")"

all_present() {
	echo "$machines" | while read -r name emu cpu; do
		for g in $gics; do
			for s in $sets; do
				[ -s "$out/qemu-virt-$name-gic$g-$s.dtb" ] || exit 1
			done
		done
	done &&
	echo "$riscv" | while read -r name smp s; do
		[ -s "$out/qemu-virt-$name-$s.dtb" ] || exit 1
	done
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$key" ] && all_present; then
	exit 0
fi

# dump FILE EMULATOR MACHINE [QEMU ARGS...]: QEMU writes the machine's tree
# to FILE.tmp, renamed to FILE once complete.
dump() {
	f=$1 emu=$2 machine=$3
	shift 3
	"$emu" -M "$machine,dumpdtb=$f.tmp" -m 128M -nographic -nodefaults "$@" \
		>/dev/null 2>"$f.log" || {
		echo "$0: $emu failed for $f:" >&2
		cat "$f.log" >&2
		rm -f "$f.tmp" "$f.log"
		exit 1
	}
	rm -f "$f.log"
	mv "$f.tmp" "$f"
}

rm -f "$out"/qemu-virt-*.dtb "$out"/*.dtb.tmp "$stamp"
echo "$machines" | while read -r name emu cpu; do
	for g in $gics; do
		for s in $sets; do
			f="$out/qemu-virt-$name-gic$g-$s.dtb"
			# shellcheck disable=SC2046 # the device set is a list of words
			dump "$f" "$emu" "virt,gic-version=$g" -cpu "$cpu" $(devices "$s")
		done
	done
done
echo "$riscv" | while read -r name smp s; do
	# shellcheck disable=SC2046 # the device set is a list of words
	dump "$out/qemu-virt-$name-$s.dtb" "$QEMURV" virt -smp "$smp" -bios none $(devices "$s")
done
echo "$key" >"$stamp"
