"""Delegating to an IPAM plugin and applying its result to an interface."""

from .ip import parse_ip, parse_prefix
from .netlink import Link, Netlink
from .skel import ERR_INVALID_CONFIG, Args, CNIError, Delegate, exec_plugin


def ipam_type(args: Args) -> str:
    ipam = args.conf.get("ipam")
    if not isinstance(ipam, dict) or not ipam.get("type"):
        raise CNIError(ERR_INVALID_CONFIG, "missing ipam.type in network configuration")
    return ipam["type"]


def exec_ipam(args: Args, command: str) -> dict:
    """Run the configured IPAM plugin with this invocation's config and environment."""
    return exec_plugin(ipam_type(args), command, args.raw, args.path)


def start_ipam(args: Args, command: str) -> Delegate:
    """Start the IPAM plugin now; `.wait()` for its result once the caller's own work is done."""
    return Delegate(ipam_type(args), command, args.raw, args.path)


def configure_iface(nl: Netlink, link: Link, result: dict, link_index: int) -> None:
    """Up the link, add the result's addresses on it and its routes through it.

    `link_index` is the link's position in result["interfaces"]; addresses that
    name another interface are left alone. A route without a gateway goes
    through the gateway of the first address of its family, as in the
    reference plugins.
    """
    nl.set_link(link.index, up=True)
    gateways: dict[int, int] = {}
    for ip in result.get("ips") or []:
        if ip.get("interface", link_index) != link_index:
            continue
        prefix = parse_prefix(ip["address"])
        nl.add_addr(link.index, prefix)
        if ip.get("gateway"):
            gateways.setdefault(prefix.family, parse_ip(ip["gateway"])[1])
    for route in result.get("routes") or []:
        dst = parse_prefix(route["dst"])
        gw = parse_ip(route["gw"])[1] if route.get("gw") else gateways.get(dst.family)
        nl.add_route(dst, gw=gw, oif=link.index, mtu=route.get("mtu", 0), advmss=route.get("advmss", 0),
                     priority=route.get("priority", 0), table=route.get("table", 0), scope=route.get("scope"))
