"""The kubelet: registers its node, runs the pods bound to it and reports their status.

One reconcile loop over two kinds of keys. A pod's key, (namespace, name),
is queued by its watch events (the pods the API binds to this node, from a
mirror), by its containers ending (the pod lifecycle event generator below
polls the container processes every second) and by its probes changing
their verdict; a worker then brings the pod's sandbox to what the API wants
(start it, adopt it after a kubelet restart, restart ended containers as
restartPolicy says with a back-off, stop it) and writes its status, all under
that key, so no two workers ever touch one pod. Every pod is also synced every few
seconds, which is when its ConfigMap and Secret volumes follow their
sources. The node's key heartbeats, keeps the static pods' mirror pods and
finds sandboxes whose pod is gone. The status itself is computed by
status.py.
"""

import asyncio
import os
from pathlib import Path

from ...apimachinery.errors import APIError
from ...apimachinery.meta import micro_now, now
from ...client import Client, Reconciler
from ...client.client import path
from ...client.events import EventRecorder
from ...cni import runtime
from ...cni.runtime import CNIFailure
from ...kernel.record import ClusterRecord
from ..workloads.images import UnsupportedImage
from . import podconfig, probes, sandbox, security, static, volumes
from .status import NETWORK_NOT_READY, ContainerState, changed, node_object, node_status, pod_status

HEARTBEAT = 10.0
NETWORK_CHECK = 1.0  # how often the node's CNI config is looked for (the runtime's network status)
LEASE_SECONDS = 40
VOLUME_SYNC = 5.0  # how soon an edited ConfigMap reaches the pods that mount it
RETRY = 5.0  # how soon a pod that could not start is tried again
# a volume that cannot be set up yet (a ConfigMap not made yet) is tried again after 0.5 s, doubling up to
# 2m2s, as the volume manager backs off its operations: a source that appears soon is mounted soon
MOUNT_BACKOFF, MOUNT_BACKOFF_MAX = 0.5, 122.0
NETWORK_WAIT = "ContainerCreating"  # a pod of the pod network on a node without one waits, as it is created
REJECTED = -1.0  # a problem's retry time when the pod is refused for good (Failed, never started)
NODE = ("", "")  # the key of the node's own work
Key = tuple[str, str]


def _all_containers(pod: dict) -> list[dict]:
    """The pod's init containers and regular containers (names are unique across both)."""
    spec = pod.get("spec", {})
    return (spec.get("initContainers") or []) + (spec.get("containers") or [])


def _without_id(terminated: dict | None) -> dict | None:
    return {k: v for k, v in terminated.items() if k != "containerID"} if terminated else None


