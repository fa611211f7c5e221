"""Start one container process inside its pod, contained as a container runtime contains it.

Run as `python -m kinns.node.kubelet.launch POD_DIR NETNS HOSTNAME CONTAINER -- ARGV...`; the container's
settings (mounts, security) are in POD_DIR/container-CONTAINER.json.

It joins the pod's netns and makes new mount, UTS, IPC and PID namespaces
(the node's PID namespace with hostPID). The container's root is an overlay
of the machine's tree with a writable layer of its own, so what it writes
never reaches the machine, and shows what an image would: its own /dev
(a tmpfs with the usual devices, its own pts and shm), /proc of its PID
namespace with the kernel's sensitive files masked as runtimes mask them, a
sysfs of the pod's netns, fresh /run and /tmp, and none of the host's
private files (/root, /home, shadow passwords, ssh keys) nor any cluster's
state (which lives under /run). Then the pod's /etc/hosts, /etc/hostname and
/etc/resolv.conf and its volumes at their mountPaths. A privileged container
gets the machine's /dev and a writable sysfs instead. It then forks the pod's PID 1, which
drops to the container's capabilities, seccomp filter and user (security.py)
and execs; the launcher stays as its parent, passing signals on and exiting
with its status.
"""

import json
import os
import selectors
import signal
import sys
import traceback

from ...kernel import cgroup, process
from ...kernel.syscalls import (
    CLONE_NEWNET,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUTS,
    MNT_DETACH,
    MS_BIND,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
    MS_SLAVE,
    mount,
    pivot_root,
    sethostname,
    setns,
    umount,
    unshare,
)
from . import crilog, security

CLONE_NEWIPC = 0x08000000
MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8
POD_FILES = ("hosts", "hostname", "resolv.conf")
OLD_ROOT = ".kinns-old-root"
OWN = ("/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp")  # made fresh, never the machine's
HIDDEN_DIRS = ("/root", "/home", "/etc/ssh", "/var/lib/kinns")  # the machine's private files: empty here
HIDDEN_FILES = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers")
DEVICES = ("null", "zero", "full", "random", "urandom", "tty")
# what runtimes mask and make read-only in /proc and /sys (the OCI runtime spec's defaults)
MASKED = ("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap")
READ_ONLY = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")


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


def _tmpfs(target: str, mode: str = "755", read_only: bool = False) -> None:
    os.makedirs(target, exist_ok=True)
    mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV | (MS_RDONLY if read_only else 0), f"mode={mode}")


def _dev(root: str) -> None:
    """A /dev of the container's own: the usual character devices, a new pts instance, shm, the fd links."""
    dev = root + "/dev"
    _tmpfs(dev)
    for name in DEVICES:
        bind(f"/dev/{name}", f"{dev}/{name}", False)
    os.makedirs(f"{dev}/pts", exist_ok=True)
    mount("devpts", f"{dev}/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620")
    os.symlink("pts/ptmx", f"{dev}/ptmx")
    _tmpfs(f"{dev}/shm", "1777")
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        os.symlink(f"/proc/self/fd/{i}", f"{dev}/{name}")
    os.symlink("/proc/self/fd", f"{dev}/fd")


