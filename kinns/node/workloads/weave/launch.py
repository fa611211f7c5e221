"""`/home/weave/launch.sh` of weave-kube: the Weave router of one node.

It reads what Weave's launch script reads — IPALLOC_RANGE (default 10.32.0.0/12), WEAVE_MTU (1376),
CONN_LIMIT (200), HOSTNAME (the peer's nickname), INIT_CONTAINER (unless "true", it installs the CNI plugin
itself), EXTRA_ARGS (the router's flags: --log-level, --conn-limit, --ipalloc-range, --mtu; any other is
refused as the router refuses it) — and refuses WEAVE_PASSWORD (kinns carries no encrypted overlay). Its
peer name comes from the node's machine-id. It then, as Weave does:

- finds its peers, the other nodes' addresses (kube-peers), and keeps its entry in the `weave-net`
  ConfigMap's `kube-peers.weave.works/peers`; peers of nodes that are gone lose their address space;
- claims its share of the range in the ring (`ring.py`), keeps its containers' addresses in /weavedb;
- makes the datapath (`datapath.py`) with the bridge's own address from its share, and meets the peers
  on TCP 6783 (`mesh.py`), each connected peer joining the VXLAN flood list;
- serves Weave's HTTP API on 127.0.0.1:6784: `/status` (the readiness probe's, 200 once IPAM is ready) and
  `/ip/<container ID>` (POST allocates, GET reads, DELETE releases) for the weave-net plugin.

On SIGTERM it leaves the datapath up when only the container restarts (pods keep their network); when its pod
is being deleted (the DaemonSet removed, or the pod deleted to be made again), it removes the bridge, the
VXLAN port and its rules, as `weave reset` does; a new router puts the pods' veths back on the bridge.
"""

import asyncio
import hashlib
import ipaddress
import json
import os
import signal
import sys
from pathlib import Path

from aiohttp import web
from pyroute2 import IPRoute

from ....apimachinery.errors import APIError
from ....apimachinery.goflags import FlagError, FlagSet
from ....client import Client
from ....client.client import path
from ....kernel.files import write_atomic
from .. import ownpod
from . import (BRIDGE, DATAPATH_PORT, DEFAULT_MTU, DEFAULT_RANGE, LEVELS, VERSION, datapath, init, log, mesh, ring,
               set_level)

PEERS_ANNOTATION = "kube-peers.weave.works/peers"
RING_ANNOTATION = "kinns.io/weave-ring"  # the ring's blocks and owners (Weave gossips it; kinns keeps it here)
CONFIGMAP = path("v1", "configmaps", "kube-system", "weave-net")
DB = Path("/weavedb/weave-netdata.json")
EXPOSE = "weave:expose"  # the bridge's own address, as `weave expose` names it


PEER_SYNC = 5.0


def options(env: dict, extra: list[str]) -> dict:
    """The router's settings from the launch script's environment and EXTRA_ARGS (read as Go's flag package
    reads them), named as the flags: `--ipalloc-range` and so on."""
    if env.get("WEAVE_PASSWORD"):
        raise FlagError("WEAVE_PASSWORD is set, but kinns's Weave carries no encrypted overlay; unset it")
    flagset = FlagSet("weaver", style="flag")
    flagset.add("log-level", "info")
    flagset.add("conn-limit", int(env.get("CONN_LIMIT") or 200))
    flagset.add("ipalloc-range", env.get("IPALLOC_RANGE") or DEFAULT_RANGE)
    flagset.add("mtu", int(env.get("WEAVE_MTU") or DEFAULT_MTU))
    values, _, rest = flagset.parse(extra)
    if rest:
        raise FlagError(f"unexpected argument {rest[0]!r}")
    if values["log-level"] not in LEVELS:
        raise FlagError(f'invalid value "{values["log-level"]}" for flag --log-level')
    opts = {f"--{name}": value for name, value in values.items()}
    try:
        ring.blocks(opts["--ipalloc-range"])
    except ValueError as err:
        raise FlagError(f"invalid --ipalloc-range: {err}") from None
    if not 576 <= opts["--mtu"] <= 1450:  # the VXLAN port carries it over the nodes' 1500
        raise FlagError(f"invalid MTU {opts['--mtu']}: must be between 576 and 1450")
    return opts


