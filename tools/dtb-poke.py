#!/usr/bin/env python3
"""dtb-poke.py PORT MUTATION [--riscv ELF] - corrupt the device tree inside a
halted QEMU guest through QEMU's gdb stub, then let the guest run.

QEMU places its device tree at the base of RAM (arm, aarch64 virt) before
the first instruction; with -S the guest waits, so the firmware's
device-tree reader is handed a blob in guest memory that no loader has
checked.  --riscv ELF: on riscv64 OpenSBI reads (and edits) the tree first,
so the guest runs to a breakpoint where OpenSBI enters the firmware (the
ELF's lowest load address) and the blob a1 points to is corrupted there.
Mutations: magic, version, totalsize, off_struct, virtio-reg (the first
virtio-mmio node's address moved onto the RTC; riscv64: the PLIC),
virtio-guard (the same node moved to 0x1000, in the unmapped NULL guard), nameoff
(the last property's name offset), end (the struct block's FDT_END token),
unbalanced (the root's END_NODE rewritten as a NOP), irqchip-reach and
irqchip-guard (the GIC distributor's, riscv64: the PLIC's, registers moved
above the identity map or into the NULL guard), gicv3-no-sysregs (the GICv2
node turned into a GICv3 one: see main()).
"""
import socket
import struct
import sys
import time

DTB = 0x40000000
# The lowest virtio-mmio node, and the device its reg is moved onto (virtio-reg).
VIRTIO_NODE, OTHER = "virtio_mmio@a000000", 0x09010000  # the PL031 RTC


class Gdb:
    def __init__(self, port):
        for _ in range(100):
            try:
                self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("dtb-poke: no gdb stub on port %d" % port)
        self.buf = b""

    def _read_packet(self):
        while True:
            while b"#" not in self.buf or len(self.buf) < self.buf.index(b"#") + 3:
                chunk = self.s.recv(65536)
                if not chunk:
                    sys.exit("dtb-poke: gdb stub closed the connection")
                self.buf += chunk
            start = self.buf.index(b"$")
            end = self.buf.index(b"#", start)
            data = self.buf[start + 1:end]
            self.buf = self.buf[end + 3:]
            self.s.sendall(b"+")
            return data.decode()

    def cmd(self, text):
        pkt = text.encode()
        self.s.sendall(b"$" + pkt + b"#%02x" % (sum(pkt) & 0xFF))
        return self._read_packet()

    def read(self, addr, n):
        out = b""
        while n:
            k = min(n, 1024)
            r = self.cmd("m%x,%x" % (addr, k))
            if r.startswith("E"):
                sys.exit("dtb-poke: cannot read 0x%x: %s" % (addr, r))
            out += bytes.fromhex(r)
            addr += k
            n -= k
        return out

    def run_to(self, addr):
        """Run to a breakpoint at addr; the stop reply is read, not checked."""
        if self.cmd("Z0,%x,4" % addr) != "OK":
            sys.exit("dtb-poke: cannot set a breakpoint at 0x%x" % addr)
        stop = self.cmd("c")
        self.cmd("z0,%x,4" % addr)
        if not stop.startswith(("T", "S")):
            sys.exit("dtb-poke: the guest did not stop at 0x%x: %s" % (addr, stop))

    def reg64(self, n):
        """Register n of a 64-bit little-endian target (gdb's numbering),
        from the g packet: QEMU answers p only to a client that read its
        target description."""
        r = self.cmd("g")
        if len(r) < (n + 1) * 16 or r.startswith("E"):
            sys.exit("dtb-poke: cannot read the registers: %s" % r[:40])
        return int.from_bytes(bytes.fromhex(r[n * 16:(n + 1) * 16]), "little")

    def write(self, addr, data):
        r = self.cmd("M%x,%x:%s" % (addr, len(data), data.hex()))
        if r != "OK":
            sys.exit("dtb-poke: cannot write 0x%x: %s" % (addr, r))


def tokens(blob, off_struct, size_struct):
    """Yield (offset, token, prop_len) for each token of the struct block."""
    p, end = off_struct, off_struct + size_struct
    while p < end:
        t = struct.unpack(">I", blob[p:p + 4])[0]
        yield p, t
        if t == 1:
            q = blob.index(0, p + 4)
            p = (q + 1 + 3) & ~3
        elif t == 3:
            ln = struct.unpack(">I", blob[p + 4:p + 8])[0]
            p = (p + 12 + ln + 3) & ~3
        elif t in (2, 4):
            p += 4
        else:
            return


def lowest_load(path):
    """The lowest physical address of an ELF64's PT_LOAD segments."""
    d = open(path, "rb").read()
    if d[:5] != b"\x7fELF\x02":
        sys.exit("dtb-poke: %s is not an ELF64 file" % path)
    phoff, = struct.unpack_from("<Q", d, 32)
    phentsize, phnum = struct.unpack_from("<HH", d, 54)
    loads = []
    for i in range(phnum):
        p_type, _f, _off, _va, pa = struct.unpack_from("<IIQQQ", d, phoff + i * phentsize)
        if p_type == 1:
            loads.append(pa)
    if not loads:
        sys.exit("dtb-poke: %s has no loadable segment" % path)
    return min(loads)


