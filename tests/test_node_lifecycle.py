"""The node lifecycle controller over an API in memory: a silent node goes Unknown, is tainted, its pods are
marked not Ready and evicted as their tolerations say."""

import asyncio
import datetime

from fakes import FakeAPI, settle
from kinns.apimachinery.meta import format_time
from kinns.client import Informers
from kinns.controllers.nodelifecycle import NodeLifecycleController, eviction_time, wanted_taints


def ago(seconds: float) -> str:
    return format_time(datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds))


def node(name: str, heartbeat: str) -> dict:
    return {"metadata": {"name": name}, "spec": {},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "lastHeartbeatTime": heartbeat, "lastTransitionTime": heartbeat}]}}


def pod(name: str, node_name: str, tolerations: list | None = None) -> dict:
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": node_name, "containers": [{"name": "c", "image": "x"}],
                     "tolerations": tolerations or []},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}}


def test_a_silent_node_is_unknown_tainted_and_its_pods_evicted_or_kept_as_they_tolerate():
    api = FakeAPI()
    api.add("nodes", node("quiet", ago(120)))
    api.add("nodes", node("alive", ago(1)))
    api.add("pods", pod("doomed", "quiet"))
    api.add("pods", pod("patient", "quiet", [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                              "effect": "NoExecute", "tolerationSeconds": 300}]))
    api.add("pods", pod("daemon", "quiet", [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                             "effect": "NoExecute"}]))
    api.add("pods", pod("elsewhere", "alive"))
    controller = NodeLifecycleController(api.client, Informers(api.client), grace=40)
    asyncio.run(settle(controller, api, quiet=0.3))
    quiet = api.get("nodes", None, "quiet")
    ready = next(c for c in quiet["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == ("Unknown", "NodeStatusUnknown",
                                                                    "Kubelet stopped posting node status.")
    assert {(t["key"], t["effect"]) for t in quiet["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    assert sorted(p["metadata"]["name"] for p in api.all("pods")) == ["daemon", "elsewhere", "patient"]
    assert next(c for c in api.get("pods", "default", "patient")["status"]["conditions"]
                if c["type"] == "Ready")["status"] == "False"
    assert "taints" not in api.get("nodes", None, "alive")["spec"]


def test_taints_follow_the_ready_condition_and_evictions_wait_for_toleration_seconds():
    unknown = {"spec": {"taints": [{"key": "dedicated", "effect": "NoSchedule"}]},
               "status": {"conditions": [{"type": "Ready", "status": "False"}]}}
    assert [t["key"] for t in wanted_taints(unknown, "t")] == ["dedicated", "node.kubernetes.io/not-ready",
                                                             "node.kubernetes.io/not-ready"]
    healthy = {"spec": {"taints": wanted_taints(unknown, "t")}, "status": {"conditions": [{"type": "Ready",
                                                                                            "status": "True"}]}}
    assert [t["key"] for t in wanted_taints(healthy, "t")] == ["dedicated"]
    taint = {"key": "node.kubernetes.io/not-ready", "effect": "NoExecute", "timeAdded": "2026-01-01T00:00:00Z"}
    waits = pod("p", "n", [{"key": taint["key"], "operator": "Exists", "effect": "NoExecute",
                            "tolerationSeconds": 60}])
    assert eviction_time(waits, taint).isoformat() == "2026-01-01T00:01:00+00:00"
    assert eviction_time(pod("q", "n"), taint).isoformat() == "2026-01-01T00:00:00+00:00"
    assert eviction_time(pod("r", "n", [{"operator": "Exists"}]), taint) is None
