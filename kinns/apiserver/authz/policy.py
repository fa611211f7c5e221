"""The roles and bindings kube-apiserver bootstraps (its RBAC bootstrap policy), and the controllers' roles.

Each ClusterRole is written as (verbs, apiGroups, resources[, resourceNames])
rules; roles carry `kubernetes.io/bootstrapping: rbac-defaults` and the
autoupdate annotation, so a restart adds what a role lacks and leaves what
an administrator added. The controllers' roles (system:controller:*) grant
what each kinns controller does and no more; each is bound to the service
account the controller acts as, as kube-controller-manager's
--use-service-account-credentials does.
"""

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
ALL = READ + WRITE
EVENTS = (("create", "patch", "update"), ("", "events.k8s.io"), ("events",))
LABEL = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
RBAC_GROUP = "rbac.authorization.k8s.io"


def rule(verbs: tuple, groups: tuple, resources: tuple, names: tuple = ()) -> dict:
    out = {"verbs": list(verbs), "apiGroups": list(groups), "resources": list(resources)}
    if names:
        out["resourceNames"] = list(names)
    return out


def urls(verbs: tuple, paths: tuple) -> dict:
    return {"verbs": list(verbs), "nonResourceURLs": list(paths)}


VIEW = [
    rule(READ, ("",), ("configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                      "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                      "services/status")),
    rule(READ, ("",), ("bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                      "replicationcontrollers/status", "resourcequotas", "resourcequotas/status")),
    rule(READ, ("",), ("namespaces",)),
    rule(READ, ("discovery.k8s.io",), ("endpointslices",)),
    rule(READ, ("apps",), ("controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
                          "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
                          "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status")),
    rule(READ, ("autoscaling",), ("horizontalpodautoscalers", "horizontalpodautoscalers/status")),
    rule(READ, ("batch",), ("cronjobs", "cronjobs/status", "jobs", "jobs/status")),
    rule(READ, ("policy",), ("poddisruptionbudgets", "poddisruptionbudgets/status")),
    rule(READ, ("networking.k8s.io",), ("ingresses", "ingresses/status", "networkpolicies")),
]
EDIT = [
    rule(READ, ("",), ("pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy")),
    rule(("impersonate",), ("",), ("serviceaccounts",)),
    rule(WRITE, ("",), ("pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy")),
    rule(("create",), ("",), ("pods/eviction",)),
    rule(WRITE, ("",), ("configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
                       "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy")),
    rule(("create",), ("",), ("serviceaccounts/token",)),
    rule(WRITE, ("apps",), ("daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                           "replicasets/scale", "statefulsets", "statefulsets/scale")),
    rule(WRITE, ("autoscaling",), ("horizontalpodautoscalers",)),
    rule(WRITE, ("batch",), ("cronjobs", "jobs")),
    rule(WRITE, ("policy",), ("poddisruptionbudgets",)),
    rule(WRITE, ("networking.k8s.io",), ("ingresses", "networkpolicies")),
    rule(ALL, ("coordination.k8s.io",), ("leases",)),
]
ADMIN = [
    rule(("create",), ("authorization.k8s.io",), ("localsubjectaccessreviews",)),
    rule(ALL, (RBAC_GROUP,), ("rolebindings", "roles")),
]
# What the Node authorizer grants kubelets beyond their own node's objects (the system:node role).
NODE = [
    rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
    rule(("create",), ("authorization.k8s.io",), ("localsubjectaccessreviews", "subjectaccessreviews")),
    rule(READ, ("",), ("services",)),
    rule(("create", "get", "list", "watch"), ("",), ("nodes",)),
    rule(("patch", "update"), ("",), ("nodes/status",)),
    rule(("patch", "update"), ("",), ("nodes",)),
    rule(("create", "patch", "update"), ("",), ("events",)),
    rule(READ, ("",), ("pods",)),
    rule(("create", "delete"), ("",), ("pods",)),
    rule(("patch", "update"), ("",), ("pods/status",)),
    rule(("create",), ("",), ("pods/eviction",)),
    rule(READ, ("",), ("configmaps", "secrets")),
    rule(("get",), ("",), ("persistentvolumeclaims", "persistentvolumes")),
    rule(("get",), ("",), ("endpoints",)),
    rule(("create", "get", "list", "watch"), ("certificates.k8s.io",), ("certificatesigningrequests",)),
    rule(("create", "delete", "get", "patch", "update"), ("coordination.k8s.io",), ("leases",)),
    rule(("create",), ("",), ("serviceaccounts/token",)),
    rule(("get", "patch", "update"), ("",), ("persistentvolumeclaims/status",)),
]

CLUSTER_ROLES: dict[str, list[dict]] = {
    "cluster-admin": [rule(("*",), ("*",), ("*",)), urls(("*",), ("*",))],
    "system:aggregate-to-admin": ADMIN,
    "system:aggregate-to-edit": EDIT,
    "system:aggregate-to-view": VIEW,
    "system:basic-user": [rule(("create",), ("authorization.k8s.io",),
                               ("selfsubjectaccessreviews", "selfsubjectrulesreviews")),
                          rule(("create",), ("authentication.k8s.io",), ("selfsubjectreviews",))],
    "system:discovery": [urls(("get",), ("/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi",
                                         "/openapi/*", "/readyz", "/version", "/version/"))],
    "system:public-info-viewer": [urls(("get",), ("/healthz", "/livez", "/readyz", "/version", "/version/"))],
    "system:monitoring": [urls(("get",), ("/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics",
                                          "/metrics/slis", "/readyz", "/readyz/*"))],
    "system:auth-delegator": [rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
                              rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",))],
    "system:service-account-issuer-discovery": [urls(("get",), ("/.well-known/openid-configuration",
                                                                 "/openid/v1/jwks"))],
    "system:node": NODE,
    "system:node-proxier": [rule(("list", "watch"), ("",), ("endpoints", "services")),
                            rule(READ, ("",), ("nodes",)), rule(*EVENTS),
                            rule(("list", "watch"), ("discovery.k8s.io",), ("endpointslices",))],
    "system:kube-dns": [rule(("list", "watch"), ("",), ("endpoints", "services"))],
    "system:node-bootstrapper": [rule(("create", "get", "list", "watch"), ("certificates.k8s.io",),
                                      ("certificatesigningrequests",))],
    "system:kubelet-api-admin": [rule(READ, ("",), ("nodes",)), rule(("proxy",), ("",), ("nodes",)),
                                 rule(("*",), ("",), ("nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"))],
    "system:kube-controller-manager": [
        rule(*EVENTS), rule(("create",), ("coordination.k8s.io",), ("leases",)),
        rule(("get", "update"), ("coordination.k8s.io",), ("leases",), ("kube-controller-manager",)),
        rule(("create",), ("",), ("secrets", "serviceaccounts")), rule(("delete",), ("",), ("secrets",)),
        rule(("get",), ("",), ("configmaps", "namespaces", "secrets", "serviceaccounts")),
        rule(("update",), ("",), ("secrets", "serviceaccounts")),
        rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
        rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",)),
        rule(("list", "watch"), ("*",), ("*",)), rule(("create",), ("",), ("serviceaccounts/token",))],
    "system:kube-scheduler": [
        rule(*EVENTS), rule(("create",), ("coordination.k8s.io",), ("leases",)),
        rule(("get", "update"), ("coordination.k8s.io",), ("leases",), ("kube-scheduler",)),
        rule(READ, ("",), ("nodes",)), rule(("delete", "get", "list", "watch"), ("",), ("pods",)),
        rule(("create",), ("",), ("bindings", "pods/binding")), rule(("patch", "update"), ("",), ("pods/status",)),
        rule(READ, ("",), ("replicationcontrollers", "services")), rule(READ, ("apps",), ("replicasets",)),
        rule(READ, ("apps",), ("statefulsets",)), rule(READ, ("policy",), ("poddisruptionbudgets",)),
        rule(READ, ("",), ("persistentvolumeclaims", "persistentvolumes")),
        rule(("create",), ("authentication.k8s.io",), ("tokenreviews",)),
        rule(("create",), ("authorization.k8s.io",), ("subjectaccessreviews",)),
        rule(READ, ("",), ("namespaces",))],
    "system:volume-scheduler": [  # what the scheduler's volume binding needs (WaitForFirstConsumer claims)
        rule(("get", "list", "patch", "update", "watch"), ("",), ("persistentvolumeclaims", "persistentvolumes")),
        rule(READ, ("storage.k8s.io",), ("storageclasses",))],
}
AGGREGATED = {  # name -> (the label it gathers, the label it carries itself)
    "admin": ("rbac.authorization.k8s.io/aggregate-to-admin", ""),
    "edit": ("rbac.authorization.k8s.io/aggregate-to-edit", "rbac.authorization.k8s.io/aggregate-to-admin"),
    "view": ("rbac.authorization.k8s.io/aggregate-to-view", "rbac.authorization.k8s.io/aggregate-to-edit"),
}
CARRIES = {"system:aggregate-to-admin": "rbac.authorization.k8s.io/aggregate-to-admin",
           "system:aggregate-to-edit": "rbac.authorization.k8s.io/aggregate-to-edit",
           "system:aggregate-to-view": "rbac.authorization.k8s.io/aggregate-to-view"}

# kinns's controllers, each with the service account it acts as (kube-system/<account>) and its rules
CONTROLLERS: dict[str, tuple[str, list[dict]]] = {
    "serviceaccount-controller": ("service-account-controller", [
        rule(("create",), ("",), ("serviceaccounts",)), rule(("create", "update", "patch"), ("",), ("configmaps",)),
        rule(*EVENTS)]),
    "namespace-controller": ("namespace-controller", [
        rule(("delete", "get", "list", "watch"), ("",), ("namespaces",)),
        rule(("update",), ("",), ("namespaces/finalize", "namespaces/status")),
        rule(("delete", "deletecollection", "get", "list"), ("*",), ("*",))]),
    "node-ipam-controller": ("node-controller", [rule(("get", "list", "patch", "update"), ("",), ("nodes",)),
                                                 rule(*EVENTS)]),
    "node-lifecycle-controller": ("node-controller", [
        rule(("delete", "get", "list", "patch", "update"), ("",), ("nodes",)),
        rule(("patch", "update"), ("",), ("nodes/status",)), rule(("patch", "update"), ("",), ("pods/status",)),
        rule(("delete", "list"), ("",), ("pods",)), rule(*EVENTS)]),
    "garbage-collector-controller": ("generic-garbage-collector", [
        rule(("delete", "get", "list", "patch", "update", "watch"), ("*",), ("*",)), rule(*EVENTS)]),
    "replicaset-controller": ("replicaset-controller", [
        rule(("get", "list", "update", "watch"), ("apps",), ("replicasets",)),
        rule(("update", "patch"), ("apps",), ("replicasets/status",)),
        rule(("create", "delete", "list", "patch", "watch"), ("",), ("pods",)), rule(*EVENTS)]),
    "replicationcontroller-controller": ("replication-controller", [
        rule(("get", "list", "update", "watch"), ("",), ("replicationcontrollers",)),
        rule(("update", "patch"), ("",), ("replicationcontrollers/status",)),
        rule(("create", "delete", "list", "patch", "watch"), ("",), ("pods",)), rule(*EVENTS)]),
    "deployment-controller": ("deployment-controller", [
        rule(("get", "list", "patch", "update", "watch"), ("apps",), ("deployments",)),
        rule(("update", "patch"), ("apps",), ("deployments/status",)),
        rule(("create", "delete", "get", "list", "patch", "update", "watch"), ("apps",), ("replicasets",)),
        rule(("get", "list", "update", "watch"), ("",), ("pods",)), rule(*EVENTS)]),
    "daemonset-controller": ("daemon-set-controller", [
        rule(READ, ("apps",), ("daemonsets",)), rule(("update", "patch"), ("apps",), ("daemonsets/status",)),
        rule(("create", "delete", "list", "patch", "watch"), ("",), ("pods",)),
        rule(("create",), ("",), ("pods/binding",)),
        rule(("create", "delete", "list", "patch", "update", "watch"), ("apps",), ("controllerrevisions",)),
        rule(*EVENTS)]),
    "endpoint-controller": ("endpoint-controller", [
        rule(READ, ("",), ("pods", "services")),
        rule(("create", "delete", "get", "list", "update"), ("",), ("endpoints",)),
        rule(("create", "delete", "get", "list", "update"), ("discovery.k8s.io",), ("endpointslices",)),
        rule(("create",), ("",), ("endpoints/restricted",)), rule(*EVENTS)]),
    "statefulset-controller": ("statefulset-controller", [
        rule(READ, ("apps",), ("statefulsets",)), rule(("update", "patch"), ("apps",), ("statefulsets/status",)),
        rule(("create", "delete", "get", "list", "patch", "update", "watch"), ("",), ("pods",)),
        rule(("create", "get", "list", "watch"), ("",), ("persistentvolumeclaims",)),
        rule(("create", "delete", "get", "list", "patch", "update", "watch"), ("apps",), ("controllerrevisions",)),
        rule(*EVENTS)]),
    "persistentvolume-controller": ("persistent-volume-binder", [
        rule(("create", "delete", "get", "list", "patch", "update", "watch"), ("",), ("persistentvolumes",)),
        rule(("patch", "update"), ("",), ("persistentvolumes/status",)),
        rule(("get", "list", "patch", "update", "watch"), ("",), ("persistentvolumeclaims",)),
        rule(("patch", "update"), ("",), ("persistentvolumeclaims/status",)),
        rule(READ, ("storage.k8s.io",), ("storageclasses",)), rule(*EVENTS)]),
    "cronjob-controller": ("cronjob-controller", [
        rule(("get", "list", "patch", "update", "watch"), ("batch",), ("cronjobs",)),
        rule(("update", "patch"), ("batch",), ("cronjobs/status", "cronjobs/finalizers")),
        rule(("create", "delete", "get", "list", "patch", "update", "watch"), ("batch",), ("jobs",)),
        rule(*EVENTS)]),
    "disruption-controller": ("disruption-controller", [
        rule(READ, ("policy",), ("poddisruptionbudgets",)),
        rule(("update", "patch"), ("policy",), ("poddisruptionbudgets/status",)),
        rule(("list", "watch"), ("",), ("pods",)), rule(*EVENTS)]),
    "job-controller": ("job-controller", [  # also the TTL-after-finished controller, hence delete
        rule(("delete", "get", "list", "patch", "update", "watch"), ("batch",), ("jobs",)),
        rule(("patch", "update"), ("batch",), ("jobs/status", "jobs/finalizers")),
        rule(("create", "delete", "list", "patch", "watch"), ("",), ("pods",)), rule(*EVENTS)]),
    "service-lb-controller": ("service-controller", [
        rule(READ, ("",), ("services",)), rule(("patch", "update"), ("",), ("services/status",)),
        rule(("list", "watch"), ("",), ("nodes",)), rule(*EVENTS)]),
    "resourcequota-controller": ("resourcequota-controller", [
        rule(("list", "watch"), ("*",), ("*",)), rule(("patch", "update"), ("",), ("resourcequotas/status",)),
        rule(*EVENTS)]),
    "horizontal-pod-autoscaler": ("horizontal-pod-autoscaler", [
        rule(READ, ("autoscaling",), ("horizontalpodautoscalers",)),
        rule(("patch", "update"), ("autoscaling",), ("horizontalpodautoscalers/status",)),
        rule(("get", "patch", "update"), ("*",), ("*/scale",)),
        rule(("list",), ("metrics.k8s.io",), ("pods",)), rule(*EVENTS)]),
    "certificate-controller": ("certificate-controller", [
        rule(READ, ("certificates.k8s.io",), ("certificatesigningrequests",)),
        rule(("update",), ("certificates.k8s.io",), ("certificatesigningrequests/status",)),
        rule(("sign",), ("certificates.k8s.io",), ("signers",), ("kubernetes.io/kube-apiserver-client",
                                                                "kubernetes.io/kube-apiserver-client-kubelet",
                                                                "kubernetes.io/kubelet-serving")),
        rule(*EVENTS)]),
    "clusterrole-aggregation-controller": ("clusterrole-aggregation-controller", [
        rule(("escalate", "get", "list", "patch", "update", "watch"), (RBAC_GROUP,), ("clusterroles",))]),
}

# name -> (role, subjects as (kind, name[, namespace]))
CLUSTER_ROLE_BINDINGS: dict[str, tuple[str, list[tuple[str, ...]]]] = {
    "cluster-admin": ("cluster-admin", [("Group", "system:masters")]),
    "system:basic-user": ("system:basic-user", [("Group", "system:authenticated")]),
    "system:discovery": ("system:discovery", [("Group", "system:authenticated")]),
    "system:public-info-viewer": ("system:public-info-viewer", [("Group", "system:authenticated"),
                                                                ("Group", "system:unauthenticated")]),
    "system:monitoring": ("system:monitoring", [("Group", "system:monitoring")]),
    "system:service-account-issuer-discovery": ("system:service-account-issuer-discovery",
                                                [("Group", "system:serviceaccounts")]),
    "system:kube-controller-manager": ("system:kube-controller-manager", [("User", "system:kube-controller-manager")]),
    "system:kube-scheduler": ("system:kube-scheduler", [("User", "system:kube-scheduler")]),
    "system:volume-scheduler": ("system:volume-scheduler", [("User", "system:kube-scheduler")]),
    "system:node-proxier": ("system:node-proxier", [("User", "system:kube-proxy")]),
    "system:kube-dns": ("system:kube-dns", [("ServiceAccount", "kube-dns", "kube-system")]),
    "system:node": ("system:node", []),  # kubelets are authorized by the Node authorizer, as kubeadm's are
}
ROLES = {  # (namespace, name) -> rules
    ("kube-system", "extension-apiserver-authentication-reader"): [
        rule(READ, ("",), ("configmaps",), ("extension-apiserver-authentication",))],
}


def controller_account(controller: str) -> str:
    """The user name a controller acts as."""
    return f"system:serviceaccount:kube-system:{CONTROLLERS[controller][0]}"


def _meta(name: str, namespace: str = "", labels: dict | None = None) -> dict:
    meta = {"name": name, "labels": {**LABEL, **(labels or {})}, "annotations": dict(AUTOUPDATE)}
    if namespace:
        meta["namespace"] = namespace
    return meta


def _subject(entry: tuple[str, ...]) -> dict:
    if entry[0] == "ServiceAccount":
        return {"kind": "ServiceAccount", "name": entry[1], "namespace": entry[2]}
    return {"kind": entry[0], "apiGroup": RBAC_GROUP, "name": entry[1]}


def _ref(role: str, kind: str = "ClusterRole") -> dict:
    return {"apiGroup": RBAC_GROUP, "kind": kind, "name": role}


def cluster_roles() -> list[dict]:
    out = [{"metadata": _meta(n, labels={CARRIES[n]: "true"} if n in CARRIES else None), "rules": rules}
           for n, rules in CLUSTER_ROLES.items()]
    for name, (gathers, carries) in AGGREGATED.items():
        out.append({"metadata": _meta(name, labels={carries: "true"} if carries else None),
                    "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {gathers: "true"}}]}, "rules": []})
    out += [{"metadata": _meta(f"system:controller:{c}"), "rules": rules} for c, (_, rules) in CONTROLLERS.items()]
    return out


def cluster_role_bindings() -> list[dict]:
    out = [{"metadata": _meta(n), "roleRef": _ref(role), "subjects": [_subject(s) for s in subjects]}
           for n, (role, subjects) in CLUSTER_ROLE_BINDINGS.items()]
    out += [{"metadata": _meta(f"system:controller:{c}"), "roleRef": _ref(f"system:controller:{c}"),
             "subjects": [_subject(("ServiceAccount", account, "kube-system"))]}
            for c, (account, _) in CONTROLLERS.items()]
    return out


def roles() -> list[dict]:
    return [{"metadata": _meta(name, namespace), "rules": rules} for (namespace, name), rules in ROLES.items()]
