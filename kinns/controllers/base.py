"""What kube-controller-manager's controllers share: the Reconciler on shared informers, an event recorder, and
the paths of the built-in kinds they handle.

Each controller is a client of the API like any other: it reads from the
process's shared mirrors and writes through the API, so every write it makes
is validated and admitted as a user's would be.
"""

from ..apimachinery.meta import key
from ..client import Client, Informers, Mirror, Reconciler
from ..client.client import path
from ..client.events import EventRecorder

PODS, NODES, NAMESPACES, SERVICES = path("v1", "pods"), path("v1", "nodes"), path("v1", "namespaces"), \
    path("v1", "services")
ENDPOINTS, CONFIGMAPS, SERVICEACCOUNTS = path("v1", "endpoints"), path("v1", "configmaps"), \
    path("v1", "serviceaccounts")
DEPLOYMENTS, REPLICASETS, DAEMONSETS = path("apps/v1", "deployments"), path("apps/v1", "replicasets"), \
    path("apps/v1", "daemonsets")
ENDPOINTSLICES = path("discovery.k8s.io/v1", "endpointslices")
REVISIONS = path("apps/v1", "controllerrevisions")
CLAIMS, VOLUMES = path("v1", "persistentvolumeclaims"), path("v1", "persistentvolumes")
CLASSES = path("storage.k8s.io/v1", "storageclasses")

RESYNC = 30.0


def own_key(obj: dict) -> list[tuple[str, str]]:
    """The object's own (namespace, name), as a keys function."""
    return [key(obj)]


class Controller(Reconciler):
    resync = RESYNC

    def __init__(self, client: Client, informers: Informers, **settings: object) -> None:
        super().__init__(client, informers)
        self.events = EventRecorder(client, self.name)
        self.setup(**settings)

    def setup(self, **settings: object) -> None:
        """Name the mirrors the controller reads (self.watch) and take its settings."""

    @staticmethod
    def live(mirror: Mirror, at: tuple[str, str]) -> dict | None:
        """The object at `at`, unless it is gone or being deleted (then a controller leaves it alone)."""
        obj = mirror.get(*at)
        return None if obj is None or obj["metadata"].get("deletionTimestamp") else obj

    @property
    def log_name(self) -> str:  # type: ignore[override]
        return f"kinns.controllers.{self.name}"
