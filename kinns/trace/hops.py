"""From the kernel's reports to the path: one line per hop, in the order the packet took them, and the verdict.

Each namespace on the path reported its own events (monitor.py); a namespace's events split into passes, one per
packet (a pass begins where the packet enters its first base chain there). A pass of the probe's packet says
where it came in or went out, which rule rewrote it (DNAT, SNAT, masquerade), where it was routed, bridged or
encapsulated, and which rule dropped or rejected it. The answer's pass, seen where the probe was sent, closes the
list. The places are visited source first, then its node, the other nodes, the pods it may end at.
"""

import re
from dataclasses import asdict, dataclass, field

from .lookups import Lookups
from .marks import VXLAN_PORTS, Flow, direction
from .monitor import Event

_DNAT = re.compile(r"(?:^|\s)dnat (?:ip )?to ")
_SNAT = re.compile(r"(?:^|\s)(?:snat (?:ip )?to |masquerade(?:\s|$))")
_POLICY = re.compile(r"kinns-netpol drop ([^:\"]+):")
_ADMIN = re.compile(r'comment "([^"]*(?:AdminNetworkPolicy|BaselineAdminNetworkPolicy)[^"]*)"')


@dataclass
class Hop:
    node: str
    netns: str
    interface: str
    event: str
    detail: str


@dataclass
class Place:
    """A namespace the trace listened in."""

    node: str            # the node it is on ("host" for the machine)
    netns: str | None    # its name (None: the machine's)
    label: str           # "pod default/web-1", "node", "host"
    events: list[Event] = field(default_factory=list)
    is_pod: bool = False


@dataclass
class Report:
    hops: list[Hop]
    verdict: str
    delivered: bool

    def to_dict(self) -> dict:
        return {"hops": [asdict(h) for h in self.hops], "verdict": self.verdict, "delivered": self.delivered}


def passes(events: list[Event]) -> list[list[Event]]:
    """A namespace's events split per packet: a packet begins where it enters a trace table's chain (the first of
    its hook, by priority), except that a frame the bridge hands to IP (br_netfilter) goes on as the same packet."""
    out: list[list[Event]] = []
    for e in events:
        ours = e.kind == "packet" and e.table.startswith("kinns-trace-") and e.chain in ("prerouting", "output")
        bridged = ours and out and e.family == "inet" and e.chain == "prerouting" and any(
            x.family == "bridge" and x.id == e.id for x in out[-1]) and not any(
            x.family == "inet" and x.kind == "packet" for x in out[-1])
        if ours and not bridged:
            out.append([])
        if out:
            out[-1].append(e)
    return out


def way(one: list[Event]) -> str | None:
    """Whether a pass is of the probe's packet or of the answer: told by the trace rule that marked it."""
    for e in one:
        if e.kind == "rule" and e.table.startswith("kinns-trace-"):
            found = direction(e.text)
            if found:
                return found
    return None


_FLAGS = {"syn": "SYN", "0x12": "SYN-ACK", "rst": "RST", "0x14": "RST-ACK", "ack": "ACK"}


def _summary(f: dict) -> str:
    flags = f" {_FLAGS.get(f['flags'], f['flags'])}" if f.get("flags") else ""
    icmp = f" {f['icmp']}" if f.get("icmp") else ""
    return f"{f.get('l4', '').upper()}{flags}{icmp} {_addr(f, 's')} -> {_addr(f, 'd')}"


def entered_from(place: Place, address: str) -> bool:
    """Whether the probe came into this namespace still carrying the source's address (its first stop there)."""
    return any(way(one) == "forward" and not _outer(one[0]) and one[0].fields.get("saddr") == address
               for one in passes(place.events))


def _outer(first: Event) -> bool:
    f = first.fields
    return f.get("l4") == "udp" and f.get("dport", "").isdigit() and int(f["dport"]) in VXLAN_PORTS \
        and "payload" in f


def _vni(payload: str) -> int:
    return (int(payload, 16) >> 40) & 0xFFFFFF


