"""What the HTTP benchmarks share: kubectl bound to a cluster, and curl and wrk run from a node's netns."""

import contextlib
import json
import os
import re
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator

from kinns import cluster as lifecycle


def kubectl_for(cluster) -> Callable[..., str]:
    env = {**os.environ, "KUBECONFIG": str(cluster.state_dir / "kubeconfig")}

    def kubectl(*args: str, input: str | None = None) -> str:
        return subprocess.run(["kubectl", *args], env=env, input=input, capture_output=True, text=True,
                              check=True).stdout
    return kubectl


def status(node: list[str], address: str, host: str) -> str:
    """The HTTP status of GET / for `host` at `address`, from inside the node (`node`: the ip netns exec
    prefix)."""
    return subprocess.run(node + ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "2",
                                  "-H", f"Host: {host}", f"http://{address}/"], capture_output=True, text=True).stdout


def wrk(node: list[str], url: str, host: str) -> float:
    """Requests per second: wrk, 2 threads, 32 connections, 8 s, from inside the node."""
    out = subprocess.run(node + ["wrk", "-t2", "-c32", "-d8s", "-H", f"Host: {host}", url],
                         capture_output=True, text=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def serving(node: list[str], address: str, host: str, pause: float = 0.05) -> None:
    """Wait until `host` answers 200 at `address`."""
    while status(node, address, host) != "200":
        time.sleep(pause)


def change_delays(kubectl: Callable[..., str], node: list[str], address: str, make: Callable[[str, str], dict],
                  changes: int) -> str:
    """Apply `changes` new objects (make(name, host)) one at a time; for each, the time from kubectl returning
    until its host answers 200. Returns the p50 and p99 as a sentence."""
    delays = []
    for i in range(changes):
        kubectl("apply", "-f", "-", input=json.dumps(make(f"change-{i}", f"change-{i}.example")))
        start = time.monotonic()
        serving(node, address, f"change-{i}.example", 0.01)
        delays.append(time.monotonic() - start)
    delays.sort()
    return (f"p50 {statistics.median(delays) * 1000:7.1f} ms, p99 {delays[int(len(delays) * 0.99) - 1] * 1000:7.1f}"
            f" ms   (goal p99 < 1 s; {changes} changes)")


def proxy_ratio(kubectl: Callable[..., str], node: list[str], address: str) -> str:
    """wrk through the proxy at `address` (host bench.example) beside wrk straight to the backend pod
    (label app=web), in one run, as a sentence."""
    pod_ip = kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].status.podIP}")
    via = wrk(node, f"http://{address}/", "bench.example")
    direct = wrk(node, f"http://{pod_ip}/", "bench.example")
    return f"{via:9.0f} req/s; straight to the pod {direct:9.0f} req/s; ratio {via / direct:.2f}"


@contextlib.contextmanager
def web_cluster(name: str) -> Iterator[tuple[Callable[..., str], list[str]]]:
    """A 3-node cluster with the backend Deployment and Service `web` (the nginx image, port 80); yields
    kubectl bound to it and the prefix that runs a command in the controlplane node."""
    cluster = lifecycle.up(name, dns_upstream="controlplane")  # cluster DNS never leaves the machine
    kubectl = kubectl_for(cluster)
    try:
        time.sleep(3)
        kubectl("create", "deployment", "web", "--image=nginx")
        kubectl("expose", "deployment", "web", "--port=80")
        yield kubectl, ["ip", "netns", "exec", cluster.node("controlplane").netns]
    finally:
        lifecycle.down(cluster)

