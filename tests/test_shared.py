"""What every component shares, without a cluster: selectors, conditions, owner references, DNS zones,
discovery, the kernel runners' commands and the cluster record's refusals."""

import asyncio

import pytest

from fakes import FakeAPI, FakeRunner
from kinns import cluster as lifecycle
from kinns.apimachinery.conditions import condition, is_true
from kinns.apimachinery.errors import APIError
from kinns.apimachinery.labels import label_selector, map_selects, selector_matches
from kinns.apimachinery.meta import controlled_by, controller_name, owner_reference
from kinns.client.discovery import Discovery
from kinns.dns.zones import fqdn, most_specific, within
from kinns.kernel.command import Result
from kinns.kernel.iptables import Iptables
from kinns.kernel.nft import Nft
from kinns.kernel.record import ClusterError, ClusterRecord, short_name


@pytest.mark.parametrize("selector, labels, selected", [
    ("app=web", {"app": "web"}, True),
    ("app==web,tier!=db", {"app": "web", "tier": "db"}, False),
    ("tier in (a, b)", {"tier": "b"}, True),
    ("tier notin (a,b)", {}, True),
    ("canary", {"canary": ""}, True),
    ("!canary", {"canary": "1"}, False),
    ("", {"any": "thing"}, True),
])
def test_label_selectors_in_their_text_form(selector, labels, selected):
    assert label_selector(selector)(labels) is selected


def test_a_selector_that_does_not_parse_is_a_bad_request():
    with pytest.raises(APIError) as err:
        label_selector("app=web,(")
    assert err.value.code == 400 and "invalid label selector" in err.value.message


def test_selector_objects_and_map_selectors():
    expressions = {"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": ["a", "b"]}, {"key": "old", "operator": "DoesNotExist"}]}
    assert selector_matches(expressions, {"app": "web", "tier": "a"})
    assert not selector_matches(expressions, {"app": "web", "tier": "a", "old": "1"})
    assert selector_matches({}, {"x": "y"}) and not selector_matches(None, {"x": "y"})
    assert map_selects({"app": "web"}, {"app": "web", "x": "y"}) and not map_selects({}, {"app": "web"})


def test_a_condition_keeps_its_transition_time_while_its_status_holds():
    first = condition("Ready", True, "KubeletReady", "ok", [], when="t1")
    assert first == {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "ok",
                     "lastTransitionTime": "t1"}
    assert condition("Ready", True, "Other", "", [first], when="t2")["lastTransitionTime"] == "t1"
    assert condition("Ready", False, "", "", [first], when="t3")["lastTransitionTime"] == "t3"
    assert is_true({"status": {"conditions": [first]}}, "Ready") and not is_true({}, "Ready")


def test_owner_references_name_a_controller():
    rs = {"metadata": {"name": "web-1", "uid": "u1"}}
    ref = owner_reference(rs, "ReplicaSet", "apps/v1")
    assert ref == {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "u1", "controller": True,
                   "blockOwnerDeletion": True}
    pod = {"metadata": {"ownerReferences": [ref]}}
    assert controlled_by(pod, rs) and controller_name(pod, "ReplicaSet") == "web-1"
    assert controller_name(pod, "DaemonSet") is None


@pytest.mark.parametrize("zones, qname, zone", [
    (["cluster.local.", "."], "web.default.svc.cluster.local.", "cluster.local."),
    (["cluster.local.", "."], "example.com.", "."),
    (["cluster.local."], "notcluster.local.", None),
    (["in-addr.arpa.", "10.in-addr.arpa."], "5.0.96.10.in-addr.arpa.", "10.in-addr.arpa."),
])
def test_the_most_specific_zone_holds_a_name(zones, qname, zone):
    assert most_specific(zones, qname) == zone


def test_names_are_compared_fully_qualified_and_lower_case():
    assert fqdn("Cluster.LOCAL") == "cluster.local." and fqdn(".") == "." and fqdn("") == "."
    assert within(".", "anything.") and within("local.", "local.") and not within("local.", "xlocal.")


