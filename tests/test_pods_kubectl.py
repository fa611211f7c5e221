"""What courses do with one-off pods, driven by the real kubectl 1.37: restart policies and the phases they end in,
`run -i --rm` (attach), `run -it` on a terminal, `cp`, `debug` with an ephemeral container, and the waits of
kubectl 1.37 (watch-list) that must end. One cluster for all."""

import json
import re
import subprocess
import time
from datetime import datetime, timezone

import pytest
from conftest import kube_cluster, unique, wait

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=2) as kubectl:
        yield kubectl


def _pod(cluster, name: str) -> dict:
    return json.loads(cluster("get", "pod", name, "-o", "json").stdout)


def _state(cluster, name: str) -> dict:
    statuses = _pod(cluster, name).get("status", {}).get("containerStatuses") or [{}]
    return statuses[0]


def test_restart_policies_end_in_the_phases_the_kubelet_gives(cluster):
    names = {policy_code: unique("rp") for policy_code in (("Never", 0), ("Never", 3), ("OnFailure", 0),
                                                           ("OnFailure", 1))}
    for (policy, code), name in names.items():
        cluster("run", name, "--image=busybox", f"--restart={policy}", "--", "sh", "-c", f"exit {code}")
    phase = {key: (lambda n=name: _pod(cluster, n)["status"].get("phase")) for key, name in names.items()}
    wait(lambda: phase[("Never", 0)]() == "Succeeded" and phase[("Never", 3)]() == "Failed" and
         phase[("OnFailure", 0)]() == "Succeeded", 30)
    failed = _state(cluster, names[("Never", 3)])
    assert failed["state"]["terminated"]["exitCode"] == 3 and failed["state"]["terminated"]["reason"] == "Error"
    assert failed["restartCount"] == 0
    table = cluster("get", "pods", *names.values()).stdout
    assert "Completed" in table and "Error" in table
    wait(lambda: _state(cluster, names[("OnFailure", 1)]).get("restartCount", 0) >= 1, 30)
    assert _pod(cluster, names[("OnFailure", 1)])["status"]["phase"] == "Running"
    done = cluster("wait", "--for=jsonpath={.status.phase}=Succeeded", f"pod/{names[('Never', 0)]}", "--timeout=20s")
    assert "condition met" in done.stdout
    cluster("delete", "pod", *names.values(), "--wait=false")


def test_logs_of_the_previous_run_limits_and_what_is_refused(cluster):
    name = unique("lg")
    cluster("run", name, "--image=busybox", "--restart=OnFailure", "--", "sh", "-c",
            "echo run-$(cat /proc/sys/kernel/random/uuid); exit 1")
    wait(lambda: _state(cluster, name).get("restartCount", 0) >= 1, 30)
    wait(lambda: cluster("logs", name, "--previous", check=False).returncode == 0, 30)
    before = cluster("logs", name, "--previous").stdout.strip()
    assert before.startswith("run-")
    wait(lambda: cluster("logs", name, check=False).stdout.strip().startswith("run-"), 30)
    assert cluster("logs", name, "--limit-bytes=3").stdout == "run"
    fresh = unique("lf")
    cluster("run", fresh, "--image=busybox", "--", "sleep", "3600")
    cluster("wait", "--for=condition=Ready", f"pod/{fresh}", "--timeout=30s")
    none = cluster("logs", fresh, "--previous", check=False)
    assert f'previous terminated container "{fresh}" in pod "{fresh}" not found' in none.stderr
    cluster("delete", "pod", name, fresh, "--wait=false")


