"""The core kinds besides pods, as kube-apiserver validates them: Services, ConfigMaps and Secrets, Endpoints,
Namespaces, Nodes, ServiceAccounts and Events."""

import base64
import binascii

from . import formats
from .field import (Cause, child, duplicate, forbidden, index, invalid, invalid_each, key, not_supported, required,
                    too_long, unique_name)
from .meta import dict_of, labels, list_of
from .pods import PROTOCOLS

SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
POLICIES = ("Cluster", "Local")
MAX_DATA = 1024 * 1024  # a ConfigMap's or Secret's data, all keys together
SOURCE_RANGES_MSG = "must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 "


def _ports(spec: dict, kind: str) -> list[Cause]:
    causes: list[Cause] = []
    ports = list_of(spec.get("ports"))
    names: set[str] = set()
    seen: set[tuple] = set()
    for i, port in enumerate(ports):
        port, at = dict_of(port), index("spec.ports", i)
        name = port.get("name") or ""
        if len(ports) > 1 and not name:
            causes.append(required(child(at, "name")))
        elif name:
            causes += unique_name(child(at, "name"), name, formats.dns_label(name), names)
        causes += invalid_each(child(at, "port"), port.get("port"), formats.port_number(port.get("port")))
        protocol = port.get("protocol") or "TCP"
        if protocol not in PROTOCOLS:
            causes.append(not_supported(child(at, "protocol"), protocol, PROTOCOLS))
        target = port.get("targetPort")
        if isinstance(target, str) and not target.isdigit():
            causes += invalid_each(child(at, "targetPort"), target, formats.port_name(target))
        elif target is not None:
            causes += invalid_each(child(at, "targetPort"), target, formats.port_number(int(target)))
        if port.get("nodePort") and kind in ("ClusterIP", "ExternalName"):
            causes.append(forbidden(child(at, "nodePort"), f"may not be used when `type` is '{kind}'"))
        if port.get("appProtocol"):
            causes += invalid_each(child(at, "appProtocol"), port["appProtocol"],
                                   formats.qualified_name(str(port["appProtocol"])))
        ident = (port.get("port"), protocol)
        if ident in seen:
            causes.append(duplicate(at, {"port": port.get("port"), "protocol": protocol}))
        seen.add(ident)
    return causes


