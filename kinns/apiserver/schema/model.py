"""The type table's notation and lookup.

A type is a dict of JSON field name -> spec string:

    "string@1"            scalar (string, int32, int64, bool, double, bytes) with its protobuf field number
    "*int32@1"            a pointer field: zero values are kept when decoding protobuf
    "Container@2"         a message type defined in the table
    "[]Container@2/name"  a list; after "/" the strategic-merge key (lists of objects merged by it)
    "[]string@14/+"       a list of scalars merged as a set
    "map[string]string@11", "map[string]bytes@2", "map[string]Quantity@1"
    "~ProbeHandler@1"     an inline (embedded) message: its fields appear in this object's JSON
    "object@3"            free-form JSON (RawExtension, JSON); proto: RawExtension or an empty message
    "Time@8", "IntOrString@4", "Quantity@1"   the well-known scalar-like types

An "open" type (OPEN set) keeps fields the table does not list (status
objects the table leaves unspecified).
"""

from dataclasses import dataclass

SCALARS = {"string", "int32", "int64", "bool", "double", "bytes"}
WELL_KNOWN = {"Time", "MicroTime", "IntOrString", "Quantity"}


@dataclass(frozen=True)
class Field:
    name: str
    type: str          # scalar, well-known or table type name, or "object"
    number: int
    repeated: bool = False
    map_value: str = ""  # for maps: the value type (keys are strings)
    merge_key: str = ""  # "+" for set-merged scalar lists
    pointer: bool = False
    inline: bool = False


def parse(name: str, spec: str) -> Field:
    body, _, number = spec.partition("@")
    number, _, merge = number.partition("/")
    pointer = body.startswith("*")
    inline = body.startswith("~")
    body = body.lstrip("*~")
    if body.startswith("[]"):
        return Field(name, body[2:], int(number), repeated=True, merge_key=merge, pointer=pointer)
    if body.startswith("map[string]"):
        return Field(name, "map", int(number), map_value=body[len("map[string]"):])
    return Field(name, body, int(number), pointer=pointer, inline=inline)


class Table:
    """Types by short name, each with its fields and its OpenAPI id."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, Field]] = {}
        self.ids: dict[str, str] = {}
        self.open: set[str] = set()

    def add(self, package: str, types: dict[str, dict[str, str]], open_types: tuple[str, ...] = ()) -> None:
        for short, fields in types.items():
            self.fields[short] = {n: parse(n, s) for n, s in fields.items()}
            self.ids[short] = f"{package}.{short}"
        self.open.update(open_types)

    def json_fields(self, short: str) -> dict[str, Field]:
        """The fields as they appear in JSON: inline members flattened in."""
        out: dict[str, Field] = {}
        for f in self.fields[short].values():
            if f.inline:
                out.update(self.json_fields(f.type))
            else:
                out[f.name] = f
        return out
