"""Port-forward on the kubelet: kubectl's SPDY/3.1 streams tunnelled in a WebSocket, and the plain WebSocket
channel protocol of client libraries (`channels`).

kubectl opens a WebSocket with the subprotocol
`SPDY/3.1+portforward.k8s.io` and speaks SPDY/3.1 inside it: for every
connection it forwards, it opens two streams with the same `requestID`
header, an error stream and a data stream naming the `port`. The kubelet
answers each SYN_STREAM with a SYN_REPLY, connects to that port on the
pod's loopback (inside the pod's netns, as the real kubelet does) and copies
bytes between the TCP connection and the data stream's DATA frames; a
failure is written on the error stream. SPDY header blocks are zlib streams
primed with the dictionary the SPDY/3 specification defines.
"""

import asyncio
import socket
import struct
import zlib

from aiohttp import WSMsgType, web

from ...kernel import netns
from .streams import frame

PROTOCOL = "SPDY/3.1+portforward.k8s.io"
PROTOCOLS = (PROTOCOL, "v4.channel.k8s.io", "portforward.k8s.io")
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FIN = 0x01

# The SPDY/3 header-compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): length-prefixed words,
# then a run of common values.
_WORDS = ("options head post put delete trace accept accept-charset accept-encoding accept-language "
          "accept-ranges age allow authorization cache-control connection content-base content-encoding "
          "content-language content-length content-location content-md5 content-range content-type date etag "
          "expect expires from host if-match if-modified-since if-none-match if-range if-unmodified-since "
          "last-modified location max-forwards pragma proxy-authenticate proxy-authorization range referer "
          "retry-after server te trailer transfer-encoding upgrade user-agent vary via warning www-authenticate "
          "method get status").split() + ["200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie",
                                          "keep-alive", "origin"]
_VALUES = ("100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
           "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
           "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
           "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
           "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
           "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.")
DICTIONARY = b"".join(struct.pack("!I", len(w)) + w.encode() for w in _WORDS) + _VALUES.encode()


def _control(kind: int, flags: int, payload: bytes) -> bytes:
    return struct.pack("!HHI", 0x8003, kind, (flags << 24) | len(payload)) + payload


def _data(stream: int, flags: int, payload: bytes) -> bytes:
    return struct.pack("!II", stream & 0x7FFFFFFF, (flags << 24) | len(payload)) + payload


def _decode_headers(block: bytes) -> dict[str, str]:
    count = struct.unpack_from("!I", block)[0]
    offset, out = 4, {}
    for _ in range(count):
        (size,) = struct.unpack_from("!I", block, offset)
        name = block[offset + 4:offset + 4 + size].decode().lower()
        offset += 4 + size
        (size,) = struct.unpack_from("!I", block, offset)
        out[name] = block[offset + 4:offset + 4 + size].decode()
        offset += 4 + size
    return out


def _encode_headers(headers: dict[str, str]) -> bytes:
    out = struct.pack("!I", len(headers))
    for name, value in headers.items():
        out += struct.pack("!I", len(name)) + name.encode() + struct.pack("!I", len(value)) + value.encode()
    return out


def connect_in_netns(netns_path: str, port: int) -> socket.socket:
    """A TCP connection to 127.0.0.1:port inside the pod's netns (this thread goes there and comes back)."""
    with netns.entered(netns_path):
        return socket.create_connection(("127.0.0.1", port), timeout=5)


