"""From Gateway API objects to what each Gateway serves and every status condition: pure, so testable.

The rules are the specification's: a GatewayClass is ours when its
controllerName is; a Gateway of our class gets its listeners validated
(protocol, Route kinds, certificates and ReferenceGrants, port conflicts); an
HTTPRoute attaches per parentRef to the listeners its sectionName and port
select, that allow its namespace and kind, and whose hostname intersects its
own; each rule's backends resolve to Service ports (across namespaces only
with a ReferenceGrant). A request's host picks one listener per port, the most
specific one (listener isolation), and within it the matches of all attached
rules compete by the specification's precedence: Exact path, then
RegularExpression (kinns's choice, as nginx checks expressions before
prefixes), then the longest PathPrefix; then method, most header matches,
most query parameter matches, the oldest Route, the first by namespace/name,
the first rule and match in order.
"""

import functools
import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from ...apimachinery.labels import selector_matches
from ..backends import endpoints, service_port, upstream_name
from ..nginx import tls_pem
from .api import CONTROLLER_NAME, GROUP

HTTPROUTE_KIND = {"group": GROUP, "kind": "HTTPRoute"}
SUPPORTED_PROTOCOLS = ("HTTP", "HTTPS")
FAILED = "kinns_500"  # upstream names for requests no backend can take: invalid refs (500), no endpoints (503)
UNAVAILABLE = "kinns_503"
_HEADER_VARIABLE = re.compile(r"^[A-Za-z0-9_-]+$")  # header names nginx has a $http_ variable for
SUPPORTED_MINOR = 2  # Gateway API v1.2: later minor versions are served but not recommended


@dataclass
class Condition:
    status: str
    reason: str
    message: str


@dataclass
class Listener:
    name: str
    port: int
    protocol: str
    hostname: str  # "" when the listener takes every host
    spec: dict
    kinds: list[dict] = field(default_factory=list)
    conditions: dict[str, Condition] = field(default_factory=dict)
    attached: int = 0
    certificate: str = ""  # "namespace/name" of the Secret it serves

    @property
    def usable(self) -> bool:
        return all(self.conditions[t].status == s for t, s in
                   (("Accepted", "True"), ("Conflicted", "False"), ("ResolvedRefs", "True")))


@dataclass
class Action:
    """What one rule does with a request it matched."""
    name: str  # unique per rule: the named location's suffix
    filters: list[dict]
    backends: list[tuple[str, int]]  # (upstream, weight); FAILED / UNAVAILABLE for those that cannot serve
    prefix: str = ""  # the rule's only PathPrefix match, for ReplacePrefixMatch
    timeout: str = ""  # the shortest of the rule's request and backendRequest timeouts
    mirrors: list[str] = field(default_factory=list)  # upstreams receiving copies
    unresolved: Condition | None = None  # the first backend (or mirror) reference that does not resolve


@dataclass
class Match:
    path_type: str  # Exact | RegularExpression | PathPrefix
    path: str
    method: str
    headers: list[tuple[str, str, str]]  # (type, lower-case name, value)
    query: list[tuple[str, str, str]]
    action: Action
    order: tuple

    def key(self) -> tuple:
        kind = {"Exact": 0, "RegularExpression": 1, "PathPrefix": 2}[self.path_type]
        return (kind, -len(self.path) if kind == 2 else 0, 0 if self.method else 1, -len(self.headers),
                -len(self.query), *self.order)


@dataclass
class Server:
    port: int
    host: str  # "" for the listener that takes every host
    tls: bool
    certificate: str = ""
    matches: list[Match] = field(default_factory=list)


@dataclass
class Plan:
    """One Gateway: its listeners and conditions, what its data plane serves, the Secrets it needs."""
    gateway: dict
    listeners: list[Listener]
    conditions: dict[str, Condition]
    servers: dict[tuple[int, str], Server] = field(default_factory=dict)
    upstreams: dict[str, list[str]] = field(default_factory=dict)
    certificates: dict[str, bytes] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str]:
        return self.gateway["metadata"]["namespace"], self.gateway["metadata"]["name"]

    @property
    def ports(self) -> list[int]:
        return sorted({listener.port for listener in self.listeners if listener.usable})


