"""The kinns-cni DaemonSet's program (image ghcr.io/kinns/kinns-cni): install the CNI onto the node it runs on.

Its pod mounts the node's /opt/cni/bin and /etc/cni/net.d; it reads the
node's podCIDR from the API, writes the plugins and the conflist
(kinns.cni.install) with the MTU of the node's overlay, then stays, as the
pod that keeps the node's network configured.
"""

import asyncio
import os
import signal
from pathlib import Path

from ...cni.install import CONFLIST_NAME, PLUGINS, install_node
from ...client import Client


def _mtu() -> int:
    """The pod MTU of this node: the VXLAN device's when there is one, else eth0's (host-gw)."""
    for link in ("flannel.1", "eth0"):
        try:
            return int(Path(f"/sys/class/net/{link}/mtu").read_text())
        except OSError:
            continue
    return 1500


async def _pod_cidr(node: str) -> str:
    client = Client.in_cluster("kinns-cni")
    try:
        while True:
            try:
                found = await client.get(f"/api/v1/nodes/{node}")
                if found and found.get("spec", {}).get("podCIDR"):
                    return found["spec"]["podCIDR"]
            except (OSError, asyncio.TimeoutError) as err:
                print(f"waiting for the API server: {err or type(err).__name__}", flush=True)
            await asyncio.sleep(1)
    finally:
        await client.close()


def main() -> None:
    node = os.environ["NODE_NAME"]
    cidr = asyncio.run(_pod_cidr(node))
    mtu = _mtu()
    install_node(Path("/opt/cni/bin"), Path("/etc/cni/net.d"), cidr, mtu)
    print(f"installed {', '.join(PLUGINS)} into /opt/cni/bin and /etc/cni/net.d/{CONFLIST_NAME} "
          f"(subnet {cidr}, mtu {mtu}) on node {node}", flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})  # PID 1: TERM ends it
    main()
