"""The nftables backend: one table `ip kube-proxy`, verdict maps keyed on address, protocol and port.

The first packet of a connection costs one map lookup however many Services
there are: `services` looks up `daddr . l4proto . dport` in the map
`service-ips` (and node ports in `service-nodeports`), which jumps to the
service's chain; that picks an endpoint with `numgen random mod n vmap`, and
the endpoint chain DNATs. Services with no endpoints are elements of
`no-endpoint-services` / `no-endpoint-nodeports`, which reject in the filter
hooks. Names follow kube-proxy's nftables mode
(`service-<hash>-ns/name/proto/port`, `endpoint-<hash>-.../ip/port`).

A sync is one `nft -f` transaction: a full one replaces the whole table; an
incremental one flushes and refills only the chains that changed and adds or
deletes only the map elements that changed.
"""

import subprocess
from dataclasses import dataclass, field

from .services import Endpoint, ServicePort, port_hash

TABLE = "ip kube-proxy"
MASQ_MARK = "0x4000"
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


@dataclass
class Ruleset:
    """The per-service part of the table: regular chains, map elements and affinity sets."""
    chains: dict[str, list[str]] = field(default_factory=dict)
    maps: dict[str, dict[str, str]] = field(default_factory=lambda: {
        "service-ips": {}, "service-nodeports": {}, "no-endpoint-services": {}, "no-endpoint-nodeports": {}})
    sets: dict[str, int] = field(default_factory=dict)  # affinity set -> timeout seconds


def _base(sp: ServicePort) -> str:
    return f"{sp.namespace}/{sp.name}/{sp.protocol}/{sp.port_name}"


def chain_name(kind: str, sp: ServicePort) -> str:
    return f"{kind}-{port_hash(sp.key, sp.protocol, length=8)}-{_base(sp)}"


def endpoint_chain(sp: ServicePort, ep: Endpoint) -> str:
    return f"endpoint-{port_hash(sp.key, sp.protocol, ep.address, length=8)}-{_base(sp)}__{ep.ip}/{ep.port}"


def affinity_set(sp: ServicePort, ep: Endpoint) -> str:
    return f"affinity-{port_hash(sp.key, sp.protocol, ep.address, length=8)}-{_base(sp)}__{ep.ip}/{ep.port}"


def _q(name: str) -> str:
    """Names go unquoted: nft's identifiers allow the '/', '-', '_' and '.' these names use."""
    return name


def _split(sp: ServicePort, eps: list[Endpoint]) -> list[str]:
    rules = [f"ip saddr @{_q(affinity_set(sp, ep))} goto {_q(endpoint_chain(sp, ep))}"
             for ep in eps] if sp.affinity_seconds else []
    choices = ", ".join(f"{i} : goto {_q(endpoint_chain(sp, ep))}" for i, ep in enumerate(eps))
    rules.append(f"numgen random mod {len(eps)} vmap {{ {choices} }}")
    return rules


