"""LoadBalancer Services get an address from a pool on the node network, as MetalLB's controller gives them.

The pool is the upper end of the node network's /24 (.200 to .250), which
`kinns up` never gives to a node. A Service asking for a particular address
(spec.loadBalancerIP) gets it when it is in the pool and free. The address
goes to status.loadBalancer.ingress; one node's kube-proxy then answers ARP
for it (see kinns/node/proxy/announce.py), so the host reaches it like a
machine on the same LAN reaches a MetalLB address in L2 mode.
"""

import ipaddress

from . import events
from .base import Controller

POOL_HOSTS = range(200, 251)


def pool(apiserver_ip: str) -> list[str]:
    net = ipaddress.ip_network(f"{apiserver_ip}/24", strict=False)
    return [str(net.network_address + i) for i in POOL_HOSTS]


def assigned(svc: dict) -> str | None:
    ingress = svc.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    return ingress[0].get("ip") if ingress else None


class ServiceLBController(Controller):
    name = "service-lb-controller"
    watches = (("", "v1", "services"),)

    def __init__(self, objects, apiserver_ip: str) -> None:
        super().__init__(objects)
        self.pool = pool(apiserver_ip)

    async def sync(self, key) -> None:
        namespace, name = key
        r = self.resource("", "v1", "services")
        svc = self.objects.store.get(r.key(namespace, name))
        if svc is None:
            return
        spec = svc.get("spec", {})
        current = assigned(svc)
        if spec.get("type") != "LoadBalancer":
            if current:
                self._write(r, svc, {})
            return
        wanted = spec.get("loadBalancerIP") or current
        taken = {assigned(s) for s in self.objects.store.list(r.key(None))[0]
                 if s["metadata"]["uid"] != svc["metadata"]["uid"] and s.get("spec", {}).get("type") == "LoadBalancer"}
        if wanted and (wanted not in self.pool or wanted in taken):
            events.record(self.objects, svc, "Service", "Warning", "AllocationFailed",
                          f"Failed to allocate IP for \"{namespace}/{name}\": {wanted} is "
                          + ("already in use" if wanted in taken
                             else f"not in the pool {self.pool[0]}-{self.pool[-1]}"),
                          self.name)
            if current:
                self._write(r, svc, {})
            return
        wanted = wanted or next((ip for ip in self.pool if ip not in taken), None)
        if wanted is None:
            events.record(self.objects, svc, "Service", "Warning", "AllocationFailed",
                          f'Failed to allocate IP for "{namespace}/{name}": no available IPs', self.name)
            return
        if wanted != current:
            self._write(r, svc, {"ingress": [{"ip": wanted, "ipMode": "VIP"}]})
            events.record(self.objects, svc, "Service", "Normal", "IPAllocated", f"Assigned IP [\"{wanted}\"]",
                          self.name)

    def _write(self, r, svc: dict, balancer: dict) -> None:
        meta = svc["metadata"]
        status = {**svc.get("status", {}), "loadBalancer": balancer}
        self.objects.update(r, meta["namespace"], meta["name"], {**svc, "status": status}, "status", self.opts())
