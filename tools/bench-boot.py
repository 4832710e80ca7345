#!/usr/bin/env python3
"""bench-boot.py - time one boot for make bench (tools/bench-boot.sh).

    bench-boot.py [--ping IP] [--limit SECONDS] [--log FILE] -- QEMU ARGV...

Starts QEMU itself (ARGV is the command tools/qemu-run.sh --dry-run prints,
so no shell sits between the timestamp and the exec) with its serial port on
a pipe, and timestamps, from the moment just before the exec:

  * every line of serial output, and its first byte (first_byte_ms);
  * with --ping IP: the first ICMP echo reply from IP (reply_ms).  ping(8)
    starts right after QEMU with -i 0.002 (which needs root); its -D stamp
    of the reply is the time.  The caller has set the host's neighbour
    entry for IP statically, so no ARP exchange is timed.  The requests
    that reach the TAP device before the guest's driver is up wait in its
    queue (QEMU reads it only once the driver is ready), so the guest
    answers the oldest of them as soon as it polls: no ping interval is in
    the figure either (while nothing answers, iputils ping sends one request
    per 10 ms, not per 2 ms; the queue makes that irrelevant).

  * with --tap IF: the moment QEMU attaches to the TAP device IF (its
    carrier comes up, seen on a netlink socket; tap_ms).  That happens while
    QEMU creates its devices, before it loads the image, so figures taken
    from there leave out the start of the QEMU process itself (dynamic
    linking, about 100 ms and most of the spread on a busy machine), which
    is the same for every guest.

  * QEMU's CPU time (every thread's, from /proc/PID/task/*/schedstat, in
    nanoseconds) at each of those moments: cpu_tap_ms, cpu_byte_ms and
    cpu_reply_ms.  The difference between two of them is the host work
    QEMU did in between - translating and running the guest, its devices -
    without the waits and the scheduling of a busy machine, which make
    most of the wall-clock figures' spread.  (A thread that has ended by
    then is not counted; QEMU's threads here live as long as it does.)

Without --ping it stops at the first serial byte (the floor guest), with it
once both the first reply and the first serial byte have come (the firmware
holds its boot log until it has answered, so its first byte comes after the
reply).  Prints one line:

    bench-boot first_byte_ms=F [reply_ms=R] [tap_ms=T] [LINE_ms=...] cpu_byte_ms=C [cpu_reply_ms=C] [cpu_tap_ms=C]

(-1 for what did not come within --limit seconds).  Only the QEMU and ping
processes started here are signalled, by PID.  --log keeps the timestamped
serial lines and ping output.
"""
import argparse
import os
import re
import selectors
import signal
import socket
import struct
import subprocess
import sys
import time

RTMGRP_LINK = 1
RTM_NEWLINK = 16
IFF_LOWER_UP = 0x10000

# Serial lines worth a timestamp of their own in the result (first match).
MARKS = {
    "vbare": re.compile(r"^vbare: "),
    "static": re.compile(r"^net: static "),
    "boot_done": re.compile(r"^boot: done"),
    "irq": re.compile(r"^irq: "),
}


def ms(t, t0):
    return -1 if t is None else round((t - t0) * 1000.0, 2)


def cpu_ms(pid):
    """QEMU's CPU time so far, in ms, summed over its threads; None when
    /proc does not tell."""
    total = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total / 1e6


