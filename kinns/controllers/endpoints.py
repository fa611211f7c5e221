"""Endpoints and EndpointSlice controllers: a Service's selector, resolved to pod addresses.

For every Service with a selector: the pods it selects that have an IP,
ready ones as ready endpoints, the others (and terminating ones) as not ready;
target ports resolved per pod when they are named. Services without a
selector are left to whoever writes their endpoints by hand.
"""

from ..apiserver.errors import APIError
from .base import Controller
from .workloads import pod_ready

MANAGED_BY = "endpointslice-controller.k8s.io"


def selects(service: dict, pod: dict) -> bool:
    selector = service.get("spec", {}).get("selector") or {}
    labels = pod.get("metadata", {}).get("labels") or {}
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


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


class EndpointsController(Controller):
    name = "endpoint-controller"
    watches = (("", "v1", "services"), ("", "v1", "pods"))

    def keys_for(self, r, obj):
        if r.plural == "pods":
            ns = obj.get("metadata", {}).get("namespace")
            services = self.objects.store.list(self.resource("", "v1", "services").key(ns))[0]
            return [(ns, s["metadata"]["name"]) for s in services if selects(s, obj)] + \
                [(ns, s["metadata"]["name"]) for s in services if self._lists(s, obj)]
        return super().keys_for(r, obj)

    def _lists(self, service: dict, pod: dict) -> bool:
        """True if the pod is in the service's current endpoints (it may have stopped matching)."""
        ns, name = service["metadata"]["namespace"], service["metadata"]["name"]
        current = self.objects.store.get(self.resource("", "v1", "endpoints").key(ns, name)) or {}
        uid = pod.get("metadata", {}).get("uid")
        return any(a.get("targetRef", {}).get("uid") == uid for s in current.get("subsets") or []
                   for a in (s.get("addresses") or []) + (s.get("notReadyAddresses") or []))

    async def sync(self, key) -> None:
        namespace, name = key
        svc_r = self.resource("", "v1", "services")
        ep_r = self.resource("", "v1", "endpoints")
        slice_r = self.resource("discovery.k8s.io", "v1", "endpointslices")
        service = self.objects.store.get(svc_r.key(namespace, name))
        slice_name = f"{name}-kinns"
        if service is None:
            for r, n in ((ep_r, name), (slice_r, slice_name)):
                if self.objects.store.get(r.key(namespace, n)):
                    try:
                        self.objects.delete(r, namespace, n)
                    except APIError:
                        pass
            return
        if not service.get("spec", {}).get("selector") or service["spec"].get("type") == "ExternalName":
            return
        pods = [p for p in self.objects.store.list(self.resource("", "v1", "pods").key(namespace))[0]
                if selects(service, p) and p.get("status", {}).get("podIP")]
        pods.sort(key=lambda p: p["status"]["podIP"])
        self._endpoints(ep_r, service, pods)
        self._slice(slice_r, service, pods, slice_name)

    def _endpoints(self, ep_r, service: dict, pods: list[dict]) -> None:
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
                       **({"hostname": pod["spec"]["hostname"]} if _named(pod, name) else {}),
                       "targetRef": {"kind": "Pod", "namespace": namespace, "name": pod["metadata"]["name"],
                                     "uid": pod["metadata"]["uid"]}}
            subset = groups.setdefault(tuple(sorted((p.get("name", ""), p["port"]) for p in ports)),
                                       {"ports": ports})
            ready = pod_ready(pod) and not pod["metadata"].get("deletionTimestamp")
            subset.setdefault("addresses" if ready else "notReadyAddresses", []).append(address)
        subsets = [s for s in groups.values() if s["ports"]]
        want = {"metadata": {"name": name, "namespace": namespace, "labels": service["metadata"].get("labels") or {}},
                **({"subsets": subsets} if subsets else {})}
        self._put(ep_r, namespace, name, want)

    def _slice(self, slice_r, service: dict, pods: list[dict], slice_name: str) -> None:
        namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
        ports = []
        for p in service["spec"].get("ports") or []:
            number = resolve_port(p, pods[0]) if pods else None
            ports.append({"name": p.get("name", ""), "port": number, "protocol": p.get("protocol", "TCP")})
        endpoints = []
        for pod in pods:
            terminating = bool(pod["metadata"].get("deletionTimestamp"))
            ready = pod_ready(pod)
            endpoints.append({"addresses": [pod["status"]["podIP"]],
                              **({"hostname": pod["spec"]["hostname"]} if _named(pod, name) else {}),
                              "conditions": {"ready": ready and not terminating, "serving": ready,
                                             "terminating": terminating},
                              "nodeName": pod["spec"].get("nodeName"),
                              "targetRef": {"kind": "Pod", "namespace": namespace, "name": pod["metadata"]["name"],
                                            "uid": pod["metadata"]["uid"]}})
        want = {"metadata": {"name": slice_name, "namespace": namespace,
                             "labels": {"kubernetes.io/service-name": name,
                                        "endpointslice.kubernetes.io/managed-by": MANAGED_BY},
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name,
                                                  "uid": service["metadata"]["uid"], "controller": True,
                                                  "blockOwnerDeletion": True}]},
                "addressType": "IPv4", "endpoints": endpoints, "ports": ports}
        self._put(slice_r, namespace, slice_name, want)

    def _put(self, r, namespace: str, name: str, want: dict) -> None:
        current = self.objects.store.get(r.key(namespace, name))
        if current is None:
            self.objects.create(r, namespace, want, self.opts())
            return
        body = {k: v for k, v in want.items() if k != "metadata"}
        if {k: current.get(k) for k in body} == body and \
                current["metadata"].get("labels") == want["metadata"].get("labels"):
            return
        merged = {**{k: v for k, v in current.items() if k not in ("subsets", "endpoints", "ports")}, **body,
                  "metadata": {**current["metadata"], **{k: v for k, v in want["metadata"].items()
                                                         if k in ("labels", "ownerReferences")}}}
        self.objects.update(r, namespace, name, merged, "", self.opts())
