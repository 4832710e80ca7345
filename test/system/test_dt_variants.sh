#!/usr/bin/env bash
# test_dt_variants.sh - the device-tree shapes real boards and hypervisors
# produce, met by the firmware's own reader on both ARCHes.
#
# QEMU writes the device tree of the very command line the test boots
# (dumpdtb), dtc decompiles it, and the virtio-mmio nodes are rewritten:
#   net      interrupts-extended (level-triggered) beside a decoy
#            "interrupts" it must take precedence over; no dma-coherent
#   rng A    status = "disabled"
#   blk      interrupts = <GIC_PPI 0 ...>: interrupt 0, and not an SPI
#   console  moved under two buses: the outer one's interrupt-parent is a
#            one-cell controller, the inner one's (#address-cells = 1, with
#            ranges) the GIC; the node itself has none, so it must inherit
#            the nearest ancestor's
#   rng B    no interrupts property
#   empty slot  a register window of 0x100 bytes
#   empty slot  interrupts = <0 0 0> (interrupt 0, no trigger)
#   empty slot  SPI 987 (INTID 1019), beyond the lines QEMU's GIC has
# and the timer's four PPIs as interrupts-extended, beside a decoy
# "interrupts" whose virtual-timer PPI is wrong; then booted with --dtb.
# Asserted: the exact warning and probe lines, the timer's PPI, the GIC's
# trigger configuration read back through the QEMU monitor (level for net,
# edge for console), DHCP, ping and UDP echo through the level-triggered
# interrupts-extended net, rng read by polling, and a whole-disk checksum
# of blk by polling, byte-exact against the host's.  About 10 s.
. "$(dirname "$0")/lib.sh"

DEVICES=net,rng,blk,console,rng
QEMU_EXPECTED+='|info: dtb dumped to .*\. Exiting\.'

# rewrite IN.dts OUT.dts: the edits above, on dtc's output for QEMU virt.
rewrite() {
    python3 - "$1" "$2" <<'EOF'
import re
import sys

src, dst = sys.argv[1], sys.argv[2]
t = open(src).read()


def span(name):
    """Where the root-level node `name` starts and ends in dtc's output."""
    m = re.search(r'^\t' + re.escape(name) + r' \{\n', t, re.M)
    if not m:
        sys.exit("rewrite: no node /" + name)
    return m.start(), t.index('\n\t};\n', m.end()) + len('\n\t};\n')


def edit(name, fn):
    global t
    a, b = span(name)
    t = t[:a] + fn(t[a:b]) + t[b:]


def drop(prop):
    def fn(body):
        out, n = re.subn(r'^\t\t' + re.escape(prop) + r'( = [^;]*)?;\n', '', body, flags=re.M)
        if n != 1:
            sys.exit("rewrite: property %s not found once" % prop)
        return out
    return fn


def add(*props):
    def fn(body):
        head, rest = body.split('\n', 1)
        return head + '\n' + ''.join('\t\t%s;\n' % p for p in props) + rest
    return fn


def both(*fns):
    def fn(body):
        for f in fns:
            body = f(body)
        return body
    return fn


gic = re.search(r'^\tinterrupt-parent = <(0x[0-9a-f]+)>;', t, re.M).group(1)
edit('virtio_mmio@a003e00', both(drop('interrupts'), drop('dma-coherent'),
                                 add('interrupts = <0x00 0x05 0x01>',
                                     'interrupts-extended = <%s 0x00 0x2f 0x04>' % gic)))
edit('virtio_mmio@a003c00', add('status = "disabled"'))
edit('virtio_mmio@a003a00', both(drop('interrupts'), add('interrupts = <0x01 0x00 0x04>')))
edit('virtio_mmio@a003600', drop('interrupts'))
edit('virtio_mmio@a003400', both(drop('reg'), add('reg = <0x00 0xa003400 0x00 0x100>')))
edit('virtio_mmio@a003200', both(drop('interrupts'), add('interrupts = <0x00 0x00 0x00>')))
edit('virtio_mmio@a003000', both(drop('interrupts'), add('interrupts = <0x00 0x3db 0x01>')))


def timer(body):
    m = re.search(r'^\t\tinterrupts = <([^>]*)>;\n', body, re.M)
    cells = m.group(1).split()
    if len(cells) != 12 or cells[6:8] != ['0x01', '0x0b']:
        sys.exit("rewrite: the timer's interrupts are not what QEMU used to write")
    ext = ' '.join(gic + ' ' + ' '.join(cells[i:i + 3]) for i in range(0, 12, 3))
    decoy = cells[:6] + ['0x01', '0x0c'] + cells[8:]
    return body[:m.start()] + '\t\tinterrupts = <%s>;\n\t\tinterrupts-extended = <%s>;\n' % (
        ' '.join(decoy), ext) + body[m.end():]


edit('timer', timer)
a, b = span('virtio_mmio@a003800')
console = t[a:b]
t = t[:a] + t[b:]
if 'interrupt-parent' in console or 'interrupts = <0x00 0x2c 0x01>' not in console:
    sys.exit("rewrite: the console node is not what QEMU used to write")
console = console.replace('\tvirtio_mmio@a003800 {', '\tvirtio_mmio@800 {')
console = console.replace('reg = <0x00 0xa003800 0x00 0x200>', 'reg = <0x800 0x200>')
console = ''.join('\t\t' + line + '\n' for line in console.rstrip('\n').split('\n'))
buses = ('\tvariants-intc {\n\t\tinterrupt-controller;\n\t\t#interrupt-cells = <0x01>;\n'
         '\t\tphandle = <0x7000>;\n\t};\n\n'
         '\tvirtio-outer {\n\t\tcompatible = "simple-bus";\n\t\t#address-cells = <0x02>;\n'
         '\t\t#size-cells = <0x02>;\n\t\tranges;\n\t\tinterrupt-parent = <0x7000>;\n\n'
         '\t\tvirtio-inner {\n\t\t\tcompatible = "simple-bus";\n\t\t\t#address-cells = <0x01>;\n'
         '\t\t\t#size-cells = <0x01>;\n\t\t\tranges = <0x00 0x00 0xa003000 0x1000>;\n'
         '\t\t\tinterrupt-parent = <%s>;\n\n%s\t\t};\n\t};\n' % (gic, console))
end = t.rindex('\n};')
t = t[:end] + '\n' + buses + t[end:]
open(dst, 'w').write(t)
EOF
}

