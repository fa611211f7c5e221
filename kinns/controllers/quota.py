"""The resource-quota controller: each ResourceQuota's status shows its hard limits and what its namespace uses
of them now, recounted whenever a counted object changes (the admission plugin refuses what would exceed them).

Pods, services, claims, config maps and secrets are read from the shared mirrors; the first quota that counts
any other kind (`count/<resource>.<group>`) starts a mirror of it, as kube-controller-manager's quota monitors
do, so a Deployment created or deleted is recounted at once (the resync's full recalculation stays for what the
watches do not see).
"""

from ..apimachinery import quota
from ..apimachinery.errors import APIError
from ..apimachinery.quantity import format_quantity, is_binary
from ..client.client import path
from .base import CLAIMS, CONFIGMAPS, PODS, SERVICES, Controller, own_key

QUOTAS = path("v1", "resourcequotas")
SECRETS = path("v1", "secrets")
MIRRORED = {("", "pods"): PODS, ("", "services"): SERVICES, ("", "persistentvolumeclaims"): CLAIMS,
            ("", "configmaps"): CONFIGMAPS, ("", "secrets"): SECRETS}


class ResourceQuotaController(Controller):
    name = "resourcequota-controller"

    def setup(self) -> None:
        self.quotas = self.watch(QUOTAS, own_key)
        self.mirrors = {kind: self.watch(p, self._quotas_of) for kind, p in MIRRORED.items()}
        self.versions: dict[str, str] = {}  # API group -> its preferred version

    def _quotas_of(self, obj: dict) -> list[tuple[str, str]]:
        namespace = obj["metadata"].get("namespace") or ""
        return [(namespace, q["metadata"]["name"]) for q in self.quotas.in_namespace(namespace)]

    async def _objects(self, namespace: str, group: str, plural: str) -> list[dict]:
        if (group, plural) not in self.mirrors:
            if group and group not in self.versions:
                found = await self.client.get(f"/apis/{group}")
                self.versions[group] = ((found or {}).get("preferredVersion") or {}).get("version", "")
            version = self.versions.get(group, "v1") if group else "v1"
            if not version:
                return []  # a group the API does not serve: nothing of it to count
            collection = path(f"{group}/{version}" if group else version, plural)
            try:  # a resource the group does not have is counted as none, not watched
                if await self.client.get(collection, {"limit": "1"}) is None:
                    return []
            except APIError:
                return []
            self.mirrors[(group, plural)] = self.watch(collection, self._quotas_of)
        mirror = self.mirrors[(group, plural)]
        await mirror.wait_synced()
        return mirror.in_namespace(namespace)

    async def reconcile(self, key: tuple[str, str]) -> None:
        q = self.live(self.quotas, key)
        if q is None:
            return
        hard = (q.get("spec") or {}).get("hard") or {}
        kinds = {kind for name in hard if (kind := quota.kind_of(name)) is not None}
        used = quota.used(q, {kind: await self._objects(key[0], *kind) for kind in kinds})
        status = {"hard": dict(hard), "used": {k: format_quantity(v, is_binary(hard[k])) for k, v in used.items()}}
        if q.get("status") != status:
            # replaced whole: a resource taken out of `hard` leaves `used` too
            await self.client.replace(path("v1", "resourcequotas", key[0], key[1], "status"), {**q, "status": status})
