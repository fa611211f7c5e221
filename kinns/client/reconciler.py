"""The reconcile loop every controller and node agent runs: mirrors in, a work queue of keys, workers out.

A Reconciler names what it watches; each change of a watched object maps to
the keys it makes stale (by default one key, None: "the whole state", for
components that render everything at once, such as kube-proxy or the
Ingress controller). Keys wait in a queue without duplicates, and a key is
never reconciled by two workers at once (client-go's workqueue): a change
that arrives while its key is being reconciled queues it once more. Nothing
is reconciled before every mirror has listed once. A failed key is retried
with an exponential back-off; `resync` re-queues everything periodically;
`coalesce` waits after each reconcile so a burst of changes costs one pass.
"""

import asyncio
import logging
import random
from collections.abc import Callable, Hashable, Iterable

from .client import Client
from .mirror import Informers, Mirror

Keys = Callable[[dict], Iterable[Hashable]]


class Reconciler:
    name = "reconciler"
    log_name = ""  # the logger's name, when it is not kinns.<name>
    workers = 1
    resync = 0.0  # seconds between re-queueing every key (0: never)
    coalesce = 0.0  # seconds a worker waits after each reconcile

    def __init__(self, client: Client, informers: Informers | None = None) -> None:
        self.client = client
        self.informers = informers or Informers(client)
        self.log = logging.getLogger(self.log_name or f"kinns.{self.name}")
        self.watched: list[tuple[Mirror, Keys | None]] = []
        self._queue: asyncio.Queue = asyncio.Queue()
        self._dirty: set = set()
        self._processing: set = set()
        self._failures: dict = {}

    def watch(self, path: str, keys: Keys | None = None, query: dict | None = None) -> Mirror:
        """Mirror `path`; every change of an object there queues `keys(object)` (of its old and its new state),
        or the single key None when `keys` is not given."""
        mirror = self.informers.mirror(path, query)

        def changed(old: dict | None, new: dict | None) -> None:
            for obj in (old, new):
                if obj is not None:
                    for key in (keys(obj) if keys else (None,)):
                        self.enqueue(key)

        mirror.subscribe(changed)
        self.watched.append((mirror, keys))
        return mirror

    def synced(self) -> bool:
        return all(m.synced for m, _ in self.watched)

    def enqueue(self, key: Hashable, delay: float = 0.0) -> None:
        if delay:
            asyncio.get_running_loop().call_later(delay, self.enqueue, key)
            return
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.put_nowait(key)

    def enqueue_all(self) -> None:
        for mirror, keys in self.watched:
            if keys is None:
                self.enqueue(None)
                continue
            for obj in mirror.values():
                for key in keys(obj):
                    self.enqueue(key)

    async def reconcile(self, key: Hashable) -> None:
        raise NotImplementedError

    async def run(self) -> None:
        """Start the mirrors, wait until they have listed, then reconcile forever."""
        self.informers.start()
        await asyncio.gather(*(m.wait_synced() for m, _ in self.watched))
        self.enqueue_all()
        tasks = [asyncio.create_task(self._work(), name=f"{self.name} worker") for _ in range(self.workers)]
        if self.resync:
            tasks.append(asyncio.create_task(self._resync()))
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def _work(self) -> None:
        while True:
            key = await self._queue.get()
            self._dirty.discard(key)
            self._processing.add(key)
            try:
                await self.reconcile(key)
                self._failures.pop(key, None)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 (a reconciler keeps going; the key is retried)
                self._failures[key] = failures = self._failures.get(key, 0) + 1
                self.log.exception("reconcile %s failed (attempt %d)", key, failures)
                self.enqueue(key, min(0.1 * 2 ** failures, 10.0))
            finally:
                self._processing.discard(key)
                if key in self._dirty:
                    self._queue.put_nowait(key)
            if self.coalesce:
                await asyncio.sleep(self.coalesce)

    async def _resync(self) -> None:
        while True:
            await asyncio.sleep(self.resync * (0.8 + 0.4 * random.random()))
            self.enqueue_all()
