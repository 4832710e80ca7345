#!/usr/bin/env bash
# qemu-run.sh [options] FIRMWARE - boot the firmware (firmware.elf or the
# firmware.bin image) under QEMU.
# One place that builds every QEMU command line: make run, make debug and the
# system tests all come through here.
#
#   --arch arm|aarch64|riscv64
#                           which image (arm: -cpu cortex-a15, aarch64: cortex-a53,
#                           riscv64: rv64, in S-mode under Debian's OpenSBI
#                           (-bios .../opensbi/generic/fw_dynamic.bin), which
#                           enters the ELF at its lowest load address; QEMU
#                           puts firmware.bin at 0x80200000)
#   --board NAME            virt (default), xlnx-versal-virt (aarch64: RAM at 0,
#                           GICv3, 8 transports) or vexpress-a15 (arm: RAM at
#                           0x80000000, 4 transports, our own device tree
#                           build/arm/vexpress-a15.dtb); other boards than virt
#                           take firmware.bin, not the ELF; riscv64: virt only
#   --cpu NAME              override the CPU (not on xlnx-versal-virt: Cortex-A72s)
#   --qemu BINARY           arm, aarch64: qemu-system-aarch64 (default) or
#                           qemu-system-arm; riscv64: qemu-system-riscv64
#   --smp N                 N CPUs (default 1); the firmware runs on the boot CPU
#   --machine-opts OPTS     appended to -M (e.g. aia=aplic on riscv64 virt)
#   --mmio legacy|modern    virtio-mmio transport version (QEMU default: legacy)
#   --gic 2|3               GIC version (arm and aarch64 virt only: the other boards
#                           have their own, riscv64 a PLIC)
#   --devices LIST          comma list of net,blk,rng,console in command-line order
#                           (QEMU fills slots from the top down in that order);
#                           each once, rng as often as wanted
#   --net user|tap:IF|udp:LPORT:RPORT|none
#                           the network behind virtio-net (default user); udp:
#                           frames as UDP datagrams on 127.0.0.1, QEMU bound
#                           to LPORT and sending to RPORT (-netdev dgram; the
#                           peer is e.g. tools/loss-relay.py); given again,
#                           another virtio-net device behind that one
#                           (-netdev ...,id=n1 and so on; at most 4), all where
#                           --devices has net: the first --net is the guest's
#                           net0, the second net1 (the firmware's ip1=)
#   --hostfwd PORT          user network: forward udp 127.0.0.1:PORT to guest port 7
#   --tcpfwd HPORT:GPORT    user network: forward tcp 127.0.0.1:HPORT to guest port
#                           GPORT (repeatable; e.g. 2323:23 the shell, 8080:80 HTTP)
#                           (the first user network only)
#   --net-opts OPTS         extra virtio-net-device options (e.g. mrg_rxbuf=off)
#   --pcap FILE             record the virtio-net traffic to FILE (QEMU's
#                           filter-dump; read it with tcpdump -r FILE)
#   --disk FILE             raw image for virtio-blk (default build/<arch>/disk.img);
#                           given again, another virtio-blk device (-drive
#                           ...,id=d1 and so on; at most 4) where --devices has
#                           blk: the guest's disk0, disk1, ... in that order;
#                           --disk-opts applies to every one
#   --disk-opts OPTS        extra -drive options (e.g. readonly=on)
#   --blk-opts OPTS         extra virtio-blk-device options, for every disk
#                           (e.g. logical_block_size=4096,physical_block_size=4096)
#   --console-chardev SPEC  chardev backing virtio-console (default pty when
#                           interactive, null otherwise)
#   --loader ADDR           load the image (firmware.bin: the loader puts an ELF
#                           at its own addresses) at ADDR with QEMU's generic loader
#                           and start there, instead of -kernel: no boot
#                           arguments and no DTB pointer (tests of the
#                           image's relocation and device-tree search); not
#                           riscv64, where the CPU would start there in M-mode
#                           without OpenSBI
#   --uboot ENVFILE         arm, aarch64: boot Debian's U-Boot (u-boot-qemu) as
#                           the firmware of QEMU virt instead of -kernel, with its
#                           environment in flash 1 (tools/uboot-env.py writes
#                           one); the image is what that environment loads, and
#                           the user network serves FIRMWARE's folder by TFTP.
#                           riscv64: its S-mode U-Boot (qemu-riscv64_smode) as
#                           OpenSBI's -kernel; it stores no environment, so the
#                           same ENVFILE goes into /config of QEMU's own device
#                           tree (dumped first, written to ENVFILE.dtb, passed
#                           with -dtb; uboot-env.py --fdt says how)
#   --append ARGS           kernel command line (/chosen/bootargs)
#   --initrd FILE           initial ramdisk (-initrd; the Linux guest of make bench)
#   --dtb FILE              device tree to hand over instead of QEMU's own
#   --mem SIZE              guest RAM (default 128M; K, M, G or T, no letter: MiB)
#   --icount                deterministic time: -icount shift=0
#   --interactive           -nographic; Ctrl-A X quits
#   --debug                 start halted with a gdb stub on 127.0.0.1:1234
#   --gdb-port PORT         start halted with a gdb stub on 127.0.0.1:PORT (tests)
#   --monitor SPEC          QEMU monitor on a chardev (e.g. unix:PATH,server=on,wait=off)
#   --packed                offer packed virtqueues (VIRTIO_F_RING_PACKED) on every
#                           virtio device; needs --mmio modern (legacy has none)
#   --reboot                a reset (the guest's, or the monitor's system_reset)
#                           restarts the guest instead of ending QEMU (tests)
#   --dry-run               print the command instead of running it
#   --help                  print these options
set -euo pipefail

