"""A cluster node as the code on it sees it: a network namespace, its own files, its address and pod subnet.

This is the handle every component below the lifecycle uses (the kubelet,
the CNI runtime, the overlay): it says where the node's netns and files are
and runs programs inside the node. Making and removing nodes is the
lifecycle's job (kinns.cluster), not this module's.
"""

import os
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

from . import netns, rootfs


@dataclass(frozen=True)
class Peer:
    """What a node needs to know of another node to reach its pods."""

    name: str
    ip: str
    pod_cidr: str
    vtep_mac: str


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
    def netns_path(self) -> str:
        return netns.path(self.netns)

    @property
    def root(self) -> Path:
        return Path(self.state_dir) / "nodes" / self.name

    def peer(self) -> Peer:
        return Peer(self.name, self.ip, self.pod_cidr, self.vtep_mac)

    def file(self, path: str) -> Path:
        """The host path of a file the node sees at `path` (e.g. /etc/cni/net.d/x)."""
        return rootfs.host_path(self.root, path)

    def host_path(self, path: str) -> Path:
        """Where the node's `path` is on the machine, as its pods' hostPath volumes and its programs see it: its
        own trees (/etc, /opt, /var/lib, /var/log), the machine's other existing paths, and anything else (such
        as /run/flannel) kept with the node, so that nothing a node makes lands in the machine's tree."""
        if any(path == t or path.startswith(t + "/") for t in rootfs.OVERLAID):
            return self.file(path)
        if os.path.lexists(path):
            return Path(path)
        return self.root / "hostpath" / path.lstrip("/")

    def enter(self) -> None:
        """Turn the calling single-threaded process into one of this node's (see rootfs.enter)."""
        rootfs.enter(self.netns_path, self.root)

    def popen(self, argv: list[str], **kwargs) -> subprocess.Popen:
        """Start a program on the node: its netns, its files, its hostname."""
        return subprocess.Popen(rootfs.nsenter(self.netns_path, self.root) + argv, **kwargs)

    def run(self, argv: list[str], **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(rootfs.nsenter(self.netns_path, self.root) + argv, **kwargs)

    def to_dict(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k not in ("cluster", "state_dir")}

    @classmethod
    def from_dict(cls, cluster: str, state_dir: str, data: dict) -> "Node":
        return cls(cluster=cluster, state_dir=state_dir, **data)
