"""Run a node's kubelet: `python -m kinns.node.kubelet --cluster NAME --node NAME` (inside the node's netns)."""

import argparse
import asyncio
import logging

from aiohttp import web

from .agent import Kubelet, write_config
from ...client import Client
from ...kernel.record import ClusterRecord
from .server import PORT, KubeletServer, ssl_context

PKI = "/var/lib/kubelet/pki"


async def main(opts: argparse.Namespace) -> None:
    cluster = ClusterRecord.load(opts.cluster)
    node = cluster.node(opts.node)
    write_config(node)
    server = f"https://{cluster.node('controlplane').ip}:6443"
    client = Client.https(server, node.file("/etc/kubernetes/pki/ca.crt"), node.file(f"{PKI}/kubelet-client.crt"),
                    node.file(f"{PKI}/kubelet-client.key"), "kubelet")
    runner = web.AppRunner(KubeletServer(cluster, opts.node).app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, node.ip, PORT, ssl_context=ssl_context(node.file(PKI),
                                                                    node.file("/etc/kubernetes/pki/ca.crt"))).start()
    try:
        await Kubelet(cluster, opts.node, client).run()
    finally:
        await client.close()
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="kinns-kubelet")
    parser.add_argument("--cluster", required=True)
    parser.add_argument("--node", required=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main(parser.parse_args()))
