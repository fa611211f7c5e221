"""Admission that keeps a namespace within bounds, with the real kubectl: ResourceQuota (counts, compute
resources, scopes) and its controller's status, LimitRange defaults and limits, PriorityClasses with the
Priority plugin, and a HorizontalPodAutoscaler without a metrics server. One cluster for all."""

import json

import pytest
from conftest import kube_cluster, unique, wait

pytestmark = pytest.mark.kernel
IMAGE = "registry.k8s.io/e2e-test-images/agnhost:2.53"


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=2) as kubectl:
        yield kubectl


@pytest.fixture
def ns(cluster):
    name = unique("q")
    cluster("create", "namespace", name)
    yield name
    cluster("delete", "namespace", name, "--wait=false")


def _pod(name: str, requests: dict | None = None, limits: dict | None = None, **spec) -> str:
    resources = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
    return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                       "spec": {"containers": [{"name": "c", "image": IMAGE, "args": ["pause"],
                                                "resources": resources}], **spec}})


def test_a_quota_refuses_what_would_exceed_it_and_shows_its_usage(cluster, ns):
    cluster("-n", ns, "create", "quota", "compute", "--hard=pods=2,requests.cpu=1,limits.memory=1Gi,"
            "count/deployments.apps=1,services.nodeports=0")
    cluster("-n", ns, "create", "-f", "-", input=_pod("a", {"cpu": "400m"}, {"memory": "512Mi"}))
    lacking = cluster("-n", ns, "create", "-f", "-", input=_pod("b", {"cpu": "100m"}), check=False)
    assert 'pods "b" is forbidden: failed quota: compute: must specify limits.memory for: c' in lacking.stderr
    over = cluster("-n", ns, "create", "-f", "-", input=_pod("b", {"cpu": "700m"}, {"memory": "256Mi"}), check=False)
    assert 'pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=700m, used: requests.cpu=400m, ' \
        "limited: requests.cpu=1" in over.stderr
    cluster("-n", ns, "create", "-f", "-", input=_pod("b", {"cpu": "600m"}, {"memory": "256Mi"}))
    third = cluster("-n", ns, "create", "-f", "-", input=_pod("c", {"cpu": "1m"}, {"memory": "1Mi"}), check=False)
    assert "exceeded quota: compute, requested: pods=1,requests.cpu=1m, used: pods=2,requests.cpu=1, limited: " \
        "pods=2,requests.cpu=1" in third.stderr
    cluster("-n", ns, "create", "deployment", "one", f"--image={IMAGE}", "--replicas=0")
    second = cluster("-n", ns, "create", "deployment", "two", f"--image={IMAGE}", check=False)
    assert "exceeded quota: compute, requested: count/deployments.apps=1, used: count/deployments.apps=1" \
        in second.stderr
    node_port = cluster("-n", ns, "create", "service", "nodeport", "web", "--tcp=80", check=False)
    assert "exceeded quota: compute, requested: services.nodeports=1, used: services.nodeports=0, limited: " \
        "services.nodeports=0" in node_port.stderr

    def used() -> dict:
        return json.loads(cluster("-n", ns, "get", "quota", "compute", "-o", "jsonpath={.status.used}").stdout or "{}")
    wait(lambda: used() == {"count/deployments.apps": "1", "limits.memory": "768Mi", "pods": "2",
                            "requests.cpu": "1", "services.nodeports": "0"})
    table = cluster("-n", ns, "get", "quota").stdout
    assert "count/deployments.apps: 1/1, pods: 2/2, requests.cpu: 1/1, services.nodeports: 0/0" in table
    assert "limits.memory: 768Mi/1Gi" in table
    cluster("-n", ns, "delete", "pod", "b", "--grace-period=0", "--force")  # the controller counts it out
    wait(lambda: used().get("pods") == "1" and used().get("requests.cpu") == "400m")
    cluster("-n", ns, "create", "-f", "-", input=_pod("c", {"cpu": "1m"}, {"memory": "1Mi"}))


def test_quota_scopes_count_only_the_pods_they_select(cluster, ns):
    cluster("-n", ns, "create", "quota", "best-effort", "--hard=pods=1", "--scopes=BestEffort")
    cluster("-n", ns, "create", "-f", "-", input=_pod("plain1"))
    refused = cluster("-n", ns, "create", "-f", "-", input=_pod("plain2"), check=False)
    assert "exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1" in refused.stderr
    cluster("-n", ns, "create", "-f", "-", input=_pod("sized", {"cpu": "10m"}))  # not BestEffort: not counted
    bad = cluster("-n", ns, "create", "quota", "wrong", "--hard=pods=-1", "--scopes=BestEffort,NotBestEffort",
                  check=False)
    assert 'spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0' in bad.stderr
    assert "conflicting scopes" in bad.stderr


