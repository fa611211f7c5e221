"""The kubelet: registers its node, runs the pods bound to it and reports their status.

One reconcile loop: the pods the API binds to this node are the desired
state, the sandboxes on disk the actual one; each pod is synced when it
changes, and every second the containers are checked (restarted per
restartPolicy, with a back-off, their restart counts kept). After a restart the
kubelet adopts the sandboxes it finds instead of making new ones, and removes
those whose pod is gone.
"""

import asyncio
import datetime
import logging
import os
import platform
from pathlib import Path

from ...cluster import Cluster
from ...cni.runtime import CNIFailure
from . import podconfig, probes, sandbox, static, volumes
from ...client import APIError, Client
from ..workloads.images import UnsupportedImage

HEARTBEAT = 10.0
VOLUME_SYNC = 5.0  # how soon an edited ConfigMap reaches the pods that mount it
VERSION = "v1.32.0"
log = logging.getLogger("kinns.kubelet")


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _pod_path(pod: dict, sub: str = "") -> str:
    meta = pod["metadata"]
    return f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}" + (f"/{sub}" if sub else "")


class ContainerState:
    def __init__(self, started: str, spec: dict | None = None) -> None:
        self.started, self.restarts, self.last_exit = started, 0, None
        self.waiting: tuple[str, str] | None = None  # (reason, message)
        self.retry_at = 0.0
        self.spec = spec or {}
        self.probes: dict[str, probes.ProbeState] = {}
        self.arm_probes()

    def arm_probes(self) -> None:
        """Fresh probe states from the container's spec: at start and after every restart."""
        clock = asyncio.get_event_loop().time()
        self.probes = {kind: probes.ProbeState(self.spec[kind], clock)
                       for kind in ("readinessProbe", "livenessProbe") if isinstance(self.spec.get(kind), dict)}

    @property
    def ready(self) -> bool:
        readiness = self.probes.get("readinessProbe")
        return self.waiting is None and (readiness is None or readiness.passed is True)