# FNV-1a 64 over a file, as blkapp's blk=check folds the disk.
fnv() {
    python3 -c 'import sys
h = 0xcbf29ce484222325
for b in open(sys.argv[1], "rb").read():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
print("%016x" % h)' "$1"
}

# GICD_ICFGR bit of INTID n, read through the monitor: 1 edge, 0 level.
icfgr_edge() { # monitor-socket intid
    local addr=$((0x08000c00 + $2 / 16 * 4)) out word
    out=$(python3 tools/qemu-monitor.py "$1" "xp /1wx $addr" | tr -d '\r')
    word=$(sed -n 's/^[0-9a-f]*: \(0x[0-9a-f]*\)$/\1/p' <<<"$out")
    [[ -n $word ]] || { echo "?"; return; }
    echo $(((word >> ($2 % 16 * 2 + 1)) & 1))
}

for arch in arm aarch64; do
    gic=2 lines=288
    [[ $arch == aarch64 ]] && gic=3 lines=256
    dir=$LOGDIR/dt-variants-$arch
    rm -rf "$dir"
    mkdir -p "$dir"
    log=$dir/boot.log
    disk=$dir/disk.img
    head -c $((1 << 20)) /dev/urandom >"$disk"

    # The device tree QEMU writes for exactly this command line.
    opts=(--arch "$arch" --gic "$gic" --devices "$DEVICES" --disk "$disk")
    if ! qemu_dts "$dir" "build/$arch/firmware.elf" "${opts[@]}" ||
        ! rewrite "$dir/qemu.dts" "$dir/variants.dts" 2>>"$dir/dtc.err" ||
        ! dtc -q -I dts -O dtb -o "$dir/variants.dtb" "$dir/variants.dts" 2>>"$dir/dtc.err"; then
        fail "$arch: could not make the variant device tree: $(head -c 400 "$dir/dtc.err")"
        continue
    fi
    pass "$arch: QEMU's device tree rewritten ($(grep -c 'virtio,mmio' "$dir/variants.dts") virtio nodes)"

    port=$(free_port)
    mon=$(mktemp -u /tmp/vbare-mon.XXXXXX)
    timeout --kill-after=5 60 tools/qemu-run.sh "${opts[@]}" --dtb "$dir/variants.dtb" --hostfwd "$port" \
        --append "blk=check" --monitor "unix:$mon,server=on,wait=off" "build/$arch/firmware.elf" >"$log" 2>&1 &
    pid=$!
    wait_for "$log" '^net: ready' "$pid" 30

    expect_grep "$log" '^dt: device tree at 0x40000000, ' "$arch: the rewritten tree is read, not the fallback"
    expect_line "$log" "virtio: WARNING: virtio_mmio@a003400: register window 0x100 bytes, less than virtio-mmio's 0x200; skipped" \
        "$arch: a 0x100-byte window is refused, the node named"
    expect_line "$log" "virtio: WARNING: virtio_mmio@a003a00: interrupt 16 is a PPI, not an SPI; the device will be polled" \
        "$arch: interrupt <PPI 0> is refused, the node named"
    expect_line "$log" "virtio: WARNING: virtio_mmio@a003600: no interrupts property; the device will be polled" \
        "$arch: a node without interrupts is named"
    expect_line "$log" "virtio: WARNING: virtio_mmio@a003200: interrupts unusable (bad property value); the device will be polled" \
        "$arch: interrupt <0 0 0> (no trigger) is refused, the node named"
    expect_line "$log" "virtio: WARNING: virtio_mmio@a003000: interrupt 1019 is beyond the GICv$gic's $lines lines; the device will be polled" \
        "$arch: an SPI the GIC does not have is refused, the node named"
    expect_no_grep "$log" 'WARNING: virtio_mmio@(a003e00|a003c00|800): ' "$arch: no warning for the good nodes"
    expected="virtio-mmio@0x0a003600 irq none v1 dev 4 (rng) vendor 0x554d4551
