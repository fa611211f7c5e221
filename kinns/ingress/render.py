"""Ingresses to nginx configuration: pure, so the rules (host matching, path types, precedence) are testable.

Path types as the Kubernetes documentation defines them: Exact matches the
path only; Prefix matches element-wise (`/foo` matches `/foo` and `/foo/bar`,
not `/foobar`), the longest prefix winning; Exact wins over Prefix for the
same path (nginx's `=` locations do exactly that); ImplementationSpecific is
Prefix here, as ingress-nginx treats it without use-regex. A wildcard host
`*.foo.com` matches one label (`bar.foo.com`, not `baz.bar.foo.com`). Hosts
and paths no rule serves get the controller's default backend: 404.
"""

import re
from dataclasses import dataclass, field

DEFAULT_BACKEND = "default backend - 404"


@dataclass
class Route:
    path: str
    kind: str  # Exact | Prefix
    upstream: str  # the upstream block's name, or "" when the Service has no endpoints
    origin: str  # namespace/ingress, for comments and conflicts


@dataclass
class Server:
    host: str  # "" for rules without host
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)


def upstream_name(namespace: str, service: str, port: int | str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "-", f"{namespace}-{service}-{port}")


def _service_port(svc: dict, port: dict) -> dict | None:
    for p in svc.get("spec", {}).get("ports") or []:
        if ("number" in port and p.get("port") == port["number"]) or ("name" in port and p.get("name") == port["name"]):
            return p
    return None


def endpoints(svc: dict, port: dict, slices: list[dict]) -> list[str]:
    """The ready pod address:port pairs behind a Service port (targetPort resolved through the slices)."""
    sp = _service_port(svc, port)
    if sp is None:
        return []
    out = []
    for s in slices:
        number = next((x.get("port") for x in s.get("ports") or []
                       if (x.get("name") or "") == (sp.get("name") or "")), None)
        if not number:
            continue
        for e in s.get("endpoints") or []:
            if (e.get("conditions") or {}).get("ready") is not False:
                out += [f"{ip}:{number}" for ip in e.get("addresses") or []]
    return sorted(set(out))


def build(ingresses: list[dict], services: dict, slices: dict) -> tuple[dict[str, Server], dict[str, list[str]],
                                                                           Route | None]:
    """Servers by host, upstreams (name -> addresses) and the default backend route, oldest Ingress first."""
    servers: dict[str, Server] = {}
    upstreams: dict[str, list[str]] = {}
    default: Route | None = None

    def backend_route(ns: str, backend: dict, path: str, kind: str, origin: str) -> Route | None:
        ref = backend.get("service")
        if not ref:
            return None
        name = upstream_name(ns, ref["name"], ref.get("port", {}).get("number") or ref.get("port", {}).get("name"))
        svc = services.get((ns, ref["name"]))
        addresses = endpoints(svc, ref.get("port") or {}, slices.get((ns, ref["name"]), [])) if svc else []
        if addresses:
            upstreams[name] = addresses
        return Route(path, kind, name if addresses else "", origin)

    for ing in sorted(ingresses, key=lambda i: (i["metadata"].get("creationTimestamp", ""), i["metadata"]["name"])):
        ns, spec = ing["metadata"]["namespace"], ing.get("spec") or {}
        origin = f"{ns}/{ing['metadata']['name']}"
        if spec.get("defaultBackend") and default is None:
            default = backend_route(ns, spec["defaultBackend"], "/", "Prefix", origin)
        for rule in spec.get("rules") or []:
            server = servers.setdefault(rule.get("host", ""), Server(rule.get("host", "")))
            for p in (rule.get("http") or {}).get("paths") or []:
                kind = "Exact" if p.get("pathType") == "Exact" else "Prefix"
                path = p.get("path") or "/"
                route = backend_route(ns, p.get("backend") or {}, path, kind, origin)
                if route is not None:
                    server.routes.setdefault((kind, path), route)  # the older Ingress keeps a path
    return servers, upstreams, default


def _server_name(host: str) -> str:
    if host.startswith("*."):
        return "~^[^.]+" + re.escape(host[1:]).replace("\\-", "-") + "$"
    return host


def _proxy(route: Route | None) -> str:
    if route is None:
        return f'return 404 "{DEFAULT_BACKEND}";'
    if not route.upstream:
        return "return 503;"
    return f"proxy_pass http://{route.upstream};"


def _locations(server: Server, default: Route | None) -> list[str]:
    out = []
    for (kind, path), route in sorted(server.routes.items(), key=lambda kv: (-len(kv[0][1]), kv[0])):
        comment = f"# {route.origin}: {kind} {path}"
        if kind == "Exact":
            out.append(f"location = {path} {{ {comment}\n            {_proxy(route)}\n        }}")
        elif path == "/":
            out.append(f"location / {{ {comment}\n            {_proxy(route)}\n        }}")
        else:
            base = path.rstrip("/")
            if ("Exact", base) not in server.routes:
                out.append(f"location = {base} {{ {comment}\n            {_proxy(route)}\n        }}")
            out.append(f"location {base}/ {{ {comment}\n            {_proxy(route)}\n        }}")
    if ("Prefix", "/") not in server.routes:
        out.append(f"location / {{ # no rule: the default backend\n            {_proxy(default)}\n        }}")
    return out


def nginx_conf(servers: dict[str, Server], upstreams: dict[str, list[str]], default: Route | None, run: str) -> str:
    blocks = [f"    upstream {name} {{\n" + "".join(f"        server {a};\n" for a in addresses) + "    }"
              for name, addresses in sorted(upstreams.items())]
    fallback = _proxy(default)
    blocks.append("    server {\n        listen 80 default_server;\n        server_name _;\n"
                  "        location / {\n            " + fallback + "\n        }\n    }")
    for host, server in sorted(servers.items()):
        if not host:
            body = "\n        ".join(_locations(server, default))
            blocks[-1] = ("    server {\n        listen 80 default_server;\n        server_name _;\n        "
                          + body + "\n    }")
            continue
        body = "\n        ".join(_locations(server, default))
        blocks.append(f"    server {{\n        listen 80;\n        server_name {_server_name(host)};\n"
                      f"        {body}\n    }}")
    return f"""worker_processes 1;
pid {run}/nginx.pid;
error_log stderr notice;
events {{ worker_connections 1024; }}
http {{
    access_log /dev/stdout;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    proxy_set_header Host $host;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Host $host;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_http_version 1.1;
    server_names_hash_bucket_size 128;
{chr(10).join(blocks)}
}}
"""
