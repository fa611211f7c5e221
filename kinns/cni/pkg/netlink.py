"""A lean rtnetlink client: just the link, address and route calls a CNI plugin makes.

The rest of kinns uses pyroute2. The plugins cannot: `import pyroute2` alone
takes ~110 ms, while the whole reference bridge ADD takes ~16 ms (measured in
bench/cni_latency.py). This module speaks the same kernel protocol with
`_socket` and `_struct` only, one request and one acknowledgement per call.
"""

from _socket import AF_INET, SOCK_CLOEXEC, SOCK_RAW, socket
from _struct import calcsize, pack, unpack_from

from .ip import BITS, Prefix, to_bytes

AF_NETLINK, NETLINK_ROUTE, AF_BRIDGE, AF_UNSPEC = 16, 0, 7, 0

RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK, RTM_SETLINK = 16, 17, 18, 19
RTM_NEWADDR, RTM_DELADDR, RTM_GETADDR = 20, 21, 22
RTM_NEWROUTE, RTM_GETROUTE = 24, 26
NLMSG_ERROR, NLMSG_DONE = 2, 3
F_REQUEST, F_MULTI, F_ACK, F_DUMP = 0x1, 0x2, 0x4, 0x300
F_EXCL, F_CREATE = 0x200, 0x400
NLA_F_NESTED = 0x8000

IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_MASTER = 1, 3, 4, 10
IFLA_PROTINFO, IFLA_LINKINFO, IFLA_NET_NS_FD = 12, 18, 28
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFLA_BRPORT_MODE = 4
IFF_UP, IFF_PROMISC = 0x1, 0x100

IFA_ADDRESS, IFA_LOCAL, IFA_BROADCAST = 1, 2, 4
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_METRICS, RTA_TABLE = 1, 4, 5, 6, 8, 15
RTAX_MTU, RTAX_ADVMSS = 2, 8
RT_TABLE_MAIN, RTPROT_BOOT, RTN_UNICAST = 254, 3, 1
SCOPE_UNIVERSE, SCOPE_LINK = 0, 253

_HDR = "=IHHII"
_IFINFO = "=BxHiII"
_IFADDR = "=BBBBI"
_RTMSG = "=BBBBBBBBI"
_HDR_LEN, _IFINFO_LEN = calcsize(_HDR), calcsize(_IFINFO)
_IFADDR_LEN, _RTMSG_LEN = calcsize(_IFADDR), calcsize(_RTMSG)


def attr(kind: int, payload: bytes) -> bytes:
    """One netlink attribute, padded to four bytes."""
    length = 4 + len(payload)
    return pack("=HH", length, kind) + payload + b"\0" * (-length & 3)


def nested(kind: int, *children: bytes) -> bytes:
    return attr(kind | NLA_F_NESTED, b"".join(children))


def parse_attrs(data: bytes, offset: int, end: int) -> dict[int, bytes]:
    out = {}
    while offset + 4 <= end:
        length, kind = unpack_from("=HH", data, offset)
        if length < 4:
            break
        out[kind & 0x3FFF] = data[offset + 4:offset + length]
        offset += (length + 3) & ~3
    return out


def cstr(value: bytes) -> str:
    return value.split(b"\0", 1)[0].decode()


def mac_str(value: bytes) -> str:
    return ":".join(f"{b:02x}" for b in value)


class Link:
    """What a plugin needs to know of a network interface."""

    __slots__ = ("index", "name", "mac", "mtu", "flags", "kind", "master")

    def __init__(self, msg: bytes) -> None:
        _, _, self.index, self.flags, _ = unpack_from(_IFINFO, msg, 0)
        attrs = parse_attrs(msg, _IFINFO_LEN, len(msg))
        self.name = cstr(attrs.get(IFLA_IFNAME, b""))
        self.mac = mac_str(attrs.get(IFLA_ADDRESS, b""))
        self.mtu = unpack_from("=I", attrs[IFLA_MTU])[0] if IFLA_MTU in attrs else 0
        self.master = unpack_from("=I", attrs[IFLA_MASTER])[0] if IFLA_MASTER in attrs else 0
        info = parse_attrs(attrs.get(IFLA_LINKINFO, b""), 0, len(attrs.get(IFLA_LINKINFO, b"")))
        self.kind = cstr(info.get(IFLA_INFO_KIND, b""))


