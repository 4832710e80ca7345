#!/usr/bin/env bash
# test_dt_strings.sh - strings the firmware prints from the device tree (the
# root's model, a virtio-mmio node's name, a word of the boot arguments)
# reach the console as printable ASCII: a byte outside 0x20..0x7e is a '?'
# (a tab or line end in the boot arguments a space), so a hostile tree
# cannot send escape sequences (ESC, BEL) to the person's terminal.
#
# QEMU writes the device tree of the command line the test boots (dumpdtb),
# dtc decompiles it; the model gets ESC [2J and BEL, the lowest virtio-mmio
# node a register window too small (so the boot names it in a warning), and
# in the compiled blob that node's name gets an ESC for its '_'; booted with
# --dtb, and boot arguments with ESC and BEL in netq='s value.  Asserted:
# the three lines with '?' in place, no ESC or BEL anywhere in the log,
# `boot: done`.
. "$(dirname "$0")/lib.sh"

QEMU_EXPECTED+='|info: dtb dumped to .*\. Exiting\.'

arch=aarch64 node=virtio_mmio@a000000
dir=$LOGDIR/dt-strings-$arch
rm -rf "$dir"
mkdir -p "$dir"
log=$dir/boot.log
opts=(--arch "$arch" --devices net,rng)
if [[ ! -f build/$arch/firmware.elf ]]; then
    fail "$arch: no build/$arch/firmware.elf (make ARCH=$arch)"
else
    if ! qemu_dts "$dir" "build/$arch/firmware.elf" "${opts[@]}" ||
        ! python3 - "$dir/qemu.dts" "$dir/strings.dts" "$node" <<'PY' 2>>"$dir/dtc.err" ||
import re
import sys

src, dst, node = sys.argv[1:]
t = open(src).read()
t, n = re.subn(r'^\tmodel = "[^"]*";', r'\tmodel = "evil\\x1b[2Jboard\\x07";', t, count=1, flags=re.M)
if n != 1:
    sys.exit("no model")
m = re.search(r'^(\t+)' + re.escape(node) + r' \{\n(.*?)^\1\};\n', t, re.M | re.S)
if not m:
    sys.exit("no node " + node)
ind = m.group(1) + '\t'
body, n = re.subn(r'^' + ind + r'reg = <([^ ]+) ([^ ]+) [^ ]+ [^>]+>;', ind + r'reg = <\1 \2 0x00 0x100>;',
                  m.group(2), flags=re.M)
if n != 1:
    sys.exit("no reg in /" + node)
open(dst, 'w').write(t[:m.start(2)] + body + t[m.end(2):])
PY
        ! dtc -q -I dts -O dtb -o "$dir/strings.dtb" "$dir/strings.dts" 2>>"$dir/dtc.err" ||
        ! python3 - "$dir/strings.dtb" "$node" <<'PY' 2>>"$dir/dtc.err"; then
import sys

path, node = sys.argv[1:]
b = open(path, 'rb').read()
old = node.encode() + b'\0'
if b.count(old) != 1:
    sys.exit("node name not found once in the blob")
open(path, 'wb').write(b.replace(old, old.replace(b'_', b'\x1b', 1)))
PY
        fail "$arch: could not make the device tree: $(head -c 400 "$dir/dtc.err")"
    else
        timeout --kill-after=5 30 tools/qemu-run.sh "${opts[@]}" --dtb "$dir/strings.dtb" \
            --append $'netq=6\x1b[2J4\x07' "build/$arch/firmware.elf" >"$log" 2>&1 </dev/null &
        pid=$!
        wait_for "$log" '^boot: done|CRASH' "$pid" 20
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        expect_line "$log" "vbare: $arch firmware on evil?[2Jboard?" "the model, its ESC and BEL as '?'"
        expect_grep "$log" '^virtio: WARNING: virtio\?mmio@a000000: register window 0x100 bytes' \
            "the node's name, its ESC as '?'"
        expect_grep "$log" '^net: WARNING: netq=6\?\[2J4\? is not a power of two' "a boot argument's ESC and BEL as '?'"
        if LC_ALL=C grep -q $'[\x1b\x07]' "$log"; then
            fail "an ESC or BEL from the device tree reached the console"
        else
            pass "no ESC or BEL from the device tree on the console"
        fi
        expect_line "$log" "boot: done" "boots to the end"
    fi
    # Boot arguments longer than the board keeps: cut, and said.
    log=$dir/long.log
    long=$(printf 'x%.0s' {1..2100})
    timeout --kill-after=5 30 tools/qemu-run.sh "${opts[@]}" --append "$long" \
        "build/$arch/firmware.elf" >"$log" 2>&1 </dev/null &
    pid=$!
    wait_for "$log" '^boot: done|CRASH' "$pid" 20
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    expect_line "$log" "dt: WARNING: boot arguments longer than 2047 bytes; the rest is ignored" \
        "boot arguments of 2100 bytes: cut, with a warning"
    expect_line "$log" "boot: done" "boots to the end with them"
fi
finish
