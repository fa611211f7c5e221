"""The controller's reconcile loop: watch Ingresses, IngressClasses, Services and EndpointSlices; render;
check with `nginx -t`; reload nginx (a graceful reload: in-flight requests finish on the old workers); write
each served Ingress's status.loadBalancer.ingress from the controller Service's address, as
`--publish-service` does.
"""

import asyncio
import logging
import time
from pathlib import Path

from ..client import APIError, Client, Mirror
from . import render
from .backends import by_service
from .nginx import Nginx, default_certificate, tls_pem, write_private

log = logging.getLogger("ingress-nginx")
DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"


class Controller:
    def __init__(self, client: Client, ingress_class: str, controller_name: str, publish: str, run: Path) -> None:
        self.client, self.ingress_class, self.controller_name = client, ingress_class, controller_name
        self.publish = publish  # namespace/name of the Service whose address the Ingresses show
        self.run = run
        self.dirty = asyncio.Event()
        self.objects = {kind: Mirror(self.dirty.set)
                        for kind in ("ingresses", "ingressclasses", "services", "endpointslices", "secrets")}
        self.nginx = Nginx(run)

    async def run_forever(self) -> None:
        paths = {"ingresses": "/apis/networking.k8s.io/v1/ingresses",
                 "ingressclasses": "/apis/networking.k8s.io/v1/ingressclasses",
                 "services": "/api/v1/services", "endpointslices": "/apis/discovery.k8s.io/v1/endpointslices",
                 "secrets": "/api/v1/secrets"}
        default_certificate(self.run / "default-certificate.pem", "Acme Co",
                            "Kubernetes Ingress Controller Fake Certificate")  # ingress-nginx's own
        await asyncio.gather(*(self.client.mirror(path, self.objects[kind]) for kind, path in paths.items()),
                             self.loop())

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

    async def loop(self) -> None:
        while True:
            await self.dirty.wait()
            if not all(m.synced for m in self.objects.values()):
                await asyncio.sleep(0.05)
                continue
            self.dirty.clear()
            ingresses = [i for i in self.objects["ingresses"].values() if self.mine(i)]
            services = {(s["metadata"]["namespace"], s["metadata"]["name"]): s
                        for s in self.objects["services"].values()}
            slices = by_service(self.objects["endpointslices"].values())
            started = time.monotonic()
            servers, upstreams, default = render.build(ingresses, services, slices)
            certificates = self.certificates({s.certificate for s in servers.values() if s.certificate})
            config = render.nginx_conf(servers, upstreams, default, str(self.run), certificates)
            rendered = time.monotonic()
            if config != self.nginx.config:
                await asyncio.to_thread(self.nginx.apply, config)
                log.info("configuration of %d hosts and %d upstreams: rendered in %.1f ms, checked and loaded in "
                         "%.1f ms", len(servers), len(upstreams), (rendered - started) * 1000,
                         (time.monotonic() - rendered) * 1000)
            await self.publish_status(ingresses)
            await asyncio.sleep(0.1)  # coalesce bursts of changes into one reload

    def certificates(self, wanted: set[str]) -> dict[str, str]:
        """PEM files (certificate + key) for the TLS Secrets the Ingresses name; absent ones are left out."""
        out = {}
        for secret in self.objects["secrets"].values():
            key = f"{secret['metadata']['namespace']}/{secret['metadata']['name']}"
            pem = tls_pem(secret) if key in wanted else None
            if pem is not None:
                path = self.run / "certs" / f"{key.replace('/', '-')}.pem"
                write_private(path, pem)
                out[key] = str(path)
        return out

    async def publish_status(self, ingresses: list[dict]) -> None:
        namespace, name = self.publish.split("/", 1)
        svc = next((s for s in self.objects["services"].values()
                    if s["metadata"]["namespace"] == namespace and s["metadata"]["name"] == name), None)
        addresses = [{"ip": i["ip"]} for i in (svc or {}).get("status", {}).get("loadBalancer", {}).get("ingress")
                     or [] if i.get("ip")]
        for ing in ingresses:
            if (ing.get("status", {}).get("loadBalancer", {}).get("ingress") or []) == addresses:
                continue
            meta = ing["metadata"]
            try:
                path = f"/apis/networking.k8s.io/v1/namespaces/{meta['namespace']}/ingresses/{meta['name']}/status"
                await self.client.request("PATCH", path, {"status": {"loadBalancer": {"ingress": addresses}}},
                                          content_type="application/merge-patch+json")
            except APIError as err:
                log.warning("status of %s/%s: %s", meta["namespace"], meta["name"], err)

