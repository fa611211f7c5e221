"""Bring your own CNI: `kinns up --bare` beside the default `kinns up`, and from `kubectl apply` of Weave Net's
and flannel's upstream manifests to every node Ready (each on a fresh bare cluster), same run.

The manifests are the offline copies beside the project (../shared/fixtures/upstream), applied unmodified;
kubectl is the pinned one in .venv/bin. Each figure is the median of RUNS runs.
"""

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "fixtures" / "upstream"
MANIFESTS = {"Weave Net 2.8.1": UPSTREAM / "weave-net-v2.8.1" / "weave-daemonset-k8s-1.11.yaml",
             "flannel v0.28.9": UPSTREAM / "flannel" / "kube-flannel-v0.28.9.yml"}
RUNS = 3
NAME = "kbenchcni"


def kinns(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kinns.cli.main", *args, "--name", NAME], check=True,
                   capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def kubectl(*args: str) -> str:
    env = {**os.environ, "KUBECONFIG": f"/run/kinns/{NAME}/kubeconfig",
           "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(["kubectl", *args], check=True, capture_output=True, text=True, env=env).stdout


def all_ready() -> bool:
    nodes = json.loads(kubectl("get", "nodes", "-o", "json"))["items"]
    return bool(nodes) and all(c["status"] == "True" for n in nodes for c in n["status"]["conditions"]
                               if c["type"] == "Ready")


def to_ready(manifest: Path) -> float:
    kinns("up", "--bare", "--dns-upstream", "controlplane")
    try:
        start = time.perf_counter()
        kubectl("apply", "-f", str(manifest))
        while not all_ready():
            if time.perf_counter() - start > 120:
                raise RuntimeError(f"{manifest.name}: nodes not Ready after 120 s")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        kinns("down")


def main() -> None:
    ups = {"bare": [], "default": []}
    for _ in range(RUNS):
        for kind, extra in (("bare", ["--bare"]), ("default", [])):
            ups[kind].append(kinns("up", *extra, "--dns-upstream", "controlplane"))
            kinns("down")
    print(f"kinns up --bare, 3 nodes            {statistics.median(ups['bare']):6.2f} s   "
          f"(reference: kinns up with its own CNI and add-ons {statistics.median(ups['default']):.2f} s)")
    for label, manifest in MANIFESTS.items():
        times = [to_ready(manifest) for _ in range(RUNS)]
        print(f"apply {label:<16} -> 3 nodes Ready {statistics.median(times):6.2f} s   "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)}; reference: 0 s, kinns's own CNI is ready at up)")


if __name__ == "__main__":
    main()
