"""What the policies of the cluster ask of one node, without the kernel: the pure half of the policy agent.

`compile_node` takes the API's pods, namespaces, NetworkPolicies and (when the
cluster has them) AdminNetworkPolicies and the BaselineAdminNetworkPolicy, and
says, for each pod of this node and each direction, which rules decide its
traffic and in what order:

- AdminNetworkPolicies first, by priority (a lower number wins), their rules in
  order: the first that matches Allows (accept, nothing below is asked), Denies
  or Passes (skip the other admin rules, go on to NetworkPolicy);
- then the NetworkPolicies that select the pod for that direction: once one
  does, the pod is isolated and only what one of them allows passes (a union);
- then, for a pod no NetworkPolicy isolates, the BaselineAdminNetworkPolicy.

Peers become address sets (pod IPs, ipBlocks minus their excepts) and ports
become `address . protocol . port-range` elements: a named port is resolved on
the pod that receives the packet (the selected pod for ingress, each peer pod
for egress), a numeric one holds for any address (`0.0.0.0/0`). Everything is
text in nftables's element syntax, so the ruleset half can diff it.
"""

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ...apimachinery.labels import label_selector, selector_text

PROTOCOLS = {"TCP": "tcp", "UDP": "udp", "SCTP": "sctp"}
ANY = "0.0.0.0/0"
Matcher = Callable[[Mapping], bool]


def matcher(selector: dict | None) -> Matcher:
    """A LabelSelector as a test of labels, parsed once: None selects nothing, `{}` everything."""
    if selector is None:
        return lambda labels: False
    return label_selector(selector_text(selector))


@dataclass(frozen=True)
class Pod:
    """What a policy looks at in a pod: where it is, its labels, its named container ports."""
    namespace: str
    name: str
    ip: str
    node: str
    labels: Mapping[str, str]
    ports: tuple[tuple[str, str, int], ...]  # (name, protocol, number) of each named container port

    def named(self, name: str, protocol: str) -> int | None:
        return next((n for pn, proto, n in self.ports if pn == name and proto == protocol), None)


def pods_of(objects: Iterable[dict]) -> list[Pod]:
    """The pods a policy can select or name as peers: on the pod network (not hostNetwork), with an IPv4
    address, not finished."""
    out = []
    for obj in objects:
        spec, status, meta = obj.get("spec") or {}, obj.get("status") or {}, obj.get("metadata") or {}
        if spec.get("hostNetwork") or status.get("phase") in ("Succeeded", "Failed"):
            continue
        ips = [a.get("ip", "") for a in status.get("podIPs") or []] or [status.get("podIP") or ""]
        ip = next((i for i in ips if i and ":" not in i), "")
        if not ip:
            continue
        ports = tuple((p["name"], PROTOCOLS.get(p.get("protocol") or "TCP", "tcp"), int(p["containerPort"]))
                      for c in spec.get("containers") or [] for p in c.get("ports") or []
                      if p.get("name") and p.get("containerPort"))
        out.append(Pod(meta.get("namespace", ""), meta.get("name", ""), ip, spec.get("nodeName", ""),
                       meta.get("labels") or {}, ports))
    return out


@dataclass(frozen=True)
class Rule:
    """One rule of one direction, as the kernel will test it.

    `peers`: the addresses on the other side (None: any). `ports`: elements `address . protocol . port-range`
    keyed on the receiving address (None: any protocol and port). `verdict`: accept, drop or return (Pass).
    """
    peers: frozenset[str] | None
    ports: frozenset[str] | None
    verdict: str
    comment: str


@dataclass(frozen=True)
class Policy:
    """One policy object's part in a direction: its key (`ns/name`, or the admin policy's name with its
    priority for ordering) and its rules in order."""
    key: str
    kind: str  # np, anp, banp
    rules: tuple[Rule, ...]
    order: tuple = ()


@dataclass
class Direction:
    """For each local pod IP, the policies of one direction that decide its traffic, by tier."""
    admin: dict[str, tuple[Policy, ...]] = field(default_factory=dict)
    network: dict[str, tuple[Policy, ...]] = field(default_factory=dict)
    baseline: dict[str, Policy] = field(default_factory=dict)


@dataclass
class NodeProgram:
    ingress: Direction = field(default_factory=Direction)
    egress: Direction = field(default_factory=Direction)
    policies: int = 0  # how many policy objects select a pod of this node
    pods: int = 0  # local pods on the pod network


