"""The DNS server: UDP and TCP listeners, one plugin chain per server block, and a wire-level answer cache.

A query is parsed once (dnspython), routed to the server block whose zone
matches it most specifically (REFUSED when none does), and handed down that
block's plugin chain in CoreDNS's fixed plugin order. Whatever the chain
marks cacheable is kept pre-encoded, keyed on the query's bytes after the
ID: the next identical query (same name, type, class, flags and EDNS
options) is answered with a copy of those bytes under its own ID, without
parsing anything. Such entries expire with their TTL and are dropped
whenever a plugin's data changes (a generation counter).

Malformed packets get FORMERR when their header can be read and are
dropped otherwise; a UDP answer that does not fit the client's buffer (512
bytes, or its EDNS0 size) is sent truncated with TC set, and the client
retries over TCP.
"""

import asyncio
import logging
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype

from .zones import most_specific

log = logging.getLogger("kinns.dns")
MAX_UDP = 1232  # the payload size we advertise, as CoreDNS's default bufsize
WIRE_CACHE_LIMIT = 100_000


@dataclass
class Request:
    query: dns.message.Message
    client: tuple[str, int]
    proto: str  # "udp" or "tcp"
    zone: str = "."  # the server block zone that matched
    cacheable: float = 0.0  # seconds the answer may be served again from the wire cache; 0: not at all
    meta: dict = field(default_factory=dict)

    @property
    def question(self):
        return self.query.question[0]

    @property
    def qname(self) -> str:
        return self.question.name.to_text().lower()

    @property
    def qtype(self) -> int:
        return self.question.rdtype

    def reply(self, rcode: int = dns.rcode.NOERROR, authoritative: bool = False) -> dns.message.Message:
        response = dns.message.make_response(self.query, our_payload=MAX_UDP)
        response.set_rcode(rcode)
        if authoritative:
            response.flags |= dns.flags.AA
        return response


Next = Callable[[Request], Awaitable[dns.message.Message]]


class Plugin:
    """A link of the chain: answer, or pass the request on with `await nxt(request)`."""

    name = "plugin"

    async def serve(self, request: Request, nxt: Next) -> dns.message.Message:
        return await nxt(request)

    async def start(self, server: "Server") -> None:
        """Called once the listeners are up (watches, health servers, ...). On a reload the new plugins start
        while the old ones still serve, so a plugin with a listener must share its port (SO_REUSEPORT)."""

    async def stop(self) -> None:
        """Called at shutdown, or after a reload has put the new plugins in this one's place."""


def waiting(plugins: list[Plugin]) -> list[str]:
    """The names of the plugins not ready yet (the kubernetes plugin until its first sync)."""
    return sorted({p.name for p in plugins if getattr(p, "ready", True) is False})


async def _end(request: Request) -> dns.message.Message:
    """What lies after the last plugin: nothing serves the name (CoreDNS answers SERVFAIL)."""
    return request.reply(dns.rcode.SERVFAIL)


def chain(plugins: list[Plugin]) -> Next:
    nxt: Next = _end
    for plugin in reversed(plugins):
        nxt = (lambda p, n: lambda r: p.serve(r, n))(plugin, nxt)
    return nxt


@dataclass
class Block:
    zones: list[str]
    plugins: list[Plugin]
    handler: Next = None  # type: ignore[assignment]
    wire_cache: bool = True  # off when every query must reach a plugin (log)

    def __post_init__(self) -> None:
        self.handler = chain(self.plugins)


