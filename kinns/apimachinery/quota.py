"""ResourceQuota accounting, shared by the quota admission plugin (which refuses what would exceed a quota) and
the resource-quota controller (which keeps each quota's status.used): what one object uses of each quota
resource, which objects a quota's scopes select, and which kinds a quota's resource names count.

The resource names are kube-apiserver's: object counts (`pods`, `services`, `configmaps`, `secrets`,
`persistentvolumeclaims`, `replicationcontrollers`, `resourcequotas`, `services.nodeports`,
`services.loadbalancers`, and `count/<resource>[.<group>]` for any kind), compute resources of non-terminal
pods (`requests.cpu` or `cpu`, `requests.memory` or `memory`, `limits.cpu`, `limits.memory`, and the same for
`ephemeral-storage`) and claimed storage (`requests.storage`, and per class
`<class>.storageclass.storage.k8s.io/requests.storage` and `.../persistentvolumeclaims`).
"""

from fractions import Fraction

from .quantity import parse

LEGACY = {"pods": "", "services": "", "configmaps": "", "secrets": "", "persistentvolumeclaims": "",
          "replicationcontrollers": "", "resourcequotas": ""}
COMPUTE = ("cpu", "memory", "ephemeral-storage")
CLASS_SUFFIX = ".storageclass.storage.k8s.io/"
SCOPES = ("Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
          "CrossNamespacePodAffinity", "VolumeAttributesClass")


def kind_of(resource_name: str) -> tuple[str, str] | None:
    """(group, plural) of the objects a quota resource counts or sums; None for a name kinns does not know."""
    if resource_name.startswith("count/"):
        plural, _, group = resource_name[len("count/"):].partition(".")
        return group, plural
    if resource_name in LEGACY:
        return "", resource_name
    if resource_name.startswith("services."):
        return "", "services"
    base = resource_name.removeprefix("requests.").removeprefix("limits.")
    if base in COMPUTE:
        return "", "pods"
    if resource_name == "requests.storage" or CLASS_SUFFIX in resource_name:
        return "", "persistentvolumeclaims"
    return None


def terminal(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _pod_compute(pod: dict) -> dict[str, Fraction]:
    """A pod's requests and limits: the sum over its containers, or the largest init container's if higher."""
    spec = pod.get("spec") or {}
    out: dict[str, Fraction] = {}
    for kind in ("requests", "limits"):
        for resource in COMPUTE:
            def amount(c: dict) -> Fraction:
                resources = c.get("resources") or {}
                value = (resources.get(kind) or {}).get(resource)
                if value is None and kind == "requests":
                    value = (resources.get("limits") or {}).get(resource)
                return parse(value) if value is not None else Fraction(0)
            total = sum((amount(c) for c in spec.get("containers") or []), Fraction(0))
            total = max([total, *(amount(c) for c in spec.get("initContainers") or [])])
            if total:
                out[f"{kind}.{resource}"] = total
                if kind == "requests":
                    out[resource] = total
    return out


def usage(group: str, plural: str, obj: dict) -> dict[str, Fraction]:
    """What `obj` uses of every quota resource that counts it."""
    label = f"count/{plural}" + (f".{group}" if group else "")
    out: dict[str, Fraction] = {label: Fraction(1)}
    if not group and plural in LEGACY:
        out[plural] = Fraction(1)
    if (group, plural) == ("", "pods"):
        if terminal(obj):
            return {}
        out.update(_pod_compute(obj))
    elif (group, plural) == ("", "services"):
        spec = obj.get("spec") or {}
        if spec.get("type") == "LoadBalancer":
            out["services.loadbalancers"] = Fraction(1)
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            out["services.nodeports"] = Fraction(sum(1 for p in spec.get("ports") or [] if p.get("nodePort")) or
                                                 len(spec.get("ports") or []))
    elif (group, plural) == ("", "persistentvolumeclaims"):
        spec = obj.get("spec") or {}
        storage = parse(((spec.get("resources") or {}).get("requests") or {}).get("storage") or 0)
        out["requests.storage"] = storage
        if spec.get("storageClassName"):
            prefix = spec["storageClassName"] + CLASS_SUFFIX
            out[prefix + "requests.storage"] = storage
            out[prefix + "persistentvolumeclaims"] = Fraction(1)
    return out


def _best_effort(pod: dict) -> bool:
    return not any((c.get("resources") or {}).get(k) for c in ((pod.get("spec") or {}).get("containers") or [])
                   + ((pod.get("spec") or {}).get("initContainers") or []) for k in ("requests", "limits"))


def _priority_matches(requirement: dict, pod: dict) -> bool:
    value = (pod.get("spec") or {}).get("priorityClassName") or ""
    operator, values = requirement.get("operator"), requirement.get("values") or []
    if operator == "In":
        return value in values
    if operator == "NotIn":
        return value not in values
    if operator == "Exists":
        return bool(value)
    return not value  # DoesNotExist


def selects(quota: dict, group: str, plural: str, obj: dict) -> bool:
    """Do the quota's scopes (and scopeSelector) take in this object? Scopes are about pods: other objects are
    only counted by quotas without any."""
    spec = quota.get("spec") or {}
    scopes = [(s, None) for s in spec.get("scopes") or []]
    scopes += [(e.get("scopeName"), e) for e in ((spec.get("scopeSelector") or {}).get("matchExpressions") or [])]
    if not scopes:
        return True
    if (group, plural) != ("", "pods"):
        return False
    pod_spec = obj.get("spec") or {}
    for scope, requirement in scopes:
        if scope == "Terminating" and pod_spec.get("activeDeadlineSeconds") is None:
            return False
        if scope == "NotTerminating" and pod_spec.get("activeDeadlineSeconds") is not None:
            return False
        if scope == "BestEffort" and not _best_effort(obj):
            return False
        if scope == "NotBestEffort" and _best_effort(obj):
            return False
        if scope == "PriorityClass" and not _priority_matches(requirement or {"operator": "Exists"}, obj):
            return False
    return True


def used(quota: dict, objects: dict[tuple[str, str], list[dict]]) -> dict[str, Fraction]:
    """The quota's usage of each of its hard resources, over `objects` (by (group, plural)) of its namespace."""
    hard = (quota.get("spec") or {}).get("hard") or {}
    out = {name: Fraction(0) for name in hard}
    for (group, plural), items in objects.items():
        for obj in items:
            if not selects(quota, group, plural, obj):
                continue
            for name, amount in usage(group, plural, obj).items():
                if name in out:
                    out[name] += amount
    return out


def pretty(amounts: dict[str, str]) -> str:
    """Resources as kube-apiserver lists them in quota messages: name=value, sorted, comma-separated."""
    return ",".join(f"{k}={v}" for k, v in sorted(amounts.items()))
