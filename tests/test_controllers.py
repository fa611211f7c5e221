"""kube-controller-manager's controllers and kube-scheduler against an API in memory (tests/fakes.FakeAPI)."""

import asyncio

import pytest
from fakes import FakeAPI, settle

from kinns.client import Informers
from kinns.controllers.cluster import (
    GarbageCollector,
    NamespaceController,
    NodeIPAMController,
    ServiceAccountController,
)
from kinns.controllers.daemonset import DaemonSetController
from kinns.controllers.endpoints import EndpointsController
from kinns.controllers.scheduler import Scheduler
from kinns.controllers.servicelb import ServiceLBController
from kinns.controllers.workloads import DeploymentController, ReplicaSetController, template_hash


def ready(status: bool = True) -> dict:
    return {"conditions": [{"type": "Ready", "status": "True" if status else "False"}]}


def node(name: str, is_ready: bool = True, taints: list | None = None, labels: dict | None = None) -> dict:
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
            "spec": {"taints": taints or []}, "status": ready(is_ready)}


def pod(name: str, namespace: str = "default", labels: dict | None = None, node_name: str = "", **spec) -> dict:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
            "spec": {"containers": [{"name": "c", "image": "pause"}], **({"nodeName": node_name} if node_name else {}),
                     **spec}}


def run(controller_class, api: FakeAPI, quiet: float = 0.1, **kwargs):
    controller = controller_class(api.client, Informers(api.client), **kwargs)
    asyncio.run(settle(controller, api, quiet))
    return controller


# kube-scheduler

def test_the_scheduler_binds_to_a_node_that_fits_and_spreads_replicas():
    api = FakeAPI()
    for n in ("controlplane", "node01", "node02"):
        api.add("nodes", node(n, taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
                              if n == "controlplane" else None))
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": "rs-1", "controller": True}]
    for i in range(4):
        api.add("pods", {**pod(f"web-{i}"), "metadata": {"name": f"web-{i}", "namespace": "default",
                                                          "ownerReferences": owner}})
    run(Scheduler, api)
    placed = [p["spec"].get("nodeName") for p in api.all("pods")]
    assert sorted(placed) == ["node01", "node01", "node02", "node02"]  # a burst spreads, none on the tainted node


def test_an_unschedulable_pod_says_why_as_kube_scheduler_does():
    api = FakeAPI()
    api.add("nodes", node("a", is_ready=False))
    api.add("nodes", node("b", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]))
    api.add("pods", pod("p"))
    run(Scheduler, api)
    [condition] = api.get("pods", "default", "p")["status"]["conditions"]
    assert condition["type"] == "PodScheduled" and condition["reason"] == "Unschedulable"
    assert condition["message"] == ("0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, "
                                    "1 node(s) were not ready.")
    assert any(b and b.get("reason") == "FailedScheduling" for m, path, b in api.writes("POST")
               if path.endswith("/events"))


def test_claims_a_pod_waits_for_and_the_node_a_waiting_claim_is_given():
    api = FakeAPI()
    api.add("nodes", node("a"))
    api.add("storageclasses", {"metadata": {"name": "late"}, "volumeBindingMode": "WaitForFirstConsumer"})
    api.add("storageclasses", {"metadata": {"name": "now"}, "volumeBindingMode": "Immediate"})
    for name, cls in (("late-claim", "late"), ("now-claim", "now")):
        api.add("persistentvolumeclaims", {"metadata": {"name": name, "namespace": "default"},
                                           "spec": {"storageClassName": cls}})

    def using(name: str, claim: str) -> dict:
        return pod(name, volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": claim}}])
    api.add("pods", using("lost", "nope"))
    api.add("pods", using("early", "now-claim"))
    api.add("pods", using("first", "late-claim"))
    run(Scheduler, api)
    messages = {p["metadata"]["name"]: (p.get("status") or {}).get("conditions", [{}])[0].get("message")
                for p in api.all("pods")}
    assert messages["lost"] == '0/1 nodes are available: persistentvolumeclaim "nope" not found.'
    assert messages["early"] == "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    claim = api.get("persistentvolumeclaims", "default", "late-claim")
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == "a"
    assert not api.get("pods", "default", "first")["spec"].get("nodeName")  # not before its claim is bound
    claim["spec"]["volumeName"] = "pv-1"
    api.add("persistentvolumeclaims", claim)
    run(Scheduler, api)
    assert [p["spec"].get("nodeName") for p in api.all("pods") if p["metadata"]["name"] == "first"] == ["a"]


@pytest.mark.parametrize("spec, expected", [
    ({"tolerations": [{"key": "dedicated", "operator": "Exists"}]}, "tainted"),
    ({"nodeSelector": {"disk": "ssd"}}, "ssd"),
    ({"schedulerName": "my-scheduler"}, None),
])
def test_tolerations_node_selectors_and_other_schedulers(spec, expected):
    api = FakeAPI()
    api.add("nodes", node("tainted", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}]))
    api.add("nodes", node("ssd", labels={"disk": "ssd"}, taints=[]))
    if "tolerations" in spec:
        api.add("nodes", node("zz-plain"))
        api.objects.pop(("nodes", "", "ssd"))
    api.add("pods", pod("p", **spec))
    run(Scheduler, api)
    got = api.get("pods", "default", "p")["spec"].get("nodeName")
    assert got == expected if "tolerations" not in spec else got in ("tainted", "zz-plain")


