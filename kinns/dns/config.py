"""From a Corefile to running servers, and reloads that keep the last good configuration on a bad edit."""

import asyncio
import hashlib
import logging
import random
import time
from pathlib import Path

from .corefile import CorefileError, ServerBlock, parse
from .plugins import ORDER, SETUP
from .plugins.simple import Health, duration
from .server import Block, Server, waiting

log = logging.getLogger("kinns.dns")
READY_WAIT = 5.0  # how long a reload waits for its new plugins to be ready, as CoreDNS waits for its API sync


def blocks_for(server_blocks: list[ServerBlock]) -> dict[int, list[Block]]:
    """Blocks grouped by port, each with its plugins in CoreDNS order. Raises CorefileError."""
    out: dict[int, list[Block]] = {}
    for sb in server_blocks:
        made: dict[str, list] = {}
        for d in sb.directives:
            if d.name not in SETUP and d.name != "reload":
                raise d.error(f"unknown directive '{d.name}'")
            if d.name in made and d.name != "rewrite":
                raise d.error(f"plugin '{d.name}' given twice")
            made.setdefault(d.name, []).append(SETUP[d.name](d, sb.zones) if d.name != "reload" else None)
        plugins = [p for name in ORDER if name != "reload" for p in made.get(name, [])]
        out.setdefault(sb.port, []).append(Block(sb.zones, plugins, wire_cache="log" not in made))
    return out


def reload_interval(server_blocks: list[ServerBlock]) -> float | None:
    for sb in server_blocks:
        for d in sb.directives:
            if d.name == "reload":
                return duration(d, d.args[0]) if d.args else 30.0
    return None


class Runner:
    """The running servers of one Corefile; `reload` is CoreDNS's reload plugin."""

    def __init__(self, path: Path, address: str = "0.0.0.0") -> None:
        self.path, self.address = path, address
        self.servers: dict[int, Server] = {}
        self.digest = ""
        self.interval: float | None = None

    async def start(self) -> None:
        text = self.path.read_text()
        parsed = parse(text)
        for port, blocks in blocks_for(parsed).items():
            server = Server(port, blocks, self.address)
            await server.start()
            self.servers[port] = server
        self.digest = hashlib.sha512(text.encode()).hexdigest()
        self.interval = reload_interval(parsed)
        log.info("CoreDNS-1.11.3 (kinns) serving %s", ", ".join(f"{z}:{p}" for sb in parsed for z, p in
                                                             ((zz, sb.port) for zz in sb.zones)))

    async def shutdown(self) -> None:
        """SIGTERM: the health plugin's lameduck first (queries still answered, /ready says no), then stop."""
        lameduck = max((p.lameduck for s in self.servers.values() for b in s.blocks for p in b.plugins
                        if isinstance(p, Health)), default=0.0)
        for server in self.servers.values():
            server.lameduck = True
        if lameduck:
            log.info("[INFO] plugin/health: Going into lameduck mode for %gs", lameduck)
            await asyncio.sleep(lameduck)
        for server in self.servers.values():
            await server.stop()

    async def watch(self) -> None:
        while True:
            if self.interval is None:
                await asyncio.sleep(3600)
                continue
            await asyncio.sleep(self.interval + random.uniform(0, self.interval / 2))
            await self.reload()

    async def reload(self) -> None:
        try:
            text = self.path.read_text()
        except OSError as err:
            log.error("[ERROR] plugin/reload: %s", err)
            return
        digest = hashlib.sha512(text.encode()).hexdigest()
        if digest == self.digest:
            return
        try:
            parsed = parse(text)
            fresh = blocks_for(parsed)
        except CorefileError as err:
            log.error("[ERROR] Restart failed: %s", err)  # the running configuration keeps serving
            self.digest = digest
            return
        for port, blocks in fresh.items():
            server = self.servers.get(port)
            if server is None:
                server = Server(port, blocks, self.address)
                await server.start()
                self.servers[port] = server
                continue
            # CoreDNS's order: the new plugins start beside the old ones (ready and health share their ports),
            # the old keep answering until the new are ready (the kubernetes plugin synced, at most 5 s), then
            # the old stop. No moment without /ready, so a reload never takes a replica out of its Service.
            new = [p for b in blocks for p in b.plugins]
            for plugin in new:
                await plugin.start(server)
            deadline = time.monotonic() + READY_WAIT
            while waiting(new) and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            old = [p for b in server.blocks for p in b.plugins]
            server.replace(blocks)
            for plugin in old:
                await plugin.stop()
        for port in set(self.servers) - set(fresh):
            await self.servers.pop(port).stop()
        self.digest = digest
        self.interval = reload_interval(parsed)
        log.info("[INFO] Reloading complete")
