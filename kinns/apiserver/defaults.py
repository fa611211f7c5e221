"""Defaults the API server fills in, and the Service allocations it makes at create time.

What kube-apiserver's defaulting does for the built-in kinds (so `kubectl get -o yaml`
shows the same object), plus the two allocations its Service storage makes:
a ClusterIP from the service CIDR (10.96.0.1 is the `kubernetes` Service's) and
node ports from 30000-32767, explicit ones checked for range and conflicts.
"""

import base64
import ipaddress
import random

from ..apimachinery.errors import invalid

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")
NODE_PORTS = range(30000, 32768)


def _image_pull_policy(image: str) -> str:
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last.split("@", 1)[0] else ""
    return "Always" if tag in ("", "latest") and "@" not in image else "IfNotPresent"


def _container(c: dict) -> None:
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("imagePullPolicy", _image_pull_policy(c.get("image", "")))
    resources = c.setdefault("resources", {})
    if isinstance(resources, dict) and isinstance(resources.get("limits"), dict):  # requests default to the limits
        resources["requests"] = {**resources["limits"], **(resources.get("requests") or {})}
    for p in c.get("ports") or []:
        p.setdefault("protocol", "TCP")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        if isinstance(c.get(probe), dict):
            pr = c[probe]
            for key, value in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                               ("failureThreshold", 3)):
                pr.setdefault(key, value)
            if isinstance(pr.get("httpGet"), dict):
                pr["httpGet"].setdefault("path", "/")
                pr["httpGet"].setdefault("scheme", "HTTP")


def qos_class(spec: dict) -> str:
    """Guaranteed when every container's cpu and memory limits equal its requests, BestEffort when none
    sets any, Burstable otherwise."""
    containers = [c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
                  if isinstance(c, dict)]
    resources = [c.get("resources") or {} for c in containers]
    if not any(r.get("requests") or r.get("limits") for r in resources):
        return "BestEffort"
    for r in resources:
        limits = r.get("limits") or {}
        requests = r.get("requests") or limits  # requests default to the limits
        if any(not limits.get(k) or str(requests.get(k)) != str(limits[k]) for k in ("cpu", "memory")):
            return "Burstable"
    return "Guaranteed"


