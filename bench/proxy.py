"""kube-proxy backends at scale: sync times and new-connection latency, iptables beside nftables.

For each backend, in a netns of its own (as a node): 10,000 Services x 5
endpoints (addresses with no pod, except the target Service's, which are on
this netns's loopback with a server behind them), then
- full sync: render + apply of the whole state (the first sync after start);
- one Service changed (an endpoint added), applied as a partial sync;
- new-connection latency to the target Service (its rule is the last one
  kube-proxy's KUBE-SERVICES order gives it), at 10 and at 10,000 Services,
  beside a direct connection to the endpoint (the reference: no Service).
Goals: nftables full sync < 1 s, one change < 50 ms, latency at 10,000
within 10% of the latency at 10.
"""

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kinns.kernel import netns  # noqa: E402
from kinns.kernel.syscalls import setns  # noqa: E402
from kinns.node.proxy import iptables, nftables  # noqa: E402
from kinns.node.proxy.services import Endpoint, ServicePort  # noqa: E402

SERVICES = int(os.environ.get("SERVICES", "10000"))
CONNECTIONS = int(os.environ.get("CONNECTIONS", "3000"))
CIDR = "10.244.0.0/16"
TARGET_EPS = [f"10.250.0.{i}" for i in range(1, 6)]


def service(i: int, target: bool = False) -> ServicePort:
    eps = tuple(Endpoint(ip, 8080) for ip in TARGET_EPS) if target else \
        tuple(Endpoint(f"10.{240 + (i * 5 + k) // 65536}.{(i * 5 + k) // 256 % 256}.{(i * 5 + k) % 256}", 8080)
         for k in range(5))
    return ServicePort("bench", f"svc{i:05d}", "http", "tcp", f"10.{96 + i // 65536}.{i // 256 % 256}.{i % 256}", 80,
                       endpoints=eps)


def services(n: int) -> list[ServicePort]:
    """n Services; the target is the one sorted last, so iptables walks past all the others first."""
    return [service(i) for i in range(1, n)] + [service(99999, target=True)]


def serve(ns_fd: int, stop: threading.Event) -> None:
    setns(ns_fd)  # this thread only
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", 8080))
    srv.listen(1024)
    srv.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = srv.accept()
            conn.close()
        except OSError:
            pass
    srv.close()


def connect_times(address: str, port: int, count: int) -> list[float]:
    """Seconds per new TCP connection (SYN through the rules, accept, close)."""
    times = []
    for _ in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # RST: no TIME_WAIT
        start = time.perf_counter()
        s.connect((address, port))
        times.append(time.perf_counter() - start)
        s.close()
    return times


class Node:
    """A netns with n Services programmed by one backend, the target's endpoints on its loopback, a server."""

    def __init__(self, backend_cls, n: int, home: int) -> None:
        self.name = f"kinnsbench-proxy-{os.getpid()}-{n}"
        netns.create(self.name)
        self.fd = os.open(netns.path(self.name), os.O_RDONLY)
        self.home, self.stop = home, threading.Event()
        setns(self.fd)
        try:
            subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
            for ip in TARGET_EPS:
                subprocess.run(["ip", "addr", "add", f"{ip}/32", "dev", "lo"], check=True)
            subprocess.run(["ip", "route", "add", "10.96.0.0/12", "dev", "lo"], check=True)  # a route, as a node has
            self.server = threading.Thread(target=serve, args=(self.fd, self.stop))
            self.server.start()
            self.ports = services(n)
            backend = backend_cls()
            start = time.perf_counter()
            rules = backend.render(self.ports, "bench", CIDR)
            self.render = time.perf_counter() - start
            backend.sync(rules, True)
            self.full = time.perf_counter() - start
            changed = self.ports[n // 2]
            self.ports[n // 2] = replace(changed, endpoints=changed.endpoints + (Endpoint("10.239.0.1", 8080),))
            start = time.perf_counter()
            backend.sync(backend.render(self.ports, "bench", CIDR), False)
            self.one = time.perf_counter() - start
        except BaseException:
            self.stop.set()
            os.close(self.fd)
            netns.remove(self.name)
            raise
        finally:
            setns(home)
        self.direct: list[float] = []
        self.service: list[float] = []

    def measure(self, count: int) -> None:
        setns(self.fd)
        try:
            self.direct += connect_times(TARGET_EPS[0], 8080, count)
            self.service += connect_times(self.ports[-1].cluster_ip, 80, count)
        finally:
            setns(self.home)

    def close(self) -> None:
        self.stop.set()
        self.server.join()
        os.close(self.fd)
        netns.remove(self.name)


def us(samples: list[float]) -> float:
    return statistics.median(samples) * 1e6


def main() -> None:
    if os.geteuid():
        sys.exit("run as root")
    print(f"{SERVICES} Services x 5 endpoints; {CONNECTIONS} new connections per latency figure, "
          "measured in alternating rounds")
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    for label, cls in (("iptables", iptables.IptablesBackend), ("nftables", nftables.NftablesBackend)):
        small = big = None
        try:
            small, big = Node(cls, 10, home), Node(cls, SERVICES, home)
            for _ in range(10):
                small.measure(CONNECTIONS // 10)
                big.measure(CONNECTIONS // 10)
            s_us, b_us = us(small.service), us(big.service)
            print(f"{label:9s} full sync {big.full * 1000:8.1f} ms (render {big.render * 1000:.1f} ms)  "
                  f"one Service changed {big.one * 1000:7.1f} ms")
            print(f"{'':9s} new connection via the Service: {s_us:.1f} us at 10 Services, {b_us:.1f} us at "
                  f"{SERVICES} ({(b_us / s_us - 1) * 100:+.1f}%); direct to the endpoint {us(small.direct):.1f} / "
                  f"{us(big.direct):.1f} us")
        finally:
            for node in (small, big):
                if node is not None:
                    node.close()


if __name__ == "__main__":
    main()
