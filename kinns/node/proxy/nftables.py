"""The nftables backend: one table `ip kube-proxy` where the Services are map elements, not rules.

The first packet of a connection costs the same however many Services there
are: `services` looks up `daddr . l4proto . dport` in the verdict map
`service-ips` (node ports: `l4proto . dport` in `service-nodeports`), which
jumps to a chain shared by every Service of that protocol with the same
number of endpoints, `cluster-dnat-tcp-N`; that chain DNATs through the data
map `service-endpoints-tcp`, keyed on `daddr . dport . numgen random mod N`,
so endpoint i of a Service is the element `VIP . 80 . i : 10.244.1.5 . 8080`. Variants
mark for masquerade as kube-proxy does: `cluster-dnat-*` when the client is
outside the pod network, `external-dnat-*` always (external traffic, policy
Cluster), `local-dnat-*` never (policy Local, the client's address kept).
Services with no endpoints are elements of `no-endpoint-services` /
`no-endpoint-nodeports`, which reject in the filter hooks; a pod reaching
itself through its Service is masqueraded by the `hairpin-endpoints` set.
Services with ClientIP affinity keep kube-proxy's per-service and
per-endpoint chains (`service-<hash>-ns/name/proto/port`,
`endpoint-<hash>-.../ip/port`) with one affinity set per endpoint.

Why maps and not a chain per Service as kube-proxy writes: the kernel checks
every element of a data map again each time another rule binds it, and
creating thousands of anonymous sets is quadratic, so with 10,000 Services
per-Service chains took seconds to load; as elements the whole state loads
in a fraction of a second and a change is a few element updates.

A sync is one `nft -f` transaction: a full one replaces the whole table; an
incremental one adds and deletes only the elements and chains that changed.
"""

import collections
from dataclasses import dataclass

from ...kernel.nft import Nft
from .services import Endpoint, ServicePort, port_hash

TABLE = "ip kube-proxy"
MASQ_MARK = "0x4000"
PROTOCOLS = ("tcp", "udp", "sctp")
SKELETON = [
    'add table ip kube-proxy { comment "rules for kube-proxy" ; }',
    "add map ip kube-proxy service-ips { type ipv4_addr . inet_proto . inet_service : verdict ; "
    'comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ; }',
    "add map ip kube-proxy service-nodeports { type inet_proto . inet_service : verdict ; "
    'comment "NodePort traffic" ; }',
    "add map ip kube-proxy no-endpoint-services { type ipv4_addr . inet_proto . inet_service : verdict ; "
    'comment "vmap to drop or reject packets to services with no endpoints" ; }',
    "add map ip kube-proxy no-endpoint-nodeports { type inet_proto . inet_service : verdict ; "
    'comment "vmap to drop or reject packets to service nodeports with no endpoints" ; }',
    *(f"add map ip kube-proxy service-endpoints-{p} {{ typeof ip daddr . {p} dport . numgen random mod 1 : "
      f'ip daddr . {p} dport ; comment "endpoint i of the {p} Service at address and port" ; }}' for p in PROTOCOLS),
    *(f"add map ip kube-proxy nodeport-endpoints-{p} {{ typeof {p} dport . numgen random mod 1 : "
      f'ip daddr . {p} dport ; comment "endpoint i of the {p} Service at a node port" ; }}' for p in PROTOCOLS),
    "add set ip kube-proxy hairpin-endpoints { type ipv4_addr . ipv4_addr ; "
    'comment "endpoint . endpoint: a pod that reached itself through a Service" ; }',
    "add chain ip kube-proxy mark-for-masquerade",
    f"add rule ip kube-proxy mark-for-masquerade meta mark set meta mark or {MASQ_MARK}",
    "add chain ip kube-proxy masquerading",
    f"add rule ip kube-proxy masquerading meta mark & {MASQ_MARK} == 0 return",
    f"add rule ip kube-proxy masquerading meta mark set meta mark xor {MASQ_MARK}",
    "add rule ip kube-proxy masquerading masquerade fully-random",
    "add chain ip kube-proxy reject-chain { comment \"helper for @no-endpoint-services / @no-endpoint-nodeports\" ; }",
    "add rule ip kube-proxy reject-chain reject",
    "add chain ip kube-proxy services",
    "add rule ip kube-proxy services ip daddr . meta l4proto . th dport vmap @service-ips",
    "add rule ip kube-proxy services fib daddr type local ip daddr != 127.0.0.0/8 "
    "meta l4proto . th dport vmap @service-nodeports",
    "add chain ip kube-proxy service-endpoints-check",
    "add rule ip kube-proxy service-endpoints-check ip daddr . meta l4proto . th dport vmap @no-endpoint-services",
    "add chain ip kube-proxy nodeport-endpoints-check",
    "add rule ip kube-proxy nodeport-endpoints-check fib daddr type local ip daddr != 127.0.0.0/8 "
    "meta l4proto . th dport vmap @no-endpoint-nodeports",
    "add chain ip kube-proxy nat-prerouting { type nat hook prerouting priority dstnat ; policy accept ; }",
    "add rule ip kube-proxy nat-prerouting jump services",
    "add chain ip kube-proxy nat-output { type nat hook output priority -100 ; policy accept ; }",
    "add rule ip kube-proxy nat-output jump services",
    "add chain ip kube-proxy nat-postrouting { type nat hook postrouting priority srcnat ; policy accept ; }",
    "add rule ip kube-proxy nat-postrouting ct status dnat ip saddr . ip daddr @hairpin-endpoints masquerade",
    "add rule ip kube-proxy nat-postrouting jump masquerading",
    "add chain ip kube-proxy filter-forward { type filter hook forward priority -110 ; policy accept ; }",
    "add rule ip kube-proxy filter-forward ct state new jump service-endpoints-check",
    "add rule ip kube-proxy filter-forward ct state new jump nodeport-endpoints-check",
    "add chain ip kube-proxy filter-output { type filter hook output priority -110 ; policy accept ; }",
    "add rule ip kube-proxy filter-output ct state new jump service-endpoints-check",
    "add chain ip kube-proxy filter-input { type filter hook input priority -110 ; policy accept ; }",
    "add rule ip kube-proxy filter-input ct state new jump nodeport-endpoints-check",
    "add rule ip kube-proxy filter-input ct state new jump service-endpoints-check",
]


