"""What each supported image runs, inside real pods, reached with real clients."""

import json
import subprocess

import pytest

from conftest import kinns, unique, wait_cni_installed
from test_cluster import pod_sh, wait_http

pytestmark = pytest.mark.kernel


@pytest.fixture(scope="module")
def cluster():
    name = unique()
    kinns("up", "--name", name, "--nodes", "2")
    wait_cni_installed(name, "node01")  # a test below rewrites that node's conflist
    kinns("pod", "add", "--name", name, "client", "--node", "node01", "--image", "nicolaka/netshoot",
          "--", "sleep", "600")
    yield name
    kinns("down", "--name", name)


def pod_ip(cluster: str, pod: str) -> str:
    status = json.loads(kinns("status", "--name", cluster, "-o", "json").stdout)
    return next(p["ip"] for p in status["pods"] if p["name"] == pod)


def test_agnhost_netexec_answers_http_and_udp(cluster):
    kinns("pod", "add", "--name", cluster, "netexec", "--node", "controlplane", "--image",
          "registry.k8s.io/e2e-test-images/agnhost:2.53", "--", "/agnhost", "netexec", "--http-port=8080",
          "--udp-port=8081")
    ip = pod_ip(cluster, "netexec")
    assert wait_http(cluster, "client", f"http://{ip}:8080/hostname") == "netexec"
    client = pod_ip(cluster, "client")
    assert pod_sh(cluster, "client", f"curl -s {ip}:8080/clientip").stdout.startswith(client + ":")
    assert pod_sh(cluster, "client", f"curl -s '{ip}:8080/echo?msg=hi'").stdout == "hi"
    udp = pod_sh(cluster, "client", f"echo hostname | nc -u -w1 {ip} 8081").stdout
    assert udp == "netexec"


def test_agnhost_serve_hostname_and_pause(cluster):
    kinns("pod", "add", "--name", cluster, "sh1", "--node", "node01", "--image",
          "registry.k8s.io/e2e-test-images/agnhost:2.53", "--", "agnhost", "serve-hostname")
    assert wait_http(cluster, "client", f"http://{pod_ip(cluster, 'sh1')}:9376/") == "sh1"
    kinns("pod", "add", "--name", cluster, "paused", "--node", "node01", "--image",
          "registry.k8s.io/e2e-test-images/agnhost:2.53")
    assert "paused" in kinns("pod", "list", "--name", cluster).stdout


def test_nginx_serves_its_default_page(cluster):
    kinns("pod", "add", "--name", cluster, "nginx", "--node", "controlplane", "--image", "nginx:1.27")
    page = wait_http(cluster, "client", f"http://{pod_ip(cluster, 'nginx')}/")
    assert "Welcome to nginx!" in page


def test_pod_sees_its_own_pid_uts_and_etc(cluster):
    out = pod_sh(cluster, "client", "hostname; cat /etc/hostname; grep client /etc/hosts; ps -e -o pid=,comm= | head -1")
    lines = [l.strip() for l in out.stdout.splitlines()]
    assert lines[0] == "client" and lines[1] == "client"
    assert lines[2].split() == [pod_ip(cluster, "client"), "client"]
    assert lines[3] == "1 sleep"


def test_cni_result_cache_serves_del_after_the_config_changed(cluster):
    kinns("pod", "add", "--name", cluster, "cached", "--node", "node01", "--image", "registry.k8s.io/pause:3.10")
    address = pod_ip(cluster, "cached")
    conflist = f"/run/kinns/{cluster}/nodes/node01/upper/etc/cni/net.d/10-kinns.conflist"
    original = open(conflist).read()
    try:
        with open(conflist, "w") as f:  # a broken config: DEL must use the cached one
            f.write('{"cniVersion": "1.1.0", "name": "kinns", "plugins": [{"type": "no-such-plugin"}]}')
        kinns("pod", "del", "--name", cluster, "cached")
    finally:
        with open(conflist, "w") as f:
            f.write(original)
    ipam = subprocess.run(["ls", f"/run/kinns/{cluster}/nodes/node01/upper/var/lib/cni/networks/kinns"],
                          capture_output=True, text=True).stdout.split()
    assert address not in ipam and pod_ip(cluster, "client") in ipam


def test_runtime_check_status_and_gc_on_a_node(cluster):
    from kinns.cluster import ClusterRecord
    from kinns.cni import runtime
    from kinns.kernel import netns
    from kinns.node.kubelet import sandbox

    c = ClusterRecord.load(cluster)
    node = c.node("node01")
    record = sandbox.get(c, "default", "client")
    runtime.check(node, record["id"], netns.path(record["netns"]), "eth0", network="kinns")
    runtime.status(node)
    store = node.file("/var/lib/cni/networks/kinns")
    (store / "10.244.1.250").write_bytes(b"crashed-pod\r\neth0")  # an attachment nobody owns any more
    live = [(sandbox.get(c, p["namespace"], p["name"])["id"], "eth0")
            for p in sandbox.list_pods(c) if p["node"] == "node01"]
    runtime.gc(node, live)
    assert not (store / "10.244.1.250").exists()
    assert (store / record["ip"]).exists()
