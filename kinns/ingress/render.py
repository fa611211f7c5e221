"""Ingresses to nginx configuration: pure, so the rules (host matching, path types, precedence) are testable.

Path types as the Kubernetes documentation defines them: Exact matches the
path only; Prefix matches element-wise (`/foo` matches `/foo` and `/foo/bar`,
not `/foobar`), the longest prefix winning; Exact wins over Prefix for the
same path (nginx's `=` locations do exactly that); ImplementationSpecific is
Prefix here, as ingress-nginx treats it without use-regex. A wildcard host
`*.foo.com` matches one label (`bar.foo.com`, not `baz.bar.foo.com`). Hosts
and paths no rule serves get the controller's default backend: 404.

TLS: a host in an Ingress's `tls` is served on 443 with its Secret's
certificate (the default, self-signed one while the Secret is missing), and
plain HTTP to it is redirected (308) unless `ssl-redirect: "false"`. The
ingress-nginx annotations kept per Ingress: use-regex and rewrite-target
(capture groups), force-ssl-redirect, app-root, permanent-redirect(-code),
backend-protocol, proxy-body-size, whitelist-source-range, and canary
Ingresses (canary-weight, canary-by-header and its value) joining the route
of the main Ingress with the same host and path.
"""

import ipaddress
import re
from dataclasses import dataclass, field

from .backends import endpoints, upstream_name
from .nginx import nginx_conf as whole_conf
from .nginx import regex
from .settings import Settings

DEFAULT_BACKEND = "default backend - 404"


ANNOTATION = "nginx.ingress.kubernetes.io/"


@dataclass
class Route:
    path: str
    kind: str  # Exact | Prefix | Regex (use-regex / rewrite-target)
    upstream: str  # the upstream block's name, or "" when the Service has no endpoints
    origin: str  # namespace/ingress, for comments and conflicts
    options: dict[str, str] = field(default_factory=dict)  # the Ingress's nginx.ingress.kubernetes.io/* values
    canary: "Route | None" = None  # a canary Ingress's route for the same host and path


@dataclass
class Server:
    host: str  # "" for rules without host
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    certificate: str = ""  # the Secret (namespace/name) whose certificate serves this host over TLS
    redirect: bool = False  # plain HTTP answered with a redirect to HTTPS (ssl-redirect, force-ssl-redirect)
    app_root: str = ""
    default: "Route | None" = None  # the spec.defaultBackend of the (oldest) Ingress defining this host


# What a value may hold before it is written into nginx's configuration (ingress-nginx's strict path and annotation
# validation): nothing that could end a directive, open a block or start a comment.
_SAFE_PATH = re.compile(r"^/[A-Za-z0-9/._~%@:+-]*$")
_SAFE_REGEX = re.compile(r'^/[^\s;{}#"\\]*$')
_ANNOTATIONS = {
    "proxy-body-size": re.compile(r"^[0-9]+[kKmMgG]?$"),
    "permanent-redirect": re.compile(r"^https?://[A-Za-z0-9._~:/?#\[\]@!&'()*+,=%-]+$"),
    "permanent-redirect-code": re.compile(r"^30[1278]$"),
    "rewrite-target": re.compile(r"^/?[A-Za-z0-9/._~%$-]*$"),
    "app-root": _SAFE_PATH,
    "backend-protocol": re.compile(r"^(HTTP|HTTPS|http|https)$"),
    "canary-by-header": re.compile(r"^[A-Za-z0-9-]+$"),
    "canary-by-header-value": re.compile(r"^[A-Za-z0-9._-]+$"),
    "canary-weight": re.compile(r"^[0-9]+$"),
    "canary-weight-total": re.compile(r"^[1-9][0-9]*$"),
    "whitelist-source-range": re.compile(r"^[0-9a-fA-F.:/, ]+$"),
}


