#!/usr/bin/env python3
"""uboot-env.py OUT NAME=VALUE... - write a U-Boot environment as the
second parallel flash of QEMU virt (-drive if=pflash,unit=1), where Debian's
u-boot-qemu builds for qemu_arm and qemu_arm64 keep theirs
(CONFIG_ENV_IS_IN_FLASH, CONFIG_ENV_ADDR 0x4000000, CONFIG_ENV_SIZE
0x40000): a little-endian CRC-32 of the data area, then NAME=VALUE strings
each ending in a NUL, a final NUL, zero padding to the environment size,
and erased flash (0xff) to the 64 MiB the machine expects.

With a valid CRC U-Boot takes this environment instead of its built-in
one, whole: define every variable the boot command uses.
"""
import struct
import sys
import zlib

ENV_SIZE = 0x40000
FLASH_SIZE = 64 << 20


def main():
    if len(sys.argv) < 3 or any("=" not in a for a in sys.argv[2:]):
        sys.exit("usage: uboot-env.py OUT NAME=VALUE...")
    data = b"".join(a.encode() + b"\0" for a in sys.argv[2:]) + b"\0"
    if len(data) > ENV_SIZE - 4:
        sys.exit("uboot-env.py: %d bytes of variables do not fit in %d" % (len(data), ENV_SIZE - 4))
    data = data.ljust(ENV_SIZE - 4, b"\0")
    env = struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF) + data
    with open(sys.argv[1], "wb") as f:
        f.write(env + b"\xff" * (FLASH_SIZE - len(env)))


if __name__ == "__main__":
    main()
