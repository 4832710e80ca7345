#!/usr/bin/env bash
# bench-rtt.sh [--short] [--runs N] - the round-trip half of make bench: the
# firmware (ARCH=aarch64, and ARCH=arm and riscv64 beside it) and a Debian
# Linux guest (tools/linux-guest/build.sh, arm64 only) under the same QEMU
# command line as the aarch64 firmware, each on a TAP device in a network
# namespace this script creates (host 192.0.2.1/24, guest 192.0.2.2),
# measured from inside that namespace:
#
#   * wall time from QEMU's start to the first ping reply (pinged every 10 ms,
#     ARP retried every 10 ms meanwhile) and to the guest's ready line;
#   * ping round-trip time, median and 99th percentile of PINGS pings;
#   * UDP echo ping-pong (tools/udpbench.c), 64 and 1400 bytes, and at
#     64 bytes the CPU time QEMU's main thread and its vCPU thread spend per
#     round trip (/proc/PID/task/*/schedstat): how much of a round trip is
#     the guest's to cut, and how much QEMU's own I/O path;
#   * a UDP stream with 32 datagrams in flight, 64 and 1400 bytes, for
#     STREAM_MAX seconds;
#   * ping -f -c FLOOD: loss and replies per second;
#   * TCP echo on port 7 (tools/tcpbench.c), one connection each: stop-and-
#     wait round trips of 1 and 64 bytes for PP_SECS seconds (at 64 bytes
#     with QEMU's CPU per round trip, as for UDP), and a bulk
#     echo of BULK_BYTES (sent while the echo is read): a second table.
#
# The guests take turns in every run (vbare aarch64, Linux, vbare arm, vbare
# riscv64), so a slow moment of the host hits all of them.  Every figure is
# the median of the runs with min-max and the run count; the ratio is vbare
# aarch64 over Linux.  Prints a markdown table on stdout, progress on stderr, and keeps
# every guest's console and the raw measurements in build/bench/rtt/.
#
#   --short    a smoke run for make check: one run, a few pings, about a
#              second of each UDP and TCP test, a 256 KiB bulk echo; the
#              Linux guest only if it is already built.  Prints
#              PASS:/FAIL:/SKIP: lines after the table.
#   --runs N   runs of the full mode (default 3)
#
# What this machine cannot do (no root, no network namespaces, no TAP, no
# Linux guest) is a "SKIP: ..." line, never a failure; the exit status is 1
# only when a guest that is there fails (does not come up, wrong echo).
# Traffic goes only to 192.0.2.2 inside the namespace; only the QEMU
# processes started here are stopped, by PID.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C

short=0 runs=3
while (($#)); do
    case $1 in
    --short) short=1 ;;
    --runs) (($# >= 2)) || { echo "bench-rtt: --runs needs a value" >&2; exit 2; }
        runs=$2; shift ;;
    *) echo "usage: $0 [--short] [--runs N]" >&2; exit 2 ;;
    esac
    shift
done
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "bench-rtt: --runs takes 1..99" >&2; exit 2; }

if ((short)); then
    runs=1 PINGS=20 PP_SECS=1 STREAM_COUNT=100000 STREAM_MAX=1 FLOOD=200 LIMIT=60
    BULK_BYTES=262144
else
    PINGS=1000 PP_SECS=2 STREAM_COUNT=1000000 STREAM_MAX=2 FLOOD=5000 LIMIT=300
    BULK_BYTES=4194304
fi
WINDOW=32
HOST_IP=192.0.2.1 GUEST_IP=192.0.2.2 TAP=tap0 MEM=128M
IPARG="ip=$GUEST_IP::$HOST_IP:255.255.255.0"
LG=build/linux-guest
OUT=build/bench/rtt
UDPBENCH=build/host/udpbench
TCPBENCH=build/host/tcpbench
NS=vbare-bench-$$

notes=()        # SKIP:/FAIL:/PASS: lines, printed after the table
guests=()
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
failures=0
note() { notes+=("$*"); echo "bench-rtt: $*" >&2; }
fail() { note "FAIL: $*"; failures=$((failures + 1)); }
log() { echo "bench-rtt: $*" >&2; }

