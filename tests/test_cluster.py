"""Clusters end to end: nodes, pods and real packets across nodes, both backends; clean removal."""

import ipaddress
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import kinns, unique, wait_cni_installed
from kinns.kernel import process

pytestmark = pytest.mark.kernel


@pytest.fixture(params=["vxlan", "host-gw"])
def cluster(request):
    name = unique()
    kinns("up", "--name", name, "--backend", request.param)
    yield name
    kinns("down", "--name", name)


def pod_sh(cluster: str, pod: str, script: str) -> subprocess.CompletedProcess:
    return kinns("pod", "exec", "--name", cluster, pod, "--", "sh", "-c", script, check=False)


def wait_http(cluster: str, pod: str, url: str) -> str:
    deadline = time.monotonic() + 10
    while True:
        out = pod_sh(cluster, pod, f"curl -sf --max-time 2 {url}")
        if out.returncode == 0 or time.monotonic() > deadline:
            return out.stdout
        time.sleep(0.1)


def test_pods_reach_each_other_across_nodes_without_nat(cluster):
    kinns("pod", "add", "--name", cluster, "web", "--node", "node02", "--image", "kinns/echo")
    kinns("pod", "add", "--name", cluster, "near", "--node", "node02", "--image", "busybox", "--", "sleep", "600")
    kinns("pod", "add", "--name", cluster, "far", "--node", "node01", "--image", "busybox", "--", "sleep", "600")
    status = json.loads(kinns("status", "--name", cluster, "-o", "json").stdout)
    ips = {p["name"]: p["ip"] for p in status["pods"]}
    assert ips["web"].startswith("10.244.2.") and ips["far"].startswith("10.244.1.")
    for client in ("near", "far"):
        assert pod_sh(cluster, client, f"ping -c1 -W2 {ips['web']}").returncode == 0
        reply = json.loads(wait_http(cluster, client, f"http://{ips['web']}:8080/hello"))
        assert reply["clientIP"] == ips[client]  # the sender's own pod IP: no NAT between pods
        assert reply["pod"] == "web" and reply["node"] == "node02" and reply["path"] == "/hello"
    # pods reach the host's underlay address (masqueraded as their node)
    assert pod_sh(cluster, "far", f"ping -c1 -W2 {status['underlay'].rsplit('.', 1)[0]}.1").returncode == 0


def test_node_shell_shows_the_node(cluster):
    out = kinns("ssh", "--name", cluster, "node01", "--", "sh", "-c",
                "hostname; cat /proc/sys/net/ipv4/ip_forward; ls /opt/cni/bin; cat /etc/cni/net.d/10-kinns.conflist;"
                " ip -br addr show eth0").stdout
    lines = out.splitlines()
    assert lines[0] == "node01" and lines[1] == "1"
    assert {"kinns-bridge", "kinns-host-local", "kinns-loopback", "bridge", "host-local"} <= set(lines)
    assert '"subnet": "10.244.1.0/24"' in out
    assert lines[-1].startswith("eth0") and "172.30." in lines[-1]
    # the host does not see the node's files
    assert not Path("/etc/cni/net.d/10-kinns.conflist").exists() or "10.244.1.0" not in Path(
        "/etc/cni/net.d/10-kinns.conflist").read_text()


def test_pod_kinds_and_bad_images(cluster):
    kinns("pod", "add", "--name", cluster, "hostnet", "--node", "node01", "--image", "busybox", "--host-network",
          "--", "sleep", "600")
    kinns("pod", "add", "--name", cluster, "lonely", "--node", "node01", "--image", "busybox", "--no-network",
          "--", "sleep", "600")
    out = pod_sh(cluster, "hostnet", "ip -br addr show eth0").stdout
    assert "172.30." in out
    out = pod_sh(cluster, "lonely", "ip -br link").stdout.split()
    assert out[0] == "lo" and "eth0" not in out
    bad = kinns("pod", "add", "--name", cluster, "nope", "--node", "node01", "--image", "mysql:8", check=False)
    assert bad.returncode == 1 and "supported images" in bad.stderr and "agnhost" in bad.stderr
    assert "nope" not in kinns("pod", "list", "--name", cluster).stdout


