"""The Job controller (with the TTL-after-finished one): pods run until enough succeed, or the Job fails.

A Job keeps up to `parallelism` pods running while fewer than `completions`
have succeeded; a replacement for a failed pod waits the controller's
back-off (10 s, doubling, at most 6 min, from the last failure); more
failures than `backoffLimit` (with OnFailure, container restarts count) or
more than `activeDeadlineSeconds` of running fail the Job and stop its pods;
enough successes complete it (SuccessCriteriaMet, then Complete). A
suspended Job runs nothing. A finished Job with `ttlSecondsAfterFinished` is
deleted that long after it finished, its pods with it (the garbage collector).
"""

import datetime

from ..apimachinery.conditions import condition
from ..apimachinery.meta import controlled_by, now, parse_time
from ..client.client import path
from .base import PODS, Controller, own_key
from .workloads import controller_keys, pod_from_template

JOBS = path("batch/v1", "jobs")
BACKOFF, MAX_BACKOFF = 10.0, 360.0


def finished(status: dict) -> dict | None:
    return next((c for c in status.get("conditions") or [] if c.get("type") in ("Complete", "Failed")
                 and c.get("status") == "True"), None)


def _last_failure(pods: list[dict]) -> datetime.datetime | None:
    ends = [parse_time(s.get("state", {}).get("terminated", {}).get("finishedAt"))
            for p in pods for s in (p.get("status") or {}).get("containerStatuses") or []]
    ends = [e for e in ends if e is not None]
    return max(ends) if ends else None


class JobController(Controller):
    name = "job-controller"

    def setup(self) -> None:
        self.jobs = self.watch(JOBS, own_key)
        self.pods = self.watch(PODS, controller_keys("Job"))

    async def reconcile(self, key: tuple[str, str]) -> None:
        job = self.live(self.jobs, key)
        if job is None:
            return
        namespace, name = key
        spec, status = job.get("spec") or {}, dict(job.get("status") or {})
        clock = datetime.datetime.now(datetime.timezone.utc)
        pods = [p for p in self.pods.in_namespace(namespace) if controlled_by(p, job)]
        if (done := finished(status)) is not None:
            await self._expire(job, done, clock)
            return
        phase = {p["metadata"]["name"]: (p.get("status") or {}).get("phase") for p in pods}
        active = [p for p in pods if phase[p["metadata"]["name"]] not in ("Succeeded", "Failed")
                  and not p["metadata"].get("deletionTimestamp")]
        failed_pods = [p for p in pods if phase[p["metadata"]["name"]] == "Failed"]
        succeeded = sum(1 for v in phase.values() if v == "Succeeded")
        failed = len(failed_pods)
        if (spec.get("template", {}).get("spec", {}).get("restartPolicy")) == "OnFailure":
            failed += sum(s.get("restartCount", 0) for p in active
                          for s in (p.get("status") or {}).get("containerStatuses") or [])
        conditions = list(status.get("conditions") or [])
        if not spec.get("suspend") and not status.get("startTime"):
            status["startTime"] = now()
        started = parse_time(status.get("startTime"))
        completions, parallelism = spec.get("completions"), spec.get("parallelism", 1)
        deadline = spec.get("activeDeadlineSeconds")
        outcome = None
        if failed > spec.get("backoffLimit", 6):
            outcome = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
        elif deadline and started and (clock - started).total_seconds() >= deadline:
            outcome = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
        elif (completions is not None and succeeded >= completions) or \
                (completions is None and succeeded >= 1 and not active):
            outcome = ("Complete", "CompletionsReached", "Reached expected number of succeeded pods")
        if outcome is not None:
            kind, reason, message = outcome
            for pod in active:
                await self.client.delete(path("v1", "pods", namespace, pod["metadata"]["name"]))
            first = "FailureTarget" if kind == "Failed" else "SuccessCriteriaMet"
            conditions = [c for c in conditions if c.get("type") not in (first, kind, "Suspended")]
            conditions += [condition(first, True, reason, message, lastProbeTime=now()),
                           condition(kind, True, reason, message, lastProbeTime=now())]
            if kind == "Complete":
                status["completionTime"] = now()
            self.events.record(job, "Normal" if kind == "Complete" else "Warning",
                               "Completed" if kind == "Complete" else reason,
                               "Job completed" if kind == "Complete" else message)
            active = []
        elif spec.get("suspend"):
            for pod in active:
                await self.client.delete(path("v1", "pods", namespace, pod["metadata"]["name"]))
            active = []
            conditions = [c for c in conditions if c.get("type") != "Suspended"] + [
                condition("Suspended", True, "JobSuspended", "Job suspended", conditions, lastProbeTime=now())]
        else:
            active = await self._run(job, active, failed_pods, succeeded, completions, parallelism, clock)
            if deadline and started:
                self.enqueue(key, max(0.5, deadline - (clock - started).total_seconds()))
        status.update({"active": len(active) or None, "succeeded": succeeded or None, "failed": failed or None,
                       "ready": sum(1 for p in active if any(c.get("type") == "Ready" and c.get("status") == "True"
                                                              for c in (p.get("status") or {}).get("conditions")
                                                              or [])),
                       "terminating": sum(1 for p in pods if p["metadata"].get("deletionTimestamp")),
                       "conditions": conditions or None, "uncountedTerminatedPods": {}})
        status = {k: v for k, v in status.items() if v is not None}
        if status != (job.get("status") or {}):
            await self.client.patch(path("batch/v1", "jobs", namespace, name, "status"), {"status": status})
            if finished(status) is not None:
                self.enqueue(key)  # a TTL starts counting now

    async def _run(self, job: dict, active: list[dict], failed_pods: list[dict], succeeded: int,
                   completions: int | None, parallelism: int, clock: datetime.datetime) -> list[dict]:
        """Start or stop pods to have as many running as the Job needs now (after the back-off of failures)."""
        namespace = job["metadata"]["namespace"]
        want = parallelism if completions is None else min(parallelism, max(completions - succeeded, 0))
        if len(active) < want and failed_pods:
            delay = min(BACKOFF * 2 ** (len(failed_pods) - 1), MAX_BACKOFF)
            last = _last_failure(failed_pods)
            if last is not None and (clock - last).total_seconds() < delay:
                self.enqueue((namespace, job["metadata"]["name"]), delay - (clock - last).total_seconds())
                return active
        for _ in range(want - len(active)):
            created = await self.client.create(path("v1", "pods", namespace), pod_from_template(
                job, "Job", job["spec"].get("template"), api_version="batch/v1"))
            self.events.record(job, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
            active.append(created)
        for pod in sorted(active, key=lambda p: bool(p["spec"].get("nodeName")))[:max(0, len(active) - want)]:
            await self.client.delete(path("v1", "pods", namespace, pod["metadata"]["name"]))
            self.events.record(job, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")
            active.remove(pod)
        return active

    async def _expire(self, job: dict, done: dict, clock: datetime.datetime) -> None:
        """ttlSecondsAfterFinished: the finished Job is deleted (its pods by the garbage collector) once due."""
        ttl = job["spec"].get("ttlSecondsAfterFinished")
        finished = parse_time(job.get("status", {}).get("completionTime") or done.get("lastTransitionTime"))
        if ttl is None or finished is None:
            return
        left = ttl - (clock - finished).total_seconds()
        meta = job["metadata"]
        if left > 0:
            self.enqueue((meta["namespace"], meta["name"]), left)
            return
        await self.client.delete(path("batch/v1", "jobs", meta["namespace"], meta["name"]),
                                 {"propagationPolicy": "Background"})

