# lib.sh - helpers for the QEMU system tests (sourced).
# A test prints one "PASS: what" or "FAIL: what: why" line per assertion and
# "SKIP: what: why" for what this machine cannot run; tools/run-tests.sh
# counts them.  QEMU runs under `timeout`, so a hung guest ends the boot, and
# only the processes a test started are ever signalled.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 1
LOGDIR=build/test-logs/system
mkdir -p "$LOGDIR"
failures=0
# Logs written after this stamp belong to this test (tests run one at a time).
TEST_STAMP=$(mktemp "$LOGDIR/.stamp.XXXXXX")
# QEMU messages a test expects (an extended regex on the text after
# "qemu-system-...: "); a test adds its own with `QEMU_EXPECTED+='|...'`.
# QEMU names the signal when a test ends a boot on purpose.
QEMU_EXPECTED='terminating on signal [0-9]+'

# The ARCHes the tests boot (TEST_ARCHES=riscv64 bash test/system/test_X.sh:
# only those, where a test loops over ARCHES), and what QEMU's virt machine
# looks like on each.
ARCHES=${TEST_ARCHES:-arm aarch64 riscv64}
# virt_slots ARCH : how many virtio-mmio transports QEMU virt has (arm and
# aarch64: 32 at 0x0a000000, 0x200 apart, GIC INTID 48 up; riscv64: 8 at
# 0x10001000, 0x1000 apart, PLIC source 1 up).
virt_slots() { [[ $1 == riscv64 ]] && echo 8 || echo 32; }
# virt_slot ARCH N : "ADDRESS IRQ" of transport N, 0 the lowest address,
# as the probe table prints them: 0x%08x, and the controller's number (on
# riscv64 followed by "level": the PLIC's sources are level-triggered).
virt_slot() {
    if [[ $1 == riscv64 ]]; then
        printf '0x%08x %d level\n' $((0x10001000 + $2 * 0x1000)) $(($2 + 1))
    else
        printf '0x%08x %d\n' $((0x0a000000 + $2 * 0x200)) $((48 + $2))
    fi
}
# virt_dev ARCH K : "ADDRESS IRQ" of the K-th virtio device of the command
# line (0: the first): QEMU fills the transports from the top down.
virt_dev() { virt_slot "$1" $(($(virt_slots "$1") - 1 - $2)); }
# ram_base ARCH : where QEMU virt's RAM starts.
ram_base() { [[ $1 == riscv64 ]] && echo 0x80000000 || echo 0x40000000; }
# irqchip_line ARCH [GIC] : the boot log's interrupt-controller line on
# QEMU virt (GIC 2 or 3 on arm and aarch64).
irqchip_line() {
    case $1 in
    riscv64) echo "irq: PLIC, 97 interrupt lines" ;;
    *) echo "irq: GICv${2:-2}, $([[ ${2:-2} == 2 ]] && echo 288 || echo 256) interrupt lines" ;;
    esac
}
# timer_via ARCH [GIC] : what "irq: timer interrupts arrive through ..." names.
timer_via() { [[ $1 == riscv64 ]] && echo "the supervisor timer interrupt" || echo "GICv${2:-2}"; }

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
skip() { echo "SKIP: $*"; }

# boot LOG SECONDS qemu-run-options... [IMAGE] : boot IMAGE (a .elf or .bin;
# by default build/$arch/firmware.elf, so the --arch option must come first)
# and keep the serial output in LOG.  QEMU's serial reads no test's stdin.
boot() {
    local log=$1 secs=$2
    shift 2
    image_arg "$@"
    timeout --kill-after=5 "$secs" tools/qemu-run.sh "${QARGS[@]}" >"$log" 2>&1 </dev/null
}

