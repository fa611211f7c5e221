"""The Kubernetes DNS-Based Service Discovery records (specification 1.1.0), from Services, EndpointSlices
and Pods: a pure index, rebuilt when the API objects change, that answers name -> records.

    <svc>.<ns>.svc.<zone>             A: the cluster IP; headless: every ready endpoint; ExternalName: CNAME
    <host>.<svc>.<ns>.svc.<zone>      A: a headless Service's endpoint (hostname, pod name or dashed IP)
    _<port>._<proto>.<svc>.<ns>.svc   SRV: per named port; a headless Service's, one per endpoint
    <a-b-c-d>.<ns>.pod.<zone>         A: a pod's address (insecure: any; verified: pods that exist)
    d.c.b.a.in-addr.arpa              PTR: Service cluster IPs and headless endpoints
    dns-version.<zone>                TXT "1.1.0"
"""

import ipaddress
from dataclasses import dataclass, field

SCHEMA_VERSION = "1.1.0"


@dataclass
class Answer:
    """What a name holds: records by type (rdtype text -> list of rdata text), or nothing (exists=False)."""
    exists: bool
    records: dict[str, list[str]] = field(default_factory=dict)


def dashed(ip: str) -> str:
    return ip.replace(".", "-").replace(":", "-")


def _undashed(label: str) -> str | None:
    text = label.replace("-", ".")
    try:
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        pass
    try:
        return str(ipaddress.IPv6Address(label.replace("-", ":")))
    except ValueError:
        return None


