"""The iptables backend: kube-proxy's chain layout, written with iptables-restore.

nat: PREROUTING and OUTPUT jump to KUBE-SERVICES, which matches each
service's cluster IP (and external / load-balancer IPs) and jumps to its
KUBE-SVC-* chain; that splits new connections over the KUBE-SEP-* chains
with `statistic --probability` (1/n, 1/(n-1), ... 1), and each KUBE-SEP
DNATs to one endpoint. Traffic from outside the pod network, hairpin traffic
and external traffic with policy Cluster is marked 0x4000 by KUBE-MARK-MASQ
and masqueraded in KUBE-POSTROUTING. Node ports go through KUBE-NODEPORTS
(last rule of KUBE-SERVICES, for local destinations) to KUBE-EXT-*; with
externalTrafficPolicy Local, KUBE-SVL-* holds only this node's endpoints.
filter: a service with no endpoints is REJECTed at once (KUBE-SERVICES,
KUBE-EXTERNAL-SERVICES) and KUBE-FORWARD accepts marked and established
traffic.

A sync rewrites KUBE-SERVICES and the other fixed chains and only those
per-service chains whose rules changed (iptables-restore --noflush), then
deletes chains nothing uses any more; a full sync also finds stale kube-proxy
chains left by an earlier run in the kernel.
"""

from ...kernel.iptables import Iptables
from .services import Endpoint, ServicePort, port_hash

MASQ_MARK = "0x4000"
FIXED = {"nat": ["KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-POSTROUTING", "KUBE-MARK-MASQ"],
         "filter": ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS"]}
JUMPS = [  # (table, builtin chain, rule spec): how the kernel's hooks reach kube-proxy's chains
    ("nat", "PREROUTING", ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"]),
    ("nat", "OUTPUT", ["-m", "comment", "--comment", "kubernetes service portals", "-j", "KUBE-SERVICES"]),
    ("nat", "POSTROUTING", ["-m", "comment", "--comment", "kubernetes postrouting rules", "-j", "KUBE-POSTROUTING"]),
    ("filter", "INPUT", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                         "kubernetes externally-visible service portals", "-j", "KUBE-EXTERNAL-SERVICES"]),
    ("filter", "INPUT", ["-m", "comment", "--comment", "kubernetes health check service ports", "-j",
                         "KUBE-NODEPORTS"]),
    ("filter", "FORWARD", ["-m", "comment", "--comment", "kubernetes forwarding rules", "-j", "KUBE-FORWARD"]),
    ("filter", "FORWARD", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                           "kubernetes service portals", "-j", "KUBE-SERVICES"]),
    ("filter", "FORWARD", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                           "kubernetes externally-visible service portals", "-j", "KUBE-EXTERNAL-SERVICES"]),
    ("filter", "OUTPUT", ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                          "kubernetes service portals", "-j", "KUBE-SERVICES"]),
]
OWNED_PREFIXES = ("KUBE-SVC-", "KUBE-SEP-", "KUBE-EXT-", "KUBE-SVL-", "KUBE-FW-")

Tables = dict[str, dict[str, list[str]]]  # table -> chain -> rules (each "-A CHAIN ..." line)


def svc_chain(sp: ServicePort, prefix: str = "KUBE-SVC-") -> str:
    return prefix + port_hash(sp.key, sp.protocol)


def sep_chain(sp: ServicePort, ep: Endpoint) -> str:
    return "KUBE-SEP-" + port_hash(sp.key, sp.protocol, ep.address)


def _q(text: str) -> str:
    return f'"{text}"' if " " in text else text


def _match(sp: ServicePort, dest: str | None, port: int, comment: str) -> str:
    d = f"-d {dest}/32 " if dest else ""
    return f"-m comment --comment {_q(comment)} -m {sp.protocol} -p {sp.protocol} {d}--dport {port}"


def _split(chain: str, sp: ServicePort, endpoints: list[Endpoint], rules: list[str]) -> None:
    """Affinity first, then one rule per endpoint with the probability that spreads evenly."""
    if sp.affinity_seconds:
        for ep in endpoints:
            rules.append(f"-A {chain} -m comment --comment {_q(f'{sp.key} -> {ep.address}')} -m recent "
                         f"--name {sep_chain(sp, ep)} --mask 255.255.255.255 --rsource --rcheck "
                         f"--seconds {sp.affinity_seconds} --reap -j {sep_chain(sp, ep)}")
    for i, ep in enumerate(endpoints):
        left = len(endpoints) - i
        chance = f"-m statistic --mode random --probability {1.0 / left:.11f} " if left > 1 else ""
        rules.append(f"-A {chain} -m comment --comment {_q(f'{sp.key} -> {ep.address}')} {chance}"
                     f"-j {sep_chain(sp, ep)}")


