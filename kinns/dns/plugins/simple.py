"""The small plugins: errors, log, loadbalance, health, ready, prometheus.

errors logs what failed below it and answers SERVFAIL; log writes one line
per query in CoreDNS's format; loadbalance shuffles A and AAAA records (round
robin); health answers `OK` on :8080/health, and its lameduck time delays a
shutdown (DNS and /health still answer, /ready does not); ready answers 200
on :8181/ready once every plugin that reports readiness is ready; prometheus
serves CoreDNS's metric names on :9153/metrics.
"""

import logging
import random
import time

import dns.rcode
import dns.rdatatype
from aiohttp import web

from ..corefile import Directive
from ..server import Next, Plugin, Request, waiting

log = logging.getLogger("kinns.dns")


class Errors(Plugin):
    name = "errors"

    async def serve(self, request: Request, nxt: Next):
        try:
            response = await nxt(request)
        except Exception as err:  # noqa: BLE001 (CoreDNS's errors plugin: log, answer SERVFAIL)
            log.error("[ERROR] plugin/errors: 2 %s %s: %s", request.qname, dns.rdatatype.to_text(request.qtype), err)
            return request.reply(dns.rcode.SERVFAIL)
        if response.rcode() == dns.rcode.SERVFAIL:
            log.error("[ERROR] plugin/errors: 2 %s %s: SERVFAIL", request.qname, dns.rdatatype.to_text(request.qtype))
        return response


class Log(Plugin):
    name = "log"

    async def serve(self, request: Request, nxt: Next):
        started = time.perf_counter()
        response = await nxt(request)
        q = request.query
        flags = ",".join(f for f, bit in (("qr", 0x8000), ("aa", 0x0400), ("tc", 0x0200), ("rd", 0x0100),
                                          ("ra", 0x0080)) if response.flags & bit)
        size = len(q.to_wire())
        log.info('[INFO] %s:%d - %d "%s IN %s %s %d %s %d" %s %s %d %.9fs', request.client[0], request.client[1],
                 q.id, dns.rdatatype.to_text(request.qtype), request.question.name, request.proto, size,
                 "true" if q.ednsflags & 0x8000 else "false", q.payload if q.edns >= 0 else 512,
                 dns.rcode.to_text(response.rcode()), flags, len(response.to_wire()), time.perf_counter() - started)
        return response


class LoadBalance(Plugin):
    name = "loadbalance"

    async def serve(self, request: Request, nxt: Next):
        response = await nxt(request)
        for rrset in response.answer:
            if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA) and len(rrset) > 1:
                items = list(rrset)
                random.shuffle(items)
                rrset.clear()
                for item in items:
                    rrset.add(item)
                request.cacheable = 0  # each such answer is shuffled afresh, never replayed
        return response


def _address(text: str, default_port: int) -> tuple[str, int]:
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "")
    return host or "0.0.0.0", int(port) if port else default_port


class _HTTP(Plugin):
    """A plugin that answers HTTP on its own address."""

    default_port = 0

    def __init__(self, address: str = "") -> None:
        self.host, self.port = _address(address, self.default_port) if address else ("0.0.0.0", self.default_port)
        self.runner: web.AppRunner | None = None

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self, server) -> None:
        self.server = server
        app = web.Application()
        self.routes(app)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        # the port is shared while a reload runs the old and the new plugin side by side
        await web.TCPSite(self.runner, self.host, self.port, reuse_address=True, reuse_port=True).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


class Health(_HTTP):
    name = "health"
    default_port = 8080

    def __init__(self, address: str = "", lameduck: float = 0.0) -> None:
        super().__init__(address)
        self.lameduck = lameduck

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/health", lambda _: web.Response(text="OK"))


class Ready(_HTTP):
    name = "ready"
    default_port = 8181

    def routes(self, app: web.Application) -> None:
        async def ready(_: web.Request) -> web.Response:
            if self.server.lameduck:
                return web.Response(status=503, text="shutting down")
            names = waiting([p for b in self.server.blocks for p in b.plugins])
            if names:
                return web.Response(status=503, text="\n".join(names))
            return web.Response(text="OK")
        app.router.add_get("/ready", ready)


class Prometheus(_HTTP):
    name = "prometheus"
    default_port = 9153

    def routes(self, app: web.Application) -> None:
        async def metrics(_: web.Request) -> web.Response:
            s = self.server
            lines = ["# HELP coredns_dns_requests_total Counter of DNS requests made per zone, protocol and family.",
                     "# TYPE coredns_dns_requests_total counter",
                     f'coredns_dns_requests_total{{server="dns://:{s.port}"}} {s.counters["requests"] + s.hits}',
                     "# HELP coredns_dns_responses_total Counter of response status codes.",
                     "# TYPE coredns_dns_responses_total counter"]
            lines += [f'coredns_dns_responses_total{{server="dns://:{s.port}",rcode="{rcode}"}} {n}'
                      for rcode, n in sorted(s.rcodes.items())]
            lines += ["# HELP coredns_cache_hits_total The count of cache hits.",
                      "# TYPE coredns_cache_hits_total counter",
                      f'coredns_cache_hits_total{{server="dns://:{s.port}",type="wire"}} {s.hits}']
            return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")
        app.router.add_get("/metrics", metrics)


def duration(d: Directive, text: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit) and text[:-len(unit)].replace(".", "", 1).isdigit():
            return float(text[:-len(unit)]) * units[unit]
    raise d.error(f"invalid duration {text!r}")


def setup_health(d: Directive, zones: list[str]) -> Health:
    lameduck = 0.0
    for prop in d.block:
        if prop.name != "lameduck" or len(prop.args) != 1:
            raise prop.error(f"unknown property '{prop.name}'")
        lameduck = duration(prop, prop.args[0])
    return Health(d.args[0] if d.args else "", lameduck)
