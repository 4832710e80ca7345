#!/usr/bin/env bash
# bench-boot.sh [--short] [--runs N] [ARCH...] - the boot-to-network part of
# make bench: how long after QEMU's exec the firmware answers its first ping,
# beside the floor, a trivial guest (tools/floor-guest/) that writes one
# byte to the PL011 and stops.  Both boot with the same tools/qemu-run.sh
# command line (machine, CPU, memory, the virtio-net device on a TAP device,
# the boot arguments); only the image differs.
#
#   floor: QEMU exec -> the floor guest's byte on the serial port
#   vbare: QEMU exec -> the first ICMP echo reply, static ip= (no DHCP)
#
# The TAP device lives in a network namespace this script creates (host
# 192.0.2.1/24, guest 192.0.2.2 with the fixed MAC it is given through
# qemu-run.sh --net-opts mac=...) and removes.  The host's neighbour entry
# for the guest is permanent and ping(8) sends every 2 ms from QEMU's start,
# so neither an ARP exchange nor a ping interval is in the figure: the
# requests wait in the TAP queue until the driver takes them.  The timing
# helper tools/bench-boot.py starts QEMU itself (the command qemu-run.sh
# --dry-run prints) and timestamps the exec, the serial bytes and ping's -D
# stamp of the first reply.
#
# Two device sets: net alone (as tools/bench-rtt.sh boots), and the four
# devices of `make run` (net,blk,rng,console), where the firmware also
# starts the others.  The guests take turns in every run (floor, vbare, per
# ARCH and device set), so a slow moment of the host hits both.  Cells are
# the median with min-max over the runs; "vbare - floor" is the difference
# of the medians, and the paired column the min-max of the differences
# within one run.  "Reply - first serial byte": the firmware holds its whole
# boot log, boot_main's lines too, until the network has answered, so its
# first byte comes just after the reply and this is negative (it was the
# firmware's own part while boot_main's lines wrote through).  QEMU,
# ping and the helper run at real-time priority (chrt -f 10) so that other
# work on the host stretches neither figure; --no-rt measures under the
# ordinary scheduler.
#
# The boot arguments carry `bootstage`: the firmware prints the time of each
# of its boot stages after boot: done (after the figures above, so they do
# not move), and the report adds a table of their medians, from boot_main's
# entry; the helper reads the serial port 0.3 s more to catch them.
#
#   --short    a smoke run for make check: one run per ARCH, net alone
#   --runs N   runs (default 10)
#   --no-rt    no real-time priority
#   --fw DIR   the firmware from DIR/ARCH/firmware.elf (default build).
#              Given more than once, every run boots each firmware in turn
#              after the floor, and each gets its rows (labelled with DIR):
#              two builds compared under the same moments of the host,
#              which a later run of the other build is not
#   ARCH...    arm aarch64 (default both)
#
# What this machine cannot do (no root, no network namespace, no TAP, no
# cross compiler) is a "SKIP: ..." line; the exit status is 1 only when a
# guest that is there does not come up.  Only the processes started here are
# stopped, by PID; traffic goes only to 192.0.2.2 inside the namespace.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C

short=0 runs=10 rt=1 fws=() arches=()
while (($#)); do
    case $1 in
    --short) short=1 ;;
    --runs | --fw) (($# >= 2)) || { echo "bench-boot: $1 needs a value" >&2; exit 2; } ;;&
    --runs) runs=$2; shift ;;
    --no-rt) rt=0 ;;
    --fw) fws+=("$2"); shift ;;
    arm | aarch64) arches+=("$1") ;;
    *) echo "usage: $0 [--short] [--runs N] [--no-rt] [--fw DIR]... [arm] [aarch64]" >&2; exit 2 ;;
    esac
    shift
done
[[ $runs =~ ^[1-9][0-9]?$ ]] || { echo "bench-boot: --runs takes 1..99" >&2; exit 2; }
DEVSETS=("net" "net,blk,rng,console")
if ((short)); then
    runs=1 DEVSETS=("net")
