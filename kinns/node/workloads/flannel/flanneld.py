"""`/opt/bin/flanneld` with the kube subnet manager: one node's flannel.

As flanneld does with `--kube-subnet-mgr`: it finds its node through its own pod (POD_NAME, POD_NAMESPACE),
leases the node's podCIDR within net-conf.json's Network, sets the backend up (`vxlan`: the flannel.1 device
with the VNI and port of the config, 1 and 8472 by default; `host-gw`: routes through the other nodes), writes
the lease to /run/flannel/subnet.env for the CNI plugin, annotates its node (flannel.alpha.coreos.com/
backend-type, backend-data with the VTEP's MAC, public-ip, kube-subnet-manager) and follows the other nodes'
annotations to reach their subnets (the routes, neighbours and forwarding entries of kinns.node.overlay). With
--ip-masq it masquerades traffic leaving the network (the FLANNEL-POSTRTG chain) and accepts forwarding
within it (FLANNEL-FWD). /healthz and /readyz answer on --healthz-ip:--healthz-port.

Flags as flanneld reads them (Go's flag package: `-x` or `--x`, `--x=v` or `--x v`); unknown ones and
what kinns does not carry (etcd, the udp/wireguard/ipip backends, EnableNFTables) are refused in flanneld's
words. When its pod is deleted it removes what it made (device, routes, rules, lease, an empty cni0).
"""

import asyncio
import ipaddress
import json
import os
import secrets
import signal
import sys
from pathlib import Path

from aiohttp import web
from pyroute2 import IPRoute

from ....apimachinery.errors import APIError
from ....apimachinery.goflags import FlagError, FlagSet
from ....client import Client
from ....client.client import path
from ....kernel.command import Runner
from ....kernel.files import write_atomic
from ....kernel.iptables import Iptables
from ....kernel.node import Peer
from ... import overlay
from .. import ownpod
from . import log

VERSION = "v0.28.9"
BOOL_FLAGS = ("ip-masq", "kube-subnet-mgr")
VALUE_FLAGS = {"healthz-ip": "0.0.0.0", "healthz-port": 0, "iface": "", "public-ip": "",
               "subnet-file": "/run/flannel/subnet.env", "net-config-path": "/etc/kube-flannel/net-conf.json"}
ANNOTATION = "flannel.alpha.coreos.com/"
BACKENDS = {"vxlan": "vxlan", "host-gw": "host-gw"}
SYNC = 2.0


def flags(argv: list[str]) -> dict:
    """flanneld's command line, as Go's flag package reads it."""
    flagset = FlagSet("flanneld", style="flag")
    for name in BOOL_FLAGS:
        flagset.add(name, False)
    for name, default in VALUE_FLAGS.items():
        flagset.add(name, default)
    opts, _, rest = flagset.parse(argv)
    if rest:
        raise FlagError(f"unexpected argument {rest[0]!r}")
    if not opts["kube-subnet-mgr"]:
        raise FlagError("kinns's flannel keeps its leases with the Kubernetes API: run it with --kube-subnet-mgr "
                        "(there is no etcd)")
    if not 0 <= opts["healthz-port"] <= 65535:
        raise FlagError(f'invalid value "{opts["healthz-port"]}" for flag -healthz-port: parse error')
    return opts


def net_conf(text: str) -> dict:
    """net-conf.json: the Network and the Backend, with flannel's defaults."""
    try:
        conf = json.loads(text)
        network = ipaddress.ip_network(conf["Network"])
    except (ValueError, KeyError, TypeError) as err:
        raise FlagError(f"failed to parse net config: {err}") from None
    backend = conf.get("Backend") or {}
    kind = backend.get("Type", "vxlan")
    if kind not in BACKENDS:
        raise FlagError(f"failed to create backend: unknown backend type: {kind} (kinns's flannel carries vxlan "
                        "and host-gw)")
    if conf.get("EnableNFTables"):
        raise FlagError("EnableNFTables is not supported by kinns's flannel: set it to false (iptables)")
    return {"network": str(network), "backend": kind, "vni": int(backend.get("VNI", overlay.VXLAN_ID)),
            "port": int(backend.get("Port", overlay.VXLAN_PORT))}


def lease_text(conf: dict, subnet: str, mtu: int, masquerade: bool) -> str:
    gateway = next(ipaddress.ip_network(subnet).hosts())
    return (f"FLANNEL_NETWORK={conf['network']}\nFLANNEL_SUBNET={gateway}/{ipaddress.ip_network(subnet).prefixlen}\n"
            f"FLANNEL_MTU={mtu}\nFLANNEL_IPMASQ={'true' if masquerade else 'false'}\n")


