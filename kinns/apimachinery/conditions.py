"""Status conditions: write one keeping its lastTransitionTime while its status holds; read one."""

from .meta import now


def condition(kind: str, status: bool | str, reason: str = "", message: str = "", previous: list[dict] | None = None,
              when: str | None = None, **extra: object) -> dict:
    """The condition `kind` as it should be written now: lastTransitionTime moves (to `when`, by default now)
    only when its status changes from the one in `previous` (the object's current conditions)."""
    value = status if isinstance(status, str) else ("True" if status else "False")
    before = next((c for c in previous or [] if c.get("type") == kind), {})
    before_when = before.get("lastTransitionTime") if before.get("status") == value else None
    out: dict = {"type": kind, "status": value}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return {**out, **extra, "lastTransitionTime": before_when or when or now()}


def is_true(obj: dict, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True"
               for c in (obj.get("status") or {}).get("conditions") or [])

