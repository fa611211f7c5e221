"""Pure logic of the proxy: which endpoints carry traffic, the rules each backend renders, its config file."""

import pytest

from kinns.node.proxy import announce, iptables, nftables
from kinns.node.proxy.config import ConfigError, duration
from kinns.node.proxy.services import Endpoint, ServicePort, service_ports


def _svc(name: str, **spec) -> dict:
    return {"metadata": {"namespace": "default", "name": name, "uid": name},
            "spec": {"type": "ClusterIP", "clusterIP": "10.96.0.50",
                     "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "http"}], **spec}}


def _slice(service: str, *endpoints: tuple[str, dict, str]) -> dict:
    return {"metadata": {"namespace": "default", "name": f"{service}-x", "uid": f"{service}-x",
                         "labels": {"kubernetes.io/service-name": service}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [ip], "conditions": cond, "nodeName": node} for ip, cond, node in endpoints]}


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
    eps = [Endpoint(f"10.244.1.{i}", 8080) for i in range(1, 5)]
    tables = iptables.render([ServicePort("default", "web", "", "tcp", "10.96.0.50", 80, endpoints=eps),
                              ServicePort("default", "none", "", "tcp", "10.96.0.51", 80)], "n1", "10.244.0.0/16")
    svc = next(rules for chain, rules in tables["nat"].items() if chain.startswith("KUBE-SVC-"))
    assert [r.split("--probability ")[1].split()[0] for r in svc if "--probability" in r] == \
        ["0.25000000000", "0.33333333333", "0.50000000000"]
    assert "-j KUBE-SEP-" in svc[-1] and "statistic" not in svc[-1]
    assert any("default/none has no endpoints" in r and "REJECT" in r for r in tables["filter"]["KUBE-SERVICES"])
    assert tables["nat"]["KUBE-SERVICES"][-1].endswith("-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS")


def test_nftables_incremental_sync_touches_only_what_changed(monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(nftables.subprocess, "run", lambda argv, input, **kw: sent.append(input))
    eps = [Endpoint("10.244.1.2", 8080), Endpoint("10.244.1.3", 8080)]
    a = ServicePort("default", "a", "", "tcp", "10.96.0.50", 80, endpoints=list(eps))
    b = ServicePort("default", "b", "", "tcp", "10.96.0.51", 80, endpoints=list(eps))
    backend = nftables.NftablesBackend()
    backend.sync(nftables.render([a, b], "n1", "10.244.0.0/16"), full=True)
    assert sent[-1].startswith("add table ip kube-proxy\ndelete table ip kube-proxy\n")
    b.endpoints.pop()
    backend.sync(nftables.render([a, b], "n1", "10.244.0.0/16"), full=False)
    change = sent[-1]
    assert "default/a/" not in change  # the unchanged service is not rewritten
    assert "flush chain ip kube-proxy service-" in change and "numgen random mod 1" in change
    assert "delete chain ip kube-proxy endpoint-" in change and "10.244.1.3/8080" in change


def test_load_balancer_addresses_have_one_owner():
    nodes = [{"metadata": {"name": n, "labels": labels}, "status": {"conditions": [{"type": "Ready",
                                                                                      "status": "True"}]}}
             for n, labels in (("cp", {announce.EXCLUDE: ""}), ("n1", {}), ("n2", {}))]
    sp = ServicePort("default", "lb", "", "tcp", "10.96.0.50", 80, lb_ips=("172.30.0.200", "172.30.0.201"),
                     endpoints=[Endpoint("10.244.2.2", 8080, node="n2")])
    assert set(announce.owners([sp], nodes).values()) <= {"n1", "n2"}
    sp.external_local = True
    assert announce.owners([sp], nodes) == {"172.30.0.200": "n2", "172.30.0.201": "n2"}


def test_durations():
    assert duration("1s", 9) == 1.0 and duration("500ms", 9) == 0.5 and duration("1h30m", 9) == 5400.0
    assert duration("0s", 30.0) == 30.0 and duration(None, 2.0) == 2.0
    with pytest.raises(ConfigError):
        duration("ten", 1)
