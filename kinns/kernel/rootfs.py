"""A node's own files at the real paths, as a mount namespace over the host's tree.

Each node keeps an upper directory per overlaid tree (/etc, /opt, /var/lib,
/var/log) under its state directory. Entering the node mounts an overlay of
the host's directory with the node's upper one, so `/etc/cni/net.d` and
`/opt/cni/bin` are the node's while every host program stays usable. The
host writes node files straight into the upper directories.
"""

import os
from pathlib import Path

from .syscalls import (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS, MNT_DETACH, MS_REC, MS_SLAVE, mount, setns,
                       sethostname, umount, unshare)

OVERLAID = ("/etc", "/opt", "/var/lib", "/var/log")


def prepare(root: Path) -> None:
    """Create the upper and work directories of a node's overlays."""
    for tree in OVERLAID:
        (root / "upper" / tree.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (root / "work" / tree.lstrip("/")).mkdir(parents=True, exist_ok=True)


def host_path(root: Path, path: str) -> Path:
    """Where the host writes a file that the node sees at `path` (one of the overlaid trees)."""
    if not any(path == t or path.startswith(t + "/") for t in OVERLAID):
        raise ValueError(f"{path} is not in a node's own trees {OVERLAID}")
    return root / "upper" / path.lstrip("/")


def enter(netns_path: str, root: Path, hostname: str) -> None:
    """Make the calling (single-threaded) process a process of the node.

    Joins the node's netns, then a new mount and UTS namespace in which the
    node's overlays, a sysfs of that netns and the node's hostname are in
    place. Mounts made here never propagate back to the host (rslave).
    """
    fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        setns(fd, CLONE_NEWNET)
    finally:
        os.close(fd)
    unshare(CLONE_NEWNS | CLONE_NEWUTS)
    mount(None, "/", None, MS_REC | MS_SLAVE)
    for tree in OVERLAID:
        rel = tree.lstrip("/")
        mount("overlay", tree, "overlay", 0,
              f"lowerdir={tree},upperdir={root / 'upper' / rel},workdir={root / 'work' / rel}")
    umount("/sys", MNT_DETACH)
    mount("sysfs", "/sys", "sysfs")
    sethostname(hostname)
