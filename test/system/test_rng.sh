#!/usr/bin/env bash
# test_rng.sh - virtio-rng end to end: 16 bytes at boot, delivered by the
# device's interrupt through the GIC or the PLIC (the driver counts it), on
# every ARCH and both transports; two boots give different bytes; polling
# mode works with no interrupt at all.
. "$(dirname "$0")/lib.sh"

rng_line() { tr -d '\r' <"$1" | sed -n 's/^rng: \(\([0-9a-f]\{2\} \)\{15\}[0-9a-f]\{2\}\) .*/\1/p'; }

for arch in $ARCHES; do
    for mmio in legacy modern; do
        ver=1; [[ $mmio == modern ]] && ver=2
        gic=(--gic 2); [[ $arch == aarch64 ]] && gic=(--gic 3)
        [[ $arch == riscv64 ]] && gic=()
        a=$LOGDIR/rng-$arch-$mmio-1.log b=$LOGDIR/rng-$arch-$mmio-2.log
        boot "$a" 30 --arch "$arch" --mmio "$mmio" "${gic[@]}" --devices net,rng --append poweroff
        boot "$b" 30 --arch "$arch" --mmio "$mmio" "${gic[@]}" --devices net,rng --append poweroff
        expect_grep "$a" "^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \\(virtio-mmio v$ver, [1-9][0-9]* interrupts?\\)\$" \
            "$arch $mmio: 16 random bytes arrive by interrupt"
        x=$(rng_line "$a") y=$(rng_line "$b")
        if [[ -n $x && -n $y && $x != "$y" ]]; then
            pass "$arch $mmio: two boots give different bytes"
        else
            fail "$arch $mmio: two boots gave '$x' and '$y'"
        fi
        [[ -n $x && $x != "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00" ]] && pass "$arch $mmio: bytes are not all zero" \
            || fail "$arch $mmio: bytes '$x' (none, or all zero)"
        p=$LOGDIR/rng-$arch-$mmio-poll.log
        boot "$p" 30 --arch "$arch" --mmio "$mmio" --devices rng --append "poweroff rng=poll"
        expect_grep "$p" "^rng: ([0-9a-f]{2} ){15}[0-9a-f]{2} \\(virtio-mmio v$ver, polled, 0 interrupts\\)\$" \
            "$arch $mmio: polling mode reads without an interrupt"
    done
done
finish
