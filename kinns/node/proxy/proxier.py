"""kube-proxy's reconcile loop: Services and EndpointSlices from the API, rules into the node's kernel.

Mirrors keep the Services, EndpointSlices and Nodes current; any change queues
the one key of the whole state, and a sync runs at most once per
minSyncPeriod (`coalesce`). The first sync after start (and one after any
failure, and one every hour) is full, so rules left by a crashed proxy are
replaced and stale ones removed; the others rewrite only what changed, and
every syncPeriod the state is synced again. Starting in one mode removes the
other mode's rules, as kube-proxy does when its mode is switched.
"""

import asyncio
import time

from ...client import Client, Reconciler
from ...client.events import EventRecorder
from ...kernel.command import CommandFailed
from . import announce, health, iptables, nftables
from .backend import Backend
from .config import ProxyConfig
from .services import ServicePort, Unrenderable, ports_of, slices_by_service

FULL_SYNC_EVERY = 3600.0


def backends(mode: str) -> tuple[Backend, Backend]:
    """(the backend of `mode`, the other one)."""
    ipt, nft = iptables.IptablesBackend(), nftables.NftablesBackend()
    return (nft, ipt) if mode == "nftables" else (ipt, nft)


class Proxier(Reconciler):
    name = log_name = "kube-proxy"

    def __init__(self, client: Client, node: str, config: ProxyConfig, backend: Backend | None = None,
                 other: Backend | None = None, announcer: announce.Announcer | None = None) -> None:
        super().__init__(client)
        self.node, self.config = node, config
        self.coalesce, self.resync = config.min_sync_period, config.sync_period
        self.services = self.watch("/api/v1/services")
        self.slices = self.watch("/apis/discovery.k8s.io/v1/endpointslices")
        self.nodes = self.watch("/api/v1/nodes")
        default, default_other = backends(config.mode)
        self.backend, self.other = backend or default, other or default_other
        self.announcer = announcer or announce.Announcer()
        self.ports: dict[str, tuple[tuple, list[ServicePort]]] = {}  # service uid -> (versions, its ports)
        self.health = health.HealthServer(config.healthz_port)
        self.events = EventRecorder(client, "kube-proxy", node)
        self.full, self.last_full = True, time.monotonic()

    async def run(self) -> None:
        self.log.info("Using %s Proxier. node=%s clusterCIDR=%s", self.config.mode, self.node,
                      self.config.cluster_cidr)
        try:
            await asyncio.to_thread(self.other.cleanup)
        except CommandFailed as err:
            self.log.warning("cleaning up %s rules failed: %s", self.other.name, err)
        await self.health.start()
        await super().run()

    def service_ports(self) -> list[ServicePort]:
        """The ports of every Service; those whose Service and slices kept their resourceVersions are the same
        objects as last time, so the backend finds what it rendered for them at once."""
        grouped = slices_by_service(self.slices.values())
        out: list[ServicePort] = []
        cache: dict[str, tuple[tuple, list[ServicePort]]] = {}
        for uid, svc in self.services.items():
            slices = grouped.get((svc["metadata"]["namespace"], svc["metadata"]["name"]), [])
            versions = (svc["metadata"].get("resourceVersion"), *sorted(s["metadata"].get("resourceVersion", "")
                                                                        for s in slices))
            hit = self.ports.get(uid)
            if hit and hit[0] == versions:
                cache[uid] = hit
            else:
                try:
                    cache[uid] = (versions, ports_of(svc, slices))
                except Unrenderable as err:  # skipped, as kube-proxy skips what it cannot program; once a version
                    cache[uid] = (versions, [])
                    self.log.error("Service %s/%s skipped: %s", svc["metadata"]["namespace"],
                                   svc["metadata"]["name"], err)
                    self.events.record(svc, "Warning", "FailedToSyncRules", f"kube-proxy on {self.node} cannot "
                                       f"program this Service: {err}")
            out += cache[uid][1]
        self.ports = cache
        return sorted(out, key=lambda sp: (sp.key, sp.protocol))

    async def reconcile(self, key: None) -> None:
        full = self.full or time.monotonic() - self.last_full > FULL_SYNC_EVERY
        started = time.monotonic()
        ports = self.service_ports()
        try:
            rules = self.backend.render(ports, self.node, self.config.cluster_cidr)
            written = await asyncio.to_thread(self.backend.sync, rules, full)
        except CommandFailed as err:
            self.full = True  # the kernel may hold part of it: start from nothing next time
            raise RuntimeError(f"sync failed, retrying with a full sync: {err}") from None
        self.health.update(ports, self.node)
        mine = {ip for ip, owner in announce.owners(ports, self.nodes.values()).items() if owner == self.node}
        await asyncio.to_thread(self.announcer.apply, mine)
        self.log.info("%s sync of %d service ports done in %.1f ms (%d chains/elements written)",
                      "full" if full else "partial", len(ports), (time.monotonic() - started) * 1000, written)
        if full:
            self.last_full = time.monotonic()
        self.full = False
