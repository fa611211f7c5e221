"""Service ports to pod addresses, from EndpointSlices, as ingress-nginx and NGINX Gateway Fabric resolve them.

Both controllers send traffic straight to the ready endpoints (not to the
ClusterIP), so nginx balances across pods itself and keeps connections to them
alive; the Service's targetPort is resolved through the slices' named ports.
"""

import re


def upstream_name(namespace: str, service: str, port: int | str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "-", f"{namespace}-{service}-{port}")


def service_port(svc: dict, port: dict) -> dict | None:
    """The Service port a backend names by number or name."""
    for p in svc.get("spec", {}).get("ports") or []:
        if ("number" in port and p.get("port") == port["number"]) or ("name" in port and p.get("name") == port["name"]):
            return p
    return None


def by_service(slices: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """EndpointSlices grouped by the Service (namespace, name) they belong to."""
    out: dict[tuple[str, str], list[dict]] = {}
    for s in slices:
        owner = (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
        if owner:
            out.setdefault((s["metadata"]["namespace"], owner), []).append(s)
    return out


def endpoints(svc: dict, port: dict, slices: list[dict]) -> list[str]:
    """The ready pod address:port pairs behind a Service port (targetPort resolved through the slices)."""
    sp = service_port(svc, port)
    if sp is None:
        return []
    out = []
    for s in slices:
        number = next((x.get("port") for x in s.get("ports") or []
                       if (x.get("name") or "") == (sp.get("name") or "")), None)
        if not number:
            continue
        for e in s.get("endpoints") or []:
            if (e.get("conditions") or {}).get("ready") is not False:
                out += [f"{ip}:{number}" for ip in e.get("addresses") or []]
    return sorted(set(out))
