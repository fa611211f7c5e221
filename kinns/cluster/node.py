"""One cluster node: a network namespace, its own files, its address and pod subnet."""

import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from ..kernel import netns, rootfs
from ..node.overlay import Peer


@dataclass
class Node:
    cluster: str
    name: str
    index: int
    ip: str          # the node's address on the underlay (its eth0, "INTERNAL-IP")
    pod_cidr: str    # the node's share of the cluster CIDR
    vtep_mac: str    # the MAC of its VXLAN device, fixed so peers can be told it up front
    host_link: str   # the host end of its eth0 veth
    state_dir: str

    @property
    def netns(self) -> str:
        return f"{self.cluster}-{self.name}"

    @property
    def root(self) -> Path:
        return Path(self.state_dir) / "nodes" / self.name

    def peer(self) -> Peer:
        return Peer(self.name, self.ip, self.pod_cidr, self.vtep_mac)

    def file(self, path: str) -> Path:
        """The host path of a file the node sees at `path` (e.g. /etc/cni/net.d/x)."""
        return rootfs.host_path(self.root, path)

    def enter(self) -> None:
        """Turn the calling single-threaded process into one of this node's (see rootfs.enter)."""
        rootfs.enter(netns.path(self.netns), self.root)

    def popen(self, argv: list[str], **kwargs) -> subprocess.Popen:
        """Start a program on the node: its netns, its files, its hostname."""
        return subprocess.Popen(rootfs.nsenter(netns.path(self.netns), self.root) + argv, **kwargs)

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(rootfs.nsenter(netns.path(self.netns), self.root) + argv, **kwargs)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("cluster", "state_dir")}

    @classmethod
    def from_dict(cls, cluster: str, state_dir: str, data: dict) -> "Node":
        return cls(cluster=cluster, state_dir=state_dir, **data)


def node_names(count: int) -> list[str]:
    """controlplane, node01, node02, ... as in the usual course labs."""
    return ["controlplane"] + [f"node{i:02d}" for i in range(1, count)]


def create_rootfs(node: Node) -> None:
    """The node's own files and its mount and UTS namespaces (see kinns.kernel.rootfs)."""
    rootfs.create(netns.path(node.netns), node.root, node.name)
    for path in ("/etc/cni/net.d", "/opt/cni/bin", "/var/lib/cni", "/var/log"):
        node.file(path).mkdir(parents=True, exist_ok=True)
    node.file("/etc/hostname").write_text(node.name + "\n")
