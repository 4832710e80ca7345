#!/usr/bin/env bash
# test_bench.sh - the smoke run of `make bench` (tools/bench.sh --short):
# every part produces its table, with a column (or rows) for each ARCH it
# measures.  Figures are not judged here (timing belongs to make bench);
# only that each measurement ran and is well formed.
. "$(dirname "$0")/lib.sh"

out=$LOGDIR/bench-short.md
tools/bench.sh --short >"$out" 2>&1
# bench-rtt's and bench-boot's own PASS/FAIL/SKIP lines (guests up, pings
# answered, echo exact), and bench-instr's SKIP lines
grep -E '^(PASS|FAIL|SKIP):' "$out"

# cell TABLE_HEADER_REGEX ROW_LABEL COLUMN : the cell in the column headed
# COLUMN of the row labelled ROW_LABEL, in the first table whose header
# line matches TABLE_HEADER_REGEX.
cell() {
    HEAD=$1 ROW=$2 COL=$3 awk -F' *[|] *' '
        BEGIN { head = ENVIRON["HEAD"]; row = ENVIRON["ROW"]; col = ENVIRON["COL"] }
        !t && $0 ~ head { for (i = 2; i < NF; i++) if ($i == col) c = i; t = 1; next }
        t && !/^\|/ { exit }
        t && c && $2 == row { print $c; exit }' "$out"
}
# expect_cell WHAT REGEX TABLE_HEADER_REGEX ROW_LABEL COLUMN
expect_cell() {
    local v
    v=$(cell "$3" "$4" "$5")
    if [[ $v =~ ^($2)$ ]]; then
        pass "$1"
    else
        fail "$1: '$4' under '$5' is '${v}', not /$2/ (see $out)"
    fi
}

