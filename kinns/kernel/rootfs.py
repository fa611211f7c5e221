"""A node's own files at the real paths: a persistent mount (and UTS) namespace per node.

Each node keeps an upper directory per overlaid tree (/etc, /opt, /var/lib,
/var/log) under its state directory. The node's mount namespace mounts an
overlay of the host's directory with the node's upper one, so
`/etc/cni/net.d` and `/opt/cni/bin` are the node's while every host program
stays usable; it also has a sysfs of the node's netns and the node's
hostname (UTS namespace). Like `ip netns`, the namespaces outlive their first
process by being bind-mounted onto files (`mnt.ns`, `uts.ns`) in the node's
state directory, which is made a private mount for that. Entering a node is
then three setns(2) calls, and `nsenter` does it for programs started from
the host. The host writes node files straight into the upper directories.
"""

import os
from pathlib import Path

from .syscalls import (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS, MNT_DETACH, MS_BIND, MS_PRIVATE, MS_REC, MS_SLAVE,
                       mount, sethostname, setns, umount, unshare)

OVERLAID = ("/etc", "/opt", "/var/lib", "/var/log")
NS_FILES = {"mnt": CLONE_NEWNS, "uts": CLONE_NEWUTS}


def host_path(root: Path, path: str) -> Path:
    """Where the host writes a file that the node sees at `path` (one of the overlaid trees)."""
    if not any(path == t or path.startswith(t + "/") for t in OVERLAID):
        raise ValueError(f"{path} is not in a node's own trees {OVERLAID}")
    return root / "upper" / path.lstrip("/")


def make_private(directory: Path) -> None:
    """Bind `directory` onto itself as a private mount, so namespace files can be bound inside it."""
    mount(str(directory), str(directory), None, MS_BIND)
    mount(None, str(directory), None, MS_PRIVATE)


def release_private(directory: Path) -> None:
    try:
        umount(str(directory), MNT_DETACH)
    except OSError:
        pass  # not mounted: nothing to release


def create(netns_path: str, root: Path, hostname: str) -> None:
    """Make the node's mount and UTS namespaces and pin them to files under `root`."""
    for tree in OVERLAID:
        (root / "upper" / tree.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (root / "work" / tree.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for name in NS_FILES:
        (root / f"{name}.ns").touch()
    ready_r, ready_w = os.pipe()
    done_r, done_w = os.pipe()
    child = os.fork()
    if child == 0:  # set the namespaces up, report, and wait until they are pinned
        status = 0
        try:
            os.close(ready_r)
            os.close(done_w)
            _setup(netns_path, root, hostname)
            os.write(ready_w, b"ok")
        except BaseException as err:  # noqa: BLE001 (reported to the parent, which raises)
            os.write(ready_w, f"{err}".encode() or b"failed")
            status = 1
        finally:
            os.read(done_r, 1)
            os._exit(status)
    os.close(ready_w)
    os.close(done_r)
    try:
        report = os.read(ready_r, 4096).decode()
        if report != "ok":
            raise OSError(f"cannot make the mount namespace of node {hostname}: {report}")
        for name in NS_FILES:
            mount(f"/proc/{child}/ns/{name}", str(root / f"{name}.ns"), None, MS_BIND)
    finally:
        os.close(done_w)
        os.close(ready_r)
        os.waitpid(child, 0)


def _setup(netns_path: str, root: Path, hostname: str) -> None:
    fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        setns(fd, CLONE_NEWNET)
    finally:
        os.close(fd)
    unshare(CLONE_NEWNS | CLONE_NEWUTS)
    mount(None, "/", None, MS_REC | MS_SLAVE)  # host mounts come in, none of the node's go out
    for tree in OVERLAID:
        rel = tree.lstrip("/")
        mount("overlay", tree, "overlay", 0,
              f"lowerdir={tree},upperdir={root / 'upper' / rel},workdir={root / 'work' / rel}")
    umount("/sys", MNT_DETACH)
    mount("sysfs", "/sys", "sysfs")
    sethostname(hostname)


def destroy(root: Path) -> None:
    """Unpin the node's namespaces; they end when no process is left in them."""
    for name in NS_FILES:
        path = root / f"{name}.ns"
        if path.exists():
            try:
                umount(str(path), MNT_DETACH)
            except OSError:
                pass  # never pinned


def nsenter(netns_path: str, root: Path) -> list[str]:
    """The command prefix that runs a program inside the node (no fork of the caller needed)."""
    return ["nsenter", f"--net={netns_path}", f"--mount={root / 'mnt.ns'}", f"--uts={root / 'uts.ns'}", "--"]


def enter(netns_path: str, root: Path) -> None:
    """Move the calling single-threaded process into the node: its netns, files and hostname."""
    fds = [os.open(p, os.O_RDONLY | os.O_CLOEXEC) for p in (netns_path, root / "mnt.ns", root / "uts.ns")]
    try:
        for fd, kind in zip(fds, (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUTS)):
            setns(fd, kind)
    finally:
        for fd in fds:
            os.close(fd)
