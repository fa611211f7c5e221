"""The policy agent's table `inet kinns-netpol`: what model.py decided, as sets, maps and a few shared chains.

Layout (`nft list table inet kinns-netpol` on a node):

- base chains `forward-egress` (forward hook, just before filter), `input-egress` (input: a pod reaching its own
  node) and `forward-ingress` (forward, filter): each accepts established and related packets first, so the
  replies of an allowed connection pass and a connection already open outlives a policy change, then jumps to
  `egress` or `ingress`. Traffic the node itself sends (the kubelet's probes) takes the output hook and is never
  filtered. The forward hook runs after kube-proxy's DNAT and before its masquerade, so a Service's packet is
  judged with the endpoint pod as its destination and the client as its source.
- `ingress` / `egress` look the pod's address up in three verdict maps, one per tier: `ingress-admin` (jump to
  the chain of the AdminNetworkPolicies that select it, by priority), `ingress-network` (the chain of the
  NetworkPolicies that isolate it) and `ingress-baseline`.
- a tier's chain is shared by every pod with the same policies (`network-ingress-<hash>`), so nothing is written
  per pod pair. An admin chain has a rule per policy rule, in order, with its verdict (accept, drop, or return
  for Pass): `ip saddr @<peers> ip daddr . meta l4proto . th dport @<ports> counter accept`, the peers and ports
  being interval sets of that rule. A NetworkPolicy chain holds the union of what its policies allow in at most
  three sets of its own (`<chain>-peers`, `-ports`, and `-flows` for rules naming both, see boxes.py), so a new
  connection costs the same three lookups under one policy or a thousand; it ends in `counter name
  <policy>-dropped` per policy and a drop with an NFLOG prefix naming them.

A sync is one `nft -f` transaction: the first one (and one after a failure) replaces the table; the others add
and remove only the elements, sets, counters and chains that changed, so counters keep counting.
"""

import hashlib
import re
from dataclasses import dataclass, field

from ...kernel.command import CommandFailed
from ...kernel.nft import Nft
from . import boxes
from .model import Direction, NodeProgram, Policy, Rule

TABLE = "inet kinns-netpol"
LOG_GROUP = 100  # the NFLOG group drops are sent to (a listener, such as a trace, reads them there)
PEERS, PORTS = "ipv4_addr", "ipv4_addr . inet_proto . inet_service"
FLOWS = f"ipv4_addr . {PORTS}"
TIERS = ("admin", "network", "baseline")
SKELETON = [
    f'add table {TABLE} {{ comment "NetworkPolicy, AdminNetworkPolicy and BaselineAdminNetworkPolicy" ; }}',
    *(f"add map {TABLE} {d}-{t} {{ type ipv4_addr : verdict ; comment \"{d} of a pod: its {t} policies\" ; }}"
      for d in ("ingress", "egress") for t in TIERS),
    f"add chain {TABLE} ingress",
    *(f"add rule {TABLE} ingress ip daddr vmap @ingress-{t}" for t in TIERS),
    f"add chain {TABLE} egress",
    *(f"add rule {TABLE} egress ip saddr vmap @egress-{t}" for t in TIERS),
    f"add chain {TABLE} forward-egress {{ type filter hook forward priority filter - 1 ; policy accept ; }}",
    f"add rule {TABLE} forward-egress ct state established,related accept",
    f"add rule {TABLE} forward-egress jump egress",
    f"add chain {TABLE} input-egress {{ type filter hook input priority filter ; policy accept ; }}",
    f"add rule {TABLE} input-egress ct state established,related accept",
    f"add rule {TABLE} input-egress jump egress",
    f"add chain {TABLE} forward-ingress {{ type filter hook forward priority filter ; policy accept ; }}",
    f"add rule {TABLE} forward-ingress ct state established,related accept",
    f"add rule {TABLE} forward-ingress jump ingress",
]
_UNSAFE = re.compile(r"[^A-Za-z0-9 ,./_:=-]")


def text(value: str, limit: int) -> str:
    """A comment or log prefix: nothing that could leave nft's quotes, at most `limit` characters."""
    return _UNSAFE.sub("_", value)[:limit]


def name(*parts: str) -> str:
    """An nft object name from a policy's key: a hash for uniqueness, the readable key cut to fit the kernel's
    256 characters, and only characters nft takes unquoted."""
    digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]
    readable = re.sub(r"[^A-Za-z0-9./_-]", "_", "-".join(p for p in parts[1:] if p))[:200]
    return f"{parts[0]}-{digest}-{readable}".rstrip("-")


