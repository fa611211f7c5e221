"""A cluster's lifecycle: `up` makes the node network, the nodes, their routes, the control plane and the node
agents; `stop`/`start` end and restart the processes; `down` removes everything `up` made.

Everything a cluster makes carries its name: netns `<name>-<node>`, host links
`<short>-br` and `<short>-<i>`, the state directory /run/kinns/<name>, the
host's nft table `ip kinns-<name>`. So clusters live side by side and `down`
removes exactly what `up` made. `up` runs its steps in order, as kind's
create actions; a failure in any of them runs `down`, which copes with a
cluster made only in part.
"""

import asyncio
import fcntl
import hashlib
import ipaddress
import re
import secrets
import shutil

from ..client import Client
from ..cni.install import install_node, install_reference
from ..kernel import cgroup, links, netns, rootfs
from ..kernel.nft import Nft
from ..kernel.node import Node
from ..kernel.record import STATE_ROOT, ClusterError, ClusterRecord, short_name, state_dir_of
from ..node import overlay
from ..node.kubelet import sandbox
from . import controlplane, nodeagents, supervisor

CLUSTER_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/12"
UNDERLAY_POOL = "172.30.0.0/16"  # one /24 of it per cluster
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,18}[a-z0-9])?$")


def vtep_mac(cluster: str, node: str) -> str:
    digest = hashlib.sha1(f"{cluster}/{node}".encode()).digest()
    return "0e:" + ":".join(f"{b:02x}" for b in digest[:5])  # locally administered, unicast


def node_names(count: int) -> list[str]:
    """controlplane, node01, node02, ... as in the usual course labs."""
    return ["controlplane"] + [f"node{i:02d}" for i in range(1, count)]


def up(name: str = "kinns", nodes: int = 3, backend: str = "vxlan", subnet: str | None = None,
       reuse: bool = False, dns_upstream: str | None = None, node_grace: float = 40.0,
       bare: bool = False) -> ClusterRecord:
    """Create the cluster; on any failure remove whatever was made and raise.

    `dns_upstream` replaces the nodes' /etc/resolv.conf (the machine's, by default), which is where
    cluster DNS forwards names outside the cluster: an address, or `controlplane` for that node's own
    address (where nothing answers unless a test puts a resolver there). `node_grace`: seconds a node may post
    no status before it is Unknown (kube-controller-manager's --node-monitor-grace-period). `bare`: leave what
    `kubeadm init` and `join` leave, with no CNI (no conflist, no routes between nodes: nodes are NotReady
    until one is applied) and no Ingress, Gateway or storage add-on."""
    if not _NAME.match(name):
        raise ClusterError(f"invalid cluster name {name!r}: lower-case letters, digits and '-', "
                           "at most 20 characters, starting and ending with a letter or digit")
    if backend not in overlay.BACKENDS:
        raise ClusterError(f"unknown backend {backend!r}; choose one of {', '.join(overlay.BACKENDS)}")
    if not 1 <= nodes <= 50:
        raise ClusterError("--nodes must be between 1 and 50")
    if not 2 <= node_grace <= 3600:
        raise ClusterError("--node-monitor-grace-period must be between 2 and 3600 seconds")
    if dns_upstream not in (None, "controlplane"):
        try:
            ipaddress.ip_address(dns_upstream)
        except ValueError:
            raise ClusterError(f"--dns-upstream {dns_upstream!r} is neither an IP address nor "
                               "'controlplane'") from None
    if subnet:
        _check_subnet(subnet)  # before anything is made; again under the lock, beside a concurrent `up`
    STATE_ROOT.mkdir(parents=True, exist_ok=True)
    with _lock():
        if ClusterRecord.exists(name):
            if reuse:
                return ClusterRecord.load(name)
            raise ClusterError(f"cluster {name!r} already exists; use it, pass --reuse, "
                               f"or remove it with `kinns down --name {name}`")
        cluster = _record(name, nodes, backend, _check_subnet(subnet) if subnet else _free_subnet(), node_grace,
                          bare)
    try:
        for step in (_underlay, _nodes):
            step(cluster)
        _node_files(cluster, dns_upstream)
        if not cluster.bare:
            sync_routes(cluster)
        _credentials(cluster)
        start(cluster)
        _wait_registered(cluster)
        controlplane.merge_context(cluster.state_dir, cluster.name)
    except BaseException:
        down(cluster)
        raise
    return cluster


