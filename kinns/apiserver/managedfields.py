"""Field ownership for server-side apply: metadata.managedFields in the FieldsV1 format.

Every write records which fields its manager (the `fieldManager` parameter)
set: an Apply owns the fields of its configuration, an Update the fields it
changed. An Apply that changes a field another manager owns is a Conflict
unless forced (then ownership moves); fields an applier owned and no longer
sends are removed unless someone else owns them too. Lists of objects are
keyed by their merge key (`k:{"name":"web"}`), other lists are atomic.
"""

import json

from ..apimachinery.errors import APIError
from ..apimachinery.meta import now
from .patch import MERGE_KEYS

Path = tuple[str, ...]
_KEYS = set(MERGE_KEYS.values()) | {"containerPort", "port"}


def _list_key(items: list) -> str | None:
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for key in ("name", "containerPort", "port", "mountPath", "devicePath", "ip", "type", "uid", "topologyKey"):
        if key in _KEYS and all(key in i for i in items):
            return key
    return None


def leaves(obj: object, prefix: Path = ()) -> dict[Path, object]:
    """Every owned field of an object: path -> value (maps and keyed lists are walked into)."""
    out: dict[Path, object] = {}
    if isinstance(obj, dict) and obj:
        for k, v in obj.items():
            if not prefix and k in ("apiVersion", "kind"):
                continue
            if prefix == ("f:metadata",) and k not in ("labels", "annotations", "finalizers", "ownerReferences"):
                continue
            out.update(leaves(v, prefix + (f"f:{k}",)))
        return out
    if isinstance(obj, list) and (key := _list_key(obj)):
        for item in obj:
            element = prefix + ("k:" + json.dumps({key: item[key]}, separators=(",", ":")),)
            out[element + (".",)] = None
            out.update(leaves(item, element))
        return out
    out[prefix] = obj
    return out


def to_fields_v1(paths: set[Path]) -> dict:
    tree: dict = {}
    for path in sorted(paths):
        node = tree
        for part in path:
            node = node.setdefault(part, {})
    return tree


def from_fields_v1(tree: dict, prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for part, sub in tree.items():
        if sub:
            out |= from_fields_v1(sub, prefix + (part,))
        else:
            out.add(prefix + (part,))
    return out


def _entries(obj: dict) -> list[dict]:
    return list((obj.get("metadata") or {}).get("managedFields") or [])


def _entry(manager: str, operation: str, api_version: str, paths: set[Path], subresource: str) -> dict:
    entry = {"manager": manager, "operation": operation, "apiVersion": api_version, "time": now(),
             "fieldsType": "FieldsV1", "fieldsV1": to_fields_v1(paths)}
    if subresource:
        entry["subresource"] = subresource
    return entry


def _display(path: Path) -> str:
    return "".join("." + p[2:] if p.startswith("f:") else "[" + p[2:] + "]" for p in path if p != ".")


def _remove(obj: object, path: Path) -> None:
    """Delete the field at `path` (f: map keys, k: list elements) from obj, if present."""
    node = obj
    for i, part in enumerate(path):
        last = i == len(path) - 1 or path[i + 1] == "."
        if part.startswith("f:") and isinstance(node, dict):
            if last:
                node.pop(part[2:], None)
                return
            node = node.get(part[2:])
        elif part.startswith("k:") and isinstance(node, list):
            key = json.loads(part[2:])
            match = next((j for j, item in enumerate(node) if isinstance(item, dict)
                          and all(item.get(k) == v for k, v in key.items())), None)
            if match is None:
                return
            if last:
                node.pop(match)
                return
            node = node[match]
        else:
            return
        if node is None:
            return


def apply(current: dict, applied: dict, merged: dict, manager: str, api_version: str, force: bool) -> dict:
    """Ownership for an Apply: conflicts raised, dropped fields removed from `merged`, entries updated."""
    config = leaves(applied)
    now_values = leaves(current)
    entries = _entries(current)
    conflicts = []
    for entry in entries:
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            continue
        owned = from_fields_v1(entry.get("fieldsV1") or {})
        for path in sorted(owned & set(config)):
            if path[-1] != "." and now_values.get(path) != config[path]:
                conflicts.append((entry["manager"], entry.get("apiVersion", api_version), path))
    if conflicts and not force:
        causes = [{"reason": "FieldManagerConflict", "message": f'conflict with "{m}" using {v}',
                   "field": _display(p)} for m, v, p in conflicts]
        text = "; ".join(f'conflict with "{m}" using {v}: {_display(p)}' for m, v, p in conflicts)
        plural = "s" if len(conflicts) > 1 else ""
        raise APIError(409, "Conflict", f"Apply failed with {len(conflicts)} conflict{plural}"
                       f": {text}", {"causes": causes})
    mine_before: set[Path] = set()
    others: set[Path] = set()
    kept = []
    for entry in entries:
        owned = from_fields_v1(entry.get("fieldsV1") or {})
        if entry.get("manager") == manager and entry.get("operation") == "Apply":
            mine_before = owned
            continue
        taken = {p for m, _, p in conflicts if m == entry.get("manager")} if force else set()
        if taken:
            owned -= taken
            entry = {**entry, "fieldsV1": to_fields_v1(owned)}
        others |= owned
        if owned:
            kept.append(entry)
    for path in mine_before - set(config) - others:
        _remove(merged, path)
    merged.setdefault("metadata", {})["managedFields"] = kept + [
        _entry(manager, "Apply", api_version, set(config), "")]
    return merged


def update(before: dict | None, after: dict, manager: str, api_version: str, subresource: str = "") -> dict:
    """Ownership for a create/update/patch: the manager gains the fields it set or changed."""
    old = leaves(before or {})
    new = leaves(after)
    changed = {p for p, v in new.items() if p not in old or old[p] != v}
    entries = [dict(e) for e in _entries(before or {})]
    for entry in entries:
        owned = from_fields_v1(entry.get("fieldsV1") or {})
        entry["fieldsV1"] = to_fields_v1(owned - (changed if entry.get("manager") != manager else set()))
    mine = next((e for e in entries if e.get("manager") == manager and e.get("operation") == "Update"
                 and e.get("subresource", "") == subresource), None)
    if mine is None:
        if changed:
            entries.append(_entry(manager, "Update", api_version, changed, subresource))
    else:
        mine.update(_entry(manager, "Update", api_version,
                           from_fields_v1(mine.get("fieldsV1") or {}) | changed, subresource))
    after.setdefault("metadata", {})["managedFields"] = [e for e in entries if e.get("fieldsV1")]
    return after
