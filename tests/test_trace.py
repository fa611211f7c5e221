"""`kinns trace` on a real cluster, in both kube-proxy modes: the hops it reports are the kernel's (the DNAT rule,
the VXLAN encapsulation with both node addresses, the bridge port, the NetworkPolicy that dropped), its verdict is
what the packet met, and it leaves no trace table behind."""

import json
import signal
import subprocess
import sys
import time

import pytest

from conftest import kube_cluster, wait
from test_proxy import set_mode

pytestmark = pytest.mark.kernel


def pod(name: str, node: str, labels: dict, port: int = 8080) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "kinns/echo",
                                                       "ports": [{"containerPort": port}]}]}}


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            pod("client", "node01", {"role": "client"}),
            pod("near", "node01", {"app": "web", "at": "near"}),
            pod("far", "node02", {"app": "web", "at": "far"}),
        ]}))
        kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")  # selects app=web
        kubectl("create", "service", "clusterip", "empty", "--tcp=80:8080")  # selects app=empty: none
        kubectl("expose", "pod", "far", "--name", "far-np", "--type", "NodePort", "--port", "8080")
        kubectl("expose", "pod", "far", "--name", "far-lb", "--type", "LoadBalancer", "--port", "80",
                "--target-port", "8080")
        kubectl("create", "ingress", "web", "--class", "nginx", "--rule", "web.example/*=web:80")
        gw = "gateway.networking.k8s.io/v1"
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": gw, "kind": "Gateway", "metadata": {"name": "edge", "namespace": "default"},
             "spec": {"gatewayClassName": "nginx", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]}},
            {"apiVersion": gw, "kind": "HTTPRoute", "metadata": {"name": "web", "namespace": "default"},
             "spec": {"parentRefs": [{"name": "edge"}], "hostnames": ["gw.example"],
                      "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}]}))
        kubectl("wait", "--for=condition=ready", "pod", "--all", "--timeout=60s")
        wait(lambda: kubectl("get", "svc", "far-lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout)
        wait(lambda: kubectl("get", "ingress", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout)
        kubectl("wait", "--for=condition=Programmed", "gateway/edge", "--timeout=60s")
        yield kubectl


@pytest.fixture(scope="module", params=["iptables", "nftables"])
def mode(request, cluster):
    if request.param == "nftables":
        set_mode(cluster, "nftables")
    return request.param


def trace(cluster, *args: str, delivered: bool | None = True) -> dict:
    """`kinns trace ... -o json`; its exit status checked against `delivered` (None: either)."""
    proc = subprocess.run([sys.executable, "-m", "kinns.cli.main", "trace", "--name", cluster.name, *args, "-o",
                           "json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode in ((0, 2) if delivered is None else (0 if delivered else 2,)), proc.stdout + proc.stderr
    out = json.loads(proc.stdout)
    assert no_trace_tables(cluster) == []
    return out


def no_trace_tables(cluster) -> list[str]:
    """Every netns of the cluster, and the machine's, listed for a kinns-trace table: what a trace left."""
    names = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split()
    found = []
    for ns in [n for n in names if n.startswith(cluster.name + "-")] + [None]:
        argv = ["ip", "netns", "exec", ns, "nft", "list", "tables"] if ns else ["nft", "list", "tables"]
        found += [f"{ns}: {t}" for t in subprocess.run(argv, capture_output=True, text=True).stdout.splitlines()
                  if "kinns-trace" in t]
    return found


def ip(cluster, name: str) -> str:
    return cluster("get", "pod", name, "-o", "jsonpath={.status.podIP}").stdout


def events(out: dict, event: str) -> list[dict]:
    return [h for h in out["hops"] if h["event"] == event]


def node_ip(cluster, node: str) -> str:
    return cluster("get", "node", node, "-o", "jsonpath={.status.addresses[0].address}").stdout


def test_pod_to_pod_on_the_same_node_crosses_the_bridge(cluster, mode):
    out = trace(cluster, "client", "pod/near:8080")
    assert out["verdict"] == f"delivered to default/near {ip(cluster, 'near')}:8080"
    bridge = events(out, "bridge")
    assert bridge[0]["node"] == "node01" and "enters the bridge" in bridge[0]["detail"]
    assert "forwarded out of port veth" in bridge[-1]["detail"]
    assert not events(out, "encapsulate")
    assert {"node", "netns", "interface", "event", "detail"} <= set(out["hops"][0])


def test_pod_to_pod_across_nodes_is_encapsulated_in_vxlan_between_the_node_addresses(cluster, mode):
    out = trace(cluster, "client", "far:8080", "--proto", "tcp")
    assert out["verdict"] == f"delivered to default/far {ip(cluster, 'far')}:8080"
    one, two = node_ip(cluster, "node01"), node_ip(cluster, "node02")
    encap, decap = events(out, "encapsulate"), events(out, "decapsulate")
    assert encap[0]["node"] == "node01" and f"{one}:" in encap[0]["detail"] and f"-> {two}:8472" in encap[0]["detail"]
    assert "VNI 1" in encap[0]["detail"]
    assert decap[0]["node"] == "node02" and f"arrives from node {one}" in decap[0]["detail"]
    route = next(h for h in events(out, "route") if h["node"] == "node01")
    assert "VXLAN id 1" in route["detail"] and f"dst {two}" in route["detail"]  # the fdb entry to node02


def test_icmp_and_udp_probes(cluster, mode):
    out = trace(cluster, "client", "far", "--proto", "icmp")
    assert out["verdict"].startswith("delivered to default/far")
    assert "echo-request" in out["hops"][0]["detail"]
    out = trace(cluster, "client", "far:8080", "--proto", "udp", delivered=False)  # the echo server is TCP only
    assert out["verdict"].startswith(f"refused at default/far {ip(cluster, 'far')}:8080: nothing listens")


def test_pod_to_service_names_its_dns_answer_and_the_dnat_rule(cluster, mode):
    out = trace(cluster, "client", "web")
    svc_ip = cluster("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").stdout
    dns = out["hops"][0]
    assert dns["event"] == "dns" and f"web.default.svc.cluster.local to 10.96.0.10:53 -> NOERROR {svc_ip}" in \
        dns["detail"]
    dnat = events(out, "dnat")[0]
    assert dnat["node"] == "node01"
    chain = "ip nat KUBE-SEP-" if mode == "iptables" else "ip kube-proxy "
    assert chain in dnat["detail"], dnat
    endpoint = dnat["detail"].split()[1]
    assert endpoint in (f"{ip(cluster, 'near')}:8080", f"{ip(cluster, 'far')}:8080")
    assert out["verdict"].endswith(endpoint)
    assert any(f"dst={svc_ip}" in h["detail"] for h in events(out, "conntrack"))


def test_a_service_without_endpoints_is_rejected(cluster, mode):
    out = trace(cluster, "client", "empty", delivered=False)
    assert out["verdict"].startswith("rejected at node01")
    assert "(Service default/empty has no ready endpoints)" in out["verdict"]
    reject = events(out, "reject")[0]
    assert ("KUBE-SERVICES" if mode == "iptables" else "ip kube-proxy") in reject["detail"]


def test_pod_to_nodeport_and_host_to_loadbalancer(cluster, mode):
    port = cluster("get", "svc", "far-np", "-o", "jsonpath={.spec.ports[0].nodePort}").stdout
    one = node_ip(cluster, "node01")
    out = trace(cluster, "client", f"{one}:{port}")
    assert out["to"].endswith(f"Service default/far-np (nodeport) {one}:{port}")
    assert out["verdict"] == f"delivered to default/far {ip(cluster, 'far')}:8080"
    assert events(out, "dnat") and events(out, "snat")  # masqueraded: a NodePort's traffic comes back through it
    lb = cluster("get", "svc", "far-lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout
    out = trace(cluster, "host", f"{lb}:80")
    assert out["hops"][0]["netns"] == "host" and out["hops"][0]["event"] == "send"
    assert out["verdict"] == f"delivered to default/far {ip(cluster, 'far')}:8080"
    assert events(out, "dnat")[0]["detail"].startswith(f"to {ip(cluster, 'far')}:8080")


def test_pod_to_an_ingress_host(cluster, mode):
    out = trace(cluster, "client", "http://web.example/")
    controller = out["verdict"]
    assert controller.startswith("delivered to ingress-nginx/ingress-nginx-controller-"), controller
    assert "Ingress default/web: host web.example path / -> Service default/web:80" in out["hops"][-1]["detail"]


def test_pod_to_a_gateway_host(cluster, mode):
    out = trace(cluster, "client", "http://gw.example/")
    assert out["verdict"].startswith("delivered to default/edge-"), out["verdict"]  # the Gateway's nginx pod
    assert "HTTPRoute default/web: host gw.example -> Services web:80" in out["hops"][-1]["detail"]


def test_a_networkpolicy_drop_is_named(cluster, mode):
    cluster("apply", "-f", "-", input=json.dumps({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "far-closed"},
        "spec": {"podSelector": {"matchLabels": {"at": "far"}}, "policyTypes": ["Ingress"]}}))
    try:
        deadline = time.monotonic() + 10
        while True:
            out = trace(cluster, "client", "far:8080", delivered=None)
            if out["verdict"].startswith("dropped") or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert out["verdict"] == "dropped at node02 (node) by NetworkPolicy default/far-closed", out
        assert "kinns-netpol" in events(out, "drop")[0]["detail"]
    finally:
        cluster("delete", "networkpolicy", "far-closed")


def test_unknown_names_list_the_close_ones(cluster):
    proc = subprocess.run([sys.executable, "-m", "kinns.cli.main", "trace", "--name", cluster.name, "client", "wbe"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and 'no pod or Service "wbe" in namespace "default"; close names: web' in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "kinns.cli.main", "trace", "--name", cluster.name, "clinet", "web"],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and 'pods "clinet" not found in namespace "default"; close names: client' in \
        proc.stderr


def test_an_interrupted_trace_removes_its_tables(cluster):
    cluster("apply", "-f", "-", input=json.dumps({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "far-silent"},
        "spec": {"podSelector": {"matchLabels": {"at": "far"}}, "policyTypes": ["Ingress"]}}))
    try:
        time.sleep(1.5)  # in force: the SYN goes unanswered, and the trace waits for it
        for sig in (signal.SIGINT, signal.SIGTERM):
            proc = subprocess.Popen([sys.executable, "-m", "kinns.cli.main", "trace", "--name", cluster.name,
                                     "client", "far:8080"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            wait(lambda: no_trace_tables(cluster), 20)
            proc.send_signal(sig)
            proc.wait(timeout=20)
            assert no_trace_tables(cluster) == []
    finally:
        cluster("delete", "networkpolicy", "far-silent")


def test_host_gw_routes_to_the_other_node_without_encapsulation():
    with kube_cluster("--backend", "host-gw") as kubectl:
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            pod("client", "node01", {}), pod("far", "node02", {})]}))
        kubectl("wait", "--for=condition=ready", "pod", "--all", "--timeout=60s")
        out = trace(kubectl, "client", "far:8080")
        assert out["verdict"] == f"delivered to default/far {ip(kubectl, 'far')}:8080"
        assert not events(out, "encapsulate")
        route = next(h for h in events(out, "route") if h["node"] == "node01")
        assert f"via {node_ip(kubectl, 'node02')} dev eth0" in route["detail"] and route["interface"] == "eth0"
        assert [h["node"] for h in events(out, "receive")] == ["node02", "node02"]  # its eth0, then the pod
