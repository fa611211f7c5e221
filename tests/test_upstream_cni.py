"""Bring your own CNI: a bare cluster (as kubeadm leaves one) and Weave Net's upstream manifest, applied unmodified
from the fixtures, with real traffic between nodes through it, and nothing of it left once it is deleted."""

import ipaddress
import json
import subprocess
from pathlib import Path

import pytest
from conftest import kube_cluster, unique, wait
from test_trace import trace

pytestmark = pytest.mark.kernel

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "upstream"
WEAVE = UPSTREAM / "weave-net-v2.8.1" / "weave-daemonset-k8s-1.11.yaml"
NOT_READY = ("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
             "message:Network plugin returns error: cni plugin not initialized")
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


@pytest.fixture(scope="module")
def bare():
    with kube_cluster("--bare") as kubectl:
        yield kubectl


def _nodes(cluster) -> list[dict]:
    return json.loads(cluster("get", "nodes", "-o", "json").stdout)["items"]


def _ready(node: dict) -> dict:
    return next(c for c in node["status"]["conditions"] if c["type"] == "Ready")


def _in_node(cluster, node: str, *argv: str) -> str:
    return subprocess.run(["ip", "netns", "exec", f"{cluster.name}-{node}", *argv], capture_output=True,
                          text=True, check=True).stdout


def _conflist(cluster, name: str) -> dict:
    """node01's /etc/cni/net.d/NAME, as the CNI's init container wrote it."""
    return json.loads((cluster.state / "nodes" / "node01" / "upper" / "etc" / "cni" / "net.d" / name).read_text())


def _server_and_client(cluster) -> tuple[str, str, dict[str, str]]:
    """An agnhost server on node02 and a busybox client on node01, Ready; their names and pod IPs."""
    server, client = unique("srv"), unique("cli")
    cluster("run", server, f"--image={AGNHOST}", "--overrides", '{"spec": {"nodeName": "node02"}}', "--",
            "netexec", "--http-port=8080")
    cluster("run", client, "--image=busybox", "--overrides", '{"spec": {"nodeName": "node01"}}', "--", "sleep",
            "3600")
    cluster("wait", "--for=condition=Ready", f"pod/{server}", f"pod/{client}", "--timeout=60s")
    ips = {name: json.loads(cluster("get", "pod", name, "-o", "json").stdout)["status"]["podIP"]
           for name in (server, client)}
    return server, client, ips


def _weave_left(cluster) -> list[str]:
    """Links, rules and processes of Weave still on the nodes."""
    found = []
    for node in ("controlplane", "node01", "node02"):
        links = _in_node(cluster, node, "ip", "-br", "link")
        found += [f"{node}: link {line.split()[0]}" for line in links.splitlines()
                  if line.split()[0].split("@")[0] in ("weave", "vxlan-6784") or line.startswith("vethwe")]
        rules = _in_node(cluster, node, "iptables-save")
        found += [f"{node}: {line}" for line in rules.splitlines() if "WEAVE" in line or "weave" in line]
        tables = _in_node(cluster, node, "nft", "list", "tables")
        found += [f"{node}: {line}" for line in tables.splitlines() if "kinns-netpol" in line]  # weave-npc's
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    found += [f"process {line}" for line in ps.splitlines() if "workloads.weave" in line and cluster.name in line]
    return found


def test_a_bare_cluster_is_what_kubeadm_leaves(bare):
    bare("-n", "kube-system", "rollout", "status", "daemonset/kube-proxy", "--timeout=60s")  # tolerates NotReady
    nodes = _nodes(bare)
    assert [n["metadata"]["name"] for n in nodes] == ["controlplane", "node01", "node02"]
    for node in nodes:
        ready = _ready(node)
        assert (ready["status"], ready["reason"], ready["message"]) == ("False", "KubeletNotReady", NOT_READY)
        assert {"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"} in node["spec"]["taints"]
    pods = json.loads(bare("get", "pods", "-A", "-o", "json").stdout)["items"]
    phases = {p["metadata"]["name"]: p["status"]["phase"] for p in pods}
    assert {ph for n, ph in phases.items() if n.startswith("coredns-")} == {"Pending"}
    assert {ph for n, ph in phases.items() if n.startswith("kube-proxy-")} == {"Running"}
    assert not any(n.startswith(("kinns-cni", "ingress-nginx", "nginx-gateway")) for n in phases), phases
    assert bare("get", "gatewayclasses", check=False).returncode != 0  # no Gateway API until a user installs it
    assert bare("get", "storageclass", "-o", "name").stdout.strip() == ""
    for node in ("node01", "node02"):
        conf = bare.state / "nodes" / node / "upper" / "etc" / "cni" / "net.d"
        assert not list(conf.iterdir())
        bins = {p.name for p in (bare.state / "nodes" / node / "upper" / "opt" / "cni" / "bin").iterdir()}
        assert {"bridge", "host-local", "loopback", "portmap"} <= bins and not any(b.startswith("kinns") for b in bins)


