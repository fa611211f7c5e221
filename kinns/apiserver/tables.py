"""Server-side printing: `Table` responses with the columns kube-apiserver gives each type.

kubectl asks for `as=Table` and prints the cells as they come, so the column
names, their order and which are wide-only (priority 1) are what users see.
"""

import datetime
import json
import re
from collections.abc import Callable

from ..apimachinery.labels import selector_text
from ..apimachinery.meta import parse_time

Row = list[object]


def human_duration(seconds: float) -> str:
    """kubectl's HumanDuration: 45s, 5m30s, 42m, 5h6m, 30h, 3d4h, 120d, 2y30d."""
    s = int(seconds)
    if seconds < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m" if s % 60 == 0 else f"{minutes}m{s % 60}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h" if minutes % 60 == 0 else f"{hours}h{minutes % 60}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d" if hours % 24 == 0 else f"{hours // 24}d{hours % 24}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if days == 0 else f"{hours // 24 // 365}y{days}d"
    return f"{hours // 24 // 365}y"


def age(obj: dict) -> str:
    created = parse_time(obj.get("metadata", {}).get("creationTimestamp"))
    if created is None:
        return "<unknown>"
    return human_duration((datetime.datetime.now(datetime.timezone.utc) - created).total_seconds())


def _selector(sel: dict | None) -> str:
    return selector_text(sel) or "<none>"


def _map_selector(sel: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in (sel or {}).items()) or "<none>"


def _containers(spec: dict) -> tuple[str, str]:
    cs = (spec.get("template", {}).get("spec", {}) or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)


def _init_reason(spec: dict, status: dict, reason: str) -> tuple[str, int]:
    """kubectl's STATUS while init containers run: `Init:1/2`, `Init:CrashLoopBackOff`, `Init:Error`; and the
    init containers' restarts."""
    restarts = 0
    for i, c in enumerate(status.get("initContainerStatuses") or []):
        restarts += c.get("restartCount", 0)
        state = c.get("state") or {}
        ended, waiting = state.get("terminated"), state.get("waiting") or {}
        if ended and ended.get("exitCode") == 0:
            continue
        if ended:
            reason = "Init:" + (ended.get("reason") or (f"Signal:{ended['signal']}" if ended.get("signal")
                                                         else f"ExitCode:{ended.get('exitCode')}"))
        elif waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(spec.get('initContainers') or [])}"
        break
    return reason, restarts


