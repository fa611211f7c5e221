"""The echo server (`kinns/echo`, Gateway API conformance `echo-basic`).

Replies to every request with JSON naming the request (path, host, method,
protocol, headers) and where it landed (pod, namespace, node) and came from
(client address). A request header `X-Echo-Set-Header: Name:value,Other:value`
makes it answer with those headers, as the conformance tests use it to give
responses headers a filter then changes. Port: HTTP_PORT or PORT, else the
image's default (echo-basic 3000, as the conformance manifests expect; kinns/echo
8080).
"""

import signal
import sys

# First thing: as PID 1 of its pod this process ignores SIGTERM until it handles it.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer  # noqa: E402


class EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kinns-echo"

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        headers: dict[str, list[str]] = {}
        for key, value in self.headers.items():
            headers.setdefault(key, []).append(value)
        body = json.dumps({
            "path": self.path,
            "host": self.headers.get("Host", ""),
            "method": self.command,
            "proto": self.request_version,
            "headers": headers,
            "namespace": os.environ.get("NAMESPACE", ""),
            "ingress": "",
            "service": "",
            "pod": os.environ.get("POD_NAME", socket.gethostname()),
            "node": os.environ.get("NODE_NAME", ""),
            "clientIP": client_ip(self.client_address[0]),
            "clientPort": self.client_address[1],
        }, indent=1).encode() + b"\n"
        self.send_response(200)
        for item in filter(None, (self.headers.get("X-Echo-Set-Header") or "").split(",")):
            name, _, value = item.partition(":")
            if name.strip():
                self.send_header(name.strip(), value.strip())
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _reply

    def log_message(self, fmt: str, *args: object) -> None:
        print(f"{client_ip(self.client_address[0])} - {fmt % args}", flush=True)


def client_ip(address: str) -> str:
    """An IPv4 client of the dual-stack socket shows as ::ffff:a.b.c.d; report a.b.c.d."""
    return address[7:] if address.startswith("::ffff:") else address


class DualStackServer(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def serve(port: int, handler: type[BaseHTTPRequestHandler]) -> None:
    """Serve HTTP on every IPv4 and IPv6 address of the pod."""
    server = DualStackServer(("::", port), handler)
    print(f"listening on :{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    default = sys.argv[1] if len(sys.argv) > 1 else "8080"
    serve(int(os.environ.get("HTTP_PORT") or os.environ.get("PORT") or default), EchoHandler)
