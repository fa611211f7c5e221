"""kinns-portmap: hostPort forwarding with iptables DNAT, chained after the bridge (CNI 1.1).

Same chains, rules and comments as the reference portmap plugin:
CNI-HOSTPORT-DNAT (from PREROUTING and OUTPUT, for local destinations) jumps
per container to CNI-DN-<hash>, which DNATs each host port to the pod; with
`snat` (default on) hairpin and localhost traffic is marked in
CNI-HOSTPORT-SETMARK and masqueraded in CNI-HOSTPORT-MASQ. Port mappings come
in runtimeConfig.portMappings (capability `portMappings`).
"""

import sys

from ...pkg import skel
from ...pkg.iptables import binaries_for, binary_for, chain_name, run, teardown_chain
from ...pkg.skel import ERR_INTERNAL, ERR_INVALID_CONFIG, Args, CNIError

ABOUT = "kinns portmap plugin"
DNAT_CHAIN = "CNI-HOSTPORT-DNAT"
SETMARK_CHAIN = "CNI-HOSTPORT-SETMARK"
MASQ_CHAIN = "CNI-HOSTPORT-MASQ"


class Mapping:
    def __init__(self, spec: dict) -> None:
        try:
            self.host_port = int(spec["hostPort"])
            self.container_port = int(spec["containerPort"])
        except (KeyError, TypeError, ValueError):
            raise CNIError(ERR_INVALID_CONFIG, f"invalid port mapping {spec!r}") from None
        if not (0 < self.host_port < 65536 and 0 < self.container_port < 65536):
            raise CNIError(ERR_INVALID_CONFIG, f"invalid port number in {spec!r}")
        self.protocol = (spec.get("protocol") or "tcp").lower()
        if self.protocol not in ("tcp", "udp", "sctp"):
            raise CNIError(ERR_INVALID_CONFIG, f"invalid protocol {spec.get('protocol')!r}")
        self.host_ip = spec.get("hostIP") or ""


class PortMapConf:
    def __init__(self, args: Args) -> None:
        conf = args.conf
        self.snat = conf.get("snat", True) is not False
        bit = conf.get("markMasqBit", 13)
        if not isinstance(bit, int) or not 0 <= bit <= 31:
            raise CNIError(ERR_INVALID_CONFIG, "markMasqBit must be between 0 and 31")
        self.mark = f"{1 << bit:#x}/{1 << bit:#x}"
        self.mappings = [Mapping(m) for m in args.runtime_config.get("portMappings") or []]


def _container_ips(prev: dict | None) -> list[str]:
    """The first IPv4 and first IPv6 address (ip/len) on a sandbox interface of the previous result."""
    if prev is None:
        raise CNIError(ERR_INVALID_CONFIG, "must be called as chained plugin")
    interfaces = prev.get("interfaces") or []
    out: dict[bool, str] = {}
    for ip in prev.get("ips") or []:
        index = ip.get("interface")
        if index is not None and (index >= len(interfaces) or not interfaces[index].get("sandbox")):
            continue
        v6 = ":" in ip["address"]
        out.setdefault(v6, ip["address"])
    return list(out.values())


def _ensure_chain(tool: str, chain: str, rules: list[list[str]], entries: dict[str, list[list[str]]],
                  prepend: bool = False) -> None:
    """Create the chain if missing, append missing rules, and the jumps into it from its entry chains."""
    run(tool, "-t", "nat", "-N", chain, check=False)
    for rule in rules:
        if run(tool, "-t", "nat", "-C", chain, *rule, check=False)[0]:
            run(tool, "-t", "nat", "-A", chain, *rule)
    for parent, entry_rules in entries.items():
        for rule in entry_rules:
            jump = [*rule, "-j", chain]
            if run(tool, "-t", "nat", "-C", parent, *jump, check=False)[0]:
                if prepend:
                    run(tool, "-t", "nat", "-I", parent, "1", *jump)
                else:
                    run(tool, "-t", "nat", "-A", parent, *jump)


