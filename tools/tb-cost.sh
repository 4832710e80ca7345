#!/usr/bin/env bash
# tb-cost.sh [--runs N] [ARCH...] - what QEMU's TCG charges for code that
# runs once: the model behind docs/PERFORMANCE.md's "Boot to network".
#
# Builds guests like the floor of make bench (tools/floor-guest/: one byte
# to the PL011, then WFI) with straight-line code before the byte: B blocks
# of K instructions each, every block a load, a store, a byte load and
# arithmetic, ended by a conditional branch (each one a translation block
# of its own, as a branch ends one).  Each runs once, as boot code does.  The
# guests take turns N times (default 20); for each the median of QEMU's CPU
# time (all its threads, /proc/PID/task/*/schedstat) from its exec to the
# byte, and the difference to the floor per block and per instruction.
# Three guests of the same instruction count, 50,000, in 10,000 blocks of
# 5, 5,000 of 10 and 2,500 of 20, tell the price of a block from the price
# of an instruction (smaller guests drown in the spread of QEMU's start).  ARCH: arm aarch64 (default both).  Nothing but QEMU runs;
# no network.  A guest without its byte within TB_COST_WAIT_S seconds
# (default 30) ends the script with an error, its QEMU killed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C
runs=20 arches=()
while (($#)); do
    case $1 in
    --runs) (($# >= 2)) || { echo "tb-cost: --runs needs a value" >&2; exit 2; }
        runs=$2; shift ;;
    arm | aarch64) arches+=("$1") ;;
    *) echo "usage: $0 [--runs N] [arm] [aarch64]" >&2; exit 2 ;;
    esac
    shift
done
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "tb-cost: --runs takes 1..99" >&2; exit 2; }
((${#arches[@]})) || arches=(arm aarch64)
OUT=build/bench/tbcost
# Blocks x instructions per block: the floor, then 50,000 instructions
# three ways.
SHAPES=("0 0" "10000 5" "5000 10" "2500 20")

# block ARCH K: one block of K >= 5 instructions (K - 5 more arithmetic
# ones in the middle), ended by a branch to the next.  On arm the first add
# sets the flags for the bne (which goes to the next instruction either
# way), so that a block is K instructions there too, not K + 1 with a cmp.
block() {
    local a=$1 k=$2 i
    if [[ $a == aarch64 ]]; then
        echo "    ldr x3, [x0]"
        echo "    add x3, x3, #3"
        for ((i = 5; i < k; i++)); do echo "    add x2, x2, #1"; done
        echo "    str x3, [x0, #8]"
        echo "    ldrb w4, [x0, #17]"
        echo "    cbnz x5, 1f"
    else
        echo "    ldr r3, [r0]"
        echo "    adds r3, r3, #3"
        for ((i = 5; i < k; i++)); do echo "    add r2, r2, #1"; done
        echo "    str r3, [r0, #8]"
        echo "    ldrb r4, [r0, #17]"
        echo "    bne 1f"
    fi
    echo "1:"
}

# guest ARCH B K -> OUT/ARCH-B-K/ARCH.elf
guest() {
    local a=$1 b=$2 k=$3 d=$OUT/$1-$2-$3 i n
    # the per-instruction column divides by B x K: a block must be K long
    n=$(block "$a" "$k" | grep -c '^    ')
    if ((b && n != k)); then
        echo "tb-cost: a block of $k instructions on $a came out $n long" >&2
        return 1
    fi
    mkdir -p "$d"
    {
        echo '    .section .text.boot, "ax"'
        echo '    .global _start'
        echo '_start:'
        if [[ $a == aarch64 ]]; then
            echo '    mov x5, #0'
            echo '    ldr x0, =0x40400000'
        else
            echo '    movw r0, #0'
            echo '    movt r0, #0x4040'
        fi
        for ((i = 0; i < b; i++)); do block "$a" "$k"; done
        if [[ $a == aarch64 ]]; then
            printf '    mov x0, #0x09000000\n    mov w1, #%s\n    str w1, [x0]\n2:  wfi\n    b 2b\n' "'!'"
        else
            printf '    mov r0, #0x09000000\n    mov r1, #%s\n    str r1, [r0]\n2:  wfi\n    b 2b\n' "'!'"
        fi
        echo '    .ltorg'
    } >"$d/src.S.new"
    if ! cmp -s "$d/src.S.new" "$d/$a.S" 2>/dev/null; then
        mv "$d/src.S.new" "$d/$a.S"
    else
        rm -f "$d/src.S.new"
    fi
    # (errexit is off in the $(...) that calls this: the failure by hand)
    tools/build-tiny-guest.sh "$d" "$d" "$a" >/dev/null || return 1
    echo "$d/$a.elf"
}

tools/deps.sh test >&2 || exit 1
for a in "${arches[@]}"; do
    imgs=()
    for s in "${SHAPES[@]}"; do
        read -r b k <<<"$s"
        img=$(guest "$a" "$b" "$k") || { echo "tb-cost: the $a guest of $b x $k did not build" >&2; exit 1; }
        imgs+=("$img")
    done
    if [[ $a == aarch64 ]]; then
        qemu=(qemu-system-aarch64 -M virt,gic-version=2 -cpu cortex-a53)
    else
        qemu=(qemu-system-arm -M virt,gic-version=2 -cpu cortex-a15)
    fi
    echo "### $a: QEMU's CPU time from exec to the first serial byte, median of $runs"
    echo
    python3 - "$runs" "${SHAPES[@]}" -- "${imgs[@]}" -- "${qemu[@]}" -m 128M -nic none -display none \
        -monitor none -serial stdio -no-reboot <<'EOF'
import os, select, signal, statistics, subprocess, sys, time

args = sys.argv[1:]
runs = int(args[0])
i = args.index("--")
shapes = [tuple(map(int, s.split())) for s in args[1:i]]
j = args.index("--", i + 1)
imgs = args[i + 1:j]
qemu = args[j + 1:]


def cpu_ms(pid):
    t = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as f:
            t += int(f.read().split()[0])
    return t / 1e6


# A guest that never writes its byte (QEMU up, the guest stuck) would hold
# a blocking read for ever: each waits at most this long.
WAIT_S = float(os.environ.get("TB_COST_WAIT_S", "30"))
# SIGTERM (a timeout around this script, a test harness) as an exception,
# so that the QEMU being timed is killed on the way out, not left behind.
signal.signal(signal.SIGTERM, lambda *_: sys.exit("tb-cost: terminated"))


def first_byte(p):
    fd = p.stdout.fileno()
    end = time.monotonic() + WAIT_S
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        if select.select([fd], [], [], left)[0]:
            return os.read(fd, 1) != b""


res = {img: [] for img in imgs}
for _ in range(runs):
    for img in imgs:
        p = subprocess.Popen(qemu + ["-kernel", img], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            if not first_byte(p):
                sys.exit(f"tb-cost: {img} wrote nothing (QEMU exited, or nothing within {WAIT_S:g} s)")
            res[img].append(cpu_ms(p.pid))
        finally:
            p.kill()
            p.wait()
floor = statistics.median(res[imgs[0]])
print("| blocks x instructions | CPU ms (median) | min-max | minus the floor | per block | per instruction |")
print("|---|---:|---:|---:|---:|---:|")
for (b, k), img in zip(shapes, imgs):
    m = statistics.median(res[img])
    row = f"| {b} x {k} | {m:.1f} | {min(res[img]):.1f}-{max(res[img]):.1f} |"
    if b:
        d = m - floor
        row += f" {d:.1f} | {d * 1000 / b:.1f} us | {d * 1000 / (b * k):.2f} us |"
    else:
        row += " (the floor) | | |"
    print(row)
print()
EOF
done
