#!/usr/bin/env bash
# test_harness.sh - the system tests' own guard fails when it must: a QEMU
# start-up warning in a log (the fresh-machine failure: "failed to find
# romfile") fails the test that wrote it, an expected message does not, and
# every QEMU command line qemu-run.sh builds names its network (-nic none
# unless it adds its own), so QEMU never creates a default NIC; riscv64's
# names Debian's OpenSBI (package opensbi) as its -bios, never QEMU's own
# copy, and the options that make no sense there are refused in words.
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
n=$(guard_on 'OpenSBI v1.1' 'qemu-system-riscv64: warning: something new' 'boot: done')
[[ $n == 1 ]] && pass "guard: a riscv64 QEMU warning fails the test" || fail "guard: riscv64 warning gave $n failures, not 1"
# QEMU's stderr shares the log with the serial port: a message that comes
# while the shell's prompt (no newline) is open starts mid-line.
n=$(guard_on 'vbare> qemu-system-aarch64: virtio: zero sized buffers are not allowed')
[[ $n == 1 ]] && pass "guard: a QEMU message after an open prompt fails the test" ||
    fail "guard: a message after 'vbare> ' gave $n failures, not 1"
n=$(guard_on 'vbare> qemu-system-aarch64: terminating on signal 15 from pid 1 (timeout)')
[[ $n == 0 ]] && pass "guard: QEMU ended on purpose while the prompt is open is not a failure" ||
    fail "guard: signal line after 'vbare> ' gave $n failures"
# A test that wrote no log at all booted nothing: no PASS for its boots.
out=$(
    dir=$(mktemp -d "$LOGDIR/.harness.XXXXXX")
    LOGDIR=$dir failures=0 TEST_STAMP=$(mktemp "$dir/.stamp.XXXXXX")
    qemu_messages_check
    echo "failures=$failures"
    rm -rf "$dir"
)
[[ $out == failures=0 ]] && pass "guard: no log, no PASS line for the boots" || fail "guard: with no log it said: $out"

# expect_no_grep: a log that is missing or empty is no evidence of absence.
nog_dir=$(mktemp -d "$LOGDIR/.harness.XXXXXX")
printf 'boot: done\n' >"$nog_dir/ok.log"
: >"$nog_dir/empty.log"
for c in "ok.log 0" "empty.log 1" "missing.log 1"; do
    read -r f want <<<"$c"
    n=$( (failures=0; expect_no_grep "$nog_dir/$f" 'CRASH' x >/dev/null 2>&1; echo "$failures") )
    [[ $n == "$want" ]] && pass "expect_no_grep on $f: $want failures" || fail "expect_no_grep on $f: $n failures, not $want"
done
rm -rf "$nog_dir"

