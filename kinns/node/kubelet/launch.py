"""Start one container process inside its pod: own root filesystem, netns, mount, UTS and PID namespaces.

Run as `python -m kinns.node.kubelet.launch POD_DIR NETNS HOSTNAME CONTAINER -- ARGV...`.
It joins the pod's netns and makes new mount, UTS and PID namespaces. The
container's root is an overlay of the machine's tree with a writable layer of
its own (so what it writes never reaches the machine), with the machine's
other mounts (/dev, /proc, ...) bound in, a sysfs of the pod's netns, the pod's
/etc/hosts, /etc/hostname and /etc/resolv.conf and its volumes at their
mountPaths. It then forks the pod's PID 1 (with its own /proc) and stays as its
parent, passing SIGTERM on and exiting with its status.
"""

import json
import os
import signal
import sys

from ...kernel.syscalls import (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, MNT_DETACH, MS_BIND,
                                MS_RDONLY, MS_REC, MS_REMOUNT, MS_SLAVE, mount, pivot_root, sethostname, setns,
                                umount, unshare)

POD_FILES = ("hosts", "hostname", "resolv.conf")
OLD_ROOT = ".kinns-old-root"


def _top_mounts() -> list[str]:
    """Mount points directly under the root mount (their own submounts come along with MS_REC)."""
    entries = [line.split() for line in open("/proc/self/mountinfo")]
    root_id = next(e[0] for e in entries if e[4] == "/")
    return sorted({e[4] for e in entries if e[1] == root_id and e[4] != "/"})


def bind(source: str, target: str, read_only: bool) -> None:
    """Bind `source` at `target` (made in the container's writable layer when missing)."""
    if not os.path.lexists(target):
        if os.path.isdir(source):
            os.makedirs(target, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            open(target, "a").close()
    mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def in_root(root: str, path: str) -> str:
    """`path` as seen from inside `root`: symlinks on the way resolved within it (/var/run -> /run), never
    out to the machine's tree."""
    parts = [p for p in path.split("/") if p]
    resolved: list[str] = []
    hops = 0
    while parts:
        part = parts.pop(0)
        if part == "..":
            resolved = resolved[:-1]
            continue
        if part == ".":
            continue
        candidate = root + "/" + "/".join(resolved + [part])
        if os.path.islink(candidate) and hops < 40:
            hops += 1
            link = os.readlink(candidate)
            parts = [p for p in link.split("/") if p] + parts
            if link.startswith("/"):
                resolved = []
            continue
        resolved.append(part)
    return root + "/" + "/".join(resolved)


def make_root(pod_dir: str, container: str) -> str:
    base = os.path.join(pod_dir, "rootfs", container)
    root = os.path.join(base, "root")
    for part in ("upper", "work", "root"):
        os.makedirs(os.path.join(base, part), exist_ok=True)
    mount("overlay", root, "overlay", 0, f"lowerdir=/,upperdir={base}/upper,workdir={base}/work")
    for point in _top_mounts():
        if os.path.isdir(root + point):
            mount(point, root + point, None, MS_BIND | MS_REC)
    return root


def main(argv: list[str]) -> int:
    pod_dir, netns_path, hostname, container = argv[:4]
    command = argv[5:] if argv[4:5] == ["--"] else argv[4:]
    fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
    setns(fd, CLONE_NEWNET)
    os.close(fd)
    unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID)
    mount(None, "/", None, MS_REC | MS_SLAVE)
    root = make_root(pod_dir, container)
    for name in POD_FILES:
        bind(os.path.join(pod_dir, name), in_root(root, f"/etc/{name}"), False)
    with open(os.path.join(pod_dir, f"mounts-{container}.json")) as f:
        for m in json.load(f):
            bind(m["source"], in_root(root, m["target"]), m["readOnly"])
    umount(f"{root}/sys", MNT_DETACH)
    mount("sysfs", f"{root}/sys", "sysfs")
    sethostname(hostname)
    os.makedirs(f"{root}/{OLD_ROOT}", exist_ok=True)
    pivot_root(root, f"{root}/{OLD_ROOT}")
    os.chdir("/")
    umount(f"/{OLD_ROOT}", MNT_DETACH)
    os.rmdir(f"/{OLD_ROOT}")
    child = os.fork()
    if child == 0:  # PID 1 of the pod
        try:
            mount("proc", "/proc", "proc")
            os.execvp(command[0], command)
        except OSError as err:
            sys.stderr.write(f"kinns: cannot start {command[0]}: {err.strerror}\n")
            os._exit(127)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGTERM))
    signal.signal(signal.SIGINT, lambda *_: os.kill(child, signal.SIGINT))
    while True:
        try:
            _, status = os.waitpid(child, 0)
            return os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
        except InterruptedError:
            continue


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
