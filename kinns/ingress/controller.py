"""The controller's reconcile loop: watch Ingresses, IngressClasses, Services, EndpointSlices, Secrets, the
`--configmap` ConfigMap and the controller's own pods; render; check with `nginx -t`; reload nginx (a graceful
reload: in-flight requests finish on the old workers). The replica holding the `--election-id` Lease writes
each served Ingress's status.loadBalancer.ingress, from `--publish-status-address`, else the `--publish-service`
Service's address, else the addresses of the nodes its Ready controller pods run on, as ingress-nginx's status
sync chooses them.
"""

import asyncio
import ipaddress
import time
from pathlib import Path

from ..apimachinery.conditions import is_true
from ..apimachinery.errors import APIError
from ..client import Client, Reconciler
from ..client.election import LeaderElector
from ..client.events import EventRecorder
from ..kernel.files import write_private
from . import render
from .admission import overlap
from .backends import by_service
from .flags import Options
from .nginx import Nginx, default_certificate, tls_pem
from .settings import Settings, parse

DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"


def _paths(opts: Options, namespace: str) -> dict[str, tuple[str, dict | None]]:
    """What the controller mirrors (path, query); `--watch-namespace` narrows the namespaced kinds."""
    def at(group: str, plural: str) -> str:
        where = f"/namespaces/{opts.watch_namespace}" if opts.watch_namespace else ""
        return f"{group}{where}/{plural}"
    out = {"ingresses": (at("/apis/networking.k8s.io/v1", "ingresses"), None),
           "ingressclasses": ("/apis/networking.k8s.io/v1/ingressclasses", None),
           "services": (at("/api/v1", "services"), None),
           "endpointslices": (at("/apis/discovery.k8s.io/v1", "endpointslices"), None),
           "secrets": (at("/api/v1", "secrets"), None),
           "pods": (f"/api/v1/namespaces/{namespace}/pods", None),
           "nodes": ("/api/v1/nodes", None)}
    if opts.configmap:
        ns, name = opts.configmap.split("/", 1)
        out["configmaps"] = (f"/api/v1/namespaces/{ns}/configmaps", {"fieldSelector": f"metadata.name={name}"})
    return out


