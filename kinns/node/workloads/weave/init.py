"""`/home/weave/init.sh` of weave-kube, the DaemonSet's init container: install Weave's CNI plugin and config.

As Weave's `weave --local setup-cni`: the plugin as `weave-plugin-2.8.1` in the host's /opt/cni/bin (the
HOST_ROOT, /host, mounts the node's /opt and /etc) with `weave-net` linked to it, and
`/etc/cni/net.d/10-weave.conflist` (weave-net, then portmap for hostPorts), written atomically so a
kubelet never reads half of it.
"""

import json
import os
import sys
from pathlib import Path

from ....cni.install import launcher
from ....kernel.files import write_atomic
from . import CONFLIST, PLUGIN, VERSION


def conflist() -> dict:
    return {"cniVersion": "0.3.0", "name": "weave",
            "plugins": [{"name": "weave", "type": PLUGIN, "hairpinMode": True},
                        {"type": "portmap", "capabilities": {"portMappings": True}, "snat": True}]}


def install(host_root: Path) -> None:
    bin_dir, conf_dir = host_root / "opt/cni/bin", host_root / "etc/cni/net.d"
    bin_dir.mkdir(parents=True, exist_ok=True)
    conf_dir.mkdir(parents=True, exist_ok=True)
    binary = f"weave-plugin-{VERSION}"
    write_atomic(bin_dir / binary, launcher("weave"), 0o755)
    link = bin_dir / PLUGIN
    tmp = bin_dir / f".{PLUGIN}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(binary)
    tmp.replace(link)
    write_atomic(conf_dir / CONFLIST, json.dumps(conflist(), indent=4) + "\n")


def main() -> int:
    host_root = Path(os.environ.get("HOST_ROOT", "/host"))
    if not (host_root / "opt").is_dir():
        sys.stderr.write(f"Failed to install the Weave CNI plugin: {host_root}/opt is not mounted\n")
        return 1
    install(host_root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