num='[0-9]+' pos='[1-9][0-9]*'
for arch in $ARCHES; do
    foot='^\| component \| text arm '
    expect_cell "footprint: text of the virtio core ($arch)" "$pos" "$foot" "virtio core" "text $arch"
    expect_cell "footprint: bss of boot/ ($arch)" "$pos" "$foot" "boot" "bss $arch"
    expect_cell "footprint: the linked firmware's text ($arch)" "$pos" "$foot" "**firmware.elf (linked, --gc-sections)**" "text $arch"
    tcpfoot='^\| TCP \| arm \| aarch64 '
    expect_cell "footprint: RAM per TCP connection, buffers included ($arch)" "$pos" "$tcpfoot" \
        "sizeof(struct tcp_conn): RAM per connection, buffers included" "$arch"
    if [[ $arch == arm ]]; then
        expect_cell "footprint: net/tcp.c text under Thumb-2 -Os (arm)" "$pos" "$tcpfoot" \
            "net/tcp.c text, Thumb-2 -Os (arm-none-eabi, -mthumb -Os; bound 8192)" arm
    fi
    for d in virtio-net virtio-blk virtio-console virtio-rng; do
        expect_cell "DMA use of $d, legacy transport ($arch)" "$pos" '^\| driver \| transport \|' "$d" "$arch"
    done
    if grep -q '^SKIP: instruction counts: cannot' "$out"; then
        skip "instruction counts ($arch): $(grep -m1 '^SKIP: instruction counts' "$out")"
    elif grep -q "^SKIP: instruction counts: $arch: the firmware read no instruction counter" "$out"; then
        # The machine's M-mode firmware keeps the counter (riscv64: OpenSBI
        # without mcounteren.IR): nothing to measure with.
        skip "instruction counts ($arch): no instruction counter readable by the firmware here"
    elif grep -q "^SKIP: instruction counts: $arch:" "$out"; then
        # The run did not complete: a failure of this ARCH's firmware.
        fail "instruction counts ($arch): $(grep -m1 "^SKIP: instruction counts: $arch:" "$out")"
    else
        instr='^\| figure \| arm \| aarch64 '
        # shellcheck disable=SC2016  # the backquotes are the table's markdown
        expect_cell "instructions from reset to network ready ($arch)" "$pos" "$instr" \
            'reset to network ready (`boot_main` to the static address)' "$arch"
        expect_cell "ICMP echoes measured ($arch)" 50 "$instr" "ICMP echo (56 B): samples" "$arch"
        expect_cell "instruction count per ICMP echo ($arch)" "$pos" "$instr" \
            "ICMP echo (56 B), RX interrupt to reply queued: median" "$arch"
        expect_cell "UDP echoes measured ($arch)" 50 "$instr" "UDP echo (1..50 B): samples" "$arch"
        expect_cell "instruction count per UDP echo ($arch)" "$pos" "$instr" \
            "UDP echo (1..50 B), RX interrupt to reply queued: median" "$arch"
        # 50 echoes, plus the SYN-ACK and the FIN (each the first segment
        # sent after an interrupt): at least the 50 echoes.
        tcpi="TCP echo (50 × 64 B, stop-and-wait; + SYN-ACK, FIN)"
        expect_cell "TCP segments measured ($arch)" '5[0-9]' "$instr" "$tcpi: samples" "$arch"
        expect_cell "instruction count per TCP echo ($arch)" "$pos" "$instr" \
            "$tcpi, RX interrupt to reply queued: median" "$arch"
    fi
    # Round trips: bench-rtt --short's own PASS/FAIL/SKIP line per guest
    # (printed above); that one came for each ARCH.  Only what this machine
    # lacks (a tool, a writable folder, a network namespace) is a SKIP: a
    # guest of ours left out (no firmware, no QEMU for it) or no table at
    # all (bench-rtt ended early) is a failure.
    if grep -q "^SKIP: bench-rtt: vbare-$arch:" "$out"; then
        fail "round trips ($arch): $(grep -m1 "^SKIP: bench-rtt: vbare-$arch:" "$out")"
    elif ! grep -q '^| figure | better |' "$out"; then
        if grep -Eq '^SKIP: bench-rtt: (no [^ ]+ here|cannot )' "$out"; then
            skip "round trips ($arch): $(grep -E -m1 '^SKIP: bench-rtt: (no [^ ]+ here|cannot )' "$out")"
        else
            fail "round trips ($arch): bench-rtt printed no table and no SKIP for this machine (see $out)"
        fi
    else
        expect_grep "$out" "^PASS: bench-rtt --short: vbare-$arch: " "round trips: vbare-$arch up, pings answered, UDP echo exact"
        expect_cell "round trips: ping RTT p50 ($arch)" "$num \\(n=1\\)" '^\| figure \| better \|' "ping RTT p50 (µs)" "vbare $arch"
        # TCP (tools/tcpbench.c): the echo was exact and closed cleanly, and
        # each figure came (not judged).
        expect_grep "$out" "^PASS: bench-rtt --short: vbare-$arch: .*, TCP echo exact\$" \
            "TCP echo through tcpbench: vbare-$arch exact, closed cleanly"
        tcpt='^\| TCP figure \| better \|'
        expect_cell "TCP stop-and-wait 1 B rate ($arch)" "$pos \\(n=1\\)" "$tcpt" "TCP stop-and-wait 1 B (round trips/s)" "vbare $arch"
        expect_cell "TCP stop-and-wait 64 B p50 ($arch)" "$pos \\(n=1\\)" "$tcpt" "TCP stop-and-wait 64 B p50 (µs)" "vbare $arch"
        expect_cell "TCP bulk echo rate ($arch)" '[0-9]+\.[0-9]{2} \(n=1\)' "$tcpt" "TCP bulk echo 256 KiB (MB/s echoed)" "vbare $arch"
    fi
    # Boot to network (tools/bench-boot.sh --short, arm and aarch64 only):
    # one boot of the floor guest and one of the firmware per ARCH; that
    # each gave its figure.
    [[ $arch == riscv64 ]] && continue
    # Its floor guest that did not build, or no firmware, is a failure;
    # what this machine lacks (a tool, a network namespace) a SKIP.
    if grep -Eq '^SKIP: bench-boot: (the floor guest did not build|no [^ ]*/firmware\.elf)' "$out"; then
        fail "boot to network ($arch): $(grep -E -m1 '^SKIP: bench-boot: (the floor guest|no [^ ]*/firmware)' "$out")"
    elif grep -q '^SKIP: bench-boot' "$out"; then
        skip "boot to network ($arch): $(grep -m1 '^SKIP: bench-boot' "$out")"
    else
        n='[0-9]+\.[0-9] \(n=1\)' d='-?[0-9]+\.[0-9]'
        expect_grep "$out" "^\\| $arch \\| net \\| $n \\| $n \\| $n \\| $d \\| $d \\|\$" \
            "boot to network from QEMU's exec: floor, first byte, first ping reply, difference ($arch)"
        # the last column, reply less the first serial byte, is negative:
        # the firmware holds its log until the network has answered
        expect_grep "$out" "^\\| $arch \\| net \\| $n \\| $n \\| $d \\| $d \\| -?$n \\|\$" \
            "boot to network from the TAP attach: floor, first ping reply, difference, reply less first byte ($arch)"
        # QEMU's CPU time over that stretch (bench-boot.py's cpu_*_ms)
        expect_grep "$out" "^\\| $arch \\| net \\| $n \\| $n \\| $d \\| $d \\|\$" \
            "boot to network, QEMU's CPU time: floor, first ping reply, difference ($arch)"
        # the firmware's boot stages (bootstage), first and last
        expect_cell "boot stages: the device tree read ($arch)" '[0-9]+\.[0-9]{2}' '^\| stage \|' \
            "device tree read" "$arch net"
        expect_cell "boot stages: the network's first poll ($arch)" '[0-9]+\.[0-9]{2}' '^\| stage \|' \
            "network's first poll" "$arch net"
    fi
