"""kube-controller-manager and kube-scheduler, run inside the API server process (as k3s does)."""

import asyncio

from ..apiserver.handlers import Objects
from . import addons
from .cluster import GarbageCollector, NodeIPAMController, ServiceAccountController, bootstrap
from .daemonset import DaemonSetController
from .endpoints import EndpointsController
from .scheduler import Scheduler
from .servicelb import ServiceLBController
from .workloads import DeploymentController, ReplicaSetController


def start(objects: Objects, address: str, ca_pem: str) -> list[asyncio.Task]:
    """Start every controller as a task of the running event loop."""
    bootstrap(objects, address)
    addons.install(objects, address)
    controllers = [Scheduler(objects), ServiceAccountController(objects, ca_pem), NodeIPAMController(objects),
                   ReplicaSetController(objects), DeploymentController(objects), DaemonSetController(objects),
                   EndpointsController(objects), ServiceLBController(objects, address.rsplit(":", 1)[0]),
                   GarbageCollector(objects)]
    return [asyncio.create_task(c.run(), name=c.name) for c in controllers]
