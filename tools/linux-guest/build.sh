#!/usr/bin/env bash
# build.sh [OUTDIR] - build the Linux guest that make bench compares the
# firmware with: Debian's arm64 cloud kernel and an initramfs made of Debian's
# busybox-static, the virtio-net modules and small UDP and TCP echo
# services (tools/linux-guest/udp_echo.c and tcp_echo.c, cross-built
# statically).  Nothing but Debian packages fetched with `apt-get download`
# goes in.
#
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.gz and OUTDIR/VERSION (default
# OUTDIR: build/linux-guest).  Boot it through the same launcher as the
# firmware:
#
#   tools/qemu-run.sh --arch aarch64 --devices net --net tap:tap0 \
#       --initrd build/linux-guest/initrd.gz \
#       --append "console=ttyAMA0 quiet ip=192.0.2.2::192.0.2.1:255.255.255.0" \
#       build/linux-guest/vmlinuz
#
# The guest's init loads the modules, configures eth0 from ip=CLIENT::GW:MASK
# on the kernel command line (192.0.2.2/24 gw 192.0.2.1 without one), starts
# the echoes on UDP and TCP port 7 and prints "linux: ready: ..." on the
# console.
#
# Idempotent: when the outputs are there and this script and the echoes have
# not changed since they were made, it says so and does nothing else; the
# downloaded packages are kept in OUTDIR/debs.  Installs the host packages it
# lacks (cpio, gzip, binutils, gcc-aarch64-linux-gnu, libc6-dev-arm64-cross)
# and enables the arm64 architecture for apt (dpkg --add-architecture arm64,
# apt-get update) when it is not, saying what it does.  Needs root or sudo
# for those steps only.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-build/linux-guest}
die() { echo "linux-guest: $*" >&2; exit 1; }
say() { echo "linux-guest: $*"; }

# Load order of the modules virtio-net needs under virtio-mmio (the cloud
# kernel builds them all as modules and ships no modules.dep); their own
# depends= fields are followed below, so this list only names the leaves.
WANT_MODULES=(virtio_mmio virtio_net)

mkdir -p "$out"
out=$(cd "$out" && pwd)
stamp=$(cat "$here/build.sh" "$here/udp_echo.c" "$here/tcp_echo.c" | sha256sum | cut -d' ' -f1)
if [[ -f $out/vmlinuz && -f $out/initrd.gz && -f $out/VERSION ]] &&
    grep -qx "stamp $stamp" "$out/VERSION"; then
    say "up to date in $out ($(sed -n 's/^kernel //p' "$out/VERSION"))"
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    sudo=(false)
fi
apt_log=$(mktemp)
trap 'rm -f "$apt_log"' EXIT
apt_updated=0
apt_update() {
    ((apt_updated)) && return 0
    say "apt-get update"
    "${sudo[@]}" apt-get update -q >"$apt_log" 2>&1 || { tail -5 "$apt_log" >&2; die "apt-get update failed"; }
    apt_updated=1
}

# Host tools.
need=(cpio gzip binutils gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
missing=()
for p in "${need[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $st == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]})); then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"$apt_log" 2>&1; then
        apt_update
        "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >"$apt_log" 2>&1 ||
            { tail -20 "$apt_log" >&2; die "could not install ${missing[*]} (root or sudo needed)"; }
    fi
    say "installed ${missing[*]}"
fi

# The arm64 package lists.
if ! dpkg --print-foreign-architectures | grep -qx arm64 && [[ $(dpkg --print-architecture) != arm64 ]]; then
    say "enabling the arm64 architecture for apt (dpkg --add-architecture arm64)"
    "${sudo[@]}" dpkg --add-architecture arm64 || die "dpkg --add-architecture arm64 failed (root or sudo needed)"
    apt_update
fi

# Which kernel: the one Debian's linux-image-cloud-arm64 points at today.
kernel_pkg() {
    apt-cache depends linux-image-cloud-arm64:arm64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*-cloud-arm64\)\(:arm64\)\{0,1\}$/\1/p' | head -1
}
kpkg=$(kernel_pkg)
if [[ -z $kpkg ]]; then
    apt_update
    kpkg=$(kernel_pkg)
fi
[[ -n $kpkg ]] || die "apt knows no linux-image-cloud-arm64:arm64 (is the arm64 architecture enabled and the Debian archive reachable?)"
kver=${kpkg#linux-image-}

# Download (kept in $out/debs; a package already there is not fetched again).
# When a download fails the package lists are refreshed once and the kernel's
# name looked up again (a security update renames it).
debs=$out/debs
mkdir -p "$debs"
fetched=
try_fetch() {
    local pkg=$1
    fetched=$(find "$debs" -maxdepth 1 -name "${pkg%%:*}_*_arm64.deb" | head -1)
    [[ -n $fetched ]] && return 0
    say "apt-get download $pkg"
    (cd "$debs" && apt-get download "$pkg" >"$apt_log" 2>&1) || return 1
    fetched=$(find "$debs" -maxdepth 1 -name "${pkg%%:*}_*_arm64.deb" | head -1)
    [[ -n $fetched ]]
}
if ! try_fetch "$kpkg:arm64"; then
    apt_update
    kpkg=$(kernel_pkg)
    [[ -n $kpkg ]] || die "apt knows no linux-image-cloud-arm64:arm64 after apt-get update"
    kver=${kpkg#linux-image-}
    try_fetch "$kpkg:arm64" || { tail -5 "$apt_log" >&2; die "apt-get download $kpkg:arm64 failed"; }
fi
kdeb=$fetched
if ! try_fetch busybox-static:arm64; then
    apt_update
    try_fetch busybox-static:arm64 || { tail -5 "$apt_log" >&2; die "apt-get download busybox-static:arm64 failed"; }
fi
bdeb=$fetched

# Unpack.
work=$out/work
rm -rf "$work"
mkdir -p "$work/kernel" "$work/busybox"
dpkg-deb -x "$kdeb" "$work/kernel"
dpkg-deb -x "$bdeb" "$work/busybox"
vmlinuz=$work/kernel/boot/vmlinuz-$kver
[[ -f $vmlinuz ]] || die "no boot/vmlinuz-$kver in $kdeb"
moddir=$work/kernel/lib/modules/$kver
[[ -d $moddir ]] || die "no lib/modules/$kver in $kdeb"
[[ -x $work/busybox/bin/busybox ]] || die "no bin/busybox in $bdeb"

# Module load order: each module after the ones its depends= field names.
declare -A modpath=() placed=()
while IFS= read -r -d '' f; do
    m=$(basename "$f")
    m=${m%.ko}
    modpath[$m]=$f
done < <(find "$moddir" -name '*.ko' -print0)
order=()
place() {
    local m=$1 d deps
    [[ -n ${placed[$m]:-} ]] && return 0
    [[ -n ${modpath[$m]:-} ]] || die "module $m is not in $kdeb"
    placed[$m]=1
    deps=$(strings -a "${modpath[$m]}" | sed -n 's/^depends=//p' | head -1)
    IFS=, read -ra ds <<<"$deps"
    for d in "${ds[@]}"; do
        [[ -n $d ]] && place "${d//-/_}"
    done
    order+=("$m")
}
for m in "${WANT_MODULES[@]}"; do place "$m"; done

# The root file system.
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/lib/modules" "$root/tmp"
cp "$work/busybox/bin/busybox" "$root/bin/busybox"
for m in "${order[@]}"; do cp "${modpath[$m]}" "$root/lib/modules/$m.ko"; done
for e in udp_echo tcp_echo; do
    say "building $e (aarch64-linux-gnu-gcc -static)"
    aarch64-linux-gnu-gcc -std=c11 -Wall -Wextra -Werror -O2 -static -s \
        -o "$root/bin/$e" "$here/$e.c"
done

cat >"$root/init" <<EOF
#!/bin/busybox sh
# init of the make bench Linux guest (written by tools/linux-guest/build.sh).
/bin/busybox mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
for m in ${order[*]}; do
    insmod /lib/modules/\$m.ko || echo "linux: insmod \$m failed"
done
# ip=CLIENT:SERVER:GW:NETMASK[:...] as the firmware reads it.
addr=192.0.2.2 gw=192.0.2.1 mask=255.255.255.0
for a in \$(cat /proc/cmdline); do
    case \$a in
    ip=*:*:*:*)
        IFS=: read -r c _ g n _ <<IP
\${a#ip=}
IP
        [ -n "\$c" ] && addr=\$c
        [ -n "\$g" ] && gw=\$g
        [ -n "\$n" ] && mask=\$n ;;
    esac
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ \$i -lt 500 ]; do sleep 0.01; i=\$((i + 1)); done
ifconfig lo 127.0.0.1 up
ifconfig eth0 "\$addr" netmask "\$mask" up || echo "linux: no eth0"
route add default gw "\$gw" || echo "linux: no default route"
udp_echo 7 &
tcp_echo 7 &
echo "linux: ready: eth0 \$addr netmask \$mask gw \$gw, udp and tcp echo on port 7"
while :; do sleep 3600; done
EOF
chmod 755 "$root/init"

say "packing the initramfs"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) |
    gzip -9 -n >"$out/initrd.gz.new"
cp "$vmlinuz" "$out/vmlinuz.new"
mv "$out/vmlinuz.new" "$out/vmlinuz"
mv "$out/initrd.gz.new" "$out/initrd.gz"
{
    echo "kernel $kpkg $(dpkg-deb -f "$kdeb" Version)"
    echo "busybox busybox-static $(dpkg-deb -f "$bdeb" Version)"
    echo "modules ${order[*]}"
    echo "stamp $stamp"
} >"$out/VERSION"
rm -rf "$work"
say "built $out/vmlinuz and $out/initrd.gz ($(sed -n 's/^kernel //p' "$out/VERSION"); modules: ${order[*]})"
