"""The reconcile loop every controller runs, inside the API server process (as k3s does).

A controller names the resources it watches; each event on them maps to the
keys of the objects to reconcile, which go into a queue without duplicates.
A worker takes keys one at a time and calls `sync(key)`; a failure puts the
key back after a back-off, and every key is resynced periodically, so a
controller rebuilds its state from the API alone after a restart.
"""

import asyncio
import logging
import random

from ..apiserver.handlers import Objects, WriteOptions
from ..apiserver.resources import Resource

RESYNC = 30.0


class Controller:
    name = "controller"
    watches: tuple[tuple[str, str, str], ...] = ()  # (group, version, plural)

    def __init__(self, objects: Objects) -> None:
        self.objects = objects
        self.log = logging.getLogger(f"kinns.controllers.{self.name}")
        self._queue: asyncio.Queue = asyncio.Queue()
        self._pending: set = set()

    def resource(self, group: str, version: str, plural: str) -> Resource:
        return self.objects.registry.get(group, version, plural)

    def opts(self) -> WriteOptions:
        return WriteOptions(manager=self.name)

    def keys_for(self, r: Resource, obj: dict) -> list:
        """The keys an event on `obj` (of resource `r`) makes stale; by default the object's own."""
        meta = obj.get("metadata", {})
        return [(meta.get("namespace"), meta.get("name"))]

    def enqueue(self, key, delay: float = 0.0) -> None:
        if delay:
            asyncio.get_running_loop().call_later(delay, self.enqueue, key)
            return
        if key not in self._pending:
            self._pending.add(key)
            self._queue.put_nowait(key)

    async def sync(self, key) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        store = self.objects.store
        pumps = []
        for gvr in self.watches:
            r = self.resource(*gvr)
            watch = store.watch(r.key(None), None)
            for obj in store.list(r.key(None))[0]:
                for key in self.keys_for(r, obj):
                    self.enqueue(key)
            pumps.append(asyncio.create_task(self._pump(r, watch)))
        pumps.append(asyncio.create_task(self._resync()))
        failures: dict = {}
        while True:
            key = await self._queue.get()
            self._pending.discard(key)
            try:
                await self.sync(key)
                failures.pop(key, None)
            except Exception:  # noqa: BLE001 (a controller keeps going; the key is retried)
                failures[key] = failures.get(key, 0) + 1
                self.log.exception("sync %s failed (attempt %d)", key, failures[key])
                self.enqueue(key, min(0.1 * 2 ** failures[key], 10.0))

    async def _pump(self, r: Resource, watch) -> None:
        while True:
            event = await watch.next()
            for key in self.keys_for(r, event.object):
                self.enqueue(key)

    async def _resync(self) -> None:
        while True:
            await asyncio.sleep(RESYNC * (0.8 + 0.4 * random.random()))
            for gvr in self.watches[:1]:
                r = self.resource(*gvr)
                for obj in self.objects.store.list(r.key(None))[0]:
                    for key in self.keys_for(r, obj):
                        self.enqueue(key)
