"""Mirrors of the API's objects, as client-go's reflector and informer keep them.

A Mirror lists one path, then watches it from the list's resourceVersion,
and relists after any break, so it always converges on what the API holds.
It keeps the objects by uid and by (namespace, name) and tells its
listeners every change as (old, new). Events older than what it holds for
an object are dropped, and the objects its own client writes are taken in at
once, so a controller reads its own writes before their watch events
arrive (client-go's mutation cache does the same).

Informers shares one Mirror per path among the controllers of a process, as
a SharedInformerFactory does: one watch, one copy, many listeners.
"""

import asyncio
import logging
from collections.abc import Callable

from ..apimachinery.labels import label_selector, split_terms
from ..apimachinery.meta import key
from .client import Client

log = logging.getLogger("kinns.client")
Listener = Callable[[dict | None, dict | None], None]


def _version(obj: dict) -> int:
    try:
        return int(obj["metadata"].get("resourceVersion") or 0)
    except (TypeError, ValueError):
        return 0


class Mirror:
    def __init__(self, client: Client, path: str, query: dict | None = None) -> None:
        self.client, self.path, self.query = client, path, dict(query or {})
        self.objects: dict[str, dict] = {}  # uid -> object
        self.by_key: dict[tuple[str, str], dict] = {}  # (namespace, name) -> object
        self.gone: dict[str, int] = {}  # uid -> resourceVersion it was deleted at (late events ignored)
        self.listeners: list[Listener] = []
        self.type: tuple[str, str] | None = None  # (apiVersion, kind) of the items, once listed
        self._synced = asyncio.Event()

    @property
    def synced(self) -> bool:
        """Listed at least once."""
        return self._synced.is_set()

    async def wait_synced(self) -> None:
        await self._synced.wait()

    def subscribe(self, listener: Listener) -> None:
        self.listeners.append(listener)

    # reads

    def values(self) -> list[dict]:
        return list(self.objects.values())

    def items(self) -> list[tuple[str, dict]]:
        return list(self.objects.items())

    def get(self, namespace: str | None, name: str) -> dict | None:
        return self.by_key.get((namespace or "", name))

    def in_namespace(self, namespace: str | None) -> list[dict]:
        return [o for o in self.objects.values() if (o["metadata"].get("namespace") or "") == (namespace or "")]

    # changes

    def _notify(self, old: dict | None, new: dict | None) -> None:
        for listener in self.listeners:
            listener(old, new)

    def _put(self, obj: dict) -> None:
        uid = obj["metadata"]["uid"]
        old = self.objects.get(uid)
        if uid in self.gone and _version(obj) <= self.gone[uid]:
            return
        if old is not None and _version(obj) and _version(obj) <= _version(old):
            return
        self.objects[uid] = obj
        self.by_key[key(obj)] = obj
        self._notify(old, obj)

    def _drop(self, obj: dict) -> None:
        uid = obj["metadata"]["uid"]
        self.gone[uid] = max(_version(obj), self.gone.get(uid, 0))
        old = self.objects.pop(uid, None)
        if old is None:
            return
        if self.by_key.get(key(old)) is old:
            del self.by_key[key(old)]
        self._notify(old, None)

    def listed(self, items: list[dict]) -> None:
        """Replace everything with a fresh list (authoritative); listeners hear of what changed."""
        fresh = {o["metadata"]["uid"]: o for o in items}
        for uid, old in list(self.objects.items()):
            if uid not in fresh:
                self._drop(old)
        self.gone.clear()
        for uid, obj in fresh.items():
            old = self.objects.get(uid)
            if old is not None and old["metadata"].get("resourceVersion") == obj["metadata"].get("resourceVersion"):
                continue
            self.objects[uid] = obj
            self.by_key[key(obj)] = obj
            self._notify(old, obj)
        self._synced.set()

    def event(self, kind: str, obj: dict) -> None:
        if kind == "DELETED":
            self._drop(obj)
        elif kind in ("ADDED", "MODIFIED"):
            self._put(obj)

    def wrote(self, method: str, obj: dict) -> None:
        """An object this client wrote: taken in now, if it is of this mirror's type and its selectors select
        it (one that no longer matches leaves)."""
        if self.type != (obj.get("apiVersion"), obj.get("kind")):
            return
        if (method == "DELETE" and not obj["metadata"].get("deletionTimestamp")) or not self.selects(obj):
            self._drop(obj)
        else:
            self._put(obj)

    def selects(self, obj: dict) -> bool:
        """Does the mirror's label and field selector select `obj` (as the API would for its watch)?"""
        if not label_selector(self.query.get("labelSelector"))(obj["metadata"].get("labels") or {}):
            return False
        for term in split_terms(self.query.get("fieldSelector") or ""):
            path, _, wanted = term.partition("!=") if "!=" in term else term.replace("==", "=").partition("=")
            value: object = obj
            for part in path.strip().split("."):
                value = value.get(part) if isinstance(value, dict) else None
            value = str(value).lower() if isinstance(value, bool) else "" if value is None else str(value)
            if (value == wanted.strip()) == ("!=" in term):
                return False
        return True

    # the reflector

    async def run(self) -> None:
        """Keep the mirror equal to what the API holds at the path. Runs until cancelled."""
        while True:
            try:
                listing = await self.client.request("GET", self.path, query=self.query)
                self.type = (listing.get("apiVersion"), (listing.get("kind") or "").removesuffix("List"))
                self.listed([{**i, "apiVersion": self.type[0], "kind": self.type[1]} for i in listing["items"]])
                watch = {**self.query, "resourceVersion": listing["metadata"]["resourceVersion"]}
                async for event in self.client.watch(self.path, watch):
                    if event["type"] == "ERROR":
                        break  # expired: relist
                    if event["type"] != "BOOKMARK":
                        self.event(event["type"], event["object"])
            except asyncio.CancelledError:
                raise
            except Exception as err:  # noqa: BLE001 (relist and go on, as a reflector does)
                log.warning("list/watch of %s failed (%s); relisting", self.path, err or type(err).__name__)
                await asyncio.sleep(1)


class Informers:
    """One Mirror per (path, query) for all the reconcilers of a process, fed by one watch each."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.mirrors: dict[tuple, Mirror] = {}
        self.tasks: list[asyncio.Task] = []
        self.started = False
        client.write_listeners.append(self._wrote)

    def follow(self, client: Client) -> None:
        """Also see at once what `client` writes: a reconciler that writes as an identity of its own (a
        controller's service account) while reading from these shared mirrors."""
        if self._wrote not in client.write_listeners:
            client.write_listeners.append(self._wrote)

    def mirror(self, path: str, query: dict | None = None) -> Mirror:
        wanted = (path, tuple(sorted((query or {}).items())))
        if wanted not in self.mirrors:
            self.mirrors[wanted] = Mirror(self.client, path, query)
            if self.started:
                self.tasks.append(asyncio.create_task(self.mirrors[wanted].run(), name=f"mirror {path}"))
        return self.mirrors[wanted]

    def start(self) -> None:
        """Start every mirror's reflector (once; mirrors asked for later start at once)."""
        if not self.started:
            self.started = True
            self.tasks += [asyncio.create_task(m.run(), name=f"mirror {m.path}") for m in self.mirrors.values()]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def _wrote(self, method: str, obj: dict) -> None:
        for mirror in self.mirrors.values():
            mirror.wrote(method, obj)
