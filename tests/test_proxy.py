"""kube-proxy: Services carried by real rules in every node, in iptables and nftables mode, proved with real packets."""

import collections
import json
import os
import re
import subprocess
import time

import pytest
import yaml

from conftest import kinns, kube_cluster, wait

pytestmark = pytest.mark.kernel
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        manifest = [
            _deployment("web", 3), _deployment("solo", 1),
            _pod("client", "node01"), _pod("far", "node02"),
            _service("web", {"app": "web"}, "NodePort"),
            _service("sticky", {"app": "web"}, "ClusterIP", sessionAffinity="ClientIP"),
            _service("local", {"app": "solo"}, "NodePort", externalTrafficPolicy="Local"),
            _service("solo", {"app": "solo"}, "ClusterIP"),
            _service("nobody", {"app": "nobody"}, "NodePort"),
            _service("lb", {"app": "web"}, "LoadBalancer"),
            _service("internal", {"app": "web"}, "ClusterIP", internalTrafficPolicy="Local"),
            _service("headless", {"app": "web"}, "ClusterIP", clusterIP="None"),
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "elsewhere"},
             "spec": {"type": "ExternalName", "externalName": "example.org"}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "manual"},
             "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}]
        kubectl("apply", "-f", "-", input=yaml.safe_dump_all(manifest))
        kubectl.rolled_out()
        wait(lambda: kubectl("get", "endpointslices", "-l", "kubernetes.io/service-name=web", "-o",
                             "jsonpath={.items[*].endpoints[*].conditions.ready}").stdout.split() == ["true"] * 3)
        solo = json.loads(kubectl("get", "pods", "-l", "app=solo", "-o", "json").stdout)["items"][0]
        kubectl("apply", "-f", "-", input=json.dumps({  # a Service without selector, its endpoints made by hand
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "manual-1", "labels": {"kubernetes.io/service-name": "manual"}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
            "endpoints": [{"addresses": [solo["status"]["podIP"]], "conditions": {"ready": True}}]}))
        kubectl("-n", "kube-system", "rollout", "status", "ds/kube-proxy", "--timeout=60s")
        yield kubectl


def _deployment(name: str, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                         {"name": "netexec", "image": AGNHOST, "args": ["netexec", "--http-port=8080",
                                                                         "--udp-port=8081"],
                          "ports": [{"name": "http", "containerPort": 8080},
                                    {"name": "udp", "containerPort": 8081, "protocol": "UDP"}]}]}}}}


def _pod(name: str, node: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "curlimages/curl",
                                                       "command": ["sleep", "3600"]}]}}


def _service(name: str, selector: dict, kind: str, **extra) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": kind, "selector": selector, **extra,
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                               {"name": "udp", "port": 53, "targetPort": "udp", "protocol": "UDP"}]}}


def field(kubectl, kind: str, name: str, path: str) -> str:
    return kubectl("get", kind, name, "-o", f"jsonpath={path}").stdout


def curl(kubectl, pod: str, url: str, timeout: int = 3) -> subprocess.CompletedProcess:
    return kubectl("exec", pod, "--", "curl", "-s", "--max-time", str(timeout), url, check=False)


def host_curl(url: str) -> str:
    return subprocess.run(["curl", "-s", "--max-time", "3", url], capture_output=True, text=True).stdout


def node_ip(kubectl, node: str) -> str:
    return field(kubectl, "node", node, '{.status.addresses[?(@.type=="InternalIP")].address}')


def ssh(kubectl, node: str, *cmd: str) -> str:
    return kinns("ssh", "--name", kubectl.name, node, "--", *cmd).stdout


