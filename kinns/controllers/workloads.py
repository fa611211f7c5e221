"""ReplicaSet and Deployment controllers.

ReplicaSet: keep `replicas` pods matching the selector and owned by the set,
created from its template (name = set name + 5 random characters), deleting
the surplus least-ready first; status counts them. Deployment: one ReplicaSet
per pod template, named `<deployment>-<pod-template-hash>` and labelled with
the hash; the current one is scaled to the wanted replicas and older ones to
zero once the current one has its pods available (rolling, at most maxSurge
extra), with the status and conditions `kubectl rollout status` reads.
"""

import copy
import hashlib
import json

from ..apimachinery.conditions import condition, is_true
from ..apimachinery.meta import controlled_by, controller_name, now, owner_reference
from ..client.client import path
from .base import DEPLOYMENTS, PODS, REPLICASETS, Controller, own_key

_SAFE = "bcdfghjklmnpqrstvwxz2456789"
REVISION = "deployment.kubernetes.io/revision"


def template_hash(template: dict) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_SAFE[b % len(_SAFE)] for b in digest[:10])


def controller_keys(kind: str):
    """Keys function: the (namespace, name) of an object's controller of `kind`."""
    def keys(obj: dict) -> list[tuple[str, str]]:
        owner = controller_name(obj, kind)
        return [(obj["metadata"].get("namespace") or "", owner)] if owner else []
    return keys


def ready_pods(pods: list[dict]) -> int:
    return sum(1 for p in pods if is_true(p, "Ready"))


def live_children(mirror, owner: dict) -> list[dict]:
    """The objects in `mirror` that `owner` controls and that are not being deleted."""
    return [o for o in mirror.in_namespace(owner["metadata"]["namespace"])
            if controlled_by(o, owner) and not o["metadata"].get("deletionTimestamp")]


