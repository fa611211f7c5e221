"""client-go's part: the API client (over a Transport), mirrors of the API's objects, and the Reconciler every
controller and node agent is built on."""

from ..apimachinery.errors import APIError
from .client import Client
from .mirror import Informers, Mirror
from .reconciler import Reconciler
from .transport import MockTransport, Request, Response

__all__ = ["APIError", "Client", "Informers", "Mirror", "MockTransport", "Reconciler", "Request", "Response"]
