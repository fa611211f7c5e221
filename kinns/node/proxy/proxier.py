"""kube-proxy's reconcile loop: Services and EndpointSlices from the API, rules into the node's kernel.

Reflectors keep the Services, EndpointSlices and Nodes current; any change marks
the state dirty, and the loop syncs at most once per minSyncPeriod. The first
sync after start (and one after any failure, and one every syncPeriod) is
full, so rules left by a crashed proxy are replaced and stale ones removed;
the others rewrite only what changed. Starting in one mode removes the other
mode's rules, as kube-proxy does when its mode is switched.
"""

import asyncio
import logging
import subprocess
import time

from ...client import Client, Mirror
from . import announce, health, iptables, nftables
from .config import ProxyConfig
from .services import ServicePort, ports_of, slices_by_service

log = logging.getLogger("kube-proxy")
FULL_SYNC_EVERY = 3600.0


class Proxier:
    def __init__(self, client: Client, node: str, config: ProxyConfig) -> None:
        self.client, self.node, self.config = client, node, config
        self.dirty = asyncio.Event()
        self.services, self.slices, self.nodes = (Mirror(self.dirty.set) for _ in range(3))
        self.ports: dict[str, tuple[tuple, list[ServicePort]]] = {}  # service uid -> (versions, its ports)
        if config.mode == "nftables":
            self.backend, self.other = nftables.NftablesBackend(), iptables.IptablesBackend
        else:
            self.backend, self.other = iptables.IptablesBackend(), nftables.NftablesBackend
        self.health = health.HealthServer(config.healthz_port)

    async def run(self) -> None:
        log.info("Using %s Proxier. node=%s clusterCIDR=%s", self.config.mode, self.node, self.config.cluster_cidr)
        try:
            await asyncio.to_thread(self.other.cleanup)
        except subprocess.CalledProcessError as err:
            log.warning("cleaning up %s rules failed: %s", self.other.name, err.stderr)
        await self.health.start()
        await asyncio.gather(
            self.client.mirror("/api/v1/services", self.services),
            self.client.mirror("/apis/discovery.k8s.io/v1/endpointslices", self.slices),
            self.client.mirror("/api/v1/nodes", self.nodes),
            self.loop())

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
            cache[uid] = hit if hit and hit[0] == versions else (versions, ports_of(svc, slices))
            out += cache[uid][1]
        self.ports = cache
        return sorted(out, key=lambda sp: (sp.key, sp.protocol))

    async def loop(self) -> None:
        full, last_full = True, time.monotonic()
        while True:
            try:
                await asyncio.wait_for(self.dirty.wait(), self.config.sync_period)
            except asyncio.TimeoutError:
                pass
            if not all(m.synced for m in (self.services, self.slices, self.nodes)):
                continue
            self.dirty.clear()
            full = full or time.monotonic() - last_full > FULL_SYNC_EVERY
            started = time.monotonic()
            ports = self.service_ports()
            try:
                rules = self.backend.render(ports, self.node, self.config.cluster_cidr)
                written = await asyncio.to_thread(self.backend.sync, rules, full)
            except subprocess.CalledProcessError as err:
                log.error("sync failed, retrying with a full sync: %s", (err.stderr or "").strip()[:2000])
                full = True
                self.dirty.set()
                await asyncio.sleep(self.config.min_sync_period)
                continue
            self.health.update(ports, self.node)
            mine = {ip for ip, owner in announce.owners(ports, self.nodes.values()).items() if owner == self.node}
            await asyncio.to_thread(announce.apply, mine)
            log.info("%s sync of %d service ports done in %.1f ms (%d chains/elements written)",
                     "full" if full else "partial", len(ports), (time.monotonic() - started) * 1000, written)
            if full:
                last_full = time.monotonic()
            full = False
            await asyncio.sleep(self.config.min_sync_period)