def peer_name(machine_id: str) -> str:
    """A MAC-like peer name from the machine's identity (locally administered, unicast), stable across restarts."""
    digest = bytearray(hashlib.sha256(machine_id.strip().encode()).digest()[:6])
    digest[0] = (digest[0] | 0x02) & 0xFE
    return ":".join(f"{b:02x}" for b in digest)


def node_ip(node: dict) -> str:
    return next((a["address"] for a in node.get("status", {}).get("addresses") or [] if a["type"] == "InternalIP"),
                "")


class Router:
    def __init__(self, opts: dict, me: mesh.Peer, client: Client) -> None:
        self.opts, self.me, self.client = opts, me, client
        self.cidr = str(opts["--ipalloc-range"])
        self.allocator: ring.Allocator | None = None
        self.mesh = mesh.Mesh(me, opts["--conn-limit"], lambda p: asyncio.to_thread(datapath.connect, p.address),
                              lambda p: asyncio.to_thread(datapath.disconnect, p.address))

    # the ConfigMap (kube-peers and the ring)

    async def _update_configmap(self, change) -> dict:
        """Apply `change(annotations) -> annotations` to the weave-net ConfigMap, retrying on conflicts."""
        while True:
            current = await self.client.get(CONFIGMAP)
            if current is None:
                try:
                    current = await self.client.create(CONFIGMAP.rsplit("/", 1)[0],
                                                       {"metadata": {"name": "weave-net"}})
                except APIError as err:
                    if err.code != 409:
                        raise
                    continue
            annotations = dict(current["metadata"].get("annotations") or {})
            wanted = change(annotations)
            if wanted == annotations:
                return annotations
            current["metadata"]["annotations"] = wanted
            try:
                await self.client.replace(CONFIGMAP, current)
                return wanted
            except APIError as err:
                if err.code != 409:
                    raise

    async def claim(self) -> list[str]:
        def change(annotations: dict) -> dict:
            peers = json.loads(annotations.get(PEERS_ANNOTATION) or '{"Peers": []}')
            if not any(p.get("PeerName") == self.me.name for p in peers.get("Peers") or []):
                peers["Peers"] = (peers.get("Peers") or []) + [{"PeerName": self.me.name,
                                                                "NodeName": self.me.nickname}]
            state, _ = ring.claim(json.loads(annotations.get(RING_ANNOTATION) or "{}"), self.cidr, self.me.name)
            return {**annotations, PEERS_ANNOTATION: json.dumps(peers), RING_ANNOTATION: json.dumps(state)}

        annotations = await self._update_configmap(change)
        state = json.loads(annotations[RING_ANNOTATION])
        return [b for b, owner in state["blocks"].items() if owner == self.me.name]

    async def reclaim(self, nodes: set[str]) -> None:
        """kube-peers' reclaim: peers whose node is gone from the cluster give their space back."""
        gone: list[str] = []

        def change(annotations: dict) -> dict:
            peers = json.loads(annotations.get(PEERS_ANNOTATION) or '{"Peers": []}')
            keep = [p for p in peers.get("Peers") or [] if p.get("NodeName") in nodes]
            gone[:] = [p["PeerName"] for p in peers.get("Peers") or [] if p not in keep]
            state = json.loads(annotations.get(RING_ANNOTATION) or "{}")
            for name in gone:
                state = ring.release(state, name)
            return {**annotations, PEERS_ANNOTATION: json.dumps({"Peers": keep}), RING_ANNOTATION: json.dumps(state)}

        await self._update_configmap(change)
        for name in gone:
            log("INFO", f"[kube-peers] Removed unused peer {name}; its address space is free again")

    # addresses

    def _load(self, owned: list[str]) -> ring.Allocator:
        allocator = ring.Allocator(self.cidr, owned)
        try:
            saved = json.loads(DB.read_text())
        except (OSError, ValueError):
            log("INFO", f"[allocator {self.me.name}] No valid persisted data")
            return allocator
        live = {p.name[len("vethwepl"):] for p in Path("/sys/class/net").iterdir() if p.name.startswith("vethwepl")}
        for ident, address in (saved.get("allocations") or {}).items():
            if (ident == EXPOSE or ident[:7] in live) and \
                    any(ipaddress.ip_address(address) in ipaddress.ip_network(b) for b in owned):
                allocator.allocations[ident] = address
        log("INFO", f"[allocator {self.me.name}] Initialising with persisted data "
                    f"({len(allocator.allocations)} addresses)")
        return allocator

    def _save(self) -> None:
        write_atomic(DB, json.dumps({"peer": self.me.name, "range": self.cidr,
                                     "allocations": self.allocator.allocations}))

    def allocate(self, ident: str) -> str:
        try:
            address = self.allocator.allocate(ident)
        except IndexError:
            raise web.HTTPServiceUnavailable(text=f"no free address in this peer's space of {self.cidr}\n")
        self._save()
        return address

    # the HTTP API

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/status", self.status)
        app.router.add_post("/ip/{id}", self.ip_post)
        app.router.add_get("/ip/{id}", self.ip_get)
        app.router.add_delete("/ip/{id}", self.ip_delete)
        return app

    async def status(self, _: web.Request) -> web.Response:
        ready = self.allocator is not None
        conns = self.mesh.status()
        text = (f"\n        Version: {VERSION} (kinns)\n\n        Service: router\n       Protocol: weave 1..2\n"
                f"           Name: {self.me}\n     Encryption: disabled\n  PeerDiscovery: enabled\n"
                f"        Targets: {len(self.mesh.targets)}\n    Connections: {len(conns)} ({len(conns)} established)\n"
                f"          Peers: {len(conns) + 1}\n TrustedSubnets: none\n\n        Service: ipam\n"
                f"         Status: {'ready' if ready else 'waiting for IP(v4) range'}\n          Range: {self.cidr}\n"
                f"  DefaultSubnet: {self.cidr}\n")
        return web.Response(text=text, status=200 if ready else 503)

    def _ready(self) -> None:
        if self.allocator is None:
            raise web.HTTPServiceUnavailable(text="IPAM is not ready yet\n")

    async def ip_post(self, request: web.Request) -> web.Response:
        self._ready()
        return web.Response(text=self.allocate(request.match_info["id"]))

    async def ip_get(self, request: web.Request) -> web.Response:
        self._ready()
        address = self.allocator.allocations.get(request.match_info["id"])
        if address is None:
            raise web.HTTPNotFound(text=f"{request.match_info['id']} has no address\n")
        return web.Response(text=f"{address}/{self.allocator.prefixlen}")

    async def ip_delete(self, request: web.Request) -> web.Response:
        self._ready()
        if self.allocator.free(request.match_info["id"]):
            self._save()
        return web.Response(status=204)

    # running

    async def start(self) -> None:
        while True:
            try:
                owned = await self.claim()
                break
            except ring.RangeMismatch:
                raise
            except (APIError, OSError, asyncio.TimeoutError) as err:
                log("ERRO", f"[kube-peers] cannot reach the API server: {err or type(err).__name__}; retrying")
                await asyncio.sleep(2)
        log("INFO", f"[allocator {self.me.name}] Claimed {', '.join(owned)} of {self.cidr} "
                    "(the ring in the weave-net ConfigMap)")
        allocator = self._load(owned)
        bridge_ip = allocator.allocate(EXPOSE)
        self.allocator = allocator
        self._save()
        await asyncio.to_thread(datapath.ensure, bridge_ip, self.opts["--mtu"], self.me.address, self.cidr)
        log("INFO", f"Bridge {BRIDGE} is up with {bridge_ip}; fastdp port {datapath.VXLAN_DEV} on UDP "
                    f"{DATAPATH_PORT}, MTU {self.opts['--mtu']}")
        await self.mesh.listen()

    async def sync_peers(self) -> None:
        """kube-peers: every few seconds, the other nodes are the targets; our pod's deletion is noted."""
        announced = None
        while True:
            try:
                nodes = (await self.client.get(path("v1", "nodes")))["items"]
                addresses = {node_ip(n) for n in nodes} - {"", self.me.address}
                if addresses != announced:
                    log("INFO", f"Launch detected - using supplied peer list: {sorted(addresses)}")
                    announced = addresses
                self.mesh.set_targets(addresses)
                await self.reclaim({n["metadata"]["name"] for n in nodes})
            except (APIError, OSError, asyncio.TimeoutError, KeyError, TypeError) as err:
                log("WARN", f"[kube-peers] {err or type(err).__name__}")
            await asyncio.sleep(PEER_SYNC)

    async def stop(self) -> None:
        deleting = await ownpod.deleted(self.client)
        await self.mesh.close()
        if deleting:
            await asyncio.to_thread(datapath.reset, self.cidr)
            log("INFO", f"Pod deleted: removed bridge {BRIDGE}, {datapath.VXLAN_DEV} and the WEAVE rules")


