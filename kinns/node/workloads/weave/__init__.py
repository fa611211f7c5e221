"""Weave Net's programs (images weaveworks/weave-kube and weaveworks/weave-npc), as the DaemonSet of
Weave's `weave-daemonset-k8s.yaml` runs them on each node.

A flat layer-2 pod network: each node has a `weave` bridge whose pods take addresses from one range
(IPALLOC_RANGE, by default 10.32.0.0/12), split among the peers (`ring.py`); peers meet on TCP 6783
(`mesh.py`) and carry pod frames to each other in VXLAN on UDP 6784, through the `vxlan-6784` port of the
bridge (`datapath.py`, what Weave calls fastdp). `init.py` is the init container (the `weave-net` CNI plugin
and `10-weave.conflist`), `launch.py` the router, `npc.py` the policy controller.
"""

import time

VERSION = "2.8.1"
BRIDGE = "weave"
VXLAN_DEV = "vxlan-6784"
MESH_PORT = 6783  # TCP, between peers
DATAPATH_PORT = 6784  # UDP, VXLAN between peers (and the router's HTTP API on 127.0.0.1, TCP)
DEFAULT_RANGE = "10.32.0.0/12"
DEFAULT_MTU = 1376
CONFLIST = "10-weave.conflist"
PLUGIN = "weave-net"


LEVELS = {"debug": 0, "info": 1, "warning": 2, "error": 3}
_SEVERITY = {"DEBU": 0, "INFO": 1, "WARN": 2, "ERRO": 3}
_threshold = [1]


def set_level(name: str) -> None:
    """--log-level: lines below it are not written."""
    _threshold[0] = LEVELS[name]


def log(level: str, message: str) -> None:
    """A line as Weave's logger writes it: `INFO: 2026/12/02 20:40:00.123456 message`."""
    if _SEVERITY[level] < _threshold[0]:
        return
    now = time.time()
    stamp = time.strftime("%Y/%m/%d %H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1e6):06d}"
    print(f"{level}: {stamp} {message}", flush=True)
