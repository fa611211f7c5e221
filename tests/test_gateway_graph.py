"""Gateway API logic without a cluster: the CRDs' schemas and CEL rules, hostname intersection, listener
isolation and validation, match precedence, and the rendered nginx configuration passing nginx -t."""

import subprocess

import yaml

from kinns.apiserver import cel, crds
from kinns.apiserver.resources import Resource
from kinns.apiserver.tables import _cell, json_path
from kinns.ingress.gateway import api, graph, render
from kinns.ingress.nginx import default_certificate

from conftest import ROOT, certificate

CLASS = {"metadata": {"name": "nginx"}, "spec": {"controllerName": api.CONTROLLER_NAME}}


def _svc(name: str, ns: str = "default") -> dict:
    return {"metadata": {"namespace": ns, "name": name},
            "spec": {"ports": [{"name": "http", "port": 8080, "targetPort": 3000}]}}


def _slice(name: str, ip: str, ns: str = "default") -> dict:
    return {"metadata": {"namespace": ns, "labels": {"kubernetes.io/service-name": name}},
            "ports": [{"name": "http", "port": 3000}], "endpoints": [{"addresses": [ip]}]}


def _gateway(listeners: list[dict]) -> dict:
    return {"metadata": {"namespace": "default", "name": "gw", "uid": "u", "generation": 1},
            "spec": {"gatewayClassName": "nginx", "listeners": listeners}}


def _route(name: str, rules: list[dict], created: str = "2026-01-01T00:00:00Z", hostnames=(), **parent) -> dict:
    return {"metadata": {"namespace": "default", "name": name, "creationTimestamp": created, "generation": 1},
            "spec": {"parentRefs": [{"name": "gw", **parent}], "hostnames": list(hostnames), "rules": rules}}


def _world(gateways, routes, secrets=None, grants=()) -> graph.World:
    services = {("default", n): _svc(n) for n in ("v1", "v2", "v3")}
    slices = {("default", n): [_slice(n, f"10.0.0.{i}")] for i, n in enumerate(("v1", "v2", "v3"), 1)}
    return graph.World([CLASS], gateways, routes, list(grants), services, slices, secrets or {}, {}, "v1.2.1")


def _http(name: str = "http", port: int = 80, hostname: str = "") -> dict:
    out = {"name": name, "port": port, "protocol": "HTTP", "allowedRoutes": {"namespaces": {"from": "Same"}}}
    return {**out, "hostname": hostname} if hostname else out


def test_the_shipped_crds_are_the_generated_ones_and_their_rules_compile():
    shipped = (ROOT / "kinns/controlplane/manifests/gateway-api-crds.yaml").read_text()
    assert shipped == api.manifest()
    for crd in yaml.safe_load_all(shipped):
        for version in crd["spec"]["versions"]:
            assert cel.compile_rules(version["schema"]["openAPIV3Schema"]) == []


def _resource(kind: str) -> Resource:
    crd = next(c for c in api.crds() if c["spec"]["names"]["kind"] == kind)
    return crds.resources_of(crd)[0]