def set_mode(kubectl, mode: str) -> None:
    """Change the kube-proxy ConfigMap's mode and restart the DaemonSet, as a user switches kube-proxy."""
    config = json.loads(kubectl("-n", "kube-system", "get", "configmap", "kube-proxy", "-o", "json").stdout)
    config["data"]["config.conf"] = re.sub(r"(?m)^mode: .*$", f"mode: {json.dumps(mode)}",
                                           config["data"]["config.conf"])
    kubectl("apply", "-f", "-", input=json.dumps(config))
    kubectl("-n", "kube-system", "rollout", "restart", "ds/kube-proxy")
    kubectl("-n", "kube-system", "rollout", "status", "ds/kube-proxy", "--timeout=60s")
    if mode == "nftables":  # the new pods are running; until each logs its proxier, the old rules may still serve
        wait(lambda: "Using nftables Proxier" in kubectl("-n", "kube-system", "logs", "ds/kube-proxy").stdout, 30)


def check_services(kubectl) -> None:
    """Everything a Service promises, through whichever backend the proxies run."""
    web_ip = field(kubectl, "svc", "web", "{.spec.clusterIP}")
    pods = {p["metadata"]["name"]: p for p in json.loads(kubectl("get", "pods", "-l", "app=web", "-o",
                                                                 "json").stdout)["items"]}
    # ClusterIP from pods on both worker nodes spreads over every endpoint; the receiver sees the pod's address
    wait(lambda: curl(kubectl, "client", f"http://{web_ip}/hostname").stdout in pods, 10)
    seen = collections.Counter(curl(kubectl, "client", f"http://{web_ip}/hostname").stdout for _ in range(45))
    assert set(seen) == set(pods) and min(seen.values()) >= 5, seen
    client_ip = field(kubectl, "pod", "client", "{.status.podIP}")
    assert curl(kubectl, "client", f"http://{web_ip}/clientip").stdout.split(":")[0] == client_ip
    assert curl(kubectl, "far", f"http://{web_ip}/hostname").stdout in pods
    # UDP through the same Service
    udp = kubectl("exec", "client", "--", "sh", "-c", f"echo hostname | nc -u -w 2 {web_ip} 53", check=False)
    assert udp.stdout.strip() in pods
    # NodePort from the host and from another node, on every node
    port = field(kubectl, "svc", "web", "{.spec.ports[0].nodePort}")
    for node in ("controlplane", "node01", "node02"):
        assert host_curl(f"http://{node_ip(kubectl, node)}:{port}/hostname") in pods
    assert ssh(kubectl, "node02", "curl", "-s", "--max-time", "3",
               f"http://{node_ip(kubectl, 'node01')}:{port}/hostname") in pods
    # internalTrafficPolicy Local: a pod reaches only the endpoints on its own node
    internal = field(kubectl, "svc", "internal", "{.spec.clusterIP}")
    local = {n for n, p in pods.items() if p["spec"]["nodeName"] == "node01"}
    answers = {curl(kubectl, "client", f"http://{internal}/hostname").stdout for _ in range(12)}
    assert answers <= local and answers if local else answers == {""}
    # ClientIP affinity sticks
    sticky = field(kubectl, "svc", "sticky", "{.spec.clusterIP}")
    assert len({curl(kubectl, "client", f"http://{sticky}/hostname").stdout for _ in range(10)}) == 1
    # externalTrafficPolicy Local: only the node with the endpoint answers, and it sees the client's own address
    solo = json.loads(kubectl("get", "pods", "-l", "app=solo", "-o", "json").stdout)["items"][0]
    local_port = field(kubectl, "svc", "local", "{.spec.ports[0].nodePort}")
    host_address = ssh(kubectl, "node01", "ip", "route", "show", "default").split()[2]
    answer = host_curl(f"http://{solo['status']['hostIP']}:{local_port}/clientip")
    assert answer.split(":")[0] == host_address
    other = "node01" if solo["spec"]["nodeName"] == "node02" else "node02"
    assert host_curl(f"http://{node_ip(kubectl, other)}:{local_port}/clientip") == ""
    # hairpin: the only pod of a Service reaches itself through it
    solo_ip = field(kubectl, "svc", "solo", "{.spec.clusterIP}")
    assert curl(kubectl, solo["metadata"]["name"], f"http://{solo_ip}/hostname").stdout == solo["metadata"]["name"]
    # a Service without selector reaches the endpoints of its hand-made EndpointSlice
    manual = field(kubectl, "svc", "manual", "{.spec.clusterIP}")
    assert curl(kubectl, "client", f"http://{manual}/hostname").stdout == solo["metadata"]["name"]
    # LoadBalancer: an address of the node network's pool, reachable from the host
    wait(lambda: field(kubectl, "svc", "lb", "{.status.loadBalancer.ingress[0].ip}") != "", 10)
    lb_ip = field(kubectl, "svc", "lb", "{.status.loadBalancer.ingress[0].ip}")
    assert lb_ip.rsplit(".", 1)[0] == node_ip(kubectl, "node01").rsplit(".", 1)[0]
    assert 200 <= int(lb_ip.rsplit(".", 1)[1]) <= 250
    wait(lambda: host_curl(f"http://{lb_ip}/hostname") in pods, 10)
    # no endpoints: refused at once, not a hang (curl exit code 7)
    nobody = field(kubectl, "svc", "nobody", "{.spec.clusterIP}")
    started = time.monotonic()
    assert curl(kubectl, "client", f"http://{nobody}/").returncode == 7
    assert time.monotonic() - started < 2.5
    nobody_port = field(kubectl, "svc", "nobody", "{.spec.ports[0].nodePort}")
    assert subprocess.run(["curl", "-s", "--max-time", "3", f"http://{node_ip(kubectl, 'node01')}:{nobody_port}/"],
                          capture_output=True).returncode == 7


