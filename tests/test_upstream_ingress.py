"""Bring your own Ingress and Gateway controller: ingress-nginx's upstream bare-metal manifest and NGINX Gateway
Fabric 1.6.1 in the course's three steps, applied unmodified on a bare cluster networked by Weave, waited for as
their docs wait, with real traffic through their NodePorts, ingress-nginx's admission webhook refusing what it
refuses, and nothing of either left once it is deleted."""

import json
import subprocess
import time
from pathlib import Path

import pytest
from conftest import kube_cluster, wait

pytestmark = pytest.mark.kernel

UPSTREAM = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "upstream"
WEAVE = UPSTREAM / "weave-net-v2.8.1" / "weave-daemonset-k8s-1.11.yaml"
INGRESS_NGINX = UPSTREAM / "ingress-nginx-v1.15.1" / "baremetal-deploy.yaml"
NGF_STEPS = [UPSTREAM / "gateway-api-v1.2.0" / "standard-crds.yaml", UPSTREAM / "nginx-gateway-fabric-v1.6.1" /
             "crds.yaml", UPSTREAM / "nginx-gateway-fabric-v1.6.1" / "nodeport-deploy.yaml"]
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
REFUSED = 'admission webhook "validate.nginx.ingress.kubernetes.io" denied the request: '


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster("--bare") as kubectl:
        kubectl("apply", "-f", str(WEAVE))
        kubectl("-n", "kube-system", "rollout", "status", "daemonset/weave-net", "--timeout=90s")
        for app in ("wear", "video"):
            kubectl("create", "deployment", app, f"--image={AGNHOST}", "--", "/agnhost", "netexec", "--http-port=8080")
            kubectl("expose", "deployment", app, "--port=80", "--target-port=8080")
        kubectl.rolled_out()
        yield kubectl


def _ingress(name: str, path: str, service: str, host: str = "", annotations: dict | None = None,
             default: str = "") -> str:
    rule = {"http": {"paths": [{"path": path, "pathType": "ImplementationSpecific" if "(" in path else "Prefix",
                                "backend": {"service": {"name": service, "port": {"number": 80}}}}]}}
    if host:
        rule["host"] = host
    spec: dict = {"ingressClassName": "nginx", "rules": [rule]}
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"number": 80}}}
    return json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                       "metadata": {"name": name, "annotations": annotations or {}}, "spec": spec})


