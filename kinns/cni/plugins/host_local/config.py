"""host-local's configuration: range sets, routes, data directory, resolv.conf.

Each range set yields one address per attachment; each range in a set is a
subnet with optional rangeStart, rangeEnd and gateway, checked and filled in
the way the reference plugin does (start = network+1, end = last usable,
gateway = network+1).
"""

from _socket import AF_INET

from ...pkg.ip import Prefix, parse_ip, parse_prefix, to_str
from ...pkg.skel import ERR_INVALID_CONFIG, CNIError

DEFAULT_DATA_DIR = "/var/lib/cni/networks"


class Range:
    __slots__ = ("subnet", "start", "end", "gateway")

    def __init__(self, spec: dict) -> None:
        if not isinstance(spec, dict) or "subnet" not in spec:
            raise CNIError(ERR_INVALID_CONFIG, "invalid range: every range needs a subnet")
        try:
            subnet = parse_prefix(spec["subnet"])
        except ValueError as err:
            raise CNIError(ERR_INVALID_CONFIG, f"invalid subnet: {err}") from None
        if subnet.value != subnet.network:
            raise CNIError(ERR_INVALID_CONFIG, f"network {subnet} has host bits set; "
                           f"the network address is {to_str(subnet.family, subnet.network)}/{subnet.length}")
        if subnet.bits - subnet.length < 2:
            raise CNIError(ERR_INVALID_CONFIG, f"network {subnet} too small to allocate from")
        self.subnet = subnet
        last = subnet.last - 1 if subnet.family == AF_INET else subnet.last
        self.start = self._ip_in(spec, "rangeStart", subnet.network + 1)
        self.end = self._ip_in(spec, "rangeEnd", last)
        self.gateway = self._ip_in(spec, "gateway", subnet.network + 1)
        if self.start > self.end:
            raise CNIError(ERR_INVALID_CONFIG, f"rangeStart is after rangeEnd in {subnet}")

    def _ip_in(self, spec: dict, key: str, default: int) -> int:
        if not spec.get(key):
            return default
        try:
            family, value = parse_ip(spec[key])
        except (ValueError, TypeError) as err:
            raise CNIError(ERR_INVALID_CONFIG, f"invalid {key}: {err}") from None
        if not self.subnet.contains(family, value):
            raise CNIError(ERR_INVALID_CONFIG, f"{key} {spec[key]} not in network {self.subnet}")
        return value

    def contains(self, family: int, value: int) -> bool:
        return family == self.subnet.family and self.start <= value <= self.end

    def overlaps(self, other: "Range") -> bool:
        return (self.subnet.family == other.subnet.family
                and self.start <= other.end and other.start <= self.end)

    def __str__(self) -> str:
        fam = self.subnet.family
        return f"{to_str(fam, self.start)}-{to_str(fam, self.end)}"


class Config:
    """The parsed `ipam` section of a network configuration."""

    def __init__(self, conf: dict) -> None:
        ipam = conf.get("ipam")
        if not isinstance(ipam, dict):
            raise CNIError(ERR_INVALID_CONFIG, "IPAM config missing 'ipam' key")
        self.name: str = conf["name"]
        specs = ipam.get("ranges")
        if ipam.get("subnet"):
            legacy = [{k: ipam[k] for k in ("subnet", "rangeStart", "rangeEnd", "gateway") if k in ipam}]
            specs = [legacy] + list(specs or [])
        if not specs or not isinstance(specs, list):
            raise CNIError(ERR_INVALID_CONFIG, "no IP ranges specified")
        self.range_sets: list[list[Range]] = []
        for spec in specs:
            if not isinstance(spec, list) or not spec:
                raise CNIError(ERR_INVALID_CONFIG, "each entry of 'ranges' must be a non-empty list")
            ranges = [Range(r) for r in spec]
            if len({r.subnet.family for r in ranges}) != 1:
                raise CNIError(ERR_INVALID_CONFIG, "a range set mixes IPv4 and IPv6")
            self.range_sets.append(ranges)
        flat = [r for rs in self.range_sets for r in rs]
        for i, a in enumerate(flat):
            for b in flat[i + 1:]:
                if a.overlaps(b):
                    raise CNIError(ERR_INVALID_CONFIG, f"range {a} overlaps with range {b}")
        self.routes: list[dict] = []
        for route in ipam.get("routes") or []:
            try:
                dst = parse_prefix(route.get("dst", ""))
                if route.get("gw"):
                    parse_ip(route["gw"])
            except (ValueError, AttributeError) as err:
                raise CNIError(ERR_INVALID_CONFIG, f"invalid route {route!r}: {err}") from None
            item = {"dst": str(dst)}
            if route.get("gw"):
                item["gw"] = route["gw"]
            self.routes.append(item)
        self.data_dir: str = ipam.get("dataDir") or DEFAULT_DATA_DIR
        self.resolv_conf: str = ipam.get("resolvConf") or ""


def requested_ips(conf: dict, cni_args: dict[str, str]) -> list[Prefix | tuple[int, int]]:
    """Specific addresses asked for through runtimeConfig.ips, args.cni.ips or CNI_ARGS IP."""
    wanted: list[str] = []
    runtime = conf.get("runtimeConfig") or {}
    wanted += runtime.get("ips") or []
    wanted += ((conf.get("args") or {}).get("cni") or {}).get("ips") or []
    if cni_args.get("IP"):
        wanted += cni_args["IP"].split(",")
    out: list = []
    for item in wanted:
        try:
            out.append(parse_prefix(item) if "/" in item else parse_ip(item))
        except (ValueError, TypeError) as err:
            raise CNIError(ERR_INVALID_CONFIG, f"invalid requested IP {item!r}: {err}") from None
    return out


def read_resolv_conf(path: str) -> dict:
    """The DNS section of a result, from a resolv.conf-format file."""
    dns: dict = {}
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as err:
        raise CNIError(ERR_INVALID_CONFIG, f"cannot read resolvConf {path}: {err.strerror}") from None
    for line in lines:
        words = line.split("#", 1)[0].split()
        if len(words) < 2:
            continue
        if words[0] == "nameserver":
            dns.setdefault("nameservers", []).append(words[1])
        elif words[0] == "domain":
            dns["domain"] = words[1]
        elif words[0] == "search":
            dns["search"] = words[1:]
        elif words[0] == "options":
            dns.setdefault("options", []).extend(words[1:])
    return dns