class Server:
    """All server blocks on one port."""

    def __init__(self, port: int, blocks: list[Block], address: str = "0.0.0.0") -> None:
        self.port, self.blocks, self.address = port, blocks, address
        self.generation = 0
        # query bytes after the ID -> (expires, generation, answer bytes after the ID), per transport
        self.wire_udp: dict[bytes, tuple[float, int, bytes]] = {}
        self.wire_tcp: dict[bytes, tuple[float, int, bytes]] = {}
        self.hits = 0
        self.counters = {"requests": 0, "formerr": 0}
        self.rcodes: dict[str, int] = {}
        self._transport = None
        self._tcp: asyncio.AbstractServer | None = None
        self.lameduck = False  # shutting down: still answering, no longer ready (CoreDNS's lame duck mode)

    def changed(self) -> None:
        """Some plugin's data changed: answers cached on the wire are stale."""
        self.generation += 1
        self.wire_udp.clear()
        self.wire_tcp.clear()

    # listeners

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(lambda: _UDP(self), local_addr=(self.address,
                                                                                                  self.port))
        self._tcp = await asyncio.start_server(self._tcp_client, self.address, self.port)
        for block in self.blocks:
            for plugin in block.plugins:
                await plugin.start(self)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
        if self._tcp is not None:
            self._tcp.close()
        for block in self.blocks:
            for plugin in block.plugins:
                await plugin.stop()

    def replace(self, blocks: list[Block]) -> None:
        """Swap in a reloaded configuration's blocks (the listeners stay)."""
        self.blocks = blocks
        self.changed()

    async def _tcp_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")[:2]
        try:
            while True:
                size = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), 10))[0]
                wire = await asyncio.wait_for(reader.readexactly(size), 10)
                answer = await self.answer(wire, peer, "tcp")
                if answer:
                    writer.write(struct.pack("!H", len(answer)) + answer)
                    await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    # answering

    def cached(self, wire: bytes, proto: str) -> bytes | None:
        """The fast path: a pre-encoded answer for exactly this query, under the query's ID."""
        entry = (self.wire_udp if proto == "udp" else self.wire_tcp).get(wire[2:])
        if entry is None or entry[1] != self.generation or entry[0] < time.monotonic():
            return None
        self.hits += 1
        return wire[:2] + entry[2]

    async def answer(self, wire: bytes, client: tuple[str, int], proto: str) -> bytes | None:
        fast = self.cached(wire, proto)
        if fast is not None:
            return fast
        self.counters["requests"] += 1
        try:
            query = dns.message.from_wire(wire, continue_on_error=False)
        except (dns.exception.DNSException, ValueError, IndexError, struct.error):
            return self._formerr(wire)
        if query.flags & dns.flags.QR:
            return None  # a response: never answer those (reflection loops)
        if query.opcode() != dns.opcode.QUERY:
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.NOTIMP)
            return response.to_wire()
        if len(query.question) != 1:
            return self._formerr(wire)
        request = Request(query, client, proto)
        block = self._block(request.qname)
        if block is None:
            response = request.reply(dns.rcode.REFUSED)
        else:
            request.zone = most_specific(block.zones, request.qname) or "."
            try:
                response = await block.handler(request)
            except Exception:  # noqa: BLE001 (a broken plugin is a SERVFAIL, never a dead server)
                log.exception("plugin failure answering %s", request.qname)
                response = request.reply(dns.rcode.SERVFAIL)
        name = dns.rcode.to_text(response.rcode())
        self.rcodes[name] = self.rcodes.get(name, 0) + 1
        out = self._encode(request, response)
        cache = self.wire_udp if proto == "udp" else self.wire_tcp
        if block is not None and block.wire_cache and request.cacheable > 0 and len(cache) < WIRE_CACHE_LIMIT:
            cache[wire[2:]] = (time.monotonic() + request.cacheable, self.generation, out[2:])
        return out

    def _block(self, qname: str) -> Block | None:
        best, found = None, None
        for block in self.blocks:
            zone = most_specific(block.zones, qname)
            if zone is not None and (best is None or len(zone) > len(best)):
                best, found = zone, block
        return found

    @staticmethod
    def _encode(request: Request, response: dns.message.Message) -> bytes:
        limit = 65535
        if request.proto == "udp":
            limit = max(512, min(request.query.payload, MAX_UDP)) if request.query.edns >= 0 else 512
        try:
            return response.to_wire(max_size=limit)
        except dns.exception.TooBig:
            response.answer, response.authority, response.additional = [], [], []
            response.flags |= dns.flags.TC
            return response.to_wire(max_size=limit)

    def _formerr(self, wire: bytes) -> bytes | None:
        self.counters["formerr"] += 1
        if len(wire) < 12:
            return None  # not even a header: nothing to answer
        ident, flags = struct.unpack("!HH", wire[:4])
        if flags & 0x8000:
            return None  # a response: never answer those (reflection loops)
        opcode = flags & 0x7800
        return struct.pack("!HHHHHH", ident, 0x8000 | opcode | (flags & 0x0100) | dns.rcode.FORMERR, 0, 0, 0, 0)


class _UDP(asyncio.DatagramProtocol):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        server = self.server
        entry = server.wire_udp.get(data[2:])  # the fast path, inline: no call, no parse
        if entry is not None and entry[1] == server.generation and entry[0] >= time.monotonic():
            server.hits += 1
            self.transport.sendto(data[:2] + entry[2], addr)
            return
        asyncio.ensure_future(self._slow(data, addr))

    async def _slow(self, data: bytes, addr) -> None:
        answer = await self.server.answer(data, addr[:2], "udp")
        if answer is not None and self.transport is not None:
            self.transport.sendto(answer, addr)