def test_logs_are_timed_line_by_line(cluster):
    """The container's output is kept as a runtime keeps it (CRI entries with the time of each line), so
    --timestamps, --since and --since-time answer as on a kubeadm node; stderr is in the log too, and a line
    printed without its newline shows at once."""
    name = unique("lt")
    cluster("run", name, "--image=busybox", "--", "sh", "-c",
            "echo early; echo oops >&2; sleep 6; echo late; printf prompt; exec sleep 3600")
    wait(lambda: "prompt" in cluster("logs", name, check=False).stdout, 40)
    assert cluster("logs", name).stdout == "early\noops\nlate\nprompt"
    stamped = cluster("logs", name, "--timestamps").stdout.splitlines()
    stamps = [line.split(" ", 1)[0] for line in stamped]
    assert [line.split(" ", 1)[1] for line in stamped] == ["early", "oops", "late", "prompt"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", s) for s in stamps)
    assert stamps == sorted(stamps)
    gap = datetime.fromisoformat(stamps[2][:26]) - datetime.fromisoformat(stamps[0][:26])
    assert 5 <= gap.total_seconds() < 9
    late = datetime.fromisoformat(stamps[2][:19]).replace(tzinfo=timezone.utc)
    since_time = late.strftime("%Y-%m-%dT%H:%M:%SZ")  # whole seconds, as kubectl sends it
    assert cluster("logs", name, f"--since-time={since_time}").stdout == "late\nprompt"
    age = (datetime.now(timezone.utc) - late).total_seconds()
    assert cluster("logs", name, f"--since={int(age) + 3}s").stdout == "late\nprompt"
    assert cluster("logs", name, "--tail=2", "--timestamps", "--limit-bytes=35").stdout == stamped[2][:35]
    # PodLogOptions validated as kube-apiserver does, before the kubelet is asked
    base = f"/api/v1/namespaces/default/pods/{name}/log"
    for query, message in [
            ("tailLines=-1", f'PodLogOptions "{name}" is invalid: tailLines: Invalid value: -1: must be greater '
                             'than or equal to 0'),
            ("limitBytes=0", "limitBytes: Invalid value: 0: must be greater than 0"),
            ("sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z",
             "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"),
            ("sinceTime=yesterday", 'parsing time "yesterday"'),
            ("tailLines=x", 'strconv.ParseInt: parsing "x": invalid syntax')]:
        refused = cluster("get", "--raw", f"{base}?{query}", check=False)
        assert refused.returncode != 0 and message in refused.stderr, (query, refused.stderr)
    cluster("delete", "pod", name, "--grace-period=0", "--force")


def test_run_interactive_attaches_and_removes_the_pod(cluster):
    name = unique("run")
    ran = cluster("run", name, "-i", "--rm", "--restart=Never", "--image=busybox", "--", "sh", "-c",
                  "read line; echo got $line", input="hello\n")
    assert "got hello" in ran.stdout and f'pod "{name}" deleted' in ran.stdout
    wait(lambda: cluster("get", "pod", name, check=False).returncode != 0, 30)


def test_run_with_a_terminal(cluster):
    name = unique("tty")
    script = f"kubectl run -it --rm {name} --image=busybox --restart=Never -- sh"
    proc = subprocess.run(["script", "-qfc", script, "/dev/null"], input="sleep 1; echo tty-$((6*7)); exit 0\n",
                          capture_output=True, text=True, timeout=60, env=cluster.env)
    assert "tty-42" in proc.stdout and f'pod "{name}" deleted' in proc.stdout


def test_cp_both_ways_and_debug_with_an_ephemeral_container(cluster, tmp_path):
    name = unique("dbg")
    cluster("run", name, "--image=busybox", "--", "sleep", "3600")
    cluster("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=30s")
    source = tmp_path / "in.txt"
    source.write_text("through tar\n")
    cluster("cp", str(source), f"{name}:/tmp/in.txt")
    assert cluster("exec", name, "--", "cat", "/tmp/in.txt").stdout == "through tar\n"
    cluster("cp", f"{name}:/tmp/in.txt", str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_text() == "through tar\n"
    seen = cluster("debug", "-i", name, "--image=busybox", f"--target={name}", "--container=dbg", "--",
                   "sh", "-c", "read go; cat /proc/1/cmdline | tr '\\0' ' '", input="go\n")
    assert "sleep 3600" in seen.stdout
    wait(lambda: (_pod(cluster, name)["status"].get("ephemeralContainerStatuses") or [{}])[0]
         .get("state", {}).get("terminated") is not None, 30)
    again = cluster("debug", name, "--image=busybox", "--container=dbg", check=False)
    assert again.returncode != 0
    assert _pod(cluster, name)["status"]["phase"] == "Running"  # an ended ephemeral container ends nothing else
    cluster("delete", "pod", name, "--wait=false")


def test_debug_copies_a_pod_with_every_kind_of_field(cluster):
    """`kubectl debug --copy-to` sends the whole pod back as protobuf: its security contexts (sysctls among
    them), affinity, spread constraints, lifecycle hooks, downward API and projected volumes (the service
    account's own among them) all decode as the fields they are."""
    name = unique("dc")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": {
        "securityContext": {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 2000,
                            "seccompProfile": {"type": "RuntimeDefault"}, "sysctls": [
                                {"name": "net.ipv4.ip_unprivileged_port_start", "value": "80"},
                                {"name": "kernel.shm_rmid_forced", "value": "1"}]},
        "affinity": {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 10, "preference": {"matchExpressions": [
                {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]}}]}},
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                       "whenUnsatisfiable": "ScheduleAnyway",
                                       "labelSelector": {"matchLabels": {"app": name}}}],
        "volumes": [{"name": "info", "downwardAPI": {"items": [
                        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
                    {"name": "scratch", "emptyDir": {}}],
        "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"],
                        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                                            "capabilities": {"drop": ["ALL"]}},
                        "lifecycle": {"preStop": {"exec": {"command": ["true"]}}},
                        "volumeMounts": [{"name": "info", "mountPath": "/info"},
                                         {"name": "scratch", "mountPath": "/scratch"}]}]}}
    cluster("apply", "-f", "-", input=json.dumps(pod))
    cluster("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=60s")
    copy = f"{name}-copy"
    made = cluster("debug", name, f"--copy-to={copy}", "--image=busybox", "--container=dbg", "--", "sleep", "3600")
    assert made.returncode == 0
    cluster("wait", "--for=condition=Ready", f"pod/{copy}", "--timeout=60s")
    original, copied = _pod(cluster, name)["spec"], _pod(cluster, copy)["spec"]
    for field in ("securityContext", "affinity", "topologySpreadConstraints"):
        assert copied[field] == original[field], field
    assert copied["containers"][0]["securityContext"] == original["containers"][0]["securityContext"]
    assert copied["containers"][0]["lifecycle"] == original["containers"][0]["lifecycle"]
    assert [c["name"] for c in copied["containers"]] == ["app", "dbg"]
    assert {v["name"] for v in copied["volumes"]} == {v["name"] for v in original["volumes"]}
    assert any("projected" in v for v in copied["volumes"])  # the service account token's volume
    assert cluster("exec", copy, "-c", "app", "--", "sh", "-c",
                   "grep NoNewPrivs /proc/self/status").stdout.split() == ["NoNewPrivs:", "1"]
    # the safe sysctls are set in the pod's own namespaces; an unsafe one refuses the pod, in the kubelet's words
    assert cluster("exec", copy, "-c", "app", "--", "cat", "/proc/sys/net/ipv4/ip_unprivileged_port_start",
                   "/proc/sys/kernel/shm_rmid_forced").stdout.split() == ["80", "1"]
    assert open("/proc/sys/kernel/shm_rmid_forced").read().strip() == "0"  # the machine's own stays as it was
    unsafe = unique("du")
    cluster("run", unsafe, "--image=busybox", "--overrides", json.dumps({"spec": {"securityContext": {
        "sysctls": [{"name": "net.core.somaxconn", "value": "1024"}]}}}), "--", "sleep", "60")
    wait(lambda: _pod(cluster, unsafe)["status"].get("phase") == "Failed", 30)
    refused = _pod(cluster, unsafe)["status"]
    assert (refused["reason"], refused["message"]) == (
        "SysctlForbidden", 'Pod forbidden sysctl: "net.core.somaxconn" not allowlisted')
    cluster("delete", "pod", unsafe, "--grace-period=0", "--force")
    cluster("delete", "pod", name, copy, "--grace-period=0", "--force")


