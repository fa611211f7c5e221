"""Unions of nftables interval-set elements as disjoint boxes, so many rules can become one set lookup.

A NetworkPolicy chain allows the union of its rules. Written as one rule per policy rule, a new connection
to a pod that 1,000 policies select walks 1,000 lookups; written as the union, it walks at most three
(`ip saddr @peers`, `ip daddr . meta l4proto . th dport @ports`, and their concatenation for rules with
both), whatever the number of policies. The kernel refuses overlapping elements in an interval set, and
for concatenated sets it does not merge them either, so the union is first cut into disjoint boxes: an
element such as `10.0.0.0/8 . tcp . 80-90` is a box of one interval per field.
"""

import ipaddress
from collections.abc import Iterable

Interval = tuple[int, int]
Box = tuple[Interval, ...]
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "sctp": 132}
PROTOCOL_NAMES = {n: p for p, n in PROTOCOL_NUMBERS.items()}


def _address(text: str) -> Interval:
    if "-" in text:
        first, last = text.split("-")
        return int(ipaddress.IPv4Address(first)), int(ipaddress.IPv4Address(last))
    net = ipaddress.IPv4Network(text, strict=False)
    return int(net.network_address), int(net.broadcast_address)


def _port(text: str) -> Interval:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def parse(element: str, fields: str) -> Box:
    """An element (`10.244.1.2 . tcp . 80-90`) as a box; `fields` names each field's kind: a(ddress),
    p(rotocol), s(ervice)."""
    parts = [p.strip() for p in element.split(" . ")]
    out = []
    for kind, part in zip(fields, parts, strict=True):
        if kind == "a":
            out.append(_address(part))
        elif kind == "p":
            out.append((PROTOCOL_NUMBERS[part],) * 2)
        else:
            out.append(_port(part))
    return tuple(out)


def _address_text(lo: int, hi: int) -> str:
    size = hi - lo + 1
    if size & (size - 1) == 0 and lo % size == 0:  # a CIDR: written as one, a single address bare
        prefix = 32 - size.bit_length() + 1
        return str(ipaddress.IPv4Address(lo)) if prefix == 32 else f"{ipaddress.IPv4Address(lo)}/{prefix}"
    return f"{ipaddress.IPv4Address(lo)}-{ipaddress.IPv4Address(hi)}"


def format_box(box: Box, fields: str) -> str:
    out = []
    for kind, (lo, hi) in zip(fields, box, strict=True):
        if kind == "a":
            out.append(_address_text(lo, hi))
        elif kind == "p":
            out.append(PROTOCOL_NAMES[lo])
        else:
            out.append(str(lo) if lo == hi else f"{lo}-{hi}")
    return " . ".join(out)


def disjoint(boxes: Iterable[Box]) -> list[Box]:
    """The union of `boxes` as disjoint boxes: a sweep along the first field, each stretch between two box
    edges taking the disjoint union of the boxes over it in the other fields, and neighbouring stretches
    with the same union merged. Pod addresses rarely overlap, so most stretches hold one box."""
    boxes = set(boxes)
    if not boxes:
        return []
    if len(next(iter(boxes))) == 0:
        return [()]
    edges = sorted({b[0][0] for b in boxes} | {b[0][1] + 1 for b in boxes})
    starts = sorted(boxes, key=lambda b: b[0][0])
    active: list[Box] = []
    stretches: list[tuple[int, int, tuple[Box, ...]]] = []
    i = 0
    for lo, nxt in zip(edges, edges[1:]):
        while i < len(starts) and starts[i][0][0] == lo:
            active.append(starts[i])
            i += 1
        active = [b for b in active if b[0][1] >= lo]
        if not active:
            continue
        rest = tuple(sorted(disjoint(b[1:] for b in active)))
        if stretches and stretches[-1][1] == lo - 1 and stretches[-1][2] == rest:
            stretches[-1] = (stretches[-1][0], nxt - 1, rest)
        else:
            stretches.append((lo, nxt - 1, rest))
    return [((lo, hi), *r) for lo, hi, rest in stretches for r in rest]


def _cidrs(lo: int, hi: int) -> list[Interval]:
    """An address interval as the CIDR blocks that tile it (so a 1-field set stays in prefix form)."""
    nets = ipaddress.summarize_address_range(ipaddress.IPv4Address(lo), ipaddress.IPv4Address(hi))
    return [(int(n.network_address), int(n.broadcast_address)) for n in nets]


def union(boxes: Iterable[Box], fields: str) -> frozenset[str]:
    """The elements of the union of `boxes` (fields as for parse), disjoint as an interval set needs them."""
    # Swept protocol first, then port, then addresses: boxes of different protocols or ports never overlap, so
    # a pod's named port beside a numeric port for any address leaves that address range whole.
    order = sorted(range(len(fields)), key=lambda i: "psa".index(fields[i]))
    swept = disjoint(tuple(b[i] for i in order) for b in boxes)
    out = [tuple(b[order.index(i)] for i in range(len(fields))) for b in swept]
    if fields == "a":
        out = [(c,) for (span,) in out for c in _cidrs(*span)]
    return frozenset(format_box(b, fields) for b in out)


def parse_all(elements: Iterable[str], fields: str) -> list[Box]:
    return [parse(e, fields) for e in elements]


def product(peers: Iterable[str], ports: Iterable[str]) -> list[Box]:
    """Each peer address with each `address . protocol . port` element: the boxes of a rule with both."""
    ports_ = parse_all(ports, "aps")
    return [(parse(a, "a")[0], *p) for a in peers for p in ports_]
