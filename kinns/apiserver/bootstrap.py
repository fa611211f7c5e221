"""What kube-apiserver makes of itself at start: the built-in namespaces, the `kubernetes` Service at
10.96.0.1:443 with its Endpoints and EndpointSlice pointing at this server, and the RBAC bootstrap policy."""

from ..apimachinery.errors import APIError
from .authz import policy
from .storage import Objects, WriteOptions
from .validation import scheduling

NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
LABELS = {"component": "apiserver", "provider": "kubernetes"}
DESCRIPTIONS = {"system-node-critical": "Pods that must stay on the node they run on (kube-proxy, the CNI).",
                "system-cluster-critical": "Pods the cluster needs, which may move to another node (CoreDNS)."}


async def ensure(objects: Objects, plural: str, namespace: str | None, want: dict, fields: tuple[str, ...] = (),
           group: str = "", version: str = "v1") -> None:
    """Create `want` unless it exists; where it does, bring `fields` to `want`'s."""
    r = objects.registry.get(group, version, plural)
    opts = WriteOptions(manager="kube-apiserver")
    current = objects.store.get(r.key(namespace, want["metadata"]["name"]))
    try:
        if current is None:
            await objects.create(r, namespace, want, opts)
        elif any(current.get(f) != want.get(f) for f in fields):
            await objects.update(r, namespace, want["metadata"]["name"],
                                 {**current, **{f: want[f] for f in fields}}, "", opts)
    except APIError as err:
        if err.code != 409:
            raise


async def reconcile_policy(objects: Objects) -> None:
    """The bootstrap roles and bindings: created where missing; where present and still marked for autoupdate,
    given what they lack (an administrator's additions stay), as kube-apiserver reconciles them at start."""
    group = policy.RBAC_GROUP
    for plural, namespaced, wanted in (("clusterroles", False, policy.cluster_roles()),
                                       ("clusterrolebindings", False, policy.cluster_role_bindings()),
                                       ("roles", True, policy.roles())):
        r = objects.registry.get(group, "v1", plural)
        for want in wanted:
            namespace = want["metadata"].get("namespace") if namespaced else None
            current = objects.store.get(r.key(namespace, want["metadata"]["name"]))
            if current is None:
                await ensure(objects, plural, namespace, want, group=group)
                continue
            if (current["metadata"].get("annotations") or {}).get(
                    "rbac.authorization.kubernetes.io/autoupdate") == "false":
                continue
            field = "subjects" if plural.endswith("bindings") else "rules"
            have = current.get(field) or []
            missing = [item for item in want.get(field) or [] if item not in have]
            if missing:
                await ensure(objects, plural, namespace, {**current, field: have + missing}, (field,), group=group)


async def run(objects: Objects, address: str) -> None:
    for ns in NAMESPACES:
        await ensure(objects, "namespaces", None, {
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
    host, port = address.rsplit(":", 1)
    await ensure(objects, "services", "default", {"metadata": {"name": "kubernetes", "labels": LABELS},
                                            "spec": {"clusterIP": "10.96.0.1", "ports": [
                                                {"name": "https", "port": 443, "protocol": "TCP",
                                                 "targetPort": int(port)}]}})
    ports = [{"name": "https", "port": int(port), "protocol": "TCP"}]
    await ensure(objects, "endpoints", "default", {"metadata": {"name": "kubernetes", "labels": LABELS},
                                             "subsets": [{"addresses": [{"ip": host}], "ports": ports}]},
           ("subsets",))
    await ensure(objects, "endpointslices", "default", {
        "metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes",
                                                      "endpointslice.kubernetes.io/managed-by": "kube-apiserver"}},
        "addressType": "IPv4", "endpoints": [{"addresses": [host], "conditions": {"ready": True}}],
        "ports": ports}, ("endpoints", "ports"), "discovery.k8s.io")
    for name, value in scheduling.SYSTEM.items():
        await ensure(objects, "priorityclasses", None, {
            "metadata": {"name": name}, "value": value, "preemptionPolicy": "PreemptLowerPriority",
            "description": DESCRIPTIONS[name]}, group="scheduling.k8s.io")
    await reconcile_policy(objects)
