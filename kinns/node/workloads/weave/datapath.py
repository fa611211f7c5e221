"""Weave's datapath on one node: the `weave` bridge, its VXLAN port to the other peers, and its NAT rules.

The bridge holds the node's own address in the pod range (what `weave expose` gives it: pods route through it
and the node reaches every pod through it). Its `vxlan-6784` port carries frames to the peers on UDP 6784:
an all-zeros forwarding entry per connected peer floods broadcasts (ARP) to each of them, and the port learns
where every remote pod's MAC lives from what arrives, so the whole range is one layer-2 network, as Weave's
is. NAT as Weave's WEAVE chain does it: pods reaching outside the range, and outside reaching the range, are
masqueraded (multicast excepted); forwarding to and from the bridge is accepted.
"""

import ipaddress

from pyroute2 import IPRoute

from ....kernel.command import Runner
from ....kernel.iptables import Iptables
from . import BRIDGE, DATAPATH_PORT, VXLAN_DEV

VNI = 6784  # kinns's choice: one VXLAN network per range, named like its port
BROADCAST = "00:00:00:00:00:00"
NAT_CHAIN = "WEAVE"


def _nat_rules(cidr: str) -> list[list[str]]:
    return [["-s", cidr, "-d", "224.0.0.0/4", "-j", "RETURN"],
            ["!", "-s", cidr, "-d", cidr, "-j", "MASQUERADE"],
            ["-s", cidr, "!", "-d", cidr, "-j", "MASQUERADE"]]


def _forward_rules() -> list[list[str]]:
    return [["-i", BRIDGE, "-o", BRIDGE, "-j", "ACCEPT"],
            ["-i", BRIDGE, "!", "-o", BRIDGE, "-j", "ACCEPT"],
            ["-o", BRIDGE, "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"]]


def ensure(address: str, mtu: int, local_ip: str, cidr: str) -> None:
    """Make (or mend) the bridge with `address` (`10.32.0.1/12`), its VXLAN port and the rules; pods' host veths
    left from an earlier run are put back on the bridge."""
    with IPRoute() as ip:
        found = ip.link_lookup(ifname=BRIDGE)
        if not found:
            ip.link("add", ifname=BRIDGE, kind="bridge", mtu=mtu)
            found = ip.link_lookup(ifname=BRIDGE)
        bridge = found[0]
        ip.link("set", index=bridge, state="up")
        want = ipaddress.ip_interface(address)
        for addr in ip.get_addr(index=bridge, family=2):
            have = ipaddress.ip_interface(f"{addr.get_attr('IFA_ADDRESS')}/{addr['prefixlen']}")
            if have != want:
                ip.addr("del", index=bridge, address=str(have.ip), prefixlen=have.network.prefixlen)
        if not any(a.get_attr("IFA_ADDRESS") == str(want.ip) for a in ip.get_addr(index=bridge, family=2)):
            ip.addr("add", index=bridge, address=str(want.ip), prefixlen=want.network.prefixlen)
        if not ip.link_lookup(ifname=VXLAN_DEV):
            eth0 = ip.link_lookup(ifname="eth0")[0]
            ip.link("add", ifname=VXLAN_DEV, kind="vxlan", vxlan_id=VNI, vxlan_link=eth0, vxlan_local=local_ip,
                    vxlan_port=DATAPATH_PORT, vxlan_learning=1, mtu=mtu)
        vxlan = ip.link_lookup(ifname=VXLAN_DEV)[0]
        ip.link("set", index=vxlan, master=bridge, state="up")
        for link in ip.get_links():
            if link.get_attr("IFLA_IFNAME", "").startswith("vethwepl") and link.get_attr("IFLA_MASTER") != bridge:
                ip.link("set", index=link["index"], master=bridge, state="up")
    with open("/proc/sys/net/ipv4/ip_forward", "w") as f:
        f.write("1")
    tables = Iptables(Runner())
    tables.ensure_chain("nat", NAT_CHAIN)
    for rule in _nat_rules(cidr):
        tables.ensure_rule("nat", NAT_CHAIN, rule, first=False)
    tables.ensure_rule("nat", "POSTROUTING", ["-j", NAT_CHAIN])
    for rule in _forward_rules():
        tables.ensure_rule("filter", "FORWARD", rule)


def connect(peer_ip: str) -> None:
    """Flood broadcasts to this peer too (it is connected)."""
    with IPRoute() as ip:
        vxlan = ip.link_lookup(ifname=VXLAN_DEV)
        if vxlan:
            ip.fdb("append", ifindex=vxlan[0], lladdr=BROADCAST, dst=peer_ip)


def disconnect(peer_ip: str) -> None:
    with IPRoute() as ip:
        vxlan = ip.link_lookup(ifname=VXLAN_DEV)
        if vxlan:
            try:
                ip.fdb("del", ifindex=vxlan[0], lladdr=BROADCAST, dst=peer_ip)
            except OSError:
                pass  # never added


def reset(cidr: str) -> None:
    """What `weave reset` removes: the bridge, its VXLAN port, the rules (the pods' veths go with the pods)."""
    with IPRoute() as ip:
        for name in (VXLAN_DEV, BRIDGE):
            for index in ip.link_lookup(ifname=name):
                ip.link("del", index=index)
    tables = Iptables(Runner())
    for rule in _forward_rules():
        tables.delete_rule("filter", "FORWARD", rule)
    tables.delete_rule("nat", "POSTROUTING", ["-j", NAT_CHAIN])
    tables.delete_chain("nat", NAT_CHAIN)
