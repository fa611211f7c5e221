"""The horizontal-pod-autoscaler controller, in a cluster without a metrics server (as a kubeadm cluster is until
one is installed).

Each HorizontalPodAutoscaler keeps its target within minReplicas..maxReplicas through the target's scale
subresource, as kube-controller-manager does before it looks at any metric. Its metrics cannot be read: the
resource metrics API (metrics.k8s.io) is not served, so the status says ScalingActive False with the reason and
words kube-controller-manager gives when that API is missing, and the targets show <unknown>.
"""

from ..apimachinery.conditions import condition
from ..apimachinery.errors import APIError
from ..apimachinery.meta import now
from ..client.client import path
from .base import Controller, own_key

AUTOSCALERS = path("autoscaling/v2", "horizontalpodautoscalers")
SCALABLE = {"Deployment": ("apps/v1", "deployments"), "ReplicaSet": ("apps/v1", "replicasets"),
            "StatefulSet": ("apps/v1", "statefulsets"), "ReplicationController": ("v1", "replicationcontrollers")}
NO_METRICS = {
    "Resource": ("FailedGetResourceMetric", "failed to get {name} utilization: unable to get metrics for resource "
                 "{name}: unable to fetch metrics from resource metrics API: the server could not find the requested "
                 "resource (get pods.metrics.k8s.io)"),
    "ContainerResource": ("FailedGetContainerResourceMetric", "failed to get {name} utilization: unable to get "
                          "metrics for resource {name}: unable to fetch metrics from resource metrics API: the "
                          "server could not find the requested resource (get pods.metrics.k8s.io)"),
    "Pods": ("FailedGetPodsMetric", "unable to get metric {name}: unable to fetch metrics from custom metrics API: "
             "no custom metrics API (custom.metrics.k8s.io) registered"),
    "Object": ("FailedGetObjectMetric", "unable to get metric {name}: unable to fetch metrics from custom metrics "
               "API: no custom metrics API (custom.metrics.k8s.io) registered"),
    "External": ("FailedGetExternalMetric", "unable to get external metric {name}: unable to fetch metrics from "
                 "external metrics API: no external metrics API (external.metrics.k8s.io) registered"),
}


class AutoscalerController(Controller):
    name = "horizontal-pod-autoscaler"
    resync = 15.0  # kube-controller-manager's --horizontal-pod-autoscaler-sync-period

    def setup(self) -> None:
        self.autoscalers = self.watch(AUTOSCALERS, own_key)

    async def reconcile(self, key: tuple[str, str]) -> None:
        hpa = self.live(self.autoscalers, key)
        if hpa is None:
            return
        spec, previous = hpa.get("spec") or {}, hpa.get("status") or {}
        old_conditions = previous.get("conditions")
        ref = spec.get("scaleTargetRef") or {}
        status = {"observedGeneration": hpa["metadata"].get("generation", 1),
                  "currentReplicas": previous.get("currentReplicas", 0),
                  "desiredReplicas": previous.get("desiredReplicas", 0)}
        if previous.get("lastScaleTime"):
            status["lastScaleTime"] = previous["lastScaleTime"]
        where = SCALABLE.get(ref.get("kind", ""))
        scale_path = path(where[0], where[1], key[0], ref.get("name", ""), "scale") if where else ""
        scale = await self.client.get(scale_path) if where else None
        if scale is None:
            what = f'{where[1]}{"." + where[0].split("/")[0] if "/" in where[0] else ""} "{ref.get("name")}" not ' \
                   "found" if where else f'no scale subresource for kind "{ref.get("kind")}"'
            status["conditions"] = [condition("AbleToScale", False, "FailedGetScale", "the HPA controller was unable "
                                              f"to get the target's current scale: {what}", old_conditions)]
            return await self._write(hpa, status)
        current = (scale.get("spec") or {}).get("replicas", 0)
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 1)
        status["currentReplicas"] = (scale.get("status") or {}).get("replicas", current)
        able = condition("AbleToScale", True, "SucceededGetScale", "the HPA controller was able to get the target's "
                         "current scale", old_conditions)
        if current == 0 and low != 0:
            status.update(desiredReplicas=0, conditions=[able, condition(
                "ScalingActive", False, "ScalingDisabled", "scaling is disabled since the replica count of the "
                "target is zero", old_conditions)])
            return await self._write(hpa, status)
        if current > high or current < low:
            desired = high if current > high else low
            reason = "Current number of replicas above Spec.MaxReplicas" if current > high else \
                "Current number of replicas below Spec.MinReplicas"
            try:
                await self.client.patch(scale_path, {"spec": {"replicas": desired}})
            except APIError as err:
                status["conditions"] = [condition("AbleToScale", False, "FailedUpdateScale", "the HPA controller "
                                                  f"was unable to update the target scale: {err.message}",
                                                  old_conditions)]
                return await self._write(hpa, status)
            self.events.record(hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}")
            status.update(desiredReplicas=desired, lastScaleTime=now())
            limited = ("TooManyReplicas", "the desired replica count is more than the maximum replica count") \
                if current > high else ("TooFewReplicas", "the desired replica count is less than the minimum "
                                                          "replica count")
            status["conditions"] = [
                condition("AbleToScale", True, "SucceededRescale", "the HPA controller was able to update the target "
                          f"scale to {desired}", old_conditions),
                condition("ScalingLimited", True, *limited, old_conditions)]
            return await self._write(hpa, status)
        metric = (spec.get("metrics") or [{}])[0]
        kind = metric.get("type", "Resource")
        source = metric.get(kind[:1].lower() + kind[1:]) or {}
        name = source.get("name") or (source.get("metric") or {}).get("name", "")
        reason, words = NO_METRICS.get(kind, NO_METRICS["Resource"])
        status["desiredReplicas"] = current
        status["conditions"] = [able, condition("ScalingActive", False, reason, "the HPA was unable to compute the "
                                                f"replica count: {words.format(name=name)}", old_conditions)]
        await self._write(hpa, status)

    async def _write(self, hpa: dict, status: dict) -> None:
        if hpa.get("status") != status:
            await self.client.replace(path("autoscaling/v2", "horizontalpodautoscalers",
                                           hpa["metadata"]["namespace"], hpa["metadata"]["name"], "status"),
                                      {**hpa, "status": status})
