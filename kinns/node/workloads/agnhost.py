"""`agnhost`, the subcommands Kubernetes's own network tests use.

netexec: HTTP on --http-port (8080) with /hostname, /clientip, /echo?msg=,
/healthz, /exit; UDP on --udp-port (8081) answering `hostname` and `echo X`.
serve-hostname: the pod's hostname on 9376 over HTTP (default), or raw TCP
(--tcp) or UDP (--udp), with --http=false as the netpol e2e suite passes it.
connect HOST:PORT: one TCP connection (or a UDP request answered, or an SCTP
association) within --timeout, as the netpol e2e suite probes; on failure it
prints TIMEOUT, REFUSED, DNS or OTHER and exits 1. pause: sleep until killed.
webhook: an admission webhook over HTTPS (--tls-cert-file, --tls-private-key-file,
--port 443) with the routes Kubernetes's admission e2e tests call: /always-deny,
/always-allow-delay-5s, /add-label, /pods (refuses a container named
webhook-disallow), /configmaps (refuses data webhook-e2e-test: webhook-disallow),
/mutating-configmaps (adds mutation-stage-1, then mutation-stage-2).
"""

import signal
import sys

# First thing: as PID 1 of its pod this process ignores SIGTERM until it handles it.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

import argparse  # noqa: E402
import base64  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
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
    if opts.http and (opts.tcp or opts.udp):
        sys.stderr.write("Can't serve TCP/UDP mode and HTTP mode at the same time\n")
        sys.exit(1)
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


def _patch(ops: list) -> dict:
    return {"patchType": "JSONPatch", "patch": base64.b64encode(json.dumps(ops).encode()).decode()}


def _deny(message: str) -> dict:
    return {"allowed": False, "status": {"message": message}}


def _add_label(request: dict) -> dict:
    labels = ((request.get("object") or {}).get("metadata") or {}).get("labels")
    if labels is None:
        return _patch([{"op": "add", "path": "/metadata/labels", "value": {"added-label": "yes"}}])
    return _patch([{"op": "add", "path": "/metadata/labels/added-label", "value": "yes"}])


def _pods(request: dict) -> dict:
    containers = ((request.get("object") or {}).get("spec") or {}).get("containers") or []
    if any(c.get("name") == "webhook-disallow" for c in containers):
        return _deny("the pod contains unwanted container name;")
    return {}


def _attaching_pods(request: dict) -> dict:
    """CONNECT to pods/attach: stdin attached to container1 is refused (the e2e suite's attach check)."""
    options = request.get("object") or {}
    if request.get("subResource") == "attach" and options.get("stdin") and options.get("container") == "container1":
        return _deny(f"attaching to pod '{request.get('name', '')}' is not allowed")
    return {}


def _configmaps(request: dict) -> dict:
    data = (request.get("object") or {}).get("data") or {}
    if data.get("webhook-e2e-test") == "webhook-disallow":
        return _deny("the configmap contains unwanted key and value")
    return {}


def _mutating_configmaps(request: dict) -> dict:
    data = (request.get("object") or {}).get("data")
    if data is None:
        return _patch([{"op": "add", "path": "/data", "value": {"mutation-stage-1": "yes"}}])
    stage = "mutation-stage-2" if "mutation-stage-1" in data else "mutation-stage-1"
    return _patch([{"op": "add", "path": f"/data/{stage}", "value": "yes"}])


REVIEWS = {"/always-deny": lambda r: _deny("this webhook denies all requests"),
           "/always-allow-delay-5s": lambda r: (time.sleep(5), {})[1],
           "/add-label": _add_label, "/pods": _pods, "/pods/attach": _attaching_pods, "/configmaps": _configmaps,
           "/mutating-configmaps": _mutating_configmaps}