class Session:
    """One SPDY session over a WebSocket: the client's streams, paired into forwarded connections."""

    def __init__(self, ws: web.WebSocketResponse, netns_path: str, pod: str) -> None:
        self.ws, self.netns_path, self.pod = ws, netns_path, pod
        self.inflate = zlib.decompressobj(zdict=DICTIONARY)
        self.deflate = zlib.compressobj(zdict=DICTIONARY)
        self.send_lock = asyncio.Lock()
        self.buffer = b""
        self.error_streams: dict[str, int] = {}
        self.writers: dict[int, asyncio.StreamWriter] = {}
        self.early: dict[int, list[bytes | None]] = {}  # what came for a stream while it was connecting (None: FIN)
        self.tasks: set[asyncio.Task] = set()

    async def send(self, frame: bytes) -> None:
        async with self.send_lock:
            if not self.ws.closed:
                await self.ws.send_bytes(frame)

    async def reply(self, stream: int) -> None:
        async with self.send_lock:
            block = self.deflate.compress(_encode_headers({})) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
            if not self.ws.closed:
                await self.ws.send_bytes(_control(SYN_REPLY, 0, struct.pack("!I", stream) + block))

    async def run(self) -> None:
        async for msg in self.ws:
            if msg.type != WSMsgType.BINARY:
                if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
                continue
            self.buffer += msg.data
            while len(self.buffer) >= 8:
                length = struct.unpack_from("!I", self.buffer, 4)[0] & 0xFFFFFF
                if len(self.buffer) < 8 + length:
                    break
                head, payload = self.buffer[:8], self.buffer[8:8 + length]
                self.buffer = self.buffer[8 + length:]
                if not await self.frame(head, payload):
                    return
        for writer in self.writers.values():
            writer.close()
        for task in self.tasks:
            task.cancel()

    async def frame(self, head: bytes, payload: bytes) -> bool:
        flags = head[4]
        if not head[0] & 0x80:  # a DATA frame
            stream = struct.unpack_from("!I", head)[0] & 0x7FFFFFFF
            writer = self.writers.get(stream)
            if writer is not None:
                writer.write(payload)
                if flags & FIN and writer.can_write_eof():
                    writer.write_eof()
            elif stream in self.early:
                self.early[stream] += [payload] + ([None] if flags & FIN else [])
            return True
        kind = struct.unpack_from("!H", head, 2)[0]
        if kind == SYN_STREAM:
            stream = struct.unpack_from("!I", payload)[0] & 0x7FFFFFFF
            headers = _decode_headers(self.inflate.decompress(payload[10:]))
            await self.reply(stream)
            request = headers.get("requestid", str(stream))
            if headers.get("streamtype") == "error":
                self.error_streams[request] = stream
            elif headers.get("streamtype") == "data":
                self.early[stream] = []
                task = asyncio.create_task(self.forward(stream, request, int(headers.get("port", "0"))))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)
        elif kind == PING:
            await self.send(_control(PING, 0, payload[:4]))
        elif kind == GOAWAY:
            return False
        elif kind == RST_STREAM:
            writer = self.writers.pop(struct.unpack_from("!I", payload)[0] & 0x7FFFFFFF, None)
            if writer is not None:
                writer.close()
        return True  # SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do

    async def forward(self, stream: int, request: str, port: int) -> None:
        try:
            sock = await asyncio.to_thread(connect_in_netns, self.netns_path, port)
            sock.settimeout(None)
            reader, writer = await asyncio.open_connection(sock=sock)
        except OSError as err:
            self.early.pop(stream, None)
            error = self.error_streams.get(request)
            if error is not None:
                message = f"error forwarding port {port} to pod {self.pod}: {err.strerror or err}"
                await self.send(_data(error, FIN, message.encode()))
            await self.send(_data(stream, FIN, b""))
            return
        for chunk in self.early.pop(stream, []):
            if chunk is None:
                writer.write_eof()
            else:
                writer.write(chunk)
        self.writers[stream] = writer
        try:
            while chunk := await reader.read(32768):
                await self.send(_data(stream, 0, chunk))
        except OSError:
            pass
        finally:
            await self.send(_data(stream, FIN, b""))
            self.writers.pop(stream, None)
            writer.close()


async def channels(ws: web.WebSocketResponse, netns_path: str, pod: str, ports: list[int]) -> None:
    """The WebSocket channel protocol (`v4.channel.k8s.io`, `portforward.k8s.io`), as client libraries speak it:
    for the i-th port of `?ports=`, channel 2i carries its data and 2i+1 its errors, each opened by a message
    holding the port (2 bytes, little-endian); one connection to the pod per port, for the session's life."""
    send_lock = asyncio.Lock()

    async def send(channel: int, data: bytes) -> None:
        async with send_lock:
            if not ws.closed:
                await ws.send_bytes(bytes([channel]) + data)

    writers: dict[int, asyncio.StreamWriter] = {}
    pumps = []
    for i, port in enumerate(ports):
        await send(2 * i, struct.pack("<H", port))
        await send(2 * i + 1, struct.pack("<H", port))
        try:
            sock = await asyncio.to_thread(connect_in_netns, netns_path, port)
            sock.settimeout(None)
            reader, writers[2 * i] = await asyncio.open_connection(sock=sock)
        except OSError as err:
            await send(2 * i + 1, f"error forwarding port {port} to pod {pod}: {err.strerror or err}".encode())
            continue

        async def pump(channel: int, source: asyncio.StreamReader) -> None:
            try:
                while chunk := await source.read(32768):
                    await send(channel, chunk)
            except OSError:
                pass

        pumps.append(asyncio.create_task(pump(2 * i, reader)))
    async for msg in ws:
        if len(raw := frame(msg)) > 1 and raw[0] in writers:
            writers[raw[0]].write(raw[1:])
        elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break
    for writer in writers.values():
        writer.close()
    for task in pumps:
        task.cancel()


async def serve(request: web.Request, netns_path: str, pod: str) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(protocols=PROTOCOLS, max_msg_size=0)
    await ws.prepare(request)
    if ws.ws_protocol == PROTOCOL:
        await Session(ws, netns_path, pod).run()
    else:
        try:
            ports = [int(p) for p in request.query.get("ports", "").split(",") if p]
        except ValueError:
            ports = []
        await channels(ws, netns_path, pod, ports)
    await ws.close()
    return ws
