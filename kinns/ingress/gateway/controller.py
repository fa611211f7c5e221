"""The Gateway controller's reconcile loop, as NGINX Gateway Fabric's control plane runs it.

It watches the Gateway API objects and the Services, EndpointSlices, Secrets
and Namespaces they refer to; builds the graph (graph.py); gives each Gateway
of our class a data plane of its own, named `<gateway>-<class>` in the
Gateway's namespace (a Deployment of nginx with its agent, a LoadBalancer
Service with the listener ports, a ConfigMap holding the rendered nginx.conf
and a Secret with the certificates), and writes the status of every
GatewayClass, Gateway and HTTPRoute it handles. A configuration is checked
with `nginx -t` here before it is published; when it fails, the Routes that
break it are found, left out and marked, and the others are served.
"""

import asyncio
import base64
import time
from pathlib import Path

from ...apimachinery.conditions import condition
from ...apimachinery.meta import key as _key
from ...apimachinery.meta import owner_reference
from ...client import APIError, Client, Reconciler
from ...kernel.files import write_private
from ..backends import by_service
from ..nginx import Nginx, default_certificate
from . import graph, render
from .api import CONTROLLER_NAME, GROUP

MANAGED = {"app.kubernetes.io/managed-by": "kinns-gateway"}
GATEWAY_LABEL = "gateway.networking.k8s.io/gateway-name"
DATA_PLANE_IMAGE = "ghcr.io/nginx/nginx-gateway-fabric/nginx:2.0.0"
AGENT_PORT = 8081

PATHS = {
    "gatewayclasses": f"/apis/{GROUP}/v1/gatewayclasses", "gateways": f"/apis/{GROUP}/v1/gateways",
    "httproutes": f"/apis/{GROUP}/v1/httproutes", "referencegrants": f"/apis/{GROUP}/v1beta1/referencegrants",
    "services": "/api/v1/services", "endpointslices": "/apis/discovery.k8s.io/v1/endpointslices",
    "secrets": "/api/v1/secrets", "namespaces": "/api/v1/namespaces",
    "crds": "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    "deployments": "/apis/apps/v1/deployments", "configmaps": "/api/v1/configmaps",
    "serviceaccounts": "/api/v1/serviceaccounts", "roles": "/apis/rbac.authorization.k8s.io/v1/roles",
    "rolebindings": "/apis/rbac.authorization.k8s.io/v1/rolebindings",
}
_SELECTED = {"crds": {"fieldSelector": f"metadata.name=gateways.{GROUP}"},
             "deployments": {"labelSelector": "app.kubernetes.io/managed-by=kinns-gateway"},
             "configmaps": {"labelSelector": "app.kubernetes.io/managed-by=kinns-gateway"},
             **{kind: {"labelSelector": "app.kubernetes.io/managed-by=kinns-gateway"}
                for kind in ("serviceaccounts", "roles", "rolebindings")}}


def conditions(wanted: dict[str, graph.Condition], old: list[dict], generation: int) -> list[dict]:
    """Status conditions, each keeping its lastTransitionTime while its status stays the same."""
    return [condition(kind, c.status, c.reason, c.message, old, observedGeneration=generation)
            for kind, c in wanted.items()]


def _same(a: list[dict] | dict, b: list[dict] | dict) -> bool:
    """Equal but for lastTransitionTime."""
    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k != "lastTransitionTime"}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x
    return strip(a) == strip(b)


