#!/usr/bin/env bash
# build.sh OUTDIR [ARCH...] - build the floor guest of make bench for each
# ARCH (default: arm aarch64) as OUTDIR/ARCH.elf, linked at 0x40200000 like
# the firmware (linker/ARCH.ld) and with the same cross compilers.
set -euo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
out=${1:?usage: $0 OUTDIR [ARCH...]}
shift
(($#)) || set -- arm aarch64
mkdir -p "$out"
for arch in "$@"; do
    case $arch in
    arm) cc=arm-none-eabi-gcc flags=(-mcpu=cortex-a15 -marm) ;;
    aarch64) cc=aarch64-linux-gnu-gcc flags=(-mcpu=cortex-a53 -no-pie "-Wl,--no-warn-rwx-segments") ;;
    *) echo "build.sh: ARCH must be arm or aarch64, not '$arch'" >&2; exit 2 ;;
    esac
    if [[ ! -f $out/$arch.elf || $here/$arch.S -nt $out/$arch.elf ]]; then
        "$cc" "${flags[@]}" -nostdlib -nostartfiles -static -Wl,--build-id=none -Wl,-N \
            -Wl,-Ttext=0x40200000 -Wl,-e,_start -o "$out/$arch.elf" "$here/$arch.S"
    fi
done
