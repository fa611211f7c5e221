"""Cluster DNS throughput and latency: one kinns DNS process beside dnsmasq, same records, same run, with dnsperf.

A one-node cluster holds SERVICES Services. In the controlplane node's
netns, on loopback: kinns DNS (kubernetes plugin reading that cluster,
forward + cache for other names), dnsmasq serving the same names from a
hosts file (same upstream, its cache on), and a small upstream for the
external names. For each server and each query set (cluster names; cached
external names) dnsperf first finds the maximum rate (100 queries in
flight), then measures latency at half that rate (`-v`, every answer's
time), from which the p99 is taken. Memory: the kinns process's RSS
beside CoreDNS's published sizing formula, (pods + services) / 1000 + 54 MB.
"""

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinns import cluster as lifecycle  # noqa: E402

SERVICES = int(os.environ.get("SERVICES", "1000"))
SECONDS = int(os.environ.get("SECONDS_PER_RUN", "8"))
UPSTREAM = """
import socket, dns.message, dns.rrset
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5303))
while True:
    data, peer = s.recvfrom(4096)
    q = dns.message.from_wire(data)
    r = dns.message.make_response(q)
    r.answer.append(dns.rrset.from_text(q.question[0].name, 300, "IN", "A", "192.0.2.1"))
    s.sendto(r.to_wire(), peer)
"""


def dnsperf(ns: str, port: int, queries: Path, extra: list[str]) -> str:
    return subprocess.run(["ip", "netns", "exec", ns, "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d",
                           str(queries), "-l", str(SECONDS), *extra], capture_output=True, text=True).stdout


def measure(ns: str, port: int, queries: Path) -> dict:
    out = dnsperf(ns, port, queries, ["-q", "100"])
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", out).group(1))
    lost = re.search(r"Queries lost:\s+(\d+)", out).group(1)
    verbose = dnsperf(ns, port, queries, ["-Q", str(int(qps / 2)), "-v"])
    latencies = sorted(float(m) for m in re.findall(r"^> \S+ .* ([\d.]+)$", verbose, re.M))
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan")
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    return {"qps": qps, "lost": lost, "p50": p50, "p99": p99}


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    if os.geteuid():
        sys.exit("run as root")
    cluster = lifecycle.up("kbenchdns", nodes=1, dns_upstream="controlplane")  # DNS never leaves the machine
    procs: list[subprocess.Popen] = []
    work = Path(tempfile.mkdtemp(prefix="kinns-bench-dns-"))
    try:
        kubeconfig = cluster.state_dir / "kubeconfig"
        env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
        docs = [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc{i}"},
                 "spec": {"ports": [{"name": "http", "port": 80}]}} for i in range(SERVICES)]
        subprocess.run(["kubectl", "apply", "-f", "-"], input=yaml.safe_dump_all(docs), text=True, env=env,
                       check=True, capture_output=True)
        listing = subprocess.run(["kubectl", "get", "svc", "-A", "-o", "jsonpath={range .items[*]}{.metadata.name}"
                                  " {.metadata.namespace} {.spec.clusterIP}{'\\n'}{end}"], env=env, text=True,
                                 capture_output=True, check=True).stdout.split("\n")
        rows = [line.split() for line in listing if line.strip()]
        pods = len(subprocess.run(["kubectl", "get", "pods", "-A", "-o", "name"], env=env, text=True,
                                  capture_output=True).stdout.split())
        hosts = work / "hosts"
        hosts.write_text("".join(f"{ip} {name}.{ns}.svc.cluster.local\n" for name, ns, ip in rows if ip != "None"))
        (work / "cluster.txt").write_text("".join(f"{name}.{ns}.svc.cluster.local A\n" for name, ns, _ in rows))
        (work / "external.txt").write_text("".join(f"host{i}.example.test A\n" for i in range(200)))
        (work / "Corefile").write_text(
            ".:5301 {\n    kubernetes cluster.local {\n        kubeconfig %s\n        ttl 30\n    }\n"
            "    forward . 127.0.0.1:5303\n    cache 300\n}\n" % kubeconfig)
        ns = cluster.node("controlplane").netns
        run = ["ip", "netns", "exec", ns]
        procs.append(subprocess.Popen(run + [sys.executable, "-c", UPSTREAM]))
        kinns_dns = subprocess.Popen(run + [sys.executable, "-m", "kinns.dns", "-conf", str(work / "Corefile")],
                                     stdout=subprocess.DEVNULL)
        procs.append(kinns_dns)
        procs.append(subprocess.Popen(run + ["dnsmasq", "-k", "--no-resolv", "--no-hosts", f"--addn-hosts={hosts}",
                                             "--server=127.0.0.1#5303", "--cache-size=10000", "--port=5302",
                                             "--listen-address=127.0.0.1", "--bind-interfaces", "--user=root",
                                             "--pid-file="], stderr=subprocess.DEVNULL))
        time.sleep(3)
        print(f"{SERVICES} Services + {pods} pods; dnsperf, {SECONDS} s per run, 100 queries in flight for the maximum")
        for label, queries in (("cluster names", work / "cluster.txt"), ("cached external names",
                                                                        work / "external.txt")):
            for server, port in (("dnsmasq", 5302), ("kinns DNS", 5301)):
                dnsperf(ns, port, queries, ["-l", "1"])  # warm the caches
                m = measure(ns, port, queries)
                print(f"{label:22s} {server:9s} {m['qps']:9.0f} qps (lost {m['lost']})   at half rate: "
                      f"p50 {m['p50']:.3f} ms, p99 {m['p99']:.3f} ms")
        formula = (pods + SERVICES) / 1000 + 54
        print(f"memory: kinns DNS RSS {rss_mb(kinns_dns.pid):.1f} MB; CoreDNS's formula (pods + services) / 1000 "
              f"+ 54 = {formula:.1f} MB")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait()
        lifecycle.down(cluster)
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
