"""FROM and TO of a trace, found as a user means them: pods and Services through the API, their namespaces through
the kubelets' sandbox records.

FROM is a pod (`NAME`, `pod/NAME`, in `-n NAMESPACE`) or `host`, the machine itself. TO is a pod, a Service (`web`,
`web.ns`, `web:80`, `svc/web`), a DNS name, an IP[:port] or an http(s) URL. A name is what the pod's resolver is
asked (so the DNS query is part of the trace); the address that comes back, like any address given, is then
recognised as a Service's ClusterIP, LoadBalancer or external IP, a node's NodePort, or a pod. A name that is
neither a pod nor a Service is an error that lists the closest names there are.
"""

import difflib
import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..client import Client
from ..ingress import backends
from ..kernel.record import ClusterError, ClusterRecord
from ..node.kubelet import sandbox


class TraceError(ClusterError):
    """The trace cannot start: the message says why and what there is instead."""


@dataclass(frozen=True)
class Pod:
    """A pod as a trace needs it: where it is (its node and its sandbox's netns) and its address."""
    namespace: str
    name: str
    ip: str
    node: str
    netns: str            # the sandbox's netns ("" when this machine has no record of it)
    host_network: bool = False

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Service:
    namespace: str
    name: str
    type: str
    cluster_ip: str
    ports: list[dict]
    external: list[str]                       # LoadBalancer ingress and externalIPs
    obj: dict = field(default_factory=dict)
    slices: list[dict] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def ready(self, port: dict) -> list[str]:
        """The ready endpoints (ip:port) behind one of its ports, as the Ingress and Gateway controllers read them."""
        return backends.endpoints(self.obj, {"number": port["port"]}, self.slices)


@dataclass
class Target:
    asked: str              # what the user typed
    kind: str               # pod, service, nodeport, ip, url
    ip: str
    port: int | None
    proto: str
    pod: Pod | None = None
    service: Service | None = None
    service_port: dict | None = None
    name: str = ""          # the DNS name to look up first ("" when TO was an address or a pod)
    host: str = ""          # the Host of a URL
    path: str = "/"
    candidates: list[Pod] = field(default_factory=list)   # the pods the packet may end at

    def describe(self) -> str:
        where = f"{self.ip}:{self.port}" if self.port else self.ip
        if self.service:
            return f"Service {self.service.key} ({self.kind}) {where}"
        if self.pod:
            return f"pod {self.pod.key} {where}"
        return where


class Cluster:
    """The objects a trace resolves names against, read once at its start."""

    def __init__(self, record: ClusterRecord, pods: list[dict], services: list[dict], slices: list[dict],
                 ingresses: list[dict], gateways: list[dict] = (), routes: list[dict] = ()) -> None:
        self.record = record
        self.gateways, self.routes = list(gateways), list(routes)
        self.pods = [self._pod(p) for p in pods if p.get("status", {}).get("podIP")]
        self.services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in services}
        self.slices = backends.by_service(slices)
        self.ingresses = ingresses

    def _pod(self, obj: dict) -> Pod:
        meta, spec = obj["metadata"], obj.get("spec", {})
        host = bool(spec.get("hostNetwork"))
        try:
            netns = sandbox.get(self.record, meta["namespace"], meta["name"])["netns"]
        except sandbox.SandboxError:
            netns = ""
        return Pod(meta["namespace"], meta["name"], obj["status"]["podIP"], spec.get("nodeName", ""), netns, host)

    def pod(self, namespace: str, name: str) -> Pod | None:
        return next((p for p in self.pods if p.namespace == namespace and p.name == name), None)

    def pod_by_ip(self, ip: str) -> Pod | None:
        return next((p for p in self.pods if p.ip == ip and not p.host_network), None)

    def service(self, namespace: str, name: str) -> Service | None:
        obj = self.services.get((namespace, name))
        if not obj:
            return None
        spec, status = obj.get("spec", {}), obj.get("status", {})
        external = [i["ip"] for i in status.get("loadBalancer", {}).get("ingress", []) if i.get("ip")]
        return Service(namespace, name, spec.get("type", "ClusterIP"), spec.get("clusterIP", ""),
                       spec.get("ports", []), external + list(spec.get("externalIPs", [])), obj,
                       self.slices.get((namespace, name), []))

    def close_names(self, namespace: str, name: str) -> list[str]:
        names = {p.name for p in self.pods if p.namespace == namespace} | \
            {n for ns, n in self.services if ns == namespace}
        return difflib.get_close_matches(name, sorted(names), n=5, cutoff=0.4)


