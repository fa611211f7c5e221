"""Which requests a webhook or a policy is for: its rules (operations, groups, versions, resources with their
subresources, scope), its namespace and object selectors, and matchPolicy, as kube-apiserver matches them.

kinns serves one version of each built-in resource, so Equivalent matching
differs from Exact only for custom resources served at several versions: a rule
naming any served version of the resource matches a request for another.
"""

from ...apimachinery.labels import selector_matches
from ...store import Store
from .request import Request

GROUP = "admissionregistration.k8s.io"
# never sent to webhooks or policies, so that a broken one can always be removed (as kube-apiserver exempts them)
EXEMPT = {(GROUP, plural) for plural in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations",
                                         "validatingadmissionpolicies", "validatingadmissionpolicybindings")}


def _resource_matches(patterns: list, plural: str, subresource: str) -> bool:
    """"pods" is the resource alone, "pods/*" it and every subresource, "*" every resource, "*/status" every
    resource's status."""
    for pattern in patterns:
        res, _, sub = str(pattern).partition("/")
        if res in ("*", plural) and sub in ("*", subresource):
            return True
    return False


def rule_matches(rule: dict, request: Request, equivalent: bool) -> bool:
    r = request.resource
    if not {"*", request.operation} & set(rule.get("operations") or []):
        return False
    if not {"*", r.group} & set(rule.get("apiGroups") or []):
        return False
    versions = set(rule.get("apiVersions") or [])
    if not {"*", r.version} & versions and not (equivalent and versions & set(r.extra.get("versions") or ())):
        return False
    if not _resource_matches(rule.get("resources") or [], r.plural, request.subresource):
        return False
    scope = rule.get("scope") or "*"
    return scope == "*" or (scope == "Namespaced") == r.namespaced


def rules_match(rules: list, request: Request, equivalent: bool) -> bool:
    return any(rule_matches(rule, request, equivalent) for rule in rules if isinstance(rule, dict))


def selectors_match(spec: dict, request: Request, new: dict | None, old: dict | None,
                    namespace_labels: dict | None) -> bool:
    """namespaceSelector (the namespace's labels; a Namespace's own; ignored for other cluster-scoped objects)
    and objectSelector (the new or the old object's labels)."""
    selector = spec.get("namespaceSelector") or {}
    r = request.resource
    if (r.group, r.plural) == ("", "namespaces"):
        if not any(selector_matches(selector, labels_of(o)) for o in (new, old) if o is not None):
            return False
    elif r.namespaced and not selector_matches(selector, namespace_labels or {}):
        return False
    selector = spec.get("objectSelector") or {}
    return any(selector_matches(selector, labels_of(o)) for o in (new, old) if o is not None) or (
        new is None and old is None and not selector)


def namespace_of(store: Store, request: Request) -> dict | None:
    """The Namespace object a namespaced request is in (None for a cluster-scoped one, or one not there)."""
    return store.get(f"/registry/core/namespaces/{request.namespace}") if request.namespace else None


def labels_of(obj: dict) -> dict:
    return (obj.get("metadata") or {}).get("labels") or {}


def exempt(request: Request) -> bool:
    return (request.resource.group, request.resource.plural) in EXEMPT
