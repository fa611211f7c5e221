"""Ingresses, IngressClasses, NetworkPolicies and EndpointSlices, as kube-apiserver validates them."""

import ipaddress

from . import formats
from .apps import label_selector
from .field import Cause, child, forbidden, index, invalid, invalid_each, not_supported, required
from .meta import dict_of, list_of
from .pods import PROTOCOLS

PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")
ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")


def _backend(backend: object, where: str) -> list[Cause]:
    backend = dict_of(backend)
    causes: list[Cause] = []
    svc, resource = dict_of(backend.get("service")), backend.get("resource")
    if svc and resource:
        return [invalid(where, "", "cannot set both resource and service backends")]
    if not svc and not resource:
        return [required(where, "one of `service` or `resource` must be specified")]
    if svc:
        if not svc.get("name"):
            causes.append(required(child(where, "service.name")))
        else:
            causes += invalid_each(child(where, "service.name"), svc["name"], formats.dns1035_label(str(svc["name"])))
        port = dict_of(svc.get("port"))
        if port.get("name") and port.get("number"):
            causes.append(invalid(child(where, "service.port"), port, "cannot set both port name & port number"))
        elif port.get("name"):
            causes += invalid_each(child(where, "service.port.name"), port["name"],
                                   formats.port_name(str(port["name"])))
        elif port.get("number") is not None:
            causes += invalid_each(child(where, "service.port.number"), port["number"],
                                   formats.port_number(port["number"]))
        else:
            causes.append(required(child(where, "service.port"), "port name or number is required"))
    return causes


