#!/usr/bin/env python3
"""qemu-monitor.py SOCKET COMMAND... - send human-monitor commands to a QEMU
started with -monitor unix:SOCKET,server=on,wait=off and print the replies."""
import socket
import sys
import time


def main():
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
    for cmd in sys.argv[2:]:
        s.sendall(cmd.encode() + b"\n")
        print(until_prompt())
    s.close()


if __name__ == "__main__":
    main()
