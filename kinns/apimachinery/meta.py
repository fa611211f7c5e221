"""Object metadata helpers: times as the API writes them, and owner references."""

import datetime


def now() -> str:
    """The current time as a metav1.Time (RFC 3339, seconds, UTC)."""
    return format_time(datetime.datetime.now(datetime.timezone.utc))


def micro_now() -> str:
    """The current time as a metav1.MicroTime (RFC 3339 with microseconds, UTC): Leases' renewTime."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None) -> datetime.datetime | None:
    """A metav1.Time or MicroTime as an aware datetime (to the second); None when absent or unreadable."""
    try:
        seconds = rfc3339_ns(text) // 1_000_000_000 if text else None
    except ValueError:
        return None
    return None if seconds is None else datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)


def rfc3339_ns(text: str) -> int:
    """Nanoseconds since the epoch of an RFC 3339 time (any number of fraction digits, any offset); ValueError
    if it is not one."""
    text = text.strip()
    main, dot, rest = text.partition(".")
    fraction, zone = "", rest
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        fraction, zone = rest[:digits], rest[digits:]
    else:
        main, zone = text[:19], text[19:]
    if not zone:
        raise ValueError(f"{text!r} has no time zone")
    when = datetime.datetime.strptime(main + zone.replace("Z", "+00:00"), "%Y-%m-%dT%H:%M:%S%z")
    return int(when.timestamp()) * 1_000_000_000 + int((fraction + "000000000")[:9])


def format_time(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def key(obj: dict) -> tuple[str, str]:
    """(namespace, name); the namespace is "" for cluster-scoped objects."""
    meta = obj.get("metadata") or {}
    return meta.get("namespace") or "", meta.get("name") or ""


def owner_reference(owner: dict, kind: str, api_version: str) -> dict:
    """A controller reference to `owner`, as a controller sets it on what it creates."""
    return {"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
            "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}


def controlled_by(obj: dict, owner: dict) -> bool:
    return any(ref.get("uid") == owner["metadata"]["uid"] and ref.get("controller")
               for ref in (obj.get("metadata") or {}).get("ownerReferences") or [])


def controller_name(obj: dict, kind: str) -> str | None:
    """The name of the object's controller when it is of `kind`."""
    return next((ref["name"] for ref in (obj.get("metadata") or {}).get("ownerReferences") or []
                 if ref.get("controller") and ref.get("kind") == kind), None)