async def run(opts: dict, me: mesh.Peer) -> None:
    client = Client.in_cluster("weave-kube")
    router = Router(opts, me, client)
    await router.start()
    runner = web.AppRunner(router.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", DATAPATH_PORT).start()
    log("INFO", f"Listening for HTTP control messages on 127.0.0.1:{DATAPATH_PORT}")
    peers = asyncio.create_task(router.sync_peers())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await router.stop()
    peers.cancel()
    await runner.cleanup()
    await client.close()


def main() -> int:
    env = dict(os.environ)
    try:
        opts = options(env, (env.get("EXTRA_ARGS") or "").split())
    except FlagError as err:
        log("ERRO", str(err))
        return 1
    set_level(opts["--log-level"])
    try:
        machine_id = Path("/host/etc/machine-id").read_text()
    except OSError:
        machine_id = Path("/etc/machine-id").read_text()
    nickname = env.get("HOSTNAME") or os.uname().nodename
    address = os.environ.get("HOST_IP") or _eth0_address()
    me = mesh.Peer(peer_name(machine_id), nickname, address)
    if env.get("INIT_CONTAINER") != "true":
        init.install(Path(env.get("HOST_ROOT", "/host")))
    log("INFO", "Command line options: map[conn-limit:{} datapath:datapath db-prefix:/weavedb/weave-net "
                "http-addr:127.0.0.1:{} ipalloc-range:{} mtu:{} name:{} nickname:{} no-dns:true port:{}]".format(
                    opts["--conn-limit"], DATAPATH_PORT, opts["--ipalloc-range"], opts["--mtu"], me.name,
                    nickname, mesh.MESH_PORT))
    log("INFO", f"weave  {VERSION}")
    log("INFO", "Bridge type is bridged_fastdp")
    log("INFO", "Communication between peers is unencrypted.")
    log("INFO", f"Our name is {me}")
    try:
        asyncio.run(run(opts, me))
    except ring.RangeMismatch as err:
        log("ERRO", f"[allocator {me.name}] {err}")
        return 1
    return 0


def _eth0_address() -> str:
    with IPRoute() as ip:
        index = ip.link_lookup(ifname="eth0")[0]
        return ip.get_addr(index=index, family=2)[0].get_attr("IFA_ADDRESS")


if __name__ == "__main__":
    sys.exit(main())
