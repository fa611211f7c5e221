"""A cluster's supervisor, as systemd is a node's: it runs the control plane and every node's kubelet and
restarts whichever dies.

`python -m kinns.cluster.supervisor CLUSTER` joins the cluster's cgroup
first, so everything it starts (and everything those start: containers,
nginx, ...) is in it. A unit that exits is started again after a back-off
(1 s, doubling to 30 s; back to 1 s once it has run for a minute), as
systemd's Restart=always and the kubelet's static pods are. What it runs and
how often each unit restarted is in the state directory's supervisor.json
(`kinns status` shows it); each unit's pid is in <unit>.pid, where the tests
and `kinns` find them. TERM stops the kubelets, then the control plane, then
the supervisor.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..kernel import cgroup, process
from ..kernel.record import ClusterRecord, state_dir_of
from . import controlplane, nodeagents

BACKOFF_START, BACKOFF_MAX, HEALTHY = 1.0, 30.0, 60.0
STATE = "supervisor.json"
PIDFILE = "supervisor.pid"


@dataclass
class Unit:
    name: str
    spawn: Callable[[], subprocess.Popen]
    proc: subprocess.Popen | None = None
    restarts: int = 0
    started: float = 0.0
    due: float = 0.0  # when it may start again
    backoff: float = BACKOFF_START
    exits: list[int] = field(default_factory=list)


def units(cluster: ClusterRecord) -> list[Unit]:
    """The control plane first (the kubelets wait for it), then one kubelet per node."""
    cp = cluster.node("controlplane")
    return [Unit("apiserver", lambda: controlplane.spawn(cp, cluster.node_grace, cluster.bare))] + [
        Unit(f"kubelet-{n.name}", lambda n=n: nodeagents.spawn(n, cluster.name)) for n in cluster.nodes]


class Supervisor:
    def __init__(self, cluster: ClusterRecord) -> None:
        self.cluster, self.units = cluster, units(cluster)
        self.stopping = False

    def _save(self) -> None:
        state = {u.name: {"pid": u.proc.pid if u.proc else None, "restarts": u.restarts,
                          "running": bool(u.proc and u.proc.poll() is None), "lastExitCodes": u.exits[-5:]}
                 for u in self.units}
        tmp = self.cluster.state_dir / f".{STATE}.tmp"
        tmp.write_text(json.dumps(state, indent=1))
        tmp.replace(self.cluster.state_dir / STATE)

    def _start(self, unit: Unit, now: float) -> None:
        unit.proc = unit.spawn()
        unit.started = now
        (self.cluster.state_dir / f"{unit.name}.pid").write_text(str(unit.proc.pid))

    def step(self, now: float) -> bool:
        """Start what is due, note what ended; True when anything changed."""
        changed = False
        for unit in self.units:
            if unit.proc is not None and unit.proc.poll() is not None:
                unit.exits.append(unit.proc.returncode)
                print(f"{unit.name} (pid {unit.proc.pid}) exited with status {unit.proc.returncode}; starting it "
                      f"again in {min(unit.backoff * 2, BACKOFF_MAX) if now - unit.started <= HEALTHY else 1:g}s",
                      flush=True)
                process.terminate_groups([unit.proc.pid], grace=1.0)  # what it left of its group
                unit.backoff = BACKOFF_START if now - unit.started > HEALTHY else min(unit.backoff * 2, BACKOFF_MAX)
                unit.due, unit.proc = now + unit.backoff, None
                unit.restarts += 1
                changed = True
            if unit.proc is None and now >= unit.due and not self.stopping:
                self._start(unit, now)
                changed = True
        return changed

    def run(self) -> None:
        signal.signal(signal.SIGTERM, lambda *_: setattr(self, "stopping", True))
        signal.signal(signal.SIGINT, lambda *_: setattr(self, "stopping", True))
        for unit in self.units:  # units left running by an earlier supervisor are adopted as they are
            pid = _pid(self.cluster, unit.name)
            if pid and process.alive(pid):
                unit.proc = _Adopted(pid)
        self.step(time.monotonic())
        self._save()
        while not self.stopping:
            time.sleep(0.2)
            if self.step(time.monotonic()):
                self._save()
        for unit in reversed(self.units):  # the kubelets first, the control plane last
            if unit.proc is not None:
                process.terminate_groups([unit.proc.pid], grace=5.0 if unit.name == "apiserver" else 3.0)
            (self.cluster.state_dir / f"{unit.name}.pid").unlink(missing_ok=True)
        (self.cluster.state_dir / STATE).unlink(missing_ok=True)


class _Adopted:
    """A unit's process this supervisor did not start (a restarted supervisor finds it running)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if process.alive(self.pid):
            return None
        self.returncode = -1
        return self.returncode


def _pid(cluster: ClusterRecord, name: str) -> int | None:
    try:
        return int((cluster.state_dir / f"{name}.pid").read_text())
    except (OSError, ValueError):
        return None


def running(cluster: ClusterRecord) -> bool:
    pid = _pid(cluster, "supervisor")
    return bool(pid and process.alive(pid))


def start(cluster: ClusterRecord) -> None:
    """Start the cluster's supervisor unless it runs; it starts the units."""
    if running(cluster):
        return
    cgroup.create(cluster.name)
    log = cluster.node("controlplane").file("/var/log/kinns/supervisor.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kinns.cluster.supervisor", cluster.name], stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    (cluster.state_dir / PIDFILE).write_text(str(proc.pid))
    deadline = time.monotonic() + 10
    while not (cluster.state_dir / STATE).exists():  # it has started its units
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the cluster's supervisor did not start; see /var/log/kinns/supervisor.log on "
                               "controlplane")
        time.sleep(0.02)


def stop(cluster: ClusterRecord) -> None:
    pid = _pid(cluster, "supervisor")
    if pid:
        process.terminate_groups([pid], grace=15.0)
    (cluster.state_dir / PIDFILE).unlink(missing_ok=True)


def state(cluster: ClusterRecord) -> dict:
    try:
        return json.loads((cluster.state_dir / STATE).read_text())
    except (OSError, ValueError):
        return {}


def main() -> None:
    cluster = ClusterRecord.load(sys.argv[1])
    cgroup.join(cluster.name)
    os.chdir(state_dir_of(cluster.name))
    Supervisor(cluster).run()


if __name__ == "__main__":
    main()
