"""The kubernetes plugin's handler: watch the API, keep the record index, answer from it."""

import ipaddress
import logging
import time
from pathlib import Path

import dns.exception
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.reversename

from ....client import Client, Informers, Mirror
from ...server import Next, Plugin, Request
from ...zones import most_specific
from .records import Index

log = logging.getLogger("kinns.dns.kubernetes")
PATHS = {"namespaces": "/api/v1/namespaces", "services": "/api/v1/services",
         "endpointslices": "/apis/discovery.k8s.io/v1/endpointslices", "pods": "/api/v1/pods"}


class Kubernetes(Plugin):
    name = "kubernetes"

    def __init__(self, zones: list[str]) -> None:
        self.zones = zones
        self.pods_mode, self.ttl, self.endpoint_pod_names = "disabled", 5, False
        self.fallthrough: list[str] = []
        self.only_namespaces: set[str] | None = None
        self.endpoint: str | None = None
        self.kubeconfig: str | None = None
        self.objects: dict[str, Mirror] = {}
        self.index: dict[str, Index] = {}
        self.dirty = True
        self.server = None
        self.informers: Informers | None = None
        self.client: Client | None = None

    @property
    def ready(self) -> bool:
        return all(kind in self.objects and self.objects[kind].synced
                   for kind in ("namespaces", "services", "endpointslices"))

    async def start(self, server) -> None:
        self.server = server
        if self.kubeconfig:
            self.client = Client.from_kubeconfig(Path(self.kubeconfig), "coredns", server=self.endpoint)
        else:
            self.client = Client.in_cluster("coredns", server=self.endpoint)
        self.informers = Informers(self.client)
        for kind, path in PATHS.items():
            if kind != "pods" or self.pods_mode == "verified":
                self.objects[kind] = self.informers.mirror(path)
                self.objects[kind].subscribe(self._changed)
        self.informers.start()

    async def stop(self) -> None:
        if self.informers is not None:
            await self.informers.stop()
        if self.client is not None:
            await self.client.close()

    def _changed(self, old: dict | None, new: dict | None) -> None:
        self.dirty = True
        if self.server is not None:
            self.server.changed()

    def _rebuild(self) -> None:
        def visible(o: dict) -> bool:
            return self.only_namespaces is None or o["metadata"].get("namespace") in self.only_namespaces
        namespaces = [n for n in self.objects["namespaces"].values()
                      if self.only_namespaces is None or n["metadata"]["name"] in self.only_namespaces]
        services = [o for o in self.objects["services"].values() if visible(o)]
        slices = [o for o in self.objects["endpointslices"].values() if visible(o)]
        pods = self.objects["pods"].values() if "pods" in self.objects else []
        self.index = {}
        for zone in self.zones:
            if zone.endswith("arpa."):
                continue
            index = Index(zone, self.pods_mode, self.endpoint_pod_names)
            index.build(namespaces, services, slices, pods)
            self.index[zone] = index
        self.dirty = False

    # answering

    async def serve(self, request: Request, nxt: Next):
        qname = request.qname
        zone = most_specific(self.zones, qname)
        if zone is None:
            return await nxt(request)
        if self.dirty:
            self._rebuild()
        if not self.ready:
            return request.reply(dns.rcode.SERVFAIL)  # CoreDNS: not yet synced with the API
        if zone.endswith("arpa."):
            return await self._reverse(request, zone, nxt)
        index = self.index[zone]
        labels = qname[:-len(zone)].rstrip(".").split(".") if qname != zone else []
        answer = index.lookup(labels)
        if not answer.exists and most_specific(self.fallthrough, qname):
            return await nxt(request)
        response = request.reply(dns.rcode.NOERROR if answer.exists else dns.rcode.NXDOMAIN, authoritative=True)
        name = request.question.name
        rdtype = dns.rdatatype.to_text(request.qtype)
        if qname == zone and rdtype in ("SOA", "NS"):
            answer.records = {"SOA": [self._soa(zone)], "NS": [f"ns.dns.{zone}"]}
        wanted = ["CNAME"] if "CNAME" in answer.records else [rdtype] if rdtype != "ANY" else list(answer.records)
        for kind in wanted:
            values = answer.records.get(kind) or []
            if values:
                response.answer.append(dns.rrset.from_text_list(name, self.ttl, "IN", kind, values))
        if not response.answer:
            response.authority.append(dns.rrset.from_text(zone, self.ttl, "IN", "SOA", self._soa(zone)))
        elif rdtype == "SRV":
            self._srv_additional(response, index)
        request.cacheable = self.ttl
        return response

    def _soa(self, zone: str) -> str:
        return f"ns.dns.{zone} hostmaster.{zone} {int(time.time())} 7200 1800 86400 {self.ttl}"

    def _srv_additional(self, response, index: Index) -> None:
        for rrset in list(response.answer):
            for rdata in rrset:
                target = rdata.target.to_text().lower()
                zone = most_specific([index.zone], target)
                if zone is None:
                    continue
                found = index.lookup(target[:-len(zone)].rstrip(".").split("."))
                if found.records.get("A"):
                    response.additional.append(dns.rrset.from_text_list(rdata.target, self.ttl, "IN", "A",
                                                                        found.records["A"]))

    async def _reverse(self, request: Request, zone: str, nxt: Next):
        try:
            ip = str(dns.reversename.to_address(request.question.name))
            ipaddress.ip_address(ip)
        except (dns.exception.SyntaxError, ValueError):
            ip = None
        names = sorted({n for index in self.index.values() for n in index.reverse(ip)}) if ip else []
        if not names:
            if most_specific(self.fallthrough, request.qname):
                return await nxt(request)
            response = request.reply(dns.rcode.NXDOMAIN, authoritative=True)
            response.authority.append(dns.rrset.from_text(zone, self.ttl, "IN", "SOA", self._soa(zone)))
            return response
        response = request.reply(authoritative=True)
        if request.qtype in (dns.rdatatype.PTR, dns.rdatatype.ANY):
            response.answer.append(dns.rrset.from_text_list(request.question.name, self.ttl, "IN", "PTR", names))
        request.cacheable = self.ttl
        return response
