"""The `cache` plugin: keep answers for their TTL, as CoreDNS's cache does.

    cache [TTL] [ZONES...] {
        success CAPACITY [TTL] [MINTTL]
        denial CAPACITY [TTL] [MINTTL]
        disable success|denial [ZONES...]
        prefetch | serve_stale              # accepted
    }

Positive answers live for their smallest TTL, capped at TTL (default 3600 s);
negative ones for the SOA minimum, capped at 1800 s. A cached answer is also
marked for the server's wire cache, so the next identical query is not even
parsed.
"""

import time

import dns.message
import dns.rcode

from ..corefile import Directive
from ..server import Next, Plugin, Request
from ..zones import fqdn, most_specific


class Cache(Plugin):
    name = "cache"

    def __init__(self, zones: list[str], success_ttl: int = 3600, denial_ttl: int = 1800) -> None:
        self.zones = zones
        self.success_ttl, self.denial_ttl = success_ttl, denial_ttl
        self.capacity = {"success": 9984, "denial": 9984}
        self.disabled: dict[str, list[str]] = {"success": [], "denial": []}
        self.entries: dict[tuple, tuple[float, bytes, str]] = {}

    async def serve(self, request: Request, nxt: Next):
        if most_specific(self.zones, request.qname) is None:
            return await nxt(request)
        q = request.query
        key = (request.qname, request.qtype, bool(q.ednsflags & 0x8000), bool(q.flags & 0x0010))
        hit = self.entries.get(key)
        now = time.monotonic()
        if hit and hit[0] > now:
            response = dns.message.from_wire(hit[1])
            response.id = q.id
            left = int(hit[0] - now)
            for section in (response.answer, response.authority, response.additional):
                for rrset in section:
                    rrset.ttl = min(rrset.ttl, max(left, 0))
            request.cacheable = min(left, 5)
            return response
        response = await nxt(request)
        kind, ttl = self._ttl(response)
        if ttl > 0 and most_specific(self.disabled[kind], request.qname) is None:
            if len(self.entries) >= self.capacity["success"] + self.capacity["denial"]:
                self.entries = {k: v for k, v in self.entries.items() if v[0] > now}  # drop the expired
            if len(self.entries) < self.capacity["success"] + self.capacity["denial"]:
                self.entries[key] = (now + ttl, response.to_wire(), kind)
                request.cacheable = request.cacheable or min(ttl, 5)
        return response

    def _ttl(self, response) -> tuple[str, int]:
        rcode = response.rcode()
        if rcode == dns.rcode.NOERROR and response.answer:
            return "success", min([self.success_ttl] + [r.ttl for r in response.answer])
        soa = [r for r in response.authority if r.rdtype == 6]
        if rcode in (dns.rcode.NXDOMAIN, dns.rcode.NOERROR) and soa:
            return "denial", min(self.denial_ttl, soa[0].ttl)
        return "denial", 0  # SERVFAIL and the like are not kept


def setup(d: Directive, zones: list[str]) -> Cache:
    args = list(d.args)
    ttl = None
    if args and args[0].isdigit():
        ttl = int(args.pop(0))
    plugin = Cache([fqdn(z) for z in args] or zones,
                   ttl or 3600, ttl or 1800)
    for prop in d.block:
        if prop.name in ("success", "denial"):
            if not prop.args or not prop.args[0].isdigit():
                raise prop.error(f"{prop.name} needs a capacity")
            plugin.capacity[prop.name] = int(prop.args[0])
            if len(prop.args) > 1:
                setattr(plugin, f"{prop.name}_ttl", int(prop.args[1]))
        elif prop.name == "disable":
            if not prop.args or prop.args[0] not in ("success", "denial"):
                raise prop.error("disable needs success or denial")
            plugin.disabled[prop.args[0]] = [fqdn(z) for z in prop.args[1:]] or zones
        elif prop.name in ("prefetch", "serve_stale", "servfail", "keepttl"):
            continue
        else:
            raise prop.error(f"unknown property '{prop.name}'")
    return plugin
