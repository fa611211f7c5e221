"""The DNS server's pure parts: Corefile parsing, the record index, the wire path under malformed input (fuzzed)."""

import asyncio
import random
import re
import socket
import struct

import dns.flags
import dns.message
import dns.rcode
import pytest

from kinns.dns.config import blocks_for
from kinns.dns.corefile import CorefileError, parse
from kinns.dns.plugins.kubernetes.records import Index
from kinns.dns.plugins.names import Hosts
from kinns.dns.server import Block, Server


def test_corefile_blocks_directives_and_errors_with_line_numbers():
    [block] = parse(".:53 {\n  errors\n  kubernetes cluster.local in-addr.arpa {\n    pods insecure\n  }\n"
                    "  forward . 10.0.0.1:5353 # upstream\n}\n")
    assert block.zones == ["."] and block.port == 53
    assert [d.name for d in block.directives] == ["errors", "kubernetes", "forward"]
    assert block.directives[1].block[0].args == ["insecure"]
    with pytest.raises(CorefileError, match=r"Corefile:3 - Error during parsing: unknown directive 'bogus'"):
        blocks_for(parse(".:53 {\n  errors\n  bogus\n}\n"))
    with pytest.raises(CorefileError, match=r"Corefile:2 .*pods: wrong value"):
        blocks_for(parse(".:53 {\n  kubernetes cluster.local { pods maybe }\n}\n"))
    with pytest.raises(CorefileError, match="missing '}'"):
        parse(".:53 {\n  errors\n")
    [b] = blocks_for(parse(".:53 {\n  forward . 10.0.0.1\n  cache 30\n  errors\n}\n"))[53]
    assert [p.name for p in b.plugins] == ["errors", "cache", "forward"]  # CoreDNS's order, not the file's


@pytest.mark.parametrize("directive", ["log . {\n class denial\n }", "errors {\n consolidate 5m \".*\"\n }",
                                       "loadbalance weighted /etc/w"])
def test_plugin_options_kinns_does_not_honour_are_refused_not_ignored(directive):
    with pytest.raises(CorefileError, match=r"Corefile:2 .*takes no arguments"):
        blocks_for(parse(f".:53 {{\n  {directive}\n}}\n"))
    assert blocks_for(parse(".:53 {\n  loadbalance round_robin\n  log\n  errors\n}\n"))


def _index() -> Index:
    index = Index("cluster.local.", "insecure")
    services = [{"metadata": {"namespace": "default", "name": "web"},
                 "spec": {"clusterIP": "10.96.0.20", "clusterIPs": ["10.96.0.20"],
                          "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}},
                {"metadata": {"namespace": "default", "name": "db"}, "spec": {"clusterIP": "None"}}]
    slices = [{"metadata": {"namespace": "default", "labels": {"kubernetes.io/service-name": "db"}},
               "ports": [{"name": "pg", "port": 5432, "protocol": "TCP"}],
               "endpoints": [{"addresses": ["10.244.1.5"], "hostname": "db-0", "conditions": {"ready": True}},
                             {"addresses": ["10.244.2.5"], "conditions": {"ready": False}}]}]
    index.build([{"metadata": {"name": "default"}}], services, slices, [])
    return index


def test_index_answers_the_specification():
    index = _index()
    assert index.lookup(["web", "default", "svc"]).records["A"] == ["10.96.0.20"]
    assert index.lookup(["_http", "_tcp", "web", "default", "svc"]).records["SRV"] == \
        ["0 100 80 web.default.svc.cluster.local."]
    assert index.lookup(["db", "default", "svc"]).records["A"] == ["10.244.1.5"]  # ready endpoints only
    assert index.lookup(["db-0", "db", "default", "svc"]).records["A"] == ["10.244.1.5"]
    assert index.lookup(["_pg", "_tcp", "db", "default", "svc"]).records["SRV"] == \
        ["0 100 5432 db-0.db.default.svc.cluster.local."]
    assert index.lookup(["10-244-9-9", "default", "pod"]).records["A"] == ["10.244.9.9"]
    assert index.lookup(["default", "svc"]).exists and not index.lookup(["nope", "svc"]).exists
    assert not index.lookup(["missing", "default", "svc"]).exists
    assert index.reverse("10.96.0.20") == ["web.default.svc.cluster.local."]
    assert index.lookup(["dns-version"]).records["TXT"] == ['"1.1.0"']


def _server() -> Server:
    hosts = Hosts("", ["."])
    hosts.inline = ["10.1.2.3 a.example"]
    return Server(0, [Block(["."], [hosts])])


def _ask(server: Server, wire: bytes, proto: str = "udp") -> bytes | None:
    return asyncio.run(server.answer(wire, ("127.0.0.1", 5353), proto))


def test_rcodes_and_truncation():
    server = _server()
    reply = dns.message.from_wire(_ask(server, dns.message.make_query("a.example", "A").to_wire()))
    assert reply.rcode() == dns.rcode.NOERROR and reply.answer[0][0].address == "10.1.2.3"
    reply = dns.message.from_wire(_ask(server, dns.message.make_query("b.example", "A").to_wire()))
    assert reply.rcode() == dns.rcode.NXDOMAIN
    garbage = struct.pack("!HHHHHH", 77, 0x0100, 1, 0, 0, 0) + b"\x05abc"
    reply = dns.message.from_wire(_ask(server, garbage), question_only=True)
    assert reply.id == 77 and reply.rcode() == dns.rcode.FORMERR
    assert _ask(server, b"\x01\x02") is None  # no header: dropped
    hosts = server.blocks[0].plugins[0]
    hosts.inline = [f"10.0.{i // 250}.{i % 250} big.example" for i in range(80)]
    hosts.names = {}
    reply = dns.message.from_wire(_ask(server, dns.message.make_query("big.example", "A").to_wire()))
    assert reply.flags & dns.flags.TC and not reply.answer
    reply = dns.message.from_wire(_ask(server, dns.message.make_query("big.example", "A").to_wire(), "tcp"))
    assert len(reply.answer[0]) == 80


def test_fuzzed_packets_never_crash_or_hang():
    server = _server()
    rng = random.Random(1234)
    valid = dns.message.make_query("a.example", "A", use_edns=0).to_wire()
    loop = struct.pack("!HHHHHH", 9, 0x0100, 1, 0, 0, 0) + b"\xc0\x0c" + b"\x00\x01\x00\x01"  # points at itself
    cases = [loop, valid[:13], valid + b"\x00" * 3000, b"\x00" * 12, b"\xff" * 512]
    for _ in range(10000):
        kind = rng.random()
        if kind < 0.4:
            cases.append(bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 80))))
        else:
            mutated = bytearray(valid)
            for _ in range(rng.randint(1, 6)):
                mutated[rng.randrange(len(mutated))] = rng.getrandbits(8)
            cases.append(bytes(mutated[:rng.randint(0, len(mutated))]) if kind < 0.7 else bytes(mutated))

    async def run() -> None:
        for wire in cases:
            answer = await asyncio.wait_for(server.answer(wire, ("127.0.0.1", 1), "udp"), 1)
            if answer is not None:
                assert len(answer) >= 12 and answer[:2] == wire[:2]
    asyncio.run(run())


