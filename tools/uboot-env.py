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

uboot-env.py --fdt ENVFILE DTB - put the environment of ENVFILE (as written
above) into the device tree DTB, for Debian's qemu-riscv64_smode U-Boot,
which keeps no environment anywhere ("Loading Environment from nowhere")
and takes its control device tree from the stage before it (QEMU -dtb,
through OpenSBI).  U-Boot reads two properties of /config there:
`bootdelay` (a number, which replaces the environment's) and `bootcmd`
(which it runs instead of the environment's).  This writes bootdelay from
the environment and, as bootcmd, one command line that sets every variable
(setenv NAME 'VALUE'; ...) and then runs bootcmd.  Unlike the flash
environment, these variables are added to U-Boot's built-in ones.  Uses
fdtput (package device-tree-compiler); a value may not contain a single
quote.
"""
import struct
import subprocess
import sys
import zlib

ENV_SIZE = 0x40000
FLASH_SIZE = 64 << 20


def write(out, pairs):
    data = b"".join(a.encode() + b"\0" for a in pairs) + b"\0"
    if len(data) > ENV_SIZE - 4:
        sys.exit("uboot-env.py: %d bytes of variables do not fit in %d" % (len(data), ENV_SIZE - 4))
    data = data.ljust(ENV_SIZE - 4, b"\0")
    env = struct.pack("<I", zlib.crc32(data) & 0xFFFFFFFF) + data
    with open(out, "wb") as f:
        f.write(env + b"\xff" * (FLASH_SIZE - len(env)))


def read(path):
    """The NAME=VALUE strings of an environment this tool wrote, in order."""
    with open(path, "rb") as f:
        env = f.read(ENV_SIZE)
    if len(env) != ENV_SIZE or struct.unpack("<I", env[:4])[0] != zlib.crc32(env[4:]) & 0xFFFFFFFF:
        sys.exit("uboot-env.py: %s is not a U-Boot environment (size or CRC)" % path)
    pairs = []
    for s in env[4:].split(b"\0"):
        if not s:
            break
        pairs.append(s.decode())
    return pairs


def to_fdt(envfile, dtb):
    cmds, bootdelay, bootcmd = [], None, False
    for pair in read(envfile):
        name, value = pair.split("=", 1)
        if "'" in value:
            sys.exit("uboot-env.py: --fdt: the value of %s has a single quote: %r" % (name, value))
        cmds.append("setenv %s '%s'" % (name, value))
        if name == "bootdelay":
            bootdelay = value
        bootcmd = bootcmd or name == "bootcmd"
    if bootcmd:
        cmds.append("run bootcmd")
    try:
        subprocess.run(["fdtput", "-c", "-p", dtb, "/config"], check=True)
        subprocess.run(["fdtput", "-t", "s", dtb, "/config", "bootcmd", "; ".join(cmds)], check=True)
        if bootdelay is not None:
            subprocess.run(["fdtput", "-t", "i", dtb, "/config", "bootdelay", bootdelay], check=True)
    except FileNotFoundError:
        sys.exit("uboot-env.py: --fdt needs fdtput (apt-get install device-tree-compiler)")
    except subprocess.CalledProcessError as e:
        sys.exit("uboot-env.py: --fdt: %s failed" % " ".join(e.cmd))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--fdt":
        to_fdt(sys.argv[2], sys.argv[3])
    elif len(sys.argv) < 3 or sys.argv[1].startswith("-") or any("=" not in a for a in sys.argv[2:]):
        sys.exit("usage: uboot-env.py OUT NAME=VALUE...\n       uboot-env.py --fdt ENVFILE DTB")
    else:
        write(sys.argv[1], sys.argv[2:])


if __name__ == "__main__":
    main()