def test_services_in_iptables_mode(cluster):
    wait(lambda: "Using iptables Proxier" in cluster("-n", "kube-system", "logs", "ds/kube-proxy").stdout, 10)
    split = (r"-A KUBE-SVC-\w+ -m comment --comment \"default/web:http -> [\d.]+:8080\" -m statistic --mode random "
             r"--probability 0.33333333\d+ -j KUBE-SEP-")
    wait(lambda: re.search(split, ssh(cluster, "node01", "iptables-save", "-t", "nat")), 5)  # the 3 endpoints' sync
    rules = ssh(cluster, "node01", "iptables-save", "-t", "nat")
    assert "-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https cluster IP\"" \
           " -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y" in rules  # kube-proxy's own chain name for it
    assert "Using iptables Proxier" in ssh(cluster, "node02", "cat", "/var/log/kube-proxy.log")
    assert "default/headless" not in rules and "default/elsewhere" not in rules  # no rules for either
    check_services(cluster)


def test_endpoints_follow_scaling_within_a_second(cluster):
    web_ip = field(cluster, "svc", "web", "{.spec.clusterIP}")
    before = set(field(cluster, "endpoints", "web", "{.subsets[0].addresses[*].ip}").split())
    cluster("scale", "deployment", "web", "--replicas=4")
    new: set[str] = set()

    def listed() -> bool:
        new.update(set(field(cluster, "endpoints", "web", "{.subsets[0].addresses[*].ip}").split()) - before)
        return bool(new)
    wait(listed, 30)
    ready_at = time.monotonic()  # the new pod is a ready endpoint: every node's rules must follow within a second
    wait(lambda: all(ip in ssh(cluster, "node01", "iptables-save", "-t", "nat") for ip in new), 5)
    assert time.monotonic() - ready_at < 1.5  # including one `kinns ssh` round trip
    names = cluster("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}").stdout.split()
    seen: set[str] = set()
    while len(seen) < 4 and time.monotonic() - ready_at < 20:
        seen.add(curl(cluster, "client", f"http://{web_ip}/hostname").stdout)
    assert seen >= set(names)
    gone = names[0]
    cluster("delete", "pod", gone, "--grace-period=0", "--force")
    time.sleep(1.0)
    assert gone not in {curl(cluster, "client", f"http://{web_ip}/hostname").stdout for _ in range(20)}
    cluster("scale", "deployment", "web", "--replicas=3")


