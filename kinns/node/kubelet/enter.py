"""Run a command inside a running container, contained as the container is (`kubectl exec`, exec probes).

`python -m kinns.node.kubelet.enter POD_DIR CONTAINER PID [--console-fd=FD] -- ARGV...` joins the
namespaces of the container's main process PID (network, IPC, UTS, mount, PID), then forks the command, which takes the
container's own capabilities, seccomp filter and user before it execs (what a runtime's exec does): an exec
is never more privileged than the container it enters. With --console-fd the command gets a terminal of
the container's own devpts, whose master goes back over that Unix socket (as a runtime's console socket).
The command gets the environment the container was started with, read here rather than given to this
program, which runs on the node's own files until it has joined the namespaces (a container's LD_PRELOAD names
a library of its image, not of the node). It exits with the command's status.
"""

import fcntl
import json
import os
import socket
import sys
import termios

from ...kernel import process
from ...kernel.syscalls import CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, setns
from . import security

CLONE_NEWIPC = 0x08000000
NAMESPACES = (("net", CLONE_NEWNET), ("ipc", CLONE_NEWIPC), ("uts", CLONE_NEWUTS), ("pid", CLONE_NEWPID),
              ("mnt", CLONE_NEWNS))  # the mount namespace last: after it, /proc is the container's


def main(argv: list[str]) -> int:
    pod_dir, container, pid = argv[0], argv[1], int(argv[2])
    console = next((int(a.split("=", 1)[1]) for a in argv[3:] if a.startswith("--console-fd=")), None)
    rest = [a for a in argv[3:] if not a.startswith("--console-fd=")]
    command = rest[1:] if rest[:1] == ["--"] else rest
    env = environment(pid)
    with open(os.path.join(pod_dir, f"container-{container}.json")) as f:
        settings = json.load(f)["security"]
    fds = [(os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY | os.O_CLOEXEC), kind) for name, kind in NAMESPACES]
    for fd, kind in fds:
        if os.readlink(f"/proc/self/fd/{fd}") != os.readlink(f"/proc/self/ns/{_name(kind)}"):
            setns(fd, kind)
        os.close(fd)
    os.chdir("/")
    slave = None
    if console is not None:  # a terminal of the container's devpts; its master goes back to the kubelet
        master, slave = os.openpty()
        with socket.socket(fileno=console) as channel:
            socket.send_fds(channel, [b"pty"], [master])
        os.close(master)
    child = os.fork()  # the PID namespace applies to children
    if child == 0:
        try:
            if slave is not None:
                os.setsid()
                fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
                for fd in (0, 1, 2):
                    os.dup2(slave, fd)
            security.apply(settings)
            os.execvpe(command[0], command, env)
        except OSError as err:
            sys.stderr.write(f"exec: {command[0]}: {err.strerror}\n")
            os._exit(127 if err.errno == 2 else 126)
    return process.exit_status(child)


def environment(pid: int) -> dict[str, str]:
    """The environment the container was started with: an exec'd command gets the same, as in a runtime."""
    with open(f"/proc/{pid}/environ", "rb") as f:
        raw = f.read()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    env = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}
    env.setdefault("TERM", "xterm")
    return env


def _name(kind: int) -> str:
    return next(name for name, k in NAMESPACES if k == kind)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
