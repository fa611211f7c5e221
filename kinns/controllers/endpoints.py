"""Endpoints and EndpointSlice controllers: a Service's selector, resolved to pod addresses.

For every Service with a selector: the pods it selects that have an IP,
ready ones as ready endpoints, the others (and terminating ones) as not ready;
target ports resolved per pod when they are named. Services without a
selector are left to whoever writes their endpoints by hand. A pod change
queues the Services its old and its new labels select, so a pod that stops
matching leaves the endpoints too.
"""

from ..apimachinery.conditions import is_true
from ..apimachinery.labels import map_selects
from ..apimachinery.meta import owner_reference
from ..client.client import path
from .base import ENDPOINTS, ENDPOINTSLICES, PODS, SERVICES, Controller, own_key

MANAGED_BY = "endpointslice-controller.k8s.io"


def selects(service: dict, pod: dict) -> bool:
    return map_selects(service.get("spec", {}).get("selector"), pod.get("metadata", {}).get("labels") or {})


def _named(pod: dict, service: str) -> bool:
    """A pod with spec.hostname whose spec.subdomain is this Service gets a DNS name of its own under it."""
    spec = pod.get("spec", {})
    return bool(spec.get("hostname")) and spec.get("subdomain") == service


def resolve_port(port: dict, pod: dict) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    for c in pod.get("spec", {}).get("containers") or []:
        for p in c.get("ports") or []:
            if p.get("name") == target and p.get("protocol", "TCP") == port.get("protocol", "TCP"):
                return p.get("containerPort")
    return None


def _target(pod: dict) -> dict:
    meta = pod["metadata"]
    return {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"], "uid": meta["uid"]}


def endpoints_of(service: dict, pods: list[dict]) -> dict:
    """The Endpoints object of a Service (pods sorted by IP): subsets grouped by their resolved ports."""
    namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
    groups: dict[tuple, dict] = {}
    for pod in pods:
        ports = []
        for p in service["spec"].get("ports") or []:
            number = resolve_port(p, pod)
            if number:
                ports.append({k: v for k, v in (("name", p.get("name")), ("port", number),
                                                ("protocol", p.get("protocol", "TCP"))) if v})
        address = {"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
                   **({"hostname": pod["spec"]["hostname"]} if _named(pod, name) else {}), "targetRef": _target(pod)}
        subset = groups.setdefault(tuple(sorted((p.get("name", ""), p["port"]) for p in ports)), {"ports": ports})
        ready = is_true(pod, "Ready") and not pod["metadata"].get("deletionTimestamp")
        subset.setdefault("addresses" if ready else "notReadyAddresses", []).append(address)
    subsets = [s for s in groups.values() if s["ports"]]
    return {"metadata": {"name": name, "namespace": namespace, "labels": service["metadata"].get("labels") or {}},
            **({"subsets": subsets} if subsets else {})}


def slice_of(service: dict, pods: list[dict]) -> dict:
    """The EndpointSlice of a Service, named `<service>-kinns` and owned by it."""
    namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
    ports = [{"name": p.get("name", ""), "port": resolve_port(p, pods[0]) if pods else None,
              "protocol": p.get("protocol", "TCP")} for p in service["spec"].get("ports") or []]
    endpoints = []
    for pod in pods:
        terminating = bool(pod["metadata"].get("deletionTimestamp"))
        ready = is_true(pod, "Ready")
        endpoints.append({"addresses": [pod["status"]["podIP"]],
                          **({"hostname": pod["spec"]["hostname"]} if _named(pod, name) else {}),
                          "conditions": {"ready": ready and not terminating, "serving": ready,
                                         "terminating": terminating},
                          "nodeName": pod["spec"].get("nodeName"), "targetRef": _target(pod)})
    return {"metadata": {"name": f"{name}-kinns", "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": name,
                                    "endpointslice.kubernetes.io/managed-by": MANAGED_BY},
                         "ownerReferences": [owner_reference(service, "Service", "v1")]},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports}


def _service_of_slice(obj: dict) -> list[tuple[str, str]]:
    service = (obj["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
    return [(obj["metadata"].get("namespace") or "", service)] if service else []


class EndpointsController(Controller):
    name = "endpoint-controller"

    def setup(self) -> None:
        self.services = self.watch(SERVICES, own_key)
        self.pods = self.watch(PODS, self._services_of)
        # their own keys too: endpoints left by a Service deleted while the controller was down are found
        self.endpoints = self.watch(ENDPOINTS, own_key)
        self.slices = self.watch(ENDPOINTSLICES, _service_of_slice,
                                 {"labelSelector": f"endpointslice.kubernetes.io/managed-by={MANAGED_BY}"})

    def _services_of(self, pod: dict) -> list[tuple[str, str]]:
        ns = pod["metadata"].get("namespace") or ""
        return [(ns, s["metadata"]["name"]) for s in self.services.in_namespace(ns) if selects(s, pod)]

    async def reconcile(self, key: tuple[str, str]) -> None:
        namespace, name = key
        service = self.services.get(namespace, name)
        if service is None:
            if self.endpoints.get(namespace, name):
                await self.client.delete(path("v1", "endpoints", namespace, name))
            if self.slices.get(namespace, f"{name}-kinns"):
                await self.client.delete(path("discovery.k8s.io/v1", "endpointslices", namespace, f"{name}-kinns"))
            return
        if not service.get("spec", {}).get("selector") or service["spec"].get("type") == "ExternalName":
            return
        pods = sorted((p for p in self.pods.in_namespace(namespace) if selects(service, p)
                       and p.get("status", {}).get("podIP")), key=lambda p: p["status"]["podIP"])
        await self._put(self.endpoints, path("v1", "endpoints", namespace), endpoints_of(service, pods))
        await self._put(self.slices, path("discovery.k8s.io/v1", "endpointslices", namespace),
                        slice_of(service, pods))

    async def _put(self, mirror, collection: str, want: dict) -> None:
        """Create `want`, or update the current object where its content or labels differ."""
        namespace, name = want["metadata"]["namespace"], want["metadata"]["name"]
        current = mirror.get(namespace, name)
        if current is None:
            await self.client.create(collection, want)
            return
        body = {k: v for k, v in want.items() if k != "metadata"}
        if {k: current.get(k) for k in body} == body and \
                current["metadata"].get("labels") == want["metadata"].get("labels"):
            return
        merged = {**{k: v for k, v in current.items() if k not in ("subsets", "endpoints", "ports")}, **body,
                  "metadata": {**current["metadata"], **{k: v for k, v in want["metadata"].items()
                                                         if k in ("labels", "ownerReferences")}}}
        await self.client.replace(f"{collection}/{name}", merged)
