"""`/usr/bin/gateway COMMAND --flag=value ...`, as NGINX Gateway Fabric's image starts its control plane.

`controller` is kinns's provisioning control plane (a data plane Deployment per Gateway, as NGF 2.x does);
`static-mode` is NGF 1.x's (nginx in the same pod, static.py); `initialize` is the 1.x init container's step
(the bootstrap includes copied into the shared main-includes directory). Flags are read as cobra reads them;
NGF flags kinns does not carry are refused by name unless at their default.
"""

import os
import signal
import sys

signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # first: as PID 1 of its pod, an unhandled TERM is ignored

import asyncio  # noqa: E402
import logging  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

from aiohttp import web  # noqa: E402

from ...apimachinery.goflags import FlagError, FlagSet  # noqa: E402
from ...client import Client  # noqa: E402
from ...client.election import LeaderElector  # noqa: E402
from .api import CONTROLLER_NAME  # noqa: E402
from .controller import Controller  # noqa: E402
from .static import StaticController  # noqa: E402

log = logging.getLogger("nginx-gateway")
COMMON = {"gateway-ctlr-name": "", "gatewayclass": ""}
STATIC = {**COMMON, "config": "", "service": "", "metrics-port": 9113, "health-port": 8081,
          "leader-election-lock-name": "", "leader-election-disable": False, "metrics-disable": False,
          "health-disable": False, "update-gatewayclass-status": True, "product-telemetry-disable": False}
NOT_CARRIED = {"nginx-plus": False, "experimental-features": False, "snippets-filters": False, "gateway": "",
               "metrics-secure-serving": False, "usage-report-secret": "", "usage-report-endpoint": "",
               "usage-report-resolver": "", "usage-report-skip-verify": False, "usage-report-ca-secret": "",
               "usage-report-client-ssl-secret": "", "nginx-docker-secret": "", "watch-namespaces": ""}
# NGF 2.x's controller flags: its data planes take their configuration over gRPC from the control plane, which
# kinns's provisioning controller (its agent reads a ConfigMap) does not speak yet, so they are refused by name
NGF2 = {"gatewayclass": "", "config": "", "service": "", "agent-tls-secret": "", "metrics-port": 0,
        "health-port": 0, "leader-election-lock-name": "", "leader-election-disable": False, "metrics-disable": False,
        "health-disable": False}
COMMANDS = {"controller": {"gateway-ctlr-name": CONTROLLER_NAME, **NGF2},
            "static-mode": {**STATIC, **NOT_CARRIED},
            "initialize": {"source": [], "destination": "", "nginx-plus": False}}


def parse(argv: list[str]) -> tuple[str, dict]:
    command = argv[0] if argv and not argv[0].startswith("-") else ""
    if command not in COMMANDS:
        raise FlagError(f'unknown command "{command}" for "gateway"' if command else
                        "a command is required: controller, static-mode or initialize")
    flags = FlagSet(f"gateway {command}")
    for name, default in COMMANDS[command].items():
        flags.add(name, default)
    values, given, rest = flags.parse(argv[1:])
    if rest:
        raise FlagError(f'unknown command "{rest[0]}" for "gateway {command}"')
    uncarried = NGF2 if command == "controller" else NOT_CARRIED
    refused = sorted(n for n in given & uncarried.keys() if values[n] != uncarried[n])
    if refused:
        raise FlagError("kinns's NGINX Gateway Fabric does not implement " + ", ".join(f"--{n}" for n in refused)
                        + (" (NGF 2.x's control plane with its gRPC agents is not built yet)"
                           if command == "controller" else ""))
    if command != "initialize" and values["gateway-ctlr-name"] != CONTROLLER_NAME:
        raise FlagError(f'invalid argument "{values["gateway-ctlr-name"]}" for "--gateway-ctlr-name" flag: '
                        f"kinns's controller is {CONTROLLER_NAME}")
    if command == "static-mode":
        missing = [f'"{n}"' for n in ("gatewayclass", "gateway-ctlr-name") if n not in given]
        if missing:
            raise FlagError(f"required flag(s) {', '.join(missing)} not set")
    if command == "initialize" and not (values["source"] and values["destination"]):
        raise FlagError('required flag(s) "destination", "source" not set')
    return command, values


def initialize(opts: dict) -> None:
    """Copy the bootstrap includes into the shared directory nginx reads (`--source FILE --destination DIR`)."""
    for source in opts["source"]:
        shutil.copy(source, Path(opts["destination"]) / Path(source).name)
        log.info("Copied %s to %s", source, opts["destination"])


async def static_mode(opts: dict) -> None:
    namespace, pod = os.environ.get("POD_NAMESPACE", "nginx-gateway"), os.environ.get("POD_NAME", "")
    client = Client.in_cluster("nginx-gateway")
    elector = None if opts["leader-election-disable"] else LeaderElector(
        client, namespace, opts["leader-election-lock-name"] or "nginx-gateway-leader-election", pod, 15.0, 10.0, 2.0)
    controller = StaticController(client, opts["gatewayclass"], opts["service"], opts["config"], namespace, elector)

    async def readyz(_: web.Request) -> web.Response:
        return web.Response(status=200 if controller.reloaded else 503,
                            text="ready" if controller.reloaded else "nginx has not loaded a configuration yet")

    async def metrics(_: web.Request) -> web.Response:
        return web.Response(text="# TYPE nginx_gateway_fabric_nginx_reloads_total counter\n"
                                 f"nginx_gateway_fabric_nginx_reloads_total {controller.reloads}\n")
    servers = []
    if not opts["health-disable"]:
        servers.append((opts["health-port"], "/readyz", readyz))
    if not opts["metrics-disable"]:
        servers.append((opts["metrics-port"], "/metrics", metrics))
    for port, route, handler in servers:
        app = web.Application()
        app.router.add_get(route, handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "0.0.0.0", port).start()
    log.info("Starting NGINX Gateway Fabric in static mode (kinns): class %s, controller %s", opts["gatewayclass"],
             CONTROLLER_NAME)
    await asyncio.gather(controller.run(), *([elector.run()] if elector else []))


async def provisioning() -> None:
    client = Client.in_cluster("nginx-gateway")
    log.info("kinns gateway controller %s: every GatewayClass with this controllerName", CONTROLLER_NAME)
    await Controller(client, Path("/run/nginx-gateway")).run()  # the container's own /run


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(levelname).1s%(asctime)s %(process)d %(name)s] %(message)s", datefmt="%m%d %H:%M:%S")
    try:
        command, opts = parse(argv)
    except FlagError as err:
        sys.stderr.write(f"Error: {err}\n")
        return 1
    if command == "initialize":
        initialize(opts)
        return 0
    asyncio.run(static_mode(opts) if command == "static-mode" else provisioning())
    return 0


if __name__ == "__main__":
    os._exit(main(sys.argv[1:]))
