"""Object validation with kube-apiserver's field paths and messages."""

import re

from . import cel
from ..apimachinery.errors import invalid
from .resources import Resource

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
# Resources whose names must be DNS labels rather than subdomains.
LABEL_NAMED = {"namespaces", "services"}

Cause = tuple[str, str, str]


def name_causes(resource: Resource, name: str) -> list[Cause]:
    if not name:
        return [("metadata.name", "FieldValueRequired", "Required value: name or generateName is required")]
    if resource.plural in LABEL_NAMED:
        if len(name) > 63:
            return [("metadata.name", "FieldValueInvalid",
                     f'Invalid value: "{name}": must be no more than 63 characters')]
        if not _LABEL.match(name):
            return [("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {LABEL_MSG}')]
    elif len(name) > 253 or not _SUBDOMAIN.match(name):
        return [("metadata.name", "FieldValueInvalid", f'Invalid value: "{name}": {SUBDOMAIN_MSG}')]
    return []


def _container_causes(spec: dict, path: str) -> list[Cause]:
    causes: list[Cause] = []
    containers = spec.get("containers")
    if not containers:
        causes.append((f"{path}.containers", "FieldValueRequired", "Required value"))
    seen: set[str] = set()
    for i, c in enumerate(containers or []):
        where = f"{path}.containers[{i}]"
        name = c.get("name") if isinstance(c, dict) else None
        if not name:
            causes.append((f"{where}.name", "FieldValueRequired", "Required value"))
        elif not _LABEL.match(name):
            causes.append((f"{where}.name", "FieldValueInvalid", f'Invalid value: "{name}": {LABEL_MSG}'))
        elif name in seen:
            causes.append((f"{where}.name", "FieldValueDuplicate", f'Duplicate value: "{name}"'))
        else:
            seen.add(name)
        if isinstance(c, dict) and not c.get("image"):
            causes.append((f"{where}.image", "FieldValueRequired", "Required value"))
        for j, p in enumerate((c or {}).get("ports") or []):
            causes += _port_causes(p.get("containerPort"), f"{where}.ports[{j}].containerPort")
    return causes


def _port_causes(port: object, where: str) -> list[Cause]:
    if isinstance(port, int) and 1 <= port <= 65535:
        return []
    return [(where, "FieldValueInvalid", f"Invalid value: {port}: must be between 1 and 65535, inclusive")]


def _service_causes(spec: dict) -> list[Cause]:
    causes: list[Cause] = []
    kind = spec.get("type") or "ClusterIP"
    if kind not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        causes.append(("spec.type", "FieldValueNotSupported", f'Unsupported value: "{kind}": supported values: '
                       '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'))
    if kind != "ExternalName" and not spec.get("ports") and spec.get("clusterIP") != "None":
        causes.append(("spec.ports", "FieldValueRequired", "Required value"))
    for i, p in enumerate(spec.get("ports") or []):
        causes += _port_causes(p.get("port"), f"spec.ports[{i}].port")
    return causes


def _crd_causes(spec: dict) -> list[Cause]:
    """A CRD whose validation rules do not compile is refused, as the apiextensions server refuses it."""
    causes: list[Cause] = []
    for i, version in enumerate(spec.get("versions") or []):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        if isinstance(schema, dict):
            causes += cel.compile_rules(schema, f"spec.versions[{i}].schema.openAPIV3Schema")
    return causes


def _rule_causes(resource: Resource, obj: dict, old: dict | None) -> list[Cause]:
    """A custom resource's CEL rules (x-kubernetes-validations) on the defaulted object."""
    schema = resource.extra.get("schema") or {}
    if not schema:
        return []
    props = {k: v for k, v in (schema.get("properties") or {}).items() if k not in ("apiVersion", "kind", "metadata")}
    return cel.check({**schema, "properties": props}, obj, old)


def validate(resource: Resource, obj: dict, old: dict | None = None) -> None:
    """Raise Invalid (422) with every cause found, as kube-apiserver reports them together. `old`: the stored
    object of an update (transition rules compare with it)."""
    meta = obj.get("metadata") or {}
    causes = name_causes(resource, meta.get("name", ""))
    spec = obj.get("spec") or {}
    if resource.extra.get("crd"):
        causes += _rule_causes(resource, obj, old)
    elif resource.plural == "customresourcedefinitions":
        causes += _crd_causes(spec)
    elif resource.plural == "pods":
        causes += _container_causes(spec, "spec")
    elif resource.plural in ("deployments", "replicasets", "daemonsets"):
        causes += _container_causes((spec.get("template") or {}).get("spec") or {}, "spec.template.spec")
    elif resource.plural == "services":
        causes += _service_causes(spec)
    if causes:
        raise invalid(resource.kind, resource.group, meta.get("name", ""), causes)
