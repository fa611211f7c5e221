"""JSON for CNI plugins through CPython's C codec (`_json`) alone.

Why not `import json`: the pure-Python wrapper imports `re` and `enum` at start-up,
which costs ~5 ms per plugin process, and a CNI ADD starts two processes
(the main plugin and its IPAM plugin). The C scanner and encoder are the very
same code `json` uses underneath; only the regex-based whitespace handling of
the wrapper is replaced by `str.strip`.
"""

import _json


class _DecodeContext:
    """The attributes `_json.make_scanner` reads from a `json.JSONDecoder`."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict = {}

    @staticmethod
    def parse_constant(name: str) -> float:
        raise ValueError(f"invalid JSON value {name}")


_scan = _json.make_scanner(_DecodeContext)
_encode = _json.make_encoder(
    None, None, _json.encode_basestring_ascii, None, ": ", ", ", False, False, False
)


def loads(text: str | bytes) -> object:
    """Parse one JSON document; a ValueError (JSONDecodeError) names where it is malformed."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    body = text.strip(" \t\r\n")
    try:
        value, end = _scan(body, 0)
        if end == len(body):
            return value
    except (StopIteration, SystemError):
        pass
    # Malformed input is rare; let the full module word the error. (The C scanner
    # can only raise its JSONDecodeError once `json.decoder` is imported.)
    import json

    return json.loads(text)


def dumps(value: object) -> str:
    """Serialise plain dicts, lists, strings, numbers, booleans and None."""
    return "".join(_encode(value, 0))
