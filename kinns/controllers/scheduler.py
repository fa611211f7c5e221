"""kube-scheduler: put each unscheduled pod on a node and bind it.

Filters: the node is Ready and schedulable, every NoSchedule/NoExecute taint is
tolerated, nodeSelector matches, spec.nodeName (if set) wins. Score: the node
with the fewest pods of the same controller, then the fewest pods, so replicas
spread. A pod's claims must exist and, unless their class waits for the first
consumer, be bound; a waiting claim is given the chosen node (the
volume.kubernetes.io/selected-node annotation) and the pod is bound there once
the claim is. A pod that fits nowhere gets PodScheduled=False with the scheduler's
usual "0/N nodes are available" message. A pod just bound counts on its node
at once ("assumed", as kube-scheduler's cache has it) until its watch event
shows the binding, so a burst of new pods spreads as well as a trickle.
"""

from ..apimachinery.conditions import condition, is_true
from ..apimachinery.errors import APIError
from ..apimachinery.meta import key
from ..client.client import path
from .base import CLAIMS, CLASSES, NODES, PODS, Controller, own_key
from .volumes import SELECTED_NODE


def tolerates(tolerations: list[dict], taint: dict) -> bool:
    for t in tolerations or []:
        if t.get("effect") and t["effect"] != taint.get("effect"):
            continue
        if t.get("operator") == "Exists" and (not t.get("key") or t["key"] == taint.get("key")):
            return True
        if t.get("key") == taint.get("key") and t.get("value", "") == taint.get("value", ""):
            return True
    return False


def reasons(pod: dict, node: dict) -> list[str]:
    """Why `pod` cannot go to `node` (empty: it fits)."""
    spec = pod.get("spec", {})
    out = []
    if not is_true(node, "Ready"):
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


def unscheduled(pod: dict) -> bool:
    return not pod.get("spec", {}).get("nodeName") and not pod["metadata"].get("deletionTimestamp")


def choose(pod: dict, fits: list[dict], pods: list[dict], assumed: dict[str, str]) -> dict:
    """The node among `fits` with the fewest pods of the pod's controller, then the fewest pods, then by name."""
    owners = {r.get("uid") for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")}
    load: dict[str, int] = {}
    siblings: dict[str, int] = {}  # pods of the same controller: replicas spread first, as topology spread does
    for p in pods:
        node_name = p.get("spec", {}).get("nodeName") or assumed.get(p["metadata"]["uid"])
        if node_name:
            load[node_name] = load.get(node_name, 0) + 1
            if owners & {r.get("uid") for r in p["metadata"].get("ownerReferences") or []}:
                siblings[node_name] = siblings.get(node_name, 0) + 1
    return min(fits, key=lambda n: (siblings.get(n["metadata"]["name"], 0), load.get(n["metadata"]["name"], 0),
                                    n["metadata"]["name"]))


def claims_of(pod: dict) -> list[str]:
    """The names of the PersistentVolumeClaims the pod's volumes use."""
    return [v["persistentVolumeClaim"].get("claimName", "") for v in pod.get("spec", {}).get("volumes") or []
            if "persistentVolumeClaim" in v]


class Scheduler(Controller):
    name = "default-scheduler"

    def setup(self) -> None:
        self.pods = self.watch(PODS, lambda p: own_key(p) if unscheduled(p) else [])
        self.nodes = self.watch(NODES, lambda _: [key(p) for p in self.pods.values() if unscheduled(p)])
        self.claims = self.watch(CLAIMS, lambda c: [
            key(p) for p in self.pods.in_namespace(c["metadata"]["namespace"])
            if unscheduled(p) and c["metadata"]["name"] in claims_of(p)])
        self.classes = self.watch(CLASSES, lambda _: [])
        self.assumed: dict[str, str] = {}  # uid -> node, for pods bound but not yet seen bound

    async def reconcile(self, key: tuple[str, str]) -> None:
        namespace, name = key
        pod = self.pods.get(namespace, name)
        live = {p["metadata"]["uid"] for p in self.pods.values() if not p.get("spec", {}).get("nodeName")}
        self.assumed = {uid: n for uid, n in self.assumed.items() if uid in live}
        if not pod or not unscheduled(pod) or pod["metadata"]["uid"] in self.assumed:
            return
        if pod.get("spec", {}).get("schedulerName", "default-scheduler") != self.name:
            return
        nodes = self.nodes.values()
        delayed, problem = self._volumes(pod)
        if problem:
            await self._unschedulable(pod, f"0/{len(nodes)} nodes are available: {problem}.")
            return
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
            await self._unschedulable(pod, message)
            return
        target = choose(pod, fits, self.pods.values(), self.assumed)["metadata"]["name"]
        claims = [self.claims.get(namespace, c) for c in claims_of(pod)]
        selected = {(c["metadata"].get("annotations") or {}).get(SELECTED_NODE) for c in claims if c} - {None}
        if selected & {n["metadata"]["name"] for n in fits}:
            target = sorted(selected)[0]  # a node chosen for the claims before: the pod follows them
        if delayed:  # the claims are provisioned or bound for that node first; their binding queues the pod
            for claim in delayed:
                if (claim["metadata"].get("annotations") or {}).get(SELECTED_NODE) != target:
                    await self.client.patch(path("v1", "persistentvolumeclaims", namespace, claim["metadata"]["name"]),
                                            {"metadata": {"annotations": {SELECTED_NODE: target}}})
            return
        try:
            await self.client.create(path("v1", "pods", namespace, name, "binding"), {
                "apiVersion": "v1", "kind": "Binding", "metadata": {"name": name, "namespace": namespace},
                "target": {"apiVersion": "v1", "kind": "Node", "name": target}})
        except APIError as err:
            if err.code in (404, 409):
                return
            raise
        self.assumed[pod["metadata"]["uid"]] = target
        self.events.record(pod, "Normal", "Scheduled", f"Successfully assigned {namespace}/{name} to {target}")

    def _volumes(self, pod: dict) -> tuple[list[dict], str]:
        """The pod's claims still to be bound for the node it goes to (WaitForFirstConsumer), or why it cannot be
        scheduled at all, in kube-scheduler's VolumeBinding words."""
        delayed = []
        for name in claims_of(pod):
            claim = self.claims.get(pod["metadata"]["namespace"], name)
            if claim is None:
                return [], f'persistentvolumeclaim "{name}" not found'
            if claim["metadata"].get("deletionTimestamp"):
                return [], f'persistentvolumeclaim "{name}" is being deleted'
            if (claim.get("spec") or {}).get("volumeName"):
                continue
            cls = self.classes.get(None, (claim.get("spec") or {}).get("storageClassName") or "")
            if (cls or {}).get("volumeBindingMode") != "WaitForFirstConsumer":
                return [], "pod has unbound immediate PersistentVolumeClaims"
            delayed.append(claim)
        return delayed, ""

    async def _unschedulable(self, pod: dict, message: str) -> None:
        old = pod.get("status", {}).get("conditions") or []
        if any(c.get("type") == "PodScheduled" and c.get("message") == message for c in old):
            return
        conditions = [c for c in old if c.get("type") != "PodScheduled"] + [
            condition("PodScheduled", False, "Unschedulable", message, old, lastProbeTime=None)]
        meta = pod["metadata"]
        await self.client.patch(path("v1", "pods", meta["namespace"], meta["name"], "status"),
                                {"status": {"conditions": conditions}})
        self.events.record(pod, "Warning", "FailedScheduling", message)
