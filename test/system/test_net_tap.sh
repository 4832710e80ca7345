#!/usr/bin/env bash
# test_net_tap.sh - the guest on a TAP device inside a network namespace this
# test creates (192.0.2.0/24; QEMU runs inside the namespace), on every ARCH
# and both transports, with every optional feature, with mrg_rxbuf, status,
# event_idx and indirect_desc off, and (modern) with packed virtqueues:
# ping -c 50 loses nothing, ping -s 1472
# works, ARP resolves both ways, UDP echo is byte-exact.  The namespace and
# the QEMU it started are removed on exit, whatever happens.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/tap.sh"
tap_setup || finish

OFF=mrg_rxbuf=off,event_idx=off,indirect_desc=off,status=off
for arch in $ARCHES; do
    for mmio in legacy modern; do
        for feat in all off packed; do
            [[ $feat == packed && $mmio == legacy ]] && continue # legacy has no packed rings
            name="$arch $mmio features=$feat tap"
            log=$LOGDIR/net-tap-$arch-$mmio-$feat.log
            opts= pk=
            [[ $feat == off ]] && opts=$OFF
            [[ $feat == packed ]] && pk=--packed
            tap_probe "$name" "$log" --arch "$arch" --mmio "$mmio" --devices net,rng $pk \
                ${opts:+--net-opts "$opts"} "build/$arch/firmware.elf"
            # The features line, which "split" needs as much as "packed".
            f=$(tr -d '\r' <"$log" | sed -n 's/^net: virtio-net .*features:\(.*\)$/\1 /p' | head -1)
            ring=split want=split
            [[ $f == *" ring_packed "* ]] && ring=packed
            [[ $feat == packed ]] && want=packed
            if [[ -z $f ]]; then
                fail "$name: no 'net: virtio-net ... features:' line in $log"
            elif [[ $ring == "$want" ]]; then
                pass "$name: $ring virtqueues"
            else
                fail "$name: $ring virtqueues negotiated (features:$f)"
            fi
        done
    done
done
finish
