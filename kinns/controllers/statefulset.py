"""The StatefulSet controller: pods <name>-<ordinal> with stable names, DNS and claims, made and removed in order.

With OrderedReady (the default), pod N is made only once pods 0..N-1 run and are
ready, and scaling down removes the highest ordinal first, one at a time;
Parallel makes and removes them all at once. Each pod's hostname is its name
and its subdomain the governing Service, so it is <pod>.<service>.<namespace>.
svc.cluster.local. A claim from every volumeClaimTemplate,
<template>-<name>-<ordinal>, is made before its pod and kept when the pod goes.
A RollingUpdate replaces pods whose template revision is old, from the highest
ordinal down to the partition, one at a time, each once the others are ready.
"""

from ..apimachinery.conditions import is_true
from ..apimachinery.errors import APIError
from ..apimachinery.meta import controlled_by, owner_reference
from ..client.client import path
from .base import PODS, REVISIONS, Controller, own_key
from .revisions import History, template_of
from .workloads import controller_keys

STATEFULSETS = path("apps/v1", "statefulsets")
REVISION = "controller-revision-hash"


def ordinal(name: str, pod: dict) -> int | None:
    tail = pod["metadata"]["name"][len(name) + 1:]
    return int(tail) if pod["metadata"]["name"].startswith(name + "-") and tail.isdigit() else None


