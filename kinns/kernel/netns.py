"""Named network namespaces (the `ip netns` kind, bind-mounted under /run/netns).

pyroute2 is imported by the functions that use it, not with the module: CNI plugins start as `python -IS`
(no site-packages, for start-up) and still need the node handle, whose paths come from here.
"""

import contextlib
import os
import subprocess
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .syscalls import CLONE_NEWNET, setns

if TYPE_CHECKING:
    from pyroute2 import IPRoute

RUN_DIR = "/run/netns"


def path(name: str) -> str:
    return os.path.join(RUN_DIR, name)


def names(prefix: str) -> list[str]:
    """The named network namespaces (as `ip netns` keeps them) whose names start with `prefix`."""
    try:
        return sorted(n for n in os.listdir(RUN_DIR) if n.startswith(prefix))
    except FileNotFoundError:
        return []


def exists(name: str) -> bool:
    return os.path.exists(path(name))


def create(name: str) -> None:
    """Make the namespace with `lo` up, as every node and pod needs it."""
    from pyroute2 import netns as _netns

    _netns.create(name)
    with ipr(name) as ip:
        ip.link("set", index=ip.link_lookup(ifname="lo")[0], state="up")


def remove(name: str) -> None:
    """Remove the namespace; absent is fine. Links inside die with it."""
    if exists(name):
        from pyroute2 import netns as _netns

        _netns.remove(name)


@contextlib.contextmanager
def entered(netns_path: str) -> Iterator[None]:
    """Run the block with this thread in the namespace at `netns_path`, then bring it back: a socket made inside
    stays in that namespace (a port-forward's connection to a pod, a trace's probe), the rest of the process never
    leaves its own."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(netns_path, os.O_RDONLY)
    try:
        setns(target, CLONE_NEWNET)
        try:
            yield
        finally:
            setns(home, CLONE_NEWNET)
    finally:
        os.close(home)
        os.close(target)


@contextlib.contextmanager
def ipr(name: str | None = None) -> Iterator["IPRoute"]:
    """An rtnetlink handle inside namespace `name` (None: the host's)."""
    from pyroute2 import IPRoute

    handle = IPRoute(netns=name) if name else IPRoute()
    try:
        yield handle
    finally:
        handle.close()


def sysctl(name: str, key: str, value: str) -> None:
    """Set a net.* sysctl inside the namespace (the /proc/sys/net view follows the netns)."""
    subprocess.run(["ip", "netns", "exec", name, "sysctl", "-qw", f"{key}={value}"], check=True)



def processes(name: str) -> list[int]:
    """The processes whose network namespace is `name` (any that no record names, after a crash)."""
    try:
        wanted = os.stat(path(name))
    except FileNotFoundError:
        return []
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found = os.stat(f"/proc/{entry}/ns/net")
            except OSError:
                continue
            if (found.st_dev, found.st_ino) == (wanted.st_dev, wanted.st_ino):
                out.append(int(entry))
    return out
