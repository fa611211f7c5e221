"""Routes between nodes' pod subnets, flannel style: `host-gw` or `vxlan`.

`sync` brings one node's kernel to the desired state for a set of peers and
removes what no longer belongs (peers gone, other backend's objects), so it
can run again at any time: at `kinns up`, after a node joins, after a crash.
"""

from ...kernel import netns
from ...kernel.command import Runner
from ...kernel.iptables import Iptables
from ...kernel.node import Peer

VXLAN_DEV = "flannel.1"
VXLAN_ID = 1
VXLAN_PORT = 8472  # flannel's (the Linux kernel default, not IANA's 4789)
VXLAN_OVERHEAD = 50
BACKENDS = ("vxlan", "host-gw")


def pod_mtu(backend: str, underlay_mtu: int = 1500) -> int:
    return underlay_mtu - VXLAN_OVERHEAD if backend == "vxlan" else underlay_mtu


def sync(ns: str | None, me: Peer, peers: list[Peer], backend: str, vni: int = VXLAN_ID,
         port: int = VXLAN_PORT) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    others = [p for p in peers if p.name != me.name]
    with netns.ipr(ns) as ip:
        eth0 = ip.link_lookup(ifname="eth0")[0]
        vtep = ip.link_lookup(ifname=VXLAN_DEV)
        if backend == "vxlan":
            dev = vtep[0] if vtep else _make_vtep(ip, me, eth0, vni, port)
            want = {p.pod_cidr: p for p in others}
            for p in others:
                gw = p.pod_cidr.split("/")[0]  # the peer VTEP's address: its subnet's network address
                ip.fdb("replace", ifindex=dev, lladdr=p.vtep_mac, dst=p.ip, state="permanent", flags=2)  # NTF_SELF
                ip.neigh("replace", dst=gw, lladdr=p.vtep_mac, ifindex=dev, state="permanent")
                ip.route("replace", dst=p.pod_cidr, gateway=gw, oif=dev, flags=["onlink"])
            _drop_stale_routes(ip, dev, want)
            _drop_stale_routes(ip, eth0, {}, only_gateway=True)
        else:
            if vtep:
                ip.link("del", index=vtep[0])
            want = {p.pod_cidr: p for p in others}
            for p in others:
                ip.route("replace", dst=p.pod_cidr, gateway=p.ip, oif=eth0)
            _drop_stale_routes(ip, eth0, want, only_gateway=True)


def _make_vtep(ip, me: Peer, eth0: int, vni: int, port: int) -> int:
    ip.link("add", ifname=VXLAN_DEV, kind="vxlan", vxlan_id=vni, vxlan_link=eth0, vxlan_local=me.ip,
            vxlan_port=port, vxlan_learning=0, address=me.vtep_mac, mtu=pod_mtu("vxlan"))
    dev = ip.link_lookup(ifname=VXLAN_DEV)[0]
    ip.addr("add", index=dev, address=me.pod_cidr.split("/")[0], prefixlen=32)
    ip.link("set", index=dev, state="up")
    return dev


def _drop_stale_routes(ip, oif: int, want: dict, only_gateway: bool = False) -> None:
    """Remove routes through `oif` to pod subnets that are not wanted any more."""
    for route in ip.route("dump", family=2, table=254):
        if route.get_attr("RTA_OIF") != oif or route["dst_len"] == 0:
            continue
        if only_gateway and not route.get_attr("RTA_GATEWAY"):
            continue
        dst = f"{route.get_attr('RTA_DST')}/{route['dst_len']}"
        if dst not in want and route["proto"] != 2:  # never touch kernel (proto 2) routes
            ip.route("del", dst=dst, oif=oif)


def masquerade(ns: str, cluster_cidr: str, note: str) -> None:
    """NAT pod traffic that leaves the pod network (flannel's --ip-masq), once per node."""
    rule = ["-s", cluster_cidr, "!", "-d", cluster_cidr, "-m", "comment", "--comment", note, "-j", "MASQUERADE"]
    Iptables(Runner(ns)).ensure_rule("nat", "POSTROUTING", rule, first=False)
