"""ingress-nginx's upstream bare-metal manifest: from `kubectl apply` to the first request routed by an Ingress
through the controller's NodePort, on a fresh bare cluster networked by Weave, each time. The Ingress is created
as soon as the admission webhook accepts it (before that the API server cannot call the webhook, and with
failurePolicy Fail it refuses the Ingress), then the NodePort is asked until it answers from the backend.

Reference, same run: a new Ingress to its first routed request on a running controller (the upstream one, once
up, and kinns's own on a default `kinns up` cluster). Medians of RUNS runs; manifests are the offline copies
beside the project (../shared/fixtures/upstream), unmodified; kubectl is the pinned one in .venv/bin.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "fixtures" / "upstream"
WEAVE = UPSTREAM / "weave-net-v2.8.1" / "weave-daemonset-k8s-1.11.yaml"
INGRESS_NGINX = UPSTREAM / "ingress-nginx-v1.15.1" / "baremetal-deploy.yaml"
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
RUNS = 3
NAME = "kbenching"


def kinns(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "kinns.cli.main", *args, "--name", NAME], check=True, capture_output=True,
                   cwd=ROOT)


def kubectl(*args: str, input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "KUBECONFIG": f"/run/kinns/{NAME}/kubeconfig",
           "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(["kubectl", *args], check=check, capture_output=True, text=True, env=env, input=input)


PATHS = {"first": "/hostname", "second": "/clientip"}  # paths agnhost's netexec answers with 200


def ingress(name: str) -> str:
    return json.dumps({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name},
                       "spec": {"ingressClassName": "nginx", "rules": [{"http": {"paths": [{
                           "path": PATHS[name], "pathType": "Exact",
                           "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}})


def routed(url: str, deadline: float) -> None:
    """Until `url`, asked from node01, answers 200 from agnhost's netexec."""
    while time.perf_counter() < deadline:
        out = subprocess.run(["ip", "netns", "exec", f"{NAME}-node01", "curl", "-s", "-o", "/dev/null", "-m", "1",
                              "-w", "%{http_code}", url], capture_output=True, text=True).stdout
        if out == "200":
            return
        time.sleep(0.02)
    raise RuntimeError(f"{url}: not routed in time")


def backend() -> None:
    kubectl("create", "deployment", "web", f"--image={AGNHOST}", "--", "/agnhost", "netexec", "--http-port=8080")
    kubectl("expose", "deployment", "web", "--port=80", "--target-port=8080")
    kubectl("rollout", "status", "deployment/web", "--timeout=90s")


def address(namespace: str, service: str) -> str:
    """node02's address and the Service's http NodePort."""
    nodes = json.loads(kubectl("get", "nodes", "-o", "json").stdout)["items"]
    ip = next(a["address"] for n in nodes if n["metadata"]["name"] == "node02" for a in n["status"]["addresses"]
              if a["type"] == "InternalIP")
    port = kubectl("-n", namespace, "get", "svc", service, "-o",
                   "jsonpath={.spec.ports[?(@.name=='http')].nodePort}").stdout
    return f"http://{ip}:{port}"


def new_ingress_routed(name: str, base: str) -> float:
    start = time.perf_counter()
    kubectl("apply", "-f", "-", input=ingress(name))
    routed(base + PATHS[name], start + 30)
    return time.perf_counter() - start


def upstream_run() -> tuple[float, float]:
    kinns("up", "--bare", "--dns-upstream", "controlplane")
    try:
        kubectl("apply", "-f", str(WEAVE))
        kubectl("-n", "kube-system", "rollout", "status", "daemonset/weave-net", "--timeout=90s")
        backend()
        start = time.perf_counter()
        kubectl("apply", "-f", str(INGRESS_NGINX))
        while kubectl("apply", "-f", "-", input=ingress("first"), check=False).returncode:
            if time.perf_counter() - start > 120:
                raise RuntimeError("the webhook never accepted the Ingress")
            time.sleep(0.1)
        base = address("ingress-nginx", "ingress-nginx-controller")
        routed(base + PATHS["first"], start + 120)
        first = time.perf_counter() - start
        return first, new_ingress_routed("second", base)
    finally:
        kinns("down")


def own_run() -> float:
    kinns("up", "--dns-upstream", "controlplane")
    try:
        kubectl("-n", "ingress-nginx", "rollout", "status", "deployment/ingress-nginx-controller", "--timeout=90s")
        backend()
        return new_ingress_routed("second", address("ingress-nginx", "ingress-nginx-controller"))
    finally:
        kinns("down")


def main() -> None:
    upstream = [upstream_run() for _ in range(RUNS)]
    own = [own_run() for _ in range(RUNS)]
    firsts, seconds = [u[0] for u in upstream], [u[1] for u in upstream]
    print(f"apply ingress-nginx v1.15.1 -> first routed request  {statistics.median(firsts):6.2f} s   "
          f"(runs: {', '.join(f'{t:.2f}' for t in firsts)})")
    print(f"  reference: new Ingress -> routed, upstream controller {statistics.median(seconds):6.2f} s; "
          f"kinns's own controller {statistics.median(own):.2f} s")


if __name__ == "__main__":
    main()
