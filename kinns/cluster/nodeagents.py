"""The per-node agents `kinns up` starts: one kubelet per node, inside the node's netns.

Each gets a client certificate (CN=system:node:<name>, O=system:nodes) in the
node's /var/lib/kubelet/pki and the cluster CA in /etc/kubernetes/pki/ca.crt;
its log is the node's /var/log/kinns/kubelet.log; its pid is recorded so
`kinns stop`/`down` end exactly that process.
"""

import shutil
import subprocess
import sys
from pathlib import Path

from ..apiserver.certs import client_certificate, serving_certificate
from ..kernel import netns, process
from ..kernel.node import Node

LOG = "/var/log/kinns/kubelet.log"


def start(node: Node, cluster: str, state_dir: Path, pki: Path) -> int:
    client_certificate(pki, node.file("/var/lib/kubelet/pki/kubelet-client"), f"system:node:{node.name}",
                       "system:nodes")
    serving_certificate(pki, node.file("/var/lib/kubelet/pki/kubelet"), node.name, [node.ip, node.name])
    ca = node.file("/etc/kubernetes/pki/ca.crt")
    ca.parent.mkdir(parents=True, exist_ok=True)
    if ca.resolve() != (pki / "ca.crt").resolve():
        shutil.copyfile(pki / "ca.crt", ca)
    log = node.file(LOG)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(["nsenter", f"--net={netns.path(node.netns)}", "--", sys.executable, "-m",
                                 "kinns.node.kubelet", "--cluster", cluster, "--node", node.name],
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    (state_dir / f"kubelet-{node.name}.pid").write_text(str(proc.pid))
    return proc.pid


def stop(node: Node, state_dir: Path) -> None:
    try:
        pid = int((state_dir / f"kubelet-{node.name}.pid").read_text())
    except (FileNotFoundError, ValueError):
        return
    process.terminate_groups([pid], grace=3.0)


def running(node: Node, state_dir: Path) -> bool:
    try:
        return process.alive(int((state_dir / f"kubelet-{node.name}.pid").read_text()))
    except (FileNotFoundError, ValueError):
        return False
