"""What a request asks for, as kube-apiserver's RequestInfo resolves it, and the refusal of it."""

from collections.abc import Mapping
from dataclasses import dataclass

from ...apimachinery.errors import APIError
from ..auth import User

VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}
NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass(frozen=True)
class Attributes:
    user: User
    verb: str
    resource_request: bool = True
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""  # of a non-resource request

    @property
    def qualified(self) -> str:
        """`resource` or `resource/subresource`, as rules name it."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource


def _name_from_selector(query: Mapping[str, str]) -> str:
    """A list or watch of one object by `metadata.name=X` is asked as a get of X is (kubelets watch their
    pods' ConfigMaps and Secrets so)."""
    selector = query.get("fieldSelector", "")
    for term in selector.split(","):
        key, _, value = term.partition("=")
        if key.strip() == "metadata.name" and value and not value.startswith("="):
            return value.strip()
    return ""


def from_request(user: User, method: str, parts: list[str], query: Mapping[str, str], watch: bool) -> Attributes:
    """The attributes of a request whose path is `parts` (already split and unquoted)."""
    if parts[:1] == ["api"] and len(parts) >= 2:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        rest = []
    if not rest:  # discovery, health, version, OpenAPI: a path
        return Attributes(user, method.lower(), resource_request=False, path="/" + "/".join(parts))
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource, name, sub = rest[0], rest[1] if len(rest) > 1 else "", rest[2] if len(rest) > 2 else ""
    if method in ("GET", "HEAD"):
        verb = "get" if name else "watch" if watch else "list"
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = VERBS.get(method, method.lower())
    if verb in ("list", "watch") and not name:
        name = _name_from_selector(query)
    return Attributes(user, verb, True, group, version, resource, sub, namespace, name)


def forbidden(attrs: Attributes, reason: str = "") -> APIError:
    """403 in kube-apiserver's words: `pods "x" is forbidden: User "u" cannot get resource "pods" in API group ""
    in the namespace "default"`."""
    who = attrs.user.name
    if not attrs.resource_request:
        message = f'forbidden: User "{who}" cannot {attrs.verb} path "{attrs.path}"'
        details: dict = {}
    else:
        scope = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
        what = attrs.resource + (f".{attrs.api_group}" if attrs.api_group else "")
        subject = f'{what} "{attrs.name}"' if attrs.name else what
        message = (f'{subject} is forbidden: User "{who}" cannot {attrs.verb} resource "{attrs.qualified}" in API '
                   f'group "{attrs.api_group}" {scope}')
        details = {"name": attrs.name, "kind": attrs.resource}
        if attrs.api_group:
            details["group"] = attrs.api_group
    if reason:
        message += f": {reason}"
    return APIError(403, "Forbidden", message, details)
