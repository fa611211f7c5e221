"""The kubelet's HTTPS API on port 10250: logs, exec, attach and port-forward for the kubectl commands of those names.

The API server proxies pods/log here, authenticated with its kubelet-client
certificate (signed by the cluster CA, which this server requires).
"""

import asyncio
import os
import ssl
import time
from pathlib import Path

from aiohttp import web

from ...apimachinery.meta import rfc3339_ns
from ...kernel import netns
from ...kernel.record import ClusterRecord
from . import attach, crilog, portforward, sandbox, static, streams

PORT = 10250


def ssl_context(pki: Path, ca: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(ca))
    ctx.load_cert_chain(str(pki / "kubelet.crt"), str(pki / "kubelet.key"))
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


def _selected(entries: list[crilog.Entry], query) -> list[crilog.Entry]:
    """The entries a log request asks for: its last tailLines lines of the file, those no older than sinceTime
    or sinceSeconds ago (the kubelet's order: tail first, then since)."""
    tail = query.get("tailLines")
    if tail is not None:
        entries = entries[len(entries) - min(len(entries), int(tail)):]
    since = None
    if query.get("sinceSeconds"):
        since = time.time_ns() - int(query["sinceSeconds"]) * 1_000_000_000
    elif query.get("sinceTime"):
        since = rfc3339_ns(query["sinceTime"])
    return entries if since is None else [e for e in entries if e.stamp >= since]


class KubeletServer:
    def __init__(self, cluster: ClusterRecord, node_name: str) -> None:
        self.cluster, self.node_name = cluster, node_name

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/containerLogs/{namespace}/{pod}/{container}", self.logs)
        app.router.add_get("/exec/{namespace}/{pod}/{container}", self.exec)
        app.router.add_get("/attach/{namespace}/{pod}/{container}", self.attach)
        app.router.add_get("/portForward/{namespace}/{pod}", self.port_forward)
        app.router.add_get("/healthz", lambda _: web.Response(text="ok"))
        return app

    def _running(self, request: web.Request) -> tuple[str, str, str, int]:
        """(namespace, pod, container, its main pid) of the request's running container; 404 otherwise."""
        ns, pod, container = (request.match_info[k] for k in ("namespace", "pod", "container"))
        try:
            return ns, pod, container, sandbox.main_pid(sandbox.get(self.cluster, ns, pod), container)
        except sandbox.SandboxError:
            raise web.HTTPNotFound(text=f'container "{container}" in pod "{pod}" is not running') from None

    async def exec(self, request: web.Request) -> web.StreamResponse:
        ns, pod, container, main = self._running(request)
        enter = sandbox.enter_argv(sandbox.pod_directory(self.cluster, ns, pod), container, main, [])
        return await streams.exec_stream(request, enter, main)

    async def attach(self, request: web.Request) -> web.StreamResponse:
        ns, pod, container, main = self._running(request)
        return await attach.serve(request, sandbox.pod_directory(self.cluster, ns, pod), container, main)

    async def port_forward(self, request: web.Request) -> web.StreamResponse:
        ns, pod = request.match_info["namespace"], request.match_info["pod"]
        try:
            record = sandbox.get(self.cluster, ns, pod)
        except sandbox.SandboxError:
            raise web.HTTPNotFound(text=f'pod "{pod}" not found on node {self.node_name}') from None
        return await portforward.serve(request, netns.path(record["netns"]), pod)

    async def logs(self, request: web.Request) -> web.StreamResponse:
        """/containerLogs: the container's CRI log as `kubectl logs` asks for it (previous run, tail, since,
        timestamps, limitBytes, follow)."""
        ns, pod, container = (request.match_info[k] for k in ("namespace", "pod", "container"))
        query = request.query
        timestamps, previous = streams.flag(query, "timestamps"), streams.flag(query, "previous")
        left = int(query.get("limitBytes") or 0) or None  # None: no limit
        try:
            record = sandbox.get(self.cluster, ns, pod)
        except sandbox.SandboxError:
            mirrored = static.log_entries(self.cluster.node(self.node_name), pod)
            if mirrored is None:
                raise web.HTTPNotFound(text=f'pod "{pod}" not found on node {self.node_name}') from None
            body = b"".join(crilog.render(e, timestamps) for e in _selected(mirrored, query))
            return web.Response(body=body[:left], content_type="text/plain")
        known = {c["name"] for g in ("containers", "init_containers") for c in record["spec"].get(g) or []}
        if container not in known | set(record["pids"]):  # ephemeral containers are in pids only
            raise web.HTTPNotFound(text=f'container "{container}" in pod "{pod}" is not found')
        path = sandbox.log_path(self.cluster, ns, pod, container)
        if previous:
            path = path.with_name(path.name + sandbox.PREVIOUS)
            if not path.exists():
                raise web.HTTPBadRequest(text=f'previous terminated container "{container}" in pod "{pod}" not found')
        follow = streams.flag(query, "follow") and not previous

        async def write(entries: list[crilog.Entry]) -> bool:
            """Send within limitBytes; False once the limit is reached."""
            nonlocal left
            data = b"".join(crilog.render(e, timestamps) for e in entries)
            if left is not None:
                data, left = data[:left], left - min(left, len(data))
            if data:
                await response.write(data)
            return left is None or left > 0

        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        with open(path, "rb") as f:
            reader = crilog.Reader(f)
            more = await write(_selected(reader.read(), query))
            since = {k: v for k, v in query.items() if k in ("sinceSeconds", "sinceTime")}
            while follow and more:
                await asyncio.sleep(0.2)
                if entries := reader.read():
                    more = await write(_selected(entries, since))
                elif not os.path.exists(path):
                    break
        return response
