"""The Node authorizer: a kubelet (system:node:<name> in system:nodes) reaches only what its node needs.

Secrets, ConfigMaps and PersistentVolumeClaims only when a pod bound to the
node uses them, service-account tokens only for the accounts of its pods,
status and deletion only of its own pods, writes only to its own Node and
its own Lease; everything else of the system:node role as RBAC would grant it.
Relationships are read from the pods in the store at the time of the request
(kube-apiserver keeps a graph of them; at kinns's scale the scan is cheaper
than keeping one).
"""

from ...store import Store
from .attributes import Attributes
from .policy import NODE
from .rules import allows

PREFIX, GROUP = "system:node:", "system:nodes"
NO_RELATIONSHIP = "no relationship found between node '{node}' and this object"


def node_of(attrs: Attributes) -> str | None:
    """The node a kubelet's identity names, None for anyone else."""
    user = attrs.user
    if GROUP in user.groups and user.name.startswith(PREFIX):
        return user.name[len(PREFIX):]
    return None


def _uses(pod: dict, kind: str, name: str) -> bool:
    spec = pod.get("spec") or {}
    if kind == "serviceaccounts":
        return (spec.get("serviceAccountName") or "default") == name
    wanted = {"secrets": "secretName", "configmaps": "name", "persistentvolumeclaims": "claimName"}[kind]
    source = {"secrets": "secret", "configmaps": "configMap", "persistentvolumeclaims": "persistentVolumeClaim"}[kind]
    for volume in spec.get("volumes") or []:
        if (volume.get(source) or {}).get(wanted) == name:
            return True
        for projected in (volume.get("projected") or {}).get("sources") or []:
            if kind != "persistentvolumeclaims" and (projected.get(source) or {}).get("name") == name:
                return True
    if kind == "secrets" and any(r.get("name") == name for r in spec.get("imagePullSecrets") or []):
        return True
    if kind == "persistentvolumeclaims":
        return False
    ref_key = "secretKeyRef" if kind == "secrets" else "configMapKeyRef"
    from_key = "secretRef" if kind == "secrets" else "configMapRef"
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []) + \
            (spec.get("ephemeralContainers") or []):
        if any(((e.get("valueFrom") or {}).get(ref_key) or {}).get("name") == name for e in container.get("env") or []):
            return True
        if any((e.get(from_key) or {}).get("name") == name for e in container.get("envFrom") or []):
            return True
    return False


class NodeAuthorizer:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _pods(self, node: str, namespace: str) -> list[dict]:
        return [p for p in self.store.list(f"/registry/core/pods/{namespace}/")[0]
                if (p.get("spec") or {}).get("nodeName") == node]

    def _related(self, node: str, attrs: Attributes) -> bool:
        return any(_uses(p, attrs.resource, attrs.name) for p in self._pods(node, attrs.namespace))

    def authorize(self, attrs: Attributes) -> tuple[bool | None, str]:
        """(True, "") to allow, (None, reason) for no opinion (RBAC decides, and the reason joins a refusal)."""
        node = node_of(attrs)
        if node is None or not attrs.resource_request:
            return None, ""
        group, resource, verb = attrs.api_group, attrs.resource, attrs.verb
        reason = NO_RELATIONSHIP.format(node=node)
        if group == "" and resource in ("secrets", "configmaps", "persistentvolumeclaims"):
            if attrs.subresource or verb not in ("get", "list", "watch") or not attrs.name:
                return None, f"can only read individual {resource}"
            return (True, "") if self._related(node, attrs) else (None, reason)
        if group == "" and resource == "serviceaccounts":
            if attrs.subresource != "token" or verb != "create":
                return None, "can only create tokens for individual service accounts"
            return (True, "") if self._related(node, attrs) else (None, reason)
        if group == "coordination.k8s.io" and resource == "leases":
            if attrs.namespace != "kube-node-lease" or (verb != "create" and attrs.name != node):
                return None, "can only access node lease with the same name as the requesting node"
            return (True, "") if verb in ("create", "get", "update", "patch", "delete") else (None, "")
        if group == "" and resource == "pods":
            if verb in ("get", "list", "watch", "create") and not attrs.subresource:
                return True, ""
            if verb == "delete" and not attrs.subresource or attrs.subresource in ("status", "eviction"):
                pod = self.store.get(f"/registry/core/pods/{attrs.namespace}/{attrs.name}")
                if pod is not None and (pod.get("spec") or {}).get("nodeName") == node:
                    return (True, "") if any(allows(r, attrs) for r in NODE) else (None, "")
                return None, reason
            return None, ""
        if group == "" and resource == "nodes":
            if verb in ("get", "list", "watch", "create") and not attrs.subresource:
                return True, ""
            if verb in ("update", "patch") and attrs.subresource in ("", "status"):
                return (True, "") if attrs.name == node else (None, f"node '{node}' cannot modify node "
                                                                     f"'{attrs.name}'")
            return None, ""
        return (True, "") if any(allows(r, attrs) for r in NODE) else (None, "")
