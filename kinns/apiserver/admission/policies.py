"""ValidatingAdmissionPolicy: CEL validations run in the API server for every request a binding selects.

A binding applies its policy where both the policy's matchConstraints and the binding's matchResources
select the request and the policy's matchConditions hold. The expressions see `object`, `oldObject`,
`request`, `namespaceObject`, `params` (the binding's paramRef resolved against the policy's paramKind, each
match evaluated in turn) and `variables`. A false validation is reported with its messageExpression, message or
expression; what happens then is the binding's validationActions: Deny refuses the request, in kube-apiserver's
words and with the validation's reason (Invalid by default), Warn adds a warning, Audit records nothing more here
(kinns keeps no audit log, as a kubeadm cluster without an audit policy). An expression that fails to evaluate is
a failure when the policy's failurePolicy is Fail and is passed over when it is Ignore. `authorizer` asks the
API server's own authorizer about the requesting user (cel_authorizer.py).
"""

import uuid

from celpy import celtypes

from ...apimachinery.errors import APIError
from ...apimachinery.labels import selector_matches
from ...store import Store
from .. import cel, cel_authorizer
from ..auth import User
from ..resources import Registry
from .configurations import Configurations
from .matching import labels_of, namespace_of, rules_match, selectors_match
from .request import Request
from .webhooks import review

CODES = {"Forbidden": 403, "Invalid": 422, "RequestEntityTooLarge": 413}
SERVER = User("system:apiserver", ("system:masters",))  # whom the server's own writes are checked as


class Failure(Exception):
    """One binding's verdict against a request: the message and the reason it is refused with."""

    def __init__(self, message: str, reason: str = "Invalid") -> None:
        super().__init__(message)
        self.message, self.reason = message, reason


def _selected(match: dict | None, request: Request, new: dict | None, old: dict | None,
              namespace_labels: dict | None) -> bool:
    """Do these MatchResources select the request? None selects everything (a binding without its own)."""
    if match is None:
        return True
    equivalent = match.get("matchPolicy") != "Exact"
    if rules_match(_named(match.get("excludeResourceRules"), request), request, equivalent):
        return False
    rules = match.get("resourceRules") or []
    if rules and not rules_match(_named(rules, request), request, equivalent):
        return False
    return selectors_match(match, request, new, old, namespace_labels)


def _named(rules: list | None, request: Request) -> list[dict]:
    """The rules whose resourceNames (if any) include the request's object."""
    return [r for r in rules or [] if isinstance(r, dict) and (not r.get("resourceNames")
                                                              or request.name in r["resourceNames"])]