def masquerade_rules(network: str, subnet: str) -> dict[tuple[str, str], list[list[str]]]:
    """flanneld's --ip-masq chains: pod traffic leaving the network is masqueraded, the rest returns."""
    return {("nat", "FLANNEL-POSTRTG"): [
        ["-m", "mark", "--mark", "0x4000/0x4000", "-j", "RETURN"],
        ["-s", subnet, "-d", network, "-j", "RETURN"],
        ["-s", network, "-d", subnet, "-j", "RETURN"],
        ["!", "-s", network, "-d", subnet, "-j", "RETURN"],
        ["-s", network, "!", "-d", "224.0.0.0/4", "-j", "MASQUERADE", "--random-fully"],
        ["!", "-s", network, "-d", network, "-j", "MASQUERADE", "--random-fully"]],
        ("filter", "FLANNEL-FWD"): [["-s", network, "-j", "ACCEPT"], ["-d", network, "-j", "ACCEPT"]]}


HOOKS = {"FLANNEL-POSTRTG": "POSTROUTING", "FLANNEL-FWD": "FORWARD"}


def _ensure_rules(rules: dict) -> None:
    tables = Iptables(Runner())
    for (table, chain), specs in rules.items():
        tables.ensure_chain(table, chain)
        for spec in specs:
            tables.ensure_rule(table, chain, spec, first=False)
        tables.ensure_rule(table, HOOKS[chain], ["-m", "comment", "--comment", f"flanneld {chain}", "-j", chain])


def _remove_rules(rules: dict) -> None:
    tables = Iptables(Runner())
    for table, chain in rules:
        tables.delete_rule(table, HOOKS[chain], ["-m", "comment", "--comment", f"flanneld {chain}", "-j", chain])
        tables.delete_chain(table, chain)


def _eth0() -> tuple[str, int]:
    """The node's address and MTU (its eth0)."""
    with IPRoute() as ip:
        index = ip.link_lookup(ifname="eth0")[0]
        mtu = ip.get_links(index)[0].get_attr("IFLA_MTU")
        return ip.get_addr(index=index, family=2)[0].get_attr("IFA_ADDRESS"), mtu


def _address_of(iface: str) -> str:
    with IPRoute() as ip:
        found = ip.link_lookup(ifname=iface)
        if not found:
            raise FlagError(f"failed to find interface: {iface}")
        return ip.get_addr(index=found[0], family=2)[0].get_attr("IFA_ADDRESS")


def _vtep_mac() -> str:
    """The VTEP's MAC: the device's own when it exists (a restart keeps it), else a new local one."""
    with IPRoute() as ip:
        found = ip.link_lookup(ifname=overlay.VXLAN_DEV)
        if found:
            return ip.get_links(found[0])[0].get_attr("IFLA_ADDRESS")
    raw = bytearray(secrets.token_bytes(6))
    raw[0] = (raw[0] | 0x02) & 0xFE
    return ":".join(f"{b:02x}" for b in raw)


def _peer(node: dict) -> Peer | None:
    meta, spec = node["metadata"], node.get("spec", {})
    annotations = meta.get("annotations") or {}
    if not spec.get("podCIDR") or not annotations.get(ANNOTATION + "public-ip"):
        return None
    data = json.loads(annotations.get(ANNOTATION + "backend-data") or "null") or {}
    return Peer(meta["name"], annotations[ANNOTATION + "public-ip"], spec["podCIDR"], data.get("VtepMAC", ""))