def service(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    kind = spec.get("type") or "ClusterIP"
    causes: list[Cause] = []
    if kind not in SERVICE_TYPES:
        causes.append(not_supported("spec.type", kind, SERVICE_TYPES))
    if kind == "ExternalName":
        name = spec.get("externalName") or ""
        if not name:
            causes.append(required("spec.externalName"))
        else:
            causes += invalid_each("spec.externalName", name, formats.dns_subdomain(name.removesuffix(".")))
    elif not list_of(spec.get("ports")) and spec.get("clusterIP") != "None":
        causes.append(required("spec.ports"))
    causes += _ports(spec, kind)
    causes += labels(spec.get("selector"), "spec.selector")
    cluster_ip = spec.get("clusterIP")
    if cluster_ip and cluster_ip != "None":
        causes += invalid_each("spec.clusterIPs[0]", cluster_ip, formats.ip(str(cluster_ip)))
    if old is not None:
        before = dict_of(old.get("spec")).get("clusterIP")
        if before and cluster_ip != before and kind != "ExternalName" and \
                dict_of(old.get("spec")).get("type") != "ExternalName":
            causes.append(invalid("spec.clusterIPs[0]", cluster_ip, "may not change once set"))
    affinity = spec.get("sessionAffinity") or "None"
    if affinity not in ("ClientIP", "None"):
        causes.append(not_supported("spec.sessionAffinity", affinity, ("ClientIP", "None")))
    timeout = dict_of(dict_of(spec.get("sessionAffinityConfig")).get("clientIP")).get("timeoutSeconds")
    if affinity == "ClientIP" and timeout is not None and not (isinstance(timeout, int) and 0 < timeout <= 86400):
        causes.append(invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                              "must be greater than 0 and less than 86400"))
    if affinity == "None" and spec.get("sessionAffinityConfig"):
        causes.append(invalid("spec.sessionAffinityConfig", spec["sessionAffinityConfig"],
                              "must not be set when session affinity is None"))
    for i, address in enumerate(list_of(spec.get("externalIPs"))):
        causes += invalid_each(index("spec.externalIPs", i), address, formats.ip(str(address)))
    if spec.get("loadBalancerIP"):
        causes += invalid_each("spec.loadBalancerIP", spec["loadBalancerIP"], formats.ip(str(spec["loadBalancerIP"])))
    ranges = list_of(spec.get("loadBalancerSourceRanges"))
    if ranges and kind != "LoadBalancer":
        causes.append(forbidden("spec.loadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'"))
    for i, cidr in enumerate(ranges):
        if formats.cidr(str(cidr).strip()):
            causes.append(invalid(index("spec.loadBalancerSourceRanges", i), cidr, SOURCE_RANGES_MSG))
    external = spec.get("externalTrafficPolicy")
    if external:
        if external not in POLICIES:
            causes.append(not_supported("spec.externalTrafficPolicy", external, POLICIES))
        elif kind not in ("NodePort", "LoadBalancer") and not list_of(spec.get("externalIPs")):
            causes.append(invalid("spec.externalTrafficPolicy", external,
                                  "may only be set for externally-accessible services"))
    internal = spec.get("internalTrafficPolicy")
    if internal and internal not in POLICIES:
        causes.append(not_supported("spec.internalTrafficPolicy", internal, POLICIES))
    if spec.get("healthCheckNodePort") and not (kind == "LoadBalancer" and external == "Local"):
        causes.append(invalid("spec.healthCheckNodePort", spec["healthCheckNodePort"],
                              "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
    policy = spec.get("ipFamilyPolicy")
    if policy and policy not in ("PreferDualStack", "RequireDualStack", "SingleStack"):
        causes.append(not_supported("spec.ipFamilyPolicy", policy, ("PreferDualStack", "RequireDualStack",
                                                                    "SingleStack")))
    for i, family in enumerate(list_of(spec.get("ipFamilies"))):
        if family not in ("IPv4", "IPv6"):
            causes.append(not_supported(index("spec.ipFamilies", i), family, ("IPv4", "IPv6")))
    return causes


def _data(obj: dict, binary_field: str, encoded: bool) -> list[Cause]:
    """Keys and size of a ConfigMap's data and binaryData, or a Secret's data and stringData."""
    causes: list[Cause] = []
    size = 0
    data = dict_of(obj.get("data"))
    for k, value in data.items():
        causes += invalid_each(key("data", k), k, formats.config_key(str(k)))
        if encoded:
            try:
                size += len(base64.b64decode(str(value), validate=True))
            except (binascii.Error, ValueError):
                causes.append(invalid(key("data", k), "<secret contents redacted>", "illegal base64 data"))
        else:
            size += len(str(value))
    for k, value in dict_of(obj.get(binary_field)).items():
        causes += invalid_each(key(binary_field, k), k, formats.config_key(str(k)))
        if not encoded and k in data:
            causes.append(invalid(key("data", k), k, "duplicate of key present in binaryData"))
        size += len(str(value)) if encoded else len(str(value)) * 3 // 4
    if size > MAX_DATA:
        causes.append(too_long("[]", MAX_DATA))
    return causes


def configmap(obj: dict, old: dict | None) -> list[Cause]:
    causes = _data(obj, "binaryData", encoded=False)
    if old is not None and old.get("immutable") and (obj.get("data"), obj.get("binaryData")) != \
            (old.get("data"), old.get("binaryData")):
        causes.append(forbidden("data", "field is immutable when `immutable` is set"))
    return causes


SECRET_KEYS = {"kubernetes.io/tls": ("tls.crt", "tls.key"), "kubernetes.io/basic-auth": (),
               "kubernetes.io/ssh-auth": ("ssh-privatekey",), "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
               "kubernetes.io/dockercfg": (".dockercfg",)}


def secret(obj: dict, old: dict | None) -> list[Cause]:
    causes = _data(obj, "stringData", encoded=True)
    kind = obj.get("type") or "Opaque"
    data = {**dict_of(obj.get("data")), **dict_of(obj.get("stringData"))}
    for needed in SECRET_KEYS.get(kind, ()):
        if needed not in data:
            causes.append(required(key("data", needed)))
    if kind == "kubernetes.io/service-account-token" and \
            not dict_of(dict_of(obj.get("metadata")).get("annotations")).get("kubernetes.io/service-account.name"):
        causes.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    if old is not None and (old.get("type") or "Opaque") != kind:
        causes.append(invalid("type", kind, "field is immutable"))
    if old is not None and old.get("immutable") and obj.get("data") != old.get("data"):
        causes.append(forbidden("data", "field is immutable when `immutable` is set"))
    return causes


def endpoints(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    for i, subset in enumerate(list_of(obj.get("subsets"))):
        subset, at = dict_of(subset), index("subsets", i)
        for field_name in ("addresses", "notReadyAddresses"):
            for j, address in enumerate(list_of(subset.get(field_name))):
                causes += invalid_each(child(index(child(at, field_name), j), "ip"), dict_of(address).get("ip"),
                                       formats.ip(str(dict_of(address).get("ip") or "")))
        for j, port in enumerate(list_of(subset.get("ports"))):
            port = dict_of(port)
            causes += invalid_each(child(index(child(at, "ports"), j), "port"), port.get("port"),
                                   formats.port_number(port.get("port")))
            if (port.get("protocol") or "TCP") not in PROTOCOLS:
                causes.append(not_supported(child(index(child(at, "ports"), j), "protocol"), port.get("protocol"),
                                            PROTOCOLS))
    return causes


def namespace(obj: dict, old: dict | None) -> list[Cause]:
    causes: list[Cause] = []
    for i, finalizer in enumerate(list_of(dict_of(obj.get("spec")).get("finalizers"))):
        name = str(finalizer)
        if "/" not in name and name != "kubernetes":
            causes.append(invalid(index("spec.finalizers", i), name, "name is neither a standard finalizer name nor "
                                                                     "is it fully qualified"))
        else:
            causes += invalid_each(index("spec.finalizers", i), name, formats.qualified_name(name))
    return causes


def node(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes: list[Cause] = []
    for i, cidr in enumerate(list_of(spec.get("podCIDRs"))):
        causes += invalid_each(index("spec.podCIDRs", i), cidr, formats.cidr(str(cidr)))
    for i, taint in enumerate(list_of(spec.get("taints"))):
        taint, at = dict_of(taint), index("spec.taints", i)
        causes += invalid_each(child(at, "key"), taint.get("key"), formats.qualified_name(str(taint.get("key") or "")))
        if taint.get("value"):
            causes += invalid_each(child(at, "value"), taint["value"], formats.label_value(str(taint["value"])))
        if taint.get("effect") not in ("NoExecute", "NoSchedule", "PreferNoSchedule"):
            causes.append(not_supported(child(at, "effect"), taint.get("effect"),
                                        ("NoExecute", "NoSchedule", "PreferNoSchedule")))
    if old is not None:
        before = dict_of(old.get("spec")).get("podCIDR")
        if before and spec.get("podCIDR") != before:
            causes.append(forbidden("spec.podCIDRs", "node updates may not change podCIDR except from \"\" to valid"))
    return causes


def event(obj: dict, old: dict | None) -> list[Cause]:
    involved = dict_of(obj.get("involvedObject"))
    causes: list[Cause] = []
    meta_ns = dict_of(obj.get("metadata")).get("namespace")
    if involved.get("namespace") and meta_ns and involved["namespace"] != meta_ns:
        causes.append(invalid("involvedObject.namespace", involved["namespace"], "does not match event.namespace"))
    if obj.get("type") and obj["type"] not in ("Normal", "Warning"):
        causes.append(not_supported("type", obj["type"], ("Normal", "Warning")))
    return causes


ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")


def _access_modes(spec: dict) -> list[Cause]:
    modes = list_of(spec.get("accessModes"))
    if not modes:
        return [required("spec.accessModes")]
    return [not_supported(f"spec.accessModes[{i}]", m, ACCESS_MODES) for i, m in enumerate(modes)
            if m not in ACCESS_MODES]


def persistent_volume_claim(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes = _access_modes(spec)
    storage = dict_of(dict_of(spec.get("resources")).get("requests")).get("storage")
    if storage is None:
        causes.append(required("spec.resources[storage]"))
    else:
        causes += invalid_each("spec.resources.requests[storage]", storage, formats.quantity(storage))
    if old is not None and dict_of(old.get("spec")).get("volumeName"):
        before = {k: v for k, v in dict_of(old.get("spec")).items() if k != "resources"}
        if {k: v for k, v in spec.items() if k != "resources"} != before:
            causes.append(forbidden("spec", "spec is immutable after creation except resources.requests and "
                                    "volumeAttributesClassName for bound claims"))
    return causes


def persistent_volume(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes = _access_modes(spec)
    storage = dict_of(spec.get("capacity")).get("storage")
    if storage is None:
        causes.append(required("spec.capacity"))
    else:
        causes += invalid_each("spec.capacity[storage]", storage, formats.quantity(storage))
    sources = [k for k in ("hostPath", "local") if spec.get(k) is not None]
    if not sources:
        causes.append(required("spec", "must specify a volume type (kinns provides hostPath and local)"))
    policy = spec.get("persistentVolumeReclaimPolicy", "Retain")
    if policy not in ("Retain", "Delete", "Recycle"):
        causes.append(not_supported("spec.persistentVolumeReclaimPolicy", policy, ["Delete", "Recycle", "Retain"]))
    return causes


def storage_class(obj: dict, old: dict | None) -> list[Cause]:
    causes = [] if obj.get("provisioner") else [required("provisioner")]
    mode = obj.get("volumeBindingMode", "Immediate")
    if mode not in ("Immediate", "WaitForFirstConsumer"):
        causes.append(not_supported("volumeBindingMode", mode, ["Immediate", "WaitForFirstConsumer"]))
    if old is not None:
        for name in ("provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"):
            if obj.get(name) != old.get(name):
                causes.append(forbidden(name, "updates to " + name + " are forbidden."))
    return causes