class Kubelet:
    def __init__(self, cluster: Cluster, node_name: str, client: Client) -> None:
        self.cluster, self.node = cluster, cluster.node(node_name)
        self.client = client
        self.pods: dict[str, dict] = {}  # uid -> API object
        self.containers: dict[str, dict[str, ContainerState]] = {}  # uid -> name -> state
        self.problems: dict[str, tuple[str, str]] = {}  # uid -> (reason, message) when it cannot run
        self.locks: dict[str, asyncio.Lock] = {}
        self.stopping: set[tuple[str, str]] = set()  # (namespace, name) of sandboxes being removed

    # node

    def node_object(self) -> dict:
        labels = {"kubernetes.io/hostname": self.node.name, "kubernetes.io/os": "linux",
                  "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"}
        spec: dict = {"podCIDR": self.node.pod_cidr, "podCIDRs": [self.node.pod_cidr]}
        if self.node.name == "controlplane":
            labels.update({"node-role.kubernetes.io/control-plane": "",
                           "node.kubernetes.io/exclude-from-external-load-balancers": ""})
            spec["taints"] = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": self.node.name, "labels": labels,
                "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/kinns/kinns.sock"}},
                "spec": spec}

    def node_status(self, created: str) -> dict:
        stamp = now()
        cond = [("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                ("Ready", "True", "KubeletReady", "kubelet is posting ready status")]
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1024
        capacity = {"cpu": str(os.cpu_count()), "memory": f"{memory}Ki", "pods": "110", "ephemeral-storage": "0"}
        return {"conditions": [{"type": t, "status": s, "reason": r, "message": m, "lastHeartbeatTime": stamp,
                                "lastTransitionTime": created} for t, s, r, m in cond],
                "addresses": [{"type": "InternalIP", "address": self.node.ip},
                              {"type": "Hostname", "address": self.node.name}],
                "capacity": capacity, "allocatable": capacity,
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                "nodeInfo": {"machineID": "", "systemUUID": "", "bootID": "", "kernelVersion": platform.release(),
                             "osImage": "kinns (Debian GNU/Linux 12)", "containerRuntimeVersion": "kinns://0.1.0",
                             "kubeletVersion": VERSION, "kubeProxyVersion": VERSION, "operatingSystem": "linux",
                             "architecture": "amd64"}}

    async def register(self) -> None:
        path = f"/api/v1/nodes/{self.node.name}"
        node = await self.client.get(path)
        if node is None:
            node = await self.client.request("POST", "/api/v1/nodes", self.node_object())
        self.registered_at = node["metadata"]["creationTimestamp"]
        await self.heartbeat()

    async def heartbeat(self) -> None:
        path = f"/api/v1/nodes/{self.node.name}/status"
        await self.client.request("PATCH", path, {"status": self.node_status(self.registered_at)},
                                  content_type="application/merge-patch+json")

    # pods

    async def run(self) -> None:
        await self.register()
        log.info("node %s registered; watching its pods", self.node.name)
        tasks = [asyncio.create_task(self.watch_pods()), asyncio.create_task(self.supervise()),
                 asyncio.create_task(self.beat()), asyncio.create_task(self.probe_loop()),
                 asyncio.create_task(self.refresh_volumes()), asyncio.create_task(self.mirror_static_pods())]
        await asyncio.gather(*tasks)

    async def beat(self) -> None:
        while True:
            await asyncio.sleep(HEARTBEAT)
            try:
                await self.heartbeat()
            except Exception:  # noqa: BLE001
                log.exception("heartbeat failed")

    async def watch_pods(self) -> None:
        selector = {"fieldSelector": f"spec.nodeName={self.node.name}"}
        while True:
            try:
                listing = await self.client.request("GET", "/api/v1/pods", query=selector)
                seen = {p["metadata"]["uid"]: p for p in listing["items"]}
                for uid in set(self.pods) - set(seen):
                    self.pods.pop(uid, None)
                self.pods.update(seen)
                self.cleanup_orphans()
                for uid in list(self.pods):
                    asyncio.create_task(self.sync(uid))
                query = {**selector, "resourceVersion": listing["metadata"]["resourceVersion"]}
                async for event in self.client.watch("/api/v1/pods", query):
                    obj = event["object"]
                    if event["type"] == "BOOKMARK":
                        continue
                    if event["type"] == "ERROR":
                        break
                    uid = obj["metadata"]["uid"]
                    if event["type"] == "DELETED":
                        self.pods.pop(uid, None)
                    else:
                        self.pods[uid] = obj
                    asyncio.create_task(self.sync(uid, obj if event["type"] == "DELETED" else None))
            except Exception:  # noqa: BLE001 (reconnect and relist)
                log.exception("pod watch failed; relisting")
                await asyncio.sleep(1)

    def cleanup_orphans(self) -> None:
        """Sandboxes on this node whose pod no longer exists in the API."""
        live = {p["metadata"]["uid"] for p in self.pods.values()}
        for entry in sandbox.list_pods(self.cluster):
            if entry["node"] != self.node.name:
                continue
            record = sandbox.get(self.cluster, entry["namespace"], entry["name"])
            if record["spec"].get("uid") and record["spec"]["uid"] not in live:
                asyncio.create_task(self._remove(entry["namespace"], entry["name"], 0))

    async def _remove(self, namespace: str, name: str, grace: float) -> None:
        self.stopping.add((namespace, name))
        try:
            await asyncio.to_thread(sandbox.delete, self.cluster, namespace, name, grace)
        except sandbox.SandboxError:
            pass
        finally:
            self.stopping.discard((namespace, name))

    async def sync(self, uid: str, gone: dict | None = None) -> None:
        lock = self.locks.setdefault(uid, asyncio.Lock())
        async with lock:
            pod = self.pods.get(uid)
            if pod is None:
                if gone is not None:
                    await self._remove(gone["metadata"]["namespace"], gone["metadata"]["name"], 0)
                self.containers.pop(uid, None)
                return
            meta = pod["metadata"]
            if static.MIRROR in (meta.get("annotations") or {}):
                return  # the component runs already; its mirror pod is kept by mirror_static_pods
            record = self._record(pod)
            if meta.get("deletionTimestamp"):
                if record is not None:
                    await self._remove(meta["namespace"], meta["name"],
                                       float(meta.get("deletionGracePeriodSeconds") or 0))
                self.containers.pop(uid, None)
                try:
                    await self.client.request("DELETE", _pod_path(pod), {"kind": "DeleteOptions", "apiVersion": "v1",
                                                                         "gracePeriodSeconds": 0})
                except APIError as err:
                    if err.status != 404:
                        raise
                return
            if record is None and uid not in self.problems:
                await self._start(pod)
            elif record is not None and uid not in self.containers:
                self._adopt(pod, record)
            await self.report(uid)

    def _adopt(self, pod: dict, record: dict) -> None:
        """A sandbox this kubelet finds running after its own restart: keep its containers' start times and
        restart counts from the pod's last status instead of starting anything."""
        specs = {c["name"]: c for c in pod.get("spec", {}).get("containers") or []}
        known = {c["name"]: c for c in pod.get("status", {}).get("containerStatuses") or []}
        states = {}
        for name in record["pids"]:
            last = known.get(name, {})
            state = ContainerState(last.get("state", {}).get("running", {}).get("startedAt") or now(), specs.get(name))
            state.restarts = last.get("restartCount", 0)
            states[name] = state
        self.containers[pod["metadata"]["uid"]] = states

    def _record(self, pod: dict) -> dict | None:
        try:
            record = sandbox.get(self.cluster, pod["metadata"]["namespace"], pod["metadata"]["name"])
        except sandbox.SandboxError:
            return None
        return record if record["spec"].get("uid") == pod["metadata"]["uid"] else None

    async def _start(self, pod: dict) -> None:
        meta, spec = pod["metadata"], pod.get("spec", {})
        containers = []
        try:
            paths = await volumes.materialize(self.client, self.node, pod, sandbox.pod_directory(
                self.cluster, meta["namespace"], meta["name"]))
            for c in spec.get("containers") or []:
                env, late = await podconfig.environment(self.client, pod, c)
                command = [podconfig.expand(a, env) for a in c["command"]] if c.get("command") else None
                args = [podconfig.expand(a, env) for a in c["args"]] if c.get("args") is not None else None
                containers.append(sandbox.Container(name=c["name"], image=c.get("image", ""), command=command,
                                                    args=args, env=env, ports=c.get("ports") or [],
                                                    field_env=late, mounts=volumes.mounts(c, paths)))
        except podconfig.ConfigError as err:
            self.problems[meta["uid"]] = (err.reason, str(err))
            self._event(pod, "Warning", "Failed", f"Error: {err}")
            asyncio.get_running_loop().call_later(5, self._retry, meta["uid"])
            return
        resolv = podconfig.resolv_conf(pod, self._node_resolv_conf())
        wanted = sandbox.PodSpec(name=meta["name"], namespace=meta["namespace"], node=self.node.name,
                                 containers=containers, host_network=bool(spec.get("hostNetwork")), uid=meta["uid"],
                                 resolv_conf=resolv, host_aliases=spec.get("hostAliases") or [],
                                 hostname=spec.get("hostname", ""), subdomain=spec.get("subdomain", ""))
        try:
            old = sandbox.get(self.cluster, meta["namespace"], meta["name"])
            if old["spec"].get("uid") != meta["uid"]:  # a previous pod of the same name
                await self._remove(meta["namespace"], meta["name"], 0)
        except sandbox.SandboxError:
            pass
        try:
            await asyncio.to_thread(sandbox.create, self.cluster, wanted)
        except UnsupportedImage as err:
            self.problems[meta["uid"]] = ("ErrImageNeverPull", str(err))
            self._event(pod, "Warning", "ErrImageNeverPull", str(err))
            return
        except (CNIFailure, sandbox.SandboxError) as err:
            self.problems[meta["uid"]] = ("ContainerCreating", f"Failed to create pod sandbox: {err}")
            self._event(pod, "Warning", "FailedCreatePodSandBox", f"Failed to create pod sandbox: {err}")
            asyncio.get_running_loop().call_later(5, self._retry, meta["uid"])
            return
        specs = {c["name"]: c for c in spec.get("containers") or []}
        self.containers[meta["uid"]] = {c.name: ContainerState(now(), specs.get(c.name)) for c in containers}
        for c in containers:
            self._event(pod, "Normal", "Pulled", f'Container image "{c.image}" already present on machine',
                        f"spec.containers{{{c.name}}}")
            self._event(pod, "Normal", "Created", f"Created container {c.name}", f"spec.containers{{{c.name}}}")
            self._event(pod, "Normal", "Started", f"Started container {c.name}", f"spec.containers{{{c.name}}}")

    def _node_resolv_conf(self) -> str:
        """The node's own /etc/resolv.conf (what dnsPolicy Default gives a pod)."""
        for path in (self.node.file("/etc/resolv.conf"), Path("/etc/resolv.conf")):
            try:
                return path.read_text()
            except OSError:
                continue
        return ""

    def _event(self, pod: dict, kind: str, reason: str, message: str, field_path: str = "") -> None:
        """An Event about the pod from this kubelet (posted in the background, best effort)."""
        meta = pod["metadata"]
        stamp = now()
        event = {"metadata": {"name": f"{meta['name']}.{os.urandom(8).hex()}", "namespace": meta["namespace"]},
                 "involvedObject": {"kind": "Pod", "namespace": meta["namespace"], "name": meta["name"],
                                    "uid": meta["uid"], "apiVersion": "v1", **({"fieldPath": field_path}
                                                                               if field_path else {})},
                 "reason": reason, "message": message, "source": {"component": "kubelet", "host": self.node.name},
                 "firstTimestamp": stamp, "lastTimestamp": stamp, "count": 1, "type": kind,
                 "reportingComponent": "kubelet", "reportingInstance": self.node.name}

        async def post() -> None:
            try:
                await self.client.request("POST", f"/api/v1/namespaces/{meta['namespace']}/events", event)
            except (APIError, OSError):
                pass

        asyncio.get_running_loop().create_task(post())

    def _retry(self, uid: str) -> None:
        self.problems.pop(uid, None)
        asyncio.create_task(self.sync(uid))

    async def supervise(self) -> None:
        """Every second: restart ended containers as restartPolicy says, and report changes."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(1)
            for uid, pod in list(self.pods.items()):
                record = self._record(pod)
                key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
                if record is None or pod["metadata"].get("deletionTimestamp") or key in self.stopping:
                    continue
                specs = {c["name"]: c for c in pod.get("spec", {}).get("containers") or []}
                states = self.containers.setdefault(uid, {n: ContainerState(now(), specs.get(n))
                                                          for n in record["pids"]})
                policy = pod.get("spec", {}).get("restartPolicy", "Always")
                changed = False
                for name, pid in record["pids"].items():
                    state = states.setdefault(name, ContainerState(now(), specs.get(name)))
                    code = sandbox.exit_code(pid)
                    if code is None:
                        continue
                    if state.waiting is None:
                        state.last_exit = {"exitCode": max(code, 0), "reason": "Completed" if code == 0 else "Error",
                                           "startedAt": state.started, "finishedAt": now()}
                        delay = 0 if state.restarts == 0 else min(10 * 2 ** (state.restarts - 1), 300)
                        state.retry_at = loop.time() + delay
                        state.waiting = ("CrashLoopBackOff", f"back-off {delay}s restarting failed container={name} "
                                         f"pod={pod['metadata']['name']}")
                        changed = True
                    restart = policy == "Always" or (policy == "OnFailure" and code != 0)
                    if restart and loop.time() >= state.retry_at:
                        await asyncio.to_thread(sandbox.restart, self.cluster, pod["metadata"]["namespace"],
                                                pod["metadata"]["name"], name)
                        state.restarts += 1
                        state.started, state.waiting = now(), None
                        state.arm_probes()
                        changed = True
                if changed:
                    asyncio.create_task(self.report(uid))

    async def mirror_static_pods(self) -> None:
        """Keep a Running mirror pod in the API for every static pod manifest of this node."""
        while True:
            try:
                node = await self.client.get(f"/api/v1/nodes/{self.node.name}")
                for manifest in static.manifests(self.node):
                    pod = static.mirror(manifest, self.node.name, node["metadata"]["uid"])
                    path = f"/api/v1/namespaces/{pod['metadata']['namespace']}/pods/{pod['metadata']['name']}"
                    current = await self.client.get(path)
                    if current is None:
                        current = await self.client.request("POST", path.rsplit("/", 1)[0], pod)
                    if current.get("status", {}).get("phase") != "Running":
                        status = static.running_status(current, self.node.ip, self.registered_at)
                        await self.client.request("PATCH", f"{path}/status", {"status": status},
                                                  content_type="application/merge-patch+json")
            except (APIError, OSError, KeyError, TypeError) as err:
                log.warning("mirroring static pods failed: %s", err)
            await asyncio.sleep(10)

    async def refresh_volumes(self) -> None:
        """Every few seconds, rewrite the configMap and secret volumes of running pods whose source changed."""
        while True:
            await asyncio.sleep(VOLUME_SYNC)
            for uid, pod in list(self.pods.items()):
                if uid not in self.containers or pod["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    await volumes.refresh(self.client, pod, sandbox.pod_directory(
                        self.cluster, pod["metadata"]["namespace"], pod["metadata"]["name"]))
                except (APIError, OSError) as err:
                    log.warning("refreshing the volumes of %s failed: %s", pod["metadata"]["name"], err)

    async def probe_loop(self) -> None:
        """Run the probes that are due; readiness changes the pod's Ready, liveness restarts containers."""
        loop = asyncio.get_running_loop()
        running: set = set()
        while True:
            await asyncio.sleep(0.25)
            for uid, states in list(self.containers.items()):
                pod = self.pods.get(uid)
                record = self._record(pod) if pod else None
                if record is None or pod["metadata"].get("deletionTimestamp"):
                    continue
                for name, state in states.items():
                    for kind, probe in state.probes.items():
                        key = (uid, name, kind)
                        if state.waiting is None and key not in running and probe.due(loop.time()):
                            running.add(key)
                            loop.create_task(self._probe(pod, record, name, state, kind, probe, running, key))

    async def _probe(self, pod: dict, record: dict, name: str, state: ContainerState, kind: str,
                     probe: "probes.ProbeState", running: set, key: tuple) -> None:
        try:
            launcher = record["pids"][name]
            children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
            if not children:
                return
            ok, message = await probes.run(probe.spec, state.spec, record.get("ip") or self.node.ip,
                                           int(children[0]))
            changed = probe.record(ok, message, asyncio.get_running_loop().time())
            label = "Readiness" if kind == "readinessProbe" else "Liveness"
            if not ok:
                self._event(pod, "Warning", "Unhealthy", f"{label} probe failed: {message}",
                            f"spec.containers{{{name}}}")
            if kind == "livenessProbe" and changed and probe.passed is False:
                self._event(pod, "Normal", "Killing", f"Container {name} failed liveness probe, will be restarted",
                            f"spec.containers{{{name}}}")
                os.kill(int(children[0]), 9)
            elif changed:
                await self.report(pod["metadata"]["uid"])
        except (OSError, ValueError):
            pass
        finally:
            running.discard(key)

    async def report(self, uid: str) -> None:
        pod = self.pods.get(uid)
        if pod is None:
            return
        status = self.status_of(pod)
        current = pod.get("status", {})
        if all(current.get(k) == v for k, v in status.items() if k != "conditions") and \
                [(c["type"], c["status"]) for c in current.get("conditions") or []] == \
                [(c["type"], c["status"]) for c in status["conditions"]]:
            return
        try:
            updated = await self.client.request("PATCH", _pod_path(pod, "status"), {"status": status},
                                                content_type="application/merge-patch+json")
            if uid in self.pods:
                self.pods[uid] = updated
        except APIError as err:
            if err.status not in (404, 409):
                raise

    def status_of(self, pod: dict) -> dict:
        uid = pod["metadata"]["uid"]
        spec, old = pod.get("spec", {}), pod.get("status", {})
        record = self._record(pod)
        states = self.containers.get(uid, {})
        problem = self.problems.get(uid)
        statuses, all_ready = [], bool(spec.get("containers"))
        for c in spec.get("containers") or []:
            state = states.get(c["name"])
            entry = {"name": c["name"], "image": c.get("image", ""), "imageID": f"kinns://{c.get('image', '')}",
                     "restartCount": state.restarts if state else 0}
            if problem or record is None or state is None:
                reason, message = problem or ("ContainerCreating", "")
                entry.update({"ready": False, "started": False,
                              "state": {"waiting": {"reason": reason, **({"message": message} if message else {})}}})
                all_ready = False
            elif state.waiting:
                entry.update({"ready": False, "started": False, "containerID": f"kinns://{record['id'][:12]}-{c['name']}",
                              "state": {"waiting": {"reason": state.waiting[0], "message": state.waiting[1]}}})
                all_ready = False
            else:
                entry.update({"ready": state.ready, "started": True,
                              "containerID": f"kinns://{record['id'][:12]}-{c['name']}",
                              "state": {"running": {"startedAt": state.started}}})
                all_ready = all_ready and state.ready
            if state and state.last_exit:
                entry["lastState"] = {"terminated": state.last_exit}
            statuses.append(entry)
        stamp = now()
        running = record is not None and not problem
        conditions = [("PodReadyToStartContainers", running), ("Initialized", True), ("Ready", all_ready),
                      ("ContainersReady", all_ready), ("PodScheduled", True)]
        before = {c["type"]: c for c in old.get("conditions") or []}
        status = {"phase": "Running" if running else "Pending", "hostIP": self.node.ip,
                  "hostIPs": [{"ip": self.node.ip}], "startTime": old.get("startTime") or stamp,
                  "qosClass": old.get("qosClass", "BestEffort"), "containerStatuses": statuses,
                  "conditions": [{"type": t, "status": "True" if ok else "False", "lastProbeTime": None,
                                  "lastTransitionTime": before.get(t, {}).get("lastTransitionTime", stamp)
                                  if before.get(t, {}).get("status") == ("True" if ok else "False") else stamp}
                                 for t, ok in conditions]}
        if record is not None and record.get("ip"):
            status["podIP"] = record["ip"]
            status["podIPs"] = [{"ip": record["ip"]}]
        return status


def write_config(node, cluster_dns: str = podconfig.CLUSTER_DNS) -> None:
    """/var/lib/kubelet/config.yaml on the node, as kubeadm writes it."""
    path: Path = node.file("/var/lib/kubelet/config.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        "authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
        f"cgroupDriver: systemd\nclusterDNS:\n- {cluster_dns}\nclusterDomain: {podconfig.CLUSTER_DOMAIN}\n"
        "healthzBindAddress: 127.0.0.1\nhealthzPort: 10248\nport: 10250\n"
        "resolvConf: /etc/resolv.conf\nstaticPodPath: /etc/kubernetes/manifests\n")
