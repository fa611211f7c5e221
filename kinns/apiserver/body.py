"""Request bodies: JSON, YAML or protobuf, read within kube-apiserver's limits.

A body may be at most 3 MiB (kube-apiserver's MaxRequestBodyBytes). YAML is
parsed with the safe loader and refused when its aliases would expand it
beyond what any real manifest needs (the "billion laughs" documents that
go-yaml refuses with "excessive aliasing"); JSON and YAML nested deeper than
the parser can follow are refused as well. Each refusal is a 400 Status,
decided before anything is built from the body.
"""

import json

import yaml

from ..apimachinery.errors import APIError, bad_request
from .schema import protobuf

MAX_BODY = 3 << 20
MAX_NODES = 1 << 20  # nodes of a YAML document once its aliases are expanded


class _Loader(yaml.SafeLoader):
    """The safe loader, counting what a document's aliases expand to before it is constructed."""

    def construct_document(self, node: yaml.Node) -> object:
        _check_expansion(node)
        return super().construct_document(node)


def _check_expansion(root: yaml.Node) -> None:
    sizes: dict[int, int] = {}
    stack = [(root, False)]
    while stack:  # post-order without recursion: a shared node is counted once per use, computed once
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode) else \
            list(node.value) if isinstance(node, yaml.SequenceNode) else []
        if not done:
            stack.append((node, True))
            stack += [(c, False) for c in children if id(c) not in sizes]
            continue
        sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
        if sizes[id(node)] > MAX_NODES:
            raise bad_request("yaml: document contains excessive aliasing")


def too_large() -> APIError:
    return APIError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {MAX_BODY}")


def parse(raw: bytes, content_type: str) -> object:
    """The body as objects; a 400 (or 415 for protobuf) Status when it is not what it says it is."""
    if len(raw) > MAX_BODY:
        raise too_large()
    if "protobuf" in content_type:
        try:
            return protobuf.decode(raw)
        except (protobuf.ProtobufError, UnicodeDecodeError, RecursionError) as err:
            raise APIError(415, "UnsupportedMediaType", f"the protobuf body could not be decoded: {err}; send "
                           "it as application/json instead") from None
    try:
        if "yaml" in content_type:
            return yaml.load(raw, Loader=_Loader)  # noqa: S506 (the safe loader, with limits)
        return json.loads(raw)
    except RecursionError:
        raise bad_request("the body of the request is nested too deeply: json: exceeded max depth") from None
    except (ValueError, yaml.YAMLError) as err:
        raise bad_request(f"the body of the request was in an unknown format: {err}") from None