virtio-mmio@0x0a003800 irq 76 v1 dev 3 (console) vendor 0x554d4551
virtio-mmio@0x0a003a00 irq none v1 dev 2 (blk) vendor 0x554d4551
virtio-mmio@0x0a003e00 irq 79 level v1 dev 1 (net) vendor 0x554d4551 non-coherent"
    actual=$(tr -d '\r' <"$log" | grep '^virtio-mmio@')
    if [[ $expected == "$actual" ]]; then
        pass "$arch: probe table: interrupts-extended over interrupts, level; inherited interrupt-parent through an #address-cells 1 bus; disabled rng absent; no SGI 0 anywhere"
    else
        fail "$arch: probe table differs; expected:"$'\n'"$expected"$'\n'"got:"$'\n'"$actual"
    fi
    expect_line "$log" "virtio: 4 devices, 26 empty slots, 2 nodes skipped" "$arch: the disabled and the refused node are skipped"
    expect_grep "$log" "^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \\(virtio-mmio v1, polled: no interrupt\\)\$" \
        "$arch: rng without an interrupt reads by polling"
    expect_line "$log" "blk: no interrupt: completions are polled" "$arch: blk without a usable interrupt says it polls"
    expect_line "$log" "blk: checksum $(fnv "$disk") over 2048 sectors (ok, 0)" \
        "$arch: blk reads the whole disk by polling, byte-exact"
    expect_line "$log" "console: virtio-console at 0x0a003800, port 0 echoes (no MULTIPORT)" \
        "$arch: console through the inherited interrupt-parent starts"
    expect_grep "$log" "^timer: [0-9]+ Hz, interrupt 27\$" "$arch: the timer's PPI from interrupts-extended, not the decoy"
    expect_grep "$log" "^irq: timer interrupts arrive through GICv$gic\$" "$arch: the timer ticks"
    expect_grep "$log" '^net: dhcp: bound 10\.0\.2\.15/24 gw 10\.0\.2\.2 ' "$arch: DHCP through the level-triggered interrupts-extended net"
    expect_grep "$log" '^net: ping 10\.0\.2\.2: 3/3 replies' "$arch: the guest's ping is answered"
    expect_echo "$arch: UDP echo" 127.0.0.1 "$port" 1 256
    # What the GIC was told: net (INTID 79) level, console (76) edge.
    e79=$(icfgr_edge "$mon" 79) e76=$(icfgr_edge "$mon" 76)
    [[ $e79 == 0 ]] && pass "$arch: GICD_ICFGR: INTID 79 (net, level in the tree) is level-sensitive" ||
        fail "$arch: GICD_ICFGR: INTID 79 reads edge=$e79, want 0 (level)"
    [[ $e76 == 1 ]] && pass "$arch: GICD_ICFGR: INTID 76 (console, edge in the tree) is edge-triggered" ||
        fail "$arch: GICD_ICFGR: INTID 76 reads edge=$e76, want 1"
    expect_no_grep "$log" 'CRASH|broke a ring|failed' "$arch: no crash, no ring fault, no driver failure"
    rm -f "$mon"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
finish
