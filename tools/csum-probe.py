#!/usr/bin/env python3
"""csum-probe.py - checksum offload conformance of the guest on a TAP device.

Usage (inside the network namespace that holds the TAP, as root):
    csum-probe.py IFACE HOST_IP GUEST_IP GUEST_MAC CSUM GUEST_CSUM
CSUM and GUEST_CSUM: on|off, what the guest negotiated (its features line).

A capture socket (AF_PACKET, PACKET_AUXDATA, PACKET_VNET_HDR) on IFACE
records every frame the guest sends, with the kernel's word on its
checksum: a frame the guest sent with VIRTIO_NET_HDR_F_NEEDS_CSUM reaches
the TAP as CHECKSUM_PARTIAL (TP_STATUS_CSUMNOTREADY), its checksum field
still holding the pseudo-header sum, and the virtio-net header the kernel
gives back with it carries the guest's csum_start and csum_offset;
anything else must carry a complete checksum.  Then:
  * the host's own UDP sockets: echo of several sizes, byte-exact (with the
    guest's GUEST_CSUM the kernel sends these with partial checksums);
  * crafted frames from a raw socket: UDP with a right, a wrong and no
    checksum; UDP and ICMP with a partial checksum (a PACKET_VNET_HDR
    socket passes NEEDS_CSUM in, which the guest receives as is with
    GUEST_CSUM and completed by the kernel without); ICMP right and wrong.
Every reply is checked byte for byte and its checksum as captured: complete
and right, or partial (only when the guest negotiated CSUM) with exactly the
pseudo-header sum in the field and the metadata (csum_start, csum_offset)
pointing at it.  Whether a
reply is partial is asserted too: it is exactly when CSUM is on and the
request reached the guest unverified (partial).  Prints "PASS what" or
"FAIL what: why" lines; exit status 1 when any failed.
"""
import os
import select
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_VNET_HDR = 15
TP_STATUS_CSUMNOTREADY = 1 << 3
TP_STATUS_CSUM_VALID = 1 << 7
VNET_HDR_LEN = 10  # struct virtio_net_hdr

failures = 0


def ok(what):
    print("PASS " + what, flush=True)


def bad(what):
    global failures
    failures += 1
    print("FAIL " + what, flush=True)


def csum_sum(data, initial=0):
    """Ones' complement sum, folded, not complemented."""
    if len(data) % 2:
        data += b"\0"
    s = initial + sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def csum(data, initial=0):
    return (~csum_sum(data, initial)) & 0xFFFF


def ip_bytes(a):
    return socket.inet_aton(a)


def pseudo(src, dst, proto, length):
    return csum_sum(ip_bytes(src) + ip_bytes(dst) + struct.pack("!BBH", 0, proto, length))


def mac_bytes(m):
    return bytes(int(x, 16) for x in m.split(":"))