def main():
    global DTB, VIRTIO_NODE, OTHER
    args = sys.argv[1:]
    entry = None
    if len(args) == 4 and args[2] == "--riscv":
        entry = lowest_load(args[3])
        args = args[:2]
    if len(args) != 2:
        sys.exit("usage: dtb-poke.py PORT MUTATION [--riscv ELF]")
    port, mutation = int(args[0]), args[1]
    g = Gdb(port)
    if entry is not None:
        g.run_to(entry)
        DTB = g.reg64(11)  # a1
        # The PLIC: the Goldfish RTC lies in the lowest 2 MiB, which the
        # firmware leaves unmapped (its NULL guard).
        VIRTIO_NODE, OTHER = "virtio_mmio@10001000", 0x0C000000
    hdr = g.read(DTB, 40)
    (magic, total, off_struct, off_strings, _rsv, _ver, _lcv, _cpu, _sstr,
     size_struct) = struct.unpack(">10I", hdr)
    if magic != 0xD00DFEED:
        sys.exit("dtb-poke: no device tree at 0x%x" % DTB)
    blob = g.read(DTB, max(off_struct + size_struct, off_strings + _sstr))
    if mutation == "magic":
        g.write(DTB, struct.pack(">I", 0xFEEDD00D))
    elif mutation == "version":
        g.write(DTB + 20, struct.pack(">II", 1, 1))
    elif mutation == "totalsize":
        g.write(DTB + 4, struct.pack(">I", 0xFFFFFFF0))
    elif mutation == "off_struct":
        g.write(DTB + 8, struct.pack(">I", total + 64))
    elif mutation == "nameoff":
        last = [p for p, t in tokens(blob, off_struct, size_struct) if t == 3][-1]
        g.write(DTB + last + 8, struct.pack(">I", 0x7FFFFF00))
    elif mutation == "end":
        end = [p for p, t in tokens(blob, off_struct, size_struct) if t == 9][-1]
        g.write(DTB + end, struct.pack(">I", 7))
    elif mutation in ("virtio-reg", "virtio-guard"):
        # Point the lowest virtio,mmio node at another device: not a virtio
        # one; or (virtio-guard) at 0x1000, inside the firmware's unmapped
        # NULL guard (QEMU virt's flash on ARM, its boot ROM on riscv64).
        if mutation == "virtio-guard":
            OTHER = 0x1000
        names = blob[off_strings:]
        node, target = None, None
        for p, t in tokens(blob, off_struct, size_struct):
            if t == 1:
                node = blob[p + 4:blob.index(0, p + 4)].decode()
            elif t == 3 and node == VIRTIO_NODE:
                nameoff = struct.unpack(">I", blob[p + 8:p + 12])[0]
                if names[nameoff:names.index(b"\0", nameoff)] == b"reg":
                    target = p + 12
        if target is None:
            sys.exit("dtb-poke: no %s reg property" % VIRTIO_NODE)
        g.write(DTB + target, struct.pack(">II", 0, OTHER))
    elif mutation in ("irqchip-reach", "irqchip-guard", "gicv3-no-sysregs"):
        # The interrupt controller's registers (ARM: the GIC's distributor;
        # riscv64: the PLIC) moved beyond the identity map (irqchip-reach:
        # aarch64 512 GiB, riscv64 256 GiB) or to 0x1000, inside the NULL
        # guard (irqchip-guard); or (gicv3-no-sysregs, ARM) the GICv2 node
        # made a GICv3 one, its second region (the CPU interface) a
        # "redistributor" in zeroed RAM at 0x47f00000 that answers for CPU 0:
        # a GICv3 on a CPU without its system registers.
        ic = "plic@c000000" if entry is not None else "intc@8000000"
        addr = {"irqchip-reach": 0x4000000000 if entry is not None else 0x8000000000,
                "irqchip-guard": 0x1000}.get(mutation)
        names = blob[off_strings:]
        node, props = None, {}
        for p, t in tokens(blob, off_struct, size_struct):
            if t == 1:
                node = blob[p + 4:blob.index(0, p + 4)].decode()
            elif t == 3 and node == ic:
                nameoff = struct.unpack(">I", blob[p + 8:p + 12])[0]
                props[names[nameoff:names.index(b"\0", nameoff)]] = p
        if b"reg" not in props:
            sys.exit("dtb-poke: no %s reg property" % ic)
        reg = props[b"reg"] + 12
        if addr is not None:
            g.write(DTB + reg, struct.pack(">II", addr >> 32, addr & 0xFFFFFFFF))
        else:
            p = props[b"compatible"]
            clen = struct.unpack(">I", blob[p + 4:p + 8])[0]
            g.write(DTB + p + 12, b"arm,gic-v3".ljust(clen, b"\0"))
            g.write(DTB + reg + 16, struct.pack(">IIII", 0, 0x47F00000, 0, 0x20000))
    elif mutation == "unbalanced":
        ends = [p for p, t in tokens(blob, off_struct, size_struct) if t == 2]
        g.write(DTB + ends[-1], struct.pack(">I", 4))  # the root's END_NODE becomes a NOP
    else:
        sys.exit("dtb-poke: unknown mutation %s" % mutation)
    g.s.sendall(b"$c#63")  # continue; the stub answers only at the next stop
    time.sleep(0.2)
    g.s.close()


if __name__ == "__main__":
    main()