def _addr(fields: dict, side: str) -> str:
    ip, port = fields.get(f"{side}addr", "?"), fields.get(f"{side}port")
    return f"{ip}:{port}" if port else ip


def _rule(e: Event) -> str:
    handle = f" handle {e.handle}" if e.handle is not None else ""
    text = re.sub(r"counter packets \d+ bytes \d+", "counter", e.text)
    return f"{e.where}{handle}: {' '.join(text.split())}"


def dropper(e: Event) -> str:
    """Who dropped: the NetworkPolicies a kinns-netpol drop names, an admin policy's rule, or the rule itself."""
    found = _POLICY.search(e.text)
    if found:
        names = found[1].strip().split(",")
        return ("NetworkPolicy " if len(names) == 1 else "NetworkPolicies ") + ", ".join(names)
    admin = _ADMIN.search(e.text)
    if admin:
        return admin[1]
    return _rule(e)


class Builder:
    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.hops: list[Hop] = []
        self.drop: tuple[Place, Event, str] | None = None
        self.arrived: tuple[Place, dict] | None = None
        self.pending: Hop | None = None  # a NAT hop whose result the next packet event shows

    def add(self, place: Place, interface: str, event: str, detail: str) -> None:
        self.hops.append(Hop(place.node, place.netns or "host", interface, event, detail))

    def place(self, place: Place, source: bool) -> None:
        for one in passes(place.events):
            if way(one) != "forward" or (_outer(one[0]) and place.label == "host"):
                continue  # the machine's bridge carries VXLAN between nodes; the nodes report both ends
            if _outer(one[0]):
                self._outer(place, one[0])
            else:
                self._pass(place, one, source)

    def _outer(self, place: Place, first: Event) -> None:
        f = first.fields
        what = f"VXLAN VNI {_vni(f['payload'])}, {f.get('saddr')}:{f.get('sport')} -> {f.get('daddr')}:{f.get('dport')}"
        if ("oif" in f and "iif" not in f) or first.chain == "output":
            self.add(place, f.get("oif", ""), "encapsulate", f"{what} (outer UDP to node {f.get('daddr')})")
        elif "iif" in f and "oif" not in f:
            self.add(place, f.get("iif", ""), "decapsulate", f"{what} arrives from node {f.get('saddr')}")

    def _pass(self, place: Place, one: list[Event], source: bool) -> None:
        first, routed = one[0], False
        f = first.fields
        summary = _summary(f)
        if source and "oif" in f:
            route = self.lookups.route(place.netns, f.get("daddr", ""))
            self.add(place, f["oif"], "send", f"{summary}; route: {route or 'none'}")
            routed = True
        elif first.family == "bridge":
            self.add(place, f.get("iif", ""), "bridge", f"{summary} enters the bridge from port {f.get('iif')}")
        elif place.is_pod and "iif" in f:
            self.add(place, f["iif"], "receive", summary)
            self.arrived = (place, f)
        elif "iif" in f:
            self.add(place, f["iif"], "receive", summary)
        current = f
        for e in one[1:] if first.family != "bridge" else one:
            if e.kind == "packet":
                g = current = e.fields
                if self.pending:
                    side = "d" if self.pending.event == "dnat" else "s"
                    self.pending.detail = f"to {_addr(g, side)} {self.pending.detail}"
                    self.pending = None
                if e.family == "bridge" and e.chain == "postrouting" and g.get("oif"):
                    self.add(place, g["oif"], "bridge", f"forwarded out of port {g['oif']} to {g.get('daddr')}")
                elif e.family != "bridge" and not routed and g.get("iif") and g.get("oif") and not place.is_pod:
                    self._route(place, g)
                    routed = True
            elif e.kind == "rule":
                self._verdict(place, e, current)
            elif e.kind == "policy" and e.verdict == "drop":
                self.add(place, current.get("iif") or current.get("oif", ""), "drop",
                         f"policy drop of {e.where}")
                self.drop = self.drop or (place, e, f"the policy of {e.where}")
            if self.drop and self.drop[0] is place:
                return

    def _route(self, place: Place, g: dict) -> None:
        route = self.lookups.route(place.netns, g.get("daddr", ""), g.get("saddr"), g.get("iif"))
        detail = f"to {g.get('daddr')} out of {g['oif']}; ip route get: {route or 'none'}"
        link = self.lookups.link(place.netns, g["oif"])
        if link.get("kind") == "vxlan":
            via = re.search(r" via (\S+)", route)
            mac = self.lookups.neighbour(place.netns, via[1], g["oif"]) if via else ""
            remote = self.lookups.fdb(place.netns, g["oif"], mac) if mac else ""
            detail += f"; {g['oif']} is VXLAN id {link.get('id')} port {link.get('port')}"
            if mac:
                detail += f", next hop {via[1]} is {mac}, fdb: {mac} dst {remote or '?'}"
        self.add(place, g["oif"], "route", detail)

    def _verdict(self, place: Place, e: Event, fields: dict) -> None:
        iface = fields.get("iif") or fields.get("oif", "")
        text = e.text
        if e.verdict.startswith(("jump", "goto")):
            return
        if _DNAT.search(text):  # where to is the next chain's packet: a map's choice is not in the rule's text
            self.add(place, iface, "dnat", f"by {_rule(e)}")
            self.pending = self.hops[-1]
        elif _SNAT.search(text):
            self.add(place, iface, "snat", f"by {_rule(e)}")
            self.pending = self.hops[-1]
        elif e.verdict == "drop":
            event = "reject" if "reject" in text else "drop"
            self.add(place, iface, event, _rule(e))
            self.drop = self.drop or (place, e, dropper(e))

    def reply(self, place: Place) -> None:
        for one in passes(place.events):
            first = one[0]
            if way(one) == "reply" and not _outer(first) and "iif" in first.fields:
                self.add(place, first.fields["iif"], "answer",
                         f"{_summary(first.fields)} (as the source sees it: conntrack undid any NAT)")
                return


