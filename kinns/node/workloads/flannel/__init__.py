"""flannel's programs (images ghcr.io/flannel-io/flannel and flannel-cni-plugin), as kube-flannel.yml runs them.

`flanneld.py` is the daemon (the node's lease from its podCIDR, the VXLAN device or host-gw routes to the
other nodes, masquerading, the node's annotations); `install_conf.py` is the init container's
`/opt/bin/install-conf`. The CNI plugin the other init container copies is kinns.cni.plugins.flannel.
"""

import os
import time


def log(level: str, message: str) -> None:
    """A line as flanneld (klog) writes it: `I1202 21:40:00.123456       1 flanneld] message`."""
    now = time.time()
    stamp = time.strftime("%m%d %H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}"
    print(f"{level}{stamp} {os.getpid():>7} flanneld] {message}", flush=True)
