"""Object validation as kube-apiserver's: every object's metadata, then its kind's own rules, all causes
reported together in one Invalid (422) Status with kube-apiserver's field paths and messages.

One table says, per resource, how its names are checked and which function checks the rest (core.py,
pods.py, apps.py, networking.py, rbac.py, admissionregistration.py, quota.py, scheduling.py,
autoscaling.py, certificates.py); custom resources get their CRD's CEL rules (the schema itself is checked when they are
decoded, crds.py).
"""

from collections.abc import Callable

from ...apimachinery.errors import invalid
from .. import cel
from ..resources import Resource
from . import (admissionregistration, apps, autoscaling, batch, certificates, core, formats, networking, pods, quota,
               rbac, scheduling)
from .field import Cause, forbidden, invalid_each
from .meta import dict_of, object_meta

Check = Callable[[dict, "dict | None"], list[Cause]]


def _pod(obj: dict, old: dict | None) -> list[Cause]:
    causes = pods.pod_spec(dict_of(obj.get("spec")))
    if old is None and dict_of(obj.get("spec")).get("ephemeralContainers"):
        causes.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if old is not None:
        causes += pods.pod_update(dict_of(obj.get("spec")), dict_of(old.get("spec")))
    return causes


def _crd(obj: dict, old: dict | None) -> list[Cause]:
    """A CRD whose validation rules do not compile is refused, as the apiextensions server refuses it."""
    causes: list[Cause] = []
    for i, version in enumerate(dict_of(obj.get("spec")).get("versions") or []):
        schema = dict_of(dict_of(version).get("schema")).get("openAPIV3Schema")
        if isinstance(schema, dict):
            causes += cel.compile_rules(schema, f"spec.versions[{i}].schema.openAPIV3Schema")
    return causes


def _service_account(obj: dict, old: dict | None) -> list[Cause]:
    return [cause for i, ref in enumerate(obj.get("secrets") or [])
            for cause in invalid_each(f"secrets[{i}].name", dict_of(ref).get("name"),
                                      formats.dns_subdomain(str(dict_of(ref).get("name") or "x")))]


def _api_service(obj: dict, old: dict | None) -> list[Cause]:
    """kinns serves every group version itself: an APIService naming an extension server is refused."""
    spec = dict_of(obj.get("spec"))
    name = (obj.get("metadata") or {}).get("name")
    causes = [] if name == f"{spec.get('version')}.{spec.get('group')}" else \
        invalid_each("metadata.name", name, ['must be `spec.version+"."+spec.group`'])
    if spec.get("service"):
        causes.append(forbidden("spec.service", "kinns runs no extension API servers and proxies to none: only "
                                                "Local APIServices are served"))
    return causes