DNAT = {  # chain family -> (masquerade rule, endpoint maps, key before the destination port)
    "cluster-dnat": ("ip saddr != {cidr} jump mark-for-masquerade", "service-endpoints", "ip daddr . "),
    "external-dnat": ("jump mark-for-masquerade", "service-endpoints", "ip daddr . "),
    "local-dnat": ("", "service-endpoints", "ip daddr . "),
    "nodeport-dnat": ("jump mark-for-masquerade", "nodeport-endpoints", ""),
    "nodeport-local-dnat": ("", "nodeport-endpoints", ""),
}


@dataclass(frozen=True)
class Fragment:
    """What one service port puts into the table: map elements, the chains it jumps to, its affinity sets."""
    elements: frozenset[tuple[str, str, str]]  # (map or set, key, value; "" for a set)
    chains: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sets: tuple[tuple[str, int], ...] = ()


def _base(sp: ServicePort) -> str:
    return f"{sp.namespace}/{sp.name}/{sp.protocol}/{sp.port_name}"


def chain_name(kind: str, sp: ServicePort) -> str:
    return f"{kind}-{port_hash(sp.key, sp.protocol, length=8)}-{_base(sp)}"


def endpoint_chain(sp: ServicePort, ep: Endpoint) -> str:
    return f"endpoint-{port_hash(sp.key, sp.protocol, ep.address, length=8)}-{_base(sp)}__{ep.ip}/{ep.port}"


def affinity_set(sp: ServicePort, ep: Endpoint) -> str:
    return f"affinity-{port_hash(sp.key, sp.protocol, ep.address, length=8)}-{_base(sp)}__{ep.ip}/{ep.port}"


