#!/usr/bin/env bash
# bench.sh [--short] - everything `make bench` measures, as one markdown
# report on stdout (also kept in build/bench/report.md):
#   1. footprint: text/data/bss per component and ARCH (tools/footprint.sh),
#      and the DMA memory each driver takes at the default queue sizes;
#   2. guest instructions, deterministic under -icount (tools/bench-instr.sh);
#   3. round trips through a TAP device, ours beside a Linux guest under the
#      same QEMU command line (tools/bench-rtt.sh);
#   4. boot to network: QEMU exec to the first ping reply, beside a trivial
#      guest's first serial byte (tools/bench-boot.sh).
# Benchmarks never fail the build: a part that cannot run prints SKIP.
# --short is the smoke mode `make check` could use: few samples, no Linux
# guest download.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
short=
[[ ${1:-} == --short ]] && short=--short
mkdir -p build/bench
{
    echo "# vbare bench report"
    echo
    echo "Generated $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\` on $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(qemu-system-aarch64 --version | head -1)."
    echo
    echo "## 1. Footprint"
    echo
    echo "From the cross \`size\` on each component's object files (\`tools/footprint.sh arm aarch64\`)."
    echo
    tools/footprint.sh arm aarch64
    echo
    echo "DMA memory taken at boot by each driver, at the default queue sizes (QEMU virt, net+blk+rng+console; the firmware's \`dma:\` line):"
    echo
    echo "| ARCH | transport | virtio-net | virtio-blk | virtio-console | virtio-rng |"
    echo "|---|---|---:|---:|---:|---:|"
    for arch in arm aarch64; do
        for mmio in legacy modern; do
            line=$(timeout 20 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --append poweroff \
                "build/$arch/firmware.elf" 2>/dev/null | tr -d '\r' | grep '^dma:')
            read -r net blk con rng <<<"$(sed -E 's/^dma: net ([0-9]+), blk ([0-9]+), console ([0-9]+), rng ([0-9]+).*/\1 \2 \3 \4/' <<<"$line")"
            echo "| $arch | $mmio | $net | $blk | $con | $rng |"
        done
    done
    echo
    echo "## 2. Guest instructions (QEMU -icount shift=0, PMU event 0x08)"
    echo
    echo "\`tools/bench-instr.sh $short aarch64 arm\`: the firmware on a TAP device, N pings and N UDP echoes (sizes 1..N), then the shell's \`bench\` command."
    echo
    tools/bench-instr.sh $short aarch64 arm
    echo
    echo "## 3. Round trips, beside a Linux guest"
    echo
    echo "\`tools/bench-rtt.sh $short\`"
    echo
    tools/bench-rtt.sh $short 2>/dev/null
    echo
    echo "## 4. Boot to network, beside the floor"
    echo
    echo "\`tools/bench-boot.sh $short\`: QEMU exec to the first ICMP echo reply (static \`ip=\`, permanent neighbour entry, ping every 2 ms), and to a trivial guest's first serial byte under the same command line."
    echo
    tools/bench-boot.sh $short 2>/dev/null
} | tee build/bench/report.md
exit 0