def test_the_schemas_default_and_the_rules_refuse_what_the_specification_refuses():
    r = _resource("HTTPRoute")
    route = {"metadata": {"name": "r"}, "spec": {"parentRefs": [{"name": "gw"}],
                                                 "rules": [{"backendRefs": [{"name": "web", "port": 80}]}]}}
    obj, unknown, causes = crds.validate(r, route)
    assert (unknown, causes) == ([], [])
    assert obj["spec"]["parentRefs"][0] == {"group": api.GROUP, "kind": "Gateway", "name": "gw"}
    assert obj["spec"]["rules"][0]["matches"] == [{"path": {"type": "PathPrefix", "value": "/"}}]
    assert obj["spec"]["rules"][0]["backendRefs"][0]["weight"] == 1
    schema = r.extra["schema"]
    bad = {"spec": {"rules": [{"matches": [{"path": {"type": "Exact", "value": "x//y"}}],
                               "filters": [{"type": "RequestRedirect", "requestRedirect": {}},
                                           {"type": "URLRewrite", "urlRewrite": {}}]}]}}
    checked, _, _ = crds.validate(r, bad)
    messages = [m for _, _, m in cel.check(schema, checked)]
    assert 'Invalid value: "object": value must be an absolute path and start with \'/\' when type one of ' \
           "['Exact', 'PathPrefix']" in messages
    assert any("must not contain '//'" in m for m in messages)
    assert any("May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite" in m
               for m in messages)
    gc = _resource("GatewayClass").extra["schema"]
    old = {"spec": {"controllerName": "a.io/x"}}
    assert cel.check(gc, {"spec": {"controllerName": "a.io/y"}}, old) == [
        ("spec.controllerName", "FieldValueInvalid", 'Invalid value: "string": Value is immutable')]
    assert cel.check(gc, {"spec": {"controllerName": "a.io/y"}}) == []  # a transition rule needs an old value
    listeners = [{"name": "a", "port": 80, "protocol": "HTTP"}, {"name": "a", "port": 81, "protocol": "HTTP"}]
    _, _, causes = crds.validate(_resource("Gateway"), {"spec": {"gatewayClassName": "x", "listeners": listeners}})
    assert causes == [("spec.listeners[1]", "FieldValueDuplicate",
                       'Duplicate value: map[string]interface {}{"name":"a"}')]


def test_printer_columns_follow_jsonpath_filters():
    gw = {"status": {"addresses": [{"value": "1.2.3.4"}, {"value": "5.6.7.8"}],
                     "conditions": [{"type": "Accepted", "status": "True"}, {"type": "Programmed", "status": "False"}]},
          "spec": {"hostnames": ["a.example"]}}
    assert json_path('.status.conditions[?(@.type=="Programmed")].status', gw) == ["False"]
    assert _cell(json_path(".status.addresses[*].value", gw), "string") == "1.2.3.4,5.6.7.8"
    assert _cell(json_path(".spec.hostnames", gw), "string") == '["a.example"]'  # as kubectl shows HOSTNAMES


def test_hostnames_intersect_as_the_specification_says():
    assert graph.intersect("", ["a.example.com"]) == ["a.example.com"]
    assert graph.intersect("*.example.com", []) == ["*.example.com"]
    assert graph.intersect("*.example.com", ["a.example.com", "a.b.example.com", "example.com", "x.test"]) == [
        "a.example.com", "a.b.example.com"]
    assert graph.intersect("foo.example.com", ["*.example.com"]) == ["foo.example.com"]
    assert graph.intersect("*.example.com", ["*.sub.example.com"]) == ["*.sub.example.com"]
    assert graph.intersect("*.sub.example.com", ["*.example.com"]) == ["*.sub.example.com"]
    assert graph.intersect("foo.example.com", ["bar.example.com"]) == []


def test_a_host_is_served_by_its_most_specific_listener_only():
    gw = _gateway([_http("all"), _http("wild", hostname="*.example.com"), _http("foo", hostname="foo.example.com")])
    routes = [_route("on-all", [{"backendRefs": [{"name": "v1", "port": 8080}]}], hostnames=["foo.example.com",
                                                                                           "x.example.com", "z.test"],
                     sectionName="all")]
    plan = graph.build(_world([gw], routes)).plans[("default", "gw")]
    served = {host for (_, host), s in plan.servers.items() if s.matches}
    assert served == {"z.test"}  # foo. and x.example.com belong to the more specific listeners
    assert {lst.name: lst.attached for lst in plan.listeners} == {"all": 1, "wild": 0, "foo": 0}


