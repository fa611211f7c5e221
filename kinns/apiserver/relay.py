"""pods/log, pods/exec and pods/portforward: the API server's connection to the kubelet of the pod's node.

The API server authenticates to the kubelet (https://<node InternalIP>:10250)
with its apiserver-kubelet-client certificate, as kube-apiserver does, and
relays: a log as a stream, exec and port-forward frame by frame between the
client's WebSocket and one to the kubelet.
"""

import asyncio
import json
import ssl
from pathlib import Path

import aiohttp
from aiohttp import web

from ..apimachinery.errors import APIError, bad_request, invalid
from ..apimachinery.meta import rfc3339_ns
from ..apimachinery.params import parse_bool
from .validation import field

LOG_QUERY = ("follow", "previous", "timestamps", "tailLines", "limitBytes", "sinceSeconds", "sinceTime")
NUMBERS = {"tailLines": (0, "must be greater than or equal to 0"), "limitBytes": (1, "must be greater than 0"),
           "sinceSeconds": (1, "must be greater than 0")}


def log_query(query, name: str) -> dict[str, str]:
    """The PodLogOptions of a pods/log request, checked as kube-apiserver decodes and validates them, as the
    query for the kubelet."""
    out: dict[str, str] = {}
    causes = []
    for key in LOG_QUERY:
        value = query.get(key)
        if value is None:
            continue
        if key in NUMBERS:
            try:
                number = int(value)
            except ValueError:
                raise bad_request(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None
            if number < NUMBERS[key][0]:
                causes.append(field.invalid(key, number, NUMBERS[key][1]))
        elif key == "sinceTime":
            try:
                rfc3339_ns(value)
            except ValueError:
                raise bad_request(f'parsing time "{value}" as "2006-01-02T15:04:05Z07:00": cannot parse "{value}" '
                                  'as "2006"') from None
        else:
            try:
                value = "true" if parse_bool(value) else "false"
            except ValueError as err:
                raise bad_request(str(err)) from None
        out[key] = value
    if "sinceSeconds" in out and "sinceTime" in out:
        causes.append(("", "FieldValueForbidden", "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be "
                                                  "specified"))
    if causes:
        raise invalid("PodLogOptions", "", name, causes)
    return out


class KubeletRelay:
    def __init__(self, pki: Path) -> None:
        self.pki = pki

    def tls(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        ctx.load_cert_chain(str(self.pki / "apiserver-kubelet-client.crt"),
                            str(self.pki / "apiserver-kubelet-client.key"))
        return ctx

    async def logs(self, request: web.Request, url: str, query: dict[str, str]) -> web.StreamResponse:
        """The container's output, streamed from the kubelet; `query`: what log_query made of the request's."""
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self.tls())) as session:
            try:
                async with session.get(url, params=query, timeout=aiohttp.ClientTimeout(total=None)) as upstream:
                    if upstream.status != 200:
                        raise bad_request((await upstream.text()).strip())
                    await response.prepare(request)
                    async for chunk in upstream.content.iter_any():
                        await response.write(chunk)
            except aiohttp.ClientError as err:
                raise APIError(500, "InternalError", f"Get \"{url}\": {err}") from None
        return response

    async def stream(self, request: web.Request, url: str, protocols: tuple[str, ...]) -> web.StreamResponse:
        """A WebSocket from the client, joined message by message to one to the kubelet."""
        if request.headers.get("Upgrade", "").lower() != "websocket":
            raise bad_request("Upgrade request required")
        client = web.WebSocketResponse(protocols=protocols, max_msg_size=0)
        await client.prepare(request)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self.tls())) as session:
            try:
                upstream = await session.ws_connect(url, params=list(request.query.items()), max_msg_size=0,
                                                    protocols=[client.ws_protocol or protocols[-1]])
            except aiohttp.ClientError as err:
                if protocols[0].endswith("channel.k8s.io"):
                    await client.send_bytes(b"\x03" + json.dumps({"metadata": {}, "status": "Failure",
                                                                   "message": str(err)}).encode())
                await client.close()
                return client

            async def relay(source, sink) -> None:
                async for msg in source:
                    if msg.type == aiohttp.WSMsgType.BINARY:
                        await sink.send_bytes(msg.data)
                    elif msg.type == aiohttp.WSMsgType.TEXT:
                        await sink.send_str(msg.data)
                    else:
                        break

            down = asyncio.create_task(relay(upstream, client))
            up = asyncio.create_task(relay(client, upstream))
            await asyncio.wait([down, up], return_when=asyncio.FIRST_COMPLETED)
            if not down.done():  # the client went first: end the kubelet's side, let what it still sends drain
                await upstream.close()
                await asyncio.wait([down], timeout=5)
            up.cancel()
            down.cancel()
            await upstream.close()
        await client.close()
        return client
