"""Pod sandboxes: a netns joined to the node's network through CNI, and its processes.

create = netns + CNI ADD (loopback, then the node's conflist, executed inside
the node as a runtime does) + the pod's /etc files + one launcher per
container (kinns.node.kubelet.launch), the init containers first: one at a
time, each started when the one before it has completed (`advance`), and the
regular containers after the last. delete = stop the processes, CNI DEL,
remove the netns. A hostNetwork pod uses the node's netns; a pod created with
network=False gets loopback only. Every step that fails undoes the ones
before it. Records live in /run/kinns/<cluster>/pods/<namespace>_<name>.
"""

import asyncio
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ...cni import runtime
from ...kernel import netns, process
from ...kernel.node import Node
from ...kernel.record import ClusterRecord
from ..workloads import images
from . import attach, podconfig, security

# containerd's defaults for a pod with its own network (enable_unprivileged_ports and _icmp): a non-root
# container may bind ports below 1024 and ping, as ingress-nginx's controller (user 101) binds 80 and 443
UNPRIVILEGED = {"net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 2147483647"}


@dataclass
class Container:
    name: str
    image: str
    command: list[str] | None = None
    args: list[str] | None = None
    env: dict[str, str] = field(default_factory=dict)
    ports: list[dict] = field(default_factory=list)  # containerPort, hostPort, protocol, as in a pod spec
    field_env: dict[str, str] = field(default_factory=dict)  # env name -> status.podIP / status.hostIP
    mounts: list[dict] = field(default_factory=list)  # {source, target, readOnly}: bind mounts (volumes)
    security: dict = field(default_factory=lambda: dict(security.DEFAULTS))  # what security.effective() gives
    stdin: bool = False  # a stdin the kubelet holds open (attach writes to it)
    stdin_once: bool = False  # closed when the first attach session ends
    tty: bool = False  # a pseudo-terminal as stdin, stdout and stderr
    target: str = ""  # an ephemeral container's targetContainerName: it joins that container's PID namespace


@dataclass
class PodSpec:
    name: str
    node: str
    containers: list[Container]
    namespace: str = "default"
    host_network: bool = False
    host_pid: bool = False
    network: bool = True
    uid: str = ""  # the API object's, when the kubelet made the sandbox
    resolv_conf: str = ""  # from the pod's dnsPolicy (podconfig.resolv_conf); empty: ClusterFirst
    hostname: str = ""  # spec.hostname (default: the pod's name)
    subdomain: str = ""  # spec.subdomain: the pod is <hostname>.<subdomain>.<ns>.svc.<domain>
    host_aliases: list[dict] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)  # safe ones only (podconfig.sysctls): net.* set in the
    # pod's netns, kernel.* (IPC) in each container's IPC namespace by its launcher
    init_containers: list[Container] = field(default_factory=list)  # run one after the other, before the others
    share_pid: bool = False  # shareProcessNamespace: every container in one PID namespace, held by the sandbox


class SandboxError(Exception):
    pass


def _pods_dir(cluster: ClusterRecord) -> Path:
    return cluster.state_dir / "pods"


def pod_directory(cluster: ClusterRecord, namespace: str, name: str) -> Path:
    """Where a pod's record, /etc files, volumes and container logs live."""
    return _pods_dir(cluster) / f"{namespace}_{name}"


def _hostname(spec: PodSpec) -> str:
    """A hostNetwork pod shares its node's hostname, as it shares the node's UTS namespace on a real node."""
    return spec.node if spec.host_network else spec.hostname or spec.name


def _write_etc(pod_dir: Path, spec: PodSpec, ip: str) -> None:
    (pod_dir / "resolv.conf").write_text(spec.resolv_conf or podconfig.resolv_conf(
        {"metadata": {"namespace": spec.namespace}, "spec": {}}, ""))
    (pod_dir / "hostname").write_text(_hostname(spec) + "\n")
    hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    if ip and spec.subdomain and not spec.host_network:
        hosts += f"{ip}\t{_hostname(spec)}.{spec.subdomain}.{spec.namespace}.svc.{podconfig.CLUSTER_DOMAIN}\t" \
                 f"{_hostname(spec)}\n"
    elif ip:
        hosts += f"{ip}\t{_hostname(spec)}\n"
    for alias in spec.host_aliases:
        hosts += f"\n# Entries added by HostAliases.\n{alias['ip']}\t" + "\t".join(alias.get("hostnames") or []) + "\n"
    (pod_dir / "hosts").write_text(hosts)


