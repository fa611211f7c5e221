"""weave-npc, Weave's NetworkPolicy controller (image weaveworks/weave-npc).

It enforces NetworkPolicy with kinns's policy engine (kinns.node.policy), the one the kinns-cni DaemonSet runs:
the same table `inet kinns-netpol` in the node's netns, where Weave itself keeps iptables chains and ipsets.
Weave's ClusterRole grants pods, namespaces and NetworkPolicies, not the AdminNetworkPolicy group, so only
NetworkPolicy is enforced, as by the real weave-npc. The engine's log lines are written in Weave's form.
`--log-level` is the one flag it honours; any other is refused as the real binary refuses it. When its pod is
deleted (Weave removed, its RBAC with it) it removes the table; a restart leaves the rules in force.
"""

import asyncio
import logging
import os
import sys

from ....client import Client
from ...policy.agent import PolicyAgent
from . import LEVELS, VERSION, log, set_level

_WEAVE_LEVEL = {logging.DEBUG: "DEBU", logging.INFO: "INFO", logging.WARNING: "WARN"}


class _WeaveLog(logging.Handler):
    """The engine's records as Weave's log lines."""

    def emit(self, record: logging.LogRecord) -> None:
        log(_WEAVE_LEVEL.get(record.levelno, "ERRO"), self.format(record))


async def run(node: str) -> None:
    client = Client.in_cluster("weave-npc")
    if await PolicyAgent(client, node, admin=False).serve():
        log("INFO", "Pod deleted: removed table inet kinns-netpol")
    await client.close()


def main(argv: list[str]) -> int:
    level = "info"
    for arg in argv:
        name, _, value = arg.partition("=")
        if name == "--log-level" and value in LEVELS:
            level = value
        elif name == "--log-level":
            sys.stderr.write(f'Error: invalid argument "{value}" for "--log-level" flag: not a valid level\n')
            return 1
        else:
            sys.stderr.write(f"Error: unknown flag: {name}\nUsage:\n  weave-npc [flags]\n\nFlags:\n"
                             "      --log-level string   logging level (debug, info, warning, error) "
                             "(default \"info\")\n")
            return 1
    set_level(level)
    handler = _WeaveLog()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.DEBUG, handlers=[handler])
    node = os.environ.get("HOSTNAME", "")
    log("INFO", f"Starting Weaveworks NPC {VERSION}; node name \"{node}\"")
    if not node:
        log("ERRO", "no node name: the DaemonSet sets HOSTNAME from spec.nodeName")
        return 1
    asyncio.run(run(node))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