def test_a_limit_range_defaults_and_bounds_containers_pods_and_claims(cluster, ns):
    ranges = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "bounds"}, "spec": {"limits": [
        {"type": "Container", "max": {"cpu": "1", "memory": "512Mi"}, "min": {"cpu": "50m"},
         "defaultRequest": {"cpu": "250m"}, "maxLimitRequestRatio": {"cpu": "4"}},
        {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "2Gi"}}]}}
    cluster("-n", ns, "create", "-f", "-", input=json.dumps(ranges))
    stored = json.loads(cluster("-n", ns, "get", "limitrange", "bounds", "-o", "jsonpath={.spec.limits[0]}").stdout)
    assert stored["default"] == {"cpu": "1", "memory": "512Mi"}  # the max, as API defaulting makes it
    cluster("-n", ns, "create", "-f", "-", input=_pod("plain"))
    made = json.loads(cluster("-n", ns, "get", "pod", "plain", "-o", "json").stdout)
    assert made["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "1", "memory": "512Mi"},
                                                          "requests": {"cpu": "250m", "memory": "512Mi"}}
    assert made["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == \
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c"
    big = cluster("-n", ns, "create", "-f", "-", input=_pod("big", {"cpu": "100m"}, {"cpu": "2"}), check=False)
    assert 'pods "big" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, cpu max limit to ' \
        "request ratio per Container is 4, but provided ratio is 20.000000]" in big.stderr
    small = cluster("-n", ns, "create", "-f", "-", input=_pod("small", {"cpu": "10m"}), check=False)
    assert "minimum cpu usage per Container is 50m, but request is 10m" in small.stderr
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "huge"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}}
    huge = cluster("-n", ns, "create", "-f", "-", input=json.dumps(claim), check=False)
    assert 'persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but ' \
        "request is 5Gi" in huge.stderr
    wrong = {**ranges, "metadata": {"name": "wrong"}, "spec": {"limits": [
        {"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}}, {"type": "Pod", "default": {"cpu": "1"}}]}}
    refused = cluster("-n", ns, "create", "-f", "-", input=json.dumps(wrong), check=False)
    assert 'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1' in refused.stderr
    assert "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'" in refused.stderr


def test_priority_classes_give_pods_their_priority(cluster, ns):
    name = unique("pc")
    cluster("create", "priorityclass", name, "--value=1000", "--global-default=true", "--description=test")
    try:
        cluster("-n", ns, "create", "-f", "-", input=_pod("default"))
        spec = json.loads(cluster("-n", ns, "get", "pod", "default", "-o", "jsonpath={.spec}").stdout)
        assert (spec["priorityClassName"], spec["priority"], spec["preemptionPolicy"]) == \
            (name, 1000, "PreemptLowerPriority")
        critical = cluster("-n", ns, "create", "-f", "-", input=_pod("crit", priorityClassName="system-node-critical"))
        assert critical.returncode == 0
        assert cluster("-n", ns, "get", "pod", "crit", "-o", "jsonpath={.spec.priority}").stdout == "2000001000"
        missing = cluster("-n", ns, "create", "-f", "-", input=_pod("x", priorityClassName="nope"), check=False)
        assert 'pods "x" is forbidden: no PriorityClass with name nope was found' in missing.stderr
        forced = cluster("-n", ns, "create", "-f", "-", input=_pod("y", priority=5), check=False)
        assert "the integer value of priority (5) must not be provided in pod spec; priority admission controller " \
            "computed 1000 from the given PriorityClass name" in forced.stderr
        second = cluster("create", "priorityclass", unique("pc"), "--value=5", "--global-default=true", check=False)
        assert f"PriorityClass {name} is already marked as default. Only one default can exist" in second.stderr
        high = cluster("create", "priorityclass", unique("pc"), "--value=2000000000", check=False)
        assert "value: Forbidden: maximum allowed value of a user defined priority is 1000000000" in high.stderr
        listed = cluster("get", "priorityclass", name).stdout.split("\n")[1].split()
        assert listed[:3] == [name, "1000", "true"] and listed[-1] == "PreemptLowerPriority"
    finally:
        cluster("delete", "priorityclass", name)


def test_an_autoscaler_keeps_its_bounds_and_says_it_has_no_metrics(cluster, ns):
    cluster("-n", ns, "create", "deployment", "web", f"--image={IMAGE}", "--replicas=1", "--", "/agnhost", "pause")
    cluster("-n", ns, "autoscale", "deployment", "web", "--min=2", "--max=3", "--cpu=50%")
    wait(lambda: cluster("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "2")
    row = cluster("-n", ns, "get", "hpa", "web").stdout.split("\n")[1].split()
    assert row[:6] == ["web", "Deployment/web", "cpu:", "<unknown>/50%", "2", "3"]

    def conditions() -> dict:
        hpa = json.loads(cluster("-n", ns, "get", "hpa", "web", "-o", "json").stdout)
        return {c["type"]: (c["status"], c["reason"]) for c in (hpa.get("status") or {}).get("conditions") or []}
    wait(lambda: conditions().get("ScalingActive") == ("False", "FailedGetResourceMetric"), timeout=45)
    assert conditions()["AbleToScale"] == ("True", "SucceededGetScale")
    described = cluster("-n", ns, "describe", "hpa", "web").stdout
    assert "New size: 2; reason: Current number of replicas below Spec.MinReplicas" in described
    assert "unable to fetch metrics from resource metrics API" in described
    cluster("-n", ns, "scale", "deployment", "web", "--replicas=5")  # above the bounds: brought back
    wait(lambda: cluster("-n", ns, "get", "deploy", "web", "-o", "jsonpath={.spec.replicas}").stdout == "3",
         timeout=45)
    bad = cluster("-n", ns, "create", "-f", "-", check=False, input=json.dumps({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "bad"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                 "minReplicas": 3, "maxReplicas": 2}}))
    assert "spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`" in bad.stderr