def pod_from_template(owner: dict, kind: str, template: dict, labels: dict | None = None,
                      api_version: str = "apps/v1") -> dict:
    """A pod a controller of `kind` creates from its template (named after the owner, owned by it)."""
    template = copy.deepcopy(template or {})
    meta = template.get("metadata") or {}
    return {"metadata": {"generateName": owner["metadata"]["name"] + "-", "namespace": owner["metadata"]["namespace"],
                         "labels": {**(meta.get("labels") or {}), **(labels or {})},
                         "annotations": meta.get("annotations") or {},
                         "ownerReferences": [owner_reference(owner, kind, api_version)]},
            "spec": template.get("spec") or {}}


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    kind, api_version, plural = "ReplicaSet", "apps/v1", "replicasets"

    def setup(self) -> None:
        self.sets = self.watch(path(self.api_version, self.plural), own_key)
        self.pods = self.watch(PODS, controller_keys(self.kind))

    async def reconcile(self, key: tuple[str, str]) -> None:
        rs = self.live(self.sets, key)
        if rs is None:
            return
        namespace, name = key
        pods = live_children(self.pods, rs)
        want = rs.get("spec", {}).get("replicas", 1)
        for _ in range(want - len(pods)):
            created = await self.client.create(path("v1", "pods", namespace), pod_from_template(
                rs, self.kind, rs["spec"].get("template"), api_version=self.api_version))
            self.events.record(rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
        doomed = sorted(pods, key=lambda p: (is_true(p, "Ready"), bool(p["spec"].get("nodeName")),
                                             p["metadata"]["creationTimestamp"]))
        for pod in doomed[:max(0, len(pods) - want)]:
            await self.client.delete(path("v1", "pods", namespace, pod["metadata"]["name"]))
            self.events.record(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")
        pods = live_children(self.pods, rs)
        ready = ready_pods(pods)
        status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods), "readyReplicas": ready,
                  "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)}
        if rs.get("status") != status:
            await self.client.patch(path(self.api_version, self.plural, namespace, name, "status"),
                                    {"status": status})


class ReplicationControllerController(ReplicaSetController):
    """ReplicationControllers: ReplicaSets' forerunner, kept by the same loop (their selector is a plain map)."""

    name = "replicationcontroller-controller"
    kind, api_version, plural = "ReplicationController", "v1", "replicationcontrollers"


class DeploymentController(Controller):
    name = "deployment-controller"

    def setup(self) -> None:
        self.deployments = self.watch(DEPLOYMENTS, own_key)
        self.sets = self.watch(REPLICASETS, controller_keys("Deployment"))

    async def reconcile(self, key: tuple[str, str]) -> None:
        deploy = self.live(self.deployments, key)
        if deploy is None:
            return
        namespace, name = key
        spec = deploy.get("spec", {})
        want = spec.get("replicas", 1)
        template = copy.deepcopy(spec.get("template") or {})
        pth = template_hash(template)
        owned = [rs for rs in self.sets.in_namespace(namespace) if controlled_by(rs, deploy)]
        current = next((rs for rs in owned if rs["metadata"].get("labels", {}).get("pod-template-hash") == pth),
                       None)
        if current is None:
            current = await self._new_set(deploy, template, pth, owned, want)
        old = [rs for rs in owned if rs["metadata"]["uid"] != current["metadata"]["uid"]]
        current = await self._revision(deploy, current, old)
        await self._scale(current, want)
        available = current.get("status", {}).get("availableReplicas", 0)
        if available >= want or spec.get("strategy", {}).get("type") == "Recreate":
            for rs in old:
                if rs.get("spec", {}).get("replicas", 0):
                    await self._scale(rs, 0)
                    self.events.record(deploy, "Normal", "ScalingReplicaSet",
                                       f"Scaled down replica set {rs['metadata']['name']} from "
                                       f"{rs['spec']['replicas']} to 0")
        await self._status(deploy, current, old, want)

    async def _revision(self, deploy: dict, current: dict, old: list[dict]) -> dict:
        """The new ReplicaSet carries the highest revision (an old one the template went back to gets a new
        number, as after `kubectl rollout undo`), and the Deployment carries it too: what `rollout history` and
        `rollout undo` read."""
        def revision(rs: dict) -> int:
            return int((rs["metadata"].get("annotations") or {}).get(REVISION, 0) or 0)

        highest = max([revision(rs) for rs in old] or [0])
        if revision(current) <= highest:
            meta = current["metadata"]
            current = await self.client.patch(path("apps/v1", "replicasets", meta["namespace"], meta["name"]),
                                              {"metadata": {"annotations": {REVISION: str(highest + 1)}}})
        number = str(revision(current))
        if (deploy["metadata"].get("annotations") or {}).get(REVISION) != number:
            meta = deploy["metadata"]
            await self.client.patch(path("apps/v1", "deployments", meta["namespace"], meta["name"]),
                                    {"metadata": {"annotations": {REVISION: number}}})
        return current

    async def _new_set(self, deploy: dict, template: dict, pth: str, owned: list[dict], want: int) -> dict:
        namespace, name = deploy["metadata"]["namespace"], deploy["metadata"]["name"]
        template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = pth
        selector = copy.deepcopy(deploy["spec"].get("selector") or {})
        selector.setdefault("matchLabels", {})["pod-template-hash"] = pth
        revision = 1 + max([int(rs["metadata"].get("annotations", {}).get(REVISION, 0)) for rs in owned] or [0])
        created = await self.client.create(path("apps/v1", "replicasets", namespace), {
            "metadata": {"name": f"{name}-{pth}", "namespace": namespace, "labels": {**template["metadata"]["labels"]},
                         "annotations": {REVISION: str(revision),
                                         "deployment.kubernetes.io/desired-replicas": str(want)},
                         "ownerReferences": [owner_reference(deploy, "Deployment", "apps/v1")]},
            "spec": {"replicas": 0, "selector": selector, "template": template,
                     "minReadySeconds": deploy["spec"].get("minReadySeconds", 0)}})
        self.events.record(deploy, "Normal", "ScalingReplicaSet",
                           f"Scaled up replica set {created['metadata']['name']} from 0 to {want}")
        return created

    async def _scale(self, rs: dict, replicas: int) -> None:
        if rs.get("spec", {}).get("replicas") != replicas:
            meta = rs["metadata"]
            await self.client.patch(path("apps/v1", "replicasets", meta["namespace"], meta["name"]),
                                    {"spec": {"replicas": replicas}})

    async def _status(self, deploy: dict, current: dict, old: list[dict], want: int) -> None:
        cur = current.get("status", {})
        total = cur.get("replicas", 0) + sum(rs.get("status", {}).get("replicas", 0) for rs in old)
        ready = cur.get("readyReplicas", 0) + sum(rs.get("status", {}).get("readyReplicas", 0) for rs in old)
        available = cur.get("availableReplicas", 0) + sum(rs.get("status", {}).get("availableReplicas", 0)
                                                          for rs in old)
        previous = deploy.get("status", {}).get("conditions") or []
        rs_name = current["metadata"]["name"]
        done = cur.get("availableReplicas", 0) >= want and not any(rs.get("status", {}).get("replicas") for rs in old)
        enough = available >= want
        status = {"observedGeneration": deploy["metadata"].get("generation", 1), "replicas": total,
                  "updatedReplicas": cur.get("replicas", 0), "readyReplicas": ready, "availableReplicas": available,
                  "unavailableReplicas": total - available if total > available else None,
                  "conditions": [
                      _condition("Available", enough, "MinimumReplicasAvailable" if enough
                                 else "MinimumReplicasUnavailable", "Deployment has minimum availability."
                                 if enough else "Deployment does not have minimum availability.", previous),
                      _condition("Progressing", True, "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
                                 f'ReplicaSet "{rs_name}" has successfully progressed.' if done
                                 else f'ReplicaSet "{rs_name}" is progressing.', previous)]}
        for field in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
            status[field] = status[field] or None  # zero counts are left out, as the controller writes them
        old_status = deploy.get("status") or {}
        if {k: old_status.get(k) for k in status if k != "conditions"} == \
                {k: v for k, v in status.items() if k != "conditions"} and \
                [(c["type"], c["status"], c.get("reason")) for c in old_status.get("conditions") or []] == \
                [(c["type"], c["status"], c.get("reason")) for c in status["conditions"]]:
            return
        meta = deploy["metadata"]
        await self.client.patch(path("apps/v1", "deployments", meta["namespace"], meta["name"], "status"),
                                {"status": status})


def _condition(kind: str, ok: bool, reason: str, message: str, previous: list[dict]) -> dict:
    """A Deployment condition: lastUpdateTime moves when its status or reason does, lastTransitionTime when its
    status does."""
    out = condition(kind, ok, reason, message, previous)
    before = next((c for c in previous if c.get("type") == kind), {})
    unchanged = before.get("status") == out["status"] and before.get("reason") == reason
    return {**out, "lastUpdateTime": before.get("lastUpdateTime") if unchanged and before.get("lastUpdateTime")
            else now()}
