"""The kubelet's status computation (kinns/node/kubelet/status.py): phases, conditions, container states."""

import pytest

from kinns.kernel.node import Node
from kinns.node.kubelet.status import ContainerState, changed, node_object, node_status, pod_status

POD = {"metadata": {"name": "web", "namespace": "default", "uid": "u1"},
       "spec": {"containers": [{"name": "app", "image": "nginx"}, {"name": "side", "image": "busybox"}]}}
RECORD = {"id": "0123456789abcdef", "ip": "10.244.1.7", "pids": {"app": 10, "side": 11}}
NOW = "2026-12-01T10:00:00Z"


def states(**overrides) -> dict[str, ContainerState]:
    out = {"app": ContainerState("2026-12-01T09:00:00Z"), "side": ContainerState("2026-12-01T09:00:01Z")}
    for name, fields in overrides.items():
        for k, v in fields.items():
            setattr(out[name], k, v)
    return out


def conditions(status: dict) -> dict[str, str]:
    return {c["type"]: c["status"] for c in status["conditions"]}


def test_a_pod_without_a_sandbox_is_pending_and_creating():
    status = pod_status(POD, None, {}, None, "172.30.0.3", NOW)
    assert status["phase"] == "Pending" and "podIP" not in status
    assert [c["state"] for c in status["containerStatuses"]] == [{"waiting": {"reason": "ContainerCreating"}}] * 2
    assert conditions(status) == {"PodReadyToStartContainers": "False", "Initialized": "True", "Ready": "False",
                                  "ContainersReady": "False", "PodScheduled": "True"}
    assert status["startTime"] == NOW and status["hostIP"] == "172.30.0.3"


def test_a_running_pod_is_ready_with_its_address_and_container_ids():
    status = pod_status(POD, RECORD, states(), None, "172.30.0.3", NOW)
    assert status["phase"] == "Running" and status["podIPs"] == [{"ip": "10.244.1.7"}]
    app = status["containerStatuses"][0]
    assert app["state"] == {"running": {"startedAt": "2026-12-01T09:00:00Z"}} and app["ready"] is True
    assert app["containerID"] == "kinns://0123456789ab-app"
    assert conditions(status)["Ready"] == "True"


def test_a_crashed_container_waits_in_back_off_with_its_last_exit():
    exit_ = {"exitCode": 1, "reason": "Error", "startedAt": "a", "finishedAt": "b"}
    status = pod_status(POD, RECORD, states(side={"waiting": ("CrashLoopBackOff", "back-off 10s"), "restarts": 2,
                                                  "last_exit": exit_}), None, "172.30.0.3", NOW)
    side = status["containerStatuses"][1]
    assert side["state"] == {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}}
    assert side["restartCount"] == 2 and side["lastState"] == {"terminated": exit_} and side["ready"] is False
    assert status["phase"] == "Running" and conditions(status)["ContainersReady"] == "False"


def test_a_failing_readiness_probe_makes_the_pod_unready():
    from kinns.node.kubelet.probes import ProbeState

    probe = ProbeState({"periodSeconds": 1, "failureThreshold": 1}, 0.0)
    probe.record(False, "connection refused", 1.0)
    status = pod_status(POD, RECORD, states(app={"probes": {"readinessProbe": probe}}), None, "172.30.0.3", NOW)
    assert status["containerStatuses"][0]["ready"] is False and conditions(status)["Ready"] == "False"


@pytest.mark.parametrize("problem", [("ErrImageNeverPull", 'image "x" cannot run on kinns'),
                                     ("CreateContainerConfigError", 'configmap "cfg" not found')])
def test_a_problem_is_every_container_s_waiting_reason(problem):
    status = pod_status(POD, RECORD, states(), problem, "172.30.0.3", NOW)
    assert status["phase"] == "Pending"
    assert {c["state"]["waiting"]["reason"] for c in status["containerStatuses"]} == {problem[0]}


def test_conditions_keep_their_transition_time_and_only_news_is_written():
    first = pod_status(POD, RECORD, states(), None, "172.30.0.3", NOW)
    pod = {**POD, "status": first}
    again = pod_status(pod, RECORD, states(), None, "172.30.0.3", "2026-12-01T11:00:00Z")
    assert [c["lastTransitionTime"] for c in again["conditions"]] == [NOW] * 5
    assert not changed(first, again)
    down = pod_status(pod, RECORD, states(app={"waiting": ("CrashLoopBackOff", "")}), None, "172.30.0.3",
                      "2026-12-01T11:00:00Z")
    assert changed(first, down)
    ready = next(c for c in down["conditions"] if c["type"] == "Ready")
    assert ready["lastTransitionTime"] == "2026-12-01T11:00:00Z"


def test_nodes_register_as_kubeadm_nodes_and_heartbeat_ready():
    cp = Node("c", "controlplane", 0, "172.30.0.2", "10.244.0.0/24", "0e:00:00:00:00:01", "c-0", "/run/kinns/c")
    obj = node_object(cp)
    assert obj["spec"]["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    assert "node-role.kubernetes.io/control-plane" in obj["metadata"]["labels"]
    worker = Node("c", "node01", 1, "172.30.0.3", "10.244.1.0/24", "0e:00:00:00:00:02", "c-1", "/run/kinns/c")
    assert "taints" not in node_object(worker)["spec"] and node_object(worker)["spec"]["podCIDR"] == "10.244.1.0/24"
    status = node_status(worker, "2026-12-01T08:00:00Z", NOW, 2, 1024)
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True" and ready["lastHeartbeatTime"] == NOW
    assert ready["lastTransitionTime"] == "2026-12-01T08:00:00Z"
    assert status["addresses"][0] == {"type": "InternalIP", "address": "172.30.0.3"}
    assert status["capacity"]["memory"] == "1024Ki"


@pytest.mark.parametrize("policy_codes, phase", [((0, 0), "Succeeded"), ((0, 1), "Failed"), ((0, None), "Running")])
def test_containers_ended_for_good_make_the_pod_succeeded_or_failed(policy_codes, phase):
    ended = {name: {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                                   "startedAt": NOW, "finishedAt": NOW}}
             for name, code in zip(("app", "side"), policy_codes) if code is not None}
    status = pod_status(POD, RECORD, states(**ended), None, "172.30.0.3", NOW)
    assert status["phase"] == phase
    app = status["containerStatuses"][0]
    assert app["state"]["terminated"]["exitCode"] == 0 and app["ready"] is False
    assert app["state"]["terminated"]["containerID"] == "kinns://0123456789ab-app"
    assert conditions(status)["Ready"] == "False"