# ReplicaSet and Deployment

def replicaset(name: str, replicas: int, labels: dict | None = None) -> dict:
    labels = labels or {"app": name}
    return {"metadata": {"name": name, "namespace": "default", "generation": 1},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": pod("x")["spec"]}}}


def test_a_replicaset_creates_its_pods_from_the_template_and_counts_them():
    api = FakeAPI()
    rs = api.add("replicasets", replicaset("web", 3))
    run(ReplicaSetController, api)
    pods = api.all("pods")
    assert len(pods) == 3 and all(p["metadata"]["name"].startswith("web-") for p in pods)
    assert all(p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"] for p in pods)
    assert api.get("replicasets", "default", "web")["status"]["replicas"] == 3
    assert sum(1 for m, path, _ in api.writes("POST") if path == "/api/v1/namespaces/default/pods") == 3


def test_a_replicaset_scales_down_the_least_ready_pods_first():
    api = FakeAPI()
    rs = api.add("replicasets", replicaset("web", 3))
    ref = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
            "controller": True}]
    for i, is_ready in enumerate((True, False, True)):
        api.add("pods", {**pod(f"web-{i}", labels={"app": "web"}), "status": ready(is_ready),
                         "metadata": {"name": f"web-{i}", "namespace": "default", "labels": {"app": "web"},
                                      "ownerReferences": ref}})
    api.objects[("replicasets", "default", "web")]["spec"]["replicas"] = 2
    run(ReplicaSetController, api)
    assert sorted(p["metadata"]["name"] for p in api.all("pods")) == ["web-0", "web-2"]
    assert api.get("replicasets", "default", "web")["status"]["readyReplicas"] == 2


def deployment(image: str = "pause", replicas: int = 2) -> dict:
    return {"metadata": {"name": "web", "namespace": "default", "generation": 1},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "c", "image": image}]}}}}


def test_a_deployment_makes_a_replicaset_per_template_and_reports_progress():
    api = FakeAPI()
    d = api.add("deployments", deployment())
    run(DeploymentController, api)
    [rs] = api.all("replicasets")
    pth = template_hash(d["spec"]["template"])
    assert rs["metadata"]["name"] == f"web-{pth}" and rs["spec"]["replicas"] == 2
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "web", "pod-template-hash": pth}
    status = api.get("deployments", "default", "web")["status"]
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("Available", "False", "MinimumReplicasUnavailable"), ("Progressing", "True", "ReplicaSetUpdated")]


def test_a_new_template_rolls_to_a_new_replicaset_and_the_old_one_goes_to_zero_once_available():
    api = FakeAPI()
    d = api.add("deployments", deployment("pause"))
    run(DeploymentController, api)
    [old] = api.all("replicasets")
    api.objects[("replicasets", "default", old["metadata"]["name"])]["status"] = {"replicas": 2,
                                                                                 "availableReplicas": 2}
    d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx"
    api.add("deployments", d)
    controller = run(DeploymentController, api)
    new = next(rs for rs in api.all("replicasets") if rs["metadata"]["uid"] != old["metadata"]["uid"])
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert api.get("replicasets", "default", old["metadata"]["name"])["spec"]["replicas"] == 2  # new not ready yet
    api.objects[("replicasets", "default", new["metadata"]["name"])]["status"] = {"replicas": 2,
                                                                                 "availableReplicas": 2}
    api.add("replicasets", api.get("replicasets", "default", new["metadata"]["name"]))
    asyncio.run(settle(type(controller)(api.client, Informers(api.client)), api))
    assert api.get("replicasets", "default", old["metadata"]["name"])["spec"]["replicas"] == 0
    status = api.get("deployments", "default", "web")["status"]
    assert status["availableReplicas"] == 4 and status["conditions"][0]["status"] == "True"