def refusal(ing: dict) -> str:
    """Why an Ingress cannot be rendered ("" when it can): a path or annotation value that nginx would read as
    more than a value. It is left out, and its controller says so in an Event."""
    annotations = ing["metadata"].get("annotations") or {}
    regex_paths = annotations.get(ANNOTATION + "use-regex") == "true" or ANNOTATION + "rewrite-target" in annotations
    for key, value in annotations.items():
        if key.startswith(ANNOTATION) and key.endswith("-snippet"):
            return f"{key} annotation cannot be used. Snippet directives are disabled by the Ingress administrator"
        check = _ANNOTATIONS.get(key[len(ANNOTATION):]) if key.startswith(ANNOTATION) else None
        if check is not None and not check.match(str(value)):
            return f"annotation {key} contains invalid value {str(value)!r}"
    for cidr in str(annotations.get(ANNOTATION + "whitelist-source-range", "")).split(","):
        try:
            if cidr.strip():
                ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            return f"annotation {ANNOTATION}whitelist-source-range: {cidr.strip()!r} is not a CIDR"
    for rule in (ing.get("spec") or {}).get("rules") or []:
        for p in (rule.get("http") or {}).get("paths") or []:
            path = p.get("path") or "/"
            if not (_SAFE_REGEX if regex_paths else _SAFE_PATH).match(path):
                return f"path {path!r} contains characters nginx does not take in a location"
    return ""


def build(ingresses: list[dict], services: dict, slices: dict, settings: Settings = Settings(),
          default_service: str = "") -> tuple[dict[str, Server], dict[str, list[str]], Route | None]:
    """Servers by host, upstreams (name -> addresses) and the default backend route, oldest Ingress first. A
    path no rule of a host serves goes to the spec.defaultBackend of the Ingress defining the host; anything
    else to the defaultBackend of the first Ingress without rules (a catch-all Ingress), else the first port of
    `default_service` (`--default-backend-service`, namespace/name), else the controller's own 404."""
    servers: dict[str, Server] = {}
    upstreams: dict[str, list[str]] = {}
    default: Route | None = None

    def backend_route(ns: str, backend: dict, path: str, kind: str, origin: str, options: dict) -> Route | None:
        ref = backend.get("service")
        if not ref:
            return None
        name = upstream_name(ns, ref["name"], ref.get("port", {}).get("number") or ref.get("port", {}).get("name"))
        svc = services.get((ns, ref["name"]))
        addresses = endpoints(svc, ref.get("port") or {}, slices.get((ns, ref["name"]), [])) if svc else []
        if addresses:
            upstreams[name] = addresses
        return Route(path, kind, name if addresses else "", origin, options)

    def canary_last(ing: dict) -> tuple:
        annotations = ing["metadata"].get("annotations") or {}
        return (annotations.get(ANNOTATION + "canary") == "true", ing["metadata"].get("creationTimestamp", ""),
                ing["metadata"]["name"])

    for ing in sorted(ingresses, key=canary_last):
        ns, spec = ing["metadata"]["namespace"], ing.get("spec") or {}
        origin = f"{ns}/{ing['metadata']['name']}"
        options = {k[len(ANNOTATION):]: str(v) for k, v in (ing["metadata"].get("annotations") or {}).items()
                   if k.startswith(ANNOTATION)}
        regex = options.get("use-regex") == "true" or "rewrite-target" in options
        own_default = backend_route(ns, spec["defaultBackend"], "/", "Prefix", origin, options) \
            if spec.get("defaultBackend") else None
        if own_default is not None and not spec.get("rules") and default is None:
            default = own_default
        tls_hosts = {h: f"{ns}/{t['secretName']}" for t in spec.get("tls") or [] if t.get("secretName")
                     for h in t.get("hosts") or []}
        for rule in spec.get("rules") or []:
            host = rule.get("host", "")
            server = servers.setdefault(host, Server(host))
            server.default = server.default or own_default
            if host in tls_hosts and not server.certificate:
                server.certificate = tls_hosts[host]
                server.redirect = options.get("ssl-redirect", str(settings.ssl_redirect).lower()) == "true"
            if options.get("force-ssl-redirect", str(settings.force_ssl_redirect).lower()) == "true":
                server.redirect = True
            server.app_root = server.app_root or options.get("app-root", "")
            for p in (rule.get("http") or {}).get("paths") or []:
                kind = "Regex" if regex else "Exact" if p.get("pathType") == "Exact" else "Prefix"
                path = p.get("path") or "/"
                route = backend_route(ns, p.get("backend") or {}, path, kind, origin, options)
                if route is None:
                    continue
                if options.get("canary") == "true":  # joins the main Ingress's route; alone it serves nothing
                    main = server.routes.get((kind, path))
                    if main is not None and main.canary is None:
                        main.canary = route
                    continue
                server.routes.setdefault((kind, path), route)  # the older Ingress keeps a path
    if default is None and default_service:
        ns, name = default_service.split("/", 1)
        ports = (services.get((ns, name)) or {}).get("spec", {}).get("ports") or []
        if ports:
            default = backend_route(ns, {"service": {"name": name, "port": {"number": ports[0]["port"]}}}, "/",
                                    "Prefix", f"--default-backend-service={default_service}", {})
    return servers, upstreams, default


