"""ResourceQuota and LimitRange (core/v1): resource names, non-negative quantities, quota scopes, and a limit
range's min <= defaultRequest <= default <= max, in kube-apiserver's messages."""

from ...apimachinery import quota
from ...apimachinery.quantity import parse
from . import formats
from .field import Cause, child, forbidden, index, invalid, invalid_each, key, not_supported, required
from .meta import dict_of, list_of

OPERATORS = ("DoesNotExist", "Exists", "In", "NotIn")
LIMIT_TYPES = ("Container", "PersistentVolumeClaim", "Pod")


def _quantities(values: object, where: str, name_check: bool = True) -> list[Cause]:
    causes: list[Cause] = []
    for name, value in dict_of(values).items():
        at = key(where, name)
        if name_check:
            causes += invalid_each(at, name, formats.qualified_name(str(name)))
        if formats.quantity(value):
            causes += invalid_each(at, value, formats.quantity(value))
        elif parse(value) < 0:
            causes.append(invalid(at, str(value), "must be greater than or equal to 0"))
    return causes


def resource_quota(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes = _quantities(spec.get("hard"), "spec.hard")
    scopes = list_of(spec.get("scopes"))
    for i, scope in enumerate(scopes):
        if scope not in quota.SCOPES:
            causes.append(not_supported(index("spec.scopes", i), scope, quota.SCOPES))
    for i, requirement in enumerate(list_of(dict_of(spec.get("scopeSelector")).get("matchExpressions"))):
        requirement, at = dict_of(requirement), index("spec.scopeSelector.matchExpressions", i)
        if requirement.get("scopeName") not in quota.SCOPES:
            causes.append(not_supported(child(at, "scopeName"), requirement.get("scopeName"), quota.SCOPES))
        operator, values = requirement.get("operator"), list_of(requirement.get("values"))
        if operator not in OPERATORS:
            causes.append(not_supported(child(at, "operator"), operator, OPERATORS))
        elif operator in ("In", "NotIn") and not values:
            causes.append(required(child(at, "values"), "must be at least one value when `operator` is 'In' or "
                                                       "'NotIn' for scope selector"))
        elif operator in ("Exists", "DoesNotExist") and values:
            causes.append(invalid(child(at, "values"), values, "must be no value when `operator` is 'Exist' or "
                                                              "'DoesNotExist' for scope selector"))
    if {"BestEffort", "NotBestEffort"} <= set(scopes) or {"Terminating", "NotTerminating"} <= set(scopes):
        causes.append(invalid("spec.scopes", scopes, "conflicting scopes"))
    return causes


def limit_range(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    for i, item in enumerate(list_of(dict_of(obj.get("spec")).get("limits"))):
        item, at = dict_of(item), index("spec.limits", i)
        kind = item.get("type")
        if kind not in LIMIT_TYPES:
            causes.append(not_supported(child(at, "type"), kind, LIMIT_TYPES))
        for field in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            causes += _quantities(item.get(field), child(at, field))
        if kind == "Pod":
            causes += [forbidden(child(at, f), "may not be specified when `type` is 'Pod'")
                       for f in ("default", "defaultRequest") if item.get(f)]
        if kind == "PersistentVolumeClaim" and not (dict_of(item.get("min")).get("storage") or
                                                    dict_of(item.get("max")).get("storage")):
            causes.append(required(at, "either minimum or maximum storage value is required, but neither was "
                                       "provided"))
        if any(formats.quantity(v) for f in ("max", "min", "default", "defaultRequest")
               for v in dict_of(item.get(f)).values()):
            continue

        for name in sorted({n for f in ("max", "min", "default", "defaultRequest") for n in dict_of(item.get(f))}):
            low, high = dict_of(item.get("min")).get(name), dict_of(item.get("max")).get(name)
            default, request = dict_of(item.get("default")).get(name), dict_of(item.get("defaultRequest")).get(name)
            # (the field blamed, the value shown, the smaller and the larger that are out of order, the message)
            for field, shown, a, b, text in (
                    ("min", low, low, high, "min value {a} is greater than max value {b}"),
                    ("defaultRequest", request, low, request,
                     "min value {a} is greater than default request value {b}"),
                    ("defaultRequest", request, request, high,
                     "default request value {a} is greater than max value {b}"),
                    ("defaultRequest", request, request, default,
                     "default request value {a} is greater than default limit value {b}"),
                    ("default", low, low, default, "min value {a} is greater than default value {b}"),
                    ("default", high, default, high, "default value {a} is greater than max value {b}")):
                if a is not None and b is not None and parse(a) > parse(b):
                    causes.append(invalid(key(child(at, field), name), str(shown), text.format(a=a, b=b)))
        for name, ratio in dict_of(item.get("maxLimitRequestRatio")).items():
            if not formats.quantity(ratio) and parse(ratio) < 1:
                causes.append(invalid(key(child(at, "maxLimitRequestRatio"), name), str(ratio),
                                      "ratio must be greater than or equal to 1"))
    return causes
