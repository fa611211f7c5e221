"""Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection package holds one.

A candidate takes the Lease when it is free (no holder, or a renewTime older than leaseDurationSeconds), renews
it every `retry` seconds while it leads, and counts itself leader only while its last renewal is younger than
`renew_deadline`; every write is a compare-and-swap on the Lease's resourceVersion, so two candidates never both
win. `leaseTransitions` counts the changes of holder, and `release` empties the holder on shutdown so another
replica takes over at once instead of after the lease expires.
"""

import asyncio
import datetime
import logging
from collections.abc import Callable

from ..apimachinery.errors import APIError
from ..apimachinery.meta import micro_now, parse_time
from .client import Client, path


class LeaderElector:
    def __init__(self, client: Client, namespace: str, name: str, identity: str, lease_seconds: float = 30.0,
                 renew_deadline: float = 20.0, retry: float = 2.0,
                 on_change: Callable[[bool], None] | None = None) -> None:
        self.client, self.where = client, path("coordination.k8s.io/v1", "leases", namespace, name)
        self.namespace, self.name, self.identity = namespace, name, identity
        self.lease_seconds, self.renew_deadline, self.retry = lease_seconds, renew_deadline, retry
        self.on_change = on_change
        self.log = logging.getLogger("kinns.election")
        self._renewed = 0.0  # loop time of the last successful renewal while leading
        self._leading = False

    @property
    def leading(self) -> bool:
        loop = asyncio.get_running_loop()
        return self._leading and loop.time() - self._renewed < self.renew_deadline

    def _set(self, leading: bool) -> None:
        if leading != self._leading:
            self._leading = leading
            self.log.info("%s %s lease %s/%s", self.identity, "acquired" if leading else "lost", self.namespace,
                          self.name)
            if self.on_change:
                self.on_change(leading)

    async def _try(self) -> bool:
        """One attempt to take or renew the Lease; True when this candidate holds it afterwards."""
        lease = await self.client.get(self.where)
        stamp = micro_now()
        spec = {"holderIdentity": self.identity, "leaseDurationSeconds": int(self.lease_seconds),
                "acquireTime": stamp, "renewTime": stamp, "leaseTransitions": 0}
        if lease is None:
            await self.client.create(self.where.rsplit("/", 1)[0], {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace}, "spec": spec})
            return True
        old = lease.get("spec") or {}
        holder = old.get("holderIdentity") or ""
        if holder and holder != self.identity:
            renewed = parse_time(old.get("renewTime") or old.get("acquireTime") or "")
            age = (datetime.datetime.now(datetime.timezone.utc) - renewed).total_seconds() if renewed else 1e9
            if age < (old.get("leaseDurationSeconds") or self.lease_seconds):
                return False
        if holder == self.identity:
            spec["acquireTime"] = old.get("acquireTime") or stamp
            spec["leaseTransitions"] = old.get("leaseTransitions") or 0
        else:
            spec["leaseTransitions"] = (old.get("leaseTransitions") or 0) + (1 if holder else 0)
        lease["spec"] = spec
        await self.client.replace(self.where, lease)  # 409 when another candidate wrote in between
        return True

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                won = await self._try()
            except (APIError, OSError) as err:
                won = False
                if not isinstance(err, APIError) or err.code != 409:
                    self.log.warning("lease %s/%s: %s", self.namespace, self.name, err)
            if won:
                self._renewed = loop.time()
            self._set(won or (self._leading and loop.time() - self._renewed < self.renew_deadline))
            await asyncio.sleep(self.retry)

    async def release(self) -> None:
        """Give the Lease up (its holder emptied), if this candidate holds it."""
        if not self._leading:
            return
        try:
            lease = await self.client.get(self.where)
            if lease and (lease.get("spec") or {}).get("holderIdentity") == self.identity:
                lease["spec"].update({"holderIdentity": "", "leaseDurationSeconds": 1, "renewTime": micro_now()})
                await self.client.replace(self.where, lease)
        except (APIError, OSError) as err:
            self.log.warning("releasing lease %s/%s: %s", self.namespace, self.name, err)
        self._set(False)
