"""Type definitions of the API: one table (types.py) read by OpenAPI, field validation and protobuf."""

from ..resources import Resource
from .descriptions import describe
from .model import SCALARS, Field
from .types import TABLE

_SCALAR_SCHEMA = {
    "string": {"type": "string"}, "int32": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"}, "bool": {"type": "boolean"},
    "double": {"type": "number", "format": "double"}, "bytes": {"type": "string", "format": "byte"},
    "Time": {"type": "string", "format": "date-time"}, "MicroTime": {"type": "string", "format": "date-time"},
    "IntOrString": {"x-kubernetes-int-or-string": True, "format": "int-or-string"},
    "Quantity": {"x-kubernetes-int-or-string": True, "format": "quantity"},
    "object": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}


def kind_type(r: Resource) -> str | None:
    """The table type of a resource's kind, if the table describes it."""
    return r.kind if r.kind in TABLE.fields and not r.extra.get("crd") else None


def _value_schema(type_name: str, refs: set[str]) -> dict:
    if type_name in _SCALAR_SCHEMA:
        return dict(_SCALAR_SCHEMA[type_name])
    refs.add(type_name)
    return {"allOf": [{"$ref": f"#/components/schemas/{TABLE.ids[type_name]}"}], "default": {}}


def _field_schema(f: Field, refs: set[str]) -> dict:
    if f.type == "map":
        return {"type": "object", "additionalProperties": _value_schema(f.map_value, refs)}
    if f.repeated:
        out = {"type": "array", "items": _value_schema(f.type, refs)}
        if f.merge_key == "+":
            out.update({"x-kubernetes-patch-strategy": "merge", "x-kubernetes-list-type": "set"})
        elif f.merge_key:
            out.update({"x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": f.merge_key,
                        "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": [f.merge_key]})
        else:
            out["x-kubernetes-list-type"] = "atomic"
        return out
    return _value_schema(f.type, refs)


def _owned_fields(short: str) -> dict[str, tuple[str, Field]]:
    """The JSON fields of a type, each with the type it is declared in (inline members keep their own)."""
    out: dict[str, tuple[str, Field]] = {}
    for f in TABLE.fields[short].values():
        if f.inline:
            out.update(_owned_fields(f.type))
        else:
            out[f.name] = (short, f)
    return out


def _type_schema(short: str, refs: set[str]) -> dict:
    props = {}
    for name, (owner, f) in _owned_fields(short).items():
        props[name] = _field_schema(f, refs)
        if text := describe(owner, name):
            props[name]["description"] = text
    out = {"type": "object", "properties": props}
    if text := describe(short):
        out["description"] = text
    if short in TABLE.open:
        out["x-kubernetes-preserve-unknown-fields"] = True
    return out


def schema_for(r: Resource, name: str) -> dict[str, dict]:
    """OpenAPI schemas for resource `r`: its kind under `name` and every table type it refers to."""
    gvk = [{"group": r.group, "version": r.version, "kind": r.kind}]
    short = kind_type(r)
    crd_schema = r.extra.get("schema") if r.extra.get("crd") else None
    if crd_schema:  # a CRD's own schema, so `kubectl explain` describes custom resources too
        meta = {"allOf": [{"$ref": "#/components/schemas/" + TABLE.ids["ObjectMeta"]}],
                "description": "Standard object's metadata."}
        props = {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                 **(crd_schema.get("properties") or {}), "metadata": meta}
        return {name: {**crd_schema, "properties": props, "x-kubernetes-group-version-kind": gvk}} | \
            _closure({"ObjectMeta"})
    if short is None:
        return {name: {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                       "x-kubernetes-group-version-kind": gvk,
                       "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                                      "metadata": {"allOf": [{"$ref": "#/components/schemas/"
                                                              + TABLE.ids["ObjectMeta"]}]}}}} | \
            _closure({"ObjectMeta"})
    refs: set[str] = set()
    top = _type_schema(short, refs)
    top["properties"] = {"apiVersion": {"type": "string", "description": describe("*", "apiVersion")},
                         "kind": {"type": "string", "description": describe("*", "kind")}, **top["properties"]}
    top["x-kubernetes-group-version-kind"] = gvk
    return {name: top} | _closure(refs)


def _closure(refs: set[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    pending = set(refs)
    while pending:
        short = pending.pop()
        if TABLE.ids[short] in out:
            continue
        more: set[str] = set()
        out[TABLE.ids[short]] = _type_schema(short, more)
        pending |= {m for m in more if TABLE.ids[m] not in out}
    return out


__all__ = ["SCALARS", "TABLE", "kind_type", "schema_for"]