done
# tools/trace-echo.sh (an echo by stage, not part of make bench's report):
# one ARCH, three echoes of each kind; that both kinds were cut out of the
# log and each stage and the total came out as numbers.  About 30 s.
tarch=aarch64
[[ " $ARCHES " == *" aarch64 "* ]] || tarch=${ARCHES%% *}
tout=$LOGDIR/trace-echo-$tarch.md
tools/trace-echo.sh --count 3 "$tarch" >"$tout" 2>&1
if grep -q "^SKIP: stage trace: $tarch:" "$tout"; then
    # no firmware, or it did not come up within the minute: a failure
    fail "stage trace ($tarch): $(grep -m1 "^SKIP: stage trace: $tarch:" "$tout")"
elif grep -q '^SKIP: stage trace' "$tout"; then
    skip "stage trace ($tarch): $(grep -m1 '^SKIP: stage trace' "$tout")"
else
    expect_grep "$tout" '^\| stage \| ICMP echo \(median of [1-3]\) \| UDP echo \(median of [1-3]\) \|' \
        "stage trace ($tarch): echoes of both kinds cut out of QEMU's log"
    expect_grep "$tout" '^\| \*\*total, interrupt to idle\*\* \| \*\*[1-9][0-9]+\*\* \| \*\*[1-9][0-9]+\*\* \|' \
        "stage trace ($tarch): a total for each kind"
    expect_grep "$tout" '^\| TX add: driver and descriptors \| [1-9][0-9]* \| [1-9][0-9]* \|' \
        "stage trace ($tarch): the TX add found in the trace"
fi
# tools/tb-cost.sh (the price of code run once, PERFORMANCE.md): one run of
# each guest on one ARCH; that every guest built, wrote its byte and got
# its row.  A few seconds.
# Its guests are arm and aarch64 only: not riscv64's, whatever tarch is.
carch=
for a in aarch64 arm; do [[ " $ARCHES " == *" $a "* ]] && { carch=$a; break; }; done
cout=$LOGDIR/tb-cost-$carch.md
if [[ -z $carch ]]; then
    skip "tb-cost: neither arm nor aarch64 in ARCHES ($ARCHES)"
elif tools/tb-cost.sh --runs 1 "$carch" >"$cout" 2>&1; then
    for shape in "10000 x 5" "5000 x 10" "2500 x 20"; do
        expect_grep "$cout" "^\| $shape \| [0-9]+\.[0-9] \| [0-9.]+-[0-9.]+ \| -?[0-9]+\.[0-9] \| -?[0-9.]+ us \| -?[0-9.]+ us \|\$" \
            "tb-cost ($carch): the guest of $shape blocks x instructions timed"
    done
else
    fail "tb-cost ($carch): $(tail -1 "$cout") (see $cout)"
fi
finish