def ingress(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes: list[Cause] = []
    if spec.get("defaultBackend") is not None:
        causes += _backend(spec["defaultBackend"], "spec.defaultBackend")
    if spec.get("ingressClassName"):
        causes += invalid_each("spec.ingressClassName", spec["ingressClassName"],
                               formats.dns_subdomain(str(spec["ingressClassName"])))
    rules = list_of(spec.get("rules"))
    if not rules and spec.get("defaultBackend") is None:
        causes.append(invalid("spec.rules", [], "either `defaultBackend` or `rules` must be specified"))
    for i, rule in enumerate(rules):
        rule, at = dict_of(rule), index("spec.rules", i)
        host = rule.get("host") or ""
        if host:
            if ":" in host or formats.ip(host) == []:
                causes.append(invalid(child(at, "host"), host, "must be a DNS name, not an IP address"))
            elif host.startswith("*"):
                causes += invalid_each(child(at, "host"), host, formats.wildcard_subdomain(host))
            else:
                causes += invalid_each(child(at, "host"), host, formats.dns_subdomain(host))
        http = rule.get("http")
        if http is None:
            continue
        paths = list_of(dict_of(http).get("paths"))
        if not paths:
            causes.append(required(child(at, "http.paths")))
        for j, entry in enumerate(paths):
            entry, where = dict_of(entry), index(child(at, "http.paths"), j)
            kind, path = entry.get("pathType"), entry.get("path") or ""
            if not kind:
                causes.append(required(child(where, "pathType"), "pathType must be specified"))
            elif kind not in PATH_TYPES:
                causes.append(not_supported(child(where, "pathType"), kind, PATH_TYPES))
            elif not path.startswith("/"):
                causes.append(invalid(child(where, "path"), path, "must be an absolute path"))
            elif kind in ("Exact", "Prefix") and any(bad in path for bad in ("//", "/./", "/../", "%2f", "%2F")):
                causes.append(invalid(child(where, "path"), path, "must not contain '//', '/./', '/../', '%2f' "
                                                                  "or '%2F'"))
            causes += _backend(entry.get("backend"), child(where, "backend"))
    for i, tls in enumerate(list_of(spec.get("tls"))):
        tls, at = dict_of(tls), index("spec.tls", i)
        for j, host in enumerate(list_of(tls.get("hosts"))):
            check = formats.wildcard_subdomain if str(host).startswith("*") else formats.dns_subdomain
            causes += invalid_each(index(child(at, "hosts"), j), host, check(str(host)))
        if tls.get("secretName"):
            causes += invalid_each(child(at, "secretName"), tls["secretName"],
                                   formats.dns_subdomain(str(tls["secretName"])))
    return causes


def ingress_class(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    controller = spec.get("controller") or ""
    causes: list[Cause] = []
    if not controller:
        causes.append(required("spec.controller"))
    elif "/" not in controller:
        causes.append(invalid("spec.controller", controller, "must be a domain-prefixed path (such as "
                                                             "\"acme.io/foo\")"))
    if old is not None and dict_of(old.get("spec")).get("controller") != controller:
        causes.append(invalid("spec.controller", controller, "field is immutable"))
    return causes


def _peers(peers: object, where: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, peer in enumerate(list_of(peers)):
        peer, at = dict_of(peer), index(where, i)
        present = [k for k in ("podSelector", "namespaceSelector", "ipBlock") if peer.get(k) is not None]
        if not present:
            causes.append(required(at, "must specify a peer"))
        elif "ipBlock" in present and len(present) > 1:
            causes.append(forbidden(at, "may not specify both ipBlock and another peer"))
        for selector in ("podSelector", "namespaceSelector"):
            if peer.get(selector) is not None:
                causes += label_selector(peer[selector], child(at, selector))
        if peer.get("ipBlock") is not None:
            block = dict_of(peer["ipBlock"])
            cidr = str(block.get("cidr") or "")
            if not cidr:
                causes.append(required(child(at, "ipBlock.cidr")))
                continue
            bad = formats.cidr(cidr)
            causes += invalid_each(child(at, "ipBlock.cidr"), cidr, bad)
            for j, except_ in enumerate(list_of(block.get("except"))):
                where_except = index(child(at, "ipBlock.except"), j)
                problems = formats.cidr(str(except_))
                causes += invalid_each(where_except, except_, problems)
                if not bad and not problems and not _within(str(except_), cidr):
                    causes.append(invalid(where_except, except_, "must be a strict subset of `cidr`"))
    return causes


def _within(inner: str, outer: str) -> bool:
    a, b = ipaddress.ip_network(inner), ipaddress.ip_network(outer)
    return a.version == b.version and a.subnet_of(b) and a != b


def _policy_ports(ports: object, where: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, port in enumerate(list_of(ports)):
        port, at = dict_of(port), index(where, i)
        protocol = port.get("protocol") or "TCP"
        if protocol not in PROTOCOLS:
            causes.append(not_supported(child(at, "protocol"), protocol, PROTOCOLS))
        number, end = port.get("port"), port.get("endPort")
        if isinstance(number, str) and not number.isdigit():
            causes += invalid_each(child(at, "port"), number, formats.port_name(number))
            if end is not None:
                causes.append(invalid(child(at, "endPort"), end, "may not be specified when `port` is non-numeric"))
        elif number is not None:
            causes += invalid_each(child(at, "port"), number, formats.port_number(int(number)))
            if end is not None:
                if not isinstance(end, int) or end < int(number):
                    causes.append(invalid(child(at, "endPort"), end, "must be greater than or equal to `port`"))
                causes += invalid_each(child(at, "endPort"), end, formats.port_number(end))
        elif end is not None:
            causes.append(required(child(at, "port"), "must specify `port` when `endPort` is set"))
    return causes


def network_policy(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes = label_selector(spec.get("podSelector"), "spec.podSelector")
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(list_of(spec.get(direction))):
            rule, at = dict_of(rule), index(f"spec.{direction}", i)
            causes += _policy_ports(rule.get("ports"), child(at, "ports"))
            causes += _peers(rule.get(peers), child(at, peers))
    types = list_of(spec.get("policyTypes"))
    for i, kind in enumerate(types):
        if kind not in ("Egress", "Ingress"):
            causes.append(not_supported(index("spec.policyTypes", i), kind, ("Egress", "Ingress")))
    if len(types) > 2:
        causes.append(invalid("spec.policyTypes", types, "may not specify more than two policyTypes"))
    return causes


def endpoint_slice(obj: dict, old: dict | None) -> list[Cause]:
    kind = obj.get("addressType")
    causes: list[Cause] = []
    if kind not in ADDRESS_TYPES:
        causes.append(not_supported("addressType", kind, ADDRESS_TYPES))
    endpoints = list_of(obj.get("endpoints"))
    if len(endpoints) > 1000:
        causes.append(invalid("endpoints", len(endpoints), "must have at most 1000 items"))
    for i, endpoint in enumerate(endpoints):
        endpoint, at = dict_of(endpoint), index("endpoints", i)
        addresses = list_of(endpoint.get("addresses"))
        if not addresses:
            causes.append(required(child(at, "addresses"), "must contain at least 1 address"))
        for j, address in enumerate(addresses):
            check = formats.ip if kind in ("IPv4", "IPv6") else formats.dns_subdomain
            causes += invalid_each(index(child(at, "addresses"), j), address, check(str(address)))
        if endpoint.get("hostname"):
            causes += invalid_each(child(at, "hostname"), endpoint["hostname"], formats.dns_label(endpoint["hostname"]))
    for i, port in enumerate(list_of(obj.get("ports"))):
        port, at = dict_of(port), index("ports", i)
        if port.get("name"):
            causes += invalid_each(child(at, "name"), port["name"], formats.dns_label(str(port["name"])))
        if port.get("port") is not None:
            causes += invalid_each(child(at, "port"), port["port"], formats.port_number(port["port"]))
        if (port.get("protocol") or "TCP") not in PROTOCOLS:
            causes.append(not_supported(child(at, "protocol"), port.get("protocol"), PROTOCOLS))
    if old is not None and old.get("addressType") != kind:
        causes.append(invalid("addressType", kind, "field is immutable"))
    return causes
