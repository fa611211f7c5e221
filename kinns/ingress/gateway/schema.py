"""A small notation for OpenAPI v3 structural schemas, the way CRDs carry them.

Each helper returns one schema node; `api.py` writes the Gateway API's types
with them, and the CRD manifests are generated from those (as controller-gen
generates them from Go markers), so a type is written once.
"""

from typing import Any

Schema = dict[str, Any]


def rule(expression: str, message: str, **extra: str) -> dict:
    """One CEL validation rule (x-kubernetes-validations); extra: fieldPath, reason."""
    return {"rule": expression, "message": message, **extra}


def _common(out: Schema, description: str, default: Any, rules: tuple[dict, ...]) -> Schema:
    if description:
        out = {"description": description, **out}
    if default is not None:
        out["default"] = default
    if rules:
        out["x-kubernetes-validations"] = list(rules)
    return out


def string(description: str = "", *, enum: tuple[str, ...] = (), pattern: str = "", min_length: int | None = None,
           max_length: int | None = None, default: str | None = None, fmt: str = "",
           rules: tuple[dict, ...] = ()) -> Schema:
    out: Schema = {"type": "string"}
    if enum:
        out["enum"] = list(enum)
    if fmt:
        out["format"] = fmt
    if min_length is not None:
        out["minLength"] = min_length
    if max_length is not None:
        out["maxLength"] = max_length
    if pattern:
        out["pattern"] = pattern
    return _common(out, description, default, rules)


def integer(description: str = "", *, minimum: int | None = None, maximum: int | None = None,
            default: int | None = None, fmt: str = "int32", enum: tuple[int, ...] = ()) -> Schema:
    out: Schema = {"type": "integer", "format": fmt}
    if enum:
        out["enum"] = list(enum)
    if minimum is not None:
        out["minimum"] = minimum
    if maximum is not None:
        out["maximum"] = maximum
    return _common(out, description, default, ())


def obj(description: str, properties: dict[str, Schema], *, required: tuple[str, ...] = (),
        default: Any = None, rules: tuple[dict, ...] = (), max_properties: int | None = None) -> Schema:
    out: Schema = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    if max_properties is not None:
        out["maxProperties"] = max_properties
    return _common(out, description, default, rules)


def string_map(description: str, *, max_properties: int | None = None, value: Schema | None = None) -> Schema:
    out: Schema = {"type": "object", "additionalProperties": value or {"type": "string"}}
    if max_properties is not None:
        out["maxProperties"] = max_properties
    return _common(out, description, None, ())


def array(description: str, items: Schema, *, max_items: int | None = None, min_items: int | None = None,
          keys: tuple[str, ...] = (), set_: bool = False, default: Any = None,
          rules: tuple[dict, ...] = ()) -> Schema:
    """A list: atomic, a set (`set_`), or a map keyed by `keys` (merged item by item by apply)."""
    out: Schema = {"type": "array", "items": items}
    if max_items is not None:
        out["maxItems"] = max_items
    if min_items is not None:
        out["minItems"] = min_items
    if keys:
        out["x-kubernetes-list-type"] = "map"
        out["x-kubernetes-list-map-keys"] = list(keys)
    else:
        out["x-kubernetes-list-type"] = "set" if set_ else "atomic"
    return _common(out, description, default, rules)


def described(node: Schema, description: str) -> Schema:
    """A shared type used for one field: the field's own description on it."""
    return {"description": description, **{k: v for k, v in node.items() if k != "description"}}