def test_weave_net_from_its_upstream_manifest(bare):
    bare("apply", "-f", str(WEAVE))
    bare("-n", "kube-system", "rollout", "status", "daemonset/weave-net", "--timeout=120s")
    bare("wait", "--for=condition=Ready", "nodes", "--all", "--timeout=60s")
    pods = json.loads(bare("-n", "kube-system", "get", "pods", "-l", "name=weave-net", "-o", "json").stdout)["items"]
    assert len(pods) == 3 and all(len(p["status"]["containerStatuses"]) == 2 for p in pods)
    assert all(s["state"]["terminated"]["reason"] == "Completed" for p in pods
               for s in p["status"]["initContainerStatuses"])
    one = pods[0]["metadata"]["name"]
    log = bare("-n", "kube-system", "logs", one, "-c", "weave").stdout
    assert "Our name is" in log and "connection added" in log and "Listening for HTTP control messages" in log
    assert "Starting Weaveworks NPC" in bare("-n", "kube-system", "logs", one, "-c", "weave-npc").stdout
    conf = _conflist(bare, "10-weave.conflist")
    assert [p["type"] for p in conf["plugins"]] == ["weave-net", "portmap"]

    server, client, ips = _server_and_client(bare)
    blocks = {ipaddress.ip_network(f"{ip}/18", strict=False) for ip in ips.values()}
    assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.32.0.0/12") for ip in ips.values())
    assert len(blocks) == 2  # each node allocates from its own part of the range
    assert "2 received" in bare("exec", client, "--", "ping", "-c2", "-W2", ips[server]).stdout
    wait(lambda: bare("exec", client, "--", "wget", "-T2", "-qO-", f"http://{ips[server]}:8080/hostname",
                      check=False).stdout == server, 20)
    bare("expose", "pod", server, "--port=80", "--target-port=8080")
    wait(lambda: bare("exec", client, "--", "wget", "-T2", "-qO-", f"http://{server}/hostname",
                      check=False).stdout == server, 30)  # CoreDNS, now running on Weave, and the Service
    traced = trace(bare, client, server)  # kinns trace follows it over Weave's bridge and fastdp VXLAN
    assert traced["verdict"] == f"delivered to default/{server} {ips[server]}:8080", traced
    encap = [h for h in traced["hops"] if h["event"] == "encapsulate"]
    assert encap and encap[0]["node"] == "node01" and encap[0]["detail"].split(" (")[0].endswith(":6784")
    vxlan = _in_node(bare, "node02", "ip", "-d", "link", "show", "vxlan-6784")
    assert "dstport 6784" in vxlan and "master weave" in vxlan
    mesh = _in_node(bare, "node02", "ss", "-tn", "state", "established", "( sport = :6783 or dport = :6783 )")
    assert mesh.count(":6783") >= 2  # node02 meets both other peers on TCP 6783

    # weave-npc enforces NetworkPolicy with kinns's engine: only pods labelled for it reach the server
    bare("apply", "-f", "-", input=json.dumps({
        "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": server},
        "spec": {"podSelector": {"matchLabels": {"run": server}},
                 "ingress": [{"from": [{"podSelector": {"matchLabels": {"access": "yes"}}}]}]}}))
    wait(lambda: bare("exec", client, "--", "timeout", "1", "wget", "-qO-", f"http://{ips[server]}:8080/hostname",
                      check=False).returncode != 0, 10)  # busybox's wget -T bounds reads, not the handshake
    traced = trace(bare, client, f"pod/{server}:8080", delivered=False)
    assert traced["verdict"] == f"dropped at node02 (node) by NetworkPolicy default/{server}", traced
    bare("label", "pod", client, "access=yes")
    wait(lambda: bare("exec", client, "--", "wget", "-T2", "-qO-", f"http://{ips[server]}:8080/hostname",
                      check=False).stdout == server, 10)
    npc = bare("-n", "kube-system", "logs", "-l", "name=weave-net", "-c", "weave-npc", "--tail=-1").stdout
    assert "INFO: " in npc and "programmed table inet kinns-netpol: 1 policies select 1 pods for ingress" in npc
    assert "chain network-ingress-" in _in_node(bare, "node02", "nft", "list", "table", "inet", "kinns-netpol")
    bare("delete", "networkpolicy", server)

    bare("delete", "pod", server, client, "--now")
    bare("delete", "service", server)
    bare("delete", "-f", str(WEAVE))
    bare("-n", "kube-system", "rollout", "restart", "deployment/coredns")  # its pods leave Weave too
    wait(lambda: not bare("-n", "kube-system", "get", "pods", "-l", "name=weave-net", "-o", "name").stdout, 60)
    wait(lambda: not [x for x in _weave_left(bare) if "vethwe" not in x], 20)
    for node in ("controlplane", "node01", "node02"):  # the course's last step: the CNI's file in net.d
        (bare.state / "nodes" / node / "upper" / "etc" / "cni" / "net.d" / "10-weave.conflist").unlink()
    wait(lambda: all(_ready(n)["status"] == "False" and _ready(n)["message"] == NOT_READY for n in _nodes(bare)),
         15)
    # pods that got Weave addresses while it was going keep them (they tolerate a NotReady node for 300 s): the
    # course deletes them, and their replacements wait for the next CNI
    bare("-n", "kube-system", "delete", "pod", "-l", "k8s-app=kube-dns", "--wait=false")
    try:
        wait(lambda: not _weave_left(bare), 60)
    except AssertionError:
        raise AssertionError(f"left: {_weave_left(bare)}") from None