@dataclass
class Ruleset:
    """The table's variable part, as data: what a sync diffs."""
    sets: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # name -> (type, elements)
    counters: set[str] = field(default_factory=set)
    chains: dict[str, tuple[str, ...]] = field(default_factory=dict)
    maps: dict[str, dict[str, str]] = field(default_factory=lambda: {f"{d}-{t}": {} for d in ("ingress", "egress")
                                                                    for t in TIERS})


class _Builder:
    def __init__(self) -> None:
        self.out = Ruleset()

    def rule(self, policy: Policy, direction: str, i: int, rule: Rule) -> str:
        parts = []
        if rule.peers is not None:
            peers = name(policy.kind, policy.key, direction[:2] + str(i), "peers")
            self.out.sets[peers] = (PEERS, rule.peers)
            parts.append(f"ip {'saddr' if direction == 'ingress' else 'daddr'} @{peers}")
        if rule.ports is not None:
            ports = name(policy.kind, policy.key, direction[:2] + str(i), "ports")
            self.out.sets[ports] = (PORTS, rule.ports)
            parts.append(f"ip daddr . meta l4proto . th dport @{ports}")
        verdict = rule.verdict
        if verdict == "drop":
            verdict = f'log prefix "{text(f"kinns-netpol drop {policy.key}: ", 120)}" group {LOG_GROUP} drop'
        return " ".join([*parts, "counter", verdict, f'comment "{text(rule.comment, 120)}"'])

    def chain(self, tier: str, direction: str, policies: tuple[Policy, ...]) -> str:
        """The chain of these policies (in this order) for this direction, made once however many pods share it."""
        chain = f"{tier}-{direction}-" + hashlib.sha256("\0".join(f"{p.kind}:{p.key}" for p in policies)
                                                        .encode()).hexdigest()[:12]
        if chain in self.out.chains:
            return chain
        if tier != "network":  # admin rules keep their order and verdicts: one rule each
            self.out.chains[chain] = tuple(self.rule(p, direction, i, r) for p in policies
                                           for i, r in enumerate(p.rules))
            return chain
        rules = self.allowed(chain, direction, policies)
        for p in policies:  # isolated: what no policy allowed is dropped, and counted against each policy
            counter = name("np", p.key, "dropped")
            self.out.counters.add(counter)
            rules.append(f"counter name {counter}")
        keys = ",".join(p.key for p in policies)
        rules.append(f'log prefix "{text(f"kinns-netpol drop {keys}: ", 120)}" group {LOG_GROUP} drop '
                     f'comment "{text(f"{direction} not allowed by NetworkPolicy {keys}", 120)}"')
        self.out.chains[chain] = tuple(rules)
        return chain

    def allowed(self, chain: str, direction: str, policies: tuple[Policy, ...]) -> list[str]:
        """What the NetworkPolicies of a chain allow, as their union: at most three set lookups however many
        policies select the pod (see boxes.py), each in a set named for the chain."""
        keys = ",".join(p.key for p in policies)
        comment = f'comment "{text(f"{direction} allowed by NetworkPolicy {keys}", 120)}"'
        rules = [r for p in policies for r in p.rules]
        if any(r.peers is None and r.ports is None for r in rules):
            return [f"counter accept {comment}"]
        peer = "saddr" if direction == "ingress" else "daddr"
        lookups = (
            ("peers", PEERS, f"ip {peer}", "a",
             [b for r in rules if r.ports is None for b in boxes.parse_all(r.peers, "a")]),
            ("ports", PORTS, "ip daddr . meta l4proto . th dport", "aps",
             [b for r in rules if r.peers is None for b in boxes.parse_all(r.ports, "aps")]),
            ("flows", FLOWS, "ip saddr . ip daddr . meta l4proto . th dport", "aaps",
             [b for r in rules if r.peers is not None and r.ports is not None
              for b in boxes.product(r.peers, r.ports)]),
        )
        out = []
        for suffix, kind, key, fields, found in lookups:
            if found:
                self.out.sets[f"{chain}-{suffix}"] = (kind, boxes.union(found, fields))
                out.append(f"{key} @{chain}-{suffix} counter accept {comment}")
        return out

    def direction(self, direction: str, d: Direction) -> None:
        for tier, by_ip in (("admin", d.admin), ("network", d.network),
                            ("baseline", {ip: (p,) for ip, p in d.baseline.items()})):
            for ip, policies in by_ip.items():
                self.out.maps[f"{direction}-{tier}"][ip] = f"jump {self.chain(tier, direction, policies)}"


