"""Ingress end to end: the ingress-nginx controller pod renders real nginx config; requests from the host."""

import json
import subprocess

import pytest
import yaml

from conftest import certificate, kube_cluster, wait

pytestmark = pytest.mark.kernel


def _app(name: str) -> list[dict]:
    return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                      "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                          {"name": "echo", "image": "kinns/echo",
                           "ports": [{"name": "http", "containerPort": 8080}]}]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
             "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}}]


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        kubectl("apply", "-f", "-", input=yaml.safe_dump_all(_app("api") + _app("web")))
        kubectl.rolled_out()
        kubectl.rolled_out("ingress-nginx")
        yield kubectl


def get(address: str, host: str, path: str) -> tuple[int, str]:
    out = subprocess.run(["curl", "-s", "--max-time", "5", "-H", f"Host: {host}", "-w", "\n%{http_code}",
                          f"http://{address}{path}"], capture_output=True, text=True).stdout
    body, _, code = out.rpartition("\n")
    return int(code or 0), body


def landed(address: str, host: str, path: str) -> str:
    code, body = get(address, host, path)
    return json.loads(body)["pod"] if code == 200 else str(code)


def test_ingress_routes_by_host_and_path_from_the_host(cluster):
    assert "nginx" in cluster("get", "ingressclass").stdout
    cluster("create", "ingress", "shop", "--rule=shop.example/api*=api:80", "--rule=shop.example/*=web:80",
            "--rule=shop.example/api/health=web:80")
    address = ""

    def published() -> bool:
        nonlocal address
        address = cluster("get", "ingress", "shop", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout
        return bool(address)
    wait(published, 20)
    assert address in cluster("get", "ingress", "shop").stdout  # the ADDRESS column
    wait(lambda: landed(address, "shop.example", "/api/items").startswith("api-"), 10)
    assert landed(address, "shop.example", "/api").startswith("api-")
    assert landed(address, "shop.example", "/apiary").startswith("web-")  # Prefix matches whole elements
    assert landed(address, "shop.example", "/api/health").startswith("web-")  # Exact wins over Prefix
    assert landed(address, "shop.example", "/").startswith("web-")
    code, body = get(address, "other.example", "/")
    assert (code, body) == (404, "default backend - 404")
    echoed = json.loads(get(address, "shop.example", "/api/x?y=1")[1])
    assert echoed["path"] == "/api/x?y=1" and echoed["host"] == "shop.example"
    logs = cluster("-n", "ingress-nginx", "logs", "deploy/ingress-nginx-controller").stdout
    assert "backend reloaded" in logs or "nginx started" in logs
    port = cluster("-n", "ingress-nginx", "get", "svc", "ingress-nginx-controller", "-o",
                   "jsonpath={.spec.ports[?(@.name==\"http\")].nodePort}").stdout
    nodes = cluster("get", "nodes", "-o", "jsonpath={.items[*].status.addresses[0].address}").stdout.split()
    for node in nodes:  # the controller's NodePort on every node, from the host
        assert landed(f"{node}:{port}", "shop.example", "/api").startswith("api-")


def test_ingress_follows_endpoints_as_pods_come_and_go(cluster):
    address = cluster("get", "ingress", "shop", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout
    cluster("scale", "deployment", "api", "--replicas=2")
    cluster.rolled_out()
    names = set(cluster("get", "pods", "-l", "app=api", "-o", "jsonpath={.items[*].metadata.name}").stdout.split())
    seen: set[str] = set()
    wait(lambda: seen.add(landed(address, "shop.example", "/api")) or seen >= names, 15)
    cluster("scale", "deployment", "api", "--replicas=0")
    wait(lambda: landed(address, "shop.example", "/api") == "503", 15)


def test_tls_with_sni_redirects_and_rewrite_target(cluster, tmp_path):
    crt, key = certificate(tmp_path, "secure.example")
    cluster("create", "secret", "tls", "secure-tls", f"--cert={crt}", f"--key={key}")
    cluster("apply", "-f", "-", input=yaml.safe_dump({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "secure", "annotations": {"nginx.ingress.kubernetes.io/rewrite-target": "/$2"}},
        "spec": {"tls": [{"hosts": ["secure.example"], "secretName": "secure-tls"}],
                 "rules": [{"host": "secure.example", "http": {"paths": [
                     {"path": "/app(/|$)(.*)", "pathType": "ImplementationSpecific",
                      "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}))
    address = cluster("get", "ingress", "shop", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout

    def https(path: str) -> subprocess.CompletedProcess:
        return subprocess.run(["curl", "-s", "-v", "--max-time", "5", "--cacert", crt, "--resolve",
                               f"secure.example:443:{address}", f"https://secure.example{path}"],
                              capture_output=True, text=True)
    wait(lambda: https("/app/inside").returncode == 0, 15)
    reply = https("/app/inside")
    assert "subject: CN=secure.example" in reply.stderr  # SNI picked the Secret's certificate (and it verified)
    assert json.loads(reply.stdout)["path"] == "/inside"  # rewrite-target with the capture group
    code, _ = get(address, "secure.example", "/app/inside")
    assert code == 308  # plain HTTP to a TLS host is redirected
    other = subprocess.run(["curl", "-s", "-k", "-v", "--max-time", "5", "--resolve", f"nope.example:443:{address}",
                            "https://nope.example/"], capture_output=True, text=True)
    assert "Kubernetes Ingress Controller Fake Certificate" in other.stderr and "default backend - 404" in other.stdout


def test_canary_by_header_and_by_weight(cluster):
    cluster("create", "ingress", "stable", "--rule=canary.example/*=web:80")
    cluster("create", "ingress", "preview", "--rule=canary.example/*=api:80",
            "--annotation=nginx.ingress.kubernetes.io/canary=true",
            "--annotation=nginx.ingress.kubernetes.io/canary-by-header=X-Canary")
    cluster("scale", "deployment", "api", "--replicas=1")
    cluster.rolled_out()
    address = cluster("get", "ingress", "shop", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}").stdout

    def lands(headers: list[str]) -> str:
        args = [x for h in headers for x in ("-H", h)]
        out = subprocess.run(["curl", "-s", "--max-time", "5", "-H", "Host: canary.example", *args,
                              f"http://{address}/"], capture_output=True, text=True).stdout
        return json.loads(out)["pod"].split("-")[0] if out.startswith("{") else out

    wait(lambda: lands(["X-Canary: always"]) == "api", 15)
    assert {lands([]) for _ in range(10)} == {"web"}  # no header, weight 0: the main Ingress's backend
    cluster("annotate", "ingress", "preview", "nginx.ingress.kubernetes.io/canary-weight=100")
    wait(lambda: lands([]) == "api", 15)
    assert lands(["X-Canary: never"]) == "web"  # the header still overrides the weight
