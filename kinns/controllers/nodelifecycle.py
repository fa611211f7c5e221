"""The node lifecycle controller: a node whose kubelet stops posting status is Unknown, tainted, and its pods
are evicted once their tolerations run out, as kube-controller-manager's does.

Every node is looked at a few times per grace period (--node-monitor-grace-
period, 40 s by default). When its Ready condition's last heartbeat is older
than that, its conditions become Unknown ("Kubelet stopped posting node
status.") and its pods are marked not Ready, so the endpoints controller takes
them out of their Services. A node's Ready condition decides its taints: not-
ready (False) or unreachable (Unknown), each NoSchedule and NoExecute. A pod
that does not tolerate a NoExecute taint is deleted at once; one that
tolerates it for tolerationSeconds (the default 300 s every pod gets) is
deleted when that time has passed since the taint was added.
"""

import datetime

from ..apimachinery.conditions import condition
from ..apimachinery.meta import now, parse_time
from ..client.client import path
from .base import NODES, PODS, Controller, own_key
from .scheduler import tolerates

NOT_READY, UNREACHABLE = "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"
CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")


def ready_state(node: dict) -> str:
    return next((c.get("status", "Unknown") for c in (node.get("status") or {}).get("conditions") or []
                 if c.get("type") == "Ready"), "Unknown")


def wanted_taints(node: dict, stamp: str) -> list[dict]:
    """The node's taints with the condition taints its Ready state calls for (their timeAdded kept)."""
    state = ready_state(node)
    key = {"False": NOT_READY, "Unknown": UNREACHABLE}.get(state)
    current = node.get("spec", {}).get("taints") or []
    others = [t for t in current if t.get("key") not in (NOT_READY, UNREACHABLE) or t.get("key") == key]
    for effect in ("NoSchedule", "NoExecute") if key else ():
        if not any(t.get("key") == key and t.get("effect") == effect for t in others):
            others.append({"key": key, "effect": effect, **({"timeAdded": stamp} if effect == "NoExecute" else {})})
    return others


def eviction_time(pod: dict, taint: dict) -> datetime.datetime | None:
    """When a pod is evicted for a NoExecute taint: at once (no toleration), after tolerationSeconds, or
    never (None: tolerated for good)."""
    matching = [t for t in pod.get("spec", {}).get("tolerations") or [] if tolerates([t], taint)]
    added = parse_time(taint.get("timeAdded")) or datetime.datetime.now(datetime.timezone.utc)
    if not matching:
        return added
    seconds = [t["tolerationSeconds"] for t in matching if t.get("tolerationSeconds") is not None]
    if len(seconds) < len(matching):
        return None  # one tolerates it forever
    return added + datetime.timedelta(seconds=max(0, min(seconds)))


class NodeLifecycleController(Controller):
    name = "node-lifecycle-controller"

    def setup(self, grace: float = 40.0) -> None:
        self.grace = grace
        self.resync = max(grace / 8, 0.5)  # nothing happens when a kubelet stops: look again and again
        self.nodes = self.watch(NODES, own_key)
        self.pods = self.watch(PODS, lambda p: [("", p["spec"]["nodeName"])] if p.get("spec", {}).get("nodeName")
                               else [])

    async def reconcile(self, key: tuple[str, str]) -> None:
        node = self.nodes.get(None, key[1])
        if node is None:
            return
        heartbeat = next((parse_time(c.get("lastHeartbeatTime")) for c in (node.get("status") or {}).get("conditions")
                          or [] if c.get("type") == "Ready"), None)
        current = datetime.datetime.now(datetime.timezone.utc)
        if heartbeat and (current - heartbeat).total_seconds() > self.grace and ready_state(node) != "Unknown":
            node = await self._unknown(node)
        taints = wanted_taints(node, now())
        if taints != (node.get("spec", {}).get("taints") or []):
            node = await self.client.patch(path("v1", "nodes", name=key[1]), {"spec": {"taints": taints}})
        if ready_state(node) == "Unknown":
            await self._pods_not_ready(key[1])
        await self._evict(node)

    async def _unknown(self, node: dict) -> dict:
        previous = node["status"]["conditions"]
        stamp = now()
        conditions = [{**condition(c["type"], "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.",
                                   previous, when=stamp), "lastHeartbeatTime": c.get("lastHeartbeatTime")}
                      if c.get("type") in CONDITIONS else c for c in previous]
        self.events.record(node, "Normal", "NodeNotReady", f"Node {node['metadata']['name']} status is now: "
                           "NodeNotReady")
        self.log.info("node %s: no status for over %gs; its conditions are Unknown", node["metadata"]["name"],
                      self.grace)
        return await self.client.patch(path("v1", "nodes", name=node["metadata"]["name"], sub="status"),
                                       {"status": {"conditions": conditions}})

    async def _pods_not_ready(self, node_name: str) -> None:
        for pod in self.pods.values():
            if pod.get("spec", {}).get("nodeName") != node_name or pod["metadata"].get("deletionTimestamp"):
                continue
            old = pod.get("status", {}).get("conditions") or []
            if any(c.get("type") == "Ready" and c.get("status") == "False" for c in old):
                continue
            conditions = [condition("Ready", False, "NodeNotReady", "", old, lastProbeTime=None)
                          if c.get("type") == "Ready" else c for c in old]
            meta = pod["metadata"]
            await self.client.patch(path("v1", "pods", meta["namespace"], meta["name"], "status"),
                                    {"status": {"conditions": conditions}})

    async def _evict(self, node: dict) -> None:
        name = node["metadata"]["name"]
        taints = [t for t in node.get("spec", {}).get("taints") or [] if t.get("effect") == "NoExecute"]
        if not taints:
            return
        current = datetime.datetime.now(datetime.timezone.utc)
        for pod in self.pods.values():
            if pod.get("spec", {}).get("nodeName") != name or pod["metadata"].get("deletionTimestamp"):
                continue
            times = [t for t in (eviction_time(pod, taint) for taint in taints) if t is not None]
            if not times:
                continue
            due = min(times)
            if due <= current:
                meta = pod["metadata"]
                await self.client.delete(path("v1", "pods", meta["namespace"], meta["name"]))
                self.events.record(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod "
                                   f"{meta['namespace']}/{meta['name']}")
            else:
                self.enqueue(("", name), (due - current).total_seconds() + 0.1)
