"""kinns-loopback: bring up `lo` inside the pod's network namespace (CNI 1.1)."""

import sys

from ...pkg import skel
from ...pkg.netlink import Netlink
from ...pkg.skel import ERR_INTERNAL, Args, CNIError
from ..bridge import open_netns

ABOUT = "kinns loopback plugin"


def _lo(path: str) -> tuple[Netlink, object]:
    with open_netns(path):
        nl = Netlink()
    link = nl.link("lo")
    if link is None:
        raise CNIError(ERR_INTERNAL, f"no loopback interface in {path}")
    return nl, link


def add(args: Args) -> dict:
    nl, lo = _lo(args.netns)
    nl.set_link(lo.index, up=True)
    ips = [{"address": str(p), "interface": 0} for p in nl.addrs(lo.index)]
    return {"interfaces": [{"name": "lo", "mac": "00:00:00:00:00:00", "sandbox": args.netns}], "ips": ips}


def delete(args: Args) -> None:
    try:
        nl, lo = _lo(args.netns)
    except CNIError:
        return  # the netns is gone: nothing left to do
    nl.set_link(lo.index, up=False)


def check(args: Args) -> None:
    _, lo = _lo(args.netns)
    if not lo.flags & 1:
        raise CNIError(ERR_INTERNAL, "loopback interface is down")


def status(args: Args) -> None:
    """Nothing can make loopback unavailable."""


def gc(args: Args) -> None:
    """Loopback keeps no state outside the sandbox."""


def main() -> None:
    skel.run(sys.modules[__name__])
