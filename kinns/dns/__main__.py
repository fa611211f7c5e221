"""`coredns -conf /etc/coredns/Corefile`: the command line of kubeadm's coredns Deployment."""

import os
import signal
import sys

# first: as PID 1 of its pod, an unhandled TERM is ignored; until the server runs, TERM ends it at once
signal.signal(signal.SIGTERM, lambda *_: os._exit(0))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import gc  # noqa: E402
import logging  # noqa: E402
from pathlib import Path  # noqa: E402

import uvloop  # noqa: E402

from .config import Runner  # noqa: E402
from .corefile import CorefileError  # noqa: E402


async def main(opts: argparse.Namespace) -> None:
    runner = Runner(Path(opts.conf), opts.address)
    await runner.start()
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)  # from here on: lameduck
    # what exists after start-up lives as long as the process: keep the collector off it; collect the rest
    # once a minute instead of every few hundred allocations, so queries do not queue behind collections
    gc.freeze()
    gc.disable()
    asyncio.get_running_loop().call_later(60, _collect)
    watching = asyncio.create_task(runner.watch())
    await stopping.wait()
    watching.cancel()
    await runner.shutdown()


def _collect() -> None:
    gc.collect()
    asyncio.get_running_loop().call_later(60, _collect)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="coredns")
    parser.add_argument("-conf", "--conf", default="Corefile")
    parser.add_argument("-dns.port", dest="port", default=None)
    parser.add_argument("-address", "--address", default="0.0.0.0")
    opts = parser.parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(message)s")
    try:
        uvloop.run(main(opts))
    except CorefileError as err:
        logging.error("%s", err)
        sys.exit(1)
    except OSError as err:
        logging.error("listen: %s", err)
        sys.exit(1)
