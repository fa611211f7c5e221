"""How a Client's requests reach an API server: over HTTPS, or to a function in a unit test.

A Transport takes a Request and gives back a Response; a watch's Response
carries its body as a stream of lines instead of bytes. HTTPTransport is
the real one (aiohttp, TLS with the cluster CA, a client certificate or a
bearer token read at every request). MockTransport hands every request to a
function, as httpx's MockTransport does, so controllers and node agents are
tested without a server.
"""

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

import aiohttp

from ..apimachinery.version import KUBERNETES


@dataclass
class Request:
    method: str
    path: str
    query: dict = field(default_factory=dict)
    body: bytes | None = None
    content_type: str = "application/json"
    stream: bool = False  # a watch: the answer is read line by line

    @property
    def target(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")


@dataclass
class Response:
    status: int
    body: bytes = b""
    lines: AsyncIterator[bytes] | None = None  # a streamed answer (a watch), when the request asked for one
    release: Callable[[], Awaitable[None]] | None = None

    async def close(self) -> None:
        if self.release is not None:
            await self.release()


class Transport(Protocol):
    async def send(self, request: Request) -> Response: ...

    async def close(self) -> None: ...


class HTTPTransport:
    """HTTPS with the cluster CA (`ca`), or plain HTTP on a Unix socket (`unix_socket`: the control plane's
    own controllers, next to the API server); the identity is a client certificate, a token file read at every
    request, or a fixed token."""

    def __init__(self, server: str, ca: Path | None = None, cert: Path | None = None, key: Path | None = None,
                 agent: str = "kinns", token_file: Path | None = None, token: str | None = None,
                 unix_socket: str | None = None) -> None:
        self.ctx: ssl.SSLContext | None = None
        if ca is not None:
            self.ctx = ssl.create_default_context(cafile=str(ca))
            if cert is not None:
                self.ctx.load_cert_chain(str(cert), str(key))
        self.server = server.rstrip("/")
        self.token_file, self.token, self.unix_socket, self.agent = token_file, token, unix_socket, agent
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """Made on first use, inside the event loop that uses it."""
        if self._session is None:
            connector = aiohttp.UnixConnector(self.unix_socket) if self.unix_socket else \
                aiohttp.TCPConnector(ssl=self.ctx)
            # a request that cannot connect fails in seconds (and is retried by the caller), never hangs
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=60, sock_connect=3),
                headers={"User-Agent": f"{self.agent}/{KUBERNETES} (linux/amd64) kinns"})
        return self._session

    def _headers(self, request: Request) -> dict:
        headers = {"Content-Type": request.content_type} if request.body is not None else {}
        if self.token_file is not None:  # read each time: the kubelet rotates a pod's token in place
            headers["Authorization"] = "Bearer " + self.token_file.read_text().strip()
        elif self.token is not None:
            headers["Authorization"] = "Bearer " + self.token
        return headers

    async def send(self, request: Request) -> Response:
        extra = {"timeout": aiohttp.ClientTimeout(total=None, sock_read=None, sock_connect=3)} if request.stream else {}
        try:
            resp = await self.session.request(request.method, self.server + request.target, data=request.body,
                                              headers=self._headers(request), **extra)
        except asyncio.TimeoutError as err:
            raise ConnectionError(f"{request.method} {request.path}: timed out") from err
        except aiohttp.ClientError as err:
            raise ConnectionError(f"{request.method} {request.path}: {err}") from err
        if not request.stream or resp.status >= 300:
            async with resp:
                return Response(resp.status, await resp.read())

        async def lines() -> AsyncIterator[bytes]:
            try:
                async for line in resp.content:
                    yield line
            except (aiohttp.ClientError, asyncio.TimeoutError) as err:
                raise ConnectionError(f"watch {request.path}: {err}") from err

        async def release() -> None:
            resp.release()

        return Response(resp.status, lines=lines(), release=release)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


Handler = Callable[[Request], "Response | Awaitable[Response]"]


class MockTransport:
    """Every request goes to `handler`, which answers it (a Response, or a coroutine giving one)."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def send(self, request: Request) -> Response:
        answer = self.handler(request)
        if asyncio.iscoroutine(answer):
            answer = await answer
        return answer

    async def close(self) -> None:
        pass
