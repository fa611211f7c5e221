"""What a user without good intentions tries, answered as kube-apiserver answers: refusals as Statuses, limits on
what a request may carry, and files only root reads. One cluster for all."""

import json
import os
import stat
from pathlib import Path

import pytest

from conftest import api_request, kube_cluster

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster(nodes=2) as kubectl:
        yield kubectl


def test_a_bad_service_is_refused_with_every_cause_and_nothing_is_stored(cluster):
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bad"},
           "spec": {"ports": [{"port": 80, "targetPort": 99999, "protocol": "XTP"}], "externalIPs": ["x.y"]}}
    refused = cluster("create", "-f", "-", input=json.dumps(bad), check=False)
    assert refused.returncode != 0
    for cause in ('spec.ports[0].protocol: Unsupported value: "XTP"',
                  "spec.ports[0].targetPort: Invalid value: 99999: must be between 1 and 65535, inclusive",
                  'spec.externalIPs[0]: Invalid value: "x.y": must be a valid IP address'):
        assert cause in refused.stderr
    assert cluster("get", "service", "bad", check=False).returncode != 0


def test_a_configmap_over_1_mib_and_a_key_that_is_a_path_are_invalid(cluster, tmp_path):
    big = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"a": "x" * (1100 * 1024)}}
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big))
    refused = cluster("create", "-f", str(path), check=False)
    assert 'ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes' in refused.stderr
    status, answer, _ = api_request(cluster, "POST", "/api/v1/namespaces/default/configmaps", json.dumps({
        "metadata": {"name": "trav"}, "data": {"../../../../tmp/x": "pwned"}}).encode(), "application/json")
    assert status == 422 and answer["reason"] == "Invalid"
    assert answer["details"]["causes"][0]["field"] == "data[../../../../tmp/x]"


def test_requests_over_the_limits_are_statuses_in_milliseconds(cluster):
    status, answer, _ = api_request(cluster, "POST", "/api/v1/namespaces/default/configmaps", b" " * (9 << 20),
                            "application/json")
    assert (status, answer["kind"], answer["reason"]) == (413, "Status", "RequestEntityTooLarge")
    bomb = b"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + b"".join(  # 450 bytes, 9^9 once expanded
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n".encode() for p, c in zip("abcdefgh", "bcdefghi"))
    status, answer, took = api_request(cluster, "POST", "/api/v1/namespaces/default/configmaps", bomb, "application/yaml")
    assert (status, answer["message"]) == (400, "yaml: document contains excessive aliasing") and took < 1.0
    status, answer, took = api_request(cluster, "POST", "/api/v1/namespaces/default/configmaps",
                               b"[" * 10000 + b"]" * 10000, "application/json")
    assert status == 400 and answer["kind"] == "Status" and took < 1.0
    assert cluster("get", "configmaps", "-o", "name").stdout.count("configmap/") == 1  # kube-root-ca.crt alone


def test_keys_kubeconfigs_and_the_store_are_root_s_alone(cluster):
    state = cluster.state
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    node = state / "nodes/controlplane/upper"
    private = [state / "kubeconfig", node / "etc/kubernetes/pki/ca.key", node / "etc/kubernetes/pki/sa.key",
               node / "var/lib/kinns/state.db", *Path(node / "var/lib/kinns").glob("state.db-*")]
    for path in private:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    pid = os.fork()
    if pid == 0:  # as nobody: not even the cluster's directory opens
        os.setgid(65534)
        os.setuid(65534)
        try:
            (state / "kubeconfig").read_text()
            os._exit(1)
        except PermissionError:
            os._exit(0)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0


def _host_bounding() -> int:
    return int(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("CapBnd:")), 16)


