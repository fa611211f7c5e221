"""The API client the node components share: HTTPS, JSON, watches as streams.

A client authenticates with a certificate (the kubelet's node credentials)
or a bearer token read from a file at every request (a pod's projected
service-account token, which the kubelet rotates), and can be built from a
kubeconfig as kube-proxy's `clientConnection.kubeconfig` names one.
`reflect` is the list-then-watch loop of client-go's reflector: it relists
after any break, so a consumer always converges on the API's state.
"""

import asyncio
import base64
import json
import logging
import os
import ssl
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import yaml

log = logging.getLogger("kinns.client")


class APIError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        super().__init__(body.get("message", str(status)))
        self.status, self.body = status, body


class Mirror:
    """The objects of one kind as a reflector last saw them (by uid), calling `changed` after every change:
    what kube-proxy, the DNS server and the Ingress controller each keep of the API."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self.objects: dict[str, dict] = {}
        self.synced = False  # listed at least once
        self.changed = changed

    def listed(self, items: list[dict]) -> None:
        self.objects = {o["metadata"]["uid"]: o for o in items}
        self.synced = True
        self.changed()

    def event(self, kind: str, obj: dict) -> None:
        if kind == "DELETED":
            self.objects.pop(obj["metadata"]["uid"], None)
        else:
            self.objects[obj["metadata"]["uid"]] = obj
        self.changed()

    def values(self) -> list[dict]:
        return list(self.objects.values())

    def items(self) -> list[tuple[str, dict]]:
        return list(self.objects.items())


class Client:
    def __init__(self, server: str, ca: Path, cert: Path | None = None, key: Path | None = None,
                 agent: str = "kinns", token_file: Path | None = None) -> None:
        ctx = ssl.create_default_context(cafile=str(ca))
        if cert is not None:
            ctx.load_cert_chain(str(cert), str(key))
        self.server = server.rstrip("/")
        self.token_file = token_file
        # a request that cannot connect fails in seconds (and is retried by the caller), never hangs
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx),
                                             timeout=aiohttp.ClientTimeout(total=60, sock_connect=3),
                                             headers={"User-Agent": f"{agent}/v1.32.0 (linux/amd64) kinns"})

    @classmethod
    def from_kubeconfig(cls, path: Path, agent: str) -> "Client":
        """The current context's server and credentials: files or inline `*-data`, or a tokenFile."""
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
            return cls(cluster["server"], file(cluster, "certificate-authority"), cert,
                       file(user, "client-key") if cert else None, agent,
                       Path(user["tokenFile"]) if user.get("tokenFile") else None)

    @classmethod
    def in_cluster(cls, agent: str) -> "Client":
        """A pod's own credentials, as client-go's in-cluster config reads them."""
        host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        if not host:
            raise RuntimeError("not in a cluster: KUBERNETES_SERVICE_HOST is not set")
        account = Path("/var/run/secrets/kubernetes.io/serviceaccount")
        return cls(f"https://{host}:{port}", account / "ca.crt", agent=agent, token_file=account / "token")

    def _headers(self, content_type: str | None = None) -> dict:
        headers = {"Content-Type": content_type} if content_type else {}
        if self.token_file is not None:
            headers["Authorization"] = "Bearer " + self.token_file.read_text().strip()
        return headers

    async def close(self) -> None:
        await self.session.close()

    async def request(self, method: str, path: str, body: dict | None = None, query: dict | None = None,
                      content_type: str = "application/json") -> dict:
        url = self.server + path + ("?" + urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        async with self.session.request(method, url, data=data, headers=self._headers(content_type)) as resp:
            payload = await resp.json(content_type=None)
            if resp.status >= 300:
                raise APIError(resp.status, payload or {})
            return payload

    async def get(self, path: str, query: dict | None = None) -> dict | None:
        try:
            return await self.request("GET", path, query=query)
        except APIError as err:
            if err.status == 404:
                return None
            raise

    async def watch(self, path: str, query: dict) -> AsyncIterator[dict]:
        url = self.server + path + "?" + urlencode({**query, "watch": "1", "allowWatchBookmarks": "true"})
        async with self.session.get(url, headers=self._headers(),
                                    timeout=aiohttp.ClientTimeout(total=None, sock_read=None)) as resp:
            if resp.status >= 300:
                raise APIError(resp.status, await resp.json(content_type=None))
            async for line in resp.content:
                if line.strip():
                    yield json.loads(line)

    async def mirror(self, path: str, into: Mirror, query: dict | None = None) -> None:
        """Keep `into` equal to what the API holds at `path` (label or field selected by `query`). Runs
        forever."""
        await self.reflect(path, into.listed, into.event, query)

    async def reflect(self, path: str, on_list: Callable[[list[dict]], Awaitable[None] | None],
                      on_event: Callable[[str, dict], Awaitable[None] | None], query: dict | None = None) -> None:
        """List `path`, hand over the items, then every watch event; relist after any failure. Runs forever."""
        query = query or {}
        while True:
            try:
                listing = await self.request("GET", path, query=query)
                if asyncio.iscoroutine(result := on_list(listing["items"])):
                    await result
                watch = {**query, "resourceVersion": listing["metadata"]["resourceVersion"]}
                async for event in self.watch(path, watch):
                    if event["type"] == "BOOKMARK":
                        continue
                    if event["type"] == "ERROR":
                        break
                    if asyncio.iscoroutine(result := on_event(event["type"], event["object"])):
                        await result
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 (relist and go on, as a reflector does)
                log.exception("list/watch of %s failed; relisting", path)
                await asyncio.sleep(1)
