"""iptables and iptables-restore/-save, as kube-proxy and flannel drive them.

Every call waits for the xtables lock (`-w`), so two programs writing rules
in one netns never fail on each other. The CNI plugins keep a lean runner of
their own (kinns/cni/pkg/iptables.py): this module's imports would double a
plugin's start-up.
"""

from .command import Runner


class Iptables:
    def __init__(self, runner: Runner | None = None, tool: str = "iptables") -> None:
        self.run, self.tool = runner or Runner(), tool

    def restore(self, payload: list[str]) -> None:
        """Apply an iptables-restore payload without flushing what it does not name (one commit per table)."""
        if payload:
            self.run([f"{self.tool}-restore", "-w", "--noflush"], input="\n".join(payload) + "\n")

    def chains(self, table: str) -> list[str]:
        """The chains of `table` as iptables-save lists them (built-in ones included)."""
        out = self.run([f"{self.tool}-save", "-t", table]).stdout
        return [line[1:].split()[0] for line in out.splitlines() if line.startswith(":")]

    def has_rule(self, table: str, chain: str, spec: list[str]) -> bool:
        return self.run([self.tool, "-w", "-t", table, "-C", chain, *spec], check=False).code == 0

    def ensure_chain(self, table: str, chain: str) -> None:
        self.run([self.tool, "-w", "-t", table, "-N", chain], check=False)  # exists already: fine

    def ensure_rule(self, table: str, chain: str, spec: list[str], first: bool = True) -> None:
        """Insert (or append) the rule unless it is there."""
        if not self.has_rule(table, chain, spec):
            self.run([self.tool, "-w", "-t", table, "-I" if first else "-A", chain, *spec])

    def delete_chain(self, table: str, chain: str) -> None:
        """Flush and remove the chain (one that is not there: nothing to do)."""
        if chain in self.chains(table):
            self.run([self.tool, "-w", "-t", table, "-F", chain])
            self.run([self.tool, "-w", "-t", table, "-X", chain])

    def delete_rule(self, table: str, chain: str, spec: list[str]) -> None:
        """Remove every copy of the rule."""
        while self.run([self.tool, "-w", "-t", table, "-D", chain, *spec], check=False).code == 0:
            pass