class Kubelet(Reconciler):
    name = "kubelet"
    log_name = "kinns.kubelet"
    workers = 8
    resync = VOLUME_SYNC  # the periodic sync of every pod: its volumes' sources may have changed

    def __init__(self, cluster: ClusterRecord, node_name: str, client: Client) -> None:
        super().__init__(client)
        self.cluster, self.node = cluster, cluster.node(node_name)
        self.pods = self.watch(path("v1", "pods"), lambda p: [(p["metadata"]["namespace"], p["metadata"]["name"])],
                               {"fieldSelector": f"spec.nodeName={node_name}"})
        self.containers: dict[Key, dict[str, ContainerState]] = {}
        self.exits: dict[Key, dict[str, int]] = {}  # container exit codes the event generator saw
        self.problems: dict[Key, tuple[str, str, float]] = {}  # why a pod cannot run: reason, message, retry at
        self.mount_failures: dict[Key, int] = {}  # failed volume set-ups in a row, for the back-off
        self.volumes_at: dict[Key, float] = {}  # when a pod's volumes were last refreshed
        self.stopping: dict[Key, tuple[asyncio.Task, float]] = {}  # deleted pods' grace periods: wait, seconds
        self.events = EventRecorder(client, "kubelet", node_name)
        self.registered_at = self.node_uid = ""
        self.network_ready = self._network_config_present()
        self.ready_since = now()  # when Ready last changed

    # the node

    async def register(self) -> None:
        """Register the Node (or find it registered), retrying while the API server is not there yet."""
        delay = 0.2
        while True:
            try:
                node = await self.client.get(path("v1", "nodes", name=self.node.name))
                if node is None:
                    node = await self.client.create(path("v1", "nodes"), node_object(self.node))
                self.registered_at = node["metadata"]["creationTimestamp"]
                self.node_uid = node["metadata"]["uid"]
                ready = next((c for c in node.get("status", {}).get("conditions") or [] if c["type"] == "Ready"), {})
                if ready.get("status") == ("True" if self.network_ready else "False"):
                    self.ready_since = ready.get("lastTransitionTime") or self.ready_since  # a restart changes nothing
                await self.heartbeat()
                return
            except (APIError, OSError) as err:
                self.log.warning("registering node %s: %s; trying again in %.1fs", self.node.name, err, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def heartbeat(self) -> None:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 1024
        await self.client.patch(path("v1", "nodes", name=self.node.name, sub="status"),
                                {"status": node_status(self.node, self.registered_at, now(), os.cpu_count() or 1,
                                                       memory, self.network_ready, self.ready_since)})
        await self.renew_lease()

    async def renew_lease(self) -> None:
        """The node's Lease in kube-node-lease, renewed with every heartbeat, as the kubelet's lease controller
        keeps it (what `kubectl describe node` shows under Lease)."""
        spec = {"holderIdentity": self.node.name, "leaseDurationSeconds": LEASE_SECONDS, "renewTime": micro_now()}
        where = path("coordination.k8s.io/v1", "leases", "kube-node-lease", self.node.name)
        try:
            await self.client.patch(where, {"spec": spec})
        except APIError as err:
            if err.code != 404:
                raise
            await self.client.create(where.rsplit("/", 1)[0], {"metadata": {
                "name": self.node.name, "ownerReferences": [{"apiVersion": "v1", "kind": "Node",
                                                              "name": self.node.name, "uid": self.node_uid}]},
                "spec": spec})

    async def run(self) -> None:
        await self.register()
        self.log.info("node %s registered; watching its pods", self.node.name)
        self.enqueue(NODE)
        await asyncio.gather(super().run(), self.lifecycle_events(), self.run_probes(), self.watch_network())

    async def reconcile(self, key: Key) -> None:
        if key == NODE:
            await self.sync_node()
        else:
            await self.sync_pod(key)

    async def sync_node(self) -> None:
        """Heartbeat, the static pods' mirrors, and sandboxes whose pod is gone; again in HEARTBEAT seconds."""
        self.enqueue(NODE, HEARTBEAT)
        try:
            await self.heartbeat()
        except (APIError, OSError) as err:
            self.log.warning("heartbeat failed: %s", err)
        await self.mirror_static_pods()
        for entry in sandbox.list_pods(self.cluster):
            key = (entry["namespace"], entry["name"])
            record = self._existing(key)
            pod = self.pods.get(*key)
            if entry["node"] == self.node.name and record and record["spec"].get("uid") and \
                    (pod is None or pod["metadata"]["uid"] != record["spec"]["uid"]):
                self.enqueue(key)  # made by this kubelet for a pod that is gone

    def _network_config_present(self) -> bool:
        """Is there a network config the runtime can load (what containerd's NetworkReady reports)?"""
        try:
            runtime.load_conflist(self.node)
            return True
        except (runtime.NoNetworkConfig, OSError, ValueError):
            return False

    async def watch_network(self) -> None:
        """The runtime's network status: when a CNI writes its config (or it is removed), the node turns Ready
        (NotReady) at once, and pods waiting for the network are tried again."""
        while True:
            await asyncio.sleep(NETWORK_CHECK)
            ready = self._network_config_present()
            if ready == self.network_ready:
                continue
            self.network_ready, self.ready_since = ready, now()
            self.log.info("network config %s: node %s", "found" if ready else "gone",
                          "Ready" if ready else f"NotReady ({NETWORK_NOT_READY})")
            self.enqueue(NODE)
            if ready:
                for key, problem in list(self.problems.items()):
                    if problem[0] == NETWORK_WAIT:
                        self.problems.pop(key, None)
                        self.enqueue(key)

    async def mirror_static_pods(self) -> None:
        """Keep a Running mirror pod in the API for every static pod manifest of this node."""
        try:
            node = await self.client.get(path("v1", "nodes", name=self.node.name))
            for manifest in static.manifests(self.node):
                pod = static.mirror(manifest, self.node.name, node["metadata"]["uid"])
                where = path("v1", "pods", pod["metadata"]["namespace"], pod["metadata"]["name"])
                current = await self.client.get(where) or await self.client.create(where.rsplit("/", 1)[0], pod)
                if current.get("status", {}).get("phase") != "Running":
                    await self.client.patch(f"{where}/status", {
                        "status": static.running_status(current, self.node.ip, self.registered_at)})
        except (APIError, OSError, KeyError, TypeError) as err:
            self.log.warning("mirroring static pods failed: %s", err)

    # a pod

    def _record(self, pod: dict) -> dict | None:
        """The sandbox of this very pod (same uid), if there is one."""
        try:
            record = sandbox.get(self.cluster, pod["metadata"]["namespace"], pod["metadata"]["name"])
        except sandbox.SandboxError:
            return None
        return record if record["spec"].get("uid") == pod["metadata"]["uid"] else None

    def _forget(self, key: Key) -> None:
        for table in (self.containers, self.exits, self.problems, self.mount_failures, self.volumes_at,
                      self.stopping):
            table.pop(key, None)

    def _stopped(self, key: Key, pod: dict, grace: float) -> bool:
        """Have the containers of a deleted pod had their grace period (or ended)? The wait runs as a task of its
        own, as a kubelet's pod worker does, so pods that take their whole 30 s hold no worker; the pod is queued
        again when it is over. A shorter grace period asked for later (`delete --grace-period=1` after a
        plain delete) starts a shorter wait."""
        running = self.stopping.get(key)
        if running is not None and not running[0].done() and grace < running[1]:
            running[0].cancel()
            running = None
        if running is None:
            task = asyncio.create_task(self._terminate(key, pod, grace), name=f"stop {key[1]}")
            task.add_done_callback(lambda _: self.enqueue(key))
            self.stopping[key] = running = (task, grace)
        return running[0].done()

    async def _terminate(self, key: Key, pod: dict, grace: float) -> None:
        """The preStop hooks, then TERM, within the grace period as the kubelet runs them: each running container's
        hook (exec in the container, httpGet to the pod, sleep) first, all at once; then the containers get TERM
        and what is left of the grace period, at least 2 s once a hook ran. A hook that fails or outlasts the
        grace period is a FailedPreStopHook event; the container is stopped all the same."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        record = self._existing(key)
        hooks = []
        for c in (pod.get("spec") or {}).get("containers") or []:
            handler = (c.get("lifecycle") or {}).get("preStop")
            if handler and record and c["name"] in record.get("pids", {}) and grace > 0:
                hooks.append(self._pre_stop(pod, record, c, handler, deadline))
        await asyncio.gather(*hooks)
        left = deadline - loop.time()
        await sandbox.stop(self.cluster, key[0], key[1], max(left, 2.0) if hooks else grace)

    async def _pre_stop(self, pod: dict, record: dict, container: dict, handler: dict, deadline: float) -> None:
        name, meta = container["name"], pod["metadata"]
        timeout = max(deadline - asyncio.get_running_loop().time(), 0.1)
        if "sleep" in handler:
            await asyncio.sleep(min(float(handler["sleep"].get("seconds") or 0), timeout))
            return
        try:
            main = sandbox.main_pid(record, name)
        except sandbox.SandboxError:
            return  # the container has ended already: nothing to run its hook in
        enter = sandbox.enter_argv(sandbox.pod_directory(self.cluster, meta["namespace"], meta["name"]), name, main, [])
        ok, message = await probes.run({**handler, "timeoutSeconds": timeout}, container,
                                       record.get("ip") or self.node.ip, enter)
        if not ok:
            kind, what = ("Exec", (handler.get("exec") or {}).get("command")) if "exec" in handler else \
                ("HTTP", (handler.get("httpGet") or {}).get("path", "/"))
            self.events.record(pod, "Warning", "FailedPreStopHook",
                               f'{kind} lifecycle hook ({what}) for Container "{name}" in Pod "{meta["name"]}_'
                               f'{meta["namespace"]}({meta["uid"]})" failed - error: {message}',
                               f"spec.containers{{{name}}}")

    async def _remove(self, key: Key) -> None:
        """Kill what is left of the pod's containers and tear its sandbox down."""
        try:
            await asyncio.to_thread(sandbox.delete, self.cluster, key[0], key[1], 0)
        except sandbox.SandboxError:
            pass

    async def sync_pod(self, key: Key) -> None:
        pod = self.pods.get(*key)
        existing = self._existing(key)
        if existing is not None and existing.get("state") == "creating":
            await self._remove(key)  # half made by a kubelet that died meanwhile: undone, then made anew
            self._forget(key)
            existing = None
        if pod is None and existing is not None and not existing["spec"].get("uid"):
            return  # a sandbox of `kinns pod add`, which no API object stands for: not the kubelet's
        if pod is None or (existing is not None and existing["spec"].get("uid") != pod["metadata"]["uid"]):
            if existing is not None:  # gone from the API, or a previous pod of the same name
                await self._remove(key)
            self._forget(key)
            if pod is None:
                return
        meta = pod["metadata"]
        if static.MIRROR in (meta.get("annotations") or {}):
            return  # the component runs already; its mirror pod is kept by the node's key
        if meta.get("deletionTimestamp"):
            if self._record(pod) is not None:
                if not self._stopped(key, pod, float(meta.get("deletionGracePeriodSeconds") or 0)):
                    return  # its containers have their grace period; the waiting task queues the pod again
                await self._remove(key)
            self._forget(key)
            await self.client.delete(path("v1", "pods", *key), {"gracePeriodSeconds": 0})
            return
        record = self._record(pod)
        loop = asyncio.get_running_loop()
        problem = self.problems.get(key)
        if record is None and (problem is None or (problem[2] > 0 and loop.time() >= problem[2])):
            self.problems.pop(key, None)
            record = await self._start(key, pod)
        elif record is not None and key not in self.containers:
            self._adopt(key, pod, record)
        if record is not None:
            await self._ephemeral(key, pod, record)
            record = await self._supervise(key, pod, record)
            await self._refresh_volumes(key, pod)
        await self.report(key, pod, record)

    def _existing(self, key: Key) -> dict | None:
        try:
            return sandbox.get(self.cluster, *key)
        except sandbox.SandboxError:
            return None

    def _adopt(self, key: Key, pod: dict, record: dict) -> None:
        """A sandbox this kubelet finds running after its own restart: keep its containers' start times and
        restart counts from the pod's last status instead of starting anything."""
        specs = {c["name"]: c for c in _all_containers(pod)}
        known = {c["name"]: c for group in ("initContainerStatuses", "containerStatuses")
                 for c in pod.get("status", {}).get(group) or []}
        clock = asyncio.get_running_loop().time()
        states = {}
        for name in record["pids"]:
            last = known.get(name, {})
            state = ContainerState(last.get("state", {}).get("running", {}).get("startedAt") or now(),
                                   specs.get(name) or {}, last.get("restartCount", 0),
                                   terminated=_without_id(last.get("state", {}).get("terminated")))
            state.arm_probes(clock)
            states[name] = state
        self.containers[key] = states

    def _problem(self, key: Key, pod: dict, reason: str, message: str, event: str, retry: bool,
                 delay: float = RETRY) -> None:
        at = asyncio.get_running_loop().time() + delay if retry else 0.0
        self.problems[key] = (reason, message, at)
        self.events.record(pod, "Warning", event, message)
        if retry:
            self.enqueue(key, delay)

    async def _start(self, key: Key, pod: dict) -> dict | None:
        meta, spec = pod["metadata"], pod.get("spec", {})
        if not spec.get("hostNetwork") and not self.network_ready:
            self._problem(key, pod, NETWORK_WAIT, f"network is not ready: {NETWORK_NOT_READY}", "NetworkNotReady",
                          retry=True)
            return None
        containers, inits = [], []
        try:
            kernel_settings = podconfig.sysctls(pod)
            paths = await volumes.materialize(self.client, self.node, pod,
                                              sandbox.pod_directory(self.cluster, *key))
            for c in spec.get("containers") or []:
                containers.append(await self._runtime_container(pod, c, paths))
            for c in spec.get("initContainers") or []:
                inits.append(await self._runtime_container(pod, c, paths))
        except podconfig.SysctlForbidden as err:  # refused for good: the kubelet's admission fails the pod
            self.problems[key] = (err.reason, str(err), REJECTED)
            self.events.record(pod, "Warning", err.reason, str(err))
            return None
        except podconfig.ConfigError as err:
            mount = isinstance(err, volumes.MountPending)
            delay = RETRY
            if mount:
                tries = self.mount_failures[key] = self.mount_failures.get(key, 0) + 1
                delay = min(MOUNT_BACKOFF * 2 ** (tries - 1), MOUNT_BACKOFF_MAX)
            self._problem(key, pod, err.reason, f"MountVolume.SetUp failed: {err}" if mount else str(err),
                          "FailedMount" if mount else "Failed", retry=True, delay=delay)
            return None
        self.mount_failures.pop(key, None)
        wanted = sandbox.PodSpec(name=meta["name"], namespace=meta["namespace"], node=self.node.name,
                                 containers=containers, host_network=bool(spec.get("hostNetwork")),
                                 host_pid=bool(spec.get("hostPID")), uid=meta["uid"],
                                 share_pid=bool(spec.get("shareProcessNamespace")),
                                 resolv_conf=podconfig.resolv_conf(pod, self._node_resolv_conf()),
                                 host_aliases=spec.get("hostAliases") or [], hostname=spec.get("hostname", ""),
                                 subdomain=spec.get("subdomain", ""), sysctls=kernel_settings,
                                 init_containers=inits)
        try:
            record = await asyncio.to_thread(sandbox.create, self.cluster, wanted)
        except UnsupportedImage as err:
            self._problem(key, pod, "ErrImageNeverPull", str(err), "ErrImageNeverPull", retry=False)
            return None
        except (CNIFailure, sandbox.SandboxError) as err:
            self._problem(key, pod, "ContainerCreating", f"Failed to create pod sandbox: {err}",
                          "FailedCreatePodSandBox", retry=True)
            return None
        self.containers[key] = {}
        self._started(key, pod, record)
        return record

    def _started(self, key: Key, pod: dict, record: dict) -> None:
        """Take in the containers the sandbox has just started (the current init container, or the regular
        ones), with their events."""
        clock = asyncio.get_running_loop().time()
        states = self.containers.setdefault(key, {})
        inits = pod.get("spec", {}).get("initContainers") or []
        group = [inits[record["init"]]] if record.get("init") is not None else pod.get("spec", {}).get("containers")
        for c in group or []:
            states[c["name"]] = state = ContainerState(now(), c)
            state.arm_probes(clock)
            where = f"spec.{'initContainers' if c in inits else 'containers'}{{{c['name']}}}"
            self.events.record(pod, "Normal", "Pulled",
                               f'Container image "{c.get("image", "")}" already present on machine', where)
            self.events.record(pod, "Normal", "Created", f"Created container {c['name']}", where)
            self.events.record(pod, "Normal", "Started", f"Started container {c['name']}", where)

    async def _runtime_container(self, pod: dict, c: dict, paths: dict[str, str]) -> sandbox.Container:
        """What the runtime starts for container `c` of `pod` (its environment resolved, its volumes mounted)."""
        env, late = await podconfig.environment(self.client, pod, c)
        command = [podconfig.expand(a, env) for a in c["command"]] if c.get("command") else None
        args = [podconfig.expand(a, env) for a in c["args"]] if c.get("args") is not None else None
        return sandbox.Container(name=c["name"], image=c.get("image", ""), command=command, args=args, env=env,
                                 ports=c.get("ports") or [], field_env=late,
                                 mounts=volumes.mounts(c, paths, volumes.read_only(pod)),
                                 security=security.effective(pod.get("spec", {}), c,
                                                             pod["metadata"].get("annotations")),
                                 stdin=bool(c.get("stdin")), stdin_once=bool(c.get("stdinOnce")),
                                 tty=bool(c.get("tty")), target=c.get("targetContainerName", ""))

    async def _ephemeral(self, key: Key, pod: dict, record: dict) -> None:
        """Ephemeral containers the pod gained (`kubectl debug`): each started once in the running sandbox."""
        states = self.containers.setdefault(key, {})
        for c in pod.get("spec", {}).get("ephemeralContainers") or []:
            if c["name"] in record["pids"] or c["name"] in states:
                continue
            try:
                paths = await volumes.materialize(self.client, self.node, pod,
                                                  sandbox.pod_directory(self.cluster, *key))
                container = await self._runtime_container(pod, c, paths)
                pid = await asyncio.to_thread(sandbox.add, self.cluster, key[0], key[1], container)
            except (podconfig.ConfigError, UnsupportedImage, sandbox.SandboxError) as err:
                states[c["name"]] = ContainerState(now(), c, terminated={
                    "exitCode": 128, "reason": "StartError", "message": str(err), "startedAt": None,
                    "finishedAt": now()})
                continue
            states[c["name"]] = ContainerState(now(), c)
            record["pids"][c["name"]] = pid
            self.events.record(pod, "Normal", "Started", f"Started container {c['name']}",
                               f"spec.ephemeralContainers{{{c['name']}}}")

    def _node_resolv_conf(self) -> str:
        """The node's own /etc/resolv.conf (what dnsPolicy Default gives a pod)."""
        for candidate in (self.node.file("/etc/resolv.conf"), Path("/etc/resolv.conf")):
            try:
                return candidate.read_text()
            except OSError:
                continue
        return ""

    async def _supervise(self, key: Key, pod: dict, record: dict) -> dict:
        """Containers that ended: an init container that completed lets the next start; the others back off,
        then are restarted as restartPolicy says (a failed init container also under Always). The record,
        updated."""
        loop = asyncio.get_running_loop()
        inits = {c["name"] for c in pod.get("spec", {}).get("initContainers") or []}
        specs = {c["name"]: c for c in _all_containers(pod)}
        states = self.containers.setdefault(key, {})
        policy = pod.get("spec", {}).get("restartPolicy", "Always")
        for name in list(record["pids"]):
            state = states.setdefault(name, ContainerState(now(), specs.get(name) or {}))
            code = self.exits.get(key, {}).get(name)
            if code is None or state.terminated is not None:
                continue
            if name in inits and code == 0:
                state.terminated = {"exitCode": 0, "reason": "Completed", "startedAt": state.started,
                                    "finishedAt": now()}
                record = await asyncio.to_thread(sandbox.advance, self.cluster, key[0], key[1])
                self.exits[key].pop(name, None)
                self._started(key, pod, record)
                return record
            ephemeral = name not in specs  # never restarted
            if name in inits:  # one that failed is run again unless restartPolicy is Never (the pod then fails)
                restarts = code != 0 and policy != "Never"
            else:
                restarts = policy == "Always" or (policy == "OnFailure" and code != 0)
            if ephemeral or not restarts:
                state.terminated = {"exitCode": max(code, 0), "reason": "Completed" if code == 0 else "Error",
                                    "startedAt": state.started, "finishedAt": now()}
                continue
            if state.waiting is None:
                state.last_exit = {"exitCode": max(code, 0), "reason": "Completed" if code == 0 else "Error",
                                   "startedAt": state.started, "finishedAt": now()}
                delay = 0 if state.restarts == 0 else min(10 * 2 ** (state.restarts - 1), 300)
                state.retry_at = loop.time() + delay
                state.waiting = ("CrashLoopBackOff", f"back-off {delay}s restarting failed container={name} "
                                 f"pod={key[1]}")
            if loop.time() < state.retry_at:
                self.enqueue(key, state.retry_at - loop.time())
                continue
            await asyncio.to_thread(sandbox.restart, self.cluster, key[0], key[1], name)
            self.exits[key].pop(name, None)
            state.restarts += 1
            state.started, state.waiting = now(), None
            state.arm_probes(loop.time())
        return record

    async def _refresh_volumes(self, key: Key, pod: dict) -> None:
        """Every few seconds, rewrite the configMap and secret volumes whose source changed."""
        loop = asyncio.get_running_loop()
        if loop.time() < self.volumes_at.get(key, 0.0) + VOLUME_SYNC / 2:  # at most this often, however busy
            return
        self.volumes_at[key] = loop.time()
        try:
            await volumes.refresh(self.client, pod, sandbox.pod_directory(self.cluster, *key))
        except (APIError, OSError) as err:
            self.log.warning("refreshing the volumes of %s failed: %s", key[1], err)

    async def report(self, key: Key, pod: dict, record: dict | None) -> None:
        problem = self.problems.get(key)
        if problem and problem[2] == REJECTED:
            status = {"phase": "Failed", "reason": problem[0], "message": problem[1],
                      "conditions": (pod.get("status") or {}).get("conditions") or []}
        else:
            status = pod_status(pod, record, self.containers.get(key, {}), problem[:2] if problem else None,
                                self.node.ip, now())
        if not changed(pod.get("status") or {}, status):
            return
        try:
            await self.client.patch(path("v1", "pods", *key, sub="status"), {"status": status})
        except APIError as err:
            if err.code not in (404, 409):
                raise

    # event sources besides the watch

    async def lifecycle_events(self) -> None:
        """The pod lifecycle event generator: every second, the container processes that ended queue their pod."""
        while True:
            await asyncio.sleep(1)
            for key, states in list(self.containers.items()):
                record = self._existing(key)
                if record is None:
                    continue
                seen = self.exits.setdefault(key, {})
                for name, pid in record["pids"].items():
                    if name not in seen and name in states and (code := sandbox.exit_code(pid)) is not None:
                        seen[name] = code
                        self.enqueue(key)

    async def run_probes(self) -> None:
        """Run the probes that are due; a changed readiness verdict queues the pod, a failed liveness probe
        kills the container (the event generator then sees it end)."""
        loop = asyncio.get_running_loop()
        running: set = set()
        while True:
            await asyncio.sleep(0.25)
            for key, states in list(self.containers.items()):
                pod = self.pods.get(*key)
                record = self._record(pod) if pod else None
                if record is None or pod["metadata"].get("deletionTimestamp"):
                    continue
                for name, state in states.items():
                    for kind, probe in state.probes.items():
                        job = (key, name, kind)
                        if state.waiting is None and job not in running and probe.due(loop.time()):
                            running.add(job)
                            loop.create_task(self._probe(pod, record, name, state, kind, probe, running, job))

    async def _probe(self, pod: dict, record: dict, name: str, state: ContainerState, kind: str,
                     probe: probes.ProbeState, running: set, job: tuple) -> None:
        try:
            main = sandbox.main_pid(record, name)
            enter = sandbox.enter_argv(sandbox.pod_directory(self.cluster, *job[0]), name, main, [])
            ok, message = await probes.run(probe.spec, state.spec, record.get("ip") or self.node.ip, enter)
            verdict_changed = probe.record(ok, message, asyncio.get_running_loop().time())
            label = "Readiness" if kind == "readinessProbe" else "Liveness"
            where = f"spec.containers{{{name}}}"
            if not ok:
                self.events.record(pod, "Warning", "Unhealthy", f"{label} probe failed: {message}", where)
            if kind == "livenessProbe" and verdict_changed and probe.passed is False:
                self.events.record(pod, "Normal", "Killing", f"Container {name} failed liveness probe, will be "
                                   "restarted", where)
                os.kill(main, 9)
            elif verdict_changed:
                self.enqueue(job[0])
        except (OSError, ValueError, sandbox.SandboxError):
            pass
        finally:
            running.discard(job)


def write_config(node, cluster_dns: str = podconfig.CLUSTER_DNS) -> None:
    """/var/lib/kubelet/config.yaml on the node, as kubeadm writes it."""
    config: Path = node.file("/var/lib/kubelet/config.yaml")
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        "authentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n"
        f"cgroupDriver: systemd\nclusterDNS:\n- {cluster_dns}\nclusterDomain: {podconfig.CLUSTER_DOMAIN}\n"
        "healthzBindAddress: 127.0.0.1\nhealthzPort: 10248\nport: 10250\n"
        "resolvConf: /etc/resolv.conf\nstaticPodPath: /etc/kubernetes/manifests\n")