class Controller(Reconciler):
    name = log_name = "nginx-gateway"
    coalesce = 0.1  # bursts of changes become one pass
    mirrored = PATHS  # what the controller mirrors (kind -> path)

    def __init__(self, client: Client, run: Path) -> None:
        super().__init__(client)
        self.run_dir = run
        self.objects = {kind: self.watch(path, query=_SELECTED.get(kind)) for kind, path in self.mirrored.items()}
        self.nginx = Nginx(run)  # only for nginx -t: the data planes serve
        self.published: dict[tuple[str, str], str] = {}  # Gateway -> the configuration last published
        self.broken: dict[tuple[str, str], str] = {}  # Gateway -> nginx -t's complaint about its configuration
        self.rejected: dict[tuple[str, str], tuple[int, str]] = {}  # HTTPRoute -> (its generation, nginx's error)
        self.statuses: dict[str, tuple[dict, dict]] = {}  # status path -> (the object seen, status to write)
        self.status_due = asyncio.Event()

    async def run(self) -> None:
        default_certificate(self.run_dir / "default-certificate.pem", "kinns", "kinns gateway default certificate")
        await asyncio.gather(super().run(), self.write_statuses())

    def world(self, leave_out: set[tuple[str, str]] = frozenset()) -> graph.World:
        o = self.objects
        crd = next(iter(o["crds"].values()), {})
        return graph.World(
            o["gatewayclasses"].values(), o["gateways"].values(),
            [r for r in o["httproutes"].values() if _key(r) not in leave_out], o["referencegrants"].values(),
            {_key(s): s for s in o["services"].values()}, by_service(o["endpointslices"].values()),
            {_key(s): s for s in o["secrets"].values()}, {n["metadata"]["name"]: n for n in o["namespaces"].values()},
            (crd.get("metadata", {}).get("annotations") or {}).get(f"{GROUP}/bundle-version", ""))

    async def reconcile(self, key: None) -> None:
        started = time.monotonic()
        result = graph.build(self.world(self.left_out()))
        for plan in result.plans.values():
            await self.program(plan)
        await self.deprovision(set(result.plans))
        self.write_status(result)
        self.log.info("reconciled %d Gateways and %d HTTPRoutes in %.1f ms", len(result.plans), len(result.routes),
                      (time.monotonic() - started) * 1000)

    # configuration

    def check(self, plan: graph.Plan) -> tuple[str, str]:
        """Render and nginx -t a plan: (configuration, error or ""). What was published passed already."""
        started = time.monotonic()
        config = render.nginx_conf(plan)
        if config == self.published.get(plan.key):
            return config, ""
        rendered = time.monotonic()
        for name, pem in plan.certificates.items():
            write_private(self.run_dir / "certs" / f"{name.replace('/', '_')}.pem", pem)
        error = self.nginx.check(config.replace(render.RUN, str(self.run_dir)))
        self.log.info("Gateway %s/%s: %d servers rendered in %.1f ms, nginx -t in %.1f ms", *plan.key,
                      len(plan.servers), (rendered - started) * 1000, (time.monotonic() - rendered) * 1000)
        return config, error

    async def program(self, plan: graph.Plan) -> None:
        config, error = await asyncio.to_thread(self.check, plan)
        if error:
            config, error = await asyncio.to_thread(self.isolate, plan, error)
        if error:
            self.broken[plan.key] = error
            self.log.error("Gateway %s/%s: the configuration does not pass nginx -t:\n%s", *plan.key, error)
        else:
            self.broken.pop(plan.key, None)
        await self.provision(plan, None if error else config)

    def left_out(self) -> set[tuple[str, str]]:
        """The HTTPRoutes nginx refused, unless they changed since."""
        routes = {_key(r): r for r in self.objects["httproutes"].values()}
        for key, (generation, _) in list(self.rejected.items()):
            if key not in routes or routes[key]["metadata"].get("generation", 1) != generation:
                del self.rejected[key]
        return set(self.rejected)

    def isolate(self, plan: graph.Plan, error: str) -> tuple[str, str]:
        """Find the newest Route without which nginx takes the configuration, leave it out and remember why;
        the rest is served. (Another bad Route is found on the next pass.)"""
        attached = {key for key, parents in graph.build(self.world(self.left_out())).routes.items()
                    if any(p.ref.get("name") == plan.key[1] for p in parents)}
        routes = sorted((r for r in self.objects["httproutes"].values() if _key(r) in attached),
                        key=lambda r: r["metadata"].get("creationTimestamp", ""), reverse=True)
        for route in routes:
            candidate = graph.build(self.world(self.left_out() | {_key(route)})).plans.get(plan.key)
            if candidate is None:
                continue
            config, problem = self.check(candidate)
            if not problem:
                self.rejected[_key(route)] = (route["metadata"].get("generation", 1), error.splitlines()[0])
                self.log.warning("left out HTTPRoute %s/%s: nginx refused it: %s", *_key(route), error.splitlines()[0])
                self.enqueue(None)  # statuses and, if another Route is bad too, the next one
                return config, ""
        return "", error

    # the data plane

    def _names(self, plan: graph.Plan) -> tuple[str, str, dict]:
        gw = plan.gateway
        name = f"{gw['metadata']['name']}-{gw['spec']['gatewayClassName']}"
        labels = {**MANAGED, GATEWAY_LABEL: gw["metadata"]["name"], "app.kubernetes.io/name": name,
                  "app.kubernetes.io/instance": gw["metadata"]["name"],
                  **((gw["spec"].get("infrastructure") or {}).get("labels") or {})}
        return gw["metadata"]["namespace"], name, labels

    def _meta(self, plan: graph.Plan, name: str, labels: dict) -> dict:
        gw = plan.gateway
        annotations = (gw["spec"].get("infrastructure") or {}).get("annotations") or {}
        return {"name": name, "namespace": gw["metadata"]["namespace"], "labels": labels,
                **({"annotations": annotations} if annotations else {}),
                "ownerReferences": [owner_reference(gw, "Gateway", f"{GROUP}/v1")]}

    async def provision(self, plan: graph.Plan, config: str | None) -> None:
        ns, name, labels = self._names(plan)
        meta = self._meta(plan, name, labels)
        selector = {GATEWAY_LABEL: labels[GATEWAY_LABEL], "app.kubernetes.io/name": name}
        ports = plan.ports
        if config is not None and self.published.get(plan.key) != config:
            # the certificates first, so the configuration naming them finds them
            certificates = await self.ensure("/api/v1", "secrets", ns, {
                "apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque",
                "data": {f"{k.replace('/', '_')}.pem": base64.b64encode(v).decode()
                         for k, v in plan.certificates.items()}})
            if certificates and await self.ensure("/api/v1", "configmaps", ns, {
                    "apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"nginx.conf": config}}):
                self.published[plan.key] = config
        container = {"name": "nginx", "image": DATA_PLANE_IMAGE, "command": ["/agent"],
                     "args": ["--config", f"{ns}/{name}", f"--health-port={AGENT_PORT}"],
                     "ports": [{"name": f"port-{p}", "containerPort": p} for p in ports] +
                              [{"name": "health", "containerPort": AGENT_PORT}],
                     "readinessProbe": {"httpGet": {"path": "/readyz", "port": AGENT_PORT}, "periodSeconds": 1}}
        # the data plane reads its own ConfigMap and Secret, and nothing else
        await self.ensure("/api/v1", "serviceaccounts", ns, {"apiVersion": "v1", "kind": "ServiceAccount",
                                                             "metadata": meta})
        await self.ensure("/apis/rbac.authorization.k8s.io/v1", "roles", ns, {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta,
            "rules": [{"apiGroups": [""], "resources": ["configmaps", "secrets"], "resourceNames": [name],
                       "verbs": ["get", "list", "watch"]}]})
        await self.ensure("/apis/rbac.authorization.k8s.io/v1", "rolebindings", ns, {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]})
        await self.ensure("/apis/apps/v1", "deployments", ns, {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta,
            "spec": {"replicas": 1, "selector": {"matchLabels": selector},
                     "template": {"metadata": {"labels": {**labels}},
                                  "spec": {"serviceAccountName": name, "containers": [container]}}}})
        addresses = plan.gateway["spec"].get("addresses") or []
        # a Service needs a port: a Gateway with no valid listener keeps one that nothing listens on
        spec = {"type": "LoadBalancer", "selector": selector,
                "ports": [{"name": f"port-{p}", "port": p, "targetPort": p, "protocol": "TCP"} for p in ports] or
                         [{"name": "unused", "port": 1, "targetPort": 1, "protocol": "TCP"}]}
        if addresses:
            spec["loadBalancerIP"] = addresses[0]["value"]
        await self.ensure("/api/v1", "services", ns, {"apiVersion": "v1", "kind": "Service", "metadata": meta,
                                                      "spec": spec})

    async def ensure(self, prefix: str, plural: str, ns: str, want: dict) -> bool:
        """Create `want`, or bring the existing object's labels and spec (or data) to it; False when the API
        refused (logged, and tried again on the next pass)."""
        name = want["metadata"]["name"]
        current = self.objects[plural].get(ns, name)
        path = f"{prefix}/namespaces/{ns}/{plural}"
        try:
            if current is None:
                current = await self.client.get(f"{path}/{name}")
            if current is None:
                await self.client.create(path, want)
                return True
            fields = [k for k in ("spec", "data", "type", "rules", "subjects") if k in want]
            if all(_contains(current.get(k), want[k]) for k in fields) and \
                    _contains(current["metadata"].get("labels"), want["metadata"]["labels"]):
                return True
            patch = {"metadata": {"labels": want["metadata"]["labels"]}, **{k: want[k] for k in fields}}
            await self.client.patch(f"{path}/{name}", patch)
            return True
        except APIError as err:
            self.log.warning("%s %s/%s: %s", plural, ns, name, err)
            self.enqueue(None)
            return False

    async def deprovision(self, live: set[tuple[str, str]]) -> None:
        """Remove the data planes of Gateways that are gone or no longer ours."""
        for kind, prefix in (("deployments", "/apis/apps/v1"), ("configmaps", "/api/v1"), ("services", "/api/v1"),
                             ("secrets", "/api/v1"), ("serviceaccounts", "/api/v1"),
                             ("roles", "/apis/rbac.authorization.k8s.io/v1"),
                             ("rolebindings", "/apis/rbac.authorization.k8s.io/v1")):
            for obj in list(self.objects[kind].values()):
                labels = obj["metadata"].get("labels") or {}
                if labels.get("app.kubernetes.io/managed-by") != MANAGED["app.kubernetes.io/managed-by"]:
                    continue
                owner = (obj["metadata"]["namespace"], labels.get(GATEWAY_LABEL, ""))
                if owner in live:
                    continue
                self.published.pop(owner, None)
                try:
                    if await self.client.delete(f"{prefix}/namespaces/{owner[0]}/{kind}/{obj['metadata']['name']}"):
                        self.log.info("removed %s %s/%s: its Gateway is gone", kind, owner[0], obj["metadata"]["name"])
                except APIError as err:
                    self.log.warning("removing %s %s/%s: %s", kind, owner[0], obj["metadata"]["name"], err)

    # status

    def write_status(self, result: graph.Result) -> None:
        for cls in self.objects["gatewayclasses"].values():
            wanted = result.classes.get(cls["metadata"]["name"])
            if wanted is not None:
                self._status(f"/apis/{GROUP}/v1/gatewayclasses/{cls['metadata']['name']}", cls, {
                    "conditions": conditions(wanted, (cls.get("status") or {}).get("conditions"),
                                             cls["metadata"].get("generation", 1))})
        for plan in result.plans.values():
            self._gateway_status(plan)
        for route in self.objects["httproutes"].values():
            ours = result.routes.get(_key(route), [])
            if _key(route) in self.rejected:
                ours = self._rejected_parents(route)
            old = (route.get("status") or {}).get("parents") or []
            others = [p for p in old if p.get("controllerName") != CONTROLLER_NAME]
            mine = [{"parentRef": p.ref, "controllerName": CONTROLLER_NAME, "conditions": conditions(
                p.conditions, next((o.get("conditions") for o in old if o.get("parentRef") == p.ref
                                    and o.get("controllerName") == CONTROLLER_NAME), []),
                route["metadata"].get("generation", 1))} for p in ours]
            if ours or len(others) != len(old):
                self._status(f"/apis/{GROUP}/v1/namespaces/{route['metadata']['namespace']}/httproutes/"
                                   f"{route['metadata']['name']}", route, {"parents": others + mine})

    def _rejected_parents(self, route: dict) -> list[graph.Parent]:
        why = graph.Condition("False", "UnsupportedValue", f"nginx refused this Route: {self.rejected[_key(route)][1]}")
        gateways = {_key(g) for g in self.objects["gateways"].values()}
        return [graph.Parent(graph.parent_ref(ref), {"Accepted": why})
                for ref in (route.get("spec") or {}).get("parentRefs") or []
                if (ref.get("namespace") or route["metadata"]["namespace"], ref["name"]) in gateways]

    def _serving(self, plan: graph.Plan) -> tuple[list[str], bool, str]:
        """The Gateway's addresses, whether its data plane serves, and what it waits for when it does not."""
        ns, name, _ = self._names(plan)
        svc, deployment = self.objects["services"].get(ns, name), self.objects["deployments"].get(ns, name)
        ips = load_balancer_ips(svc)
        ready = ((deployment or {}).get("status") or {}).get("readyReplicas", 0) >= 1
        return ips, ready, f"waiting for the data plane Deployment {ns}/{name}"

    def _gateway_status(self, plan: graph.Plan) -> None:
        gw = plan.gateway
        ns, name, _ = self._names(plan)
        ips, ready, waiting = self._serving(plan)
        accepted = plan.conditions["Accepted"].status == "True"
        if not accepted:
            programmed = graph.Condition("False", "Invalid", plan.conditions["Accepted"].message)
        elif plan.key in self.broken:
            programmed = graph.Condition("False", "Invalid", "nginx refused the configuration: " +
                                         self.broken[plan.key].splitlines()[0])
        elif not ips:
            programmed = graph.Condition("False", "AddressNotAssigned", "waiting for the LoadBalancer address of "
                                         f"Service {ns}/{name}")
        elif not ready:
            programmed = graph.Condition("False", "Pending", waiting)
        else:
            programmed = graph.Condition("True", "Programmed", "Gateway is programmed")
        generation = gw["metadata"].get("generation", 1)
        old = gw.get("status") or {}
        listeners = []
        for listener in plan.listeners:
            wanted = dict(listener.conditions)
            wanted["Programmed"] = graph.Condition("True", "Programmed", "Listener is programmed") \
                if listener.usable and programmed.status == "True" else \
                graph.Condition("False", "Invalid" if not listener.usable else programmed.reason,
                                "the listener is not valid" if not listener.usable else programmed.message)
            before = next((x.get("conditions") for x in old.get("listeners") or [] if x.get("name") == listener.name),
                          [])
            listeners.append({"name": listener.name, "supportedKinds": listener.kinds,
                              "attachedRoutes": listener.attached,
                              "conditions": conditions(wanted, before, generation)})
        status = {"addresses": [{"type": "IPAddress", "value": ip} for ip in ips],
                  "conditions": conditions({"Accepted": plan.conditions["Accepted"], "Programmed": programmed},
                                           old.get("conditions"), generation),
                  "listeners": listeners}
        self._status(f"/apis/{GROUP}/v1/namespaces/{ns}/gateways/{gw['metadata']['name']}", gw, status)

    def _status(self, path: str, obj: dict, status: dict) -> None:
        old = obj.get("status") or {}
        if _same({k: old.get(k) for k in status}, status):
            self.statuses.pop(path, None)
            return
        self.statuses[path] = (obj, status)
        self.status_due.set()

    async def write_statuses(self) -> None:
        """The status writer: the newest wanted status of each object, written apart from the reconcile loop,
        so a thousand new Routes serve before their statuses are all written."""
        while True:
            await self.status_due.wait()
            self.status_due.clear()
            while self.statuses:
                path, (obj, status) = self.statuses.popitem()
                try:  # an update of the version seen (NGF's RBAC grants update of status, not patch)
                    await self.client.replace(path + "/status", {**obj, "status": status})
                except APIError as err:
                    if err.code == 409:  # changed meanwhile: the watch brings the new version, and we come back
                        self.enqueue(None)
                    else:
                        self.log.warning("status of %s: %s", path, err)


def load_balancer_ips(svc: dict | None) -> list[str]:
    """The IP addresses in a Service's status.loadBalancer."""
    return [i["ip"] for i in ((svc or {}).get("status", {}).get("loadBalancer", {}).get("ingress") or [])
            if i.get("ip")]


def _contains(current: object, wanted: object) -> bool:
    """Does `current` hold everything `wanted` says (the API may have added defaults)?"""
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(_contains(current.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(current, list) and len(current) == len(wanted) and \
            all(_contains(c, w) for c, w in zip(current, wanted))
    return current == wanted

