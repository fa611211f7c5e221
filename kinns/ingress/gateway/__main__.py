"""`/usr/bin/gateway controller --gateway-ctlr-name=...`, as NGINX Gateway Fabric's control plane starts."""

import os
import signal
import sys

signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # first: as PID 1 of its pod, an unhandled TERM is ignored

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
from pathlib import Path  # noqa: E402

from ...client import Client  # noqa: E402
from .api import CONTROLLER_NAME  # noqa: E402
from .controller import Controller  # noqa: E402


async def main(opts: argparse.Namespace) -> None:
    run = Path("/run/nginx-gateway")  # the container's own /run
    client = Client.in_cluster("nginx-gateway")
    logging.info("kinns gateway controller %s: every GatewayClass with this controllerName", opts.gateway_ctlr_name)
    await Controller(client, run).run()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="gateway")
    parser.add_argument("command", nargs="?", default="controller", choices=["controller"])
    parser.add_argument("--gateway-ctlr-name", default=CONTROLLER_NAME)
    opts, unknown = parser.parse_known_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(levelname).1s%(asctime)s %(process)d %(name)s] %(message)s", datefmt="%m%d %H:%M:%S")
    if opts.gateway_ctlr_name != CONTROLLER_NAME:
        parser.error(f"--gateway-ctlr-name: kinns's controller is {CONTROLLER_NAME}")
    if unknown:
        logging.info("flags kinns does not implement, ignored: %s", " ".join(unknown))
    asyncio.run(main(opts))
