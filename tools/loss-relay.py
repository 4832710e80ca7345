#!/usr/bin/env python3
"""loss-relay.py - a deterministic fault-injecting Ethernet relay between a
QEMU UDP socket netdev and a TAP device (python3, stdlib only).  It stands
in for netem, which this machine's kernel lacks.

    loss-relay.py --tap tap0 --listen 127.0.0.1:PORT --qemu 127.0.0.1:PORT
                  [--seed N] [--drop P] [--reorder P] [--depth K] [--dup P]
                  [--all]

QEMU sends its guest's frames as UDP datagrams to --listen (where the relay
binds) and receives from the relay at --qemu: tools/qemu-run.sh
--net udp:QEMUPORT:RELAYPORT.  The relay opens the TAP device (which must
exist, e.g. made by tools/tapns.sh, in the namespace the relay runs in:
ip netns exec NS loss-relay.py ...) with IFF_TAP | IFF_NO_PI and forwards
each frame the other way.

Faults, chosen per direction by a random.Random seeded from --seed and the
direction, so the same sequence of frames meets the same faults:
  --drop P     the frame is dropped;
  --reorder P  the frame is held back and sent after the next K frames of
               its direction (--depth, default 2), or after 10 ms of
               silence, whichever comes first; one frame is held at a time;
  --dup P      the frame is sent twice.
Only IPv4 TCP frames meet faults unless --all is given: ARP, ICMP and UDP
(the guest's boot-time ping, for one) pass untouched.

On SIGTERM or SIGINT it prints one line per direction and exits 0:
  loss-relay: to-guest frames N faulted F dropped D reordered R duplicated U
  loss-relay: from-guest frames N faulted F dropped D reordered R duplicated U
(frames: all forwarded or dropped; faulted: those that could meet a fault).
"ready" is printed once both sockets are open.
"""
import argparse
import fcntl
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
TUNSETOFFLOAD = 0x400454D0
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
HOLD_S = 0.01


def addr(text):
    host, _, port = text.rpartition(":")
    return (host or "127.0.0.1", int(port))


class Direction:
    def __init__(self, name, seed, args, send):
        self.name = name
        self.rng = random.Random(f"{seed}:{name}")
        self.args = args
        self.send = send
        self.held = None  # (frame, frames still to pass, time held)
        self.frames = self.faulted = self.dropped = self.reordered = self.duplicated = 0

    def _out(self, frame):
        try:
            self.send(frame)
        except (BlockingIOError, OSError):
            pass  # a full queue: a loss the schedule did not choose; not counted
        if self.held is not None:
            f, n, t = self.held
            if n <= 1:
                self.held = None
                self._out(f)
            else:
                self.held = (f, n - 1, t)

    def frame(self, frame):
        self.frames += 1
        a = self.args
        if not (a.all or faultable(frame)):
            self._out(frame)
            return
        self.faulted += 1
        # three draws per frame, whatever is chosen: the schedule of a
        # direction depends only on how many faultable frames came before
        r_drop, r_reorder, r_dup = self.rng.random(), self.rng.random(), self.rng.random()
        if r_drop < a.drop:
            self.dropped += 1
            return
        if r_reorder < a.reorder and self.held is None:
            self.reordered += 1
            self.held = (frame, a.depth, time.monotonic())
            return
        self._out(frame)
        if r_dup < a.dup:
            self.duplicated += 1
            self._out(frame)

    def tick(self, now):
        if self.held is not None and now - self.held[2] >= HOLD_S:
            f = self.held[0]
            self.held = None
            self._out(f)

    def report(self):
        return (f"loss-relay: {self.name} frames {self.frames} faulted {self.faulted} dropped {self.dropped} "
                f"reordered {self.reordered} duplicated {self.duplicated}")


def faultable(frame):
    """An IPv4 TCP frame (Ethernet II, no VLAN)."""
    return len(frame) >= 34 and frame[12:14] == b"\x08\x00" and frame[23] == 6


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tap", required=True)
    p.add_argument("--listen", type=addr, required=True, help="HOST:PORT the relay binds (QEMU's remote)")
    p.add_argument("--qemu", type=addr, required=True, help="HOST:PORT QEMU binds (QEMU's local)")
    p.add_argument("--seed", default="1")
    p.add_argument("--drop", type=float, default=0.0)
    p.add_argument("--reorder", type=float, default=0.0)
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--dup", type=float, default=0.0)
    p.add_argument("--all", action="store_true", help="faults on every frame, not only IPv4 TCP")
    a = p.parse_args()
    if a.depth < 1:
        p.error("--depth must be at least 1")

    tap = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(tap, TUNSETIFF, struct.pack("16sH22x", a.tap.encode(), IFF_TAP | IFF_NO_PI))
    # No offloads: a QEMU that had the device before (-netdev tap) leaves
    # them on, and the kernel would then hand over frames with partial
    # checksums, which the guest (behind a plain UDP netdev) rejects.
    fcntl.ioctl(tap, TUNSETOFFLOAD, 0)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(a.listen)
    udp.setblocking(False)

    to_guest = Direction("to-guest", a.seed, a, lambda f: udp.sendto(f, a.qemu))
    from_guest = Direction("from-guest", a.seed, a, lambda f: os.write(tap, f))
    dirs = (to_guest, from_guest)

    def stop(_sig, _frm):
        for d in dirs:
            print(d.report())
        sys.stdout.flush()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("ready", flush=True)
    while True:
        try:
            r, _, _ = select.select([tap, udp], [], [], HOLD_S / 2)
        except InterruptedError:
            continue
        if tap in r:
            for _ in range(64):
                try:
                    to_guest.frame(os.read(tap, 65536))
                except BlockingIOError:
                    break
        if udp in r:
            for _ in range(64):
                try:
                    f, _src = udp.recvfrom(65536)
                except BlockingIOError:
                    break
                from_guest.frame(f)
        now = time.monotonic()
        for d in dirs:
            d.tick(now)


if __name__ == "__main__":
    main()
