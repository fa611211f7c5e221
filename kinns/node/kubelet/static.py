"""Static pods: the manifests in the node's /etc/kubernetes/manifests, shown in the API as mirror pods.

On a kubeadm control-plane node the kubelet runs kube-apiserver and friends
from those files and posts a read-only "mirror" of each to the API, named
`<name>-<node>`. kinns starts the control plane itself, so here the kubelet
only mirrors: it posts each manifest's pod (annotated
kubernetes.io/config.mirror, owned by the Node), marks it Running once the
component answers, and serves the component's log for `kubectl logs`.
"""

import hashlib
import json
import time
from pathlib import Path

import yaml

from . import crilog

MANIFESTS = "/etc/kubernetes/manifests"
MIRROR = "kubernetes.io/config.mirror"
# where each mirrored component logs, and which logger names in it are its own
LOGS = {"kube-apiserver": ("/var/log/kinns/kube-apiserver.log", None),
        "kube-controller-manager": ("/var/log/kinns/kube-apiserver.log", "kinns.controllers."),
        "kube-scheduler": ("/var/log/kinns/kube-apiserver.log", "kinns.controllers.default-scheduler")}


def manifests(node) -> list[dict]:
    directory = node.file(MANIFESTS)
    out = []
    for path in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        try:
            doc = yaml.safe_load(path.read_text())
        except yaml.YAMLError:
            continue
        if isinstance(doc, dict) and doc.get("kind") == "Pod":
            out.append(doc)
    return out


def mirror(manifest: dict, node_name: str, node_uid: str) -> dict:
    """The mirror pod the API gets for a static pod manifest."""
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:32]
    meta = manifest["metadata"]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"{meta['name']}-{node_name}", "namespace": meta.get("namespace", "default"),
                         "labels": meta.get("labels") or {},
                         "annotations": {**(meta.get("annotations") or {}), MIRROR: digest,
                                         "kubernetes.io/config.hash": digest,
                                         "kubernetes.io/config.source": "file"},
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": node_name,
                                              "uid": node_uid, "controller": True}]},
            "spec": {**manifest["spec"], "nodeName": node_name, "automountServiceAccountToken": False}}


def running_status(pod: dict, node_ip: str, started: str) -> dict:
    conditions = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": started}
                  for t in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    return {"phase": "Running", "conditions": conditions, "hostIP": node_ip, "hostIPs": [{"ip": node_ip}],
            "podIP": node_ip, "podIPs": [{"ip": node_ip}], "startTime": started, "qosClass": "Burstable",
            "containerStatuses": [{"name": c["name"], "image": c.get("image", ""), "imageID": "", "ready": True,
                                   "started": True, "restartCount": 0,
                                   "containerID": f"kinns://{pod['metadata']['name']}-{c['name']}",
                                   "state": {"running": {"startedAt": started}}}
                                  for c in pod["spec"].get("containers") or []]}


def log_entries(node, pod_name: str) -> list[crilog.Entry] | None:
    """The log of the component a mirror pod stands for (None if `pod_name` is not one on this node), as
    entries timed by each line's own asctime (the machine's local time; a traceback's lines take the time of
    the line they follow)."""
    for manifest in manifests(node):
        name = manifest["metadata"]["name"]
        if pod_name == f"{name}-{node.name}" and name in LOGS:
            path, logger = LOGS[name]
            try:
                data = Path(node.file(path)).read_bytes()
            except OSError:
                return []
            out, stamp = [], 0
            for line in data.splitlines(keepends=True):
                if logger is not None and f" {logger}".encode() not in line:
                    continue
                try:
                    local = time.strptime(line[:19].decode(), "%Y-%m-%d %H:%M:%S")
                    stamp = int(time.mktime(local)) * 1_000_000_000 + int(line[20:23]) * 1_000_000
                except ValueError:
                    pass
                out.append(crilog.Entry(stamp, "stderr", False, line if line.endswith(b"\n") else line + b"\n"))
            return out
    return None
