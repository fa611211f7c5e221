"""kube-controller-manager and kube-scheduler: controllers on the API client, started by the control plane
(kinns.controlplane) next to the API server, as k3s runs them."""

from ..client import Client, Informers
from .base import Controller
from .cluster import GarbageCollector, NamespaceController, NodeIPAMController, ServiceAccountController
from .daemonset import DaemonSetController
from .endpoints import EndpointsController
from .nodelifecycle import NodeLifecycleController
from .scheduler import Scheduler
from .servicelb import ServiceLBController
from .workloads import DeploymentController, ReplicaSetController


def all_controllers(client: Client, apiserver_ip: str, ca_pem: str, node_grace: float = 40.0) -> list[Controller]:
    """Every controller, sharing one set of informers (one watch per kind). `node_grace`: how long a node may
    go without status before it is Unknown (--node-monitor-grace-period)."""
    informers = Informers(client)
    return [Scheduler(client, informers), NodeLifecycleController(client, informers, grace=node_grace), ServiceAccountController(client, informers, ca_pem=ca_pem),
            NodeIPAMController(client, informers), NamespaceController(client, informers),
            ReplicaSetController(client, informers), DeploymentController(client, informers),
            DaemonSetController(client, informers), EndpointsController(client, informers),
            ServiceLBController(client, informers, apiserver_ip=apiserver_ip), GarbageCollector(client, informers)]
