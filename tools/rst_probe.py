"""rst_probe.py - connect to a TCP port that should be closed and say how it
was refused (imported by tcp-check.py and tcp-services-check.py).

Linux reports a RST and an ICMP port unreachable alike, as ECONNREFUSED.
With IP_RECVERR set, an ICMP error is also queued on the socket's error
queue; a RST queues nothing.  So an empty error queue after ECONNREFUSED
means the peer's TCP answered with a RST, as RFC 9293 3.10.7.1 asks of a
closed port.
"""
import socket
import struct

IP_RECVERR = 11  # linux/in.h


def refused_how(host, port, timeout):
    """"refused" when a RST refused the connection; "refused by an ICMP
    error (...)" when an ICMP error did; "connected"; or the exception."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_IP, IP_RECVERR, 1)
        s.settimeout(timeout)
        s.connect((host, port))
        return "connected"
    except ConnectionRefusedError:
        try:
            s.setblocking(False)  # with a timeout set, Python polls for input first: the whole timeout
            _, anc, _, _ = s.recvmsg(1, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except (BlockingIOError, TimeoutError):
            return "refused"
        for _, _, data in anc:  # struct sock_extended_err
            if len(data) >= 7:
                _, origin, etype, code = struct.unpack("=IBBB", data[:7])
                return "refused by an ICMP error (origin %d, type %d, code %d), not a RST" % (origin, etype, code)
        return "refused by a queued error, not a RST"
    except Exception as e:  # noqa: BLE001
        return repr(e)
    finally:
        s.close()
