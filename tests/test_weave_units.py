"""Weave's pure parts: the ring's split of the range, the router's settings, the CNI config it installs; and the
kubelet's and kubectl's view of init containers and of a node without a network."""

import json

import pytest

from kinns.apiserver.tables import _pod_row
from kinns.controlplane import addons
from kinns.kernel.node import Node
from kinns.node.kubelet.status import NETWORK_NOT_READY, ContainerState, node_status, pod_status
from kinns.node.workloads.weave import init, launch, ring


def test_the_ring_gives_each_peer_blocks_far_apart_and_never_one_twice():
    state, a = ring.claim({}, "10.32.0.0/12", "aa")
    state, b = ring.claim(state, "10.32.0.0/12", "bb")
    state, c = ring.claim(state, "10.32.0.0/12", "cc")
    assert (a, b, c) == (["10.32.0.0/18"], ["10.40.0.0/18"], ["10.36.0.0/18"])
    assert ring.claim(state, "10.32.0.0/12", "bb")[1] == b  # a peer keeps its block across restarts
    with pytest.raises(ring.RangeMismatch):
        ring.claim(state, "10.0.0.0/16", "dd")
    assert ring.claim(ring.release(state, "bb"), "10.32.0.0/12", "dd")[1] == b  # a gone peer's space is reused
    first = ring.Allocator("10.32.0.0/12", a)
    assert [first.allocate(x) for x in ("expose", "p1", "p1")] == ["10.32.0.1/12", "10.32.0.2/12", "10.32.0.2/12"]
    second = ring.Allocator("10.32.0.0/12", b)
    assert second.allocate("expose") == "10.40.0.0/12"  # inside a /12, x.0 is an address like any other
    tiny = ring.Allocator("10.9.0.0/30", ring.claim({}, "10.9.0.0/30", "aa")[1])
    assert tiny.allocate("x") == "10.9.0.1/30" and tiny.allocate("y") == "10.9.0.2/30"
    with pytest.raises(IndexError):
        tiny.allocate("z")  # network and broadcast addresses are never given


def test_the_router_reads_the_launch_scripts_settings_and_refuses_what_it_cannot_honour():
    opts = launch.options({"IPALLOC_RANGE": "10.40.0.0/16", "CONN_LIMIT": "30"}, ["--log-level=debug"])
    assert (opts["--ipalloc-range"], opts["--conn-limit"], opts["--mtu"], opts["--log-level"]) == \
        ("10.40.0.0/16", 30, 1376, "debug")
    for env, extra, message in (({}, ["--trusted-subnets=1.2.3.0/24"], "flag provided but not defined"),
                                ({"WEAVE_PASSWORD": "s3cret"}, [], "encrypted"),
                                ({"WEAVE_MTU": "9000"}, [], "invalid MTU"),
                                ({"IPALLOC_RANGE": "10.32.0.1/12"}, [], "invalid --ipalloc-range"),
                                ({}, ["--log-level=loud"], "invalid value")):
        with pytest.raises(launch.FlagError, match=message):
            launch.options(env, extra)
    name = launch.peer_name("0123456789abcdef0123456789abcdef\n")
    assert name == launch.peer_name("0123456789abcdef0123456789abcdef") and len(name.split(":")) == 6
    assert int(name[:2], 16) & 0b11 == 0b10  # locally administered, unicast


def test_weave_init_installs_its_plugin_and_conflist(tmp_path):
    (tmp_path / "opt").mkdir()
    init.install(tmp_path)
    link = tmp_path / "opt/cni/bin/weave-net"
    assert link.is_symlink() and link.resolve().name == "weave-plugin-2.8.1"
    conf = json.loads((tmp_path / "etc/cni/net.d/10-weave.conflist").read_text())
    assert conf["name"] == "weave" and [p["type"] for p in conf["plugins"]] == ["weave-net", "portmap"]


def test_a_bare_cluster_gets_only_kubeadms_addons():
    kinds = {(d["kind"], d["metadata"]["name"]) for d in addons.documents("10.0.0.1:6443", bare=True)}
    assert ("DaemonSet", "kube-proxy") in kinds and ("Deployment", "coredns") in kinds
    assert not any(kind in ("CustomResourceDefinition", "StorageClass") or "nginx" in name or "cni" in name
                   for kind, name in kinds), kinds


def test_a_node_without_network_config_is_not_ready_in_the_kubelets_words():
    node = Node("c", "node01", 1, "172.30.0.3", "10.244.1.0/24", "0e:00:00:00:00:02", "c-1", "/run/kinns/c")
    ready = node_status(node, "T0", "T2", 2, 1024, network_ready=False, ready_since="T1")["conditions"][-1]
    assert (ready["type"], ready["status"], ready["reason"], ready["message"], ready["lastTransitionTime"]) == \
        ("Ready", "False", "KubeletNotReady", NETWORK_NOT_READY, "T1")


def _init_pod(states: dict, record_init) -> dict:
    pod = {"metadata": {"creationTimestamp": "2026-12-02T00:00:00Z"}, "spec": {
        "initContainers": [{"name": "a", "image": "busybox"}, {"name": "b", "image": "busybox"}],
        "containers": [{"name": "main", "image": "busybox"}]}}
    record = {"id": "0123456789abcdef", "ip": "10.0.0.5", "init": record_init, "pids": {}}
    pod["status"] = pod_status(pod, record, states, None, "172.30.0.3", "2026-12-02T00:00:01Z")
    return pod


def test_init_containers_in_the_pod_status_and_kubectls_column():
    running = _init_pod({"a": ContainerState("T")}, 0)
    assert running["status"]["phase"] == "Pending"
    assert running["status"]["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert _pod_row(running)[1] == "Init:0/2"
    done = {"exitCode": 0, "reason": "Completed"}
    second = _init_pod({"a": ContainerState("T", terminated=done), "b": ContainerState("T")}, 1)
    assert _pod_row(second)[1] == "Init:1/2"
    failed = _init_pod({"a": ContainerState("T", terminated={"exitCode": 3, "reason": "Error"})}, 0)
    assert failed["status"]["phase"] == "Failed" and _pod_row(failed)[1] == "Init:Error"
    backing_off = _init_pod({"a": ContainerState("T", restarts=2, waiting=("CrashLoopBackOff", "back-off"))}, 0)
    assert _pod_row(backing_off)[1:3] == ["Init:CrashLoopBackOff", 2]
    started = _init_pod({"a": ContainerState("T", terminated=done), "b": ContainerState("T", terminated=done),
                         "main": ContainerState("T")}, None)
    assert started["status"]["phase"] == "Running" and _pod_row(started)[1] == "Running"