FLANNEL = UPSTREAM / "flannel" / "kube-flannel-v0.28.9.yml"


def _flannel_left(cluster) -> list[str]:
    found = []
    for node in ("controlplane", "node01", "node02"):
        links = _in_node(cluster, node, "ip", "-br", "link")
        found += [f"{node}: link {line.split()[0]}" for line in links.splitlines()
                  if line.split()[0].split("@")[0] in ("flannel.1", "cni0")]
        routes = _in_node(cluster, node, "ip", "route")
        found += [f"{node}: route {line}" for line in routes.splitlines() if line.startswith("10.244.")]
        rules = _in_node(cluster, node, "iptables-save")
        found += [f"{node}: {line}" for line in rules.splitlines() if "FLANNEL" in line]
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    found += [f"process {line}" for line in ps.splitlines() if "workloads.flannel" in line]
    return found


def test_the_course_swaps_weave_for_flannel(bare):
    """Weave removed (its DaemonSet and its file in net.d: the nodes go NotReady), then flannel's upstream
    manifest: the nodes are Ready again and pods on two nodes reach each other over flannel.1."""
    bare("apply", "-f", str(WEAVE))
    bare("-n", "kube-system", "rollout", "status", "daemonset/weave-net", "--timeout=120s")
    bare("wait", "--for=condition=Ready", "nodes", "--all", "--timeout=60s")
    bare("delete", "-f", str(WEAVE))
    for node in ("controlplane", "node01", "node02"):
        (bare.state / "nodes" / node / "upper" / "etc" / "cni" / "net.d" / "10-weave.conflist").unlink()
    wait(lambda: all(_ready(n)["status"] == "False" for n in _nodes(bare)), 15)

    bare("apply", "-f", str(FLANNEL))
    bare("-n", "kube-flannel", "rollout", "status", "daemonset/kube-flannel-ds", "--timeout=120s")
    bare("wait", "--for=condition=Ready", "nodes", "--all", "--timeout=60s")
    bare("-n", "kube-system", "rollout", "restart", "deployment/coredns")  # its pods move to the new network
    node = next(n for n in _nodes(bare) if n["metadata"]["name"] == "node01")
    annotations = node["metadata"]["annotations"]
    assert annotations["flannel.alpha.coreos.com/backend-type"] == "vxlan"
    assert annotations["flannel.alpha.coreos.com/public-ip"] == node["status"]["addresses"][0]["address"]
    assert json.loads(annotations["flannel.alpha.coreos.com/backend-data"])["VNI"] == 1
    lease = (bare.state / "nodes" / "node01" / "hostpath" / "run" / "flannel" / "subnet.env").read_text()
    assert "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\n" in lease
    conf = _conflist(bare, "10-flannel.conflist")
    assert [p["type"] for p in conf["plugins"]] == ["flannel", "portmap"]

    server, client, ips = _server_and_client(bare)
    assert ips[server].startswith("10.244.2.") and ips[client].startswith("10.244.1.")
    assert "2 received" in bare("exec", client, "--", "ping", "-c2", "-W2", ips[server]).stdout
    wait(lambda: bare("exec", client, "--", "wget", "-T2", "-qO-", f"http://{ips[server]}:8080/hostname",
                      check=False).stdout == server, 20)
    bare("expose", "pod", server, "--port=80", "--target-port=8080")
    wait(lambda: bare("exec", client, "--", "wget", "-T2", "-qO-", f"http://{server}/hostname",
                      check=False).stdout == server, 30)
    assert "10.244.2.0/24 via 10.244.2.0 dev flannel.1 proto static onlink" in _in_node(bare, "node01", "ip", "route")
    traced = trace(bare, client, server)
    assert traced["verdict"] == f"delivered to default/{server} {ips[server]}:8080", traced
    assert any(h["event"] == "encapsulate" and "VNI 1," in h["detail"] and ":8472 (" in h["detail"]
               for h in traced["hops"]), traced
    assert "dstport 8472" in _in_node(bare, "node01", "ip", "-d", "link", "show", "flannel.1")

    bare("delete", "pod", server, client, "--now")
    bare("delete", "service", server)
    bare("-n", "kube-system", "scale", "deployment/coredns", "--replicas=0")
    wait(lambda: not bare("-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-dns", "-o", "name").stdout, 60)
    bare("delete", "-f", str(FLANNEL))
    wait(lambda: not _flannel_left(bare), 60)