@dataclass
class World:
    classes: list[dict]
    gateways: list[dict]
    routes: list[dict]
    grants: list[dict]
    services: dict[tuple[str, str], dict]
    slices: dict[tuple[str, str], list[dict]]
    secrets: dict[tuple[str, str], dict]
    namespaces: dict[str, dict]
    bundle_version: str = ""  # the installed CRDs' gateway.networking.k8s.io/bundle-version

    @functools.cached_property
    def upstreams(self) -> dict[str, list[str]]:
        """Every Service port's ready endpoints, by upstream name."""
        out = {}
        for (ns, name), svc in self.services.items():
            for p in (svc.get("spec") or {}).get("ports") or []:
                addresses = endpoints(svc, {"number": p["port"]}, self.slices.get((ns, name), []))
                if addresses:
                    out[upstream_name(ns, name, p["port"])] = addresses
        return out


@dataclass
class Parent:
    """One entry of an HTTPRoute's status.parents: the parentRef as given, and our conditions for it."""
    ref: dict
    conditions: dict[str, Condition]


def parent_ref(ref: dict) -> dict:
    """A parentRef as status.parents repeats it."""
    return {k: ref[k] for k in ("group", "kind", "namespace", "name", "sectionName", "port") if k in ref}


@dataclass
class Result:
    classes: dict[str, dict[str, Condition]]  # our GatewayClasses' conditions
    plans: dict[tuple[str, str], Plan]
    routes: dict[tuple[str, str], list[Parent]]  # HTTPRoute -> the parents we handle


def build(world: World) -> Result:
    classes = {c["metadata"]["name"]: _class_conditions(world.bundle_version)
               for c in world.classes if (c.get("spec") or {}).get("controllerName") == CONTROLLER_NAME}
    accepted = {name for name, conds in classes.items() if conds["Accepted"].status == "True"}
    plans = {}
    for gw in world.gateways:
        if (gw.get("spec") or {}).get("gatewayClassName") in accepted:
            plan = _plan(gw, world)
            plans[plan.key] = plan
    routes = {}
    ordered = sorted(world.routes, key=lambda r: (r["metadata"].get("creationTimestamp", ""),
                                                   r["metadata"]["namespace"], r["metadata"]["name"]))
    for position, route in enumerate(ordered):
        parents = _attach(route, position, plans, world)
        if parents:
            routes[(route["metadata"]["namespace"], route["metadata"]["name"])] = parents
    for plan in plans.values():
        for server in plan.servers.values():
            server.matches.sort(key=Match.key)
    return Result(classes, plans, routes)


def _class_conditions(bundle: str) -> dict[str, Condition]:
    version = re.match(r"^v(\d+)\.(\d+)", bundle or "")
    if version and version.group(1) != "1":
        return {"Accepted": Condition("False", "UnsupportedVersion", f"Gateway API CRD version {bundle} is not "
                                      "supported; kinns supports v1"),
                "SupportedVersion": Condition("False", "UnsupportedVersion",
                                              f"Gateway API CRD version {bundle} is not supported")}
    if version and int(version.group(2)) > SUPPORTED_MINOR:
        supported = Condition("False", "UnsupportedVersion", f"Gateway API CRD version {bundle} is newer than "
                              f"v1.{SUPPORTED_MINOR}; fields added since are ignored")
    elif not version:
        supported = Condition("Unknown", "UnsupportedVersion", "the Gateway API CRDs carry no bundle version")
    else:
        supported = Condition("True", "SupportedVersion", "Gateway API CRD versions are supported")
    return {"Accepted": Condition("True", "Accepted", "GatewayClass is accepted"), "SupportedVersion": supported}


# references


def granted(world: World, from_kind: str, from_ns: str, to_group: str, to_kind: str, to_ns: str, name: str) -> bool:
    """Does a ReferenceGrant in `to_ns` let a `from_kind` of `from_ns` refer to this object?"""
    for grant in world.grants:
        if grant["metadata"]["namespace"] != to_ns:
            continue
        spec = grant.get("spec") or {}
        if not any(f.get("group") == GROUP and f.get("kind") == from_kind and f.get("namespace") == from_ns
                   for f in spec.get("from") or []):
            continue
        if any((t.get("group") or "") == to_group and t.get("kind") == to_kind and t.get("name", name) == name
               for t in spec.get("to") or []):
            return True
    return False


