"""The RBAC authorizer's view of the roles and bindings: indexed by subject, kept current as the store changes.

The index is fed by the store's own write listener (synchronously, in the
transaction's wake), so a binding created by one request authorizes the next.
A request's rules are those of the ClusterRoleBindings naming one of its
subjects, plus, inside a namespace, those of that namespace's RoleBindings.
"""

from collections import defaultdict

from ...store import Event, Store
from ..auth import User
from .attributes import Attributes
from .rules import allows

PREFIX = "/registry/rbac.authorization.k8s.io/"
KINDS = ("clusterroles", "roles", "clusterrolebindings", "rolebindings")
Subject = tuple[str, str]  # ("User" | "Group", name); service accounts are their user names


def subject_keys(subject: dict, namespace: str) -> Subject | None:
    kind, name = subject.get("kind"), subject.get("name", "")
    if kind == "ServiceAccount":
        return "User", f"system:serviceaccount:{subject.get('namespace') or namespace}:{name}"
    if kind in ("User", "Group"):
        return kind, name
    return None


def user_keys(user: User) -> list[Subject]:
    return [("User", user.name), *(("Group", g) for g in user.groups)]


class RBACIndex:
    def __init__(self, store: Store) -> None:
        self.roles: dict[tuple[str, str], list[dict]] = {}  # (namespace or "", name) -> rules; "" = ClusterRole
        self.bindings: dict[tuple[str, str], tuple[str, str]] = {}  # (namespace or "", name) -> roleRef kind, name
        self.subjects_of: dict[tuple[str, str], list[Subject]] = {}
        self.by_subject: dict[Subject, set[tuple[str, str]]] = defaultdict(set)
        store.listeners.append(self._event)
        for plural in KINDS:
            for obj in store.list(PREFIX + plural + "/")[0]:
                self._put(plural, obj)

    def _event(self, event: Event) -> None:
        if not event.key.startswith(PREFIX):
            return
        plural = event.key[len(PREFIX):].split("/", 1)[0]
        if event.type == "DELETED":
            self._drop(plural, event.object)
        else:
            self._put(plural, event.object)

    @staticmethod
    def _at(plural: str, obj: dict) -> tuple[str, str]:
        meta = obj["metadata"]
        return ("" if plural.startswith("cluster") else meta.get("namespace", "")), meta["name"]

    def _put(self, plural: str, obj: dict) -> None:
        at = self._at(plural, obj)
        if plural.endswith("roles"):
            self.roles[at] = [r for r in obj.get("rules") or [] if isinstance(r, dict)]
            return
        self._drop(plural, obj)
        ref = obj.get("roleRef") or {}
        self.bindings[at] = (ref.get("kind", ""), ref.get("name", ""))
        keys = [k for s in obj.get("subjects") or [] if (k := subject_keys(s, at[0]))]
        self.subjects_of[at] = keys
        for k in keys:
            self.by_subject[k].add(at)

    def _drop(self, plural: str, obj: dict) -> None:
        at = self._at(plural, obj)
        if plural.endswith("roles"):
            self.roles.pop(at, None)
            return
        self.bindings.pop(at, None)
        for k in self.subjects_of.pop(at, []):
            self.by_subject[k].discard(at)
            if not self.by_subject[k]:
                del self.by_subject[k]

    def role_rules(self, kind: str, namespace: str, name: str) -> list[dict]:
        """The rules of the role a roleRef names (none when it does not exist)."""
        return self.roles.get(("", name) if kind == "ClusterRole" else (namespace, name), [])

    def rules_for(self, user: User, namespace: str) -> list[dict]:
        """Every rule the user holds in `namespace` ("": cluster-wide rules only)."""
        out: list[dict] = []
        seen: set[tuple[str, str]] = set()
        for k in user_keys(user):
            for at in self.by_subject.get(k, ()):
                if at in seen or at[0] not in ("", namespace):
                    continue
                seen.add(at)
                kind, name = self.bindings[at]
                if at[0] == "" and kind != "ClusterRole":
                    continue
                out += self.role_rules(kind, at[0], name)
        return out

    def allows(self, attrs: Attributes) -> bool:
        for k in user_keys(attrs.user):
            for at in self.by_subject.get(k, ()):
                if at[0] and (at[0] != attrs.namespace or not attrs.resource_request):
                    continue
                kind, name = self.bindings[at]
                if not at[0] and kind != "ClusterRole":
                    continue
                if any(allows(rule, attrs) for rule in self.role_rules(kind, at[0], name)):
                    return True
        return False
