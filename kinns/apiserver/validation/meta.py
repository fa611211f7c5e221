"""ObjectMeta, as kube-apiserver validates it for every kind: names, labels, annotations, owners, finalizers,
and what an update may not change."""

from collections.abc import Callable

from . import formats
from .field import Cause, child, forbidden, index, invalid, invalid_each, required, too_long

ANNOTATIONS_LIMIT = 256 * 1024  # bytes of keys and values together
NameCheck = Callable[[str], list[str]]


def dict_of(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def list_of(value: object) -> list:
    return value if isinstance(value, list) else []


def labels(values: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for k, v in dict_of(values).items():
        causes += invalid_each(path, k, formats.qualified_name(str(k)))
        causes += invalid_each(path, v, formats.label_value(v if isinstance(v, str) else str(v)))
    return causes


def annotations(values: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    size = 0
    for k, v in dict_of(values).items():
        causes += invalid_each(path, k, formats.qualified_name(str(k).lower()))
        size += len(str(k)) + len(str(v))
    if size > ANNOTATIONS_LIMIT:
        causes.append(too_long(path, ANNOTATIONS_LIMIT))
    return causes


def _owners(refs: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    controller = ""
    for i, ref in enumerate(list_of(refs)):
        ref, where = dict_of(ref), index(path, i)
        version = str(ref.get("apiVersion") or "")
        if not version:
            causes.append(required(child(where, "apiVersion"), "must not be empty"))
        elif version.count("/") > 1 or version.endswith("/"):
            causes.append(invalid(child(where, "apiVersion"), version, "must be <group>/<version> or <version>"))
        for name in ("kind", "name", "uid"):
            if not ref.get(name):
                causes.append(required(child(where, name), "must not be empty"))
        if ref.get("kind") == "Event" and version == "v1":
            causes.append(invalid(where, ref, "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            current = f"{ref.get('kind')}/{ref.get('name')}"
            if controller:
                causes.append(invalid(path, refs, 'Only one reference can have Controller set to true. Found "true" '
                                                  f"in references for {controller} and {current}"))
            controller = controller or current
    return causes


def _finalizers(values: object, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, f in enumerate(list_of(values)):
        name = f if isinstance(f, str) else str(f)
        causes += invalid_each(index(path, i), name, formats.qualified_name(name))
    if "orphan" in list_of(values) and "foregroundDeletion" in list_of(values):
        causes.append(invalid(path, values, 'finalizer orphan and foregroundDeletion cannot be both set'))
    return causes


def object_meta(meta: dict, namespaced: bool, name_check: NameCheck, old: dict | None = None) -> list[Cause]:
    """The causes against an object's metadata; `old`: the stored object's metadata, on an update."""
    causes: list[Cause] = []
    name, generated = meta.get("name") or "", meta.get("generateName") or ""
    if generated:  # a prefix: its trailing dash stands for the characters to come
        masked = generated[:-1] + "a" if generated.endswith("-") else generated
        causes += invalid_each("metadata.generateName", generated, name_check(masked))
    if not name:
        causes.append(required("metadata.name", "name or generateName is required"))
    else:
        causes += invalid_each("metadata.name", name, name_check(name))
    if namespaced:
        if not meta.get("namespace"):
            causes.append(required("metadata.namespace"))
        else:
            causes += invalid_each("metadata.namespace", meta["namespace"], formats.dns_label(meta["namespace"]))
    elif meta.get("namespace"):
        causes.append(forbidden("metadata.namespace", "not allowed on this type"))
    if isinstance(meta.get("generation"), int) and meta["generation"] < 0:
        causes.append(invalid("metadata.generation", meta["generation"], "must be greater than or equal to 0"))
    causes += labels(meta.get("labels"), "metadata.labels")
    causes += annotations(meta.get("annotations"), "metadata.annotations")
    causes += _owners(meta.get("ownerReferences"), "metadata.ownerReferences")
    causes += _finalizers(meta.get("finalizers"), "metadata.finalizers")
    if old is not None:
        for field_name in ("name", "namespace", "uid", "creationTimestamp"):
            if old.get(field_name) != meta.get(field_name):
                causes.append(invalid(f"metadata.{field_name}", meta.get(field_name), "field is immutable"))
        if old.get("deletionTimestamp"):
            new = sorted(set(list_of(meta.get("finalizers"))) - set(list_of(old.get("finalizers"))))
            if new:
                causes.append(forbidden("metadata.finalizers", "no new finalizers can be added if the object is "
                                                               f"being deleted, found new finalizers {new}"))
    return causes
