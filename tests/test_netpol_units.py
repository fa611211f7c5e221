"""The policy agent's pure half: what policies ask of a node's pods, and the nft transactions that say it."""

import itertools
import random
from pathlib import Path

import pytest
import yaml

from kinns.apiserver import cel, defaults
from kinns.node.policy import api, boxes
from kinns.kernel.command import CommandFailed
from kinns.node.policy.model import PortSpec, Pod, compile_node, ip_block, policy_types, port_elements
from kinns.node.policy.nftables import PolicyTable, changes, full, render


def pod(ns, name, ip, node, labels, ports=()):
    return {"metadata": {"namespace": ns, "name": name, "labels": labels},
            "spec": {"nodeName": node, "containers": [{"name": "c", "ports": [
                {"name": n, "containerPort": p, "protocol": proto} for n, p, proto in ports]}]},
            "status": {"phase": "Running", "podIP": ip}}


NAMESPACES = [{"metadata": {"name": n, "labels": {"kubernetes.io/metadata.name": n}}} for n in ("x", "y")]
PODS = [pod("x", "a", "10.244.1.2", "n1", {"pod": "a"}, [("web", 8080, "TCP")]),
        pod("x", "b", "10.244.2.2", "n2", {"pod": "b"}, [("web", 9090, "TCP")]),
        pod("y", "a", "10.244.1.3", "n1", {"pod": "a"}),
        {**pod("x", "host", "172.31.0.3", "n1", {"pod": "a"}), "spec": {"nodeName": "n1", "hostNetwork": True}}]


def np(ns, name, **spec):
    return {"metadata": {"namespace": ns, "name": name}, "spec": {"podSelector": {}, **spec}}


