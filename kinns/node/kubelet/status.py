"""What the kubelet reports, computed from what it knows: pod status and node status, without side effects.

The pod's phase, its conditions and each container's state follow from the
sandbox record (is the pod running, with which IP), the kubelet's own
container states (restarts, last exit, back-off, probe verdicts) and a
problem that keeps the pod from starting (a missing ConfigMap, an image kinns
cannot run, a CNI failure). Conditions keep their lastTransitionTime while
their status holds.
"""

import platform
from dataclasses import dataclass, field

from ...apimachinery.conditions import condition
from ...apimachinery.version import KUBERNETES
from ...kernel.node import Node
from .probes import ProbeState

NODE_CONDITIONS = [
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available")]
READY = ("Ready", "True", "KubeletReady", "kubelet is posting ready status")
# the kubelet's words (through containerd's) for a node whose /etc/cni/net.d holds no network config
NETWORK_NOT_READY = ("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
                     "message:Network plugin returns error: cni plugin not initialized")
NOT_READY = ("Ready", "False", "KubeletNotReady", NETWORK_NOT_READY)


@dataclass
class ContainerState:
    """What the kubelet keeps of one container between syncs."""

    started: str
    spec: dict = field(default_factory=dict)
    restarts: int = 0
    last_exit: dict | None = None  # lastState.terminated
    waiting: tuple[str, str] | None = None  # (reason, message) while it waits to be restarted
    terminated: dict | None = None  # state.terminated of a container its restartPolicy does not restart
    retry_at: float = 0.0
    probes: dict[str, ProbeState] = field(default_factory=dict)

    def arm_probes(self, clock: float) -> None:
        """Fresh probe states from the container's spec: at start and after every restart."""
        self.probes = {kind: ProbeState(self.spec[kind], clock)
                       for kind in ("readinessProbe", "livenessProbe") if isinstance(self.spec.get(kind), dict)}

    @property
    def ready(self) -> bool:
        readiness = self.probes.get("readinessProbe")
        return self.waiting is None and self.terminated is None and (readiness is None or readiness.passed is True)


def _container_status(c: dict, state: ContainerState | None, record: dict | None,
                      problem: tuple[str, str] | None) -> dict:
    entry = {"name": c["name"], "image": c.get("image", ""), "imageID": f"kinns://{c.get('image', '')}",
             "restartCount": state.restarts if state else 0}
    if problem or record is None or state is None:
        reason, message = problem or ("ContainerCreating", "")
        entry.update({"ready": False, "started": False,
                      "state": {"waiting": {"reason": reason, **({"message": message} if message else {})}}})
    else:
        entry["containerID"] = f"kinns://{record['id'][:12]}-{c['name']}"
        if state.terminated:
            entry.update({"ready": False, "started": False,
                          "state": {"terminated": {**state.terminated, "containerID": entry["containerID"]}}})
        elif state.waiting:
            entry.update({"ready": False, "started": False,
                          "state": {"waiting": {"reason": state.waiting[0], "message": state.waiting[1]}}})
        else:
            entry.update({"ready": state.ready, "started": True, "state": {"running": {"startedAt": state.started}}})
    if state and state.last_exit:
        entry["lastState"] = {"terminated": state.last_exit}
    return entry


def _phase(spec: dict, states: dict[str, ContainerState], initializing: bool) -> str:
    """Pending while init containers run, Failed if one failed for good (restartPolicy Never); then Running
    while any container runs or will be restarted; once every container has ended for good (as restartPolicy
    Never or OnFailure decide), Succeeded if all exited 0, else Failed."""
    for c in spec.get("initContainers") or []:
        ended = states[c["name"]].terminated if c["name"] in states else None
        if ended and ended["exitCode"] != 0:
            return "Failed"
    if initializing:
        return "Pending"
    names = [c["name"] for c in spec.get("containers") or []]
    ended = [states[n].terminated for n in names if n in states and states[n].terminated]
    if not names or len(ended) < len(names):
        return "Running"
    return "Succeeded" if all(t["exitCode"] == 0 for t in ended) else "Failed"


def pod_status(pod: dict, record: dict | None, states: dict[str, ContainerState], problem: tuple[str, str] | None,
               node_ip: str, stamp: str) -> dict:
    """The pod's status as this kubelet sees it now (`stamp`: the time to write for new things)."""
    spec, old = pod.get("spec", {}), pod.get("status", {})
    initializing = bool(spec.get("initContainers")) and (record is None or record.get("init") is not None)
    waiting = ("PodInitializing", "") if record is not None and initializing and not problem else problem
    inits = [_container_status(c, states.get(c["name"]), record, None if c["name"] in states else waiting)
             for c in spec.get("initContainers") or []]
    statuses = [_container_status(c, None if initializing else states.get(c["name"]), record, waiting)
                for c in spec.get("containers") or []]
    all_ready = bool(statuses) and all(s["ready"] for s in statuses)
    running = record is not None and not problem
    previous = old.get("conditions") or []
    conditions = [condition(kind, ok, previous=previous, when=stamp, lastProbeTime=None)
                  for kind, ok in (("PodReadyToStartContainers", running), ("Initialized", not initializing),
                                   ("Ready", all_ready), ("ContainersReady", all_ready), ("PodScheduled", True))]
    status = {"phase": _phase(spec, states, initializing) if running else "Pending", "hostIP": node_ip,
              "hostIPs": [{"ip": node_ip}], "startTime": old.get("startTime") or stamp,
              "qosClass": old.get("qosClass", "BestEffort"), "containerStatuses": statuses, "conditions": conditions}
    if inits:
        status["initContainerStatuses"] = inits
    ephemeral = [_container_status(c, states.get(c["name"]), record, None)
                 for c in spec.get("ephemeralContainers") or []]
    if ephemeral:
        status["ephemeralContainerStatuses"] = ephemeral
    if record is not None and record.get("ip"):
        status["podIP"] = record["ip"]
        status["podIPs"] = [{"ip": record["ip"]}]
    return status


def changed(current: dict, wanted: dict) -> bool:
    """Does writing `wanted` tell the API anything new (condition times aside)?"""
    if any(current.get(k) != v for k, v in wanted.items() if k != "conditions"):
        return True
    return [(c.get("type"), c.get("status")) for c in current.get("conditions") or []] != \
        [(c["type"], c["status"]) for c in wanted["conditions"]]


def node_object(node: Node) -> dict:
    """The Node a kubelet registers, with the labels, taint and annotations kubeadm's nodes carry."""
    labels = {"kubernetes.io/hostname": node.name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}
    spec: dict = {"podCIDR": node.pod_cidr, "podCIDRs": [node.pod_cidr]}
    if node.name == "controlplane":
        labels.update({"node-role.kubernetes.io/control-plane": "",
                       "node.kubernetes.io/exclude-from-external-load-balancers": ""})
        spec["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    return {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": node.name, "labels": labels, "annotations": {
            "node.alpha.kubernetes.io/ttl": "0", "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/kinns/kinns.sock"}},
        "spec": spec}


