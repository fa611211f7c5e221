"""Ending processes kinns started, by their recorded ids (never by name)."""

import os
import signal
import time


def alive(pid: int) -> bool:
    """True while the process runs; a zombie (ours or init's to reap) counts as gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    if state == "Z":
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
        except ChildProcessError:
            pass
        return False
    return True


def terminate_groups(pids: list[int], grace: float) -> None:
    """SIGTERM each process group (each pid leads one), SIGKILL what is left after `grace` seconds."""
    pids = signal_groups(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    signal_groups(pids, signal.SIGKILL)
    while any(alive(p) for p in pids):
        time.sleep(0.01)


def signal_groups(pids: list[int], sig: int) -> list[int]:
    """Send `sig` to the process group each live pid leads; returns those pids (the ones to wait for)."""
    pids = [p for p in pids if alive(p)]
    for pid in pids:
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass
    return pids


def exit_status(pid: int) -> int:
    """Wait for the child `pid` to end: its exit code, or 128 + the signal that killed it, as a shell reports
    a command (what a container's or an exec's status says)."""
    return status_code(os.waitpid(pid, 0)[1])


def status_code(status: int) -> int:
    """A wait status as a shell reports it: the exit code, or 128 + the signal that ended the process."""
    return os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status)
