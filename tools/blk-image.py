#!/usr/bin/env python3
"""blk-image.py - the host side of the virtio-blk integrity tests.

  blk-image.py verify IMAGE      every sector holds the firmware's LBA pattern
  blk-image.py random IMAGE N    write N sectors of seeded random bytes
  blk-image.py checksum IMAGE    FNV-1a 64 over the whole image, as the
                                 firmware's blk=check prints it

The pattern (apps/blkapp.c, blkapp_pattern): bytes 0-7 of sector L are L,
little-endian; byte i >= 8 is (L*31 + i*7 + (L >> 8)) mod 256.
"""
import random
import sys

SECTOR = 512


def pattern(lba):
    head = lba.to_bytes(8, "little")
    base = (lba * 31 + (lba >> 8)) & 0xFF
    return head + bytes((base + i * 7) & 0xFF for i in range(8, SECTOR))


def verify(path):
    data = open(path, "rb").read()
    n = len(data) // SECTOR
    bad = [lba for lba in range(n) if data[lba * SECTOR:(lba + 1) * SECTOR] != pattern(lba)]
    print("%s: %d sectors, %d differ from the pattern%s" % (
        path, n, len(bad), (" (first %d)" % bad[0]) if bad else ""))
    return 1 if bad or n == 0 else 0


def fnv(path):
    h = 0xCBF29CE484222325
    for b in open(path, "rb").read():
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    print("%016x" % h)
    return 0


def rand(path, n):
    rnd = random.Random(n * 7919)
    with open(path, "wb") as f:
        f.write(bytes(rnd.getrandbits(8) for _ in range(n * SECTOR)))
    return 0


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "verify":
        sys.exit(verify(sys.argv[2]))
    if cmd == "checksum":
        sys.exit(fnv(sys.argv[2]))
    if cmd == "random":
        sys.exit(rand(sys.argv[2], int(sys.argv[3])))
    sys.exit(__doc__)
