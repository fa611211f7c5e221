"""The review APIs: SubjectAccessReview and its Local and Self forms (`kubectl auth can-i`),
SelfSubjectRulesReview (`kubectl auth can-i --list`), SelfSubjectReview (`kubectl auth whoami`) and
TokenReview. None is stored: each answers the question its body asks."""

from ...apimachinery.errors import invalid
from ..auth import Authenticator, User
from .attributes import Attributes
from .authorizer import Authorizer
from .node import node_of

AUTHORIZATION, AUTHENTICATION = "authorization.k8s.io", "authentication.k8s.io"


def _attributes(user: User, spec: dict, kind: str, namespace: str = "") -> Attributes:
    resource, other = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    causes = []
    if resource is not None and other is not None:
        causes.append(("spec.nonResourceAttributes", "FieldValueInvalid",
                       "Invalid value: \"object\": cannot be specified in combination with resourceAttributes"))
    if resource is None and other is None:
        causes.append(("spec.resourceAttributes", "FieldValueInvalid", 'Invalid value: "null": exactly one of '
                       "nonResourceAttributes or resourceAttributes must be specified"))
    if namespace and resource is not None and (resource.get("namespace") or "") != namespace:
        causes.append(("spec.resourceAttributes.namespace", "FieldValueInvalid",
                       f'Invalid value: "{resource.get("namespace") or ""}": must match metadata.namespace'))
    if causes:
        raise invalid(kind, AUTHORIZATION, "", causes)
    if other is not None:
        return Attributes(user, other.get("verb", ""), resource_request=False, path=other.get("path", ""))
    return Attributes(user, resource.get("verb", ""), True, resource.get("group", ""), resource.get("version", ""),
                      resource.get("resource", ""), resource.get("subresource", ""), resource.get("namespace", ""),
                      resource.get("name", ""))


def _answer(kind: str, body: dict, status: dict, namespace: str = "") -> dict:
    meta: dict = {"creationTimestamp": None}
    if namespace:
        meta["namespace"] = namespace
    return {"kind": kind, "apiVersion": f"{AUTHORIZATION if 'Access' in kind or 'Rules' in kind else AUTHENTICATION}"
            f"/v1", "metadata": meta, "spec": body.get("spec") or {}, "status": status}


def _decision(authorizer: Authorizer, attrs: Attributes) -> dict:
    allowed, reason = authorizer.decide(attrs)
    status: dict = {"allowed": allowed}
    if reason:
        status["reason"] = reason
    return status


def access_review(authorizer: Authorizer, requester: User, kind: str, body: dict, namespace: str = "") -> dict:
    """SelfSubjectAccessReview asks for the requester; (Local)SubjectAccessReview for the user it names."""
    spec = body.get("spec") or {}
    if kind == "SelfSubjectAccessReview":
        user = requester
    else:
        if not spec.get("user") and not spec.get("groups"):
            raise invalid(kind, AUTHORIZATION, "", [("spec.user", "FieldValueInvalid",
                                                     'Invalid value: "": at least one of user or group must be '
                                                     "specified")])
        user = User(spec.get("user", ""), tuple(spec.get("groups") or ()))
    return _answer(kind, body, _decision(authorizer, _attributes(user, spec, kind, namespace)), namespace)


def rules_review(authorizer: Authorizer, user: User, body: dict) -> dict:
    namespace = (body.get("spec") or {}).get("namespace", "")
    resource_rules, url_rules = [], []
    for rule in authorizer.rbac.rules_for(user, namespace):
        if rule.get("nonResourceURLs"):
            url_rules.append({"verbs": rule.get("verbs") or [], "nonResourceURLs": rule["nonResourceURLs"]})
        else:
            out = {k: rule[k] for k in ("verbs", "apiGroups", "resources", "resourceNames") if rule.get(k)}
            resource_rules.append(out)
    # a kubelet's rights come from the Node authorizer's relationships, which a list of rules cannot show
    status = {"resourceRules": resource_rules, "nonResourceRules": url_rules,
              "incomplete": node_of(Attributes(user, "")) is not None}
    return _answer("SelfSubjectRulesReview", body, status)


def user_info(user: User) -> dict:
    return {"username": user.name, "groups": list(user.groups)}


def self_review(user: User) -> dict:
    return {"kind": "SelfSubjectReview", "apiVersion": f"{AUTHENTICATION}/v1",
            "metadata": {"creationTimestamp": None}, "status": {"userInfo": user_info(user)}}


def token_review(authenticator: Authenticator, body: dict) -> dict:
    spec = body.get("spec") or {}
    user = authenticator.from_token("Bearer " + (spec.get("token") or ""))
    status: dict = {"authenticated": user is not None, "user": user_info(user) if user else {}}
    if user is None:
        status["error"] = "invalid bearer token"
    return {"kind": "TokenReview", "apiVersion": f"{AUTHENTICATION}/v1", "metadata": {"creationTimestamp": None},
            "spec": spec, "status": status}
