"""What the kernel says about a packet's fields beyond netfilter: the route it takes, the VXLAN device and
forwarding entry that carry it to another node, and the conntrack entry it made.

These are the answers a learner gets from `ip route get`, `ip -d link`, `bridge fdb` and `conntrack -L` in the
same namespace; the trace asks the same tools so its lines read as theirs.
"""

import json
import re

from ..kernel.command import Runner


class Lookups:
    """Kernel lookups in named namespaces (None: this process's own), each answered once per trace."""

    def __init__(self) -> None:
        self._cache: dict[tuple, object] = {}

    def _run(self, netns: str | None, argv: list[str]) -> str:
        key = (netns, *argv)
        if key not in self._cache:
            result = Runner(netns)(argv, check=False)
            self._cache[key] = result.stdout.strip() if result.code == 0 else ""
        return self._cache[key]

    def route(self, netns: str | None, dst: str, src: str | None = None, iif: str | None = None) -> str:
        """`ip route get` for the packet's fields, on one line ("" when the kernel has no route)."""
        argv = ["ip", "-o", "route", "get", dst]
        if src and iif:
            argv += ["from", src, "iif", iif]
        text = self._run(netns, argv)
        return " ".join(text.replace("\\", " ").split()).removesuffix(" cache").replace(" cache ", " ")

    def link(self, netns: str | None, dev: str) -> dict:
        """`ip -d -j link show` of one device: kind (vxlan, bridge, veth) and its VXLAN id and port."""
        text = self._run(netns, ["ip", "-d", "-j", "link", "show", "dev", dev])
        try:
            info = json.loads(text)[0]
        except (ValueError, IndexError):
            return {}
        linkinfo = info.get("linkinfo", {})
        return {"kind": linkinfo.get("info_kind", ""), **linkinfo.get("info_data", {})}

    def neighbour(self, netns: str | None, ip: str, dev: str) -> str:
        """The link-layer address `ip neigh` has for a next hop on `dev`."""
        for entry in json.loads(self._run(netns, ["ip", "-j", "neigh", "show", ip, "dev", dev]) or "[]"):
            return entry.get("lladdr", "")
        return ""

    def fdb(self, netns: str | None, dev: str, mac: str) -> str:
        """The remote VTEP `bridge fdb` sends frames for `mac` to on a VXLAN device."""
        for entry in json.loads(self._run(netns, ["bridge", "-j", "fdb", "show", "dev", dev]) or "[]"):
            if entry.get("mac") == mac and entry.get("dst"):
                return entry["dst"]
        return ""

    def conntrack(self, netns: str | None, proto: str, keys: set[tuple[str, int]]) -> list[str]:
        """The conntrack entries of the probe, as /proc/net/nf_conntrack shows them: those whose original tuple
        comes from one of `keys` (address, source port or echo id), the probe's own or what a NAT made of it."""
        table = self._run(netns, ["cat", "/proc/net/nf_conntrack"])
        field = "id" if proto == "icmp" else "sport"
        out = []
        for line in table.splitlines():
            src, port = re.search(r" src=(\S+) ", line), re.search(rf" {field}=(\d+) ", line)
            if f" {proto} " in line and src and port and (src[1], int(port[1])) in keys:
                out.append(" ".join(line.split()[2:]))
        return out
