#!/usr/bin/env python3
"""tcp-services-check.py HOST on|off [HOST_IP] - check the guest's shell on
TCP port 23 (apps/shellsrv.h) and its HTTP server on port 80
(apps/httpapp.h) with the host's own TCP (Python sockets and curl).
Prints one "PASS: ..." or "FAIL: ...: why" line per check (the system test
counts them); exit 0 only if every check passed.

on:  HTTP: curl GET / (the device table, Content-Length exact,
     Connection: close), GET /stats parsed by json.loads with counters
     that must have moved (the curl itself was received), HEAD, 404, 405
     with Allow, 400 (a malformed request line, a bad header, HTTP/1.1
     without Host, a request that ends early), 505, 431 for a head larger
     than the server's buffer and 414 for a request line larger than it
     (then the server still answers), a request
     split over many small segments, LF-only line ends;
     shell: the prompt, help and devices, CR LF and telnet negotiation
     (options refused, TIMING-MARK answered) and CR NUL, a line too long,
     stats and ping of HOST_IP (a command that polls the network itself),
     two sessions at once with their own lines, the session limit (a
     fifth connection is refused with one line and closed), exit and quit
     close.
off: ports 23 and 80 refuse connections (RST - not an ICMP error, which
     Linux reports as ECONNREFUSED too: the socket's IP_RECVERR error
     queue must stay empty).
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

from rst_probe import refused_how

TIMEOUT = float(os.environ.get("SVC_TIMEOUT", "20"))
PROMPT = b"vbare> "
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
    return socket.create_connection((host, port), timeout=TIMEOUT)


def recv_all(s):
    """Read to EOF."""
    out = bytearray()
    while True:
        d = s.recv(65536)
        if not d:
            return bytes(out)
        out += d


def raw_http(host, data, chunks=None, shut=False):
    """Send a raw request (optionally in pieces, optionally followed by our
    FIN) and read the answer to EOF."""
    s = connect(host, 80)
    try:
        if chunks:
            for i in range(0, len(data), chunks):
                s.sendall(data[i:i + chunks])
                time.sleep(0.005)
        else:
            s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        return recv_all(s)
    finally:
        s.close()


def parse_answer(raw):
    """(status, {header: value}, body) of one HTTP answer, or (None, ..)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return None, {}, b""
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0])
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return (int(m.group(1)) if m else None), hdrs, body


def check_status(host, what, data, want, chunks=None, shut=False):
    try:
        raw = raw_http(host, data, chunks, shut)
    except Exception as e:
        report(False, what, repr(e))
        return None
    st, hdrs, body = parse_answer(raw)
    ok = (st == want and hdrs.get("connection") == "close" and hdrs.get("content-length") == str(len(body))
          and "content-type" in hdrs)
    report(ok, f"{what}: {want}", f"status {st}, headers {hdrs}, body {body[:80]!r}")
    return hdrs if ok else None


def curl(url, *args):
    r = subprocess.run(["curl", "-sS", "-i", "--max-time", str(TIMEOUT), *args, url], capture_output=True)
    return r.returncode, r.stdout, r.stderr


