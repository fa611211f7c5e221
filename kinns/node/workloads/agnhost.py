"""`agnhost`, the subcommands Kubernetes's own network tests use.

netexec: HTTP on --http-port (8080) with /hostname, /clientip, /echo?msg=,
/healthz, /exit; UDP on --udp-port (8081) answering `hostname` and `echo X`.
serve-hostname: the pod's hostname on 9376 over HTTP (default), or raw TCP
(--tcp) or UDP (--udp). pause: sleep until killed.
"""

import signal
import sys

# First thing: as PID 1 of its pod this process ignores SIGTERM until it handles it.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

import argparse  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import threading  # noqa: E402
from http.server import BaseHTTPRequestHandler  # noqa: E402
from urllib.parse import parse_qs, urlparse  # noqa: E402

from .echo import DualStackServer, client_ip  # noqa: E402


def _text_handler(routes: dict) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
            url = urlparse(self.path)
            route = routes.get(url.path)
            status, body = (404, "404 page not found\n") if route is None else route(self, parse_qs(url.query))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_POST = do_GET

        def log_message(self, fmt: str, *args: object) -> None:
            print(f"{client_ip(self.client_address[0])} - {fmt % args}", flush=True)

    return Handler


def _udp(port: int, answer) -> None:
    sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    sock.bind(("::", port))
    while True:
        data, peer = sock.recvfrom(65535)
        reply = answer(data.decode(errors="replace").strip(), peer)
        if reply is not None:
            sock.sendto(reply.encode(), peer)


def netexec(opts: argparse.Namespace) -> None:
    hostname = socket.gethostname()

    def udp_answer(msg: str, peer) -> str:
        if msg == "hostname":
            return hostname
        if msg.startswith("echo "):
            return msg[5:]
        if msg == "clientip":
            return f"{client_ip(peer[0])}:{peer[1]}"
        return ""

    routes = {
        "/": lambda h, q: (200, "NOW: kinns\n"),
        "/hostname": lambda h, q: (200, hostname),
        "/clientip": lambda h, q: (200, f"{client_ip(h.client_address[0])}:{h.client_address[1]}"),
        "/echo": lambda h, q: (200, q.get("msg", [""])[0]),
        "/healthz": lambda h, q: (200, "ok"),
        "/exit": lambda h, q: (threading.Timer(0.1, os._exit, [int(q.get("code", ["0"])[0])]).start(), (200, ""))[1],
    }
    if opts.udp_port > 0:
        threading.Thread(target=_udp, args=(opts.udp_port, udp_answer), daemon=True).start()
    DualStackServer(("::", opts.http_port), _text_handler(routes)).serve_forever()


def serve_hostname(opts: argparse.Namespace) -> None:
    hostname = socket.gethostname()
    if opts.udp:
        _udp(opts.port, lambda msg, peer: hostname)
    elif opts.tcp:
        server = socket.create_server(("::", opts.port), family=socket.AF_INET6, dualstack_ipv6=True)
        while True:
            conn, _ = server.accept()
            with conn:
                conn.sendall(hostname.encode())
    else:
        DualStackServer(("::", opts.port), _text_handler({"/": lambda h, q: (200, hostname)})).serve_forever()


def pause(_: argparse.Namespace) -> None:
    signal.pause()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="agnhost")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("netexec")
    p.add_argument("--http-port", type=int, default=8080)
    p.add_argument("--udp-port", type=int, default=8081)
    p.set_defaults(run=netexec)
    p = sub.add_parser("serve-hostname")
    p.add_argument("--port", type=int, default=9376)
    p.add_argument("--tcp", action="store_true")
    p.add_argument("--udp", action="store_true")
    p.add_argument("--http", action="store_true", default=True)
    p.set_defaults(run=serve_hostname)
    sub.add_parser("pause").set_defaults(run=pause)
    opts = parser.parse_args(argv)
    print(f"agnhost {opts.command} started", flush=True)
    opts.run(opts)


if __name__ == "__main__":
    main(sys.argv[1:])
