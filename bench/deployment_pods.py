"""100 pods of one Deployment: time until all Running with IPs, and until deletion frees every IP and netns.

Starts its own 3-node cluster; drives it with the real kubectl; prints each
figure beside the goal.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinns import cluster as lifecycle  # noqa: E402

PODS = 100
os.environ.setdefault("KINNS_USER_KUBECONFIG", "/tmp/kinns-bench-kubeconfig")


def main() -> None:
    cluster = lifecycle.up("kbenchpods", dns_upstream="controlplane")  # cluster DNS never leaves the machine
    env = {**os.environ, "KUBECONFIG": str(cluster.state_dir / "kubeconfig")}

    def kubectl(*args: str) -> str:
        return subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, check=True).stdout

    def pods() -> list[dict]:
        return json.loads(kubectl("get", "pods", "-l", "app=bench", "-o", "json"))["items"]

    def netns() -> int:
        return len([n for n in os.listdir("/run/netns") if n.startswith("kbenchpods-pod-")])

    def ips() -> int:
        return sum(len([f for f in os.listdir(node.file("/var/lib/cni/networks/kinns")) if f[0].isdigit()])
                   for node in cluster.nodes if node.file("/var/lib/cni/networks/kinns").exists())

    try:
        deadline = time.monotonic() + 30
        while "Ready" not in kubectl("get", "nodes") or kubectl("get", "nodes").count(" Ready ") < 3:
            if time.monotonic() > deadline:
                raise SystemExit("nodes did not become Ready")
            time.sleep(0.2)
        time.sleep(3)  # the add-on pods (coredns, kube-proxy, kinns-cni) settle first; they stay
        baseline = (netns(), ips())
        start = time.monotonic()
        kubectl("create", "deployment", "bench", "--image=registry.k8s.io/pause:3.10", f"--replicas={PODS}")
        while True:
            items = pods()
            up = [p for p in items if p["status"].get("phase") == "Running" and p["status"].get("podIP")]
            if len(up) == PODS:
                break
            time.sleep(0.25)
        took = time.monotonic() - start
        spread = {n: sum(1 for p in up if p["spec"]["nodeName"] == n) for n in ("node01", "node02")}
        print(f"{PODS} pods Running with IPs          {took:6.2f} s   (goal < 15 s on 2 cores; spread {spread})")
        start = time.monotonic()
        kubectl("delete", "deployment", "bench", "--wait=false")
        while pods() or (netns(), ips()) != baseline:
            time.sleep(0.25)
        print(f"deleted: every IP and netns freed  {time.monotonic() - start:6.2f} s   (goal < 15 s)")
    finally:
        lifecycle.down(cluster)


if __name__ == "__main__":
    main()