def pod_spec(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("enableServiceLinks", True)
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        if isinstance(c, dict):
            _container(c)
    for v in spec.get("volumes") or []:
        for kind in ("configMap", "secret"):
            if isinstance(v.get(kind), dict):
                v[kind].setdefault("defaultMode", 420)


SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def _service_account_volume(pod: dict) -> None:
    """What the ServiceAccount admission plugin adds: a projected token, CA and namespace at SA_MOUNT."""
    spec = pod["spec"]
    if spec.get("automountServiceAccountToken") is False or \
            "kubernetes.io/config.mirror" in (pod.get("metadata", {}).get("annotations") or {}):
        return  # mirror pods never get a token, as the admission plugin leaves them alone
    containers = [c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
                  if isinstance(c, dict)]
    if any(m.get("mountPath") == SA_MOUNT for c in containers for m in c.get("volumeMounts") or []):
        return
    name = "kube-api-access-" + "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
    spec.setdefault("volumes", []).append({"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                    "path": "namespace"}]}}]}})
    for c in containers:
        c.setdefault("volumeMounts", []).append({"name": name, "readOnly": True, "mountPath": SA_MOUNT})


def _workload(obj: dict, kind: str) -> None:
    spec = obj.setdefault("spec", {})
    template = spec.setdefault("template", {})
    pod_spec(template.setdefault("spec", {}))
    if kind in ("Deployment", "ReplicaSet"):
        spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    if kind == "Deployment":
        spec.setdefault("progressDeadlineSeconds", 600)
        strategy = spec.setdefault("strategy", {"type": "RollingUpdate"})
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            strategy.setdefault("type", "RollingUpdate")
            strategy.setdefault("rollingUpdate", {}).setdefault("maxUnavailable", "25%")
            strategy["rollingUpdate"].setdefault("maxSurge", "25%")
    if kind == "DaemonSet":
        strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if strategy.get("type") == "RollingUpdate":
            strategy.setdefault("rollingUpdate", {"maxUnavailable": 1, "maxSurge": 0})


def _statefulset(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))
    spec.setdefault("replicas", 1)
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        strategy.setdefault("type", "RollingUpdate")
        strategy.setdefault("rollingUpdate", {}).setdefault("partition", 0)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("persistentVolumeClaimRetentionPolicy", {"whenDeleted": "Retain", "whenScaled": "Retain"})
    for claim in spec.get("volumeClaimTemplates") or []:
        if isinstance(claim, dict):
            claim.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")


def _job(obj: dict) -> None:
    """A Job's defaults, and the selector and labels kube-apiserver generates from its uid (unless
    manualSelector): what ties the Job to its pods."""
    spec = obj.setdefault("spec", {})
    template = spec.setdefault("template", {})
    pod_spec(template.setdefault("spec", {}))
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault("podReplacementPolicy", "TerminatingOrFailed")
    meta = obj.get("metadata") or {}
    if not spec.get("manualSelector") and meta.get("uid") and not spec.get("selector"):
        uid, name = meta["uid"], meta.get("name", "")
        labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name,
                  "controller-uid": uid, "job-name": name}
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        template.setdefault("metadata", {})
        template["metadata"]["labels"] = {**(template["metadata"].get("labels") or {}), **labels}
        obj["metadata"]["labels"] = {**{k: v for k, v in labels.items() if "job-name" in k},
                                     **(meta.get("labels") or {})}


def _service(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    if spec["type"] == "ExternalName":
        return
    for p in spec.get("ports") or []:
        p.setdefault("protocol", "TCP")
        p.setdefault("targetPort", p.get("port"))
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if spec["type"] in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def _match_resources(match: dict) -> None:
    """MatchResources of a policy or binding: Equivalent matching, empty selectors, every scope."""
    match.setdefault("matchPolicy", "Equivalent")
    match.setdefault("namespaceSelector", {})
    match.setdefault("objectSelector", {})
    for rule in (match.get("resourceRules") or []) + (match.get("excludeResourceRules") or []):
        if isinstance(rule, dict):
            rule.setdefault("scope", "*")


def _limit_defaults(item: dict) -> None:
    """A Container limit: the default limit is the max where unset, the default request the default limit,
    else the min."""
    default, request = item.setdefault("default", {}), item.setdefault("defaultRequest", {})
    for name, value in (item.get("max") or {}).items():
        default.setdefault(name, value)
    for name, value in default.items():
        request.setdefault(name, value)
    for name, value in (item.get("min") or {}).items():
        request.setdefault(name, value)
    for field in ("default", "defaultRequest"):
        if not item[field]:
            del item[field]


def _autoscaler(spec: dict) -> None:
    """autoscaling/v2's defaults: one replica at least, 80% CPU utilization, the standard scaling behaviour."""
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
            "type": "Utilization", "averageUtilization": 80}}}]
    behavior = spec.setdefault("behavior", {})
    up = behavior.setdefault("scaleUp", {})
    up.setdefault("stabilizationWindowSeconds", 0)
    up.setdefault("selectPolicy", "Max")
    up.setdefault("policies", [{"type": "Pods", "value": 4, "periodSeconds": 15},
                               {"type": "Percent", "value": 100, "periodSeconds": 15}])
    down = behavior.setdefault("scaleDown", {})
    down.setdefault("stabilizationWindowSeconds", 300)
    down.setdefault("selectPolicy", "Max")
    down.setdefault("policies", [{"type": "Percent", "value": 100, "periodSeconds": 15}])


def _webhooks(obj: dict, mutating: bool) -> None:
    for hook in obj.get("webhooks") or []:
        if not isinstance(hook, dict):
            continue
        _match_resources(hook)
        hook.setdefault("failurePolicy", "Fail")
        hook.setdefault("timeoutSeconds", 10)
        if mutating:
            hook.setdefault("reinvocationPolicy", "Never")
        service = (hook.get("clientConfig") or {}).get("service")
        if isinstance(service, dict):
            service.setdefault("port", 443)
        for rule in hook.get("rules") or []:
            if isinstance(rule, dict):
                rule.setdefault("scope", "*")