def _server_name(host: str) -> str:
    if host.startswith("*."):
        return "~^[^.]+" + re.escape(host[1:]).replace("\\-", "-") + "$"
    return host


def _proxy(route: Route | None) -> str:
    """The body of a location: the Ingress's annotations, then where the request goes."""
    if route is None:
        return f'return 404 "{DEFAULT_BACKEND}";'
    o = route.options
    lines = []
    if o.get("whitelist-source-range"):
        lines += [f"allow {cidr.strip()};" for cidr in o["whitelist-source-range"].split(",") if cidr.strip()]
        lines.append("deny all;")
    if o.get("proxy-body-size"):
        lines.append(f"client_max_body_size {o['proxy-body-size']};")
    if o.get("permanent-redirect"):
        return " ".join(lines + [f"return {o.get('permanent-redirect-code', '301')} {o['permanent-redirect']};"])
    if route.kind == "Regex" and o.get("rewrite-target"):
        target = re.sub(r"\$(\d)", r"$\1", o["rewrite-target"])
        lines.append(f'rewrite {regex("(?i)" + route.path)} {target} break;')
    if not route.upstream:
        return " ".join(lines + ["return 503;"])
    scheme = "https" if o.get("backend-protocol", "HTTP").upper() == "HTTPS" else "http"
    canary = route.canary
    if canary is None or not canary.upstream:
        return " ".join(lines + [f"proxy_pass {scheme}://{route.upstream};"])
    # canary-by-header ("always" / "never", or canary-by-header-value) decides first, then canary-weight
    c = canary.options
    lines.append(f"set $kinns_target {_split_name(route)};")
    header = c.get("canary-by-header")
    if header:
        variable = "$http_" + header.lower().replace("-", "_")
        always = c.get("canary-by-header-value", "always")
        lines.append(f'if ({variable} = "{always}") {{ set $kinns_target {canary.upstream}; }}')
        if "canary-by-header-value" not in c:
            lines.append(f'if ({variable} = "never") {{ set $kinns_target {route.upstream}; }}')
    return " ".join(lines + [f"proxy_pass {scheme}://$kinns_target;"])


def _split_name(route: Route) -> str:
    return "$canary_" + re.sub(r"[^A-Za-z0-9_]", "_", f"{route.upstream}_{route.path}")


def _splits(servers: dict[str, Server]) -> list[str]:
    """split_clients blocks: a canary's share of requests by canary-weight (of canary-weight-total)."""
    out = []
    for server in servers.values():
        for route in server.routes.values():
            canary = route.canary
            if canary is None or not canary.upstream or not route.upstream:
                continue
            total = int(canary.options.get("canary-weight-total", "100") or 100)
            share = 100 * int(canary.options.get("canary-weight", "0") or 0) / total
            entries = [f"        {share:g}% {canary.upstream};"] if share > 0 else []
            entries.append(f"        * {route.upstream};")
            if share >= 100:
                entries = [f"        * {canary.upstream};"]
            out.append(f'    split_clients "$request_id" {_split_name(route)} {{\n' + "\n".join(entries) + "\n    }")
    return out


