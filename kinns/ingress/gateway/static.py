"""NGINX Gateway Fabric 1.x's static mode: the control plane and nginx in one pod (`gateway static-mode`).

The controller serves the Gateways of `--gatewayclass` (the oldest one; static mode programs a single Gateway,
as NGF 1.x does, and says so in the others' status) through the nginx container beside it: it renders the http
configuration into the shared /etc/nginx/conf.d (the certificates into /etc/nginx/secrets), checks it with
`nginx -t`, and reloads nginx with SIGHUP to the master whose pid nginx wrote into the shared /var/run/nginx
(the pod shares one process namespace; the image's gateway binary holds CAP_KILL to signal another user's
process). The Gateway's addresses come from `--service` (its LoadBalancer addresses, else the pod's IP), and
the NginxGateway named by `--config` gets its Valid condition. /readyz on `--health-port` answers once nginx
serves the first configuration.
"""

import asyncio
import os
import signal
from pathlib import Path

from ...client import Client
from ...client.election import LeaderElector
from ...kernel.files import write_atomic
from ..nginx import http_settings
from . import graph, render
from .controller import PATHS, Controller, conditions, load_balancer_ips

CONF_D, SECRETS, PID_FILE = Path("/etc/nginx/conf.d"), Path("/etc/nginx/secrets"), Path("/var/run/nginx/nginx.pid")
NGF_GROUP = "gateway.nginx.org"
PROVISIONING = ("deployments", "configmaps", "serviceaccounts", "roles", "rolebindings")


class StaticController(Controller):
    name = log_name = "nginx-gateway-static"
    mirrored = {**{k: v for k, v in PATHS.items() if k not in PROVISIONING},
               "nginxgateways": f"/apis/{NGF_GROUP}/v1alpha1/nginxgateways"}

    def __init__(self, client: Client, gateway_class: str, service: str, config: str, namespace: str,
                 elector: LeaderElector | None) -> None:
        super().__init__(client, SECRETS)  # nginx -t and the certificates where the nginx container reads them
        self.gateway_class, self.service, self.config_name, self.namespace = gateway_class, service, config, namespace
        self.elector = elector
        self.served: tuple[str, str] | None = None  # the Gateway nginx serves
        self.reloaded = False
        self.reloads = 0  # what /metrics counts

    async def reconcile(self, key: None) -> None:
        result = graph.build(self.world(self.left_out()))
        ours = [p for p in result.plans.values() if p.gateway["spec"]["gatewayClassName"] == self.gateway_class]
        plans = sorted(ours, key=lambda p: (p.gateway["metadata"].get("creationTimestamp", ""), p.key))
        self.served = plans[0].key if plans else None
        if plans:
            await self.program(plans[0])
        else:
            await self.provision(None, "")
        if self.elector is None or self.elector.leading:  # the Lease's holder writes the statuses
            self.write_status(result)
            self._config_status()

    async def provision(self, plan: graph.Plan | None, config: str | None) -> None:
        """Serve `config` (or nothing, with no Gateway): the http part into conf.d, then a reload."""
        if config is None:
            return  # nginx refused it: the last good configuration keeps serving
        http = "" if plan is None else http_settings() + "\n".join(
            render.http_blocks(plan)).replace(render.RUN, str(SECRETS)) + "\n"
        target = CONF_D / "http.conf"
        if plan is None:
            changed = not target.exists() or bool(target.read_text())
            self.published.clear()
        else:
            changed = self.published.get(plan.key) != config or not target.exists()
        if changed:
            await asyncio.to_thread(write_atomic, target, http)
            if plan is not None:
                self.published = {plan.key: config}
        if changed or not self.reloaded:  # also until nginx, started after the first write, has been signalled
            self.reloaded = await asyncio.to_thread(self._reload) or self.reloaded
            if not self.reloaded:
                self.enqueue(None, 1.0)  # until nginx is up to be told

    def _reload(self) -> bool:
        try:
            os.kill(int(PID_FILE.read_text()), signal.SIGHUP)
        except (OSError, ValueError) as err:  # nginx not up yet: it reads conf.d when it starts
            self.log.info("nginx not running yet (%s); it loads the configuration when it starts", err)
            return False
        self.reloads += 1
        self.log.info("NGINX configuration was successfully updated")
        return True

    async def deprovision(self, live: set[tuple[str, str]]) -> None:
        return  # nothing is provisioned: the data plane is this pod's nginx

    def _serving(self, plan: graph.Plan) -> tuple[list[str], bool, str]:
        if plan.key != self.served:
            return [], False, (f"static mode programs one Gateway of class {self.gateway_class}; "
                               f"{self.served[0]}/{self.served[1]} is the one served")
        ips = load_balancer_ips(self.objects["services"].get(self.namespace, self.service)) or \
            [os.environ.get("POD_IP", "")]
        return [ip for ip in ips if ip], self.reloaded, "waiting for nginx to load the configuration"

    def _config_status(self) -> None:
        cfg = self.objects["nginxgateways"].get(self.namespace, self.config_name)
        if cfg is None:
            return
        valid = graph.Condition("True", "Valid", "NginxGateway is valid")
        self._status(f"/apis/{NGF_GROUP}/v1alpha1/namespaces/{self.namespace}/nginxgateways/{self.config_name}",
                     cfg, {"conditions": conditions({"Valid": valid}, (cfg.get("status") or {}).get("conditions"),
                                                    cfg["metadata"].get("generation", 1))})

