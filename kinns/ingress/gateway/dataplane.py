"""The agent in each Gateway's data plane pod: it serves what the controller publishes, with real nginx.

`/agent --config NAMESPACE/NAME` watches that ConfigMap (nginx.conf) and the
Secret of the same name (the listeners' certificates), writes them under the
pod's own directory, and (re)loads nginx when they change; nginx -t guards
every reload, so a configuration that would not load never replaces the
running one. /readyz answers 200 once nginx serves the published
configuration, which is what makes the pod Ready and the Gateway Programmed.
"""

import os
import signal
import sys

# first: as PID 1 of its pod, an unhandled TERM is ignored
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import base64  # noqa: E402
import logging  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from aiohttp import web  # noqa: E402

from ...client import Client, Reconciler  # noqa: E402
from ...kernel.files import write_private  # noqa: E402
from ..nginx import Nginx, default_certificate  # noqa: E402
from .render import RUN  # noqa: E402



class Agent(Reconciler):
    name = log_name = "nginx-agent"
    resync = 2.0  # a dead nginx is noticed and started again within seconds

    def __init__(self, client: Client, namespace: str, name: str, run: Path, health_port: int) -> None:
        super().__init__(client)
        self.run_dir, self.health_port = run, health_port
        selector = {"fieldSelector": f"metadata.name={name}"}
        self.configmap = self.watch(f"/api/v1/namespaces/{namespace}/configmaps", query=selector)
        self.secret = self.watch(f"/api/v1/namespaces/{namespace}/secrets", query=selector)
        self.nginx = Nginx(run)
        self.serving = False

    async def run(self) -> None:
        default_certificate(self.run_dir / "default-certificate.pem", "kinns", "kinns gateway default certificate")
        app = web.Application()
        app.router.add_get("/readyz", self.readyz)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "0.0.0.0", self.health_port).start()
        await super().run()

    async def readyz(self, _: web.Request) -> web.Response:
        if self.serving and self.nginx.running:
            return web.Response(text="ok")
        return web.Response(status=503, text="waiting for a configuration")

    async def reconcile(self, key: None) -> None:
        await asyncio.to_thread(self.nginx.revive)
        config = next(iter(self.configmap.values()), {}).get("data", {}).get("nginx.conf")
        if not config:
            return
        for secret in self.secret.values():
            for file, data in (secret.get("data") or {}).items():
                write_private(self.run_dir / "certs" / file, base64.b64decode(data))
        config = config.replace(RUN, str(self.run_dir))
        if config != self.nginx.config:
            started = time.monotonic()
            error = await asyncio.to_thread(self.nginx.apply, config)
            self.serving = self.serving or not error
            if not error:
                self.log.info("configuration of %d bytes checked and loaded in %.1f ms", len(config),
                              (time.monotonic() - started) * 1000)


async def main(opts: argparse.Namespace) -> None:
    namespace, name = opts.config.split("/", 1)
    run = Path("/run/nginx-gateway")  # the container's own /run
    agent = Agent(Client.in_cluster("nginx-agent"), namespace, name, run, opts.health_port)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, lambda: _stop(agent))
    agent.log.info("kinns gateway data plane: serving ConfigMap %s/%s", namespace, name)
    await agent.run()


def _stop(agent: Agent) -> None:
    """TERM: nginx stops gracefully (QUIT: the workers finish the requests they hold), then so do we."""
    if agent.nginx.running:
        agent.nginx.process.send_signal(signal.SIGQUIT)
        agent.nginx.process.wait(timeout=20)
    os._exit(0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="agent")
    parser.add_argument("--config", required=True, help="NAMESPACE/NAME of the ConfigMap to serve")
    parser.add_argument("--health-port", type=int, default=8081)
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(levelname).1s%(asctime)s %(process)d %(name)s] %(message)s", datefmt="%m%d %H:%M:%S")
    asyncio.run(main(parser.parse_args()))
