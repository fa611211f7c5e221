"""The CEL `authorizer` of ValidatingAdmissionPolicies: authorization checks from inside an expression.

`authorizer.group('apps').resource('deployments').namespace('ns').name('x').check('update').allowed()` asks
the API server's own authorizer (Node, RBAC) whether the requesting user may do that; `authorizer.path('/healthz')
.check('get')` asks for a non-resource URL; `authorizer.serviceAccount('ns', 'sa')` asks for that account instead;
`authorizer.requestResource` is the request's own resource, to `.check()` another verb on it. A decision offers
`allowed()`, `reason()`, `errored()` and `error()`, as Kubernetes's library does.

Each step is a CEL map carrying its state, and the library's methods are CEL functions over it (cel-python calls
a member function with its target first), so chains of any length evaluate without a type system of our own.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from celpy import celtypes

from .auth import User
from .authz.attributes import Attributes

Decide = Callable[[Attributes], tuple[bool, str]]


@dataclass(frozen=True)
class State:
    decide: Decide
    user: User
    group: str | None = None  # None until .group() (or .path()) says what is asked about
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str | None = None


class Step(celtypes.MapType):
    """An authorizer, a group, resource or path check, or a decision: a CEL value that knows what it stands for."""

    def __init__(self, state: State, decision: tuple[bool, str] | None = None, fields: dict | None = None) -> None:
        super().__init__({celtypes.StringType(k): v for k, v in (fields or {}).items()})
        self.state, self.decision = state, decision


def root(decide: Decide, user: User, resource: str, subresource: str, group: str, namespace: str,
         name: str) -> Step:
    """The `authorizer` variable of one request (its `requestResource` field included)."""
    base = State(decide, user)
    own = replace(base, group=group, resource=resource, subresource=subresource, namespace=namespace, name=name)
    return Step(base, fields={"requestResource": Step(own)})


def _with(field: str) -> Callable:
    def step(target: Step, value: celtypes.StringType) -> Step:
        return Step(replace(target.state, **{field: str(value)}))
    return step


def _service_account(target: Step, namespace: celtypes.StringType, name: celtypes.StringType) -> Step:
    ns, sa = str(namespace), str(name)
    user = User(f"system:serviceaccount:{ns}:{sa}",
                ("system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"))
    return Step(State(target.state.decide, user))


def _check(target: Step, verb: celtypes.StringType) -> Step:
    s = target.state
    if s.path is not None:
        attrs = Attributes(s.user, str(verb).lower(), resource_request=False, path=s.path)
    else:
        attrs = Attributes(s.user, str(verb), api_group=s.group or "", api_version="*", resource=s.resource,
                           subresource=s.subresource, namespace=s.namespace, name=s.name)
    return Step(s, s.decide(attrs))


def _decision(target: Step) -> tuple[bool, str]:
    if target.decision is None:
        raise TypeError("no such overload: a decision's method on what is not a check() result")
    return target.decision


def _errored(target: Step) -> celtypes.BoolType:
    _decision(target)
    return celtypes.BoolType(False)  # RBAC and the Node authorizer decide without errors


def _error(target: Step) -> celtypes.StringType:
    _decision(target)
    return celtypes.StringType("")


FUNCTIONS = {
    "group": _with("group"), "resource": _with("resource"), "subresource": _with("subresource"),
    "namespace": _with("namespace"), "name": _with("name"), "path": _with("path"),
    "serviceAccount": _service_account, "check": _check,
    "allowed": lambda d: celtypes.BoolType(_decision(d)[0]),
    "reason": lambda d: celtypes.StringType(_decision(d)[1]),
    "errored": _errored, "error": _error,
}
