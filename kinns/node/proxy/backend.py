"""What kube-proxy asks of a backend (iptables or nftables): render rules for the service ports, sync them into
the kernel, clean up when the other backend takes over.

Backends get their kernel runner at construction (kinns.kernel.iptables /
kinns.kernel.nft), so `sync` is tested with a fake one.
"""

from typing import Protocol

from .services import ServicePort


class Backend(Protocol):
    name: str

    def render(self, ports: list[ServicePort], node: str, cluster_cidr: str) -> object:
        """The rules for `ports`, in the backend's own form (tables of chains, or map fragments)."""

    def sync(self, rules: object, full: bool) -> int:
        """Make the kernel hold `rules` (`full`: whatever it holds now); return how many chains/elements were
        written. Raises kinns.kernel.command.CommandFailed when the kernel refuses them."""

    def cleanup(self) -> None:
        """Remove everything of this backend from the kernel."""