# DaemonSet

def daemonset(**template_spec) -> dict:
    return {"metadata": {"name": "agent", "namespace": "kube-system", "generation": 1},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                     "template": {"metadata": {"labels": {"app": "agent"}},
                                  "spec": {"containers": [{"name": "c", "image": "pause"}], **template_spec}}}}


def test_a_daemonset_runs_one_pod_on_every_node_it_fits_even_unready_ones():
    api = FakeAPI()
    api.add("nodes", node("controlplane", taints=[{"key": "node-role.kubernetes.io/control-plane",
                                                   "effect": "NoSchedule"}]))
    api.add("nodes", node("node01", is_ready=False, taints=[{"key": "node.kubernetes.io/not-ready",
                                                             "effect": "NoExecute"}]))
    api.add("nodes", node("node02", labels={"role": "edge"}))
    api.add("daemonsets", daemonset())
    run(DaemonSetController, api)
    assert sorted(p["spec"]["nodeName"] for p in api.all("pods")) == ["node01", "node02"]
    status = api.get("daemonsets", "kube-system", "agent")["status"]
    assert status["desiredNumberScheduled"] == 2 and status["numberUnavailable"] == 2
    assert all("controller-revision-hash" in p["metadata"]["labels"] for p in api.all("pods"))
    [revision] = api.all("controllerrevisions")  # the template's history, for rollout history and undo
    digest = api.all("pods")[0]["metadata"]["labels"]["controller-revision-hash"]
    assert revision["metadata"]["name"] == f"agent-{digest}" and revision["revision"] == 1
    assert revision["data"]["spec"]["template"]["$patch"] == "replace"
    assert revision["metadata"]["labels"] == {"app": "agent", "controller.kubernetes.io/hash": digest}


def test_a_daemonset_follows_its_node_selector_and_replaces_out_of_date_pods_one_at_a_time():
    api = FakeAPI()
    for n in ("a", "b", "c"):
        api.add("nodes", node(n))
    ds = api.add("daemonsets", daemonset())
    run(DaemonSetController, api)
    for p in api.all("pods"):
        api.add("pods", {**p, "status": ready()})
    ds["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx"
    api.add("daemonsets", ds)
    run(DaemonSetController, api)
    deleted = [path for m, path, _ in api.writes("DELETE")]
    assert len(deleted) == 1  # maxUnavailable 1: one ready pod replaced at a time
    api.add("daemonsets", {**ds, "spec": {**ds["spec"], "template": daemonset(nodeSelector={"x": "y"})
                                          ["spec"]["template"]}})
    run(DaemonSetController, api)
    assert [p for p in api.all("pods") if not p["metadata"].get("deletionTimestamp")] == []


# Endpoints and EndpointSlices

def service(name: str = "web", selector: dict | None = None, ports: list | None = None) -> dict:
    return {"metadata": {"name": name, "namespace": "default"},
            "spec": {"selector": selector if selector is not None else {"app": "web"}, "clusterIP": "10.96.0.20",
                     "ports": ports or [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}}


def backend(name: str, ip: str, is_ready: bool, port: int = 8080, labels: dict | None = None) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "labels": labels or {"app": "web"}},
            "spec": {"nodeName": "node01", "containers": [{"name": "c", "image": "x", "ports": [
                {"name": "http", "containerPort": port, "protocol": "TCP"}]}]},
            "status": {"podIP": ip, **ready(is_ready)}}


def test_endpoints_and_slices_list_ready_and_unready_pods_with_named_ports_resolved():
    api = FakeAPI()
    api.add("services", service())
    api.add("pods", backend("a", "10.244.1.3", True))
    api.add("pods", backend("b", "10.244.1.2", False))
    api.add("pods", backend("other", "10.244.1.9", True, labels={"app": "other"}))
    run(EndpointsController, api)
    [subset] = api.get("endpoints", "default", "web")["subsets"]
    assert [a["ip"] for a in subset["addresses"]] == ["10.244.1.3"]
    assert [a["ip"] for a in subset["notReadyAddresses"]] == ["10.244.1.2"]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    eps = api.get("endpointslices", "default", "web-kinns")
    assert [(e["addresses"], e["conditions"]["ready"]) for e in eps["endpoints"]] == [
        (["10.244.1.2"], False), (["10.244.1.3"], True)]
    assert eps["metadata"]["labels"]["kubernetes.io/service-name"] == "web"


