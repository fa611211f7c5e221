"""kube-controller-manager and kube-scheduler: controllers on the API client, started by the control plane
(kinns.controlplane) next to the API server, as k3s runs them."""

from collections.abc import Callable
from pathlib import Path

from ..client import Client, Informers
from .autoscaler import AutoscalerController
from .base import Controller
from .certificates import CertificateSigningController
from .cluster import GarbageCollector, NamespaceController, NodeIPAMController, ServiceAccountController
from .cronjob import CronJobController
from .daemonset import DaemonSetController
from .disruption import DisruptionController
from .endpoints import EndpointsController
from .job import JobController
from .nodelifecycle import NodeLifecycleController
from .quota import ResourceQuotaController
from .rbac import ClusterRoleAggregationController
from .scheduler import Scheduler
from .servicelb import ServiceLBController
from .statefulset import StatefulSetController
from .volumes import PersistentVolumeController
from .workloads import DeploymentController, ReplicaSetController, ReplicationControllerController

ClientFor = Callable[[str], Client]


def all_controllers(client: Client, client_for: ClientFor, apiserver_ip: str, pki: Path, volumes_dir: Path,
                    node_grace: float = 40.0) -> list[Controller]:
    """Every controller, sharing one set of informers (one watch per kind, read as `client`,
    kube-controller-manager's own identity); each writes as the identity `client_for(its name)` gives, as
    kube-controller-manager's --use-service-account-credentials has it. `node_grace`: how long a node may go
    without status before it is Unknown (--node-monitor-grace-period); `volumes_dir`: where the local-path
    provisioner makes volumes; `pki`: the cluster CA the service-account and signing controllers use."""
    informers = Informers(client)

    def make(kind: type[Controller], **settings: object) -> Controller:
        own = client_for(kind.name)
        informers.follow(own)
        return kind(own, informers, **settings)

    return [make(Scheduler), make(NodeLifecycleController, grace=node_grace),
            make(ServiceAccountController, ca_pem=(pki / "ca.crt").read_text()), make(NodeIPAMController),
            make(NamespaceController),
            make(ReplicaSetController), make(ReplicationControllerController), make(DeploymentController),
            make(DaemonSetController),
            make(EndpointsController), make(ServiceLBController, apiserver_ip=apiserver_ip),
            make(StatefulSetController), make(PersistentVolumeController, volumes_dir=volumes_dir),
            make(JobController), make(CronJobController), make(DisruptionController), make(GarbageCollector),
            make(ResourceQuotaController), make(AutoscalerController), make(CertificateSigningController, pki=pki),
            make(ClusterRoleAggregationController)]
