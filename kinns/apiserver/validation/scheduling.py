"""scheduling.k8s.io PriorityClass: user classes at most 1000000000, `system-` names reserved, value and
preemption policy fixed once made."""

from .field import Cause, forbidden, not_supported

HIGHEST_USER = 1_000_000_000
SYSTEM = {"system-node-critical": 2_000_001_000, "system-cluster-critical": 2_000_000_000}
PREEMPTION = ("Never", "PreemptLowerPriority")


def priority_class(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    name, value = (obj.get("metadata") or {}).get("name", ""), obj.get("value", 0)
    if name.startswith("system-"):
        if name not in SYSTEM:
            causes.append(forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for "
                                                     "system use only"))
        elif value != SYSTEM[name]:
            causes.append(forbidden("value", f"value of {name} PriorityClass must be {SYSTEM[name]}"))
    elif isinstance(value, int) and value > HIGHEST_USER:
        causes.append(forbidden("value", f"maximum allowed value of a user defined priority is {HIGHEST_USER}"))
    if obj.get("preemptionPolicy") not in (None, *PREEMPTION):
        causes.append(not_supported("preemptionPolicy", obj["preemptionPolicy"], PREEMPTION))
    if old is not None:
        if old.get("value") != value:
            causes.append(forbidden("value", "may not be changed in an update."))
        if old.get("preemptionPolicy") != obj.get("preemptionPolicy"):
            causes.append(forbidden("preemptionPolicy", "may not be changed in an update."))
    return causes
