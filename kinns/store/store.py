"""The storage interface and the in-process fan-out of watch events."""

from __future__ import annotations  # `list` is also a method name here

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass


class Missing(Exception):
    """No object at the key."""


class Exists(Exception):
    """An object is already at the key."""


class Conflict(Exception):
    """The object changed since the resourceVersion the caller had."""


class Gone(Exception):
    """The resourceVersion asked for is older than the event history kept."""


class TooLarge(Exception):
    """The object is larger than a stored value may be (etcd's request limit)."""


MAX_VALUE = 1536 * 1024  # etcd's default --max-request-bytes: the largest object kube-apiserver can store


@dataclass(frozen=True)
class Event:
    type: str  # ADDED, MODIFIED, DELETED
    key: str
    rv: int
    object: dict


class Watch:
    """Events under a key prefix: first the history after a resourceVersion, then live ones.

    A watcher that falls MAX_PENDING events behind is dropped, as kube-apiserver's cacher closes the channel of
    an unresponsive watcher: its stream ends after what it was sent, and the client watches again from the last
    resourceVersion it saw (the history has the rest). Without the bound, one watcher that does not read holds
    every write made since, and the server's memory grows with the write rate.
    """

    MAX_PENDING = 5000

    def __init__(self, store: "Store", prefix: str) -> None:
        self.store, self.prefix = store, prefix
        self.queue: asyncio.Queue[Event] = asyncio.Queue()
        self.overflowed = False

    def offer(self, event: Event) -> None:
        if self.overflowed or not event.key.startswith(self.prefix):
            return
        if self.queue.qsize() >= self.MAX_PENDING:
            self.overflowed = True  # nothing after the gap may be sent; batch() ends the stream
            return
        self.queue.put_nowait(event)

    async def batch(self, timeout: float | None = None) -> list[Event] | None:
        """Every event waiting, waiting up to `timeout` for the first; [] when the timeout passes, None when the
        watcher fell too far behind and its stream must end. All of them at once, because one await per event
        lets a busy server's writes outrun a watch whose events are mostly filtered away."""
        if self.queue.empty() and not self.overflowed:
            try:
                first = await asyncio.wait_for(self.queue.get(), timeout)
            except asyncio.TimeoutError:
                return []
            events = [first]
        else:
            events = []
        while not self.queue.empty():
            events.append(self.queue.get_nowait())
        return events if events or not self.overflowed else None

    def close(self) -> None:
        self.store.watches.discard(self)


class Store(ABC):
    """Keyed JSON objects with a global resourceVersion; subclasses persist them."""

    def __init__(self) -> None:
        self.watches: set[Watch] = set()
        # called with every event as it is committed, before any watcher sees it (the API server's own
        # indexes, e.g. RBAC, which must hold for the very next request)
        self.listeners: list[Callable[[Event], None]] = []

    @property
    @abstractmethod
    def revision(self) -> int:
        """The resourceVersion of the latest write."""

    @abstractmethod
    def get(self, key: str) -> dict | None: ...

    @abstractmethod
    def list(self, prefix: str) -> tuple[list[dict], int]:
        """Every object under `prefix` (in key order) and the revision they were read at."""

    @abstractmethod
    def create(self, key: str, obj: dict) -> dict: ...

    @abstractmethod
    def update(self, key: str, obj: dict, expect_rv: int | None = None) -> dict: ...

    @abstractmethod
    def delete(self, key: str, expect_rv: int | None = None) -> dict: ...

    @abstractmethod
    def history(self, prefix: str, after_rv: int) -> list[Event]:
        """Events under `prefix` newer than `after_rv`; Gone if they were compacted away."""

    def watch(self, prefix: str, after_rv: int | None) -> Watch:
        """Subscribe before replaying history, so no event falls between the two."""
        w = Watch(self, prefix)
        self.watches.add(w)
        if after_rv is not None:
            try:
                for event in self.history(prefix, after_rv):
                    w.queue.put_nowait(event)
            except Gone:
                w.close()
                raise
        return w

    def publish(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)
        for w in list(self.watches):
            w.offer(event)
