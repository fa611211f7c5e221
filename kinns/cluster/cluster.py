"""A kinns cluster: an underlay bridge on the host and one netns per node.

Everything a cluster makes carries its name: netns `<name>-<node>`, host links
`<short>-br` and `<short>-<i>`, the state directory /run/kinns/<name>. So
clusters live side by side and `down` removes exactly what `up` made.
"""

import fcntl
import hashlib
import ipaddress
import json
import re
import shutil
import subprocess
from pathlib import Path

from ..cni.install import install_node
from ..kernel import netns, rootfs
from ..node import overlay
from . import controlplane, nodeagents
from .node import Node, create_rootfs, node_names

STATE_ROOT = Path("/run/kinns")
CLUSTER_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"
UNDERLAY_POOL = "172.30.0.0/16"  # one /24 of it per cluster
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$")


class ClusterError(Exception):
    """A user-facing failure: the message says what to do."""


def short_name(name: str) -> str:
    """At most 10 characters, so `<short>-br` and `<short>-<i>` fit in IFNAMSIZ."""
    return name if len(name) <= 10 else name[:4] + hashlib.sha1(name.encode()).hexdigest()[:6]


def vtep_mac(cluster: str, node: str) -> str:
    digest = hashlib.sha1(f"{cluster}/{node}".encode()).digest()
    return "0e:" + ":".join(f"{b:02x}" for b in digest[:5])  # locally administered, unicast


