"""The kubelet's API client: HTTPS with the node's client certificate, JSON, watches as streams."""

import json
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp


class APIError(Exception):
    def __init__(self, status: int, body: dict) -> None:
        super().__init__(body.get("message", str(status)))
        self.status, self.body = status, body


class Client:
    def __init__(self, server: str, ca: Path, cert: Path, key: Path, agent: str) -> None:
        ctx = ssl.create_default_context(cafile=str(ca))
        ctx.load_cert_chain(str(cert), str(key))
        self.server = server.rstrip("/")
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=ctx),
                                             headers={"User-Agent": f"{agent}/v1.32.0 (linux/amd64) kinns"})

    async def close(self) -> None:
        await self.session.close()

    async def request(self, method: str, path: str, body: dict | None = None, query: dict | None = None,
                      content_type: str = "application/json") -> dict:
        url = self.server + path + ("?" + urlencode(query) if query else "")
        data = json.dumps(body).encode() if body is not None else None
        async with self.session.request(method, url, data=data, headers={"Content-Type": content_type}) as resp:
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
        async with self.session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=None)) as resp:
            if resp.status >= 300:
                raise APIError(resp.status, await resp.json(content_type=None))
            async for line in resp.content:
                if line.strip():
                    yield json.loads(line)
