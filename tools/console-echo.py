#!/usr/bin/env python3
"""console-echo.py SOCKET [COUNT] - connect to the unix socket behind a QEMU
virtio-console chardev, wait until the firmware echoes a sync line (what it
wrote before we connected is lost: QEMU drops output with no client), then
send COUNT lines (default 50) of varied printable bytes and check each comes
back byte-exact.  Prints one summary line; exit 0 only if all came back."""
import random
import socket
import sys
import time


def main():
    path, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 50
    if count < 1:
        print("console-echo.py: COUNT must be at least 1, not %d (no line would be checked)" % count,
              file=sys.stderr)
        return 2
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(200):
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("console-echo: cannot connect to %s" % path)
    s.settimeout(0.5)
    buf = b""
    deadline = time.time() + 30
    while b"sync\n" not in buf:
        if time.time() > deadline:
            sys.exit("console-echo: no echo of the sync line within 30 s")
        s.sendall(b"sync\n")
        try:
            buf += s.recv(4096)
        except socket.timeout:
            pass
    time.sleep(0.5)  # let the echoes of earlier sync lines drain
    s.settimeout(0.2)
    try:
        while s.recv(65536):
            pass
    except socket.timeout:
        pass
    s.settimeout(10)
    rnd = random.Random(7)
    ok = 0
    total = 0
    for i in range(count):
        line = bytes(rnd.randrange(32, 127) for _ in range(rnd.randrange(1, 700))) + b"\n"
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        total += len(line)
        if got == line:
            ok += 1
        else:
            print("line %d: sent %d bytes, got %d back, differ" % (i, len(line), len(got)), file=sys.stderr)
    print("virtio-console echo: %d/%d lines byte-exact (%d bytes)" % (ok, count, total))
    return 0 if ok == count else 1


if __name__ == "__main__":
    sys.exit(main())
