"""Field errors as kube-apiserver reports them: a path, a reason and a message whose value is shown as Go shows it.

A cause is (field path, reason, message); `Invalid("spec.ports[0].port", 0,
"must be ...")` reads `Invalid value: 0: must be ...`, a string value is
quoted, anything else is shown as JSON.
"""

import json

Cause = tuple[str, str, str]


def shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, separators=(",", ":"), sort_keys=True, default=str)


def go_strings(values: list) -> str:
    """A list of strings as Go's %#v shows a []string in a message."""
    return "[]string{" + ", ".join(f'"{v}"' for v in values) + "}"


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def key(path: str, k: str) -> str:
    return f"{path}[{k}]"


def invalid(path: str, value: object, detail: str) -> Cause:
    return path, "FieldValueInvalid", f"Invalid value: {shown(value)}: {detail}"


def invalid_strings(path: str, values: list, detail: str) -> Cause:
    """Invalid for a list of strings, shown as Go shows a []string."""
    return path, "FieldValueInvalid", f"Invalid value: {go_strings(values)}: {detail}"


def invalid_each(path: str, value: object, details: list[str]) -> list[Cause]:
    """One Invalid cause per thing wrong with `value` (what a format check returned)."""
    return [invalid(path, value, d) for d in details]


def required(path: str, detail: str = "") -> Cause:
    return path, "FieldValueRequired", "Required value" + (f": {detail}" if detail else "")


def not_supported(path: str, value: object, supported: list[str] | tuple[str, ...]) -> Cause:
    values = ", ".join(json.dumps(v) for v in supported)
    return path, "FieldValueNotSupported", f"Unsupported value: {shown(value)}" + (
        f": supported values: {values}" if supported else "")


def duplicate(path: str, value: object) -> Cause:
    return path, "FieldValueDuplicate", f"Duplicate value: {shown(value)}"


def unique_name(path: str, name: str, details: list[str], seen: set[str]) -> list[Cause]:
    """A name's format causes (`details`, from its format check), and Duplicate when `seen` already holds it
    (the names of the list it is in; it is added)."""
    causes = invalid_each(path, name, details)
    if name in seen:
        causes.append(duplicate(path, name))
    seen.add(name)
    return causes


def set_of(path: str, values: list, supported: tuple[str, ...]) -> list[Cause]:
    """A list that is a set of known values: each unknown one NotSupported, each repeat Duplicate."""
    causes, seen = [], set()
    for i, value in enumerate(values):
        if value not in supported:
            causes.append(not_supported(index(path, i), value, supported))
        if value in seen:
            causes.append(duplicate(index(path, i), value))
        seen.add(value)
    return causes


def not_found(path: str, value: object) -> Cause:
    return path, "FieldValueNotFound", f"Not found: {shown(value)}"


def forbidden(path: str, detail: str) -> Cause:
    return path, "FieldValueForbidden", f"Forbidden: {detail}"


def too_long(path: str, limit: int) -> Cause:
    return path, "FieldValueTooLong", f"Too long: may not be more than {limit} bytes"


def too_many(path: str, actual: int, limit: int) -> Cause:
    return path, "FieldValueTooMany", f"Too many: {actual}: must have at most {limit} items"


def type_invalid(path: str, value: object, expected: str) -> Cause:
    return path, "FieldValueTypeInvalid", f"Invalid value: {shown(value)}: must be {expected}"


IMMUTABLE = "field is immutable"
