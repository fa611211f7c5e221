"""Escalation prevention: a Role or binding may grant only what its author already holds, unless the author may
`escalate` (roles) or `bind` (the role a binding names), as kube-apiserver's RBAC storage refuses it."""

import json

from ...apimachinery.errors import APIError
from ..auth import User
from .attributes import Attributes
from .authorizer import MASTERS, Authorizer
from .rules import describe, uncovered

GROUP = "rbac.authorization.k8s.io"


def _refuse(plural: str, name: str, user: User, missing: list[dict]) -> APIError:
    groups = "[" + " ".join(json.dumps(g) for g in user.groups) + "]"
    listed = "\n".join(describe(r) for r in missing)
    return APIError(403, "Forbidden", f'{plural}.{GROUP} "{name}" is forbidden: user "{user.name}" (groups={groups}) '
                    f"is attempting to grant RBAC permissions not currently held:\n{listed}",
                    {"name": name, "group": GROUP, "kind": plural})


def check(authorizer: Authorizer, user: User | None, plural: str, namespace: str, obj: dict) -> None:
    """Refuse a create or update of `obj` (a role or binding) that grants more than `user` holds."""
    if user is None or MASTERS in user.groups:
        return
    name = obj["metadata"]["name"]
    held = authorizer.rbac.rules_for(user, namespace)
    if plural in ("roles", "clusterroles"):
        if authorizer.decide(Attributes(user, "escalate", True, GROUP, "v1", plural, "", namespace, name))[0]:
            return
        wanted = obj.get("rules") or []
    else:
        ref = obj.get("roleRef") or {}
        role_plural = "clusterroles" if ref.get("kind") == "ClusterRole" else "roles"
        bind = Attributes(user, "bind", True, GROUP, "v1", role_plural, "", namespace, ref.get("name", ""))
        if authorizer.decide(bind)[0]:
            return
        wanted = authorizer.rbac.role_rules(ref.get("kind", ""), namespace, ref.get("name", ""))
    missing = uncovered(held, wanted)
    if missing:
        raise _refuse(plural, name, user, missing)