def render(ports: list[ServicePort], node: str, cluster_cidr: str) -> Tables:
    """The whole desired state of kube-proxy's chains on `node`."""
    nat: dict[str, list[str]] = {c: [] for c in FIXED["nat"]}
    flt: dict[str, list[str]] = {c: [] for c in FIXED["filter"]}
    nat["KUBE-POSTROUTING"] = [
        f"-A KUBE-POSTROUTING -m mark ! --mark {MASQ_MARK}/{MASQ_MARK} -j RETURN",
        f"-A KUBE-POSTROUTING -j MARK --xor-mark {MASQ_MARK}",
        '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" '
        "-j MASQUERADE --random-fully"]
    nat["KUBE-MARK-MASQ"] = [f"-A KUBE-MARK-MASQ -j MARK --or-mark {MASQ_MARK}"]
    flt["KUBE-FORWARD"] = [
        f'-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark {MASQ_MARK}/{MASQ_MARK} '
        "-j ACCEPT",
        '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate '
        "RELATED,ESTABLISHED -j ACCEPT"]
    services = nat["KUBE-SERVICES"]
    for sp in ports:
        cluster_eps = sp.cluster_endpoints(node)
        external_eps = sp.external_endpoints(node)
        svc, ext, svl = svc_chain(sp), svc_chain(sp, "KUBE-EXT-"), svc_chain(sp, "KUBE-SVL-")
        cluster_target = svl if sp.internal_local else svc
        if cluster_eps:
            services.append(f"-A KUBE-SERVICES {_match(sp, sp.cluster_ip, sp.port, f'{sp.key} cluster IP')} "
                            f"-j {cluster_target}")
        else:
            reason = f"{sp.key} has no local endpoints" if sp.internal_local else f"{sp.key} has no endpoints"
            flt["KUBE-SERVICES"].append(f"-A KUBE-SERVICES {_match(sp, sp.cluster_ip, sp.port, reason)} "
                                        "-j REJECT --reject-with icmp-port-unreachable")
        all_eps = sp.usable(node, False)
        if all_eps and (not sp.internal_local or sp.has_external):
            rules = nat.setdefault(svc, [])
            rules.append(f"-A {svc} {_match(sp, sp.cluster_ip, sp.port, f'{sp.key} cluster IP')} "
                         f"! -s {cluster_cidr} -j KUBE-MARK-MASQ")
            _split(svc, sp, all_eps, rules)
        local = sp.local_endpoints(node)
        if (sp.internal_local or sp.external_local) and local:
            _split(svl, sp, local, nat.setdefault(svl, []))
        if sp.has_external:
            _external(sp, node, cluster_cidr, nat, flt, svc, ext, svl, external_eps)
        for ep in {*(all_eps or []), *local}:
            chain = sep_chain(sp, ep)
            comment = _q(sp.key)
            recent = f"-m recent --name {chain} --set " if sp.affinity_seconds else ""
            nat[chain] = [f"-A {chain} -m comment --comment {comment} -s {ep.ip}/32 -j KUBE-MARK-MASQ",
                          f"-A {chain} -m comment --comment {comment} {recent}-m {sp.protocol} -p {sp.protocol} "
                          f"-j DNAT --to-destination {ep.address}"]
    services.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the '
                    'last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
    return {"nat": nat, "filter": flt}