fi
((${#arches[@]})) || arches=(arm aarch64)
((${#fws[@]})) || fws=(build)
# fwlabel J: what the rows of firmware J say after the device set (nothing
# with one firmware)
fwlabel() { ((${#fws[@]} > 1)) && echo " (${fws[$1]})"; }

HOST_IP=192.0.2.1 GUEST_IP=192.0.2.2 TAP=tap0 MEM=128M
MAC=52:54:00:c0:00:02
# bootstage: the firmware prints its boot stages after boot: done (the
# floor ignores its arguments); vbare's boots linger for them.
IPARG="ip=$GUEST_IP::$HOST_IP:255.255.255.0 bootstage"
LINGER=0.3
STAGES=() # the stage names in the order the firmware printed them
declare -A STAGE_SEEN=()
OUT=build/bench/boot
FLOOR=build/bench/floor
LIMIT=20
NS=vbare-boot-$$

notes=()
failures=0
note() { notes+=("$*"); echo "bench-boot: $*" >&2; }
fail() { note "FAIL: $*"; failures=$((failures + 1)); }
log() { echo "bench-boot: $*" >&2; }

netns=0
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
    if ((netns)); then ip netns del "$NS" 2>/dev/null || true; fi
}
trap cleanup EXIT

declare -A V=() # "arch devices|metric" -> one value per run
. "$(dirname "$0")/bench-stats.sh" # add, stat, fmt, cell
median() { # KEY METRIC -> the median, or nothing
    local -a vals s
    read -ra vals <<<"${V[$1|$2]:-}"
    read -ra s <<<"$(stat "${vals[@]}")"
    if ((${#s[@]})); then echo "${s[1]}"; fi
}

mdiff2() { # KEY1 A KEY2 B -> median(KEY1 A) - median(KEY2 B), or —
    local x y
    x=$(median "$1" "$2") y=$(median "$3" "$4")
    if [[ -n $x && -n $y ]]; then
        awk -v x="$x" -v y="$y" 'BEGIN { printf "%.1f\n", x - y }'
    else
        echo "—"
    fi
}
prange() { # KEY METRIC -> min–max of the values (one value alone), or —
    local -a vals s
    read -ra vals <<<"${V[$1|$2]:-}"
    read -ra s <<<"$(stat "${vals[@]}")"
    if ((${#s[@]} == 0)); then
        echo "—"
    elif ((s[3] == 1)); then
        printf '%.1f\n' "${s[0]}"
    else
        printf '%.1f–%.1f\n' "${s[0]}" "${s[2]}"
    fi
}

# qemu_opts ARCH DEVICES IMAGE -> the qemu-run.sh options (the same for
# both guests; the disk of the four-device set is a scratch image here)
qemu_opts() {
    QOPTS=(--arch "$1" --mem "$MEM" --devices "$2" --net "tap:$TAP" --net-opts "mac=$MAC")
    [[ $2 == *blk* ]] && QOPTS+=(--disk "$OUT/disk-$1.img")
    QOPTS+=(--append "$IPARG" "$3")
}
show_cmd() {
    local cmd=tools/qemu-run.sh a
    for a in "${QOPTS[@]}"; do
        [[ $a == *" "* ]] && a="\"$a\""
        cmd+=" $a"
    done
    echo "$cmd"
}

# rows FN: FN ARCH DEVICES J for every table row (ARCH, device set, firmware
# J of --fw), with k="ARCH DEVICES" (the floor's key) and f="k J" (vbare's).
rows() {
    local a d j
    for a in "${arches[@]}"; do
        for d in "${DEVSETS[@]}"; do
            for j in "${!fws[@]}"; do
                "$1" "$a" "$d" "$j" "$a $d" "$a $d $j"
            done
        done
    done
}
row_exec() { # ARCH DEVICES J K F
    echo "| $1 | $2$(fwlabel "$3") | $(cell "$4" floor) | $(cell "$5" first) | $(cell "$5" reply) | $(mdiff2 "$5" reply "$4" floor) | $(prange "$5" diff) |"
}
row_tap() {
    echo "| $1 | $2$(fwlabel "$3") | $(cell "$4" tfloor) | $(cell "$5" treply) | $(mdiff2 "$5" treply "$4" tfloor) | $(prange "$5" tdiff) | $(cell "$5" boot) |"
}
row_cpu() {
    echo "| $1 | $2$(fwlabel "$3") | $(cell "$4" cfloor) | $(cell "$5" creply) | $(mdiff2 "$5" creply "$4" cfloor) | $(prange "$5" cdiff) |"
}

finish() {
    if ((${#V[@]})); then
        local mode=full a d sched="SCHED_FIFO priority 10 (chrt)"
        ((short)) && mode="short (--short)"
        ((rt)) || sched="the ordinary scheduler (--no-rt)"
        echo "### Boot to network: QEMU exec to the first ping reply, beside the floor"
        echo
        echo "- mode: $mode, $runs run(s) per ARCH and device set, floor and vbare alternating; host $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), load average before: $load0; QEMU, ping and the timing helper under $sched"
        echo "- $(qemu-system-aarch64 --version 2>/dev/null | head -1), TCG; TAP in a network namespace (host $HOST_IP/24, guest $GUEST_IP, mac $MAC, permanent neighbour entry), \`ping -D -i 0.002\` from QEMU's exec; tools/bench-boot.py starts QEMU (the command \`qemu-run.sh --dry-run\` prints) and stamps its exec"
        for a in "${arches[@]}"; do
            for d in "${DEVSETS[@]}"; do
                qemu_opts "$a" "$d" "$FLOOR/$a.elf"
                echo "- floor $a $d: \`$(show_cmd)\` (tools/floor-guest/$a.S)"
                for j in "${!fws[@]}"; do
                    qemu_opts "$a" "$d" "${fws[$j]}/$a/firmware.elf"
                    echo "- vbare $a $d: \`$(show_cmd)\`"
                done
            done
        done
        echo "- cells: median (min–max, n=runs) in milliseconds; \"vbare − floor\": the difference of the medians, then the smallest and largest difference within one run"
        echo
        echo "From QEMU's exec:"
        echo
        echo "| ARCH | devices | floor: first serial byte | vbare: first serial byte | vbare: first ICMP echo reply | vbare − floor | vbare − floor, paired |"
        echo "|---|---|---|---|---|---|---|"
        rows row_exec
        echo
        echo "From QEMU's attach to the TAP device (the same figures without the start of the QEMU process, which is most of the spread), and the reply less the firmware's first serial byte (negative: the boot log is held until the network has answered):"
        echo
        echo "| ARCH | devices | floor: first serial byte | vbare: first ICMP echo reply | vbare − floor | vbare − floor, paired | vbare: reply − first serial byte |"
        echo "|---|---|---|---|---|---|---|"
        rows row_tap
        echo
        echo "QEMU's CPU time over the same stretch, from the attach to the TAP device to the floor's byte or the first reply (all of QEMU's threads, /proc/PID/task/*/schedstat): the host work the boot costs - translating and running the guest's code, its devices - without the waits and the scheduling of a busy machine:"
        echo
        echo "| ARCH | devices | floor: CPU ms to the first serial byte | vbare: CPU ms to the first ICMP echo reply | vbare − floor | vbare − floor, paired |"
        echo "|---|---|---|---|---|---|"
        rows row_cpu
        echo
        if ((${#STAGES[@]})); then
            echo "The firmware's boot stages (the boot argument \`bootstage\`), milliseconds from \`boot_main\`'s entry (QEMU's start and the image's load come before it), the median of the runs:"
            echo
            local hdr="| stage |" sep="|---|" row name c m j
            local -a cols=()
            for a in "${arches[@]}"; do
                for d in "${DEVSETS[@]}"; do
                    for j in "${!fws[@]}"; do
                        cols+=("$a $d $j")
                        hdr+=" $a $d$(fwlabel "$j" || true) |"
                        sep+="---:|"
                    done
                done
            done
            echo "$hdr"
            echo "$sep"
            for name in "${STAGES[@]}"; do
                row="| $name |"
                for c in "${cols[@]}"; do
                    m=$(median "$c" "stage $name")
                    if [[ -n $m ]]; then row+=" $(printf '%.2f' "$m") |"; else row+=" — |"; fi
                done
                echo "$row"
            done
            echo
        fi
    fi
    local n
    for n in "${notes[@]}"; do
        [[ $n == PASS:* ]] && ((!short)) && continue
        echo "$n"
    done
    exit $((failures ? 1 : 0))
}

# ------------------------------------------------------------ environment
load0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
for t in qemu-system-aarch64 ping ip python3 truncate; do
    if ! command -v "$t" >/dev/null; then
        note "SKIP: bench-boot: no $t here (tools/deps.sh test installs what it needs)"
        finish
    fi
done
mkdir -p "$OUT"
if ! tools/build-tiny-guest.sh tools/floor-guest "$FLOOR" "${arches[@]}" >"$OUT/floor-build.log" 2>&1; then
    note "SKIP: bench-boot: the floor guest did not build (see $OUT/floor-build.log)"
    finish
fi
for a in "${arches[@]}"; do
    for fw in "${fws[@]}"; do
        [[ -f $fw/$a/firmware.elf ]] || { note "SKIP: bench-boot: no $fw/$a/firmware.elf (make ARCH=$a)"; finish; }
    done
    [[ -f $OUT/disk-$a.img ]] || truncate -s 16M "$OUT/disk-$a.img"
done
RT=()
if ((rt)); then
    if command -v chrt >/dev/null && chrt -f 10 true 2>/dev/null; then
        RT=(chrt -f 10)
    else
        note "bench-boot: chrt -f 10 not allowed here: measuring under the ordinary scheduler"
        rt=0
    fi
fi
. tools/tapns.sh
netns=1 # cleanup() removes it, made or half made
if ! tapns_up "$NS" "$TAP" "$HOST_IP"; then
    note "SKIP: bench-boot: $TAPNS_ERR"
    finish
fi
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip neigh replace "$GUEST_IP" lladdr "$MAC" dev "$TAP" nud permanent

# ------------------------------------------------------------ one boot
# boot ARCH DEVICES KIND RUN [J]: KIND floor or vbare (firmware J of
# --fw); records the figures, returns 1 when the guest did not answer.
boot() {
    local a=$1 d=$2 kind=$3 run=$4 j=${5:-} img out dry
    local -a cmd ping=()
    local k="$a $d" lg="$OUT/$kind$j-$a-${d//,/+}-$run.log"
    case $kind in
    floor) img=$FLOOR/$a.elf ;;
    vbare) img=${fws[$j]}/$a/firmware.elf ping=(--ping "$GUEST_IP" --linger "$LINGER") k="$a $d $j" ;;
    esac
    qemu_opts "$a" "$d" "$img"
    if ! dry=$(tools/qemu-run.sh --dry-run "${QOPTS[@]}" 2>&1); then
        fail "bench-boot: $kind $a $d: qemu-run.sh --dry-run: $dry"
        return 1
    fi
    eval "cmd=($dry)"
    out=$(in_ns "${RT[@]}" python3 tools/bench-boot.py --tap "$TAP" "${ping[@]}" --limit "$LIMIT" --log "$lg" \
        -- "${cmd[@]}") || true
    log "run $run/$runs: $kind${j:+$(fwlabel "$j")} $a $d: $out"
    local fb rp tp cb cr ct
    fb=$(sed -n 's/.* first_byte_ms=\([-0-9.]*\).*/\1/p' <<<"$out")
    rp=$(sed -n 's/.* reply_ms=\([-0-9.]*\).*/\1/p' <<<"$out")
    tp=$(sed -n 's/.* tap_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    cb=$(sed -n 's/.* cpu_byte_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    cr=$(sed -n 's/.* cpu_reply_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    ct=$(sed -n 's/.* cpu_tap_ms=\([0-9.]*\).*/\1/p' <<<"$out")
    if [[ -z $fb || $fb == -1 ]]; then
        fail "bench-boot: $kind $a $d run $run: no serial output within $LIMIT s (see $lg)"
        return 1
    fi
    if [[ $kind == floor ]]; then
        add "$k" floor "$fb"
        FLOOR_MS=$fb FLOOR_TAP='' FLOOR_CPU=''
        if [[ -n $tp ]]; then
            FLOOR_TAP=$(awk -v f="$fb" -v t="$tp" 'BEGIN { print f - t }')
            add "$k" tfloor "$FLOOR_TAP"
        fi
        if [[ -n $cb && -n $ct ]]; then
            FLOOR_CPU=$(awk -v b="$cb" -v t="$ct" 'BEGIN { print b - t }')
            add "$k" cfloor "$FLOOR_CPU"
        fi
        return 0
    fi
    add "$k" first "$fb"
    if [[ -z $rp || $rp == -1 ]]; then
        fail "bench-boot: vbare $a $d run $run: no ping reply within $LIMIT s (see $lg)"
        return 1
    fi
    add "$k" reply "$rp"
    # The boot stages (bootstage), milliseconds from boot_main's entry.
    local st name
    while IFS=$'\t' read -r st name; do
        add "$k" "stage $name" "$st"
        [[ -n ${STAGE_SEEN[$name]:-} ]] || { STAGE_SEEN[$name]=1; STAGES+=("$name"); }
    done < <(tr -d '\r' <"$lg" | sed -n 's/^ *[0-9.]* serial bootstage: *\([0-9][0-9]*\.[0-9]*\) ms  \(.*\)$/\1\t\2/p')
    add "$k" boot "$(awk -v r="$rp" -v f="$fb" 'BEGIN { print r - f }')"
    [[ -n $FLOOR_MS ]] && add "$k" diff "$(awk -v r="$rp" -v f="$FLOOR_MS" 'BEGIN { print r - f }')"
    if [[ -n $tp ]]; then
        local tr
        tr=$(awk -v r="$rp" -v t="$tp" 'BEGIN { print r - t }')
        add "$k" treply "$tr"
        [[ -n $FLOOR_TAP ]] && add "$k" tdiff "$(awk -v r="$tr" -v f="$FLOOR_TAP" 'BEGIN { print r - f }')"
    fi
    if [[ -n $cr && -n $ct ]]; then
        local c
        c=$(awk -v r="$cr" -v t="$ct" 'BEGIN { print r - t }')
        add "$k" creply "$c"
        [[ -n $FLOOR_CPU ]] && add "$k" cdiff "$(awk -v r="$c" -v f="$FLOOR_CPU" 'BEGIN { print r - f }')"
    fi
    return 0
}

start=$SECONDS
for run in $(seq "$runs"); do
    for a in "${arches[@]}"; do
        for d in "${DEVSETS[@]}"; do
            FLOOR_MS='' FLOOR_TAP='' FLOOR_CPU=''
            boot "$a" "$d" floor "$run" || true
            for j in "${!fws[@]}"; do
                boot "$a" "$d" vbare "$run" "$j" || true
            done
        done
    done
done
for a in "${arches[@]}"; do
    if ((short)) && [[ -n ${V[$a net 0|reply]:-} ]]; then
        note "PASS: bench-boot --short: $a: floor $(median "$a net" floor) ms, first ping reply $(median "$a net 0" reply) ms"
    fi
done
log "done in $((SECONDS - start)) s; timestamped consoles in $OUT/"
finish
