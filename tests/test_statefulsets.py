"""StatefulSets and ReplicationControllers, claims, the default StorageClass's provisioned volumes and static
PersistentVolumes, driven by the real kubectl: ordered start and stop, stable names, storage and per-pod DNS.
One cluster for all."""

import json
from pathlib import Path

import pytest
from conftest import kube_cluster, unique, wait

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=3) as kubectl:
        yield kubectl


def statefulset(name: str, replicas: int = 3) -> str:
    """The governing Service and the StatefulSet, as one multi-document YAML stream."""
    return "\n---\n".join(json.dumps(doc) for doc in [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": {"clusterIP": "None", "selector": {"app": name}, "ports": [{"port": 8080}]}},
        {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": {
            "serviceName": name, "replicas": replicas, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
                "name": "app", "image": "busybox",
                "command": ["sh", "-c", "[ -f /data/first ] || hostname > /data/first; exec sleep 3600"],
                "readinessProbe": {"exec": {"command": ["test", "-f", "/data/first"]}, "periodSeconds": 1},
                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Mi"}}}}]}}])


def _json(cluster, *args: str) -> dict:
    return json.loads(cluster(*args, "-o", "json").stdout)


def test_pods_start_in_order_with_their_own_claims_and_names(cluster):
    name = unique("st")
    cluster("apply", "-f", "-", input=statefulset(name))
    cluster("rollout", "status", f"statefulset/{name}", "--timeout=120s")
    wait(lambda: _json(cluster, "get", "statefulset", name)["status"].get("readyReplicas") == 3, 120)
    pods = {p["metadata"]["name"]: p for p in _json(cluster, "get", "pods", "-l", f"app={name}")["items"]}
    assert sorted(pods) == [f"{name}-0", f"{name}-1", f"{name}-2"]
    started = [pods[f"{name}-{i}"]["metadata"]["creationTimestamp"] for i in range(3)]
    assert started == sorted(started)  # each made only once the one before was ready
    ready = [next(c["lastTransitionTime"] for c in pods[f"{name}-{i}"]["status"]["conditions"]
                  if c["type"] == "Ready") for i in range(2)]
    assert ready[0] <= started[1] and ready[1] <= started[2]
    claims = {c["metadata"]["name"]: c for c in _json(cluster, "get", "pvc")["items"]}
    for i in range(3):
        claim = claims[f"data-{name}-{i}"]
        assert claim["status"]["phase"] == "Bound" and claim["spec"]["storageClassName"] == "standard"
        volume = _json(cluster, "get", "pv", claim["spec"]["volumeName"])
        assert volume["spec"]["claimRef"]["name"] == f"data-{name}-{i}" and volume["status"]["phase"] == "Bound"
        assert pods[f"{name}-{i}"]["spec"]["hostname"] == f"{name}-{i}"
        assert pods[f"{name}-{i}"]["spec"]["subdomain"] == name
    # storage follows the pod: a replaced web-1 finds what the first web-1 wrote
    cluster("exec", f"{name}-1", "--", "sh", "-c", "echo kept > /data/mark")
    cluster("delete", "pod", f"{name}-1", "--grace-period=1")
    wait(lambda: (_json(cluster, "get", "statefulset", name)["status"].get("readyReplicas") == 3), 120)
    assert cluster("exec", f"{name}-1", "--", "cat", "/data/mark", "/data/first").stdout.split() == \
        ["kept", f"{name}-1"]
    # each pod has its own name under the governing Service
    ip = _json(cluster, "get", "pod", f"{name}-0")["status"]["podIP"]
    looked = cluster("exec", f"{name}-2", "--", "nslookup", f"{name}-0.{name}.default.svc.cluster.local").stdout
    assert ip in looked
    # scaling down removes the highest ordinal first and keeps the claims
    cluster("scale", "statefulset", name, "--replicas=1")
    wait(lambda: sorted(p["metadata"]["name"] for p in _json(cluster, "get", "pods", "-l", f"app={name}")["items"]
                        if not p["metadata"].get("deletionTimestamp")) == [f"{name}-0"], 120)
    assert {f"data-{name}-{i}" for i in range(3)} <= {c["metadata"]["name"] for c in _json(cluster, "get", "pvc")[
        "items"]}
    cluster("delete", "statefulset,service", name, "--wait=false")


def test_static_volumes_bind_and_provisioned_ones_go_with_their_claim(cluster):
    name = unique("pv")
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
        "hostPath": {"path": f"/tmp/{name}"}}}
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": {
        "storageClassName": "", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "500Mi"}}}}
    cluster("apply", "-f", "-", input=json.dumps(volume))
    cluster("apply", "-f", "-", input=json.dumps(claim))
    wait(lambda: _json(cluster, "get", "pvc", name)["status"].get("phase") == "Bound", 30)
    assert _json(cluster, "get", "pvc", name)["spec"]["volumeName"] == name
    cluster("delete", "pvc", name)
    wait(lambda: _json(cluster, "get", "pv", name)["status"].get("phase") == "Released", 30)  # Retain: kept
    cluster("delete", "pv", name)
    made = unique("pp")
    cluster("apply", "-f", "-", input=json.dumps({**claim, "metadata": {"name": made},
                                                   "spec": {k: v for k, v in claim["spec"].items()
                                                            if k != "storageClassName"}}))
    wait(lambda: _json(cluster, "get", "pvc", made)["status"].get("phase") == "Bound", 30)
    provisioned = _json(cluster, "get", "pv", _json(cluster, "get", "pvc", made)["spec"]["volumeName"])
    directory = Path(provisioned["spec"]["hostPath"]["path"])
    assert directory.is_dir() and provisioned["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    cluster("delete", "pvc", made)
    wait(lambda: cluster("get", "pv", provisioned["metadata"]["name"], check=False).returncode != 0, 30)
    assert not directory.exists()
    bad = cluster("create", "-f", "-", input=json.dumps({**claim, "metadata": {"name": unique("pb")},
                                                         "spec": {"accessModes": ["ReadWriteSometimes"]}}),
                  check=False)
    assert 'spec.accessModes[0]: Unsupported value: "ReadWriteSometimes"' in bad.stderr
    assert "spec.resources[storage]: Required value" in bad.stderr


def test_replication_controllers_keep_their_pods_and_scale(cluster):
    name = unique("rc")
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name}, "spec": {
        "replicas": 2, "template": {"metadata": {"labels": {"app": name}},
                                    "spec": {"containers": [{"name": "web", "image": "kinns/echo"}]}}}}
    cluster("create", "-f", "-", input=json.dumps(rc))
    assert _json(cluster, "get", "rc", name)["spec"]["selector"] == {"app": name}  # defaulted from the template
    wait(lambda: _json(cluster, "get", "rc", name).get("status", {}).get("readyReplicas") == 2, 60)
    cluster("scale", "rc", name, "--replicas=1")
    wait(lambda: len([p for p in _json(cluster, "get", "pods", "-l", f"app={name}")["items"]
                      if not p["metadata"].get("deletionTimestamp")]) == 1, 60)
    cluster("delete", "rc", name)
    wait(lambda: _json(cluster, "get", "pods", "-l", f"app={name}")["items"] == [], 60)
