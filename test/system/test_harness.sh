#!/usr/bin/env bash
# test_harness.sh - the system tests' own guard fails when it must: a QEMU
# start-up warning in a log (the fresh-machine failure: "failed to find
# romfile") fails the test that wrote it, an expected message does not, and
# every QEMU command line qemu-run.sh builds names its network (-nic none
# unless it adds its own), so QEMU never creates a default NIC.
source "$(dirname "$0")/lib.sh"

# Run the guard in a subshell over one fake log; print its failure count.
guard_on() {
    local dir
    dir=$(mktemp -d "$LOGDIR/.harness.XXXXXX")
    (
        LOGDIR=$dir failures=0
        TEST_STAMP=$(mktemp "$dir/.stamp.XXXXXX")
        touch -d '1 minute ago' "$TEST_STAMP"
        printf '%s\n' "$@" >"$dir/boot.log"
        qemu_messages_check >/dev/null
        echo "$failures"
    )
    rm -rf "$dir"
}

n=$(guard_on 'vbare: aarch64 firmware' 'qemu-system-aarch64: failed to find romfile "efi-virtio.rom"')
[[ $n == 1 ]] && pass "guard: a missing option ROM fails the test" || fail "guard: missing ROM gave $n failures, not 1"
n=$(guard_on 'qemu-system-arm: warning: something new' 'boot: done')
[[ $n == 1 ]] && pass "guard: any other QEMU warning fails the test" || fail "guard: warning gave $n failures, not 1"
n=$(guard_on 'boot: done' 'qemu-system-aarch64: terminating on signal 15 from pid 1 (timeout)')
[[ $n == 0 ]] && pass "guard: QEMU ended by the test on purpose is not a failure" || fail "guard: signal line gave $n failures"
n=$(guard_on $'qemu-system-aarch64: failed to find romfile "efi-virtio.rom"\r')
[[ $n == 1 ]] && pass "guard: CRLF logs are read too" || fail "guard: CRLF log gave $n failures, not 1"

# Every device set qemu-run.sh can build: -nic none always, and a netdev
# only where net is asked for.
fw=build/aarch64/firmware.elf
for devs in rng blk,rng console,rng net,rng net,blk,rng,console; do
    for net in user none; do
        cmd=$(tools/qemu-run.sh --arch aarch64 --devices "$devs" --net "$net" --dry-run "$fw")
        cmd=${cmd//\\/} # --dry-run quotes with printf %q: user\,id=n0
        if [[ $cmd == *" -nic none "* ]]; then
            pass "qemu-run: --devices $devs --net $net: -nic none"
        else
            fail "qemu-run: --devices $devs --net $net: no -nic none in: $cmd"
        fi
        if [[ ,$devs, == *,net,* && $net != none ]]; then
            [[ $cmd == *"-netdev user,id=n0"* ]] && pass "qemu-run: --devices $devs: its own netdev" ||
                fail "qemu-run: --devices $devs: no netdev in: $cmd"
        else
            [[ $cmd != *-netdev* ]] && pass "qemu-run: --devices $devs --net $net: no netdev" ||
                fail "qemu-run: --devices $devs --net $net: a netdev in: $cmd"
        fi
    done
done
# A capture needs a network and a writable folder, and says so in words.
out=$(tools/qemu-run.sh --arch aarch64 --devices rng --pcap build/x.pcap --dry-run "$fw" 2>&1)
[[ $out == *"--pcap needs a network device"* ]] && pass "qemu-run: --pcap without net is refused in words" ||
    fail "qemu-run: --pcap without net: $out"
out=$(tools/qemu-run.sh --arch aarch64 --pcap /nonexistent/x.pcap --dry-run "$fw" 2>&1)
[[ $out == *"cannot write in '/nonexistent'"* ]] && pass "qemu-run: --pcap into a missing folder is refused in words" ||
    fail "qemu-run: --pcap /nonexistent: $out"
cmd=$(tools/qemu-run.sh --arch aarch64 --pcap build/x.pcap --dry-run "$fw")
cmd=${cmd//\\/}
[[ $cmd == *"filter-dump,id=pcap0,netdev=n0,file=build/x.pcap"* ]] && pass "qemu-run: --pcap adds a filter-dump on the netdev" ||
    fail "qemu-run: --pcap: $cmd"
finish