# kinds whose status has rules of its own (checked on writes of the status too)
STATUS_CHECKED = {("certificates.k8s.io", "certificatesigningrequests")}
# (group, plural) -> (the check of names, the kind's own check)
KINDS: dict[tuple[str, str], tuple[Callable[[str], list[str]], Check | None]] = {
    ("", "namespaces"): (formats.dns_label, core.namespace),
    ("", "nodes"): (formats.dns_subdomain, core.node),
    ("", "pods"): (formats.dns_subdomain, _pod),
    ("", "services"): (formats.dns1035_label, core.service),
    ("", "endpoints"): (formats.dns_subdomain, core.endpoints),
    ("", "configmaps"): (formats.dns_subdomain, core.configmap),
    ("", "secrets"): (formats.dns_subdomain, core.secret),
    ("", "serviceaccounts"): (formats.dns_subdomain, _service_account),
    ("", "events"): (formats.dns_subdomain, core.event),
    ("apps", "deployments"): (formats.dns_subdomain, apps.deployment),
    ("apps", "replicasets"): (formats.dns_subdomain, apps.workload),
    ("apps", "daemonsets"): (formats.dns_subdomain, apps.daemonset),
    ("apps", "statefulsets"): (formats.dns_subdomain, apps.statefulset),
    ("apps", "controllerrevisions"): (formats.dns_subdomain, apps.controller_revision),
    ("", "replicationcontrollers"): (formats.dns_subdomain, apps.replication_controller),
    ("", "persistentvolumeclaims"): (formats.dns_subdomain, core.persistent_volume_claim),
    ("", "persistentvolumes"): (formats.dns_subdomain, core.persistent_volume),
    ("storage.k8s.io", "storageclasses"): (formats.dns_subdomain, core.storage_class),
    ("discovery.k8s.io", "endpointslices"): (formats.dns_subdomain, networking.endpoint_slice),
    ("networking.k8s.io", "ingresses"): (formats.dns_subdomain, networking.ingress),
    ("networking.k8s.io", "ingressclasses"): (formats.dns_subdomain, networking.ingress_class),
    ("networking.k8s.io", "networkpolicies"): (formats.dns_subdomain, networking.network_policy),
    ("coordination.k8s.io", "leases"): (formats.dns_subdomain, None),
    ("apiextensions.k8s.io", "customresourcedefinitions"): (formats.dns_subdomain, _crd),
    ("batch", "jobs"): (formats.dns_subdomain, batch.job),
    ("batch", "cronjobs"): (formats.dns_subdomain, batch.cronjob),
    ("policy", "poddisruptionbudgets"): (formats.dns_subdomain, apps.disruption_budget),
    ("rbac.authorization.k8s.io", "roles"): (rbac.path_segment, rbac.role),
    ("rbac.authorization.k8s.io", "clusterroles"): (rbac.path_segment, rbac.cluster_role),
    ("rbac.authorization.k8s.io", "rolebindings"): (rbac.path_segment, rbac.role_binding),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): (rbac.path_segment, rbac.cluster_role_binding),
    ("", "resourcequotas"): (formats.dns_subdomain, quota.resource_quota),
    ("", "limitranges"): (formats.dns_subdomain, quota.limit_range),
    ("scheduling.k8s.io", "priorityclasses"): (formats.dns_subdomain, scheduling.priority_class),
    ("apiregistration.k8s.io", "apiservices"): (formats.dns_subdomain, _api_service),
    ("certificates.k8s.io", "certificatesigningrequests"): (formats.dns_subdomain, certificates.signing_request),
    ("autoscaling", "horizontalpodautoscalers"): (formats.dns_subdomain, autoscaling.autoscaler),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"):
        (formats.dns_subdomain, admissionregistration.validating_webhooks),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"):
        (formats.dns_subdomain, admissionregistration.mutating_webhooks),
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"):
        (formats.dns_subdomain, admissionregistration.policy),
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"):
        (formats.dns_subdomain, admissionregistration.binding),
}


def causes_of(resource: Resource, obj: dict, old: dict | None = None, subresource: str = "") -> list[Cause]:
    """Every cause against `obj` (`old`: the stored object of an update; `subresource`: the one written, whose
    own rules apply instead of the spec's)."""
    names, check = KINDS.get((resource.group, resource.plural), (formats.dns_subdomain, None))
    meta = dict_of(obj.get("metadata"))
    causes = object_meta(meta, resource.namespaced, names, dict_of(old.get("metadata")) if old else None)
    if resource.extra.get("crd"):
        schema = resource.extra.get("schema") or {}
        props = {k: v for k, v in (schema.get("properties") or {}).items()
                 if k not in ("apiVersion", "kind", "metadata")}
        return causes + (cel.check({**schema, "properties": props}, obj, old) if schema else [])
    if subresource == "ephemeralcontainers" and old is not None:
        causes += pods.ephemeral_update(dict_of(obj.get("spec")), dict_of(old.get("spec")))
    elif check is not None and (subresource not in ("status", "binding") or
                                (resource.group, resource.plural) in STATUS_CHECKED):
        causes += check(obj, old)
    return causes


def validate(resource: Resource, obj: dict, old: dict | None = None, subresource: str = "") -> None:
    """Raise Invalid (422) with every cause found, as kube-apiserver reports them together."""
    causes = causes_of(resource, obj, old, subresource)
    if causes:
        raise invalid(resource.kind, resource.group, dict_of(obj.get("metadata")).get("name", ""), causes)
