"""NetworkPolicy: a policy change to enforcement, new-connection latency with 0 and with 1,000 policies, and the
node agent's CPU and memory with 1,000 policies over many pods, all in one run on one default cluster.

- change → enforcement: a policy that selects the server pod has its ingress peer switched between a
  selector that matches the client and one that does not, by a PUT to the API; the time from sending it
  to the first probe from the client's netns that sees the new verdict (a probe every 2 ms, 40 ms
  timeout). Reference: the same probe loop's reaction to a drop rule written straight into the node's
  kernel with nft (what the measurement itself costs).
- new-connection latency: TCP handshakes from the client pod (node02) to the server pod (node01), p50 and
  p99 of CONNECTS paced 1 ms apart, once the filler pods run: with no policy (the reference) and with 1,000
  policies in the server's namespace that all select the server, each allowing a real filler pod (so no
  policy's peers are empty) and the last one the client; that one is then deleted, so the changes below
  decide alone.
- agent CPU and memory: the netpol container on node01 with the 1,000 policies and PODS pods, its CPU seconds
  over the 100 changes, its resident memory after.
"""

import json
import os
import http.client
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "kbenchnp"
POLICIES = int(os.environ.get("NETPOL_POLICIES", "1000"))
PODS = int(os.environ.get("NETPOL_PODS", "300"))
CHANGES = 100
CONNECTS = 2000
AGNHOST, PAUSE = "registry.k8s.io/e2e-test-images/agnhost:2.53", "registry.k8s.io/pause:3.10"
WATCH = """
import socket, sys, time
last = None
while True:
    s = socket.socket(); s.settimeout(0.04)
    try:
        s.connect((sys.argv[1], 80)); ok = True
    except OSError:
        ok = False
    s.close()
    if ok != last:
        print(f"{time.time():.6f} {int(ok)}", flush=True); last = ok
    time.sleep(0.002)
"""
CONNECT = """
import json, socket, sys, time
out = []
for _ in range(int(sys.argv[2])):
    s = socket.socket(); t = time.perf_counter(); s.connect((sys.argv[1], 80)); out.append(time.perf_counter() - t)
    s.close()
    time.sleep(0.001)
print(json.dumps(out))
"""


def kubectl(*args: str, input: str | None = None) -> str:
    env = {**os.environ, "KUBECONFIG": f"/run/kinns/{NAME}/kubeconfig",
           "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(["kubectl", *args], check=True, capture_output=True, text=True, env=env,
                          input=input, timeout=600).stdout


def record(ns: str, pod: str) -> dict:
    return json.loads(Path(f"/run/kinns/{NAME}/pods/{ns}_{pod}/pod.json").read_text())


def pod(name: str, node: str, labels: dict, args: list[str] | None = None) -> dict:
    """An agnhost pod with `args`, or a pause pod (the filler: pods the agent indexes, not traffic)."""
    container = {"name": "c", "image": AGNHOST, "args": args} if args else {"name": "c", "image": PAUSE}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "np", "labels": labels},
            "spec": {"nodeName": node, "terminationGracePeriodSeconds": 0, "containers": [container]}}


def policy(name: str, peer: dict) -> dict:
    """A policy selecting the server that allows ingress from the pods labelled `peer`."""
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name,
                                                                                        "namespace": "np"},
            "spec": {"podSelector": {"matchLabels": {"app": "srv"}},
                     "ingress": [{"from": [{"podSelector": {"matchLabels": peer}}]}]}}


