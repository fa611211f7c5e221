"""autoscaling/v2 HorizontalPodAutoscaler: a target to scale, replica bounds, metric types."""

from .field import Cause, child, index, invalid, not_supported, required
from .meta import dict_of, list_of

METRIC_TYPES = ("ContainerResource", "External", "Object", "Pods", "Resource")


def autoscaler(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    target = dict_of(spec.get("scaleTargetRef"))
    causes = [required(f"spec.scaleTargetRef.{f}") for f in ("kind", "name") if not target.get(f)]
    low = spec.get("minReplicas", 1)
    if isinstance(low, int) and low < 1:
        causes.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    high = spec.get("maxReplicas")
    if not isinstance(high, int) or high < 1:
        causes.append(invalid("spec.maxReplicas", high, "must be greater than or equal to 1"))
    elif isinstance(low, int) and high < low:
        causes.append(invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
    for i, metric in enumerate(list_of(spec.get("metrics"))):
        kind, at = dict_of(metric).get("type"), index("spec.metrics", i)
        if not kind:
            causes.append(required(child(at, "type"), "must specify a metric source type"))
        elif kind not in METRIC_TYPES:
            causes.append(not_supported(child(at, "type"), kind, METRIC_TYPES))
        elif not dict_of(metric).get(kind[0].lower() + kind[1:]):
            causes.append(required(child(at, kind[0].lower() + kind[1:]), "must populate information for the given "
                                                                           "metric source"))
    return causes
