"""Controllers that keep cluster-wide objects in place.

- serviceaccounts: every namespace has the `default` ServiceAccount and the
  `kube-root-ca.crt` ConfigMap (the CA pods use to trust the API server);
- namespace: a deleted namespace is emptied (pods gracefully), then removed;
- node-ipam: a Node without spec.podCIDR gets the lowest free /24 of the
  cluster CIDR (kinns's kubelets register with the one their node was built
  with, as `kubelet --pod-cidr` does);
- garbage collector: an object whose every owner is gone is deleted
  (background propagation);
- bootstrap: the `kubernetes` Service at 10.96.0.1:443 and its Endpoints and
  EndpointSlice point at the API server.
"""

import ipaddress

from ..apiserver.errors import APIError
from .base import Controller

CLUSTER_CIDR = ipaddress.ip_network("10.244.0.0/16")


class ServiceAccountController(Controller):
    name = "serviceaccount-controller"
    watches = (("", "v1", "namespaces"), ("", "v1", "serviceaccounts"), ("", "v1", "configmaps"))

    def __init__(self, objects, ca_pem: str) -> None:
        super().__init__(objects)
        self.ca_pem = ca_pem

    def keys_for(self, r, obj):
        if r.plural == "namespaces":
            return [obj["metadata"]["name"]]
        return [obj.get("metadata", {}).get("namespace")]

    async def sync(self, namespace) -> None:
        ns = self.objects.store.get(self.resource("", "v1", "namespaces").key(None, namespace))
        if ns is None or ns["metadata"].get("deletionTimestamp"):
            return
        sa_r, cm_r = self.resource("", "v1", "serviceaccounts"), self.resource("", "v1", "configmaps")
        try:
            if self.objects.store.get(sa_r.key(namespace, "default")) is None:
                self.objects.create(sa_r, namespace, {"metadata": {"name": "default"}}, self.opts())
            cm = self.objects.store.get(cm_r.key(namespace, "kube-root-ca.crt"))
            data = {"ca.crt": self.ca_pem}
            if cm is None:
                self.objects.create(cm_r, namespace, {"metadata": {"name": "kube-root-ca.crt", "annotations": {
                    "kubernetes.io/description": "Contains a CA bundle that can be used to verify the "
                                                 "kube-apiserver when using internal endpoints such as the "
                                                 "internal service IP or kubernetes.default.svc. No other usage "
                                                 "is guaranteed across distributions of Kubernetes clusters."}},
                    "data": data}, self.opts())
            elif cm.get("data") != data:
                self.objects.update(cm_r, namespace, "kube-root-ca.crt", {**cm, "data": data}, "", self.opts())
        except APIError as err:
            if err.code not in (404, 409):
                raise


class NamespaceController(Controller):
    """A deleted namespace is Terminating until everything in it is gone: pods end gracefully through their
    kubelets, the rest is deleted; then its `kubernetes` finalizer is removed and it goes."""

    name = "namespace-controller"
    watches = (("", "v1", "namespaces"), ("", "v1", "pods"))

    def keys_for(self, r, obj):
        if r.plural == "pods":
            return [obj.get("metadata", {}).get("namespace")]
        return [obj["metadata"]["name"]]

    async def sync(self, namespace) -> None:
        ns_r = self.resource("", "v1", "namespaces")
        ns = self.objects.store.get(ns_r.key(None, namespace))
        if ns is None or not ns["metadata"].get("deletionTimestamp"):
            return
        left = 0
        for r in list(self.objects.registry.resources.values()):
            if not r.namespaced:
                continue
            for obj in self.objects.store.list(r.key(namespace))[0]:
                left += 1
                if obj["metadata"].get("deletionTimestamp"):
                    continue
                try:
                    self.objects.delete(r, namespace, obj["metadata"]["name"])
                except APIError as err:
                    if err.code not in (404, 409):
                        raise
        if left:
            self.enqueue(namespace, 0.5)  # pods finish on their nodes; look again
            return
        ns = self.objects.store.get(ns_r.key(None, namespace))
        if ns is None:
            return
        if (ns.get("spec") or {}).get("finalizers"):
            # with its last finalizer gone, the API server removes the namespace
            self.objects.update(ns_r, None, namespace, {**ns, "spec": {**ns["spec"], "finalizers": []}},
                                "", self.opts())
            return
        try:
            self.objects.delete(ns_r, None, namespace)
        except APIError as err:
            if err.code != 404:
                raise


