"""Deployments, ReplicaSets and DaemonSets, as kube-apiserver validates them: a selector that selects the
template's own labels, counts that are not negative, a strategy of a known type, a template pod that always
restarts."""

from ...apimachinery.labels import selector_matches
from . import formats
from .field import Cause, child, forbidden, index, invalid, invalid_each, not_supported, required
from .meta import dict_of, labels, list_of
from .pods import pod_spec

SELECTOR_OPERATORS = ("DoesNotExist", "Exists", "In", "NotIn")


def label_selector(selector: object, where: str) -> list[Cause]:
    """A LabelSelector object: valid keys and values, known operators, values only where they belong."""
    selector = dict_of(selector)
    causes = labels(selector.get("matchLabels"), child(where, "matchLabels"))
    for i, expression in enumerate(list_of(selector.get("matchExpressions"))):
        expression, at = dict_of(expression), index(child(where, "matchExpressions"), i)
        causes += invalid_each(child(at, "key"), expression.get("key"),
                               formats.qualified_name(str(expression.get("key") or "")))
        operator = expression.get("operator")
        values = list_of(expression.get("values"))
        if operator not in SELECTOR_OPERATORS:
            causes.append(not_supported(child(at, "operator"), operator, SELECTOR_OPERATORS))
        elif operator in ("In", "NotIn") and not values:
            causes.append(required(child(at, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist") and values:
            causes.append(forbidden(child(at, "values"), "may not be specified when `operator` is 'Exists' or "
                                                         "'DoesNotExist'"))
        for j, value in enumerate(values):
            causes += invalid_each(index(child(at, "values"), j), value, formats.label_value(str(value)))
    return causes


def _count(spec: dict, name: str) -> list[Cause]:
    value = spec.get(name)
    if isinstance(value, int) and value < 0:
        return [invalid(f"spec.{name}", value, "must be greater than or equal to 0")]
    return []


def _int_or_percent(value: object, where: str) -> list[Cause]:
    if isinstance(value, str):
        return invalid_each(where, value, formats.percent(value))
    if isinstance(value, int) and value < 0:
        return [invalid(where, value, "must be greater than or equal to 0")]
    return []


def disruption_budget(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes: list[Cause] = []
    if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
        causes.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for name in ("minAvailable", "maxUnavailable"):
        if spec.get(name) is not None:
            causes += _int_or_percent(spec[name], f"spec.{name}")
    if spec.get("selector") is not None:
        causes += label_selector(spec["selector"], "spec.selector")
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in ("IfHealthyBudget", "AlwaysAllow"):
        causes.append(not_supported("spec.unhealthyPodEvictionPolicy", policy, ["IfHealthyBudget", "AlwaysAllow"]))
    return causes


def selected_template(spec: dict, refuse_empty: str = "") -> list[Cause]:
    """What every kind with a pod template checks of its selector and the template's labels: a selector,
    valid, that selects the template (and, naming the kind in `refuse_empty`, one that is not empty)."""
    causes: list[Cause] = []
    selector = spec.get("selector")
    template_labels = dict_of(dict_of(dict_of(spec.get("template")).get("metadata")).get("labels"))
    if selector is None:
        causes.append(required("spec.selector"))
    elif refuse_empty and not dict_of(selector).get("matchLabels") and \
            not list_of(dict_of(selector).get("matchExpressions")):
        causes.append(invalid("spec.selector", selector, f"empty selector is invalid for {refuse_empty}"))
    else:
        causes += label_selector(selector, "spec.selector")
        if not selector_matches(selector, template_labels):
            causes.append(invalid("spec.template.metadata.labels", template_labels,
                                  "`selector` does not match template `labels`"))
    return causes + labels(template_labels, "spec.template.metadata.labels")


def workload(obj: dict, old: dict | None) -> list[Cause]:
    """What Deployments, ReplicaSets and DaemonSets share: the selector and the template."""
    spec = dict_of(obj.get("spec"))
    selector = spec.get("selector")
    template = dict_of(spec.get("template"))
    causes = selected_template(spec, str(obj.get("kind") or "workload").lower())
    causes += pod_spec(dict_of(template.get("spec")), "spec.template.spec", ("Always",))
    for name in ("replicas", "minReadySeconds", "revisionHistoryLimit"):
        causes += _count(spec, name)
    if old is not None and dict_of(old.get("spec")).get("selector") != selector:
        causes.append(invalid("spec.selector", selector, "field is immutable"))
    return causes


def _strategy(obj: dict, field: str, kinds: tuple[str, str]) -> tuple[str, dict, list[Cause]]:
    """A workload's update strategy at spec.`field`: its type (RollingUpdate by default; `kinds` are the
    supported ones), its rollingUpdate, and the causes against both's common part."""
    strategy = dict_of(dict_of(obj.get("spec")).get(field))
    kind = strategy.get("type") or "RollingUpdate"
    causes = [] if kind in kinds else [not_supported(f"spec.{field}.type", kind, kinds)]
    rolling = dict_of(strategy.get("rollingUpdate"))
    for name in ("maxSurge", "maxUnavailable"):
        causes += _int_or_percent(rolling.get(name), f"spec.{field}.rollingUpdate.{name}")
    return kind, rolling, causes


def deployment(obj: dict, old: dict | None) -> list[Cause]:
    kind, rolling, causes = _strategy(obj, "strategy", ("Recreate", "RollingUpdate"))
    causes = workload(obj, old) + causes
    if kind == "Recreate" and rolling:
        causes.append(forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is "
                                                               "'Recreate'"))
    if rolling.get("maxSurge") in (0, "0%") and rolling.get("maxUnavailable") in (0, "0%"):
        causes.append(invalid("spec.strategy.rollingUpdate.maxUnavailable", rolling.get("maxUnavailable"),
                              "may not be 0 when `maxSurge` is 0"))
    return causes


def daemonset(obj: dict, old: dict | None) -> list[Cause]:
    return workload(obj, old) + _strategy(obj, "updateStrategy", ("OnDelete", "RollingUpdate"))[2]


STATEFULSET_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit",
                       "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def statefulset(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    # the pods mount their claims as volumes named after the claim templates
    names = [dict_of(dict_of(c).get("metadata")).get("name") for c in list_of(spec.get("volumeClaimTemplates"))]
    claimed = [{"name": n, "persistentVolumeClaim": {"claimName": n}} for n in names]
    template = dict_of(spec.get("template"))
    pod = dict_of(template.get("spec"))
    seen = {dict_of(v).get("name") for v in list_of(pod.get("volumes"))}
    with_claims = {**pod, "volumes": list_of(pod.get("volumes")) + [v for v in claimed if v["name"] not in seen]}
    causes = workload({**obj, "spec": {**spec, "template": {**template, "spec": with_claims}}}, old)
    policy = spec.get("podManagementPolicy", "OrderedReady")
    if policy not in ("OrderedReady", "Parallel"):
        causes.append(not_supported("spec.podManagementPolicy", policy, ["OrderedReady", "Parallel"]))
    _, _, problems = _strategy(obj, "updateStrategy", ("RollingUpdate", "OnDelete"))
    causes += problems
    for i, claim in enumerate(list_of(spec.get("volumeClaimTemplates"))):
        claim_name = dict_of(dict_of(claim).get("metadata")).get("name")
        if not claim_name:
            causes.append(required(f"spec.volumeClaimTemplates[{i}].metadata.name"))
    if old is not None:
        before = dict_of(old.get("spec"))
        fixed = {k: v for k, v in spec.items() if k not in STATEFULSET_MUTABLE}
        if fixed != {k: v for k, v in before.items() if k not in STATEFULSET_MUTABLE}:
            causes.append(forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                                    "'template', 'updateStrategy', 'revisionHistoryLimit', "
                                    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
    return [c for c in causes if not (old is not None and c[0] == "spec.selector" and "immutable" in c[2])]


def replication_controller(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    selector = dict_of(spec.get("selector"))
    template = dict_of(spec.get("template"))
    template_labels = dict_of(dict_of(template.get("metadata")).get("labels"))
    causes: list[Cause] = []
    if not selector:
        causes.append(required("spec.selector"))
    elif any(template_labels.get(k) != v for k, v in selector.items()):
        causes.append(invalid("spec.template.metadata.labels", template_labels,
                              "`selector` does not match template `labels`"))
    causes += labels(selector, "spec.selector") + labels(template_labels, "spec.template.metadata.labels")
    causes += pod_spec(dict_of(template.get("spec")), "spec.template.spec", ("Always",))
    for name in ("replicas", "minReadySeconds"):
        causes += _count(spec, name)
    return causes


def controller_revision(obj: dict, old: dict | None) -> list[Cause]:
    """Data required and fixed once written; the revision number not negative (it may change: a controller
    renumbers the revision it rolls back to)."""
    causes: list[Cause] = []
    if obj.get("data") is None:
        causes.append(required("data", "data is mandatory"))
    revision = obj.get("revision", 0)
    if isinstance(revision, int) and revision < 0:
        causes.append(invalid("revision", revision, "must be greater than or equal to 0"))
    if old is not None and obj.get("data") != old.get("data"):
        causes.append(invalid("data", obj.get("data"), "field is immutable"))
    return causes
