"""The ResourceQuota admission plugin: a write that would take a namespace past one of its quotas is refused,
in kube-apiserver's words, before anything is stored. As in kube-apiserver it is the last validating step, after
the webhooks, and nothing is awaited between its count and the store's write, so concurrent requests held up
by a slow webhook cannot all pass on the same count.

Usage is counted from the stored objects of the namespace at the time of the request (kube-apiserver keeps a
running total in each quota's status, which the resource-quota controller also recomputes); a quota on a
compute resource also requires every container of a new pod to say how much of it it requests or is limited to.
"""

from fractions import Fraction

from ...apimachinery import quota
from ...apimachinery.errors import admission_forbidden
from ...apimachinery.quantity import format_quantity, is_binary, parse
from ..resources import Resource
from ..storage import Objects
from .plugins import Admit
from .request import WriteOptions


def _missing(hard: dict, pod: dict) -> list[str]:
    """'limits.cpu for: web' for each compute resource a quota tracks that some container does not state."""
    out = []
    for name in sorted(hard):
        kind, _, resource = name.partition(".") if "." in name else ("requests", "", name)
        if resource not in quota.COMPUTE:
            continue
        lacking = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []
                   if resource not in ((c.get("resources") or {}).get(kind) or {})
                   and not (kind == "requests" and resource in ((c.get("resources") or {}).get("limits") or {}))]
        if lacking:
            out.append(f"{name} for: {','.join(lacking)}")
    return out


def resource_quota(objects: Objects) -> Admit:
    def stored(namespace: str, group: str, plural: str) -> list[dict]:
        return objects.store.list(f"/registry/{group or 'core'}/{plural}/{namespace}/")[0]

    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if not namespace or (r.group, r.plural) == ("", "resourcequotas") and old is not None:
            return
        quotas = stored(namespace, "", "resourcequotas")
        if not quotas:
            return
        after = quota.usage(r.group, r.plural, new)
        before = quota.usage(r.group, r.plural, old) if old is not None else {}
        delta = {k: v - before.get(k, Fraction(0)) for k, v in after.items() if v > before.get(k, Fraction(0))}
        name = new["metadata"].get("name", "")
        for q in sorted(quotas, key=lambda q: q["metadata"]["name"]):
            hard = (q.get("spec") or {}).get("hard") or {}
            if not quota.selects(q, r.group, r.plural, new):
                continue
            if (r.group, r.plural) == ("", "pods") and old is None and (missing := _missing(hard, new)):
                raise admission_forbidden(r.plural, r.group, name, f"failed quota: {q['metadata']['name']}: must "
                                          f"specify {'; '.join(missing)}")
            charged = {k: v for k, v in delta.items() if k in hard}
            if not charged:
                continue
            kinds = {kind for k in hard if (kind := quota.kind_of(k)) is not None}
            used = quota.used(q, {kind: stored(namespace, *kind) for kind in kinds})
            over = sorted(k for k, v in charged.items() if used[k] + v > parse(hard[k]))
            if over:
                def shown(amounts: dict) -> str:
                    return quota.pretty({k: format_quantity(amounts[k], is_binary(hard[k])) for k in over})
                raise admission_forbidden(r.plural, r.group, name, f"exceeded quota: {q['metadata']['name']}, "
                                          f"requested: {shown(charged)}, used: {shown(used)}, limited: "
                                          f"{quota.pretty({k: str(hard[k]) for k in over})}")

    return admit
