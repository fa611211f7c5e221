"""Link and address helpers over rtnetlink (pyroute2), for the code that shapes a node's network.

The CNI plugins have their own lean netlink module (kinns/cni/pkg/netlink.py):
pyroute2's import alone would cost a plugin 110 ms.
"""

import ipaddress

from . import netns


def add_bridge(name: str, address: str, prefixlen: int) -> None:
    """A bridge in this process's netns, up, with `address` on it."""
    with netns.ipr() as ip:
        ip.link("add", ifname=name, kind="bridge")
        index = ip.link_lookup(ifname=name)[0]
        ip.addr("add", index=index, address=address, prefixlen=prefixlen)
        ip.link("set", index=index, state="up")


def add_veth_into(host_end: str, bridge: str, ns: str, address: str, prefixlen: int, gateway: str) -> None:
    """A veth from bridge `bridge` (end `host_end`) into netns `ns`, whose end is eth0 with `address` and a
    default route through `gateway`."""
    with netns.ipr() as host:
        host.link("add", ifname=host_end, kind="veth", peer={"ifname": "eth0", "net_ns_fd": netns.path(ns)})
        index = host.link_lookup(ifname=host_end)[0]
        host.link("set", index=index, master=host.link_lookup(ifname=bridge)[0], state="up")
    with netns.ipr(ns) as ip:
        eth0 = ip.link_lookup(ifname="eth0")[0]
        ip.addr("add", index=eth0, address=address, prefixlen=prefixlen)
        ip.link("set", index=eth0, state="up")
        ip.route("add", dst="0.0.0.0/0", gateway=gateway)


def delete(names: list[str]) -> None:
    """Remove the links of this process's netns with these names; absent ones are fine."""
    with netns.ipr() as ip:
        for name in names:
            for index in ip.link_lookup(ifname=name):
                ip.link("del", index=index)


def labelled_addresses(link: str, label: str) -> set[str]:
    """The IPv4 addresses on `link` that carry `label` (as `ip addr add ... label eth0:lb` gives them)."""
    with netns.ipr() as ip:
        index = ip.link_lookup(ifname=link)[0]
        return {a.get_attr("IFA_ADDRESS") for a in ip.get_addr(index=index, family=2)
                if a.get_attr("IFA_LABEL") == label}


def set_labelled_addresses(link: str, label: str, addresses: set[str]) -> tuple[set[str], str]:
    """Make the /32 addresses labelled `label` on `link` exactly `addresses`; return (those added, the link's
    MAC)."""
    current = labelled_addresses(link, label)
    with netns.ipr() as ip:
        index = ip.link_lookup(ifname=link)[0]
        for address in current - addresses:
            ip.addr("del", index=index, address=address, prefixlen=32)
        for address in addresses - current:
            ipaddress.ip_address(address)
            ip.addr("add", index=index, address=address, prefixlen=32, label=label)
        return addresses - current, ip.get_links(index)[0].get_attr("IFLA_ADDRESS")


def routed() -> list[tuple[ipaddress.IPv4Network, str]]:
    """The IPv4 networks this process's netns routes (the default route aside), each with its device."""
    with netns.ipr() as ip:
        names = {link["index"]: link.get_attr("IFLA_IFNAME") for link in ip.get_links()}
        return [(ipaddress.ip_network(f"{r.get_attr('RTA_DST')}/{r['dst_len']}", strict=False),
                 f"dev {names.get(r.get_attr('RTA_OIF'), '?')}")
                for r in ip.route("dump", family=2, table=254) if r.get_attr("RTA_DST") and r["dst_len"]]
