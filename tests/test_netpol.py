"""NetworkPolicy enforced in the kernel, proved as the Kubernetes e2e netpol suite proves it: namespaces x, y, z
with pods a, b, c serving TCP and UDP on 80 and 81, every one of the 9x9 probes checked against the expected
matrix for each case, with real connections from each pod's netns, in both kube-proxy modes.

Expected matrices are written from the policy's meaning (`Reachability`), never from what kinns programmed.
"""

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import kube_cluster, wait
from test_proxy import set_mode

pytestmark = pytest.mark.kernel

NAMESPACES, PODS = ("x", "y", "z"), ("a", "b", "c")
NODES = {"a": "node01", "b": "node02", "c": "node01"}  # pairs on one node (bridged) and across (VXLAN)
PEERS = [f"{ns}/{pod}" for ns in NAMESPACES for pod in PODS]
TIMEOUT = 0.8
# one process per source pod, in that pod's netns: each target probed at once in its own thread, as
# `agnhost connect --timeout` would (TCP: the handshake; UDP: serve-hostname's answer)
PROBE = """
import json, socket, sys, concurrent.futures as cf
def probe(t):
    ip, port, proto = t
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM)
    s.settimeout(%f)
    try:
        s.connect((ip, port))
        if proto == "udp":
            s.send(b"hostname"); s.recv(100)
        return True
    except OSError:
        return False
    finally:
        s.close()
targets = [tuple(t) for t in json.loads(sys.argv[1])]
with cf.ThreadPoolExecutor(len(targets)) as ex:
    print(json.dumps(list(ex.map(probe, targets))))
""" % TIMEOUT


def pod_manifest(ns: str, pod: str) -> dict:
    containers = [{"name": f"cont-{port}-{proto}", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                   "command": ["/agnhost", "serve-hostname", f"--{proto}", "--http=false", "--port", str(port)],
                   "ports": [{"name": f"serve-{port}-{proto}", "containerPort": port, "protocol": proto.upper()}]}
                  for port in (80, 81) for proto in ("tcp", "udp")]
    if (ns, pod) == ("x", "a"):  # a kept-alive HTTP server (open connections across a change) and a probe
        containers.append({"name": "http", "image": "registry.k8s.io/e2e-test-images/agnhost:2.53",
                           "args": ["netexec", "--http-port=8080", "--udp-port=-1"],
                           "readinessProbe": {"tcpSocket": {"port": 80}, "periodSeconds": 1,
                                              "failureThreshold": 1}})
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": pod, "namespace": ns, "labels": {"pod": pod}},
            "spec": {"nodeName": NODES[pod], "containers": containers, "terminationGracePeriodSeconds": 0}}


class Reachability:
    """The expected matrix: from each peer to each peer, starting from `default`; a pod always reaches itself
    (its own address never leaves its netns)."""

    def __init__(self, default: bool = True) -> None:
        self.m = {(f, t): default for f in PEERS for t in PEERS}

    def expect(self, src, dst, value: bool) -> "Reachability":
        """`src`/`dst`: a peer ("x/a"), a namespace ("x"), or None for all."""
        def sel(p, s):
            return s is None or p == s or p.split("/")[0] == s
        for f, t in self.m:
            if sel(f, src) and sel(t, dst):
                self.m[(f, t)] = value
        return self

    def final(self) -> dict:
        return {k: (True if k[0] == k[1] else v) for k, v in self.m.items()}


