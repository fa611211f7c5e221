"""weave-npc, Weave's NetworkPolicy controller (image weaveworks/weave-npc).

kinns's NetworkPolicy engine is not built yet: this controller runs (the DaemonSet's pod is Running, as the
course expects), says in its log that policies are not enforced, and honours the one flag it takes,
`--log-level`; any other flag is refused as the real binary refuses it.
"""

import os
import signal
import sys

from . import VERSION, log

LEVELS = ("debug", "info", "warning", "error")


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
    log("INFO", f"Starting Weaveworks NPC {VERSION}; node name \"{os.environ.get('HOSTNAME', '')}\"")
    if level != "error":
        log("WARN", "NetworkPolicy enforcement comes with kinns's policy engine, which is not built yet: "
                    "NetworkPolicies are stored but not enforced on this node")
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    sys.exit(main(sys.argv[1:]))