def _forward(args: Args, conf: PortMapConf, address: str) -> None:
    """DNAT the host ports to the pod `address` (ip/len); hairpin is marked for the pod's whole subnet."""
    pod_ip = address.split("/")[0]
    v6 = ":" in pod_ip
    tool = binary_for(pod_ip)
    if conf.snat:
        _ensure_chain(tool, MASQ_CHAIN, [["-m", "mark", "--mark", conf.mark, "-j", "MASQUERADE"]],
                      {"POSTROUTING": [["-m", "comment", "--comment", "CNI portfwd requiring masquerade"]]},
                      prepend=True)
        _ensure_chain(tool, SETMARK_CHAIN, [["-m", "comment", "--comment", "CNI portfwd masquerade mark",
                                             "-j", "MARK", "--set-xmark", conf.mark]], {})
        if not v6:
            _enable_localnet_routing()
    _ensure_chain(tool, DNAT_CHAIN, [], {"PREROUTING": [["-m", "addrtype", "--dst-type", "LOCAL"]],
                                         "OUTPUT": [["-m", "addrtype", "--dst-type", "LOCAL"]]})
    chain = chain_name(args.name, args.container_id, "DN-")
    teardown_chain(tool, "nat", chain, (DNAT_CHAIN,))
    note = f'dnat name: "{args.name}" id: "{args.container_id}"'[:256]
    entries = []
    by_proto: dict[str, list[int]] = {}
    for m in conf.mappings:
        by_proto.setdefault(m.protocol, []).append(m.host_port)
    for proto in sorted(by_proto):
        ports = by_proto[proto]
        for i in range(0, len(ports), 15):  # multiport takes at most 15 ports
            entries.append(["-m", "comment", "--comment", note, "-m", "multiport", "-p", proto,
                            "--destination-ports", ",".join(map(str, ports[i:i + 15]))])
    rules = []
    target = f"[{pod_ip}]" if v6 else pod_ip
    for m in conf.mappings:
        if m.host_ip and (":" in m.host_ip) != v6:
            continue
        base = ["-p", m.protocol, "--dport", str(m.host_port)]
        if m.host_ip and m.host_ip not in ("0.0.0.0", "::"):
            base += ["-d", m.host_ip]
        if conf.snat:
            rules.append([*base, "-s", address, "-j", SETMARK_CHAIN])
            if not v6:
                rules.append([*base, "-s", "127.0.0.1", "-j", SETMARK_CHAIN])
        rules.append([*base, "-j", "DNAT", "--to-destination", f"{target}:{m.container_port}"])
    run(tool, "-t", "nat", "-N", chain)
    for rule in rules:
        run(tool, "-t", "nat", "-A", chain, *rule)
    for rule in entries:
        run(tool, "-t", "nat", "-A", DNAT_CHAIN, *rule, "-j", chain)


def _enable_localnet_routing() -> None:
    """Let 127.0.0.1 be DNAT'ed to a pod (hostPort reached at localhost on the node)."""
    with open("/proc/sys/net/ipv4/conf/all/route_localnet", "r+") as f:
        if f.read().strip() != "1":
            f.seek(0)
            f.write("1")


def add(args: Args) -> dict:
    conf = PortMapConf(args)
    prev = skel.prev_result(args)
    ips = _container_ips(prev)
    if conf.mappings:
        try:
            for ip in ips:
                _forward(args, conf, ip)
        except BaseException:
            _unforward(args, ips)
            raise
    return prev


def _unforward(args: Args, ips: list[str]) -> None:
    chain = chain_name(args.name, args.container_id, "DN-")
    for tool in binaries_for(ips):
        teardown_chain(tool, "nat", chain, (DNAT_CHAIN,))


def delete(args: Args) -> None:
    PortMapConf(args)
    prev = skel.prev_result(args)
    ips = _container_ips(prev) if prev else []
    _unforward(args, ips or ["0.0.0.0"])


def check(args: Args) -> None:
    conf = PortMapConf(args)
    ips = _container_ips(skel.prev_result(args))
    if not conf.mappings:
        return
    chain = chain_name(args.name, args.container_id, "DN-")
    for ip in ips:
        code, listing = run(binary_for(ip), "-t", "nat", "-S", chain, check=False)
        if code:
            raise CNIError(ERR_INTERNAL, f"portmap chain {chain} is missing")
        for m in conf.mappings:
            if f"--dport {m.host_port} " not in listing:
                raise CNIError(ERR_INTERNAL, f"no DNAT rule for host port {m.host_port} in {chain}")


def status(args: Args) -> None:
    PortMapConf(args)


def gc(args: Args) -> None:
    """The chains are per attachment and removed by DEL; nothing else is kept."""


def main() -> None:
    skel.run(sys.modules[__name__])