# Every device set qemu-run.sh can build: -nic none always, and a netdev
# only where net is asked for.
for arch in aarch64 riscv64; do
    fw=build/$arch/firmware.elf
    for devs in rng blk,rng console,rng net,rng net,blk,rng,console; do
        for net in user none; do
            what="qemu-run: $arch --devices $devs --net $net"
            cmd=$(tools/qemu-run.sh --arch "$arch" --devices "$devs" --net "$net" --dry-run "$fw")
            cmd=${cmd//\\/} # --dry-run quotes with printf %q: user\,id=n0
            if [[ $cmd == *" -nic none "* ]]; then
                pass "$what: -nic none"
            else
                fail "$what: no -nic none in: $cmd"
            fi
            if [[ ,$devs, == *,net,* && $net != none ]]; then
                [[ $cmd == *"-netdev user,id=n0"* ]] && pass "$what: its own netdev" ||
                    fail "$what: no netdev in: $cmd"
            else
                [[ $cmd != *-netdev* ]] && pass "$what: no netdev" ||
                    fail "$what: a netdev in: $cmd"
            fi
        done
    done
done
# A capture needs a network and a writable folder, and says so in words.
fw=build/aarch64/firmware.elf
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

# riscv64: qemu-system-riscv64 -M virt (no GIC), Debian's OpenSBI named as
# the -bios (QEMU's own copy belongs to a package qemu-system-misc only
# recommends), the options shared with ARM on the same command line.
fw=build/riscv64/firmware.elf
cmd=$(tools/qemu-run.sh --arch riscv64 --mmio modern --smp 2 --mem 1G --net user --hostfwd 5555 \
    --pcap build/x.pcap --dry-run "$fw")
cmd=${cmd//\\/}
[[ $cmd == "qemu-system-riscv64 -M virt -cpu rv64 -m 1G -nic none -smp 2 "* ]] &&
    pass "qemu-run: riscv64: qemu-system-riscv64 -M virt, rv64, -m and -smp as asked" ||
    fail "qemu-run: riscv64: $cmd"
[[ $cmd == *" -bios /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin -kernel $fw "* ]] &&
    pass "qemu-run: riscv64: Debian's OpenSBI fw_dynamic as -bios, then -kernel" ||
    fail "qemu-run: riscv64: no -bios .../opensbi/generic/fw_dynamic.bin in: $cmd"
[[ $cmd != *gic* && $cmd == *"-global virtio-mmio.force-legacy=false"* &&
   $cmd == *"hostfwd=udp:127.0.0.1:5555-:7"* && $cmd == *"filter-dump,id=pcap0,netdev=n0"* ]] &&
    pass "qemu-run: riscv64: no GIC; --mmio modern, --hostfwd, --pcap as on ARM" ||
    fail "qemu-run: riscv64 options: $cmd"
xdtb=$(mktemp "$LOGDIR/.harness.XXXXXX.dtb") # --dtb names a file that is there
cmd=$(tools/qemu-run.sh --arch riscv64 --net tap:tap0 --devices net --dtb "$xdtb" --icount --gdb-port 4321 --dry-run "$fw")
cmd=${cmd//\\/}
rm -f "$xdtb"
[[ $cmd == *"-netdev tap,id=n0,ifname=tap0,"* && $cmd == *" -dtb $xdtb "* && $cmd == *" -icount shift=0 "* &&
   $cmd == *" -S -gdb tcp:127.0.0.1:4321"* && $cmd != *" -smp "* ]] &&
    pass "qemu-run: riscv64: --net tap, --dtb, --icount, --gdb-port as on ARM; one CPU unless asked" ||
    fail "qemu-run: riscv64 tap/dtb/icount/gdb: $cmd"
refused() { # what expected-words qemu-run-options...
    local what=$1 words=$2 out
    shift 2
    if out=$(tools/qemu-run.sh "$@" --dry-run "$fw" 2>&1); then
        fail "qemu-run: $what: accepted: $out"
    elif [[ $out == *"$words"* ]]; then
        pass "qemu-run: $what: refused in words"
    else
        fail "qemu-run: $what: refused, but not with '$words': $out"
    fi
}
refused "riscv64 --gic 3" "riscv64 has no GIC" --arch riscv64 --gic 3
refused "riscv64 --board xlnx-versal-virt" "riscv64 runs on QEMU's riscv virt only" --arch riscv64 --board xlnx-versal-virt
refused "riscv64 --loader" "would start the CPU at the image in M-mode" --arch riscv64 --loader 0x80400000
refused "riscv64 --uboot without an environment" "no environment at" --arch riscv64 --uboot build/x.fd
refused "--smp 0" "--smp takes a number of CPUs" --arch riscv64 --smp 0
refused "--arch mips" "--arch must be arm, aarch64 or riscv64" --arch mips
out=$(tools/qemu-run.sh --arch mips --dry-run build/mips/firmware.elf 2>&1)
[[ $out == *"--arch must be arm, aarch64 or riscv64, not 'mips'"* ]] &&
    pass "qemu-run: --arch mips with no firmware: the ARCH refused, no 'make ARCH=mips'" || fail "qemu-run: --arch mips, no firmware: $out"
# -m 0 is QEMU's default RAM (a silent 128M), -m abc QEMU's own error.
refused "--mem 0" "--mem takes a RAM size above 0" --arch riscv64 --mem 0
refused "--mem abc" "--mem takes a RAM size above 0" --arch riscv64 --mem abc
# Ports: 1 to 65535 in decimal, said before QEMU's own error (or, for a
# host port 0, a forward from some port nobody is told).
refused "--hostfwd 0" "--hostfwd takes a port number from 1 to 65535" --arch riscv64 --hostfwd 0
refused "--hostfwd 08080" "--hostfwd takes a port number from 1 to 65535" --arch riscv64 --hostfwd 08080
refused "--tcpfwd 70000:23" "--tcpfwd takes HOSTPORT:GUESTPORT, each from 1 to 65535" --arch riscv64 --tcpfwd 70000:23
refused "--tcpfwd 2323:23 --tcpfwd 2323:80" "--tcpfwd: host port 2323 is forwarded twice" --arch riscv64 --tcpfwd 2323:23 --tcpfwd 2323:80
refused "--gdb-port abc" "--gdb-port takes a port number from 1 to 65535" --arch riscv64 --gdb-port abc
refused "--net udp:0:99999" "--net udp:LOCALPORT:REMOTEPORT, each from 1 to 65535" --arch riscv64 --net udp:0:99999
# Boards with a GIC of their own dropped a --gic without a word (v3 given,
# v2 booted); make run passes --gic to virt alone.
out=$(tools/qemu-run.sh --arch arm --board vexpress-a15 --gic 3 --dry-run build/arm/firmware.bin 2>&1)
[[ $out == *"vexpress-a15 has its own GICv2"* ]] && pass "qemu-run: --board vexpress-a15 --gic 3: refused in words" ||
    fail "qemu-run: --board vexpress-a15 --gic 3: $out"
out=$(tools/qemu-run.sh --arch aarch64 --board xlnx-versal-virt --gic 2 --dry-run build/aarch64/firmware.bin 2>&1)
[[ $out == *"xlnx-versal-virt has its own GICv3"* ]] && pass "qemu-run: --board xlnx-versal-virt --gic 2: refused in words" ||
    fail "qemu-run: --board xlnx-versal-virt --gic 2: $out"
out=$(tools/qemu-run.sh --arch aarch64 --board xlnx-versal-virt --cpu cortex-a53 --dry-run build/aarch64/firmware.bin 2>&1)
[[ $out == *"xlnx-versal-virt has its own Cortex-A72s"* ]] &&
    pass "qemu-run: --board xlnx-versal-virt --cpu cortex-a53: refused in words" ||
    fail "qemu-run: --board xlnx-versal-virt --cpu cortex-a53 (silently an A72): $out"
# Another target's QEMU: said in words, not QEMU's error about -cpu or -M.
refused "riscv64 --qemu qemu-system-aarch64" "riscv64 runs on qemu-system-riscv64" --arch riscv64 --qemu qemu-system-aarch64
refused "arm --qemu qemu-system-riscv64" "arm runs on qemu-system-aarch64 or qemu-system-arm" --arch arm --qemu qemu-system-riscv64
# A file an option names that is not there: said in words, not QEMU's
# "Could not open".
refused "--disk missing" "--disk: no image at build/nonexistent.img" --arch riscv64 --disk build/nonexistent.img
refused "--initrd missing" "--initrd: no file at build/nonexistent.cpio" --arch riscv64 --initrd build/nonexistent.cpio
refused "--dtb missing" "--dtb: no device tree at build/nonexistent.dtb" --arch riscv64 --dtb build/nonexistent.dtb
# --loader with an ELF: QEMU's loader ignores addr= for it (the ELF ran at
# its link address, not ADDR).
xelf=$(mktemp "$LOGDIR/.harness.XXXXXX.elf")
printf '\177ELF\002\001\001' >"$xelf"
out=$(tools/qemu-run.sh --arch aarch64 --loader 0x48000000 --dry-run "$xelf" 2>&1)
[[ $out == *"is an ELF, which QEMU's loader places at its own addresses"* ]] &&
    pass "qemu-run: --loader with an ELF: refused in words" || fail "qemu-run: --loader with an ELF: $out"
rm -f "$xelf"
# A kind twice in --devices: QEMU's "Duplicate ID"; rng twice is fine.
refused "--devices net,rng,net" "--devices: net given twice" --arch riscv64 --devices net,rng,net
refused "--devices console,console" "--devices: console given twice" --arch riscv64 --devices console,console
cmd=$(tools/qemu-run.sh --arch riscv64 --devices rng,rng --dry-run "$fw" 2>&1)
[[ $cmd == *virtio-rng-device*virtio-rng-device* ]] && pass "qemu-run: --devices rng,rng: two entropy devices" ||
    fail "qemu-run: --devices rng,rng: $cmd"
# --net tap: with no name was QEMU's "make a new tapN", connected to nothing.
refused "--net tap:" "--net tap:IFNAME takes the name of a TAP interface" --arch riscv64 --net tap:
# Forwards with no user network to carry them were dropped without a word.
refused "--net tap:tap0 --hostfwd" "they need --devices with net and a --net user" --arch riscv64 --net tap:tap0 --hostfwd 5555
refused "--devices rng --tcpfwd" "they need --devices with net and a --net user" --arch riscv64 --devices rng --tcpfwd 2323:23
# An option that takes a value, given last without one: refused in words
# (it was bash's "$2: unbound variable").
for o in --arch --mem --disk --append --monitor; do
    out=$(tools/qemu-run.sh --dry-run "$o" 2>&1)
    rc=$?
    [[ $rc == 2 && $out == "qemu-run: $o needs a value"* ]] && pass "qemu-run: $o without its value: refused in words" ||
        fail "qemu-run: $o without its value: status $rc: $out"
done
# A QEMU that is not there (the README runs qemu-run.sh directly, where
# make run has not installed QEMU): said in words, not bash's "exec: not
# found".  (tools/deps.sh run-aarch64 has nothing to install here.)
out=$(tools/qemu-run.sh --arch aarch64 --qemu qemu-system-aarch64-vbare-none build/aarch64/firmware.elf 2>&1 </dev/null)
rc=$?
[[ $rc == 2 && $out == *"qemu-run: no qemu-system-aarch64-vbare-none here"* ]] &&
    pass "qemu-run: a QEMU binary that is missing: said in words" || fail "qemu-run: missing QEMU: status $rc: $out"
# A mistyped option where QEMU is missing: the option is named, before
# anything is installed (it was "no QEMU here" after tools/deps.sh ran).
for o in "--mmio v3" "--devices net,bogus"; do
    out=$(tools/qemu-run.sh --arch aarch64 --qemu qemu-system-aarch64-vbare-none $o build/aarch64/firmware.elf 2>&1 </dev/null)
    [[ $out == "qemu-run: "*"${o##*[ ,]}"* && $out != *"no qemu-system"* ]] &&
        pass "qemu-run: $o with QEMU missing: the option refused first" || fail "qemu-run: $o with QEMU missing: $out"
done
# The bench scripts likewise: a missing value or a word they do not take is
# refused in words with status 2 before anything runs (bench.sh ran the
# whole bench for a mistyped --short; the others ended on bash's "$2:
# unbound variable").
for c in "tools/bench.sh --shrot" "tools/bench-instr.sh --short x86" "tools/bench-boot.sh --runs" \
    "tools/bench-boot.sh --fw" "tools/bench-rtt.sh --runs" "tools/tb-cost.sh --runs" "tools/trace-echo.sh --count" \
    "tools/fuzz-campaign.sh --san"; do
    out=$(timeout --kill-after=2 10 $c 2>&1 </dev/null)
    rc=$?
    [[ $rc == 2 && ($out == *": ${c##* } needs a value"* || $out == usage:*) ]] && pass "$c: refused in words" ||
        fail "$c: status $rc: ${out:0:200}"
done

# The README's way to the options: --help prints the header, exit status 0.
if out=$(tools/qemu-run.sh --help 2>&1) && [[ $out == *"--arch arm|aarch64|riscv64"* && $out == *"--dry-run"* && $out != *"set -euo"* ]]; then
    pass "qemu-run: --help prints the options"
else
    fail "qemu-run: --help: $out"
fi
# --interactive kept no --monitor (test_recovery's kind, by hand): the
# monitor as asked, and the serial port still on stdio with Ctrl-A X.
cmd=$(tools/qemu-run.sh --arch aarch64 --interactive --monitor unix:build/m.sock,server=on,wait=off --dry-run "$fw" 2>&1)
cmd=${cmd//\\/}
[[ $cmd == *" -nographic -monitor unix:build/m.sock,server=on,wait=off -serial mon:stdio"* ]] &&
    pass "qemu-run: --interactive --monitor: the monitor, and the serial port on stdio" ||
    fail "qemu-run: --interactive --monitor: $cmd"
# make debug's gdb stub: on the loopback only, as the user network's
# forwards (an open stub on every interface would let anyone on the
# network stop the guest and write its memory).
cmd=$(tools/qemu-run.sh --arch aarch64 --debug --dry-run "$fw")
cmd=${cmd//\\/}
[[ $cmd == *"-S -gdb tcp:127.0.0.1:1234"* && $cmd == *"target remote :1234"* ]] &&
    pass "qemu-run: --debug: a gdb stub on 127.0.0.1:1234 and the command to attach" ||
    fail "qemu-run: --debug: $cmd"
# make debug BOARD=vexpress-a15 (or LOADER=uboot) boots firmware.bin: gdb
# takes no raw image ("not in executable format"), so the hint names none.
xbin=$(mktemp "$LOGDIR/.harness.XXXXXX.bin")
head -c 64 /dev/zero >"$xbin"
out=$(tools/qemu-run.sh --arch aarch64 --debug --dry-run "$xbin" 2>&1)
[[ $out == *"gdb-multiarch -ex 'target remote :1234'"* && $out != *"gdb-multiarch $xbin"* ]] &&
    pass "qemu-run: --debug with firmware.bin: the gdb command takes no raw image" || fail "qemu-run: --debug with a .bin: $out"
rm -f "$xbin"
# free_port never gives one port twice in a test (the kernel may offer a
# port again while nothing listens on it: QEMU then got two forwards on one
# port and did not start).  The port source here offers 40000 twice.
calls=$(mktemp)
echo 0 >"$calls"
python3() {
    local c
    c=$(<"$calls")
    echo $((c + 1)) >"$calls"
    ((c < 2)) && echo 40000 || echo 40001
}
a=$(free_port) b=$(free_port)
unset -f python3
rm -f "$calls"
[[ $a == 40000 && $b == 40001 ]] && pass "free_port: a port already given is not given again" ||
    fail "free_port gave $a, then $b"
# serial-drive.py ended by SIGTERM (make check interrupted, CI cancelled)
# stops the program it drives: that runs in a session of its own, out of
# reach of the signal, and test_shell.sh's QEMU has no timeout; it ran on.
sd_dir=$(mktemp -d)
python3 tools/serial-drive.py "$sd_dir/log" 'wait:never' -- sh -c "echo \$\$ >$sd_dir/pid; exec sleep 300" &
sd=$!
for _ in $(seq 50); do [[ -s $sd_dir/pid ]] && break; sleep 0.1; done
kill -TERM "$sd"
wait "$sd"
child=$(<"$sd_dir/pid")
if [[ -n $child ]] && ! kill -0 "$child" 2>/dev/null; then
    pass "serial-drive.py: SIGTERM stops the program it started too"
else
    fail "serial-drive.py: after SIGTERM its program (pid '$child') still runs"
    [[ -n $child ]] && kill "$child" 2>/dev/null
fi
rm -rf "$sd_dir"
# make run's switches: PACKED=0 is off (it was on: any value was), a value
# that is neither 0 nor 1 is refused in words, PACKED=1 alone too.
run_n() { make -n run "$@" 2>&1 | grep -E '\*\*\*|qemu-run\.sh'; }
out=$(run_n PACKED=0 MMIO=modern)
[[ $out == *qemu-run.sh* && $out != *--packed* ]] && pass "make run: PACKED=0 is off" || fail "make run PACKED=0: $out"
out=$(run_n PACKED=1 MMIO=modern)
[[ $out == *--packed* ]] && pass "make run: PACKED=1 MMIO=modern asks for packed rings" || fail "make run PACKED=1: $out"
out=$(run_n PACKED=yes MMIO=modern)
[[ $out == *"PACKED must be 0 or 1, not 'yes'"* ]] && pass "make run: PACKED=yes refused in words" || fail "make run PACKED=yes: $out"
out=$(run_n PACKED=1)
[[ $out == *"PACKED=1 needs MMIO=modern"* ]] && pass "make run: PACKED=1 without MMIO=modern refused in words" || fail "make run PACKED=1 legacy: $out"
# HOSTFWD= is no UDP forward, as TCPFWD= is none (the empty value used to
# take the next option as its port: a usage error about FIRMWARE).
out=$(run_n HOSTFWD=)
[[ $out == *qemu-run.sh* && $out != *--hostfwd* && $out == *"--tcpfwd 2323:23"* ]] &&
    pass "make run: HOSTFWD= forwards no UDP port" || fail "make run HOSTFWD=: $out"
# A BOARD that is none, or not the ARCH's, is refused before anything is
# built (qemu-run.sh said so only after the build).
out=$(make -n run BOARD=vexpres-a15 2>&1)
[[ $out == *"BOARD must be virt, xlnx-versal-virt (ARCH=aarch64) or vexpress-a15 (ARCH=arm), not 'vexpres-a15'"* &&
   $out != *deps.sh* ]] && pass "make run: BOARD=vexpres-a15 refused in words before the build" || fail "make run BOARD=vexpres-a15: ${out:0:300}"
out=$(make -n run ARCH=riscv64 BOARD=xlnx-versal-virt 2>&1)
[[ $out == *"BOARD=xlnx-versal-virt is an aarch64 board"* && $out != *deps.sh* ]] &&
    pass "make run: ARCH=riscv64 BOARD=xlnx-versal-virt refused in words before the build" ||
    fail "make run ARCH=riscv64 BOARD=xlnx-versal-virt: ${out:0:300}"
out=$(make -n run LOADER=uboot BOARD=vexpress-a15 2>&1)
[[ $out == *"LOADER=uboot: Debian's U-Boot is built for QEMU virt only"* && $out != *deps.sh* ]] &&
    pass "make run: LOADER=uboot BOARD=vexpress-a15 refused in words before the build" ||
    fail "make run LOADER=uboot BOARD=vexpress-a15: ${out:0:300}"
out=$(run_n BOARD=vexpress-a15)
[[ $out == *"qemu-run.sh "* && $out != *--gic* ]] && pass "make run BOARD=vexpress-a15: no --gic (its GIC is its own)" ||
    fail "make run BOARD=vexpress-a15: $out"
out=$(run_n ARCH=riscv64 GIC=3)
[[ $out == *"riscv64 has no GIC"* && $out != *qemu-run.sh* ]] && pass "make run: ARCH=riscv64 GIC=3 refused in words" ||
    fail "make run ARCH=riscv64 GIC=3 (silently a PLIC): $out"
out=$(run_n BOARD=vexpress-a15 GIC=3)
[[ $out == *"only QEMU virt has a choice of GIC"* && $out != *qemu-run.sh* ]] &&
    pass "make run: BOARD=vexpress-a15 GIC=3 refused in words" || fail "make run BOARD=vexpress-a15 GIC=3 (silently v2): $out"
# LOADER=uboot: make run and make debug install U-Boot and what writes its
# environment (python3 tools/uboot-env.py) before they use them.
for goal in run debug; do
    out=$(make -n "$goal" LOADER=uboot 2>&1 | grep -E 'deps\.sh|uboot-env\.py' | tr '\n' ' ')
    [[ $out == *"tools/deps.sh uboot "*"python3 tools/uboot-env.py"* ]] &&
        pass "make $goal LOADER=uboot: tools/deps.sh uboot before tools/uboot-env.py" ||
        fail "make $goal LOADER=uboot: $out"
done
# make debug boots make run's guest, halted: what make run installs (nc and
# curl, which the banner names; tcpdump for PCAP=) and gdb-multiarch.
out=$(make -n debug PCAP=build/x.pcap 2>&1 | grep -E 'deps\.sh' | tr '\n' ' ')
[[ $out == *"tools/deps.sh run-arm "*"tools/deps.sh pcap "*"tools/deps.sh debug-arm "* ]] &&
    pass "make debug PCAP=: installs what make run does, then gdb-multiarch" || fail "make debug PCAP=: $out"
# The README's one-unit-test command (make build/host/unit/svcparse) installs
# what the host tests build with (cmocka, libfdt, ...) first.
out=$(make --no-print-directory -n build/host/unit/svcparse 2>&1 | head -1)
[[ $out == "tools/deps.sh test" ]] && pass "make build/host/unit/NAME: tools/deps.sh test first" ||
    fail "make build/host/unit/svcparse begins with: $out"
grep -Eq '^uboot\) pkgs=\(.*\bpython3\b.*\)' tools/deps.sh && pass "tools/deps.sh uboot installs python3 (uboot-env.py)" ||
    fail "tools/deps.sh uboot: no python3 for tools/uboot-env.py"
finish
