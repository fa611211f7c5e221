"""PATCH bodies: JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch.

Strategic merge patch is what `kubectl apply` and `kubectl patch` send for
built-in types: like a merge patch, except that lists of objects with a merge
key (containers by name, ports by port, ...) are merged item by item, and the
`$patch` directive deletes or replaces an item or a map.
"""

import copy

import jsonpatch

from ..apimachinery.errors import APIError, bad_request

# Lists merged by key in strategic merge patch, by field name.
MERGE_KEYS = {
    "containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
    "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath", "imagePullSecrets": "name",
    "hostAliases": "ip", "conditions": "type", "ownerReferences": "uid", "addresses": "type",
    "topologySpreadConstraints": "topologyKey", "resourceClaims": "name",
}
# Lists of scalars merged as sets.
SET_LISTS = {"finalizers"}


def json_patch(obj: dict, ops: object) -> dict:
    if not isinstance(ops, list):
        raise bad_request("json patch must be a list of operations")
    try:
        return jsonpatch.apply_patch(obj, ops)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException, TypeError, KeyError) as err:
        raise APIError(422, "Invalid", f"the server rejected our request due to an error in our request: {err}")


def merge_patch(target: object, patch: object) -> object:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def _list_key(field: str, items: list) -> str | None:
    if field == "ports":
        sample = next((i for i in items if isinstance(i, dict)), {})
        return "containerPort" if "containerPort" in sample else "port"
    return MERGE_KEYS.get(field)


def strategic_merge(target: object, patch: object, field: str = "") -> object:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$patch", "$retainKeys"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            name = key.split("/", 1)[1]
            out[name] = [v for v in out.get(name) or [] if v not in value]
            continue
        if value is None:
            out.pop(key, None)
        elif isinstance(value, list):
            out[key] = _merge_list(key, out.get(key), value)
        else:
            merged = strategic_merge(out.get(key), value, key)
            if merged is None:
                out.pop(key, None)
            else:
                out[key] = merged
    return out


def _merge_list(field: str, current: object, patch: list) -> list:
    current = current if isinstance(current, list) else []
    if field in SET_LISTS:
        return current + [v for v in patch if v not in current]
    key = _list_key(field, patch + current)
    if not key or not all(isinstance(i, dict) for i in patch):
        return copy.deepcopy(patch)
    out = [copy.deepcopy(i) for i in current]
    for item in patch:
        directive = item.get("$patch")
        match = next((i for i, cur in enumerate(out) if isinstance(cur, dict) and cur.get(key) == item.get(key)),
                     None)
        if directive == "delete":
            if match is not None:
                out.pop(match)
        elif match is not None:
            out[match] = strategic_merge(out[match], item, field)
        else:
            out.append({k: v for k, v in item.items() if k != "$patch"})
    return out
