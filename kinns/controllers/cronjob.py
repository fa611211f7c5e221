"""The CronJob controller: a Job for every scheduled time, as kube-controller-manager's cronjob-controller v2.

At each reconcile the controller finds the latest scheduled time that has
passed since the last run (read in spec.timeZone, UTC by default) and makes
its Job, `<cronjob>-<minutes since the epoch>`, unless it is later than
startingDeadlineSeconds, the CronJob is suspended, or concurrencyPolicy
Forbid finds a run active (Replace deletes the active ones first). Finished
Jobs beyond the history limits go, oldest first. The key comes back at the
next scheduled time.
"""

import datetime
import zoneinfo

from croniter import croniter

from ..apimachinery.errors import APIError
from ..apimachinery.meta import controlled_by, format_time, owner_reference, parse_time
from ..client.client import path
from .base import Controller, own_key
from .job import JOBS, finished
from .workloads import controller_keys

CRONJOBS = path("batch/v1", "cronjobs")
SCHEDULED = "batch.kubernetes.io/cronjob-scheduled-timestamp"


def latest_due(schedule: str, zone: str | None, since: datetime.datetime,
               clock: datetime.datetime) -> datetime.datetime | None:
    """The last scheduled time in (since, clock], None when there is none."""
    tz = zoneinfo.ZoneInfo(zone) if zone else datetime.timezone.utc
    last = croniter(schedule, clock.astimezone(tz)).get_prev(datetime.datetime)
    return last if last > since else None


def next_due(schedule: str, zone: str | None, clock: datetime.datetime) -> datetime.datetime:
    tz = zoneinfo.ZoneInfo(zone) if zone else datetime.timezone.utc
    return croniter(schedule, clock.astimezone(tz)).get_next(datetime.datetime)


class CronJobController(Controller):
    name = "cronjob-controller"

    def setup(self) -> None:
        self.cronjobs = self.watch(CRONJOBS, own_key)
        self.jobs = self.watch(JOBS, controller_keys("CronJob"))

    async def reconcile(self, key: tuple[str, str]) -> None:
        cj = self.live(self.cronjobs, key)
        if cj is None:
            return
        namespace, name = key
        spec, status = cj.get("spec") or {}, dict(cj.get("status") or {})
        clock = datetime.datetime.now(datetime.timezone.utc)
        jobs = [j for j in self.jobs.in_namespace(namespace) if controlled_by(j, cj)]
        active = [j for j in jobs if finished(j.get("status") or {}) is None and
                  not j["metadata"].get("deletionTimestamp")]
        since = parse_time(status.get("lastScheduleTime") or cj["metadata"].get("creationTimestamp")) or clock
        due = latest_due(spec["schedule"], spec.get("timeZone"), since, clock)
        late = spec.get("startingDeadlineSeconds")
        if due is not None and not spec.get("suspend") and (late is None or (clock - due).total_seconds() <= late):
            if spec.get("concurrencyPolicy") == "Forbid" and active:
                self.events.record(cj, "Normal", "JobAlreadyActive", "Not starting job because prior execution is "
                                   "running and concurrency policy is Forbid")
            else:
                if spec.get("concurrencyPolicy") == "Replace":
                    for job in active:
                        await self.client.delete(path("batch/v1", "jobs", namespace, job["metadata"]["name"]),
                                                 {"propagationPolicy": "Background"})
                        self.events.record(cj, "Normal", "SuccessfulDelete", f"Deleted job {job['metadata']['name']}")
                    active = []
                job = await self._make(cj, due)
                active.append(job)
                status["lastScheduleTime"] = format_time(due)
        elif due is not None:
            status["lastScheduleTime"] = format_time(due)  # missed or suspended: not run later
        await self._prune(cj, jobs)
        succeeded = [j for j in jobs if (finished(j.get("status") or {}) or {}).get("type") == "Complete"]
        if succeeded:
            status["lastSuccessfulTime"] = max(j["status"].get("completionTime", "") for j in succeeded)
        status["active"] = [{"kind": "Job", "namespace": namespace, "name": j["metadata"]["name"],
                             "uid": j["metadata"]["uid"], "apiVersion": "batch/v1",
                             "resourceVersion": j["metadata"].get("resourceVersion", "")} for j in active] or None
        status = {k: v for k, v in status.items() if v is not None}
        if status != (cj.get("status") or {}):
            await self.client.patch(path("batch/v1", "cronjobs", namespace, name, "status"), {"status": status})
        wake = next_due(spec["schedule"], spec.get("timeZone"), clock)
        self.enqueue(key, max(0.5, (wake - clock).total_seconds() + 0.1))

    async def _make(self, cj: dict, due: datetime.datetime) -> dict:
        template = cj["spec"].get("jobTemplate") or {}
        meta = template.get("metadata") or {}
        name = f"{cj['metadata']['name']}-{int(due.timestamp() // 60)}"
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {
            "name": name, "namespace": cj["metadata"]["namespace"], "labels": dict(meta.get("labels") or {}),
            "annotations": {**(meta.get("annotations") or {}), SCHEDULED: format_time(due)},
            "ownerReferences": [owner_reference(cj, "CronJob", "batch/v1")]}, "spec": template.get("spec") or {}}
        try:
            made = await self.client.create(path("batch/v1", "jobs", cj["metadata"]["namespace"]), job)
        except APIError as err:
            if err.code != 409:
                raise
            existing = await self.client.get(path("batch/v1", "jobs", cj["metadata"]["namespace"], name))
            if existing is None:
                raise
            return existing  # made by an earlier pass whose status write did not land
        self.events.record(cj, "Normal", "SuccessfulCreate", f"Created job {name}")
        return made

    async def _prune(self, cj: dict, jobs: list[dict]) -> None:
        for outcome, limit in (("Complete", cj["spec"].get("successfulJobsHistoryLimit", 3)),
                               ("Failed", cj["spec"].get("failedJobsHistoryLimit", 1))):
            done = sorted((j for j in jobs if (finished(j.get("status") or {}) or {}).get("type") == outcome),
                          key=lambda j: j["metadata"].get("creationTimestamp", ""))
            for job in done[:max(0, len(done) - limit)]:
                await self.client.delete(path("batch/v1", "jobs", job["metadata"]["namespace"],
                                              job["metadata"]["name"]), {"propagationPolicy": "Background"})
                self.events.record(cj, "Normal", "SuccessfulDelete", f"Deleted job {job['metadata']['name']}")
