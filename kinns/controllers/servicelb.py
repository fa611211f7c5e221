"""LoadBalancer Services get an address from a pool on the node network, as MetalLB's controller gives them.

The pool is the upper end of the node network's /24 (.200 to .250), which
`kinns up` never gives to a node. A Service asking for a particular address
(spec.loadBalancerIP) gets it when it is in the pool and free. The address
goes to status.loadBalancer.ingress; one node's kube-proxy then answers ARP
for it (see kinns/node/proxy/announce.py), so the host reaches it like a
machine on the same LAN reaches a MetalLB address in L2 mode.
"""

import ipaddress

from ..client.client import path
from .base import SERVICES, Controller, own_key

POOL_HOSTS = range(200, 251)


def pool(apiserver_ip: str) -> list[str]:
    net = ipaddress.ip_network(f"{apiserver_ip}/24", strict=False)
    return [str(net.network_address + i) for i in POOL_HOSTS]


def assigned(svc: dict) -> str | None:
    ingress = svc.get("status", {}).get("loadBalancer", {}).get("ingress") or []
    return ingress[0].get("ip") if ingress else None


class ServiceLBController(Controller):
    name = "service-lb-controller"

    def setup(self, apiserver_ip: str) -> None:
        self.pool = pool(apiserver_ip)
        self.services = self.watch(SERVICES, own_key)

    async def reconcile(self, key: tuple[str, str]) -> None:
        namespace, name = key
        svc = self.services.get(namespace, name)
        if svc is None:
            return
        spec = svc.get("spec", {})
        current = assigned(svc)
        if spec.get("type") != "LoadBalancer":
            if current:
                await self._write(svc, {})
            return
        wanted = spec.get("loadBalancerIP") or current
        taken = {assigned(s) for s in self.services.values()
                 if s["metadata"]["uid"] != svc["metadata"]["uid"] and s.get("spec", {}).get("type") == "LoadBalancer"}
        if wanted and (wanted not in self.pool or wanted in taken):
            self.events.record(svc, "Warning", "AllocationFailed",
                               f"Failed to allocate IP for \"{namespace}/{name}\": {wanted} is "
                               + ("already in use" if wanted in taken
                                  else f"not in the pool {self.pool[0]}-{self.pool[-1]}"))
            if current:
                await self._write(svc, {})
            return
        wanted = wanted or next((ip for ip in self.pool if ip not in taken), None)
        if wanted is None:
            self.events.record(svc, "Warning", "AllocationFailed",
                               f'Failed to allocate IP for "{namespace}/{name}": no available IPs')
            return
        if wanted != current:
            await self._write(svc, {"ingress": [{"ip": wanted, "ipMode": "VIP"}]})
            self.events.record(svc, "Normal", "IPAllocated", f"Assigned IP [\"{wanted}\"]")

    async def _write(self, svc: dict, balancer: dict) -> None:
        meta = svc["metadata"]
        await self.client.patch(path("v1", "services", meta["namespace"], meta["name"], "status"),
                                {"status": {"loadBalancer": balancer or {"ingress": None}}})
