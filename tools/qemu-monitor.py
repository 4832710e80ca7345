#!/usr/bin/env python3
"""qemu-monitor.py [--elapsed] SOCKET COMMAND... - send human-monitor
commands to a QEMU started with -monitor unix:SOCKET,server=on,wait=off and
print the replies.  A COMMAND "sleep SECONDS" is not sent: it waits between
two commands on the same connection (so a link can go down for a measured
while).  --elapsed: then print "elapsed-ms N" on stderr, from sending the
first command to the last reply."""
import socket
import sys
import time


def main():
    elapsed = len(sys.argv) > 1 and sys.argv[1] == "--elapsed"
    if elapsed:
        del sys.argv[1]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(100):
        try:
            s.connect(sys.argv[1])
            break
        except OSError:
            time.sleep(0.05)
    else:
        sys.exit("qemu-monitor: cannot connect to %s" % sys.argv[1])
    s.settimeout(2)

    def until_prompt():
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf.decode(errors="replace")

    until_prompt()
    t0 = None
    for cmd in sys.argv[2:]:
        if cmd.startswith("sleep "):
            time.sleep(float(cmd.split()[1]))
            continue
        if t0 is None:
            t0 = time.monotonic()
        s.sendall(cmd.encode() + b"\n")
        print(until_prompt())
    if elapsed and t0 is not None:
        print("elapsed-ms %d" % ((time.monotonic() - t0) * 1000), file=sys.stderr)
    s.close()


if __name__ == "__main__":
    main()
