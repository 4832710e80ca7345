#!/usr/bin/env bash
# bench.sh [--short] - everything `make bench` measures, as one markdown
# report on stdout (also kept in build/bench/report.md), one column per
# ARCH (arm, aarch64, riscv64) where the part runs on each:
#   1. footprint: text/data/bss per component and ARCH, and TCP's code and
#      RAM per connection (tools/footprint.sh), and the DMA memory each
#      driver takes at the default queue sizes;
#   2. guest instructions, deterministic under -icount (tools/bench-instr.sh);
#   3. round trips through a TAP device, ours beside a Linux guest under the
#      same QEMU command line (tools/bench-rtt.sh; the Linux guest is arm64):
#      a table of ICMP and UDP, and one of TCP echo (tools/tcpbench.c);
#   4. boot to network: QEMU exec to the first ping reply, beside a trivial
#      guest's first serial byte (tools/bench-boot.sh; arm and aarch64 only,
#      its floor guest exists for those two).
# Benchmarks never fail the build: a part that cannot run prints SKIP.
# --short is the smoke mode `make check` could use: few samples, no Linux
# guest download.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
short=
case "$#:${1:-}" in
0:) ;;
1:--short) short=--short ;;
*) echo "usage: $0 [--short]" >&2; exit 2 ;;
esac
mkdir -p build/bench
{
    echo "# vbare bench report"
    echo
    echo "Generated $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\` on $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(qemu-system-aarch64 --version | head -1); riscv64: $(qemu-system-riscv64 --version 2>/dev/null | head -1 | sed 's/ emulator version / /') with $(dpkg-query -W -f='Debian opensbi ${Version}' opensbi 2>/dev/null || echo OpenSBI)."
    echo
    echo "## 1. Footprint"
    echo
    echo "From the cross \`size\` on each component's object files, as the Makefile links them (\`tools/footprint.sh arm aarch64 riscv64\`), in bytes."
    echo
    tools/footprint.sh arm aarch64 riscv64
    echo
    echo "DMA memory taken at boot by each driver, at the default queue sizes (QEMU virt, net+blk+rng+console; the firmware's \`dma:\` line), in bytes:"
    echo
    declare -A dma=()
    for arch in arm aarch64 riscv64; do
        for mmio in legacy modern; do
            line=$(timeout 20 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --append poweroff \
                "build/$arch/firmware.elf" 2>/dev/null | tr -d '\r' | grep '^dma:')
            read -r net blk con rng <<<"$(sed -nE 's/^dma: net ([0-9]+), blk ([0-9]+), console ([0-9]+), rng ([0-9]+).*/\1 \2 \3 \4/p' <<<"$line")"
            dma[virtio-net $mmio|$arch]=$net dma[virtio-blk $mmio|$arch]=$blk
            dma[virtio-console $mmio|$arch]=$con dma[virtio-rng $mmio|$arch]=$rng
        done
    done
    echo "| driver | transport | arm | aarch64 | riscv64 |"
    echo "|---|---|---:|---:|---:|"
    for d in virtio-net virtio-blk virtio-console virtio-rng; do
        for mmio in legacy modern; do
            echo "| $d | $mmio | ${dma[$d $mmio|arm]:-—} | ${dma[$d $mmio|aarch64]:-—} | ${dma[$d $mmio|riscv64]:-—} |"
        done
    done
    echo
    echo "## 2. Guest instructions (QEMU -icount shift=0; arm, aarch64: PMU event 0x08, riscv64: instret)"
    echo
    echo "\`tools/bench-instr.sh $short arm aarch64 riscv64\`: the firmware on a TAP device, N pings, N UDP echoes (sizes 1..N) and N stop-and-wait TCP echoes of 64 bytes (one connection), then the shell's \`bench\` command."
    echo
    tools/bench-instr.sh $short arm aarch64 riscv64
    echo
    echo "## 3. Round trips, beside a Linux guest"
    echo
    echo "\`tools/bench-rtt.sh $short\`"
    echo
    tools/bench-rtt.sh $short 2>/dev/null
    echo
    echo "## 4. Boot to network, beside the floor"
    echo
    echo "\`tools/bench-boot.sh $short\` (arm and aarch64): QEMU exec to the first ICMP echo reply (static \`ip=\`, permanent neighbour entry, ping every 2 ms), and to a trivial guest's first serial byte under the same command line."
    echo
    tools/bench-boot.sh $short 2>/dev/null
} | tee build/bench/report.md
exit 0
