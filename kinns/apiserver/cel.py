"""CEL validation rules of CRD schemas (`x-kubernetes-validations`), as the apiextensions server runs them.

A rule is evaluated with `self` bound to the value at its schema node, after
defaulting, wherever that value is present; a rule naming `oldSelf` is a
transition rule, evaluated only on update where the old value exists (object
properties and list items correlated by their map keys). A rule that is false,
or fails to evaluate, is a cause in the Invalid Status worded as
kube-apiserver words it (`spec.x: Invalid value: "object": <message>`); its
`reason` and `fieldPath` choose the cause's reason and field. Rules compile
when a CRD is written, so a broken rule is refused there rather than at every
object. The expressions run on cel-python with RE2 regular expressions (the
dialect Kubernetes's `matches` uses) and the Kubernetes string library
functions the common CRDs call; admission policies also get the authorizer library (cel_authorizer.py).
"""

import functools
import ipaddress
import json
import logging

import celpy
from celpy import celtypes

from . import cel_authorizer
from .schema.fields import json_type

log = logging.getLogger("kinns.apiserver.cel")

Cause = tuple[str, str, str]
_ENV = celpy.Environment()
_REASONS = {"FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"}


class RuleError(ValueError):
    """A rule that does not compile."""


def _lower(s: celtypes.StringType) -> celtypes.StringType:
    return celtypes.StringType(str(s).lower())


def _upper(s: celtypes.StringType) -> celtypes.StringType:
    return celtypes.StringType(str(s).upper())


def _trim(s: celtypes.StringType) -> celtypes.StringType:
    return celtypes.StringType(str(s).strip())


def _split(s: celtypes.StringType, sep: celtypes.StringType) -> celtypes.ListType:
    return celtypes.ListType([celtypes.StringType(p) for p in str(s).split(str(sep))])


def _index_of(s: celtypes.StringType, sub: celtypes.StringType) -> celtypes.IntType:
    return celtypes.IntType(str(s).find(str(sub)))


def _is_cidr(s: celtypes.StringType) -> celtypes.BoolType:
    """Kubernetes's isCIDR: an address and a prefix length, host bits allowed, no zone, no leading zeros."""
    text = str(s)
    if "/" not in text or "%" in text:
        return celtypes.BoolType(False)
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        return celtypes.BoolType(False)
    mapped = isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped is not None
    return celtypes.BoolType(not mapped)


# Kubernetes's string extension library, the part the common CRDs use, and isCIDR of its network library
FUNCTIONS = {"lowerAscii": _lower, "upperAscii": _upper, "trim": _trim, "split": _split, "indexOf": _index_of,
             "isCIDR": _is_cidr, **cel_authorizer.FUNCTIONS}


@functools.lru_cache(maxsize=4096)
def program(expression: str) -> celpy.Runner:
    try:
        return _ENV.program(_ENV.compile(expression), functions=FUNCTIONS)
    except celpy.CELParseError as err:
        raise RuleError(f"compilation failed: {str(err).splitlines()[0]}") from None


class EvalError(ValueError):
    """An expression that failed to evaluate; its text is CEL's first words, without the activation dump."""


def value(v: object) -> object:
    """A JSON value as CEL; one converted already passes as it is (an admission policy converts the request's
    objects once, not for every expression it evaluates)."""
    return v if isinstance(v, (celtypes.MapType, celtypes.ListType)) else celpy.json_to_cel(v)


def evaluate(expression: str, activation: dict) -> object:
    """The value of `expression` with these variables (JSON or CEL values); EvalError when it does not evaluate."""
    try:
        return program(expression).evaluate({k: value(v) for k, v in activation.items()})
    except (celpy.CELEvalError, TypeError, ValueError, KeyError) as err:
        text = str(err.args[0] if err.args else err).split(" (in activation", 1)[0]
        raise EvalError(text) from None


