"""Label selectors with the Kubernetes syntax, as text and as LabelSelector objects.

Text: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, joined by
commas. Objects: matchLabels and matchExpressions (In, NotIn, Exists,
DoesNotExist), turned into the text form and matched the same way.
"""

import re
from collections.abc import Callable

from .errors import bad_request

_SET = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
EQUALITY = re.compile(r"^\s*([A-Za-z0-9./_-]+)\s*(==|=|!=)\s*([A-Za-z0-9._-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*$")

Matcher = Callable[[dict], bool]


def split_terms(text: str) -> list[str]:
    """Split a selector on the commas outside parentheses."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    if current or parts:
        parts.append("".join(current))
    return [p for p in parts if p.strip()]


def label_selector(text: str | None) -> Matcher:
    """A matcher of label dicts; a selector that does not parse is a BadRequest, as kube-apiserver answers."""
    if not text:
        return lambda labels: True
    tests: list[Matcher] = []
    for term in split_terms(text):
        if m := _SET.match(term):
            key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
            if op == "in":
                tests.append(lambda l, k=key, vs=values: l.get(k) in vs)
            else:
                tests.append(lambda l, k=key, vs=values: l.get(k) not in vs)
        elif m := EQUALITY.match(term):
            key, op, value = m.groups()
            if op == "!=":
                tests.append(lambda l, k=key, v=value: l.get(k) != v)
            else:
                tests.append(lambda l, k=key, v=value: l.get(k) == v)
        elif m := _EXISTS.match(term):
            negate, key = m.groups()
            tests.append((lambda l, k=key: k not in l) if negate else (lambda l, k=key: k in l))
        else:
            raise bad_request(f"unable to parse requirement: {term.strip()!r}: invalid label selector")
    return lambda labels: all(t(labels) for t in tests)


def selector_text(selector: dict | None) -> str:
    """A LabelSelector object (matchLabels, matchExpressions) in the string syntax above."""
    parts = [f"{k}={v}" for k, v in ((selector or {}).get("matchLabels") or {}).items()]
    for expr in (selector or {}).get("matchExpressions") or []:
        op, key, values = expr.get("operator"), expr.get("key"), ",".join(expr.get("values") or [])
        parts.append({"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})",
                      "Exists": key, "DoesNotExist": f"!{key}"}.get(op, key))
    return ",".join(parts)


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """Does a LabelSelector object select these labels? None selects nothing, an empty one everything."""
    if selector is None:
        return False
    return label_selector(selector_text(selector))(labels)


def map_selects(selector: dict | None, labels: dict) -> bool:
    """A Service's or ReplicationController's plain map selector: an empty one selects nothing."""
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())
