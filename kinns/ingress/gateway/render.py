"""A Gateway's plan as nginx configuration: pure, so the matching and filters are testable.

Each (listener port, host) is a `server`. Paths become locations the way
nginx picks them: `location = /p` for Exact, `location ~ re` for
RegularExpression (checked in precedence order), `location /p/` and
`location = /p` for PathPrefix /p. A location holds every match that can take
its requests, in precedence order; when the first has conditions (method,
headers, query parameters, or a path nginx did not already check), maps turn
each condition into "1" or "", a last map picks the first candidate whose
conditions all hold, and `error_page 418 = $choice; return 418` jumps to that
rule's named location, which applies its filters and proxies. Requests no
rule takes get 404; backends that cannot serve are loopback servers of the pod
answering 500 (invalid reference) or 503 (no ready endpoints), as the
specification asks.

Paths to files start with RUN (the data plane's directory, filled in where the
configuration is used).
"""

import hashlib
import re

from ..nginx import DOLLAR, forwarded_headers, quote, regex
from ..nginx import nginx_conf as whole_conf
from .graph import FAILED, UNAVAILABLE, Action, Match, Plan, Server

RUN = "@RUN@"
NOT_FOUND = "@kinns_404"


def _id(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:12]


def _lit(text: str) -> str:
    """`text` inside a double-quoted nginx string, literally."""
    return quote(text)[1:-1]


def _prefix_regex(prefix: str) -> str:
    return "^" + re.escape(prefix) + "(/|$)" if prefix != "/" else "^/"


def covers(prefix: str, path: str) -> bool:
    """PathPrefix semantics, element by element: /foo covers /foo and /foo/bar, not /foobar."""
    return prefix == "/" or path == prefix or path.startswith(prefix + "/")


class Config:
    """The http-level blocks (maps, splits, upstreams) a Gateway's servers need, each made once."""

    def __init__(self) -> None:
        self.maps: dict[str, str] = {}

    def condition(self, variable: str, pattern: str) -> str:
        """A variable that is "1" when `variable` matches the PCRE `pattern`, else ""."""
        name = "kinns_c_" + _id(variable, pattern)
        self.maps.setdefault(name, f'    map {variable} ${name} {{ {regex("~" + pattern)} 1; default ""; }}')
        return "$" + name

    def choice(self, groups: list[list[str]], targets: list[str]) -> str:
        """A variable naming the first target whose condition variables are all "1"."""
        name = "kinns_s_" + _id(repr(groups), repr(targets))
        key = "".join("".join(g) + "|" for g in groups)
        lines = [f'        "~^([^|]*\\|){{{i}}}{"1" * len(g)}\\|" {t};'
                 for i, (g, t) in enumerate(zip(groups, targets))]
        self.maps.setdefault(name, f'    map "{key}" ${name} {{\n' + "\n".join(lines) +
                             f"\n        default {NOT_FOUND};\n    }}")
        return "$" + name

    def split(self, action: Action) -> str:
        """A variable naming one of the action's weighted upstreams, chosen per request by weight."""
        name = "kinns_w_" + action.name
        total = sum(w for _, w in action.backends)
        lines = []
        for upstream, weight in action.backends[:-1]:
            share = round(100 * weight / total, 2)
            if share > 0:
                lines.append(f"        {share:g}% {upstream};")
        lines.append(f"        * {action.backends[-1][0]};")
        self.maps.setdefault(name, f'    split_clients "$request_id" ${name} {{\n' + "\n".join(lines) + "\n    }")
        return "$" + name

    def prefix_rewrite(self, prefix: str, replacement: str) -> str:
        """A variable holding the path with its matched `prefix` replaced (ReplacePrefixMatch semantics:
        /prefix -> /new, /prefix/a -> /new/a, and a replacement of / strips the prefix)."""
        name = "kinns_p_" + _id(prefix, replacement)
        base = replacement.rstrip("/")
        rest = "kinns_rest_" + _id(prefix)
        whole = "^" + re.escape(prefix) + "$" if prefix != "/" else "^/$"
        below = "^" + re.escape(prefix.rstrip("/")) + f"(?<{rest}>/.*)$"
        self.maps.setdefault(name, f'    map $uri ${name} {{\n'
                                   f'        {regex("~" + whole)} "{_lit(base or "/")}";\n'
                                   f'        {regex("~" + below)} "{_lit(base)}${rest}";\n'
                                   '        default $uri;\n    }')
        return "$" + name

    def appended(self, header: str, value: str) -> str:
        """A variable with `value` added after the request's own `header` values (comma-separated)."""
        variable = "$http_" + header.lower().replace("-", "_")
        name = "kinns_a_" + _id(header.lower(), value)
        self.maps.setdefault(name, f'    map {variable} ${name} {{ "" "{_lit(value)}"; default "{variable},'
                                   f'{_lit(value)}"; }}')
        return "$" + name


