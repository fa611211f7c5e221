"""`kinns trace`: one real packet from a pod (or the machine) to a pod, Service, name, address or URL, followed
hop by hop through the kernel.

The steps, each in its own module: resolve FROM and TO through the API (target.py); look a name up from the pod
(probe.resolve); mark the probe's flow in every namespace it can pass (marks.py) and listen to netfilter's trace
events there (monitor.py); send the packet (probe.send); read the routes, VXLAN forwarding and conntrack entries
it met (lookups.py); put it together (hops.py). Whatever the trace added to the kernel is removed before it
returns, also when it is interrupted; tables a killed trace left behind in those namespaces are removed first.
"""

import asyncio
import os
import random
import time
from dataclasses import dataclass

from ..client import Client
from ..kernel import netns
from ..kernel.command import CommandFailed
from ..kernel.record import ClusterRecord, kubeconfig_path
from ..node.kubelet import sandbox
from . import hops, marks, probe, target
from .hops import Hop, Place, Report
from .lookups import Lookups
from .monitor import Monitor, MonitorError
from .target import TraceError

__all__ = ["TraceError", "Trace", "trace"]
SETTLE = 0.05  # netfilter reports a packet as it passes, before any answer; this is for nft to print it


@dataclass
class Trace:
    source: str
    destination: str
    proto: str
    report: Report
    seconds: float

    def to_dict(self) -> dict:
        return {"from": self.source, "to": self.destination, "protocol": self.proto, **self.report.to_dict(),
                "seconds": round(self.seconds, 3)}


def _places(cluster: ClusterRecord, src: target.Pod | None, tgt: target.Target) -> list[Place]:
    """Where the packet can be: its source, the source's node, the other nodes, the pods it may end at."""
    out = [Place(src.node, src.netns, f"pod {src.key}", is_pod=True) if src else Place("host", None, "host")]
    first = src.node if src else next((n.name for n in cluster.nodes if n.ip == tgt.ip), "")
    nodes = sorted(cluster.nodes, key=lambda n: (n.name != first, n.index))
    out += [Place(n.name, n.netns, "node") for n in nodes]
    out += [Place(p.node, p.netns, f"pod {p.key}", is_pod=True) for p in tgt.candidates
            if not src or p.netns != src.netns]
    return out


def _lookup(record: ClusterRecord, cluster: target.Cluster, src: target.Pod | None, tgt: target.Target,
            proto: str | None) -> tuple[target.Target, list[Hop]]:
    """A name asked from the pod's resolver (the DNS query and answer are the first hops), then classified."""
    if src is None:  # the machine does not use the cluster's DNS: a Service name is read from the API
        if not tgt.service:
            raise TraceError(f"{tgt.name!r}: from host only Service names and addresses can be traced")
        ip = tgt.service.cluster_ip
        prelude = [Hop("host", "host", "", "dns", f"{tgt.name}: the machine does not use cluster DNS; "
                                                   f"Service {tgt.service.key} has ClusterIP {ip} (API)")]
    else:
        conf = sandbox.pod_directory(record, src.namespace, src.name) / "resolv.conf"
        found = probe.resolve(netns.path(src.netns), str(conf), tgt.name)
        prelude = [Hop(src.node, src.netns, "eth0", "dns", f"query A {found.asked} to {found.server}:53 -> "
                                                         f"{found.rcode} {' '.join(found.answer)}".rstrip())]
        if not found.answer:
            close = cluster.close_names(src.namespace, tgt.name.split(".")[0])
            raise TraceError(f"{tgt.name}: {found.rcode} from {found.server}"
                             + (f"; close names: {', '.join(close)}" if close else ""))
        ip = found.answer[0]
    port = str(tgt.service_port["port"]) if tgt.service_port else (str(tgt.port) if tgt.port else None)
    resolved = target.classify(cluster, tgt.asked, ip, port, proto or (tgt.proto if tgt.service_port else None),
                               tgt.name)
    return resolved, prelude