class Controller(Reconciler):
    name = log_name = "ingress-nginx"
    coalesce = 0.1  # bursts of changes become one reload
    resync = 2.0  # a dead nginx is noticed and started again within seconds

    def __init__(self, client: Client, opts: Options, run: Path, namespace: str, pod: str) -> None:
        super().__init__(client)
        self.opts, self.run_dir, self.namespace, self.pod = opts, run, namespace, pod
        self.objects = {kind: self.watch(where, query=query)
                        for kind, (where, query) in _paths(opts, namespace).items()}
        self.nginx = Nginx(run)
        self.events = EventRecorder(client, "nginx-ingress-controller")
        self.refused: dict[str, str] = {}  # uid -> the resourceVersion refused (one Event per version)
        self.settings, self.settings_text = Settings(), ""
        self.elector = LeaderElector(client, namespace, opts.election_id, pod, opts.election_ttl,
                                     renew_deadline=opts.election_ttl * 2 / 3,
                                     on_change=lambda _: self.enqueue(None)) if opts.leader_election else None
        self.synced_once = False

    async def run(self) -> None:
        default_certificate(self.run_dir / "default-certificate.pem", "Acme Co",
                            "Kubernetes Ingress Controller Fake Certificate")  # ingress-nginx's own
        tasks = [asyncio.create_task(self.elector.run())] if self.elector else []
        try:
            await super().run()
        finally:
            for task in tasks:
                task.cancel()

    @property
    def leading(self) -> bool:
        return self.elector.leading if self.elector else True

    def mine(self, ing: dict) -> bool:
        """Is this Ingress for this controller: an IngressClass whose controller is --controller-class (or, with
        --ingress-class-by-name, the class named --ingress-class), the kubernetes.io/ingress.class annotation
        naming --ingress-class, or no class while ours is the default or --watch-ingress-without-class is set."""
        annotations = ing["metadata"].get("annotations") or {}
        wanted = ing.get("spec", {}).get("ingressClassName")
        classes = {c["metadata"]["name"]: c for c in self.objects["ingressclasses"].values()}
        if wanted:
            cls = classes.get(wanted)
            if cls is not None and cls.get("spec", {}).get("controller") == self.opts.controller_class:
                return True
            return self.opts.class_by_name and wanted == self.opts.ingress_class
        if CLASS_ANNOTATION in annotations:
            return annotations[CLASS_ANNOTATION] == self.opts.ingress_class
        if self.opts.watch_without_class:
            return True
        return any((c["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true"
                   and c.get("spec", {}).get("controller") == self.opts.controller_class for c in classes.values())

    def _settings(self) -> Settings:
        if not self.opts.configmap:
            return Settings()
        cm = next(iter(self.objects["configmaps"].values()), None)
        data = (cm or {}).get("data") or {}
        text = repr(sorted(data.items()))
        if text != self.settings_text:
            self.settings_text = text
            self.settings, notes = parse(data)
            for note in notes:
                self.log.warning("%s", note)
        return self.settings

    def served(self) -> list[dict]:
        return [ing for ing in self.objects["ingresses"].values() if self.mine(ing)]

    def render(self, ingresses: list[dict]) -> str:
        """The nginx.conf for `ingresses` (refusable ones already left out) with the present cluster state."""
        services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.objects["services"].values()}
        slices = by_service(self.objects["endpointslices"].values())
        settings = self._settings()
        servers, upstreams, default = render.build(ingresses, services, slices, settings, self.opts.default_backend)
        wanted = {s.certificate for s in servers.values() if s.certificate}
        if self.opts.default_certificate:
            wanted.add(self.opts.default_certificate)
        certificates = self.certificates(wanted)
        return render.nginx_conf(servers, upstreams, default, str(self.run_dir), certificates, settings,
                                 (self.opts.http_port, self.opts.https_port),
                                 certificates.get(self.opts.default_certificate, ""))

    def validate(self, ing: dict) -> str:
        """Why the admission webhook refuses `ing` ("" to allow it): what render refuses, a host and path another
        Ingress defines, or (full test) a merged configuration nginx -t fails."""
        if not self.mine(ing):
            return ""
        why = overlap(ing, self.served()) or render.refusal(ing)
        if why or not self.opts.full_test:
            return why
        meta = ing["metadata"]
        others = [o for o in self.served() if (o["metadata"]["namespace"], o["metadata"]["name"])
                  != (meta.get("namespace"), meta.get("name")) and not render.refusal(o)]
        error = self.nginx.check(self.render(others + [ing]), "nginx.conf.admission")
        return ("\n-------------------------------------------------------------------------------\nError: exit "
                f"status 1\n{error}\n\n-------------------------------------------------------------------------"
                "------\n") if error else ""

    async def reconcile(self, key: None) -> None:
        await asyncio.to_thread(self.nginx.revive)
        ingresses = []
        for ing in self.served():
            why = render.refusal(ing)
            if not why:
                ingresses.append(ing)
            elif self.refused.get(ing["metadata"]["uid"]) != ing["metadata"].get("resourceVersion"):
                self.refused[ing["metadata"]["uid"]] = ing["metadata"].get("resourceVersion")
                self.log.error("ingress %s/%s left out: %s", ing["metadata"]["namespace"], ing["metadata"]["name"],
                               why)
                self.events.record(ing, "Warning", "Rejected", f"Ingress left out of the configuration: {why}")
        started = time.monotonic()
        config = self.render(ingresses)
        rendered = time.monotonic()
        if config != self.nginx.config:
            await asyncio.to_thread(self.nginx.apply, config)
            self.log.info("configuration of %d Ingresses: rendered in %.1f ms, checked and loaded in %.1f ms",
                          len(ingresses), (rendered - started) * 1000, (time.monotonic() - rendered) * 1000)
        self.synced_once = True
        if self.opts.update_status and self.leading:
            await self.publish_status(ingresses, self.addresses())

    def certificates(self, wanted: set[str]) -> dict[str, str]:
        """PEM files (certificate + key) for the TLS Secrets the Ingresses name; absent ones are left out."""
        out = {}
        for secret in self.objects["secrets"].values():
            key = f"{secret['metadata']['namespace']}/{secret['metadata']['name']}"
            pem = tls_pem(secret) if key in wanted else None
            if pem is not None:
                path = self.run_dir / "certs" / f"{key.replace('/', '-')}.pem"
                write_private(path, pem)
                out[key] = str(path)
        return out

    def _controller_pods(self) -> list[dict]:
        """The pods of this controller's Deployment (its own pod's labels but the template hash), itself too."""
        pod = self.objects["pods"].get(self.namespace, self.pod)
        labels = {k: v for k, v in (((pod or {}).get("metadata") or {}).get("labels") or {}).items()
                  if k != "pod-template-hash"}
        return [p for p in self.objects["pods"].values() if labels and all(
            (p["metadata"].get("labels") or {}).get(k) == v for k, v in labels.items())]

    def addresses(self) -> list[dict]:
        """The status.loadBalancer.ingress entries, as ingress-nginx's status sync computes them."""
        if self.opts.publish_status_address:
            return _sorted([_entry(a) for a in self.opts.publish_status_address])
        if self.opts.publish_service:
            ns, name = self.opts.publish_service.split("/", 1)
            return _service_addresses(self.objects["services"].get(ns, name))
        out: list[dict] = []
        for pod in self._controller_pods():
            if (pod.get("status") or {}).get("phase") != "Running" or not is_true(pod, "Ready"):
                continue
            node = self.objects["nodes"].get(None, pod["spec"].get("nodeName", ""))
            address = _node_address(node, self.opts.node_internal_ip) if node else ""
            if address and _entry(address) not in out:
                out.append(_entry(address))
        return _sorted(out)

    async def publish_status(self, ingresses: list[dict], addresses: list[dict]) -> None:
        for ing in ingresses:
            if (ing.get("status", {}).get("loadBalancer", {}).get("ingress") or []) == addresses:
                continue
            meta = ing["metadata"]
            where = f"/apis/networking.k8s.io/v1/namespaces/{meta['namespace']}/ingresses/{meta['name']}"
            try:
                current = await self.client.get(where)  # the Ingress, then an update of its status: what
                if current is None:                      # ingress-nginx's RBAC grants (no get or patch of status)
                    continue
                current["status"] = {"loadBalancer": {"ingress": addresses}}
                await self.client.replace(where + "/status", current)
                self.log.info("updating Ingress status: %s/%s %s", meta["namespace"], meta["name"], addresses)
            except APIError as err:
                self.log.warning("error updating ingress rule %s/%s: %s", meta["namespace"], meta["name"], err)

    async def shutdown(self) -> None:
        """On TERM: with --update-status-on-shutdown, the last replica empties the Ingresses' addresses (its
        status no longer holds); then the Lease is released and nginx quits gracefully."""
        if self.opts.update_status and self.opts.update_status_on_shutdown and self.leading:
            others = [p for p in self._controller_pods() if p["metadata"]["name"] != self.pod]
            if not others and not self.opts.publish_status_address and not self.opts.publish_service:
                await self.publish_status(self.served(), [])
        if self.elector:
            await self.elector.release()
        await asyncio.to_thread(self.nginx.quit)


def _entry(address: str) -> dict:
    """A status.loadBalancer.ingress entry: an IP address, or else a hostname."""
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return {"hostname": address}
    return {"ip": address}


def _sorted(entries: list[dict]) -> list[dict]:
    return sorted(entries, key=lambda e: (e.get("hostname", ""), e.get("ip", "")))


def _node_address(node: dict, internal: bool) -> str:
    """ExternalIP unless --report-node-internal-ip-address, else (or failing that) InternalIP."""
    addresses = {a.get("type"): a.get("address") for a in (node.get("status") or {}).get("addresses") or []}
    if not internal and addresses.get("ExternalIP"):
        return addresses["ExternalIP"]
    return addresses.get("InternalIP") or node["metadata"]["name"]


def _service_addresses(svc: dict | None) -> list[dict]:
    """A --publish-service Service's addresses by its type, as ingress-nginx reads them."""
    if svc is None:
        return []
    spec = svc.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    if kind == "ExternalName":
        return [{"hostname": spec.get("externalName", "")}]
    if kind == "ClusterIP" or (kind == "NodePort" and not spec.get("externalIPs")):
        return [{"ip": spec.get("clusterIP", "")}]
    if kind == "NodePort":
        return [{"ip": ip} for ip in spec["externalIPs"]]
    out = [{"hostname": i["hostname"]} if not i.get("ip") else {"ip": i["ip"]}
           for i in (svc.get("status") or {}).get("loadBalancer", {}).get("ingress") or []]
    return out + [{"ip": ip} for ip in spec.get("externalIPs") or [] if {"ip": ip} not in out]