def _record(name: str, count: int, backend: str, subnet: str, node_grace: float, bare: bool) -> ClusterRecord:
    """The cluster's addresses and names, saved before anything is made (so `down` finds what a crash left)."""
    net = ipaddress.ip_network(subnet)
    if net.num_addresses < count + 3:
        raise ClusterError(f"underlay {subnet} is too small for {count} nodes")
    state = state_dir_of(name)
    state.mkdir(parents=True)
    state.chmod(0o700)  # keys, kubeconfigs, the store and every pod's files: root's alone
    rootfs.make_private(state)
    hosts = list(net.hosts())
    members = [Node(cluster=name, name=n, index=i, ip=str(hosts[i + 1]), pod_cidr=f"10.244.{i}.0/24",
                    vtep_mac=vtep_mac(name, n), host_link=f"{short_name(name)}-{i}", state_dir=str(state))
               for i, n in enumerate(node_names(count))]
    cluster = ClusterRecord(name, backend, subnet, members, node_grace, bare)
    cluster.save()
    return cluster


def _underlay(cluster: ClusterRecord) -> None:
    """The node network: a bridge in the host with the host's address on it."""
    links.add_bridge(cluster.bridge, cluster.gateway, ipaddress.ip_network(cluster.subnet).prefixlen)
    _contain_services(cluster, True)


def _nodes(cluster: ClusterRecord) -> None:
    """Each node: its netns, joined to the bridge by a veth whose node end is eth0, with a default route."""
    prefix = ipaddress.ip_network(cluster.subnet).prefixlen
    for node in cluster.nodes:
        netns.create(node.netns)
        links.add_veth_into(node.host_link, cluster.bridge, node.netns, node.ip, prefix, cluster.gateway)
        netns.sysctl(node.netns, "net.ipv4.ip_forward", "1")


def _node_files(cluster: ClusterRecord, dns_upstream: str | None) -> None:
    """Each node's own files (mount and UTS namespaces), its machine-id (its own, as each machine has; CNIs such
    as Weave name their peer after it), its CNI plugins and conflist (a bare node has only the reference
    plugins, as the kubernetes-cni package installs them), its resolv.conf."""
    for node in cluster.nodes:
        rootfs.create(node.netns_path, node.root, node.name)
        for path in ("/etc/cni/net.d", "/opt/cni/bin", "/var/lib/cni", "/var/log"):
            node.file(path).mkdir(parents=True, exist_ok=True)
        node.file("/etc/hostname").write_text(node.name + "\n")
        node.file("/etc/machine-id").write_text(secrets.token_hex(16) + "\n")
        if cluster.bare:
            install_reference(node.file("/opt/cni/bin"))
        else:
            install_node(node.file("/opt/cni/bin"), node.file("/etc/cni/net.d"), node.pod_cidr,
                         overlay.pod_mtu(cluster.backend))
        if dns_upstream:
            upstream = cluster.node("controlplane").ip if dns_upstream == "controlplane" else dns_upstream
            node.file("/etc/resolv.conf").write_text(f"nameserver {upstream}\n")


def _contain_services(cluster: ClusterRecord, on: bool) -> None:
    """A Service address that a node has no rule for yet (kube-proxy still syncing) must not leave the
    machine through the host's default route: a table of the cluster's own in the host rejects what comes
    from the cluster's bridge for the Service range (and goes with the cluster)."""
    table = f"ip kinns-{cluster.name}"
    if not on:
        Nft().delete_table(table)
        return
    Nft().replace_table(table, [f"add table {table}",
                                f"add chain {table} forward {{ type filter hook forward priority filter ; }}",
                                f'add rule {table} forward iifname "{cluster.bridge}" ip daddr {SERVICE_CIDR} '
                                'reject comment "Service addresses stay inside the cluster"'])


def _credentials(cluster: ClusterRecord) -> None:
    """The control plane's certificates and manifests, and each kubelet's credentials."""
    cp = cluster.node("controlplane")
    controlplane.prepare(cp, cluster.state_dir, cluster.name, cluster.node_grace)
    for node in cluster.nodes:
        nodeagents.prepare(node, cp.file(controlplane.PKI))


def sync_routes(cluster: ClusterRecord) -> None:
    peers = [n.peer() for n in cluster.nodes]
    for node in cluster.nodes:
        overlay.sync(node.netns, node.peer(), peers, cluster.backend)
        overlay.masquerade(node.netns, CLUSTER_CIDR, f"kinns {cluster.name}: pod traffic leaving the pod network")


