"""Pure logic of the proxy: which endpoints carry traffic, the rules each backend renders, its config file."""

from dataclasses import replace

import pytest

from fakes import FakeRunner
from kinns.kernel.nft import Nft
from kinns.node.proxy import announce, iptables, nftables
from kinns.node.proxy.config import ConfigError, duration
from kinns.node.proxy.services import Endpoint, ServicePort, ports_of, slices_by_service


def _svc(name: str, **spec) -> dict:
    return {"metadata": {"namespace": "default", "name": name, "uid": name},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.50",
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}], **spec}}


def _slice(service: str, *endpoints: tuple[str, dict, str]) -> dict:
    return {"metadata": {"namespace": "default", "name": f"{service}-x", "uid": f"{service}-x",
                         "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": cond, "nodeName": node} for ip, cond, node in endpoints]}


def service_ports(services: list[dict], slices: list[dict]) -> list[ServicePort]:
    grouped = slices_by_service(slices)
    return [sp for svc in services for sp in ports_of(svc, grouped.get(("default", svc["metadata"]["name"]), []))]


def test_endpoints_per_kube_proxy_rules():
    ready, terminating = {"ready": True}, {"ready": False, "serving": True, "terminating": True}
    [sp] = service_ports([_svc("web")], [_slice("web", ("10.244.1.2", ready, "n1"),
                                                 ("10.244.2.2", terminating, "n2"))])
    assert sp.key == "default/web:http" and sp.protocol == "tcp"
    assert [e.ip for e in sp.cluster_endpoints("n1")] == ["10.244.1.2"]  # ready ones win
    [sp] = service_ports([_svc("web")], [_slice("web", ("10.244.2.2", terminating, "n2"))])
    assert [e.ip for e in sp.cluster_endpoints("n1")] == ["10.244.2.2"]  # else serving terminating ones
    [sp] = service_ports([_svc("web", internalTrafficPolicy="Local")], [_slice("web", ("10.244.2.2", ready, "n2"))])
    assert sp.cluster_endpoints("n1") == [] and len(sp.cluster_endpoints("n2")) == 1
    assert service_ports([_svc("h", clusterIP="None"), _svc("x", type="ExternalName")], []) == []


def test_iptables_rules_split_evenly_and_reject_without_endpoints():
    eps = tuple(Endpoint(f"10.244.1.{i}", 8080) for i in range(1, 5))
    tables = iptables.render([ServicePort("default", "web", "", "tcp", "10.96.0.50", 80, endpoints=eps),
                              ServicePort("default", "none", "", "tcp", "10.96.0.51", 80)], "n1", "10.244.0.0/16")
    svc = next(rules for chain, rules in tables["nat"].items() if chain.startswith("KUBE-SVC-"))
    assert [r.split("--probability ")[1].split()[0] for r in svc if "--probability" in r] == \
        ["0.25000000000", "0.33333333333", "0.50000000000"]
    assert "-j KUBE-SEP-" in svc[-1] and "statistic" not in svc[-1]
    assert any("default/none has no endpoints" in r and "REJECT" in r for r in tables["filter"]["KUBE-SERVICES"])
    assert tables["nat"]["KUBE-SERVICES"][-1].endswith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")


def test_nftables_services_are_map_elements_and_a_change_touches_only_them():
    runner = FakeRunner()
    sent = runner.inputs
    eps = (Endpoint("10.244.1.2", 8080, node="n1"), Endpoint("10.244.1.3", 8080, node="n1"))
    a = ServicePort("default", "a", "", "tcp", "10.96.0.50", 80, endpoints=eps)
    b = ServicePort("default", "b", "", "tcp", "10.96.0.51", 80, endpoints=eps)
    backend = nftables.NftablesBackend(Nft(runner))
    want = backend.render([a, b], "n1", "10.244.0.0/16")
    assert ("service-ips", "10.96.0.51 . tcp . 80", "goto cluster-dnat-tcp-2") in want[b].elements
    assert ("service-endpoints-tcp", "10.96.0.51 . 80 . 1", "10.244.1.3 . 8080") in want[b].elements
    assert [c for c, _ in want[a].chains] == ["cluster-dnat-tcp-2"]  # shared by every port with 2 endpoints
    backend.sync(want, full=True)
    assert sent("nft")[-1].startswith("add table ip kube-proxy\ndelete table ip kube-proxy\n")
    b2 = replace(b, endpoints=eps[:1])
    again = backend.render([a, b2], "n1", "10.244.0.0/16")
    assert again[a] is want[a]  # not rendered again
    backend.sync(again, full=False)
    change = sent("nft")[-1]
    assert "10.96.0.50" not in change  # the unchanged Service is not touched
    assert "delete element ip kube-proxy service-ips { 10.96.0.51 . tcp . 80 }" in change
    assert "add element ip kube-proxy service-ips { 10.96.0.51 . tcp . 80 : goto cluster-dnat-tcp-1 }" in change
    assert "add chain ip kube-proxy cluster-dnat-tcp-1" in change
    assert "hairpin" not in change  # 10.244.1.3 is still an endpoint of a: its hairpin element stays


def test_nftables_affinity_keeps_kube_proxy_chains():
    sp = ServicePort("default", "s", "http", "tcp", "10.96.0.50", 80, affinity_seconds=60,
                     endpoints=(Endpoint("10.244.1.2", 8080), Endpoint("10.244.1.3", 8080)))
    frag = nftables.render_port(sp, "n1", "10.244.0.0/16")
    chains = dict(frag.chains)
    service = next(v for m, k, v in frag.elements if m == "service-ips").split()[1]
    assert service.startswith("service-") and service.endswith("-default/s/tcp/http")
    assert any(r.startswith("numgen random mod 2 == 0 goto endpoint-") for r in chains[service])
    assert {t for _, t in frag.sets} == {60}


def test_load_balancer_addresses_have_one_owner():
    nodes = [{"metadata": {"name": n, "labels": labels}, "status": {"conditions": [{"type": "Ready",
                                                                                      "status": "True"}]}}
             for n, labels in (("cp", {announce.EXCLUDE: ""}), ("n1", {}), ("n2", {}))]
    sp = ServicePort("default", "lb", "", "tcp", "10.96.0.50", 80, lb_ips=("172.30.0.200", "172.30.0.201"),
                     endpoints=(Endpoint("10.244.2.2", 8080, node="n2"),))
    assert set(announce.owners([sp], nodes).values()) <= {"n1", "n2"}
    sp = replace(sp, external_local=True)
    assert announce.owners([sp], nodes) == {"172.30.0.200": "n2", "172.30.0.201": "n2"}


def test_durations():
    assert duration("1s", 9) == 1.0 and duration("500ms", 9) == 0.5 and duration("1h30m", 9) == 5400.0
    assert duration("0s", 30.0) == 30.0 and duration(None, 2.0) == 2.0
    with pytest.raises(ConfigError):
        duration("ten", 1)