def test_listeners_are_validated():
    secrets = {}
    gw = _gateway([_http("ok"), {"name": "tcp", "port": 9000, "protocol": "TCP"},
                   {"name": "https", "port": 80, "protocol": "HTTPS", "hostname": "s.example",
                    "tls": {"certificateRefs": [{"name": "nope"}]}},
                   {**_http("kinds", 81), "allowedRoutes": {"kinds": [{"kind": "TCPRoute"}]}}])
    plan = graph.build(_world([gw], [], secrets)).plans[("default", "gw")]
    conds = {lst.name: {k: (c.status, c.reason) for k, c in lst.conditions.items()} for lst in plan.listeners}
    assert conds["tcp"]["Accepted"] == ("False", "UnsupportedProtocol")
    assert conds["https"]["Conflicted"] == ("True", "ProtocolConflict")  # HTTP and HTTPS on port 80
    assert conds["ok"]["Conflicted"] == ("True", "ProtocolConflict")
    assert conds["https"]["ResolvedRefs"] == ("False", "InvalidCertificateRef")
    assert conds["kinds"]["ResolvedRefs"] == ("False", "InvalidRouteKinds")
    assert plan.conditions["Accepted"].status == "False" and plan.conditions["Accepted"].reason == \
        "ListenersNotValid"


def test_certificates_in_other_namespaces_need_a_reference_grant(tmp_path):
    crt, key = certificate(tmp_path, "s.example")
    import base64
    secret = {"metadata": {"namespace": "certs", "name": "tls"},
              "data": {"tls.crt": base64.b64encode(open(crt, "rb").read()).decode(),
                       "tls.key": base64.b64encode(open(key, "rb").read()).decode()}}
    listener = {"name": "https", "port": 443, "protocol": "HTTPS",
                "tls": {"certificateRefs": [{"name": "tls", "namespace": "certs"}]}}
    grant = {"metadata": {"namespace": "certs", "name": "g"},
             "spec": {"from": [{"group": api.GROUP, "kind": "Gateway", "namespace": "default"}],
                      "to": [{"group": "", "kind": "Secret"}]}}
    refused = graph.build(_world([_gateway([listener])], [], {("certs", "tls"): secret})).plans[("default", "gw")]
    assert refused.listeners[0].conditions["ResolvedRefs"].reason == "RefNotPermitted"
    allowed = graph.build(_world([_gateway([listener])], [], {("certs", "tls"): secret}, [grant]))
    plan = allowed.plans[("default", "gw")]
    assert plan.listeners[0].usable and plan.listeners[0].certificate == "certs/tls"
    assert plan.certificates["certs/tls"].startswith(b"-----BEGIN CERTIFICATE-----")


def test_matches_are_ordered_by_the_specification_precedence():
    rules = [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}]},
             {"matches": [{"path": {"type": "PathPrefix", "value": "/a"}, "method": "GET"}]},
             {"matches": [{"path": {"type": "PathPrefix", "value": "/a"},
                           "headers": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]}]},
             {"matches": [{"path": {"type": "PathPrefix", "value": "/a"}, "headers": [{"name": "X", "value": "1"}]}]},
             {"matches": [{"path": {"type": "Exact", "value": "/a"}}]},
             {"matches": [{"path": {"type": "PathPrefix", "value": "/a/b"}}]}]
    for r in rules:
        r["backendRefs"] = [{"name": "v1", "port": 8080}]
    older = _route("older", [{"matches": [{"path": {"type": "PathPrefix", "value": "/a"}}],
                              "backendRefs": [{"name": "v2", "port": 8080}]}], "2025-01-01T00:00:00Z")
    plan = graph.build(_world([_gateway([_http()])], [_route("r", rules), older])).plans[("default", "gw")]
    order = [(m.path_type, m.path, m.method, len(m.headers), m.action.name) for m in plan.servers[(80, "")].matches]
    assert order == [("Exact", "/a", "", 0, "default_r_4"), ("PathPrefix", "/a/b", "", 0, "default_r_5"),
                     ("PathPrefix", "/a", "GET", 0, "default_r_1"), ("PathPrefix", "/a", "", 2, "default_r_2"),
                     ("PathPrefix", "/a", "", 1, "default_r_3"), ("PathPrefix", "/a", "", 0, "default_older_0"),
                     ("PathPrefix", "/", "", 0, "default_r_0")]


