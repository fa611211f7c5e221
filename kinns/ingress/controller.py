"""The controller's reconcile loop: watch Ingresses, IngressClasses, Services and EndpointSlices; render;
check with `nginx -t`; reload nginx (a graceful reload: in-flight requests finish on the old workers); write
each served Ingress's status.loadBalancer.ingress from the controller Service's address, as
`--publish-service` does.
"""

import asyncio
import time
from pathlib import Path

from ..client import APIError, Client, Reconciler
from ..client.events import EventRecorder
from . import render
from .backends import by_service
from ..kernel.files import write_private
from .nginx import Nginx, default_certificate, tls_pem

DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
PATHS = {"ingresses": "/apis/networking.k8s.io/v1/ingresses",
         "ingressclasses": "/apis/networking.k8s.io/v1/ingressclasses",
         "services": "/api/v1/services", "endpointslices": "/apis/discovery.k8s.io/v1/endpointslices",
         "secrets": "/api/v1/secrets"}


class Controller(Reconciler):
    name = log_name = "ingress-nginx"
    coalesce = 0.1  # bursts of changes become one reload
    resync = 2.0  # a dead nginx is noticed and started again within seconds

    def __init__(self, client: Client, ingress_class: str, controller_name: str, publish: str, run: Path) -> None:
        super().__init__(client)
        self.ingress_class, self.controller_name = ingress_class, controller_name
        self.publish = publish  # namespace/name of the Service whose address the Ingresses show
        self.run_dir = run
        self.objects = {kind: self.watch(path) for kind, path in PATHS.items()}
        self.nginx = Nginx(run)
        self.events = EventRecorder(client, "nginx-ingress-controller")
        self.refused: dict[str, str] = {}  # uid -> the resourceVersion refused (one Event per version)

    async def run(self) -> None:
        default_certificate(self.run_dir / "default-certificate.pem", "Acme Co",
                            "Kubernetes Ingress Controller Fake Certificate")  # ingress-nginx's own
        await super().run()

    def mine(self, ing: dict) -> bool:
        """Is this Ingress for this controller: its class, or none while our class is the default."""
        wanted = ing.get("spec", {}).get("ingressClassName") or \
            (ing["metadata"].get("annotations") or {}).get("kubernetes.io/ingress.class")
        classes = {c["metadata"]["name"]: c for c in self.objects["ingressclasses"].values()}
        ours = classes.get(self.ingress_class)
        if ours is None or ours.get("spec", {}).get("controller") != self.controller_name:
            return False
        if wanted:
            return wanted == self.ingress_class
        return (ours["metadata"].get("annotations") or {}).get(DEFAULT_CLASS) == "true"

    async def reconcile(self, key: None) -> None:
        await asyncio.to_thread(self.nginx.revive)
        ingresses = []
        for ing in self.objects["ingresses"].values():
            if not self.mine(ing):
                continue
            why = render.refusal(ing)
            if not why:
                ingresses.append(ing)
            elif self.refused.get(ing["metadata"]["uid"]) != ing["metadata"].get("resourceVersion"):
                self.refused[ing["metadata"]["uid"]] = ing["metadata"].get("resourceVersion")
                self.log.error("ingress %s/%s left out: %s", ing["metadata"]["namespace"], ing["metadata"]["name"],
                               why)
                self.events.record(ing, "Warning", "Rejected", f"Ingress left out of the configuration: {why}")
        services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s for s in self.objects["services"].values()}
        slices = by_service(self.objects["endpointslices"].values())
        started = time.monotonic()
        servers, upstreams, default = render.build(ingresses, services, slices)
        certificates = self.certificates({s.certificate for s in servers.values() if s.certificate})
        config = render.nginx_conf(servers, upstreams, default, str(self.run_dir), certificates)
        rendered = time.monotonic()
        if config != self.nginx.config:
            await asyncio.to_thread(self.nginx.apply, config)
            self.log.info("configuration of %d hosts and %d upstreams: rendered in %.1f ms, checked and loaded in "
                          "%.1f ms", len(servers), len(upstreams), (rendered - started) * 1000,
                          (time.monotonic() - rendered) * 1000)
        await self.publish_status(ingresses)

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

    async def publish_status(self, ingresses: list[dict]) -> None:
        namespace, name = self.publish.split("/", 1)
        svc = self.objects["services"].get(namespace, name)
        addresses = [{"ip": i["ip"]} for i in (svc or {}).get("status", {}).get("loadBalancer", {}).get("ingress")
                     or [] if i.get("ip")]
        for ing in ingresses:
            if (ing.get("status", {}).get("loadBalancer", {}).get("ingress") or []) == addresses:
                continue
            meta = ing["metadata"]
            try:
                path = f"/apis/networking.k8s.io/v1/namespaces/{meta['namespace']}/ingresses/{meta['name']}/status"
                await self.client.patch(path, {"status": {"loadBalancer": {"ingress": addresses}}})
            except APIError as err:
                self.log.warning("status of %s/%s: %s", meta["namespace"], meta["name"], err)