class Net:
    """The test's view of the cluster's pods: addresses, netns, and the probe."""

    def __init__(self, kubectl) -> None:
        self.kubectl = kubectl
        self.ip, self.netns = {}, {}
        for ns in NAMESPACES:
            for pod in json.loads(kubectl("-n", ns, "get", "pods", "-o", "json").stdout)["items"]:
                key = f"{ns}/{pod['metadata']['name']}"
                self.ip[key] = pod["status"]["podIP"]
                record = json.loads((kubectl.state / "pods" / f"{ns}_{pod['metadata']['name']}" / "pod.json")
                                    .read_text())
                self.netns[key] = record["netns"]

    def probe_from(self, src: str, targets: list[tuple[str, int, str]]) -> list[bool]:
        out = subprocess.run(["ip", "netns", "exec", self.netns[src], sys.executable, "-c", PROBE,
                              json.dumps(targets)], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def matrix(self, port: int, proto: str, to: dict | None = None) -> dict:
        """Every source to every target (`to`: target name -> address, the pods' own by default)."""
        to = to or self.ip
        names = list(to)
        with ThreadPoolExecutor(len(PEERS)) as ex:
            rows = dict(zip(PEERS, ex.map(lambda s: self.probe_from(s, [(to[n], port, proto) for n in names]),
                                          PEERS)))
        return {(s, t): ok for s, row in rows.items() for t, ok in zip(names, row)}

    def check(self, want: Reachability, port: int = 80, proto: str = "tcp", attempts: int = 3) -> None:
        """The matrix equals `want` (re-probed a few times while a change may still be on its way, as the e2e
        suite retries)."""
        expected = want.final()
        for _ in range(attempts):
            got = self.matrix(port, proto)
            wrong = sorted(k for k in expected if got[k] != expected[k])
            if not wrong:
                return
            time.sleep(0.3)
        table = "\n".join(f"{s:>4} " + " ".join("." if got[(s, t)] == expected[(s, t)] else
                                                 ("X" if got[(s, t)] else "-") for t in PEERS) for s in PEERS)
        pytest.fail(f"{proto}/{port}: {len(wrong)} probes differ (X: reached but should not, -: blocked but "
                    f"should pass):\n     {' '.join(p[0] + p[2] for p in PEERS)}\n{table}", pytrace=False)


def agents_programmed(kubectl) -> int:
    """How many nodes' policy agents have programmed their table."""
    out = kubectl("-n", "kube-system", "logs", "-l", "app=kinns-cni", "-c", "netpol", "--tail=-1", "--prefix",
                  check=False).stdout
    return len({line.split("]")[0] for line in out.splitlines() if "programmed table" in line})


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        for ns in NAMESPACES:
            kubectl("create", "namespace", ns)
            kubectl("label", "namespace", ns, f"ns={ns}")
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            pod_manifest(ns, pod) for ns in NAMESPACES for pod in PODS]}))
        for ns in NAMESPACES:
            kubectl("-n", ns, "wait", "--for=condition=ready", "pod", "--all", "--timeout=90s")
        wait(lambda: agents_programmed(kubectl) == 3, 60)
        kubectl.net = Net(kubectl)
        yield kubectl


@pytest.fixture(scope="module", params=["iptables", "nftables"])
def net(request, cluster):
    if request.param == "nftables":
        set_mode(cluster, "nftables")
    return cluster.net


@pytest.fixture
def policies(cluster):
    """Apply policies (YAML-free dicts) for one test; all are deleted after it, and the matrix is open again."""
    made = []

    def apply(*objs: dict) -> None:
        for obj in objs:
            obj = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", **obj}
            cluster("apply", "-f", "-", input=json.dumps(obj))
            made.append((obj["metadata"]["namespace"], obj["metadata"]["name"]))

    yield apply
    for ns, name in made:
        cluster("-n", ns, "delete", "networkpolicy", name, "--ignore-not-found")


@pytest.fixture
def admin(cluster):
    """Apply AdminNetworkPolicies and the BaselineAdminNetworkPolicy for one test; deleted after it."""
    made = []

    def apply(kind: str, name: str, **spec) -> None:
        cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "policy.networking.k8s.io/v1alpha1",
                                                      "kind": kind, "metadata": {"name": name}, "spec": spec}))
        made.append((kind.lower(), name))

    yield apply
    for kind, name in made:
        cluster("delete", kind, name, "--ignore-not-found")


def policy(ns: str, name: str, **spec) -> dict:
    return {"metadata": {"namespace": ns, "name": name}, "spec": {"podSelector": {}, **spec}}


def pod_sel(pod: str) -> dict:
    return {"matchLabels": {"pod": pod}}


def ns_sel(ns: str) -> dict:
    return {"matchLabels": {"ns": ns}}


def test_default_allow(net):
    net.check(Reachability())
    net.check(Reachability(), 81, "udp")


def test_deny_all_ingress(net, policies):
    policies(policy("x", "deny-all", policyTypes=["Ingress"]))
    net.check(Reachability().expect(None, "x", False))
    net.check(Reachability().expect(None, "x", False), 80, "udp")


def test_deny_all_egress(net, policies):
    policies(policy("x", "deny-all-egress", policyTypes=["Egress"]))
    net.check(Reachability().expect("x", None, False))


def test_allow_from_pod_label(net, policies):
    policies(policy("x", "allow-b", podSelector=pod_sel("a"), ingress=[{"from": [{"podSelector": pod_sel("b")}]}]))
    net.check(Reachability().expect(None, "x/a", False).expect("x/b", "x/a", True))


def test_allow_from_namespace_label(net, policies):
    policies(policy("x", "allow-y", podSelector=pod_sel("a"), ingress=[{"from": [{"namespaceSelector":
                                                                                   ns_sel("y")}]}]))
    net.check(Reachability().expect(None, "x/a", False).expect("y", "x/a", True))


