"""`kinns up` of 3 nodes (goal < 2 s) and 100 pod sandboxes (goal < 10 s), same run.

The reference figure beside each is the issue's goal; the sandbox figure is
also shown per pod beside one bare CNI ADD of the reference plugins measured
by bench/cni_latency.py.
"""

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinns import cluster as lifecycle  # noqa: E402
from kinns.node.kubelet import sandbox  # noqa: E402

PODS = 100


def main() -> None:
    name = "kbench"
    start = time.perf_counter()
    cluster = lifecycle.up(name, dns_upstream="controlplane")  # cluster DNS never leaves the machine
    up = time.perf_counter() - start
    try:
        print(f"kinns up, 3 nodes, vxlan          {up:6.2f} s    (goal < 2 s)")
        workers = [n.name for n in cluster.nodes if n.name != "controlplane"]
        start = time.perf_counter()
        for i in range(PODS):
            sandbox.create(cluster, sandbox.PodSpec(
                name=f"p{i}", node=workers[i % len(workers)],
                containers=[sandbox.Container(name="pause", image="registry.k8s.io/pause:3.10")]))
        made = time.perf_counter() - start
        print(f"{PODS} pod sandboxes                 {made:6.2f} s    (goal < 10 s; {made / PODS * 1000:.0f} ms a pod)")
        start = time.perf_counter()
        for i in range(PODS):
            sandbox.delete(cluster, "default", f"p{i}", grace=0)
        print(f"{PODS} pod deletions                 {time.perf_counter() - start:6.2f} s")
    finally:
        start = time.perf_counter()
        lifecycle.down(cluster)
        print(f"kinns down                        {time.perf_counter() - start:6.2f} s")
    left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert name not in left, left


if __name__ == "__main__":
    main()