def render(ports: list[ServicePort], node: str, cluster_cidr: str) -> Ruleset:
    out = Ruleset()
    for sp in ports:
        svc, ext, local_chain = chain_name("service", sp), chain_name("external", sp), chain_name("local", sp)
        key = f"{sp.cluster_ip} . {sp.protocol} . {sp.port}"
        cluster_eps, external_eps = sp.cluster_endpoints(node), sp.external_endpoints(node)
        all_eps, local = sp.usable(node, False), sp.local_endpoints(node)
        cluster_target = local_chain if sp.internal_local else svc
        if cluster_eps:
            out.maps["service-ips"][key] = f"goto {_q(cluster_target)}"
        else:
            out.maps["no-endpoint-services"][key] = "goto reject-chain"
        if all_eps and (not sp.internal_local or sp.has_external):
            out.chains[svc] = [f"ip daddr {sp.cluster_ip} {sp.protocol} dport {sp.port} ip saddr != {cluster_cidr} "
                               "jump mark-for-masquerade"] + _split(sp, all_eps)
        if (sp.internal_local or sp.external_local) and local:
            out.chains[local_chain] = _split(sp, local)
        if sp.has_external:
            targets = [*sp.external_ips, *sp.lb_ips]
            if external_eps:
                for ip in targets:
                    out.maps["service-ips"][f"{ip} . {sp.protocol} . {sp.port}"] = f"goto {_q(ext)}"
                if sp.node_port:
                    out.maps["service-nodeports"][f"{sp.protocol} . {sp.node_port}"] = f"goto {_q(ext)}"
                if sp.external_local:
                    out.chains[ext] = [f"ip saddr {cluster_cidr} goto {_q(svc)}",
                                       "fib saddr type local jump mark-for-masquerade",
                                       f"fib saddr type local goto {_q(svc)}", f"goto {_q(local_chain)}"]
                else:
                    out.chains[ext] = ["jump mark-for-masquerade", f"goto {_q(svc)}"]
            else:
                for ip in targets:
                    out.maps["no-endpoint-services"][f"{ip} . {sp.protocol} . {sp.port}"] = "goto reject-chain"
                if sp.node_port:
                    out.maps["no-endpoint-nodeports"][f"{sp.protocol} . {sp.node_port}"] = "goto reject-chain"
        for ep in {*all_eps, *local}:
            update = ""
            if sp.affinity_seconds:
                out.sets[affinity_set(sp, ep)] = sp.affinity_seconds
                update = f"update @{_q(affinity_set(sp, ep))} {{ ip saddr }} "
            out.chains[endpoint_chain(sp, ep)] = [
                f"ip saddr {ep.ip} jump mark-for-masquerade",
                f"{update}meta l4proto {sp.protocol} dnat to {ep.address}"]
    return out


class NftablesBackend:
    """Applies a Ruleset to the kernel of the netns it runs in, as one transaction per sync."""

    name = "nftables"

    def __init__(self) -> None:
        self.applied: Ruleset | None = None

    def sync(self, want: Ruleset, full: bool) -> int:
        """Apply `want`; return how many chains were written."""
        before = None if full else self.applied
        lines: list[str] = []
        if before is None:
            lines += [f"add table {TABLE}", f"delete table {TABLE}", *SKELETON]
            before = Ruleset()
        new_chains = [c for c in want.chains if c not in before.chains]
        changed = [c for c in want.chains if c in before.chains and before.chains[c] != want.chains[c]]
        gone = [c for c in before.chains if c not in want.chains]
        lines += [f"add set {TABLE} {_q(s)} {{ type ipv4_addr ; flags dynamic,timeout ; timeout {t}s ; }}"
                  for s, t in want.sets.items() if s not in before.sets]
        lines += [f"add chain {TABLE} {_q(c)}" for c in new_chains]
        lines += [f"flush chain {TABLE} {_q(c)}" for c in changed + gone]
        for name, elements in before.maps.items():
            stale = [k for k, v in elements.items() if want.maps[name].get(k) != v]
            if stale:
                lines.append(f"delete element {TABLE} {name} {{ {', '.join(stale)} }}")
        for c in new_chains + changed:
            lines += [f"add rule {TABLE} {_q(c)} {rule}" for rule in want.chains[c]]
        for name, elements in want.maps.items():
            fresh = [f"{k} : {v}" for k, v in elements.items() if before.maps[name].get(k) != v]
            if fresh:
                lines.append(f"add element {TABLE} {name} {{ {', '.join(fresh)} }}")
        lines += [f"delete chain {TABLE} {_q(c)}" for c in gone]
        lines += [f"delete set {TABLE} {_q(s)}" for s in before.sets if s not in want.sets]
        if lines:
            subprocess.run(["nft", "-f", "-"], input="\n".join(lines) + "\n", text=True, check=True,
                           capture_output=True)
        self.applied = want
        return len(new_chains) + len(changed)

    @staticmethod
    def cleanup() -> None:
        """Remove the table (when the iptables backend takes over)."""
        subprocess.run(["nft", "-f", "-"], input=f"add table {TABLE}\ndelete table {TABLE}\n", text=True,
                       check=True, capture_output=True)
