"""Run the API server: `python -m kinns.apiserver --data DIR --pki DIR --address IP:PORT`."""

import argparse
import logging
from pathlib import Path

from aiohttp import web

from ..store import SQLiteStore
from .server import APIServer, ssl_context


def main() -> None:
    p = argparse.ArgumentParser(prog="kinns-apiserver")
    p.add_argument("--data", required=True, type=Path, help="directory of the SQLite store")
    p.add_argument("--pki", required=True, type=Path)
    p.add_argument("--address", required=True, help="IP:PORT to listen on (and advertise)")
    opts = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    opts.data.mkdir(parents=True, exist_ok=True)
    store = SQLiteStore(opts.data / "state.db")
    server = APIServer(store, opts.address, opts.pki)
    host, port = opts.address.rsplit(":", 1)
    web.run_app(server.app(), host=host, port=int(port), ssl_context=ssl_context(opts.pki),
                access_log=None, shutdown_timeout=1.0,
                print=lambda *_: logging.info("serving on https://%s", opts.address),
                handle_signals=True)


if __name__ == "__main__":
    main()
