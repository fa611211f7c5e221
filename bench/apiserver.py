"""API server: `kubectl get` over 1,000 objects, create latency, watch delay — beside the goals.

Starts its own one-node cluster, talks HTTPS with the admin certificate
(http.client, one kept-alive connection), and times the real kubectl.
"""

import http.client
import json
import os
import ssl
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinns import cluster as lifecycle  # noqa: E402
from kinns.cluster import ClusterRecord  # noqa: E402

OBJECTS = 1000
os.environ.setdefault("KINNS_USER_KUBECONFIG", "/tmp/kinns-bench-kubeconfig")


def connection(cluster: ClusterRecord) -> http.client.HTTPSConnection:
    pki = cluster.node("controlplane").file("/etc/kubernetes/pki")
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    return http.client.HTTPSConnection(cluster.node("controlplane").ip, 6443, context=ctx)


def request(conn: http.client.HTTPSConnection, method: str, path: str, body: dict | None = None) -> dict:
    conn.request(method, path, body=json.dumps(body) if body else None,
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    data = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {data[:200]!r}")
    return json.loads(data)


def main() -> None:
    cluster = lifecycle.up("kbenchapi", nodes=1, dns_upstream="controlplane")  # DNS never leaves the machine
    try:
        conn = connection(cluster)
        request(conn, "POST", "/api/v1/namespaces", {"metadata": {"name": "bench"}})
        latencies = []
        start = time.perf_counter()
        for i in range(OBJECTS):
            t = time.perf_counter()
            request(conn, "POST", "/api/v1/namespaces/bench/configmaps",
                    {"metadata": {"name": f"cm-{i:04d}", "labels": {"app": "bench"}}, "data": {"k": str(i)}})
            latencies.append(time.perf_counter() - t)
        took = time.perf_counter() - start
        latencies.sort()
        p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000
        print(f"{OBJECTS} creates                     {OBJECTS / took * 60:8.0f}/min  p50 {p50:.1f} ms  "
              f"p99 {p99:.1f} ms   (goal: 1,000/min sustained, p99 < 50 ms)")
        env = {**os.environ, "KUBECONFIG": str(cluster.state_dir / "kubeconfig")}
        runs = []
        for _ in range(5):
            t = time.perf_counter()
            out = subprocess.run(["kubectl", "get", "cm", "-n", "bench"], env=env, capture_output=True, text=True)
            runs.append(time.perf_counter() - t)
            assert sum(line.startswith("cm-") for line in out.stdout.splitlines()) == OBJECTS, out.stderr
        base = []
        for _ in range(5):
            t = time.perf_counter()
            subprocess.run(["kubectl", "get", "ns"], env=env, capture_output=True)
            base.append(time.perf_counter() - t)
        print(f"kubectl get cm ({OBJECTS} objects)     {statistics.median(runs) * 1000:8.0f} ms   "
              f"(goal < 300 ms; kubectl get ns with 5 objects: {statistics.median(base) * 1000:.0f} ms)")
        delays = []
        for i in range(20):
            watch = connection(cluster)
            rv = request(conn, "GET", "/api/v1/namespaces/bench/configmaps?limit=1")["metadata"]["resourceVersion"]
            watch.request("GET", f"/api/v1/namespaces/bench/configmaps?watch=1&resourceVersion={rv}")
            stream = watch.getresponse()
            seen = threading.Event()

            def reader() -> None:
                stream.readline()  # chunked: http.client decodes it; one event per line
                seen.set()

            thread = threading.Thread(target=reader, daemon=True)
            thread.start()
            time.sleep(0.02)
            t = time.perf_counter()
            request(conn, "POST", "/api/v1/namespaces/bench/configmaps", {"metadata": {"name": f"watch-{i}"}})
            seen.wait(5)
            delays.append(time.perf_counter() - t)
            watch.close()
        print(f"watch sees a create             median {statistics.median(delays) * 1000:6.1f} ms  "
              f"max {max(delays) * 1000:.1f} ms   (goal < 50 ms; includes the create's own round trip)")
    finally:
        lifecycle.down(cluster)


if __name__ == "__main__":
    main()
