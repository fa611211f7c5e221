"""CustomResourceDefinitions: serving the resources they define, validated by their schemas.

What the apiextensions server does, in the API server process: a CRD that is
created makes its served versions appear in discovery and OpenAPI at once,
with its names accepted and condition Established; its objects are checked
against the version's openAPIV3Schema (types, required, enum, bounds,
patterns), defaulted, and pruned of unknown fields unless the schema keeps them
(x-kubernetes-preserve-unknown-fields); list-type map and set items are
distinct. The CEL rules (x-kubernetes-validations) run after defaulting, in
validation.py with cel.py.
"""

import copy
import json
import re

from .resources import ALL_VERBS, Registry, Resource
from .schema.fields import json_type


def resources_of(crd: dict) -> list[Resource]:
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    out = []
    served = tuple(v["name"] for v in spec.get("versions") or [] if v.get("served", True))
    for version in spec.get("versions") or []:
        if not version.get("served", True):
            continue
        subresources = tuple(k for k in ("status", "scale") if k in (version.get("subresources") or {}))
        out.append(Resource(
            group=spec.get("group", ""), version=version["name"], kind=names.get("kind", ""),
            plural=names.get("plural", ""), namespaced=spec.get("scope", "Namespaced") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()), categories=tuple(names.get("categories") or ()),
            subresources=subresources, verbs=ALL_VERBS, singular=names.get("singular", ""),
            extra={"crd": True, "schema": (version.get("schema") or {}).get("openAPIV3Schema") or {},
                   "printerColumns": _columns(version), "versions": served}))
    return out


def _columns(version: dict) -> list[dict]:
    """The CRD's printer columns, or the default AGE column, as kubectl shows them."""
    columns = list(version.get("additionalPrinterColumns") or [])
    if not any(c.get("jsonPath") == ".metadata.creationTimestamp" for c in columns):
        columns.append({"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"})
    return columns


def install(registry: Registry, crd: dict) -> None:
    spec = crd.get("spec") or {}
    registry.remove(spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))
    for r in resources_of(crd):
        registry.add(r)


def uninstall(registry: Registry, crd: dict) -> None:
    spec = crd.get("spec") or {}
    registry.remove(spec.get("group", ""), (spec.get("names") or {}).get("plural", ""))


def accepted_status(crd: dict, now: str) -> dict:
    """The status the apiextensions controllers give a CRD whose names are free."""
    names = (crd.get("spec") or {}).get("names") or {}
    condition = {"lastTransitionTime": now, "status": "True"}
    return {"acceptedNames": names, "storedVersions": [v["name"] for v in crd["spec"].get("versions") or []
                                                       if v.get("storage")],
            "conditions": [{**condition, "type": "NamesAccepted", "reason": "NoConflicts",
                            "message": "no conflicts found"},
                           {**condition, "type": "Established", "reason": "InitialNamesAccepted",
                            "message": "the initial names have been accepted"}]}


# Schema validation


def _fmt(value: object) -> str:
    return json.dumps(value)


_JSON_TYPE = {"object": dict, "array": list, "string": str, "boolean": bool}


def _type_ok(kind: str, value: object) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    expected = _JSON_TYPE.get(kind)
    return expected is None or isinstance(value, expected)


