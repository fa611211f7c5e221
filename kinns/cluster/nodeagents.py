"""The per-node agents: one kubelet per node, inside the node's netns (run by the supervisor).

Each gets a client certificate (CN=system:node:<name>, O=system:nodes) in the
node's /var/lib/kubelet/pki and the cluster CA in /etc/kubernetes/pki/ca.crt;
its log is the node's /var/log/kinns/kubelet.log.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from ..apiserver.certs import client_certificate, serving_certificate
from ..kernel.node import Node

LOG = "/var/log/kinns/kubelet.log"


def prepare(node: Node, pki: Path) -> None:
    """The kubelet's credentials and the cluster CA, on the node."""
    client_certificate(pki, node.file("/var/lib/kubelet/pki/kubelet-client"), f"system:node:{node.name}",
                       "system:nodes")
    serving_certificate(pki, node.file("/var/lib/kubelet/pki/kubelet"), node.name, [node.ip, node.name])
    ca = node.file("/etc/kubernetes/pki/ca.crt")
    ca.parent.mkdir(parents=True, exist_ok=True)
    if ca.resolve() != (pki / "ca.crt").resolve():
        shutil.copyfile(pki / "ca.crt", ca)


def spawn(node: Node, cluster: str) -> subprocess.Popen:
    """Start the node's kubelet (what the supervisor runs and restarts)."""
    log = node.file(LOG)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return subprocess.Popen(["nsenter", f"--net={node.netns_path}", "--", sys.executable, "-m",
                                 "kinns.node.kubelet", "--cluster", cluster, "--node", node.name],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