def http_checks(host):
    base = f"http://{host}"
    rc, out, err = curl(base + "/")
    st, hdrs, body = parse_answer(out)
    text = body.decode("utf-8", "replace")
    table = [l for l in text.splitlines() if re.match(r"virtio-mmio@0x[0-9a-f]{8} irq \S+ v[12] dev \d+ \(\w+\)", l)]
    report(rc == 0 and st == 200 and hdrs.get("content-length") == str(len(body)) and
           hdrs.get("connection") == "close" and hdrs.get("content-type", "").startswith("text/plain"),
           "curl GET /: 200, text/plain, Content-Length exact, Connection: close",
           f"rc {rc} {err[:100]!r} status {st} headers {hdrs}")
    report(any("(net) features" in l for l in table) and any("(blk) features" in l for l in table) and
           len(table) == len(text.splitlines()),
           "GET /: the device table (net and blk with their features, every line a device)", repr(text[:300]))

    rc, out, err = curl(base + "/stats")
    st, hdrs, body = parse_answer(out)
    try:
        j = json.loads(body)
    except Exception as e:
        j = None
        report(False, "GET /stats: json.loads", f"{e!r} status {st} rc {rc} {err[:100]!r} {body[:200]!r}")
    if j is not None:
        report(st == 200 and hdrs.get("content-type") == "application/json" and
               hdrs.get("content-length") == str(len(body)), "GET /stats: 200 application/json, Content-Length exact",
               f"status {st} headers {hdrs}")
        try:
            net, vn = j["net"], j["virtio_net"]
            checks = [
                ("interrupts > 0", j["interrupts"] > 0),
                ("net.link.rx_frames > 0", net["link"]["rx_frames"] > 0),
                ("net.tcp.tcp_accepted >= 1", net["tcp"]["tcp_accepted"] >= 1),
                ("net.tcp.tcp_rx > 0", net["tcp"]["tcp_rx"] > 0),
                ("net.ip.ip_bad_checksum == 0", net["ip"]["ip_bad_checksum"] == 0),
                ("virtio_net.rx_frames > 0", vn["rx_frames"] > 0),
                ("virtio_net rx and tx queues", {"rx", "tx"} <= {k[:2] for k in vn["queues"]}),
                ("virtio_net queue sizes > 0", all(q["num"] > 0 for q in vn["queues"].values())),
                ("virtio_blk present", "virtio_blk" in j and len(j["virtio_blk"]["queues"]) == 1),
                ("devices: net, blk, rng", {d["type"] for d in j["devices"]} >= {"net", "blk", "rng"}),
                ("every number an int", all(isinstance(v, (int, bool)) for v in net["tcp"].values())),
                ("services.http.ok >= 1", j["services"]["http"]["ok"] >= 1),
                ("services.shell.truncated == 0", j["services"]["shell"]["truncated"] == 0),
            ]
            bad = [n for n, ok in checks if not ok]
            report(not bad, f"GET /stats: {len(checks)} counters plausible", f"wrong: {bad}")
        except Exception as e:
            report(False, "GET /stats: the expected keys", repr(e))
        # the counters move: a second read sees more frames
        rc, out, err = curl(base + "/stats")
        try:
            j2 = json.loads(parse_answer(out)[2])
            report(j2["net"]["link"]["rx_frames"] > j["net"]["link"]["rx_frames"] and
                   j2["services"]["http"]["ok"] > j["services"]["http"]["ok"],
                   "GET /stats again: rx_frames and http.ok grew", "")
        except Exception as e:
            report(False, "GET /stats again", repr(e))

    rc, out, err = curl(base + "/", "-I")
    st, hdrs, body = parse_answer(out)
    report(st == 200 and int(hdrs.get("content-length", "0")) > 0 and body == b"",
           "curl HEAD /: 200, Content-Length of the body, no body", f"status {st} {hdrs} {body[:60]!r}")

    rc, out, err = curl(base + "/nope")
    report(parse_answer(out)[0] == 404, "curl GET /nope: 404", repr(out[:100]))
    check_status(host, "GET /stats?x=1 (query ignored)", b"GET /stats?x=1 HTTP/1.1\r\nHost: g\r\n\r\n", 200)
    check_status(host, "absolute-form target", b"GET http://g/ HTTP/1.1\r\nHost: g\r\n\r\n", 200)
    h = check_status(host, "POST /", b"POST / HTTP/1.1\r\nHost: g\r\nContent-Length: 2\r\n\r\nab", 405)
    report(h is not None and h.get("allow") == "GET, HEAD", "405 carries Allow: GET, HEAD", repr(h))
    check_status(host, "malformed request line", b"GARBAGE\r\n\r\n", 400)
    check_status(host, "two spaces in the request line", b"GET  / HTTP/1.1\r\nHost: g\r\n\r\n", 400)
    check_status(host, "space before a header's colon", b"GET / HTTP/1.1\r\nHost : g\r\n\r\n", 400)
    check_status(host, "HTTP/1.1 without Host", b"GET / HTTP/1.1\r\n\r\n", 400)
    check_status(host, "request ended early (FIN)", b"GET / HTTP/1.1\r\nHost: g\r\n", 400, shut=True)
    check_status(host, "HTTP/2.0", b"GET / HTTP/2.0\r\nHost: g\r\n\r\n", 505)
    check_status(host, "HTTP/1.0 with LF line ends", b"GET /stats HTTP/1.0\n\n", 200)
    check_status(host, "request in 3-byte segments", b"GET / HTTP/1.1\r\nHost: g\r\nAccept: */*\r\n\r\n", 200,
                 chunks=3)
    # Larger than the server's 2 KiB head buffer: 431, then it still answers
    big = b"GET / HTTP/1.1\r\nHost: g\r\nX-Big: " + b"a" * 6000 + b"\r\n\r\n"
    check_status(host, "request head of 6 KiB", big, 431)
    check_status(host, "request line of 3 KiB (RFC 9112 3: 414)", b"GET /" + b"b" * 3000 + b" HTTP/1.1\r\nHost: g\r\n\r\n",
                 414)
    rc, out, err = curl(base + "/")
    report(parse_answer(out)[0] == 200, "GET / after the refused ones: 200", repr(out[:100]))
    # two connections that ask nothing hold both slots: a third gets 503
    idle = [connect(host, 80), connect(host, 80)]
    time.sleep(0.3)
    check_status(host, "a third connection while two are open", b"GET / HTTP/1.1\r\nHost: g\r\n\r\n", 503)
    for s in idle:
        s.shutdown(socket.SHUT_WR)
        report(recv_all(s) == b"", "an idle connection closed without asking: closed without an answer", "")
        s.close()
    time.sleep(0.3)
    rc, out, err = curl(base + "/stats")
    report(parse_answer(out)[0] == 200, "GET /stats once the slots are free: 200", repr(out[:100]))


