"""Impersonation: `kubectl --as/--as-group/--as-uid` sends Impersonate-* headers; the requester needs the
`impersonate` verb on each user, group, uid and extra it names, and the request then runs as that user."""

from collections.abc import Mapping

from ...apimachinery.errors import bad_request
from ..auth import User
from .attributes import Attributes
from .authorizer import Authorizer

SA_PREFIX = "system:serviceaccount:"


def _target(requester: User, kind: str, value: str) -> Attributes:
    if kind == "user" and value.startswith(SA_PREFIX) and value.count(":") == 3:
        namespace, name = value[len(SA_PREFIX):].split(":", 1)
        return Attributes(requester, "impersonate", True, "", "v1", "serviceaccounts", "", namespace, name)
    if kind == "user":
        return Attributes(requester, "impersonate", True, "", "v1", "users", "", "", value)
    if kind == "group":
        return Attributes(requester, "impersonate", True, "", "v1", "groups", "", "", value)
    if kind == "uid":
        return Attributes(requester, "impersonate", True, "authentication.k8s.io", "v1", "uids", "", "", value)
    return Attributes(requester, "impersonate", True, "authentication.k8s.io", "v1", "userextras", kind, "", value)


def impersonate(authorizer: Authorizer, requester: User, headers: Mapping[str, str]) -> User:
    """The user the request acts as: `requester` itself unless it asks to impersonate (and may)."""
    name = headers.get("Impersonate-User", "")
    groups = headers.getall("Impersonate-Group", []) if hasattr(headers, "getall") else []
    uid = headers.get("Impersonate-Uid", "")
    extras = [(k[len("Impersonate-Extra-"):].lower(), v) for k, v in headers.items()
              if k.lower().startswith("impersonate-extra-")]
    if not name:
        if groups or uid or extras:
            raise bad_request("requested impersonation of groups, a uid or extras without impersonating a user")
        return requester
    wanted = [("user", name)] + [("group", g) for g in groups] + ([("uid", uid)] if uid else []) + extras
    for kind, value in wanted:
        authorizer.check(_target(requester, kind, value))
    implied: list[str] = []
    if name.startswith(SA_PREFIX) and name.count(":") == 3:
        implied = ["system:serviceaccounts", f"system:serviceaccounts:{name.split(':')[2]}"]
    if name == "system:anonymous":
        implied.append("system:unauthenticated")
    elif "system:authenticated" not in groups:
        implied.append("system:authenticated")
    return User(name, tuple(dict.fromkeys([*groups, *implied])))