qpid=
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    if [[ -n $qpid ]]; then
        kill "$qpid" 2>/dev/null || true
        wait "$qpid" 2>/dev/null || true
    fi
    ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT

# Microseconds since the epoch (EPOCHREALTIME, whatever the decimal mark).
now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }

finish() {
    ((${#V[@]} == 0)) || print_table
    for n in "${notes[@]}"; do
        [[ $n == PASS:* ]] && ((!short)) && continue
        echo "$n"
    done
    exit $((failures ? 1 : 0))
}

# ------------------------------------------------------------ results
declare -A V=()         # "guest|metric" -> values of the runs, one per run
. "$(dirname "$0")/bench-stats.sh" # add, stat, fmt, cell
ratio() { # METRIC
    local -a a b va vb
    read -ra va <<<"${V[vbare-aarch64|$1]:-}"
    read -ra vb <<<"${V[linux|$1]:-}"
    read -ra a <<<"$(stat "${va[@]}")"
    read -ra b <<<"$(stat "${vb[@]}")"
    if ((${#a[@]} && ${#b[@]})) && awk -v x="${b[1]}" 'BEGIN { exit !(x != 0) }'; then
        awk -v x="${a[1]}" -v y="${b[1]}" 'BEGIN { r = x / y; printf (r < 10 ? "%.2f×" : "%.0f×"), r }'
    else
        echo "—"
    fi
}

ROWS=(
    "ready_ping|network up: QEMU start to first ping reply (ms)|lower|%.0f"
    "ready_marker|QEMU start to the guest's ready line (ms)|lower|%.0f"
    "ping_p50|ping RTT p50 (µs)|lower|%.0f"
    "ping_p99|ping RTT p99 (µs)|lower|%.0f"
    "ping_lost|ping: lost of PINGS|lower|%.0f"
    "pp64_rate|UDP ping-pong 64 B (round trips/s)|higher|%.0f"
    "pp64_p50|UDP ping-pong 64 B p50 (µs)|lower|%.0f"
    "pp64_p99|UDP ping-pong 64 B p99 (µs)|lower|%.0f"
    "pp64_cpu_main|UDP ping-pong 64 B: QEMU's main thread, CPU per round trip (µs)|lower|%.1f"
    "pp64_cpu_vcpu|UDP ping-pong 64 B: QEMU's vCPU (its other threads), CPU per round trip (µs)|lower|%.1f"
    "pp1400_rate|UDP ping-pong 1400 B (round trips/s)|higher|%.0f"
    "pp1400_p50|UDP ping-pong 1400 B p50 (µs)|lower|%.0f"
    "pp1400_p99|UDP ping-pong 1400 B p99 (µs)|lower|%.0f"
    "st64_rate|UDP stream 64 B, WINDOW in flight, STREAM_MAX s (replies/s)|higher|%.0f"
    "st64_lost|UDP stream 64 B: lost (no reply in 200 ms)|lower|%.0f"
    "st1400_rate|UDP stream 1400 B, WINDOW in flight, STREAM_MAX s (replies/s)|higher|%.0f"
    "st1400_lost|UDP stream 1400 B: lost (no reply in 200 ms)|lower|%.0f"
    "flood_rate|ping -f -c FLOOD (replies/s)|higher|%.0f"
    "flood_loss|ping -f -c FLOOD loss (%)|lower|%.2f"
)
TCP_ROWS=(
    "tcp_connect|TCP connect: SYN to established, client side (µs)|lower|%.0f"
    "tcp_rr1_rate|TCP stop-and-wait 1 B (round trips/s)|higher|%.0f"
    "tcp_rr1_p50|TCP stop-and-wait 1 B p50 (µs)|lower|%.0f"
    "tcp_rr1_p99|TCP stop-and-wait 1 B p99 (µs)|lower|%.0f"
    "tcp_rr64_rate|TCP stop-and-wait 64 B (round trips/s)|higher|%.0f"
    "tcp_rr64_p50|TCP stop-and-wait 64 B p50 (µs)|lower|%.0f"
    "tcp_rr64_p99|TCP stop-and-wait 64 B p99 (µs)|lower|%.0f"
    "tcp_rr64_cpu_main|TCP stop-and-wait 64 B: QEMU's main thread, CPU per round trip (µs)|lower|%.1f"
    "tcp_rr64_cpu_vcpu|TCP stop-and-wait 64 B: QEMU's vCPU (its other threads), CPU per round trip (µs)|lower|%.1f"
    "tcp_bulk_rate|TCP bulk echo BULK (MB/s echoed)|higher|%.2f"
)

print_table() {
    local mode=full
    ((short)) && mode="short (--short)"
    echo "### Round trips: vbare and Linux under the same QEMU"
    echo
    echo "- mode: $mode, $runs run(s), guests alternating in each run; host $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')"
    echo "- $(qemu-system-aarch64 --version 2>/dev/null | head -1), TCG, $MEM, virtio-net-device (virtio-mmio) on TAP (host $HOST_IP/24, guest $GUEST_IP)"
    echo "- vbare aarch64 / Linux: qemu-system-aarch64 -M virt,gic-version=2 -cpu cortex-a53; vbare arm: the same with -cpu cortex-a15 (AArch32)"
    echo "- vbare riscv64: qemu-system-riscv64 -M virt (PLIC) -cpu rv64, S-mode under OpenSBI ($(dpkg-query -W -f='Debian opensbi ${Version}' opensbi 2>/dev/null || echo 'Debian opensbi'))"
    if [[ -f $LG/VERSION ]]; then
        echo "- Linux: $(sed -n 's/^kernel //p' "$LG/VERSION"), $(sed -n 's/^busybox //p' "$LG/VERSION") initramfs, tools/linux-guest/udp_echo.c and tcp_echo.c"
    fi
    echo "- host load average before the run: $load0"
    local g
    for g in "${guests[@]}"; do
        guest_opts "$g"
        local cmd=tools/qemu-run.sh a
        for a in "${QOPTS[@]}"; do
            [[ $a == *" "* ]] && a="\"$a\""
            cmd+=" $a"
        done
        echo "- $g: \`$cmd\`"
    done
    echo "- cells: median (min–max, n=runs); ratio: vbare aarch64 ÷ Linux medians"
    echo
    table figure "${ROWS[@]}"
    echo "### TCP echo: the same guests, in the same sessions"
    echo
    echo "- client: tools/tcpbench.c, one connection per figure, TCP_NODELAY; the guest echoes on port 7 (ours: apps/tcpapp.c; Linux: tools/linux-guest/tcp_echo.c, TCP_NODELAY, a process per connection)"
    echo "- stop-and-wait: send N bytes, read the N bytes of the echo, repeat, for $PP_SECS s; bulk: send $BULK_BYTES bytes while reading the echo, MB = 10^6 bytes, from the first byte sent to the last one echoed; the handshake and the close are not timed"
    echo
    table "TCP figure" "${TCP_ROWS[@]}"
}

# table FIRST_HEADER ROW... : one markdown table of the rows given
table() {
    echo "| $1 | better | vbare aarch64 | Linux aarch64 | vbare ÷ Linux | vbare arm | vbare riscv64 |"
    echo "|---|---|---|---|---|---|---|"
    shift
    local r key label better f
    for r in "$@"; do
        IFS='|' read -r key label better f <<<"$r"
        label=${label//PINGS/$PINGS}
        label=${label//WINDOW/$WINDOW}
        label=${label//STREAM_MAX/$STREAM_MAX}
        label=${label//FLOOD/$FLOOD}
        label=${label//BULK/$((BULK_BYTES / 1024)) KiB}
        echo "| $label | $better | $(cell vbare-aarch64 "$key" "$f") | $(cell linux "$key" "$f") | $(ratio "$key") | $(cell vbare-arm "$key" "$f") | $(cell vbare-riscv64 "$key" "$f") |"
    done
    echo
}

# ------------------------------------------------------------ environment
for t in qemu-system-aarch64 ping ip timeout; do
    if ! command -v "$t" >/dev/null; then
        note "SKIP: bench-rtt: no $t here (make check installs what it needs: tools/deps.sh test)"
        finish
    fi
done
if ! mkdir -p "$OUT" 2>/dev/null || [[ ! -w $OUT ]]; then
    note "SKIP: bench-rtt: cannot write $OUT"
    finish
fi
. tools/tapns.sh
if ! tapns_up "$NS" "$TAP" "$HOST_IP"; then
    note "SKIP: bench-rtt: $TAPNS_ERR"
    finish
fi
in_ns() { ip netns exec "$NS" "$@"; }
NEIGH=/proc/sys/net/ipv4/neigh/$TAP/retrans_time_ms
retrans0=$(in_ns cat "$NEIGH")
set_retrans() { in_ns sh -c "echo $1 > $NEIGH"; }

have_udp=1
if [[ ! -x $UDPBENCH || tools/udpbench.c -nt $UDPBENCH ]]; then
    mkdir -p "$(dirname "$UDPBENCH")"
    if ! gcc -std=c11 -Wall -Wextra -Werror -O2 -o "$UDPBENCH" tools/udpbench.c >"$OUT/udpbench-build.log" 2>&1; then
        note "SKIP: bench-rtt: UDP tests: tools/udpbench.c did not build (see $OUT/udpbench-build.log)"
        have_udp=0
    fi
fi
have_tcp=1
if [[ ! -x $TCPBENCH || tools/tcpbench.c -nt $TCPBENCH ]]; then
    mkdir -p "$(dirname "$TCPBENCH")"
    if ! gcc -std=c11 -Wall -Wextra -Werror -O2 -o "$TCPBENCH" tools/tcpbench.c >"$OUT/tcpbench-build.log" 2>&1; then
        note "SKIP: bench-rtt: TCP tests: tools/tcpbench.c did not build (see $OUT/tcpbench-build.log)"
        have_tcp=0
    fi
fi

for g in vbare-aarch64 linux vbare-arm vbare-riscv64; do
    case $g in
    vbare-*) f=build/${g#vbare-}/firmware.elf ;;
    linux)
        # --short (make check) builds it only when an earlier make bench
        # did (its packages are kept): brought up to date if its sources
        # changed, never fetched from scratch.
        if ((!short)) || [[ -f $LG/VERSION ]]; then
            log "building the Linux guest (tools/linux-guest/build.sh $LG)"
            if ! tools/linux-guest/build.sh "$LG" >"$OUT/linux-build.log" 2>&1; then
                note "SKIP: bench-rtt: Linux guest: tools/linux-guest/build.sh failed: $(tail -1 "$OUT/linux-build.log")"
                continue
            fi
            sed 's/^/bench-rtt: /' "$OUT/linux-build.log" >&2
        fi
        if [[ ! -f $LG/vmlinuz || ! -f $LG/initrd.gz ]]; then
            note "SKIP: bench-rtt: Linux guest: not built (tools/linux-guest/build.sh $LG; make bench builds it)"
            continue
        fi
        f=$LG/vmlinuz ;;
    esac
    if [[ $g == vbare-riscv64 ]] && ! command -v qemu-system-riscv64 >/dev/null; then
        note "SKIP: bench-rtt: $g: no qemu-system-riscv64 (tools/deps.sh run-riscv64)"
    elif [[ -f $f ]]; then
        guests+=("$g")
    else
        note "SKIP: bench-rtt: $g: no $f (make ARCH=${g#vbare-})"
    fi
done

# ------------------------------------------------------------ one boot
# Each console line with the time it arrived.  No command substitution per
# line: a fork for each would put the stamps behind, by as much as the
# number of lines before (OpenSBI's banner on riscv64 is 45 of them).
stamp_lines() {
    local line
    while IFS= read -r line; do
        printf '%s %s\n' "${EPOCHREALTIME/[.,]/}" "${line%$'\r'}"
    done
}

# guest_opts GUEST -> qemu-run.sh options and image in the array QOPTS,
# the ready line in MARKER
guest_opts() {
    local app=$IPARG
    case $1 in
    vbare-*) QOPTS=(--arch "${1#vbare-}") MARKER='net: ready' ;;
    linux)
        QOPTS=(--arch aarch64 --initrd "$LG/initrd.gz") MARKER='linux: ready'
        app="console=ttyAMA0 quiet panic=-1 $IPARG" ;;
    esac
    QOPTS+=(--mem "$MEM" --devices net --net "tap:$TAP" --append "$app")
    case $1 in
    linux) QOPTS+=("$LG/vmlinuz") ;;
    *) QOPTS+=("build/${1#vbare-}/firmware.elf") ;;
    esac
}

# kv LINE KEY -> the value of KEY=value in a udpbench line
kv() { sed -n "s/.* $2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

session() {
    local g=$1 run=$2
    local clog=$OUT/$g-$run.console raw=$OUT/$g-$run.raw
    local t0 t1 tm line out n pfd ppid c0 c1
    guest_opts "$g"
    : >"$raw"
    in_ns ip neigh flush dev "$TAP" 2>/dev/null || true
    set_retrans 10
    log "run $run/$runs: $g: boot"
    t0=$(now_us)
    # Not through in_ns: $! must be the process that becomes QEMU's parent.
    ip netns exec "$NS" timeout --kill-after=5 "$LIMIT" tools/qemu-run.sh "${QOPTS[@]}" \
        > >(stamp_lines >"$clog") 2>&1 &
    qpid=$!
    # Ping every 10 ms until the first reply, at most 6000 times (ping -c 1
    # takes an unreachable error for its answer, and -w stops at one: so
    # read its lines instead, and end it).
    local up=0
    exec {pfd}< <(exec ip netns exec "$NS" ping -n -i 0.01 -c 6000 "$GUEST_IP" 2>&1)
    ppid=$!
    while :; do
        if IFS= read -r -t 1 -u "$pfd" line; then
            echo "$line" >>"$raw"
            if [[ $line == *" bytes from "* ]]; then
                t1=$(now_us)
                up=1
                add "$g" ready_ping $(((t1 - t0) / 1000))
                break
            fi
        else
            (($? > 128)) || break               # ping ended
            kill -0 "$qpid" 2>/dev/null || break  # QEMU ended
        fi
    done
    kill "$ppid" 2>/dev/null || true
    exec {pfd}<&-
    set_retrans "$retrans0"
    # The ready line (the Linux guest answers ping before its echo runs).
    for _ in $(seq 1000); do
        grep -q " $MARKER" "$clog" 2>/dev/null && break
        kill -0 "$qpid" 2>/dev/null || break
        sleep 0.01
    done
    local why=
    ((up)) || why="no reply to pings every 10 ms for 60 s"
    if line=$(grep -m1 " $MARKER" "$clog"); then
        tm=${line%% *}
        add "$g" ready_marker $(((tm - t0) / 1000))
    else
        why+="${why:+, }no '$MARKER' line"
    fi
    if [[ -n $why ]]; then
        fail "bench-rtt: $g run $run: $why (console: $clog)"
        stop_guest
        return
    fi

    log "run $run/$runs: $g: $PINGS pings"
    out=$(in_ns ping -n -c "$PINGS" -i 0.002 -W 1 -w 120 "$GUEST_IP" 2>&1 || true)
    echo "$out" >>"$raw"
    local -a rtts
    read -ra rtts <<<"$(grep -o 'time=[0-9.]*' <<<"$out" | cut -d= -f2 | tr '\n' ' ')"
    n=${#rtts[@]}
    if ((n)); then
        add "$g" ping_p50 "$(printf '%s\n' "${rtts[@]}" | sort -g | awk -v n="$n" '{v[NR] = $1} END { r = int((n * 50 + 99) / 100); print v[r] * 1000 }')"
        add "$g" ping_p99 "$(printf '%s\n' "${rtts[@]}" | sort -g | awk -v n="$n" '{v[NR] = $1} END { r = int((n * 99 + 99) / 100); print v[r] * 1000 }')"
    fi
    add "$g" ping_lost $((PINGS - n))
    ((n)) || fail "bench-rtt: $g run $run: no reply to $PINGS pings"

    local ok=1
    if ((have_udp)); then
        local size
        for size in 64 1400; do
            log "run $run/$runs: $g: UDP ping-pong $size B, ${PP_SECS}s"
            c0=$(qemu_cpu)
            if out=$(in_ns "$UDPBENCH" pingpong "$GUEST_IP" 7 "$size" "$PP_SECS" 2>&1); then :; else ok=0; fi
            c1=$(qemu_cpu)
            echo "$out" >>"$raw"
            if [[ $out == "udpbench pingpong "* ]]; then
                [[ $size == 64 ]] && add_cpu "$g" pp64 "$c0" "$c1" "$(kv "$out" n)"
                add "$g" "pp${size}_rate" "$(kv "$out" rate)"
                add "$g" "pp${size}_p50" "$(kv "$out" p50_us)"
                add "$g" "pp${size}_p99" "$(kv "$out" p99_us)"
            fi
            log "run $run/$runs: $g: UDP stream $size B, $WINDOW in flight, ${STREAM_MAX}s"
            if out=$(in_ns "$UDPBENCH" stream "$GUEST_IP" 7 "$size" "$WINDOW" "$STREAM_COUNT" "$STREAM_MAX" 2>&1); then :; else ok=0; fi
            echo "$out" >>"$raw"
            if [[ $out == "udpbench stream "* ]]; then
                add "$g" "st${size}_rate" "$(kv "$out" rate)"
                # The stream runs for STREAM_MAX seconds (COUNT is a bound);
                # what it never sent is not lost.
                add "$g" "st${size}_lost" "$(kv "$out" lost)"
            fi
        done
        ((ok)) || fail "bench-rtt: $g run $run: UDP echo: no exact reply or a wrong one (see $raw)"
    fi
    local tok=0
    if ((have_tcp)); then
        tok=1
        for size in 1 64; do
            log "run $run/$runs: $g: TCP stop-and-wait $size B, ${PP_SECS}s"
            c0=$(qemu_cpu)
            if out=$(in_ns "$TCPBENCH" rr "$GUEST_IP" 7 "$size" 1000000 "$PP_SECS" 2>&1); then :; else tok=0; fi
            c1=$(qemu_cpu)
            echo "$out" >>"$raw"
            out=$(grep '^tcpbench rr ' <<<"$out" || true)
            if [[ -n $out ]]; then
                [[ $size == 64 ]] && add_cpu "$g" tcp_rr64 "$c0" "$c1" "$(kv "$out" n)"
                add "$g" "tcp_rr${size}_rate" "$(kv "$out" rate)"
                add "$g" "tcp_rr${size}_p50" "$(kv "$out" p50_us)"
                add "$g" "tcp_rr${size}_p99" "$(kv "$out" p99_us)"
                if [[ $size == 64 ]]; then add "$g" tcp_connect "$(kv "$out" connect_us)"; fi
            fi
        done
        log "run $run/$runs: $g: TCP bulk echo, $BULK_BYTES bytes"
        if out=$(in_ns "$TCPBENCH" bulk "$GUEST_IP" 7 "$BULK_BYTES" 60 2>&1); then :; else tok=0; fi
        echo "$out" >>"$raw"
        out=$(grep '^tcpbench bulk ' <<<"$out" || true)
        # Only a complete echo has a rate worth a cell.
        if [[ -n $out && $(kv "$out" echoed) == "$BULK_BYTES" ]]; then
            add "$g" tcp_bulk_rate "$(kv "$out" rate_MBps)"
        fi
        ((tok)) || fail "bench-rtt: $g run $run: TCP echo: not exact, incomplete or not closed cleanly (see $raw)"
    fi

    log "run $run/$runs: $g: ping -f -c $FLOOD"
    out=$(in_ns ping -n -q -f -c "$FLOOD" -W 1 -w 60 "$GUEST_IP" 2>&1 || true)
    echo "$out" >>"$raw"
    local tx rx ms
    tx=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
    rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
    ms=$(sed -n 's/.* time \([0-9]*\)ms.*/\1/p' <<<"$out")
    if [[ -n $tx && -n $rx && $tx -gt 0 ]]; then
        add "$g" flood_loss "$(awk -v t="$tx" -v r="$rx" 'BEGIN { print (t - r) * 100 / t }')"
        [[ -n $ms && $ms -gt 0 ]] && add "$g" flood_rate "$(awk -v r="$rx" -v m="$ms" 'BEGIN { print r * 1000 / m }')"
    fi

    if grep -Eq 'CRASH|broke a ring|Kernel panic|Oops' "$clog"; then
        fail "bench-rtt: $g run $run: the guest crashed (console: $clog)"
        ok=0
    fi
    stop_guest
    if ((short && ok && n && (tok || !have_tcp))); then
        local tcpnote=
        if ((have_tcp)); then tcpnote=", TCP echo exact"; fi
        note "PASS: bench-rtt --short: $g: up in $(cell "$g" ready_ping %.0f | cut -d' ' -f1) ms, $n/$PINGS pings, UDP echo exact$tcpnote"
    fi
}

# qemu_cpu : "MAIN REST", the CPU time in ns used so far by QEMU's main
# thread (its I/O loop: the TAP device, virtio-net's queues, the interrupt
# it raises) and by its other threads: the vCPU (the guest's code, its MMIO
# exits, halting and waking) and the RCU thread, next to idle; threads have
# no names without -name debug-threads=on (/proc/PID/task/*/schedstat).
# "- -" when QEMU is not found: the qemu-system-* process below qpid.
qemu_cpu() {
    local q='' t main=0 vcpu=0 v p kids=$qpid
    while [[ -z $q && -n $kids ]]; do
        local next=
        for p in $kids; do
            if [[ $(cat /proc/"$p"/comm 2>/dev/null) == qemu-system* ]]; then
                q=$p
                break
            fi
            next+=" $(pgrep -P "$p" 2>/dev/null | tr '\n' ' ')"
        done
        kids=$next
        [[ $next =~ [0-9] ]] || kids=
    done
    if [[ -z $q || ! -r /proc/$q/task/$q/schedstat ]]; then
        echo "- -"
        return
    fi
    for t in /proc/"$q"/task/*; do
        read -r v _ <"$t/schedstat" 2>/dev/null || continue
        # Threads are unnamed without -name debug-threads=on: the rest are
        # the vCPU and QEMU's RCU thread, which is next to idle.
        if [[ ${t##*/} == "$q" ]]; then
            main=$v
        else
            vcpu=$((vcpu + v))
        fi
    done
    echo "$main $vcpu"
}

# add_cpu GUEST KEY BEFORE AFTER N : KEY_cpu_main and KEY_cpu_vcpu, the
# microseconds of CPU per round trip between two qemu_cpu readings.
add_cpu() {
    local g=$1 key=$2 n=$5 m0 v0 m1 v1
    read -r m0 v0 <<<"$3"
    read -r m1 v1 <<<"$4"
    [[ $m0 != - && $m1 != - && -n $n && $n -gt 0 ]] || return 0
    add "$g" "${key}_cpu_main" "$(awk -v a="$m0" -v b="$m1" -v n="$n" 'BEGIN { print (b - a) / n / 1000 }')"
    add "$g" "${key}_cpu_vcpu" "$(awk -v a="$v0" -v b="$v1" -v n="$n" 'BEGIN { print (b - a) / n / 1000 }')"
}

stop_guest() {
    [[ -n $qpid ]] || return 0
    kill "$qpid" 2>/dev/null || true
    wait "$qpid" 2>/dev/null || true
    qpid=
}

((${#guests[@]})) || finish
start=$SECONDS
for run in $(seq "$runs"); do
    for g in "${guests[@]}"; do
        session "$g" "$run"
    done
done
log "done in $((SECONDS - start)) s; consoles and raw output in $OUT/"
finish