arch=arm board=virt cpu= qemu= mmio=legacy gic= smp=1 machine_opts= devices=net,blk,rng,console
net=user hostfwd= tcpfwds=() netopts= pcap= loader= uboot= disk= diskopts= blkopts= conchr= append= initrd= dtb= mem=128M
icount=0 interactive=0 debug=0 dry=0 gdbport= monitor= reboot=0 packed=0
nets=() disks=() # --net and --disk, each as often as given
# riscv64's M-mode firmware: Debian's OpenSBI (package opensbi), named
# explicitly.  Not -bios default: QEMU's own copy comes with qemu-system-data,
# which qemu-system-misc only recommends.
OPENSBI=/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
die() { echo "qemu-run: $*" >&2; exit 2; }
# is_elf FILE: FILE begins with the ELF magic (by content: a name says little).
is_elf() { local m=; IFS= read -r -d '' -N 4 m <"$1" || :; [[ $m == $'\x7fELF' ]]; }
while (($#)); do
    case $1 in
    --arch | --board | --cpu | --qemu | --mmio | --gic | --smp | --machine-opts | --devices | --net | --hostfwd | \
        --tcpfwd | --net-opts | --pcap | --disk | --disk-opts | --blk-opts | --console-chardev | --append | --loader | --uboot | \
        --initrd | --dtb | --mem | --gdb-port | --monitor)
        (($# >= 2)) || die "$1 needs a value (see $0 --help)" ;;
    esac
    case $1 in
    --arch) arch=$2; shift ;;
    --board) board=$2; shift ;;
    --cpu) cpu=$2; shift ;;
    --qemu) qemu=$2; shift ;;
    --mmio) mmio=$2; shift ;;
    --gic) gic=$2; shift ;;
    --smp) smp=$2; shift ;;
    --machine-opts) machine_opts=$2; shift ;;
    --devices) devices=$2; shift ;;
    --net) nets+=("$2"); shift ;;
    --hostfwd) hostfwd=$2; shift ;;
    --tcpfwd) tcpfwds+=("$2"); shift ;;
    --net-opts) netopts=$2; shift ;;
    --pcap) pcap=$2; shift ;;
    --disk) disks+=("$2"); shift ;;
    --disk-opts) diskopts=$2; shift ;;
    --blk-opts) blkopts=$2; shift ;;
    --console-chardev) conchr=$2; shift ;;
    --append) append=$2; shift ;;
    --loader) loader=$2; shift ;;
    --uboot) uboot=$2; shift ;;
    --initrd) initrd=$2; shift ;;
    --dtb) dtb=$2; shift ;;
    --mem) mem=$2; shift ;;
    --icount) icount=1 ;;
    --interactive) interactive=1 ;;
    --debug) debug=1 ;;
    --gdb-port) gdbport=$2; shift ;;
    --monitor) monitor=$2; shift ;;
    --reboot) reboot=1 ;;
    --packed) packed=1 ;;
    --dry-run) dry=1 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) die "unknown option $1 (see the header of $0)" ;;
    *) break ;;
    esac
    shift
