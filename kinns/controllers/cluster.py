"""Controllers that keep cluster-wide objects in place.

- serviceaccounts: every namespace has the `default` ServiceAccount and the
  `kube-root-ca.crt` ConfigMap (the CA pods use to trust the API server);
- namespace: a deleted namespace is emptied (pods gracefully), then removed;
- node-ipam: a Node without spec.podCIDR gets the lowest free /24 of the
  cluster CIDR (kinns's kubelets register with the one their node was built
  with, as `kubelet --pod-cidr` does);
- garbage collector: an object whose every owner is gone is deleted
  (background propagation); an owner deleted with propagationPolicy Orphan
  first has its dependents' references to it removed, one deleted with
  Foreground waits until its dependents are gone (each deleted in the
  foreground too); each then loses the finalizer that held it.
"""

import ipaddress

from ..apimachinery.errors import APIError
from ..client.client import path
from ..client.discovery import Discovery
from .base import CONFIGMAPS, NAMESPACES, NODES, SERVICEACCOUNTS, Controller, own_key

CLUSTER_CIDR = ipaddress.ip_network("10.244.0.0/16")
GC_FINALIZERS = {"orphan", "foregroundDeletion"}
ROOT_CA = "kube-root-ca.crt"
ROOT_CA_NOTE = ("Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints "
                "such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across "
                "distributions of Kubernetes clusters.")


def _name(obj: dict) -> list[str]:
    return [obj["metadata"]["name"]]


def _namespace(obj: dict) -> list[str]:
    return [obj["metadata"].get("namespace") or ""]


class ServiceAccountController(Controller):
    name = "serviceaccount-controller"

    def setup(self, ca_pem: str) -> None:
        self.ca_pem = ca_pem
        self.namespaces = self.watch(NAMESPACES, _name)
        self.accounts = self.watch(SERVICEACCOUNTS, _namespace, {"fieldSelector": "metadata.name=default"})
        self.roots = self.watch(CONFIGMAPS, _namespace, {"fieldSelector": f"metadata.name={ROOT_CA}"})

    async def reconcile(self, namespace: str) -> None:
        ns = self.namespaces.get(None, namespace)
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        try:
            if self.accounts.get(namespace, "default") is None:
                await self.client.create(path("v1", "serviceaccounts", namespace), {"metadata": {"name": "default"}})
            cm = self.roots.get(namespace, ROOT_CA)
            data = {"ca.crt": self.ca_pem}
            if cm is None:
                await self.client.create(path("v1", "configmaps", namespace), {
                    "metadata": {"name": ROOT_CA, "annotations": {"kubernetes.io/description": ROOT_CA_NOTE}},
                    "data": data})
            elif cm.get("data") != data:
                await self.client.patch(path("v1", "configmaps", namespace, ROOT_CA), {"data": data})
        except APIError as err:
            if err.code not in (404, 409):  # gone meanwhile, or made by a pass the watch has not shown yet
                raise


class NamespaceController(Controller):
    """A deleted namespace is Terminating until everything in it is gone: pods end gracefully through their
    kubelets, the rest is deleted; then its `kubernetes` finalizer is removed and it goes."""

    name = "namespace-controller"

    def setup(self) -> None:
        self.namespaces = self.watch(NAMESPACES, _name)
        self.discovery = Discovery(self.client)

    async def reconcile(self, namespace: str) -> None:
        ns = self.namespaces.get(None, namespace)
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        left = 0
        for r in await self.discovery.refresh():
            if not r.namespaced or "delete" not in r.verbs or "list" not in r.verbs:
                continue
            for obj in (await self.client.request("GET", r.path(namespace)))["items"]:
                left += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    try:
                        await self.client.delete(r.path(namespace, obj["metadata"]["name"]))
                    except APIError as err:
                        if err.code != 409:
                            raise
        if left:
            self.enqueue(namespace, 0.5)  # pods finish on their nodes; look again
            return
        if (ns.get("spec") or {}).get("finalizers"):
            # with its last finalizer gone, the API server removes the namespace
            await self.client.replace(path("v1", "namespaces", name=namespace, sub="finalize"),
                                      {**ns, "spec": {**ns["spec"], "finalizers": []}})
        else:
            await self.client.delete(path("v1", "namespaces", name=namespace))


class NodeIPAMController(Controller):
    name = "node-ipam-controller"

    def setup(self) -> None:
        self.nodes = self.watch(NODES, own_key)

    async def reconcile(self, key: tuple[str, str]) -> None:
        node = self.nodes.get(None, key[1])
        if node is None or node.get("spec", {}).get("podCIDR"):
            return
        used = {n.get("spec", {}).get("podCIDR") for n in self.nodes.values()}
        cidr = next(str(s) for s in CLUSTER_CIDR.subnets(new_prefix=24) if str(s) not in used)
        await self.client.patch(path("v1", "nodes", name=key[1]), {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}})


