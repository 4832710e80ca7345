#!/usr/bin/env bash
# bench-instr.sh [--short] ARCH... - the firmware's own cost in guest
# instructions, deterministic: QEMU runs with -icount shift=0 and the
# firmware counts retired instructions itself (apps/bench.h, boot argument
# `bench`): the PMU's event 0x08 on arm and aarch64, the instret CSR on
# riscv64 (OpenSBI opens it to S-mode through mcounteren).  Under -icount
# QEMU counts both exactly.
# For each ARCH (default arm aarch64 riscv64) it boots the firmware on a TAP
# device inside a network namespace created here (192.0.2.0/24), sends N
# pings, N UDP echoes (sizes 1..N) and N stop-and-wait TCP echoes of 64
# bytes on one connection (tools/tcpbench.c), then types the shell's `bench`
# command and reads its serial lines.  The TCP figure counts every segment
# the firmware sends from port 7 as the first after an interrupt: the N
# echoes (each with its ACK), the SYN-ACK and the FIN.  Prints a markdown
# table with one column per ARCH; SKIP lines for what it cannot run; the
# consoles are in build/bench/instr-ARCH.log.
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000
if [[ ${1:-} == --short ]]; then
    n=50
    shift
fi
(($#)) || set -- arm aarch64 riscv64
for arch in "$@"; do
    case $arch in
    arm | aarch64 | riscv64) ;;
    *) echo "usage: $0 [--short] [arm] [aarch64] [riscv64] (not '$arch')" >&2; exit 2 ;;
    esac
done
NS=vbare-bi-$$
cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
. tools/tapns.sh
if ! tapns_up "$NS" tap0 192.0.2.1; then
    echo "SKIP: instruction counts: $TAPNS_ERR"
    exit 0
fi
mkdir -p build/bench
TCPBENCH=build/host/tcpbench
if [[ ! -x $TCPBENCH || tools/tcpbench.c -nt $TCPBENCH ]]; then
    mkdir -p build/host
    gcc -std=c11 -Wall -Wextra -Werror -O2 -o "$TCPBENCH" tools/tcpbench.c >&2 ||
        { echo "SKIP: instruction counts: tools/tcpbench.c did not build"; exit 0; }
fi
declare -A V=() # "arch|key" -> value
notes=()
for arch in "$@"; do
    log=build/bench/instr-$arch.log
    if [[ ! -f build/$arch/firmware.elf ]]; then
        notes+=("SKIP: instruction counts: $arch: no build/$arch/firmware.elf (make ARCH=$arch)")
        continue
    fi
    if ! ip netns exec "$NS" python3 tools/serial-drive.py "$log" \
        'wait:^net: ready' \
        "run:ping -c $n -i 0.005 -q -W 1 192.0.2.2 >/dev/null" \
        "run:python3 tools/udp-echo-check.py 192.0.2.2 7 1 $n >/dev/null" \
        "run:$TCPBENCH rr 192.0.2.2 7 64 $n 120 >/dev/null" \
        'send:' 'send:bench' 'wait:^bench: tcp_echo' \
        -- tools/qemu-run.sh --arch "$arch" --devices net,rng --net tap:tap0 --icount \
        --append "ip=192.0.2.2::192.0.2.1:255.255.255.0 bench" "build/$arch/firmware.elf" >&2; then
        notes+=("SKIP: instruction counts: $arch: the run did not complete (see $log)")
        continue
    fi
    while read -r k v; do
        V[$arch|$k]=$v
    done < <(tr -d '\r' <"$log" | awk '
        /^bench: reset_to_ready=/ { split($2, kv, "="); print "ready", kv[2] }
        /^bench: (icmp|udp|tcp)_echo n=/ {
            for (i = 3; i <= NF; i++) if (split($i, kv, "=") == 2) print $2 "_" kv[1], kv[2]
        }')
    # Without a readable counter the firmware measures nothing: every figure
    # is 0 (board_instructions() returns 0 when arch_pmu_present() is false).
    if [[ ${V[$arch|ready]:-0} == 0 ]]; then
        notes+=("SKIP: instruction counts: $arch: the firmware read no instruction counter (reset to ready = ${V[$arch|ready]:-none}: arch_pmu_present() false; see $log)")
        for k in "${!V[@]}"; do [[ $k == "$arch|"* ]] && unset "V[$k]"; done
    fi
done

head="| figure |" rule="|---|"
for arch in "$@"; do head+=" $arch |" rule+="---:|"; done
echo "$head"
echo "$rule"
row() { # LABEL KEY
    local line="| $1 |" arch
    for arch in "${@:3}"; do line+=" ${V[$arch|$2]:-—} |"; done
    echo "$line"
}
row "reset to network ready (\`boot_main\` to the static address)" ready "$@"
for s in icmp_echo udp_echo tcp_echo; do
    case $s in
    icmp_echo) what="ICMP echo (56 B)" ;;
    udp_echo) what="UDP echo (1..$n B)" ;;
    tcp_echo) what="TCP echo ($n × 64 B, stop-and-wait; + SYN-ACK, FIN)" ;;
    esac
    row "$what: samples" "${s}_n" "$@"
    for st in median min p99 max; do
        row "$what, RX interrupt to reply queued: $st" "${s}_$st" "$@"
    done
done
for note in "${notes[@]}"; do
    echo
    echo "$note"
done