def test_namespace_and_pod_in_one_peer_vs_two_peers(net, policies):
    policies(policy("x", "and", podSelector=pod_sel("a"), ingress=[{"from": [
        {"namespaceSelector": ns_sel("y"), "podSelector": pod_sel("b")}]}]))
    net.check(Reachability().expect(None, "x/a", False).expect("y/b", "x/a", True))
    policies(policy("x", "and", podSelector=pod_sel("a"), ingress=[{"from": [
        {"namespaceSelector": ns_sel("y")}, {"podSelector": pod_sel("b")}]}]))
    net.check(Reachability().expect(None, "x/a", False).expect("y", "x/a", True).expect("x/b", "x/a", True))


def test_named_port(net, policies):
    policies(policy("x", "named", podSelector=pod_sel("a"), ingress=[{"ports": [{"port": "serve-81-tcp"}]}]))
    net.check(Reachability().expect(None, "x/a", False), 80, "tcp")
    net.check(Reachability(), 81, "tcp")
    net.check(Reachability().expect(None, "x/a", False), 81, "udp")


def test_end_port_range(net, policies):
    policies(policy("x", "range", podSelector=pod_sel("a"), ingress=[{"ports": [
        {"protocol": "TCP", "port": 81, "endPort": 90}]}]))
    net.check(Reachability().expect(None, "x/a", False), 80, "tcp")
    net.check(Reachability(), 81, "tcp")


def test_ip_block_with_except(net, policies):
    policies(policy("x", "cidr", podSelector=pod_sel("a"), ingress=[{"from": [{"ipBlock": {
        "cidr": "10.244.0.0/16", "except": [f"{net.ip['y/b']}/32"]}}]}]))
    net.check(Reachability().expect("y/b", "x/a", False))