def _certificate_problem(pem: bytes) -> str:
    try:
        x509.load_pem_x509_certificate(pem)
        load_pem_private_key(pem, None)
    except (ValueError, TypeError) as err:
        return f"the certificate or key is not valid PEM: {err}"
    return ""


# Gateways


def _plan(gw: dict, world: World) -> Plan:
    ns = gw["metadata"]["namespace"]
    listeners = [_listener(spec, ns, world) for spec in gw["spec"].get("listeners") or []]
    _conflicts(listeners)
    plan = Plan(gw, listeners, {})
    for listener in listeners:
        if not listener.usable:
            continue
        # the listener's own server even without Routes: its certificate for the handshake, then 404
        plan.servers[(listener.port, listener.hostname)] = Server(listener.port, listener.hostname,
                                                                  listener.protocol == "HTTPS", listener.certificate)
        if listener.certificate:
            namespace, name = listener.certificate.split("/")
            plan.certificates[listener.certificate] = tls_pem(world.secrets[(namespace, name)])
    invalid = [listener.name for listener in listeners if not listener.usable]
    addresses = gw["spec"].get("addresses") or []
    if any(a.get("type", "IPAddress") != "IPAddress" for a in addresses) or len(addresses) > 1:
        plan.conditions["Accepted"] = Condition("False", "UnsupportedAddress", "kinns gives a Gateway one "
                                                "address of type IPAddress, from the LoadBalancer pool")
    elif len(invalid) == len(listeners):
        plan.conditions["Accepted"] = Condition("False", "ListenersNotValid", "no listener is valid: "
                                                + ", ".join(invalid))
    elif invalid:
        plan.conditions["Accepted"] = Condition("True", "ListenersNotValid", "listeners not valid: "
                                                + ", ".join(invalid))
    else:
        plan.conditions["Accepted"] = Condition("True", "Accepted", "Gateway is accepted")
    return plan


def _listener(spec: dict, ns: str, world: World) -> Listener:
    listener = Listener(spec["name"], spec["port"], spec["protocol"].upper(), spec.get("hostname") or "", spec)
    c = listener.conditions
    c["Conflicted"] = Condition("False", "NoConflicts", "No conflicts")
    c["ResolvedRefs"] = Condition("True", "ResolvedRefs", "All references are resolved")
    if listener.protocol not in SUPPORTED_PROTOCOLS:
        c["Accepted"] = Condition("False", "UnsupportedProtocol", f"protocol {spec['protocol']} is not supported; "
                                  "kinns serves HTTP and HTTPS")
        return listener
    c["Accepted"] = Condition("True", "Accepted", "Listener is accepted")
    wanted = (spec.get("allowedRoutes") or {}).get("kinds") or [HTTPROUTE_KIND]
    listener.kinds = [HTTPROUTE_KIND] if any(k.get("group", GROUP) == GROUP and k.get("kind") == "HTTPRoute"
                                             for k in wanted) else []
    if len(listener.kinds) != len(wanted):
        bad = [k.get("kind") for k in wanted if k.get("kind") != "HTTPRoute" or k.get("group", GROUP) != GROUP]
        c["ResolvedRefs"] = Condition("False", "InvalidRouteKinds", f"route kinds not supported: {', '.join(bad)}")
    if listener.protocol == "HTTPS":
        _resolve_certificate(listener, ns, world)
    return listener


def _resolve_certificate(listener: Listener, ns: str, world: World) -> None:
    tls = listener.spec.get("tls") or {}
    if tls.get("mode", "Terminate") != "Terminate":
        listener.conditions["Accepted"] = Condition("False", "UnsupportedProtocol", "HTTPS listeners terminate "
                                                    "TLS; Passthrough needs a TLSRoute")
        return
    problem = ("InvalidCertificateRef", "no certificateRefs")
    for ref in tls.get("certificateRefs") or []:
        target_ns = ref.get("namespace") or ns
        where = f"{target_ns}/{ref.get('name')}"
        if (ref.get("group") or "") != "" or ref.get("kind", "Secret") != "Secret":
            problem = ("InvalidCertificateRef", f"certificate ref {ref.get('kind')} {where}: only Secrets are "
                       "supported")
        elif target_ns != ns and not granted(world, "Gateway", ns, "", "Secret", target_ns, ref["name"]):
            problem = ("RefNotPermitted", f"certificate ref to Secret {where} is not permitted by any "
                       "ReferenceGrant")
        elif (target_ns, ref["name"]) not in world.secrets:
            problem = ("InvalidCertificateRef", f"Secret {where} does not exist")
        else:
            pem = tls_pem(world.secrets[(target_ns, ref["name"])])
            reason = "Secret has no tls.crt and tls.key" if pem is None else _certificate_problem(pem)
            if not reason:
                listener.certificate = where
                return
            problem = ("InvalidCertificateRef", f"Secret {where}: {reason}")
    listener.conditions["ResolvedRefs"] = Condition("False", *problem)


