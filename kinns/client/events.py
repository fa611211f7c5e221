"""Recording Events (core/v1), as components do for `kubectl describe` and `kubectl get events`.

The same reason and message about the same object bumps the count and
lastTimestamp of the Event already written instead of adding another (as
client-go's event correlator does). Events are best effort and never hold
up their component: they queue, and one writer posts them in order.
"""

import asyncio
import hashlib

from ..apimachinery.errors import APIError
from ..apimachinery.meta import now
from .client import Client, path


class EventRecorder:
    def __init__(self, client: Client, component: str, host: str = "") -> None:
        self.client, self.component, self.host = client, component, host
        self.counts: dict[tuple[str, str], int] = {}  # (namespace, event name) -> count written
        self.queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self.writer: asyncio.Task | None = None

    def record(self, obj: dict, event_type: str, reason: str, message: str, field_path: str = "") -> None:
        """Queue an Event about `obj` (Normal or Warning)."""
        if self.writer is None:
            self.writer = asyncio.get_running_loop().create_task(self._write())
        try:
            self.queue.put_nowait((obj, event_type, reason, message, field_path))
        except asyncio.QueueFull:
            pass  # events are best effort, as in Kubernetes

    async def _write(self) -> None:
        while True:
            item = await self.queue.get()
            try:
                await self._post(*item)
            except (APIError, OSError):
                pass

    async def _post(self, obj: dict, event_type: str, reason: str, message: str, field_path: str) -> None:
        meta = obj.get("metadata", {})
        namespace = meta.get("namespace") or "default"
        digest = hashlib.sha1(f"{meta.get('uid')}/{field_path}/{reason}/{message}".encode()).hexdigest()[:16]
        name = f"{meta.get('name')}.{digest}"
        stamp = now()
        count = self.counts.get((namespace, name), 0) + 1
        if count > 1:
            try:
                await self.client.patch(path("v1", "events", namespace, name), {"count": count, "lastTimestamp": stamp})
                self.counts[(namespace, name)] = count
                return
            except APIError as err:
                if err.code != 404:
                    raise
                count = 1  # gone (expired, or the namespace emptied): write it afresh
        source = {"component": self.component, **({"host": self.host} if self.host else {})}
        involved = {"kind": obj.get("kind", ""), "namespace": meta.get("namespace"), "name": meta.get("name"),
                    "uid": meta.get("uid"), "apiVersion": obj.get("apiVersion", "v1"),
                    "resourceVersion": meta.get("resourceVersion"), **({"fieldPath": field_path} if field_path else {})}
        event = {"metadata": {"name": name, "namespace": namespace}, "involvedObject": involved, "reason": reason,
                 "message": message, "source": source, "firstTimestamp": stamp, "lastTimestamp": stamp,
                 "count": 1, "type": event_type, "reportingComponent": self.component,
                 "reportingInstance": self.host or self.component}
        try:
            await self.client.create(path("v1", "events", namespace), event)
            self.counts[(namespace, name)] = 1
        except APIError as err:
            if err.code != 409:
                raise
            current = await self.client.get(path("v1", "events", namespace, name)) or {}
            count = current.get("count", 1) + 1
            await self.client.patch(path("v1", "events", namespace, name), {"count": count, "lastTimestamp": stamp})
            self.counts[(namespace, name)] = count
