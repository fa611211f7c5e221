"""Cluster DNS end to end: the coredns Deployment answers real clients (dig, nslookup, host, getent, curl) in pods."""

import json
import os
import subprocess
import sys
import time

import pytest
import yaml

from conftest import kube_cluster, wait

pytestmark = pytest.mark.kernel
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
UPSTREAM = """
import socket, sys, dns.message, dns.rrset
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 53))
while True:
    data, peer = s.recvfrom(4096)
    q = dns.message.from_wire(data)
    r = dns.message.make_response(q)
    if q.question[0].name.to_text().endswith("example.test.") and q.question[0].rdtype == 1:
        r.answer.append(dns.rrset.from_text(q.question[0].name, 60, "IN", "A", "192.0.2.80"))
    else:
        r.set_rcode(3)
    s.sendto(r.to_wire(), peer)
"""


def _web(name: str, namespace: str, replicas: int = 2) -> list[dict]:
    return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
             "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                      "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                          {"name": "c", "image": AGNHOST, "args": ["netexec", "--http-port=8080"],
                           "ports": [{"name": "http", "containerPort": 8080}]}]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
             "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}]


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        cp = "controlplane"
        address = kubectl("get", "node", cp, "-o", "jsonpath={.status.addresses[0].address}").stdout
        upstream = subprocess.Popen(["ip", "netns", "exec", f"{kubectl.name}-{cp}", sys.executable, "-c", UPSTREAM,
                                     address], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}},
                    *_web("web", "default"), *_web("api", "other"),
                    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
                     "spec": {"clusterIP": "None", "selector": {"app": "db"},
                              "ports": [{"name": "pg", "port": 5432, "targetPort": 5432}]}},
                    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "docs"},
                     "spec": {"type": "ExternalName", "externalName": "docs.example.test"}},
                    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db-0", "labels": {"app": "db"}},
                     "spec": {"hostname": "db-0", "subdomain": "db", "containers": [
                         {"name": "c", "image": AGNHOST, "args": ["netexec", "--http-port=5432"]}]}},
                    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
                     "spec": {"hostAliases": [{"ip": "10.1.2.3", "hostnames": ["legacy.internal"]}],
                              "containers": [{"name": "c", "image": "nicolaka/netshoot",
                                              "command": ["sleep", "3600"]}]}},
                    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "custom"},
                     "spec": {"dnsPolicy": "None", "dnsConfig": {"nameservers": ["10.96.0.10"],
                                                                 "searches": ["other.svc.cluster.local"],
                                                                 "options": [{"name": "ndots", "value": "2"}]},
                              "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}}]
            kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))
            kubectl.rolled_out()
            kubectl.rolled_out("other")
            kubectl("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=60s")
            # ready DNS pods are answered for once every node's kube-proxy has their endpoints (within a second);
            # the answer line itself, as the server's own line (10.96.0.10#53) is printed even when it refuses
            for pod in ("client", "custom"):
                wait(lambda: "Address: 10.96.0.1" in kubectl("exec", pod, "--", "nslookup",
                                                             "kubernetes.default.svc.cluster.local",
                                                             check=False).stdout.splitlines(), 30)
            yield kubectl
        finally:
            upstream.terminate()
            upstream.wait()


def sh(kubectl, pod: str, command: str, check: bool = False) -> str:
    return kubectl("exec", pod, "--", "sh", "-c", command, check=check).stdout.strip()


def dig(kubectl, *args: str) -> str:
    return sh(kubectl, "client", "dig +short +timeout=2 " + " ".join(args))


def ip_of(kubectl, kind: str, name: str, namespace: str = "default") -> str:
    path = "{.spec.clusterIP}" if kind == "svc" else "{.status.podIP}"
    return kubectl("-n", namespace, "get", kind, name, "-o", f"jsonpath={path}").stdout


