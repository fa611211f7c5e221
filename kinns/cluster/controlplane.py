"""The control plane of a cluster: the API server process on the `controlplane` node.

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
from pathlib import Path
from string import Template

import yaml

from ..apiserver.certs import create_pki, dump_kubeconfig, kubeconfig
from ..kernel import process
from ..kernel.node import Node

PORT = 6443
PKI = "/etc/kubernetes/pki"
DATA = "/var/lib/kinns"
LOG = "/var/log/kinns/kube-apiserver.log"
MANIFESTS = "/etc/kubernetes/manifests"


def context_name(cluster: str) -> str:
    return f"kinns-{cluster}"


def kubeconfig_path(state_dir: Path) -> Path:
    return state_dir / "kubeconfig"


def write_manifests(node: Node) -> None:
    """The static-pod manifests of a kubeadm control plane, with kinns's real settings, one file per component
    in the node's /etc/kubernetes/manifests (the kubelet there shows them as mirror pods)."""
    text = Template((Path(__file__).with_name("manifests") / "control-plane.yaml").read_text())
    target = node.file(MANIFESTS)
    target.mkdir(parents=True, exist_ok=True)
    for doc in text.substitute(ADDRESS=node.ip).split("\n---\n"):
        name = yaml.safe_load(doc)["metadata"]["name"]
        (target / f"{name}.yaml").write_text(doc.strip() + "\n")


def start(node: Node, state_dir: Path, cluster: str) -> int:
    """Start the API server on the node (certificates made once); wait until it serves. Returns its pid."""
    write_manifests(node)
    pki = node.file(PKI)
    create_pki(pki, [node.ip, "127.0.0.1", "localhost", "kubernetes", "kubernetes.default",
                     "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1", "controlplane"])
    log = node.file(LOG)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = node.popen([sys.executable, "-m", "kinns.controlplane", "--data", DATA, "--pki", PKI,
                           "--address", f"{node.ip}:{PORT}"], stdout=out, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL, start_new_session=True)
    (state_dir / "apiserver.pid").write_text(str(proc.pid))
    config = kubeconfig(pki, f"https://{node.ip}:{PORT}", context_name(cluster))
    kubeconfig_path(state_dir).write_text(dump_kubeconfig(config))
    _wait_ready(node.ip, pki, proc)
    return proc.pid


def _wait_ready(ip: str, pki: Path, proc: subprocess.Popen, timeout: float = 15.0) -> None:
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the API server exited with status {proc.returncode}; see {LOG} on the node")
        try:
            with socket.create_connection((ip, PORT), timeout=0.5) as raw, \
                    ctx.wrap_socket(raw, server_hostname=ip) as tls:
                tls.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if tls.recv(64).startswith(b"HTTP/1.1 200"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the API server did not become ready in {timeout:.0f}s")


def running(state_dir: Path) -> bool:
    try:
        return process.alive(int((state_dir / "apiserver.pid").read_text()))
    except (FileNotFoundError, ValueError):
        return False


def stop(state_dir: Path) -> None:
    """End the API server process this cluster started (by its recorded pid)."""
    try:
        pid = int((state_dir / "apiserver.pid").read_text())
    except (FileNotFoundError, ValueError):
        return
    process.terminate_groups([pid], grace=5.0)


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
    _write_private(path, yaml.safe_dump(config, sort_keys=False))


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
    _write_private(path, yaml.safe_dump(config, sort_keys=False))


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.kinns.tmp")
    tmp.write_text(text)
    tmp.chmod(0o600)
    tmp.replace(path)
