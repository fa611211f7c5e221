"""kinns-bridge: attach a pod to a Linux bridge on its node with a veth pair (CNI 1.1).

ADD creates the bridge if missing, a veth pair whose pod end is born inside
the pod's netns as CNI_IFNAME, asks the IPAM plugin named in `ipam.type` for
addresses (by executing it from CNI_PATH), and applies them. Anything ADD made
is undone when a later step fails. DEL works when the netns is already gone.
"""

import os

from ...pkg import skel
from ...pkg.ip import Prefix, parse_ip, parse_prefix
from ...pkg.ipam import configure_iface, exec_ipam, start_ipam
from ...pkg.iptables import binaries_for, chain_name, comment, setup_masquerade, teardown_chain
from ...pkg.netlink import Link, Netlink
from ...pkg.ns import NetNS
from ...pkg.skel import (ERR_INTERNAL, ERR_INVALID_CONFIG, ERR_INVALID_ENV, ERR_UNKNOWN_CONTAINER,
                         ERR_UNSUPPORTED_FIELD, Args, CNIError)

ABOUT = "kinns bridge plugin"


class BridgeConf:
    def __init__(self, args: Args) -> None:
        conf = args.conf
        self.bridge: str = conf.get("bridge") or "cni0"
        if len(self.bridge) > 15:
            raise CNIError(ERR_INVALID_CONFIG, f"bridge name {self.bridge!r} is longer than 15 characters")
        self.mtu: int = conf.get("mtu") or 1500
        if not isinstance(self.mtu, int) or not 68 <= self.mtu <= 65535:
            raise CNIError(ERR_INVALID_CONFIG, f"invalid mtu {conf.get('mtu')!r}")
        self.is_gateway = bool(conf.get("isGateway") or conf.get("isDefaultGateway"))
        self.is_default_gateway = bool(conf.get("isDefaultGateway"))
        self.force_address = bool(conf.get("forceAddress"))
        self.ip_masq = bool(conf.get("ipMasq"))
        self.hairpin = bool(conf.get("hairpinMode"))
        self.promisc = bool(conf.get("promiscMode"))
        if conf.get("vlan") or conf.get("vlanTrunk"):
            raise CNIError(ERR_UNSUPPORTED_FIELD, "vlan is not supported by kinns-bridge")
        self.has_ipam = bool(conf.get("ipam"))
        self.dns: dict = conf.get("dns") or {}


def open_netns(path: str) -> NetNS:
    try:
        ns = NetNS(path)
    except FileNotFoundError:
        raise CNIError(ERR_UNKNOWN_CONTAINER, f"failed to open netns {path!r}: no such file") from None
    except OSError as err:
        raise CNIError(ERR_INVALID_ENV, f"failed to open netns {path!r}: {err.strerror}") from None
    return ns


def ensure_bridge(nl: Netlink, conf: BridgeConf) -> Link:
    link = nl.link(conf.bridge)
    if link is None:
        try:
            nl.add_bridge(conf.bridge, conf.mtu)
        except FileExistsError:
            pass  # a parallel ADD made it first
        link = nl.link(conf.bridge)
    if link is None or link.kind != "bridge":
        raise CNIError(ERR_INTERNAL, f"{conf.bridge!r} already exists but is not a bridge")
    nl.set_link(link.index, up=True, promisc=True if conf.promisc else None)
    return link


def ensure_gateway(nl: Netlink, bridge: Link, gateway: Prefix, force: bool) -> None:
    """Give the bridge the gateway address, refusing to clobber another one in its subnet."""
    for existing in nl.addrs(bridge.index, gateway.family):
        if existing == gateway:
            return
        if existing.masked() == gateway.masked():
            if not force:
                raise CNIError(ERR_INTERNAL, f"{bridge.name!r} already has an IP address different from {gateway}")
            nl.del_addr(bridge.index, existing)
    nl.add_addr(bridge.index, gateway)


def enable_forwarding(families: set[int]) -> None:
    paths = {2: "/proc/sys/net/ipv4/ip_forward", 10: "/proc/sys/net/ipv6/conf/all/forwarding"}
    for family in families:
        with open(paths[family], "r+") as f:
            if f.read().strip() != "1":
                f.seek(0)
                f.write("1")


def _iface(link: Link, mtu: bool, sandbox: str = "") -> dict:
    out = {"name": link.name, "mac": link.mac}
    if mtu:
        out["mtu"] = link.mtu
    if sandbox:
        out["sandbox"] = sandbox
    return out