def create(cluster: ClusterRecord, spec: PodSpec) -> dict:
    """Run the pod on its node; return its record (IP, netns, processes)."""
    node = cluster.node(spec.node)
    pod_dir = pod_directory(cluster, spec.namespace, spec.name)
    if (pod_dir / "pod.json").exists():
        raise SandboxError(f'pods "{spec.name}" already exists in namespace "{spec.namespace}"')
    for c in spec.init_containers + spec.containers:  # refuse before making anything
        images.argv(c.image, c.command, c.args)
    pod_dir.mkdir(parents=True, exist_ok=True)  # the kubelet may have made its volumes there already
    sandbox_id = secrets.token_hex(16)
    record = {"spec": asdict(spec), "id": sandbox_id, "node": node.name, "ip": "", "pids": {},
              "netns": node.netns if spec.host_network else f"{cluster.name}-pod-{sandbox_id[:12]}",
              "network": "", "state": "creating"}
    _save(pod_dir, record)  # before anything is made: whoever finds it half made removes what it names
    try:
        if spec.host_network:
            record["ip"] = node.ip
        else:
            subprocess.run(["ip", "netns", "add", record["netns"]], check=True)
            path = netns.path(record["netns"])
            for key, value in {**UNPRIVILEGED, **spec.sysctls}.items():
                if key.startswith("net."):
                    netns.sysctl(record["netns"], key, value)
            runtime.add(node, sandbox_id, path, "lo", conflist=runtime.LOOPBACK)
            if spec.network:
                conflist = runtime.load_conflist(node)
                record["network"] = conflist["name"]
                _save(pod_dir, record)  # the network it is joining, should the ADD be cut short
                try:
                    result = runtime.add(node, sandbox_id, path, "eth0", conflist=conflist,
                                         runtime_config={"portMappings": _port_mappings(spec)})
                except runtime.CNIFailure:
                    record["network"] = ""  # the runtime has DELeted what the failed ADD started
                    raise
                record["ip"] = next((ip["address"].split("/")[0] for ip in result.get("ips", [])), "")
        _write_etc(pod_dir, spec, record["ip"])
        if spec.share_pid and not spec.host_pid:
            record["pidns"] = _hold_pid_namespace(record["netns"])
            _save(pod_dir, record)
        record["init"] = 0 if spec.init_containers else None  # the init container running, or None: all done
        _start_phase(pod_dir, record, spec, node)
        record["state"] = "running"
        _save(pod_dir, record)
    except BaseException:
        _teardown(cluster, record, 0)
        shutil.rmtree(pod_dir, ignore_errors=True)
        raise
    return record


