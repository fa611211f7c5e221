"""Which resources the API serves, from its discovery documents (what client-go's RESTMapper reads).

Controllers that handle objects of any kind (the garbage collector, the
namespace controller, the add-on installer) find a kind's plural and scope
here. The answer is cached and read again when a kind is not in it, so a
CustomResourceDefinition created since is found.
"""

from dataclasses import dataclass

from .client import Client, path


@dataclass(frozen=True)
class APIResource:
    api_version: str  # group/version, or v1 for the core group
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...]

    def path(self, namespace: str | None = None, name: str = "", sub: str = "") -> str:
        return path(self.api_version, self.plural, namespace if self.namespaced else None, name, sub)


class Discovery:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.resources: list[APIResource] = []

    async def refresh(self) -> list[APIResource]:
        versions = ["v1"]
        groups = await self.client.request("GET", "/apis")
        versions += [v["groupVersion"] for g in groups.get("groups") or [] for v in g.get("versions") or []]
        found = []
        for gv in versions:
            listing = await self.client.get("/api/v1" if gv == "v1" else f"/apis/{gv}")
            for r in (listing or {}).get("resources") or []:
                if "/" not in r["name"]:  # subresources are not kinds
                    found.append(APIResource(gv, r["kind"], r["name"], r["namespaced"], tuple(r.get("verbs") or ())))
        self.resources = found
        return found

    async def find(self, api_version: str, kind: str) -> APIResource | None:
        """The resource serving `kind` in `api_version` (discovery read again once when it is not known)."""
        for attempt in range(2):
            if attempt or not self.resources:
                await self.refresh()
            hit = next((r for r in self.resources if r.api_version == api_version and r.kind == kind), None)
            if hit is not None:
                return hit
        return None