def trace(record: ClusterRecord, namespace: str, frm: str, to: str, proto: str | None = None) -> Trace:
    start = time.monotonic()

    async def read() -> target.Cluster:
        client = Client.from_kubeconfig(kubeconfig_path(record.state_dir), "kinns-trace")
        try:
            return await target.read(client, record)
        finally:
            await client.close()

    cluster = asyncio.run(read())
    src = target.source(cluster, namespace, frm)
    tgt = target.destination(cluster, namespace, to, proto)
    prelude: list[Hop] = []
    if tgt.kind == "name":
        tgt, prelude = _lookup(record, cluster, src, tgt, proto)
    if tgt.proto not in marks.PROTOCOLS:
        raise TraceError(f"--proto {tgt.proto}: kinns trace sends tcp, udp or icmp")
    if tgt.proto != "icmp" and not tgt.port:
        raise TraceError(f"{to}: give a port (TO:PORT) for a {tgt.proto} probe, or --proto icmp")
    flow = marks.Flow(tgt.proto, random.randint(1, 65535) if tgt.proto == "icmp" else random.randint(20000, 29999))
    trace_id = f"{os.getpid()}-{random.getrandbits(24):06x}"
    places = _places(record, src, tgt)
    mark = marks.Marks(trace_id, flow)
    monitors: list[Monitor] = []
    try:
        try:
            mark.add([(place.netns, place.label == "node") for place in places])
            monitors += [Monitor(place.netns) for place in places]
            for m in monitors:
                m.wait_listening()
        except (CommandFailed, MonitorError) as err:  # a namespace gone under the trace, nft refusing
            raise TraceError(f"the trace could not start: {err}") from err
        outcome = probe.send(src and netns.path(src.netns), flow.proto, tgt.ip, tgt.port, flow.key)
        time.sleep(SETTLE)
        for place, m in zip(places, monitors):
            place.events = m.stop()
    finally:
        for m in monitors:
            m.stop()
        left = mark.remove()
    if left:
        raise TraceError("trace tables could not be removed: " + "; ".join(left))
    if src is None:  # from the machine: the node that took the packet in first (a LoadBalancer's announcer)
        places[1:] = sorted(places[1:], key=lambda p: not hops.entered_from(p, record.gateway))
    report = hops.build(places, flow, Lookups(), outcome.result, outcome.detail, prelude,
                        src.ip if src else record.gateway)
    if tgt.service and tgt.service_port and not tgt.service.ready(tgt.service_port) and not report.delivered:
        report.verdict += f" (Service {tgt.service.key} has no ready endpoints)"
    if tgt.kind == "url":
        report.hops.append(_ingress_hop(cluster, tgt, report))
    label = src.key if src else "host"
    return Trace(label, f"{tgt.asked} = {tgt.describe()}", tgt.proto, report, time.monotonic() - start)


def _ingress_hop(cluster: target.Cluster, tgt: target.Target, report: Report) -> Hop:
    """Where the Ingress controller or Gateway the probe reached sends a request for this host and path: its
    own connection to the backend Service (a new one, not this probe's)."""
    last = next((h for h in reversed(report.hops) if h.event == "receive"), Hop("", "", "", "", ""))
    for ing in cluster.ingresses:
        for host, path, service, port in target.ingress_paths(ing):
            if host == tgt.host and tgt.path.startswith(path):
                ns = ing["metadata"]["namespace"]
                return Hop(last.node, last.netns, last.interface, "ingress",
                           f"Ingress {ns}/{ing['metadata']['name']}: host {tgt.host} path {path} -> Service "
                           f"{ns}/{service}:{port} (the controller opens its own connection to it)")
    for route in cluster.routes:
        names = route.get("spec", {}).get("hostnames") or []
        if tgt.host in names or not names:
            return Hop(last.node, last.netns, last.interface, "ingress",
                       f"HTTPRoute {route['metadata']['namespace']}/{route['metadata']['name']}: host {tgt.host} -> "
                       f"Services {', '.join(target.route_backends(route))} (the Gateway's nginx opens its own "
                       "connection to them)")
    return Hop(last.node, last.netns, last.interface, "ingress", f"no path of host {tgt.host} matches {tgt.path}")
