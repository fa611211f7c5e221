"""`kinns ui`: one page that draws the live cluster network, fed over a WebSocket, and runs traces on a click.

One reconcile loop: anything that may change the picture marks it dirty — an API watch event (pods, Services,
EndpointSlices, nodes, Ingresses, HTTPRoutes, through the client's mirrors) or an rtnetlink event in a node's
namespace (a link, an address or a route; a listener thread per node) — and the loop rebuilds the snapshot
(snapshot.py) and sends it to every open page when it differs from the last one sent. A trace (POST
/api/trace) runs `kinns trace` in a worker thread and answers its JSON.
"""

import asyncio
import ipaddress
import json
import logging
import threading
from pathlib import Path

from aiohttp import WSMsgType, web

from ..client import Client, Informers
from ..client.client import path as api_path
from ..kernel import netns
from ..kernel.record import ClusterRecord, kubeconfig_path
from ..node.kubelet import sandbox
from .. import trace as tracing
from . import netview, snapshot

STATIC = Path(__file__).parent / "static"
DEBOUNCE = 0.05  # a burst of watch events (a Deployment's pods) is one rebuild
KERNEL_EVENTS = {"RTM_NEWLINK", "RTM_DELLINK", "RTM_NEWADDR", "RTM_DELADDR", "RTM_NEWROUTE", "RTM_DELROUTE"}
log = logging.getLogger("kinns.ui")
RESOURCES = {"nodes": ("v1", "nodes"), "pods": ("v1", "pods"), "services": ("v1", "services"),
             "endpointslices": ("discovery.k8s.io/v1", "endpointslices"),
             "ingresses": ("networking.k8s.io/v1", "ingresses"),
             "httproutes": ("gateway.networking.k8s.io/v1", "httproutes")}
LIMIT = 253  # a trace's FROM, TO and namespace: at most a DNS name's length


class Live:
    """The cluster as the page shows it, rebuilt when something changed and pushed to every page."""

    def __init__(self, record: ClusterRecord) -> None:
        self.record = record
        self.client = Client.from_kubeconfig(kubeconfig_path(record.state_dir), "kinns-ui")
        self.informers = Informers(self.client)
        self.mirrors = {}
        self.views: dict[str, dict] = {}          # node netns -> netview.read()
        self.veths: dict[str, str] = {}           # pod netns -> its veth's name on the node
        self.boxes: dict[tuple, dict] = {}        # (pod uid, IP) -> its sandbox (namespace, name, netns, node netns)
        self.pages: set[web.WebSocketResponse] = set()
        self.dirty = asyncio.Event()
        self.sent = ""
        self.state: dict = {}

    async def start(self) -> None:
        groups = await self.client.get("/apis") or {}
        served = {g["name"] for g in groups.get("groups", [])}
        for key, (version, plural) in RESOURCES.items():
            if "/" in version and version.split("/")[0] not in served:
                continue  # no Gateway API CRDs on this cluster: nothing to watch
            mirror = self.informers.mirror(api_path(version, plural))
            mirror.subscribe(lambda old, new: self.dirty.set())
            self.mirrors[key] = mirror
        self.informers.start()
        loop = asyncio.get_running_loop()
        for node in self.record.nodes:
            threading.Thread(target=self._netlink, args=(loop, node.netns), daemon=True,
                             name=f"netlink {node.netns}").start()
        await asyncio.gather(*(m.wait_synced() for m in self.mirrors.values()))
        await self.rebuild()

    def _netlink(self, loop: asyncio.AbstractEventLoop, name: str) -> None:
        """A node's rtnetlink events (links, addresses, routes), read in a thread: each marks its view stale."""
        with netview.handle(name) as ip:
            ip.bind()
            while True:
                try:
                    messages = ip.get()
                except OSError:  # the node is gone (the cluster went down under the page)
                    return
                if any(m.get("event") in KERNEL_EVENTS for m in messages):
                    loop.call_soon_threadsafe(self._kernel_changed, name)

    def _kernel_changed(self, name: str) -> None:
        self.views.pop(name, None)
        self.dirty.set()

    def _kernel(self, sandboxes: list[dict]) -> None:
        """Read what the kernel holds that the views lack: the nodes whose namespace changed, and the veth of each
        new pod. In a worker thread: pyroute2's synchronous handles cannot run inside the event loop."""
        for node in self.record.nodes:
            if node.netns not in self.views and netns.exists(node.netns):
                self.views[node.netns] = netview.read(node.netns)
        for box in sandboxes:
            pod_netns, node_netns = box["netns"], box["node_netns"]
            if pod_netns and pod_netns != node_netns and pod_netns not in self.veths and netns.exists(pod_netns):
                index = netview.peer_index(pod_netns)
                links = self.views.get(node_netns, {}).get("links", [])
                self.veths[pod_netns] = next((link["name"] for link in links if link["index"] == index), "")

    async def rebuild(self) -> None:
        objects = {key: m.values() for key, m in self.mirrors.items()}
        sandboxes = []
        for pod in objects.get("pods", []):
            meta = pod["metadata"]
            key = (meta["uid"], pod.get("status", {}).get("podIP", ""))  # a new sandbox comes with a new IP
            if key not in self.boxes:  # a sandbox's record is read once
                try:
                    found = sandbox.get(self.record, meta["namespace"], meta["name"])
                except sandbox.SandboxError:
                    continue
                self.boxes[key] = {"namespace": meta["namespace"], "name": meta["name"],
                                   "netns": found.get("netns", ""), "node_netns": self.record.node(found["node"]).netns}
            sandboxes.append(self.boxes[key])
        keys = {(pod["metadata"]["uid"], pod.get("status", {}).get("podIP", "")) for pod in objects.get("pods", [])}
        self.boxes = {key: box for key, box in self.boxes.items() if key in keys}
        await asyncio.to_thread(self._kernel, sandboxes)
        objects["sandboxes"] = sandboxes
        live = {box["netns"] for box in sandboxes}
        self.veths = {k: v for k, v in self.veths.items() if k in live}
        self.state = snapshot.build(self.record, objects, self.views, self.veths)

    async def run(self) -> None:
        """The loop: rebuild when dirty, send when the picture changed."""
        while True:
            await self.dirty.wait()
            await asyncio.sleep(DEBOUNCE)
            self.dirty.clear()
            try:
                await self.rebuild()
            except Exception:  # a namespace that went away mid-read: the next event rebuilds
                log.exception("rebuilding the picture failed")
                continue
            text = json.dumps({"type": "state", "state": self.state})
            if text != self.sent:
                self.sent = text
                await asyncio.gather(*(page.send_str(text) for page in list(self.pages)), return_exceptions=True)

    async def close(self) -> None:
        await self.informers.stop()
        await self.client.close()


