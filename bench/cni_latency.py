"""CNI ADD and DEL median latency: kinns-bridge + kinns-host-local vs the reference plugins.

Same conflist, same run, same way of executing (a plugin process started in a
node netns, as a runtime does; the `ip netns exec` wrapper is not timed: the
plugin is exec'd by a child that is already inside the node's netns).
Prints both medians and the ratio (goal: <= 1.0).
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinns.cni.install import install  # noqa: E402
from kinns.kernel.syscalls import setns  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "60"))
REFERENCE = "/usr/lib/cni"


def conf(data_dir: str) -> bytes:
    return json.dumps({"cniVersion": "1.0.0", "name": "bench", "type": "bridge", "bridge": "cni0",
                       "isGateway": True, "hairpinMode": True,
                       "ipam": {"type": "host-local", "dataDir": data_dir, "ranges": [[{"subnet": "10.252.0.0/16"}]],
                                "routes": [{"dst": "0.0.0.0/0"}]}}).encode()


def timed(path: str, command: str, cid: str, netns: str, data: bytes) -> float:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND": command, "CNI_CONTAINERID": cid,
           "CNI_NETNS": netns, "CNI_IFNAME": "eth0", "CNI_PATH": path}
    start = time.perf_counter()
    proc = subprocess.run([f"{path}/bridge"], input=data, env=env, capture_output=True)
    took = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{path} {command} failed: {proc.stdout.decode()} {proc.stderr.decode()}")
    return took


def measure(label: str, path: str, tag: str) -> tuple[float, float]:
    node = f"kbench{tag}"
    subprocess.run(["ip", "netns", "add", node], check=True)
    pods = [f"kbench{tag}p{i}" for i in range(ROUNDS)]
    for pod in pods:
        subprocess.run(["ip", "netns", "add", pod], check=True)
    adds, dels = [], []
    with tempfile.TemporaryDirectory() as data_dir:
        data = conf(data_dir)
        fd = os.open(f"/run/netns/{node}", os.O_RDONLY)
        back = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        setns(fd)
        try:
            timed(path, "ADD", "warm", f"/run/netns/{pods[0]}", data)  # make the bridge outside the timing
            timed(path, "DEL", "warm", f"/run/netns/{pods[0]}", data)
            for i, pod in enumerate(pods):
                adds.append(timed(path, "ADD", f"c{i}", f"/run/netns/{pod}", data))
            for i, pod in enumerate(pods):
                dels.append(timed(path, "DEL", f"c{i}", f"/run/netns/{pod}", data))
        finally:
            setns(back)
            os.close(fd)
            os.close(back)
            for pod in pods:
                subprocess.run(["ip", "netns", "del", pod], check=False)
            subprocess.run(["ip", "netns", "del", node], check=False)
    add, delete = statistics.median(adds) * 1000, statistics.median(dels) * 1000
    print(f"{label:<34} ADD {add:6.2f} ms   DEL {delete:6.2f} ms   (median of {ROUNDS})")
    return add, delete


def main() -> None:
    with tempfile.TemporaryDirectory() as bin_dir:
        install(Path(bin_dir), {"bridge": "bridge", "host-local": "host_local"})
        ref = measure("reference bridge + host-local", REFERENCE, "r")
        ours = measure("kinns-bridge + kinns-host-local", bin_dir, "k")
    print(f"{'ratio kinns / reference':<34} ADD {ours[0] / ref[0]:6.2f}      DEL {ours[1] / ref[1]:6.2f}"
          "      (goal <= 1.00)")


if __name__ == "__main__":
    main()
