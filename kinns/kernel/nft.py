"""nftables through `nft -f -`: every change one atomic transaction."""

from .command import Runner


class Nft:
    def __init__(self, runner: Runner | None = None) -> None:
        self.run = runner or Runner()

    def apply(self, lines: list[str]) -> None:
        """Run `lines` as one transaction (all of them or none take effect)."""
        if lines:
            self.run(["nft", "-f", "-"], input="\n".join(lines) + "\n")

    def replace_table(self, table: str, lines: list[str]) -> None:
        """Make `table` ("family name") hold exactly what `lines` add, atomically, whatever it held before."""
        self.apply([f"add table {table}", f"delete table {table}", *lines])

    def delete_table(self, table: str) -> None:
        """Remove `table` if it exists."""
        self.replace_table(table, [])
