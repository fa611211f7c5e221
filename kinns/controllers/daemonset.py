"""DaemonSet controller: one pod of the set on every node it fits.

A node fits when the pod's nodeSelector matches and its taints are
tolerated; like the real controller, every daemon pod also tolerates the
node-condition taints (not-ready, unreachable, pressure, unschedulable), so a
DaemonSet that brings a node's network up can run before the node is Ready.
Pods are bound straight to their node. Pods carry `controller-revision-hash`;
a template change replaces them a node at a time (RollingUpdate with
maxUnavailable 1 by default) or waits for their deletion (OnDelete).
"""

from ..apimachinery.conditions import is_true
from ..apimachinery.meta import controlled_by, key
from ..client.client import path
from .base import DAEMONSETS, NODES, PODS, REVISIONS, Controller, own_key
from .revisions import History
from .scheduler import tolerates
from .workloads import controller_keys, live_children, pod_from_template

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


def max_unavailable(ds: dict, desired: int) -> int:
    value = ds.get("spec", {}).get("updateStrategy", {}).get("rollingUpdate", {}).get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        return max(1, desired * int(value[:-1]) // 100)
    return max(1, int(value))


class DaemonSetController(Controller):
    name = "daemonset-controller"

    def setup(self) -> None:
        self.sets = self.watch(DAEMONSETS, own_key)
        self.pods = self.watch(PODS, controller_keys("DaemonSet"))
        self.nodes = self.watch(NODES, lambda _: [key(d) for d in self.sets.values()])
        self.history = History(self.client, self.watch(REVISIONS, controller_keys("DaemonSet")), "DaemonSet")

    async def reconcile(self, key: tuple[str, str]) -> None:
        ds = self.live(self.sets, key)
        if ds is None:
            return
        namespace = key[0]
        template = ds.get("spec", {}).get("template") or {}
        _, revision = await self.history.current(ds)
        wanted = {n["metadata"]["name"] for n in self.nodes.values() if fits(template.get("spec") or {}, n)}
        pods = [p for p in self.pods.in_namespace(namespace) if controlled_by(p, ds)]
        live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
        by_node: dict[str, list[dict]] = {}
        for pod in live:
            by_node.setdefault(pod["spec"].get("nodeName", ""), []).append(pod)
        for node_name, on_node in by_node.items():
            doomed = on_node if node_name not in wanted else sorted(
                on_node, key=lambda p: (not is_true(p, "Ready"), p["metadata"]["creationTimestamp"]))[1:]
            for pod in doomed:
                await self._delete(ds, pod)
        for node_name in sorted(wanted - set(by_node)):
            if not any(p["spec"].get("nodeName") == node_name for p in pods):  # wait for the old one to go
                await self._create(ds, node_name, revision)
        await self._roll(ds, [p for n in wanted for p in by_node.get(n, [])[:1]], revision, len(wanted))
        await self._status(ds, wanted, live_children(self.pods, ds), revision)
        await self.history.prune(ds, {f"{key[1]}-{p['metadata'].get('labels', {}).get(HASH_LABEL)}" for p in live} |
                                 {f"{key[1]}-{revision}"})

    async def _roll(self, ds: dict, current: list[dict], revision: str, desired: int) -> None:
        """Replace out-of-date pods while no more than maxUnavailable daemon pods are down."""
        if ds.get("spec", {}).get("updateStrategy", {}).get("type", "RollingUpdate") != "RollingUpdate":
            return
        old = [p for p in current if p["metadata"].get("labels", {}).get(HASH_LABEL) != revision]
        budget = max_unavailable(ds, desired) - (desired - sum(1 for p in current if is_true(p, "Ready")))
        for pod in old:
            if is_true(pod, "Ready"):  # an unready one is down already and can always go
                if budget <= 0:
                    continue
                budget -= 1
            await self._delete(ds, pod)

    async def _create(self, ds: dict, node_name: str, revision: str) -> None:
        pod = pod_from_template(ds, "DaemonSet", ds["spec"].get("template"), {HASH_LABEL: revision})
        spec = pod["spec"]
        spec["nodeName"] = node_name
        spec["tolerations"] = (spec.get("tolerations") or []) + [
            t for t in DAEMON_TOLERATIONS if t not in (spec.get("tolerations") or [])]
        created = await self.client.create(path("v1", "pods", ds["metadata"]["namespace"]), pod)
        self.events.record(ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")

    async def _delete(self, ds: dict, pod: dict) -> None:
        if await self.client.delete(path("v1", "pods", pod["metadata"]["namespace"], pod["metadata"]["name"])):
            self.events.record(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")

    async def _status(self, ds: dict, wanted: set[str], live: list[dict], revision: str) -> None:
        scheduled = {p["spec"].get("nodeName") for p in live}
        ready = [p for p in live if is_true(p, "Ready") and p["spec"].get("nodeName") in wanted]
        updated = [p for p in live if p["metadata"].get("labels", {}).get(HASH_LABEL) == revision
                   and p["spec"].get("nodeName") in wanted]
        status = {"desiredNumberScheduled": len(wanted), "currentNumberScheduled": len(scheduled & wanted),
                  "numberMisscheduled": len(scheduled - wanted), "numberReady": len(ready),
                  "numberAvailable": len(ready), "updatedNumberScheduled": len(updated),
                  "observedGeneration": ds["metadata"].get("generation", 1),
                  "numberUnavailable": len(wanted) - len(ready) if len(ready) < len(wanted) else None}
        if {k: (ds.get("status") or {}).get(k) for k in status} != status:
            meta = ds["metadata"]
            await self.client.patch(path("apps/v1", "daemonsets", meta["namespace"], meta["name"], "status"),
                                    {"status": status})