class Index:
    def __init__(self, zone: str, pods_mode: str = "disabled", endpoint_pod_names: bool = False) -> None:
        self.zone = zone  # "cluster.local." (fully qualified)
        self.pods_mode, self.endpoint_pod_names = pods_mode, endpoint_pod_names
        self.namespaces: set[str] = set()
        self.services: dict[tuple[str, str], dict] = {}
        self.endpoints: dict[tuple[str, str], list[tuple[str, str, bool]]] = {}  # (ns, svc) -> (name, ip, ready)
        self.ports: dict[tuple[str, str], list[tuple[str, str, int]]] = {}  # endpoint (name, proto, port)
        self.pod_ips: dict[str, set[str]] = {}  # ip -> namespaces of pods with it
        self.ptr: dict[str, list[str]] = {}

    def build(self, namespaces: list[dict], services: list[dict], slices: list[dict], pods: list[dict]) -> None:
        self.namespaces = {n["metadata"]["name"] for n in namespaces}
        self.services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in services}
        self.endpoints, self.ports, self.ptr, self.pod_ips = {}, {}, {}, {}
        for s in slices:
            owner = (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
            if not owner or s.get("addressType", "IPv4") not in ("IPv4", "IPv6"):
                continue
            key = (s["metadata"]["namespace"], owner)
            for e in s.get("endpoints") or []:
                ready = (e.get("conditions") or {}).get("ready") is not False
                for ip in e.get("addresses") or []:
                    ref = e.get("targetRef") or {}
                    name = e.get("hostname") or (ref.get("name") if self.endpoint_pod_names and
                                                 ref.get("kind") == "Pod" else None) or dashed(ip)
                    self.endpoints.setdefault(key, []).append((name.lower(), ip, ready))
            for p in s.get("ports") or []:
                if p.get("port"):
                    self.ports.setdefault(key, []).append((p.get("name") or "", p.get("protocol", "TCP"), p["port"]))
        for (ns, name), svc in self.services.items():
            fqdn = f"{name}.{ns}.svc.{self.zone}"
            spec = svc.get("spec") or {}
            for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
                if ip != "None":
                    self.ptr.setdefault(ip, []).append(fqdn)
            if spec.get("clusterIP") == "None":
                for host, ip, ready in self.endpoints.get((ns, name), []):
                    if ready:
                        self.ptr.setdefault(ip, []).append(f"{host}.{fqdn}")
        for pod in pods:
            for ip in [p.get("ip") for p in pod.get("status", {}).get("podIPs") or []]:
                if ip:
                    self.pod_ips.setdefault(ip, set()).add(pod["metadata"]["namespace"])

    # answering

    def lookup(self, labels: list[str]) -> Answer:
        """`labels`: the query name below the zone, left to right, lower case."""
        if labels == ["dns-version"]:
            return Answer(True, {"TXT": [f'"{SCHEMA_VERSION}"']})
        if not labels:
            return Answer(True)
        if labels[-1] == "svc":
            return self._service(labels[:-1])
        if labels[-1] == "pod":
            return self._pod(labels[:-1])
        return Answer(False)

    def _service(self, labels: list[str]) -> Answer:
        if not labels:
            return Answer(True)
        ns = labels[-1]
        if len(labels) == 1:
            return Answer(ns in self.namespaces)
        svc = self.services.get((ns, labels[-2]))
        if svc is None:
            return Answer(False)
        spec = svc.get("spec") or {}
        fqdn = f"{labels[-2]}.{ns}.svc.{self.zone}"
        key = (ns, labels[-2])
        ready = [(h, ip) for h, ip, ok in self.endpoints.get(key, []) if ok]
        headless = spec.get("clusterIP") == "None"
        if len(labels) == 2:
            if spec.get("type") == "ExternalName":
                return Answer(True, {"CNAME": [spec.get("externalName", "").rstrip(".") + "."]})
            addresses = [ip for _, ip in ready] if headless else \
                [ip for ip in spec.get("clusterIPs") or [spec.get("clusterIP")] if ip]
            return Answer(True, {"A": [ip for ip in addresses if ":" not in ip],
                                 "AAAA": [ip for ip in addresses if ":" in ip],
                                 "SRV": self._srv(svc, key, fqdn, headless, ready, None, None)})
        if len(labels) == 3 and headless:
            ips = [ip for host, ip in ready if host == labels[0]]
            if not ips:
                return Answer(False)
            return Answer(True, {"A": [ip for ip in ips if ":" not in ip], "AAAA": [ip for ip in ips if ":" in ip]})
        if len(labels) == 4 and labels[0].startswith("_") and labels[1].startswith("_"):
            records = self._srv(svc, key, fqdn, headless, ready, labels[0][1:], labels[1][1:])
            return Answer(bool(records), {"SRV": records})
        if len(labels) == 3 and labels[0].startswith("_"):  # _proto.svc: an empty non-terminal of the SRV names
            return Answer(bool(self._srv(svc, key, fqdn, headless, ready, None, labels[0][1:])))
        return Answer(False)

    def _srv(self, svc: dict, key, fqdn: str, headless: bool, ready: list, port_name: str | None,
             proto: str | None) -> list[str]:
        out = []
        if headless:
            for name, protocol, number in self.ports.get(key, []):
                if name and (port_name is None or name == port_name) and (proto is None or protocol.lower() == proto):
                    weight = 100 // max(1, len(ready))
                    out += [f"0 {weight} {number} {host}.{fqdn}" for host, _ in ready]
            return out
        for p in (svc.get("spec") or {}).get("ports") or []:
            name, protocol = p.get("name") or "", p.get("protocol", "TCP").lower()
            if name and (port_name is None or name == port_name) and (proto is None or protocol == proto):
                out.append(f"0 100 {p['port']} {fqdn}")
        return out

    def _pod(self, labels: list[str]) -> Answer:
        if len(labels) == 1:
            return Answer(self.pods_mode != "disabled" and labels[0] in self.namespaces)
        if len(labels) != 2 or self.pods_mode == "disabled":
            return Answer(False)
        ip = _undashed(labels[0])
        if ip is None:
            return Answer(False)
        if self.pods_mode == "verified" and labels[1] not in self.pod_ips.get(ip, set()):
            return Answer(False)
        return Answer(True, {"A" if ":" not in ip else "AAAA": [ip]})

    def reverse(self, ip: str) -> list[str]:
        return self.ptr.get(ip, [])
