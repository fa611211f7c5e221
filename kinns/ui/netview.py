"""What the kernel holds in a node's or pod's network namespace, read over rtnetlink (pyroute2): the links with
their kind, addresses, bridge and VXLAN details, and the routes of the main table.

This is what `ip -d link`, `ip addr` and `ip route` show inside the node; the page draws it as it is, so a CNI
swap, a new veth or a route another node's agent wrote appears as the kernel has it.
"""

import contextlib
from collections.abc import Iterator

from pyroute2 import IPRoute

from ..kernel import netns

AF_INET = 2
MAIN_TABLE = 254


def _kind(link) -> str:
    info = link.get_attr("IFLA_LINKINFO")
    return info.get_attr("IFLA_INFO_KIND") if info else ""


def _vxlan(link) -> dict:
    info = link.get_attr("IFLA_LINKINFO")
    data = info.get_attr("IFLA_INFO_DATA") if info else None
    if not data:
        return {}
    return {"id": data.get_attr("IFLA_VXLAN_ID"), "port": data.get_attr("IFLA_VXLAN_PORT")}


@contextlib.contextmanager
def handle(name: str) -> Iterator[IPRoute]:
    """An rtnetlink socket in namespace `name`, made by this thread from inside it. Not pyroute2's own netns=,
    which forks a helper: a forked copy of a process running an asyncio loop shares the loop's signal wake-up
    socket, and the helper's end reads there as a TERM to the server."""
    with netns.entered(netns.path(name)):
        ip = IPRoute()
    try:
        yield ip
    finally:
        ip.close()


def read(name: str) -> dict:
    """The links (by name) and IPv4 routes of one namespace."""
    with handle(name) as ip:
        links = ip.get_links()
        names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in links}
        addresses: dict[int, list[str]] = {}
        for a in ip.get_addr(family=AF_INET):
            addresses.setdefault(a["index"], []).append(f"{a.get_attr('IFA_ADDRESS')}/{a['prefixlen']}")
        out_links = []
        for link in links:
            kind = _kind(link)
            entry = {"index": link["index"], "name": names[link["index"]], "kind": kind or "device",
                     "state": link.get_attr("IFLA_OPERSTATE") or "", "mac": link.get_attr("IFLA_ADDRESS") or "",
                     "addresses": addresses.get(link["index"], []),
                     "master": names.get(link.get_attr("IFLA_MASTER") or 0, "")}
            if kind == "vxlan":
                entry.update(_vxlan(link))
            out_links.append(entry)
        routes = []
        for r in ip.route("dump", family=AF_INET, table=MAIN_TABLE):
            dst = r.get_attr("RTA_DST")
            routes.append({"dst": f"{dst}/{r['dst_len']}" if dst else "default",
                           "via": r.get_attr("RTA_GATEWAY") or "", "dev": names.get(r.get_attr("RTA_OIF"), "")})
    return {"links": out_links, "routes": routes}


def peer_index(name: str, ifname: str = "eth0") -> int | None:
    """The index, in the namespace at its other end, of the veth peer of `ifname` in namespace `name`: how a pod's
    eth0 is found on its node's bridge."""
    with handle(name) as ip:
        found = ip.get_links(ifname=ifname)
        return found[0].get_attr("IFLA_LINK") if found else None

