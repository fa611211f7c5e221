"""The controller's global configuration, from the ConfigMap `--configmap` names, as ingress-nginx reads it.

The keys kinns carries have ingress-nginx's defaults and meaning. A value that does not parse is logged and its
default kept (ingress-nginx does the same). Keys of ingress-nginx's configuration that kinns does not carry are
named in the log as left out, so a setting never silently does nothing; other keys are not ingress-nginx's and
are ignored, as the real controller ignores them.
"""

import re
from dataclasses import dataclass, fields

_SIZE = re.compile(r"^[0-9]+[kKmMgG]?$")
_BOOL = ("true", "false")

# keys of ingress-nginx's ConfigMap that kinns does not carry (the common ones a course or chart sets)
NOT_CARRIED = frozenset({
    "annotations-risk-level", "use-forwarded-headers", "custom-http-errors", "enable-opentelemetry",
    "enable-modsecurity", "enable-owasp-modsecurity-crs", "log-format-upstream", "log-format-escape-json",
    "ssl-protocols", "ssl-ciphers", "use-gzip", "gzip-level", "enable-brotli", "use-http2", "use-proxy-protocol",
    "compute-full-forwarded-for", "forwarded-for-header", "proxy-real-ip-cidr", "limit-req-status-code",
    "http-snippet", "server-snippet", "location-snippet", "main-snippet", "plugins", "enable-real-ip",
    "upstream-keepalive-connections", "load-balance", "ssl-session-cache", "block-cidrs", "block-user-agents",
    "global-auth-url", "proxy-buffer-size", "proxy-buffering", "large-client-header-buffers",
    "client-header-buffer-size", "client-body-buffer-size", "hsts-preload", "disable-access-log",
    "access-log-path", "error-log-path", "error-log-level", "enable-underscores-in-headers",
})


@dataclass(frozen=True)
class Settings:
    proxy_body_size: str = "1m"
    ssl_redirect: bool = True
    force_ssl_redirect: bool = False
    server_tokens: bool = False
    proxy_connect_timeout: int = 5
    proxy_read_timeout: int = 60
    proxy_send_timeout: int = 60
    keep_alive: int = 75
    keep_alive_requests: int = 1000
    hsts: bool = True
    hsts_max_age: int = 31536000
    hsts_include_subdomains: bool = True
    worker_processes: str = "auto"


def _key(name: str) -> str:
    return name.replace("_", "-")


def parse(data: dict[str, str] | None) -> tuple[Settings, list[str]]:
    """The settings of a ConfigMap's data, and what to say about it in the log."""
    values, notes = {}, []
    for f in fields(Settings):
        key = _key(f.name)
        if key not in (data or {}):
            continue
        text = str(data[key]).strip()
        default = f.default
        if isinstance(default, bool):
            ok = text in _BOOL
            value: object = text == "true"
        elif isinstance(default, int):
            ok = text.isdigit()
            value = int(text) if ok else default
        elif key == "proxy-body-size":
            ok, value = bool(_SIZE.match(text)), text
        else:  # worker-processes
            ok, value = text == "auto" or (text.isdigit() and int(text) > 0), text
        if ok:
            values[f.name] = value
        else:
            notes.append(f"configmap key {key}: the value {text!r} is not valid; using the default {default!r}")
    if str((data or {}).get("allow-snippet-annotations", "false")) == "true":
        notes.append("configmap key allow-snippet-annotations: snippet annotations stay refused on kinns (it "
                     "renders no nginx text an Ingress gives)")
    left_out = sorted(k for k in (data or {}) if k in NOT_CARRIED)
    if left_out:
        notes.append("configmap keys kinns's ingress-nginx does not carry, left out: " + ", ".join(left_out))
    return Settings(**values), notes
