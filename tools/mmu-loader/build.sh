#!/usr/bin/env bash
# build.sh [OUTDIR [ARCH...]] - build the MMU hand-over pre-loader of
# test/system/test_mmu_handover.sh for each ARCH (default: arm aarch64) as
# OUTDIR/ARCH.elf (default OUTDIR: build/mmu-loader), linked at 0x40200000
# like the firmware's ELF (above the 1 MiB device tree QEMU virt puts at the
# base of RAM for an ELF) and with the same cross compilers.  It turns the
# MMU and caches on, copies the image QEMU's generic loader left at
# 0x40400000 to 0x40800000 through the cache, makes RAM read-only in its map
# and jumps there (see the headers of arm.S and aarch64.S).
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
out=${1:-build/mmu-loader}
(($#)) && shift
(($#)) || set -- arm aarch64
mkdir -p "$out"
for arch in "$@"; do
    case $arch in
    arm) cc=arm-none-eabi-gcc flags=(-mcpu=cortex-a15 -marm) ;;
    aarch64) cc=aarch64-linux-gnu-gcc flags=(-mcpu=cortex-a53 -no-pie "-Wl,--no-warn-rwx-segments") ;;
    *) echo "build.sh: ARCH must be arm or aarch64, not '$arch'" >&2; exit 2 ;;
    esac
    if [[ ! -f $out/$arch.elf || $here/$arch.S -nt $out/$arch.elf || $here/build.sh -nt $out/$arch.elf ]]; then
        "$cc" "${flags[@]}" -nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,-N \
            -Wl,-Ttext=0x40200000 -Wl,-e,_start -o "$out/$arch.elf.tmp" "$here/$arch.S"
        mv "$out/$arch.elf.tmp" "$out/$arch.elf"
    fi
done