def _hold_pid_namespace(netns_name: str) -> list[int]:
    """A PID namespace for the pod's containers to share, held by a pause-like PID 1 (as the sandbox's pause
    container holds it in a runtime), so it outlives any one container: [its leader's pid, PID 1's pid]. It runs
    in the pod's netns, where the teardown finds it."""
    leader = subprocess.Popen(["ip", "netns", "exec", netns_name, "unshare", "--pid", "--fork", "--kill-child",
                               "sh", "-c", 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'],
                              start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{leader.pid}/task/{leader.pid}/children").read_text().split()
        except OSError:
            children = []
        if children:
            with open(f"/proc/{leader.pid}/cmdline", "rb") as f:
                if f.read().startswith(b"unshare"):  # ip netns exec has exec'd unshare; its child is PID 1
                    return [leader.pid, int(children[0])]
        time.sleep(0.005)
    process.terminate_groups([leader.pid], grace=0)
    raise SandboxError("the pod's shared PID namespace could not be made")


def _start_phase(pod_dir: Path, record: dict, spec: PodSpec, node: Node) -> None:
    """Start what comes next: the current init container, or every regular container once none is left."""
    index = record.get("init")
    for container in [spec.init_containers[index]] if index is not None else spec.containers:
        record["pids"][container.name] = _start(pod_dir, record, spec, node, container,
                                                images.argv(container.image, container.command, container.args))
        _save(pod_dir, record)


def advance(cluster: ClusterRecord, namespace: str, name: str) -> dict:
    """The running init container has completed: start the next one, or the regular containers after the
    last; the updated record."""
    pod_dir = pod_directory(cluster, namespace, name)
    record = get(cluster, namespace, name)
    spec = _spec_of(record)
    if record.get("init") is None:
        raise SandboxError(f'pod "{name}" has no init container running')
    record["pids"].pop(spec.init_containers[record["init"]].name, None)  # ended and reaped: its pid is no longer its
    record["init"] += 1
    if record["init"] == len(spec.init_containers):
        record["init"] = None
    _start_phase(pod_dir, record, spec, cluster.node(record["node"]))
    _save(pod_dir, record)
    return record


def _spec_of(record: dict) -> PodSpec:
    spec = record["spec"]
    return PodSpec(**{**spec, "containers": [Container(**c) for c in spec["containers"]],
                      "init_containers": [Container(**c) for c in spec.get("init_containers") or []]})


PREVIOUS = ".previous"  # the log of a container's last run before its restart


def log_path(cluster: ClusterRecord, namespace: str, name: str, container: str) -> Path:
    """Where a container's output goes (what `kubectl logs` shows)."""
    return pod_directory(cluster, namespace, name) / f"{container}.log"


def _port_mappings(spec: PodSpec) -> list[dict]:
    """hostPorts of the pod's containers, in the shape of the CNI portMappings capability."""
    return [{"hostPort": p["hostPort"], "containerPort": p["containerPort"],
             "protocol": p.get("protocol", "TCP").lower(), **({"hostIP": p["hostIP"]} if p.get("hostIP") else {})}
            for c in spec.containers for p in c.ports if p.get("hostPort")]


def _start(pod_dir: Path, record: dict, spec: PodSpec, node: Node, container: Container,
           argv: list[str]) -> int:
    home = "/root" if container.security.get("uid") in (None, 0) else "/"
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": home,
           "HOSTNAME": _hostname(spec), "POD_NAME": spec.name, "NAMESPACE": spec.namespace, "POD_NAMESPACE":
           spec.namespace, "NODE_NAME": node.name, "POD_IP": record["ip"],
           "PYTHONPATH": str(Path(__file__).resolve().parents[3]), **container.env}
    fields = {"status.podIP": record["ip"], "status.podIPs": record["ip"], "status.hostIP": node.ip,
              "status.hostIPs": node.ip}
    env.update({name: fields.get(path, "") for name, path in container.field_env.items()})
    log_path = pod_dir / f"{container.name}.log"  # see log_path()
    target = main_pid(record, container.target) if container.target else (record.get("pidns") or [0, 0])[1]
    image = images.image(container.image)
    (pod_dir / f"container-{container.name}.json").write_text(json.dumps(
        {"cluster": node.cluster, "mounts": container.mounts,
         "security": {**container.security, "ambient": sorted(image.file_caps)},
         "hostPID": spec.host_pid, "pidFrom": target, "imageFiles": images.files(container.image),
         "imageLinks": dict(image.links),
         "sysctls": {k: v for k, v in spec.sysctls.items() if k.startswith("kernel.")}}))
    stdin, output = attach.open_stdio(pod_dir, container.name, container.stdin, container.tty,
                                      container.stdin_once)
    log = open(log_path, "ab")
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "kinns.node.kubelet.launch", str(pod_dir), netns.path(record["netns"]),
             _hostname(spec), container.name, "--", *argv],
            stdin=subprocess.DEVNULL if stdin is None else stdin, stdout=log if output is None else output,
            stderr=subprocess.STDOUT, env=env, cwd="/", start_new_session=True)
    finally:
        log.close()
        for fd in {stdin, output} - {None}:
            os.close(fd)
    _CHILDREN[proc.pid] = proc  # held, so nothing reaps it before exit_code() reads its status
    _wait_started(proc)
    return proc.pid


