"""The peers' mesh: a TCP connection on port 6783 between every two Weave routers.

Each router connects to every target it is given (the other nodes, from kube-peers) and accepts theirs. A
connection starts with a hello in each direction (the peer's name, nickname and the address its datapath
listens on) and then carries heartbeats; one silent for HEARTBEAT_TIMEOUT seconds is closed. Two routers
that connected to each other at once keep the connection the peer with the smaller name made, so both drop
the same one. A connection's being established is what lets pod traffic go to that peer (`on_up`), and its
loss stops it (`on_down`), as Weave switches a peer's fastdp overlay on only once they are connected.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from . import MESH_PORT, log

PROTOCOL = "weave-kinns"
PROTOCOL_VERSION = 2
HEARTBEAT = 3.0
HEARTBEAT_TIMEOUT = 10.0
RETRY = 2.0


@dataclass(frozen=True)
class Peer:
    name: str  # a MAC-like identity, kept across restarts
    nickname: str  # the node's name
    address: str  # where its datapath listens (the node's IP)

    def __str__(self) -> str:
        return f"{self.name}({self.nickname})"


@dataclass
class Connection:
    peer: Peer
    outbound: bool
    remote: str  # ip:port
    writer: asyncio.StreamWriter

    def label(self) -> str:
        arrow = "->" if self.outbound else "<-"
        return f"{arrow}[{self.remote}|{self.peer}]"


class Mesh:
    def __init__(self, me: Peer, limit: int, on_up: Callable[[Peer], Awaitable[None]],
                 on_down: Callable[[Peer], Awaitable[None]]) -> None:
        self.me, self.limit, self.on_up, self.on_down = me, limit, on_up, on_down
        self.connections: dict[str, Connection] = {}  # peer name -> the one connection kept
        self.targets: dict[str, asyncio.Task] = {}  # address -> its connector
        self.server: asyncio.AbstractServer | None = None

    async def listen(self) -> None:
        self.server = await asyncio.start_server(self._accepted, "0.0.0.0", MESH_PORT)

    def set_targets(self, addresses: set[str]) -> None:
        """Connect to these addresses (and keep connecting); stop trying the ones no longer given."""
        for address in set(self.targets) - addresses:
            self.targets.pop(address).cancel()
        for address in addresses - set(self.targets) - {self.me.address}:
            self.targets[address] = asyncio.create_task(self._connector(address), name=f"weave peer {address}")

    async def close(self) -> None:
        for task in self.targets.values():
            task.cancel()
        if self.server is not None:
            self.server.close()
        for conn in list(self.connections.values()):
            conn.writer.close()

    def status(self) -> list[Connection]:
        return list(self.connections.values())

    async def _connector(self, address: str) -> None:
        while True:
            if not any(c.peer.address == address for c in self.connections.values()):
                log("INFO", f"->[{address}:{MESH_PORT}] attempting connection")
                try:
                    reader, writer = await asyncio.wait_for(asyncio.open_connection(address, MESH_PORT), 5)
                except (OSError, asyncio.TimeoutError) as err:
                    log("INFO", f"->[{address}:{MESH_PORT}] error during connection attempt: "
                                f"{getattr(err, 'strerror', None) or 'timeout'}")
                else:
                    await self._session(reader, writer, True, f"{address}:{MESH_PORT}")
            await asyncio.sleep(RETRY)

    async def _accepted(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host, port = writer.get_extra_info("peername")[:2]
        await self._session(reader, writer, False, f"{host}:{port}")

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, outbound: bool,
                       remote: str) -> None:
        conn = None
        try:
            writer.write(json.dumps({"protocol": PROTOCOL, "version": PROTOCOL_VERSION, "name": self.me.name,
                                     "nickname": self.me.nickname, "address": self.me.address}).encode() + b"\n")
            await writer.drain()
            hello = json.loads(await asyncio.wait_for(reader.readline(), HEARTBEAT_TIMEOUT) or b"{}")
            if hello.get("protocol") != PROTOCOL or hello.get("version") != PROTOCOL_VERSION:
                log("ERRO", f"{'->' if outbound else '<-'}[{remote}] connection shutting down due to error "
                            f"during handshake: no common protocol version")
                return
            peer = Peer(hello["name"], hello["nickname"], hello["address"])
            if peer.name == self.me.name:
                log("INFO", f"{'->' if outbound else '<-'}[{remote}] connection shutting down due to error: "
                            "cannot connect to ourself")
                return
            conn = Connection(peer, outbound, remote, writer)
            if not self._keep(conn):
                conn = None
                return
            log("INFO", f"{conn.label()}: connection ready; using protocol version {PROTOCOL_VERSION}")
            log("INFO", f"overlay_switch {conn.label()[:2]}[{peer}] using fastdp")
            log("INFO", f"{conn.label()}: connection added (new peer)")
            await self.on_up(peer)
            await self._heartbeats(reader, writer)
            log("INFO", f"{conn.label()}: connection shutting down due to error: connection closed")
        except (OSError, ValueError, KeyError, asyncio.TimeoutError, asyncio.IncompleteReadError) as err:
            if conn is not None:
                log("INFO", f"{conn.label()}: connection shutting down due to error: {err or type(err).__name__}")
        finally:
            writer.close()
            if conn is not None and self.connections.get(conn.peer.name) is conn:
                del self.connections[conn.peer.name]
                log("INFO", f"{conn.label()}: connection deleted")
                await self.on_down(conn.peer)

    def _keep(self, conn: Connection) -> bool:
        """Take `conn` as the connection to its peer, unless a better one exists or the limit is reached."""
        existing = self.connections.get(conn.peer.name)
        if existing is not None:
            initiator = {True: self.me.name, False: conn.peer.name}
            if initiator[existing.outbound] <= initiator[conn.outbound]:
                log("INFO", f"{conn.label()}: connection shutting down due to error: Multiple connections to "
                            f"{conn.peer} added to {self.me}")
                return False
            del self.connections[conn.peer.name]
            existing.writer.close()
        elif len(self.connections) >= self.limit:
            log("INFO", f"{conn.label()}: connection shutting down due to error: connection limit reached "
                        f"({self.limit})")
            return False
        self.connections[conn.peer.name] = conn
        return True

    async def _heartbeats(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def beat() -> None:
            while True:
                writer.write(b'{"heartbeat": true}\n')
                await writer.drain()
                await asyncio.sleep(HEARTBEAT)

        sender = asyncio.create_task(beat())
        try:
            while True:
                line = await asyncio.wait_for(reader.readline(), HEARTBEAT_TIMEOUT)
                if not line:
                    return
        finally:
            sender.cancel()
