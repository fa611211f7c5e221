"""A PodSpec as kube-apiserver validates it (pods and the templates of workloads): volumes and their paths,
containers with their ports, environment, mounts, resources, probes and security context, the pod's
policies, DNS settings, host aliases and tolerations."""

from ...apimachinery import quantity
from . import formats
from .field import (Cause, child, duplicate, forbidden, index, invalid, invalid_each, key, not_found, not_supported,
                    required, too_many, unique_name)
from .meta import dict_of, labels, list_of

PROTOCOLS = ("SCTP", "TCP", "UDP")
RESTART_POLICIES = ("Always", "Never", "OnFailure")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
MESSAGE_POLICIES = ("FallbackToLogsOnError", "File")
HOST_PATH_TYPES = ("", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate",
                   "Socket")
VOLUME_SOURCES = ("emptyDir", "hostPath", "configMap", "secret", "projected", "downwardAPI", "persistentVolumeClaim",
                  "nfs", "csi", "ephemeral", "image", "iscsi", "cephfs", "rbd", "fc", "gitRepo")
FIELD_PATHS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
               "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")
RESOURCE_FIELDS = ("limits.cpu", "limits.memory", "limits.ephemeral-storage", "requests.cpu", "requests.memory",
                   "requests.ephemeral-storage")
MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"
MAX_INT32 = 2 ** 31 - 1


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def local_path(path: str, where: str) -> list[Cause]:
    """A path inside a volume: relative, without '..' (so nothing written through it leaves the volume)."""
    causes = []
    if path.startswith("/"):
        causes.append(invalid(where, path, "must be a relative path"))
    if any(part == ".." for part in path.split("/")):
        causes.append(invalid(where, path, "must not contain '..'"))
    return causes


def _mode(value: object, where: str) -> list[Cause]:
    if value is None:
        return []
    return [] if _int(value) and 0 <= value <= 0o777 else [invalid(where, value, MODE_MSG)]


