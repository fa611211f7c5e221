"""kube-proxy's HTTP health answers: /healthz on port 10256, and a health-check node port per Local Service.

A load balancer in front of an externalTrafficPolicy: Local Service asks
each node's healthCheckNodePort whether it has endpoints of that Service:
200 with the count when it has, 503 when not, so traffic only goes to nodes
that keep the client's address and serve it.
"""

import asyncio
import datetime
import json

from aiohttp import web

from .services import ServicePort


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


class HealthServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.last_sync = ""
        self.checks: dict[int, tuple[str, str, int]] = {}  # node port -> (namespace, name, local endpoints)
        self.sites: dict[int, web.AppRunner] = {}

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/livez", self._healthz)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "0.0.0.0", self.port).start()

    async def _healthz(self, _: web.Request) -> web.Response:
        body = {"lastUpdated": self.last_sync, "currentTime": _now(), "nodeEligible": True}
        return web.json_response(body, status=200 if self.last_sync else 503)

    def update(self, ports: list[ServicePort], node: str) -> None:
        """Record a sync; open and close the Services' health-check node ports to match."""
        self.last_sync = _now()
        checks = {}
        for sp in ports:
            if sp.external_local and sp.health_check_node_port:
                ns, name, count = checks.get(sp.health_check_node_port, (sp.namespace, sp.name, 0))
                checks[sp.health_check_node_port] = (ns, name, count + len(sp.local_endpoints(node)))
        self.checks = checks
        for port in set(self.sites) - set(checks):
            asyncio.get_running_loop().create_task(self.sites.pop(port).cleanup())
        for port in set(checks) - set(self.sites):
            runner = web.AppRunner(self._check_app(port), access_log=None)
            self.sites[port] = runner
            asyncio.get_running_loop().create_task(self._open(runner, port))

    async def _open(self, runner: web.AppRunner, port: int) -> None:
        await runner.setup()
        await web.TCPSite(runner, "0.0.0.0", port).start()

    def _check_app(self, port: int) -> web.Application:
        async def answer(_: web.Request) -> web.Response:
            ns, name, count = self.checks.get(port, ("", "", 0))
            body = {"service": {"namespace": ns, "name": name}, "localEndpoints": count,
                    "serviceProxyHealthy": True}
            return web.Response(text=json.dumps(body), content_type="application/json",
                                status=200 if count else 503)
        app = web.Application()
        app.router.add_get("/{tail:.*}", answer)
        return app
