"""kube-proxy's sync against fake kernel runners: what each backend asks the kernel for, and the proxier's loop
over an API in memory."""

import asyncio

from fakes import FakeAPI, FakeRunner, settle
from kinns.kernel.command import CommandFailed, Result
from kinns.kernel.iptables import Iptables
from kinns.kernel.nft import Nft
from kinns.node.proxy import iptables, nftables
from kinns.node.proxy.config import ProxyConfig
from kinns.node.proxy.proxier import Proxier
from kinns.node.proxy.services import Endpoint, ServicePort

SAVE = """*nat
:PREROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:KUBE-SVC-STALEFROMACRASH - [0:0]
:KUBE-SEP-STALEFROMACRASH - [0:0]
:DOCKER - [0:0]
COMMIT
"""


def port(name: str, ip: str, *endpoints: str) -> ServicePort:
    return ServicePort("default", name, "", "tcp", ip, 80,
                       endpoints=tuple(Endpoint(e, 8080, node="n1") for e in endpoints))


def test_a_full_iptables_sync_adds_the_hooks_and_drops_chains_a_crashed_proxy_left():
    runner = FakeRunner({"iptables-save": SAVE, "iptables": lambda argv, _: Result(1 if "-C" in argv else 0, "", "")})
    backend = iptables.IptablesBackend(Iptables(runner))
    written = backend.sync(backend.render([port("web", "10.96.0.5", "10.244.1.2")], "n1", "10.244.0.0/16"), True)
    inserted = [argv for argv, _ in runner.calls if argv[0] == "iptables" and "-I" in argv]
    assert len(inserted) == len(iptables.JUMPS)  # every hook jump was missing, so each went in
    [payload] = runner.inputs("iptables-restore")
    assert ":KUBE-SVC-STALEFROMACRASH - [0:0]" in payload and "-X KUBE-SVC-STALEFROMACRASH" in payload
    assert "DOCKER" not in payload  # never touches chains that are not kube-proxy's
    assert written > 0 and "-A KUBE-SERVICES" in payload


def test_a_partial_iptables_sync_writes_only_the_chains_that_changed():
    runner = FakeRunner({"iptables-save": "*nat\nCOMMIT\n"})
    backend = iptables.IptablesBackend(Iptables(runner))
    a, b = port("a", "10.96.0.5", "10.244.1.2"), port("b", "10.96.0.6", "10.244.1.3")
    backend.sync(backend.render([a, b], "n1", "10.244.0.0/16"), True)
    runner.calls.clear()
    b2 = port("b", "10.96.0.6", "10.244.1.3", "10.244.1.4")
    backend.sync(backend.render([a, b2], "n1", "10.244.0.0/16"), False)
    [payload] = runner.inputs("iptables-restore")
    assert iptables.svc_chain(b2) in payload and iptables.svc_chain(a) not in payload
    assert not [argv for argv, _ in runner.calls if argv[0] in ("iptables", "iptables-save")]  # no full pass
    runner.calls.clear()
    backend.sync(backend.render([a, b2], "n1", "10.244.0.0/16"), False)
    assert runner.calls == []  # nothing changed: the kernel is not asked at all


def test_cleanup_removes_the_hooks_and_every_chain_of_the_backend():
    deletes = iter([0, 1] * len(iptables.JUMPS))  # each jump found once, then gone
    runner = FakeRunner({"iptables-save": SAVE,
                         "iptables": lambda argv, _: Result(next(deletes) if "-D" in argv else 0, "", "")})
    iptables.IptablesBackend(Iptables(runner)).cleanup()
    assert sum(1 for argv, _ in runner.calls if "-D" in argv) == 2 * len(iptables.JUMPS)
    payload = "".join(runner.inputs("iptables-restore"))
    assert "-X KUBE-SERVICES" in payload and "-X KUBE-SEP-STALEFROMACRASH" in payload and "DOCKER" not in payload
    nft_runner = FakeRunner()
    nftables.NftablesBackend(Nft(nft_runner)).cleanup()
    assert nft_runner.inputs("nft") == ["add table ip kube-proxy\ndelete table ip kube-proxy\n"]


class FakeBackend:
    name = "fake"

    def __init__(self) -> None:
        self.synced: list[tuple[list[str], bool]] = []
        self.fail_next = False
        self.cleaned = False

    def render(self, ports, node, cidr):
        return [f"{p.key}->{','.join(e.ip for e in p.endpoints)}" for p in ports]

    def sync(self, rules, full):
        if self.fail_next:
            self.fail_next = False
            raise CommandFailed(["fake-restore"], 1, "line 3 failed")
        self.synced.append((rules, full))
        return len(rules)

    def cleanup(self):
        self.cleaned = True


