"""API server: `kubectl get` over 1,000 objects, create latency, watch delay, 20 parallel clients for 60 s,
and what validation costs per create — beside the goals.

Starts its own one-node cluster, talks HTTPS with the admin certificate
(http.client, one kept-alive connection per client), and times the real
kubectl. The load part runs 20 threads, each a create / get / update /
list / delete cycle on its own ConfigMaps, and reads the control plane's
resident memory before, right after and 10 s after the load.
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
CLIENTS, LOAD_SECONDS = 20, 60
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


def rss_mb(cluster: ClusterRecord) -> float:
    """The control-plane process's resident memory (it serves the API and runs the controllers)."""
    pid = (cluster.state_dir / "apiserver.pid").read_text().strip()
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS for the control plane")


def client_loop(cluster: ClusterRecord, client: int, deadline: float, out: dict[str, list[float]]) -> None:
    """One client's cycles until `deadline`; each request's latency under its verb."""
    conn = connection(cluster)
    base = "/api/v1/namespaces/load/configmaps"

    def timed(verb: str, method: str, path: str, body: dict | None = None) -> dict:
        t = time.perf_counter()
        answer = request(conn, method, path, body)
        out.setdefault(verb, []).append(time.perf_counter() - t)
        return answer

    n = 0
    while time.perf_counter() < deadline:
        name = f"c{client:02d}-{n:05d}"
        body = {"metadata": {"name": name, "labels": {"client": str(client)}}, "data": {"n": str(n), "pad": "x" * 512}}
        made = timed("create", "POST", base, body)
        timed("get", "GET", f"{base}/{name}")
        made["data"]["n"] = f"{n}-updated"
        timed("update", "PUT", f"{base}/{name}", made)
        timed("list", "GET", f"{base}?labelSelector=client%3D{client}")
        timed("delete", "DELETE", f"{base}/{name}")
        n += 1
    conn.close()


def load(cluster: ClusterRecord, conn: http.client.HTTPSConnection) -> None:
    request(conn, "POST", "/api/v1/namespaces", {"metadata": {"name": "load"}})
    before = rss_mb(cluster)
    results: list[dict[str, list[float]]] = [{} for _ in range(CLIENTS)]
    deadline = time.perf_counter() + LOAD_SECONDS
    threads = [threading.Thread(target=client_loop, args=(cluster, i, deadline, results[i])) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = rss_mb(cluster)
    time.sleep(10)
    settled = rss_mb(cluster)
    every = sorted(x for r in results for xs in r.values() for x in xs)
    print(f"{CLIENTS} clients x {LOAD_SECONDS} s: {len(every)} requests ({len(every) / LOAD_SECONDS:.0f}/s)  "
          f"p50 {statistics.median(every) * 1000:.1f} ms  p99 {every[int(len(every) * 0.99)] * 1000:.1f} ms  "
          f"max {every[-1] * 1000:.0f} ms   (goal: max < 1 s)")
    for verb in ("create", "get", "update", "list", "delete"):
        xs = sorted(x for r in results for x in r.get(verb, []))
        print(f"  {verb:7s} {len(xs):6d}  p50 {statistics.median(xs) * 1000:6.1f} ms  "
              f"p99 {xs[int(len(xs) * 0.99)] * 1000:6.1f} ms  max {xs[-1] * 1000:6.0f} ms")
    print(f"control-plane memory: {before:.0f} MB before, {after:.0f} MB after, {settled:.0f} MB 10 s later   "
          f"(goal: flat)")


SAMPLES = {  # a typical object per kind, as kubectl create / a Deployment's pod template would send it
    ("", "configmaps"): {"metadata": {"name": "cm", "namespace": "d", "labels": {"app": "web"}},
                         "data": {"k": "v", "nginx.conf": "x" * 400}},
    ("", "services"): {"metadata": {"name": "web", "namespace": "d"},
                       "spec": {"selector": {"app": "web"}, "type": "NodePort", "clusterIP": "10.96.0.10",
                                "clusterIPs": ["10.96.0.10"], "ipFamilies": ["IPv4"], "sessionAffinity": "None",
                                "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP",
                                           "nodePort": 30080}]}},
    ("", "pods"): {"metadata": {"name": "web-1", "namespace": "d", "labels": {"app": "web"}},
                   "spec": {"restartPolicy": "Always", "dnsPolicy": "ClusterFirst", "terminationGracePeriodSeconds": 30,
                            "containers": [{"name": "web", "image": "nginx", "imagePullPolicy": "IfNotPresent",
                                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                                            "readinessProbe": {"httpGet": {"path": "/", "port": 80},
                                                               "periodSeconds": 1},
                                            "env": [{"name": "MODE", "value": "prod"}],
                                            "volumeMounts": [{"name": "conf", "mountPath": "/etc/nginx/conf.d"}]}],
                            "volumes": [{"name": "conf", "configMap": {"name": "cm"}}]}},
}


def validation_cost(conn: http.client.HTTPSConnection) -> None:
    """Validation's own time per create, in this process (the API server runs the same function), beside a
    create's whole round trip measured just before."""
    from kinns.apiserver.resources import Registry
    from kinns.apiserver.validation import validate

    registry, rounds = Registry(), 2000
    request(conn, "POST", "/api/v1/namespaces", {"metadata": {"name": "vcost"}})
    trips = []
    for i in range(300):
        t = time.perf_counter()
        request(conn, "POST", "/api/v1/namespaces/vcost/configmaps", {**SAMPLES[("", "configmaps")],
                                                                      "metadata": {"name": f"cm-{i}"}})
        trips.append(time.perf_counter() - t)
    trip = statistics.median(trips) * 1e6
    for (group, plural), obj in SAMPLES.items():
        resource = next(r for r in registry.resources.values() if r.group == group and r.plural == plural)
        t = time.perf_counter()
        for _ in range(rounds):
            validate(resource, obj)
        each = (time.perf_counter() - t) / rounds * 1e6
        print(f"validation of a {resource.kind:10s} {each:7.1f} µs per create   (a ConfigMap create's round trip: "
              f"{trip:.0f} µs; validation is {each / trip * 100:.1f}% of it)")


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
        validation_cost(conn)
        load(cluster, conn)
    finally:
        lifecycle.down(cluster)


if __name__ == "__main__":
    main()