class _ReviewHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # one write per answer, sent at once: headers and body in separate small writes wait out the client's
    # delayed ACK (40 ms a review) on a kept-alive connection
    wbufsize = -1
    disable_nagle_algorithm = True

    def do_POST(self) -> None:  # noqa: N802 (the stdlib's naming)
        route = REVIEWS.get(urlparse(self.path).path)
        if route is None:
            return self._send(404, b"404 page not found\n", "text/plain")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        request = body.get("request") or {}
        response = {"uid": request.get("uid", ""), "allowed": True, **route(request)}
        answer = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
        self._send(200, json.dumps(answer).encode(), "application/json")

    def do_GET(self) -> None:  # noqa: N802
        self._send(200, b"ok", "text/plain")

    def _send(self, status: int, data: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def log_message(self, fmt: str, *args: object) -> None:
        print(f"{client_ip(self.client_address[0])} - {fmt % args}", flush=True)


def webhook(opts: argparse.Namespace) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(opts.tls_cert_file, opts.tls_private_key_file)
    server = DualStackServer(("::", opts.port), _ReviewHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    server.serve_forever()


def _go_bool(text: str) -> bool:
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise argparse.ArgumentTypeError(f"parse error: {text!r}")


def _go_duration(text: str) -> float:
    units = {"ms": 0.001, "s": 1.0, "m": 60.0}
    for unit in sorted(units, key=len, reverse=True):
        if text.endswith(unit) and text[:-len(unit)].replace(".", "", 1).isdigit():
            return float(text[:-len(unit)]) * units[unit]
    raise argparse.ArgumentTypeError(f"time: invalid duration {text!r}")


def connect(opts: argparse.Namespace) -> None:
    """Probe HOST:PORT as agnhost's connect does; the reason of a failure is the one word on stderr."""
    host, _, port = opts.address.rpartition(":")
    kind = {"tcp": socket.SOCK_STREAM, "udp": socket.SOCK_DGRAM, "sctp": socket.SOCK_STREAM}[opts.protocol]
    try:
        family, _, proto, _, addr = socket.getaddrinfo(host.strip("[]"), int(port), type=kind)[0]
    except (socket.gaierror, ValueError) as err:
        sys.stderr.write(f"DNS\n{err}\n")
        sys.exit(1)
    if opts.protocol == "sctp":
        proto = socket.IPPROTO_SCTP
    try:
        with socket.socket(family, kind, proto) as sock:
            sock.settimeout(opts.timeout)
            sock.connect(addr)
            if opts.protocol == "udp":  # an answer proves the datagram arrived, as serve-hostname answers any
                sock.send(b"hostname\n")
                sock.recv(1024)
    except (socket.timeout, TimeoutError) as err:
        sys.stderr.write(f"TIMEOUT\n{err}\n")
        sys.exit(1)
    except ConnectionRefusedError as err:
        sys.stderr.write(f"REFUSED\n{err}\n")
        sys.exit(1)
    except OSError as err:
        sys.stderr.write(f"OTHER\n{err}\n")
        sys.exit(1)


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
    p.add_argument("--http", type=_go_bool, nargs="?", const=True, default=True)
    p.set_defaults(run=serve_hostname)
    sub.add_parser("pause").set_defaults(run=pause)
    p = sub.add_parser("connect")
    p.add_argument("address")
    p.add_argument("--timeout", type=_go_duration, default=5.0)
    p.add_argument("--protocol", choices=("tcp", "udp", "sctp"), default="tcp")
    p.set_defaults(run=connect)
    p = sub.add_parser("webhook")
    p.add_argument("--tls-cert-file", required=True)
    p.add_argument("--tls-private-key-file", required=True)
    p.add_argument("--port", type=int, default=443)
    p.set_defaults(run=webhook)
    opts = parser.parse_args(argv)
    if opts.command != "connect":  # a probe's output is its verdict only
        print(f"agnhost {opts.command} started", flush=True)
    opts.run(opts)


if __name__ == "__main__":
    main(sys.argv[1:])
