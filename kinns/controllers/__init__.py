"""kube-controller-manager and kube-scheduler, run inside the API server process (as k3s does)."""

import asyncio
import ssl

from aiohttp import web

from ..apiserver.handlers import Objects
from . import addons
from .cluster import GarbageCollector, NamespaceController, NodeIPAMController, ServiceAccountController, bootstrap
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
                   NamespaceController(objects),
                   ReplicaSetController(objects), DeploymentController(objects), DaemonSetController(objects),
                   EndpointsController(objects), ServiceLBController(objects, address.rsplit(":", 1)[0]),
                   GarbageCollector(objects)]
    return [asyncio.create_task(c.run(), name=c.name) for c in controllers]


# kubeadm's secure ports of the two components, on loopback: kube-controller-manager, kube-scheduler
HEALTH_PORTS = {10257: "kube-controller-manager", 10259: "kube-scheduler"}


async def serve_health(ctx: ssl.SSLContext) -> list[web.AppRunner]:
    """/healthz on 127.0.0.1:10257 and :10259, where kubeadm's probes and a course's `netstat -plnt` find them."""
    runners = []
    for port in HEALTH_PORTS:
        app = web.Application()
        app.router.add_get("/healthz", lambda _: web.Response(text="ok"))
        app.router.add_get("/livez", lambda _: web.Response(text="ok"))
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, ssl_context=ctx).start()
        runners.append(runner)
    return runners