def build(places: list[Place], flow: Flow, lookups: Lookups, outcome_result: str, outcome_detail: str,
          prelude: list[Hop], origin: str) -> Report:
    """The hops of every place in path order, conntrack's entries per node (the probe's from `origin`, then as
    each NAT passed it on), then the verdict."""
    b = Builder(lookups)
    b.hops += prelude
    keys = {(origin, flow.key)}
    for i, place in enumerate(places):
        b.place(place, source=i == 0)
        if place.label == "node":
            for entry in lookups.conntrack(place.netns, flow.proto, keys):
                b.add(place, "", "conntrack", entry)
                dst, port = re.findall(r" dst=(\S+)", entry), re.findall(r" (?:dport|id)=(\d+)", entry)
                if dst and port:  # the reply tuple's: where a SNAT sent the packet on from
                    keys.add((dst[-1], int(port[-1])))
        if b.drop:
            break
    if places and outcome_result in ("answered", "refused") and not b.drop:
        b.reply(places[0])
    if b.drop:
        place, _, who = b.drop
        how = "rejected" if b.hops[-1].event == "reject" else "dropped"
        verdict = f"{how} at {place.node} ({place.label}) by {who}"
        return Report(b.hops, verdict, False)
    if outcome_result == "answered" and b.arrived:
        place, f = b.arrived
        return Report(b.hops, f"delivered to {place.label.removeprefix('pod ')} {_addr(f, 'd')}", True)
    if outcome_result == "answered":
        return Report(b.hops, f"answered: {outcome_detail}", True)
    if outcome_result == "refused" and b.arrived:
        place, f = b.arrived
        return Report(b.hops, f"refused at {place.label.removeprefix('pod ')} {_addr(f, 'd')}: nothing listens "
                              f"there ({outcome_detail})", False)
    last = b.hops[-1] if b.hops else None
    where = f" after {last.event} at {last.node} ({last.netns} {last.interface})" if last else ""
    return Report(b.hops, f"{outcome_result}{where}: {outcome_detail}", False)
