"""A small notation for OpenAPI v3 structural schemas, the way CRDs carry them.

Each helper returns one schema node; the API types kinns ships as CRDs (the
Gateway API's, the network-policy-api's) are written with them, and their CRD
manifests are generated from those (as controller-gen generates them from Go
markers), so a type is written once.
"""

from typing import Any

import yaml

Schema = dict[str, Any]


def rule(expression: str, message: str, **extra: str) -> dict:
    """One CEL validation rule (x-kubernetes-validations); extra: fieldPath, reason."""
    return {"rule": expression, "message": message, **extra}


def _given(out: Schema, keywords: dict[str, Any]) -> Schema:
    """`out` with each keyword that was given (not None, not empty), in the order written: a CRD's YAML keeps it."""
    out.update({k: v for k, v in keywords.items() if v is not None and v != "" and v != []})
    return out


def _common(out: Schema, description: str, default: Any, rules: tuple[dict, ...]) -> Schema:
    if description:
        out = {"description": description, **out}
    if default is not None:  # an empty default ("", []) is a default all the same
        out["default"] = default
    return _given(out, {"x-kubernetes-validations": list(rules)})


def string(description: str = "", *, enum: tuple[str, ...] = (), pattern: str = "", min_length: int | None = None,
           max_length: int | None = None, default: str | None = None, fmt: str = "",
           rules: tuple[dict, ...] = ()) -> Schema:
    out = _given({"type": "string"}, {"enum": list(enum), "format": fmt, "minLength": min_length,
                                      "maxLength": max_length, "pattern": pattern})
    return _common(out, description, default, rules)


def integer(description: str = "", *, minimum: int | None = None, maximum: int | None = None,
            default: int | None = None, fmt: str = "int32", enum: tuple[int, ...] = ()) -> Schema:
    out = _given({"type": "integer", "format": fmt}, {"enum": list(enum), "minimum": minimum, "maximum": maximum})
    return _common(out, description, default, ())


def obj(description: str, properties: dict[str, Schema], *, required: tuple[str, ...] = (),
        default: Any = None, rules: tuple[dict, ...] = (), max_properties: int | None = None,
        min_properties: int | None = None) -> Schema:
    out = _given({"type": "object", "properties": properties}, {
        "required": list(required), "maxProperties": max_properties, "minProperties": min_properties})
    return _common(out, description, default, rules)


def string_map(description: str, *, max_properties: int | None = None, value: Schema | None = None) -> Schema:
    out = _given({"type": "object", "additionalProperties": value or {"type": "string"}},
                 {"maxProperties": max_properties})
    return _common(out, description, None, ())


def array(description: str, items: Schema, *, max_items: int | None = None, min_items: int | None = None,
          keys: tuple[str, ...] = (), set_: bool = False, default: Any = None,
          rules: tuple[dict, ...] = ()) -> Schema:
    """A list: atomic, a set (`set_`), or a map keyed by `keys` (merged item by item by apply)."""
    out = _given({"type": "array", "items": items}, {
        "maxItems": max_items, "minItems": min_items,
        "x-kubernetes-list-type": "map" if keys else ("set" if set_ else "atomic"),
        "x-kubernetes-list-map-keys": list(keys)})
    return _common(out, description, default, rules)


def described(node: Schema, description: str) -> Schema:
    """A shared type used for one field: the field's own description on it."""
    return {"description": description, **{k: v for k, v in node.items() if k != "description"}}


# metav1 types used in status and selectors

CONDITION = obj("One aspect of the object's current state (metav1.Condition).", {
    "lastTransitionTime": string("When the condition last changed status.", fmt="date-time"),
    "message": string("A human readable message about the transition.", max_length=32768),
    "observedGeneration": integer("The .metadata.generation the condition was set from.", minimum=0, fmt="int64"),
    "reason": string("A CamelCase word for why the condition is as it is.", min_length=1, max_length=1024,
                     pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"),
    "status": string("True, False or Unknown.", enum=("True", "False", "Unknown")),
    "type": string("The condition's type, such as Accepted or Programmed.", max_length=316,
                   pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                           r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"),
}, required=("lastTransitionTime", "message", "reason", "status", "type"))


def conditions(description: str, default: list | None = None, *, min_items: int | None = None,
               max_items: int | None = None) -> Schema:
    """A status's conditions: a list keyed by type, so each writer applies only its own."""
    return array(description, CONDITION, max_items=max_items, min_items=min_items, keys=("type",), default=default)


LABEL_SELECTOR = obj("A label query over a set of objects; empty selects everything.", {
    "matchExpressions": array("Requirements on labels, all of which must hold.", obj("A label requirement.", {
        "key": string("The label key."),
        "operator": string("In, NotIn, Exists or DoesNotExist."),
        "values": array("The values for In and NotIn.", string(), set_=False),
    }, required=("key", "operator"))),
    "matchLabels": string_map("Labels that must all be present with these values."),
})


# a kind as a CustomResourceDefinition

def root(description: str, spec: Schema, status: Schema | None, *, required: tuple[str, ...] = ("spec",),
         rules: tuple[dict, ...] = ()) -> Schema:
    """An object's whole schema: its type meta, its metadata (the API server's to check), spec and status."""
    props: dict[str, Schema] = {
        "apiVersion": string("The versioned schema of this representation of an object."),
        "kind": string("The REST resource this object represents."),
        "metadata": {"type": "object"},
        "spec": spec,
    }
    if status is not None:
        props["status"] = status
    return obj(description, props, required=required, rules=rules)


def crd(group: str, kind: str, plural: str, scope: str, versions: list[tuple[str, bool]], schema: Schema,
        columns: list[dict], *, annotations: dict[str, str], categories: tuple[str, ...] = (),
        short_names: tuple[str, ...] = (), status: bool = True) -> dict:
    """The CustomResourceDefinition serving `kind` at each of `versions` ((name, is the storage version))."""
    names: dict[str, Any] = {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()}
    if categories:
        names = {"categories": list(categories), **names}
    if short_names:
        names["shortNames"] = list(short_names)
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}", "annotations": annotations},
        "spec": {"group": group, "names": names, "scope": scope, "versions": [
            {"name": name, "served": True, "storage": storage, "additionalPrinterColumns": columns,
             "schema": {"openAPIV3Schema": schema}, **({"subresources": {"status": {}}} if status else {})}
            for name, storage in versions]},
    }


AGE = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


class _Dumper(yaml.SafeDumper):
    """Shared types are written out in full at every use: a CRD has no YAML anchors."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def dump(documents: list[dict]) -> str:
    """Manifests as YAML documents, keys in the order they were written."""
    return yaml.dump_all(documents, Dumper=_Dumper, sort_keys=False, width=120)