def compile_rules(schema: dict, path: str = "openAPIV3Schema") -> list[Cause]:
    """Causes for every rule in `schema` that does not compile (checked when a CRD is written)."""
    out: list[Cause] = []
    for i, rule in enumerate(schema.get("x-kubernetes-validations") or []):
        where = f"{path}.x-kubernetes-validations[{i}].rule"
        try:
            program(str(rule.get("rule", "")))
        except RuleError as err:
            out.append((where, "FieldValueInvalid", f"Invalid value: {rule.get('rule')!r}: {err}"))
    for name, sub in (schema.get("properties") or {}).items():
        out += compile_rules(sub, f"{path}.properties[{name}]")
    if isinstance(schema.get("items"), dict):
        out += compile_rules(schema["items"], f"{path}.items")
    if isinstance(schema.get("additionalProperties"), dict):
        out += compile_rules(schema["additionalProperties"], f"{path}.additionalProperties")
    return out


def _cause(rule: dict, value: object, path: str, message: str) -> Cause:
    where = path + rule["fieldPath"] if rule.get("fieldPath") else path
    reason = rule.get("reason") if rule.get("reason") in _REASONS else "FieldValueInvalid"
    if reason == "FieldValueForbidden":
        text = f"Forbidden: {message}"
    elif reason == "FieldValueRequired":
        text = f"Required value: {message}"
    elif reason == "FieldValueDuplicate":
        text = f'Duplicate value: "{json_type(value)}"'
    else:
        text = f'Invalid value: "{json_type(value)}": {message}'
    return where.lstrip("."), reason, text


def _message(rule: dict, activation: dict) -> str:
    if rule.get("messageExpression"):
        try:
            return str(program(rule["messageExpression"]).evaluate(activation))
        except (celpy.CELEvalError, RuleError, TypeError, ValueError):
            pass
    return rule.get("message") or f"failed rule: {rule.get('rule', '')}"


@functools.lru_cache(maxsize=65536)
def _holds(expression: str, value: str, old: str | None) -> bool | str:
    """Does the rule hold for these values (JSON text)? A rule is a pure function of them, so objects that
    repeat the same parts (every route's default path match) cost one evaluation; the interpreter takes
    about half a millisecond a rule. A rule that does not compile gives its error text."""
    activation = {"self": celpy.json_to_cel(json.loads(value))}
    if old is not None:
        activation["oldSelf"] = celpy.json_to_cel(json.loads(old))
    try:
        passed = program(expression).evaluate(activation)
    except RuleError as err:  # stored before rules were compiled on write: report, never crash
        return str(err)
    except (celpy.CELEvalError, TypeError, ValueError, KeyError) as err:
        log.debug("rule %r: %s", expression, err)
        return False
    return passed is True or (isinstance(passed, celtypes.BoolType) and bool(passed))


def _rules(schema: dict, value: object, old: object, path: str) -> list[Cause]:
    out: list[Cause] = []
    text = None
    for rule in schema.get("x-kubernetes-validations") or []:
        expression = str(rule.get("rule", ""))
        transition = "oldSelf" in expression
        if transition and old is None:
            continue
        text = text or json.dumps(value, sort_keys=True)
        verdict = _holds(expression, text, json.dumps(old, sort_keys=True) if transition else None)
        if isinstance(verdict, str):
            out.append(_cause(rule, value, path, verdict))
        elif not verdict:
            activation = {"self": celpy.json_to_cel(value), **({"oldSelf": celpy.json_to_cel(old)}
                                                               if transition else {})}
            out.append(_cause(rule, value, path, _message(rule, activation)))
    return out


def check(schema: dict, value: object, old: object = None, path: str = "") -> list[Cause]:
    """Every failed rule under `schema` for `value` (and `old`, the stored value on update; None on create)."""
    if value is None or not isinstance(schema, dict) or (old is not None and value == old):
        return []  # an unchanged value is not validated again (ratcheting, as since Kubernetes 1.30)
    out = _rules(schema, value, old, path)
    if isinstance(value, dict):
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            sub = props.get(name, extra if isinstance(extra, dict) else None)
            if sub is None:
                continue
            before = old.get(name) if isinstance(old, dict) else None
            out += check(sub, item, before, f"{path}.{name}" if path else name)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        keys = schema.get("x-kubernetes-list-map-keys") if schema.get("x-kubernetes-list-type") == "map" else None
        by_key = {}
        if keys and isinstance(old, list):
            by_key = {tuple(o.get(k) for k in keys): o for o in old if isinstance(o, dict)}
        for i, item in enumerate(value):
            before = by_key.get(tuple(item.get(k) for k in keys)) if keys and isinstance(item, dict) else None
            out += check(schema["items"], item, before, f"{path}[{i}]")
    return out