def test_services_pods_and_the_specification_records(cluster):
    web, api = ip_of(cluster, "svc", "web"), ip_of(cluster, "svc", "api", "other")
    assert web in sh(cluster, "client", "nslookup web")
    assert f"{web}\tweb.default.svc.cluster.local" in sh(cluster, "client", "getent hosts web").replace("  ", "\t") \
        or sh(cluster, "client", "getent hosts web").split()[0] == web
    assert sh(cluster, "client", "host api.other").endswith(f"has address {api}")
    assert sh(cluster, "client", "curl -s --max-time 3 http://api.other.svc.cluster.local/hostname").startswith("api-")
    assert dig(cluster, "web.default.svc.cluster.local") == web
    assert dig(cluster, "SRV", "_http._tcp.web.default.svc.cluster.local") == \
        "0 100 80 web.default.svc.cluster.local."
    assert dig(cluster, "-x", web) == "web.default.svc.cluster.local."
    db0 = ip_of(cluster, "pod", "db-0")
    assert dig(cluster, "db.default.svc.cluster.local") == db0  # headless: the endpoints themselves
    assert dig(cluster, "db-0.db.default.svc.cluster.local") == db0  # hostname + subdomain
    assert dig(cluster, "SRV", "_pg._tcp.db.default.svc.cluster.local") == \
        "0 100 5432 db-0.db.default.svc.cluster.local."
    assert dig(cluster, "-x", db0) == "db-0.db.default.svc.cluster.local."
    assert dig(cluster, f"{db0.replace('.', '-')}.default.pod.cluster.local") == db0
    assert dig(cluster, "CNAME", "docs.default.svc.cluster.local") == "docs.example.test."
    assert dig(cluster, "TXT", "dns-version.cluster.local") == '"1.1.0"'
    missing = sh(cluster, "client", "dig +timeout=2 nothere.default.svc.cluster.local")
    assert "status: NXDOMAIN" in missing and "IN\tSOA\tns.dns.cluster.local." in missing
    empty = sh(cluster, "client", "dig +timeout=2 default.svc.cluster.local")
    assert "status: NOERROR" in empty and "ANSWER: 0" in empty  # a namespace exists but holds no address
    assert "status: NXDOMAIN" in sh(cluster, "client", "dig +timeout=2 nope.svc.cluster.local")
    assert "flags: qr aa rd" in sh(cluster, "client", "dig +tcp +timeout=2 web.default.svc.cluster.local")


def test_names_outside_the_cluster_go_upstream(cluster):
    assert dig(cluster, "www.example.test") == "192.0.2.80"
    assert "status: NXDOMAIN" in sh(cluster, "client", "dig +timeout=2 unknown.invalid")


def test_pod_dns_settings(cluster):
    resolv = sh(cluster, "client", "cat /etc/resolv.conf")
    assert resolv.splitlines() == ["search default.svc.cluster.local svc.cluster.local cluster.local",
                                   "nameserver 10.96.0.10", "options ndots:5"]
    assert sh(cluster, "custom", "cat /etc/resolv.conf").splitlines() == [
        "search other.svc.cluster.local", "nameserver 10.96.0.10", "options ndots:2"]
    assert ip_of(cluster, "svc", "api", "other") in sh(cluster, "custom", "nslookup api")
    assert "10.1.2.3\tlegacy.internal" in sh(cluster, "client", "cat /etc/hosts")
    assert "db-0.db.default.svc.cluster.local" in sh(cluster, "db-0", "cat /etc/hosts")
    assert sh(cluster, "db-0", "hostname") == "db-0"


def test_answers_follow_changes_within_a_second(cluster):
    cluster("create", "service", "clusterip", "late", "--tcp=80:80")
    started = time.monotonic()
    ip = ip_of(cluster, "svc", "late")
    wait(lambda: dig(cluster, "late.default.svc.cluster.local") == ip, 5)
    assert time.monotonic() - started < 2.5  # including kubectl's and dig's own time
    cluster("delete", "service", "late")
    wait(lambda: dig(cluster, "late.default.svc.cluster.local") == "", 5)


