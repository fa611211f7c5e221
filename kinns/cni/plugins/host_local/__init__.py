"""kinns-host-local: IPAM from local address ranges, state in files (CNI 1.1).

Allocation is round-robin: each range set continues after the address it
handed out last, so an address that was just released is the last to be
reused, as in the reference plugin. Every operation holds the network's lock.
"""

import os

from ...pkg import skel
from ...pkg.ip import Prefix, parse_ip, to_str
from ...pkg.skel import ERR_INTERNAL, ERR_INVALID_CONFIG, ERR_NOT_AVAILABLE, ERR_TRY_AGAIN, Args, CNIError
from .config import Config, Range, read_resolv_conf, requested_ips
from .disk import Store

ABOUT = "kinns host-local IPAM plugin"


def _candidates(ranges: list[Range], after: tuple[int, int] | None):
    """Every allocatable address of a range set, starting after the last one handed out."""
    order = list(ranges)
    start_index, start_value = 0, None
    if after:
        for i, r in enumerate(order):
            if r.contains(*after):
                start_index, start_value = i, after[1]
                break
    rotated = order[start_index:] + order[:start_index]
    for n, r in enumerate(rotated):
        first = r.start
        if n == 0 and start_value is not None:
            yield from ((r, v) for v in range(start_value + 1, r.end + 1))
            continue
        yield from ((r, v) for v in range(first, r.end + 1))
    if start_value is not None:  # wrap around to the beginning of the first range
        r = rotated[0]
        yield from ((r, v) for v in range(r.start, start_value + 1))


def _allocate(store: Store, index: int, ranges: list[Range], args: Args, wanted: list) -> dict:
    for ip in store.by_attachment(args.container_id, args.ifname):
        family, value = parse_ip(ip)
        if any(r.contains(family, value) for r in ranges):
            raise CNIError(ERR_INTERNAL, f"{ip} has been allocated to {args.container_id}, "
                           "duplicate allocation is not allowed")
    for item in wanted:
        family, value = (item.family, item.value) if isinstance(item, Prefix) else item
        for r in ranges:
            if r.contains(family, value):
                ip = to_str(family, value)
                if not store.reserve(ip, args.container_id, args.ifname, index):
                    raise CNIError(ERR_INTERNAL, f"requested IP address {ip} is not available in range set "
                                   + ",".join(map(str, ranges)))
                wanted.remove(item)
                return _ip_result(r, value)
    last = store.last_reserved(index)
    after = parse_ip(last) if last else None
    for r, value in _candidates(ranges, after):
        if value == r.gateway:
            continue
        if store.reserve(to_str(r.subnet.family, value), args.container_id, args.ifname, index):
            return _ip_result(r, value)
    raise CNIError(ERR_TRY_AGAIN, "no IP addresses available in range set: " + ",".join(map(str, ranges)))


def _ip_result(r: Range, value: int) -> dict:
    fam = r.subnet.family
    return {"address": f"{to_str(fam, value)}/{r.subnet.length}", "gateway": to_str(fam, r.gateway)}


def add(args: Args) -> dict:
    config = Config(args.conf)
    wanted = requested_ips(args.conf, args.cni_args)
    result: dict = {"ips": [], "routes": config.routes}
    with Store(config.data_dir, config.name) as store:
        try:
            for index, ranges in enumerate(config.range_sets):
                result["ips"].append(_allocate(store, index, ranges, args, wanted))
            if wanted:
                raise CNIError(ERR_INVALID_CONFIG, "requested IPs are not in any range: "
                               + ", ".join(map(str, wanted)))
        except BaseException:
            for ip in store.by_attachment(args.container_id, args.ifname):
                store.release(ip)
            raise
    if config.resolv_conf:
        result["dns"] = read_resolv_conf(config.resolv_conf)
    return result


def delete(args: Args) -> None:
    config = Config(args.conf)
    with Store(config.data_dir, config.name) as store:
        for ip in store.by_attachment(args.container_id, args.ifname):
            store.release(ip)


def check(args: Args) -> None:
    config = Config(args.conf)
    with Store(config.data_dir, config.name) as store:
        if not store.by_attachment(args.container_id, args.ifname):
            raise CNIError(ERR_INTERNAL, f"host-local: failed to find address for {args.container_id}/{args.ifname}")


def status(args: Args) -> None:
    """Ready when the store is writable and every range set has a free address."""
    config = Config(args.conf)
    try:
        store = Store(config.data_dir, config.name)
        with store:
            taken = set(store.allocations())
    except OSError as err:
        raise CNIError(ERR_NOT_AVAILABLE, f"host-local data directory unusable: {err}") from None
    for ranges in config.range_sets:
        free = any(v != r.gateway and to_str(r.subnet.family, v) not in taken
                   for r in ranges for v in range(r.start, min(r.end, r.start + len(taken) + 2) + 1))
        if not free:
            raise CNIError(ERR_NOT_AVAILABLE, "no IP addresses available in range set: "
                           + ",".join(map(str, ranges)))


def gc(args: Args) -> None:
    """Release every address whose attachment is not in cni.dev/valid-attachments."""
    config = Config(args.conf)
    valid = {(a.get("containerID"), a.get("ifname"))
             for a in args.conf.get("cni.dev/valid-attachments") or [] if isinstance(a, dict)}
    if not os.path.isdir(os.path.join(config.data_dir, config.name)):
        return
    with Store(config.data_dir, config.name) as store:
        for ip, owner in store.allocations().items():
            if owner not in valid:
                store.release(ip)


def main() -> None:
    import sys

    skel.run(sys.modules[__name__])
