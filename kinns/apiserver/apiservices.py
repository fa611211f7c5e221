"""apiregistration.k8s.io APIService objects for the group versions this server serves itself, kept as
kube-apiserver's autoregistration keeps them: one per built-in group version at start, one per custom
resource group version while a CRD serves it. All are Local (served here), so always Available; kinns
proxies to no extension API server, and an APIService naming a service is refused (validation)."""

import uuid

from ..apimachinery.meta import now
from ..store import Exists, Missing, Store
from .resources import Registry

PREFIX = "/registry/apiregistration.k8s.io/apiservices/"
AUTOMANAGED = "kube-aggregator.kubernetes.io/automanaged"
# kube-apiserver's group priorities (groupPriorityMinimum, versionPriority); custom groups get 1000, 100
PRIORITIES = {"": (18000, 1), "apps": (17800, 15), "authentication.k8s.io": (17700, 15),
              "authorization.k8s.io": (17600, 15), "autoscaling": (17500, 30), "batch": (17400, 15),
              "certificates.k8s.io": (17300, 15), "networking.k8s.io": (17200, 15), "policy": (17100, 15),
              "rbac.authorization.k8s.io": (17000, 15), "storage.k8s.io": (16800, 15),
              "admissionregistration.k8s.io": (16700, 15), "apiextensions.k8s.io": (16700, 15),
              "scheduling.k8s.io": (16600, 15), "coordination.k8s.io": (16500, 15), "discovery.k8s.io": (16200, 15),
              "apiregistration.k8s.io": (18000, 15)}


def name_of(group: str, version: str) -> str:
    return f"{version}.{group}"


def _object(group: str, version: str, builtin: bool) -> dict:
    minimum, priority = PRIORITIES.get(group, (1000, 100))
    return {"apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
            "metadata": {"name": name_of(group, version), "uid": str(uuid.uuid4()), "creationTimestamp": now(),
                         "labels": {AUTOMANAGED: "onstart" if builtin else "true"}},
            "spec": {"group": group, "version": version, "groupPriorityMinimum": minimum,
                     "versionPriority": priority},
            "status": {"conditions": [{"type": "Available", "status": "True", "lastTransitionTime": now(),
                                       "reason": "Local", "message": "Local APIServices are always available"}]}}


def sync(store: Store, registry: Registry) -> None:
    """An APIService for every group version served, and none left for one no longer served."""
    served = {}
    for r in registry.resources.values():
        served.setdefault(name_of(r.group, r.version), (r.group, r.version, not r.extra.get("crd")))
    for name, (group, version, builtin) in served.items():
        if store.get(PREFIX + name) is None:
            try:
                store.create(PREFIX + name, _object(group, version, builtin))
            except Exists:
                pass
    for obj in store.list(PREFIX)[0]:
        managed = (obj["metadata"].get("labels") or {}).get(AUTOMANAGED)
        if managed and obj["metadata"]["name"] not in served:
            try:
                store.delete(PREFIX + obj["metadata"]["name"])
            except Missing:
                pass
