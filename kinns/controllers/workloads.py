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

from ..apiserver.errors import APIError
from ..apiserver.handlers import now
from ..apiserver import selectors
from . import events
from .base import Controller

_SAFE = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: dict) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(_SAFE[b % len(_SAFE)] for b in digest[:10])


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """A workload's selector: an empty one selects no pods (the API would refuse it)."""
    return bool(selector) and selectors.selector_matches(selector, labels)


def owner_ref(obj: dict, kind: str, api_version: str) -> dict:
    return {"apiVersion": api_version, "kind": kind, "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}


def controlled_by(obj: dict, owner: dict) -> bool:
    return any(ref.get("uid") == owner["metadata"]["uid"] and ref.get("controller")
               for ref in obj.get("metadata", {}).get("ownerReferences") or [])


def controller_key(obj: dict, kind: str) -> list:
    ns = obj.get("metadata", {}).get("namespace")
    return [(ns, ref["name"]) for ref in obj.get("metadata", {}).get("ownerReferences") or []
            if ref.get("controller") and ref.get("kind") == kind]


def pod_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in pod.get("status", {}).get("conditions") or [])


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    watches = (("apps", "v1", "replicasets"), ("", "v1", "pods"))

    def keys_for(self, r, obj):
        if r.plural == "pods":
            return controller_key(obj, "ReplicaSet")
        return super().keys_for(r, obj)

    async def sync(self, key) -> None:
        namespace, name = key
        rs_r, pods_r = self.resource("apps", "v1", "replicasets"), self.resource("", "v1", "pods")
        rs = self.objects.store.get(rs_r.key(namespace, name))
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            return
        pods = [p for p in self.objects.store.list(pods_r.key(namespace))[0] if controlled_by(p, rs)
                and not p["metadata"].get("deletionTimestamp")]
        want = rs.get("spec", {}).get("replicas", 1)
        if len(pods) < want:
            for _ in range(want - len(pods)):
                self._create_pod(rs, pods_r, namespace)
        elif len(pods) > want:
            doomed = sorted(pods, key=lambda p: (pod_ready(p), bool(p["spec"].get("nodeName")),
                                                 p["metadata"]["creationTimestamp"]), reverse=False)
            for pod in doomed[:len(pods) - want]:
                try:
                    self.objects.delete(pods_r, namespace, pod["metadata"]["name"])
                except APIError as err:
                    if err.code != 404:
                        raise
                events.record(self.objects, rs, "ReplicaSet", "Normal", "SuccessfulDelete",
                              f"Deleted pod: {pod['metadata']['name']}", self.name)
        pods = [p for p in self.objects.store.list(pods_r.key(namespace))[0] if controlled_by(p, rs)
                and not p["metadata"].get("deletionTimestamp")]
        ready = sum(1 for p in pods if pod_ready(p))
        status = {"replicas": len(pods), "fullyLabeledReplicas": len(pods), "readyReplicas": ready,
                  "availableReplicas": ready, "observedGeneration": rs["metadata"].get("generation", 1)}
        if rs.get("status") != status:
            self.objects.update(rs_r, namespace, name, {**rs, "status": status}, "status", self.opts())

    def _create_pod(self, rs: dict, pods_r, namespace: str) -> None:
        template = copy.deepcopy(rs.get("spec", {}).get("template") or {})
        meta = template.get("metadata") or {}
        pod = {"metadata": {"generateName": rs["metadata"]["name"] + "-", "namespace": namespace,
                            "labels": meta.get("labels") or {}, "annotations": meta.get("annotations") or {},
                            "ownerReferences": [owner_ref(rs, "ReplicaSet", "apps/v1")]},
               "spec": template.get("spec") or {}}
        created = self.objects.create(pods_r, namespace, pod, self.opts())
        events.record(self.objects, rs, "ReplicaSet", "Normal", "SuccessfulCreate",
                      f"Created pod: {created['metadata']['name']}", self.name)


