"""flannel: flannel's CNI meta plugin — the pod network a flanneld on the node leased, through bridge and host-local.

ADD reads the node's lease from flanneld's subnet file (/run/flannel/subnet.env: FLANNEL_NETWORK,
FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ) and completes the `delegate` section of its config as flannel
does — type bridge unless given, the network's name, the lease's MTU, ipMasq when flanneld does not
masquerade, isGateway for a bridge, and host-local addresses from the node's subnet with a route to the
whole network — saves it under dataDir (/var/lib/cni/flannel/<container ID>), and runs the delegate. DEL
runs the delegate with what ADD saved, then forgets it; a container ADD never saw is deleted already.
The subnet file is read where the node keeps it (a path flanneld's pod mounted as hostPath).
"""

import ipaddress
import json
from pathlib import Path

from ....kernel.files import write_atomic
from ....kernel.record import this_node
from ...pkg import skel
from ...pkg.skel import ERR_INVALID_CONFIG, ERR_IO, Args, CNIError, exec_plugin

ABOUT = "flannel CNI plugin (kinns)"
SUBNET_FILE = "/run/flannel/subnet.env"
DATA_DIR = "/var/lib/cni/flannel"


def _on_node(path: str) -> Path:
    node = this_node()
    return node.host_path(path) if node is not None else Path(path)


def lease(path: str) -> dict[str, str]:
    try:
        text = _on_node(path).read_text()
    except OSError as err:
        raise CNIError(ERR_IO, f"failed to load flannel 'subnet.env' file: open {path}: {err.strerror}. "
                               "Check the flannel pod log for this node.") from None
    values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
    for key in ("FLANNEL_NETWORK", "FLANNEL_SUBNET"):
        if key not in values:
            raise CNIError(ERR_INVALID_CONFIG, f"{path} is missing {key}")
    return values


def delegate_conf(args: Args, values: dict[str, str]) -> dict:
    delegate = dict(args.conf.get("delegate") or {})
    delegate["name"] = args.name
    delegate["cniVersion"] = args.version
    delegate.setdefault("type", "bridge")
    delegate.setdefault("ipMasq", values.get("FLANNEL_IPMASQ", "false") != "true")
    if values.get("FLANNEL_MTU"):
        delegate.setdefault("mtu", int(values["FLANNEL_MTU"]))
    if delegate["type"] == "bridge":
        delegate.setdefault("isGateway", True)
    subnet = str(ipaddress.ip_interface(values["FLANNEL_SUBNET"]).network)
    delegate["ipam"] = {"type": "host-local", "ranges": [[{"subnet": subnet}]],
                        "routes": [{"dst": values["FLANNEL_NETWORK"]}]}
    if args.conf.get("runtimeConfig"):
        delegate["runtimeConfig"] = args.conf["runtimeConfig"]
    return delegate


def _saved(args: Args) -> Path:
    return Path(args.conf.get("dataDir") or DATA_DIR) / args.container_id


def add(args: Args) -> dict:
    delegate = delegate_conf(args, lease(args.conf.get("subnetFile") or SUBNET_FILE))
    saved = _saved(args)
    write_atomic(saved, json.dumps(delegate), 0o600)
    try:
        return exec_plugin(delegate["type"], "ADD", json.dumps(delegate).encode(), args.path)
    except CNIError:
        saved.unlink(missing_ok=True)
        raise


def delete(args: Args) -> None:
    saved = _saved(args)
    try:
        delegate = json.loads(saved.read_text())
    except FileNotFoundError:
        return
    exec_plugin(delegate["type"], "DEL", json.dumps(delegate).encode(), args.path)
    saved.unlink(missing_ok=True)


def check(args: Args) -> None:
    delegate = json.loads(_saved(args).read_text())
    prev = skel.prev_result(args)
    exec_plugin(delegate["type"], "CHECK", json.dumps({**delegate, "prevResult": prev}).encode(), args.path)


def main() -> None:
    import sys

    skel.run(sys.modules[__name__])