def connects(netns: str, ip: str) -> list[float]:
    out = subprocess.run(["ip", "netns", "exec", netns, sys.executable, "-c", CONNECT, ip, str(CONNECTS)],
                         check=True, capture_output=True, text=True).stdout
    return sorted(json.loads(out))


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    line = next(ln for ln in Path(f"/proc/{pid}/status").read_text().splitlines() if ln.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


class Watcher:
    """The probe loop in the client's netns, its verdict changes collected as (time, reachable)."""

    def __init__(self, netns: str, ip: str) -> None:
        self.proc = subprocess.Popen(["ip", "netns", "exec", netns, sys.executable, "-c", WATCH, ip],
                                     stdout=subprocess.PIPE, text=True)
        self.seen: list[tuple[float, bool]] = []
        threading.Thread(target=self._read, daemon=True).start()
        while not self.seen:
            time.sleep(0.01)

    def _read(self) -> None:
        for line in self.proc.stdout:
            stamp, state = line.split()
            self.seen.append((float(stamp), state == "1"))

    def until(self, state: bool, since: float) -> float:
        """Seconds from `since` until the probe saw `state`."""
        deadline = since + 5
        while not (self.seen[-1][1] == state and self.seen[-1][0] >= since):
            if time.time() > deadline:
                raise RuntimeError(f"probe did not see {state} within 5 s")
            time.sleep(0.001)
        return self.seen[-1][0] - since

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait()


def api(method: str, path: str, body: dict) -> None:
    """One request with the admin certificate, as kubectl sends it (timed from here, without kubectl's start)."""
    pki = Path(f"/run/kinns/{NAME}/nodes/controlplane/upper/etc/kubernetes/pki")
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
    address = json.loads(Path(f"/run/kinns/{NAME}/cluster.json").read_text())["nodes"][0]["ip"]
    conn = http.client.HTTPSConnection(address, 6443, context=ctx, timeout=30)
    try:
        conn.request(method, path, body=json.dumps(body), headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        assert response.status < 300, response.status
    finally:
        conn.close()


def changes(watcher: Watcher) -> list[float]:
    """Each change's delay, from the request sent to the probe seeing the new verdict."""
    path = "/apis/networking.k8s.io/v1/namespaces/np/networkpolicies"
    api("POST", path, policy("switch", {"client": "me"}))
    watcher.until(True, time.time() - 1)
    delays = []
    for i in range(CHANGES):
        allowed = i % 2 == 1
        sent = time.time()
        api("PUT", f"{path}/switch", policy("switch", {"client": "me" if allowed else "nobody"}))
        delays.append(watcher.until(allowed, sent))
    return sorted(delays)


def reference(watcher: Watcher, ip: str) -> list[float]:
    """The probe loop's own reaction to a drop rule made directly in node01's kernel (nft run, then seen)."""
    node = ["ip", "netns", "exec", f"{NAME}-node01", "nft", "-f", "-"]
    out = []
    for _ in range(20):
        sent = time.time()
        subprocess.run(node, check=True, text=True, input=(
            "add table inet kbenchref\nadd chain inet kbenchref f { type filter hook forward priority -5 ; }\n"
            f"add rule inet kbenchref f ip daddr {ip} tcp dport 80 drop\n"))
        out.append(watcher.until(False, sent))
        subprocess.run(node, check=True, text=True, input="delete table inet kbenchref\n")
        watcher.until(True, time.time() - 0.5)
    return sorted(out)


def main() -> None:
    subprocess.run([sys.executable, "-m", "kinns.cli.main", "up", "--name", NAME, "--dns-upstream", "controlplane"],
                   check=True, capture_output=True, cwd=ROOT)
    try:
        kubectl("create", "namespace", "np")
        kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": [
            pod("srv", "node01", {"app": "srv"}, ["netexec", "--http-port=80", "--udp-port=-1"]),
            pod("cli", "node02", {"client": "me"}, ["pause"])]}))
        kubectl("-n", "np", "wait", "--for=condition=ready", "pod", "--all", "--timeout=60s")
        ip = kubectl("-n", "np", "get", "pod", "srv", "-o", "jsonpath={.status.podIP}")
        netns = record("np", "cli")["netns"]
        kubectl("-n", "kube-system", "rollout", "status", "ds/kinns-cni", "--timeout=60s")
        agent = next(rec["pids"]["netpol"] for rec in (json.loads((p / "pod.json").read_text()) for p in
                                                       Path(f"/run/kinns/{NAME}/pods").glob("kube-system_kinns-cni-*"))
                     if rec["node"] == "node01")

        filler = [pod(f"filler-{i}", "node01" if i % 3 else "node02", {"app": "filler", "i": str(i)})
                  for i in range(PODS - 2)]
        for start in range(0, len(filler), 50):
            kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                         "items": filler[start:start + 50]}))
        kubectl("-n", "np", "wait", "--for=condition=ready", "pod", "--all", "--timeout=600s")
        time.sleep(2)
        bare = connects(netns, ip)  # the same pods on the nodes, no policy: only the policies differ below
        many = [policy(f"p-{i:04d}", {"client": "me"} if i == POLICIES - 1 else {"i": str(i % len(filler))})
                for i in range(POLICIES)]
        for start in range(0, len(many), 200):
            kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                         "items": many[start:start + 200]}))
        time.sleep(3)
        loaded = connects(netns, ip)
        watcher = Watcher(netns, ip)
        try:
            floor = reference(watcher, ip)
            kubectl("-n", "np", "delete", "networkpolicy", f"p-{POLICIES - 1:04d}")  # the switch alone decides
            cpu_before = cpu_seconds(agent)
            delays = changes(watcher)
            cpu = cpu_seconds(agent) - cpu_before
        finally:
            watcher.close()
        rss = rss_mib(agent)
        rules = subprocess.run(["ip", "netns", "exec", f"{NAME}-node01", "nft", "list", "table", "inet",
                                "kinns-netpol"], capture_output=True, text=True).stdout.count("accept comment")
    finally:
        subprocess.run([sys.executable, "-m", "kinns.cli.main", "down", "--name", NAME], capture_output=True,
                       cwd=ROOT)
    print(f"policy change → enforcement ({CHANGES} changes, {POLICIES + 1} policies, {PODS} pods): "
          f"p50 {pct(delays, 0.5) * 1000:.1f} ms, p99 {pct(delays, 0.99) * 1000:.1f} ms, max "
          f"{delays[-1] * 1000:.1f} ms   (reference, a drop rule written straight into the node's kernel: p50 "
          f"{pct(floor, 0.5) * 1000:.1f} ms, p99 {pct(floor, 0.99) * 1000:.1f} ms)")
    print(f"new TCP connection to the server pod, {CONNECTS} handshakes: no policy p50 "
          f"{pct(bare, 0.5) * 1e6:.0f} µs p99 {pct(bare, 0.99) * 1e6:.0f} µs; with {POLICIES} policies selecting "
          f"it p50 {pct(loaded, 0.5) * 1e6:.0f} µs p99 {pct(loaded, 0.99) * 1e6:.0f} µs; ratio of p50 "
          f"{pct(loaded, 0.5) / pct(bare, 0.5):.2f} (goal ≤ 1.10); {rules} accepting rules on node01")
    print(f"agent on node01: {cpu:.2f} CPU s over the {CHANGES} changes ({cpu / CHANGES * 1000:.0f} ms a change), "
          f"{rss:.0f} MiB resident")


if __name__ == "__main__":
    main()