def test_waits_of_kubectl_1_37_end(cluster):
    name = unique("wl")
    cluster("create", "deployment", name, "--image=kinns/echo", "--replicas=2")
    assert "successfully rolled out" in cluster("rollout", "status", f"deployment/{name}", "--timeout=60s").stdout
    assert "condition met" in cluster("wait", "--for=condition=Available", f"deployment/{name}",
                                      "--timeout=30s").stdout
    gone = cluster("delete", "deployment", name, "--timeout=60s")
    assert "deleted" in gone.stdout
    assert cluster("wait", "--for=delete", "pods", "-l", f"app={name}", "--timeout=60s", check=False).returncode == 0


def test_delete_cascades_orphan_and_foreground(cluster):
    kept, waited = unique("or"), unique("fg")
    for name in (kept, waited):
        cluster("create", "deployment", name, "--image=kinns/echo", "--replicas=2")
        cluster("rollout", "status", f"deployment/{name}", "--timeout=60s")
    cluster("delete", "deployment", kept, "--cascade=orphan")
    sets = json.loads(cluster("get", "replicasets", "-l", f"app={kept}", "-o", "json").stdout)["items"]
    assert len(sets) == 1 and not sets[0]["metadata"].get("ownerReferences")
    assert len(cluster("get", "pods", "-l", f"app={kept}", "-o", "name").stdout.split()) == 2
    cluster("delete", "deployment", waited, "--cascade=foreground", "--timeout=90s")
    # the Deployment is gone only once its ReplicaSet and that one's pods are
    assert cluster("get", "replicasets,pods", "-l", f"app={waited}", "-o", "name").stdout.strip() == ""
    cluster("delete", "replicaset", "-l", f"app={kept}", "--wait=false")


