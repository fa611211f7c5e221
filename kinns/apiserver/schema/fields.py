"""Decoding JSON objects against the table, as kube-apiserver's strict decoder does.

Unknown fields are removed (a typed object cannot hold them) and reported, so
the caller can refuse them (fieldValidation=Strict), warn (Warn, the default)
or drop them silently (Ignore). A value of the wrong JSON type is an error
whatever the mode, worded like the Go decoder's.
"""

from .model import Field
from .types import TABLE

_JSON_TYPES = {"string": (str,), "int32": (int,), "int64": (int,), "bool": (bool,), "double": (int, float),
               "bytes": (str,), "Time": (str,), "MicroTime": (str,)}
_GO_TYPES = {"string": "string", "int32": "int32", "int64": "int64", "bool": "bool", "double": "float64",
             "bytes": "[]uint8", "Time": "v1.Time", "MicroTime": "v1.MicroTime"}


class TypeError_(ValueError):
    """A value whose JSON type the field cannot hold."""


def json_type(value: object) -> str:
    """A JSON value's type as OpenAPI names it (also the word CEL causes give for a value)."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


def _json_kind(value: object) -> str:
    """The same type as Go's encoding/json names it in its errors."""
    return {"boolean": "bool", "integer": "number"}.get(json_type(value), json_type(value))


def _check_scalar(type_name: str, value: object, owner: str, path: str) -> None:
    if value is None:
        return
    allowed = _JSON_TYPES.get(type_name)
    if allowed is None:
        return
    if isinstance(value, bool) and type_name != "bool" or not isinstance(value, allowed):
        raise TypeError_(f"json: cannot unmarshal {_json_kind(value)} into Go struct field {owner}.{path} of "
                         f"type {_GO_TYPES[type_name]}")


def prune(short: str, obj: dict, path: str = "") -> list[str]:
    """Drop fields type `short` does not have from `obj` (in place); return their paths."""
    unknown: list[str] = []
    if not isinstance(obj, dict):
        raise TypeError_(f"json: cannot unmarshal {_json_kind(obj)} into Go value of type {short}")
    fields = TABLE.json_fields(short)
    for name in list(obj):
        where = f"{path}.{name}" if path else name
        f = fields.get(name)
        if f is None:
            if short in TABLE.open or (not path and name in ("apiVersion", "kind")):
                continue
            unknown.append(where)
            del obj[name]
            continue
        unknown += _value(f, obj[name], short, where)
    return unknown


def _value(f: Field, value: object, owner: str, where: str) -> list[str]:
    if value is None:
        return []
    if f.type == "map":
        if not isinstance(value, dict):
            raise TypeError_(f"json: cannot unmarshal {_json_kind(value)} into Go struct field {owner}.{where} of "
                             f"type map[string]{_GO_TYPES.get(f.map_value, f.map_value)}")
        out = []
        for key, item in value.items():
            out += _item(f.map_value, item, owner, f"{where}.{key}")
        return out
    if f.repeated:
        if not isinstance(value, list):
            raise TypeError_(f"json: cannot unmarshal {_json_kind(value)} into Go struct field {owner}.{where} of "
                             f"type []{_GO_TYPES.get(f.type, f.type)}")
        out = []
        for i, item in enumerate(value):
            out += _item(f.type, item, owner, f"{where}[{i}]")
        return out
    return _item(f.type, value, owner, where)


def _item(type_name: str, value: object, owner: str, where: str) -> list[str]:
    if type_name in TABLE.fields:
        if value is None:
            return []
        if not isinstance(value, dict):
            raise TypeError_(f"json: cannot unmarshal {_json_kind(value)} into Go struct field {owner}.{where} of "
                             f"type v1.{type_name}")
        return prune(type_name, value, where)
    _check_scalar(type_name, value, owner, where)
    return []
