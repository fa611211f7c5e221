"""ControllerRevisions: the history of a DaemonSet's or StatefulSet's pod template, as their controllers keep it.

Each distinct template is one revision named `<owner>-<hash>`, labelled with the template's labels and
`controller.kubernetes.io/hash`, carrying the owner's annotations (so `kubernetes.io/change-cause` shows in
`kubectl rollout history`) and a patch that puts the template back: `{"spec": {"template": {..., "$patch":
"replace"}}}`, which `kubectl rollout undo` sends as it is. Going back to a template seen before renumbers its
revision to the newest instead of making another. Beyond revisionHistoryLimit (10 by default), the oldest
revisions no pod runs are deleted.
"""

import copy

from ..apimachinery.errors import APIError
from ..apimachinery.meta import controlled_by, owner_reference
from ..client.client import path
from ..client.mirror import Mirror
from .workloads import template_hash

HASH = "controller.kubernetes.io/hash"


def template_of(revision: dict) -> dict:
    """The pod template a revision holds."""
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


class History:
    """The revisions of one kind of owner, read from a mirror of the namespace's ControllerRevisions and written
    through the controller's client."""

    def __init__(self, client, revisions: Mirror, kind: str) -> None:
        self.client, self.revisions, self.kind = client, revisions, kind

    def of(self, owner: dict) -> list[dict]:
        """The owner's revisions, oldest first."""
        return sorted((r for r in self.revisions.in_namespace(owner["metadata"]["namespace"])
                       if controlled_by(r, owner) and not r["metadata"].get("deletionTimestamp")),
                      key=lambda r: r.get("revision", 0))

    async def current(self, owner: dict) -> tuple[dict, str]:
        """The revision of the owner's template now (made, or an earlier one of the same template made the
        newest) and the template's hash."""
        meta, template = owner["metadata"], (owner.get("spec") or {}).get("template") or {}
        digest = template_hash(template)
        name, history = f"{meta['name']}-{digest}", self.of(owner)
        newest = max((r.get("revision", 0) for r in history), default=0)
        same = next((r for r in history if r["metadata"]["name"] == name), None)
        if same is not None:
            if same.get("revision", 0) == newest:
                return same, digest
            same = await self.client.replace(path("apps/v1", "controllerrevisions", meta["namespace"], name),
                                             {**same, "revision": newest + 1})
            return same, digest
        revision = {
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": name, "namespace": meta["namespace"],
                         "labels": {**((template.get("metadata") or {}).get("labels") or {}), HASH: digest},
                         "annotations": dict(meta.get("annotations") or {}),
                         "ownerReferences": [owner_reference(owner, self.kind, "apps/v1")]},
            "data": {"spec": {"template": {**copy.deepcopy(template), "$patch": "replace"}}},
            "revision": newest + 1}
        try:
            made = await self.client.create(path("apps/v1", "controllerrevisions", meta["namespace"]), revision)
        except APIError as err:
            made = self.revisions.get(meta["namespace"], name)  # made meanwhile, and not yet seen
            if err.code != 409 or made is None:
                raise
        return made, digest

    async def prune(self, owner: dict, in_use: set[str]) -> None:
        """Delete the oldest revisions past the owner's revisionHistoryLimit, never one in `in_use` (names)."""
        limit = (owner.get("spec") or {}).get("revisionHistoryLimit", 10)
        history = self.of(owner)
        spare = [r for r in history[:-1] if r["metadata"]["name"] not in in_use]  # never the newest
        for revision in spare[:max(0, len(spare) - limit)]:
            try:
                await self.client.delete(path("apps/v1", "controllerrevisions", owner["metadata"]["namespace"],
                                              revision["metadata"]["name"]))
            except APIError as err:
                if err.code != 404:
                    raise