class Policies:
    def __init__(self, store: Store, registry: Registry, configurations: Configurations,
                 decide: cel_authorizer.Decide) -> None:
        self.store, self.registry, self.configurations, self.decide = store, registry, configurations, decide

    def validate(self, request: Request, new: dict | None, old: dict | None) -> None:
        bindings = self.configurations.bindings()
        if not bindings:
            return
        namespace = namespace_of(self.store, request)
        labels = labels_of(namespace) if namespace else None
        activation = None
        for policy, binding in bindings:
            spec, bspec = policy.get("spec") or {}, binding.get("spec") or {}
            if not _selected(spec.get("matchConstraints") or {}, request, new, old, labels) or \
                    not _selected(bspec.get("matchResources"), request, new, old, labels):
                continue
            activation = activation or self._activation(request, new, old, namespace)
            try:
                self._evaluate(spec, bspec, request, activation)
            except Failure as failure:
                self._enforce(policy, binding, failure, request)
            except cel.EvalError as err:
                if spec.get("failurePolicy", "Fail") == "Fail":
                    self._enforce(policy, binding, Failure(str(err)), request)

    def _activation(self, request: Request, new: dict | None, old: dict | None, namespace: dict | None) -> dict:
        """The variables every expression of the request sees, converted to CEL once (and only once a binding
        selects the request: most requests match none)."""
        r = request.resource
        review_request = review(request, None, None, str(uuid.uuid4()))["request"]
        return {"object": cel.value(new), "oldObject": cel.value(old), "namespaceObject": cel.value(namespace),
                "request": cel.value({k: v for k, v in review_request.items() if k not in ("object", "oldObject")}),
                "authorizer": cel_authorizer.root(self.decide, request.opts.user or SERVER, r.plural,
                                                  request.subresource, r.group, request.namespace or "", request.name)}

    def _evaluate(self, spec: dict, bspec: dict, request: Request, activation: dict) -> None:
        for condition in spec.get("matchConditions") or []:
            if not _true(cel.evaluate(condition.get("expression", ""), {**activation, "params": None})):
                return
        for params in self._params(spec, bspec, request):
            env = {**activation, "params": cel.value(params)}
            variables = celtypes.MapType()
            for variable in spec.get("variables") or []:
                variables[celtypes.StringType(variable.get("name", ""))] = cel.evaluate(
                    variable.get("expression", ""), {**env, "variables": variables})
            env["variables"] = variables
            for rule in spec.get("validations") or []:
                expression = rule.get("expression", "")
                try:
                    verdict = cel.evaluate(expression, env)
                except cel.EvalError as err:
                    raise cel.EvalError(f"expression '{expression}' resulted in error: {err}") from None
                if not _true(verdict):
                    raise Failure(_message(rule, env), rule.get("reason") or "Invalid")

    def _params(self, spec: dict, bspec: dict, request: Request) -> list[dict | None]:
        """The parameter objects of one binding ([None] for a policy without paramKind)."""
        kind = spec.get("paramKind")
        if not kind:
            return [None]
        group, _, version = str(kind.get("apiVersion", "")).rpartition("/")
        r = self.registry.by_kind(group, kind.get("kind", ""))
        if r is None or r.version != version and version not in (r.extra.get("versions") or ()):
            raise cel.EvalError(f"failed to configure binding: paramKind kind `{kind.get('apiVersion')}, "
                                f"Kind={kind.get('kind')}` not known")
        ref = bspec.get("paramRef")
        if not ref:
            raise cel.EvalError("failed to configure binding: paramRef is required when the policy has a paramKind")
        namespace = ref.get("namespace") or (request.namespace if r.namespaced else None)
        if r.namespaced and not namespace:
            raise cel.EvalError("cannot use namespaced paramRef in policy binding that matches cluster-scoped "
                                "resources")
        if ref.get("name"):
            found = [p for p in [self.store.get(r.key(namespace, ref["name"]))] if p is not None]
        else:
            found = [p for p in self.store.list(r.key(namespace))[0]
                     if selector_matches(ref.get("selector") or {}, labels_of(p))]
        if found:
            return found
        if ref.get("parameterNotFoundAction") == "Deny":
            raise Failure("no params found for policy binding with `Deny` parameterNotFoundAction")
        return []

    def _enforce(self, policy: dict, binding: dict, failure: Failure, request: Request) -> None:
        actions = (binding.get("spec") or {}).get("validationActions") or []
        p, b = policy["metadata"]["name"], binding["metadata"]["name"]
        if "Warn" in actions:
            request.opts.warnings.append(f"Validation failed for ValidatingAdmissionPolicy '{p}' with binding "
                                         f"'{b}': {failure.message}")
        if "Deny" in actions:
            message = f"ValidatingAdmissionPolicy '{p}' with binding '{b}' denied request: {failure.message}"
            r = request.resource
            name = request.name
            details = {"name": name, "kind": r.plural, **({"group": r.group} if r.group else {}),
                       "causes": [{"message": message}]}
            qualified = f"{r.plural}.{r.group}" if r.group else r.plural
            raise APIError(CODES.get(failure.reason, 422), failure.reason,
                           f'{qualified} "{name}" is forbidden: {message}', details)


def _true(value: object) -> bool:
    return value is True or (type(value).__name__ == "BoolType" and bool(value))


def _message(rule: dict, env: dict) -> str:
    """messageExpression's string when it evaluates to one (a single line), else message, else the expression."""
    if rule.get("messageExpression"):
        try:
            text = cel.evaluate(rule["messageExpression"], env)
        except cel.EvalError:
            text = None
        if isinstance(text, str) and text.strip() and "\n" not in text:
            return str(text)
    return rule.get("message") or f"failed expression: {rule.get('expression', '')}"