def _conflicts(listeners: list[Listener]) -> None:
    """HTTP and HTTPS listeners cannot share a port: all of them are Conflicted."""
    by_port: dict[int, set[str]] = {}
    for listener in listeners:
        if listener.protocol in SUPPORTED_PROTOCOLS:
            by_port.setdefault(listener.port, set()).add(listener.protocol)
    for listener in listeners:
        if len(by_port.get(listener.port, ())) > 1:
            listener.conditions["Conflicted"] = Condition("True", "ProtocolConflict", "listeners on port "
                                                          f"{listener.port} use different protocols")
            listener.conditions["Accepted"] = Condition("False", "ProtocolConflict", "listeners on port "
                                                        f"{listener.port} use different protocols")


# hostnames


def _covers(pattern: str, host: str) -> bool:
    """Does a listener hostname (exact, `*.domain` or "" for all) take `host` (which may be a wildcard)?"""
    if not pattern:
        return True
    if pattern.startswith("*."):
        return host == pattern or host.endswith(pattern[1:])
    return host == pattern


def intersect(listener_host: str, route_hosts: list[str]) -> list[str]:
    """The hosts a Route serves on a listener: the specification's intersection of the two."""
    if not route_hosts:
        return [listener_host]
    if not listener_host:
        return list(route_hosts)
    out = []
    for host in route_hosts:
        if _covers(listener_host, host):
            out.append(host)
        elif host.startswith("*.") and _covers(host, listener_host):
            out.append(listener_host)
    return list(dict.fromkeys(out))


def _specificity(hostname: str) -> tuple:
    """Exact names before wildcards, longer wildcards before shorter, and "" (every host) last."""
    if not hostname:
        return (2, 0)
    if hostname.startswith("*."):
        return (1, -hostname.count("."))
    return (0, 0)


def _owner(listeners: list[Listener], port: int, host: str) -> Listener | None:
    """The listener that takes requests for `host` on `port` (listener isolation)."""
    candidates = [lst for lst in listeners if lst.port == port and lst.usable and _covers(lst.hostname, host)]
    return min(candidates, key=lambda lst: _specificity(lst.hostname), default=None)


# Routes


def _allows(listener: Listener, route_ns: str, gw_ns: str, world: World) -> bool:
    if not listener.kinds:
        return False
    namespaces = ((listener.spec.get("allowedRoutes") or {}).get("namespaces") or {})
    origin = namespaces.get("from", "Same")
    if origin == "All":
        return True
    if origin == "Selector":
        labels = ((world.namespaces.get(route_ns) or {}).get("metadata") or {}).get("labels") or {}
        return selector_matches(namespaces.get("selector") or {}, labels)
    return route_ns == gw_ns


def _attach(route: dict, position: int, plans: dict[tuple[str, str], Plan], world: World) -> list[Parent]:
    spec = route.get("spec") or {}
    ns = route["metadata"]["namespace"]
    parents = []
    actions: list[tuple[int, dict, Action | None, str]] | None = None
    for ref in spec.get("parentRefs") or []:
        if ref.get("group", GROUP) != GROUP or ref.get("kind", "Gateway") != "Gateway":
            continue
        plan = plans.get((ref.get("namespace") or ns, ref["name"]))
        if plan is None:
            continue
        if actions is None:
            actions = _actions(route, world)
        accepted, resolved, partial = _attach_to(route, ref, plan, position, actions, world)
        conditions = {"Accepted": accepted, "ResolvedRefs": resolved}
        if partial is not None:
            conditions["PartiallyInvalid"] = partial
        parents.append(Parent(parent_ref(ref), conditions))
    return parents


