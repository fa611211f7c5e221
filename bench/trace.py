"""`kinns trace` wall time, pod -> Service across nodes, beside what its parts cost alone in the same run.

A 3-node cluster: the client pod on node01, the Service's two endpoints on node02. The trace (`kinns trace client
web`, DNS lookup included) runs RUNS times as a user runs it (a new process each time), then RUNS times as a
call in one process (the trace without the interpreter's and the CLI's start-up); its wall time is
compared with the floor of the same steps done by hand in the same namespaces: one `nft -f` adding a table and
one `nft monitor trace` started and stopped per namespace the trace listens in, the same TCP SYN sent from the
client pod (`ip netns exec ... python3 -c connect`), and `kubectl get pods,svc,endpointslices` for the reads.
"""

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # the repository, not bench/ (whose dns.py is not dnspython)

from bench.harness import kubectl_for  # noqa: E402

from kinns import cluster as lifecycle  # noqa: E402
from kinns import trace as tracing  # noqa: E402
from kinns.node.kubelet import sandbox  # noqa: E402

RUNS = 20
CONNECT = "import socket; s = socket.socket(); s.settimeout(1); s.connect(('{ip}', 80)); s.close()"


def pod(name: str, node: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"nodeName": node, "containers": [{"name": "c", "image": "kinns/echo",
                                                       "ports": [{"containerPort": 8080}]}]}}


def timed(argv: list[str]) -> float:
    start = time.monotonic()
    subprocess.run(argv, check=True, capture_output=True)
    return time.monotonic() - start


def by_hand(netns: list[str], client_ns: str, service_ip: str, kubectl) -> float:
    """The trace's kernel and API work done by hand, once."""
    start = time.monotonic()
    kubectl("get", "pods,svc,endpointslices", "-A", "-o", "json")
    monitors = []
    for ns in netns:
        subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], check=True, text=True,
                       input="add table inet bench-trace\nadd chain inet bench-trace p { type filter hook prerouting "
                             "priority -301 ; }\n")
        monitors.append(subprocess.Popen(["ip", "netns", "exec", ns, "nft", "monitor", "trace"],
                                         stdout=subprocess.DEVNULL))
    subprocess.run(["ip", "netns", "exec", client_ns, sys.executable, "-c", CONNECT.format(ip=service_ip)], check=True)
    for m in monitors:
        m.terminate()
        m.wait()
    for ns in netns:
        subprocess.run(["ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "bench-trace"], check=True)
    return time.monotonic() - start


def main() -> None:
    cluster = lifecycle.up("kb-trace", dns_upstream="controlplane")
    kubectl = kubectl_for(cluster)
    try:
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            pod("client", "node01", {}), pod("web-1", "node02", {"app": "web"}),
            pod("web-2", "node02", {"app": "web"})]}))
        kubectl("create", "service", "clusterip", "web", "--tcp=80:8080")
        kubectl("wait", "--for=condition=ready", "pod", "--all", "--timeout=60s")
        time.sleep(2)
        service_ip = kubectl("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")
        client_ns = sandbox.get(cluster, "default", "client")["netns"]
        listened = [client_ns] + [n.netns for n in cluster.nodes] + \
            [sandbox.get(cluster, "default", p)["netns"] for p in ("web-1", "web-2")]
        argv = [sys.executable, "-m", "kinns.cli.main", "trace", "--name", cluster.name, "client", "web"]
        out = subprocess.run(argv + ["-o", "json"], capture_output=True, text=True)
        verdict = json.loads(out.stdout)["verdict"]
        assert verdict.startswith("delivered to default/web-"), out.stdout + out.stderr
        traces = sorted(timed(argv) for _ in range(RUNS))
        inside = []
        for _ in range(RUNS):
            start = time.monotonic()
            tracing.trace(cluster, "default", "client", "web")
            inside.append(time.monotonic() - start)
        inside.sort()
        hand = sorted(by_hand(listened, client_ns, service_ip, kubectl) for _ in range(RUNS))
        syn = sorted(timed(["ip", "netns", "exec", client_ns, sys.executable, "-c", CONNECT.format(ip=service_ip)])
                     for _ in range(RUNS))
        print(f"kinns trace client web (across nodes, {len(listened)} namespaces): p50 "
              f"{statistics.median(traces) * 1000:.0f} ms, p99 {traces[-1] * 1000:.0f} ms  ({verdict})")
        print(f"  of which the trace itself (in one process, without the CLI's start-up): p50 "
              f"{statistics.median(inside) * 1000:.0f} ms, p99 {inside[-1] * 1000:.0f} ms")
        print(f"  the same steps by hand (API read, nft table + monitor per netns, the SYN): p50 "
              f"{statistics.median(hand) * 1000:.0f} ms, p99 {hand[-1] * 1000:.0f} ms")
        print(f"  the SYN alone from the pod (a python3 process in its netns): p50 "
              f"{statistics.median(syn) * 1000:.0f} ms")
    finally:
        lifecycle.down(cluster)


if __name__ == "__main__":
    main()