def test_a_pod_that_stops_matching_leaves_and_a_deleted_service_takes_its_endpoints():
    api = FakeAPI()
    api.add("services", service())
    api.add("pods", backend("a", "10.244.1.3", True))
    controller = run(EndpointsController, api)
    api.add("pods", backend("a", "10.244.1.3", True, labels={"app": "moved"}))
    asyncio.run(settle(type(controller)(api.client, Informers(api.client)), api))
    assert api.get("endpointslices", "default", "web-kinns")["endpoints"] == []
    del api.objects[("services", "default", "web")]
    asyncio.run(settle(type(controller)(api.client, Informers(api.client)), api))
    assert api.get("endpoints", "default", "web") is None and api.get("endpointslices", "default", "web-kinns") is None


def test_services_without_a_selector_are_left_alone():
    api = FakeAPI()
    api.add("services", service(selector={}))
    api.add("pods", backend("a", "10.244.1.3", True))
    run(EndpointsController, api)
    assert api.writes() == []


# cluster-wide objects

def test_the_garbage_collector_deletes_orphans_only():
    api = FakeAPI()
    rs = api.add("replicasets", replicaset("live", 1))
    alive = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "live", "uid": rs["metadata"]["uid"],
              "controller": True}]
    gone = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "gone", "uid": "no-such", "controller": True}]
    foreign = [{"apiVersion": "example.com/v1", "kind": "Thing", "name": "t", "uid": "t-1"}]
    for name, refs in (("kept", alive), ("orphan", gone), ("foreign", foreign), ("plain", [])):
        api.add("pods", {**pod(name), "metadata": {"name": name, "namespace": "default", "ownerReferences": refs}})
    run(GarbageCollector, api)
    assert sorted(p["metadata"]["name"] for p in api.all("pods")) == ["foreign", "kept", "plain"]


def test_node_ipam_gives_the_lowest_free_slash_24():
    api = FakeAPI()
    api.add("nodes", {**node("a"), "spec": {"podCIDR": "10.244.0.0/24"}})
    api.add("nodes", node("b"))
    run(NodeIPAMController, api)
    assert api.get("nodes", None, "b")["spec"]["podCIDRs"] == ["10.244.1.0/24"]


def test_every_namespace_gets_its_default_service_account_and_the_root_ca():
    api = FakeAPI()
    api.add("namespaces", {"metadata": {"name": "shop"}})
    api.add("configmaps", {"metadata": {"name": "kube-root-ca.crt", "namespace": "old"}, "data": {"ca.crt": "X"}})
    api.add("namespaces", {"metadata": {"name": "old"}})
    run(ServiceAccountController, api, ca_pem="PEM")
    assert api.get("serviceaccounts", "shop", "default") is not None
    assert api.get("configmaps", "shop", "kube-root-ca.crt")["data"] == {"ca.crt": "PEM"}
    assert api.get("configmaps", "old", "kube-root-ca.crt")["data"] == {"ca.crt": "PEM"}  # kept current


def test_a_deleted_namespace_is_emptied_then_finalized():
    api = FakeAPI()
    api.add("namespaces", {"metadata": {"name": "doomed", "deletionTimestamp": "2026-01-01T00:00:00Z"},
                           "spec": {"finalizers": ["kubernetes"]}})
    api.add("configmaps", {"metadata": {"name": "c", "namespace": "doomed"}})
    api.add("pods", pod("p", namespace="doomed"))
    api.add("pods", pod("q", namespace="kept"))
    run(NamespaceController, api, quiet=0.8)  # it looks again every half second until the namespace is empty
    assert api.all("configmaps") == [] and [p["metadata"]["name"] for p in api.all("pods")] == ["q"]
    assert any(m == "PUT" and path == "/api/v1/namespaces/doomed/finalize" for m, path, _ in api.writes())


