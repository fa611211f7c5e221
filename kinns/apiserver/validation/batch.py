"""batch/v1 Jobs and CronJobs: the selector and template (restartPolicy Never or OnFailure), the counts, what
stays fixed, a schedule cron can read in a time zone that exists, and the Job features kinns's controller does
not carry out, refused rather than ignored."""

import zoneinfo

from croniter import croniter

from .apps import selected_template
from .field import Cause, forbidden, invalid, not_supported, required
from .meta import dict_of
from .pods import pod_spec

NOT_PROVIDED = ("podFailurePolicy", "successPolicy", "backoffLimitPerIndex", "maxFailedIndexes")


def _non_negative(spec: dict, name: str, low: int = 0) -> list[Cause]:
    value = spec.get(name)
    if value is None:
        return []
    if not isinstance(value, int) or value < low:
        return [invalid(f"spec.{name}", value, f"must be greater than or equal to {low}")]
    return []


def job(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    template = dict_of(spec.get("template"))
    causes = selected_template(spec)
    causes += pod_spec(dict_of(template.get("spec")), "spec.template.spec", ("OnFailure", "Never"))
    for name in ("parallelism", "completions", "backoffLimit"):
        causes += _non_negative(spec, name)
    causes += _non_negative(spec, "activeDeadlineSeconds", 1)
    causes += _non_negative(spec, "ttlSecondsAfterFinished")
    if spec.get("completionMode", "NonIndexed") != "NonIndexed":
        causes.append(forbidden("spec.completionMode", "kinns's job controller runs NonIndexed Jobs only"))
    causes += [forbidden(f"spec.{name}", "kinns's job controller does not provide this")
               for name in NOT_PROVIDED if spec.get(name) is not None]
    if spec.get("managedBy") not in (None, "kubernetes.io/job-controller"):
        causes.append(forbidden("spec.managedBy", "kinns runs no other job controller"))
    if old is not None:
        before = dict_of(old.get("spec"))
        for name in ("selector", "template", "completions", "completionMode"):
            if name == "completions" and spec.get(name) == before.get(name):
                continue
            if spec.get(name) != before.get(name):
                causes.append(invalid(f"spec.{name}", spec.get(name), "field is immutable"))
    return causes


MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def schedule_errors(schedule: str) -> list[str]:
    """What is wrong with a CronJob schedule (five cron fields or a macro), as the cron parser words it."""
    if schedule.startswith(("TZ=", "CRON_TZ=")):
        return ["cannot use TZ or CRON_TZ in schedule, use timeZone field instead"]
    if schedule.startswith("@"):
        return [] if schedule in MACROS else [f"unrecognized descriptor: {schedule}"]
    fields = schedule.split()
    if len(fields) != 5:
        return [f"expected exactly 5 fields, found {len(fields)}: {schedule}"]
    return [] if croniter.is_valid(schedule) else [f"unparseable schedule: {schedule}"]


def cronjob(obj: dict, old: dict | None) -> list[Cause]:
    spec = dict_of(obj.get("spec"))
    causes: list[Cause] = []
    name = str(dict_of(obj.get("metadata")).get("name") or "")
    if len(name) > 52:  # room for the Jobs' names, <cronjob>-<minutes since the epoch>
        causes.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    schedule = spec.get("schedule")
    if not schedule:
        causes.append(required("spec.schedule"))
    else:
        causes += [invalid("spec.schedule", schedule, e) for e in schedule_errors(str(schedule))]
    zone = spec.get("timeZone")
    if zone is not None:
        try:
            zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            causes.append(invalid("spec.timeZone", zone, f"unknown time zone {zone}"))
    policy = spec.get("concurrencyPolicy", "Allow")
    if policy not in ("Allow", "Forbid", "Replace"):
        causes.append(not_supported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]))
    for field in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        value = spec.get(field)
        if value is not None and (not isinstance(value, int) or value < 0):
            causes.append(invalid(f"spec.{field}", value, "must be greater than or equal to 0"))
    template = dict_of(dict_of(spec.get("jobTemplate")).get("spec"))
    causes += pod_spec(dict_of(dict_of(template.get("template")).get("spec")), "spec.jobTemplate.spec.template.spec",
                       ("OnFailure", "Never"))
    return causes
