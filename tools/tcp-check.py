#!/usr/bin/env python3
"""tcp-check.py HOST [ECHO_PORT DISCARD_PORT CLOSED_PORT] - check a TCP echo
and discard service with the host's own TCP as the peer.  Prints one
"PASS: ..." or "FAIL: ...: why" line per check (the system tests count
them); exit 0 only if every check passed.

tcp-check.py --echo BYTES HOST [PORT]: only one echo of BYTES random bytes
(sent, half-closed, read to EOF, SHA-256 compared), one PASS or FAIL line
with the time it took (TCP_TIMEOUT, default 60: the most seconds it may take).

Checks: echo of 1 byte, 64 KiB and 1 MiB of random data, sent while the
echo is read back, then shutdown(SHUT_WR) and the rest read to EOF (a
half-close: the server must still send after our FIN), verified by
SHA-256; 20 concurrent echo connections of 32 KiB each; discard of 64 KiB
(EOF with nothing back); RST (connection refused) from a closed port - a
RST, not an ICMP error: Linux reports a SYN answered by ICMP port
unreachable as ECONNREFUSED too, so the socket's error queue (IP_RECVERR)
must be empty.
"""
import hashlib
import os
import selectors
import socket
import sys
import time

from rst_probe import refused_how

TIMEOUT = float(os.environ.get("TCP_TIMEOUT", "60"))
failures = 0


def report(ok, what, why=""):
    global failures
    if ok:
        print(f"PASS: {what}")
    else:
        failures += 1
        print(f"FAIL: {what}: {why}")
    sys.stdout.flush()


def connect(host, port):
    # the first SYN may wait for ARP; the kernel retries on its own
    return socket.create_connection((host, port), timeout=TIMEOUT)


def closed_port(host, port):
    return refused_how(host, port, TIMEOUT)


def echo_many(host, port, payloads):
    """Send each payload on its own connection, all at once; shut down the
    sending side after the last byte; read each echo to EOF.  Returns the
    list of what came back."""
    sel = selectors.DefaultSelector()
    state = []
    for i, p in enumerate(payloads):
        s = connect(host, port)
        s.setblocking(False)
        st = {"sock": s, "out": memoryview(p), "in": bytearray(), "eof": False, "shut": False}
        state.append(st)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
    deadline = time.monotonic() + TIMEOUT
    while any(not st["eof"] for st in state):
        if time.monotonic() > deadline:
            raise TimeoutError("no progress for %.0f s" % TIMEOUT)
        for key, ev in sel.select(timeout=1):
            st = key.data
            s = st["sock"]
            if ev & selectors.EVENT_WRITE and not st["shut"]:
                if st["out"]:
                    n = s.send(st["out"][:65536])
                    st["out"] = st["out"][n:]
                if not st["out"]:
                    s.shutdown(socket.SHUT_WR)
                    st["shut"] = True
                    sel.modify(s, selectors.EVENT_READ, st)
            if ev & selectors.EVENT_READ:
                d = s.recv(65536)
                if d:
                    st["in"] += d
                else:
                    st["eof"] = True
                    sel.unregister(s)
                    s.close()
    return [bytes(st["in"]) for st in state]


def echo_one(host, port, size):
    data = os.urandom(size)
    t = time.monotonic()
    try:
        got = echo_many(host, port, [data])[0]
        dt = time.monotonic() - t
        ok = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
        report(ok, f"TCP echo of {size} bytes, half-closed, SHA-256 exact in {dt:.1f} s ({size / dt / 1e6:.2f} MB/s)",
               f"{len(got)} bytes back of {size} after {dt:.1f} s")
    except Exception as e:  # noqa: BLE001 - any failure is a FAIL line
        report(False, f"TCP echo of {size} bytes", f"{e!r} after {time.monotonic() - t:.1f} s")


def main():
    if sys.argv[1] == "--echo":
        echo_one(sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 7, int(sys.argv[2]))
        sys.exit(1 if failures else 0)
    host = sys.argv[1]
    echo = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    discard = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    closed = int(sys.argv[4]) if len(sys.argv) > 4 else 4321
    for size, name in ((1, "1 byte"), (64 * 1024, "64 KiB"), (1024 * 1024, "1 MiB")):
        data = os.urandom(size)
        t = time.monotonic()
        try:
            got = echo_many(host, echo, [data])[0]
            dt = time.monotonic() - t
            ok = hashlib.sha256(got).digest() == hashlib.sha256(data).digest()
            report(ok, f"TCP echo of {name}, half-closed, SHA-256 exact ({size / dt / 1e6:.2f} MB/s)",
                   f"{len(got)} bytes back of {size}")
        except Exception as e:  # noqa: BLE001 - any failure is a FAIL line
            report(False, f"TCP echo of {name}", repr(e))
    try:
        datas = [os.urandom(32 * 1024) for _ in range(20)]
        got = echo_many(host, echo, datas)
        bad = [i for i in range(20) if got[i] != datas[i]]
        report(not bad, "20 concurrent TCP echo connections of 32 KiB, each exact", f"wrong: {bad}")
    except Exception as e:  # noqa: BLE001
        report(False, "20 concurrent TCP echo connections", repr(e))
    try:
        s = connect(host, discard)
        s.sendall(os.urandom(64 * 1024))
        s.shutdown(socket.SHUT_WR)
        back = s.recv(1)
        s.close()
        report(back == b"", "TCP discard of 64 KiB, then EOF", f"got {back!r}")
    except Exception as e:  # noqa: BLE001
        report(False, "TCP discard", repr(e))
    r = closed_port(host, closed)
    report(r == "refused", f"RST from closed port {closed} (connection refused)",
           "the connection was accepted" if r == "connected" else r)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
