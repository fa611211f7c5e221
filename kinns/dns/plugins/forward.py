"""The `forward` plugin: send queries on to upstream resolvers, as CoreDNS's forward does.

    forward FROM TO... {            TO: addresses[:port] or a resolv.conf file's nameservers
        except NAMES...
        force_tcp | prefer_udp
        max_fails N                 # consecutive failures that mark an upstream down (default 2)
        health_check DURATION       # how often a down upstream is probed (`. IN NS`) until it answers (0.5s)
        policy random|round_robin|sequential
        max_concurrent N            # more queries in flight get REFUSED
        expire DURATION             # accepted
    }
"""

import asyncio
import itertools
import logging
import random

import dns.asyncquery
import dns.exception
import dns.flags
import dns.message
import dns.rcode

from ..corefile import Directive
from ..zones import most_specific, within
from ..server import Next, Plugin, Request
from .simple import duration

log = logging.getLogger("kinns.dns.forward")
TIMEOUT = 2.0


class Upstream:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.fails, self.healthy = 0, True
        self.probe: asyncio.Task | None = None

    async def recover(self, interval: float) -> None:
        """Ask the root NS every `interval` until any answer comes back, as CoreDNS's health check does."""
        while not self.healthy:
            await asyncio.sleep(interval)
            try:
                await dns.asyncquery.udp(dns.message.make_query(".", "NS"), self.host, 1.0, self.port)
            except (OSError, dns.exception.DNSException, EOFError):
                continue
            self.fails, self.healthy = 0, True
            log.info("[INFO] plugin/forward: %s is healthy again", self)

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def _upstreams(d: Directive, targets: list[str]) -> list[Upstream]:
    out = []
    for target in targets:
        if target.startswith("/"):
            try:
                lines = open(target).read().splitlines()
            except OSError as err:
                raise d.error(f"{target}: {err.strerror}") from None
            out += [Upstream(line.split()[1], 53) for line in lines
                    if line.startswith("nameserver") and len(line.split()) > 1]
            continue
        target = target.removeprefix("dns://")
        host, port = (target.rsplit(":", 1) + ["53"])[:2] if target.count(":") == 1 else (target, "53")
        if not port.isdigit():
            raise d.error(f"invalid upstream {target!r}")
        out.append(Upstream(host, int(port)))
    if not out:
        raise d.error("forward needs at least one upstream")
    return out


class Forward(Plugin):
    name = "forward"

    def __init__(self, origin: str, upstreams: list[Upstream]) -> None:
        self.origin, self.upstreams = origin, upstreams
        self.ignored: list[str] = []
        self.force_tcp = False
        self.max_fails, self.rest = 2, 0.5
        self.policy = "random"
        self.slots: asyncio.Semaphore | None = None
        self._rr = itertools.count()

    def _matches(self, qname: str) -> bool:
        return within(self.origin, qname) and most_specific(self.ignored, qname) is None

    def _order(self) -> list[Upstream]:
        ups = list(self.upstreams)
        if self.policy == "random":
            random.shuffle(ups)
        elif self.policy == "round_robin":
            shift = next(self._rr) % len(ups)
            ups = ups[shift:] + ups[:shift]
        healthy = [u for u in ups if u.healthy]
        return healthy or ups  # all down: try them anyway, as CoreDNS does

    async def serve(self, request: Request, nxt: Next):
        if not self._matches(request.qname):
            return await nxt(request)
        if self.slots is not None and self.slots.locked():
            return request.reply(dns.rcode.REFUSED)
        if self.slots is not None:
            async with self.slots:
                return await self._forward(request)
        return await self._forward(request)

    async def _forward(self, request: Request):
        query = request.query
        for upstream in self._order():
            try:
                if self.force_tcp or request.proto == "tcp":
                    response = await dns.asyncquery.tcp(query, upstream.host, TIMEOUT, upstream.port)
                else:
                    response = await dns.asyncquery.udp(query, upstream.host, TIMEOUT, upstream.port,
                                                        ignore_unexpected=True)
                    if response.flags & dns.flags.TC:
                        response = await dns.asyncquery.tcp(query, upstream.host, TIMEOUT, upstream.port)
            except (OSError, dns.exception.DNSException, EOFError) as err:
                upstream.fails += 1
                if upstream.fails >= self.max_fails and upstream.healthy:
                    upstream.healthy = False
                    upstream.probe = asyncio.create_task(upstream.recover(self.rest))
                log.warning("[WARNING] plugin/forward: %s: %s", upstream, err or type(err).__name__)
                continue
            upstream.fails = 0
            response.id = query.id
            return response
        return request.reply(dns.rcode.SERVFAIL)


def setup(d: Directive, zones: list[str]) -> Forward:
    if len(d.args) < 2:
        raise d.error("forward needs FROM and at least one TO")
    origin = d.args[0].lower().rstrip(".") + "." if d.args[0] != "." else "."
    plugin = Forward(origin, _upstreams(d, d.args[1:]))
    for prop in d.block:
        if prop.name == "except":
            plugin.ignored = [z.lower().rstrip(".") + "." for z in prop.args]
        elif prop.name == "force_tcp":
            plugin.force_tcp = True
        elif prop.name == "prefer_udp":
            plugin.force_tcp = False
        elif prop.name == "max_fails" and prop.args and prop.args[0].isdigit():
            plugin.max_fails = int(prop.args[0])
        elif prop.name == "health_check" and prop.args:
            plugin.rest = duration(prop, prop.args[0])
        elif prop.name == "policy" and prop.args and prop.args[0] in ("random", "round_robin", "sequential"):
            plugin.policy = prop.args[0]
        elif prop.name == "max_concurrent" and prop.args and prop.args[0].isdigit():
            plugin.slots = asyncio.Semaphore(int(prop.args[0]))
        elif prop.name in ("expire", "tls", "tls_servername", "next", "failfast_all_unhealthy_upstreams"):
            continue
        else:
            raise prop.error(f"unknown property '{prop.name}' or wrong arguments")
    return plugin
