"""The API client every component shares: JSON over a Transport, watches as streams of events.

A client authenticates with a certificate (the kubelet's node credentials)
or a bearer token read from a file at every request (a pod's projected
service-account token, which the kubelet rotates), and can be built from a
kubeconfig as kube-proxy's `clientConnection.kubeconfig` names one. Every
object a write gives back is also handed to the client's write listeners, so
the mirrors of the same client see their own writes at once (see mirror.py).
"""

import base64
import json
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import yaml

from ..apimachinery.errors import APIError
from .transport import HTTPTransport, Request, Transport

PATCH_TYPES = {"merge": "application/merge-patch+json", "json": "application/json-patch+json",
               "strategic": "application/strategic-merge-patch+json", "apply": "application/apply-patch+yaml"}


class Client:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.write_listeners: list[Callable[[str, dict], None]] = []  # (verb, object written)

    @classmethod
    def https(cls, server: str, ca: Path, cert: Path | None = None, key: Path | None = None, agent: str = "kinns",
              token_file: Path | None = None) -> "Client":
        return cls(HTTPTransport(server, ca, cert, key, agent, token_file))

    @classmethod
    def from_kubeconfig(cls, path: Path, agent: str, server: str | None = None) -> "Client":
        """The current context's server (unless `server` overrides it) and credentials: files or inline `*-data`,
        or a tokenFile."""
        config = yaml.safe_load(path.read_text())
        current = config.get("current-context") or config["contexts"][0]["name"]
        context = next(c["context"] for c in config["contexts"] if c["name"] == current)
        cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in config["users"] if u["name"] == context["user"])
        with tempfile.TemporaryDirectory(prefix="kinns-client-") as scratch:  # inline data, read once below

            def file(section: dict, key: str) -> Path | None:
                if section.get(f"{key}-data"):
                    out = Path(scratch) / key
                    out.write_bytes(base64.b64decode(section[f"{key}-data"]))
                    return out
                return Path(section[key]) if section.get(key) else None

            cert = file(user, "client-certificate")
            return cls.https(server or cluster["server"], file(cluster, "certificate-authority"), cert,
                             file(user, "client-key") if cert else None, agent,
                             Path(user["tokenFile"]) if user.get("tokenFile") else None)

    @classmethod
    def in_cluster(cls, agent: str, server: str | None = None) -> "Client":
        """A pod's own credentials, as client-go's in-cluster config reads them (and its server, unless
        `server` names another)."""
        host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        if not host and not server:
            raise RuntimeError("not in a cluster: KUBERNETES_SERVICE_HOST is not set")
        account = Path("/var/run/secrets/kubernetes.io/serviceaccount")
        return cls.https(server or f"https://{host}:{port}", account / "ca.crt", agent=agent,
                         token_file=account / "token")

    async def close(self) -> None:
        await self.transport.close()

    # verbs

    async def request(self, method: str, path: str, body: dict | list | None = None, query: dict | None = None,
                      content_type: str = "application/json") -> dict:
        """One request; a Status that is not a success is raised as an APIError."""
        data = json.dumps(body).encode() if body is not None else None
        response = await self.transport.send(Request(method, path, query or {}, data, content_type))
        try:
            payload = json.loads(response.body) if response.body.strip() else {}
        except ValueError:
            payload = {"message": response.body.decode(errors="replace").strip()}
        if response.status >= 300:
            raise APIError.from_status(response.status, payload)
        if method != "GET" and isinstance(payload, dict) and payload.get("metadata", {}).get("uid"):
            for listener in self.write_listeners:
                listener(method, payload)
        return payload

    async def get(self, path: str, query: dict | None = None) -> dict | None:
        """The object at `path`, or None when there is none."""
        try:
            return await self.request("GET", path, query=query)
        except APIError as err:
            if err.code == 404:
                return None
            raise

    async def create(self, path: str, body: dict) -> dict:
        return await self.request("POST", path, body)

    async def replace(self, path: str, body: dict) -> dict:
        return await self.request("PUT", path, body)

    async def patch(self, path: str, body: dict | list, kind: str = "merge") -> dict:
        return await self.request("PATCH", path, body, content_type=PATCH_TYPES[kind])

    async def delete(self, path: str, options: dict | None = None, missing_ok: bool = True) -> dict | None:
        """Delete the object; one that is already gone is None unless `missing_ok` is False."""
        body = {"kind": "DeleteOptions", "apiVersion": "v1", **options} if options else None
        try:
            return await self.request("DELETE", path, body)
        except APIError as err:
            if err.code == 404 and missing_ok:
                return None
            raise

    async def watch(self, path: str, query: dict) -> AsyncIterator[dict]:
        """The events of a watch from `query`'s resourceVersion, until the server ends it."""
        full = {**query, "watch": "true", "allowWatchBookmarks": "true"}
        response = await self.transport.send(Request("GET", path, full, stream=True))
        if response.status >= 300:
            raise APIError.from_status(response.status, json.loads(response.body or b"{}"))
        try:
            async for line in response.lines:
                if line.strip():
                    yield json.loads(line)
        finally:
            await response.close()


def path(api_version: str, plural: str, namespace: str | None = None, name: str = "", sub: str = "") -> str:
    """The REST path of a collection or an object: /api/v1/namespaces/NS/pods/NAME/status, /apis/apps/v1/...."""
    out = ("/api/" if "/" not in api_version else "/apis/") + api_version
    if namespace:
        out += f"/namespaces/{namespace}"
    out += f"/{plural}"
    if name:
        out += f"/{name}"
    if sub:
        out += f"/{sub}"
    return out
