#!/usr/bin/env python3
"""udp-echo-check.py HOST PORT [MIN MAX] - send one datagram of every size
from MIN to MAX bytes (default 1..1472) to a UDP echo service, each with a
different pseudo-random payload, and check that every reply is byte-exact.
A size is retried up to 5 times when no reply comes within the timeout (the
first datagrams may wait on ARP).  Three sizes in a row with no reply at
all end the run (a dead service must not cost 1472 x 5 timeouts).  Prints
one summary line; exit 0 only if every size came back exact.
"""
import os
import random
import socket
import sys


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    lo = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    hi = int(sys.argv[4]) if len(sys.argv) > 4 else 1472
    if not 1 <= lo <= hi <= 65507:
        # an empty range would check nothing and pass
        print("udp-echo-check.py: sizes %d..%d: want 1 <= MIN <= MAX <= 65507" % (lo, hi), file=sys.stderr)
        return 2
    timeout = float(os.environ.get("ECHO_TIMEOUT", "0.5"))
    rnd = random.Random(0x5EED)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.connect((host, port))
    exact = lost = wrong = retries = silent = 0
    for size in range(lo, hi + 1):
        if silent >= 3:
            print("three sizes in a row with no reply: giving up at size %d" % size, file=sys.stderr)
            lost += hi - size + 1
            break
        payload = bytes(rnd.getrandbits(8) for _ in range(size))
        for attempt in range(5):
            s.send(payload)
            try:
                while True:
                    reply = s.recv(65536)
                    # A late reply to an earlier retry of another size is skipped.
                    if len(reply) == size:
                        break
            except socket.timeout:
                retries += 1
                continue
            silent = 0
            if reply == payload:
                exact += 1
            else:
                wrong += 1
                print("size %d: reply differs" % size, file=sys.stderr)
            break
        else:
            lost += 1
            silent += 1
            print("size %d: no reply" % size, file=sys.stderr)
    total = hi - lo + 1
    print("udp echo %s:%d: %d/%d sizes byte-exact (%d-%d bytes), %d lost, %d wrong, %d retries"
          % (host, port, exact, total, lo, hi, lost, wrong, retries))
    return 0 if exact == total else 1


if __name__ == "__main__":
    sys.exit(main())