def apply(kind: str, obj: dict) -> None:
    """Fill in the defaults of a new or updated object of a built-in kind (in place)."""
    if kind == "Pod":
        pod_spec(obj.setdefault("spec", {}))
        obj.setdefault("status", {"phase": "Pending", "qosClass": qos_class(obj["spec"])})
        obj["spec"].setdefault("serviceAccountName", "default")
        _service_account_volume(obj)
        obj["spec"].setdefault("serviceAccount", obj["spec"]["serviceAccountName"])
        _default_toleration_seconds(obj["spec"])
    elif kind in ("Deployment", "ReplicaSet", "DaemonSet"):
        _workload(obj, kind)
    elif kind == "Job":
        _job(obj)
    elif kind == "ReplicationController":
        spec = obj.setdefault("spec", {})
        template = spec.setdefault("template", {})
        pod_spec(template.setdefault("spec", {}))
        spec.setdefault("replicas", 1)
        labels = (template.get("metadata") or {}).get("labels") or {}
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        if not (obj.get("metadata") or {}).get("labels"):
            obj.setdefault("metadata", {})["labels"] = dict(labels)
    elif kind == "StatefulSet":
        _statefulset(obj)
    elif kind == "PersistentVolumeClaim":
        obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        obj.setdefault("status", {"phase": "Pending"})
    elif kind == "PersistentVolume":
        obj.setdefault("spec", {}).setdefault("volumeMode", "Filesystem")
        obj["spec"].setdefault("persistentVolumeReclaimPolicy", "Retain")
        obj.setdefault("status", {"phase": "Pending"})
    elif kind == "StorageClass":
        obj.setdefault("reclaimPolicy", "Delete")
        obj.setdefault("volumeBindingMode", "Immediate")
    elif kind == "CronJob":
        spec = obj.setdefault("spec", {})
        for key, value in (("concurrencyPolicy", "Allow"), ("suspend", False), ("successfulJobsHistoryLimit", 3),
                           ("failedJobsHistoryLimit", 1)):
            spec.setdefault(key, value)
        template = spec.setdefault("jobTemplate", {}).setdefault("spec", {}).setdefault("template", {})
        pod_spec(template.setdefault("spec", {}))
    elif kind == "Service":
        _service(obj)
        obj.setdefault("status", {"loadBalancer": {}})
    elif kind == "Secret":
        obj.setdefault("type", "Opaque")
        plain = obj.pop("stringData", None)  # written into data, never stored or read back
        if isinstance(plain, dict) and plain:
            obj["data"] = {**(obj.get("data") or {}),
                           **{k: base64.b64encode(str(v).encode()).decode() for k, v in plain.items()}}
    elif kind in ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"):
        _webhooks(obj, kind.startswith("Mutating"))
    elif kind == "ValidatingAdmissionPolicy":
        spec = obj.setdefault("spec", {})
        spec.setdefault("failurePolicy", "Fail")
        if isinstance(spec.get("matchConstraints"), dict):
            _match_resources(spec["matchConstraints"])
    elif kind == "ValidatingAdmissionPolicyBinding":
        if isinstance((obj.get("spec") or {}).get("matchResources"), dict):
            _match_resources(obj["spec"]["matchResources"])
    elif kind == "LimitRange":
        for item in (obj.get("spec") or {}).get("limits") or []:
            if isinstance(item, dict) and item.get("type") == "Container":
                _limit_defaults(item)
    elif kind == "PriorityClass":
        obj.setdefault("preemptionPolicy", "PreemptLowerPriority")
    elif kind == "HorizontalPodAutoscaler":
        _autoscaler(obj.setdefault("spec", {}))
    elif kind == "NetworkPolicy":
        _network_policy(obj.get("spec"))
    elif kind == "Namespace":
        name = obj.get("metadata", {}).get("name", "")
        obj["metadata"].setdefault("labels", {})["kubernetes.io/metadata.name"] = name
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {}).setdefault("phase", "Active")