def test_large_answers_are_truncated_over_udp_and_complete_over_tcp(cluster):
    addresses = [f"10.244.200.{i}" for i in range(1, 61)]
    cluster("apply", "-f", "-", input=yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "many"},
         "spec": {"clusterIP": "None", "ports": [{"name": "x", "port": 80}]}},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
         "metadata": {"name": "many-1", "labels": {"kubernetes.io/service-name": "many"}},
         "addressType": "IPv4", "ports": [{"name": "x", "port": 80}],
         "endpoints": [{"addresses": [a]} for a in addresses]}]))
    wait(lambda: dig(cluster, "+tcp", "many.default.svc.cluster.local") != "", 5)
    udp = sh(cluster, "client", "dig +noedns +notcp +ignore +timeout=2 many.default.svc.cluster.local")
    assert "flags: qr aa tc rd" in udp
    assert sorted(dig(cluster, "many.default.svc.cluster.local").split()) == sorted(addresses)  # dig retries on TCP
    cluster("delete", "service", "many")
    cluster("delete", "endpointslice", "many-1")


def test_corefile_edits_reload_and_a_bad_edit_keeps_serving(cluster):
    def corefile() -> dict:
        return json.loads(cluster("-n", "kube-system", "get", "configmap", "coredns", "-o", "json").stdout)

    cm = corefile()
    original = cm["data"]["Corefile"]
    cm["data"]["Corefile"] = original.replace("    ready\n", "    ready\n    hosts {\n       10.9.9.9 office.lan\n"
                                              "       fallthrough\n    }\n")
    web = ip_of(cluster, "svc", "web")
    # both replicas reload at about the same time: a cluster name answers every tenth of a second throughout,
    # from before the edit until a little after the new configuration serves
    loop = ("n=0; for i in $(seq 400); do echo \"$(dig +short +timeout=1 +tries=1 web.default.svc.cluster.local)\"; "
            "[ \"$(dig +short +timeout=1 +tries=1 office.lan)\" = 10.9.9.9 ] && n=$((n+1)); [ $n -ge 40 ] && break; "
            "sleep 0.1; done")
    env = {**os.environ, "KUBECONFIG": str(cluster.state / "kubeconfig")}
    probe = subprocess.Popen(["kubectl", "exec", "client", "--", "sh", "-c", loop], env=env, stdout=subprocess.PIPE,
                             text=True)
    # and neither replica leaves the Service while it reloads (each would be NotReady for seconds otherwise)
    readiness = subprocess.Popen(["kubectl", "-n", "kube-system", "get", "endpointslices", "-w", "-l",
                                  "kubernetes.io/service-name=kube-dns", "-o",
                                  "jsonpath={.endpoints[*].conditions.ready}{\"\\n\"}"],
                                 env=env, stdout=subprocess.PIPE, text=True)
    cluster("apply", "-f", "-", input=json.dumps(cm))
    answers = probe.communicate(timeout=120)[0].splitlines()
    readiness.terminate()
    states = readiness.communicate()[0].splitlines()
    assert dig(cluster, "office.lan") == "10.9.9.9"
    assert answers and answers == [web] * len(answers), [a for a in answers if a != web]
    assert states and all(line.split() == ["true", "true"] for line in states), states
    cm = corefile()
    cm["data"]["Corefile"] = cm["data"]["Corefile"].replace("    loadbalance\n", "    loadbalnce\n")
    cluster("apply", "-f", "-", input=json.dumps(cm))
    wait(lambda: "unknown directive 'loadbalnce'" in cluster("-n", "kube-system", "logs", "-l", "k8s-app=kube-dns",
                                                            "--tail=-1").stdout, 40)
    assert dig(cluster, "office.lan") == "10.9.9.9"  # the last good configuration still serves
    cm = corefile()
    cm["data"]["Corefile"] = original
    cluster("apply", "-f", "-", input=json.dumps(cm))
    wait(lambda: dig(cluster, "office.lan") == "", 40)  # reloaded before the next test


def test_dns_keeps_answering_while_a_replica_is_deleted(cluster):
    pods = cluster("-n", "kube-system", "get", "pods", "-l", "k8s-app=kube-dns", "-o",
                   "jsonpath={.items[*].metadata.name}").stdout.split()
    assert len(pods) == 2
    web = ip_of(cluster, "svc", "web")
    cluster("-n", "kube-system", "delete", "pod", pods[0], "--wait=false")
    answers = [dig(cluster, "web.default.svc.cluster.local") for _ in range(15)]
    assert answers == [web] * 15, answers  # the deleted one answers through its lameduck, then is gone
    cluster("-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=60s")
