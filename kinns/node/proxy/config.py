"""kube-proxy's configuration file (KubeProxyConfiguration), as kubeadm writes it into the `kube-proxy` ConfigMap.

Only the fields kinns acts on are read; the rest are accepted and ignored,
as kube-proxy ignores fields of modes it does not run. An empty `mode` means
iptables, kube-proxy's default on Linux.
"""

import re
from dataclasses import dataclass

import yaml

MODES = ("iptables", "nftables")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class ConfigError(Exception):
    pass


def duration(text: str | None, default: float) -> float:
    """A Go duration ("1s", "500ms", "1h30m") in seconds; "0s" or empty means the default."""
    if not text:
        return default
    parts = _DURATION.findall(str(text))
    if not parts or "".join(n + u for n, u in parts) != str(text):
        raise ConfigError(f"invalid duration {text!r}")
    return sum(float(n) * _UNIT[u] for n, u in parts) or default


@dataclass
class ProxyConfig:
    mode: str
    cluster_cidr: str
    kubeconfig: str
    min_sync_period: float
    sync_period: float
    healthz_port: int


def load(path: str) -> ProxyConfig:
    with open(path) as f:
        data = yaml.safe_load(f) or {}
    if data.get("kind", "KubeProxyConfiguration") != "KubeProxyConfiguration":
        raise ConfigError(f"{path}: kind {data.get('kind')!r} is not KubeProxyConfiguration")
    mode = data.get("mode") or "iptables"
    if mode not in MODES:
        raise ConfigError(f'invalid proxy mode "{mode}"; kinns runs {" and ".join(MODES)}')
    section = data.get(mode) or {}
    healthz = data.get("healthzBindAddress") or "0.0.0.0:10256"
    return ProxyConfig(mode, data.get("clusterCIDR") or "10.244.0.0/16",
                       (data.get("clientConnection") or {}).get("kubeconfig") or "",
                       duration(section.get("minSyncPeriod"), 1.0), duration(section.get("syncPeriod"), 30.0),
                       int(healthz.rsplit(":", 1)[1]))