class _Builder:
    def __init__(self, cidr: str) -> None:
        self.cidr = cidr
        self.elements: set[tuple[str, str, str]] = set()
        self.chains: dict[str, tuple[str, ...]] = {}
        self.sets: dict[str, int] = {}

    def dnat(self, family: str, protocol: str, key: str, eps: tuple[Endpoint, ...]) -> str:
        """Elements for endpoints 0..n-1 under `key`; the verdict that reaches them.

        One map per protocol: nft 1.0 cannot add rules later that use a map typed on `th dport`."""
        masq, table, match = DNAT[family]
        table = f"{table}-{protocol}"
        chain = f"{family}-{protocol}-{len(eps)}"
        self.chains[chain] = (*([masq.format(cidr=self.cidr)] if masq else []),
                              f"meta l4proto {protocol} dnat ip to {match}{protocol} dport . numgen random mod "
                              f"{len(eps)} map @{table}")
        for i, ep in enumerate(eps):
            self.elements.add((table, f"{key} . {i}", f"{ep.ip} . {ep.port}"))
        return f"goto {chain}"

    def affinity(self, sp: ServicePort, eps: tuple[Endpoint, ...]) -> str:
        """kube-proxy's per-service and per-endpoint chains, where each first choice is remembered per client."""
        svc = chain_name("service", sp)
        rules = [f"ip daddr {sp.cluster_ip} {sp.protocol} dport {sp.port} ip saddr != {self.cidr} "
                 "jump mark-for-masquerade"]
        rules += [f"ip saddr @{affinity_set(sp, ep)} goto {endpoint_chain(sp, ep)}" for ep in eps]
        for i, ep in enumerate(eps):
            left = len(eps) - i
            rules.append((f"numgen random mod {left} == 0 " if left > 1 else "") + f"goto {endpoint_chain(sp, ep)}")
            self.sets[affinity_set(sp, ep)] = sp.affinity_seconds
            self.chains[endpoint_chain(sp, ep)] = (
                f"update @{affinity_set(sp, ep)} {{ ip saddr }} meta l4proto {sp.protocol} dnat to {ep.address}",)
        self.chains[svc] = tuple(rules)
        return f"goto {svc}"

    def fragment(self) -> Fragment:
        return Fragment(frozenset(self.elements), tuple(self.chains.items()), tuple(self.sets.items()))


def render_port(sp: ServicePort, node: str, cluster_cidr: str) -> Fragment:
    b = _Builder(cluster_cidr)
    add = b.elements.add
    cluster_eps, external_eps = sp.cluster_endpoints(node), sp.external_endpoints(node)
    for ep in sp.endpoints:
        if ep.node == node:  # only a pod on this node can reach itself through this node's rules
            add(("hairpin-endpoints", f"{ep.ip} . {ep.ip}", ""))
    key = f"{sp.cluster_ip} . {sp.protocol} . {sp.port}"
    if not cluster_eps:
        add(("no-endpoint-services", key, "goto reject-chain"))
    elif sp.affinity_seconds:
        add(("service-ips", key, b.affinity(sp, tuple(cluster_eps))))
    else:
        add(("service-ips", key, b.dnat("cluster-dnat", sp.protocol, f"{sp.cluster_ip} . {sp.port}",
                                        tuple(cluster_eps))))
    if sp.has_external:
        for ip in (*sp.external_ips, *sp.lb_ips):
            vip = f"{ip} . {sp.protocol} . {sp.port}"
            if not external_eps:
                add(("no-endpoint-services", vip, "goto reject-chain"))
            else:
                add(("service-ips", vip, b.dnat("local-dnat" if sp.external_local else "external-dnat", sp.protocol,
                                                f"{ip} . {sp.port}", tuple(external_eps))))
        if sp.node_port:
            port = f"{sp.protocol} . {sp.node_port}"
            if not external_eps:
                add(("no-endpoint-nodeports", port, "goto reject-chain"))
            else:
                add(("service-nodeports", port, b.dnat("nodeport-local-dnat" if sp.external_local
                                                       else "nodeport-dnat", sp.protocol, str(sp.node_port),
                                                       tuple(external_eps))))
    return b.fragment()


Ruleset = dict[ServicePort, Fragment]


def render(ports: list[ServicePort], node: str, cluster_cidr: str, previous: Ruleset | None = None) -> Ruleset:
    """Fragments of every service port; those unchanged since `previous` are reused, not rendered again."""
    previous = previous or {}
    return {sp: previous.get(sp) or render_port(sp, node, cluster_cidr) for sp in ports}