def _external(sp: ServicePort, node: str, cluster_cidr: str, nat: dict, flt: dict, svc: str, ext: str,
              svl: str, eps: list[Endpoint]) -> None:
    """Node port, external IPs and load-balancer IPs: into KUBE-EXT-*, or REJECT when nothing serves them."""
    targets = [(ip, "external IP") for ip in sp.external_ips] + [(ip, "loadbalancer IP") for ip in sp.lb_ips]
    if not eps:
        reason = f"{sp.key} has no local endpoints" if sp.external_local else f"{sp.key} has no endpoints"
        for ip, _ in targets:
            flt["KUBE-EXTERNAL-SERVICES"].append(f"-A KUBE-EXTERNAL-SERVICES {_match(sp, ip, sp.port, reason)} "
                                                 "-j REJECT --reject-with icmp-port-unreachable")
        if sp.node_port:
            flt["KUBE-EXTERNAL-SERVICES"].append(
                f"-A KUBE-EXTERNAL-SERVICES {_match(sp, None, sp.node_port, reason)} -m addrtype --dst-type LOCAL "
                "-j REJECT --reject-with icmp-port-unreachable")
        return
    for ip, kind in targets:
        nat["KUBE-SERVICES"].append(f"-A KUBE-SERVICES {_match(sp, ip, sp.port, f'{sp.key} {kind}')} -j {ext}")
    if sp.node_port:
        nat["KUBE-NODEPORTS"].append(f"-A KUBE-NODEPORTS {_match(sp, None, sp.node_port, sp.key)} -j {ext}")
    if sp.external_local and sp.health_check_node_port:
        flt["KUBE-NODEPORTS"].append(f'-A KUBE-NODEPORTS -m comment --comment "{sp.key} health check node port" '
                                     f"-m tcp -p tcp --dport {sp.health_check_node_port} -j ACCEPT")
    rules = nat.setdefault(ext, [])
    if not sp.external_local:
        rules.append(f'-A {ext} -m comment --comment "masquerade traffic for {sp.key} external destinations" '
                     "-j KUBE-MARK-MASQ")
        rules.append(f"-A {ext} -j {svc}")
        return
    rules.append(f'-A {ext} -s {cluster_cidr} -m comment --comment "pod traffic for {sp.key} external destinations"'
                 f" -j {svc}")
    rules.append(f'-A {ext} -m comment --comment "masquerade LOCAL traffic for {sp.key} external destinations" '
                 "-m addrtype --src-type LOCAL -j KUBE-MARK-MASQ")
    rules.append(f'-A {ext} -m comment --comment "route LOCAL traffic for {sp.key} external destinations" '
                 f"-m addrtype --src-type LOCAL -j {svc}")
    rules.append(f"-A {ext} -j {svl}")


class IptablesBackend:
    """Applies rendered tables to the kernel through an iptables runner, rewriting only what changed."""

    name = "iptables"

    def __init__(self, iptables: Iptables | None = None) -> None:
        self.iptables = iptables or Iptables()
        self.applied: Tables = {}

    @staticmethod
    def render(ports: list[ServicePort], node: str, cluster_cidr: str) -> Tables:
        return render(ports, node, cluster_cidr)

    def sync(self, tables: Tables, full: bool) -> int:
        """Apply `tables`; return how many chains were written."""
        if full:
            self.ensure_jumps()
            self.applied = {t: {c: [] for c in self._owned_chains(t)} for t in tables}
        payload, written = [], 0
        for table, chains in tables.items():
            before = self.applied.get(table, {})
            changed = [c for c, rules in chains.items() if before.get(c) != rules or full and c in FIXED[table]]
            stale = [c for c in before if c not in chains and c.startswith(OWNED_PREFIXES)]
            if not changed and not stale:
                continue
            payload.append(f"*{table}")
            payload += [f":{c} - [0:0]" for c in changed + stale]
            for c in changed:
                payload += chains[c]
            payload += [f"-X {c}" for c in stale]
            payload.append("COMMIT")
            written += len(changed)
        self.iptables.restore(payload)
        self.applied = {t: dict(c) for t, c in tables.items()}
        return written

    def _owned_chains(self, table: str) -> list[str]:
        """kube-proxy's chains in the kernel: the fixed ones and every per-service one, ours or a crashed run's."""
        return [c for c in self.iptables.chains(table) if c.startswith(OWNED_PREFIXES + tuple(FIXED[table]))]

    def ensure_jumps(self) -> None:
        for table, chain, spec in JUMPS:
            self.iptables.ensure_chain(table, spec[-1])
            self.iptables.ensure_rule(table, chain, spec)

    def cleanup(self) -> None:
        """Remove every rule and chain of this backend (when the other one takes over)."""
        for table, chain, spec in JUMPS:
            self.iptables.delete_rule(table, chain, spec)
        for table in FIXED:
            chains = self._owned_chains(table)
            if chains:
                self.iptables.restore([f"*{table}", *(f":{c} - [0:0]" for c in chains), *(f"-X {c}" for c in chains),
                                       "COMMIT"])
