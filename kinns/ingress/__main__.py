"""`/nginx-ingress-controller --ingress-class=nginx --publish-service=NS/NAME ...`, as ingress-nginx is started."""

import os
import signal
import sys

signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # first: as PID 1 of its pod, an unhandled TERM is ignored

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
from pathlib import Path  # noqa: E402

from ..client import Client  # noqa: E402
from .controller import Controller  # noqa: E402


async def main(opts: argparse.Namespace) -> None:
    run = Path("/run/ingress-nginx")  # the container's own /run
    client = Client.in_cluster("nginx-ingress-controller")
    logging.info("kinns ingress-nginx controller: class %s, controller %s", opts.ingress_class, opts.controller_class)
    await Controller(client, opts.ingress_class, opts.controller_class, opts.publish_service, run).run()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="nginx-ingress-controller")
    parser.add_argument("--ingress-class", default="nginx")
    parser.add_argument("--controller-class", default="k8s.io/ingress-nginx")
    parser.add_argument("--publish-service", default="ingress-nginx/ingress-nginx-controller")
    opts, unknown = parser.parse_known_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(levelname).1s%(asctime)s %(process)d %(name)s] %(message)s", datefmt="%m%d %H:%M:%S")
    if unknown:
        logging.info("flags kinns does not implement, ignored: %s", " ".join(unknown))
    asyncio.run(main(opts))
