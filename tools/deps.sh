#!/usr/bin/env bash
# deps.sh STEP - install the Debian packages STEP needs, if any are missing,
# and say what is installed.  STEP: build-ARCH, run-ARCH, debug-ARCH (ARCH:
# arm, aarch64, riscv64), run and debug (the arm ones), pcap, uboot, fuzz, test.
# Only what each step uses, and --no-install-recommends: a package that works
# here only through a recommended one (QEMU's default NIC and its iPXE ROM)
# must show up as a failure, not hide behind a lucky install.
# Uses apt-get directly as root, through sudo otherwise.
set -euo pipefail

case "${1:-}" in
build-arm) pkgs=(make gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi device-tree-compiler) ;;
build-aarch64) pkgs=(make gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu) ;;
build-riscv64) pkgs=(make gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf binutils-riscv64-linux-gnu) ;; # its ld links the PIE;
                                                  # freestanding: lib/string.c, no picolibc
run | run-arm | run-aarch64) pkgs=(qemu-system-arm netcat-openbsd curl) ;; # nc, curl: the README's way to the echo port, the shell and HTTP
run-riscv64) pkgs=(qemu-system-misc opensbi netcat-openbsd curl) ;; # opensbi: qemu-run.sh's -bios (QEMU's own copy
                                                               # comes only as a recommendation)
pcap) pkgs=(tcpdump) ;; # to read the capture of make run PCAP=file
fuzz) pkgs=(make clang libclang-rt-14-dev libcmocka-dev libfdt-dev device-tree-compiler) ;; # libFuzzer's runtime is
                                                                   # only recommended by clang-14
uboot) pkgs=(u-boot-qemu device-tree-compiler python3) ;; # make run LOADER=uboot (python3: tools/uboot-env.py writes its
                                                         # environment; riscv64: with fdtput)
debug | debug-arm | debug-aarch64) pkgs=(qemu-system-arm gdb-multiarch) ;;
debug-riscv64) pkgs=(qemu-system-misc opensbi gdb-multiarch) ;;
test) pkgs=(make gcc libc6-dev libtsan2 libcmocka-dev libfdt-dev device-tree-compiler qemu-system-arm tcpdump u-boot-qemu
            python3 iproute2 iputils-ping curl netcat-openbsd gcc-arm-none-eabi libnewlib-arm-none-eabi gcc-aarch64-linux-gnu
            gcc-riscv64-unknown-elf qemu-system-misc opensbi) ;;
*) echo "usage: $0 build-ARCH|run-ARCH|debug-ARCH|run|debug|pcap|uboot|fuzz|test (ARCH: arm, aarch64, riscv64)" >&2; exit 2 ;;
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
