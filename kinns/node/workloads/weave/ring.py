"""Weave's IP address management: the allocation range split among the peers, without any address owned twice.

The range is cut into equal blocks (at most 64), handed out in bit-reversed order, so that the first peers
get blocks far apart — 10.32.0.0, 10.40.0.0, 10.36.0.0, 10.44.0.0 of 10.32.0.0/12, the addresses Weave users
know. Who owns which block is the ring, kept in the `weave-net` ConfigMap (Weave's kube-peers store) and
changed only by a compare-and-swap on its resourceVersion, which is what makes the peers agree; within its
blocks a peer allocates alone. The range's own network and broadcast addresses are never handed out.
"""

import ipaddress
from dataclasses import dataclass, field

MAX_BLOCKS = 64


class RangeMismatch(Exception):
    """Another peer's ring splits a different range."""


def blocks(cidr: str) -> list[ipaddress.IPv4Network]:
    """The range's blocks in the order peers claim them."""
    net = ipaddress.ip_network(cidr)
    bits = min(MAX_BLOCKS.bit_length() - 1, max(0, 32 - net.prefixlen - 2))  # a block has 4 addresses or more
    subnets = list(net.subnets(prefixlen_diff=bits))
    order = [int(format(i, f"0{bits}b")[::-1], 2) if bits else 0 for i in range(len(subnets))]
    return [subnets[i] for i in order]


def claim(ring: dict, cidr: str, peer: str) -> tuple[dict, list[str]]:
    """The ring with `peer` owning at least one block (the next free one if it has none), and its blocks.
    IndexError when no block is free."""
    if ring.get("range") and ring["range"] != cidr and ring.get("blocks"):
        raise RangeMismatch(f"the peers' allocation range is {ring['range']}, this peer's is {cidr}")
    owners = dict(ring.get("blocks") or {})
    mine = [b for b, owner in owners.items() if owner == peer]
    if not mine:
        free = next(str(b) for b in blocks(cidr) if str(b) not in owners)
        owners[free] = peer
        mine = [free]
    return {"range": cidr, "blocks": owners}, mine


def release(ring: dict, peer: str) -> dict:
    """The ring without `peer`'s blocks (it has left)."""
    return {**ring, "blocks": {b: o for b, o in (ring.get("blocks") or {}).items() if o != peer}}


@dataclass
class Allocator:
    """A peer's addresses: its blocks, and which container holds which address."""

    cidr: str
    owned: list[str]
    allocations: dict[str, str] = field(default_factory=dict)  # container ID -> address

    @property
    def prefixlen(self) -> int:
        return ipaddress.ip_network(self.cidr).prefixlen

    def allocate(self, ident: str) -> str:
        """The address of `ident` (the same one again if it has one): `10.32.0.2/12`."""
        if ident not in self.allocations:
            net = ipaddress.ip_network(self.cidr)
            taken = set(self.allocations.values()) | {str(net.network_address), str(net.broadcast_address)}
            free = (str(a) for b in self.owned for a in ipaddress.ip_network(b) if str(a) not in taken)
            address = next(free, None)
            if address is None:
                raise IndexError(f"no free address left in {', '.join(self.owned)}")
            self.allocations[ident] = address
        return f"{self.allocations[ident]}/{self.prefixlen}"

    def free(self, ident: str) -> bool:
        return self.allocations.pop(ident, None) is not None
