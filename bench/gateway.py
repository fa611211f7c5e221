"""Gateway API: how soon a change serves, what 1,000 routes cost, and nginx's throughput through a Gateway.

A 3-node cluster with the Gateway controller, one Gateway (its own nginx data
plane) and one backend (the `nginx` image, so the backend is not the
bottleneck). From the controlplane node (which reaches the Gateway's
LoadBalancer address and pod IPs):
- 100 HTTPRoutes created one at a time; for each, the time from `kubectl apply`
  returning until its host answers 200 through the Gateway (p50, p99);
- 1,000 HTTPRoutes (a host each) applied at once: the time until the last one
  serves, and the controller's reconcile time from its log;
- wrk (2 threads, 32 connections, 8 s) through the Gateway beside wrk straight
  to the backend pod, and their ratio.
"""

import json
import os
import re
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import change_delays, proxy_ratio, serving, web_cluster  # noqa: E402  (bench/harness.py)

CHANGES = int(os.environ.get("CHANGES", "100"))
ROUTES = int(os.environ.get("ROUTES", "1000"))
os.environ.setdefault("KINNS_USER_KUBECONFIG", "/tmp/kinns-bench-kubeconfig")
GW = "gateway.networking.k8s.io/v1"


def route(name: str, host: str) -> dict:
    return {"apiVersion": GW, "kind": "HTTPRoute", "metadata": {"name": name},
            "spec": {"parentRefs": [{"name": "bench"}], "hostnames": [host],
                     "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}


def main() -> None:
    with web_cluster("kbenchgateway") as (kubectl, node):
        kubectl("apply", "-f", "-", input=json.dumps({
            "apiVersion": GW, "kind": "Gateway", "metadata": {"name": "bench"},
            "spec": {"gatewayClassName": "nginx", "listeners": [{"name": "http", "port": 80, "protocol": "HTTP"}]}}))
        kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=web", "--timeout=60s")
        kubectl("wait", "--for=condition=Programmed", "gateway/bench", "--timeout=60s")
        address = kubectl("get", "gateway", "bench", "-o", "jsonpath={.status.addresses[0].value}")
        kubectl("apply", "-f", "-", input=json.dumps(route("bench", "bench.example")))
        serving(node, address, "bench.example")
        print(f"a new HTTPRoute serves after    {change_delays(kubectl, node, address, route, CHANGES)}")
        start = time.monotonic()
        kubectl("apply", "-f", "-", input=yaml.safe_dump_all([route(f"host-{i}", f"host-{i}.example")
                                                              for i in range(ROUTES)]))
        applied = time.monotonic() - start
        serving(node, address, f"host-{ROUTES - 1}.example")
        took = time.monotonic() - start
        time.sleep(2)  # the last statuses and log lines
        log = kubectl("-n", "nginx-gateway", "logs", "deploy/nginx-gateway")
        render = re.findall(r"(\d+) servers rendered in ([\d.]+) ms, nginx -t in ([\d.]+) ms", log)[-1]
        plane = kubectl("logs", "deploy/bench-nginx")
        loaded = re.findall(r"configuration of (\d+) bytes checked and loaded in ([\d.]+) ms", plane)[-1]
        print(f"{ROUTES} more HTTPRoutes             all serving after {took:5.2f} s (kubectl apply itself "
              f"{applied:5.2f} s); the last configuration ({render[0]} servers, {int(loaded[0]) // 1024} KiB): "
              f"render {float(render[1]):.1f} ms, nginx -t {float(render[2]):.1f} ms in the controller, nginx -t + "
              f"reload {float(loaded[1]):.1f} ms in the data plane")
        print(f"wrk through the Gateway         {proxy_ratio(kubectl, node, address)}")

if __name__ == "__main__":
    main()
