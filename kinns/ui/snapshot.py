"""The picture the page draws, as data: the machine's bridge, each node with its eth0, bridge, tunnel and routes,
each pod on its node's bridge through its veth, Services with their endpoints, Ingress and Gateway routes, DNS.

`build` is pure: it takes the cluster record, the API's objects and what the kernel said of each namespace
(netview.py), so it is tested without a cluster and the server only recomputes it when something changed.
"""

from ..ingress import backends
from ..kernel.record import ClusterRecord
from ..trace.target import ingress_paths, route_backends

TUNNELS = ("vxlan", "geneve", "ipip", "wireguard")
BRIDGE_NAMES = ("cni0", "weave", "kube-bridge")


def _ready(obj: dict, kind: str = "Ready") -> bool:
    return any(c.get("type") == kind and c.get("status") == "True"
               for c in obj.get("status", {}).get("conditions", []))


def _node(n, obj: dict | None, view: dict) -> dict:
    links = view.get("links", [])
    eth0 = next((link for link in links if link["name"] == "eth0"), {})
    bridges = [link for link in links if link["kind"] == "bridge"]
    bridge = next((b for b in bridges if b["name"] in BRIDGE_NAMES), bridges[0] if bridges else None)
    tunnels = [{"name": link["name"], "kind": link["kind"], "id": link.get("id"), "port": link.get("port"),
                "addresses": link["addresses"], "master": link["master"]}
               for link in links if link["kind"] in TUNNELS]
    return {"name": n.name, "ip": n.ip, "podCIDR": (obj or {}).get("spec", {}).get("podCIDR", n.pod_cidr),
            "ready": _ready(obj or {}), "netns": n.netns, "eth0": eth0.get("addresses", []),
            "bridge": {"name": bridge["name"], "addresses": bridge["addresses"]} if bridge else None,
            "tunnels": tunnels, "routes": [r for r in view.get("routes", []) if r["dst"] != "default" or r["via"]]}


def _pod(obj: dict, netns: str, veth: str) -> dict:
    meta, spec, status = obj["metadata"], obj.get("spec", {}), obj.get("status", {})
    ports = [p["containerPort"] for c in spec.get("containers", []) for p in c.get("ports", [])
             if p.get("protocol", "TCP") == "TCP"]
    phase = "Terminating" if meta.get("deletionTimestamp") else status.get("phase", "Pending")
    return {"namespace": meta["namespace"], "name": meta["name"], "node": spec.get("nodeName", ""),
            "ip": status.get("podIP", ""), "phase": phase, "ready": _ready(obj),
            "hostNetwork": bool(spec.get("hostNetwork")), "netns": netns, "veth": veth, "ports": ports}


def _service(obj: dict, slices: list[dict]) -> dict:
    meta, spec = obj["metadata"], obj.get("spec", {})
    endpoints = sorted({e for p in spec.get("ports", [])
                        for e in backends.endpoints(obj, {"number": p["port"]}, slices)})
    external = [i.get("ip") for i in obj.get("status", {}).get("loadBalancer", {}).get("ingress", []) if i.get("ip")]
    return {"namespace": meta["namespace"], "name": meta["name"], "type": spec.get("type", "ClusterIP"),
            "clusterIP": spec.get("clusterIP", ""), "external": external + list(spec.get("externalIPs", [])),
            "ports": [{"name": p.get("name", ""), "port": p["port"], "protocol": p.get("protocol", "TCP"),
                       "nodePort": p.get("nodePort")} for p in spec.get("ports", [])],
            "endpoints": endpoints}


def _ingress(obj: dict) -> dict:
    meta, spec = obj["metadata"], obj.get("spec", {})
    return {"namespace": meta["namespace"], "name": meta["name"], "class": spec.get("ingressClassName", ""),
            "rules": [f"{host or '*'}{path} -> {service}:{port}" for host, path, service, port in ingress_paths(obj)]}


def _route(obj: dict) -> dict:
    meta, spec = obj["metadata"], obj.get("spec", {})
    return {"namespace": meta["namespace"], "name": meta["name"], "kind": obj.get("kind", "HTTPRoute"),
            "hostnames": spec.get("hostnames", []), "parents": [p.get("name") for p in spec.get("parentRefs", [])],
            "backends": route_backends(obj)}


def build(record: ClusterRecord, objects: dict[str, list[dict]], views: dict[str, dict],
          veths: dict[str, str]) -> dict:
    """`objects`: nodes, pods, services, endpointslices, ingresses, httproutes from the API; `views`: netns name ->
    netview.read(); `veths`: pod netns -> the name of its veth on the node."""
    by_name = {o["metadata"]["name"]: o for o in objects.get("nodes", [])}
    records = {(p["namespace"], p["name"]): p for p in objects.get("sandboxes", [])}
    pods = []
    for obj in objects.get("pods", []):
        meta = obj["metadata"]
        netns = records.get((meta["namespace"], meta["name"]), {}).get("netns", "")
        pods.append(_pod(obj, netns, veths.get(netns, "")))
    slices = backends.by_service(objects.get("endpointslices", []))
    services = [_service(s, slices.get((s["metadata"]["namespace"], s["metadata"]["name"]), []))
                for s in objects.get("services", [])]
    dns = next((s for s in services if s["namespace"] == "kube-system" and s["name"] == "kube-dns"), None)
    return {
        "cluster": {"name": record.name, "backend": "bare" if record.bare else record.backend,
                    "subnet": record.subnet, "bridge": record.bridge, "gateway": record.gateway},
        "nodes": [_node(n, by_name.get(n.name), views.get(n.netns, {})) for n in record.nodes],
        "pods": sorted(pods, key=lambda p: (p["node"], p["namespace"], p["name"])),
        "services": sorted(services, key=lambda s: (s["namespace"], s["name"])),
        "ingresses": [_ingress(i) for i in objects.get("ingresses", [])],
        "routes": [_route(r) for r in objects.get("httproutes", [])],
        "dns": {"service": dns["clusterIP"] if dns else "", "endpoints": dns["endpoints"] if dns else []},
    }