def add(args: Args) -> dict:
    """Bridge and veth first while the IPAM plugin starts up; then addresses, routes, gateway."""
    conf = BridgeConf(args)
    pod_ns = open_netns(args.netns)
    host = Netlink()
    with pod_ns:
        pod = Netlink()
    if pod.link(args.ifname) is not None:
        raise CNIError(ERR_INTERNAL, f"container veth name provided ({args.ifname}) already exists")
    pending = start_ipam(args, "ADD") if conf.has_ipam else None
    host_name = "veth" + os.urandom(4).hex()
    made_veth = False
    ipam: dict = {}
    try:
        bridge = ensure_bridge(host, conf)
        host.add_veth(host_name, args.ifname, conf.mtu, pod_ns.fd)
        made_veth = True
        veth = host.link(host_name)
        host.set_link(veth.index, master=bridge.index, up=True)
        if conf.hairpin:
            host.set_hairpin(veth.index, True)
        container = pod.link(args.ifname)
        if pending is not None:
            started, pending = pending, None
            ipam = started.wait()
        routes = list(ipam.get("routes") or [])
        ips = [{**ip, "interface": 2} for ip in ipam.get("ips") or []]
        if conf.is_default_gateway:
            for ip in ips:
                default = "::/0" if ":" in ip["address"] else "0.0.0.0/0"
                if ip.get("gateway") and not any(r["dst"] == default for r in routes):
                    routes.append({"dst": default, "gw": ip["gateway"]})
        result = {"ips": ips, "routes": routes, "dns": conf.dns or ipam.get("dns") or {}}
        configure_iface(pod, container, result, 2)
        if conf.is_gateway:
            for ip in ips:
                if ip.get("gateway"):
                    family, gw = parse_ip(ip["gateway"])
                    ensure_gateway(host, bridge, Prefix(family, gw, parse_prefix(ip["address"]).length),
                                   conf.force_address)
            enable_forwarding({parse_prefix(ip["address"]).family for ip in ips})
        if conf.ip_masq:
            for ip in ips:
                setup_masquerade(ip["address"], chain_name(args.name, args.container_id),
                                 comment(args.name, args.container_id))
        with_mtu = skel.version_tuple(args.version) >= (1, 1, 0)
        result["interfaces"] = [_iface(host.link_by_index(bridge.index), with_mtu),
                                _iface(host.link(host_name), with_mtu),
                                _iface(pod.link(args.ifname), with_mtu, args.netns)]
        return result
    except BaseException:
        if made_veth:
            link = host.link(host_name)
            if link:
                host.del_link(link.index)
        if pending is not None:  # failed before reading the IPAM result: let it finish, then release
            try:
                ipam = pending.wait()
            except CNIError:
                pass
        if conf.ip_masq:
            _teardown_masquerade(args, [ip["address"] for ip in ipam.get("ips") or []])
        if conf.has_ipam:
            try:
                exec_ipam(args, "DEL")
            except CNIError:
                pass
        raise


def _teardown_masquerade(args: Args, addresses: list[str]) -> None:
    for tool in binaries_for(addresses):
        teardown_chain(tool, "nat", chain_name(args.name, args.container_id), ("POSTROUTING",))


def delete(args: Args) -> None:
    conf = BridgeConf(args)
    pending = start_ipam(args, "DEL") if conf.has_ipam else None  # released while the veth goes
    addresses: list[str] = []
    if args.netns:
        try:
            pod_ns = NetNS(args.netns)
        except FileNotFoundError:
            pod_ns = None  # the sandbox is gone, and its veth with it
        if pod_ns is not None:
            with pod_ns:
                pod = Netlink()
            link = pod.link(args.ifname)
            if link is not None:
                addresses = [str(p) for p in pod.addrs(link.index)]
                pod.del_link(link.index)
    if pending is not None:
        pending.wait()
    if conf.ip_masq:
        prev = skel.prev_result(args) or {}
        addresses += [ip["address"] for ip in prev.get("ips") or []]
        _teardown_masquerade(args, addresses)


def check(args: Args) -> None:
    conf = BridgeConf(args)
    prev = skel.prev_result(args)
    if prev is None:
        raise CNIError(ERR_INVALID_CONFIG, "required prevResult missing")
    if conf.has_ipam:
        exec_ipam(args, "CHECK")
    host = Netlink()
    bridge = host.link(conf.bridge)
    if bridge is None or bridge.kind != "bridge":
        raise CNIError(ERR_INTERNAL, f"bridge {conf.bridge!r} does not exist")
    interfaces = prev.get("interfaces") or []
    sandbox = [i for i, iface in enumerate(interfaces) if iface.get("sandbox") and iface["name"] == args.ifname]
    if not sandbox:
        raise CNIError(ERR_INTERNAL, f"prevResult has no interface {args.ifname} in a sandbox")
    with open_netns(args.netns):
        pod = Netlink()
    container = pod.link(args.ifname)
    if container is None:
        raise CNIError(ERR_INTERNAL, f"container interface {args.ifname} not found in {args.netns}")
    expected_mac = interfaces[sandbox[0]].get("mac")
    if expected_mac and expected_mac != container.mac:
        raise CNIError(ERR_INTERNAL, f"interface {args.ifname} mac {container.mac} does not match {expected_mac}")
    have = set(pod.addrs(container.index))
    for ip in prev.get("ips") or []:
        if ip.get("interface", sandbox[0]) == sandbox[0] and parse_prefix(ip["address"]) not in have:
            raise CNIError(ERR_INTERNAL, f"address {ip['address']} missing on {args.ifname}")
    for route in prev.get("routes") or []:
        dst = parse_prefix(route["dst"])
        if not any(r.dst.masked() == dst.masked() for r in pod.routes(dst.family)):
            raise CNIError(ERR_INTERNAL, f"route to {route['dst']} missing in {args.netns}")
    for iface in interfaces:
        if iface.get("sandbox") or iface["name"] == conf.bridge:
            continue
        veth = host.link(iface["name"])
        if veth is None or veth.master != bridge.index:
            raise CNIError(ERR_INTERNAL, f"host veth {iface['name']} is not attached to {conf.bridge}")


def status(args: Args) -> None:
    if BridgeConf(args).has_ipam:
        exec_ipam(args, "STATUS")


def gc(args: Args) -> None:
    if BridgeConf(args).has_ipam:
        exec_ipam(args, "GC")


def main() -> None:
    import sys

    skel.run(sys.modules[__name__])