def node_status(node: Node, registered: str, stamp: str, cpus: int, memory_kib: int, network_ready: bool = True,
                ready_since: str = "") -> dict:
    """The node's status at a heartbeat: healthy conditions (since `registered`), Ready while the node has a
    network config (changed at `ready_since`), addresses, capacity, info."""
    capacity = {"cpu": str(cpus), "memory": f"{memory_kib}Ki", "pods": "110", "ephemeral-storage": "0"}
    conditions = [(*c, registered) for c in NODE_CONDITIONS]
    conditions.append((*(READY if network_ready else NOT_READY), ready_since or registered))
    return {"conditions": [{"type": t, "status": s, "reason": r, "message": m, "lastHeartbeatTime": stamp,
                            "lastTransitionTime": since} for t, s, r, m, since in conditions],
            "addresses": [{"type": "InternalIP", "address": node.ip}, {"type": "Hostname", "address": node.name}],
            "capacity": capacity, "allocatable": capacity, "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": platform.release(),
                         "osImage": "kinns (Debian GNU/Linux 12)", "containerRuntimeVersion": "kinns://0.1.0",
                         "kubeletVersion": KUBERNETES, "kubeProxyVersion": KUBERNETES, "operatingSystem": "linux",
                         "architecture": "amd64"}}