def test_forward_marks_a_failing_upstream_down_and_probes_it_back(monkeypatch):
    from kinns.dns.plugins import forward
    from kinns.dns.server import Request

    class Responder(asyncio.DatagramProtocol):
        def connection_made(self, transport) -> None:
            self.transport = transport

        def datagram_received(self, data: bytes, addr) -> None:
            reply = dns.message.make_response(dns.message.from_wire(data))
            self.transport.sendto(reply.to_wire(), addr)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        live, _ = await loop.create_datagram_endpoint(Responder, local_addr=("127.0.0.1", 0))
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never answers: an upstream timing out
        silent.bind(("127.0.0.1", 0))
        up = forward.Upstream("127.0.0.1", live.get_extra_info("sockname")[1])
        down = forward.Upstream("127.0.0.1", silent.getsockname()[1])
        plugin = forward.Forward(".", [down, up])
        plugin.policy, plugin.rest = "sequential", 0.1
        for _ in range(2):
            query = dns.message.make_query("x.example", "A")
            reply = await plugin.serve(Request(query, ("127.0.0.1", 1), "udp"), None)
            assert reply.rcode() == dns.rcode.NOERROR  # answered by the live one after the silent one failed
        assert not down.healthy
        silent.close()
        answering, _ = await loop.create_datagram_endpoint(Responder, local_addr=("127.0.0.1", down.port))
        for _ in range(30):
            await asyncio.sleep(0.05)
            if down.healthy:
                break
        assert down.healthy  # the probe saw it answer again
        live.close()
        answering.close()
    monkeypatch.setattr(forward, "TIMEOUT", 0.2)
    asyncio.run(run())


def test_log_plugin_writes_a_coredns_line_per_query(caplog):
    from kinns.dns.plugins.simple import Log

    hosts = Hosts("", ["."])
    hosts.inline = ["10.1.2.3 a.example"]
    server = Server(0, [Block(["."], [Log(), hosts], wire_cache=False)])
    with caplog.at_level("INFO", logger="kinns.dns"):
        _ask(server, dns.message.make_query("a.example", "A").to_wire())
    assert re.search(r'\[INFO\] 127\.0\.0\.1:5353 - \d+ "A IN a\.example\. udp \d+ false 512" NOERROR qr,aa,rd \d+ '
                     r"[\d.]+s", caplog.text)
