"""The `kubernetes` plugin: cluster names from the API, as CoreDNS's plugin of that name answers them.

    kubernetes [ZONES...] {
        endpoint URL                 # the API server (default: the pod's in-cluster config)
        kubeconfig FILE [CONTEXT]
        namespaces NS...             # only these namespaces' Services
        pods disabled|insecure|verified
        endpoint_pod_names
        ttl SECONDS                  # default 5, at most 3600
        fallthrough [ZONES...]       # NXDOMAIN in these zones goes on to the next plugin
        noendpoints
    }
"""

from ...corefile import Directive
from ...zones import fqdn
from .handler import Kubernetes


def setup(d: Directive, server_zones: list[str]) -> Kubernetes:
    zones = [fqdn(z) for z in d.args] or server_zones
    plugin = Kubernetes(zones)
    for prop in d.block:
        if prop.name == "pods":
            if prop.args not in (["disabled"], ["insecure"], ["verified"]):
                raise prop.error(f"pods: wrong value {' '.join(prop.args)!r}; one of disabled, insecure, verified")
            plugin.pods_mode = prop.args[0]
        elif prop.name == "ttl":
            if len(prop.args) != 1 or not prop.args[0].isdigit() or not 0 <= int(prop.args[0]) <= 3600:
                raise prop.error("ttl must be a number of seconds between 0 and 3600")
            plugin.ttl = int(prop.args[0])
        elif prop.name == "fallthrough":
            plugin.fallthrough = [fqdn(z) for z in prop.args] or ["."]
        elif prop.name == "endpoint_pod_names":
            plugin.endpoint_pod_names = True
        elif prop.name == "namespaces":
            plugin.only_namespaces = set(prop.args)
        elif prop.name == "endpoint":
            plugin.endpoint = prop.args[0] if prop.args else None
        elif prop.name == "kubeconfig":
            if not prop.args:
                raise prop.error("kubeconfig needs a file")
            plugin.kubeconfig = prop.args[0]
        elif prop.name in ("noendpoints", "labels", "namespace_labels", "multicluster", "startup_timeout"):
            continue  # accepted, as CoreDNS does; kinns has nothing to change for them
        else:
            raise prop.error(f"unknown property '{prop.name}'")
    return plugin
