"""The rules that mark one flow for tracing, in every namespace on its path, and nothing else.

A trace table per namespace (`inet kinns-trace-<id>` and, where a bridge forwards, `bridge kinns-trace-<id>`),
at raw priority minus one so it sees the packet before any other chain does (before conntrack and kube-proxy's
DNAT): `meta nftrace set 1` on the probe's packet and on the first answer to it, matched by the probe's own
DSCP (and the answer by the probe's source port or ICMP id, chosen outside the kernel's ephemeral range and the
NodePort range).
The packet inside a VXLAN datagram is matched by its inner header at fixed offsets (UDP 8 + VXLAN 8 + Ethernet
14 bytes in), so its encapsulation between nodes is traced too. An empty bridge postrouting chain makes the
bridge report the port a frame leaves by.
"""

import os
import re
from dataclasses import dataclass

from ..kernel.command import CommandFailed, Runner, run_all

VXLAN_PORTS = (4789, 8472, 6784)  # IANA's, Linux's and flannel's default, Weave's fastdp
PRIORITY = -301  # raw is -300: before conntrack (-200) and every NAT chain
_INNER = 30 * 8  # the inner IP header, in bits from the start of the outer UDP header
PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1}
DSCP = 0x2F  # the probe's: pool 2 of RFC 2474, for experimental or local use, so no other traffic carries it


@dataclass(frozen=True)
class Flow:
    """The probe as the rules see it: its protocol and its source port (its echo id for ICMP)."""

    proto: str
    key: int


def _matches(flow: Flow) -> list[tuple[str, str]]:
    """(direction, match) of the probe's first packet and of the answer to it, plain and inside VXLAN. The
    direction is the rule's comment, which the trace event of the rule that marked a packet carries. The probe
    is known by its DSCP, which no NAT rewrites (a masquerade may change its source port and address); the
    answer by the probe's port or echo id, which it goes back to at the source."""
    inner = f"udp dport {{ {', '.join(map(str, VXLAN_PORTS))} }} @th,{_INNER + 72},8 {PROTOCOLS[flow.proto]}"
    l4 = _INNER + 160  # the inner transport header
    tos = f"@th,{_INNER + 8},8 & 0xfc == {DSCP << 2:#x}"
    if flow.proto == "icmp":
        return [("forward", f"ip dscp {DSCP:#x} icmp type echo-request"),
                ("reply", f"icmp type echo-reply icmp id {flow.key}"),
                ("forward", f"{inner} {tos} @th,{l4},8 8"),
                ("reply", f"{inner} @th,{l4},8 0 @th,{l4 + 32},16 {flow.key}")]
    dport = f"@th,{l4 + 16},16 {flow.key}"
    if flow.proto == "tcp":  # the SYN, then a SYN-ACK or a RST; not the RST the probe closes with
        flags = f"@th,{l4 + 104},8"
        return [("forward", f"ip dscp {DSCP:#x} tcp flags & (syn | rst) == syn"),
                ("reply", f"tcp dport {flow.key} tcp flags & (syn | rst) != 0"),
                ("forward", f"{inner} {tos} {flags} & 0x06 == 0x02"),
                ("reply", f"{inner} {dport} {flags} & 0x06 != 0")]
    return [("forward", f"ip dscp {DSCP:#x} meta l4proto udp"), ("reply", f"udp dport {flow.key}"),
            ("forward", f"{inner} {tos}"), ("reply", f"{inner} {dport}")]


def direction(rule_text: str) -> str | None:
    """Which way a packet a trace rule marked was going, from the rule's comment."""
    for way in ("forward", "reply"):
        if f'comment "{way}"' in rule_text:
            return way
    return None


def table(trace_id: str) -> str:
    return f"kinns-trace-{trace_id}"


def lines(trace_id: str, flow: Flow, bridge: bool) -> list[str]:
    """The nft transaction that adds the trace tables of one namespace."""
    name, out = table(trace_id), []
    out.append(f'add table inet {name} {{ comment "kinns trace: marks one probe for nftrace" ; }}')
    for chain, hook in (("prerouting", "prerouting"), ("output", "output")):
        out.append(f"add chain inet {name} {chain} {{ type filter hook {hook} priority {PRIORITY} ; }}")
        out += [f'add rule inet {name} {chain} {m} meta nftrace set 1 comment "{way}"' for way, m in _matches(flow)]
    if bridge:
        out.append(f'add table bridge {name} {{ comment "kinns trace: marks one probe for nftrace" ; }}')
        out.append(f"add chain bridge {name} prerouting {{ type filter hook prerouting priority {PRIORITY} ; }}")
        out += [f'add rule bridge {name} prerouting {m} meta nftrace set 1 comment "{way}"'
                for way, m in _matches(flow) if "@th" not in m]
        out.append(f"add chain bridge {name} postrouting {{ type filter hook postrouting priority {PRIORITY} ; }}")
    return out


_TABLE = re.compile(r"^table (inet|bridge) (kinns-trace-(\d+)-[0-9a-f]+)$", re.M)


def stale(listing: str) -> list[str]:
    """The trace tables in `nft list tables` output whose trace process is gone (a killed `kinns trace`)."""
    return [f"{family} {name}" for family, name, pid in _TABLE.findall(listing) if not os.path.exists(f"/proc/{pid}")]


class Marks:
    """The trace tables in a set of namespaces, added and removed side by side (each namespace is one nft
    transaction, and a tool's start-up is most of its cost); `remove` takes out every one it added, whatever
    happened, and any a killed trace left in those namespaces goes when they are added."""

    def __init__(self, trace_id: str, flow: Flow) -> None:
        self.trace_id, self.flow = trace_id, flow
        self.added: list[tuple[str | None, bool]] = []

    def add(self, places: list[tuple[str | None, bool]]) -> None:
        """Add the tables in each (netns, with a bridge table); raise if any namespace refused them."""
        listings = run_all([(Runner(netns), ["nft", "list", "tables"], None) for netns, _ in places])
        self.added += places  # first: a half-applied transaction is still looked for
        jobs = [(Runner(netns), ["nft", "-f", "-"], "\n".join(
                    [f"delete table {t}" for t in stale(listing.stdout)] + lines(self.trace_id, self.flow, bridge))
                 + "\n") for (netns, bridge), listing in zip(places, listings)]
        failed = [f"{netns or 'host'}: {r.stderr.strip()}" for (netns, _), r in zip(places, run_all(jobs)) if r.code]
        if failed:
            raise CommandFailed(["nft", "-f", "-"], 1, "; ".join(failed))

    def remove(self) -> list[str]:
        """Delete the tables; return the namespaces where that failed (for a clear report, never silently)."""
        name = table(self.trace_id)

        def transaction(bridge: bool) -> str:
            return "".join(f"add table {family} {name}\ndelete table {family} {name}\n"
                           for family in (("inet", "bridge") if bridge else ("inet",)))

        results = run_all([(Runner(netns), ["nft", "-f", "-"], transaction(bridge)) for netns, bridge in self.added])
        failed = [f"{netns or 'host'}: {r.stderr.strip()}" for (netns, _), r in zip(self.added, results) if r.code]
        self.added = []
        return failed
