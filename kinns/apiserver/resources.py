"""The resource types the API server serves: one table, the source of discovery and routing."""

from dataclasses import dataclass, field

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Resource:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    singular: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # CRD: schema, printer columns

    @property
    def group_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def name(self) -> str:
        return self.singular or self.kind.lower()

    def key(self, namespace: str | None, name: str = "") -> str:
        """The storage key (or, without a name, the prefix) of objects of this resource."""
        base = f"/registry/{self.group or 'core'}/{self.plural}/"
        if self.namespaced:
            return base + (f"{namespace}/{name}" if namespace else "")
        return base + name


_POD_SUBS = ("status", "log", "exec", "attach", "portforward", "binding", "eviction", "ephemeralcontainers")
BUILTIN: tuple[Resource, ...] = (
    Resource("", "v1", "Namespace", "namespaces", False, ("ns",), subresources=("status", "finalize"),
             verbs=("create", "delete", "get", "list", "patch", "update", "watch")),
    Resource("", "v1", "Node", "nodes", False, ("no",), subresources=("status", "proxy")),
    Resource("", "v1", "Pod", "pods", True, ("po",), ("all",), _POD_SUBS),
    Resource("", "v1", "Service", "services", True, ("svc",), ("all",), ("status", "proxy"),
             verbs=("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")),
    Resource("", "v1", "Endpoints", "endpoints", True, ("ep",), singular="endpoints"),
    Resource("", "v1", "ReplicationController", "replicationcontrollers", True, ("rc",), ("all",),
             ("status", "scale")),
    Resource("", "v1", "ConfigMap", "configmaps", True, ("cm",)),
    Resource("", "v1", "ResourceQuota", "resourcequotas", True, ("quota",), subresources=("status",)),
    Resource("", "v1", "LimitRange", "limitranges", True, ("limits",)),
    Resource("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", False, ("pc",)),
    Resource("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests", False,
             ("csr",), subresources=("status", "approval")),
    Resource("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True, ("hpa",), ("all",),
             ("status",)),
    Resource("", "v1", "Secret", "secrets", True),
    Resource("", "v1", "ServiceAccount", "serviceaccounts", True, ("sa",), subresources=("token",)),
    Resource("", "v1", "Event", "events", True, ("ev",)),
    Resource("apps", "v1", "Deployment", "deployments", True, ("deploy",), ("all",), ("status", "scale")),
    Resource("apps", "v1", "ReplicaSet", "replicasets", True, ("rs",), ("all",), ("status", "scale")),
    Resource("apps", "v1", "DaemonSet", "daemonsets", True, ("ds",), ("all",), ("status",)),
    Resource("apps", "v1", "StatefulSet", "statefulsets", True, ("sts",), ("all",), ("status", "scale")),
    Resource("apps", "v1", "ControllerRevision", "controllerrevisions", True),
    Resource("", "v1", "PersistentVolume", "persistentvolumes", False, ("pv",), subresources=("status",)),
    Resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True, ("pvc",), subresources=("status",)),
    Resource("storage.k8s.io", "v1", "StorageClass", "storageclasses", False, ("sc",)),
    Resource("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", True),
    Resource("networking.k8s.io", "v1", "Ingress", "ingresses", True, ("ing",), subresources=("status",)),
    Resource("networking.k8s.io", "v1", "IngressClass", "ingressclasses", False),
    Resource("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", True, ("netpol",)),
    Resource("coordination.k8s.io", "v1", "Lease", "leases", True),
    Resource("batch", "v1", "Job", "jobs", True, (), ("all",), ("status",)),
    Resource("batch", "v1", "CronJob", "cronjobs", True, ("cj",), ("all",), ("status",)),
    Resource("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", True, ("pdb",), subresources=("status",)),
    Resource("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", False),
    Resource("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", False),
    Resource("rbac.authorization.k8s.io", "v1", "Role", "roles", True),
    Resource("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings", True),
    *(Resource(group, "v1", kind, kind.lower() + "s", kind.startswith("Local"), verbs=("create",))
      for group, kind in (("authorization.k8s.io", "SubjectAccessReview"),
                          ("authorization.k8s.io", "SelfSubjectAccessReview"),
                          ("authorization.k8s.io", "LocalSubjectAccessReview"),
                          ("authorization.k8s.io", "SelfSubjectRulesReview"),
                          ("authentication.k8s.io", "SelfSubjectReview"),
                          ("authentication.k8s.io", "TokenReview"))),
    Resource("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
             "validatingwebhookconfigurations", False, categories=("api-extensions",)),
    Resource("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
             "mutatingwebhookconfigurations", False, categories=("api-extensions",)),
    Resource("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicy", "validatingadmissionpolicies",
             False, categories=("api-extensions",), subresources=("status",)),
    Resource("admissionregistration.k8s.io", "v1", "ValidatingAdmissionPolicyBinding",
             "validatingadmissionpolicybindings", False, categories=("api-extensions",)),
    Resource("apiregistration.k8s.io", "v1", "APIService", "apiservices", False, categories=("api-extensions",),
             subresources=("status",)),
    Resource("apiextensions.k8s.io", "v1", "CustomResourceDefinition", "customresourcedefinitions", False,
             ("crd", "crds"), subresources=("status",)),
)


class Registry:
    """Resources by group/version/plural, built-ins plus those CRDs add."""

    def __init__(self) -> None:
        self.resources: dict[tuple[str, str, str], Resource] = {}
        for r in BUILTIN:
            self.add(r)

    def add(self, r: Resource) -> None:
        self.resources[(r.group, r.version, r.plural)] = r

    def remove(self, group: str, plural: str) -> None:
        for key in [k for k in self.resources if k[0] == group and k[2] == plural]:
            del self.resources[key]

    def get(self, group: str, version: str, plural: str) -> Resource | None:
        return self.resources.get((group, version, plural))

    def by_kind(self, group: str, kind: str) -> Resource | None:
        return next((r for r in self.resources.values() if r.group == group and r.kind == kind), None)

    def group_versions(self) -> dict[str, list[str]]:
        """Every group (core is '') and its versions, in a stable order."""
        out: dict[str, list[str]] = {}
        for r in self.resources.values():
            versions = out.setdefault(r.group, [])
            if r.version not in versions:
                versions.append(r.version)
        return out

    def in_group_version(self, group: str, version: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.group == group and r.version == version]
