"""The storage interface and the in-process fan-out of watch events."""

from __future__ import annotations  # `list` is also a method name here

import asyncio
from abc import ABC, abstractmethod
from dataclasses import dataclass


class Missing(Exception):
    """No object at the key."""


class Exists(Exception):
    """An object is already at the key."""


class Conflict(Exception):
    """The object changed since the resourceVersion the caller had."""


class Gone(Exception):
    """The resourceVersion asked for is older than the event history kept."""


@dataclass(frozen=True)
class Event:
    type: str  # ADDED, MODIFIED, DELETED
    key: str
    rv: int
    object: dict


class Watch:
    """Events under a key prefix: first the history after a resourceVersion, then live ones."""

    def __init__(self, store: "Store", prefix: str) -> None:
        self.store, self.prefix = store, prefix
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

    def offer(self, event: Event) -> None:
        if event.key.startswith(self.prefix):
            self.queue.put_nowait(event)

    async def next(self, timeout: float | None = None) -> Event | None:
        """The next event, or None when `timeout` passes first."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except asyncio.TimeoutError:
            return None

    def close(self) -> None:
        self.store.watches.discard(self)


class Store(ABC):
    """Keyed JSON objects with a global resourceVersion; subclasses persist them."""

    def __init__(self) -> None:
        self.watches: set[Watch] = set()

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
        for w in list(self.watches):
            w.offer(event)
