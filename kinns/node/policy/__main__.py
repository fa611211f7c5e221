"""`kinns-netpol [--hostname-override=NODE] [--admin-network-policy=false]`: the node's policy agent.

It runs beside the CNI installer in the kinns-cni DaemonSet's pod (hostNetwork, NET_ADMIN), so its table is in
the node's netns. At TERM it asks whether its pod is being deleted: then it removes its table (the cluster has
no policy engine any more, as after removing a CNI that enforced them); a restart leaves the rules in force.
"""

import asyncio
import logging
import os
import sys

from ...apimachinery.errors import APIError
from ...apimachinery.goflags import FlagError, FlagSet
from ...client import Client
from .agent import ADMIN, PolicyAgent


async def served(client: Client) -> bool:
    """Does the API serve the admin policy group? Asked until the API answers."""
    while True:
        try:
            return await client.get(ADMIN) is not None
        except APIError as err:
            logging.warning("asking for %s: %s", ADMIN, err)
        except (OSError, asyncio.TimeoutError) as err:
            logging.warning("waiting for the API server: %s", err or type(err).__name__)
        await asyncio.sleep(1)


async def run(node: str, admin: bool) -> None:
    client = Client.in_cluster("kinns-netpol")
    if admin and not await served(client):
        logging.warning("%s is not served (its CRDs are not installed): AdminNetworkPolicy and "
                        "BaselineAdminNetworkPolicy are not enforced until this agent restarts", ADMIN)
        admin = False
    agent = PolicyAgent(client, node, admin)
    if await agent.serve():
        agent.log.info("pod deleted: removed table inet kinns-netpol")
    await client.close()


def main(argv: list[str]) -> int:
    flags = FlagSet("kinns-netpol")
    flags.add("hostname-override", os.environ.get("NODE_NAME", ""))
    flags.add("admin-network-policy", True)
    try:
        values, _, positional = flags.parse(argv)
        if positional:
            raise FlagError(f"unexpected argument: {positional[0]}")
    except FlagError as err:
        sys.stderr.write(f"Error: {err}\nUsage of kinns-netpol:\n      --admin-network-policy   enforce "
                         "AdminNetworkPolicy and BaselineAdminNetworkPolicy (default true)\n"
                         "      --hostname-override string   the node (default $NODE_NAME)\n")
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="%(levelname).1s%(asctime)s %(process)d %(name)s] %(message)s", datefmt="%m%d %H:%M:%S")
    if not values["hostname-override"]:
        logging.error("no node: set NODE_NAME or --hostname-override")
        return 1
    asyncio.run(run(str(values["hostname-override"]), bool(values["admin-network-policy"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
