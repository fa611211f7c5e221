"""kube-scheduler: put each unscheduled pod on a node and bind it.

Filters: the node is Ready and schedulable, every NoSchedule/NoExecute taint is
tolerated, nodeSelector matches, spec.nodeName (if set) wins. Score: the node
with the fewest pods of the same controller, then the fewest pods, so replicas spread. A pod that fits nowhere gets
PodScheduled=False with the scheduler's usual "0/N nodes are available" message.
"""

from ..apiserver.errors import APIError
from ..apiserver.handlers import now
from . import events
from .base import Controller


def tolerates(tolerations: list[dict], taint: dict) -> bool:
    for t in tolerations or []:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t["key"] == taint.get("key")):
            return True
        if t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def node_ready(node: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in node.get("status", {}).get("conditions") or [])


def reasons(pod: dict, node: dict) -> list[str]:
    """Why `pod` cannot go to `node` (empty: it fits)."""
    spec = pod.get("spec", {})
    out = []
    if not node_ready(node):
        out.append("node(s) were not ready")
    if node.get("spec", {}).get("unschedulable"):
        out.append("node(s) were unschedulable")
    for taint in node.get("spec", {}).get("taints") or []:
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(spec.get("tolerations"), taint):
            value = f"{taint['key']}: {taint.get('value', '')}".rstrip()
            out.append(f"node(s) had untolerated taint {{{value}}}")
            break
    labels = node.get("metadata", {}).get("labels") or {}
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()):
        out.append("node(s) didn't match Pod's node affinity/selector")
    return out


class Scheduler(Controller):
    name = "default-scheduler"
    watches = (("", "v1", "pods"), ("", "v1", "nodes"))

    def keys_for(self, r, obj):
        if r.plural == "nodes":  # a node changed: pods waiting for one may fit now
            pods = self.objects.store.list(self.resource("", "v1", "pods").key(None))[0]
            return [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods
                    if not p.get("spec", {}).get("nodeName")]
        if obj.get("spec", {}).get("nodeName") or obj.get("metadata", {}).get("deletionTimestamp"):
            return []
        return super().keys_for(r, obj)

    async def sync(self, key) -> None:
        namespace, name = key
        pods_r = self.resource("", "v1", "pods")
        pod = self.objects.store.get(pods_r.key(namespace, name))
        if not pod or pod.get("spec", {}).get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            return
        if pod.get("spec", {}).get("schedulerName", "default-scheduler") != self.name:
            return
        nodes = self.objects.store.list(self.resource("", "v1", "nodes").key(None))[0]
        fits, why = [], {}
        for node in nodes:
            problems = reasons(pod, node)
            if problems:
                why[problems[0]] = why.get(problems[0], 0) + 1
            else:
                fits.append(node)
        if not fits:
            detail = ", ".join(f"{n} {text}" for text, n in sorted(why.items()))
            message = (f"0/{len(nodes)} nodes are available: {detail}." if nodes
                       else "no nodes available to schedule pods")
            self._unschedulable(pods_r, pod, message)
            return
        owners = {r.get("uid") for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")}
        load: dict[str, int] = {}
        siblings: dict[str, int] = {}  # pods of the same controller: replicas spread first, as topology spread does
        for p in self.objects.store.list(pods_r.key(None))[0]:
            node_name = p.get("spec", {}).get("nodeName")
            if node_name:
                load[node_name] = load.get(node_name, 0) + 1
                if owners & {r.get("uid") for r in p["metadata"].get("ownerReferences") or []}:
                    siblings[node_name] = siblings.get(node_name, 0) + 1
        target = min(fits, key=lambda n: (siblings.get(n["metadata"]["name"], 0), load.get(n["metadata"]["name"], 0),
                                          n["metadata"]["name"]))
        try:
            self.objects.bind(pods_r, namespace, name, {"target": {"kind": "Node",
                                                                   "name": target["metadata"]["name"]}}, self.opts())
        except APIError as err:
            if err.code in (404, 409):
                return
            raise
        events.record(self.objects, pod, "Pod", "Normal", "Scheduled",
                      f"Successfully assigned {namespace}/{name} to {target['metadata']['name']}", self.name)

    def _unschedulable(self, r, pod: dict, message: str) -> None:
        conditions = [c for c in pod.get("status", {}).get("conditions") or [] if c.get("type") != "PodScheduled"]
        condition = {"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": message,
                     "lastProbeTime": None, "lastTransitionTime": now()}
        old = next((c for c in pod.get("status", {}).get("conditions") or [] if c.get("type") == "PodScheduled"),
                   None)
        if old and old.get("message") == message:
            return
        status = {**pod.get("status", {}), "conditions": conditions + [condition]}
        meta = pod["metadata"]
        self.objects.update(r, meta["namespace"], meta["name"], {**pod, "status": status}, "status", self.opts())
        events.record(self.objects, pod, "Pod", "Warning", "FailedScheduling", message, self.name)
