"""Running the kernel's command-line tools (nft, iptables-restore, ...) where the kernel objects are.

A Runner runs a command in this process's network namespace or in a named
one. Everything that programs packet filters takes a Runner, so its logic is
tested with a fake one that records what it was asked to run and answers
with canned output (tests/fakes.py).
"""

import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


class CommandFailed(Exception):
    """A tool exited non-zero; the message is its own complaint."""

    def __init__(self, argv: list[str], code: int, stderr: str) -> None:
        super().__init__(f"{' '.join(argv[:3])}: exit status {code}: {stderr.strip()[:2000]}")
        self.argv, self.code, self.stderr = argv, code, stderr


class Runner:
    def __init__(self, netns: str | None = None) -> None:
        self.netns = netns  # None: the namespace this process is in

    def full(self, argv: list[str]) -> list[str]:
        """The command line that runs `argv` in this runner's namespace."""
        return ["ip", "netns", "exec", self.netns, *argv] if self.netns else argv

    def __call__(self, argv: list[str], input: str | None = None, check: bool = True) -> Result:
        proc = subprocess.run(self.full(argv), input=input, text=True, capture_output=True)
        if check and proc.returncode:
            raise CommandFailed(argv, proc.returncode, proc.stderr)
        return Result(proc.returncode, proc.stdout, proc.stderr)


def run_all(jobs: list[tuple[Runner, list[str], str | None]]) -> list[Result]:
    """Run commands side by side, each in its runner's namespace, and wait for all (their results in order, none
    raised): for work in independent namespaces, where each tool's start-up is most of its time."""
    procs = [subprocess.Popen(runner.full(argv), stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for runner, argv, data in jobs]
    out = []
    for proc, (_, _, data) in zip(procs, jobs):
        stdout, stderr = proc.communicate(data)
        out.append(Result(proc.returncode, stdout, stderr))
    return out
