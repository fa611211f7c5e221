"""Recording Events (core/v1), as components do for `kubectl describe` and `kubectl get events`.

A repeat of the same reason and message on the same object bumps the count
and lastTimestamp of the existing Event instead of adding another.
"""

import hashlib

from ..apiserver.errors import APIError
from ..apiserver.handlers import Objects, WriteOptions, now


def record(objects: Objects, obj: dict, kind: str, event_type: str, reason: str, message: str,
           component: str, host: str = "") -> None:
    meta = obj.get("metadata", {})
    namespace = meta.get("namespace") or "default"
    digest = hashlib.sha1(f"{meta.get('uid')}/{reason}/{message}".encode()).hexdigest()[:16]
    name = f"{meta.get('name')}.{digest}"
    r = objects.registry.get("", "v1", "events")
    stamp = now()
    existing = objects.store.get(r.key(namespace, name))
    opts = WriteOptions(manager=component)
    try:
        if existing:
            existing = {**existing, "count": existing.get("count", 1) + 1, "lastTimestamp": stamp}
            objects.update(r, namespace, name, existing, "", opts)
            return
        source = {"component": component, **({"host": host} if host else {})}
        objects.create(r, namespace, {
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": {"kind": kind, "namespace": meta.get("namespace"), "name": meta.get("name"),
                               "uid": meta.get("uid"), "apiVersion": obj.get("apiVersion", "v1"),
                               "resourceVersion": meta.get("resourceVersion")},
            "reason": reason, "message": message, "source": source, "firstTimestamp": stamp,
            "lastTimestamp": stamp, "count": 1, "type": event_type, "reportingComponent": component,
            "reportingInstance": host or component}, opts)
    except APIError:
        pass  # events are best effort, as in Kubernetes
