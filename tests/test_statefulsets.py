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
    fqdn = f"{name}-0.{name}.default.svc.cluster.local"
    # a name is answered while its pod is ready: under load a readiness probe may miss a beat
    wait(lambda: ip in cluster("exec", f"{name}-2", "--", "nslookup", fqdn, check=False).stdout, 30)
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


def _versions(cluster, name: str) -> set[str]:
    """The VERSION each live pod of app `name` runs with."""
    return {next(e["value"] for e in p["spec"]["containers"][0]["env"] if e["name"] == "VERSION")
            for p in _json(cluster, "get", "pods", "-l", f"app={name}")["items"]
            if not p["metadata"].get("deletionTimestamp")}


KINDS = {"statefulset": "StatefulSet", "daemonset": "DaemonSet"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_rollout_history_and_undo_through_controller_revisions(cluster, kind):
    name = unique("rv")
    spec = {"selector": {"matchLabels": {"app": name}}, "template": {
        "metadata": {"labels": {"app": name}},
        "spec": {"terminationGracePeriodSeconds": 0, "containers": [{
            "name": "app", "image": "busybox", "command": ["sleep", "3600"], "env": [{"name": "VERSION",
                                                                                     "value": "1"}]}]}}}
    if kind == "statefulset":
        spec.update(serviceName=name, replicas=2)
    cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "apps/v1", "kind": KINDS[kind],
                                                  "metadata": {"name": name}, "spec": spec}))
    cluster("rollout", "status", f"{kind}/{name}", "--timeout=90s")
    cluster("annotate", f"{kind}/{name}", "kubernetes.io/change-cause=to two")  # copied into the next revision
    cluster("set", "env", f"{kind}/{name}", "VERSION=2")
    cluster("rollout", "status", f"{kind}/{name}", "--timeout=90s")
    wait(lambda: _versions(cluster, name) == {"2"}, 60)
    history = cluster("rollout", "history", f"{kind}/{name}").stdout
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["1", "2"], history
    rows = cluster("get", "controllerrevisions", "-l", f"app={name}", "--no-headers").stdout.splitlines()
    assert sorted(row.split()[1:3] for row in rows) == [[f"{kind}.apps/{name}", "1"], [f"{kind}.apps/{name}", "2"]]
    assert "VERSION:\t1" in cluster("rollout", "history", f"{kind}/{name}", "--revision=1").stdout.replace(" ", "")
    undone = cluster("rollout", "undo", f"{kind}/{name}").stdout
    assert f"{kind}.apps/{name} rolled back" in undone
    cluster("rollout", "status", f"{kind}/{name}", "--timeout=90s")
    wait(lambda: _versions(cluster, name) == {"1"}, 60)
    # the template of revision 1 came back as revision 3: one revision per template, renumbered
    numbers = {r["revision"]: r for r in _json(cluster, "get", "controllerrevisions", "-l", f"app={name}")["items"]}
    assert sorted(numbers) == [2, 3]
    assert numbers[2]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "to two"
    # revisionHistoryLimit: the oldest revisions no pod runs go
    cluster("patch", kind, name, "-p", json.dumps({"spec": {"revisionHistoryLimit": 1}}))
    cluster("set", "env", f"{kind}/{name}", "VERSION=4")
    cluster("rollout", "status", f"{kind}/{name}", "--timeout=90s")
    wait(lambda: sorted(r["revision"] for r in _json(cluster, "get", "controllerrevisions", "-l",
                                                     f"app={name}")["items"]) == [3, 4], 60)
    cluster("delete", kind, name)
    wait(lambda: _json(cluster, "get", "controllerrevisions", "-l", f"app={name}")["items"] == [], 60)


def test_controller_revisions_are_validated(cluster):
    revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": unique("cr")}}
    refused = cluster("create", "-f", "-", input=json.dumps({**revision, "revision": -1}), check=False)
    assert "data: Required value: data is mandatory" in refused.stderr
    assert "revision: Invalid value: -1: must be greater than or equal to 0" in refused.stderr
    cluster("create", "-f", "-", input=json.dumps({**revision, "data": {"a": 1}, "revision": 1}))
    changed = cluster("patch", "controllerrevision", revision["metadata"]["name"], "--type=merge", "-p",
                      '{"data": {"a": 2}}', check=False)
    assert 'data: Invalid value: {"a":2}: field is immutable' in changed.stderr
    cluster("patch", "controllerrevision", revision["metadata"]["name"], "--type=merge", "-p", '{"revision": 5}')
    cluster("delete", "controllerrevision", revision["metadata"]["name"])


def test_wait_for_first_consumer_binds_where_the_pod_is_scheduled(cluster):
    cls, claim, user = unique("wc"), unique("wp"), unique("wu")
    cluster("apply", "-f", "-", input=json.dumps({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": cls},
        "provisioner": "kinns.io/local-path", "volumeBindingMode": "WaitForFirstConsumer"}))
    cluster("apply", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": claim},
        "spec": {"storageClassName": cls, "accessModes": ["ReadWriteOnce"],
                 "resources": {"requests": {"storage": "5Mi"}}}}))
    wait(lambda: _json(cluster, "get", "pvc", claim).get("status", {}).get("phase") == "Pending", 30)
    wait(lambda: "waiting for first consumer to be created before binding" in cluster(
        "describe", "pvc", claim).stdout, 30)
    assert not _json(cluster, "get", "pvc", claim)["spec"].get("volumeName")
    lost_name = unique("wl")
    cluster("run", lost_name, "--image=busybox", "--overrides", json.dumps({"spec": {
        "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "nowhere"}}],
        "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "60"]}]}}))
    wait(lambda: ['0/3 nodes are available: persistentvolumeclaim "nowhere" not found.'] == [
        c.get("message") for c in _json(cluster, "get", "pod", lost_name).get("status", {}).get("conditions") or []
        if c["type"] == "PodScheduled"], 30)
    cluster("run", user, "--image=busybox", "--overrides", json.dumps({"spec": {
        "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}],
        "containers": [{"name": user, "image": "busybox", "command": ["sh", "-c", "echo hi > /d/x; sleep 3600"],
                        "volumeMounts": [{"name": "d", "mountPath": "/d"}]}]}}))
    cluster("wait", "--for=condition=Ready", f"pod/{user}", "--timeout=60s")
    bound = _json(cluster, "get", "pvc", claim)
    node = _json(cluster, "get", "pod", user)["spec"]["nodeName"]
    assert bound["status"]["phase"] == "Bound"
    assert bound["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node
    assert cluster("exec", user, "--", "cat", "/d/x").stdout == "hi\n"
    cluster("delete", "pod", user, lost_name, "--grace-period=0", "--force")
    cluster("delete", "pvc", claim)
    cluster("delete", "storageclass", cls)