def make_root(pod_dir: str, container: str, privileged: bool, read_only: bool, image_files: dict[str, str],
              image_links: dict[str, str]) -> str:
    base = os.path.join(pod_dir, "rootfs", container)
    root = os.path.join(base, "root")
    for part in ("upper", "work", "root"):
        os.makedirs(os.path.join(base, part), exist_ok=True)
    for path, content in image_files.items():  # the image's own files, in the container's layer
        target = os.path.join(base, "upper", path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as f:
            f.write(content)
        os.chmod(target, 0o755)
    for path, points_to in image_links.items():
        target = os.path.join(base, "upper", path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(points_to, target)
    mount("overlay", root, "overlay", 0, f"lowerdir=/,upperdir={base}/upper,workdir={base}/work")
    own = tuple(o for o in OWN if o != "/dev") if privileged else OWN
    for point in _top_mounts():
        if os.path.isdir(root + point) and not any(point == o or point.startswith(o + "/") for o in own):
            mount(point, root + point, None, MS_BIND | MS_REC)
    if not privileged:
        _dev(root)
    _tmpfs(root + "/run")
    for scratch in ("/tmp", "/var/tmp"):
        _tmpfs(root + scratch, "1777", read_only)
    for hidden in HIDDEN_DIRS:
        if os.path.isdir(root + hidden):
            _tmpfs(root + hidden, "700")
    for hidden in HIDDEN_FILES:
        if os.path.isfile(root + hidden):
            mount("/dev/null", root + hidden, None, MS_BIND)
    return root


def _mask_proc() -> None:
    """Hide what a container has no business reading in /proc and /sys, as runtimes do."""
    for path in MASKED:
        if os.path.isdir(path):
            mount("tmpfs", path, "tmpfs", MS_RDONLY)
        elif os.path.exists(path):
            mount("/dev/null", path, None, MS_BIND)
    for path in READ_ONLY:
        if os.path.exists(path):
            mount(path, path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY)


def main(argv: list[str]) -> int:
    pod_dir, netns_path, hostname, container = argv[:4]
    command = argv[5:] if argv[4:5] == ["--"] else argv[4:]
    with open(os.path.join(pod_dir, f"container-{container}.json")) as f:
        config = json.load(f)
    cgroup.join(config["cluster"])  # one of the cluster's processes, however it was started
    settings = config["security"]
    fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
    setns(fd, CLONE_NEWNET)
    os.close(fd)
    if config.get("pidFrom"):  # an ephemeral container sees the processes of the container it targets
        fd = os.open(f"/proc/{config['pidFrom']}/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        setns(fd, CLONE_NEWPID)
        os.close(fd)
    new_pid = not config.get("hostPID") and not config.get("pidFrom")
    unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | (CLONE_NEWPID if new_pid else 0))
    for key, value in (config.get("sysctls") or {}).items():  # IPC sysctls: this new IPC namespace's own
        with open("/proc/sys/" + key.replace(".", "/"), "w") as f:
            f.write(value)
    mount(None, "/", None, MS_REC | MS_SLAVE)
    root = make_root(pod_dir, container, settings["privileged"], settings["readOnlyRoot"],
                     config.get("imageFiles") or {}, config.get("imageLinks") or {})
    for name in POD_FILES:
        bind(os.path.join(pod_dir, name), in_root(root, f"/etc/{name}"), False)
    for m in config["mounts"]:
        bind(m["source"], in_root(root, m["target"]), m["readOnly"])
    mount("sysfs", f"{root}/sys", "sysfs", 0 if settings["privileged"] else MS_RDONLY)  # of the pod's netns
    os.makedirs(f"{root}/{OLD_ROOT}", exist_ok=True)
    if settings["readOnlyRoot"]:
        mount(None, root, None, MS_REMOUNT | MS_BIND | MS_RDONLY)
    sethostname(hostname)
    pivot_root(root, f"{root}/{OLD_ROOT}")
    os.chdir("/")
    umount(f"/{OLD_ROOT}", MNT_DETACH)
    if not settings["readOnlyRoot"]:
        os.rmdir(f"/{OLD_ROOT}")
    relayed = not os.isatty(1)  # a terminal's output is copied into the log by the kubelet, which holds it
    pipes = (os.pipe(), os.pipe()) if relayed else ()
    child = os.fork()
    if child == 0:  # PID 1 of the pod
        try:
            for fd, (read, write) in zip((1, 2), pipes):
                os.dup2(write, fd)
                os.close(read)
                os.close(write)
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            if not settings["privileged"]:
                _mask_proc()
            security.apply(settings)
            os.execvp(command[0], command)
        except Exception as err:  # noqa: BLE001 (whatever stops the exec is the container's last words)
            sys.stderr.write(f"kinns: cannot start {command[0]}: {getattr(err, 'strerror', None) or err}\n")
            sys.stderr.flush()
            os._exit(127)
    signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGTERM))
    signal.signal(signal.SIGINT, lambda *_: os.kill(child, signal.SIGINT))
    if not relayed:
        return process.exit_status(child)
    for _, write in pipes:
        os.close(write)
    return relay(child, {pipes[0][0]: "stdout", pipes[1][0]: "stderr"}, 1)


def relay(child: int, streams: dict[int, str], log: int) -> int:
    """Copy the container's stdout and stderr into its log as CRI entries (what containerd's shim does) until
    they close and the container ends; its exit status. Once it has ended, only what is already written is
    taken: a process of a hostPID pod left behind holding the pipes does not keep the container alive."""
    selector = selectors.DefaultSelector()
    for fd, stream in streams.items():
        selector.register(fd, selectors.EVENT_READ, stream)
    status = None
    while selector.get_map():
        events = selector.select(timeout=0.5 if status is None else 0)
        if not events and status is not None:
            break
        for key, _ in events:
            data = os.read(key.fd, 65536)
            if data:
                os.write(log, crilog.encode(key.data, data))
            else:
                selector.unregister(key.fd)
                os.close(key.fd)
        if status is None:
            pid, raw = os.waitpid(child, os.WNOHANG)
            status = process.status_code(raw) if pid else None
    return status if status is not None else process.exit_status(child)


def _last_words(kind, err, tb) -> None:
    """The launcher's own failure (before the container's process exists) as an entry of the container's log,
    where `kubectl logs` finds it."""
    text = "".join(traceback.format_exception(kind, err, tb)).encode()
    os.write(2, crilog.encode("stderr", text) if not os.isatty(2) else text)


if __name__ == "__main__":
    sys.excepthook = _last_words
    sys.exit(main(sys.argv[1:]))
