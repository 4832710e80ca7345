#!/usr/bin/env bash
# trace-echo.sh [--count N] ARCH... - where one echo's guest instructions go,
# stage by stage (issue 12's per-stage table in docs/PERFORMANCE.md).
#
# Boots build/ARCH/firmware.elf under QEMU with -icount and QEMU's
# `-d in_asm,exec,nochain` log (every translated block and every execution
# of one), on a TAP device in a network namespace made here (host
# 192.0.2.1/24, guest 192.0.2.2 with a static ip= and a permanent neighbour
# entry, so no ARP exchange joins an echo).  Once the boot has settled it
# sends N pings (56 bytes) and N UDP datagrams (56..55+N bytes to port 7),
# 0.3 s apart so that each is answered before the next arrives, then stops QEMU
# and hands the log to tools/trace-stages.py, which prints the table: the
# instructions of each stage from the interrupt vector to the WFI of the
# idle loop, the median over the echoes.  Deterministic: the same firmware
# gives the same table, whatever the host's load.  The log (hundreds of MB)
# is build/bench/trace-ARCH.log and is removed afterwards unless
# --keep is given.  ARCH: arm, aarch64 or riscv64 (default arm aarch64).
#
# What this machine cannot do (no root, no TAP) is a "SKIP: ..." line.  Only
# the QEMU started here is stopped, by PID; traffic goes only to 192.0.2.2
# inside the namespace, which is removed.
set -euo pipefail
cd "$(dirname "$0")/.."
n=10 keep=0 arches=()
while (($#)); do
    case $1 in
    --count) (($# >= 2)) || { echo "trace-echo.sh: --count needs a value" >&2; exit 2; }
        n=$2; shift ;;
    --keep) keep=1 ;;
    arm | aarch64 | riscv64) arches+=("$1") ;;
    *) echo "trace-echo.sh: unknown argument '$1' (try: --count N, --keep, arm, aarch64, riscv64)" >&2; exit 2 ;;
    esac
    shift
done
((${#arches[@]})) || arches=(arm aarch64)
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "trace-echo.sh: --count needs a positive number, not '$n'" >&2; exit 2; }
tools/deps.sh test >&2 || exit 1 # QEMU (arm, riscv), ip, ping, python3, the cross binutils
declare -A CROSS=([arm]=arm-none-eabi- [aarch64]=aarch64-linux-gnu- [riscv64]=riscv64-unknown-elf-)
NS=vbare-te-$$
qpid=
cleanup() {
    [[ -n $qpid ]] && kill "$qpid" 2>/dev/null && wait "$qpid" 2>/dev/null
    ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
. tools/tapns.sh
if ! tapns_up "$NS" tap0 192.0.2.1; then
    echo "SKIP: stage trace: $TAPNS_ERR"
    exit 0
fi
ip netns exec "$NS" ip neigh replace 192.0.2.2 lladdr 52:54:00:c0:00:02 dev tap0 nud permanent
mkdir -p build/bench
for arch in "${arches[@]}"; do
    elf=build/$arch/firmware.elf
    [[ -f $elf ]] || { echo "SKIP: stage trace: $arch: no $elf (make ARCH=$arch)"; continue; }
    log=build/bench/trace-$arch.log serial=build/bench/trace-$arch.serial
    rm -f "$log" "$serial"
    cmd=$(tools/qemu-run.sh --dry-run --arch "$arch" --devices net --net tap:tap0 \
        --net-opts mac=52:54:00:c0:00:02 --icount \
        --append "ip=192.0.2.2::192.0.2.1:255.255.255.0" "$elf" | tail -n 1)
    cmd=${cmd/-serial stdio/-serial file:$serial}
    eval "ip netns exec $NS $cmd -d in_asm,exec,nochain -D $log &"
    qpid=$!
    # The log slows the guest a hundredfold: wait for the boot, then for the
    # RX ring to fill (the main loop adds buffers for its first turns).
    for _ in $(seq 600); do
        grep -q "^net: ready" "$serial" 2>/dev/null && break
        sleep 0.1
    done
    if ! grep -q "^net: ready" "$serial" 2>/dev/null; then
        echo "SKIP: stage trace: $arch: the firmware did not come up (see $serial)"
        kill "$qpid"; wait "$qpid" 2>/dev/null || true; qpid=
        continue
    fi
    sleep 10
    ip netns exec "$NS" ping -c "$n" -i 0.3 -W 5 -q 192.0.2.2 >/dev/null || true
    # One datagram at a time, each answered before the next (a second frame
    # before the idle loop would join two echoes in one stretch).
    ip netns exec "$NS" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
for i in range(int(sys.argv[1])):
    s.sendto(bytes(56 + i), ("192.0.2.2", 7))
    try:
        s.recvfrom(2048)
    except OSError:
        pass
    time.sleep(0.3)
' "$n" || true
    sleep 1
    kill "$qpid"; wait "$qpid" 2>/dev/null || true; qpid=
    echo "### $arch ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!docs' || echo ', with local changes'))"
    echo
    python3 tools/trace-stages.py "$log" "$elf" "${CROSS[$arch]}nm" "$arch"
    echo
    ((keep)) || rm -f "$log"
done