class Flanneld:
    def __init__(self, opts: dict, conf: dict, client: Client) -> None:
        self.opts, self.conf, self.client = opts, conf, client
        self.me: Peer | None = None
        self.ready = False

    async def start(self) -> None:
        namespace, name = os.environ.get("POD_NAMESPACE", "kube-flannel"), os.environ.get("POD_NAME", "")
        node_name = ""
        while not node_name:
            try:
                pod = await self.client.get(path("v1", "pods", namespace, name))
                node_name = (pod or {}).get("spec", {}).get("nodeName", "")
            except (APIError, OSError, asyncio.TimeoutError) as err:
                log("E", f"Failed to get pod {namespace}/{name}: {err or type(err).__name__}")
                await asyncio.sleep(1)
        log("I", f"Creating flannel kube subnet manager for node {node_name}")
        node = await self._wait_cidr(node_name)
        subnet = node["spec"]["podCIDR"]
        if not ipaddress.ip_network(subnet).subnet_of(ipaddress.ip_network(self.conf["network"])):
            raise FlagError(f"the podCIDR {subnet} of node {node_name} is not within the Network "
                            f"{self.conf['network']} of net-conf.json")
        address, mtu = await asyncio.to_thread(_eth0)  # pyroute2's handles are not for a running event loop
        if self.opts["public-ip"]:
            address = self.opts["public-ip"]
        elif self.opts["iface"]:
            address = await asyncio.to_thread(_address_of, self.opts["iface"])
        backend = self.conf["backend"]
        mac = await asyncio.to_thread(_vtep_mac) if backend == "vxlan" else ""
        self.me = Peer(node_name, address, subnet, mac)
        await asyncio.to_thread(overlay.sync, None, self.me, [], backend, self.conf["vni"], self.conf["port"])
        data = {"VNI": self.conf["vni"], "VtepMAC": self.me.vtep_mac} if backend == "vxlan" else None
        await self.client.patch(path("v1", "nodes", name=node_name, sub="status"), {"metadata": {"annotations": {
            ANNOTATION + "backend-type": backend, ANNOTATION + "backend-data": json.dumps(data),
            ANNOTATION + "kube-subnet-manager": "true", ANNOTATION + "public-ip": address}}})
        pod_mtu = overlay.pod_mtu(backend, mtu)
        target = Path(self.opts["subnet-file"])
        write_atomic(target, lease_text(self.conf, subnet, pod_mtu, self.opts["ip-masq"]))
        log("I", f"Wrote subnet file to {target}: subnet {subnet}, mtu {pod_mtu}")
        if self.opts["ip-masq"]:
            await asyncio.to_thread(_ensure_rules, masquerade_rules(self.conf["network"], subnet))
            log("I", "Setting up masking rules (FLANNEL-POSTRTG) and forwarding rules (FLANNEL-FWD)")
        log("I", f"Running backend {backend} on {address} (VNI {self.conf['vni']}, port {self.conf['port']})"
            if backend == "vxlan" else f"Running backend host-gw on {address}")
        self.ready = True

    async def _wait_cidr(self, name: str) -> dict:
        while True:
            try:
                node = await self.client.get(path("v1", "nodes", name=name))
                if node and node.get("spec", {}).get("podCIDR"):
                    return node
                log("I", f"Waiting for node {name} to get a podCIDR (kube-controller-manager's --allocate-node-cidrs)")
            except (APIError, OSError, asyncio.TimeoutError) as err:
                log("E", f"Failed to get node {name}: {err or type(err).__name__}")
            await asyncio.sleep(1)

    async def follow(self) -> None:
        """The other nodes' leases: routes (and for vxlan the VTEPs) to their subnets, kept as they change."""
        known: set = set()
        while True:
            try:
                nodes = (await self.client.get(path("v1", "nodes")))["items"]
                peers = [p for p in map(_peer, nodes) if p is not None and p.name != self.me.name and
                         (p.vtep_mac or self.conf["backend"] != "vxlan")]
                if set(peers) != known:
                    await asyncio.to_thread(overlay.sync, None, self.me, peers, self.conf["backend"],
                                            self.conf["vni"], self.conf["port"])
                    for p in set(peers) - known:
                        log("I", f"Handling new subnet {p.pod_cidr} of node {p.name} ({p.ip})")
                    known = set(peers)
            except (APIError, OSError, asyncio.TimeoutError, KeyError, ValueError) as err:
                log("E", f"Failed to sync the other nodes' subnets: {err or type(err).__name__}")
            await asyncio.sleep(SYNC)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", lambda _: web.Response(text="flanneld is running"))
        app.router.add_get("/readyz", lambda _: web.Response(text="ready") if self.ready else
                           web.Response(status=503, text="not ready"))
        return app

    async def stop(self) -> None:
        if self.me is None or not await ownpod.deleted(self.client):
            return
        await asyncio.to_thread(self._reset)
        log("I", "Pod deleted: removed flannel.1, the routes to the other subnets, the rules and the lease")

    def _reset(self) -> None:
        overlay.sync(None, self.me, [], "host-gw")  # host-gw with no peers: no VTEP, no routes through eth0
        if self.opts["ip-masq"]:
            _remove_rules(masquerade_rules(self.conf["network"], self.me.pod_cidr))
        Path(self.opts["subnet-file"]).unlink(missing_ok=True)
        with IPRoute() as ip:  # the bridge the delegate made, once no pod is on it
            for index in ip.link_lookup(ifname="cni0"):
                if not any(link.get_attr("IFLA_MASTER") == index for link in ip.get_links()):
                    ip.link("del", index=index)


async def run(opts: dict, conf: dict) -> None:
    client = Client.in_cluster("flanneld")
    daemon = Flanneld(opts, conf, client)
    runner = None
    if opts["healthz-port"]:
        runner = web.AppRunner(daemon.app(), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, opts["healthz-ip"], opts["healthz-port"]).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(daemon.start())
    done, _ = await asyncio.wait({starting, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED)
    following = None
    if starting in done:
        starting.result()  # a FlagError ends flanneld here
        following = asyncio.create_task(daemon.follow())
        await stop.wait()
    for task in (starting, following):
        if task is not None:
            task.cancel()
    await daemon.stop()
    if runner is not None:
        await runner.cleanup()
    await client.close()


def main(argv: list[str]) -> int:
    try:
        opts = flags(argv)
    except FlagError as err:
        sys.stderr.write(f"{err}\nUsage of flanneld:\n" + "".join(f"  -{f}\n" for f in BOOL_FLAGS) +
                         "".join(f"  -{f} string\n" for f in VALUE_FLAGS))
        return 2
    log("I", f"Flannel version {VERSION} (kinns)")
    log("I", "CLI flags config: {" + " ".join(f"{k}:{v}" for k, v in opts.items()) + "}")
    try:
        conf = net_conf(Path(opts["net-config-path"]).read_text())
        asyncio.run(run(opts, conf))
    except OSError as err:
        log("E", f"Failed to read net config {opts['net-config-path']}: {err.strerror}")
        return 1
    except FlagError as err:
        log("E", str(err))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
