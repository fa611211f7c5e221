"""Controllers and kubelets: workloads created with kubectl really run on the nodes."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import kinns, kube_cluster, wait

pytestmark = pytest.mark.kernel
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        for namespace in ("kube-system", "ingress-nginx", "nginx-gateway"):  # the add-ons' pods made, so the
            kubectl.rolled_out(namespace)  # tests that count pod netns count only their own
        yield kubectl


def pods(kubectl, selector: str) -> list[dict]:
    return json.loads(kubectl("get", "pods", "-l", selector, "-o", "json").stdout)["items"]


def pod_netns(name: str) -> list[str]:
    return [n for n in os.listdir("/run/netns") if n.startswith(f"{name}-pod-")]


def test_nodes_register_like_kubeadm_nodes(cluster):
    rows = [r.split() for r in cluster("get", "nodes", "-o", "wide").stdout.splitlines()]
    assert rows[0][:6] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [("controlplane", "Ready", "control-plane"),
                                                       ("node01", "Ready", "<none>"), ("node02", "Ready", "<none>")]
    node = json.loads(cluster("get", "node", "node01", "-o", "json").stdout)
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    assert "PodCIDR:                      10.244.1.0/24" in cluster("describe", "node", "node01").stdout
    config = Path(f"/run/kinns/{cluster.name}/nodes/node01/upper/var/lib/kubelet/config.yaml").read_text()
    assert "clusterDNS:\n- 10.96.0.10" in config and "clusterDomain: cluster.local" in config


def test_a_deployment_runs_spreads_and_pods_talk_across_nodes(cluster):
    cluster("create", "deployment", "web", "--image=kinns/echo", "--replicas=3", "--port=8080")
    cluster("rollout", "status", "deployment/web", "--timeout=60s")
    running = pods(cluster, "app=web")
    assert {p["status"]["phase"] for p in running} == {"Running"}
    assert {p["spec"]["nodeName"] for p in running} == {"node01", "node02"}  # control plane is tainted
    assert all(p["status"]["podIP"].startswith(f"10.244.{p['spec']['nodeName'][-1]}.") for p in running)
    table = cluster("get", "pods", "-o", "wide").stdout.splitlines()
    assert table[0].split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    client = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
              "spec": {"nodeName": "node01", "containers": [{"name": "c", "image": "busybox",
                                                             "command": ["sleep", "3600"]}]}}
    cluster("apply", "-f", "-", input=json.dumps(client))
    cluster("wait", "--for=condition=Ready", "pod/client", "--timeout=30s")
    client_ip = cluster("get", "pod", "client", "-o", "jsonpath={.status.podIP}").stdout
    target = next(p for p in running if p["spec"]["nodeName"] == "node02")
    out = kinns("pod", "exec", "--name", cluster.name, "client", "--", "curl", "-s", "--max-time", "5",
                f"http://{target['status']['podIP']}:8080/hi").stdout
    reply = json.loads(out)
    assert reply["clientIP"] == client_ip and reply["pod"] == target["metadata"]["name"]
    cluster("expose", "deployment", "web", "--port=80", "--target-port=8080")
    wait(lambda: len(cluster("get", "endpoints", "web", "-o", "jsonpath={.subsets[0].addresses[*].ip}")
                     .stdout.split()) == 3)
    slices = json.loads(cluster("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                                "json").stdout)["items"]
    assert sorted(e["addresses"][0] for e in slices[0]["endpoints"]) == \
        sorted(p["status"]["podIP"] for p in running)


def test_scale_and_delete_free_every_ip_and_netns(cluster):
    before = len(pod_netns(cluster.name))
    cluster("create", "deployment", "many", "--image=registry.k8s.io/pause:3.10", "--replicas=6")
    cluster("rollout", "status", "deployment/many", "--timeout=60s")
    assert len(pod_netns(cluster.name)) == before + 6
    cluster("scale", "deployment", "many", "--replicas=2")
    wait(lambda: len(pods(cluster, "app=many")) == 2 and len(pod_netns(cluster.name)) == before + 2)
    cluster("delete", "deployment", "many")
    wait(lambda: not pods(cluster, "app=many") and len(pod_netns(cluster.name)) == before)
    used = [f for n in ("node01", "node02") for f in
            os.listdir(f"/run/kinns/{cluster.name}/nodes/{n}/upper/var/lib/cni/networks/kinns") if f[0].isdigit()]
    live = [p["status"].get("podIP") for p in json.loads(cluster("get", "pods", "-A", "-o", "json").stdout)["items"]
            if not p["spec"].get("hostNetwork") and p["spec"].get("nodeName") in ("node01", "node02")]
    assert sorted(used) == sorted(ip for ip in live if ip)


def test_a_killed_container_is_restarted_and_counted(cluster):
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "crashy"},
           "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}}
    cluster("apply", "-f", "-", input=json.dumps(pod))
    cluster("wait", "--for=condition=Ready", "pod/crashy", "--timeout=30s")
    record = json.loads(Path(f"/run/kinns/{cluster.name}/pods/default_crashy/pod.json").read_text())
    launcher = record["pids"]["c"]
    main = int(Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()[0])
    os.kill(main, signal.SIGKILL)  # the container's main process, killed from its node
    wait(lambda: cluster("get", "pod", "crashy", "-o", "jsonpath={.status.containerStatuses[0].restartCount}")
         .stdout == "1")
    cluster("wait", "--for=condition=Ready", "pod/crashy", "--timeout=30s")
    row = cluster("get", "pod", "crashy").stdout.splitlines()[1].split()
    assert row[1:4] == ["1/1", "Running", "1"] or row[1:3] == ["1/1", "Running"]


def test_an_unsupported_image_is_a_clear_waiting_reason(cluster):
    cluster("run", "db", "--image=mysql:8")
    wait(lambda: cluster("get", "pod", "db", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}")
         .stdout == "ErrImageNeverPull")
    message = cluster("get", "pod", "db", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.message}").stdout
    assert "supported images" in message and "agnhost" in message
    assert cluster("get", "pod", "db").stdout.splitlines()[1].split()[2] == "ErrImageNeverPull"
    cluster("delete", "pod", "db", "--wait=false")


def test_a_restarted_kubelet_adopts_its_pods(cluster):
    cluster("create", "deployment", "adopt", "--image=kinns/echo", "--replicas=2")
    cluster("rollout", "status", "deployment/adopt", "--timeout=60s")
    before = sorted(pod_netns(cluster.name))
    ips = sorted(p["status"]["podIP"] for p in pods(cluster, "app=adopt"))
    killed = {}
    for node in ("node01", "node02"):
        killed[node] = int(Path(f"/run/kinns/{cluster.name}/kubelet-{node}.pid").read_text())
        os.killpg(killed[node], signal.SIGKILL)

    def restarted() -> bool:  # by the cluster's supervisor, as systemd restarts a node's kubelet
        state = json.loads(kinns("status", "--name", cluster.name, "-o", "json").stdout)["components"]
        return all(state[f"kubelet-{n}"]["running"] and state[f"kubelet-{n}"]["pid"] != pid
                   for n, pid in killed.items())

    wait(restarted, 10)
    time.sleep(2)  # each has listed its pods and adopted their sandboxes
    assert sorted(pod_netns(cluster.name)) == before
    assert sorted(p["status"]["podIP"] for p in pods(cluster, "app=adopt")) == ips
    assert all(c["ready"] and "running" in c["state"] for p in pods(cluster, "app=adopt")
               for c in p["status"]["containerStatuses"])  # adopted, not restarted or reported as starting
    cluster("delete", "deployment", "adopt")
    wait(lambda: not pods(cluster, "app=adopt"))


def test_logs_through_the_api_server_and_the_kubelet(cluster):
    cluster("run", "talker", "--image=busybox", "--", "sh", "-c", "for i in 1 2 3; do echo line $i; done; sleep 3600")
    cluster("wait", "--for=condition=Ready", "pod/talker", "--timeout=30s")
    wait(lambda: cluster("logs", "talker").stdout == "line 1\nline 2\nline 3\n")
    assert cluster("logs", "talker", "--tail=1").stdout == "line 3\n"
    assert cluster("logs", "talker", "-c", "talker").stdout.count("line") == 3
    bad = cluster("logs", "talker", "-c", "nope", check=False)
    assert "container nope is not valid for pod talker" in bad.stderr
    with cluster.background("logs", "-f", "talker") as follow:
        assert [follow.stdout.readline() for _ in range(3)] == ["line 1\n", "line 2\n", "line 3\n"]
    cluster("delete", "pod", "talker", "--grace-period=0", "--force")


def test_exec_runs_in_the_container_with_streams_and_exit_codes(cluster):
    cluster("run", "box", "--image=busybox", "--", "sleep", "3600")
    cluster("wait", "--for=condition=Ready", "pod/box", "--timeout=30s")
    assert cluster("exec", "box", "--", "hostname").stdout == "box\n"
    ip = cluster("get", "pod", "box", "-o", "jsonpath={.status.podIP}").stdout
    assert f"{ip}/24" in cluster("exec", "box", "--", "ip", "-br", "addr", "show", "eth0").stdout
    failed = cluster("exec", "box", "--", "sh", "-c", "echo out; echo err >&2; exit 3", check=False)
    assert failed.returncode == 3 and failed.stdout == "out\n"
    assert "err" in failed.stderr and "command terminated with exit code 3" in failed.stderr
    assert cluster("exec", "-i", "box", "--", "cat", input="through stdin\n").stdout == "through stdin\n"
    tty = subprocess.run(["script", "-qc", "kubectl exec -it box -- sh -c 'tty; echo $((6*7))'", "/dev/null"],
                         capture_output=True, text=True, timeout=30,
                         env={**os.environ, "KUBECONFIG": f"/run/kinns/{cluster.name}/kubeconfig"})
    assert "/dev/pts/" in tty.stdout and "42" in tty.stdout
    cluster("delete", "pod", "box", "--grace-period=0", "--force")


def test_environment_from_configmaps_secrets_and_pod_fields(cluster):
    cluster("create", "configmap", "settings", "--from-literal=COLOR=blue", "--from-literal=SIZE=3")
    cluster("create", "secret", "generic", "creds", "--from-literal=password=s3cret")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "envy", "labels": {"tier": "x"}},
           "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                                    "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"}],
                                    "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {
                                        "name": "creds", "key": "password"}}},
                                            {"name": "MY_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                                            {"name": "MY_NODE", "valueFrom": {"fieldRef": {
                                                "fieldPath": "spec.nodeName"}}},
                                            {"name": "PLAIN", "value": "yes"}]}]}}
    cluster("apply", "-f", "-", input=json.dumps(pod))
    cluster("wait", "--for=condition=Ready", "pod/envy", "--timeout=30s")
    env = dict(line.split("=", 1) for line in cluster("exec", "envy", "--", "env").stdout.splitlines() if "=" in line)
    obj = json.loads(cluster("get", "pod", "envy", "-o", "json").stdout)
    assert env["CFG_COLOR"] == "blue" and env["CFG_SIZE"] == "3" and env["PASSWORD"] == "s3cret"
    assert env["MY_IP"] == obj["status"]["podIP"] and env["MY_NODE"] == obj["spec"]["nodeName"]
    assert env["PLAIN"] == "yes"
    missing = {**pod, "metadata": {"name": "lost"}}
    missing["spec"]["containers"][0]["envFrom"] = [{"configMapRef": {"name": "nowhere"}}]
    cluster("apply", "-f", "-", input=json.dumps(missing))
    wait(lambda: cluster("get", "pod", "lost", "-o", "jsonpath={.status.containerStatuses[0].state.waiting.reason}")
         .stdout == "CreateContainerConfigError")
    assert 'configmap "nowhere" not found' in cluster("describe", "pod", "lost").stdout
    for name in ("envy", "lost"):
        cluster("delete", "pod", name, "--grace-period=0", "--force")


def test_volumes_configmaps_secrets_emptydir_and_the_service_account_token(cluster):
    cluster("create", "configmap", "site", "--from-literal=index.html=<h1>from a configmap</h1>")
    cluster("create", "secret", "generic", "keys", "--from-literal=api-key=abc123")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "vols"},
           "spec": {"volumes": [{"name": "site", "configMap": {"name": "site"}},
                                {"name": "keys", "secret": {"secretName": "keys", "defaultMode": 0o400}},
                                {"name": "shared", "emptyDir": {}}],
                    "containers": [
                        {"name": "web", "image": "nginx", "volumeMounts": [
                            {"name": "site", "mountPath": "/usr/share/nginx/html"},
                            {"name": "shared", "mountPath": "/data"}]},
                        {"name": "side", "image": "busybox", "command": ["sh", "-c", "echo hi > /data/x; sleep 3600"],
                         "volumeMounts": [{"name": "keys", "mountPath": "/etc/keys", "readOnly": True},
                                          {"name": "shared", "mountPath": "/data"}]}]}}
    cluster("apply", "-f", "-", input=json.dumps(pod))
    cluster("wait", "--for=condition=Ready", "pod/vols", "--timeout=30s")
    ip = cluster("get", "pod", "vols", "-o", "jsonpath={.status.podIP}").stdout
    wait(lambda: "from a configmap" in cluster("exec", "vols", "-c", "side", "--", "wget", "-qO-",
                                               f"http://{ip}/", check=False).stdout)
    assert cluster("exec", "vols", "-c", "side", "--", "cat", "/etc/keys/api-key").stdout == "abc123"
    assert cluster("exec", "vols", "-c", "web", "--", "cat", "/data/x").stdout == "hi\n"
    readonly = cluster("exec", "vols", "-c", "side", "--", "touch", "/etc/keys/new", check=False)
    assert readonly.returncode != 0
    sa = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert cluster("exec", "vols", "-c", "side", "--", "cat", f"{sa}/namespace").stdout == "default"
    token = cluster("exec", "vols", "-c", "side", "--", "cat", f"{sa}/token").stdout
    assert token.count(".") == 2
    assert not any(Path(p).exists() for p in ("/etc/keys", "/data", "/run/secrets"))  # the machine is untouched
    cluster("delete", "pod", "vols", "--grace-period=0", "--force")


def test_readiness_and_liveness_probes(cluster):
    def pod(name: str, probe_port: int, kind: str) -> dict:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"probe": "yes"}},
                "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                                         "args": ["netexec", "--http-port=8080"],
                                         kind: {"httpGet": {"path": "/healthz", "port": probe_port},
                                                "periodSeconds": 1, "failureThreshold": 2}}]}}

    cluster("apply", "-f", "-", input=json.dumps(pod("good", 8080, "readinessProbe")))
    cluster("apply", "-f", "-", input=json.dumps(pod("bad", 9999, "readinessProbe")))
    cluster("apply", "-f", "-", input=json.dumps(pod("dying", 9999, "livenessProbe")))
    cluster("wait", "--for=condition=Ready", "pod/good", "--timeout=30s")
    cluster("expose", "pod", "good", "--name=probed", "--port=80", "--target-port=8080", "--selector=probe=yes")
    wait(lambda: cluster("get", "endpoints", "probed", "-o", "jsonpath={.subsets[0].addresses[*].targetRef.name}")
         .stdout == "good")
    wait(lambda: "bad" in cluster("get", "endpoints", "probed", "-o",
                                  "jsonpath={.subsets[0].notReadyAddresses[*].targetRef.name}").stdout)
    assert cluster("get", "pod", "bad", "-o", "jsonpath={.status.containerStatuses[0].ready}").stdout == "false"
    assert "Readiness probe failed" in cluster("describe", "pod", "bad").stdout
    wait(lambda: int(cluster("get", "pod", "dying", "-o",
                             "jsonpath={.status.containerStatuses[0].restartCount}").stdout or 0) >= 1)
    assert "failed liveness probe, will be restarted" in cluster("describe", "pod", "dying").stdout
    for name in ("good", "bad", "dying"):
        cluster("delete", "pod", name, "--grace-period=0", "--force")


def test_the_control_plane_looks_like_kubeadm(cluster):
    pods = cluster("get", "pods", "-n", "kube-system", "-o", "wide").stdout
    for name in ("kube-apiserver-controlplane", "kube-controller-manager-controlplane", "kube-scheduler-controlplane"):
        assert any(line.split()[:3] == [name, "1/1", "Running"] for line in pods.splitlines()), pods
    assert pods.count("kube-proxy-") == 3 and pods.count("coredns-") == 2
    mirror = json.loads(cluster("-n", "kube-system", "get", "pod", "kube-controller-manager-controlplane", "-o",
                                "json").stdout)
    assert "--cluster-cidr=10.244.0.0/16" in mirror["spec"]["containers"][0]["command"]
    assert "kubernetes.io/config.mirror" in mirror["metadata"]["annotations"]
    assert "serving on https://" in cluster("-n", "kube-system", "logs", "kube-apiserver-controlplane").stdout
    inside = kinns("ssh", "--name", cluster.name, "controlplane", "--", "sh", "-c",
                   "ls /etc/kubernetes/manifests; netstat -plnt").stdout
    for expected in ("kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml", ":6443 ",
                     ":10250 ", "127.0.0.1:10257 ", "127.0.0.1:10259 "):
        assert expected in inside, inside


def test_port_forward(cluster):
    cluster("run", "fwd", f"--image={AGNHOST}", "--", "netexec", "--http-port=8080")
    cluster("wait", "--for=condition=Ready", "pod/fwd", "--timeout=30s")
    ip, node = cluster("get", "pod", "fwd", "-o", "jsonpath={.status.podIP} {.spec.nodeName}").stdout.split()
    wait(lambda: kinns("ssh", "--name", cluster.name, node, "--", "curl", "-s", "--max-time", "1",
                       f"http://{ip}:8080/hostname", check=False).stdout == "fwd", 10)  # Ready without a probe: maybe
    # not listening yet
    port = 20000 + os.getpid() % 5000
    with cluster.background("port-forward", "pod/fwd", f"{port}:8080") as forward:
        assert forward.stdout.readline().startswith(f"Forwarding from 127.0.0.1:{port} -> 8080")
        for _ in range(3):  # several connections over the one tunnel
            out = subprocess.run(["curl", "-s", "--max-time", "5", f"http://127.0.0.1:{port}/hostname"],
                                 capture_output=True, text=True).stdout
            assert out == "fwd"
        big = subprocess.run(["curl", "-s", "--max-time", "10", f"http://127.0.0.1:{port}/echo?msg=" + "x" * 60000],
                             capture_output=True, text=True).stdout
        assert big == "x" * 60000
    cluster("delete", "pod", "fwd", "--grace-period=0", "--force")


def test_the_cni_is_a_daemonset_and_a_node_without_its_config_heals_when_reapplied(cluster):
    cluster("-n", "kube-system", "rollout", "status", "daemonset/kinns-cni", "--timeout=30s")
    wait(lambda: "installed kinns-bridge" in cluster("-n", "kube-system", "logs", "ds/kinns-cni").stdout, 20)
    cluster("-n", "kube-system", "delete", "daemonset", "kinns-cni")
    kinns("ssh", "--name", cluster.name, "node01", "--", "rm", "/etc/cni/net.d/10-kinns.conflist")
    cluster("run", "stranded", "--image=busybox", "--overrides", json.dumps({"spec": {"nodeName": "node01"}}),
            "--", "sleep", "3600")
    wait(lambda: "cni config uninitialized" in cluster("describe", "pod", "stranded").stdout, 20)
    assert "ContainerCreating" in cluster("get", "pod", "stranded").stdout
    manifest = Path(__file__).resolve().parents[1] / "kinns/controlplane/manifests/kinns-cni.yaml"
    cluster("apply", "-f", str(manifest))
    cluster("wait", "--for=condition=Ready", "pod/stranded", "--timeout=40s")
    assert kinns("ssh", "--name", cluster.name, "node01", "--", "cat", "/etc/cni/net.d/10-kinns.conflist").stdout
    cluster("delete", "pod", "stranded", "--grace-period=0", "--force")


def test_a_deleted_namespace_terminates_its_pods_then_goes(cluster):
    cluster("create", "namespace", "doomed")
    cluster("-n", "doomed", "run", "victim", "--image=busybox", "--", "sleep", "3600")
    cluster("-n", "doomed", "wait", "--for=condition=Ready", "pod/victim", "--timeout=30s")
    cluster("delete", "namespace", "doomed", "--wait=false")
    assert cluster("get", "namespace", "doomed", "-o", "jsonpath={.status.phase}").stdout == "Terminating"
    refused = cluster("-n", "doomed", "create", "configmap", "late", check=False)
    assert "unable to create new content in namespace doomed because it is being terminated" in refused.stderr
    wait(lambda: cluster("get", "namespace", "doomed", check=False).returncode != 0, 40)
    assert not [p for p in sandbox_dirs(cluster.name) if p.startswith("doomed_")]


def sandbox_dirs(name: str) -> list[str]:
    pods = Path(f"/run/kinns/{name}/pods")
    return os.listdir(pods) if pods.is_dir() else []
