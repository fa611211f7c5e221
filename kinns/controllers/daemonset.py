"""DaemonSet controller: one pod of the set on every node it fits.

A node fits when the pod's nodeSelector matches and its taints are
tolerated; like the real controller, every daemon pod also tolerates the
node-condition taints (not-ready, unreachable, pressure, unschedulable), so a
DaemonSet that brings a node's network up can run before the node is Ready.
Pods are bound straight to their node. Pods carry `controller-revision-hash`;
a template change replaces them a node at a time (RollingUpdate with
maxUnavailable 1 by default) or waits for their deletion (OnDelete).
"""

import copy

from ..apiserver.errors import APIError
from . import events
from .base import Controller
from .scheduler import tolerates
from .workloads import controlled_by, controller_key, owner_ref, pod_ready, template_hash

HASH_LABEL = "controller-revision-hash"
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def fits(template_spec: dict, node: dict) -> bool:
    """Would a daemon pod of this template run on `node`?"""
    labels = node.get("metadata", {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in (template_spec.get("nodeSelector") or {}).items()):
        return False
    tolerations = (template_spec.get("tolerations") or []) + DAEMON_TOLERATIONS
    return all(tolerates(tolerations, t) for t in node.get("spec", {}).get("taints") or []
               if t.get("effect") in ("NoSchedule", "NoExecute"))


def _max_unavailable(ds: dict, desired: int) -> int:
    value = ds.get("spec", {}).get("updateStrategy", {}).get("rollingUpdate", {}).get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        return max(1, desired * int(value[:-1]) // 100)
    return max(1, int(value))


class DaemonSetController(Controller):
    name = "daemonset-controller"
    watches = (("apps", "v1", "daemonsets"), ("", "v1", "pods"), ("", "v1", "nodes"))

    def keys_for(self, r, obj):
        if r.plural == "pods":
            return controller_key(obj, "DaemonSet")
        if r.plural == "nodes":
            sets = self.objects.store.list(self.resource("apps", "v1", "daemonsets").key(None))[0]
            return [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in sets]
        return super().keys_for(r, obj)

    async def sync(self, key) -> None:
        namespace, name = key
        ds_r, pods_r = self.resource("apps", "v1", "daemonsets"), self.resource("", "v1", "pods")
        ds = self.objects.store.get(ds_r.key(namespace, name))
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        template = ds.get("spec", {}).get("template") or {}
        revision = template_hash(template)
        nodes = {n["metadata"]["name"]: n
                 for n in self.objects.store.list(self.resource("", "v1", "nodes").key(None))[0]}
        wanted = {n for n, node in nodes.items() if fits(template.get("spec") or {}, node)}
        pods = [p for p in self.objects.store.list(pods_r.key(namespace))[0] if controlled_by(p, ds)]
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        by_node: dict[str, list[dict]] = {}
        for pod in live:
            by_node.setdefault(pod["spec"].get("nodeName", ""), []).append(pod)
        for node_name, on_node in by_node.items():
            doomed = on_node if node_name not in wanted else sorted(
                on_node, key=lambda p: (not pod_ready(p), p["metadata"]["creationTimestamp"]))[1:]
            for pod in doomed:
                self._delete(pods_r, ds, pod)
        for node_name in sorted(wanted - set(by_node)):
            if not any(p["spec"].get("nodeName") == node_name for p in pods):  # wait for the old one to go
                self._create(pods_r, ds, node_name, revision)
        self._roll(pods_r, ds, [p for n in wanted for p in by_node.get(n, [])[:1]], revision, len(wanted))
        self._status(ds_r, ds, wanted, live, revision)

    def _roll(self, pods_r, ds: dict, current: list[dict], revision: str, desired: int) -> None:
        """Replace out-of-date pods while no more than maxUnavailable daemon pods are down."""
        if ds.get("spec", {}).get("updateStrategy", {}).get("type", "RollingUpdate") != "RollingUpdate":
            return
        old = [p for p in current if p["metadata"].get("labels", {}).get(HASH_LABEL) != revision]
        budget = _max_unavailable(ds, desired) - (desired - sum(1 for p in current if pod_ready(p)))
        for pod in old:
            if pod_ready(pod):  # an unready one is down already and can always go
                if budget <= 0:
                    continue
                budget -= 1
            self._delete(pods_r, ds, pod)

    def _create(self, pods_r, ds: dict, node_name: str, revision: str) -> None:
        template = copy.deepcopy(ds.get("spec", {}).get("template") or {})
        meta = template.get("metadata") or {}
        spec = template.get("spec") or {}
        spec["nodeName"] = node_name
        spec["tolerations"] = (spec.get("tolerations") or []) + [
            t for t in DAEMON_TOLERATIONS if t not in (spec.get("tolerations") or [])]
        pod = {"metadata": {"generateName": ds["metadata"]["name"] + "-", "namespace": ds["metadata"]["namespace"],
                            "labels": {**(meta.get("labels") or {}), HASH_LABEL: revision},
                            "annotations": meta.get("annotations") or {},
                            "ownerReferences": [owner_ref(ds, "DaemonSet", "apps/v1")]},
               "spec": spec}
        created = self.objects.create(pods_r, ds["metadata"]["namespace"], pod, self.opts())
        events.record(self.objects, ds, "DaemonSet", "Normal", "SuccessfulCreate",
                      f"Created pod: {created['metadata']['name']}", self.name)

    def _delete(self, pods_r, ds: dict, pod: dict) -> None:
        try:
            self.objects.delete(pods_r, pod["metadata"]["namespace"], pod["metadata"]["name"])
        except APIError as err:
            if err.code != 404:
                raise
            return
        events.record(self.objects, ds, "DaemonSet", "Normal", "SuccessfulDelete",
                      f"Deleted pod: {pod['metadata']['name']}", self.name)

    def _status(self, ds_r, ds: dict, wanted: set[str], live: list[dict], revision: str) -> None:
        scheduled = {p["spec"].get("nodeName") for p in live}
        ready = [p for p in live if pod_ready(p) and p["spec"].get("nodeName") in wanted]
        updated = [p for p in live if p["metadata"].get("labels", {}).get(HASH_LABEL) == revision
                   and p["spec"].get("nodeName") in wanted]
        status = {"desiredNumberScheduled": len(wanted), "currentNumberScheduled": len(scheduled & wanted),
                  "numberMisscheduled": len(scheduled - wanted), "numberReady": len(ready),
                  "numberAvailable": len(ready), "updatedNumberScheduled": len(updated),
                  "observedGeneration": ds["metadata"].get("generation", 1)}
        if len(ready) < len(wanted):
            status["numberUnavailable"] = len(wanted) - len(ready)
        if ds.get("status") != status:
            meta = ds["metadata"]
            self.objects.update(ds_r, meta["namespace"], meta["name"], {**ds, "status": status}, "status",
                                self.opts())
