"""The controller's reconcile loop: watch Ingresses, IngressClasses, Services and EndpointSlices; render;
check with `nginx -t`; reload nginx (a graceful reload: in-flight requests finish on the old workers); write
each served Ingress's status.loadBalancer.ingress from the controller Service's address, as
`--publish-service` does.
"""

import asyncio
import base64
import datetime
import logging
import os
import signal
import subprocess
import time
from pathlib import Path

from ..client import APIError, Client, Mirror
from . import render

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
        self.nginx: subprocess.Popen | None = None
        self.config = ""

    async def run_forever(self) -> None:
        paths = {"ingresses": "/apis/networking.k8s.io/v1/ingresses",
                 "ingressclasses": "/apis/networking.k8s.io/v1/ingressclasses",
                 "services": "/api/v1/services", "endpointslices": "/apis/discovery.k8s.io/v1/endpointslices",
                 "secrets": "/api/v1/secrets"}
        default_certificate(self.run / "default-certificate.pem")
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
            slices: dict = {}
            for s in self.objects["endpointslices"].values():
                owner = (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
                if owner:
                    slices.setdefault((s["metadata"]["namespace"], owner), []).append(s)
            started = time.monotonic()
            servers, upstreams, default = render.build(ingresses, services, slices)
            certificates = self.certificates({s.certificate for s in servers.values() if s.certificate})
            config = render.nginx_conf(servers, upstreams, default, str(self.run), certificates)
            rendered = time.monotonic()
            if config != self.config:
                await asyncio.to_thread(self.apply, config)
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
            data = secret.get("data") or {}
            if key in wanted and data.get("tls.crt") and data.get("tls.key"):
                pem = self.run / "certs" / f"{key.replace('/', '-')}.pem"
                pem.parent.mkdir(parents=True, exist_ok=True)
                content = base64.b64decode(data["tls.crt"]) + b"\n" + base64.b64decode(data["tls.key"])
                if not pem.exists() or pem.read_bytes() != content:
                    pem.write_bytes(content)
                    pem.chmod(0o600)
                out[key] = str(pem)
        return out

    def apply(self, config: str) -> None:
        candidate = self.run / "nginx.conf.new"
        candidate.write_text(config)
        check = subprocess.run(["nginx", "-t", "-q", "-c", str(candidate)], capture_output=True, text=True)
        if check.returncode:
            log.error("the rendered configuration does not pass nginx -t; keeping the running one:\n%s",
                      check.stderr.strip())
            return
        candidate.replace(self.run / "nginx.conf")
        self.config = config
        if self.nginx is None or self.nginx.poll() is not None:
            self.nginx = subprocess.Popen(["nginx", "-c", str(self.run / "nginx.conf"), "-g", "daemon off;"])
            log.info("nginx started (pid %d)", self.nginx.pid)
        else:
            os.kill(self.nginx.pid, signal.SIGHUP)  # graceful: new workers take new connections
            log.info("backend reloaded")

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


def default_certificate(path: Path) -> None:
    """ingress-nginx's self-signed "Kubernetes Ingress Controller Fake Certificate", for hosts without one."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    if path.exists():
        return
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme Co"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Kubernetes Ingress Controller Fake Certificate")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("ingress.local")]), critical=False)
            .sign(key, hashes.SHA256()))
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    path.chmod(0o600)