class Checker:
    """Walks an object with a structural schema: defaults, prunes, collects causes."""

    def __init__(self) -> None:
        self.causes: list[tuple[str, str, str]] = []
        self.unknown: list[str] = []

    def bad(self, path: str, reason: str, message: str) -> None:
        self.causes.append((path, reason, message))

    def check(self, schema: dict, value: object, path: str) -> object:
        if value is None:
            return None
        if schema.get("x-kubernetes-int-or-string"):
            if not isinstance(value, (int, str)) or isinstance(value, bool):
                self.bad(path, "FieldValueInvalid", f"Invalid value: {_fmt(value)}: {path} in body must be of "
                         "type integer,string")
            return value
        kind = schema.get("type")
        if kind and not _type_ok(kind, value):
            given = json_type(value)
            self.bad(path, "FieldValueTypeInvalid", f'Invalid value: "{given}": {path} in body must be of type '
                     f'{kind}: "{given}"')
            return value
        if "enum" in schema and value not in schema["enum"]:
            supported = ", ".join(_fmt(v) for v in schema["enum"])
            self.bad(path, "FieldValueNotSupported", f"Unsupported value: {_fmt(value)}: supported values: "
                     f"{supported}")
        if isinstance(value, dict):
            return self._object(schema, value, path)
        if isinstance(value, list):
            return self._array(schema, value, path)
        self._scalar(schema, value, path)
        return value

    def _object(self, schema: dict, value: dict, path: str) -> dict:
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        keep = schema.get("x-kubernetes-preserve-unknown-fields") or schema.get("x-kubernetes-embedded-resource")
        out = {}
        for name, sub in props.items():
            if name not in value and "default" in sub:
                value = {**value, name: copy.deepcopy(sub["default"])}
        for name, item in value.items():
            where = f"{path}.{name}" if path else name
            if name in props:
                out[name] = self.check(props[name], item, where)
            elif isinstance(extra, dict):
                out[name] = self.check(extra, item, where)
            elif extra is True or keep or (not path and name in ("apiVersion", "kind", "metadata")):
                out[name] = item
            else:
                self.unknown.append(where)
        for name in schema.get("required") or []:
            if name not in value:
                self.bad(f"{path}.{name}" if path else name, "FieldValueRequired", "Required value")
        self._bounds(schema, value, path, ("minProperties", "maxProperties"))
        return out

    def _array(self, schema: dict, value: list, path: str) -> list:
        self._bounds(schema, value, path, ("maxItems", "minItems"))
        items = schema.get("items")
        if isinstance(items, dict):
            value = [self.check(items, v, f"{path}[{i}]") for i, v in enumerate(value)]
        self._duplicates(schema, value, path)
        return value

    def _duplicates(self, schema: dict, value: list, path: str) -> None:
        """Items of a list-type map share no key; items of a set are distinct."""
        kind = schema.get("x-kubernetes-list-type")
        seen: list = []
        for i, item in enumerate(value):
            if kind == "map" and isinstance(item, dict):
                keys = {k: item.get(k) for k in schema.get("x-kubernetes-list-map-keys") or [] if k in item}
                shown = ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in sorted(keys.items()))
                message = f"Duplicate value: map[string]interface {{}}{{{shown}}}"
            elif kind == "set":
                keys, message = item, f"Duplicate value: {_fmt(item)}"
            else:
                return
            if keys in seen:
                self.bad(f"{path}[{i}]", "FieldValueDuplicate", message)
            seen.append(keys)

    def _scalar(self, schema: dict, value: object, path: str) -> None:
        if isinstance(value, str):
            self._bounds(schema, value, path, ("maxLength", "minLength"))
            if "pattern" in schema and not re.search(schema["pattern"], value):
                self.bad(path, "FieldValueInvalid", f"Invalid value: {_fmt(value)}: {path} in body should match "
                         f"'{schema['pattern']}'")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            self._bounds(schema, value, path, ("maximum", "minimum"))

    def _bounds(self, schema: dict, value: object, path: str, keywords: tuple[str, ...]) -> None:
        """The schema's size and range limits, each refused with the cause kube-apiserver gives."""
        for keyword in keywords:
            if keyword not in schema:
                continue
            limit = schema[keyword]
            size = value if keyword in ("maximum", "minimum") else len(value)  # type: ignore[arg-type]
            over = size > limit if keyword.startswith("max") else size < limit
            if over:
                reason, message = _BOUNDS[keyword]
                self.bad(path, reason, message.format(size=size, limit=limit, path=path, shown=_fmt(value)))


# keyword -> (reason, message) of a value outside the limit
_BOUNDS = {
    "maxProperties": ("FieldValueTooMany", "Too many: {size}: must have at most {limit} items"),
    "minProperties": ("FieldValueInvalid", "Invalid value: {size}: {path} in body should have at least {limit} "
                                           "properties"),
    "maxItems": ("FieldValueTooMany", "Too many: {size}: must have at most {limit} items"),
    "minItems": ("FieldValueInvalid", "Invalid value: {size}: {path} in body should have at least {limit} items"),
    "maxLength": ("FieldValueTooLong", "Too long: may not be more than {limit} bytes"),
    "minLength": ("FieldValueInvalid", "Invalid value: {shown}: {path} in body should be at least {limit} chars "
                                       "long"),
    "maximum": ("FieldValueInvalid", "Invalid value: {size}: {path} in body should be less than or equal to {limit}"),
    "minimum": ("FieldValueInvalid", "Invalid value: {size}: {path} in body should be greater than or equal to "
                                     "{limit}"),
}


def status_default(r: Resource) -> dict | None:
    """The status a new object starts with: its schema's default (what a Gateway shows before its controller
    acts), as the apiextensions server defaults objects it reads back."""
    status = ((r.extra.get("schema") or {}).get("properties") or {}).get("status") or {}
    if "default" not in status:
        return None
    checker = Checker()
    return checker.check(status, copy.deepcopy(status["default"]), "status")


def validate(r: Resource, obj: dict) -> tuple[dict, list[str], list[tuple[str, str, str]]]:
    """The object defaulted and pruned by the CRD schema, the unknown field paths and the Invalid causes."""
    schema = r.extra.get("schema") or {}
    if not schema:
        return obj, [], []
    checker = Checker()
    body = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind", "metadata")}
    props = {k: v for k, v in (schema.get("properties") or {}).items() if k not in ("apiVersion", "kind", "metadata")}
    required = [k for k in schema.get("required") or [] if k not in ("apiVersion", "kind", "metadata")]
    checked = checker.check({**schema, "properties": props, "required": required}, body, "")
    kept = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    return {**kept, **(checked or {})}, checker.unknown, checker.causes