def test_an_ip_block_loses_its_excepts():
    nets = sorted(map(str, ip_block({"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "10.1.2.0/24"]})))
    assert "10.1.0.0/16" not in nets and "10.0.0.0/16" in nets and len(nets) == 8
    assert ip_block({"cidr": "fd00::/8"}) == []


def test_port_elements_never_overlap_and_names_resolve_on_the_receiver():
    a = Pod("x", "a", "10.244.1.2", "n1", {}, (("web", "tcp", 80), ("alt", "tcp", 8080)))
    specs = [PortSpec("tcp", 80, 85), PortSpec("tcp", 84, 90), PortSpec("tcp", name="web"),
             PortSpec("tcp", name="alt"), PortSpec("udp", name="web")]
    assert port_elements(specs, frozenset({"0.0.0.0/0"}), [a]) == {
        "0.0.0.0/0 . tcp . 80-90", "10.244.1.2 . tcp . 8080"}  # web (80) is in the range already; no udp web


def test_policy_types_default_as_the_api_server_defaults_them():
    assert policy_types({}) == {"Ingress"}
    assert policy_types({"egress": [{}]}) == {"Ingress", "Egress"}
    obj = {"spec": {"podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}}
    defaults.apply("NetworkPolicy", obj)
    assert obj["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert obj["spec"]["egress"][0]["ports"][0]["protocol"] == "TCP"


def test_only_this_nodes_pod_network_pods_are_subjects_and_peers_are_cluster_wide():
    program = compile_node("n1", PODS, NAMESPACES, [np("x", "from-b", ingress=[{"from": [
        {"podSelector": {"matchLabels": {"pod": "b"}}}], "ports": [{"port": "web"}]}])])
    assert set(program.ingress.network) == {"10.244.1.2"}  # x/a; not the hostNetwork pod, not x/b on n2
    (policy,) = program.ingress.network["10.244.1.2"]
    (rule,) = policy.rules
    assert rule.peers == {"10.244.2.2"} and rule.ports == {"10.244.1.2 . tcp . 8080"}
    assert program.egress.network == {}


def test_egress_named_ports_resolve_on_each_peer():
    program = compile_node("n1", PODS, NAMESPACES, [np("y", "out", policyTypes=["Egress"], egress=[{"to": [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "x"}}}], "ports": [{"port": "web"}]}])])
    (rule,) = program.egress.network["10.244.1.3"][0].rules
    assert rule.peers is None and rule.ports == {"10.244.1.2 . tcp . 8080", "10.244.2.2 . tcp . 9090"}


def test_pods_with_the_same_policies_share_one_chain():
    program = compile_node("n1", [*PODS, pod("x", "c", "10.244.1.9", "n1", {"pod": "c"})], NAMESPACES,
                           [np("x", "deny")])
    ruleset = render(program)
    assert len(ruleset.chains) == 1
    assert set(ruleset.maps["ingress-network"]) == {"10.244.1.2", "10.244.1.9"}
    (rules,) = ruleset.chains.values()
    assert rules[-1].startswith('log prefix "kinns-netpol drop x/deny: " group 100 drop')


def test_admin_tiers_order_by_priority_and_pass_returns():
    anps = [{"metadata": {"name": n}, "spec": {"priority": p, "subject": {"namespaces": {}},
                                               "ingress": [{"name": "r", "action": act, "from": [{"namespaces": {}}]}]}}
            for n, p, act in (("late", 50, "Deny"), ("early", 5, "Pass"))]
    banp = [{"metadata": {"name": "default"}, "spec": {"subject": {"namespaces": {}}, "ingress": [
        {"action": "Deny", "from": [{"namespaces": {}}]}]}}, {"metadata": {"name": "other"}, "spec": {}}]
    program = compile_node("n1", PODS, NAMESPACES, [], anps, banp)
    assert [p.key for p in program.ingress.admin["10.244.1.2"]] == ["early", "late"]
    assert [r.verdict for p in program.ingress.admin["10.244.1.2"] for r in p.rules] == ["return", "drop"]
    assert program.ingress.baseline["10.244.1.2"].key == "default"


def test_a_change_deletes_before_it_adds_and_unreferences_before_it_removes():
    before = render(compile_node("n1", PODS, NAMESPACES, [np("x", "p", ingress=[{"from": [
        {"ipBlock": {"cidr": "10.0.0.0/8"}}]}])]))
    after = render(compile_node("n1", PODS, NAMESPACES, [np("x", "p", ingress=[{"from": [
        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"]}}]}])]))
    lines = changes(before, after)
    deleting = next(i for i, line in enumerate(lines) if line.startswith("delete element") and "peers" in line)
    adding = next(i for i, line in enumerate(lines) if line.startswith("add element") and "peers" in line)
    assert deleting < adding
    gone = changes(after, render(compile_node("n1", PODS, NAMESPACES, [])))
    order = [line.split()[0:2] for line in gone]
    assert order.index(["delete", "element"]) < order.index(["delete", "chain"]) < order.index(["delete", "set"])


def test_disjoint_boxes_cover_the_union_exactly_once():
    rng = random.Random(7)
    for _ in range(200):
        given = []
        for _ in range(rng.randint(1, 6)):
            box = []
            for _ in range(3):
                lo = rng.randint(0, 7)
                box.append((lo, rng.randint(lo, 7)))
            given.append(tuple(box))
        out = boxes.disjoint(given)
        for point in itertools.product(range(8), repeat=3):
            inside = sum(all(lo <= v <= hi for v, (lo, hi) in zip(point, b)) for b in out)
            assert inside == any(all(lo <= v <= hi for v, (lo, hi) in zip(point, b)) for b in given), (given, out)


def test_the_union_of_elements_reads_as_nft_elements():
    ports = boxes.parse_all(["0.0.0.0/0 . tcp . 80-90", "0.0.0.0/0 . tcp . 85-100", "10.244.1.2 . udp . 53"], "aps")
    assert boxes.union(ports, "aps") == {"0.0.0.0/0 . tcp . 80-100", "10.244.1.2 . udp . 53"}
    peers = boxes.parse_all(["10.0.0.0/25", "10.0.0.128/25", "10.0.0.5", "10.1.0.1-10.1.0.2"], "a")
    assert boxes.union(peers, "a") == {"10.0.0.0/24", "10.1.0.1", "10.1.0.2"}
    flows = boxes.product(["10.244.2.2"], ["0.0.0.0/0 . tcp . 80"])
    assert boxes.union(flows, "aaps") == {"10.244.2.2 . 0.0.0.0/0 . tcp . 80"}


def test_many_network_policies_cost_a_new_connection_three_lookups_at_most():
    peers = [pod("x", f"p{i}", f"10.244.3.{i}", "n2", {"i": str(i)}) for i in range(200)]
    many = [np("x", f"p{i:04d}", podSelector={"matchLabels": {"pod": "a"}}, ingress=[
        {"from": [{"podSelector": {"matchLabels": {"i": str(i % 200)}}}],
         **({"ports": [{"port": 80 + i % 3}]} if i % 2 else {})}]) for i in range(1000)]
    ruleset = render(compile_node("n1", [*PODS, *peers], NAMESPACES, many))
    (rules,) = ruleset.chains.values()
    accepting = [r for r in rules if "accept" in r]
    assert len(accepting) == 2 and len(ruleset.sets) == 2
    flows = next(els for name, (kind, els) in ruleset.sets.items() if name.endswith("-flows"))
    assert "10.244.3.1 . 0.0.0.0/0 . tcp . 80-82" in flows and len(flows) == 100
    assert len(next(els for name, (kind, els) in ruleset.sets.items() if name.endswith("-peers"))) == 100
    assert sum(r.startswith("counter name np-") for r in rules) == 1000


class FakeNft:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.calls = fail, []

    def apply(self, lines):
        self.calls.append(lines)
        if self.fail:
            raise CommandFailed(["nft"], 1, "Error: Could not process rule")


def test_a_failed_sync_replaces_the_whole_table_next_time():
    nft = FakeNft()
    table = PolicyTable(nft)
    want = render(compile_node("n1", PODS, NAMESPACES, [np("x", "deny")]))
    table.sync(want)
    assert nft.calls[0][:2] == ["add table inet kinns-netpol", "delete table inet kinns-netpol"]
    table.sync(want)
    assert nft.calls[1] == []
    nft.fail = True
    with pytest.raises(CommandFailed):
        table.sync(render(compile_node("n1", PODS, NAMESPACES, [])))
    nft.fail = False
    table.sync(want)
    assert nft.calls[-1] == full(want)


def test_the_shipped_admin_policy_crds_are_the_generated_ones_and_their_rules_compile():
    shipped = (Path(__file__).resolve().parents[1] / "kinns/controlplane/manifests/admin-network-policy-crds.yaml")
    assert shipped.read_text() == api.manifest()
    for crd in yaml.safe_load_all(shipped.read_text()):
        for version in crd["spec"]["versions"]:
            assert cel.compile_rules(version["schema"]["openAPIV3Schema"]) == []