def test_discovery_finds_a_kind_and_reads_again_for_one_it_does_not_know():
    async def main():
        api = FakeAPI()
        discovery = Discovery(api.client)
        found = await discovery.find("apps/v1", "Deployment")
        assert found.plural == "deployments" and found.path("ns", "web") == "/apis/apps/v1/namespaces/ns/deployments/web"
        assert (await discovery.find("v1", "Node")).path("ignored", "n1") == "/api/v1/nodes/n1"
        reads = len(api.requests)
        assert await discovery.find("example.com/v1", "Widget") is None
        assert len(api.requests) > reads  # not known: discovery was read again before giving up
    asyncio.run(main())


def test_iptables_rules_go_in_once_and_come_out_every_copy():
    present = {"count": 0}

    def iptables(argv, _):
        if "-C" in argv:
            return Result(0 if present["count"] else 1, "", "")
        if "-D" in argv:
            present["count"] -= 1
            return Result(0 if present["count"] >= 0 else 1, "", "")
        if "-I" in argv or "-A" in argv:
            present["count"] += 1
        return Result(0, "", "")

    runner = FakeRunner({"iptables": iptables})
    ipt = Iptables(runner)
    rule = ["-s", "10.244.0.0/16", "-j", "MASQUERADE"]
    ipt.ensure_rule("nat", "POSTROUTING", rule, first=False)
    ipt.ensure_rule("nat", "POSTROUTING", rule, first=False)
    assert [argv[4] for argv, _ in runner.calls if argv[4] in ("-I", "-A")] == ["-A"]  # the second found it there
    ipt.delete_rule("nat", "POSTROUTING", rule)
    assert present["count"] == -1


def test_nft_tables_are_replaced_and_deleted_in_one_transaction():
    runner = FakeRunner()
    nft = Nft(runner)
    nft.replace_table("ip t", ["add chain ip t c"])
    nft.delete_table("ip t")
    nft.apply([])
    assert runner.inputs("nft") == ["add table ip t\ndelete table ip t\nadd chain ip t c\n",
                                    "add table ip t\ndelete table ip t\n"]


@pytest.mark.parametrize("args, message", [
    ({"name": "Bad_Name"}, "invalid cluster name"),
    ({"name": "ok", "backend": "geneve"}, "unknown backend 'geneve'"),
    ({"name": "ok", "nodes": 0}, "--nodes must be between 1 and 50"),
    ({"name": "ok", "dns_upstream": "my-resolver"}, "is neither an IP address nor 'controlplane'"),
    ({"name": "ok", "subnet": "10.0.0.0/8"}, "the node network must be an IPv4 /24"),
    ({"name": "ok", "subnet": "10.244.3.0/24"}, "overlaps 10.244.0.0/16, the pod network"),
    ({"name": "ok", "subnet": "10.100.1.0/24"}, "overlaps 10.96.0.0/12, the Service network"),
    ({"name": "ok", "subnet": "x.y"}, "invalid --subnet 'x.y'"),
])
def test_up_refuses_bad_settings_before_making_anything(args, message):
    with pytest.raises(ClusterError, match=message):
        lifecycle.up(**args)


def test_the_record_names_nodes_and_keeps_link_names_short():
    assert short_name("kinns") == "kinns" and len(short_name("a-very-long-cluster-name")) == 10
    record = ClusterRecord("c", "vxlan", "172.30.9.0/24", [])
    assert record.gateway == "172.30.9.1" and record.bridge == "c-br"
    with pytest.raises(ClusterError, match="has no node 'node07'"):
        record.node("node07")


def test_safe_join_keeps_volume_files_inside_their_volume(tmp_path):
    from kinns.kernel.files import Escape, safe_join

    (tmp_path / "vol").mkdir()
    (tmp_path / "vol" / "out").symlink_to("/etc")
    assert safe_join(tmp_path / "vol", "a/b.conf") == tmp_path / "vol" / "a" / "b.conf"
    for bad in ("../../../../tmp/x", "/etc/passwd", "out/passwd"):
        with pytest.raises(Escape):
            safe_join(tmp_path / "vol", bad)


def test_private_files_are_never_readable_by_others(tmp_path):
    from kinns.kernel.files import write_private

    path = tmp_path / "key"
    assert write_private(path, "secret") and (path.stat().st_mode & 0o777) == 0o600
    assert not write_private(path, "secret")  # unchanged: not rewritten