def _key_to_paths(items: object, where: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, item in enumerate(list_of(items)):
        item, at = dict_of(item), index(where, i)
        if not item.get("key"):
            causes.append(required(child(at, "key")))
        else:
            causes += invalid_each(child(at, "key"), item["key"], formats.config_key(str(item["key"])))
        if not item.get("path"):
            causes.append(required(child(at, "path")))
        else:
            causes += local_path(str(item["path"]), child(at, "path"))
        causes += _mode(item.get("mode"), child(at, "mode"))
    return causes


def _downward_items(items: object, where: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, item in enumerate(list_of(items)):
        item, at = dict_of(item), index(where, i)
        if not item.get("path"):
            causes.append(required(child(at, "path")))
        else:
            causes += local_path(str(item["path"]), child(at, "path"))
        causes += _mode(item.get("mode"), child(at, "mode"))
        if "fieldRef" in item:
            causes += _field_ref(item["fieldRef"], child(at, "fieldRef"), volume=True)
    return causes


def _volume_source(volume: dict, where: str) -> list[Cause]:
    causes: list[Cause] = []
    if "hostPath" in volume:
        host = dict_of(volume["hostPath"])
        if not host.get("path"):
            causes.append(required(child(where, "hostPath.path")))
        if host.get("type", "") not in HOST_PATH_TYPES:
            causes.append(not_supported(child(where, "hostPath.type"), host.get("type"), HOST_PATH_TYPES[1:]))
    if "emptyDir" in volume:
        medium = dict_of(volume["emptyDir"]).get("medium", "")
        if medium not in ("", "Memory", "HugePages"):
            causes.append(not_supported(child(where, "emptyDir.medium"), medium, ("", "HugePages", "Memory")))
    for kind, name_field in (("configMap", "name"), ("secret", "secretName")):
        if kind in volume:
            source = dict_of(volume[kind])
            if not source.get(name_field):
                causes.append(required(child(where, f"{kind}.{name_field}")))
            causes += _key_to_paths(source.get("items"), child(where, f"{kind}.items"))
            causes += _mode(source.get("defaultMode"), child(where, f"{kind}.defaultMode"))
    if "downwardAPI" in volume:
        source = dict_of(volume["downwardAPI"])
        causes += _downward_items(source.get("items"), child(where, "downwardAPI.items"))
        causes += _mode(source.get("defaultMode"), child(where, "downwardAPI.defaultMode"))
    if "projected" in volume:
        causes += _projected(dict_of(volume["projected"]), child(where, "projected"))
    return causes


def _projected(projected: dict, where: str) -> list[Cause]:
    causes = _mode(projected.get("defaultMode"), child(where, "defaultMode"))
    for i, source in enumerate(list_of(projected.get("sources"))):
        source, at = dict_of(source), index(child(where, "sources"), i)
        kinds = [k for k in ("configMap", "secret", "downwardAPI", "serviceAccountToken", "clusterTrustBundle")
                 if k in source]
        if len(kinds) != 1:
            causes.append(forbidden(at, "may not specify more than 1 volume type per source") if kinds else
                          required(at, "must specify exactly 1 volume type"))
        for kind in ("configMap", "secret"):
            if kind in source:
                causes += _key_to_paths(dict_of(source[kind]).get("items"), child(at, f"{kind}.items"))
        if "downwardAPI" in source:
            causes += _downward_items(dict_of(source["downwardAPI"]).get("items"), child(at, "downwardAPI.items"))
        if "serviceAccountToken" in source:
            token = dict_of(source["serviceAccountToken"])
            seconds = token.get("expirationSeconds", 3600)
            if _int(seconds) and seconds < 600:
                causes.append(invalid(child(at, "serviceAccountToken.expirationSeconds"), seconds,
                                      "may not specify a duration less than 10 minutes"))
            elif _int(seconds) and seconds > 2 ** 32:
                causes.append(invalid(child(at, "serviceAccountToken.expirationSeconds"), seconds,
                                      "may not specify a duration larger than 2^32 seconds"))
            if not token.get("path"):
                causes.append(required(child(at, "serviceAccountToken.path")))
            else:
                causes += local_path(str(token["path"]), child(at, "serviceAccountToken.path"))
    return causes


def volumes(items: object, where: str = "spec.volumes") -> tuple[set[str], list[Cause]]:
    """The names of the pod's volumes and the causes against them."""
    causes: list[Cause] = []
    names: set[str] = set()
    for i, volume in enumerate(list_of(items)):
        volume, at = dict_of(volume), index(where, i)
        name = volume.get("name") or ""
        if not name:
            causes.append(required(child(at, "name")))
        else:
            causes += unique_name(child(at, "name"), name, formats.dns_label(name), names)
        sources = [s for s in VOLUME_SOURCES if s in volume]
        if not sources:
            causes.append(required(at, "must specify a volume type"))
        elif len(sources) > 1:
            causes.append(forbidden(child(at, sources[1]), "may not specify more than 1 volume type"))
        causes += _volume_source(volume, at)
    return names, causes


def _field_ref(ref: object, where: str, volume: bool = False) -> list[Cause]:
    ref = dict_of(ref)
    path = ref.get("fieldPath") or ""
    if not path:
        return [required(child(where, "fieldPath"))]
    if ref.get("apiVersion") not in (None, "", "v1"):
        return [not_supported(child(where, "apiVersion"), ref["apiVersion"], ("v1",))]
    bare = path.split("[", 1)[0]
    if bare in ("metadata.labels", "metadata.annotations"):
        if "[" in path:
            inner = path[len(bare) + 1:].rstrip("]").strip("'")
            return invalid_each(child(where, "fieldPath"), path, formats.qualified_name(inner))
        return [] if volume else [not_supported(child(where, "fieldPath"), path, FIELD_PATHS)]
    return [] if path in FIELD_PATHS else [not_supported(child(where, "fieldPath"), path, FIELD_PATHS)]


def _env(items: object, where: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, env in enumerate(list_of(items)):
        env, at = dict_of(env), index(where, i)
        name = env.get("name") or ""
        if not name:
            causes.append(required(child(at, "name")))
        else:
            causes += invalid_each(child(at, "name"), name, formats.env_name(name))
        source = env.get("valueFrom")
        if source is None:
            continue
        source = dict_of(source)
        if env.get("value"):
            causes.append(invalid(child(at, "valueFrom"), "", "may not be specified when `value` is not empty"))
        kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if k in source]
        if len(kinds) != 1:
            causes.append(invalid(child(at, "valueFrom"), "", "may not have more than one field specified at a time")
                          if kinds else required(child(at, "valueFrom"), "must specify one of: `fieldRef`, "
                                                 "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
        if "fieldRef" in source:
            causes += _field_ref(source["fieldRef"], child(at, "valueFrom.fieldRef"))
        if "resourceFieldRef" in source:
            resource = dict_of(source["resourceFieldRef"]).get("resource") or ""
            if resource not in RESOURCE_FIELDS:
                causes.append(not_supported(child(at, "valueFrom.resourceFieldRef.resource"), resource,
                                            RESOURCE_FIELDS))
        for kind in ("configMapKeyRef", "secretKeyRef"):
            if kind in source:
                ref = dict_of(source[kind])
                if not ref.get("key"):
                    causes.append(required(child(at, f"valueFrom.{kind}.key")))
                else:
                    causes += invalid_each(child(at, f"valueFrom.{kind}.key"), ref["key"],
                                           formats.config_key(str(ref["key"])))
                if not ref.get("name"):
                    causes.append(required(child(at, f"valueFrom.{kind}.name")))
    return causes


def _env_from(items: object, where: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, source in enumerate(list_of(items)):
        source, at = dict_of(source), index(where, i)
        if source.get("prefix"):
            causes += invalid_each(child(at, "prefix"), source["prefix"], formats.env_name(str(source["prefix"])))
        kinds = [k for k in ("configMapRef", "secretRef") if k in source]
        if len(kinds) != 1:
            causes.append(invalid(at, "", "may not have more than one field specified at a time") if kinds else
                          required(at, "must specify one of: `configMapRef` or `secretRef`"))
        for kind in kinds:
            if not dict_of(source[kind]).get("name"):
                causes.append(required(child(at, f"{kind}.name")))
    return causes


def _ports(items: object, where: str, names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    for i, port in enumerate(list_of(items)):
        port, at = dict_of(port), index(where, i)
        if port.get("name"):
            causes += unique_name(child(at, "name"), port["name"], formats.port_name(str(port["name"])), names)
        if not port.get("containerPort"):
            causes.append(required(child(at, "containerPort")))
        else:
            causes += invalid_each(child(at, "containerPort"), port["containerPort"],
                                   formats.port_number(port["containerPort"]))
        if port.get("hostPort"):
            causes += invalid_each(child(at, "hostPort"), port["hostPort"], formats.port_number(port["hostPort"]))
        if port.get("hostIP"):
            causes += invalid_each(child(at, "hostIP"), port["hostIP"], formats.ip(str(port["hostIP"])))
        protocol = port.get("protocol")
        if not protocol:
            causes.append(required(child(at, "protocol")))
        elif protocol not in PROTOCOLS:
            causes.append(not_supported(child(at, "protocol"), protocol, PROTOCOLS))
    return causes


def _mounts(items: object, where: str, volume_names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, mount in enumerate(list_of(items)):
        mount, at = dict_of(mount), index(where, i)
        name, target = mount.get("name") or "", mount.get("mountPath") or ""
        if not name:
            causes.append(required(child(at, "name")))
        elif name not in volume_names:
            causes.append(not_found(child(at, "name"), name))
        if not target:
            causes.append(required(child(at, "mountPath")))
        elif target in seen:
            causes.append(invalid(child(at, "mountPath"), target, "must be unique"))
        seen.add(target)
        if mount.get("subPath"):
            causes += local_path(str(mount["subPath"]), child(at, "subPath"))
    return causes


def _resources(resources: object, where: str) -> list[Cause]:
    resources = dict_of(resources)
    causes: list[Cause] = []
    for kind in ("limits", "requests"):
        for name, value in dict_of(resources.get(kind)).items():
            at = key(child(where, kind), name)
            bad = formats.quantity(value)
            causes += invalid_each(at, value, bad)
            if not bad and str(value).startswith("-"):
                causes.append(invalid(at, value, "must be greater than or equal to 0"))
    limits, requests = dict_of(resources.get("limits")), dict_of(resources.get("requests"))
    for name in set(limits) & set(requests):
        try:
            over = quantity.parse(requests[name]) > quantity.parse(limits[name])
        except ValueError:
            continue
        if over:
            causes.append(invalid(key(child(where, "requests"), name), requests[name],
                                  f"must be less than or equal to {name} limit of {limits[name]}"))
    return causes


def _handler(probe: dict, where: str, ports: set[str]) -> list[Cause]:
    kinds = [k for k in ("exec", "httpGet", "tcpSocket", "grpc") if k in probe]
    if not kinds:
        return [required(where, "must specify a handler type")]
    if len(kinds) > 1:
        return [forbidden(child(where, kinds[1]), "may not specify more than 1 handler type")]
    causes: list[Cause] = []
    kind = kinds[0]
    spec = dict_of(probe[kind])
    if kind == "exec" and not list_of(spec.get("command")):
        causes.append(required(child(where, "exec.command")))
    if kind in ("httpGet", "tcpSocket"):
        port = spec.get("port")
        if port is None:
            causes.append(required(child(where, f"{kind}.port")))
        elif isinstance(port, str) and not port.isdigit():
            causes += invalid_each(child(where, f"{kind}.port"), port, formats.port_name(port))
        else:
            causes += invalid_each(child(where, f"{kind}.port"), port, formats.port_number(int(port)))
    if kind == "httpGet":
        if spec.get("scheme", "HTTP") not in ("HTTP", "HTTPS"):
            causes.append(not_supported(child(where, "httpGet.scheme"), spec.get("scheme"), ("HTTP", "HTTPS")))
        for i, header in enumerate(list_of(spec.get("httpHeaders"))):
            name = dict_of(header).get("name") or ""
            causes += invalid_each(child(index(child(where, "httpGet.httpHeaders"), i), "name"), name,
                                   formats.http_header_name(name))
    if kind == "grpc":
        causes += invalid_each(child(where, "grpc.port"), spec.get("port"), formats.port_number(spec.get("port")))
    return causes


def _probe(probe: object, where: str, ports: set[str], liveness: bool) -> list[Cause]:
    if probe is None:
        return []
    probe = dict_of(probe)
    causes = _handler(probe, where, ports)
    for name, least in (("initialDelaySeconds", 0), ("timeoutSeconds", 1), ("periodSeconds", 1),
                        ("successThreshold", 1), ("failureThreshold", 1), ("terminationGracePeriodSeconds", 1)):
        value = probe.get(name)
        if _int(value) and value < least:
            causes.append(invalid(child(where, name), value, "must be greater than or equal to 0" if least == 0 else
                                  "must be greater than or equal to 1"))
    if liveness and probe.get("successThreshold", 1) != 1:
        causes.append(invalid(child(where, "successThreshold"), probe["successThreshold"], "must be 1"))
    return causes


def _security(context: object, where: str) -> list[Cause]:
    context = dict_of(context)
    causes: list[Cause] = []
    for name in ("runAsUser", "runAsGroup"):
        value = context.get(name)
        if _int(value) and not 0 <= value <= MAX_INT32:
            causes.append(invalid(child(where, name), value, formats.in_range(0, MAX_INT32)))
    if context.get("privileged") is True and context.get("allowPrivilegeEscalation") is False:
        causes.append(invalid(where, context, "cannot set `allowPrivilegeEscalation` to false and `privileged` to "
                                              "true"))
    for kind in ("add", "drop"):
        for i, capability in enumerate(list_of(dict_of(context.get("capabilities")).get(kind))):
            if not isinstance(capability, str) or not capability:
                causes.append(required(index(child(where, f"capabilities.{kind}"), i)))
    seccomp = dict_of(context.get("seccompProfile"))
    if seccomp:
        kind = seccomp.get("type")
        if kind not in ("Localhost", "RuntimeDefault", "Unconfined"):
            causes.append(not_supported(child(where, "seccompProfile.type"), kind,
                                        ("Localhost", "RuntimeDefault", "Unconfined")))
        elif kind == "Localhost" and not seccomp.get("localhostProfile"):
            causes.append(required(child(where, "seccompProfile.localhostProfile"),
                                   "must be set when seccomp type is Localhost"))
    return causes


def containers(items: object, where: str, volume_names: set[str], names: set[str], required_list: bool
               ) -> list[Cause]:
    causes: list[Cause] = []
    if required_list and not list_of(items):
        return [required(where)]
    port_names: set[str] = set()
    for i, c in enumerate(list_of(items)):
        c, at = dict_of(c), index(where, i)
        name = c.get("name") or ""
        if not name:
            causes.append(required(child(at, "name")))
        else:
            causes += unique_name(child(at, "name"), name, formats.dns_label(name), names)
        if not c.get("image"):
            causes.append(required(child(at, "image")))
        causes += _ports(c.get("ports"), child(at, "ports"), port_names)
        causes += _env(c.get("env"), child(at, "env"))
        causes += _env_from(c.get("envFrom"), child(at, "envFrom"))
        causes += _mounts(c.get("volumeMounts"), child(at, "volumeMounts"), volume_names)
        causes += _resources(c.get("resources"), child(at, "resources"))
        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
            causes += _probe(c.get(probe), child(at, probe), port_names, probe != "readinessProbe")
        if c.get("imagePullPolicy") and c["imagePullPolicy"] not in PULL_POLICIES:
            causes.append(not_supported(child(at, "imagePullPolicy"), c["imagePullPolicy"], PULL_POLICIES))
        if c.get("terminationMessagePolicy") and c["terminationMessagePolicy"] not in MESSAGE_POLICIES:
            causes.append(not_supported(child(at, "terminationMessagePolicy"), c["terminationMessagePolicy"],
                                        MESSAGE_POLICIES))
        causes += _security(c.get("securityContext"), child(at, "securityContext"))
    return causes


def _dns(spec: dict, where: str) -> list[Cause]:
    causes: list[Cause] = []
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy not in DNS_POLICIES:
        causes.append(not_supported(child(where, "dnsPolicy"), policy, DNS_POLICIES))
    config = dict_of(spec.get("dnsConfig"))
    servers, searches = list_of(config.get("nameservers")), list_of(config.get("searches"))
    if policy == "None" and not servers:
        causes.append(required(child(where, "dnsConfig.nameservers"), "must provide at least one DNS nameserver "
                                                                      "when DNSPolicy is set to 'None'"))
    if len(servers) > 3:
        causes.append(invalid(child(where, "dnsConfig.nameservers"), servers, "must not have more than 3 "
                                                                              "nameservers"))
    for i, server in enumerate(servers):
        causes += invalid_each(index(child(where, "dnsConfig.nameservers"), i), server, formats.ip(str(server)))
    if len(searches) > 32:
        causes.append(invalid(child(where, "dnsConfig.searches"), searches, "must not have more than 32 search paths"))
    for i, domain in enumerate(searches):
        causes += invalid_each(index(child(where, "dnsConfig.searches"), i), domain,
                               formats.dns_subdomain(str(domain).removesuffix(".")))
    for i, option in enumerate(list_of(config.get("options"))):
        if not dict_of(option).get("name"):
            causes.append(required(child(index(child(where, "dnsConfig.options"), i), "name"),
                                   "Must not be empty"))
    return causes


def _tolerations(items: object, where: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, t in enumerate(list_of(items)):
        t, at = dict_of(t), index(where, i)
        if t.get("key"):
            causes += invalid_each(child(at, "key"), t["key"], formats.qualified_name(str(t["key"])))
        operator = t.get("operator") or "Equal"
        if operator not in ("Equal", "Exists"):
            causes.append(not_supported(child(at, "operator"), operator, ("Equal", "Exists")))
        if not t.get("key") and operator != "Exists":
            causes.append(invalid(child(at, "operator"), operator, "operator must be Exists when `key` is empty, "
                                                                   "which means \"match all values and all keys\""))
        if operator == "Exists" and t.get("value"):
            causes.append(invalid(child(at, "operator"), t["value"], "value must be empty when `operator` is "
                                                                     "'Exists'"))
        effect = t.get("effect") or ""
        if effect not in ("", "NoExecute", "NoSchedule", "PreferNoSchedule"):
            causes.append(not_supported(child(at, "effect"), effect, ("NoExecute", "NoSchedule",
                                                                      "PreferNoSchedule")))
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(invalid(child(at, "effect"), effect, "effect must be 'NoExecute' when "
                                                               "`tolerationSeconds` is set"))
    return causes


def pod_spec(spec: dict, where: str = "spec", restart_policies: tuple[str, ...] = RESTART_POLICIES) -> list[Cause]:
    volume_names, causes = volumes(spec.get("volumes"), child(where, "volumes"))
    names: set[str] = set()
    causes += containers(spec.get("containers"), child(where, "containers"), volume_names, names, True)
    causes += containers(spec.get("initContainers"), child(where, "initContainers"), volume_names, names, False)
    policy = spec.get("restartPolicy") or "Always"
    if policy not in restart_policies:
        causes.append(not_supported(child(where, "restartPolicy"), policy, restart_policies))
    causes += _dns(spec, where)
    for i, alias in enumerate(list_of(spec.get("hostAliases"))):
        alias, at = dict_of(alias), index(child(where, "hostAliases"), i)
        causes += invalid_each(child(at, "ip"), alias.get("ip"), formats.ip(str(alias.get("ip") or "")))
        for j, host in enumerate(list_of(alias.get("hostnames"))):
            causes += invalid_each(index(child(at, "hostnames"), j), host, formats.dns_subdomain(str(host)))
    for name in ("hostname", "subdomain"):
        if spec.get(name):
            causes += invalid_each(child(where, name), spec[name], formats.dns_label(str(spec[name])))
    causes += labels(spec.get("nodeSelector"), child(where, "nodeSelector"))
    causes += _tolerations(spec.get("tolerations"), child(where, "tolerations"))
    for name, least in (("terminationGracePeriodSeconds", 0), ("activeDeadlineSeconds", 1)):
        value = spec.get(name)
        if _int(value) and value < least:
            causes.append(invalid(child(where, name), value, "must be greater than or equal to 0" if least == 0
                                  else "must be between 1 and 2147483647, inclusive"))
    if spec.get("serviceAccountName"):
        causes += invalid_each(child(where, "serviceAccountName"), spec["serviceAccountName"],
                               formats.dns_subdomain(str(spec["serviceAccountName"])))
    causes += _security(spec.get("securityContext"), child(where, "securityContext"))
    if len(list_of(spec.get("containers"))) > 0 and spec.get("hostNetwork"):
        for i, c in enumerate(list_of(spec.get("containers"))):
            for j, port in enumerate(list_of(dict_of(c).get("ports"))):
                port = dict_of(port)
                if port.get("hostPort") and port.get("hostPort") != port.get("containerPort"):
                    causes.append(invalid(child(index(child(index(child(where, "containers"), i), "ports"), j),
                                                "containerPort"), port.get("containerPort"),
                                          "must match `hostPort` when `hostNetwork` is true"))
    if len(causes) > 100:
        causes = causes[:100] + [too_many(where, len(causes), 100)]
    return causes


MUTABLE_POD_FIELDS = ("activeDeadlineSeconds", "tolerations", "terminationGracePeriodSeconds")


EPHEMERAL_FORBIDDEN = ("ports", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle", "resources",
                       "resizePolicy", "restartPolicy")


def ephemeral_update(spec: dict, old: dict) -> list[Cause]:
    """The ephemeralcontainers subresource: ephemeral containers are only ever added, each a container of its own
    name without ports, probes or resources, and targeting a container the pod has."""
    causes: list[Cause] = []
    before = {dict_of(c).get("name"): c for c in list_of(old.get("ephemeralContainers"))}
    now = {dict_of(c).get("name"): c for c in list_of(spec.get("ephemeralContainers"))}
    for name, container in before.items():
        if now.get(name) != container:
            causes.append(forbidden("spec.ephemeralContainers", f'existing ephemeral containers "{name}" may not be '
                                    "removed or changed"))
    regular = [dict_of(c).get("name") for g in ("containers", "initContainers") for c in list_of(spec.get(g))]
    seen: set[str] = set(regular)
    for i, container in enumerate(list_of(spec.get("ephemeralContainers"))):
        container, where = dict_of(container), f"spec.ephemeralContainers[{i}]"
        name = str(container.get("name") or "")
        if not name:
            causes.append(required(f"{where}.name"))
        elif name in seen:
            causes.append(duplicate(f"{where}.name", name))
        seen.add(name)
        if not container.get("image"):
            causes.append(required(f"{where}.image"))
        for banned in EPHEMERAL_FORBIDDEN:
            if container.get(banned):
                causes.append(forbidden(f"{where}.{banned}", "cannot be set for an Ephemeral Container"))
        target = container.get("targetContainerName")
        if target and target not in regular:
            causes.append(not_found(f"{where}.targetContainerName", target))
    return causes


def pod_update(spec: dict, old: dict) -> list[Cause]:
    """What may change in a running pod's spec: images, the active deadline, added tolerations (kube's rule)."""
    def comparable(s: dict) -> dict:
        out = {k: v for k, v in s.items() if k not in MUTABLE_POD_FIELDS}
        for group in ("containers", "initContainers"):
            out[group] = [{k: v for k, v in dict_of(c).items() if k != "image"} for c in list_of(s.get(group))]
        return out
    if comparable(spec) != comparable(old):
        return [forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,"
                                  "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
                                  "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
                                  "(allow it to be set to 1 if it was previously negative)")]
    return []