class Probe:
    def __init__(self, iface, host_ip, guest_ip, guest_mac, tx_csum, rx_csum):
        self.iface, self.host_ip, self.guest_ip = iface, host_ip, guest_ip
        self.guest_mac = mac_bytes(guest_mac)
        self.tx_csum, self.rx_csum = tx_csum, rx_csum
        with open("/sys/class/net/%s/address" % iface) as f:
            self.host_mac = mac_bytes(f.read().strip())
        self.cap = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        self.cap.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        # each frame read comes after a struct virtio_net_hdr: the guest's
        # csum_start/csum_offset of a partial one (host order, as sent)
        self.cap.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        self.cap.bind((iface, 0))
        self.raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.raw.bind((iface, 0))
        self.vraw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.vraw.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
        self.vraw.bind((iface, 0))
        self.ip_id = 0x4000
        self.partial_replies = 0
        self.partial_requests = 0
        self.meta = (0, 0)  # csum_start, csum_offset of the last frame wait_reply matched

    # ---- capture ----
    def frames(self, timeout):
        """Frames from the guest (and the host's partial requests, counted)
        until timeout: yields (frame, csum_not_ready, (csum_start,
        csum_offset))."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            r, _, _ = select.select([self.cap], [], [], left)
            if not r:
                return
            data, anc, _, addr = self.cap.recvmsg(65536 + VNET_HDR_LEN, socket.CMSG_SPACE(20))
            _, _, _, _, csum_start, csum_offset = struct.unpack("=BBHHHH", data[:VNET_HDR_LEN])
            data = data[VNET_HDR_LEN:]
            status = 0
            for level, typ, cd in anc:
                if level == SOL_PACKET and typ == PACKET_AUXDATA and len(cd) >= 4:
                    status = struct.unpack("I", cd[:4])[0]
            partial = bool(status & TP_STATUS_CSUMNOTREADY)
            if data[6:12] != self.guest_mac:
                # the host's own frame to the guest (PACKET_OUTGOING)
                if partial and data[0:6] == self.guest_mac:
                    self.partial_requests += 1
                continue
            yield data, partial, (csum_start, csum_offset)

    def wait_reply(self, match, timeout=1.5):
        for f, partial, meta in self.frames(timeout):
            if match(f):
                self.meta = meta
                return f, partial
        return None, None

    def drain(self):
        for _ in self.frames(0.05):
            pass

    # ---- checks on a captured reply ----
    def check_l4(self, what, f, partial, proto, expect_partial):
        """f: a captured IPv4 frame from the guest.  True when its checksum
        is right (complete, or a proper partial one)."""
        ihl = (f[14] & 0xF) * 4
        if csum(f[14:14 + ihl]) != 0:
            bad("%s: IPv4 header checksum wrong" % what)
            return False
        total = struct.unpack("!H", f[16:18])[0]
        l4 = f[14 + ihl:14 + total]
        src, dst = socket.inet_ntoa(f[26:30]), socket.inet_ntoa(f[30:34])
        field = 6 if proto == 17 else 2
        value = struct.unpack("!H", l4[field:field + 2])[0]
        init = pseudo(src, dst, proto, len(l4)) if proto == 17 else 0
        if partial:
            self.partial_replies += 1
            if not self.tx_csum:
                bad("%s: reply sent with a partial checksum though CSUM is off" % what)
                return False
            want = init if proto == 17 else 0
            if value != want:
                bad("%s: partial checksum field 0x%04x, pseudo-header sum 0x%04x" % (what, value, want))
                return False
            # where the device is told to store the sum: the field itself
            # (the kernel delivers a partial frame to a local socket without
            # summing it, so a wrong csum_offset shows nowhere else)
            if self.meta != (14 + ihl, field):
                bad("%s: partial checksum metadata csum_start %d csum_offset %d, expected %d and %d" %
                    ((what,) + self.meta + (14 + ihl, field)))
                return False
            # what the device (the kernel, here) would store: complete it
            done = csum(l4[:field] + b"\0\0" + l4[field + 2:], init)
            l4 = l4[:field] + struct.pack("!H", done or 0xFFFF) + l4[field + 2:]
        if proto == 17 and value == 0 and not partial:
            bad("%s: UDP reply without a checksum" % what)
            return False
        if csum(l4, init) != 0:
            bad("%s: %s checksum 0x%04x wrong%s" % (what, "UDP" if proto == 17 else "ICMP", value,
                                                     " after completing the partial one" if partial else ""))
            return False
        if expect_partial is not None and partial != expect_partial:
            bad("%s: reply %s, expected %s" % (what, "partial" if partial else "complete",
                                               "partial (offloaded)" if expect_partial else "complete"))
            return False
        return True

    # ---- frames ----
    def ip4(self, proto, payload):
        self.ip_id += 1
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), self.ip_id, 0, 64, proto, 0,
                        ip_bytes(self.host_ip), ip_bytes(self.guest_ip))
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        return self.guest_mac + self.host_mac + b"\x08\x00" + h + payload

    def udp(self, sport, dport, data, mode):
        """mode: good, bad, none, partial."""
        ulen = 8 + len(data)
        u = struct.pack("!HHHH", sport, dport, ulen, 0) + data
        init = pseudo(self.host_ip, self.guest_ip, 17, ulen)
        c = {"good": csum(u, init) or 0xFFFF, "bad": (csum(u, init) ^ 0x5555) or 1, "none": 0,
             "partial": init}[mode]
        return self.ip4(17, u[:6] + struct.pack("!H", c) + u[8:])

    def icmp(self, ident, seq, data, mode):
        m = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
        c = {"good": csum(m), "bad": csum(m) ^ 0x00FF, "partial": 0}[mode]
        return self.ip4(1, m[:2] + struct.pack("!H", c) + m[4:])

    def send(self, frame, partial_at=None):
        if partial_at is None:
            self.raw.send(frame)
        else:
            # struct virtio_net_hdr (host order, as the kernel takes it):
            # flags NEEDS_CSUM, gso NONE, csum_start, csum_offset
            hdr = struct.pack("=BBHHHH", 1, 0, 0, 0, partial_at[0], partial_at[1])
            self.vraw.send(hdr + frame)

    # ---- tests ----
    def host_sockets(self, sizes):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((self.host_ip, 0))
        s.settimeout(2)
        port = s.getsockname()[1]
        good = 0
        self.drain()
        partial_before = self.partial_requests
        for n in sizes:
            payload = bytes((i * 7 + n) & 0xFF for i in range(n))
            s.sendto(payload, (self.guest_ip, 7))
            what = "host socket UDP echo %d bytes" % n

            def match(f):
                return (f[12:14] == b"\x08\x00" and f[23] == 17 and
                        struct.unpack("!HH", f[34:38]) == (7, port))
            f, partial = self.wait_reply(match)
            try:
                data, _ = s.recvfrom(65536)
            except socket.timeout:
                data = None
            if data != payload:
                bad("%s: %s" % (what, "no reply" if data is None else "reply differs (%d bytes)" % len(data)))
                continue
            if f is None:
                bad("%s: reply not captured on the TAP" % what)
                continue
            # The kernel sends these partial when the TAP offloads (GUEST_CSUM):
            # the guest then sends them back partial when it has CSUM.
            if self.check_l4(what, f, partial, 17, self.tx_csum and self.rx_csum):
                good += 1
        s.close()
        if good == len(sizes):
            ok("host sockets: UDP echo byte-exact for %d sizes (%s), checksums right on the TAP" %
               (len(sizes), ",".join(map(str, sizes))))
        reqs = self.partial_requests - partial_before
        if self.rx_csum and reqs == 0:
            bad("host sockets: no request went out partial though the guest has GUEST_CSUM (TAP offload off?)")
        elif not self.rx_csum and reqs:
            bad("host sockets: %d requests went out partial though the guest refused GUEST_CSUM" % reqs)
        else:
            ok("host sockets: %d of %d requests reached the guest with a partial checksum (GUEST_CSUM %s)" %
               (reqs, len(sizes), "on" if self.rx_csum else "off"))

    def crafted_udp(self, what, mode, data, sport, expect_reply, expect_partial):
        frame = self.udp(sport, 7, data, mode)
        self.drain()
        self.send(frame, (34, 6) if mode == "partial" else None)

        def match(f):
            return f[12:14] == b"\x08\x00" and f[23] == 17 and struct.unpack("!HH", f[34:38]) == (7, sport)
        f, partial = self.wait_reply(match, 1.5 if expect_reply else 0.7)
        if not expect_reply:
            if f is None:
                ok("%s: no reply" % what)
            else:
                bad("%s: answered" % what)
            return
        if f is None:
            bad("%s: no reply" % what)
            return
        ulen = struct.unpack("!H", f[38:40])[0]
        if ulen != 8 + len(data) or f[42:42 + len(data)] != data:
            bad("%s: reply not byte-exact" % what)
            return
        if self.check_l4(what, f, partial, 17, expect_partial):
            ok("%s: echoed byte-exact, checksum %s and right" % (what, "partial" if partial else "complete"))

    def crafted_icmp(self, what, mode, data, ident, expect_reply):
        frame = self.icmp(ident, 1, data, mode)
        self.drain()
        self.send(frame, (34, 2) if mode == "partial" else None)

        def match(f):
            return (f[12:14] == b"\x08\x00" and f[23] == 1 and f[34] == 0 and
                    struct.unpack("!H", f[38:40])[0] == ident)
        f, partial = self.wait_reply(match, 1.5 if expect_reply else 0.7)
        if not expect_reply:
            if f is None:
                ok("%s: no reply" % what)
            else:
                bad("%s: answered" % what)
            return
        if f is None:
            bad("%s: no reply" % what)
            return
        if f[42:42 + len(data)] != data:
            bad("%s: reply not byte-exact" % what)
            return
        if self.check_l4(what, f, partial, 1, False):
            ok("%s: echo reply byte-exact, checksum complete and right" % what)

    def run(self):
        self.host_sockets([1, 2, 17, 100, 511, 1000, 1471, 1472])
        data = bytes(range(256)) * 4
        # a request the guest verified itself: its echo keeps a complete checksum
        self.crafted_udp("crafted UDP, right checksum", "good", data[:333], 40001, True, False)
        self.crafted_udp("crafted UDP, wrong checksum", "bad", data[:333], 40002, False, None)
        self.crafted_udp("crafted UDP, no checksum (0)", "none", data[:77], 40003, True,
                         self.tx_csum)
        # partial: reaches the guest as NEEDS_CSUM with GUEST_CSUM (offloaded
        # echo with CSUM), completed by the kernel without it
        self.crafted_udp("crafted UDP, partial checksum (NEEDS_CSUM)", "partial", data[:1000], 40004, True,
                         self.tx_csum and self.rx_csum)
        self.crafted_udp("crafted UDP, partial checksum, odd length", "partial", data[:1], 40005, True,
                         self.tx_csum and self.rx_csum)
        self.crafted_icmp("crafted ICMP echo, right checksum", "good", data[:56], 0x7001, True)
        self.crafted_icmp("crafted ICMP echo, wrong checksum", "bad", data[:56], 0x7002, False)
        self.crafted_icmp("crafted ICMP echo, partial checksum (NEEDS_CSUM)", "partial", data[:999], 0x7003, True)
        if self.tx_csum and self.rx_csum and self.partial_replies == 0:
            bad("no reply went out partial though the guest has CSUM and GUEST_CSUM")
        elif not self.tx_csum and self.partial_replies:
            bad("%d replies went out partial with CSUM off" % self.partial_replies)
        else:
            ok("%d replies left the guest with a partial checksum (CSUM %s)" %
               (self.partial_replies, "on" if self.tx_csum else "off"))


def main():
    if len(sys.argv) != 7 or sys.argv[5] not in ("on", "off") or sys.argv[6] not in ("on", "off"):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    p = Probe(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "on", sys.argv[6] == "on")
    p.run()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
