"""CoreDNS's plugins that kinns has, and the order they run in.

As in CoreDNS, the order of the chain is fixed (its plugin.cfg), not the
order of the Corefile: a query meets `rewrite` before `hosts`, `hosts` before
`kubernetes`, and `forward` last. Each setup turns one Corefile directive
into a plugin, or raises a CorefileError naming the line.
"""

from collections.abc import Callable

from ..corefile import Directive
from ..server import Plugin
from . import cache, forward, kubernetes, names, simple

ORDER = ["reload", "ready", "health", "prometheus", "errors", "log", "loadbalance", "cache", "rewrite", "hosts",
         "kubernetes", "loop", "forward"]


def _no_args(cls, allowed: tuple[str, ...] = ()) -> Callable[[Directive, list[str]], Plugin]:
    """A plugin kinns runs in its plain form only: arguments or a block it would not honour are refused."""
    def setup(d: Directive, zones: list[str]) -> Plugin:
        if d.block or any(a not in allowed for a in d.args) or len(d.args) > 1:
            raise d.error(f"{d.name} takes no arguments" + (f" but {allowed[0]}" if allowed else "") + " in kinns")
        return cls()
    return setup


def _address(cls) -> Callable[[Directive, list[str]], Plugin]:
    def setup(d: Directive, zones: list[str]) -> Plugin:
        if len(d.args) > 1 or d.block:
            raise d.error(f"{d.name} takes at most an address")
        return cls(d.args[0] if d.args else "")
    return setup


SETUP: dict[str, Callable[[Directive, list[str]], Plugin]] = {
    "errors": _no_args(simple.Errors),
    "log": _no_args(simple.Log),
    "loadbalance": _no_args(simple.LoadBalance, ("round_robin",)),
    "health": simple.setup_health,
    "ready": _address(simple.Ready),
    "prometheus": _address(simple.Prometheus),
    "cache": cache.setup,
    "rewrite": names.setup_rewrite,
    "hosts": names.setup_hosts,
    "kubernetes": kubernetes.setup,
    "loop": lambda d, zones: names.Loop(zones[0]),
    "forward": forward.setup,
}
