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

from ..apimachinery.errors import APIError, bad_request
from ..apimachinery.params import parse_bool

LOG_QUERY = ("follow", "tailLines", "previous", "limitBytes")
UNTIMED = ("sinceSeconds", "sinceTime")


class KubeletRelay:
    def __init__(self, pki: Path) -> None:
        self.pki = pki

    def tls(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.pki / "ca.crt"))
        ctx.load_cert_chain(str(self.pki / "apiserver-kubelet-client.crt"),
                            str(self.pki / "apiserver-kubelet-client.key"))
        return ctx

    async def logs(self, request: web.Request, url: str) -> web.StreamResponse:
        """The container's output, streamed from the kubelet."""
        asked = [k for k in UNTIMED if request.query.get(k)]
        try:
            if parse_bool(request.query.get("timestamps")):
                asked.append("timestamps")
        except ValueError as err:
            raise bad_request(str(err)) from None
        if asked:  # refused, not ignored: kinns's container logs carry no per-line times
            raise bad_request(f"kinns keeps container logs without the time of each line, so {', '.join(asked)} "
                              "cannot be served")
        query = {k: v for k, v in request.query.items() if k in LOG_QUERY}
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