async def read(client: Client, record: ClusterRecord) -> Cluster:
    async def items(path: str) -> list[dict]:
        return (await client.get(path) or {}).get("items", [])

    return Cluster(record, await items("/api/v1/pods"), await items("/api/v1/services"),
                   await items("/apis/discovery.k8s.io/v1/endpointslices"),
                   await items("/apis/networking.k8s.io/v1/ingresses"),
                   await items("/apis/gateway.networking.k8s.io/v1/gateways"),  # none where the CRDs are not
                   await items("/apis/gateway.networking.k8s.io/v1/httproutes"))


def source(cluster: Cluster, namespace: str, text: str) -> Pod | None:
    """FROM: a pod of `namespace`, or None for `host` (the machine)."""
    if text == "host":
        return None
    name = text.removeprefix("pod/")
    pod = cluster.pod(namespace, name)
    if pod is None:
        close = cluster.close_names(namespace, name)
        raise TraceError(f'pods "{name}" not found in namespace "{namespace}"'
                         + (f"; close names: {', '.join(close)}" if close else ""))
    if pod.host_network:
        raise TraceError(f"pod {pod.key} uses the node's network: trace from its node's pods or from host")
    if not pod.netns:
        raise TraceError(f"pod {pod.key} has no sandbox on this machine (node {pod.node!r})")
    return pod


def _port(service: Service, wanted: str | None, proto: str | None) -> dict:
    ports = [p for p in service.ports if not proto or p.get("protocol", "TCP").lower() == proto]
    if wanted is None:
        if not ports:
            raise TraceError(f"Service {service.key} has no {proto + ' ' if proto else ''}port")
        return ports[0]
    for p in ports:
        if str(p["port"]) == wanted or p.get("name") == wanted:
            return p
    raise TraceError(f"Service {service.key} has no port {wanted!r}; ports: "
                     + ", ".join(f"{p.get('name') or p['port']}/{p.get('protocol', 'TCP')}" for p in service.ports))


def service_target(cluster: Cluster, service: Service, asked: str, kind: str, ip: str, port: dict,
                   proto: str | None, name: str = "") -> Target:
    number = port.get("nodePort") if kind == "nodeport" else port["port"]
    target = Target(asked, kind, ip, number, proto or port.get("protocol", "TCP").lower(), service=service,
                    service_port=port, name=name)
    for endpoint in service.ready(port):
        pod = cluster.pod_by_ip(endpoint.rpartition(":")[0])
        if pod and pod.netns:
            target.candidates.append(pod)
    return target


def classify(cluster: Cluster, asked: str, ip: str, port: str | None, proto: str | None, name: str = "") -> Target:
    """An address (given, or the answer to a name): whose it is."""
    for svc_obj in cluster.services.values():
        svc = cluster.service(svc_obj["metadata"]["namespace"], svc_obj["metadata"]["name"])
        if ip == svc.cluster_ip or ip in svc.external:
            return service_target(cluster, svc, asked, "service" if ip == svc.cluster_ip else "loadbalancer", ip,
                                  _port(svc, port, proto), proto, name)
    if port and any(n.ip == ip for n in cluster.record.nodes):
        for svc_obj in cluster.services.values():
            for p in svc_obj.get("spec", {}).get("ports", []):
                if str(p.get("nodePort")) == port:
                    svc = cluster.service(svc_obj["metadata"]["namespace"], svc_obj["metadata"]["name"])
                    return service_target(cluster, svc, asked, "nodeport", ip, p, proto, name)
    pod = cluster.pod_by_ip(ip)
    target = Target(asked, "pod" if pod else "ip", ip, int(port) if port else None, proto or "tcp", pod=pod, name=name)
    if pod and pod.netns:
        target.candidates.append(pod)
    return target


def destination(cluster: Cluster, namespace: str, text: str, proto: str | None) -> Target:
    """TO, before any DNS lookup: an address is classified at once; a name is kept for the pod to look up."""
    if text.startswith(("http://", "https://")):
        return _url(cluster, text, proto)
    host, _, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    host = host or text
    port = port or None
    try:
        ipaddress.IPv4Address(host)
        return classify(cluster, text, host, port, proto)
    except ValueError:
        pass
    if host.startswith("pod/") or ("." not in host and cluster.pod(namespace, host)
                                   and not cluster.service(namespace, host)):
        pod = cluster.pod(namespace, host.removeprefix("pod/"))
        if pod is None:
            return _unknown(cluster, namespace, host.removeprefix("pod/"))
        target = Target(text, "pod", pod.ip, int(port) if port else None, proto or "tcp", pod=pod)
        if pod.netns:
            target.candidates.append(pod)
        return target
    name = host.removeprefix("svc/")
    first, _, rest = name.partition(".")
    namespace_of = rest.split(".")[0] if rest else namespace
    svc = cluster.service(namespace_of, first)
    if svc is None and (not rest or rest in {ns for ns, _ in cluster.services}):
        return _unknown(cluster, namespace_of, first)
    # a name: the pod's resolver is asked; the Service (if any) is known now so its port can be chosen
    target = Target(text, "name", "", None, proto or "tcp", service=svc, name=name)
    if svc:
        target.service_port = _port(svc, port, proto)
        target.proto = proto or target.service_port.get("protocol", "TCP").lower()
    elif port:
        target.port = int(port)
    return target