class GarbageCollector(Controller):
    """Objects of the watched kinds whose owners are all gone are deleted. An owner missing from the mirrors
    is looked up in the API before anything goes (it may be newer than the mirrors, or of a kind not watched
    here), as the real collector confirms a dangling reference with a live read."""

    name = "garbage-collector-controller"
    KINDS = (("v1", "pods"), ("apps/v1", "replicasets"), ("apps/v1", "deployments"), ("apps/v1", "daemonsets"),
             ("discovery.k8s.io/v1", "endpointslices"), ("v1", "services"), ("batch/v1", "jobs"),
             ("apps/v1", "statefulsets"), ("v1", "replicationcontrollers"), ("apps/v1", "controllerrevisions"))

    def setup(self) -> None:
        self.mirrors = {kind: self.watch(path(*kind), self._keys(kind)) for kind in self.KINDS}
        self.discovery = Discovery(self.client)

    def _keys(self, kind: tuple[str, str]):
        def keys(obj: dict) -> list[tuple]:
            meta = obj["metadata"]
            owners = [(*k, o["metadata"].get("namespace") or "", o["metadata"]["name"])
                      for ref in meta.get("ownerReferences") or [] for k, m in self.mirrors.items()
                      if (o := m.objects.get(ref.get("uid"))) is not None]  # an owner waiting on its dependents
            if meta["uid"] in self.mirrors[kind].objects:
                mine = meta.get("ownerReferences") or set(meta.get("finalizers") or []) & GC_FINALIZERS
                return ([(*kind, meta.get("namespace") or "", meta["name"])] if mine else []) + owners
            # gone: its dependents are looked at again
            return owners + [(*k, d["metadata"].get("namespace") or "", d["metadata"]["name"])
                             for k, d in self._dependents(meta["uid"])]
        return keys

    def _dependents(self, uid: str) -> list[tuple[tuple[str, str], dict]]:
        return [(k, d) for k, m in self.mirrors.items() for d in m.values()
                if any(r.get("uid") == uid for r in d["metadata"].get("ownerReferences") or [])]

    async def _finish(self, kind: tuple[str, str], obj: dict) -> None:
        """An owner being deleted with Orphan or Foreground: do what its finalizer asks, then lift it."""
        meta = obj["metadata"]
        where = path(*kind, meta.get("namespace") or None, meta["name"])
        finalizers = meta.get("finalizers") or []
        dependents = self._dependents(meta["uid"])
        if "orphan" in finalizers:
            for k, d in dependents:
                refs = [r for r in d["metadata"].get("ownerReferences") or [] if r.get("uid") != meta["uid"]]
                await self.client.patch(path(*k, d["metadata"].get("namespace") or None, d["metadata"]["name"]),
                                        {"metadata": {"ownerReferences": refs or None,
                                                      "resourceVersion": d["metadata"]["resourceVersion"]}})
            done = "orphan"
        else:
            for k, d in dependents:
                if not d["metadata"].get("deletionTimestamp"):
                    await self.client.delete(path(*k, d["metadata"].get("namespace") or None, d["metadata"]["name"]),
                                             {"propagationPolicy": "Foreground"})
            if dependents:
                return  # lifted once the last dependent is gone (its disappearance queues this owner again)
            done = "foregroundDeletion"
        await self.client.patch(where, {"metadata": {"finalizers": [f for f in finalizers if f != done] or None,
                                                     "resourceVersion": meta["resourceVersion"]}})

    async def reconcile(self, key: tuple[str, str, str, str]) -> None:
        api_version, plural, namespace, name = key
        obj = self.mirrors[(api_version, plural)].get(namespace, name)
        if obj is None:
            return
        if obj["metadata"].get("deletionTimestamp"):
            if set(obj["metadata"].get("finalizers") or []) & GC_FINALIZERS:
                await self._finish((api_version, plural), obj)
            return
        refs = obj["metadata"].get("ownerReferences") or []
        if not refs:
            return
        for ref in refs:
            if await self._owner_exists(ref, namespace):
                return
        await self.client.delete(path(api_version, plural, namespace or None, name))

    async def _owner_exists(self, ref: dict, namespace: str) -> bool:
        if any(ref.get("uid") in m.objects for m in self.mirrors.values()):
            return True
        r = await self.discovery.find(ref.get("apiVersion", "v1"), ref.get("kind", ""))
        if r is None:
            return True  # an owner of a kind not served here: leave the dependent alone
        owner = await self.client.get(r.path(namespace, ref["name"]))
        return owner is not None and owner["metadata"].get("uid") == ref.get("uid")
