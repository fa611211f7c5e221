"""`python -m kinns.controlplane --data DIR --pki DIR --address IP:PORT`: the control plane of one cluster.

The API server listens on ADDRESS (HTTPS) and on a Unix socket in DIR, where
only this process's own clients come: the controllers and the add-on
installer, each with a token made at start that names its identity. The
shared informers read as system:kube-controller-manager; each controller
writes as its own service account (system:serviceaccount:kube-system:
<controller>), the scheduler as system:kube-scheduler, and the add-on
installer as kubeadm applies add-ons, with the admin's system:masters.
kubeadm's health ports of kube-controller-manager (10257) and kube-scheduler
(10259) answer on loopback.
"""

import argparse
import asyncio
import logging
import os
import secrets
import signal
import ssl
from pathlib import Path

from aiohttp import web

from ..apiserver.auth import User
from ..apiserver.authz import policy
from ..apiserver.server import APIServer, ssl_context
from ..client import Client
from ..client.transport import HTTPTransport
from ..controllers import all_controllers
from ..kernel.files import private_dir
from ..store import SQLiteStore
from . import addons

SOCKET = "apiserver.sock"
HEALTH_PORTS = {10257: "kube-controller-manager", 10259: "kube-scheduler"}
CONTROLLER_MANAGER = User("system:kube-controller-manager", ("system:authenticated",))
SCHEDULER = User("system:kube-scheduler", ("system:authenticated",))
INSTALLER = User("kubernetes-admin", ("system:masters", "system:authenticated"))


def identities() -> dict[str, User]:
    """Every in-process client's name and the user it acts as."""
    accounts = ("system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated")
    out = {"kube-controller-manager": CONTROLLER_MANAGER, "default-scheduler": SCHEDULER, "addons": INSTALLER}
    out.update({name: User(policy.controller_account(name), accounts) for name in policy.CONTROLLERS})
    return out

log = logging.getLogger("kinns.controlplane")


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


async def main(opts: argparse.Namespace) -> None:
    os.umask(0o077)  # the store, its journal and the socket: for root alone
    private_dir(opts.data)
    tokens = {name: secrets.token_urlsafe(32) for name in identities()}
    server = APIServer(SQLiteStore(opts.data / "state.db"), opts.address, opts.pki,
                       {tokens[name]: user for name, user in identities().items()})
    await server.start()
    runner = web.AppRunner(server.app(), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    host, port = opts.address.rsplit(":", 1)
    socket = opts.data / SOCKET
    socket.unlink(missing_ok=True)
    await web.TCPSite(runner, host, int(port), ssl_context=ssl_context(opts.pki)).start()
    await web.UnixSite(runner, str(socket)).start()
    socket.chmod(0o600)
    log.info("serving on https://%s", opts.address)
    health = await serve_health(ssl_context(opts.pki))
    clients: dict[str, Client] = {}

    def client_for(name: str) -> Client:
        if name not in clients:
            agent = "kube-scheduler" if name == "default-scheduler" else "kube-controller-manager"
            clients[name] = Client(HTTPTransport("http://localhost", agent=agent, token=tokens[name],
                                                 unix_socket=str(socket)))
        return clients[name]

    await addons.install(client_for("addons"), opts.address, opts.bare)
    controllers = all_controllers(client_for("kube-controller-manager"), client_for, host, opts.pki, opts.volumes,
                                  opts.node_monitor_grace_period)
    tasks = [asyncio.create_task(c.run(), name=c.name) for c in controllers]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients.values():
        await client.close()
    for r in health:
        await r.cleanup()
    await runner.cleanup()
    await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="kinns-controlplane")
    parser.add_argument("--data", required=True, type=Path, help="directory of the SQLite store and the socket")
    parser.add_argument("--pki", required=True, type=Path)
    parser.add_argument("--address", required=True, help="IP:PORT to listen on (and advertise)")
    parser.add_argument("--volumes", required=True, type=Path,
                        help="directory (seen by every node) where the local-path provisioner makes volumes")
    parser.add_argument("--node-monitor-grace-period", type=float, default=40.0, metavar="SECONDS",
                        help="how long a node may post no status before it is Unknown (default 40)")
    parser.add_argument("--bare", action="store_true",
                        help="install only kubeadm's add-ons (kube-proxy, CoreDNS): no CNI, Ingress, Gateway, storage")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main(parser.parse_args()))