def _pod_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    statuses = status.get("containerStatuses") or []
    total = len(spec.get("containers") or [])
    ready = sum(1 for c in statuses if c.get("ready"))
    reason = status.get("reason") or status.get("phase") or "Pending"
    reason, restarts = _init_reason(spec, status, reason)
    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True"
                      for c in status.get("conditions") or [])
    if not reason.startswith("Init:") or initialized:
        restarts = sum(c.get("restartCount", 0) for c in statuses)
        for c in statuses:
            state = c.get("state") or {}
            if state.get("waiting", {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif state.get("terminated", {}).get("reason"):
                reason = state["terminated"]["reason"]
    if o.get("metadata", {}).get("deletionTimestamp"):
        reason = "Terminating"
    gates = spec.get("readinessGates") or []
    return [f"{ready}/{total}", reason, restarts, age(o), status.get("podIP") or "<none>",
            spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>",
            f"{len(gates)}/{len(gates)}" if gates else "<none>"]


def _node_row(o: dict) -> Row:
    status, labels = o.get("status", {}), o.get("metadata", {}).get("labels") or {}
    ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
    state = "Ready" if ready and ready.get("status") == "True" else "NotReady"
    if o.get("spec", {}).get("unschedulable"):
        state += ",SchedulingDisabled"
    roles = sorted(k.split("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    addrs = {a.get("type"): a.get("address") for a in status.get("addresses") or []}
    info = status.get("nodeInfo") or {}
    return [state, ",".join(roles) or "<none>", age(o), info.get("kubeletVersion", ""),
            addrs.get("InternalIP", "<none>"), addrs.get("ExternalIP", "<none>"), info.get("osImage", ""),
            info.get("kernelVersion", ""), info.get("containerRuntimeVersion", "")]


def _service_row(o: dict) -> Row:
    spec = o.get("spec", {})
    kind = spec.get("type") or "ClusterIP"
    external = ",".join(i.get("ip") or i.get("hostname", "") for i in
                        (o.get("status", {}).get("loadBalancer", {}) or {}).get("ingress") or [])
    if kind == "ExternalName":
        external = spec.get("externalName", "")
    elif not external:
        external = ",".join(spec.get("externalIPs") or []) or ("<pending>" if kind == "LoadBalancer" else "<none>")
    ports = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        ports.append(f"{text}/{p.get('protocol', 'TCP')}")
    return [kind, spec.get("clusterIP") or "<none>", external, ",".join(ports) or "<none>", age(o),
            _map_selector(spec.get("selector"))]


def _endpoints_row(o: dict) -> Row:
    items = []
    for subset in o.get("subsets") or []:
        for a in subset.get("addresses") or []:
            for p in subset.get("ports") or [{}]:
                items.append(f"{a.get('ip')}:{p.get('port')}" if p.get("port") else a.get("ip"))
    text = ",".join(items[:3]) + (f" + {len(items) - 3} more..." if len(items) > 3 else "")
    return [text or "<none>", age(o)]


def _ingress_row(o: dict) -> Row:
    spec = o.get("spec", {})
    hosts = [r.get("host") for r in spec.get("rules") or [] if r.get("host")]
    addrs = [i.get("ip") or i.get("hostname") for i in
             (o.get("status", {}).get("loadBalancer", {}) or {}).get("ingress") or []]
    ports = "80, 443" if spec.get("tls") else "80"
    return [spec.get("ingressClassName") or "<none>", ",".join(hosts) or "*", ",".join(addrs), ports, age(o)]


def _event_row(o: dict) -> Row:
    obj = o.get("involvedObject") or o.get("regarding") or {}
    last = o.get("lastTimestamp") or o.get("eventTime") or o.get("metadata", {}).get("creationTimestamp")
    when = parse_time(last)
    seen = human_duration((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) if when else ""
    return [seen, o.get("type", ""), o.get("reason", ""), f"{obj.get('kind', '').lower()}/{obj.get('name', '')}",
            o.get("message", "")]


def _workload(o: dict, cols: Callable[[dict, dict], Row]) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    names, images = _containers(spec)
    return cols(spec, status) + [age(o), names, images, _selector(spec.get("selector"))]


def _deployment_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    names, images = _containers(spec)
    return [f"{status.get('readyReplicas', 0)}/{spec.get('replicas', 1)}", status.get("updatedReplicas", 0),
            status.get("availableReplicas", 0), age(o), names, images, _selector(spec.get("selector"))]


def _cronjob_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    last = status.get("lastScheduleTime")
    template = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = _containers(template)
    return [spec.get("schedule", ""), spec.get("timeZone") or "<none>", str(bool(spec.get("suspend"))),
            len(status.get("active") or []), age({"metadata": {"creationTimestamp": last}}) if last else "<none>",
            age(o), names, images, _selector(template.get("selector"))]


MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def _claim_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    modes = ",".join(MODES.get(m, m) for m in status.get("accessModes") or [])
    return [status.get("phase", ""), spec.get("volumeName", ""), (status.get("capacity") or {}).get("storage", ""),
            modes, spec.get("storageClassName", ""), "<unset>", age(o), spec.get("volumeMode", "Filesystem")]


def _volume_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    ref = spec.get("claimRef") or {}
    return [(spec.get("capacity") or {}).get("storage", ""),
            ",".join(MODES.get(m, m) for m in spec.get("accessModes") or []),
            spec.get("persistentVolumeReclaimPolicy", "Retain"), status.get("phase", ""),
            f"{ref.get('namespace')}/{ref.get('name')}" if ref else "", spec.get("storageClassName", ""), "<unset>",
            status.get("reason", ""), age(o), spec.get("volumeMode", "Filesystem")]


def _job_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    done = {c.get("type") for c in status.get("conditions") or [] if c.get("status") == "True"}
    state = "Complete" if "Complete" in done else "Failed" if "Failed" in done else \
        "Suspended" if spec.get("suspend") else "Running"
    completions = f"{status.get('succeeded', 0)}/{spec['completions']}" if spec.get("completions") is not None \
        else f"{status.get('succeeded', 0)}/1 of {spec.get('parallelism', 1)}"
    duration = ""
    started = parse_time(status.get("startTime"))
    if started is not None:
        ended = parse_time(status.get("completionTime")) or datetime.datetime.now(datetime.timezone.utc)
        duration = human_duration((ended - started).total_seconds())
    names, images = _containers(spec)
    return [state, completions, duration, age(o), names, images, _selector(spec.get("selector"))]


def _replicaset_row(o: dict) -> Row:
    return _workload(o, lambda s, st: [s.get("replicas", 1), st.get("replicas", 0), st.get("readyReplicas", 0)])


def _daemonset_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    node_sel = _map_selector(spec.get("template", {}).get("spec", {}).get("nodeSelector"))
    names, images = _containers(spec)
    return [status.get("desiredNumberScheduled", 0), status.get("currentNumberScheduled", 0),
            status.get("numberReady", 0), status.get("updatedNumberScheduled", 0),
            status.get("numberAvailable", 0), node_sel, age(o), names, images, _selector(spec.get("selector"))]


def _revision_row(o: dict) -> Row:
    """The controller as kind.group/name (`statefulset.apps/web`), as kubectl shows it."""
    owner = next((r for r in o.get("metadata", {}).get("ownerReferences") or [] if r.get("controller")), None)
    shown = ""
    if owner:
        group = owner.get("apiVersion", "").rpartition("/")[0]
        shown = f"{owner.get('kind', '').lower()}{'.' + group if group else ''}/{owner.get('name', '')}"
    return [shown, o.get("revision", 0), age(o)]


def _slice_row(o: dict) -> Row:
    ports = ",".join(str(p.get("port")) for p in o.get("ports") or []) or "<unset>"
    addrs = [a for e in o.get("endpoints") or [] for a in e.get("addresses") or []]
    text = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "")
    return [o.get("addressType", ""), ports, text or "<unset>", age(o)]


def _param_kind(kind: dict | None) -> str:
    return f"{kind.get('apiVersion', '')}/{kind.get('kind', '')}" if kind else "<unset>"


def _param_ref(ref: dict | None) -> str:
    if not ref:
        return "<unset>"
    name = ref.get("name") or "*"
    return f"{ref['namespace']}/{name}" if ref.get("namespace") else name


def _quota_row(o: dict) -> Row:
    hard, used = o.get("status", {}).get("hard") or {}, o.get("status", {}).get("used") or {}
    shown = [f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items())]
    return [age(o), ", ".join(s for s in shown if not s.startswith("limits.")),
            ", ".join(s for s in shown if s.startswith("limits."))]


def _target(metric: dict, current: dict | None) -> str:
    """One HPA metric as kubectl shows it: `cpu: 40%/80%`, `<unknown>` for what has no current value."""
    kind = metric.get("type", "")
    source = metric.get(kind[:1].lower() + kind[1:]) or {}
    target = source.get("target") or {}
    have = ((current or {}).get(kind[:1].lower() + kind[1:]) or {}).get("current") or {}
    if target.get("type") == "Utilization":
        now = f"{have['averageUtilization']}%" if "averageUtilization" in have else "<unknown>"
        want = f"{target.get('averageUtilization')}%"
    else:
        field = "averageValue" if target.get("type") == "AverageValue" else "value"
        now, want = str(have.get(field, "<unknown>")), str(target.get(field, ""))
    name = source.get("name") or (source.get("metric") or {}).get("name", "")
    return f"{name}: {now}/{want}"


def _autoscaler_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    ref = spec.get("scaleTargetRef") or {}
    current = status.get("currentMetrics") or []
    metrics = spec.get("metrics") or []
    targets = ", ".join(_target(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics))
    return [f"{ref.get('kind', '')}/{ref.get('name', '')}", targets or "<none>", spec.get("minReplicas", 1),
            spec.get("maxReplicas", 0), status.get("currentReplicas", 0), age(o)]


def _signing_row(o: dict) -> Row:
    spec, status = o.get("spec", {}), o.get("status", {})
    states = [c.get("type", "") for c in status.get("conditions") or [] if c.get("status") == "True"]
    if status.get("certificate"):
        states.append("Issued")
    seconds = spec.get("expirationSeconds")
    return [age(o), spec.get("signerName", ""), spec.get("username", ""),
            human_duration(seconds) if seconds else "<none>", ",".join(states) or "Pending"]


# (column name, type, priority) lists and row functions; the NAME column comes first everywhere.
S, I, D = "string", "integer", "date"
PRINTERS: dict[str, tuple[list[tuple[str, str, int]], Callable[[dict], Row]]] = {
    "namespaces": ([("Status", S, 0), ("Age", S, 0)],
                   lambda o: [o.get("status", {}).get("phase", "Active"), age(o)]),
    "configmaps": ([("Data", I, 0), ("Age", S, 0)],
                   lambda o: [len(o.get("data") or {}) + len(o.get("binaryData") or {}), age(o)]),
    "secrets": ([("Type", S, 0), ("Data", I, 0), ("Age", S, 0)],
                lambda o: [o.get("type", "Opaque"), len(o.get("data") or {}), age(o)]),
    "serviceaccounts": ([("Secrets", I, 0), ("Age", S, 0)], lambda o: [len(o.get("secrets") or []), age(o)]),
    "pods": ([("Ready", S, 0), ("Status", S, 0), ("Restarts", S, 0), ("Age", S, 0), ("IP", S, 1), ("Node", S, 1),
              ("Nominated Node", S, 1), ("Readiness Gates", S, 1)], _pod_row),
    "nodes": ([("Status", S, 0), ("Roles", S, 0), ("Age", S, 0), ("Version", S, 0), ("Internal-IP", S, 1),
               ("External-IP", S, 1), ("OS-Image", S, 1), ("Kernel-Version", S, 1), ("Container-Runtime", S, 1)],
              _node_row),
    "services": ([("Type", S, 0), ("Cluster-IP", S, 0), ("External-IP", S, 0), ("Port(s)", S, 0), ("Age", S, 0),
                  ("Selector", S, 1)], _service_row),
    "endpoints": ([("Endpoints", S, 0), ("Age", S, 0)], _endpoints_row),
    "deployments": ([("Ready", S, 0), ("Up-to-date", I, 0), ("Available", I, 0), ("Age", S, 0),
                     ("Containers", S, 1), ("Images", S, 1), ("Selector", S, 1)], _deployment_row),
    "cronjobs": ([("Schedule", S, 0), ("Timezone", S, 0), ("Suspend", S, 0), ("Active", I, 0),
                  ("Last Schedule", S, 0), ("Age", S, 0), ("Containers", S, 1), ("Images", S, 1),
                  ("Selector", S, 1)], _cronjob_row),
    "replicationcontrollers": ([("Desired", I, 0), ("Current", I, 0), ("Ready", I, 0), ("Age", S, 0),
                                ("Containers", S, 1), ("Images", S, 1), ("Selector", S, 1)],
                               lambda o: [o.get("spec", {}).get("replicas", 1), o.get("status", {}).get("replicas", 0),
                                          o.get("status", {}).get("readyReplicas", 0), age(o),
                                          *_containers(o.get("spec", {})),
                                          _map_selector(o.get("spec", {}).get("selector"))]),
    "statefulsets": ([("Ready", S, 0), ("Age", S, 0), ("Containers", S, 1), ("Images", S, 1)],
                     lambda o: [f"{o.get('status', {}).get('readyReplicas', 0)}/{o.get('spec', {}).get('replicas', 1)}",
                                age(o), *_containers(o.get("spec", {}))]),
    "persistentvolumeclaims": ([("Status", S, 0), ("Volume", S, 0), ("Capacity", S, 0), ("Access Modes", S, 0),
                                ("StorageClass", S, 0), ("VolumeAttributesClass", S, 0), ("Age", S, 0),
                                ("VolumeMode", S, 1)], _claim_row),
    "persistentvolumes": ([("Capacity", S, 0), ("Access Modes", S, 0), ("Reclaim Policy", S, 0), ("Status", S, 0),
                           ("Claim", S, 0), ("StorageClass", S, 0), ("VolumeAttributesClass", S, 0),
                           ("Reason", S, 0), ("Age", S, 0), ("VolumeMode", S, 1)], _volume_row),
    "storageclasses": ([("Provisioner", S, 0), ("ReclaimPolicy", S, 0), ("VolumeBindingMode", S, 0),
                        ("AllowVolumeExpansion", S, 0), ("Age", S, 0)],
                       lambda o: [o.get("provisioner", ""), o.get("reclaimPolicy", "Delete"),
                                  o.get("volumeBindingMode", "Immediate"),
                                  str(bool(o.get("allowVolumeExpansion"))).lower(), age(o)]),
    "jobs": ([("Status", S, 0), ("Completions", S, 0), ("Duration", S, 0), ("Age", S, 0), ("Containers", S, 1),
              ("Images", S, 1), ("Selector", S, 1)], _job_row),
    "replicasets": ([("Desired", I, 0), ("Current", I, 0), ("Ready", I, 0), ("Age", S, 0), ("Containers", S, 1),
                     ("Images", S, 1), ("Selector", S, 1)], _replicaset_row),
    "daemonsets": ([("Desired", I, 0), ("Current", I, 0), ("Ready", I, 0), ("Up-to-date", I, 0),
                    ("Available", I, 0), ("Node Selector", S, 0), ("Age", S, 0), ("Containers", S, 1),
                    ("Images", S, 1), ("Selector", S, 1)], _daemonset_row),
    "ingresses": ([("Class", S, 0), ("Hosts", S, 0), ("Address", S, 0), ("Ports", S, 0), ("Age", S, 0)],
                  _ingress_row),
    "ingressclasses": ([("Controller", S, 0), ("Parameters", S, 0), ("Age", S, 0)],
                       lambda o: [o.get("spec", {}).get("controller", ""), "<none>", age(o)]),
    "networkpolicies": ([("Pod-Selector", S, 0), ("Age", S, 0)],
                        lambda o: [_selector(o.get("spec", {}).get("podSelector")).replace("<none>", ""), age(o)]),
    "events": ([("Last Seen", S, 0), ("Type", S, 0), ("Reason", S, 0), ("Object", S, 0), ("Message", S, 0)],
               _event_row),
    "endpointslices": ([("AddressType", S, 0), ("Ports", S, 0), ("Endpoints", S, 0), ("Age", S, 0)], _slice_row),
    "validatingwebhookconfigurations": ([("Webhooks", I, 0), ("Age", S, 0)],
                                        lambda o: [len(o.get("webhooks") or []), age(o)]),
    "mutatingwebhookconfigurations": ([("Webhooks", I, 0), ("Age", S, 0)],
                                      lambda o: [len(o.get("webhooks") or []), age(o)]),
    "validatingadmissionpolicies": ([("Validations", I, 0), ("ParamKind", S, 0), ("Age", S, 0)],
                                    lambda o: [len(o.get("spec", {}).get("validations") or []),
                                               _param_kind(o.get("spec", {}).get("paramKind")), age(o)]),
    "validatingadmissionpolicybindings": ([("PolicyName", S, 0), ("ParamRef", S, 0), ("Age", S, 0)],
                                          lambda o: [o.get("spec", {}).get("policyName", ""),
                                                     _param_ref(o.get("spec", {}).get("paramRef")), age(o)]),
    "resourcequotas": ([("Age", S, 0), ("Request", S, 0), ("Limit", S, 0)], _quota_row),
    "limitranges": ([("Created At", D, 0)], lambda o: [o.get("metadata", {}).get("creationTimestamp", "")]),
    "priorityclasses": ([("Value", I, 0), ("Global-Default", S, 0), ("Age", S, 0), ("PreemptionPolicy", S, 0)],
                        lambda o: [o.get("value", 0), str(bool(o.get("globalDefault"))).lower(), age(o),
                                   o.get("preemptionPolicy", "PreemptLowerPriority")]),
    "horizontalpodautoscalers": ([("Reference", S, 0), ("Targets", S, 0), ("MinPods", S, 0), ("MaxPods", I, 0),
                                  ("Replicas", I, 0), ("Age", S, 0)], _autoscaler_row),
    "certificatesigningrequests": ([("Age", S, 0), ("SignerName", S, 0), ("Requestor", S, 0),
                                    ("RequestedDuration", S, 0), ("Condition", S, 0)], _signing_row),
    "apiservices": ([("Service", S, 0), ("Available", S, 0), ("Age", S, 0)],
                    lambda o: ["Local" if not o.get("spec", {}).get("service") else
                               f"{o['spec']['service'].get('namespace')}/{o['spec']['service'].get('name')}",
                               next((c.get("status") for c in o.get("status", {}).get("conditions") or []
                                     if c.get("type") == "Available"), "Unknown"), age(o)]),
    "controllerrevisions": ([("Controller", S, 0), ("Revision", I, 0), ("Age", S, 0)], _revision_row),
    "leases": ([("Holder", S, 0), ("Age", S, 0)],
               lambda o: [o.get("spec", {}).get("holderIdentity", ""), age(o)]),
}


def _default(o: dict) -> Row:
    return [o.get("metadata", {}).get("creationTimestamp", "")]


def table(plural: str, objects: list[dict], list_meta: dict, include_object: str = "Metadata",
          printer_columns: list[dict] | None = None) -> dict:
    """A meta.k8s.io/v1 Table of `objects`, with the NAME column first."""
    if printer_columns is not None:
        cols = [(c["name"], c.get("type", S), c.get("priority", 0)) for c in printer_columns]
        row_of = _crd_row(printer_columns)
    else:
        cols, row_of = PRINTERS.get(plural, ([("Created At", D, 0)], _default))
    definitions = [{"name": "Name", "type": S, "format": "name", "description": "Name", "priority": 0}]
    definitions += [{"name": n, "type": t, "format": "", "description": n, "priority": p} for n, t, p in cols]
    rows = []
    for o in objects:
        row = {"cells": [o.get("metadata", {}).get("name", "")] + row_of(o)}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o.get("metadata", {})}
        rows.append(row)
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta,
            "columnDefinitions": definitions, "rows": rows}


_STEP = re.compile(r'\.([A-Za-z0-9_-]+)|\[(\*|-?\d+)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["\']([^"\']*)["\']\)\]')


def json_path(expression: str, obj: object) -> list:
    """The values a printer column's JSONPath selects: fields, [n], [*] and [?(@.field=="value")] filters."""
    values = [obj]
    for step in _STEP.finditer(expression):
        name, index, key, wanted = step.groups()
        out = []
        for v in values:
            if name is not None and isinstance(v, dict) and name in v:
                out.append(v[name])
            elif index == "*" and isinstance(v, list):
                out += v
            elif index is not None and index != "*" and isinstance(v, list) and -len(v) <= int(index) < len(v):
                out.append(v[int(index)])
            elif key is not None and isinstance(v, list):
                out += [item for item in v if [str(x) for x in json_path("." + key, item)] == [wanted]]
        values = out
    return values


def _cell(values: list, kind: str) -> object:
    """One cell as the apiextensions table converter makes it: several values joined, lists and objects as
    JSON, dates as ages."""
    if not values:
        return None
    if kind == "date" and isinstance(values[0], str):
        when = parse_time(values[0])
        return human_duration((datetime.datetime.now(datetime.timezone.utc) - when).total_seconds()) if when \
            else values[0]
    if len(values) > 1:
        return ",".join(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for v in values)
    value = values[0]
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (list, dict)) else value


def _crd_row(columns: list[dict]) -> Callable[[dict], Row]:
    def row(o: dict) -> Row:
        return [_cell(json_path(c.get("jsonPath", ""), o), c.get("type", S)) for c in columns]
    return row
