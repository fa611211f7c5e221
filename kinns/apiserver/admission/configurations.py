"""The dynamic admission configured now: webhook configurations, policies and bindings, kept by name as the store
changes (fed by its write listener, so a configuration written by one request applies to the next)."""

from ...store import Event, Store
from .matching import GROUP

PREFIX = f"/registry/{GROUP}/"
KINDS = ("validatingwebhookconfigurations", "mutatingwebhookconfigurations", "validatingadmissionpolicies",
         "validatingadmissionpolicybindings")


class Configurations:
    def __init__(self, store: Store) -> None:
        self.by_kind: dict[str, dict[str, dict]] = {kind: {} for kind in KINDS}
        store.listeners.append(self._event)
        for kind in KINDS:
            for obj in store.list(PREFIX + kind + "/")[0]:
                self.by_kind[kind][obj["metadata"]["name"]] = obj

    def _event(self, event: Event) -> None:
        if not event.key.startswith(PREFIX):
            return
        kind, _, name = event.key[len(PREFIX):].partition("/")
        if kind not in self.by_kind:
            return
        if event.type == "DELETED":
            self.by_kind[kind].pop(name, None)
        else:
            self.by_kind[kind][name] = event.object

    def webhooks(self, mutating: bool) -> list[tuple[str, dict]]:
        """(configuration name, webhook) in the order kube-apiserver calls them: configurations by name, then
        each one's webhooks in order."""
        kind = "mutatingwebhookconfigurations" if mutating else "validatingwebhookconfigurations"
        configs = self.by_kind[kind]
        return [(name, hook) for name in sorted(configs) for hook in configs[name].get("webhooks") or []]

    def bindings(self) -> list[tuple[dict, dict]]:
        """(policy, binding) for every binding whose policy exists, bindings by name."""
        policies = self.by_kind["validatingadmissionpolicies"]
        bindings = self.by_kind["validatingadmissionpolicybindings"]
        return [(policies[b["spec"]["policyName"]], b) for _, b in sorted(bindings.items())
                if (b.get("spec") or {}).get("policyName") in policies]

    def empty(self) -> bool:
        return not any(self.by_kind.values())