def render(program: NodeProgram) -> Ruleset:
    builder = _Builder()
    builder.direction("ingress", program.ingress)
    builder.direction("egress", program.egress)
    return builder.out


def _set(name_: str, kind: str, elements: frozenset[str]) -> list[str]:
    lines = [f"add set {TABLE} {name_} {{ type {kind} ; flags interval ; }}"]
    if elements:
        lines.append(f"add element {TABLE} {name_} {{ {', '.join(sorted(elements))} }}")
    return lines


def full(want: Ruleset) -> list[str]:
    """The whole table, replacing whatever the kernel holds."""
    lines = [f"add table {TABLE}", f"delete table {TABLE}", *SKELETON]
    lines += [f"add counter {TABLE} {c}" for c in sorted(want.counters)]
    for set_name, (kind, elements) in sorted(want.sets.items()):
        lines += _set(set_name, kind, elements)
    lines += [f"add chain {TABLE} {c}" for c in sorted(want.chains)]
    lines += [f"add rule {TABLE} {c} {r}" for c, rules in sorted(want.chains.items()) for r in rules]
    lines += [f"add element {TABLE} {m} {{ {', '.join(f'{k} : {v}' for k, v in sorted(els.items()))} }}"
              for m, els in sorted(want.maps.items()) if els]
    return lines


def changes(have: Ruleset, want: Ruleset) -> list[str]:
    """What turns `have` into `want`, in an order the kernel accepts: what is referenced is made before what
    references it, and unreferenced before it is deleted."""
    lines = [f"add counter {TABLE} {c}" for c in sorted(want.counters - have.counters)]
    for set_name, (kind, elements) in sorted(want.sets.items()):
        old = have.sets.get(set_name)
        if old is None:
            lines += _set(set_name, kind, elements)
            continue
        if gone := old[1] - elements:  # deleted first: a new interval may overlap an old one
            lines.append(f"delete element {TABLE} {set_name} {{ {', '.join(sorted(gone))} }}")
        if new := elements - old[1]:
            lines.append(f"add element {TABLE} {set_name} {{ {', '.join(sorted(new))} }}")
    lines += [f"add chain {TABLE} {c}" for c in sorted(set(want.chains) - set(have.chains))]
    for chain, rules in sorted(want.chains.items()):
        if have.chains.get(chain) != rules:
            if chain in have.chains:
                lines.append(f"flush chain {TABLE} {chain}")
            lines += [f"add rule {TABLE} {chain} {r}" for r in rules]
    for map_name, elements in sorted(want.maps.items()):
        old = have.maps.get(map_name, {})
        if gone := sorted(k for k, v in old.items() if elements.get(k) != v):
            lines.append(f"delete element {TABLE} {map_name} {{ {', '.join(gone)} }}")
        if new := sorted(k for k, v in elements.items() if old.get(k) != v):
            lines.append(f"add element {TABLE} {map_name} {{ {', '.join(f'{k} : {elements[k]}' for k in new)} }}")
    for chain in sorted(set(have.chains) - set(want.chains)):
        lines += [f"flush chain {TABLE} {chain}", f"delete chain {TABLE} {chain}"]
    lines += [f"delete set {TABLE} {s}" for s in sorted(set(have.sets) - set(want.sets))]
    lines += [f"delete counter {TABLE} {c}" for c in sorted(have.counters - want.counters)]
    return lines


class PolicyTable:
    """The table in one node's kernel, synced from Rulesets (through a runner, so tests can record it)."""

    def __init__(self, nft: Nft | None = None) -> None:
        self.nft = nft or Nft()
        self.have: Ruleset | None = None

    def sync(self, want: Ruleset) -> int:
        """Make the kernel hold `want`; return how many lines the transaction had. On a failure the next sync
        replaces the whole table (the kernel held to the old state, as a transaction is all or nothing)."""
        lines = full(want) if self.have is None else changes(self.have, want)
        try:
            self.nft.apply(lines)
        except CommandFailed:
            self.have = None
            raise
        self.have = want
        return len(lines)

    def cleanup(self) -> None:
        self.nft.delete_table(TABLE)
        self.have = None