class StatefulSetController(Controller):
    name = "statefulset-controller"

    def setup(self) -> None:
        self.sets = self.watch(STATEFULSETS, own_key)
        self.pods = self.watch(PODS, controller_keys("StatefulSet"))
        self.history = History(self.client, self.watch(REVISIONS, controller_keys("StatefulSet")), "StatefulSet")

    def _pod(self, sts: dict, index: int, revision: str, template: dict) -> dict:
        meta, spec = sts["metadata"], sts["spec"]
        pod_name = f"{meta['name']}-{index}"
        pod_spec = {**(template.get("spec") or {}), "hostname": pod_name}
        if spec.get("serviceName"):
            pod_spec["subdomain"] = spec["serviceName"]
        claims = {c["metadata"]["name"]: f"{c['metadata']['name']}-{pod_name}"
                  for c in spec.get("volumeClaimTemplates") or []}
        volumes = [v for v in pod_spec.get("volumes") or [] if v.get("name") not in claims]
        pod_spec["volumes"] = volumes + [{"name": t, "persistentVolumeClaim": {"claimName": c}}
                                         for t, c in claims.items()]
        labels = {**((template.get("metadata") or {}).get("labels") or {}), REVISION: revision,
                  "statefulset.kubernetes.io/pod-name": pod_name, "apps.kubernetes.io/pod-index": str(index)}
        return {"metadata": {"name": pod_name, "namespace": meta["namespace"], "labels": labels,
                             "annotations": (template.get("metadata") or {}).get("annotations") or {},
                             "ownerReferences": [owner_reference(sts, "StatefulSet", "apps/v1")]},
                "spec": pod_spec}

    async def _claims(self, sts: dict, index: int) -> None:
        """The pod's claims, made once and never replaced (they outlive the pod)."""
        meta = sts["metadata"]
        for template in sts["spec"].get("volumeClaimTemplates") or []:
            claim = {"metadata": {**(template.get("metadata") or {}),
                                  "name": f"{template['metadata']['name']}-{meta['name']}-{index}",
                                  "namespace": meta["namespace"],
                                  "labels": {**((template.get("metadata") or {}).get("labels") or {}),
                                             **((sts["spec"].get("selector") or {}).get("matchLabels") or {})}},
                     "spec": template.get("spec") or {}}
            try:
                await self.client.create(f"/api/v1/namespaces/{meta['namespace']}/persistentvolumeclaims", claim)
            except APIError as err:
                if err.code != 409:
                    raise

    async def reconcile(self, key: tuple[str, str]) -> None:
        sts = self.live(self.sets, key)
        if sts is None:
            return
        namespace, name = key
        spec = sts.get("spec") or {}
        replicas, ordered = spec.get("replicas", 1), spec.get("podManagementPolicy") != "Parallel"
        update, _ = await self.history.current(sts)
        revision = update["metadata"]["name"]
        partition = ((spec.get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition", 0)
        current = next((r for r in self.history.of(sts)
                        if r["metadata"]["name"] == (sts.get("status") or {}).get("currentRevision")), update)
        pods = {i: p for p in self.pods.in_namespace(namespace)
                if controlled_by(p, sts) and (i := ordinal(name, p)) is not None}
        for index in range(replicas):
            pod = pods.get(index)
            if pod is None:
                # below the partition of a rolling update, a pod made again is of the current revision
                at = current if index < partition else update
                await self._claims(sts, index)
                made = await self.client.create(path("v1", "pods", namespace), self._pod(
                    sts, index, at["metadata"]["name"], template_of(at)))
                self.events.record(sts, "Normal", "SuccessfulCreate", f"create Pod {made['metadata']['name']} in "
                                   f"StatefulSet {name} successful")
                if ordered:
                    break
                continue
            phase = (pod.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp"):
                await self.client.delete(path("v1", "pods", namespace, pod["metadata"]["name"]))
            if ordered and (pod["metadata"].get("deletionTimestamp") or not is_true(pod, "Ready")):
                break
        else:
            extra = sorted((i for i in pods if i >= replicas), reverse=True)
            for index in extra[:1] if ordered else extra:
                if not pods[index]["metadata"].get("deletionTimestamp"):
                    await self.client.delete(path("v1", "pods", namespace, pods[index]["metadata"]["name"]))
                    self.events.record(sts, "Normal", "SuccessfulDelete", f"delete Pod "
                                       f"{pods[index]['metadata']['name']} in StatefulSet {name} successful")
            if not extra:
                await self._roll(sts, pods, revision)
        current_name = await self._status(sts, revision)
        await self.history.prune(sts, {(p["metadata"].get("labels") or {}).get(REVISION, "") for p in pods.values()} |
                                 {revision, current_name})

    async def _roll(self, sts: dict, pods: dict[int, dict], revision: str) -> None:
        """RollingUpdate: replace the highest-ordinal pod of an old revision (down to the partition), once every
        pod runs and is ready."""
        strategy = sts["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        if not all(is_true(p, "Ready") and not p["metadata"].get("deletionTimestamp") for p in pods.values()):
            return
        partition = (strategy.get("rollingUpdate") or {}).get("partition", 0)
        stale = [i for i in sorted(pods, reverse=True) if i >= partition and
                 (pods[i]["metadata"].get("labels") or {}).get(REVISION) != revision]
        if stale:
            await self.client.delete(path("v1", "pods", sts["metadata"]["namespace"],
                                          pods[stale[0]]["metadata"]["name"]))

    async def _status(self, sts: dict, revision: str) -> str:
        """Write the status; the current revision's name."""
        namespace, name = sts["metadata"]["namespace"], sts["metadata"]["name"]
        live = [p for p in self.pods.in_namespace(namespace)
                if controlled_by(p, sts) and not p["metadata"].get("deletionTimestamp")]
        ready = sum(1 for p in live if is_true(p, "Ready"))
        updated = sum(1 for p in live if (p["metadata"].get("labels") or {}).get(REVISION) == revision)
        old = sts.get("status") or {}
        current = old.get("currentRevision") or revision
        if updated == len(live) == sts["spec"].get("replicas", 1):
            current = revision
        status = {"observedGeneration": sts["metadata"].get("generation", 1), "replicas": len(live),
                  "readyReplicas": ready, "currentReplicas": sum(
                      1 for p in live if (p["metadata"].get("labels") or {}).get(REVISION) == current),
                  "updatedReplicas": updated, "availableReplicas": ready, "currentRevision": current,
                  "updateRevision": revision, "collisionCount": 0}
        if status != old:
            await self.client.patch(path("apps/v1", "statefulsets", namespace, name, "status"), {"status": status})
        return current