class DeploymentController(Controller):
    name = "deployment-controller"
    watches = (("apps", "v1", "deployments"), ("apps", "v1", "replicasets"))

    def keys_for(self, r, obj):
        if r.plural == "replicasets":
            return controller_key(obj, "Deployment")
        return super().keys_for(r, obj)

    async def sync(self, key) -> None:
        namespace, name = key
        d_r, rs_r = self.resource("apps", "v1", "deployments"), self.resource("apps", "v1", "replicasets")
        deploy = self.objects.store.get(d_r.key(namespace, name))
        if deploy is None or deploy["metadata"].get("deletionTimestamp"):
            return
        spec = deploy.get("spec", {})
        want = spec.get("replicas", 1)
        template = copy.deepcopy(spec.get("template") or {})
        pth = template_hash(template)
        owned = [rs for rs in self.objects.store.list(rs_r.key(namespace))[0] if controlled_by(rs, deploy)]
        current = next((rs for rs in owned if rs["metadata"].get("labels", {}).get("pod-template-hash") == pth),
                       None)
        if current is None:
            template.setdefault("metadata", {}).setdefault("labels", {})["pod-template-hash"] = pth
            selector = copy.deepcopy(spec.get("selector") or {})
            selector.setdefault("matchLabels", {})["pod-template-hash"] = pth
            revision = 1 + max([int(rs["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision",
                                                                               0)) for rs in owned] or [0])
            current = self.objects.create(rs_r, namespace, {
                "metadata": {"name": f"{name}-{pth}", "namespace": namespace,
                             "labels": {**(template["metadata"]["labels"])},
                             "annotations": {"deployment.kubernetes.io/revision": str(revision),
                                             "deployment.kubernetes.io/desired-replicas": str(want)},
                             "ownerReferences": [owner_ref(deploy, "Deployment", "apps/v1")]},
                "spec": {"replicas": 0, "selector": selector, "template": template,
                         "minReadySeconds": spec.get("minReadySeconds", 0)}}, self.opts())
            events.record(self.objects, deploy, "Deployment", "Normal", "ScalingReplicaSet",
                          f"Scaled up replica set {current['metadata']['name']} from 0 to {want}", self.name)
        old = [rs for rs in owned if rs["metadata"]["uid"] != current["metadata"]["uid"]]
        self._scale(rs_r, current, want)
        available = current.get("status", {}).get("availableReplicas", 0)
        if available >= want or spec.get("strategy", {}).get("type") == "Recreate":
            for rs in old:
                if rs.get("spec", {}).get("replicas", 0):
                    self._scale(rs_r, rs, 0)
                    events.record(self.objects, deploy, "Deployment", "Normal", "ScalingReplicaSet",
                                  f"Scaled down replica set {rs['metadata']['name']} from "
                                  f"{rs['spec']['replicas']} to 0", self.name)
        self._status(d_r, deploy, current, old, want)

    def _scale(self, rs_r, rs: dict, replicas: int) -> None:
        if rs.get("spec", {}).get("replicas") == replicas:
            return
        meta = rs["metadata"]
        fresh = self.objects.store.get(rs_r.key(meta["namespace"], meta["name"])) or rs
        self.objects.update(rs_r, meta["namespace"], meta["name"],
                            {**fresh, "spec": {**fresh["spec"], "replicas": replicas}}, "", self.opts())

    def _status(self, d_r, deploy: dict, current: dict, old: list[dict], want: int) -> None:
        cur = current.get("status", {})
        total = cur.get("replicas", 0) + sum(rs.get("status", {}).get("replicas", 0) for rs in old)
        ready = cur.get("readyReplicas", 0) + sum(rs.get("status", {}).get("readyReplicas", 0) for rs in old)
        available = cur.get("availableReplicas", 0) + sum(rs.get("status", {}).get("availableReplicas", 0)
                                                          for rs in old)
        previous = {c["type"]: c for c in deploy.get("status", {}).get("conditions") or []}
        stamp = now()

        def condition(kind: str, ok: bool, reason: str, message: str) -> dict:
            before = previous.get(kind, {})
            changed = before.get("status") != ("True" if ok else "False")
            return {"type": kind, "status": "True" if ok else "False", "reason": reason, "message": message,
                    "lastUpdateTime": stamp if changed or before.get("reason") != reason else before.get(
                        "lastUpdateTime", stamp),
                    "lastTransitionTime": stamp if changed else before.get("lastTransitionTime", stamp)}

        name = current["metadata"]["name"]
        done = cur.get("availableReplicas", 0) >= want and not any(rs.get("status", {}).get("replicas")
                                                                   for rs in old)
        status = {"observedGeneration": deploy["metadata"].get("generation", 1), "replicas": total,
                  "updatedReplicas": cur.get("replicas", 0), "readyReplicas": ready, "availableReplicas": available,
                  "conditions": [
                      condition("Available", available >= want, "MinimumReplicasAvailable" if available >= want
                                else "MinimumReplicasUnavailable", "Deployment has minimum availability."
                                if available >= want else "Deployment does not have minimum availability."),
                      condition("Progressing", True, "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
                                f'ReplicaSet "{name}" has successfully progressed.' if done
                                else f'ReplicaSet "{name}" is progressing.')]}
        if total - available > 0:
            status["unavailableReplicas"] = total - available
        for key in ("readyReplicas", "availableReplicas", "updatedReplicas", "replicas"):
            if not status[key]:
                del status[key]
        comparable = lambda s: {k: v for k, v in s.items() if k != "conditions"} | {  # noqa: E731
            "conditions": [(c["type"], c["status"], c["reason"]) for c in s.get("conditions", [])]}
        if comparable(deploy.get("status", {}) or {"conditions": []}) != comparable(status):
            meta = deploy["metadata"]
            self.objects.update(d_r, meta["namespace"], meta["name"], {**deploy, "status": status}, "status",
                                self.opts())
