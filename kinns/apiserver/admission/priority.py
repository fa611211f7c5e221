"""The Priority admission plugin and the PriorityClass plugin, as kube-apiserver enables them.

A new pod gets the priority (and preemption policy) of its priorityClassName, or of the global default
class when it names none (0 without one); naming a class that does not exist, or giving a priority of its
own that differs, is refused. Only one PriorityClass may be the global default.
"""

from ...apimachinery.errors import admission_forbidden
from ..resources import Resource
from ..storage import Objects
from .plugins import Admit
from .request import WriteOptions

CLASSES = "/registry/scheduling.k8s.io/priorityclasses/"


def _default_class(objects: Objects) -> dict | None:
    """The global default class; with several (written before this plugin saw them) the lowest value wins."""
    marked = [c for c in objects.store.list(CLASSES)[0] if c.get("globalDefault")]
    return min(marked, key=lambda c: c.get("value", 0)) if marked else None


def pod_priority(objects: Objects) -> Admit:
    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if old is not None or (r.group, r.plural) != ("", "pods"):
            return
        spec = new.setdefault("spec", {})
        name = spec.get("priorityClassName") or ""
        if name:
            chosen = objects.store.get(CLASSES + name)
            if chosen is None:
                raise admission_forbidden(r.plural, r.group, new["metadata"].get("name", ""),
                                          f"no PriorityClass with name {name} was found")
        else:
            chosen = _default_class(objects)
            if chosen is not None:
                spec["priorityClassName"] = chosen["metadata"]["name"]
        value = chosen.get("value", 0) if chosen else 0
        if spec.get("priority") is not None and spec["priority"] != value:
            raise admission_forbidden(r.plural, r.group, new["metadata"].get("name", ""),
                                      f"the integer value of priority ({spec['priority']}) must not be provided in "
                                      f"pod spec; priority admission controller computed {value} from the given "
                                      "PriorityClass name")
        spec["priority"] = value
        policy = (chosen or {}).get("preemptionPolicy") or "PreemptLowerPriority"
        spec.setdefault("preemptionPolicy", policy)

    return admit


def one_default_class(objects: Objects) -> Admit:
    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if (r.group, r.plural) != ("scheduling.k8s.io", "priorityclasses") or not new.get("globalDefault"):
            return
        current = _default_class(objects)
        if current is not None and current["metadata"]["name"] != new["metadata"]["name"]:
            raise admission_forbidden(r.plural, r.group, new["metadata"]["name"],
                                      f"PriorityClass {current['metadata']['name']} is already marked as default. "
                                      "Only one default can exist")

    return admit
