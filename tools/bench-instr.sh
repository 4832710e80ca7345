#!/usr/bin/env bash
# bench-instr.sh [--short] ARCH... - the firmware's own cost in guest
# instructions, deterministic: QEMU runs with -icount shift=0 and the
# firmware counts retired instructions with the PMU (apps/bench.h).
# For each ARCH it boots the firmware on a TAP device inside a network
# namespace created here (192.0.2.0/24), sends N pings and N UDP echoes,
# then asks the shell's `bench` command for the figures.
# Prints a markdown table; prints SKIP lines for what it cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."
n=1000
if [[ ${1:-} == --short ]]; then
    n=50
    shift
fi
(($#)) || set -- aarch64 arm
NS=vbare-bi-$$
cleanup() { ip netns del "$NS" 2>/dev/null || true; }
trap cleanup EXIT
if [[ $(id -u) -ne 0 ]] || ! ip netns add "$NS" 2>/dev/null || ! ip netns exec "$NS" ip tuntap add dev tap0 mode tap 2>/dev/null; then
    echo "SKIP: instruction counts: cannot create a network namespace with a TAP device here"
    exit 0
fi
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip addr add 192.0.2.1/24 dev tap0
ip netns exec "$NS" ip link set tap0 up
mkdir -p build/bench
echo "| ARCH | metric | samples | min | median | p99 | max |"
echo "|---|---|---:|---:|---:|---:|---:|"
for arch in "$@"; do
    log=build/bench/instr-$arch.log
    ip netns exec "$NS" python3 tools/serial-drive.py "$log" \
        'wait:^net: ready' \
        "run:ping -c $n -i 0.005 -q -W 1 192.0.2.2 >/dev/null" \
        "run:python3 tools/udp-echo-check.py 192.0.2.2 7 1 $n >/dev/null" \
        'send:' 'send:bench' 'wait:^bench: udp_echo' \
        -- tools/qemu-run.sh --arch "$arch" --devices net,rng --net tap:tap0 --icount \
        --append "ip=192.0.2.2::192.0.2.1:255.255.255.0 bench" "build/$arch/firmware.elf" >&2 ||
        { echo "SKIP: $arch: the run did not complete (see $log)"; continue; }
    tr -d '\r' <"$log" | awk -v arch="$arch" '
        /^bench: reset to network ready:/ { printf "| %s | reset to network ready (instructions) | 1 | | %s | | |\n", arch, $6 }
        /^bench: (icmp|udp)_echo n=/ {
            for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            what = ($2 == "icmp_echo") ? "ICMP echo, RX interrupt to reply queued" : "UDP echo, RX interrupt to reply queued"
            printf "| %s | %s (instructions) | %s | %s | %s | %s | %s |\n", arch, what, v["n"], v["min"], v["median"], v["p99"], v["max"]
        }'
done
