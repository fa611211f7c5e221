"""/openapi/v2: the built-in kinds' definitions as one Swagger 2.0 document, in protobuf as kubectl asks for it.

kubectl validates a `kind: List` (the Weave Net manifest is one) against OpenAPI v2, whose models it looks up
by x-kubernetes-group-version-kind; everything else it validates with /openapi/v3 (openapi.py). The
definitions are the v3 ones converted as kube-apiserver publishes v2: `allOf: [$ref]` wrappers become plain
references to `#/definitions/...`. Custom resources are left out (kube-apiserver publishes a reduced v2 form of
them; kubectl skips validation of a kind the document does not define).

The encoding is gnostic's openapi_v2 messages (Document, Schema, NamedSchema, ...): a handful of message
types, written with a small encoder here rather than generated code.
"""

import json
import struct

from ..apimachinery.version import KUBERNETES
from .openapi import schema_name
from .resources import Registry
from .schema import schema_for

MEDIA_TYPE = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"  # what kube-apiserver answers with


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _bytes(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _string(number: int, text: str) -> bytes:
    return _bytes(number, text.encode()) if text else b""


def _int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value) if value else b""


def _double(number: int, value: float) -> bytes:
    return _varint(number << 3 | 1) + struct.pack("<d", value)


def _any(value: object) -> bytes:
    """gnostic's Any: the value as YAML text (JSON is YAML)."""
    return _string(2, json.dumps(value))


def _named(number: int, name: str, value: bytes) -> bytes:
    return _bytes(number, _string(1, name) + _bytes(2, value))


def _v2(s: dict) -> dict:
    """A v3 schema in v2 form: `allOf: [$ref]` a plain reference (without its default), references to
    #/definitions."""
    out = {k: v for k, v in s.items() if k not in ("allOf", "properties", "items", "additionalProperties", "$ref")}
    refs = [p["$ref"] for p in s.get("allOf") or [] if isinstance(p, dict) and "$ref" in p]
    ref = s.get("$ref") or (refs[0] if len(refs) == 1 and len(s["allOf"]) == 1 else "")
    if ref:
        out.pop("default", None)
        out["$ref"] = "#/definitions/" + ref.rsplit("/", 1)[-1]
    elif s.get("allOf"):
        out["allOf"] = [_v2(p) for p in s["allOf"]]
    if isinstance(s.get("properties"), dict):
        out["properties"] = {k: _v2(v) for k, v in s["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(s.get(key), dict):
            out[key] = _v2(s[key])
        elif key in s:
            out[key] = s[key]
    return out


def definitions(registry: Registry) -> dict[str, dict]:
    """Every built-in kind's schema and the types it refers to, in v2 form."""
    out: dict[str, dict] = {}
    for r in registry.resources.values():
        if not r.extra.get("crd"):
            out.update(schema_for(r, schema_name(r)))
    return {name: _v2(body) for name, body in sorted(out.items())}


def _schema(s: dict) -> bytes:
    """A v2 schema as gnostic's Schema message."""
    out = _string(1, s.get("$ref", "")) + _string(2, s.get("format", "")) + _string(4, s.get("description", ""))
    if "default" in s:
        out += _bytes(5, _any(s["default"]))
    for key, number in (("maximum", 7), ("minimum", 9)):
        if isinstance(s.get(key), (int, float)):
            out += _double(number, float(s[key]))
    for key, number in (("maxLength", 11), ("minLength", 12), ("maxItems", 14), ("minItems", 15)):
        out += _int(number, int(s.get(key) or 0))
    out += _string(13, s.get("pattern", ""))
    if s.get("uniqueItems"):
        out += _int(16, 1)
    out += b"".join(_string(19, name) for name in s.get("required") or [])
    out += b"".join(_bytes(20, _any(value)) for value in s.get("enum") or [])
    extra = s.get("additionalProperties")
    if isinstance(extra, dict):
        out += _bytes(21, _bytes(1, _schema(extra)))
    elif isinstance(extra, bool):
        out += _bytes(21, _varint(2 << 3) + (b"\x01" if extra else b"\x00"))
    if s.get("type"):
        out += _bytes(22, _string(1, s["type"]))
    if isinstance(s.get("items"), dict):
        out += _bytes(23, _bytes(1, _schema(s["items"])))
    out += b"".join(_bytes(24, _schema(part)) for part in s.get("allOf") or [])
    if isinstance(s.get("properties"), dict):
        out += _bytes(25, b"".join(_named(1, name, _schema(sub)) for name, sub in s["properties"].items()))
    out += b"".join(_named(31, key, _any(value)) for key, value in s.items() if key.startswith("x-"))
    return out


def as_json(registry: Registry) -> dict:
    return {"swagger": "2.0", "info": {"title": "Kubernetes", "version": KUBERNETES}, "paths": {},
            "definitions": definitions(registry)}


def as_protobuf(registry: Registry) -> bytes:
    info = _string(1, "Kubernetes") + _string(2, KUBERNETES)
    defs = b"".join(_named(1, name, _schema(body)) for name, body in definitions(registry).items())
    return _string(1, "2.0") + _bytes(2, info) + _bytes(8, b"") + _bytes(9, defs)
