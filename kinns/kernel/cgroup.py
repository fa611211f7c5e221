"""One cgroup (v2) per cluster, holding every process of it: what `kinns down` ends, whatever netns it is in.

The supervisor joins the cluster's cgroup before it starts anything, so the
control plane, the kubelets and every container they start are in it; a
container started outside the supervisor (`kinns pod add`) joins it itself.
Ending the cluster is then one write to cgroup.kill (Linux 5.14), which
reaches even a process in a netns no record names.
"""

import errno
import os
import time
from pathlib import Path


def hierarchy() -> Path | None:
    """Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts)."""
    for line in open("/proc/self/mounts"):
        fields = line.split()
        if len(fields) > 2 and fields[2] == "cgroup2":
            return Path(fields[1])
    return None


def path_of(cluster: str) -> Path | None:
    root = hierarchy()
    return root / f"kinns-{cluster}" if root else None


def create(cluster: str) -> None:
    where = path_of(cluster)
    if where is not None:
        where.mkdir(exist_ok=True)


def join(cluster: str, pid: int = 0) -> None:
    """Move `pid` (0: the caller) into the cluster's cgroup, if the machine has one for it."""
    where = path_of(cluster)
    if where is not None and where.is_dir():
        (where / "cgroup.procs").write_text(str(pid or os.getpid()))


def procs(cluster: str) -> list[int]:
    where = path_of(cluster)
    try:
        return [int(p) for p in (where / "cgroup.procs").read_text().split()] if where else []
    except FileNotFoundError:
        return []


def _populated(where: Path) -> bool:
    """Whether any process is still in the cgroup, dying ones included (cgroup.procs drops a process before
    it has fully exited; the cgroup cannot be removed until cgroup.events says it is empty)."""
    try:
        return "populated 1" in (where / "cgroup.events").read_text()
    except FileNotFoundError:
        return False


def kill(cluster: str, timeout: float = 5.0) -> None:
    """End every process of the cluster, then remove its cgroup."""
    where = path_of(cluster)
    if where is None or not where.is_dir():
        return
    deadline = time.monotonic() + timeout
    while _populated(where) and time.monotonic() < deadline:
        if procs(cluster):
            (where / "cgroup.kill").write_text("1")
        time.sleep(0.02)
    while True:
        try:
            where.rmdir()
            return
        except OSError as err:
            if err.errno != errno.EBUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
