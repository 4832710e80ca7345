#!/usr/bin/env bash
# test_dt_reach.sh - a device-tree node whose registers lie beyond the
# identity map (aarch64: 39 bits, 512 GiB; riscv64: Sv39's lower half,
# 256 GiB; boot/<arch>/cpu.c) is refused with a warning, not touched: an
# access there is a translation fault, so a probe of it would crash the
# boot.
#
# QEMU writes the device tree of the command line the test boots (dumpdtb),
# dtc decompiles it, and the reg of one virtio-mmio node moves to the first
# address above the map; then booted with --dtb.  Asserted: the warning
# naming the node, the other devices probed, `boot: done`, no crash.
. "$(dirname "$0")/lib.sh"

QEMU_EXPECTED+='|info: dtb dumped to .*\. Exiting\.'

while IFS='|' read -r arch node reg addr; do
    dir=$LOGDIR/dt-reach-$arch
    rm -rf "$dir"
    mkdir -p "$dir"
    log=$dir/boot.log
    if [[ ! -f build/$arch/firmware.elf ]]; then
        fail "$arch: no build/$arch/firmware.elf (make ARCH=$arch)"
        continue
    fi
    opts=(--arch "$arch" --devices rng,rng)
    if ! qemu_dts "$dir" "build/$arch/firmware.elf" "${opts[@]}" ||
        ! python3 - "$dir/qemu.dts" "$dir/reach.dts" "$node" "$reg" <<'PY' 2>>"$dir/dtc.err" ||
import re
import sys

src, dst, node, reg = sys.argv[1:]
t = open(src).read()
m = re.search(r'^(\t+)' + re.escape(node) + r' \{\n(.*?)^\1\};\n', t, re.M | re.S)
if not m:
    sys.exit("no node " + node)
ind = m.group(1) + '\t'
body, n = re.subn(r'^' + ind + r'reg = <[^>]*>;', ind + 'reg = <%s>;' % reg, m.group(2), flags=re.M)
if n != 1:
    sys.exit("no reg in /" + node)
open(dst, 'w').write(t[:m.start(2)] + body + t[m.end(2):])
PY
        ! dtc -q -I dts -O dtb -o "$dir/reach.dtb" "$dir/reach.dts" 2>>"$dir/dtc.err"; then
        fail "$arch: could not make the device tree: $(head -c 400 "$dir/dtc.err")"
        continue
    fi
    timeout --kill-after=5 30 tools/qemu-run.sh "${opts[@]}" --dtb "$dir/reach.dtb" \
        "build/$arch/firmware.elf" >"$log" 2>&1 </dev/null &
    pid=$!
    wait_for "$log" '^boot: done|CRASH' "$pid" 20
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null

    expect_line "$log" "virtio: WARNING: $node: registers at $addr are out of this CPU's reach; skipped" \
        "$arch: registers at $addr, above the identity map, are refused, the node named"
    expect_grep "$log" '^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} ' "$arch: the other rng is read"
    expect_line "$log" "boot: done" "$arch: boots to the end"
    expect_no_grep "$log" 'CRASH' "$arch: no crash"
done <<'CASES'
aarch64|virtio_mmio@a003e00|0x80 0x00 0x00 0x200|0x8000000000
riscv64|virtio_mmio@10008000|0x40 0x00 0x00 0x1000|0x4000000000
CASES
finish
