"""What the HTTP benchmarks share: kubectl bound to a cluster, and curl and wrk run from a node's netns."""

import os
import re
import subprocess
from collections.abc import Callable


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
