"""`kube-proxy --config=FILE --hostname-override=NODE`, the command line of kubeadm's kube-proxy DaemonSet.

It logs to its output (what `kubectl logs` shows) and, when the node's
/var/log is mounted, to /var/log/kube-proxy.log as well.
"""

import os
import signal

signal.signal(signal.SIGTERM, lambda *_: os._exit(0))  # first: as PID 1 of its pod, an unhandled TERM is ignored

import argparse  # noqa: E402
import asyncio  # noqa: E402
import logging  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from ...client import Client  # noqa: E402
from .config import ConfigError, load  # noqa: E402
from .proxier import Proxier  # noqa: E402

LOG_FILE = "/var/log/kube-proxy.log"


async def main(opts: argparse.Namespace) -> None:
    config = load(opts.config)
    kubeconfig = opts.kubeconfig or config.kubeconfig
    if not kubeconfig:
        raise ConfigError("no kubeconfig: set clientConnection.kubeconfig or --kubeconfig")
    client = Client.from_kubeconfig(Path(kubeconfig), "kube-proxy")
    try:
        await Proxier(client, opts.hostname_override or socket.gethostname(), config).run()
    finally:
        await client.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="kube-proxy")
    parser.add_argument("--config", required=True)
    parser.add_argument("--hostname-override", default=os.environ.get("NODE_NAME", ""))
    parser.add_argument("--kubeconfig", default="")
    opts, unknown = parser.parse_known_args()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stdout)]
    if os.path.isdir(os.path.dirname(LOG_FILE)) and os.access(os.path.dirname(LOG_FILE), os.W_OK):
        handlers.append(logging.FileHandler(LOG_FILE))
    logging.basicConfig(level=logging.INFO, handlers=handlers,
                        format="%(levelname).1s%(asctime)s %(process)d %(name)s] %(message)s", datefmt="%m%d %H:%M:%S")
    if unknown:
        logging.warning("ignoring flags kinns does not implement: %s", " ".join(unknown))
    try:
        asyncio.run(main(opts))
    except ConfigError as err:
        logging.error("%s", err)
        sys.exit(1)
