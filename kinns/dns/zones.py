"""Zones and names as CoreDNS compares them: fully qualified, lower case, "." the root that holds every name."""


def fqdn(name: str) -> str:
    """`Example.COM` -> `example.com.`; "" and "." are the root."""
    return name.lower().rstrip(".") + "." if name not in ("", ".") else "."


def within(zone: str, qname: str) -> bool:
    """Is `qname` in `zone` (the zone's own name included)?"""
    return zone == "." or qname == zone or qname.endswith("." + zone)


def most_specific(zones: list[str], qname: str) -> str | None:
    """The most specific of `zones` that holds `qname`, or None."""
    best = None
    for zone in zones:
        if within(zone, qname) and (best is None or len(zone) > len(best)):
            best = zone
    return best