def test_rollout_history_and_undo(cluster):
    name = unique("ru")
    cluster("create", "deployment", name, "--image=kinns/echo")
    cluster("rollout", "status", f"deployment/{name}", "--timeout=60s")
    cluster("set", "image", f"deployment/{name}", "echo=kinns/echo:2")
    cluster("rollout", "status", f"deployment/{name}", "--timeout=60s")
    history = cluster("rollout", "history", f"deployment/{name}").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"]
    assert "rolled back" in cluster("rollout", "undo", f"deployment/{name}").stdout
    cluster("rollout", "status", f"deployment/{name}", "--timeout=60s")
    deploy = json.loads(cluster("get", "deployment", name, "-o", "json").stdout)
    assert deploy["spec"]["template"]["spec"]["containers"][0]["image"] == "kinns/echo"
    assert deploy["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    cluster("delete", "deployment", name, "--wait=false")


def _job(name: str, command: str, **spec) -> str:
    return json.dumps({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": {
        **spec, "template": {"spec": {"restartPolicy": "Never", "containers": [
            {"name": "work", "image": "busybox", "command": ["sh", "-c", command]}]}}}})


def test_jobs_complete_fail_expire_and_are_validated(cluster):
    made = unique("jb")
    cluster("create", "job", made, "--image=busybox", "--", "sh", "-c", "echo done")
    assert "condition met" in cluster("wait", "--for=condition=complete", f"job/{made}", "--timeout=60s").stdout
    assert cluster("logs", f"job/{made}").stdout.strip() == "done"
    row = cluster("get", "job", made, "--no-headers").stdout.split()
    assert row[1:3] == ["Complete", "1/1"]
    wide = unique("jw")
    cluster("create", "-f", "-", input=_job(wide, "sleep 1", completions=3, parallelism=2))
    cluster("wait", "--for=condition=complete", f"job/{wide}", "--timeout=90s")
    pods = json.loads(cluster("get", "pods", "-l", f"job-name={wide}", "-o", "json").stdout)["items"]
    assert sorted(p["status"]["phase"] for p in pods) == ["Succeeded"] * 3
    failing = unique("jf")
    cluster("create", "-f", "-", input=_job(failing, "exit 1", backoffLimit=0))
    cluster("wait", "--for=condition=failed", f"job/{failing}", "--timeout=60s")
    status = json.loads(cluster("get", "job", failing, "-o", "json").stdout)["status"]
    failed = next(c for c in status["conditions"] if c["type"] == "Failed")
    assert failed["reason"] == "BackoffLimitExceeded" and status["failed"] == 1
    late = unique("jd")
    cluster("create", "-f", "-", input=_job(late, "sleep 60", activeDeadlineSeconds=2))
    cluster("wait", "--for=condition=failed", f"job/{late}", "--timeout=60s")
    assert next(c for c in json.loads(cluster("get", "job", late, "-o", "json").stdout)["status"]["conditions"]
                if c["type"] == "Failed")["reason"] == "DeadlineExceeded"
    wait(lambda: cluster("get", "pods", "-l", f"job-name={late}", "-o", "name").stdout.strip() == "", 60)
    brief = unique("jt")
    cluster("create", "-f", "-", input=_job(brief, "true", ttlSecondsAfterFinished=1))
    wait(lambda: cluster("get", "job", brief, check=False).returncode != 0, 60)
    wait(lambda: cluster("get", "pods", "-l", f"job-name={brief}", "-o", "name").stdout.strip() == "", 60)
    bad = json.loads(_job(unique("jx"), "true"))
    bad["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    refused = cluster("create", "-f", "-", input=json.dumps(bad), check=False)
    assert 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"' \
        in refused.stderr
    cluster("delete", "job", made, wide, failing, late, "--wait=false")


def test_cronjobs_are_validated_and_make_jobs_on_demand(cluster):
    name = unique("cj")
    cluster("create", "cronjob", name, "--image=busybox", "--schedule=*/30 * * * *", "--", "sh", "-c", "echo tick")
    row = cluster("get", "cronjob", name, "--no-headers").stdout.split()
    assert row[1:6] == ["*/30", "*", "*", "*", "*"]
    manual = unique("cm")
    cluster("create", "job", manual, f"--from=cronjob/{name}")
    cluster("wait", "--for=condition=complete", f"job/{manual}", "--timeout=60s")
    assert cluster("logs", f"job/{manual}").stdout.strip() == "tick"
    bad = cluster("create", "cronjob", unique("cb"), "--image=busybox", "--schedule=61 * * * *", "--", "true",
                  check=False)
    assert bad.returncode != 0 and "spec.schedule: Invalid value" in bad.stderr
    zoned = json.loads(cluster("create", "cronjob", unique("cz"), "--image=busybox", "--schedule=0 9 * * *",
                               "--dry-run=client", "-o", "json", "--", "true").stdout)
    zoned["spec"]["timeZone"] = "Mars/Olympus"
    refused = cluster("create", "-f", "-", input=json.dumps(zoned), check=False)
    assert 'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus' in refused.stderr
    cluster("delete", "cronjob", name, "--wait=false")
    cluster("delete", "job", manual, "--wait=false")


def test_drain_evicts_within_the_disruption_budget(cluster):
    """node01 is the only node pods may run on: the evicted pod's replacement stays Pending."""
    name = unique("pd")
    cluster("create", "deployment", name, "--image=kinns/echo", "--replicas=2")
    cluster("rollout", "status", f"deployment/{name}", "--timeout=60s")
    cluster("create", "poddisruptionbudget", name, f"--selector=app={name}", "--min-available=1")
    wait(lambda: json.loads(cluster("get", "pdb", name, "-o", "json").stdout).get("status", {})
         .get("disruptionsAllowed") == 1, 30)
    drained = cluster("drain", "node01", "--ignore-daemonsets", f"--pod-selector=app={name}", "--timeout=15s",
                      check=False)
    try:
        assert drained.returncode != 0
        assert "Cannot evict pod as it would violate the pod's disruption budget." in drained.stderr
        assert json.loads(cluster("get", "node", "node01", "-o", "json").stdout)["spec"]["unschedulable"] is True
        pods = json.loads(cluster("get", "pods", "-l", f"app={name}", "-o", "json").stdout)["items"]
        running = [p for p in pods if p["status"].get("phase") == "Running" and not p["metadata"].get(
            "deletionTimestamp")]
        assert len(running) == 1  # one evicted (its replacement cannot be scheduled), one kept by the budget
        budget = json.loads(cluster("get", "pdb", name, "-o", "json").stdout)["status"]
        assert budget["disruptionsAllowed"] == 0 and budget["desiredHealthy"] == 1
    finally:
        cluster("uncordon", "node01")
        cluster("delete", "deployment,pdb", name, "--wait=false")


def test_grace_periods_hold_no_kubelet_worker(cluster):
    """Pods whose PID 1 ignores SIGTERM (`sleep`) keep their whole grace period, as on a real node; while a dozen
    of them wait it out on one node, that node's kubelet still starts new pods at once, and a container that
    handles TERM ends as soon as it is asked."""
    node = json.loads(cluster("get", "nodes", "-o", "json").stdout)["items"][-1]["metadata"]["name"]
    stubborn = [unique("gs") for _ in range(12)]
    pods = [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": n}, "spec": {
        "nodeName": node, "terminationGracePeriodSeconds": 25,
        "containers": [{"name": "app", "image": "busybox", "command": ["sleep", "3600"]}]}} for n in stubborn]
    cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}))
    cluster("wait", "--for=condition=Ready", *[f"pod/{n}" for n in stubborn], "--timeout=90s")
    polite = unique("gp")
    handler = {"name": "app", "image": "busybox",
               "command": ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"]}
    cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": polite},
                                                  "spec": {"nodeName": node, "terminationGracePeriodSeconds": 25,
                                                           "containers": [handler]}}))
    cluster("wait", "--for=condition=Ready", f"pod/{polite}", "--timeout=30s")
    cluster("delete", "pod", *stubborn, "--wait=false")
    fresh = unique("gf")
    cluster("run", fresh, "--image=busybox", f"--overrides={json.dumps({'spec': {'nodeName': node}})}",
            "--", "sleep", "3600")
    cluster("wait", "--for=condition=Ready", f"pod/{fresh}", "--timeout=15s")  # not after the others' 25 s
    asked = time.monotonic()
    cluster("delete", "pod", polite, "--timeout=15s")
    assert time.monotonic() - asked < 10
    assert all(_pod(cluster, n)["metadata"].get("deletionTimestamp") for n in stubborn)  # still in their grace
    wait(lambda: cluster("get", "pods", *stubborn, "--ignore-not-found", "-o", "name").stdout.strip() == "", 60)
    cluster("delete", "pod", fresh, "--grace-period=0", "--force")


