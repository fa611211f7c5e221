"""The real nginx both controllers drive: its process, the http block's common part, quoting, certificates.

A new configuration is written beside the running one and checked with
`nginx -t`; only a configuration that passes replaces it, and a running nginx
is reloaded with SIGHUP, which is graceful: the old workers finish the
requests they hold while new workers take new connections.
"""

import base64
import datetime
import logging
import os
import signal
import subprocess
from pathlib import Path

from ..kernel.files import write_private

log = logging.getLogger("kinns.nginx")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class Nginx:
    """One nginx master serving the configuration at `run`/nginx.conf."""

    def __init__(self, run: Path) -> None:
        self.run = run
        for sub in ("", *TEMP_DIRS):
            (run / sub).mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None
        self.config = ""

    def check(self, config: str, name: str = "nginx.conf.new") -> str:
        """nginx -t on `config`: the error text, or "" when it passes."""
        candidate = self.run / name
        candidate.write_text(config)
        result = subprocess.run(["nginx", "-t", "-q", "-c", str(candidate)], capture_output=True, text=True)
        return result.stderr.strip() if result.returncode else ""

    def apply(self, config: str) -> str:
        """Serve `config` if it passes nginx -t (start nginx, or reload it); the error text otherwise."""
        error = self.check(config)
        if error:
            log.error("the rendered configuration does not pass nginx -t; keeping the running one:\n%s", error)
            return error
        (self.run / "nginx.conf.new").replace(self.run / "nginx.conf")
        self.config = config
        if not self.running:
            self._start()
            log.info("nginx started (pid %d)", self.process.pid)
        else:
            os.kill(self.process.pid, signal.SIGHUP)  # graceful: new workers take new connections
            log.info("backend reloaded")
        return ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _start(self) -> None:
        """Start a master in a process group of its own. The workers of a master that was killed outlive it,
        holding the listening sockets and serving the old configuration for good, so that group goes first."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process = subprocess.Popen(["nginx", "-c", str(self.run / "nginx.conf"), "-g", "daemon off;"],
                                        start_new_session=True)

    def quit(self, timeout: float = 30.0) -> None:
        """A graceful stop (SIGQUIT): the workers finish the requests they hold, then the master exits."""
        if not self.running:
            return
        os.kill(self.process.pid, signal.SIGQUIT)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def revive(self) -> bool:
        """Start nginx again with the configuration it served, if its master died (no reload reaches its
        orphaned workers); True when it had to."""
        if not self.config or self.running:
            return False
        log.error("nginx (pid %d) exited with status %s; starting it again", self.process.pid, self.process.returncode)
        self._start()
        return True


def nginx_conf(run: str, http: list[str], workers: str = "auto") -> str:
    """A whole nginx.conf as both controllers write it: workers per core, files under `run`, and an http block
    of `http` after the common part (temp paths, buffered access log, HTTP/1.1 to kept-alive upstreams with
    the usual forwarded headers)."""
    temps = "".join(f"    {d}_temp_path {run}/{d};\n" for d in TEMP_DIRS)
    return f"""worker_processes {workers};
pid {run}/nginx.pid;
error_log stderr notice;
events {{ worker_connections 1024; }}
http {{
    access_log /dev/stdout combined buffer=32k flush=1s;
{temps}{http_settings()}{chr(10).join(http)}
}}
"""


def http_settings() -> str:
    """The http-level lines every configuration of both controllers starts with: HTTP/1.1 to kept-alive
    upstreams, room for long server names, the forwarded headers."""
    headers = "".join(f"    {h}\n" for h in forwarded_headers())
    return ("    proxy_http_version 1.1;\n    server_names_hash_bucket_size 128;\n    map_hash_bucket_size 128;\n"
            + headers)


def forwarded_headers(host: str = "$host") -> list[str]:
    """proxy_set_header lines every proxied location carries (nginx inherits none once a location sets one)."""
    return ['proxy_set_header Connection "";', f"proxy_set_header Host {host};",
            "proxy_set_header X-Real-IP $remote_addr;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header X-Forwarded-Host $host;", "proxy_set_header X-Forwarded-Proto $scheme;"]


def quote(text: str) -> str:
    """`text` as one nginx string token, literally: quotes and backslashes escaped, `$` never a variable
    (it becomes ${kinns_dollar}, which the config defines as "$")."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "${kinns_dollar}")
    return f'"{escaped}"'


DOLLAR = 'geo $kinns_dollar { default "$"; }'  # a literal "$" for quote(): geo values are not interpolated


def regex(pattern: str) -> str:
    """A PCRE pattern as an nginx string token: only quotes and backslashes escaped, `$` kept as an anchor."""
    return '"' + pattern.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tls_pem(secret: dict) -> bytes | None:
    """A kubernetes.io/tls Secret's certificate and key as one PEM, or None when either is missing."""
    data = secret.get("data") or {}
    if not data.get("tls.crt") or not data.get("tls.key"):
        return None
    try:
        return base64.b64decode(data["tls.crt"]) + b"\n" + base64.b64decode(data["tls.key"])
    except ValueError:
        return None


def default_certificate(path: Path, organization: str, common_name: str) -> None:
    """A self-signed certificate (and key) for hosts without one of their own, made once."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    if path.exists():
        return
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("ingress.local")]), critical=False)
            .sign(key, hashes.SHA256()))
    write_private(path, cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