done
(($# == 1)) || die "usage: $0 [options] FIRMWARE (.elf or .bin)"
((${#nets[@]} <= 4)) || die "--net: at most 4 network devices"
((${#disks[@]} <= 4)) || die "--disk: at most 4 disks"
((${#nets[@]})) && net=${nets[0]}
((${#disks[@]})) && disk=${disks[0]}
fw=$1
gic_given=$gic cpu_given=$cpu # before the ARCH's defaults fill them in
case $arch in
arm) : "${cpu:=cortex-a15}" "${qemu:=qemu-system-aarch64}" "${gic:=2}" ;;
aarch64) : "${cpu:=cortex-a53}" "${qemu:=qemu-system-aarch64}" "${gic:=2}" ;;
riscv64)
    : "${cpu:=rv64}" "${qemu:=qemu-system-riscv64}"
    [[ -z $gic ]] || die "--gic: riscv64 has no GIC (QEMU's riscv virt has a PLIC); leave --gic out"
    [[ $board == virt ]] || die "--board: riscv64 runs on QEMU's riscv virt only (--board virt), not '$board'"
    [[ -z $loader ]] ||
        die "--loader: riscv64 starts in OpenSBI, which enters the -kernel image in S-mode; QEMU's generic loader would start the CPU at the image in M-mode (wrap firmware.bin in an ELF at the address instead)" ;;
*) die "--arch must be arm, aarch64 or riscv64, not '$arch'" ;;
esac
# After --arch is known good: the hint names a make that works.
[[ -f $fw ]] || die "no firmware at $fw (run make ARCH=$arch first)"
# Another target's QEMU ends in an error about the machine or CPU
# ("Property 'virt-machine.gic-version' not found", "unable to find CPU
# model 'cortex-a53'"): say which ones run ARCH.  A name that is no
# qemu-system-* (a wrapper) is taken as it is.
case $arch:${qemu##*/} in
arm:qemu-system-aarch64* | arm:qemu-system-arm* | aarch64:qemu-system-aarch64* | riscv64:qemu-system-riscv64*) ;;
arm:qemu-system-*) die "--qemu: $arch runs on qemu-system-aarch64 or qemu-system-arm, not '$qemu'" ;;
*:qemu-system-*) die "--qemu: $arch runs on qemu-system-$arch, not '$qemu'" ;;
esac
[[ $mmio == legacy || $mmio == modern ]] || die "--mmio must be legacy or modern, not '$mmio'"
[[ $arch == riscv64 || $gic == 2 || $gic == 3 ]] || die "--gic must be 2 or 3, not '$gic'"
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp takes a number of CPUs (1 or more), not '$smp'"
# QEMU takes -m 0 for its machine's default RAM (128M on virt: a silent
# other size) and a word that is no size only with an error of its own.
[[ $mem =~ ^[0-9]+(\.[0-9]+)?[KMGTkmgt]?$ && $mem =~ [1-9] ]] ||
    die "--mem takes a RAM size above 0: a number with K, M, G or T (no letter: MiB), e.g. 128M or 1G, not '$mem'"
# A TCP or UDP port: 1 to 65535, in decimal.  QEMU refuses 0 or 65536 up
# only with an error of its own (or, for a host port 0, binds some port
# nobody is told), and its hostfwd reads a leading 0 as octal (010 is 8,
# 08080 no number).
port_ok() { [[ $1 =~ ^[1-9][0-9]{0,4}$ ]] && (($1 <= 65535)); }
[[ -z $hostfwd ]] || port_ok "$hostfwd" || die "--hostfwd takes a port number from 1 to 65535 (decimal, no leading 0), not '$hostfwd'"
hports=, # one host port forwarded twice: QEMU's "could not set up host forwarding rule"
for f in "${tcpfwds[@]}"; do
    [[ $f == *:* ]] && port_ok "${f%%:*}" && port_ok "${f#*:}" ||
        die "--tcpfwd takes HOSTPORT:GUESTPORT, each from 1 to 65535 (decimal, no leading 0), not '$f'"
    [[ $hports != *,${f%%:*},* ]] || die "--tcpfwd: host port ${f%%:*} is forwarded twice (${tcpfwds[*]})"
    hports+=${f%%:*},
done
[[ -z $gdbport ]] || port_ok "$gdbport" || die "--gdb-port takes a port number from 1 to 65535 (decimal, no leading 0), not '$gdbport'"
# Files the options name, said here rather than by QEMU's "Could not open"
# (or, for --initrd and --dtb, its "could not load").  A disk may be a block
# device; a comma would end QEMU's file= (as for --pcap below).
for d in "${disks[@]}"; do
    [[ -e $d ]] || die "--disk: no image at $d (a raw disk image; truncate -s 16M $d makes an empty one)"
    [[ $d != *,* ]] || die "--disk: QEMU cannot take a file name with a comma: '$d'"
done
[[ -z $initrd || -f $initrd ]] || die "--initrd: no file at $initrd"
[[ -z $dtb || -f $dtb ]] || die "--dtb: no device tree at $dtb"
# The forwards live on the first user network: without one they were dropped
# without a word, and --interactive still printed "nc -u 127.0.0.1 PORT".
if [[ -n $hostfwd || ${#tcpfwds[@]} -gt 0 ]]; then
    [[ ,$devices, == *,net,* && " ${nets[*]:-$net} " == *" user "* ]] ||
        die "--hostfwd and --tcpfwd forward to QEMU's user network: they need --devices with net and a --net user (here --devices $devices, --net ${nets[*]:-$net})"
fi
if [[ -n $pcap ]]; then
    [[ ,$devices, == *,net,* && $net != none ]] || die "--pcap needs a network device (--devices with net, --net user, tap or udp)"
    [[ $pcap != *,* ]] || die "--pcap: QEMU cannot take a file name with a comma: '$pcap'"
    pdir=$(dirname -- "$pcap")
    [[ -d $pdir && -w $pdir ]] || die "--pcap: cannot write in '$pdir'"
fi

# QEMU (and riscv64's OpenSBI) installed when missing, as make run does:
# the README runs this script directly too.  Called once every option has
# been checked (and where QEMU itself runs first, for riscv64's --uboot): a
# mistyped option is said at once, not after an apt-get install.
need_qemu() {
    if ((!dry)) && { ! command -v "$qemu" >/dev/null || [[ $arch == riscv64 && ! -f $OPENSBI ]]; }; then
        "$(dirname -- "$0")/deps.sh" "run-$arch" >&2 || exit 2
    fi
    ((dry)) || command -v "$qemu" >/dev/null || die "no $qemu here (--qemu names a QEMU on PATH)"
    [[ $arch != riscv64 || -f $OPENSBI ]] || die "riscv64: no OpenSBI at $OPENSBI (apt-get install opensbi)"
}

# Every device is named below.  -nic none: without it, -M virt adds a default
# NIC (virtio-net-pci) whenever no network option is given, and that one needs
# an option ROM from a package QEMU only recommends (ipxe-qemu).
case $board in
virt) machine="virt,gic-version=$gic"
    [[ $arch == riscv64 ]] && machine=virt ;;
xlnx-versal-virt)
    [[ $arch == aarch64 ]] || die "--board xlnx-versal-virt is an aarch64 board"
    # Its GIC is built in: a --gic here was dropped without a word.
    [[ -z $gic_given ]] || die "--gic: xlnx-versal-virt has its own GICv3 (only virt has a choice); leave --gic out"
    # Its two Cortex-A72s are built in: another --cpu was replaced
    # without a word.
    [[ -z $cpu_given || $cpu_given == cortex-a72 ]] ||
        die "--cpu: xlnx-versal-virt has its own Cortex-A72s, not '$cpu_given'; leave --cpu out"
    machine=xlnx-versal-virt cpu=cortex-a72 ;;
vexpress-a15)
    [[ $arch == arm ]] || die "--board vexpress-a15 is an arm board"
    [[ -z $gic_given ]] || die "--gic: vexpress-a15 has its own GICv2 (only virt has a choice); leave --gic out"
    machine=vexpress-a15
    : "${dtb:=build/arm/vexpress-a15.dtb}"
    [[ -f $dtb ]] || die "no device tree at $dtb (make ARCH=arm builds it)" ;;
*) die "--board must be virt, xlnx-versal-virt or vexpress-a15, not '$board'" ;;
esac
[[ $board == virt || $fw != *.elf ]] ||
    die "$board: boot firmware.bin (the ELF is linked for QEMU virt's RAM; the image runs anywhere)"

[[ -n $machine_opts ]] && machine+=",$machine_opts"
args=(-M "$machine" -cpu "$cpu" -m "$mem" -nic none)
((smp == 1)) || args+=(-smp "$smp")
[[ $arch == riscv64 ]] && args+=(-bios "$OPENSBI")
if [[ -n $uboot ]]; then
    [[ $board == virt ]] || die "--uboot: Debian's U-Boot is built for QEMU virt only"
    [[ -z $loader && -z $append && -z $initrd && -z $dtb ]] ||
        die "--uboot: the U-Boot environment says what to load and how (bootargs, addresses)"
    [[ -f $uboot ]] || die "--uboot: no environment at $uboot (tools/uboot-env.py writes one)"
    ubin=/usr/lib/u-boot/qemu_$arch/u-boot.bin
    [[ $arch == arm ]] || ubin=/usr/lib/u-boot/qemu_arm64/u-boot.bin
    [[ $arch == riscv64 ]] && ubin=/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin
    [[ -f $ubin ]] || die "--uboot: no $ubin (apt-get install u-boot-qemu)"
    if [[ $arch == riscv64 ]]; then
        # This U-Boot loads its environment from nowhere and takes the
        # device tree OpenSBI passes on as its own: the environment goes
        # into /config of the tree this machine would have (which depends
        # on -M, -cpu, -m and -smp, not on the virtio devices: all 8
        # transports are always listed).
        ubdtb=$uboot.dtb
        need_qemu
        out=$("$qemu" "${args[@]}" -machine "dumpdtb=$ubdtb" -display none 2>&1) ||
            die "--uboot: $qemu could not write its device tree to $ubdtb: $out"
        python3 "$(dirname -- "$0")/uboot-env.py" --fdt "$uboot" "$ubdtb" || exit 2
        args+=(-kernel "$ubin" -dtb "$ubdtb")
    else
        args+=(-bios "$ubin" -drive "if=pflash,unit=1,format=raw,readonly=on,file=$uboot")
    fi
elif [[ -n $loader ]]; then
    [[ $loader =~ ^0x[0-9a-fA-F]+$ ]] || die "--loader takes a hex address (0x...)"
    # QEMU's generic loader places an ELF at its own addresses and ignores
    # addr= (it is for raw images only): the ELF ran at its link address,
    # not at ADDR, without a word.
    ! is_elf "$fw" ||
        die "--loader: $fw is an ELF, which QEMU's loader places at its own addresses, not at $loader; give firmware.bin"
    [[ -z $append && -z $initrd ]] || die "--loader: QEMU takes -append and -initrd only with -kernel"
    args+=(-device "loader,file=$fw,addr=$loader,cpu-num=0")
else
    args+=(-kernel "$fw")
fi
# vexpress-a15 has a PL041 sound chip: give it no host audio.
[[ $board == vexpress-a15 ]] && args+=(-audiodev none,id=snd0 -global pl041.audiodev=snd0)
# xlnx-versal-virt always has two Cadence GEMs; without a backend QEMU warns
# that they have no peer.  Each gets an isolated user network (restrict=on:
# nothing reaches the host); the firmware does not drive them.
[[ $board == xlnx-versal-virt ]] &&
    args+=(-nic user,model=cadence_gem,restrict=on -nic user,model=cadence_gem,restrict=on)
[[ $mmio == modern ]] && args+=(-global virtio-mmio.force-legacy=false)
[[ -n $dtb ]] && args+=(-dtb "$dtb")
[[ -n $append ]] && args+=(-append "$append")
[[ -n $initrd ]] && args+=(-initrd "$initrd")
((icount)) && args+=(-icount shift=0)

pk=
if ((packed)); then
    [[ $mmio == modern ]] || die "--packed needs --mmio modern: legacy virtio has no packed virtqueues"
    pk=,packed=on
fi
IFS=, read -ra devs <<<"$devices"
seen=,
for d in "${devs[@]}"; do
    # net, blk and console twice gave QEMU one id twice (n0, d0, vcon) and
    # its "Duplicate ID" error; rng takes no id and may come again.
    case $d in
    net | blk | console)
        [[ $seen != *,$d,* ]] || die "--devices: $d given twice in '$devices' (rng may be; two NICs: --net twice, two disks: --disk twice)"
        seen+=$d, ;;
    esac
    case $d in
    net)
        ((${#nets[@]})) || nets=("$net")
        # QEMU gives the transports from the top down, and the firmware
        # numbers devices from the lowest address up: the last given goes
        # first, so the first --net becomes the guest's net0.
        for ((k = ${#nets[@]} - 1; k >= 0; k--)); do
            case ${nets[$k]} in
            user)
                fwd=
                if [[ ${nets[*]:0:k} != *user* ]]; then # the first user network
                    [[ -n $hostfwd ]] && fwd=",hostfwd=udp:127.0.0.1:$hostfwd-:7"
                    for f in "${tcpfwds[@]}"; do fwd+=",hostfwd=tcp:127.0.0.1:${f%%:*}-:${f#*:}"; done
                fi
                [[ -n $uboot ]] && fwd+=",tftp=$(dirname -- "$fw")"
                args+=(-netdev "user,id=n$k$fwd") ;;
            tap:*)
                # QEMU takes an empty ifname= for "make a new tapN", an
                # interface nothing is connected to, and a comma would end it.
                [[ -n ${nets[$k]#tap:} && ${nets[$k]} != *,* ]] ||
                    die "--net tap:IFNAME takes the name of a TAP interface (e.g. tap:tap0), not '${nets[$k]}'"
                args+=(-netdev "tap,id=n$k,ifname=${nets[$k]#tap:},script=no,downscript=no") ;;
            udp:*)
                IFS=: read -r _ lport rport <<<"${nets[$k]}"
                port_ok "$lport" && port_ok "$rport" ||
                    die "--net udp:LOCALPORT:REMOTEPORT, each from 1 to 65535 (decimal, no leading 0), not '${nets[$k]}'"
                args+=(-netdev "dgram,id=n$k,local.type=inet,local.host=127.0.0.1,local.port=$lport,remote.type=inet,remote.host=127.0.0.1,remote.port=$rport") ;;
            none) continue ;;
            *) die "--net must be user, tap:IFNAME, udp:LOCALPORT:REMOTEPORT or none" ;;
            esac
            args+=(-device "virtio-net-device,netdev=n$k$pk${netopts:+,$netopts}")
            ((k == 0)) && [[ -n $pcap ]] && args+=(-object "filter-dump,id=pcap0,netdev=n0,file=$pcap")
        done
        ;;
    blk)
        if [[ -z $disk ]]; then
            disk=build/$arch/disk.img
            mkdir -p "$(dirname "$disk")"
            [[ -f $disk ]] || truncate -s 16M "$disk"
        fi
        ((${#disks[@]})) || disks=("$disk")
        for ((k = ${#disks[@]} - 1; k >= 0; k--)); do # disk0 first, as for net
            args+=(-drive "if=none,id=d$k,format=raw,file=${disks[$k]}${diskopts:+,$diskopts}")
            args+=(-device "virtio-blk-device,drive=d$k$pk${blkopts:+,$blkopts}")
        done ;;
    rng) args+=(-device "virtio-rng-device$pk") ;;
    console)
        if [[ -z $conchr ]]; then
            if ((interactive)); then conchr=pty; else conchr=null; fi
        fi
        args+=(-device "virtio-serial-device$pk" -chardev "$conchr,id=vcon" -device virtconsole,chardev=vcon) ;;
    "") ;;
    *) die "unknown device '$d' (net, blk, rng, console)" ;;
    esac
done

if ((interactive)); then
    args+=(-nographic)
    # A --monitor here was dropped without a word.  Given one, -nographic
    # no longer multiplexes the serial port with a monitor on stdio, and
    # Ctrl-A X would not quit: mon:stdio keeps that.
    [[ -n $monitor ]] && args+=(-monitor "$monitor" -serial mon:stdio)
else
    args+=(-display none -monitor "${monitor:-none}" -serial stdio)
    ((reboot)) || args+=(-no-reboot)
fi
[[ -n $gdbport ]] && args+=(-S -gdb "tcp:127.0.0.1:$gdbport")
if ((debug)); then
    args+=(-S -gdb tcp:127.0.0.1:1234)
    echo "qemu-run: halted with a gdb stub on 127.0.0.1:1234; in another terminal:"
    # gdb reads symbols from an ELF only: given firmware.bin it says "not in
    # executable format" (and the ELF's symbols are for QEMU virt's address,
    # not where another board or U-Boot puts the image).
    if is_elf "$fw"; then
        echo "  gdb-multiarch $fw -ex 'target remote :1234'"
    else
        echo "  gdb-multiarch -ex 'target remote :1234'   ($fw has no symbols)"
    fi
fi
if ((interactive)); then
    gicnote=; [[ $board == virt ]] && gicnote=", GIC v$gic"
    [[ $arch == riscv64 ]] && gicnote=", PLIC, OpenSBI"
    ((smp == 1)) || gicnote+=", $smp CPUs"
    echo "qemu-run: $arch ($cpu) on $board, virtio-mmio $mmio$gicnote; quit with Ctrl-A X"
    [[ -n $hostfwd ]] && echo "qemu-run: UDP echo: nc -u 127.0.0.1 $hostfwd"
    for f in "${tcpfwds[@]}"; do
        case ${f#*:} in
        23) echo "qemu-run: the shell over TCP: nc 127.0.0.1 ${f%%:*}" ;;
        80) echo "qemu-run: HTTP: curl http://127.0.0.1:${f%%:*}/stats" ;;
        7) echo "qemu-run: TCP echo: nc 127.0.0.1 ${f%%:*}" ;;
        *) echo "qemu-run: TCP 127.0.0.1:${f%%:*} -> guest port ${f#*:}" ;;
        esac
    done
    [[ -n $pcap ]] && echo "qemu-run: recording the guest's network traffic to $pcap (tcpdump -r $pcap)"
fi
need_qemu
if ((dry)); then
    printf '%q ' "$qemu" "${args[@]}"
    echo
    exit 0
fi
exec "$qemu" "${args[@]}"