def _conditions(config: Config, match: Match, path_checked: bool) -> list[str]:
    tests = []
    if not path_checked:
        if match.path_type == "Exact":
            tests.append(config.condition("$uri", "^" + re.escape(match.path) + "$"))
        elif match.path_type == "RegularExpression":
            tests.append(config.condition("$uri", match.path))
        elif match.path != "/":
            tests.append(config.condition("$uri", _prefix_regex(match.path)))
    if match.method:
        tests.append(config.condition("$request_method", "^" + match.method + "$"))
    for kind, name, value in match.headers:
        pattern = value if kind == "RegularExpression" else "^" + re.escape(value) + "$"
        tests.append(config.condition("$http_" + name.replace("-", "_"), pattern))
    for kind, name, value in match.query:
        pattern = value if kind == "RegularExpression" else "^" + re.escape(value) + "$"
        tests.append(config.condition("$arg_" + name, pattern))
    return tests


def _action_body(config: Config, action: Action, server: Server) -> list[str]:
    """The directives of a rule's named location: filters in order, then where the request goes."""
    lines: list[str] = []
    defaults = {h.split()[1].lower(): h for h in forwarded_headers()}
    headers = dict(defaults)  # emitted only when a filter changes them: otherwise the http level's apply
    rewrite = redirect = None
    for f in action.filters:
        kind = f.get("type")
        if kind == "RequestHeaderModifier":
            mod = f.get("requestHeaderModifier") or {}
            for h in mod.get("set") or []:
                headers[h["name"].lower()] = f"proxy_set_header {h['name']} {quote(h['value'])};"
            for h in mod.get("add") or []:
                headers[h["name"].lower()] = f"proxy_set_header {h['name']} {config.appended(h['name'], h['value'])};"
            for name in mod.get("remove") or []:
                headers[name.lower()] = f'proxy_set_header {name} "";'
        elif kind == "ResponseHeaderModifier":
            mod = f.get("responseHeaderModifier") or {}
            for h in mod.get("set") or []:
                lines += [f"proxy_hide_header {h['name']};", f"add_header {h['name']} {quote(h['value'])} always;"]
            for h in mod.get("add") or []:
                lines.append(f"add_header {h['name']} {quote(h['value'])} always;")
            lines += [f"proxy_hide_header {name};" for name in mod.get("remove") or []]
        elif kind == "URLRewrite":
            rewrite = f.get("urlRewrite") or {}
            if rewrite.get("hostname"):
                headers["host"] = f"proxy_set_header Host {quote(rewrite['hostname'])};"
        elif kind == "RequestRedirect":
            redirect = f.get("requestRedirect") or {}
    for upstream in action.mirrors:
        lines.append(f"mirror /_kinns_mirror_{upstream};")
    if action.timeout:
        lines += [f"proxy_read_timeout {action.timeout};", f"proxy_send_timeout {action.timeout};"]
    if redirect is not None:
        return lines + [_redirect(config, redirect, action, server)]
    if rewrite and rewrite.get("path"):
        lines.append(f"rewrite ^ {_new_path(config, rewrite['path'], action)} break;")
    if headers != defaults:
        lines += headers.values()
    target = action.backends[0][0] if len(action.backends) == 1 else config.split(action)
    return lines + [f"proxy_pass http://{target};"]


def _new_path(config: Config, modifier: dict, action: Action) -> str:
    if modifier.get("type") == "ReplaceFullPath":
        return quote(modifier.get("replaceFullPath") or "/")
    return config.prefix_rewrite(action.prefix or "/", modifier.get("replacePrefixMatch") or "/")


def _redirect(config: Config, f: dict, action: Action, server: Server) -> str:
    scheme = f.get("scheme") or ("https" if server.tls else "http")
    if f.get("port"):
        port = f["port"]
    elif f.get("scheme"):
        port = {"http": 80, "https": 443}[scheme]
    else:
        port = server.port
    shown = "" if (scheme, port) in (("http", 80), ("https", 443)) else f":{port}"
    host = _lit(f["hostname"]) if f.get("hostname") else "$host"
    path = "$request_uri"
    if f.get("path"):
        path = _new_path(config, f["path"], action).strip('"') + "$is_args$args"
    return f'return {f.get("statusCode", 302)} "{_lit(scheme)}://{host}{shown}{path}";'


def _candidates(matches: list[Match], kind: str, path: str) -> list[tuple[Match, bool]]:
    """The matches a location can hand a request to, in precedence order, each with whether the location
    already guarantees its path."""
    out = []
    for m in matches:
        if kind == "Exact":
            if m.path_type == "Exact" and m.path == path or m.path_type == "PathPrefix" and covers(m.path, path) \
                    or m.path_type == "RegularExpression" and re.search(m.path, path):
                out.append((m, True))
        elif kind == "PathPrefix":
            if m.path_type == "PathPrefix" and covers(m.path, path):
                out.append((m, True))
        elif m.path_type == "RegularExpression":  # a regex location: itself, and later expressions
            if m.path == path or out:
                out.append((m, m.path == path))
        elif m.path_type == "PathPrefix" and out:
            out.append((m, m.path == "/"))
    return out