def _pod(cluster, name: str, security: dict | None = None, pod_security: dict | None = None, **spec) -> None:
    """A busybox pod; `security` is its container's securityContext, save volumeMounts, which go beside it."""
    mounts = (security or {}).pop("volumeMounts", None)
    container = {"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                 **({"securityContext": security} if security else {}), **({"volumeMounts": mounts} if mounts else {})}
    cluster("apply", "-f", "-", input=json.dumps({
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
        "spec": {"containers": [container], "terminationGracePeriodSeconds": 0,
                 **({"securityContext": pod_security} if pod_security else {}), **spec}}))


def _status(cluster, pod: str, field: str) -> str:
    out = cluster("exec", pod, "--", "grep", f"^{field}:", "/proc/self/status").stdout
    return out.split()[1]


@pytest.fixture(scope="module")
def pods(cluster):
    _pod(cluster, "plain")
    _pod(cluster, "user", pod_security={"runAsUser": 1000, "runAsGroup": 1000})
    _pod(cluster, "readonly", {"readOnlyRootFilesystem": True})
    _pod(cluster, "netadmin", {"capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]}})
    _pod(cluster, "privileged", {"privileged": True})
    _pod(cluster, "hostpid", hostPID=True)
    cluster("create", "configmap", "settings", "--from-literal=mode=strict")
    _pod(cluster, "fsgroup", {"volumeMounts": [{"name": "scratch", "mountPath": "/data"},
                                               {"name": "settings", "mountPath": "/etc/settings"}]},
         {"runAsUser": 1000, "runAsGroup": 1000, "fsGroup": 2000},
         volumes=[{"name": "scratch", "emptyDir": {}}, {"name": "settings", "configMap": {"name": "settings"}}])
    cluster("wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s")
    yield
    cluster("delete", "pods", "--all", "--grace-period=0", "--force", check=False)


def test_a_default_pod_has_the_runtime_default_capabilities_seccomp_and_no_new_privileges(cluster, pods):
    default = sum(1 << __import__("kinns.kernel.security", fromlist=["x"]).CAPABILITIES.index(c)
                  for c in __import__("kinns.kernel.security", fromlist=["x"]).DEFAULT_CAPABILITIES)
    assert int(_status(cluster, "plain", "CapEff"), 16) == default & _host_bounding()
    assert int(_status(cluster, "plain", "CapBnd"), 16) == default & _host_bounding()
    assert _status(cluster, "plain", "Seccomp") == "2" and _status(cluster, "plain", "NoNewPrivs") == "1"


def test_a_pod_sees_neither_the_cluster_nor_the_machine(cluster, pods):
    script = ("ls -A /run /root /home | grep -v : | grep . ; cat /etc/shadow; ls /run/kinns /run/netns 2>&1; "
              "ps -e -o pid= | wc -l; ls /dev")
    out = cluster("exec", "plain", "--", "sh", "-c", script, check=False).stdout
    assert "No such file or directory" in out and "kubeconfig" not in out and "state.db" not in out
    lines = out.split()
    assert "ptmx" in lines and "shm" in lines and "sda" not in lines and "kmsg" not in lines
    assert int(next(line for line in out.splitlines() if line.strip().isdigit())) <= 5  # its own processes only


@pytest.mark.parametrize("command, complaint", [
    (["nsenter", "-t", "1", "-n", "true"], "Operation not permitted"),
    (["umount", "/proc"], "must be superuser"),
    (["mount", "-t", "tmpfs", "x", "/mnt"], "permission denied"),
    (["sh", "-c", "echo x > /proc/sys/kernel/domainname"], "Read-only file system"),
])
def test_a_pod_cannot_reach_outside(cluster, pods, command, complaint):
    refused = cluster("exec", "plain", "--", *command, check=False)
    assert refused.returncode != 0 and complaint in refused.stdout + refused.stderr


def test_security_contexts_are_honoured(cluster, pods):
    assert cluster("exec", "user", "--", "id", "-u").stdout.strip() == "1000"
    assert int(_status(cluster, "user", "CapEff"), 16) == 0
    refused = cluster("exec", "readonly", "--", "touch", "/x", check=False)
    assert "Read-only file system" in refused.stderr
    assert cluster("exec", "readonly", "--", "touch", "/tmp/x", check=False).returncode != 0  # no writable /tmp
    assert int(_status(cluster, "netadmin", "CapEff"), 16) == 1 << 12
    assert int(_status(cluster, "privileged", "CapEff"), 16) == _host_bounding()
    assert _status(cluster, "privileged", "Seccomp") == "0"
    ids = cluster("exec", "fsgroup", "--", "sh", "-c", "id -G; touch /data/new; stat -c '%g %A' /data /data/new "
                  "/etc/settings/mode").stdout.split()
    groups, owned = ids[:-6], ids[-6:]
    assert "2000" in groups and owned == ["2000", "drwxrwsrwx", "2000", "-rw-r--r--", "2000", "-rw-r--r--"]
    host_pids = int(cluster("exec", "hostpid", "--", "sh", "-c", "ps -e -o pid= | wc -l").stdout)
    assert host_pids > 20  # the node's processes: it asked for hostPID