def _init_pod(name: str, init_command: str, policy: str = "Always") -> str:
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {
        "restartPolicy": policy, "volumes": [{"name": "work", "emptyDir": {}}],
        "initContainers": [{"name": "prepare", "image": "busybox", "command": ["sh", "-c", init_command],
                            "volumeMounts": [{"name": "work", "mountPath": "/work"}]},
                           {"name": "second", "image": "busybox", "command": ["sh", "-c", "echo two >> /work/order"],
                            "volumeMounts": [{"name": "work", "mountPath": "/work"}]}],
        "containers": [{"name": "main", "image": "busybox", "command": ["sh", "-c", "cat /work/order; sleep 3600"],
                        "volumeMounts": [{"name": "work", "mountPath": "/work"}]}]}})


def test_init_containers_run_one_after_the_other_before_the_containers(cluster):
    name = unique("init")
    cluster("apply", "-f", "-", input=_init_pod(name, "sleep 3; echo one > /work/order"))
    wait(lambda: "Init:0/2" in cluster("get", "pod", name).stdout, 20)  # kubectl's column, from the statuses
    pod = _pod(cluster, name)
    assert pod["status"]["phase"] == "Pending"
    assert next(c for c in pod["status"]["conditions"] if c["type"] == "Initialized")["status"] == "False"
    assert pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    cluster("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=30s")
    wait(lambda: cluster("logs", name, "-c", "main").stdout == "one\ntwo\n", 10)
    statuses = _pod(cluster, name)["status"]["initContainerStatuses"]
    assert [(s["name"], s["state"]["terminated"]["reason"]) for s in statuses] == [("prepare", "Completed"),
                                                                                  ("second", "Completed")]
    cluster("delete", "pod", name, "--now")


def test_a_failing_init_container_is_retried_or_fails_the_pod(cluster):
    never, always = unique("initn"), unique("inita")
    cluster("apply", "-f", "-", input=_init_pod(never, "exit 3", "Never"))
    cluster("apply", "-f", "-", input=_init_pod(always, "exit 3", "Always"))
    wait(lambda: _pod(cluster, never)["status"].get("phase") == "Failed", 30)
    assert "Init:Error" in cluster("get", "pod", never).stdout
    wait(lambda: (_pod(cluster, always)["status"].get("initContainerStatuses") or [{}])[0].get("restartCount", 0)
         >= 1, 30)
    status = _pod(cluster, always)["status"]
    assert status["phase"] == "Pending" and "main" not in cluster("logs", always, "-c", "main", check=False).stdout
    cluster("delete", "pod", never, always, "--now")