def _attach_to(route: dict, ref: dict, plan: Plan, position: int, actions: list, world: World):
    ns = route["metadata"]["namespace"]
    gw_ns = plan.gateway["metadata"]["namespace"]
    selected = [lst for lst in plan.listeners if (not ref.get("sectionName") or lst.name == ref["sectionName"])
                and (not ref.get("port") or lst.port == ref["port"])]
    resolved = _resolved(actions)
    partial = None
    invalid = [why for _, _, action, why in actions if action is None]
    if invalid and len(invalid) < len(actions):
        partial = Condition("True", "UnsupportedValue", "rules left out: " + "; ".join(invalid))
    if not selected:
        return Condition("False", "NoMatchingParent", "no listener of the Gateway matches the parentRef's "
                         "sectionName and port"), resolved, partial
    allowed = [lst for lst in selected if _allows(lst, ns, gw_ns, world)]
    if not allowed:
        return Condition("False", "NotAllowedByListeners", "the Route is not allowed by any listener it "
                         "names"), resolved, partial
    hosts = {lst.name: intersect(lst.hostname, (route.get("spec") or {}).get("hostnames") or [])
             for lst in allowed}
    if not any(hosts.values()):
        return Condition("False", "NoMatchingListenerHostname", "no listener hostname intersects the Route's "
                         "hostnames"), resolved, partial
    if invalid and len(invalid) == len(actions):
        return Condition("False", "UnsupportedValue", "; ".join(invalid)), resolved, partial
    for listener in allowed:
        if not hosts[listener.name]:
            continue
        listener.attached += 1
        if not listener.usable:
            continue
        for host in hosts[listener.name]:
            if _owner(plan.listeners, listener.port, host) is not listener:
                continue  # a more specific listener takes this host
            server = plan.servers.setdefault((listener.port, host), Server(
                listener.port, host, listener.protocol == "HTTPS", listener.certificate))
            for index, rule, action, _ in actions:
                if action is not None:
                    _add_matches(server, rule, action, position, index, plan, world)
    return Condition("True", "Accepted", "The Route is accepted"), resolved, partial


def _add_matches(server: Server, rule: dict, action: Action, position: int, index: int, plan: Plan,
                 world: World) -> None:
    for upstream in {u for u, _ in action.backends} | set(action.mirrors):
        if upstream in world.upstreams:
            plan.upstreams[upstream] = world.upstreams[upstream]
    for j, m in enumerate(rule.get("matches") or [{"path": {"type": "PathPrefix", "value": "/"}}]):
        path = m.get("path") or {"type": "PathPrefix", "value": "/"}
        value = path.get("value", "/")
        if path.get("type", "PathPrefix") == "PathPrefix":
            value = value.rstrip("/") or "/"
        first = {}
        for h in m.get("headers") or []:  # the first of equivalent (case-insensitive) names counts
            first.setdefault(h["name"].lower(), (h.get("type", "Exact"), h["name"].lower(), h["value"]))
        query = {}
        for q in m.get("queryParams") or []:
            query.setdefault(q["name"], (q.get("type", "Exact"), q["name"], q["value"]))
        server.matches.append(Match(path.get("type", "PathPrefix"), value, m.get("method", ""),
                                    list(first.values()), list(query.values()), action, (position, index, j)))


def _resolved(actions: list) -> Condition:
    for _, _, action, _ in actions:
        if action is not None and action.unresolved is not None:
            return action.unresolved
    return Condition("True", "ResolvedRefs", "All references are resolved")


def _backend(ref: dict, route_ns: str, world: World) -> tuple[str, Condition | None]:
    """The upstream a backendRef sends to, and why it cannot resolve (None when it does)."""
    ns = ref.get("namespace") or route_ns
    name = ref.get("name", "")
    if (ref.get("group") or "") != "" or ref.get("kind", "Service") != "Service":
        return FAILED, Condition("False", "InvalidKind", f"backend {ref.get('kind')} {ns}/{name}: only Services "
                                 "are supported")
    if ns != route_ns and not granted(world, "HTTPRoute", route_ns, "", "Service", ns, name):
        return FAILED, Condition("False", "RefNotPermitted", f"backend Service {ns}/{name} is not permitted by any "
                                 "ReferenceGrant")
    svc = world.services.get((ns, name))
    if svc is None:
        return FAILED, Condition("False", "BackendNotFound", f"Service {ns}/{name} not found")
    if service_port(svc, {"number": ref.get("port")}) is None:
        return FAILED, Condition("False", "BackendNotFound", f"Service {ns}/{name} has no port {ref.get('port')}")
    upstream = upstream_name(ns, name, ref["port"])
    return (upstream if upstream in world.upstreams else UNAVAILABLE), None


