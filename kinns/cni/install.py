"""Put kinns's CNI plugins into a directory as executables, as a CNI DaemonSet does.

Each executable is a three-line launcher that starts Python with `-I -S` (no
site-packages scan, no user paths) and imports only its own plugin module:
start-up is most of what a plugin costs.
"""

import json
import os
import sys
from pathlib import Path

REFERENCE_DIR = Path("/usr/lib/cni")
CONFLIST_NAME = "10-kinns.conflist"
PLUGINS = {"kinns-bridge": "bridge", "kinns-host-local": "host_local", "kinns-loopback": "loopback",
           "kinns-portmap": "portmap"}
SOURCE_ROOT = Path(__file__).resolve().parents[2]


def launcher(module: str) -> str:
    python = os.path.realpath(sys.executable)
    return (f"#!{python} -IS\nimport sys\nsys.path.insert(0, {str(SOURCE_ROOT)!r})\n"
            f"from kinns.cni.plugins.{module} import main\nmain()\n")


def install(directory: Path, names: dict[str, str] | None = None) -> list[Path]:
    """Write the launchers (by default under their kinns-* names); return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, module in (names or PLUGINS).items():
        path = directory / name
        tmp = directory / f".{name}.tmp"
        tmp.write_text(launcher(module))
        tmp.chmod(0o755)
        tmp.replace(path)
        written.append(path)
    return written


def install_node(bin_dir: Path, conf_dir: Path, pod_cidr: str, mtu: int) -> None:
    """What a CNI DaemonSet pod does on a node: binaries into /opt/cni/bin, a conflist into /etc/cni/net.d.

    The reference plugins are linked in beside kinns's, as a node with the
    standard CNI plugins installed has them, so a conflist can name either.
    """
    install(bin_dir)
    install_reference(bin_dir)
    conf_dir.mkdir(parents=True, exist_ok=True)
    tmp = conf_dir / f".{CONFLIST_NAME}.tmp"
    tmp.write_text(json.dumps(node_conflist(pod_cidr, mtu), indent=2) + "\n")
    tmp.replace(conf_dir / CONFLIST_NAME)


def install_reference(bin_dir: Path) -> None:
    """Link the reference plugins (bridge, host-local, loopback, portmap, ...) into `bin_dir`, as the
    kubernetes-cni package leaves them in a kubeadm node's /opt/cni/bin for any CNI to delegate to."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    if REFERENCE_DIR.is_dir():
        for plugin in REFERENCE_DIR.iterdir():
            link = bin_dir / plugin.name
            if not link.exists():
                link.symlink_to(plugin)


def node_conflist(pod_cidr: str, mtu: int) -> dict:
    """The pod network of one node: a bridge with host-local addresses from the node's pod CIDR,
    then portmap for hostPorts."""
    return {
        "cniVersion": "1.1.0",
        "name": "kinns",
        "plugins": [{
            "type": "kinns-bridge",
            "bridge": "cni0",
            "isGateway": True,
            "ipMasq": False,
            "hairpinMode": True,
            "mtu": mtu,
            "ipam": {"type": "kinns-host-local", "ranges": [[{"subnet": pod_cidr}]],
                     "routes": [{"dst": "0.0.0.0/0"}]},
        }, {
            "type": "kinns-portmap",
            "capabilities": {"portMappings": True},
            "snat": True,
        }],
    }
