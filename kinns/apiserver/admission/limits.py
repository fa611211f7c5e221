"""The LimitRanger admission plugin: a namespace's LimitRanges give new pods' containers their default requests
and limits (noted in the pod's kubernetes.io/limit-ranger annotation, as kube-apiserver notes it), and refuse
containers, pods and claims outside their min, max and maxLimitRequestRatio, in kube-apiserver's words."""

from fractions import Fraction

from ...apimachinery.errors import admission_forbidden
from ...apimachinery.quantity import parse
from ..resources import Resource
from ..storage import Objects
from .plugins import Admit
from .request import WriteOptions

ANNOTATION = "kubernetes.io/limit-ranger"


def _ranges(objects: Objects, namespace: str) -> list[dict]:
    items = objects.store.list(f"/registry/core/limitranges/{namespace}/")[0]
    return [limit for lr in sorted(items, key=lambda o: o["metadata"]["name"])
            for limit in (lr.get("spec") or {}).get("limits") or []]


def default_limits(objects: Objects) -> Admit:
    """Defaults of the Container limits into a new pod's containers that do not set them."""
    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if old is not None or (r.group, r.plural) != ("", "pods") or not namespace:
            return
        limits = [lim for lim in _ranges(objects, namespace) if lim.get("type") == "Container"]
        if not limits:
            return
        notes = []
        for c in (new.get("spec") or {}).get("containers") or []:
            resources = c.setdefault("resources", {})
            for field, source, word in (("requests", "defaultRequest", "request"), ("limits", "default", "limit")):
                have = resources.get(field) or {}
                added = {k: v for lim in limits for k, v in (lim.get(source) or {}).items() if k not in have}
                if added:
                    resources[field] = {**have, **added}
                    notes.append(f"{', '.join(sorted(added))} {word} for container {c.get('name', '')}")
        if notes:
            new["metadata"].setdefault("annotations", {})[ANNOTATION] = "LimitRanger plugin set: " + "; ".join(notes)

    return admit


def _check(kind: str, limit: dict, requests: dict, limits: dict) -> list[str]:
    """kube-apiserver's min, max and ratio constraints for one limit item against one set of requests/limits."""
    errors = []
    for resource, enforced in (limit.get("min") or {}).items():
        req, lim = requests.get(resource), limits.get(resource)
        if req is None:
            errors.append(f"minimum {resource} usage per {kind} is {enforced}.  No request is specified")
        elif parse(req) < parse(enforced):
            errors.append(f"minimum {resource} usage per {kind} is {enforced}, but request is {req}")
        elif lim is not None and parse(lim) < parse(enforced):
            errors.append(f"minimum {resource} usage per {kind} is {enforced}, but limit is {lim}")
    for resource, enforced in (limit.get("max") or {}).items():
        req, lim = requests.get(resource), limits.get(resource)
        if lim is None:
            errors.append(f"maximum {resource} usage per {kind} is {enforced}.  No limit is specified")
        elif parse(lim) > parse(enforced):
            errors.append(f"maximum {resource} usage per {kind} is {enforced}, but limit is {lim}")
        elif req is not None and parse(req) > parse(enforced):
            errors.append(f"maximum {resource} usage per {kind} is {enforced}, but request is {req}")
    for resource, enforced in (limit.get("maxLimitRequestRatio") or {}).items():
        req, lim = requests.get(resource), limits.get(resource)
        if req is None or parse(req) == 0:
            errors.append(f"{resource} max limit to request ratio per {kind} is {enforced}, but no request is "
                          "specified or request is 0")
        elif lim is None or parse(lim) == 0:
            errors.append(f"{resource} max limit to request ratio per {kind} is {enforced}, but no limit is "
                          "specified or limit is 0")
        elif (ratio := parse(lim) / parse(req)) > parse(enforced):
            errors.append(f"{resource} max limit to request ratio per {kind} is {enforced}, but provided ratio is "
                          f"{float(ratio):f}")
    return errors


def _sum(containers: list[dict], field: str) -> dict[str, str]:
    totals: dict[str, Fraction] = {}
    for c in containers:
        for k, v in ((c.get("resources") or {}).get(field) or {}).items():
            totals[k] = totals.get(k, Fraction(0)) + parse(v)
    return {k: str(float(v)) if v.denominator != 1 else str(int(v)) for k, v in totals.items()}


def enforce_limits(objects: Objects) -> Admit:
    """min, max and maxLimitRequestRatio of Container and Pod limits for pods, PersistentVolumeClaim limits for
    claims."""
    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if r.group or r.plural not in ("pods", "persistentvolumeclaims") or not namespace:
            return
        if r.plural == "pods" and old is not None:
            return  # a pod's resources are fixed once it is made
        errors: list[str] = []
        for limit in _ranges(objects, namespace):
            kind = limit.get("type")
            if r.plural == "persistentvolumeclaims" and kind == "PersistentVolumeClaim":
                resources = (new.get("spec") or {}).get("resources") or {}
                requests = resources.get("requests") or {}
                errors += _check(kind, {"min": limit.get("min")}, requests, resources.get("limits") or {})
                errors += [f"maximum {k} usage per {kind} is {v}, but request is {requests[k]}"
                           for k, v in (limit.get("max") or {}).items()
                           if k in requests and parse(requests[k]) > parse(v)]
            elif r.plural == "pods" and kind == "Container":
                for c in (new.get("spec") or {}).get("containers") or []:
                    resources = c.get("resources") or {}
                    errors += _check(kind, limit, resources.get("requests") or {}, resources.get("limits") or {})
            elif r.plural == "pods" and kind == "Pod":
                containers = (new.get("spec") or {}).get("containers") or []
                errors += _check(kind, limit, _sum(containers, "requests"), _sum(containers, "limits"))
        if errors:
            text = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
            raise admission_forbidden(r.plural, r.group, new["metadata"].get("name", ""), text)

    return admit
