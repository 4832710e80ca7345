#!/usr/bin/env bash
# footprint.sh ARCH... - text, data and bss per component, one column per
# ARCH (arm, aarch64, riscv64), from the cross `size` on the object files
# the Makefile links for that ARCH (build them first: make images), and of
# the linked firmware.elf.  Output: a markdown table, then a second one for
# TCP: net/tcp.c's text as built, its text as Thumb-2 at -Os (arm-none-eabi
# with the arm build's flags plus -mthumb -Os; issue 14's bound is 8 KiB),
# and the RAM of a connection and of the whole stack, sizeof(struct
# tcp_conn) and sizeof(struct tcp_stack) as each ARCH's compiler lays them
# out (a one-line object built in build/bench/footprint/, read with nm -S).
#
# The object list and the size tool come from the Makefile itself (OBJS and
# SIZE, printed through --eval), so objects left in build/ by a renamed or
# removed source are not counted.
set -euo pipefail
cd "$(dirname "$0")/.."
(($#)) || set -- arm aarch64 riscv64

# component: source path prefixes (boot/ARCH is the ARCH's own)
order=(boot drivers/fdt "irqchip, timer, uart" "virtio core" virtio-net virtio-blk virtio-rng virtio-console "net/ stack" apps)
declare -A comp=(
    [boot]="boot/ARCH/ board/ lib/"
    [drivers/fdt]="drivers/fdt/"
    ["irqchip, timer, uart"]="drivers/irqchip/ drivers/timer/ drivers/uart/"
    ["virtio core"]="drivers/virtio/virtio.c drivers/virtio/virtio_mmio.c drivers/virtio/virtqueue.c drivers/virtio/virtqueue_split.c drivers/virtio/virtqueue_packed.c drivers/virtio/mmio_probe.c"
    [virtio-net]="drivers/virtio/virtio_net.c"
    [virtio-blk]="drivers/virtio/virtio_blk.c"
    [virtio-rng]="drivers/virtio/virtio_rng.c"
    [virtio-console]="drivers/virtio/virtio_console.c"
    ["net/ stack"]="net/"
    [apps]="apps/"
)

declare -A V=() # "text|component|arch" (and data, bss) -> bytes
declare -A T=() # TCP: "built|arch", "thumb|arm", "conn|arch", "stack|arch" -> bytes
for arch in "$@"; do
    case $arch in arm | aarch64 | riscv64) ;; *) echo "footprint: unknown ARCH $arch" >&2; exit 2 ;; esac
    [[ -f build/$arch/firmware.elf ]] || { echo "footprint: no build/$arch/firmware.elf (make ARCH=$arch)" >&2; exit 1; }
    # shellcheck disable=SC2016  # $(SIZE), $(OBJS), $(CC), $(CFLAGS) are make's
    { read -r size; read -ra objs; read -ra cc; } < <(make -s --no-print-directory ARCH="$arch" \
        --eval 'footprint-vars: ; @echo $(SIZE); echo $(OBJS); echo $(CC) $(CFLAGS)' footprint-vars)
    command -v "$size" >/dev/null || { echo "footprint: no $size (make ARCH=$arch installs it)" >&2; exit 1; }
    tt=0 td=0 tb=0 counted=0
    for c in "${order[@]}"; do
        files=()
        for o in "${objs[@]}"; do
            src=${o#build/"$arch"/obj/}
            src=${src%.o}
            for p in ${comp[$c]}; do
                p=${p//ARCH/$arch}
                if [[ $p == */ && $src == "$p"* ]] || [[ $src == "$p" ]]; then
                    files+=("$o")
                    break
                fi
            done
        done
        ((${#files[@]})) || continue
        for f in "${files[@]}"; do
            [[ -f $f ]] || { echo "footprint: no $f (make ARCH=$arch)" >&2; exit 1; }
        done
        read -r t d b < <($size "${files[@]}" | awk 'NR > 1 {t += $1; d += $2; b += $3} END {print t, d, b}')
        V[text|$c|$arch]=$t V[data|$c|$arch]=$d V[bss|$c|$arch]=$b
        tt=$((tt + t)) td=$((td + d)) tb=$((tb + b)) counted=$((counted + ${#files[@]}))
    done
    ((counted == ${#objs[@]})) || { echo "footprint: $arch: $((${#objs[@]} - counted)) object(s) in no component" >&2; exit 1; }
    V[text|all|$arch]=$tt V[data|all|$arch]=$td V[bss|all|$arch]=$tb
    read -r t d b < <($size "build/$arch/firmware.elf" | awk 'NR == 2 {print $1, $2, $3}')
    V[text|elf|$arch]=$t V[data|elf|$arch]=$d V[bss|elf|$arch]=$b

    # TCP: the object as built, Thumb-2 -Os (from the arm build's flags), and
    # the structures' sizes as this ARCH lays them out.
    fp=build/bench/footprint
    mkdir -p "$fp"
    o=build/$arch/obj/net/tcp.c.o
    [[ -f $o ]] && T[built|$arch]=$($size "$o" | awk 'NR == 2 {print $1}')
    if [[ $arch == arm ]] &&
        "${cc[@]}" -fno-lto -mthumb -Os -c net/tcp.c -o "$fp/tcp-thumb2-Os.o" 2>"$fp/tcp-thumb2-Os.log"; then
        T[thumb|$arch]=$($size "$fp/tcp-thumb2-Os.o" | awk 'NR == 2 {print $1}')
    fi
    if printf '#include "tcp.h"\nstruct tcp_conn fp_conn;\nstruct tcp_stack fp_stack;\n' |
        "${cc[@]}" -fno-lto -x c -c - -o "$fp/tcp-sizeof-$arch.o" 2>"$fp/tcp-sizeof-$arch.log"; then
        while read -r _ sz _ sym; do
            case $sym in fp_conn) T[conn|$arch]=$((10#$sz)) ;; fp_stack) T[stack|$arch]=$((10#$sz)) ;; esac
        done < <("${size%size}nm" -S -t d "$fp/tcp-sizeof-$arch.o")
    fi
done

head="| component |" rule="|---|"
for m in text data bss; do
    for arch in "$@"; do
        head+=" $m $arch |" rule+="---:|"
    done
done
echo "$head"
echo "$rule"
row() { # LABEL KEY
    local line="| $1 |" m arch
    for m in text data bss; do
        for arch in "${@:3}"; do
            line+=" ${V[$m|$2|$arch]:-—} |"
        done
    done
    echo "$line"
}
for c in "${order[@]}"; do
    row "$c" "$c" "$@"
done
row "**all (objects)**" all "$@"
row "**firmware.elf (linked, --gc-sections)**" elf "$@"

tcp_max=$(sed -n 's/^#define TCP_MAX_CONNS \([0-9]*\)$/\1/p' net/tcp.h)
echo
echo "TCP (net/tcp.c; net/tcp.h's defaults: $tcp_max connections, TCP_SND_BUF and TCP_RCV_BUF of $(sed -n 's/^#define TCP_SND_BUF \([0-9]*\)u$/\1/p' net/tcp.h) and $(sed -n 's/^#define TCP_RCV_BUF \([0-9]*\)u$/\1/p' net/tcp.h) bytes), in bytes:"
echo
head="| TCP |" rule="|---|"
for arch in "$@"; do head+=" $arch |" rule+="---:|"; done
echo "$head"
echo "$rule"
trow() { # LABEL KEY
    local line="| $1 |" arch
    for arch in "${@:3}"; do line+=" ${T[$2|$arch]:-—} |"; done
    echo "$line"
}
trow "net/tcp.c text, as built (-O2; arm: A32)" built "$@"
trow "net/tcp.c text, Thumb-2 -Os (arm-none-eabi, -mthumb -Os; bound 8192)" thumb "$@"
trow "sizeof(struct tcp_conn): RAM per connection, buffers included" conn "$@"
trow "sizeof(struct tcp_stack): $tcp_max connections, listeners, key" stack "$@"
