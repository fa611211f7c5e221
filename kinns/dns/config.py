"""From a Corefile to running servers, and reloads that keep the last good configuration on a bad edit."""

import asyncio
import hashlib
import logging
import random
from pathlib import Path

from .corefile import CorefileError, ServerBlock, parse
from .plugins import ORDER, SETUP
from .plugins.simple import duration
from .server import Block, Server

log = logging.getLogger("kinns.dns")


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
            old = server.blocks if server else []
            if server is None:
                server = Server(port, blocks, self.address)
                await server.start()
                self.servers[port] = server
            else:
                for block in old:
                    for plugin in block.plugins:
                        await plugin.stop()
                server.replace(blocks)
                for block in blocks:
                    for plugin in block.plugins:
                        await plugin.start(server)
        for port in set(self.servers) - set(fresh):
            await self.servers.pop(port).stop()
        self.digest = digest
        self.interval = reload_interval(parsed)
        log.info("[INFO] Reloading complete")