# image_arg qemu-run-options... [IMAGE] : the options in QARGS, ending with
# the image to boot.
image_arg() {
    QARGS=("$@")
    local last=${!#}
    [[ $last == *.elf || $last == *.bin ]] || QARGS+=("build/$2/firmware.elf")
}

# boot_until LOG MARKER SECONDS qemu-run-options... : boot in the background
# until a line starting with MARKER appears (or SECONDS pass, or QEMU ends),
# then stop that QEMU (only the process started here is signalled).
boot_until() {
    local log=$1 marker=$2 secs=$3
    shift 3
    image_arg "$@"
    timeout --kill-after=5 "$secs" tools/qemu-run.sh "${QARGS[@]}" >"$log" 2>&1 </dev/null &
    local pid=$!
    wait_for "$log" "^$marker" "$pid" "$secs"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

# wait_for LOG REGEX PID SECONDS : until a line of LOG matches REGEX, the
# process PID ends, or SECONDS pass.  Returns 0 only when the line came.
wait_for() {
    local log=$1 rx=$2 pid=$3 end=$((SECONDS + $4))
    while ((SECONDS < end)); do
        grep -Eq -- "$rx" < <(tr -d '\r' <"$log" 2>/dev/null) && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -Eq -- "$rx" < <(tr -d '\r' <"$log" 2>/dev/null)
}

# expect_line LOG LINE WHAT : the exact line appears in the log.
expect_line() {
    # Not `tr | grep -q` under pipefail: grep quitting early kills tr and
    # the pipeline would report failure for a line that is there.
    if grep -Fxq -- "$2" < <(tr -d '\r' <"$1"); then
        pass "$3"
    else
        fail "$3: no line '$2' in $1"
    fi
}

# expect_grep LOG REGEX WHAT
expect_grep() {
    if grep -Eq -- "$2" < <(tr -d '\r' <"$1"); then
        pass "$3"
    else
        fail "$3: nothing matches /$2/ in $1"
    fi
}

# expect_no_grep LOG REGEX WHAT : LOG has output, and no line matches.  A
# log that is missing or empty (the boot never ran, or wrote elsewhere) is
# a FAIL: there is nothing in it for the absence to say anything about.
expect_no_grep() {
    if [[ ! -s $1 ]]; then
        fail "$3: $1 is missing or empty: nothing to look for /$2/ in"
    elif grep -Eq -- "$2" < <(tr -d '\r' <"$1"); then
        fail "$3: /$2/ matched in $1: $(tr -d '\r' <"$1" | grep -E -m1 -- "$2")"
    else
        pass "$3"
    fi
}

# expect_echo WHAT HOST PORT MIN MAX [PREFIX...] : UDP echo byte-exact for
# every size MIN..MAX (tools/udp-echo-check.py, run behind PREFIX, e.g.
# in_ns): one PASS with its summary, or one FAIL with its last lines.
expect_echo() {
    local what=$1 host=$2 port=$3 lo=$4 hi=$5 out
    shift 5
    if out=$("$@" python3 tools/udp-echo-check.py "$host" "$port" "$lo" "$hi" 2>&1); then
        pass "$what: ${out##*$'\n'}"
    else
        fail "$what: $(echo "$out" | tail -3 | tr '\n' ' ')"
    fi
}

# qemu_dts DIR IMAGE QEMU-RUN-OPTION... - the device tree QEMU writes for
# exactly the qemu-run.sh command line OPTIONS... IMAGE (its dumpdtb), as
# DIR/qemu.dtb and, decompiled, DIR/qemu.dts.  Non-zero with the reason in
# DIR/dtc.err when that fails.  (A test that uses it adds QEMU's "dtb
# dumped" line to QEMU_EXPECTED.)
qemu_dts() {
    local dir=$1 image=$2 dry i
    shift 2
    local -a cmd
    if ! dry=$(tools/qemu-run.sh "$@" --dry-run "$image" 2>"$dir/dtc.err"); then
        echo "qemu-run.sh --dry-run failed" >>"$dir/dtc.err"
        return 1
    fi
    eval "cmd=($dry)"
    for i in "${!cmd[@]}"; do
        [[ ${cmd[$i]} == -M ]] && cmd[$((i + 1))]+=",dumpdtb=$dir/qemu.dtb"
    done
    "${cmd[@]}" >"$dir/dump.out" 2>&1
    dtc -q -I dtb -O dts -o "$dir/qemu.dts" "$dir/qemu.dtb" 2>"$dir/dtc.err"
}

# free_port : a TCP/UDP port nobody listens on right now, on loopback, and
# not one an earlier call of this test gave (nothing listens on that one
# yet either, so the kernel may offer it again: two forwards of one QEMU on
# the same port stop it starting).  $(free_port) is a subshell: the ports
# given are kept in a file.
PORTS_GIVEN=$(mktemp)
free_port() {
    local p tries
    for tries in 1 2 3 4 5 6 7 8; do
        p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        grep -qx "$p" "$PORTS_GIVEN" || break
    done
    echo "$p" >>"$PORTS_GIVEN"
    echo "$p"
}

# qemu_messages_check : QEMU prints every start-up warning and error as
# "qemu-system-ARCH: text" on stderr, which each test keeps in its log.  One
# that the test did not expect fails the test, even when the guest still
# booted: "failed to find romfile" passed on a machine that had the ROM and
# failed 47 tests on one that had not.  A test that wrote no log (it
# booted nothing, or every boot was skipped) gets no PASS for it.  QEMU's
# stderr and the guest's serial output share the log, so a message QEMU
# prints while the guest's line is still open (the shell's "vbare> "
# prompt has no newline) starts in the middle of that line: it is looked
# for anywhere in a line, not only at its start.
qemu_messages_check() {
    local f bad=0 line n=0
    while IFS= read -r -d '' f; do
        n=$((n + 1))
        while IFS= read -r line; do
            fail "QEMU said something this test does not expect, in $f: $line"
            bad=1
        done < <(tr -d '\r' <"$f" | grep -Eo 'qemu-system-[a-z0-9_]+: .*' |
                 grep -Ev "^qemu-system-[a-z0-9_]+: ($QEMU_EXPECTED)" | sort -u)
    done < <(find "$LOGDIR" build/bench -type f -newer "$TEST_STAMP" -print0 2>/dev/null)
    ((bad || !n)) || pass "QEMU started every boot of this test without a warning ($n log files)"
}

finish() {
    qemu_messages_check
    rm -f "$TEST_STAMP" "$PORTS_GIVEN"
    exit $((failures ? 1 : 0))
}
