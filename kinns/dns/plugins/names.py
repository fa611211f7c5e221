"""Plugins that change or invent names: hosts, rewrite and loop.

hosts answers from /etc/hosts-style lines (a file and inline entries) with
PTRs for them; rewrite changes the query name before the plugins below see
it and puts the original back in the answer; loop asks the server itself for
a random name at start and stops the process if the question comes back
through the upstreams (a forwarding loop), as CoreDNS does.
"""

import asyncio
import logging
import os
import re
import secrets

import dns.asyncquery
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.reversename
import dns.rrset

from ..corefile import Directive
from ..zones import fqdn, most_specific
from ..server import Next, Plugin, Request

log = logging.getLogger("kinns.dns")


class Hosts(Plugin):
    name = "hosts"

    def __init__(self, path: str, zones: list[str]) -> None:
        self.path, self.zones = path, zones
        self.inline: list[str] = []
        self.ttl, self.reverse = 3600, True
        self.fallthrough: list[str] = []
        self.names: dict[str, list[str]] = {}
        self.ptr: dict[str, list[str]] = {}
        self.mtime = None

    def _load(self) -> None:
        try:
            mtime = os.stat(self.path).st_mtime if self.path else None
        except OSError:
            mtime = None
        if self.names and mtime == self.mtime:
            return
        self.mtime = mtime
        lines = list(self.inline)
        if mtime is not None:
            lines += open(self.path).read().splitlines()
        self.names, self.ptr = {}, {}
        for line in lines:
            fields = line.split("#", 1)[0].split()
            if len(fields) < 2:
                continue
            for host in fields[1:]:
                self.names.setdefault(fqdn(host), []).append(fields[0])
                self.ptr.setdefault(fields[0], []).append(fqdn(host))

    async def serve(self, request: Request, nxt: Next):
        self._load()
        qname = request.qname
        if most_specific(self.zones, qname) is None:
            return await nxt(request)
        if qname.endswith(".arpa.") and self.reverse:
            try:
                found = self.ptr.get(str(dns.reversename.to_address(request.question.name)), [])
            except Exception:  # noqa: BLE001 (not an address name)
                found = []
            kind, values = "PTR", found
        else:
            found = self.names.get(qname, [])
            kind = dns.rdatatype.to_text(request.qtype)
            values = [ip for ip in found if (":" in ip) == (kind == "AAAA")] if kind in ("A", "AAAA") else []
        if not found:
            if most_specific(self.fallthrough, qname) is not None:
                return await nxt(request)
            return request.reply(dns.rcode.NXDOMAIN, authoritative=True)
        response = request.reply(authoritative=True)
        if values:
            response.answer.append(dns.rrset.from_text_list(request.question.name, self.ttl, "IN", kind, values))
        return response


def setup_hosts(d: Directive, zones: list[str]) -> Hosts:
    path = d.args[0] if d.args else "/etc/hosts"
    plugin = Hosts(path, [fqdn(z) for z in d.args[1:]] or zones)
    for prop in d.block:
        if prop.name == "ttl" and prop.args and prop.args[0].isdigit():
            plugin.ttl = int(prop.args[0])
        elif prop.name == "no_reverse":
            plugin.reverse = False
        elif prop.name == "fallthrough":
            plugin.fallthrough = [fqdn(z) for z in prop.args] or ["."]
        elif prop.name == "reload":
            continue  # the file is looked at on every query (by its mtime)
        elif prop.args and not prop.block:
            plugin.inline.append(" ".join([prop.name, *prop.args]))
        else:
            raise prop.error(f"unknown property '{prop.name}'")
    return plugin


class Rewrite(Plugin):
    name = "rewrite"

    def __init__(self, kind: str, source: str, target: str, stop: bool) -> None:
        self.kind, self.source, self.target, self.stop = kind, source, target, stop
        self.pattern = re.compile(source) if kind == "regex" else None

    def rewrite(self, qname: str) -> str | None:
        if self.kind == "exact":
            return fqdn(self.target) if qname == fqdn(self.source) else None
        if self.kind == "prefix":
            return self.target + qname[len(self.source):] if qname.startswith(self.source) else None
        if self.kind == "suffix":
            src = fqdn(self.source) if self.source.endswith(".") else self.source
            return qname[:-len(src)] + (fqdn(self.target) if self.source.endswith(".") else self.target) \
                if qname.endswith(src) else None
        if self.kind == "substring":
            return qname.replace(self.source, self.target) if self.source in qname else None
        m = self.pattern.fullmatch(qname) if self.pattern else None
        if m is None:
            return None
        return re.sub(r"\{(\d+)\}", lambda g: m.group(int(g.group(1))), self.target)

    async def serve(self, request: Request, nxt: Next):
        original = request.question.name
        new = self.rewrite(request.qname)
        if new is None:
            return await nxt(request)
        name = dns.name.from_text(fqdn(new))
        request.query.question[0] = dns.rrset.RRset(name, request.question.rdclass, request.question.rdtype)
        response = await nxt(request)
        request.query.question[0] = dns.rrset.RRset(original, request.question.rdclass, request.question.rdtype)
        response.question = [request.query.question[0]]
        for rrset in response.answer:
            if rrset.name == name:
                rrset.name = original
        return response


def setup_rewrite(d: Directive, zones: list[str]) -> Rewrite:
    args = list(d.args)
    stop = True
    if args and args[0] in ("continue", "stop"):
        stop = args.pop(0) == "stop"
    if not args or args[0] != "name":
        raise d.error("rewrite: kinns rewrites names only: rewrite [continue|stop] name [TYPE] FROM TO")
    args.pop(0)
    kind = "exact"
    if args and args[0] in ("exact", "prefix", "suffix", "substring", "regex"):
        kind = args.pop(0)
    if len(args) < 2:
        raise d.error("rewrite name needs FROM and TO")
    source, target = args[0].lower(), args[1].lower()
    if kind == "regex":
        try:
            re.compile(source)
        except re.error as err:
            raise d.error(f"invalid regex {source!r}: {err}") from None
    return Rewrite(kind, source, target, stop)


class Loop(Plugin):
    name = "loop"

    def __init__(self, zone: str) -> None:
        self.probe = f"{secrets.randbelow(10**18)}.{secrets.randbelow(10**18)}.{zone}".replace("..", ".")
        self.seen = 0

    async def serve(self, request: Request, nxt: Next):
        if request.qname == self.probe and request.qtype == dns.rdatatype.HINFO:
            self.seen += 1
            if self.seen > 2:
                log.critical('[FATAL] plugin/loop: Loop (127.0.0.1:%s -> :53) detected for zone "%s", see '
                             "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO %s\"",
                             self.port, self.zone, self.probe)
                os._exit(1)
        return await nxt(request)

    async def start(self, server) -> None:
        self.port, self.zone = server.port, server.blocks[0].zones[0]
        asyncio.get_running_loop().create_task(self._probe(server.port))

    async def _probe(self, port: int) -> None:
        await asyncio.sleep(1)
        query = dns.message.make_query(self.probe, "HINFO")  # one question: through a loop it comes back again
        try:
            await dns.asyncquery.udp(query, "127.0.0.1", 2.0, port)
        except Exception:  # noqa: BLE001 (no answer, or a failure upstream: no loop either way)
            pass