def test_backends_resolve_or_answer_500_and_503():
    rules = [{"backendRefs": [{"name": "v1", "port": 8080, "weight": 3}, {"name": "gone", "port": 8080}]},
             {"matches": [{"path": {"value": "/other"}}], "backendRefs": [{"name": "v1", "port": 1234}]},
             {"matches": [{"path": {"value": "/none"}}]}]
    world = _world([_gateway([_http()])], [_route("r", rules)])
    world.slices[("default", "v2")] = []
    result = graph.build(world)
    actions = {m.action.name: m.action.backends for m in result.plans[("default", "gw")].servers[(80, "")].matches}
    assert actions == {"default_r_0": [("default-v1-8080", 3), (graph.FAILED, 1)],
                       "default_r_1": [(graph.FAILED, 1)], "default_r_2": [(graph.FAILED, 1)]}
    conds = {kind: c.reason for kind, c in result.routes[("default", "r")][0].conditions.items()}
    assert conds == {"Accepted": "Accepted", "ResolvedRefs": "BackendNotFound"}


def test_rules_that_cannot_be_served_are_left_out_with_a_condition():
    rules = [{"matches": [{"path": {"type": "RegularExpression", "value": "^/(broken"}}],
              "backendRefs": [{"name": "v1", "port": 8080}]},
             {"backendRefs": [{"name": "v1", "port": 8080}]}]
    result = graph.build(_world([_gateway([_http()])], [_route("r", rules)]))
    conds = {kind: (c.status, c.reason) for kind, c in result.routes[("default", "r")][0].conditions.items()}
    assert conds["Accepted"] == ("True", "Accepted") and conds["PartiallyInvalid"] == ("True", "UnsupportedValue")
    only_bad = graph.build(_world([_gateway([_http()])], [_route("r", rules[:1])]))
    assert only_bad.routes[("default", "r")][0].conditions["Accepted"].reason == "UnsupportedValue"


def test_newer_gateway_api_versions_are_flagged():
    world = _world([], [])
    world.bundle_version = "v1.5.0"
    assert graph.build(world).classes["nginx"]["SupportedVersion"].status == "False"
    world.bundle_version = "v2.0.0"
    assert graph.build(world).classes["nginx"]["Accepted"].reason == "UnsupportedVersion"


def test_the_rendered_configuration_passes_nginx_t(tmp_path):
    rules = [{"matches": [{"path": {"type": "PathPrefix", "value": "/api"}, "method": "POST",
                           "headers": [{"name": "X-V", "value": "a\"b$c"}],
                           "queryParams": [{"type": "RegularExpression", "name": "q", "value": "^[0-9]+$"}]}],
              "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {
                  "add": [{"name": "X-A", "value": "$1 \"quoted\""}], "remove": ["X-R"]}},
                  {"type": "RequestMirror", "requestMirror": {"backendRef": {"name": "v3", "port": 8080}}}],
              "backendRefs": [{"name": "v1", "port": 8080, "weight": 1}, {"name": "v2", "port": 8080, "weight": 2}]},
             {"matches": [{"path": {"type": "RegularExpression", "value": "^/re/(a|b)$"}}],
              "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplaceFullPath",
                                                                        "replaceFullPath": "/x$y"}}}],
              "backendRefs": [{"name": "v1", "port": 8080}]},
             {"matches": [{"path": {"type": "PathPrefix", "value": "/old"}}],
              "filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "port": 8443, "path": {
                  "type": "ReplacePrefixMatch", "replacePrefixMatch": "/new"}}}]}]
    plan = graph.build(_world([_gateway([_http(), _http("wild", 8080, "*.example.com")])],
                              [_route("r", rules, hostnames=["a.example.com"])])).plans[("default", "gw")]
    conf = render.nginx_conf(plan)
    assert "location ~ \"^/re/(a|b)$\"" in conf and "split_clients" in conf and "mirror /_kinns_mirror_" in conf
    default_certificate(tmp_path / "default-certificate.pem", "kinns", "test")
    path = tmp_path / "nginx.conf"
    path.write_text(conf.replace(render.RUN, str(tmp_path)))
    check = subprocess.run(["nginx", "-t", "-q", "-c", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
