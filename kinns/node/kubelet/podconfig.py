"""What a container is given besides its image: environment variables from the pod spec.

env (value, valueFrom fieldRef / configMapKeyRef / secretKeyRef) and envFrom
(configMapRef / secretRef with a prefix), read from the API as the kubelet
does. Fields only known once the sandbox has its network (status.podIP) are
returned separately and filled in at start. A missing ConfigMap, Secret or key
that is not optional is a CreateContainerConfigError with kubelet's wording.
"""

import base64
import re

from ...client import Client


class ConfigError(Exception):
    reason = "CreateContainerConfigError"


_LATE_FIELDS = {"status.podIP", "status.podIPs", "status.hostIP", "status.hostIPs"}


def _field(pod: dict, path: str) -> str:
    meta, spec = pod["metadata"], pod.get("spec", {})
    if path.startswith("metadata.labels['") or path.startswith("metadata.annotations['"):
        kind, key = path.split("['", 1)
        return (meta.get(kind.split(".")[1]) or {}).get(key.rstrip("']"), "")
    return {"metadata.name": meta["name"], "metadata.namespace": meta["namespace"], "metadata.uid": meta["uid"],
            "spec.nodeName": spec.get("nodeName", ""), "spec.serviceAccountName": spec.get("serviceAccountName", "")
            }.get(path, "")


_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion in command, args and env values: `$$` escapes, unknown names stay as written."""
    return _REFERENCE.sub(lambda m: "$" if m.group(0) == "$$" else env.get(m.group(1), m.group(0)), text)


async def _data(client: Client, namespace: str, kind: str, name: str, cache: dict) -> dict | None:
    if (kind, name) not in cache:
        plural = "configmaps" if kind == "configmap" else "secrets"
        obj = await client.get(f"/api/v1/namespaces/{namespace}/{plural}/{name}")
        if obj is None:
            cache[(kind, name)] = None
        elif kind == "secret":
            cache[(kind, name)] = {k: base64.b64decode(v).decode(errors="replace")
                                   for k, v in (obj.get("data") or {}).items()}
        else:
            cache[(kind, name)] = dict(obj.get("data") or {})
    return cache[(kind, name)]


async def environment(client: Client, pod: dict, container: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(variables, late fields): env resolved now, and env names to fill from pod fields at start."""
    namespace = pod["metadata"]["namespace"]
    env: dict[str, str] = {}
    late: dict[str, str] = {}
    cache: dict = {}
    for source in container.get("envFrom") or []:
        for kind, ref in (("configmap", source.get("configMapRef")), ("secret", source.get("secretRef"))):
            if not ref:
                continue
            data = await _data(client, namespace, kind, ref["name"], cache)
            if data is None:
                if ref.get("optional"):
                    continue
                raise ConfigError(f'{kind} "{ref["name"]}" not found')
            env.update({source.get("prefix", "") + k: v for k, v in data.items()})
    for item in container.get("env") or []:
        name, source = item["name"], item.get("valueFrom")
        if source is None:
            env[name] = expand(item.get("value", ""), env)
        elif "fieldRef" in source:
            path = source["fieldRef"].get("fieldPath", "")
            if path in _LATE_FIELDS:
                late[name] = path
            else:
                env[name] = _field(pod, path)
        elif "configMapKeyRef" in source or "secretKeyRef" in source:
            kind = "configmap" if "configMapKeyRef" in source else "secret"
            ref = source.get("configMapKeyRef") or source.get("secretKeyRef")
            data = await _data(client, namespace, kind, ref["name"], cache)
            if data is None or ref.get("key") not in data:
                if ref.get("optional"):
                    continue
                if data is None:
                    raise ConfigError(f'{kind} "{ref["name"]}" not found')
                raise ConfigError(f'couldn\'t find key {ref.get("key")} in {kind.capitalize().replace("map", "Map")} '
                                  f'{namespace}/{ref["name"]}')
            env[name] = data[ref["key"]]
    return env, late