def _wait_registered(cluster: ClusterRecord, timeout: float = 30.0) -> None:
    """Until every node's kubelet has registered its Node, as `kubeadm join` returns only then: what a user
    applies next (a CNI DaemonSet) finds all the nodes."""
    async def poll() -> None:
        client = Client.from_kubeconfig(controlplane.kubeconfig_path(cluster.state_dir), "kinns")
        try:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout
            while True:
                nodes = {n["metadata"]["name"] for n in (await client.get("/api/v1/nodes"))["items"]}
                missing = [n.name for n in cluster.nodes if n.name not in nodes]
                if not missing:
                    return
                if loop.time() > deadline:
                    raise ClusterError(f"nodes {', '.join(missing)} did not register in {timeout:.0f}s; see their "
                                       "kubelet logs under /var/log/kinns on each node")
                await asyncio.sleep(0.1)
        finally:
            await client.close()

    asyncio.run(poll())


def stop(cluster: ClusterRecord) -> None:
    """Stop the kubelets and the control plane (their supervisor); the store, the network and the pods stay."""
    supervisor.stop(cluster)


def start(cluster: ClusterRecord) -> None:
    """Start the supervisor of a stopped cluster (it starts the control plane and the kubelets) and wait for
    the API server; a running one is left as it is."""
    supervisor.start(cluster)
    controlplane.wait_ready(cluster.node("controlplane"), lambda: supervisor.running(cluster), timeout=30)


def down(cluster: ClusterRecord) -> None:
    """Remove every netns, link and file of this cluster; nothing else."""
    stop(cluster)
    controlplane.remove_context(cluster.name)
    sandbox.remove_all_pods(cluster)
    cgroup.kill(cluster.name)  # whatever is left, in whatever netns: a crashed kubelet's half-made pods
    for leftover in netns.names(f"{cluster.name}-pod-"):  # a sandbox a kubelet was making when it was stopped
        if re.fullmatch(rf"{re.escape(cluster.name)}-pod-[0-9a-f]{{12}}", leftover):  # not cluster "<name>-pod-x"'s
            netns.remove(leftover)
    for node in cluster.nodes:
        rootfs.destroy(node.root)
        netns.remove(node.netns)
    links.delete([cluster.bridge] + [n.host_link for n in cluster.nodes])
    _contain_services(cluster, False)
    rootfs.release_private(cluster.state_dir)
    shutil.rmtree(cluster.state_dir, ignore_errors=True)


def status(cluster: ClusterRecord) -> dict:
    return {"name": cluster.name, "backend": "none (bare)" if cluster.bare else cluster.backend,
            "underlay": cluster.subnet, "bridge": cluster.bridge,
            "nodes": [{"name": n.name, "ip": n.ip, "podCIDR": n.pod_cidr, "netns": n.netns,
                       "ready": netns.exists(n.netns)} for n in cluster.nodes],
            "components": supervisor.state(cluster), "pods": sandbox.list_pods(cluster)}


class _lock:
    """Serialise cluster creation, so two `kinns up` never pick the same names or subnet."""

    def __enter__(self) -> None:
        self.fd = open(STATE_ROOT / ".lock", "w")
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        self.fd.close()


def _taken() -> list[tuple[ipaddress.IPv4Network, str]]:
    """The networks a new node network must not overlap, each with what it is."""
    taken = [(ipaddress.ip_network(CLUSTER_CIDR), "the pod network"),
             (ipaddress.ip_network(SERVICE_CIDR), "the Service network")]
    for name in ClusterRecord.names():
        try:
            taken.append((ipaddress.ip_network(ClusterRecord.load(name).subnet), f"the node network of cluster {name}"))
        except (ClusterError, KeyError, ValueError):
            continue
    return taken + [(net, f"a network this machine already routes ({how})") for net, how in links.routed()]


def _check_subnet(subnet: str) -> str:
    """A node network given with --subnet: a /24 that overlaps nothing the cluster or the machine uses."""
    try:
        net = ipaddress.ip_network(subnet)
    except ValueError as err:
        raise ClusterError(f"invalid --subnet {subnet!r}: {err}") from None
    if net.version != 4 or net.prefixlen != 24:
        raise ClusterError(f"--subnet {subnet}: the node network must be an IPv4 /24, such as 172.30.9.0/24")
    for other, what in _taken():
        if net.overlaps(other):
            raise ClusterError(f"--subnet {subnet} overlaps {other}, {what}; choose another /24")
    return str(net)


def _free_subnet() -> str:
    taken = [net for net, _ in _taken()]
    for candidate in ipaddress.ip_network(UNDERLAY_POOL).subnets(new_prefix=24):
        if not any(candidate.overlaps(net) for net in taken):
            return str(candidate)
    raise ClusterError(f"no free /24 left in {UNDERLAY_POOL} for another cluster's underlay")
