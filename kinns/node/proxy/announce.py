"""Load-balancer addresses answered on the node network, as MetalLB's speaker does in L2 mode.

Every proxy computes the same owner for each address: among the Ready nodes
not labelled node.kubernetes.io/exclude-from-external-load-balancers (and,
for externalTrafficPolicy Local, only those with a local endpoint), the one
whose hash with the address is lowest. The owner adds the address to its
eth0 as a /32 labelled `eth0:lb` (as kube-vip does; this kernel has no dummy
links); the kernel then answers ARP for it, the packets arrive, and the
Service's rules (which match the address) DNAT them. A gratuitous ARP on
taking an address over updates the neighbours that knew the previous owner.
"""

import hashlib
import socket

from ...kernel import links
from .services import ServicePort

LINK = "eth0"
LABEL = "eth0:lb"
EXCLUDE = "node.kubernetes.io/exclude-from-external-load-balancers"


def _eligible(node: dict) -> bool:
    ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                for c in node.get("status", {}).get("conditions") or [])
    return ready and EXCLUDE not in (node.get("metadata", {}).get("labels") or {})


def owners(ports: list[ServicePort], nodes: list[dict]) -> dict[str, str]:
    """Load-balancer address -> the node that answers for it."""
    eligible = sorted(n["metadata"]["name"] for n in nodes if _eligible(n))
    out: dict[str, str] = {}
    for sp in ports:
        candidates = eligible
        if sp.external_local:
            with_endpoints = {e.node for e in sp.usable("", False)}
            candidates = [n for n in eligible if n in with_endpoints]
        for ip in sp.lb_ips:
            if candidates and ip not in out:
                out[ip] = min(candidates, key=lambda n: hashlib.sha256(f"{ip}/{n}".encode()).digest())
    return out


class Announcer:
    """Holds this node's share of the load-balancer addresses on eth0 and tells the neighbours."""

    def apply(self, addresses: set[str]) -> None:
        """Make the `eth0:lb` addresses exactly `addresses` (in the netns this process runs in)."""
        added, mac = links.set_labelled_addresses(LINK, LABEL, addresses)
        for address in added:
            gratuitous_arp(mac, address)


def gratuitous_arp(mac: str, address: str) -> None:
    """Broadcast "address is at mac" (an ARP reply nobody asked for), as a VIP's new owner does."""
    hw = bytes.fromhex(mac.replace(":", ""))
    ip4 = socket.inet_aton(address)
    frame = b"\xff" * 6 + hw + b"\x08\x06" + bytes.fromhex("0001080006040002") + hw + ip4 + b"\xff" * 6 + ip4
    with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
        sock.bind((LINK, 0))
        sock.send(frame)