def ingress_paths(ing: dict) -> list[tuple[str, str, str, str]]:
    """(host, path, Service, port) of each path of an Ingress's rules ("" host: any)."""
    out = []
    for rule in ing.get("spec", {}).get("rules", []):
        for p in rule.get("http", {}).get("paths", []):
            svc = p.get("backend", {}).get("service", {})
            port = svc.get("port", {}).get("number") or svc.get("port", {}).get("name", "")
            out.append((rule.get("host", ""), p.get("path", "/"), svc.get("name", ""), str(port)))
    return out


def route_backends(route: dict) -> list[str]:
    """The `service:port` every rule of an HTTPRoute sends to."""
    return sorted({f"{b.get('name')}:{b.get('port', '')}" for r in route.get("spec", {}).get("rules", [])
                   for b in r.get("backendRefs", [])})


def _unknown(cluster: Cluster, namespace: str, name: str) -> Target:
    close = cluster.close_names(namespace, name)
    raise TraceError(f'no pod or Service "{name}" in namespace "{namespace}"'
                     + (f"; close names: {', '.join(close)}" if close else ""))


def _url(cluster: Cluster, text: str, proto: str | None) -> Target:
    """A URL goes to what serves its host: the controller of the Ingress with that host (the Service that
    publishes the Ingress's address), or the Gateway of an HTTPRoute with that hostname (the Service of the
    Gateway's address); the probe is that request's first hop, sent with the Host it names."""
    url = urlsplit(text)
    host = url.hostname or ""
    https = url.scheme == "https"
    for ing in cluster.ingresses:
        hosts = [r.get("host", "") for r in ing.get("spec", {}).get("rules", [])]
        if host in hosts or (not host and "" in hosts):
            addresses = [i.get("ip") for i in ing.get("status", {}).get("loadBalancer", {}).get("ingress", [])]
            return _front(cluster, text, host, url.path, https, proto, addresses,
                          f"Ingress {ing['metadata']['namespace']}/{ing['metadata']['name']}")
    for route in cluster.routes:
        names = route.get("spec", {}).get("hostnames") or []
        if host in names or not names:
            for parent in route.get("spec", {}).get("parentRefs", []):
                gateway = next((g for g in cluster.gateways if g["metadata"]["name"] == parent.get("name") and
                                g["metadata"]["namespace"] == parent.get("namespace",
                                                                         route["metadata"]["namespace"])), None)
                if gateway:
                    addresses = [a.get("value") for a in gateway.get("status", {}).get("addresses", [])]
                    return _front(cluster, text, host, url.path, https, proto, addresses,
                                  f"Gateway {gateway['metadata']['namespace']}/{gateway['metadata']['name']}")
    known = sorted({r.get("host", "") for i in cluster.ingresses for r in i.get("spec", {}).get("rules", [])} |
                   {h for r in cluster.routes for h in r.get("spec", {}).get("hostnames") or []} - {""})
    raise TraceError(f"no Ingress or HTTPRoute serves host {host!r}; hosts: {', '.join(known) or 'none'}")


def _front(cluster: Cluster, text: str, host: str, path: str, https: bool, proto: str | None,
           addresses: list[str], owner: str) -> Target:
    controller = _controller_service(cluster, addresses)
    if controller is None:
        raise TraceError(f"{owner} serves {host!r} but no Service publishes its address")
    port = next((p for p in controller.ports if p["port"] == (443 if https else 80)), controller.ports[0])
    target = service_target(cluster, controller, text, "service", controller.cluster_ip, port, proto)
    target.kind, target.host, target.path = "url", host, path or "/"
    return target


def _controller_service(cluster: Cluster, addresses: list[str]) -> Service | None:
    """The Service behind an Ingress's status address: a LoadBalancer IP, or a node address with a NodePort
    Service of the ingress-nginx controller."""
    for ns, name in cluster.services:
        svc = cluster.service(ns, name)
        if set(addresses) & set(svc.external):
            return svc
    for (ns, name), obj in cluster.services.items():
        labels = obj["metadata"].get("labels", {})
        if labels.get("app.kubernetes.io/component") == "controller" and obj["spec"].get("type") != "ClusterIP":
            return cluster.service(ns, name)
    return None