def _in_node(cluster, node: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", f"{cluster.name}-{node}", *argv], capture_output=True, text=True)


def _curl(cluster, url: str, *extra: str) -> str:
    """`curl` from node01's own network namespace: the HTTP status, a space, the body."""
    out = _in_node(cluster, "node01", "curl", "-s", "-m", "3", "-w", " %{http_code}", *extra, url).stdout
    body, _, code = out.rpartition(" ")
    return f"{code} {body}"


def _left(cluster, namespace: str = "ingress-nginx") -> list[str]:
    """nginx processes (and a shared PID namespace's holder) in this cluster's pods, and the rules of the
    controller's NodePort, still there."""
    found = []
    for pid in Path("/proc").iterdir():
        try:
            argv = (pid / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if argv.startswith(("nginx:", "unshare --pid")) and cluster.name in subprocess.run(
                    ["ip", "netns", "identify", pid.name], capture_output=True, text=True).stdout:
                found.append(f"process {pid.name}: {argv}")
        except (OSError, ValueError):
            continue
    for node in ("node01", "node02"):
        rules = (_in_node(cluster, node, "iptables-save").stdout
                 + _in_node(cluster, node, "nft", "list", "ruleset").stdout)
        found += [f"{node}: {line.strip()}" for line in rules.splitlines() if f"{namespace}/" in line]
    return found


def test_ingress_nginx_from_its_upstream_manifest(cluster):
    started = time.monotonic()
    cluster("apply", "-f", str(INGRESS_NGINX))
    cluster("wait", "--namespace", "ingress-nginx", "--for=condition=ready", "pod",
            "--selector=app.kubernetes.io/component=controller", "--timeout=120s")
    print(f"ready {time.monotonic() - started:.1f} s after apply")
    # kube-webhook-certgen's Jobs made the Secret and patched the webhook, then went (ttlSecondsAfterFinished: 0)
    secret = json.loads(cluster("-n", "ingress-nginx", "get", "secret", "ingress-nginx-admission", "-o", "json").stdout)
    assert sorted(secret["data"]) == ["ca", "cert", "key"]
    hook = json.loads(cluster("get", "validatingwebhookconfiguration", "ingress-nginx-admission", "-o", "json")
                      .stdout)["webhooks"][0]
    assert hook["clientConfig"]["caBundle"] == secret["data"]["ca"] and hook["failurePolicy"] == "Fail"
    wait(lambda: not cluster("-n", "ingress-nginx", "get", "jobs", "-o", "name").stdout.strip(), 30)
    pod = json.loads(cluster("-n", "ingress-nginx", "get", "pods", "-l", "app.kubernetes.io/component=controller",
                             "-o", "json").stdout)["items"][0]
    lease = cluster("-n", "ingress-nginx", "get", "lease", "ingress-nginx-leader", "-o",
                    "jsonpath={.spec.holderIdentity}").stdout
    assert lease == pod["metadata"]["name"]
    logs = cluster("-n", "ingress-nginx", "logs", pod["metadata"]["name"]).stdout
    assert "ld.so" not in logs and "Permission denied" not in logs, logs

    wear = _ingress("wear", "/wear(/|$)(.*)", "wear",
                    annotations={"nginx.ingress.kubernetes.io/rewrite-target": "/$2"})
    # the webhook's Service reaches the API server's node once kube-proxy there has the new endpoint (~1 s)
    wait(lambda: cluster("apply", "-f", "-", input=wear, check=False).returncode == 0, 15)
    cluster("apply", "-f", "-", input=_ingress("video", "/hostname", "video", host="video.example", default="wear"))
    port = cluster("-n", "ingress-nginx", "get", "svc", "ingress-nginx-controller", "-o",
                   "jsonpath={.spec.ports[?(@.name=='http')].nodePort}").stdout
    node02 = next(a["address"] for n in json.loads(cluster("get", "nodes", "-o", "json").stdout)["items"]
                  if n["metadata"]["name"] == "node02" for a in n["status"]["addresses"] if a["type"] == "InternalIP")
    base = f"http://{node02}:{port}"
    wait(lambda: _curl(cluster, f"{base}/wear/hostname").startswith("200 wear-"), 20)  # rewritten to /hostname
    wait(lambda: _curl(cluster, f"{base}/hostname", "-H", "Host: video.example").startswith("200 video-"), 10)
    # no rule for that path on the host: the Ingress's defaultBackend (agnhost's /clientip answers); a host no
    # Ingress defines: ingress-nginx's own 404
    assert _curl(cluster, f"{base}/clientip", "-H", "Host: video.example").startswith("200 ")
    assert _curl(cluster, f"{base}/clientip", "-H", "Host: other.example").startswith("404")
    # the address is the node the controller runs on (no --publish-service), written by the Lease's holder
    node = pod["spec"]["nodeName"]
    address = next(a["address"] for n in json.loads(cluster("get", "nodes", "-o", "json").stdout)["items"]
                   if n["metadata"]["name"] == node for a in n["status"]["addresses"] if a["type"] == "InternalIP")
    wait(lambda: cluster("get", "ingress", "wear", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout
         == address, 20)

    # the webhook: a host and path already defined, an annotation ingress-nginx does not take; nothing stored
    dup = cluster("apply", "-f", "-", input=_ingress("dup", "/wear(/|$)(.*)", "video"), check=False)
    assert dup.returncode and REFUSED + 'host "_" and path "/wear(/|$)(.*)" is already defined in ingress ' \
        "default/wear" in dup.stderr, dup.stderr
    bad = cluster("apply", "-f", "-", check=False, input=_ingress(
        "bad", "/bad", "video", annotations={"nginx.ingress.kubernetes.io/proxy-body-size": "1m; include /etc"}))
    assert bad.returncode and REFUSED + "annotation nginx.ingress.kubernetes.io/proxy-body-size contains invalid " \
        "value" in bad.stderr, bad.stderr
    assert sorted(cluster("get", "ingress", "-o", "jsonpath={.items[*].metadata.name}").stdout.split()) == \
        ["video", "wear"]

    # a key of the controller's ConfigMap: bodies over proxy-body-size are refused (413)
    cluster("-n", "ingress-nginx", "patch", "configmap", "ingress-nginx-controller", "--type=merge",
            "-p", '{"data": {"proxy-body-size": "1k"}}')
    wait(lambda: _curl(cluster, f"{base}/wear/echo", "--data-binary", "x" * 4096).startswith("413"), 20)

    cluster("delete", "ingress", "wear", "video")
    started = time.monotonic()
    cluster("delete", "-f", str(INGRESS_NGINX), "--ignore-not-found", "--timeout=120s")  # the Jobs went already
    print(f"deleted in {time.monotonic() - started:.1f} s")
    wait(lambda: cluster("get", "namespace", "ingress-nginx", check=False).returncode != 0, 60)
    assert not _left(cluster)


def test_nginx_gateway_fabric_1_6_in_the_courses_three_steps(cluster):
    for step in NGF_STEPS:
        cluster("apply", "-f", str(step))
    cluster("-n", "nginx-gateway", "rollout", "status", "deployment/nginx-gateway", "--timeout=90s")
    assert cluster("get", "gatewayclass", "nginx", "-o", "jsonpath={.spec.controllerName}").stdout == \
        "gateway.nginx.org/nginx-gateway-controller"
    wait(lambda: cluster("get", "gatewayclass", "nginx", "-o",
                         "jsonpath={.status.conditions[?(@.type=='Accepted')].status}").stdout == "True", 20)
    gateway = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "gw"},
               "spec": {"gatewayClassName": "nginx", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]}}
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "wear"},
             "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["wear.example"],
                      "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                                 "backendRefs": [{"name": "wear", "port": 80}]}]}}
    cluster("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [gateway, route]}))
    cluster("wait", "--for=condition=Programmed", "gateway/gw", "--timeout=60s")
    pod = json.loads(cluster("-n", "nginx-gateway", "get", "pods", "-o", "json").stdout)["items"][0]
    # the static mode's parts: the NginxGateway's Valid condition, the election Lease, one PID namespace
    assert cluster("-n", "nginx-gateway", "get", "nginxgateway", "nginx-gateway-config", "-o",
                   "jsonpath={.status.conditions[?(@.type=='Valid')].status}").stdout == "True"
    assert cluster("-n", "nginx-gateway", "get", "lease", "nginx-gateway-leader-election", "-o",
                   "jsonpath={.spec.holderIdentity}").stdout == pod["metadata"]["name"]
    ps = cluster("-n", "nginx-gateway", "exec", pod["metadata"]["name"], "-c", "nginx-gateway", "--",
                 "ps", "-eo", "user:12,args").stdout
    assert "nginx: master process" in ps, ps  # the nginx container's processes, seen from the controller's
    port = cluster("-n", "nginx-gateway", "get", "svc", "nginx-gateway", "-o",
                   "jsonpath={.spec.ports[?(@.name=='http')].nodePort}").stdout
    base = f"http://{pod['status']['hostIP']}:{port}"  # externalTrafficPolicy: Local, so the pod's own node
    wait(lambda: _curl(cluster, f"{base}/hostname", "-H", "Host: wear.example").startswith("200 wear-"), 20)
    assert _curl(cluster, f"{base}/hostname", "-H", "Host: nobody.example").startswith("404")

    cluster("delete", "gateway", "gw")
    cluster("delete", "httproute", "wear")
    for step in reversed(NGF_STEPS):
        # the Namespace, deleted first, may take its contents before kubectl reaches them (as on any cluster)
        cluster("delete", "-f", str(step), "--ignore-not-found", "--timeout=120s")
    wait(lambda: cluster("get", "namespace", "nginx-gateway", check=False).returncode != 0, 60)
    wait(lambda: not _left(cluster, "nginx-gateway"), 10)


def test_gateway_api_1_5_standard_crds_apply_with_their_admission_policy(cluster):
    crds = UPSTREAM / "gateway-api-v1.5.1" / "standard-crds.yaml"
    cluster("apply", "-f", str(crds))
    for kind in ("gatewayclasses", "gateways", "httproutes", "grpcroutes", "tlsroutes", "listenersets",
                 "backendtlspolicies", "referencegrants"):
        cluster("wait", "--for=condition=Established", f"crd/{kind}.gateway.networking.k8s.io", "--timeout=30s")
    # the bundle's ValidatingAdmissionPolicy refuses an older bundle over it, and leaves the CRDs as they are
    older = cluster("apply", "-f", str(NGF_STEPS[0]), check=False)
    assert older.returncode and "ValidatingAdmissionPolicy 'safe-upgrades.gateway.networking.k8s.io' with binding " \
        "'safe-upgrades.gateway.networking.k8s.io' denied request: Installing CRDs with version before v1.5.0 is " \
        "prohibited by default." in older.stderr, older.stderr
    assert cluster("get", "crd", "gateways.gateway.networking.k8s.io", "-o",
                   r"jsonpath={.metadata.annotations.gateway\.networking\.k8s\.io/bundle-version}").stdout == "v1.5.1"
    cluster("delete", "-f", str(crds), "--timeout=60s")
