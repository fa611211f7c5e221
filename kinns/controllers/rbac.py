"""The ClusterRole aggregation controller: a ClusterRole with an aggregationRule holds the rules of every
ClusterRole its selectors match (how `admin`, `edit` and `view` gather the rules CRDs' roles add to them)."""

from ..apimachinery.labels import selector_matches
from ..client.client import path
from .base import Controller

CLUSTERROLES = path("rbac.authorization.k8s.io/v1", "clusterroles")


class ClusterRoleAggregationController(Controller):
    name = "clusterrole-aggregation-controller"

    def setup(self) -> None:
        # any change may concern any aggregated role: each change queues the one key, every aggregated role
        self.roles = self.watch(CLUSTERROLES)

    def gathered(self, role: dict) -> list[dict]:
        """The rules the role's selectors gather, each once, in the order of the roles' names."""
        selectors = (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or []
        rules: list[dict] = []
        for other in sorted(self.roles.values(), key=lambda o: o["metadata"]["name"]):
            if other["metadata"]["name"] == role["metadata"]["name"]:
                continue
            labels = other["metadata"].get("labels") or {}
            if any(selector_matches(s, labels) for s in selectors):
                rules += [r for r in other.get("rules") or [] if r not in rules]
        return rules

    async def reconcile(self, key: None) -> None:
        for role in self.roles.values():
            if not role.get("aggregationRule") or role["metadata"].get("deletionTimestamp"):
                continue
            rules = self.gathered(role)
            if rules != (role.get("rules") or []):
                await self.client.patch(f"{CLUSTERROLES}/{role['metadata']['name']}",
                                        {"metadata": {"resourceVersion": role["metadata"]["resourceVersion"]},
                                         "rules": rules})