def test_up_refuses_an_existing_cluster_and_a_second_one_runs_beside_it(cluster):
    again = kinns("up", "--name", cluster, check=False)
    assert again.returncode == 1 and "already exists" in again.stderr
    assert kinns("up", "--name", cluster, "--reuse").returncode == 0
    mine = json.loads(kinns("status", "--name", cluster, "-o", "json").stdout)
    clash = kinns("up", "--name", unique(), "--subnet", mine["underlay"], check=False)
    assert clash.returncode == 1 and f"overlaps {mine['underlay']}, the node network of cluster {cluster}" in clash.stderr
    routes = subprocess.run(["ip", "-4", "route", "show", "scope", "link"], capture_output=True, text=True).stdout
    hosts = [ipaddress.ip_network(line.split()[0]) for line in routes.splitlines() if "dev kt" not in line]
    inside = [next(net.subnets(new_prefix=24)) if net.prefixlen < 24 else net for net in hosts if net.prefixlen <= 24]
    for net in inside[:1]:  # the machine's own network (a /24 of it): never given to a cluster
        clash = kinns("up", "--name", unique(), "--subnet", str(net), check=False)
        assert clash.returncode == 1 and "a network this machine already routes" in clash.stderr
    other = unique()
    kinns("up", "--name", other, "--nodes", "2")
    try:
        mine = json.loads(kinns("status", "--name", cluster, "-o", "json").stdout)
        theirs = json.loads(kinns("status", "--name", other, "-o", "json").stdout)
        assert mine["underlay"] != theirs["underlay"]
        assert [n["name"] for n in theirs["nodes"]] == ["controlplane", "node01"]
    finally:
        kinns("down", "--name", other)
    assert kinns("status", "--name", cluster).returncode == 0


def test_down_leaves_nothing_of_the_cluster():
    name = unique()
    kinns("up", "--name", name)
    kinns("pod", "add", "--name", name, "p", "--node", "node01", "--image", "kinns/echo")
    pids = [int(l) for l in subprocess.run(["pgrep", "-f", f"/run/kinns/{name}/"], capture_output=True,
                                           text=True).stdout.split()]
    assert pids
    kinns("down", "--name", name)
    assert not [n for n in os.listdir("/run/netns") if n.startswith(name)]
    assert name not in subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
    assert not Path(f"/run/kinns/{name}").exists()
    assert not any(process.alive(p) for p in pids)


def test_host_port_reaches_the_pod_through_the_node_address(cluster):
    kinns("pod", "add", "--name", cluster, "web", "--node", "node02", "--image", "kinns/echo",
          "--port", "30080:8080")
    kinns("pod", "add", "--name", cluster, "far", "--node", "node01", "--image", "busybox", "--", "sleep", "600")
    status = json.loads(kinns("status", "--name", cluster, "-o", "json").stdout)
    node02 = next(n["ip"] for n in status["nodes"] if n["name"] == "node02")
    reply = json.loads(wait_http(cluster, "far", f"http://{node02}:30080/via-hostport"))
    assert reply["pod"] == "web" and reply["path"] == "/via-hostport"
    on_node = kinns("ssh", "--name", cluster, "node02", "--", "curl", "-sf", "--max-time", "3",
                    "http://127.0.0.1:30080/local")
    assert json.loads(on_node.stdout)["path"] == "/local"
    nat = kinns("ssh", "--name", cluster, "node02", "--", "iptables-save", "-t", "nat").stdout
    assert "CNI-HOSTPORT-DNAT" in nat and "--to-destination 10.244.2." in nat
    kinns("pod", "del", "--name", cluster, "web")
    nat = kinns("ssh", "--name", cluster, "node02", "--", "iptables-save", "-t", "nat").stdout
    assert "CNI-DN-" not in nat


def test_pod_mtu_follows_the_backend_and_a_failed_add_leaves_nothing(cluster):
    backend = json.loads(kinns("status", "--name", cluster, "-o", "json").stdout)["backend"]
    wait_cni_installed(cluster, "node01")  # else the installer may write its conflist over the broken one below
    kinns("pod", "add", "--name", cluster, "m", "--node", "node01", "--image", "registry.k8s.io/pause:3.10")
    mtu = pod_sh(cluster, "m", "cat /sys/class/net/eth0/mtu").stdout.strip()
    assert mtu == ("1450" if backend == "vxlan" else "1500")
    conflist = Path(f"/run/kinns/{cluster}/nodes/node01/upper/etc/cni/net.d/10-kinns.conflist")
    good = conflist.read_text()
    conflist.write_text(good.replace('"kinns-host-local"', '"no-such-ipam"'))

    def veths() -> set[str]:
        out = kinns("ssh", "--name", cluster, "node01", "--", "ip", "-br", "link", "show", "type", "veth").stdout
        return {line.split("@")[0] for line in out.splitlines() if line.startswith("veth")}

    try:
        before, links = set(os.listdir("/run/netns")), veths()
        failed = kinns("pod", "add", "--name", cluster, "broken", "--node", "node01", "--image",
                       "registry.k8s.io/pause:3.10", check=False)
        assert failed.returncode == 1 and 'failed to find plugin "no-such-ipam"' in failed.stderr
        assert set(os.listdir("/run/netns")) == before
        assert not Path(f"/run/kinns/{cluster}/pods/default_broken").exists()
    finally:
        conflist.write_text(good)
    assert veths() == links  # the failed ADD left no veth behind