class Route:
    __slots__ = ("family", "dst", "gw", "oif", "table", "scope", "priority")

    def __init__(self, msg: bytes) -> None:
        family, dst_len, _, _, table, _, self.scope, _, _ = unpack_from(_RTMSG, msg, 0)
        attrs = parse_attrs(msg, _RTMSG_LEN, len(msg))
        self.family = family
        dst = int.from_bytes(attrs[RTA_DST], "big") if RTA_DST in attrs else 0
        self.dst = Prefix(family, dst, dst_len)
        self.gw = int.from_bytes(attrs[RTA_GATEWAY], "big") if RTA_GATEWAY in attrs else None
        self.oif = unpack_from("=I", attrs[RTA_OIF])[0] if RTA_OIF in attrs else 0
        self.table = unpack_from("=I", attrs[RTA_TABLE])[0] if RTA_TABLE in attrs else table
        self.priority = unpack_from("=I", attrs[RTA_PRIORITY])[0] if RTA_PRIORITY in attrs else 0


class Netlink:
    """An rtnetlink socket bound to the network namespace it was opened in."""

    def __init__(self) -> None:
        self.sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.seq = 0

    def close(self) -> None:
        self.sock.close()

    def request(self, kind: int, flags: int, body: bytes) -> list[bytes]:
        """Send one message; return the payloads of the replies (dumps) or raise OSError."""
        self.seq += 1
        seq = self.seq
        self.sock.send(pack(_HDR, _HDR_LEN + len(body), kind, F_REQUEST | flags, seq, 0) + body)
        replies: list[bytes] = []
        while True:
            data = self.sock.recv(1 << 16)
            offset = 0
            while offset + _HDR_LEN <= len(data):
                length, mtype, mflags, mseq, _ = unpack_from(_HDR, data, offset)
                payload = data[offset + _HDR_LEN:offset + length]
                offset += (length + 3) & ~3
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err = -unpack_from("=i", payload)[0]
                    if err:
                        raise OSError(err, _strerror(err))
                    return replies
                if mtype == NLMSG_DONE:
                    return replies
                replies.append(payload)
                if not mflags & F_MULTI and not flags & F_ACK:
                    return replies

    # links

    def link(self, name: str) -> Link | None:
        body = pack(_IFINFO, AF_UNSPEC, 0, 0, 0, 0) + attr(IFLA_IFNAME, name.encode() + b"\0")
        try:
            return Link(self.request(RTM_GETLINK, 0, body)[0])
        except OSError as err:
            if err.errno == 19:  # ENODEV
                return None
            raise

    def link_by_index(self, index: int) -> Link | None:
        try:
            return Link(self.request(RTM_GETLINK, 0, pack(_IFINFO, AF_UNSPEC, 0, index, 0, 0))[0])
        except OSError as err:
            if err.errno == 19:
                return None
            raise

    def add_bridge(self, name: str, mtu: int) -> None:
        body = pack(_IFINFO, AF_UNSPEC, 0, 0, 0, 0) + attr(IFLA_IFNAME, name.encode() + b"\0")
        body += attr(IFLA_MTU, pack("=I", mtu)) + nested(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"bridge"))
        self.request(RTM_NEWLINK, F_ACK | F_CREATE | F_EXCL, body)

    def add_veth(self, name: str, peer: str, mtu: int, peer_ns_fd: int, peer_mac: bytes | None = None) -> None:
        """Create a veth pair here whose peer end is born inside another netns."""
        peer_attrs = attr(IFLA_IFNAME, peer.encode() + b"\0") + attr(IFLA_MTU, pack("=I", mtu))
        peer_attrs += attr(IFLA_NET_NS_FD, pack("=I", peer_ns_fd))
        if peer_mac:
            peer_attrs += attr(IFLA_ADDRESS, peer_mac)
        info = nested(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"veth"), nested(
            IFLA_INFO_DATA, nested(VETH_INFO_PEER, pack(_IFINFO, AF_UNSPEC, 0, 0, 0, 0) + peer_attrs)))
        body = pack(_IFINFO, AF_UNSPEC, 0, 0, 0, 0) + attr(IFLA_IFNAME, name.encode() + b"\0")
        body += attr(IFLA_MTU, pack("=I", mtu)) + info
        self.request(RTM_NEWLINK, F_ACK | F_CREATE | F_EXCL, body)

    def set_link(self, index: int, *, up: bool | None = None, promisc: bool | None = None,
                 master: int | None = None, mtu: int | None = None) -> None:
        flags = change = 0
        if up is not None:
            change |= IFF_UP
            flags |= IFF_UP if up else 0
        if promisc is not None:
            change |= IFF_PROMISC
            flags |= IFF_PROMISC if promisc else 0
        body = pack(_IFINFO, AF_UNSPEC, 0, index, flags, change)
        if master is not None:
            body += attr(IFLA_MASTER, pack("=I", master))
        if mtu is not None:
            body += attr(IFLA_MTU, pack("=I", mtu))
        self.request(RTM_NEWLINK, F_ACK, body)

    def set_hairpin(self, index: int, on: bool) -> None:
        """Let a bridge port send frames back out of the port they came in on."""
        body = pack(_IFINFO, AF_BRIDGE, 0, index, 0, 0)
        body += nested(IFLA_PROTINFO, attr(IFLA_BRPORT_MODE, pack("=B", int(on))))
        self.request(RTM_SETLINK, F_ACK, body)

    def del_link(self, index: int) -> None:
        self.request(RTM_DELLINK, F_ACK, pack(_IFINFO, AF_UNSPEC, 0, index, 0, 0))

    # addresses

    def addrs(self, index: int, family: int = AF_UNSPEC) -> list[Prefix]:
        out = []
        for msg in self.request(RTM_GETADDR, F_DUMP, pack(_IFADDR, family, 0, 0, 0, 0)):
            fam, plen, _, _, idx = unpack_from(_IFADDR, msg, 0)
            if idx != index or fam not in BITS:
                continue
            attrs = parse_attrs(msg, _IFADDR_LEN, len(msg))
            raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
            if raw:
                out.append(Prefix(fam, int.from_bytes(raw, "big"), plen))
        return out

    def add_addr(self, index: int, prefix: Prefix) -> None:
        raw = to_bytes(prefix.family, prefix.value)
        body = pack(_IFADDR, prefix.family, prefix.length, 0, 0, index)
        body += attr(IFA_LOCAL, raw) + attr(IFA_ADDRESS, raw)
        if prefix.family == AF_INET and prefix.length < 31:
            body += attr(IFA_BROADCAST, to_bytes(AF_INET, prefix.last))
        self.request(RTM_NEWADDR, F_ACK | F_CREATE | F_EXCL, body)

    def del_addr(self, index: int, prefix: Prefix) -> None:
        raw = to_bytes(prefix.family, prefix.value)
        body = pack(_IFADDR, prefix.family, prefix.length, 0, 0, index) + attr(IFA_LOCAL, raw)
        self.request(RTM_DELADDR, F_ACK, body)

    # routes

    def routes(self, family: int) -> list[Route]:
        msgs = self.request(RTM_GETROUTE, F_DUMP, pack(_RTMSG, family, 0, 0, 0, 0, 0, 0, 0, 0))
        return [Route(m) for m in msgs]

    def add_route(self, dst: Prefix, *, gw: int | None = None, oif: int = 0, mtu: int = 0,
                  advmss: int = 0, priority: int = 0, table: int = 0, scope: int | None = None) -> None:
        family = dst.family
        if scope is None:
            scope = SCOPE_UNIVERSE if gw is not None else SCOPE_LINK
        tbl = table or RT_TABLE_MAIN
        body = pack(_RTMSG, family, dst.length, 0, 0, tbl if tbl < 256 else 0, RTPROT_BOOT, scope, RTN_UNICAST, 0)
        if dst.length:
            body += attr(RTA_DST, to_bytes(family, dst.network))
        if gw is not None:
            body += attr(RTA_GATEWAY, to_bytes(family, gw))
        if oif:
            body += attr(RTA_OIF, pack("=I", oif))
        if priority:
            body += attr(RTA_PRIORITY, pack("=I", priority))
        if tbl >= 256:
            body += attr(RTA_TABLE, pack("=I", tbl))
        metrics = b""
        if mtu:
            metrics += attr(RTAX_MTU, pack("=I", mtu))
        if advmss:
            metrics += attr(RTAX_ADVMSS, pack("=I", advmss))
        if metrics:
            body += nested(RTA_METRICS, metrics)
        self.request(RTM_NEWROUTE, F_ACK | F_CREATE | F_EXCL, body)


def _strerror(err: int) -> str:
    from os import strerror

    return strerror(err)