class Cluster:
    def __init__(self, name: str, backend: str, subnet: str, nodes: list[Node]) -> None:
        self.name, self.backend, self.subnet, self.nodes = name, backend, subnet, nodes

    # where things are

    @staticmethod
    def state_dir_of(name: str) -> Path:
        return STATE_ROOT / name

    @property
    def state_dir(self) -> Path:
        return self.state_dir_of(self.name)

    @property
    def bridge(self) -> str:
        return f"{short_name(self.name)}-br"

    @property
    def gateway(self) -> str:
        """The host's address on the underlay."""
        return str(next(ipaddress.ip_network(self.subnet).hosts()))

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise ClusterError(f"cluster {self.name!r} has no node {name!r}; nodes: "
                           + ", ".join(n.name for n in self.nodes))

    # persistence

    @classmethod
    def names(cls) -> list[str]:
        if not STATE_ROOT.is_dir():
            return []
        return sorted(p.name for p in STATE_ROOT.iterdir() if (p / "cluster.json").exists())

    @classmethod
    def load(cls, name: str) -> "Cluster":
        path = cls.state_dir_of(name) / "cluster.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ClusterError(f"no cluster named {name!r}; running: {', '.join(cls.names()) or 'none'}") from None
        state = str(cls.state_dir_of(name))
        nodes = [Node.from_dict(name, state, n) for n in data["nodes"]]
        return cls(data["name"], data["backend"], data["subnet"], nodes)

    def save(self) -> None:
        data = {"name": self.name, "backend": self.backend, "subnet": self.subnet,
                "bridge": self.bridge, "nodes": [n.to_dict() for n in self.nodes]}
        tmp = self.state_dir / ".cluster.json.tmp"
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        tmp.replace(self.state_dir / "cluster.json")

    # lifecycle

    @classmethod
    def up(cls, name: str = "kinns", nodes: int = 3, backend: str = "vxlan", subnet: str | None = None,
           reuse: bool = False, dns_upstream: str | None = None) -> "Cluster":
        """Create the cluster; on any failure remove whatever was made and raise.

        `dns_upstream` replaces the nodes' /etc/resolv.conf (the machine's, by default), which is where
        cluster DNS forwards names outside the cluster: an address, or `controlplane` for that node's own
        address (where nothing answers unless a test puts a resolver there)."""
        if not _NAME.match(name):
            raise ClusterError(f"invalid cluster name {name!r}: lower-case letters, digits and '-', "
                               "at most 20 characters, starting and ending with a letter or digit")
        if backend not in overlay.BACKENDS:
            raise ClusterError(f"unknown backend {backend!r}; choose one of {', '.join(overlay.BACKENDS)}")
        if not 1 <= nodes <= 50:
            raise ClusterError("--nodes must be between 1 and 50")
        if dns_upstream not in (None, "controlplane"):
            try:
                ipaddress.ip_address(dns_upstream)
            except ValueError:
                raise ClusterError(f"--dns-upstream {dns_upstream!r} is neither an IP address nor "
                                   "'controlplane'") from None
        STATE_ROOT.mkdir(parents=True, exist_ok=True)
        with _lock():
            if (cls.state_dir_of(name) / "cluster.json").exists():
                if reuse:
                    return cls.load(name)
                raise ClusterError(f"cluster {name!r} already exists; use it, pass --reuse, "
                                   f"or remove it with `kinns down --name {name}`")
            subnet = subnet or _free_subnet()
            net = ipaddress.ip_network(subnet)
            if net.num_addresses < nodes + 3:
                raise ClusterError(f"underlay {subnet} is too small for {nodes} nodes")
            state = cls.state_dir_of(name)
            state.mkdir(parents=True)
            rootfs.make_private(state)
            hosts = list(net.hosts())
            members = [Node(cluster=name, name=n, index=i, ip=str(hosts[i + 1]),
                            pod_cidr=f"10.244.{i}.0/24", vtep_mac=vtep_mac(name, n),
                            host_link=f"{short_name(name)}-{i}", state_dir=str(state))
                       for i, n in enumerate(node_names(nodes))]
            cluster = cls(name, backend, subnet, members)
            cluster.save()
        try:
            cluster._build(dns_upstream)
        except BaseException:
            cluster.down()
            raise
        return cluster

    def _build(self, dns_upstream: str | None = None) -> None:
        prefix = ipaddress.ip_network(self.subnet).prefixlen
        with netns.ipr() as host:
            host.link("add", ifname=self.bridge, kind="bridge")
            br = host.link_lookup(ifname=self.bridge)[0]
            host.addr("add", index=br, address=self.gateway, prefixlen=prefix)
            host.link("set", index=br, state="up")
            self._contain_services(True)
            for node in self.nodes:
                netns.create(node.netns)
                host.link("add", ifname=node.host_link, kind="veth",
                          peer={"ifname": "eth0", "net_ns_fd": netns.path(node.netns)})
                link = host.link_lookup(ifname=node.host_link)[0]
                host.link("set", index=link, master=br, state="up")
                with netns.ipr(node.netns) as ip:
                    eth0 = ip.link_lookup(ifname="eth0")[0]
                    ip.addr("add", index=eth0, address=node.ip, prefixlen=prefix)
                    ip.link("set", index=eth0, state="up")
                    ip.route("add", dst="0.0.0.0/0", gateway=self.gateway)
                netns.sysctl(node.netns, "net.ipv4.ip_forward", "1")
                create_rootfs(node)
                install_node(node.file("/opt/cni/bin"), node.file("/etc/cni/net.d"), node.pod_cidr,
                             overlay.pod_mtu(self.backend))
                if dns_upstream:
                    upstream = self.node("controlplane").ip if dns_upstream == "controlplane" else dns_upstream
                    node.file("/etc/resolv.conf").write_text(f"nameserver {upstream}\n")
        self.sync_routes()
        controlplane.start(self.node("controlplane"), self.state_dir, self.name)
        controlplane.merge_context(self.state_dir, self.name)
        self._start_agents()

    def _contain_services(self, on: bool) -> None:
        """A Service address that a node has no rule for yet (kube-proxy still syncing) must not leave the
        machine through the host's default route: a table of the cluster's own in the host rejects what comes
        from the cluster's bridge for the Service range (and goes with the cluster)."""
        table = f"ip kinns-{self.name}"
        script = f"add table {table}\ndelete table {table}\n"
        if on:
            script += (f"add table {table}\n"
                       f"add chain {table} forward {{ type filter hook forward priority filter ; }}\n"
                       f'add rule {table} forward iifname "{self.bridge}" ip daddr {SERVICE_CIDR} '
                       f'reject comment "Service addresses stay inside the cluster"\n')
        subprocess.run(["nft", "-f", "-"], input=script, text=True, check=on, capture_output=True)

    def _start_agents(self) -> None:
        pki = self.node("controlplane").file(controlplane.PKI)
        for node in self.nodes:
            if not nodeagents.running(node, self.state_dir):
                nodeagents.start(node, self.name, self.state_dir, pki)

    def sync_routes(self) -> None:
        peers = [n.peer() for n in self.nodes]
        for node in self.nodes:
            overlay.sync(node.netns, node.peer(), peers, self.backend)
            overlay.masquerade(node.netns, CLUSTER_CIDR, f"kinns {self.name}: pod traffic leaving the pod network")

    def stop(self) -> None:
        """Stop the kubelets and the control plane; the store, the network and the pods stay."""
        for node in self.nodes:
            nodeagents.stop(node, self.state_dir)
        controlplane.stop(self.state_dir)

    def start(self) -> None:
        """Start the control plane of a stopped cluster (a running one is left as it is)."""
        if not controlplane.running(self.state_dir):
            controlplane.start(self.node("controlplane"), self.state_dir, self.name)
        self._start_agents()

    def down(self) -> None:
        """Remove every netns, link and file of this cluster; nothing else."""
        from ..node.kubelet.sandbox import remove_all_pods

        for node in self.nodes:
            nodeagents.stop(node, self.state_dir)
        controlplane.stop(self.state_dir)
        controlplane.remove_context(self.name)
        remove_all_pods(self)
        for leftover in netns.names(f"{self.name}-pod-"):  # a sandbox a kubelet was making when it was stopped
            if re.fullmatch(rf"{re.escape(self.name)}-pod-[0-9a-f]{{12}}", leftover):  # not cluster "<name>-pod-x"'s
                netns.remove(leftover)
        for node in self.nodes:
            rootfs.destroy(node.root)
            netns.remove(node.netns)
        with netns.ipr() as host:
            for link in [self.bridge] + [n.host_link for n in self.nodes]:
                for index in host.link_lookup(ifname=link):
                    host.link("del", index=index)
        self._contain_services(False)
        rootfs.release_private(self.state_dir)
        shutil.rmtree(self.state_dir, ignore_errors=True)

    def status(self) -> dict:
        from ..node.kubelet.sandbox import list_pods

        return {"name": self.name, "backend": self.backend, "underlay": self.subnet, "bridge": self.bridge,
                "nodes": [{"name": n.name, "ip": n.ip, "podCIDR": n.pod_cidr, "netns": n.netns,
                           "ready": netns.exists(n.netns)} for n in self.nodes],
                "pods": list_pods(self)}


class _lock:
    """Serialise cluster creation, so two `kinns up` never pick the same names or subnet."""

    def __enter__(self) -> None:
        self.fd = open(STATE_ROOT / ".lock", "w")
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        self.fd.close()


def _free_subnet() -> str:
    used = set()
    for name in Cluster.names():
        try:
            used.add(Cluster.load(name).subnet)
        except (ClusterError, KeyError, ValueError):
            continue
    pool = ipaddress.ip_network(UNDERLAY_POOL)
    with netns.ipr() as host:
        routed = [ipaddress.ip_network(f"{r.get_attr('RTA_DST')}/{r['dst_len']}")
                  for r in host.route("dump", family=2) if r.get_attr("RTA_DST")]
    for candidate in pool.subnets(new_prefix=24):
        if str(candidate) not in used and not any(candidate.overlaps(r) for r in routed):
            return str(candidate)
    raise ClusterError(f"no free /24 left in {UNDERLAY_POOL} for another cluster's underlay")