class Cluster:
    """The pods and namespaces, indexed for selection."""

    def __init__(self, pods: list[Pod], namespaces: Iterable[dict]) -> None:
        self.pods = pods
        self.by_namespace: dict[str, list[Pod]] = {}
        self.by_label: dict[tuple[str, str, str], list[Pod]] = {}
        for pod in pods:
            self.by_namespace.setdefault(pod.namespace, []).append(pod)
            for item in pod.labels.items():
                self.by_label.setdefault((pod.namespace, *item), []).append(pod)
        self.namespace_labels = {(n.get("metadata") or {}).get("name", ""): (n.get("metadata") or {}).get("labels")
                                 or {} for n in namespaces}

    def namespaces(self, selector: dict | None) -> list[str]:
        test = matcher(selector)
        return [name for name, labels in self.namespace_labels.items() if test(labels)]

    def select(self, namespaces: Iterable[str], selector: dict | None) -> list[Pod]:
        """The pods of `namespaces` that `selector` matches. A selector with matchLabels starts from the pods
        carrying its first label (an index), not from every pod: a thousand policies each naming one pod
        label would otherwise test every pod a thousand times on each sync."""
        test = matcher(selector)
        first = next(iter(((selector or {}).get("matchLabels") or {}).items()), None)
        if first is not None:
            return [p for ns in namespaces for p in self.by_label.get((ns, *first), ()) if test(p.labels)]
        return [p for ns in namespaces for p in self.by_namespace.get(ns, ()) if test(p.labels)]


def _networks(addresses: Iterable[str]) -> frozenset[str]:
    """Addresses and CIDRs as disjoint elements of an interval set (a single address without its /32)."""
    nets = [ipaddress.ip_network(a, strict=False) for a in addresses]
    collapsed = ipaddress.collapse_addresses(n for n in nets if n.version == 4)
    return frozenset(str(n.network_address) if n.prefixlen == 32 else str(n) for n in collapsed)


def ip_block(block: dict) -> list[ipaddress.IPv4Network]:
    """An ipBlock's cidr without its excepts, as disjoint networks (an IPv6 block matches no IPv4 packet)."""
    cidr = ipaddress.ip_network(block["cidr"], strict=False)
    if cidr.version != 4:
        return []
    parts = [cidr]
    for text in block.get("except") or []:
        cut = ipaddress.ip_network(text, strict=False)
        parts = [q for p in parts for q in ((p,) if not cut.subnet_of(p) and not p.subnet_of(cut) else
                                             (() if p.subnet_of(cut) else p.address_exclude(cut)))]
    return parts


@dataclass(frozen=True)
class PortSpec:
    """A port of a rule: a protocol with a number range, or a name resolved on the receiving pod."""
    protocol: str
    first: int = 0
    last: int = 65535
    name: str = ""


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if out and first <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