def _wait_started(launcher: subprocess.Popen, timeout: float = 10.0) -> None:
    """Until the launcher has made the container's root and started its first process (or ended): only then
    is the container running, as a runtime reports it."""
    deadline = time.monotonic() + timeout
    children = Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children")
    while time.monotonic() < deadline and launcher.poll() is None:
        try:
            if children.read_text().strip():
                return
        except OSError:
            return
        time.sleep(0.005)


_CHILDREN: dict[int, subprocess.Popen] = {}


def exit_code(pid: int) -> int | None:
    """None while the container process runs; its exit code once it ended (-1 if it was adopted
    from an earlier kubelet, whose child it was, so its status is not ours to read)."""
    proc = _CHILDREN.get(pid)
    if proc is not None:
        code = proc.poll()
        if code is not None:
            del _CHILDREN[pid]
        return code
    return None if process.alive(pid) else -1


def _stop(record: dict, grace: float = 2.0) -> None:
    """End the pod's process groups (each launcher leads its own): TERM, then KILL after `grace`."""
    process.terminate_groups(list(record.get("pids", {}).values()), grace)


async def stop(cluster: ClusterRecord, namespace: str, name: str, grace: float) -> None:
    """The graceful part of a pod's deletion: SIGTERM to its containers, then up to `grace` seconds for them to
    end, waited on the event loop. A container that ignores TERM (a shell or `sleep` as PID 1) keeps the pod
    for its whole grace period, 30 s by default; held in a worker thread, a few such pods would starve every
    other sandbox operation of the kubelet. `delete` then kills what is left and tears the sandbox down."""
    try:
        record = get(cluster, namespace, name)
    except SandboxError:
        return
    pids = process.signal_groups(list(record.get("pids", {}).values()), signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(process.alive(p) for p in pids) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def restart(cluster: ClusterRecord, namespace: str, name: str, container: str) -> int:
    """Start a container's process again (the kubelet's restartPolicy); returns its new pid."""
    pod_dir = pod_directory(cluster, namespace, name)
    record = get(cluster, namespace, name)
    pod = _spec_of(record)
    c = next(c for c in pod.init_containers + pod.containers if c.name == container)
    log = log_path(cluster, namespace, name, container)
    if log.exists():  # what `kubectl logs --previous` shows
        os.replace(log, log.with_name(log.name + PREVIOUS))
    record["pids"][container] = _start(pod_dir, record, pod, cluster.node(record["node"]), c,
                                       images.argv(c.image, c.command, c.args))
    _save(pod_dir, record)
    return record["pids"][container]


def add(cluster: ClusterRecord, namespace: str, name: str, container: Container) -> int:
    """Start one more container in a running sandbox (an ephemeral container); returns its pid."""
    pod_dir = pod_directory(cluster, namespace, name)
    record = get(cluster, namespace, name)
    pod = _spec_of(record)
    argv = images.argv(container.image, container.command, container.args)
    record["pids"][container.name] = _start(pod_dir, record, pod, cluster.node(record["node"]), container, argv)
    record["spec"]["containers"].append(asdict(container))
    _save(pod_dir, record)
    return record["pids"][container.name]


def _detach(node: Node, record: dict) -> None:
    path = netns.path(record["netns"])
    try:
        runtime.delete(node, record["id"], path, "eth0", network=record.get("network") or None)
    except runtime.CNIFailure:
        if netns.exists(record["netns"]):
            raise  # the netns being gone already, there is nothing of the attachment left in it


def _teardown(cluster: ClusterRecord, record: dict, grace: float) -> None:
    """Undo what a record names, however far its making got: the processes (also any left in the pod's netns),
    the CNI attachments (DEL is fine on what was never added), the netns."""
    _stop(record, grace)
    if record.get("pidns"):
        process.terminate_groups([record["pidns"][0]], grace=0)
    if record["spec"]["host_network"]:
        return
    for pid in netns.processes(record["netns"]):  # a container started just before a crash, not yet recorded
        process.terminate_groups([pid], grace=0)
    node = cluster.node(record["node"])
    if record.get("network"):
        _detach(node, record)
    if netns.exists(record["netns"]):
        runtime.delete(node, record["id"], netns.path(record["netns"]), "lo", conflist=runtime.LOOPBACK)
    subprocess.run(["ip", "netns", "del", record["netns"]], check=False, stderr=subprocess.DEVNULL)


def delete(cluster: ClusterRecord, namespace: str, name: str, grace: float = 2.0) -> None:
    pod_dir = pod_directory(cluster, namespace, name)
    attach.close_all(pod_dir)
    try:
        record = json.loads((pod_dir / "pod.json").read_text())
    except (FileNotFoundError, ValueError):
        if pod_dir.is_dir():  # volumes made for a pod whose containers never started
            shutil.rmtree(pod_dir, ignore_errors=True)
            return
        raise SandboxError(f'pods "{name}" not found in namespace "{namespace}"') from None
    _teardown(cluster, record, grace)
    shutil.rmtree(pod_dir, ignore_errors=True)


def _save(pod_dir: Path, record: dict) -> None:
    tmp = pod_dir / ".pod.json.tmp"
    tmp.write_text(json.dumps(record, indent=1))
    tmp.replace(pod_dir / "pod.json")


def get(cluster: ClusterRecord, namespace: str, name: str) -> dict:
    try:
        return json.loads((pod_directory(cluster, namespace, name) / "pod.json").read_text())
    except FileNotFoundError:
        raise SandboxError(f'pods "{name}" not found in namespace "{namespace}"') from None


def _records(cluster: ClusterRecord) -> list[dict]:
    """The records of every sandbox of the cluster (half-written ones are skipped)."""
    out = []
    directory = _pods_dir(cluster)
    for pod_dir in sorted(directory.iterdir()) if directory.is_dir() else []:
        try:
            out.append(json.loads((pod_dir / "pod.json").read_text()))
        except (FileNotFoundError, ValueError):
            continue
    return out


def list_pods(cluster: ClusterRecord) -> list[dict]:
    out = []
    for record in _records(cluster):
        running = all(process.alive(p) for p in record["pids"].values())
        status = "Creating" if record.get("state") == "creating" else "Running" if running else "Exited"
        out.append({"namespace": record["spec"]["namespace"], "name": record["spec"]["name"],
                    "node": record["node"], "ip": record["ip"], "status": status})
    return out


def main_pid(record: dict, container: str) -> int:
    """The container's own first process (the launcher's child), while it runs."""
    launcher = record["pids"].get(container)
    try:
        return int(Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        raise SandboxError(f'container "{container}" is not running in pod "{record["spec"]["name"]}"') from None


def enter_argv(pod_dir: Path, container: str, pid: int, argv: list[str]) -> list[str]:
    """The command line that runs `argv` in a running container, contained as it is (kinns.node.kubelet.enter)."""
    return [sys.executable, "-m", "kinns.node.kubelet.enter", str(pod_dir), container, str(pid), "--", *argv]


def exec_argv(cluster: ClusterRecord, namespace: str, name: str, argv: list[str],
              container: str | None = None) -> list[str]:
    """The command line that runs `argv` inside a running container of the pod (its first one by default)."""
    record = get(cluster, namespace, name)
    container = container or record["spec"]["containers"][0]["name"]
    return enter_argv(pod_directory(cluster, namespace, name), container, main_pid(record, container), argv)


def remove_all_pods(cluster: ClusterRecord) -> None:
    """Used by `kinns down`: stop every pod and remove its netns, even when records are half written."""
    for record in _records(cluster):
        _stop(record, grace=0)
        if not record["spec"]["host_network"]:
            subprocess.run(["ip", "netns", "del", record["netns"]], check=False, stderr=subprocess.DEVNULL)
