"""The one real packet a trace sends, from inside the source's namespace, and what came back.

TCP: a SYN from the chosen source port (connect with a timeout under the kernel's first retransmission, 1 s, so
exactly one SYN leaves), closed with a RST so no connection is left to time out. UDP: one datagram, then a short
wait for a reply or the ICMP port-unreachable the socket reports as ECONNREFUSED. ICMP: one echo request with
the trace's id on a raw socket. Each carries the trace's DSCP, by which the marks know it after any NAT. A name
is first looked up as the pod itself would, through its resolv.conf and the cluster DNS server, with dnspython.
"""

import contextlib
import errno
import os
import socket
import struct
import time
from dataclasses import dataclass

import dns.exception
import dns.resolver

from ..kernel import netns
from .marks import DSCP

SYN_TIMEOUT = 0.9   # below the kernel's initial RTO (1 s): one SYN only
REPLY_TIMEOUT = 0.6


@dataclass
class Outcome:
    """What the source saw: `answered` (SYN-ACK, a UDP reply, an echo reply), `refused` (RST or ICMP
    unreachable), `silent` (nothing within the timeout) or `unreachable` (the source's own stack had no route)."""

    result: str
    detail: str
    seconds: float


def _in(netns_path: str | None) -> contextlib.AbstractContextManager:
    return netns.entered(netns_path) if netns_path else contextlib.nullcontext()


def _tcp(ip: str, port: int, sport: int) -> tuple[socket.socket, int]:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = RST
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, DSCP << 2)
    s.bind(("0.0.0.0", sport))
    s.settimeout(SYN_TIMEOUT)
    return s, s.connect_ex((ip, port))


def send(netns_path: str | None, proto: str, ip: str, port: int | None, key: int) -> Outcome:
    """Send the probe from the namespace at `netns_path` (None: this one) with source port / echo id `key`."""
    start = time.monotonic()
    if proto == "tcp":
        with _in(netns_path):
            s, code = _tcp(ip, port, key)
        try:
            if code == 0:
                return Outcome("answered", f"SYN-ACK from {ip}:{port}", time.monotonic() - start)
            if code in (errno.EAGAIN, errno.EINPROGRESS, errno.ETIMEDOUT):
                return Outcome("silent", f"no answer to the SYN within {SYN_TIMEOUT}s", time.monotonic() - start)
            if code == errno.ECONNREFUSED:
                return Outcome("refused", "connection refused (RST or ICMP port unreachable)", time.monotonic() - start)
            return Outcome("unreachable", os.strerror(code), time.monotonic() - start)
        finally:
            s.close()
    if proto == "udp":
        with _in(netns_path):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, DSCP << 2)
            s.bind(("0.0.0.0", key))
            s.connect((ip, port))
            s.settimeout(REPLY_TIMEOUT)
            s.send(b"kinns trace\n")
            data = s.recv(2048)
            return Outcome("answered", f"reply of {len(data)} bytes from {ip}:{port}", time.monotonic() - start)
        except socket.timeout:
            return Outcome("silent", f"no reply within {REPLY_TIMEOUT}s (UDP needs none)", time.monotonic() - start)
        except ConnectionRefusedError:
            return Outcome("refused", "ICMP port unreachable", time.monotonic() - start)
        except OSError as err:
            return Outcome("unreachable", err.strerror or str(err), time.monotonic() - start)
        finally:
            s.close()
    with _in(netns_path):
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    try:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, DSCP << 2)
        s.settimeout(REPLY_TIMEOUT)
        body = struct.pack("!BBHHH", 8, 0, 0, key, 1) + b"kinns-trace"
        s.sendto(body[:2] + struct.pack("!H", _checksum(body)) + body[4:], (ip, 0))
        deadline = start + REPLY_TIMEOUT
        while time.monotonic() < deadline:
            packet = s.recv(2048)
            header = (packet[0] & 0x0F) * 4
            kind, _, _, ident = struct.unpack("!BBHH", packet[header:header + 6])
            if kind == 0 and ident == key:
                return Outcome("answered", f"echo reply from {ip}", time.monotonic() - start)
            if kind == 3:
                return Outcome("refused", "ICMP destination unreachable", time.monotonic() - start)
        return Outcome("silent", f"no echo reply within {REPLY_TIMEOUT}s", time.monotonic() - start)
    except socket.timeout:
        return Outcome("silent", f"no echo reply within {REPLY_TIMEOUT}s", time.monotonic() - start)
    except OSError as err:
        return Outcome("unreachable", err.strerror or str(err), time.monotonic() - start)
    finally:
        s.close()


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    return ~(total + (total >> 16)) & 0xFFFF


@dataclass
class Lookup:
    """A name looked up from the pod: the server asked, the names tried, the answer (or the RCODE)."""

    name: str
    server: str
    asked: str
    answer: list[str]
    rcode: str


def resolve(netns_path: str, resolv_conf: str, name: str) -> Lookup:
    """Look `name` up as the pod's resolver would (its search list and ndots), over UDP from its namespace."""
    resolver = dns.resolver.Resolver(filename=resolv_conf)
    resolver.lifetime = 3.0
    server = resolver.nameservers[0]
    with _in(netns_path):  # dnspython makes its socket per query, so the whole lookup runs inside
        try:
            answer = resolver.resolve(name, "A", search=True)
            return Lookup(name, server, str(answer.qname).rstrip("."), [r.address for r in answer], "NOERROR")
        except dns.resolver.NXDOMAIN as err:
            return Lookup(name, server, ", ".join(str(q).rstrip(".") for q in err.qnames()), [], "NXDOMAIN")
        except dns.resolver.NoAnswer:
            return Lookup(name, server, name, [], "NOERROR (no A record)")
        except dns.exception.Timeout:
            return Lookup(name, server, name, [], "timeout")
