#!/usr/bin/env bash
# deps.sh STEP - install the Debian packages STEP needs, if any are missing,
# and say what is installed.  STEP: build-arm, build-aarch64, run, pcap, uboot, debug, test.
# Only what each step uses, and --no-install-recommends: a package that works
# here only through a recommended one (QEMU's default NIC and its iPXE ROM)
# must show up as a failure, not hide behind a lucky install.
# Uses apt-get directly as root, through sudo otherwise.
set -euo pipefail

case "${1:-}" in
build-arm) pkgs=(make gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi device-tree-compiler) ;;
build-aarch64) pkgs=(make gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu) ;;
run) pkgs=(qemu-system-arm netcat-openbsd) ;;     # nc: the README's way to talk to the echo port
pcap) pkgs=(tcpdump) ;;                            # to read the capture of make run PCAP=file
uboot) pkgs=(u-boot-qemu) ;;                       # make run LOADER=uboot
debug) pkgs=(qemu-system-arm gdb-multiarch) ;;
test) pkgs=(make gcc libc6-dev libcmocka-dev libfdt-dev device-tree-compiler qemu-system-arm tcpdump u-boot-qemu
            python3 iproute2 iputils-ping gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-aarch64-linux-gnu) ;;
*) echo "usage: $0 build-arm|build-aarch64|run|pcap|uboot|debug|test" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ $st == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: not root and no sudo: install them with apt-get and run make again" >&2
    exit 1
fi
echo "deps: installing Debian packages for '$1': ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/vbare-apt.$$ 2>&1; then
    echo "deps: updating the package lists first"
    "${sudo[@]}" apt-get update -q >/dev/null
    if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/vbare-apt.$$ 2>&1; then
        tail -20 /tmp/vbare-apt.$$ >&2
        rm -f /tmp/vbare-apt.$$
        echo "deps: apt-get install failed" >&2
        exit 1
    fi
fi
rm -f /tmp/vbare-apt.$$
echo "deps: installed ${missing[*]}"