def test_egress_only_to_dns(net, policies, cluster):
    policies(policy("x", "dns-only", podSelector=pod_sel("a"), policyTypes=["Egress"], egress=[{"ports": [
        {"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}]))
    net.check(Reachability().expect("x/a", None, False))
    # the name resolves (DNS allowed), the connection to its address does not: TIMEOUT, not DNS
    probe = cluster("-n", "x", "exec", "a", "-c", "cont-80-tcp", "--", "/agnhost", "connect",
                    "kubernetes.default.svc.cluster.local:443", "--timeout=1s", check=False)
    assert probe.returncode == 1 and "TIMEOUT" in probe.stderr, probe.stderr
    ok = cluster("-n", "y", "exec", "a", "-c", "cont-80-tcp", "--", "/agnhost", "connect",
                 "kubernetes.default.svc.cluster.local:443", "--timeout=2s", check=False)
    assert ok.returncode == 0, ok.stderr


def test_two_policies_are_a_union(net, policies):
    policies(policy("x", "from-b", podSelector=pod_sel("a"), ingress=[{"from": [{"podSelector": pod_sel("b")}]}]),
             policy("x", "from-z-c", podSelector=pod_sel("a"), ingress=[{"from": [
                 {"namespaceSelector": ns_sel("z"), "podSelector": pod_sel("c")}]}]))
    net.check(Reachability().expect(None, "x/a", False).expect("x/b", "x/a", True).expect("z/c", "x/a", True))


def test_policy_deleted_opens_again(net, policies, cluster):
    policies(policy("x", "deny-all"))
    net.check(Reachability().expect(None, "x", False))
    cluster("-n", "x", "delete", "networkpolicy", "deny-all")
    net.check(Reachability())


def test_label_changed_under_a_policy(net, policies, cluster):
    policies(policy("x", "allow-b", podSelector=pod_sel("a"), ingress=[{"from": [{"podSelector": pod_sel("b")}]}]))
    net.check(Reachability().expect(None, "x/a", False).expect("x/b", "x/a", True))
    cluster("-n", "x", "label", "pod", "c", "pod=b", "--overwrite")
    try:
        net.check(Reachability().expect(None, "x/a", False).expect("x/b", "x/a", True).expect("x/c", "x/a", True))
    finally:
        cluster("-n", "x", "label", "pod", "c", "pod=c", "--overwrite")
    cluster("label", "namespace", "z", "ns=y", "--overwrite")  # a namespace's labels count as well
    try:
        policies(policy("x", "allow-y", podSelector=pod_sel("b"), ingress=[{"from": [{"namespaceSelector":
                                                                                       ns_sel("y")}]}]))
        net.check(Reachability().expect(None, "x/a", False).expect("x/b", "x/a", True)
                  .expect(None, "x/b", False).expect("y", "x/b", True).expect("z", "x/b", True))
    finally:
        cluster("label", "namespace", "z", "ns=z", "--overwrite")


def test_service_ip_is_filtered_as_the_pod_ip(net, policies, cluster):
    cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": "a", "namespace": "x"}, "spec": {"selector": {"pod": "a"}, "ports": [{"port": 80}]}}))
    try:
        wait(lambda: cluster("-n", "x", "get", "endpointslices", "-o", "jsonpath={.items[*].endpoints[*].addresses}")
             .stdout.strip() != "", 20)
        vip = cluster("-n", "x", "get", "service", "a", "-o", "jsonpath={.spec.clusterIP}").stdout
        policies(policy("x", "allow-b", podSelector=pod_sel("a"), ingress=[{"from": [{"podSelector":
                                                                                       pod_sel("b")}]}]))
        want = Reachability().expect(None, "x/a", False).expect("x/b", "x/a", True).final()
        deadline = time.monotonic() + 5
        while True:
            got = net.matrix(80, "tcp", {"x/a": vip})
            wrong = {k: v for k, v in got.items() if want[k] != v and k[0] != "x/a"}
            if not wrong or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert not wrong, f"through the ClusterIP {vip}: {wrong}"
    finally:
        cluster("-n", "x", "delete", "service", "a")


def test_probes_pass_and_open_connections_survive_a_deny_all(net, policies, cluster):
    """The kubelet's probes come from the pod's own node and pass; a connection opened before the policy
    keeps working (conntrack), a new one is refused within a second of the apply."""
    code = """
import http.client, json, sys, time, socket
c = http.client.HTTPConnection(sys.argv[1], 8080, timeout=2)
c.request("GET", "/hostname"); c.getresponse().read()
print("open", flush=True)
sys.stdin.readline()
c.request("GET", "/hostname"); r = c.getresponse().read().decode()
print(json.dumps(r), flush=True)
"""
    ip = net.ip["x/a"]
    client = subprocess.Popen(["ip", "netns", "exec", net.netns["y/b"], sys.executable, "-c", code, ip],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert client.stdout.readline().strip() == "open"
        policies(policy("x", "deny-all"))
        applied = time.monotonic()
        while net.probe_from("y/b", [(ip, 8080, "tcp")]) == [True]:
            assert time.monotonic() - applied < 1.0, "deny-all not in force within 1 s"
        client.stdin.write("\n")
        client.stdin.flush()
        assert json.loads(client.stdout.readline()) == "a"
    finally:
        client.kill()
        client.wait()
    time.sleep(3)  # three probe periods under deny-all
    ready = cluster("-n", "x", "get", "pod", "a", "-o", "jsonpath={.status.conditions[?(@.type=='Ready')].status}")
    assert ready.stdout == "True"


def test_invalid_policies_are_refused(cluster):
    bad = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "bad",
                                                                                        "namespace": "x"},
           "spec": {"podSelector": {}, "ingress": [{"from": [{"ipBlock": {"cidr": "10.0.0.0/33",
                                                                          "except": ["11.0.0.0/8"]}}],
                                                    "ports": [{"port": 70000}, {"endPort": 90},
                                                              {"port": 90, "endPort": 80}]}]}}
    out = cluster("apply", "-f", "-", input=json.dumps(bad), check=False)
    assert out.returncode != 0
    for field in ("spec.ingress[0].from[0].ipBlock.cidr", "spec.ingress[0].ports[0].port",
                  "spec.ingress[0].ports[1].port", "spec.ingress[0].ports[2].endPort"):
        assert field in out.stderr, out.stderr
    assert "bad" not in cluster("-n", "x", "get", "networkpolicies", "-o", "name").stdout


def test_the_table_shows_what_holds(cluster, policies):
    policies(policy("x", "deny-all"))
    node = "node01"

    def listed() -> str:
        return subprocess.run(["ip", "netns", "exec", f"{cluster.name}-{node}", "nft", "list", "table", "inet",
                               "kinns-netpol"], capture_output=True, text=True).stdout
    wait(lambda: "x/deny-all" in listed(), 5)
    text = listed()
    assert "ingress not allowed by NetworkPolicy x/deny-all" in text and "counter np-" in text
    log = cluster("-n", "kube-system", "logs", "-l", "app=kinns-cni", "-c", "netpol", "--tail=-1").stdout
    assert "programmed table inet kinns-netpol" in log


# AdminNetworkPolicy and BaselineAdminNetworkPolicy: decided before and after NetworkPolicy

def test_admin_deny_overrides_an_allowing_network_policy(net, policies, admin):
    policies(policy("x", "allow-y", podSelector=pod_sel("a"), ingress=[{"from": [{"namespaceSelector":
                                                                                   ns_sel("y")}]}]))
    admin("AdminNetworkPolicy", "deny-y-b", priority=10, subject={"namespaces": ns_sel("x")},
          ingress=[{"name": "no-y-b", "action": "Deny", "from": [{"pods": {"namespaceSelector": ns_sel("y"),
                                                                           "podSelector": pod_sel("b")}}]}])
    want = Reachability().expect(None, "x/a", False).expect("y", "x/a", True).expect("y/b", "x", False)
    net.check(want)
    net.check(want, 80, "udp")  # every protocol and port: neither rule names ports


def test_admin_pass_delegates_to_network_policy(net, policies, admin):
    admin("AdminNetworkPolicy", "deny-all-to-x", priority=20, subject={"namespaces": ns_sel("x")},
          ingress=[{"action": "Deny", "from": [{"namespaces": {}}]}])
    admin("AdminNetworkPolicy", "pass-y", priority=5, subject={"namespaces": ns_sel("x")},
          ingress=[{"action": "Pass", "from": [{"namespaces": ns_sel("y")}], "ports": [
              {"portNumber": {"protocol": "TCP", "port": 80}}]}])
    # from y on TCP 80 the lower-priority Deny is skipped: no NetworkPolicy isolates x, so it passes
    net.check(Reachability().expect(None, "x", False).expect("y", "x", True))
    net.check(Reachability().expect(None, "x", False), 81, "tcp")  # not passed: the Deny decides
    policies(policy("x", "only-y-b", podSelector=pod_sel("a"), ingress=[{"from": [{"namespaceSelector":
                                                                                    ns_sel("y"), "podSelector":
                                                                                    pod_sel("b")}]}]))
    net.check(Reachability().expect(None, "x", False).expect("y", "x", True).expect("y/a", "x/a", False)
              .expect("y/c", "x/a", False))


def test_baseline_deny_holds_where_no_network_policy_isolates(net, policies, admin):
    admin("BaselineAdminNetworkPolicy", "default", subject={"namespaces": ns_sel("z")},
          ingress=[{"name": "default-deny", "action": "Deny", "from": [{"namespaces": {}}]}])
    net.check(Reachability().expect(None, "z", False))
    policies(policy("z", "allow-x", podSelector=pod_sel("a"), ingress=[{"from": [{"namespaceSelector":
                                                                                   ns_sel("x")}]}]))
    net.check(Reachability().expect(None, "z", False).expect("x", "z/a", True))


def test_admin_egress_to_networks_and_named_port(net, admin):
    admin("AdminNetworkPolicy", "egress-y", priority=30, subject={"pods": {"namespaceSelector": ns_sel("y"),
                                                                           "podSelector": pod_sel("a")}},
          egress=[{"action": "Allow", "to": [{"networks": [f"{net.ip['z/b']}/32"]}]},
                  {"action": "Deny", "to": [{"namespaces": {}}], "ports": [{"namedPort": "serve-80-tcp"}]}])
    net.check(Reachability().expect("y/a", None, False).expect("y/a", "z/b", True))
    net.check(Reachability(), 81, "tcp")


def test_invalid_admin_policies_are_refused(cluster):
    def refused(kind: str, name: str, spec: dict) -> str:
        out = cluster("apply", "-f", "-", check=False, input=json.dumps({
            "apiVersion": "policy.networking.k8s.io/v1alpha1", "kind": kind, "metadata": {"name": name},
            "spec": spec}))
        assert out.returncode != 0, out.stdout
        return out.stderr
    err = refused("AdminNetworkPolicy", "bad", {"priority": 1001, "subject": {
        "namespaces": {}, "pods": {"namespaceSelector": {}, "podSelector": {}}}, "egress": [
        {"action": "Reject", "to": [{"namespaces": {}}]}]})
    for text in ("spec.priority", "spec.subject", "spec.egress[0].action"):
        assert text in err, err
    err = refused("AdminNetworkPolicy", "bad", {"priority": 1, "subject": {"namespaces": {}}, "egress": [
        {"action": "Deny", "to": [{"networks": ["10.0.0.0/33"]}]}]})
    assert "spec.egress[0].to[0].networks[0]" in err and "Invalid CIDR format provided" in err, err
    err = refused("BaselineAdminNetworkPolicy", "not-default", {"subject": {"namespaces": {}}})
    assert 'Only one baseline admin network policy with metadata.name="default"' in err, err
    assert "bad" not in cluster("get", "anp", "-o", "name").stdout
    assert "No resources found" in cluster("get", "banp").stderr
