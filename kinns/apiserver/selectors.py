"""Field selectors, on the fields each resource supports (metadata.name and metadata.namespace everywhere).

`path=value`, `path==value`, `path!=value`, joined by commas, as in label
selectors (kinns.apimachinery.labels), whose splitting they share.
"""

import re
from collections.abc import Callable

from ..apimachinery.errors import bad_request
from ..apimachinery.labels import EQUALITY, split_terms


def _field(obj: dict, path: str) -> str:
    value: object = obj
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)


def field_selector(text: str | None, allowed: set[str]) -> Callable[[dict], bool]:
    if not text:
        return lambda obj: True
    tests = []
    for term in split_terms(text):
        m = EQUALITY.match(term) or re.match(r"^\s*([A-Za-z0-9._-]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not m:
            raise bad_request(f'invalid field selector: "{term.strip()}"')
        path, op, value = m.groups()
        if path not in allowed:
            raise bad_request(f'field label not supported: {path}')
        if op == "!=":
            tests.append(lambda o, p=path, v=value: _field(o, p) != v)
        else:
            tests.append(lambda o, p=path, v=value: _field(o, p) == v)
    return lambda obj: all(t(obj) for t in tests)


FIELDS = {
    "pods": {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
             "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"},
    "events": {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
               "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
               "reason", "reportingComponent", "source", "type"},
    "secrets": {"type"},
    "namespaces": {"status.phase"},
    "nodes": {"spec.unschedulable"},
    "replicasets": {"status.replicas"},
}


def allowed_fields(plural: str) -> set[str]:
    return {"metadata.name", "metadata.namespace"} | FIELDS.get(plural, set())