@pytest.mark.parametrize("spec, status, event", [
    ({"type": "LoadBalancer"}, "172.30.5.200", "IPAllocated"),
    ({"type": "LoadBalancer", "loadBalancerIP": "172.30.5.210"}, "172.30.5.210", "IPAllocated"),
    ({"type": "LoadBalancer", "loadBalancerIP": "10.0.0.1"}, None, "AllocationFailed"),
    ({"type": "ClusterIP"}, None, None),
])
def test_load_balancer_addresses_come_from_the_node_network_pool(spec, status, event):
    api = FakeAPI()
    api.add("services", {"metadata": {"name": "lb", "namespace": "default"}, "spec": {"ports": [{"port": 80}],
                                                                                        **spec}})
    run(ServiceLBController, api, apiserver_ip="172.30.5.2")
    ingress = (api.get("services", "default", "lb").get("status") or {}).get("loadBalancer", {}).get("ingress")
    assert (ingress[0]["ip"] if ingress else None) == status
    reasons = [b["reason"] for m, path, b in api.writes("POST") if path.endswith("/events")]
    assert reasons == ([event] if event else [])


# batch: Jobs and CronJobs

def _minutes_ago(n: int) -> str:
    import datetime
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=n)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def cronjob(name: str = "tick", **spec) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}",
                         "creationTimestamp": _minutes_ago(2)},
            "spec": {"schedule": "* * * * *", "concurrencyPolicy": "Allow", "successfulJobsHistoryLimit": 3,
                     "failedJobsHistoryLimit": 1, "jobTemplate": {"spec": {"template": {"spec": {
                         "restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox"}]}}}}, **spec}}


def test_a_cronjob_makes_the_job_of_its_latest_due_time_once():
    from kinns.controllers.cronjob import CronJobController

    api = FakeAPI()
    api.add("cronjobs", cronjob())
    run(CronJobController, api)
    [job] = api.all("jobs")
    assert job["metadata"]["name"].startswith("tick-") and job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert "batch.kubernetes.io/cronjob-scheduled-timestamp" in job["metadata"]["annotations"]
    status = api.get("cronjobs", "default", "tick")["status"]
    assert status["active"][0]["name"] == job["metadata"]["name"] and status["lastScheduleTime"]
    run(CronJobController, api)
    assert len(api.all("jobs")) == 1  # the same minute is not run twice


def test_forbid_skips_while_a_run_is_active_and_history_is_pruned():
    from kinns.controllers.cronjob import CronJobController

    api = FakeAPI()
    cj = api.add("cronjobs", cronjob(concurrencyPolicy="Forbid", successfulJobsHistoryLimit=1))
    owner = {"apiVersion": "batch/v1", "kind": "CronJob", "name": "tick", "uid": cj["metadata"]["uid"],
             "controller": True}
    done = {"conditions": [{"type": "Complete", "status": "True"}], "completionTime": _minutes_ago(5)}
    for i, status in enumerate(({}, done, done)):  # one still running, two finished
        api.add("jobs", {"metadata": {"name": f"tick-{i}", "namespace": "default", "ownerReferences": [owner],
                                      "creationTimestamp": _minutes_ago(10 - i)}, "spec": {}, "status": status})
    run(CronJobController, api)
    assert sorted(j["metadata"]["name"] for j in api.all("jobs")) == ["tick-0", "tick-2"]  # none new, oldest gone


def test_job_controller_runs_pods_in_parallel_until_its_completions():
    from kinns.controllers.job import JobController

    api = FakeAPI()
    template = {"metadata": {"labels": {"job-name": "j"}}, "spec": {"restartPolicy": "Never",
                                                                     "containers": [{"name": "c", "image": "busybox"}]}}
    api.add("jobs", {"metadata": {"name": "j", "namespace": "default", "uid": "uid-j"},
                     "spec": {"completions": 3, "parallelism": 2, "backoffLimit": 1, "template": template}})
    run(JobController, api)
    pods = api.all("pods")
    assert len(pods) == 2 and all(p["metadata"]["ownerReferences"][0]["kind"] == "Job" for p in pods)
    for pod in pods:
        api.add("pods", {**pod, "status": {"phase": "Succeeded"}})
    run(JobController, api)
    assert len(api.all("pods")) == 3  # one more for the third completion
    last = next(p for p in api.all("pods") if not p.get("status", {}).get("phase"))
    api.add("pods", {**last, "status": {"phase": "Succeeded"}})
    run(JobController, api)
    status = api.get("jobs", "default", "j")["status"]
    assert status["succeeded"] == 3 and [c["type"] for c in status["conditions"]] == ["SuccessCriteriaMet",
                                                                                       "Complete"]
