"""The admission plugins kube-apiserver enables by default that change what is written (mutating) or refuse it
after validation: each a function of (resource, namespace, new object, old object or None, write options)."""

from collections.abc import Callable

from ..resources import Resource
from ..storage import Objects
from .request import WriteOptions

Admit = Callable[[Resource, "str | None", dict, "dict | None", WriteOptions], None]
DEFAULT_CLASS = "ingressclass.kubernetes.io/is-default-class"
DEFAULT_STORAGE_CLASS = "storageclass.kubernetes.io/is-default-class"


def _newest_default(objects: Objects, classes: Resource, annotation: str) -> str | None:
    """The name of the newest class marked default by `annotation` (kube-apiserver picks the newest of several)."""
    marked = [c for c in objects.store.list(classes.key(None))[0]
              if (c["metadata"].get("annotations") or {}).get(annotation) == "true"]
    if not marked:
        return None
    return max(marked, key=lambda c: (c["metadata"].get("creationTimestamp") or "", c["metadata"]["name"]))[
        "metadata"]["name"]


def default_ingress_class(objects: Objects) -> Admit:
    """DefaultIngressClass: a new Ingress naming no class gets the default IngressClass (the newest, when
    several are marked default), as kube-apiserver's plugin sets it."""
    classes = objects.registry.get("networking.k8s.io", "v1", "ingressclasses")

    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if old is not None or (r.group, r.plural) != ("networking.k8s.io", "ingresses"):
            return
        spec = new.setdefault("spec", {})
        if spec.get("ingressClassName") or "kubernetes.io/ingress.class" in (new["metadata"].get("annotations") or {}):
            return
        if (default := _newest_default(objects, classes, DEFAULT_CLASS)) is not None:
            spec["ingressClassName"] = default

    return admit


def default_storage_class(objects: Objects) -> Admit:
    """DefaultStorageClass: a new claim naming no class gets the default StorageClass (the newest of several)."""
    classes = objects.registry.get("storage.k8s.io", "v1", "storageclasses")

    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if old is not None or (r.group, r.plural) != ("", "persistentvolumeclaims"):
            return
        spec = new.setdefault("spec", {})
        if "storageClassName" in spec:  # "" asks for no class: a pre-made volume
            return
        if (default := _newest_default(objects, classes, DEFAULT_STORAGE_CLASS)) is not None:
            spec["storageClassName"] = default

    return admit


def signing_requester(objects: Objects) -> Admit:
    """A new CertificateSigningRequest records who asked (spec.username, uid, groups): what a requester writes
    there is replaced, as kube-apiserver's strategy does."""
    def admit(r: Resource, namespace: str | None, new: dict, old: dict | None, opts: WriteOptions) -> None:
        if old is not None or (r.group, r.plural) != ("certificates.k8s.io", "certificatesigningrequests"):
            return
        spec = new.setdefault("spec", {})
        for field in ("username", "uid", "groups", "extra"):
            spec.pop(field, None)
        if opts.user is not None:
            spec["username"], spec["groups"] = opts.user.name, list(opts.user.groups)

    return admit
