"""Start one container process inside its pod: netns, mount, UTS and PID namespaces.

Run as `python -m kinns.node.kubelet.launch POD_DIR NETNS HOSTNAME -- ARGV...`.
It joins the pod's netns, makes new mount, UTS and PID namespaces, forks the
pod's PID 1 (which sees /proc of its own PID namespace, a sysfs of its netns
and the pod's /etc/hosts, /etc/hostname and /etc/resolv.conf) and stays as its
parent, passing SIGTERM on and exiting with its status.
"""

import os
import signal
import sys

from ...kernel.syscalls import (CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, MNT_DETACH, MS_BIND,
                                MS_REC, MS_SLAVE, mount, sethostname, setns, umount, unshare)

POD_FILES = ("hosts", "hostname", "resolv.conf")


def main(argv: list[str]) -> int:
    pod_dir, netns_path, hostname = argv[:3]
    command = argv[4:] if argv[3:4] == ["--"] else argv[3:]
    fd = os.open(netns_path, os.O_RDONLY | os.O_CLOEXEC)
    setns(fd, CLONE_NEWNET)
    os.close(fd)
    unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWPID)
    mount(None, "/", None, MS_REC | MS_SLAVE)
    for name in POD_FILES:
        mount(os.path.join(pod_dir, name), f"/etc/{name}", None, MS_BIND)
    umount("/sys", MNT_DETACH)
    mount("sysfs", "/sys", "sysfs")
    sethostname(hostname)
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