def cpu_str(c):
    return -1 if c is None else round(c, 2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ping", metavar="IP")
    ap.add_argument("--tap", metavar="IF")
    ap.add_argument("--limit", type=float, default=10.0)
    ap.add_argument("--log")
    ap.add_argument("--linger", type=float, default=0.0,
                    help="keep reading the serial port this long after the last figure")
    ap.add_argument("argv", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    argv = a.argv[1:] if a.argv[:1] == ["--"] else a.argv
    if not argv:
        ap.error("no QEMU command")

    log = []
    first_byte = reply = None
    cpu_tap = cpu_byte = cpu_reply = None
    marks = {}
    buf = b""
    sel = selectors.DefaultSelector()

    tap = None
    nl = None
    if a.tap:
        try:
            tap_index = socket.if_nametoindex(a.tap)
            nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
            nl.bind((0, RTMGRP_LINK))
            sel.register(nl, selectors.EVENT_READ, "netlink")
        except OSError as e:
            print("bench-boot: --tap %s: %s" % (a.tap, e), file=sys.stderr)
            nl = None
    procs = []
    t0 = time.time()
    try:
        qemu = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        procs.append(qemu)
        sel.register(qemu.stdout, selectors.EVENT_READ, "serial")
        sel.register(qemu.stderr, selectors.EVENT_READ, "stderr")
        if a.ping:
            ping = subprocess.Popen(["ping", "-D", "-n", "-i", "0.002", "-W", "1", a.ping],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            procs.append(ping)
            sel.register(ping.stdout, selectors.EVENT_READ, "ping")
    except OSError as e:
        for p in procs:
            p.kill()
            p.wait()
        print("bench-boot: cannot start %s: %s" % (e.filename or argv[0], e.strerror), file=sys.stderr)
        print("bench-boot first_byte_ms=-1" + (" reply_ms=-1" if a.ping else ""))
        return 1
    pbuf = b""
    end = t0 + a.limit
    open_fds = len(sel.get_map())
    lingering = False
    try:
        while open_fds:
            if not lingering and first_byte is not None and (not a.ping or reply is not None):
                lingering = True
                end = time.time() + a.linger
            left = end - time.time()
            if left <= 0:
                break
            for key, _ in sel.select(left):
                if key.data == "netlink":
                    data = nl.recv(65536)
                    now = time.time()
                    off = 0
                    while tap is None and off + 32 <= len(data):
                        mlen, mtype = struct.unpack_from("=IH", data, off)
                        if mlen < 16:
                            break
                        if mtype == RTM_NEWLINK:
                            _, _, _, index, flags = struct.unpack_from("=BBHiI", data, off + 16)
                            if index == tap_index and flags & IFF_LOWER_UP:
                                tap = now
                                cpu_tap = cpu_ms(qemu.pid)
                        off += (mlen + 3) & ~3
                    continue
                data = os.read(key.fileobj.fileno(), 65536)
                now = time.time()
                if not data:
                    sel.unregister(key.fileobj)
                    open_fds -= 1
                    continue
                if key.data == "serial":
                    if first_byte is None:
                        first_byte = now
                        cpu_byte = cpu_ms(qemu.pid)
                    buf += data
                    while b"\n" in buf:
                        line, buf = buf.split(b"\n", 1)
                        text = line.decode("utf-8", "replace").rstrip("\r")
                        log.append("%9.2f serial %s" % (ms(now, t0), text))
                        for k, rx in MARKS.items():
                            if k not in marks and rx.search(text):
                                marks[k] = now
                elif key.data == "stderr":
                    for line in data.decode("utf-8", "replace").splitlines():
                        log.append("%9.2f qemu   %s" % (ms(now, t0), line))
                else:
                    pbuf += data
                    while b"\n" in pbuf:
                        line, pbuf = pbuf.split(b"\n", 1)
                        text = line.decode("utf-8", "replace")
                        log.append("%9.2f ping   %s" % (ms(now, t0), text))
                        m = re.match(r"^\[(\d+\.\d+)\] \d+ bytes from ", text)
                        if m and reply is None:
                            reply = float(m.group(1))
                            cpu_reply = cpu_ms(qemu.pid)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    if buf:
        log.append("%9.2f serial %s" % (ms(time.time(), t0), buf.decode("utf-8", "replace").rstrip("\r")))
    if a.log:
        with open(a.log, "w") as f:
            f.write("# %s\n" % " ".join(argv))
            f.write("\n".join(log) + "\n")
    out = ["bench-boot", "first_byte_ms=%s" % ms(first_byte, t0)]
    if a.ping:
        out.append("reply_ms=%s" % ms(reply, t0))
    if nl is not None:
        out.append("tap_ms=%s" % ms(tap, t0))
        nl.close()
    for k in MARKS:
        if k in marks:
            out.append("%s_ms=%s" % (k, ms(marks[k], t0)))
    out.append("cpu_byte_ms=%s" % cpu_str(cpu_byte))
    if a.ping:
        out.append("cpu_reply_ms=%s" % cpu_str(cpu_reply))
    if nl is not None:
        out.append("cpu_tap_ms=%s" % cpu_str(cpu_tap))
    print(" ".join(out))
    ok = first_byte is not None and (reply is not None or not a.ping)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
