"""rbac.authorization.k8s.io: roles' rules, bindings' roleRef (fixed once made) and subjects."""

from . import formats
from .apps import label_selector
from .field import Cause, child, index, invalid_each, invalid_strings, not_supported, required
from .meta import dict_of, list_of

GROUP = "rbac.authorization.k8s.io"


def path_segment(name: str) -> list[str]:
    """What RBAC objects' names (system:node, ...) and roleRef names must be: a path segment."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in "/%" if c in name]


def _rules(rules: object, namespaced: bool) -> list[Cause]:
    causes: list[Cause] = []
    for i, rule in enumerate(list_of(rules)):
        rule, where = dict_of(rule), index("rules", i)
        if not list_of(rule.get("verbs")):
            causes.append(required(child(where, "verbs"), "verbs must contain at least one value"))
        urls = list_of(rule.get("nonResourceURLs"))
        if urls:
            if namespaced:
                causes.append(invalid_strings(child(where, "nonResourceURLs"), urls,
                                              "namespaced rules cannot apply to non-resource URLs"))
            if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
                causes.append(invalid_strings(child(where, "nonResourceURLs"), urls,
                                              "rules cannot apply to both regular resources and non-resource URLs"))
            continue
        if not list_of(rule.get("apiGroups")):
            causes.append(required(child(where, "apiGroups"), "resource rules must supply at least one api group"))
        if not list_of(rule.get("resources")):
            causes.append(required(child(where, "resources"), "resource rules must supply at least one resource"))
    return causes


def role(obj: dict, old: dict | None) -> list[Cause]:
    return _rules(obj.get("rules"), namespaced=True)


def cluster_role(obj: dict, old: dict | None) -> list[Cause]:
    causes = _rules(obj.get("rules"), namespaced=False)
    if obj.get("aggregationRule") is not None:
        selectors = list_of(dict_of(obj["aggregationRule"]).get("clusterRoleSelectors"))
        if not selectors:
            causes.append(required("aggregationRule.clusterRoleSelectors",
                                   "at least one clusterRoleSelector required if aggregationRule is non-nil"))
        for i, selector in enumerate(selectors):
            causes += label_selector(selector, index("aggregationRule.clusterRoleSelectors", i))
    return causes


def _binding(obj: dict, old: dict | None, namespaced: bool) -> list[Cause]:
    causes: list[Cause] = []
    ref = dict_of(obj.get("roleRef"))
    if ref.get("apiGroup") != GROUP:
        causes.append(not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), [GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if ref.get("kind") not in kinds:
        causes.append(not_supported("roleRef.kind", ref.get("kind", ""), kinds))
    if not ref.get("name"):
        causes.append(required("roleRef.name"))
    else:
        causes += invalid_each("roleRef.name", ref["name"], path_segment(str(ref["name"])))
    for i, subject in enumerate(list_of(obj.get("subjects"))):
        subject, where = dict_of(subject), index("subjects", i)
        name, kind, group = subject.get("name", ""), subject.get("kind", ""), subject.get("apiGroup", "")
        if not name:
            causes.append(required(child(where, "name")))
        if kind == "ServiceAccount":
            if name:
                causes += invalid_each(child(where, "name"), name, formats.dns_subdomain(name))
            if group:
                causes.append(not_supported(child(where, "apiGroup"), group, [""]))
            if not namespaced and not subject.get("namespace"):
                causes.append(required(child(where, "namespace")))
        elif kind in ("User", "Group"):
            if group != GROUP:
                causes.append(not_supported(child(where, "apiGroup"), group, [GROUP]))
        else:
            causes.append(not_supported(child(where, "kind"), kind, ["ServiceAccount", "User", "Group"]))
    if old is not None and dict_of(old.get("roleRef")) != ref:
        was = dict_of(old.get("roleRef"))
        shown = (f'rbac.RoleRef{{APIGroup:"{was.get("apiGroup", "")}", Kind:"{was.get("kind", "")}", '
                 f'Name:"{was.get("name", "")}"}}')
        causes.append(("roleRef", "FieldValueInvalid", f"Invalid value: {shown}: cannot change roleRef"))
    return causes


def role_binding(obj: dict, old: dict | None) -> list[Cause]:
    return _binding(obj, old, namespaced=True)


def cluster_role_binding(obj: dict, old: dict | None) -> list[Cause]:
    return _binding(obj, old, namespaced=False)