def _text(body: dict, key: str, default: str = "") -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or not value or len(value) > LIMIT:
        raise web.HTTPBadRequest(text=json.dumps({"error": f"{key}: a string of 1 to {LIMIT} characters"}),
                                 content_type="application/json")
    return value


def app(record: ClusterRecord) -> web.Application:
    live = Live(record)

    async def index(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / "index.html")

    async def state(request: web.Request) -> web.Response:
        return web.json_response(live.state)

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        live.pages.add(ws)
        try:
            await ws.send_str(json.dumps({"type": "state", "state": live.state}))
            async for msg in ws:
                if msg.type == WSMsgType.ERROR:
                    break
        finally:
            live.pages.discard(ws)
        return ws

    async def trace(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response({"error": "the body is not a JSON object"}, status=400)
        namespace, source, target = _text(body, "namespace", "default"), _text(body, "from"), _text(body, "to")
        proto = body.get("proto")
        if proto not in (None, "tcp", "udp", "icmp"):
            return web.json_response({"error": "proto: one of tcp, udp, icmp"}, status=400)
        try:
            result = await asyncio.get_running_loop().run_in_executor(
                None, tracing.trace, record, namespace, source, target, proto)
        except tracing.TraceError as err:
            return web.json_response({"error": str(err)}, status=422)
        return web.json_response(result.to_dict())

    async def started(application: web.Application) -> None:
        await live.start()
        application["loop"] = asyncio.create_task(live.run())

    async def stopped(application: web.Application) -> None:
        application["loop"].cancel()
        await live.close()

    application = web.Application()
    application.router.add_get("/", index)
    application.router.add_get("/api/state", state)
    application.router.add_get("/ws", socket)
    application.router.add_post("/api/trace", trace)
    application.router.add_static("/static/", STATIC)
    application.on_startup.append(started)
    application.on_cleanup.append(stopped)
    return application


def serve(record: ClusterRecord, host: str, port: int) -> None:
    print(f"kinns ui for cluster {record.name!r}: http://{host}:{port}/  (Ctrl-C ends it)", flush=True)
    if not ipaddress.ip_address(host).is_loopback:
        print(f"note: the page has no login; whoever reaches {host}:{port} sees the cluster and can run traces",
              flush=True)
    web.run_app(app(record), host=host, port=port, print=None)
