"""What a container is given besides its image: environment variables from the pod spec.

env (value, valueFrom fieldRef / configMapKeyRef / secretKeyRef) and envFrom
(configMapRef / secretRef with a prefix), read from the API as the kubelet
does. Fields only known once the sandbox has its network (status.podIP) are
returned separately and filled in at start. A missing ConfigMap, Secret or key
that is not optional is a CreateContainerConfigError with kubelet's wording.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for hints: `enter` (every exec and exec probe) imports this module and must start fast
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


CLUSTER_DOMAIN = "cluster.local"
# the kubelet's safe sysctls: namespaced, and unable to affect other pods or the node
SAFE_SYSCTLS = ("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem")


def sysctls(pod: dict) -> dict[str, str]:
    """The pod's sysctls (securityContext.sysctls, `/` accepted for `.`), or a ConfigError that refuses the pod in
    the kubelet's words: only the safe set is allowed (the kubelet's default allowlist), and no net.* one with
    hostNetwork."""
    spec = pod.get("spec") or {}
    out = {}
    for item in (spec.get("securityContext") or {}).get("sysctls") or []:
        name = str(item.get("name", "")).replace("/", ".")
        if name not in SAFE_SYSCTLS:
            raise SysctlForbidden(f'Pod forbidden sysctl: "{name}" not allowlisted')
        if name.startswith("net.") and spec.get("hostNetwork"):
            raise SysctlForbidden(f'Pod forbidden sysctl: "{name}" not allowed with host net enabled')
        out[name] = str(item.get("value", ""))
    return out


class SysctlForbidden(ConfigError):
    reason = "SysctlForbidden"


CLUSTER_DNS = "10.96.0.10"


def resolv_conf(pod: dict, node_resolv: str) -> str:
    """/etc/resolv.conf per the pod's dnsPolicy and dnsConfig, as the kubelet writes it.

    ClusterFirst: the cluster DNS and the search path of the pod's namespace (a hostNetwork pod gets the
    node's unless ClusterFirstWithHostNet); Default: the node's file; None: only dnsConfig."""
    spec = pod.get("spec", {})
    policy = spec.get("dnsPolicy", "ClusterFirst")
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"
    servers: list[str] = []
    search: list[str] = []
    options: dict[str, str | None] = {}
    if policy in ("ClusterFirst", "ClusterFirstWithHostNet"):
        ns = pod["metadata"]["namespace"]
        servers, search, options = [CLUSTER_DNS], [f"{ns}.svc.{CLUSTER_DOMAIN}", f"svc.{CLUSTER_DOMAIN}",
                                                   CLUSTER_DOMAIN], {"ndots": "5"}
    elif policy == "Default":
        for line in node_resolv.splitlines():
            fields = line.split()
            if fields[:1] == ["nameserver"] and len(fields) > 1:
                servers.append(fields[1])
            elif fields[:1] in (["search"], ["domain"]):
                search += fields[1:]
            elif fields[:1] == ["options"]:
                options.update({o.split(":", 1)[0]: (o.split(":", 1) + [None])[1] for o in fields[1:]})
    config = spec.get("dnsConfig") or {}
    servers += [s for s in config.get("nameservers") or [] if s not in servers]
    search += [s for s in config.get("searches") or [] if s not in search]
    options.update({o["name"]: o.get("value") for o in config.get("options") or [] if o.get("name")})
    lines = [f"search {' '.join(search)}"] if search else []
    lines += [f"nameserver {s}" for s in servers[:3]]
    if options:
        lines.append("options " + " ".join(k if v is None else f"{k}:{v}" for k, v in options.items()))
    return "\n".join(lines) + "\n"


def service_environment(services: list[dict], links: bool) -> dict[str, str]:
    """The Docker-links-style variables of the Services a pod can see (`WEB_SERVICE_HOST`, ...)."""
    env: dict[str, str] = {}
    for svc in sorted(services, key=lambda s: s["metadata"]["name"]):
        spec = svc.get("spec") or {}
        master = svc["metadata"]["namespace"] == "default" and svc["metadata"]["name"] == "kubernetes"
        ip = spec.get("clusterIP")
        if not (links or master) or not ip or ip == "None" or not spec.get("ports"):
            continue
        prefix = svc["metadata"]["name"].upper().replace("-", "_")
        first = spec["ports"][0]
        env[f"{prefix}_SERVICE_HOST"] = ip
        env[f"{prefix}_SERVICE_PORT"] = str(first["port"])
        env[f"{prefix}_PORT"] = f"{first.get('protocol', 'TCP').lower()}://{ip}:{first['port']}"
        for p in spec["ports"]:
            proto = p.get("protocol", "TCP")
            if p.get("name"):
                env[f"{prefix}_SERVICE_PORT_{p['name'].upper().replace('-', '_')}"] = str(p["port"])
            base = f"{prefix}_PORT_{p['port']}_{proto}"
            env.update({base: f"{proto.lower()}://{ip}:{p['port']}", f"{base}_PROTO": proto.lower(),
                        f"{base}_PORT": str(p["port"]), f"{base}_ADDR": ip})
    return env


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
    links = pod.get("spec", {}).get("enableServiceLinks", True) is not False
    visible = (await client.request("GET", f"/api/v1/namespaces/{namespace}/services"))["items"]
    if namespace != "default":
        master = await client.get("/api/v1/namespaces/default/services/kubernetes")
        visible += [master] if master else []
    env: dict[str, str] = service_environment(visible, links)
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
