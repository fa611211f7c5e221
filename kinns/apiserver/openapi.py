"""OpenAPI v3 documents generated from the resource registry.

kubectl downloads /openapi/v3 before `create -f` and `apply -f`: from the
operations' parameters it learns that the server validates fields itself
(`fieldValidation`), and from the schemas' x-kubernetes-group-version-kind
which definition describes a kind. Each group/version gets one document with
a path per resource and verb and a schema per kind.
"""

import hashlib
import json

from ..apimachinery.version import KUBERNETES
from .resources import Registry, Resource
from .schema import TABLE, kind_type, schema_for

_PARAMS = {
    "fieldValidation": {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True},
                        "description": "how the server treats unknown or duplicate fields: Ignore, Warn or Strict"},
    "dryRun": {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    "fieldManager": {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    "force": {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}},
}
_WRITE = ["dryRun", "fieldManager", "fieldValidation"]


def schema_name(r: Resource) -> str:
    short = kind_type(r)
    if short:
        return TABLE.ids[short]
    return f"io.k8s.kinns.{r.group or 'core'}.{r.version}.{r.kind}"


def _ref(r: Resource) -> dict:
    return {"$ref": f"#/components/schemas/{schema_name(r)}"}


def _operation(r: Resource, verb: str, params: list[str]) -> dict:
    op = {"operationId": f"{verb}{r.kind}", "parameters": [_PARAMS[p] for p in params],
          "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": _ref(r)}}}},
          "x-kubernetes-action": verb,
          "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind}}
    if verb in ("post", "put", "patch"):
        media = ["application/json"] if verb != "patch" else [
            "application/json-patch+json", "application/merge-patch+json",
            "application/strategic-merge-patch+json", "application/apply-patch+yaml"]
        if verb == "patch" and r.extra.get("crd"):  # no strategic merge for custom resources: kubectl apply
            # then sends a merge patch
            media.remove("application/strategic-merge-patch+json")
        op["requestBody"] = {"content": {m: {"schema": _ref(r)} for m in media}}
    return op


def document(registry: Registry, group: str, version: str) -> dict:
    prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
    paths: dict[str, dict] = {}
    schemas: dict[str, dict] = {}
    for r in registry.in_group_version(group, version):
        base = f"{prefix}/namespaces/{{namespace}}/{r.plural}" if r.namespaced else f"{prefix}/{r.plural}"
        paths[base] = {"get": _operation(r, "list", []), "post": _operation(r, "post", _WRITE)}
        paths[base + "/{name}"] = {"get": _operation(r, "get", []), "put": _operation(r, "put", _WRITE),
                                   "patch": _operation(r, "patch", _WRITE + ["force"]),
                                   "delete": _operation(r, "delete", ["dryRun"])}
        schemas.update(schema_for(r, schema_name(r)))
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": f"{KUBERNETES}-kinns"},
            "paths": paths, "components": {"schemas": schemas}}


def index(registry: Registry) -> dict:
    """The /openapi/v3 discovery document: one entry per group/version, addressed by content hash."""
    out = {}
    for group, versions in registry.group_versions().items():
        for version in versions:
            path = f"apis/{group}/{version}" if group else f"api/{version}"
            digest = hashlib.sha512(json.dumps(document(registry, group, version), sort_keys=True).encode())
            out[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest.hexdigest()[:32].upper()}"}
    return {"paths": out}