class NftablesBackend:
    """Applies a Ruleset to the kernel through an nft runner, as one transaction per sync."""

    name = "nftables"

    def __init__(self, nft: Nft | None = None) -> None:
        self.nft = nft or Nft()
        self.applied: Ruleset | None = None
        # what several service ports share (chains, affinity sets, hairpin elements): how many use each
        self.users: collections.Counter = collections.Counter()
        self.chains: dict[str, tuple[str, ...]] = {}
        self.sets: dict[str, int] = {}

    def render(self, ports: list[ServicePort], node: str, cluster_cidr: str) -> Ruleset:
        return render(ports, node, cluster_cidr, self.applied)

    def sync(self, want: Ruleset, full: bool) -> int:
        """Apply `want` (only the fragments that are not the applied ones); return chains and elements written."""
        before: Ruleset = {} if full or self.applied is None else self.applied
        lines: list[str] = []
        if not before:
            lines += [f"add table {TABLE}", f"delete table {TABLE}", *SKELETON]
            self.users, self.chains, self.sets = collections.Counter(), {}, {}
        users, chains, sets = self.users.copy(), dict(self.chains), dict(self.sets)
        rewritten: set[str] = set()
        removed: set[tuple[str, str, str]] = set()
        added: set[tuple[str, str, str]] = set()

        def use(frag: Fragment, step: int) -> None:
            for name, rules in frag.chains:
                users["chain", name] += step
                if step > 0:
                    if chains.get(name, rules) != rules:
                        rewritten.add(name)
                    chains[name] = rules
            for name, timeout in frag.sets:
                users["set", name] += step
                sets[name] = timeout
            for m, k, _ in frag.elements:
                if m == "hairpin-endpoints":
                    users["hairpin", k] += step

        for sp, frag in want.items():
            old = before.get(sp)
            if old is not frag:
                if old is not None:
                    removed |= old.elements - frag.elements
                    use(old, -1)
                added |= frag.elements - old.elements if old else frag.elements
                use(frag, +1)
        for sp, old in before.items():
            if sp not in want:
                removed |= old.elements
                use(old, -1)
        born = {key for key in users if users[key] > 0 and self.users[key] <= 0}
        dead = {key for key in self.users if users[key] <= 0}
        removed -= added
        deletes = [(m, k) for m, k, _ in removed if m != "hairpin-endpoints" or ("hairpin", k) in dead]
        added = {e for e in added if e[0] != "hairpin-endpoints" or ("hairpin", e[1]) in born}
        new_chains = [n for kind, n in born if kind == "chain"]
        gone = [n for kind, n in dead if kind == "chain"]
        changed = [n for n in rewritten if ("chain", n) not in born]
        lines += [f"add set {TABLE} {n} {{ type ipv4_addr ; flags dynamic,timeout ; timeout {sets[n]}s ; }}"
                  for kind, n in born if kind == "set"]
        lines += [f"add chain {TABLE} {c}" for c in new_chains]
        lines += [f"flush chain {TABLE} {c}" for c in changed + gone]
        doomed: dict[str, list[str]] = collections.defaultdict(list)
        for m, k in deletes:
            doomed[m].append(k)
        lines += [f"delete element {TABLE} {name} {{ {', '.join(keys)} }}" for name, keys in doomed.items()]
        for c in new_chains + changed:
            lines += [f"add rule {TABLE} {c} {rule}" for rule in chains[c]]
        by_map: dict[str, list[str]] = collections.defaultdict(list)
        for m, k, v in added:
            by_map[m].append(f"{k} : {v}" if v else k)
        lines += [f"add element {TABLE} {name} {{ {', '.join(items)} }}" for name, items in by_map.items()]
        lines += [f"delete chain {TABLE} {c}" for c in gone]
        lines += [f"delete set {TABLE} {n}" for kind, n in dead if kind == "set"]
        self.nft.apply(lines)
        for kind, n in dead:
            (chains if kind == "chain" else sets if kind == "set" else {}).pop(n, None)
        self.applied, self.users, self.chains, self.sets = want, +users, chains, sets
        return len(new_chains) + len(changed) + len(added)

    def cleanup(self) -> None:
        """Remove the table (when the iptables backend takes over)."""
        self.nft.delete_table(TABLE)