class Session:
    def __init__(self, host, rcvbuf=0):
        if rcvbuf:  # a small window: the guest's output piles up
            self.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            self.s.settimeout(TIMEOUT)
            self.s.connect((host, 23))
        else:
            self.s = connect(host, 23)
        self.buf = b""

    def until(self, token):
        """Read until token; what came before it (token consumed)."""
        deadline = time.monotonic() + TIMEOUT
        while token not in self.buf:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no {token!r} in {self.buf[-200:]!r}")
            d = self.s.recv(65536)
            if not d:
                raise EOFError(f"EOF before {token!r}; got {self.buf[-200:]!r}")
            self.buf += d
        out, _, self.buf = self.buf.partition(token)
        return out

    def cmd(self, line, end=b"\n"):
        self.s.sendall(line + end)
        return self.until(PROMPT).decode("utf-8", "replace")

    def eof(self):
        """True when the server closes (everything before EOF is dropped)."""
        try:
            self.s.settimeout(TIMEOUT)
            while self.s.recv(65536):
                pass
            return True
        except OSError:
            return False

    def close(self):
        self.s.close()


def shell_checks(host, host_ip):
    a = Session(host)
    try:
        banner = a.until(PROMPT)
        report(b"exit" in banner, "shell: banner and 'vbare> ' prompt", repr(banner))
        out = a.cmd(b"help")
        report(all(w in out for w in ("devices", "ifconfig", "stats", "ping")) and "\r\n" in out,
               "shell: help lists the commands (CR LF line ends)", repr(out[:300]))
        out = a.cmd(b"devices")
        report("(net) features" in out and "(blk) features" in out, "shell: devices", repr(out[:300]))
        # telnet: IAC DO ECHO, IAC WILL NAWS, a subnegotiation, then CR LF;
        # both options refused (WONT ECHO, DONT NAWS) before the output
        a.s.sendall(b"\xff\xfd\x01\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0if\xff\xf1config\r\n")
        raw = a.until(PROMPT)
        report(raw.startswith(b"\xff\xfc\x01\xff\xfe\x1f") and b"inet 192.0.2.2" in raw,
               "shell: telnet options refused (DO -> WONT, WILL -> DONT), SB and NOP skipped, CR LF", repr(raw[:200]))
        # BSD telnet's line mode: a line, then DO TIMING-MARK; WILL
        # TIMING-MARK comes back after the line's output and prompt
        a.s.sendall(b"help\r\n\xff\xfd\x06")
        out = a.until(PROMPT).decode("utf-8", "replace")
        tm = a.until(b"\xff\xfb\x06")
        report("ifconfig" in out and tm == b"", "shell: telnet DO TIMING-MARK answered after the output",
               repr(tm[:100]))
        out = a.cmd(b"ifconfig", b"\r\0")
        report("inet 192.0.2.2" in out and "unknown" not in out, "shell: CR NUL line end", repr(out[:200]))
        out = a.cmd(b"x" * 200)
        report("line too long" in out, "shell: a 200-character line refused", repr(out[:200]))
        out = a.cmd(b"nosuch")
        report("unknown command 'nosuch'" in out, "shell: unknown command", repr(out[:200]))
        out = a.cmd(b"stats")
        report("net stack counters:" in out and "tcp: tcp_rx=" in out and "virtio-net: rx" in out,
               "shell: stats (its whole output)", repr(out[-300:]))
        # the largest output a command makes (20 KiB of hexdump): every line
        # in order, or a counted loss announced by the marker line
        out = a.cmd(b"blk read 0 8")
        rows = re.findall(r"^([0-9a-f]{8})  (?:[0-9a-f]{2} ){15}[0-9a-f]{2}  \|.{16}\|\r$", out, re.M)
        lost = re.search(r"\[shell: (\d+) bytes of output lost", out)
        in_order = [int(r, 16) for r in rows] == [16 * i for i in range(len(rows))]
        report(in_order and ((len(rows) == 256 and not lost) or (lost and int(lost.group(1)) > 0 and len(rows) < 256)),
               f"shell: blk read 0 8 over TCP: {len(rows)} of 256 lines in order" +
               (f", {lost.group(1)} bytes lost and said so" if lost else ", none lost"), repr(out[-300:]))
        # A reader that does not read: the first hexdump fills TCP's buffer
        # and the session's; the second finds no room and must say exactly
        # how much it lost (bytes as the command printed them, LF as 1)
        t = Session(host, rcvbuf=2048)
        t.until(PROMPT)
        t.s.sendall(b"blk read 0 8\nblk read 0 8\n")
        time.sleep(2)
        first = t.until(PROMPT).decode()
        second = t.until(PROMPT).decode()
        t.close()
        full = 256 * 78
        lost = re.search(r"\[shell: (\d+) bytes of output lost: .*\]\r\n$", second)
        kept = second[:lost.start()].replace("\r\n", "\n") if lost else ""
        report(len(first.replace("\r\n", "\n")) == full and lost and len(kept) + int(lost.group(1)) == full and
               kept == first.replace("\r\n", "\n")[:len(kept)],
               "shell: output beyond the session buffer: truncated, the marker counts every lost byte",
               f"first {len(first)} second {len(second)} kept {len(kept)} marker {second[-120:]!r}")
        out = a.cmd(b"ping " + host_ip.encode() + b" 2")
        report("2/2 replies" in out, "shell: ping from a TCP session (the command polls the network)",
               repr(out[-300:]))
        # Ctrl-C (the byte 3, as nc in raw mode sends it) stops a long ping
        # after its first reply, not after its hundredth
        t0 = time.monotonic()
        a.s.sendall(b"ping " + host_ip.encode() + b" 100\n")
        a.until(b"bytes from")
        a.s.sendall(b"\x03")
        out = a.until(PROMPT).decode("utf-8", "replace")
        took = time.monotonic() - t0
        report(re.search(r"ping [0-9.]+: interrupted; \d+/\d+ replies", out) is not None and took < 15,
               f"shell: Ctrl-C stops a running ping ({took:.1f} s)", repr(out[-200:]))
        # a session that starts a long ping and leaves: the ping stops (its
        # next line meets a reset), and another session's command runs soon
        g = Session(host)
        g.until(PROMPT)
        g.s.sendall(b"ping " + host_ip.encode() + b" 100\n")
        g.until(b"bytes from")
        g.close()
        t0 = time.monotonic()
        out = a.cmd(b"help")
        took = time.monotonic() - t0
        report("ifconfig" in out and took < 15, f"shell: a ping whose session left stops ({took:.1f} s to the next "
               "command)", repr(out[-200:]))
        # two sessions, interleaved: each keeps its own half line
        b = Session(host)
        b.until(PROMPT)
        a.s.sendall(b"hel")
        b.s.sendall(b"devi")
        time.sleep(0.2)
        a.s.sendall(b"p\n")
        b.s.sendall(b"ces\n")
        oa, ob = a.until(PROMPT).decode(), b.until(PROMPT).decode()
        report("ifconfig" in oa and "(net)" not in oa and "(net) features" in ob and "ifconfig" not in ob,
               "shell: two sessions at once, each with its own line and output", f"{oa[:100]!r} / {ob[:100]!r}")
        # the limit: a, b and two more are four; the fifth is refused
        c, d = Session(host), Session(host)
        c.until(PROMPT)
        d.until(PROMPT)
        e = connect(host, 23)
        e.settimeout(TIMEOUT)
        msg = recv_all(e)
        e.close()
        report(b"too many shell sessions (4)" in msg and msg.count(b"\n") == 1,
               "shell: a fifth session refused with one line, then closed", repr(msg))
        # several lines in one segment run one after the other
        c.s.sendall(b"rng 4\nifconfig\n")
        o1, o2 = c.until(PROMPT).decode(), c.until(PROMPT).decode()
        report("inet 192.0.2.2" in o2 and "inet" not in o1, "shell: two lines in one segment, run in order",
               f"{o1!r} / {o2!r}")
        c.s.sendall(b"exit\n")
        report(c.eof(), "shell: exit closes the session", "")
        d.s.sendall(b"quit\r\n")
        report(d.eof(), "shell: quit closes the session", "")
        b.close()
        # the closed sessions' slots are free again
        time.sleep(0.5)
        f = Session(host)
        report(b"exit" in f.until(PROMPT), "shell: a new session after others closed", "")
        f.close()
        out = a.cmd(b"help")
        report("devices" in out, "shell: the first session still works", repr(out[:100]))
        a.s.sendall(b"exit\n")
        report(a.eof(), "shell: exit of the first session", "")
        rc, out, err = curl(f"http://{host}/stats")
        sh = json.loads(parse_answer(out)[2])["services"]["shell"]
        report(sh["truncated"] == 1 and sh["lost_bytes"] > 0 and sh["refused"] == 1 and sh["sessions"] >= 6,
               "GET /stats: the shell's counters (one truncation, one refusal, the sessions)", repr(sh))
    except Exception as e:
        report(False, "shell session", repr(e))
    finally:
        a.close()


def refused(host, port):
    return refused_how(host, port, TIMEOUT)


def main():
    host, mode = sys.argv[1], sys.argv[2]
    host_ip = sys.argv[3] if len(sys.argv) > 3 else "192.0.2.1"
    if mode == "on":
        http_checks(host)
        shell_checks(host, host_ip)
    else:
        for port in (23, 80):
            r = refused(host, port)
            report(r == "refused", f"port {port} refused (RST)", r)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