class NodeIPAMController(Controller):
    name = "node-ipam-controller"
    watches = (("", "v1", "nodes"),)

    async def sync(self, key) -> None:
        _, name = key
        r = self.resource("", "v1", "nodes")
        node = self.objects.store.get(r.key(None, name))
        if node is None or node.get("spec", {}).get("podCIDR"):
            return
        used = {n.get("spec", {}).get("podCIDR") for n in self.objects.store.list(r.key(None))[0]}
        cidr = next(str(s) for s in CLUSTER_CIDR.subnets(new_prefix=24) if str(s) not in used)
        self.objects.update(r, None, name, {**node, "spec": {**node.get("spec", {}), "podCIDR": cidr,
                                                              "podCIDRs": [cidr]}}, "", self.opts())


class GarbageCollector(Controller):
    name = "garbage-collector-controller"
    watches = (("", "v1", "pods"), ("apps", "v1", "replicasets"), ("apps", "v1", "deployments"),
               ("apps", "v1", "daemonsets"), ("discovery.k8s.io", "v1", "endpointslices"), ("", "v1", "services"))

    def keys_for(self, r, obj):
        return [(r.group, r.version, r.plural, obj["metadata"].get("namespace"), obj["metadata"]["name"])]

    async def sync(self, key) -> None:
        group, version, plural, namespace, name = key
        r = self.resource(group, version, plural)
        obj = self.objects.store.get(r.key(namespace, name))
        if obj is None:
            # an owner went: look at everything that may have pointed at it
            for dep in self.watches:
                dr = self.resource(*dep)
                for child in self.objects.store.list(dr.key(namespace if dr.namespaced else None))[0]:
                    if child["metadata"].get("ownerReferences"):
                        self.enqueue((*dep, child["metadata"].get("namespace"), child["metadata"]["name"]))
            return
        refs = obj["metadata"].get("ownerReferences") or []
        if not refs:
            return
        for ref in refs:
            owner_r = self.objects.registry.by_kind(ref.get("apiVersion", "v1").rpartition("/")[0],
                                                    ref.get("kind", ""))
            if owner_r is None:
                return  # an owner of a kind not served here: leave it alone
            owner = self.objects.store.get(owner_r.key(namespace if owner_r.namespaced else None, ref["name"]))
            if owner is not None and owner["metadata"].get("uid") == ref.get("uid"):
                return
        try:
            self.objects.delete(r, namespace, name)
        except APIError as err:
            if err.code != 404:
                raise


def bootstrap(objects, address: str) -> None:
    """The `kubernetes` Service and its Endpoints: the API server as a Service of its own."""
    from ..apiserver.handlers import WriteOptions

    host, port = address.rsplit(":", 1)
    opts = WriteOptions(manager="kube-apiserver")
    svc_r, ep_r = objects.registry.get("", "v1", "services"), objects.registry.get("", "v1", "endpoints")
    labels = {"component": "apiserver", "provider": "kubernetes"}
    if objects.store.get(svc_r.key("default", "kubernetes")) is None:
        objects.create(svc_r, "default", {"metadata": {"name": "kubernetes", "labels": labels},
                                          "spec": {"clusterIP": "10.96.0.1", "ports": [
                                              {"name": "https", "port": 443, "protocol": "TCP",
                                               "targetPort": int(port)}]}}, opts)
    subsets = [{"addresses": [{"ip": host}], "ports": [{"name": "https", "port": int(port), "protocol": "TCP"}]}]
    current = objects.store.get(ep_r.key("default", "kubernetes"))
    if current is None:
        objects.create(ep_r, "default", {"metadata": {"name": "kubernetes", "labels": labels},
                                         "subsets": subsets}, opts)
    elif current.get("subsets") != subsets:
        objects.update(ep_r, "default", "kubernetes", {**current, "subsets": subsets}, "", opts)
    slice_r = objects.registry.get("discovery.k8s.io", "v1", "endpointslices")
    want = {"metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes",
                                                          "endpointslice.kubernetes.io/managed-by": "kube-apiserver"}},
            "addressType": "IPv4", "endpoints": [{"addresses": [host], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": int(port), "protocol": "TCP"}]}
    current = objects.store.get(slice_r.key("default", "kubernetes"))
    if current is None:
        objects.create(slice_r, "default", want, opts)
    elif (current.get("endpoints"), current.get("ports")) != (want["endpoints"], want["ports"]):
        objects.update(slice_r, "default", "kubernetes", {**current, "endpoints": want["endpoints"],
                                                          "ports": want["ports"]}, "", opts)