def _span(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def port_elements(specs: list[PortSpec], addresses: frozenset[str], pods: Iterable[Pod]) -> frozenset[str]:
    """`address . protocol . ports` elements: numeric ports for each of `addresses` (disjoint networks), named
    ones on each of `pods` that names them. An element the numeric ones cover already is left out, as the
    kernel refuses elements of an interval set that overlap."""
    merged = {proto: _merge([(s.first, s.last) for s in specs if s.protocol == proto and not s.name])
              for proto in {s.protocol for s in specs if not s.name}}
    out = {f"{a} . {proto} . {_span(lo, hi)}" for a in addresses for proto, ranges in merged.items()
           for lo, hi in ranges}
    nets = [ipaddress.ip_network(a) for a in addresses]
    for spec in (s for s in specs if s.name):
        for pod in pods:
            number = pod.named(spec.name, spec.protocol)
            if number is None:
                continue
            if any(lo <= number <= hi for lo, hi in merged.get(spec.protocol, ())) and any(
                    ipaddress.ip_address(pod.ip) in net for net in nets):
                continue
            out.add(f"{pod.ip} . {spec.protocol} . {number}")
    return frozenset(out)


def np_ports(ports: list | None) -> list[PortSpec] | None:
    """A NetworkPolicy rule's ports (None or empty: every port of every protocol)."""
    if not ports:
        return None
    out = []
    for p in ports:
        proto = PROTOCOLS.get(p.get("protocol") or "TCP", "tcp")
        port = p.get("port")
        if port is None:
            out.append(PortSpec(proto))
        elif isinstance(port, str) and not port.isdigit():
            out.append(PortSpec(proto, name=port))
        else:
            first = int(port)
            out.append(PortSpec(proto, first, int(p.get("endPort") or first)))
    return out


def policy_types(spec: dict) -> set[str]:
    """policyTypes as written, or their defaults (Ingress always, Egress when there are egress rules)."""
    return set(spec.get("policyTypes") or ["Ingress", *(["Egress"] if spec.get("egress") else [])])


def _np_peers(cluster: Cluster, namespace: str, peers: list | None) -> tuple[frozenset[str] | None, list[Pod]]:
    """A NetworkPolicy rule's `from`/`to`: its addresses (None: any) and the pods among them."""
    if not peers:
        return None, cluster.pods
    addresses: list[str] = []
    pods: list[Pod] = []
    for peer in peers:
        if peer.get("ipBlock"):
            nets = ip_block(peer["ipBlock"])
            addresses += [str(n) for n in nets]
            pods += [p for p in cluster.pods if any(ipaddress.ip_address(p.ip) in n for n in nets)]
            continue
        spaces = [namespace] if peer.get("namespaceSelector") is None else cluster.namespaces(peer["namespaceSelector"])
        selected = cluster.select(spaces, peer["podSelector"] if peer.get("podSelector") is not None else {})
        pods += selected
        addresses += [p.ip for p in selected]
    return _networks(addresses), pods


def _rule(peers: frozenset[str] | None, pods: list[Pod], specs: list[PortSpec] | None, receivers: list[Pod],
          ingress: bool, verdict: str, comment: str) -> Rule:
    """A rule from its peers and ports. Ingress: the peers are sources and a named port is the receiving local
    pod's; egress: peers and ports make one set keyed on the destination."""
    if specs is None:
        return Rule(peers, None, verdict, comment)
    if ingress:
        return Rule(peers, port_elements(specs, frozenset({ANY}), receivers), verdict, comment)
    return Rule(None, port_elements(specs, peers if peers is not None else frozenset({ANY}), pods), verdict, comment)


def network_policy(cluster: Cluster, obj: dict, local: list[Pod]) -> tuple[list[Pod], Policy | None, Policy | None]:
    """(the local pods it selects, its ingress part, its egress part); a part is None when its type is not in
    policyTypes."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    ns, key = meta.get("namespace", ""), f"{meta.get('namespace', '')}/{meta.get('name', '')}"
    test = matcher(spec.get("podSelector") or {})
    selected = [p for p in local if p.namespace == ns and test(p.labels)]
    if not selected:
        return [], None, None
    types = policy_types(spec)
    parts: list[Policy | None] = []
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        if direction.capitalize() not in types:
            parts.append(None)
            continue
        rules = []
        for i, rule in enumerate(spec.get(direction) or []):
            peers, pods = _np_peers(cluster, ns, rule.get(peers_key))
            rules.append(_rule(peers, pods, np_ports(rule.get("ports")), selected, direction == "ingress",
                               "accept", f"{key} {direction} rule {i}"))
        parts.append(Policy(key, "np", tuple(rules)))
    return selected, parts[0], parts[1]


ACTIONS = {"Allow": "accept", "Deny": "drop", "Pass": "return"}


def admin_ports(ports: list | None) -> list[PortSpec] | None:
    """An admin policy rule's ports: portNumber, namedPort or portRange (none: every port)."""
    if not ports:
        return None
    out = []
    for p in ports:
        if p.get("namedPort"):
            out.append(PortSpec("tcp", name=p["namedPort"]))
            out.append(PortSpec("udp", name=p["namedPort"]))
            out.append(PortSpec("sctp", name=p["namedPort"]))
        elif p.get("portNumber"):
            number = p["portNumber"]
            out.append(PortSpec(PROTOCOLS.get(number.get("protocol") or "TCP", "tcp"), int(number["port"]),
                                int(number["port"])))
        elif p.get("portRange"):
            span = p["portRange"]
            out.append(PortSpec(PROTOCOLS.get(span.get("protocol") or "TCP", "tcp"), int(span["start"]),
                                int(span["end"])))
    return out


def _admin_subject(cluster: Cluster, subject: dict) -> list[Pod]:
    if subject.get("namespaces") is not None:
        return cluster.select(cluster.namespaces(subject["namespaces"]), {})
    pods = subject.get("pods") or {}
    return cluster.select(cluster.namespaces(pods.get("namespaceSelector") or {}), pods.get("podSelector") or {})


def _admin_peers(cluster: Cluster, peers: list, nodes: Mapping[str, tuple[Mapping, str]]
                 ) -> tuple[frozenset[str], list[Pod]]:
    addresses: list[str] = []
    pods: list[Pod] = []
    for peer in peers:
        if peer.get("networks"):
            nets = [n for n in (ipaddress.ip_network(c, strict=False) for c in peer["networks"]) if n.version == 4]
            addresses += [str(n) for n in nets]
            pods += [p for p in cluster.pods if any(ipaddress.ip_address(p.ip) in n for n in nets)]
        elif peer.get("nodes") is not None:
            test = matcher(peer["nodes"])
            addresses += [ip for labels, ip in nodes.values() if ip and test(labels)]
        else:
            selected = _admin_subject(cluster, peer)
            pods += selected
            addresses += [p.ip for p in selected]
    return _networks(addresses), pods


def admin_policy(cluster: Cluster, obj: dict, local: list[Pod], nodes: Mapping[str, tuple[Mapping, str]],
                 kind: str) -> tuple[list[Pod], Policy | None, Policy | None]:
    """An AdminNetworkPolicy (kind "anp") or the BaselineAdminNetworkPolicy ("banp"): the local pods it is about,
    and its ingress and egress parts (None when it has no rules of that direction)."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    name = meta.get("name", "")
    local_ips = {p.ip for p in local}
    subjects = [p for p in _admin_subject(cluster, spec.get("subject") or {}) if p.ip in local_ips]
    if not subjects:
        return [], None, None
    priority = int(spec.get("priority") or 0)
    label = f"{'AdminNetworkPolicy' if kind == 'anp' else 'BaselineAdminNetworkPolicy'} {name}"
    parts: list[Policy | None] = []
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        rules = []
        for i, rule in enumerate(spec.get(direction) or []):
            peers, pods = _admin_peers(cluster, rule.get(peers_key) or [], nodes)
            rules.append(_rule(peers, pods, admin_ports(rule.get("ports")), subjects, direction == "ingress",
                               ACTIONS.get(rule.get("action", ""), "drop"),
                               f"{label} {direction} {rule.get('name') or i} {rule.get('action', '')}"))
        parts.append(Policy(name, kind, tuple(rules), (priority, name)) if rules else None)
    return subjects, parts[0], parts[1]


def compile_node(node: str, pods: Iterable[dict], namespaces: Iterable[dict], policies: Iterable[dict],
                 admin: Iterable[dict] = (), baseline: Iterable[dict] = (), nodes: Iterable[dict] = ()) -> NodeProgram:
    """What decides the traffic of each pod of `node`, per direction and tier (see the module's docstring)."""
    cluster = Cluster(pods_of(pods), namespaces)
    local = [p for p in cluster.pods if p.node == node]
    node_ips = {(n.get("metadata") or {}).get("name", ""): (
        (n.get("metadata") or {}).get("labels") or {},
        next((a.get("address", "") for a in (n.get("status") or {}).get("addresses") or []
              if a.get("type") == "InternalIP"), "")) for n in nodes}
    program = NodeProgram(pods=len(local))
    found: dict[str, tuple[dict[str, list[Policy]], dict[str, list[Policy]]]] = {
        d: ({}, {}) for d in ("ingress", "egress")}  # per direction, (network, admin) policies by pod IP
    tiers: list[tuple[str, Iterable[dict]]] = [("np", policies), ("anp", admin),
                                                ("banp", [b for b in baseline
                                                          if (b.get("metadata") or {}).get("name") == "default"])]
    for kind, objects in tiers:
        for obj in objects:
            if kind == "np":
                selected, ingress, egress = network_policy(cluster, obj, local)
            else:
                selected, ingress, egress = admin_policy(cluster, obj, local, node_ips, kind)
            if not selected:
                continue
            program.policies += 1
            for (network, admin_), direction, part in ((found["ingress"], program.ingress, ingress),
                                                       (found["egress"], program.egress, egress)):
                if part is None:
                    continue
                for pod in selected:
                    if kind == "banp":
                        direction.baseline[pod.ip] = part
                    else:
                        (network if kind == "np" else admin_).setdefault(pod.ip, []).append(part)
    for (network, admin_), direction in ((found["ingress"], program.ingress), (found["egress"], program.egress)):
        direction.network = {ip: tuple(sorted(ps, key=lambda p: p.key)) for ip, ps in network.items()}
        direction.admin = {ip: tuple(sorted(ps, key=lambda p: p.order)) for ip, ps in admin_.items()}
    return program