def _location(config: Config, server: Server, candidates: list[tuple[Match, bool]], actions: dict) -> str:
    if not candidates:
        return "return 404;"
    groups = [_conditions(config, m, checked) for m, checked in candidates]
    if not groups[0]:  # the first candidate always applies: its rule's directives right here
        return " ".join(_action_body(config, candidates[0][0].action, server))
    for m, _ in candidates:
        actions[m.action.name] = m.action
    cut = next((i for i, g in enumerate(groups) if not g), len(groups) - 1)  # nothing after it can be chosen
    choice = config.choice(groups[:cut + 1], [f"@a_{m.action.name}" for m, _ in candidates[:cut + 1]])
    return f"error_page 418 = {choice}; return 418;"


def _server(config: Config, server: Server, default: bool, upstreams: set[str]) -> str:
    matches = server.matches
    exact = list(dict.fromkeys(m.path for m in matches if m.path_type == "Exact"))
    prefixes = list(dict.fromkeys(m.path for m in matches if m.path_type == "PathPrefix"))
    expressions = list(dict.fromkeys(m.path for m in matches if m.path_type == "RegularExpression"))
    actions: dict[str, Action] = {}
    locations = []
    for path in exact:
        body = _location(config, server, _candidates(matches, "Exact", path), actions)
        locations.append(f"location = {quote(path)} {{ {body} }}")
    for path in expressions:
        body = _location(config, server, _candidates(matches, "RegularExpression", path), actions)
        locations.append(f"location ~ {regex(path)} {{ {body} }}")
    for path in sorted(prefixes, key=len, reverse=True):
        body = _location(config, server, _candidates(matches, "PathPrefix", path), actions)
        if path == "/":
            locations.append(f"location / {{ {body} }}")
            continue
        if path not in exact:
            locations.append(f"location = {quote(path)} {{ {body} }}")
        locations.append(f"location {quote(path + '/')} {{ {body} }}")
    if "/" not in prefixes:
        locations.append("location / { return 404; }")
    for action in actions.values():
        body = "\n            ".join(_action_body(config, action, server))
        locations.append(f"location @a_{action.name} {{\n            {body}\n        }}")
    used = {m.action.name: m.action for m in matches}
    upstreams.update(u for a in used.values() for u, _ in a.backends)
    for upstream in sorted({u for a in used.values() for u in a.mirrors}):
        headers = " ".join(forwarded_headers())
        locations.append(f"location = /_kinns_mirror_{upstream} {{ internal; {headers} "
                         f"proxy_pass http://{upstream}$request_uri; }}")
        upstreams.add(upstream)
    locations.append(f"location {NOT_FOUND} {{ return 404; }}")
    listen = f"listen {server.port}{' ssl' if server.tls else ''}{' default_server' if default else ''};"
    name = server.host or "_"
    tls = ""
    if server.tls:
        pem = f"{RUN}/certs/{server.certificate.replace('/', '_')}.pem" if server.certificate \
            else f"{RUN}/default-certificate.pem"
        tls = f"        ssl_certificate {pem};\n        ssl_certificate_key {pem};\n"
    body = "\n        ".join(locations)
    return f"    server {{ # {server.host or '(every host)'}:{server.port}\n        {listen}\n" \
           f"        server_name {name};\n{tls}        {body}\n    }}"


def nginx_conf(plan: Plan) -> str:
    """The data plane's whole nginx.conf for one Gateway."""
    return whole_conf(RUN, http_blocks(plan))


def http_blocks(plan: Plan) -> list[str]:
    """What the http block holds for one Gateway (upstreams, maps, servers), files named under RUN."""
    config = Config()
    servers, used = [], set()
    for port in plan.ports:
        on_port = [s for (p, _), s in sorted(plan.servers.items()) if p == port]
        tls = any(s.tls for s in on_port)
        if not any(s.host == "" for s in on_port):  # requests for hosts no listener takes: 404
            on_port.append(Server(port, "", tls))
        for s in on_port:
            servers.append(_server(config, s, s.host == "", used))
    upstreams = [f"    upstream {name} {{\n" + "".join(f"        server {a};\n" for a in plan.upstreams[name]) +
                 "        keepalive 32;\n    }" for name in sorted(used) if name in plan.upstreams]
    # loopback servers of the pod that answer for backends that cannot (ports no listener uses)
    ports = set(plan.ports)
    spare = [p for p in range(65535, 1024, -1) if p not in ports][:2]
    internal = [f"    upstream {name} {{ server 127.0.0.1:{port}; }}\n    server {{ listen 127.0.0.1:{port}; "
                f"access_log off; return {code}; }}"
                for name, port, code in ((FAILED, spare[0], 500), (UNAVAILABLE, spare[1], 503))]
    return [f"    {DOLLAR}", *upstreams, *internal, *(config.maps[k] for k in sorted(config.maps)), *servers]
