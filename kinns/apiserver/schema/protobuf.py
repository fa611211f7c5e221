"""Decoding `application/vnd.kubernetes.protobuf` request bodies into JSON-shaped objects.

kubectl's typed clients (`kubectl create namespace|configmap|secret|deployment|service|...`)
send protobuf. The body is the 4-byte magic "k8s\\0" and a runtime.Unknown message
(1: TypeMeta{1: apiVersion, 2: kind}, 2: raw object, 3: contentEncoding, 4: contentType);
the raw object is decoded with the field numbers of the type table. Zero values of
non-pointer fields are dropped, as the JSON encoding's omitempty would; a field the
table does not know, or content in a field it only holds as `object`, is an error,
never silently lost.
"""

import base64
import datetime
import json
import struct

from .types import TABLE

MAGIC = b"k8s\x00"


class ProtobufError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ProtobufError("varint too long")


def fields(data: bytes) -> list[tuple[int, int, object]]:
    """(field number, wire type, value) of every field: varints as int, length-delimited as bytes."""
    out, pos = [], 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            length, pos = _varint(data, pos)
            if pos + length > len(data):
                raise ProtobufError("truncated field")
            value, pos = data[pos:pos + length], pos + length
        elif wire == 1:
            value, pos = data[pos:pos + 8], pos + 8
        elif wire == 5:
            value, pos = data[pos:pos + 4], pos + 4
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _signed(value: int) -> int:
    """Protobuf int32/int64 are two's complement in 64 bits (negative int32s are sign-extended)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _scalar(type_name: str, wire: int, value: object) -> object:
    if type_name == "string":
        return value.decode()
    if type_name == "bytes":
        return base64.b64encode(value).decode()
    if type_name == "bool":
        return bool(value)
    if type_name in ("int32", "int64"):
        return _signed(value)
    if type_name == "double":
        return struct.unpack("<d", value)[0]
    if type_name in ("Time", "MicroTime"):
        parts = dict((n, v) for n, _, v in fields(value))
        if not parts.get(1) and not parts.get(2):
            return None  # Go's zero time, which JSON shows as null
        when = datetime.datetime.fromtimestamp(_signed(parts.get(1, 0)), datetime.timezone.utc)
        if type_name == "MicroTime":
            micros = parts.get(2, 0) // 1000
            return when.strftime("%Y-%m-%dT%H:%M:%S") + f".{micros:06d}Z"
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    if type_name == "IntOrString":
        parts = dict((n, v) for n, _, v in fields(value))
        return parts.get(3, b"").decode() if parts.get(1, 0) == 1 else _signed(parts.get(2, 0))
    if type_name == "Quantity":
        return dict((n, v) for n, _, v in fields(value)).get(1, b"").decode()
    if type_name == "object":
        if _all_zero(value):
            return {}
        parts = fields(value)
        if len(parts) == 1 and parts[0][:2] == (1, 2):  # RawExtension, JSON, FieldsV1: JSON text in field 1
            try:
                return json.loads(parts[0][2])
            except ValueError:
                pass
        raise ProtobufError("content in a field kinns holds as free-form JSON")
    raise ProtobufError(f"unknown type {type_name}")


def _all_zero(data: bytes) -> bool:
    """True for a message holding only zero values (Go always encodes non-pointer fields)."""
    try:
        parsed = fields(data)
    except ProtobufError:
        return False
    for _, wire, value in parsed:
        if wire == 0 and value != 0 or wire in (1, 5) and any(value):
            return False
        if wire == 2 and value and not _all_zero(value):
            return False
    return True


def _empty(value: object) -> bool:
    return value in ("", 0, False, None) or value == {} or value == []


def message(short: str, data: bytes, path: str = "") -> dict:
    """Decode one message of table type `short`."""
    by_number = {f.number: f for f in TABLE.fields[short].values()}
    out: dict = {}
    for number, wire, value in fields(data):
        f = by_number.get(number)
        if f is None:
            raise ProtobufError(f"field {number} of {short} at {path or '.'} is not known to kinns")
        where = f"{path}.{f.name}" if path else f.name
        if f.inline:
            out.update(message(f.type, value, path))
        elif f.type == "map":
            entry = dict((n, v) for n, _, v in fields(value))
            key = entry.get(1, b"").decode()
            out.setdefault(f.name, {})[key] = _decode(f.map_value, 2, entry.get(2, b""), f"{where}.{key}")
        elif f.repeated:
            items = out.setdefault(f.name, [])
            if wire == 2 and f.type in ("int32", "int64", "bool"):  # packed
                pos = 0
                while pos < len(value):
                    item, pos = _varint(value, pos)
                    items.append(_scalar(f.type, 0, item))
            else:
                items.append(_decode(f.type, wire, value, f"{where}[{len(items)}]"))
        else:
            decoded = _decode(f.type, wire, value, where)
            if decoded is not None and (f.pointer or not _empty(decoded)):
                out[f.name] = decoded
    return out


def _decode(type_name: str, wire: int, value: object, where: str) -> object:
    if type_name in TABLE.fields:
        return message(type_name, value, where)
    return _scalar(type_name, wire, value)


def decode(body: bytes) -> dict:
    """A whole request body: the envelope, then the object of the kind it names."""
    if not body.startswith(MAGIC):
        raise ProtobufError("missing the k8s protobuf magic number")
    envelope = dict((n, v) for n, _, v in fields(body[len(MAGIC):]))
    type_meta = dict((n, v) for n, _, v in fields(envelope.get(1, b"")))
    api_version, kind = type_meta.get(1, b"").decode(), type_meta.get(2, b"").decode()
    if envelope.get(3) or (envelope.get(4) and envelope[4] != b"application/vnd.kubernetes.protobuf"):
        raise ProtobufError("unsupported content encoding in the protobuf envelope")
    if kind not in TABLE.fields:
        raise ProtobufError(f"kind {kind!r} cannot be decoded from protobuf by kinns")
    return {"apiVersion": api_version, "kind": kind, **message(kind, envelope.get(2, b""))}