def _unsupported(rule: dict) -> str:
    """Why kinns cannot serve a rule ("" when it can)."""
    for f in rule.get("filters") or []:
        if f.get("type") == "ExtensionRef":
            return "ExtensionRef filters are not supported"
        for kind in ("requestHeaderModifier", "responseHeaderModifier"):
            modifier = f.get(kind) or {}
            names = [h.get("name", "") for h in (modifier.get("set") or []) + (modifier.get("add") or [])]
            for name in names + list(modifier.get("remove") or []):
                if not _HEADER_VARIABLE.match(name):
                    return f"header name {name!r} cannot be written by nginx"
    for b in rule.get("backendRefs") or []:
        if b.get("filters"):
            return "filters on backendRefs are not supported; put them on the rule"
    for m in rule.get("matches") or []:
        path = m.get("path") or {}
        patterns = [path.get("value", "")] if path.get("type") == "RegularExpression" else []
        for h in m.get("headers") or []:
            if not _HEADER_VARIABLE.match(h["name"]):
                return f"header name {h['name']!r} cannot be matched"
            if h.get("type") == "RegularExpression":
                patterns.append(h["value"])
        patterns += [q["value"] for q in m.get("queryParams") or [] if q.get("type") == "RegularExpression"]
        for q in m.get("queryParams") or []:
            if not _HEADER_VARIABLE.match(q["name"]):
                return f"query parameter name {q['name']!r} cannot be matched"
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as err:
                return f"invalid regular expression {pattern!r}: {err}"
    return ""


def _shortest(timeouts: dict) -> str:
    units = {"h": 3600000, "m": 60000, "s": 1000, "ms": 1}

    def ms(text: str) -> int:
        return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)(ms|h|m|s)", text))
    values = [ms(t) for t in (timeouts.get("request"), timeouts.get("backendRequest")) if t and ms(t) > 0]
    return f"{min(values)}ms" if values else ""


def _actions(route: dict, world: World) -> list[tuple[int, dict, Action | None, str]]:
    """Per rule: (index, rule, its Action or None, why not)."""
    ns, name = route["metadata"]["namespace"], route["metadata"]["name"]
    out = []
    for index, rule in enumerate((route.get("spec") or {}).get("rules") or []):
        why = _unsupported(rule)
        if why:
            out.append((index, rule, None, f"rule {index}: {why}"))
            continue
        unresolved = None
        backends = []
        for ref in rule.get("backendRefs") or []:
            upstream, problem = _backend(ref, ns, world)
            unresolved = unresolved or problem
            if ref.get("weight", 1) > 0:
                backends.append((upstream, ref.get("weight", 1)))
        redirect = any(f.get("type") == "RequestRedirect" for f in rule.get("filters") or [])
        if not backends and not redirect:
            backends = [(FAILED, 1)]
        mirrors = []
        for f in rule.get("filters") or []:
            if f.get("type") == "RequestMirror":
                upstream, problem = _backend(f["requestMirror"]["backendRef"], ns, world)
                unresolved = unresolved or problem
                if problem is None and upstream != UNAVAILABLE:
                    mirrors.append(upstream)
        matches = rule.get("matches") or []
        prefix = ""
        if len(matches) == 1 and (matches[0].get("path") or {}).get("type", "PathPrefix") == "PathPrefix":
            prefix = (matches[0].get("path") or {}).get("value", "/").rstrip("/") or "/"
        action = Action(re.sub(r"[^A-Za-z0-9_]", "_", f"{ns}_{name}_{index}"), rule.get("filters") or [], backends,
                        prefix, _shortest(rule.get("timeouts") or {}), mirrors, unresolved)
        out.append((index, rule, action, ""))
    return out
