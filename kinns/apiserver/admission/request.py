"""What one write asks, as admission sees it: kube-apiserver's admission attributes."""

from dataclasses import dataclass, field

from ..auth import User
from ..resources import Resource


@dataclass
class WriteOptions:
    """What a write request says besides its body (query parameters)."""

    dry_run: bool = False
    validation: str = "Warn"  # fieldValidation: Strict, Warn or Ignore
    manager: str = "unknown"  # fieldManager
    force: bool = False  # server-side apply takes ownership of conflicting fields
    user: User | None = None  # who writes (None: the API server itself)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Request:
    """One operation on one object: CREATE, UPDATE or DELETE of `name` (empty for a create naming none yet), or
    CONNECT to it (exec, attach, port-forward, with the connection's options as the object)."""

    resource: Resource
    operation: str
    namespace: str | None
    name: str
    opts: WriteOptions
    subresource: str = ""
    options: dict | None = None  # the operation's options object (DeleteOptions), where it has one
    kind: dict | None = None  # the kind of the object reviewed when it is not the resource's (CONNECT's options)


class Hooks:
    """Dynamic admission as storage calls it; this base admits everything unchanged (the API server's own
    writes at start, and unit tests of storage)."""

    async def mutate(self, request: Request, new: dict, old: dict | None) -> dict:
        """The object after every mutating step (it may be a new dict)."""
        return new

    async def validate(self, request: Request, new: dict | None, old: dict | None) -> None:
        """Raise the refusal (an APIError) of the first validating step that denies."""
