"""The API server's storage: objects by key, one global resourceVersion, watches.

`Store` is the interface (SQLite by default, an etcd-backed store can
implement it later); keys look like etcd's: /registry/<resource>/<ns>/<name>.
Every write takes the next resourceVersion of a single sequence, stores it in
the object's metadata and appends an event, so a watch can resume from any
resourceVersion still in the event history, and gets 410 Gone before that.
"""

from .store import MAX_VALUE, Conflict, Event, Exists, Gone, Missing, Store, TooLarge, Watch
from .sqlite import SQLiteStore

__all__ = ["MAX_VALUE", "Conflict", "Event", "Exists", "Gone", "Missing", "SQLiteStore", "Store", "TooLarge", "Watch"]
