"""`/nginx-ingress-controller --flag=value ...`, as ingress-nginx's image starts: the controller, its health
port (`--healthz-port`, where the manifest's probes look) and, with `--validating-webhook`, its admission webhook.

TERM (what the pod's preStop `/wait-shutdown` sends, and the kubelet after it) shuts down as the real controller
does: the last replica clears the Ingresses' addresses, the Lease is released, nginx quits gracefully, and the
process waits `--post-shutdown-grace-period` before it exits.
"""

import os
import signal
import sys

signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # first: as PID 1 of its pod, an unhandled TERM is ignored

import asyncio  # noqa: E402
import logging  # noqa: E402

from aiohttp import web  # noqa: E402

from ..apimachinery.goflags import FlagError  # noqa: E402
from ..client import Client  # noqa: E402
from . import admission, flags  # noqa: E402
from .controller import Controller  # noqa: E402
from .wait_shutdown import PID_FILE, RUN  # noqa: E402

log = logging.getLogger("ingress-nginx")


def _listen(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host or "0.0.0.0", int(port)


async def main(opts: flags.Options) -> None:
    namespace, pod = os.environ.get("POD_NAMESPACE", "default"), os.environ.get("POD_NAME", "")
    RUN.mkdir(parents=True, exist_ok=True)
    PID_FILE.write_text(str(os.getpid()))
    client = Client.in_cluster("nginx-ingress-controller")
    controller = Controller(client, opts, RUN, namespace, pod)
    log.info("Starting NGINX Ingress controller (kinns): class %s, controller %s, pod %s/%s", opts.ingress_class,
             opts.controller_class, namespace, pod)

    async def healthz(_: web.Request) -> web.Response:
        ok = controller.synced_once and controller.nginx.running
        return web.Response(status=200 if ok else 500, text="ok" if ok else "nginx is not running yet")

    health = web.Application()
    health.router.add_get(opts.health_path, healthz)
    runners = [web.AppRunner(health, access_log=None)]
    sites = [(runners[0], opts.healthz_host or "0.0.0.0", opts.healthz_port, None)]
    if opts.webhook:
        runners.append(web.AppRunner(admission.application(controller.validate), access_log=None))
        host, port = _listen(opts.webhook)
        sites.append((runners[1], host, port, admission.tls_context(opts.webhook_certificate, opts.webhook_key)))
    for runner, host, port, ctx in sites:
        await runner.setup()
        await web.TCPSite(runner, host, port, ssl_context=ctx).start()
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    task = asyncio.create_task(controller.run())
    await asyncio.wait([task, asyncio.create_task(stopping.wait())], return_when=asyncio.FIRST_COMPLETED)
    log.info("Received SIGTERM, shutting down")
    await asyncio.sleep(opts.shutdown_grace)  # --shutdown-grace-period: nginx keeps serving meanwhile
    task.cancel()
    await controller.shutdown()
    for runner in runners:
        await runner.cleanup()
    await client.close()
    log.info("Handled quit, delaying controller exit for %d seconds", opts.post_shutdown_grace)
    await asyncio.sleep(opts.post_shutdown_grace)
    log.info("Exiting with 0")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(levelname).1s%(asctime)s %(process)7d %(name)s] %(message)s", datefmt="%m%d %H:%M:%S")
    try:
        options = flags.parse(sys.argv[1:], os.environ.get("POD_NAMESPACE", "default"))
    except FlagError as err:
        if str(err).startswith("unknown"):  # pflag's ExitOnError: the message, then exit status 2
            sys.stderr.write(f"{err}\n")
            os._exit(2)
        log.critical("%s", err)
        os._exit(1)
    if "--version" in sys.argv[1:] or "--version=true" in sys.argv[1:]:
        print("-------------------------------------------------------------------------------\nNGINX Ingress "
              "controller (kinns)\n  Release:       v1.15.1\n-------------------------------------------------"
              "------------------------------")
        os._exit(0)
    asyncio.run(main(options))
