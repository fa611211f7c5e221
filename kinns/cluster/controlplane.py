"""The control plane of a cluster: the control-plane process on the `controlplane` node (run by the supervisor).

As on a kubeadm node, its certificates live in /etc/kubernetes/pki and its
data in /var/lib/kinns (the node's own files); its log goes to
/var/log/kinns/kube-apiserver.log. `kinns up` writes the admin kubeconfig to
the cluster's state directory and merges a context `kinns-<name>` into
~/.kube/config, as kind does; `kinns down` takes it out again.
"""

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from string import Template

import yaml

from ..apiserver.certs import create_pki, dump_kubeconfig, kubeconfig
from ..kernel.files import write_private
from ..kernel.node import Node
from ..kernel.record import kubeconfig_path, state_dir_of

PORT = 6443
PKI = "/etc/kubernetes/pki"
DATA = "/var/lib/kinns"
LOG = "/var/log/kinns/kube-apiserver.log"
MANIFESTS = "/etc/kubernetes/manifests"


def context_name(cluster: str) -> str:
    return f"kinns-{cluster}"


def write_manifests(node: Node, node_grace: float) -> None:
    """The static-pod manifests of a kubeadm control plane, with kinns's real settings, one file per component
    in the node's /etc/kubernetes/manifests (the kubelet there shows them as mirror pods)."""
    text = Template((Path(__file__).with_name("manifests") / "control-plane.yaml").read_text())
    target = node.file(MANIFESTS)
    target.mkdir(parents=True, exist_ok=True)
    for doc in text.substitute(ADDRESS=node.ip, NODE_GRACE=f"{node_grace:g}").split("\n---\n"):
        name = yaml.safe_load(doc)["metadata"]["name"]
        (target / f"{name}.yaml").write_text(doc.strip() + "\n")


def prepare(node: Node, state_dir: Path, cluster: str, node_grace: float) -> None:
    """The control plane's files before it first starts: its manifests, its certificates (the CA and the
    service-account key made once, kept across restarts) and the admin kubeconfig."""
    write_manifests(node, node_grace)
    pki = node.file(PKI)
    create_pki(pki, [node.ip, "127.0.0.1", "localhost", "kubernetes", "kubernetes.default",
                     "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1", "controlplane"])
    write_private(kubeconfig_path(state_dir), dump_kubeconfig(kubeconfig(pki, f"https://{node.ip}:{PORT}",
                                                                         context_name(cluster))))


def spawn(node: Node, node_grace: float, bare: bool) -> subprocess.Popen:
    """Start the control-plane process on the node (what the supervisor runs and restarts); a bare cluster's
    installs only kubeadm's add-ons."""
    log = node.file(LOG)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        return node.popen([sys.executable, "-m", "kinns.controlplane", "--data", DATA, "--pki", PKI,
                           "--volumes", str(state_dir_of(node.cluster) / "volumes"),
                           "--address", f"{node.ip}:{PORT}", f"--node-monitor-grace-period={node_grace:g}",
                           *(["--bare"] if bare else [])],
                          stdout=out, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, start_new_session=True)


def wait_ready(node: Node, alive: Callable[[], bool], timeout: float = 15.0) -> None:
    """Until the API server answers /readyz; RuntimeError when `alive()` says its process is gone or it takes
    longer than `timeout` seconds."""
    ctx = ssl.create_default_context(cafile=str(node.file(PKI) / "ca.crt"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the API server is not running; see {LOG} on the node")
        try:
            with socket.create_connection((node.ip, PORT), timeout=0.5) as raw, \
                    ctx.wrap_socket(raw, server_hostname=node.ip) as tls:
                tls.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if tls.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the API server did not become ready in {timeout:.0f}s; see {LOG} on the node")


def user_kubeconfig() -> Path:
    return Path(os.environ.get("KINNS_USER_KUBECONFIG", Path.home() / ".kube" / "config"))


def merge_context(state_dir: Path, cluster: str) -> None:
    """Put the cluster's cluster/user/context into the user's kubeconfig and make it current."""
    ours = yaml.safe_load(kubeconfig_path(state_dir).read_text())
    path = user_kubeconfig()
    config = yaml.safe_load(path.read_text()) if path.exists() else None
    config = config or {"apiVersion": "v1", "kind": "Config", "preferences": {}}
    name = context_name(cluster)
    for section in ("clusters", "users", "contexts"):
        config[section] = [e for e in config.get(section) or [] if e.get("name") != name] + ours[section]
    config["current-context"] = name
    write_private(path, yaml.safe_dump(config, sort_keys=False))


def remove_context(cluster: str) -> None:
    path = user_kubeconfig()
    if not path.exists():
        return
    config = yaml.safe_load(path.read_text()) or {}
    name = context_name(cluster)
    for section in ("clusters", "users", "contexts"):
        config[section] = [e for e in config.get(section) or [] if e.get("name") != name]
    if config.get("current-context") == name:
        config["current-context"] = ""
    write_private(path, yaml.safe_dump(config, sort_keys=False))
