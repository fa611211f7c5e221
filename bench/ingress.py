"""Ingress: how soon a change serves, what 1,000 hosts cost to render and reload, and nginx's throughput.

A 3-node cluster with the ingress-nginx controller and one backend (the
`nginx` image, so the backend is not the bottleneck). From the controlplane
node (which reaches both the controller's LoadBalancer address and pod IPs):
- 100 Ingresses created one at a time; for each, the time from `kubectl apply`
  returning until its host answers 200 through the controller (p50, p99);
- 1,000 Ingress hosts applied at once: the controller's own render and
  check+reload times from its log, and the time until the last host serves;
- wrk (2 threads, 32 connections, 8 s) through the controller beside wrk
  straight to the backend pod, and their ratio.
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
HOSTS = int(os.environ.get("HOSTS", "1000"))
os.environ.setdefault("KINNS_USER_KUBECONFIG", "/tmp/kinns-bench-kubeconfig")


def ingress(name: str, host: str) -> dict:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": name},
            "spec": {"rules": [{"host": host, "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {
                "service": {"name": "web", "port": {"number": 80}}}}]}}]}}


def main() -> None:
    with web_cluster("kbenchingress") as (kubectl, node):
        kubectl("wait", "--for=condition=Ready", "pod", "-l", "app=web", "--timeout=60s")
        kubectl("-n", "ingress-nginx", "wait", "--for=condition=Ready", "pod", "--all", "--timeout=60s")
        kubectl("apply", "-f", "-", input=json.dumps(ingress("bench", "bench.example")))
        address = ""
        while not address:
            address = kubectl("get", "ingress", "bench", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")
            time.sleep(0.1)
        serving(node, address, "bench.example")
        print(f"a new Ingress serves after      {change_delays(kubectl, node, address, ingress, CHANGES)}")
        start = time.monotonic()
        kubectl("apply", "-f", "-", input=yaml.safe_dump_all([ingress(f"host-{i}", f"host-{i}.example")
                                                              for i in range(HOSTS)]))
        serving(node, address, f"host-{HOSTS - 1}.example")
        took = time.monotonic() - start
        log = kubectl("-n", "ingress-nginx", "logs", "deploy/ingress-nginx-controller")
        last = re.findall(r"configuration of (\d+) hosts .*rendered in ([\d.]+) ms, checked and loaded in ([\d.]+) ms",
                          log)[-1]
        print(f"{HOSTS} more Ingress hosts         all serving after {took:5.2f} s; the last configuration "
              f"({last[0]} hosts): render {float(last[1]):.1f} ms, nginx -t + reload {float(last[2]):.1f} ms")
        print(f"wrk through the controller      {proxy_ratio(kubectl, node, address)}")

if __name__ == "__main__":
    main()
