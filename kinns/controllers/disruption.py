"""The disruption controller: each PodDisruptionBudget's status says how many of its pods may be evicted now.

Expected pods are the pods the budget selects (kinns counts them; kube-controller-manager asks their
controllers' scale, which is the same while they are at their size); healthy ones are Ready and not
being deleted. An eviction the API server let through is kept in disruptedPods until its pod is gone,
so two evictions in quick succession cannot both spend the same allowance.
"""

import math

from ..apimachinery.conditions import condition
from ..apimachinery.labels import selector_matches
from ..client.client import path
from .base import PODS, Controller, own_key

BUDGETS = path("policy/v1", "poddisruptionbudgets")


def _count(value: object, expected: int, round_up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        share = int(value[:-1]) * expected / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value or 0)


def budget_status(pdb: dict, pods: list[dict]) -> dict:
    """The status of `pdb` given the pods of its namespace."""
    spec, previous = pdb.get("spec") or {}, pdb.get("status") or {}
    selected = [p for p in pods if selector_matches(spec.get("selector"), p["metadata"].get("labels") or {})]
    live = {p["metadata"]["name"] for p in selected if not p["metadata"].get("deletionTimestamp")}
    disrupted = {name: when for name, when in (previous.get("disruptedPods") or {}).items() if name in live}
    healthy = sum(1 for p in selected if p["metadata"]["name"] in live and p["metadata"]["name"] not in disrupted
                  and any(c.get("type") == "Ready" and c.get("status") == "True"
                          for c in (p.get("status") or {}).get("conditions") or []))
    expected = len(selected)
    if spec.get("maxUnavailable") is not None:
        desired = max(0, expected - _count(spec["maxUnavailable"], expected, round_up=True))
    else:
        desired = _count(spec.get("minAvailable"), expected, round_up=True)
    allowed = max(0, healthy - desired)
    status = {"observedGeneration": pdb["metadata"].get("generation", 1), "disruptionsAllowed": allowed,
              "currentHealthy": healthy, "desiredHealthy": desired, "expectedPods": expected,
              "conditions": [condition("DisruptionAllowed", allowed > 0,
                                       "SufficientPods" if allowed > 0 else "InsufficientPods",
                                       previous=previous.get("conditions"),
                                       observedGeneration=pdb["metadata"].get("generation", 1))]}
    if disrupted:
        status["disruptedPods"] = disrupted
    return status


class DisruptionController(Controller):
    name = "disruption-controller"

    def setup(self) -> None:
        self.budgets = self.watch(BUDGETS, own_key)
        self.pods = self.watch(PODS, self._budgets_of)

    def _budgets_of(self, pod: dict) -> list[tuple[str, str]]:
        namespace = pod["metadata"].get("namespace") or ""
        return [(namespace, b["metadata"]["name"]) for b in self.budgets.in_namespace(namespace)
                if selector_matches((b.get("spec") or {}).get("selector"), pod["metadata"].get("labels") or {})]

    async def reconcile(self, key: tuple[str, str]) -> None:
        pdb = self.live(self.budgets, key)
        if pdb is None:
            return
        status = budget_status(pdb, self.pods.in_namespace(key[0]))
        old = pdb.get("status") or {}
        if {k: v for k, v in status.items() if k != "conditions"} != \
                {k: v for k, v in old.items() if k != "conditions"} or \
                [c["status"] for c in status["conditions"]] != [c.get("status") for c in old.get("conditions") or []]:
            await self.client.patch(path("policy/v1", "poddisruptionbudgets", key[0], key[1], "status"),
                                    {"metadata": {"resourceVersion": pdb["metadata"]["resourceVersion"]},
                                     "status": status})