def test_a_sync_breaks_no_connection_to_an_unchanged_service(cluster):
    web_ip = field(cluster, "svc", "web", "{.spec.clusterIP}")
    cluster("rollout", "status", "deployment/web", "--timeout=60s")  # no endpoint of web is going away
    wait(lambda: len(field(cluster, "endpoints", "web", "{.subsets[0].addresses[*].ip}").split()) == 3, 30)
    time.sleep(1.5)
    # the connection opens at once and sends its request only after the other Service came and went
    held = subprocess.Popen(["kubectl", "exec", "client", "--", "sh", "-c",
                             f"(sleep 4; printf 'GET /hostname HTTP/1.0\\r\\n\\r\\n') | nc -w 8 {web_ip} 80"],
                            env={**os.environ, "KUBECONFIG": f"/run/kinns/{cluster.name}/kubeconfig"},
                            stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    cluster("create", "service", "clusterip", "churn", "--tcp=81:81")
    time.sleep(1.2)
    cluster("delete", "service", "churn")
    out, _ = held.communicate(timeout=30)
    assert out.startswith("HTTP/1.1 200") and out.rstrip().splitlines()[-1].startswith("web-"), out


def test_a_restarted_proxy_rebuilds_its_rules_and_drops_stale_ones(cluster):
    ssh(cluster, "node01", "iptables", "-t", "nat", "-N", "KUBE-SVC-STALESTALESTALE1")
    proxy = next(p for p in json.loads(cluster("-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-proxy", "-o",
                                               "json").stdout)["items"] if p["spec"]["nodeName"] == "node01")
    ssh(cluster, "node01", "iptables", "-t", "nat", "-F", "KUBE-SERVICES")  # what a crash mid-sync could leave
    cluster("-n", "kube-system", "delete", "pod", proxy["metadata"]["name"])
    cluster("-n", "kube-system", "rollout", "status", "ds/kube-proxy", "--timeout=60s")
    wait(lambda: "KUBE-SVC-STALESTALESTALE1" not in ssh(cluster, "node01", "iptables-save", "-t", "nat")
         and "default/web:http cluster IP" in ssh(cluster, "node01", "iptables-save", "-t", "nat"), 15)
    web_ip = field(cluster, "svc", "web", "{.spec.clusterIP}")
    assert curl(cluster, "client", f"http://{web_ip}/hostname").stdout.startswith("web-")


def test_services_in_nftables_mode_and_switching_back(cluster):
    set_mode(cluster, "nftables")
    for node in ("node01", "node02"):
        wait(lambda: "KUBE-SVC-" not in ssh(cluster, node, "iptables-save", "-t", "nat"), 10)
        ruleset = ssh(cluster, node, "nft", "list", "table", "ip", "kube-proxy")
        web_ip = field(cluster, "svc", "web", "{.spec.clusterIP}")
        assert re.search(r"10\.96\.0\.1 \. tcp \. 443 : goto cluster-dnat-tcp-1\b", ruleset)  # a map element
        assert re.search(rf"{re.escape(web_ip)} \. tcp \. 80 : goto cluster-dnat-tcp-3\b", ruleset)
        assert re.search(rf"{re.escape(web_ip)} \. 80 \. 2 : 10\.244\.\d+\.\d+ \. 8080", ruleset)
        assert "numgen random mod 3 map @service-endpoints-tcp" in ruleset
        assert re.search(r"chain service-\w+-default/sticky/tcp/http \{", ruleset)  # affinity keeps its chains
    check_services(cluster)
    set_mode(cluster, "")
    for node in ("node01", "node02"):
        wait(lambda: "kube-proxy" not in ssh(cluster, node, "nft", "list", "tables"), 10)
    assert "KUBE-SVC-" in ssh(cluster, "node01", "iptables-save", "-t", "nat")
