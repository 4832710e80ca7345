#!/usr/bin/env python3
"""serial-drive.py LOG STEPS -- COMMAND... - drive a program's console.

Runs COMMAND (e.g. tools/qemu-run.sh ... firmware.elf, whose serial port is
its stdin/stdout), copies everything it prints to LOG, and plays STEPS, one
per argument:
  wait:REGEX     wait (up to 30 s) until the output since the last wait
                 matches REGEX (Python syntax, multiline)
  send:TEXT      type TEXT followed by Enter, one character at a time
  key:HEX        type the bytes HEX (two digits each) and no Enter: 03 is Ctrl-C
  sleep:SECONDS
  run:COMMAND    run a shell command (traffic, say) and wait for it; its
                 output goes to stderr; a non-zero exit fails the run
Stops the program (by its PID) at the end, and when SIGTERM or SIGHUP ends
this script.  Exit status 0 when every wait matched; otherwise 1, naming
the step that did not.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time


def main():
    # Ended by a signal (make check interrupted, a CI job cancelled), still
    # stop the program: it runs in a session of its own, out of reach of
    # the signal, and not every caller bounds it with `timeout`.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    log_path = sys.argv[1]
    sep = sys.argv.index("--")
    steps, cmd = sys.argv[2:sep], sys.argv[sep + 1:]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    out = bytearray()
    lock = threading.Lock()

    def reader():
        with open(log_path, "wb") as log:
            while True:
                chunk = os.read(proc.stdout.fileno(), 4096)
                if not chunk:
                    return
                log.write(chunk)
                log.flush()
                with lock:
                    out.extend(chunk)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    mark = 0
    status = 0
    try:
        for step in steps:
            kind, _, arg = step.partition(":")
            if kind == "wait":
                rx = re.compile(arg.encode(), re.M)
                deadline = time.time() + 30
                while True:
                    with lock:
                        text = bytes(out[mark:]).replace(b"\r", b"")
                        m = rx.search(text)
                        if m:
                            mark += len(out) - mark  # later waits see only newer output
                            break
                    if time.time() > deadline or proc.poll() is not None:
                        print("serial-drive: step '%s' did not match" % step, file=sys.stderr)
                        status = 1
                        return status
                    time.sleep(0.05)
            elif kind == "send":
                for ch in arg.encode() + b"\r":
                    proc.stdin.write(bytes([ch]))
                    proc.stdin.flush()
                    time.sleep(0.002)
            elif kind == "key":
                try:
                    keys = bytes.fromhex(arg)
                except ValueError:
                    print("serial-drive: key:%s is not hex bytes (03 is Ctrl-C)" % arg, file=sys.stderr)
                    return 2
                proc.stdin.write(keys)
                proc.stdin.flush()
            elif kind == "sleep":
                time.sleep(float(arg))
            elif kind == "run":
                r = subprocess.run(arg, shell=True, stdout=sys.stderr)
                if r.returncode != 0:
                    print("serial-drive: '%s' exited with %d" % (arg, r.returncode), file=sys.stderr)
                    status = 1
            else:
                print("serial-drive: unknown step '%s'" % step, file=sys.stderr)
                return 2
        return status
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
        t.join(2)


if __name__ == "__main__":
    sys.exit(main())
