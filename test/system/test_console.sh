#!/usr/bin/env bash
# test_console.sh - virtio-console port 0 as a byte stream in both
# directions, through a QEMU chardev socket, on every ARCH and transport.
. "$(dirname "$0")/lib.sh"

for arch in $ARCHES; do
    for mmio in legacy modern; do
        name="$arch $mmio"
        sock=$(mktemp -u /tmp/vbare-con.XXXXXX)
        log=$LOGDIR/console-$arch-$mmio.log
        timeout --kill-after=5 60 tools/qemu-run.sh --arch "$arch" --mmio "$mmio" --devices console,rng \
            --console-chardev "socket,path=$sock,server=on,wait=off" "build/$arch/firmware.elf" >"$log" 2>&1 &
        pid=$!
        if out=$(python3 tools/console-echo.py "$sock" 50 2>&1); then
            pass "$name: ${out##*$'\n'}"
        else
            fail "$name: $(echo "$out" | tail -3 | tr '\n' ' ')"
        fi
        read -r addr _ < <(virt_dev "$arch" 0)
        expect_grep "$log" "^console: virtio-console at $addr, port 0 echoes" "$name: console driver up"
        expect_no_grep "$log" 'CRASH' "$name: no crash"
        kill "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rm -f "$sock"
    done
done
finish
