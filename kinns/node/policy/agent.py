"""The policy agent's reconcile loop: pods, namespaces and policies from the API, one table into the node's kernel.

Every change of a watched object queues the one key of the whole state, as
kube-proxy does; a pass compiles what the policies ask of this node's pods
(model.py) and syncs the difference into `inet kinns-netpol` (nftables.py).
A pass costs one compile and a few element updates, so a change is in force
well within a second; `coalesce` folds a burst of changes into one pass.

It runs in the kinns-cni DaemonSet (as kindnet runs its policy controller) and
in Weave's weave-npc. The admin tiers are watched only where the
policy.networking.k8s.io CRDs are served (Weave's RBAC grants NetworkPolicies,
pods and namespaces, not them).
"""

import asyncio
import signal
import time

from ...client import Client, Reconciler
from ...kernel.command import CommandFailed
from ..workloads import ownpod
from .model import compile_node
from .nftables import PolicyTable, render

ADMIN = "/apis/policy.networking.k8s.io/v1alpha1"


class PolicyAgent(Reconciler):
    name = "netpol"
    log_name = "kinns-netpol"
    coalesce = 0.02
    resync = 300.0

    def __init__(self, client: Client, node: str, admin: bool = True, table: PolicyTable | None = None) -> None:
        super().__init__(client)
        self.node = node
        self.pods = self.watch("/api/v1/pods")
        self.namespaces = self.watch("/api/v1/namespaces")
        self.policies = self.watch("/apis/networking.k8s.io/v1/networkpolicies")
        self.admin = self.watch(f"{ADMIN}/adminnetworkpolicies") if admin else None
        self.baseline = self.watch(f"{ADMIN}/baselineadminnetworkpolicies") if admin else None
        self.nodes = self.watch("/api/v1/nodes") if admin else None
        self.table = table or PolicyTable()

    async def reconcile(self, key: None) -> None:
        started = time.monotonic()
        program = compile_node(self.node, self.pods.values(), self.namespaces.values(), self.policies.values(),
                               self.admin.values() if self.admin else (),
                               self.baseline.values() if self.baseline else (),
                               self.nodes.values() if self.nodes else ())
        ruleset = render(program)
        try:
            written = await asyncio.to_thread(self.table.sync, ruleset)
        except CommandFailed as err:
            raise RuntimeError(f"sync failed, the next one replaces the table: {err}") from None
        isolated = {d: len(set(getattr(program, d).network) | set(getattr(program, d).admin)
                           | set(getattr(program, d).baseline)) for d in ("ingress", "egress")}
        summary = (f"{program.policies} policies select {isolated['ingress']} pods for ingress and "
                   f"{isolated['egress']} for egress, of {program.pods} pods on node {self.node}: "
                   f"{len(ruleset.chains)} chains, {len(ruleset.sets)} sets, "
                   f"{sum(len(e) for _, e in ruleset.sets.values())} set elements")
        if written:
            self.log.info("programmed table inet kinns-netpol: %s (%d changes in %.1f ms)", summary, written,
                          (time.monotonic() - started) * 1000)

    async def serve(self) -> bool:
        """Run until TERM or INT; then, if this agent's pod is being deleted, remove the table (the cluster has
        no policy engine any more) and say so by returning True. A restart leaves the rules in force."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        running = asyncio.create_task(self.run())
        done, _ = await asyncio.wait({running, asyncio.create_task(stop.wait())},
                                     return_when=asyncio.FIRST_COMPLETED)
        running.cancel()
        if running in done:
            running.result()
        if not await ownpod.deleted(self.client):
            return False
        await asyncio.to_thread(self.table.cleanup)
        return True