def _locations(server: Server, default: Route | None) -> list[str]:
    out = []
    if server.app_root:
        out.append(f"location = / {{ return 302 $scheme://$http_host{server.app_root}; }}")
    for (kind, path), route in sorted(server.routes.items(), key=lambda kv: (-len(kv[0][1]), kv[0])):
        comment = f"# {route.origin}: {kind} {path}"
        if kind == "Regex":
            out.append(f'location ~* {regex("^" + path)} {{ {comment}\n            {_proxy(route)}\n        }}')
        elif kind == "Exact":
            out.append(f"location = {path} {{ {comment}\n            {_proxy(route)}\n        }}")
        elif path == "/":  # with app-root, the exact `location = /` above takes the bare root first
            out.append(f"location / {{ {comment}\n            {_proxy(route)}\n        }}")
        else:
            base = path.rstrip("/")
            if ("Exact", base) not in server.routes:
                out.append(f"location = {base} {{ {comment}\n            {_proxy(route)}\n        }}")
            out.append(f"location {base}/ {{ {comment}\n            {_proxy(route)}\n        }}")
    if ("Prefix", "/") not in server.routes:
        out.append(f"location / {{ # no rule: the default backend\n            {_proxy(server.default or default)}\n"
                   "        }")
    return out


def nginx_conf(servers: dict[str, Server], upstreams: dict[str, list[str]], default: Route | None, run: str,
               certificates: dict[str, str] | None = None, settings: Settings = Settings(),
               ports: tuple[int, int] = (80, 443), default_certificate: str = "") -> str:
    """The whole nginx.conf. `certificates`: Secret (namespace/name) -> PEM file (certificate and key); hosts
    whose Secret is missing are served with the default certificate, as ingress-nginx does
    (`default_certificate`, from --default-ssl-certificate, else the controller's self-signed one)."""
    certificates = certificates or {}
    fake = default_certificate or f"{run}/default-certificate.pem"
    http, https = ports
    blocks = [f"    upstream {name} {{\n" + "".join(f"        server {a};\n" for a in addresses) +
              "        keepalive 32;\n    }" for name, addresses in sorted(upstreams.items())] + _splits(servers)
    hsts = ""
    if settings.hsts:
        hsts = (f'        add_header Strict-Transport-Security "max-age={settings.hsts_max_age}'
                f'{"; includeSubDomains" if settings.hsts_include_subdomains else ""}" always;\n')
    catch_all = Server("")
    for host, server in sorted(servers.items()):
        if not host:
            catch_all = server
            continue
        tls = ""
        if server.certificate:
            pem = certificates.get(server.certificate, fake)
            tls = (f"        listen {https} ssl;\n        ssl_certificate {pem};\n        ssl_certificate_key {pem};\n"
                   + hsts)
        body = "\n        ".join(_locations(server, default))
        if server.redirect:
            body = ("if ($scheme = http) { return 308 https://$host$request_uri; }\n        " + body)
        blocks.append(f"    server {{\n        listen {http};\n{tls}        server_name {_server_name(host)};\n"
                      f"        {body}\n    }}")
    body = "\n        ".join(_locations(catch_all, default))
    blocks.append(f"    server {{\n        listen {http} default_server;\n        listen {https} ssl default_server;\n"
                  f"        server_name _;\n        ssl_certificate {fake};\n        ssl_certificate_key {fake};\n"
                  f"        {body}\n    }}")
    common = [f"    client_max_body_size {settings.proxy_body_size};",
              f"    server_tokens {'on' if settings.server_tokens else 'off'};",
              f"    proxy_connect_timeout {settings.proxy_connect_timeout}s;",
              f"    proxy_read_timeout {settings.proxy_read_timeout}s;",
              f"    proxy_send_timeout {settings.proxy_send_timeout}s;",
              f"    keepalive_timeout {settings.keep_alive}s;",
              f"    keepalive_requests {settings.keep_alive_requests};"]
    return whole_conf(run, common + blocks, workers=settings.worker_processes)
