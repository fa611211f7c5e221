"""weave-net: Weave Net's CNI plugin — a pod on its node's `weave` bridge, with an address from the Weave router.

ADD asks the router on its node for the container's address (`POST http://127.0.0.1:6784/ip/<container ID>`,
Weave's HTTP API; an `ipam` section in the config delegates to that IPAM plugin instead), makes a veth whose
host end, `vethwepl` and the container ID's first 7 characters, joins the bridge, and routes the pod's
traffic through the bridge's address. DEL removes the pod end (the host end goes with it) and gives the
address back; a router that is not running has nothing to give back to, so DEL succeeds.
"""

import http.client

from ...pkg import skel
from ...pkg.ip import parse_prefix, to_str
from ...pkg.ipam import configure_iface, exec_ipam
from ...pkg.netlink import Link, Netlink
from ...pkg.ns import NetNS
from ...pkg.skel import ERR_INTERNAL, ERR_NOT_AVAILABLE, ERR_TRY_AGAIN, ERR_UNKNOWN_CONTAINER, Args, CNIError

ABOUT = "weave-net CNI plugin (kinns)"
BRIDGE = "weave"
ROUTER = ("127.0.0.1", 6784)


def _router(method: str, where: str) -> str:
    """One call to the Weave router's HTTP API on this node; its answer's text."""
    conn = http.client.HTTPConnection(*ROUTER, timeout=10)
    try:
        conn.request(method, where)
        response = conn.getresponse()
        body = response.read().decode().strip()
    finally:
        conn.close()
    if response.status >= 300:
        raise CNIError(ERR_INTERNAL, f"{method} {where}: {response.status} {body}")
    return body


def _bridge(host: Netlink) -> tuple[Link, str]:
    bridge = host.link(BRIDGE)
    addrs = host.addrs(bridge.index, 2) if bridge is not None else []
    if bridge is None or not addrs:
        raise CNIError(ERR_TRY_AGAIN, "Weave bridge not found or without an address: is the weave router "
                                      "running on this node?")
    return bridge, to_str(2, addrs[0].value)


def _host_name(container_id: str) -> str:
    return "vethwepl" + container_id[:7]


def add(args: Args) -> dict:
    host = Netlink()
    bridge, gateway = _bridge(host)
    try:
        pod_ns = NetNS(args.netns)
    except OSError as err:
        raise CNIError(ERR_UNKNOWN_CONTAINER, f"failed to open netns {args.netns!r}: {err.strerror}") from None
    with pod_ns:
        pod = Netlink()
    if pod.link(args.ifname) is not None:
        raise CNIError(ERR_INTERNAL, f"container veth name provided ({args.ifname}) already exists")
    delegated = bool(args.conf.get("ipam"))
    try:
        if delegated:
            address = (exec_ipam(args, "ADD").get("ips") or [{}])[0].get("address", "")
        else:
            address = _router("POST", f"/ip/{args.container_id}")
    except OSError as err:
        raise CNIError(ERR_TRY_AGAIN, f"unable to allocate IP address: Post \"http://127.0.0.1:6784/ip/"
                                      f"{args.container_id}\": {err.strerror or err}") from None
    host_name = _host_name(args.container_id)
    try:
        parse_prefix(address)
        host.add_veth(host_name, args.ifname, bridge.mtu, pod_ns.fd)
        veth = host.link(host_name)
        host.set_link(veth.index, master=bridge.index, up=True)
        if args.conf.get("hairpinMode"):
            host.set_hairpin(veth.index, True)
        container = pod.link(args.ifname)
        result = {"ips": [{"address": address, "gateway": gateway, "interface": 1}],
                  "routes": [{"dst": "0.0.0.0/0", "gw": gateway}], "dns": args.conf.get("dns") or {}}
        configure_iface(pod, container, result, 1)
        result["interfaces"] = [{"name": host_name, "mac": host.link(host_name).mac},
                                {"name": args.ifname, "mac": pod.link(args.ifname).mac, "sandbox": args.netns}]
        return result
    except BaseException:
        link = host.link(host_name)
        if link is not None:
            host.del_link(link.index)
        _release(args, delegated)
        raise


def _release(args: Args, delegated: bool) -> None:
    try:
        if delegated:
            exec_ipam(args, "DEL")
        else:
            _router("DELETE", f"/ip/{args.container_id}")
    except ConnectionRefusedError:
        pass  # no router on the node: it holds no address to give back


def delete(args: Args) -> None:
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
                pod.del_link(link.index)
    try:
        _release(args, bool(args.conf.get("ipam")))
    except OSError as err:
        raise CNIError(ERR_TRY_AGAIN, f"unable to release IP address: {err.strerror or err}") from None


def check(args: Args) -> None:
    host = Netlink()
    _bridge(host)
    veth = host.link(_host_name(args.container_id))
    if veth is None or veth.master != host.link(BRIDGE).index:
        raise CNIError(ERR_INTERNAL, f"host veth {_host_name(args.container_id)} is not on the weave bridge")


def status(args: Args) -> None:
    try:
        _router("GET", "/status")
    except (OSError, CNIError) as err:
        raise CNIError(ERR_NOT_AVAILABLE, f"the weave router is not ready: {err}") from None


def main() -> None:
    import sys

    skel.run(sys.modules[__name__])