def allocate_service(obj: dict, existing: list[dict], old: dict | None = None) -> None:
    """ClusterIP and node ports for a Service, kept across updates; conflicts are Invalid (422)."""
    spec = obj.get("spec") or {}
    name = obj.get("metadata", {}).get("name", "")
    others = [s for s in existing if s.get("metadata", {}).get("uid") != obj.get("metadata", {}).get("uid")]
    old_spec = (old or {}).get("spec") or {}
    causes = []
    if spec.get("type") != "ExternalName":
        wanted = spec.get("clusterIP") or old_spec.get("clusterIP")
        taken = {s.get("spec", {}).get("clusterIP") for s in others}
        if wanted and wanted != "None":
            try:
                ip = ipaddress.ip_address(wanted)
            except ValueError:
                ip = None
            if ip is None or ip not in SERVICE_CIDR:
                causes.append(("spec.clusterIPs", "FieldValueInvalid", f'Invalid value: ["{wanted}"]: failed to '
                               f"allocate IP {wanted}: the provided IP ({wanted}) is not in the valid range. The "
                               f"range of valid IPs is {SERVICE_CIDR}"))
            elif wanted in taken:
                causes.append(("spec.clusterIPs", "FieldValueInvalid", f'Invalid value: ["{wanted}"]: failed to '
                               f"allocate IP {wanted}: provided IP is already allocated"))
        elif not wanted:
            wanted = _free_ip(taken, name, obj.get("metadata", {}).get("namespace"))
        spec["clusterIP"] = wanted
        spec["clusterIPs"] = [wanted]
    if spec.get("type") in ("NodePort", "LoadBalancer") and spec.get("allocateLoadBalancerNodePorts", True):
        used = {p.get("nodePort") for s in others for p in s.get("spec", {}).get("ports") or []}
        old_ports = {(p.get("port"), p.get("protocol")): p.get("nodePort") for p in old_spec.get("ports") or []}
        for i, p in enumerate(spec.get("ports") or []):
            port = p.get("nodePort") or old_ports.get((p.get("port"), p.get("protocol")))
            if port:
                if port not in NODE_PORTS:
                    causes.append((f"spec.ports[{i}].nodePort", "FieldValueInvalid", f"Invalid value: {port}: "
                                   "provided port is not in the valid range. The range of valid ports is 30000-32767"))
                elif port in used:
                    causes.append((f"spec.ports[{i}].nodePort", "FieldValueInvalid",
                                   f"Invalid value: {port}: provided port is already allocated"))
            else:
                port = random.choice([n for n in NODE_PORTS if n not in used])
            p["nodePort"] = port
            used.add(port)
        if spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local" and \
                not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = old_spec.get("healthCheckNodePort") or random.choice(
                [n for n in NODE_PORTS if n not in used])
    if causes:
        raise invalid("Service", "", name, causes)


def _free_ip(taken: set, name: str, namespace: str | None) -> str:
    first = SERVICE_CIDR.network_address + 1
    if name == "kubernetes" and namespace == "default" and str(first) not in taken:
        return str(first)
    size = SERVICE_CIDR.num_addresses
    for _ in range(64):
        candidate = str(SERVICE_CIDR.network_address + random.randrange(2, size - 1))
        if candidate not in taken:
            return candidate
    for offset in range(2, size - 1):
        candidate = str(SERVICE_CIDR.network_address + offset)
        if candidate not in taken:
            return candidate
    raise invalid("Service", "", name, [("spec.clusterIPs", "FieldValueInvalid", "failed to allocate a serviceIP: "
                                         "range is full")])


def _network_policy(spec: object) -> None:
    """A port's protocol is TCP unless given; policyTypes, when not given, is Ingress, with Egress too when the
    policy has egress rules (what the policy means is then written down, as kube-apiserver defaults it)."""
    if not isinstance(spec, dict):
        return
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or [] if isinstance(spec.get(direction), list) else []:
            for port in (rule.get("ports") or [] if isinstance(rule, dict) else []):
                if isinstance(port, dict) and port.get("protocol") is None:
                    port["protocol"] = "TCP"
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", *(["Egress"] if spec.get("egress") else [])]


def _default_toleration_seconds(spec: dict) -> None:
    """The DefaultTolerationSeconds admission plugin: a pod that does not tolerate the not-ready or the
    unreachable NoExecute taint already (whatever else it tolerates) gets a toleration of 300 s for it, so a
    node's brief outage does not evict it at once."""
    tolerations = spec.setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        if not any((t.get("key") in (key, None, "") if t.get("operator") == "Exists" else t.get("key") == key)
                   and t.get("effect") in ("NoExecute", None, "") for t in tolerations):
            tolerations.append({"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300})
