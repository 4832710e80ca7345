#!/usr/bin/env bash
# build-tiny-guest.sh SRCDIR OUTDIR [ARCH...] - build SRCDIR/ARCH.S, a guest
# of a few dozen instructions, into OUTDIR/ARCH.elf for each ARCH (default:
# arm aarch64), linked at 0x40200000 like the firmware's ELF (above the
# 1 MiB device tree QEMU virt puts at the base of RAM for an ELF) and with
# the same cross compilers.  For tools/floor-guest/ (make bench's floor) and
# tools/mmu-loader/ (test_mmu_handover.sh's pre-loader), tools/vhe-loader/
# (test_el2_vhe.sh's) and tools/el1t-loader/ (test_el1t.sh's); the last two
# share tools/loader-lib/ (#include), so a change there rebuilds too.
set -euo pipefail
src=${1:?usage: $0 SRCDIR OUTDIR [ARCH...]}
out=${2:?usage: $0 SRCDIR OUTDIR [ARCH...]}
shift 2
(($#)) || set -- arm aarch64
mkdir -p "$out"
for arch in "$@"; do
    case $arch in
    arm) cc=arm-none-eabi-gcc flags=(-mcpu=cortex-a15 -marm) ;;
    aarch64) cc=aarch64-linux-gnu-gcc flags=(-mcpu=cortex-a53 -no-pie "-Wl,--no-warn-rwx-segments") ;;
    *) echo "build-tiny-guest.sh: ARCH must be arm or aarch64, not '$arch'" >&2; exit 2 ;;
    esac
    newer=0
    for f in "$src/$arch.S" "$0" "$(dirname "$0")"/loader-lib/*.S; do
        [[ $f -nt $out/$arch.elf ]] && newer=1
    done
    if [[ ! -f $out/$arch.elf ]] || ((newer)); then
        "$cc" "${flags[@]}" -nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,-N \
            -Wl,-Ttext=0x40200000 -Wl,-e,_start -o "$out/$arch.elf.tmp" "$src/$arch.S"
        mv "$out/$arch.elf.tmp" "$out/$arch.elf"
    fi
done
