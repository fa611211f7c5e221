"""What the proxy programs: Services and EndpointSlices, reduced to service ports with their endpoints.

This is the part both backends share. It follows kube-proxy's rules for
which endpoints carry traffic: ready endpoints; when none is ready, the
serving-but-terminating ones (so connections drain during a rollout); for a
Local traffic policy only the endpoints on this node. Chain names are
kube-proxy's: a base32 SHA-256 of the service port name and protocol (and
endpoint), so they look and sort the same as on a kubeadm node.
"""

import base64
import functools
import hashlib
import ipaddress
import re
from dataclasses import dataclass, fields


def port_hash(*parts: str, length: int = 16) -> str:
    return base64.b32encode(hashlib.sha256("".join(parts).encode()).digest()).decode()[:length]


@dataclass(frozen=True)
class Endpoint:
    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    node: str = ""

    @property
    def address(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class ServicePort:
    """One port of one Service, immutable and hashable, so a backend can keep what it rendered for it."""
    namespace: str
    name: str
    port_name: str
    protocol: str            # "tcp", "udp" or "sctp", as kube-proxy writes it
    cluster_ip: str | None   # None: headless or ExternalName, no rules
    port: int
    node_port: int = 0
    external_ips: tuple[str, ...] = ()
    lb_ips: tuple[str, ...] = ()
    affinity_seconds: int = 0        # ClientIP session affinity timeout; 0 = none
    external_local: bool = False     # externalTrafficPolicy: Local
    internal_local: bool = False     # internalTrafficPolicy: Local
    health_check_node_port: int = 0
    endpoints: tuple[Endpoint, ...] = ()

    def __hash__(self) -> int:
        return self._hash

    @functools.cached_property
    def _hash(self) -> int:
        """Computed once: backends look every port up in what they rendered last time, at every sync."""
        return hash(tuple(getattr(self, f.name) for f in fields(self)))

    @property
    def key(self) -> str:
        """kube-proxy's ServicePortName: ns/name or ns/name:port."""
        return f"{self.namespace}/{self.name}" + (f":{self.port_name}" if self.port_name else "")

    @property
    def has_external(self) -> bool:
        return bool(self.node_port or self.external_ips or self.lb_ips)

    def usable(self, node: str, local_only: bool) -> list[Endpoint]:
        """The endpoints that take new connections: ready ones, else serving terminating ones."""
        pool = [e for e in self.endpoints if not local_only or e.node == node]
        ready = [e for e in pool if e.ready]
        return ready or [e for e in pool if e.serving and e.terminating]

    def cluster_endpoints(self, node: str) -> list[Endpoint]:
        return self.usable(node, self.internal_local)

    def external_endpoints(self, node: str) -> list[Endpoint]:
        return self.usable(node, self.external_local)

    def local_endpoints(self, node: str) -> list[Endpoint]:
        return self.usable(node, True)


def slices_by_service(slices: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """IPv4 EndpointSlices grouped by the (namespace, name) of the Service they belong to."""
    out: dict[tuple[str, str], list[dict]] = {}
    for s in slices:
        owner = (s.get("metadata", {}).get("labels") or {}).get("kubernetes.io/service-name")
        if owner and s.get("addressType", "IPv4") == "IPv4":
            out.setdefault((s["metadata"]["namespace"], owner), []).append(s)
    return out


class Unrenderable(ValueError):
    """A Service (or its endpoints) with a value no rule may carry: it is skipped, the others synced."""


_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _ipv4(value: object, what: str) -> str:
    try:
        return str(ipaddress.IPv4Address(str(value)))
    except ValueError:
        raise Unrenderable(f"{what} {value!r} is not an IPv4 address") from None


def _port(value: object, what: str, zero: bool = False) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and (1 if not zero else 0) <= value <= 65535:
        return value
    raise Unrenderable(f"{what} {value!r} is not a port number")


def check(sp: "ServicePort") -> "ServicePort":
    """`sp`, if every value of it is one the backends can write into a rule (names in comments, addresses and
    ports in matches), whatever the API let through; Unrenderable otherwise."""
    for what, value in (("namespace", sp.namespace), ("name", sp.name)):
        if not _LABEL.match(value):
            raise Unrenderable(f"{what} {value!r} is not a DNS label")
    if sp.port_name and not _LABEL.match(sp.port_name):
        raise Unrenderable(f"port name {sp.port_name!r} is not a DNS label")
    if sp.protocol not in ("tcp", "udp", "sctp"):
        raise Unrenderable(f"protocol {sp.protocol!r} is not TCP, UDP or SCTP")
    _ipv4(sp.cluster_ip, "cluster IP")
    _port(sp.port, "port")
    _port(sp.node_port, "node port", zero=True)
    _port(sp.health_check_node_port, "health check node port", zero=True)
    for address in (*sp.external_ips, *sp.lb_ips):
        _ipv4(address, "external address")
    if not isinstance(sp.affinity_seconds, int) or not 0 <= sp.affinity_seconds <= 86400:
        raise Unrenderable(f"session affinity timeout {sp.affinity_seconds!r} is out of range")
    for ep in sp.endpoints:
        _ipv4(ep.ip, "endpoint")
        _port(ep.port, "endpoint port")
    return sp


def ports_of(svc: dict, slices: list[dict]) -> list[ServicePort]:
    """One Service's ports with their endpoints (none for headless and ExternalName Services); Unrenderable when
    a value of it could not be written into a rule as it is."""
    spec = svc.get("spec") or {}
    meta = svc["metadata"]
    cluster_ip = spec.get("clusterIP")
    if spec.get("type") == "ExternalName" or not cluster_ip or cluster_ip == "None":
        return []
    lb_ips = tuple(i["ip"] for i in (svc.get("status", {}).get("loadBalancer", {}).get("ingress") or [])
                   if i.get("ip"))
    affinity = 0
    if spec.get("sessionAffinity") == "ClientIP":
        affinity = (spec.get("sessionAffinityConfig") or {}).get("clientIP", {}).get("timeoutSeconds", 10800)
    out = []
    for p in spec.get("ports") or []:
        protocol = p.get("protocol", "TCP")
        endpoints = []
        for s in slices:
            number = next((sp.get("port") for sp in s.get("ports") or []
                           if (sp.get("name") or "") == (p.get("name") or "")
                           and sp.get("protocol", "TCP") == protocol), None)
            if not number:
                continue
            for e in s.get("endpoints") or []:
                cond = e.get("conditions") or {}
                ready = cond.get("ready") is not False  # unset means ready
                for ip in e.get("addresses") or []:
                    endpoints.append(Endpoint(ip, number, ready, cond.get("serving", ready) is not False,
                                              bool(cond.get("terminating")), e.get("nodeName") or ""))
        out.append(check(ServicePort(
            meta["namespace"], meta["name"], p.get("name") or "", str(protocol).lower(), cluster_ip, p.get("port"),
            p.get("nodePort", 0) if spec.get("type") in ("NodePort", "LoadBalancer") else 0,
            tuple(spec.get("externalIPs") or ()), lb_ips if spec.get("type") == "LoadBalancer" else (),
            affinity, spec.get("externalTrafficPolicy") == "Local", spec.get("internalTrafficPolicy") == "Local",
            spec.get("healthCheckNodePort", 0), tuple(sorted(set(endpoints), key=lambda e: (str(e.ip), str(e.port)))))))
    return out

