"""The lifecycle of clusters: `up`, `stop`, `start`, `down` (and `status`), on the record kinns.kernel.record keeps."""

from ..kernel.record import ClusterError, ClusterRecord
from .lifecycle import down, start, status, stop, up

__all__ = ["ClusterError", "ClusterRecord", "down", "start", "status", "stop", "up"]