class FakeAnnouncer:
    def __init__(self) -> None:
        self.addresses: list[set[str]] = []

    def apply(self, addresses: set[str]) -> None:
        self.addresses.append(addresses)


def world(api: FakeAPI) -> None:
    api.add("services", {"metadata": {"name": "web", "namespace": "default"},
                         "spec": {"type": "LoadBalancer", "clusterIP": "10.96.0.9", "ports": [{"port": 80}]},
                         "status": {"loadBalancer": {"ingress": [{"ip": "172.30.0.200"}]}}})
    api.add("endpointslices", {"metadata": {"name": "web-x", "namespace": "default",
                                            "labels": {"kubernetes.io/service-name": "web"}},
                               "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
                               "endpoints": [{"addresses": ["10.244.1.2"], "nodeName": "n1"}]})
    api.add("nodes", {"metadata": {"name": "n1"}, "status": {"conditions": [{"type": "Ready", "status": "True"}]}})


def proxier(api: FakeAPI, backend: FakeBackend, announcer: FakeAnnouncer) -> Proxier:
    config = ProxyConfig("iptables", "10.244.0.0/16", "", 0.01, 30.0, 0)
    return Proxier(api.client, "n1", config, backend, FakeBackend(), announcer)


def test_the_proxier_syncs_fully_first_then_partially_and_announces_its_load_balancer_addresses():
    api, backend, announcer = FakeAPI(), FakeBackend(), FakeAnnouncer()
    world(api)
    p = proxier(api, backend, announcer)
    asyncio.run(settle_once(p, api, lambda: api.add("endpointslices", {
        **api.get("endpointslices", "default", "web-x"),
        "endpoints": [{"addresses": ["10.244.1.2"], "nodeName": "n1"}, {"addresses": ["10.244.2.2"]}]})))
    assert backend.synced[0] == (["default/web->10.244.1.2"], True)
    assert backend.synced[-1] == (["default/web->10.244.1.2,10.244.2.2"], False)
    assert announcer.addresses[-1] == {"172.30.0.200"}  # the only Ready node answers for the address


def test_a_sync_the_kernel_refuses_is_retried_as_a_full_one():
    api, backend, announcer = FakeAPI(), FakeBackend(), FakeAnnouncer()
    world(api)
    backend.fail_next = True
    asyncio.run(settle(proxier(api, backend, announcer), api, quiet=0.5))
    assert backend.synced and backend.synced[0][1] is True


async def settle_once(reconciler, api: FakeAPI, change) -> None:
    """Settle, make `change`, settle again: one reconciler, one run."""
    task = asyncio.create_task(reconciler.run())
    await asyncio.sleep(0.2)
    change()
    await asyncio.sleep(0.2)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await reconciler.informers.stop()


def test_a_service_no_rule_can_carry_is_skipped_with_an_event_and_the_others_sync():
    api, backend, announcer = FakeAPI(), FakeBackend(), FakeAnnouncer()
    world(api)
    api.add("services", {"metadata": {"name": "evil", "namespace": "default"},
                         "spec": {"clusterIP": "10.96.0.66", "ports": [{"name": 'x"\n-A INPUT -j ACCEPT', "port": 80}]}})
    api.add("services", {"metadata": {"name": "far", "namespace": "default"},
                         "spec": {"clusterIP": "10.96.0.67", "ports": [{"port": 80}]}})
    api.add("endpointslices", {"metadata": {"name": "far-x", "namespace": "default",
                                            "labels": {"kubernetes.io/service-name": "far"}},
                               "ports": [{"name": "", "port": 99999, "protocol": "TCP"}],
                               "endpoints": [{"addresses": ["10.244.1.9"]}]})
    asyncio.run(settle(proxier(api, backend, announcer), api, quiet=0.3))
    assert backend.synced[-1][0] == ["default/web->10.244.1.2"]  # the good one, never blocked by the bad two
    reasons = sorted(e["message"].split(": ", 1)[1] for e in api.all("events") if e["reason"] == "FailedToSyncRules")
    assert reasons == ["endpoint port 99999 is not a port number", "port name 'x\"\\n-A INPUT -j ACCEPT' is not a "
                                                                   "DNS label"]
