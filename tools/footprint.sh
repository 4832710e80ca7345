#!/usr/bin/env bash
# footprint.sh ARCH... - text, data and bss per component, from the cross
# `size` on each ARCH's object files (build them first with make ARCH=...),
# plus the DMA memory each driver takes at boot with the default queue sizes
# (printed by the firmware's "dma:" line).  Output: a markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A comp=(
    [boot]="boot/ARCH board lib"
    [drivers/fdt]="drivers/fdt"
    ["gic, timer, uart"]="drivers/gic drivers/timer drivers/uart"
    ["virtio core"]="drivers/virtio/virtio.c drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c drivers/virtio/mmio_probe.c"
    [virtio-net]="drivers/virtio/virtio_net.c"
    [virtio-blk]="drivers/virtio/virtio_blk.c"
    [virtio-rng]="drivers/virtio/virtio_rng.c"
    [virtio-console]="drivers/virtio/virtio_console.c"
    ["net/ stack"]="net"
    [apps]="apps"
)
order=(boot drivers/fdt "gic, timer, uart" "virtio core" virtio-net virtio-blk virtio-rng virtio-console "net/ stack" apps)
echo "| component | ARCH | text | data | bss |"
echo "|---|---|---:|---:|---:|"
for arch in "$@"; do
    case $arch in arm) size=arm-none-eabi-size ;; aarch64) size=aarch64-linux-gnu-size ;; *) echo "unknown ARCH $arch" >&2; exit 2 ;; esac
    obj=build/$arch/obj
    [[ -d $obj ]] || { echo "footprint: build ARCH=$arch first" >&2; exit 1; }
    tt=0 td=0 tb=0
    for c in "${order[@]}"; do
        files=()
        for p in ${comp[$c]}; do
            p=${p//ARCH/$arch}
            if [[ $p == *.c ]]; then
                [[ -f $obj/$p.o ]] && files+=("$obj/$p.o")
            else
                while IFS= read -r f; do files+=("$f"); done < <(find "$obj/$p" -name '*.o' 2>/dev/null | sort)
            fi
        done
        ((${#files[@]})) || continue
        read -r t d b < <($size "${files[@]}" | awk 'NR > 1 {t += $1; d += $2; b += $3} END {print t, d, b}')
        echo "| $c | $arch | $t | $d | $b |"
        tt=$((tt + t)) td=$((td + d)) tb=$((tb + b))
    done
    echo "| **all (objects)** | $arch | $tt | $td | $tb |"
    read -r t d b < <($size "build/$arch/firmware.elf" | awk 'NR == 2 {print $1, $2, $3}')
    echo "| **firmware.elf (linked, --gc-sections)** | $arch | $t | $d | $b |"
done
