"""The on-disk record of a cluster: its name, backend, node network and nodes, in /run/kinns/<name>/cluster.json.

Every component finds its cluster through this record (the kubelet its
node, `kinns ssh` the node to enter), so it lives below all of them; the
lifecycle (kinns.cluster) writes it when it makes a cluster and removes it
with the cluster.
"""

import hashlib
import ipaddress
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .node import Node

STATE_ROOT = Path("/run/kinns")


class ClusterError(Exception):
    """A user-facing failure: the message says what to do."""


def short_name(name: str) -> str:
    """At most 10 characters, so `<short>-br` and `<short>-<i>` fit in IFNAMSIZ."""
    return name if len(name) <= 10 else name[:4] + hashlib.sha1(name.encode()).hexdigest()[:6]


def state_dir_of(name: str) -> Path:
    return STATE_ROOT / name


def kubeconfig_path(state_dir: Path) -> Path:
    """The cluster's admin kubeconfig (what `kinns kubeconfig` prints; `kinns trace` reads the API with it)."""
    return state_dir / "kubeconfig"


@dataclass
class ClusterRecord:
    name: str
    backend: str
    subnet: str        # the node network (underlay)
    nodes: list[Node]
    node_grace: float = 40.0  # seconds a node may post no status before it is Unknown
    bare: bool = False  # made as kubeadm leaves a cluster: no CNI, no Ingress or Gateway controller

    @property
    def state_dir(self) -> Path:
        return state_dir_of(self.name)

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

    @classmethod
    def names(cls) -> list[str]:
        """The clusters that have a record on this machine."""
        if not STATE_ROOT.is_dir():
            return []
        return sorted(p.name for p in STATE_ROOT.iterdir() if (p / "cluster.json").exists())

    @classmethod
    def exists(cls, name: str) -> bool:
        return (state_dir_of(name) / "cluster.json").exists()

    @classmethod
    def load(cls, name: str) -> "ClusterRecord":
        path = state_dir_of(name) / "cluster.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ClusterError(f"no cluster named {name!r}; running: {', '.join(cls.names()) or 'none'}") from None
        state = str(state_dir_of(name))
        return cls(data["name"], data["backend"], data["subnet"],
                   [Node.from_dict(name, state, n) for n in data["nodes"]], data.get("nodeGrace", 40.0),
                   data.get("bare", False))

    def save(self) -> None:
        data = {"name": self.name, "backend": self.backend, "subnet": self.subnet, "bridge": self.bridge,
                "nodeGrace": self.node_grace, "bare": self.bare, "nodes": [n.to_dict() for n in self.nodes]}
        tmp = self.state_dir / ".cluster.json.tmp"
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        tmp.replace(self.state_dir / "cluster.json")


def this_node() -> Node | None:
    """The node whose network namespace the calling process is in (a CNI plugin run by a kubelet), if any."""
    try:
        mine = os.stat("/proc/self/ns/net").st_ino
    except OSError:
        return None
    for name in ClusterRecord.names():
        try:
            cluster = ClusterRecord.load(name)
        except (ClusterError, KeyError, ValueError):
            continue
        for node in cluster.nodes:
            try:
                if os.stat(node.netns_path).st_ino == mine:
                    return node
            except OSError:
                continue
    return None

