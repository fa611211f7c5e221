"""Gateway API end to end, the way the conformance suite checks it: requests with a given host, path and
headers reach the expected backend (the echo server says which pod and namespace saw what), with the expected
status and headers, and status conditions are set as the specification says. Requests come from the host to
each Gateway's LoadBalancer address."""

import json
import subprocess
import time

import pytest
import yaml

from conftest import ROOT, certificate, kube_cluster, wait

pytestmark = pytest.mark.kernel
GW = "gateway.networking.k8s.io/v1"
INFRA, WEB = "gateway-conformance-infra", "gateway-conformance-web-backend"
ECHO = "gcr.io/k8s-staging-gateway-api/echo-basic:v20240412-v1.0.0-394-g40c666fd"


def _backend(name: str, namespace: str) -> list[dict]:
    env = [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
           {"name": "NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}}]
    return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
             "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                      "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [
                          {"name": name, "image": ECHO, "env": env,
                           "readinessProbe": {"httpGet": {"path": "/", "port": 3000}, "periodSeconds": 1}}]}}}},
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
             "spec": {"selector": {"app": name}, "ports": [{"port": 8080, "targetPort": 3000}]}}]


def _gateway(name: str, origin: dict, listeners: list[dict] | None = None) -> dict:
    return {"apiVersion": GW, "kind": "Gateway", "metadata": {"name": name, "namespace": INFRA},
            "spec": {"gatewayClassName": "nginx", "listeners": listeners or [
                {"name": "http", "port": 80, "protocol": "HTTP", "allowedRoutes": {"namespaces": origin}}]}}


def route(name: str, rules: list[dict], namespace: str = INFRA, gateway: str = "same-namespace",
          hostnames: list[str] | None = None, **parent) -> dict:
    spec: dict = {"parentRefs": [{"name": gateway, "namespace": INFRA, **parent}], "rules": rules}
    if hostnames:
        spec["hostnames"] = hostnames
    return {"apiVersion": GW, "kind": "HTTPRoute", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def to(*services: str, **extra) -> list[dict]:
    return [{"name": s, "port": 8080, **extra} for s in services]


@pytest.fixture(scope="module")
def cluster():
    with kube_cluster() as kubectl:
        docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": INFRA,
                                                                       "labels": {"gateway-conformance": "infra"}}},
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": WEB,
                                                                       "labels": {"gateway-conformance": "backend"}}},
                *_backend("infra-backend-v1", INFRA), *_backend("infra-backend-v2", INFRA),
                *_backend("infra-backend-v3", INFRA), *_backend("web-backend", WEB),
                _gateway("same-namespace", {"from": "Same"}), _gateway("all-namespaces", {"from": "All"}),
                _gateway("backend-namespaces", {"from": "Selector",
                                                "selector": {"matchLabels": {"gateway-conformance": "backend"}}})]
        kubectl("apply", "-f", "-", input=yaml.safe_dump_all(docs))
        for ns in (INFRA, WEB):
            kubectl.rolled_out(ns)
        kubectl("-n", INFRA, "wait", "--for=condition=Programmed", "gateway", "--all", "--timeout=60s")
        yield kubectl


def address(cluster, gateway: str = "same-namespace") -> str:
    return cluster("-n", INFRA, "get", "gateway", gateway, "-o", "jsonpath={.status.addresses[0].value}").stdout


def call(where: str, path: str = "/", host: str = "", headers: dict | None = None, method: str = "GET",
         scheme: str = "http", extra: tuple[str, ...] = ()) -> tuple[int, dict, dict | str]:
    """One request from the host: status, response headers (lower-case names, values joined), echoed body."""
    args = ["curl", "-s", "-D", "-", "--max-time", "5", "-X", method, *extra]
    for name, value in {**({"Host": host} if host else {}), **(headers or {})}.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, f"{scheme}://{where}{path}"], capture_output=True).stdout.decode()  # keeps \r\n
    head, _, body = out.partition("\r\n\r\n")
    lines = head.split("\r\n")
    if not lines[0].startswith("HTTP/"):
        return 0, {}, out
    got: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        got[key] = f"{got[key]},{value.strip()}" if key in got else value.strip()
    try:
        return int(lines[0].split()[1]), got, json.loads(body)
    except ValueError:
        return int(lines[0].split()[1]), got, body


def backend_of(reply: tuple[int, dict, dict | str]) -> str:
    """Which Deployment answered: the echo server names its pod."""
    code, _, body = reply
    return body["pod"].rsplit("-", 2)[0] if code == 200 and isinstance(body, dict) else str(code)


def parent_conditions(cluster, name: str, namespace: str = INFRA) -> dict[str, tuple[str, str]]:
    status = json.loads(cluster("-n", namespace, "get", "httproute", name, "-o", "json").stdout).get("status") or {}
    parents = [p for p in status.get("parents") or []
               if p["controllerName"] == "gateway.nginx.org/nginx-gateway-controller"]
    return {c["type"]: (c["status"], c["reason"]) for p in parents[:1] for c in p["conditions"]}


def reports(cluster, name: str, kind: str, wanted: tuple[str, str], namespace: str = INFRA) -> None:
    """Wait for the Route's condition `kind` (for its first parent) to be (status, reason)."""
    wait(lambda: parent_conditions(cluster, name, namespace).get(kind) == wanted, 15)


def apply(cluster, *docs: dict) -> None:
    cluster("apply", "-f", "-", input=yaml.safe_dump_all(list(docs)))


def served(cluster, name: str, namespace: str = INFRA, gateway: str = "same-namespace") -> None:
    """Wait until the Route is accepted and its Gateway's data plane serves the latest configuration."""
    wait(lambda: parent_conditions(cluster, name, namespace).get("Accepted", ("", ""))[0] in ("True", "False"), 15)
    time.sleep(0.5)  # the data plane's reload follows the published configuration by a few milliseconds


def test_crds_install_and_the_class_is_accepted(cluster):
    manifest = ROOT / "kinns/controlplane/manifests/gateway-api-crds.yaml"
    out = cluster("apply", "-f", str(manifest)).stdout
    assert "customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io" in out
    gc = cluster("get", "gatewayclass", "nginx").stdout.splitlines()
    assert gc[0].split() == ["NAME", "CONTROLLER", "ACCEPTED", "AGE"]
    assert gc[1].split()[:3] == ["nginx", "gateway.nginx.org/nginx-gateway-controller", "True"]
    status = json.loads(cluster("get", "gatewayclass", "nginx", "-o", "json").stdout)["status"]
    assert {c["type"]: c["status"] for c in status["conditions"]} == {"Accepted": "True", "SupportedVersion": "True"}
    rows = cluster("-n", INFRA, "get", "gateways").stdout.splitlines()
    assert rows[0].split() == ["NAME", "CLASS", "ADDRESS", "PROGRAMMED", "AGE"]
    assert all(r.split()[1] == "nginx" and r.split()[3] == "True" for r in rows[1:]), rows
    # each Gateway has a data plane of its own, as NGINX Gateway Fabric gives it
    pods = cluster("-n", INFRA, "get", "pods", "-l", "gateway.networking.k8s.io/gateway-name=same-namespace",
                   "-o", "jsonpath={.items[*].metadata.name}").stdout
    assert pods.startswith("same-namespace-nginx-")
    assert "nginx-gateway" in cluster("-n", "nginx-gateway", "get", "pods").stdout
    conf = cluster("-n", INFRA, "get", "configmap", "same-namespace-nginx", "-o", "jsonpath={.data.nginx\\.conf}")
    assert "listen 80 default_server;" in conf.stdout  # what the data plane serves, readable with kubectl
    explained = cluster("explain", "httproute.spec.rules.matches.path.type").stdout
    assert "PathPrefix" in explained and "RegularExpression" in explained


def test_routes_attach_by_namespace_policy(cluster):
    apply(cluster, route("web-same", [{"backendRefs": to("web-backend")}], WEB, "same-namespace"),
          route("web-all", [{"backendRefs": to("web-backend")}], WEB, "all-namespaces"),
          route("web-selected", [{"backendRefs": to("web-backend")}], WEB, "backend-namespaces"),
          route("infra-selected", [{"backendRefs": to("infra-backend-v1")}], INFRA, "backend-namespaces"))
    reports(cluster, "web-same", "Accepted", ("False", "NotAllowedByListeners"), WEB)
    reports(cluster, "web-all", "Accepted", ("True", "Accepted"), WEB)
    assert parent_conditions(cluster, "web-all", WEB)["ResolvedRefs"] == ("True", "ResolvedRefs")
    reports(cluster, "web-selected", "Accepted", ("True", "Accepted"), WEB)
    reports(cluster, "infra-selected", "Accepted", ("False", "NotAllowedByListeners"))
    wait(lambda: backend_of(call(address(cluster, "all-namespaces"))) == "web-backend", 10)
    reply = call(address(cluster, "backend-namespaces"), "/x")
    assert backend_of(reply) == "web-backend" and reply[2]["namespace"] == WEB
    status = json.loads(cluster("-n", INFRA, "get", "gateway", "all-namespaces", "-o", "json").stdout)["status"]
    assert status["listeners"][0]["attachedRoutes"] == 1
    cluster("-n", WEB, "delete", "httproute", "web-same", "web-all", "web-selected")
    cluster("-n", INFRA, "delete", "httproute", "infra-selected")


def test_matching_follows_the_specification_precedence(cluster):
    apply(cluster, route("matching", [
        {"matches": [{"path": {"type": "Exact", "value": "/exact"}}], "backendRefs": to("infra-backend-v2")},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/v2"}}], "backendRefs": to("infra-backend-v2")},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/"}, "headers": [{"name": "version", "value": "two"}]}],
         "backendRefs": to("infra-backend-v2")},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/"}, "queryParams": [{"name": "animal",
                                                                                    "value": "whale"}]}],
         "backendRefs": to("infra-backend-v3")},
        {"matches": [{"method": "POST"}], "backendRefs": to("infra-backend-v3")},
        {"matches": [{"path": {"type": "RegularExpression", "value": "^/re/[0-9]+$"}}],
         "backendRefs": to("infra-backend-v3")},
        {"backendRefs": to("infra-backend-v1")}]),
        route("older-wins", [{"matches": [{"path": {"type": "PathPrefix", "value": "/tie"}}],
                              "backendRefs": to("infra-backend-v1")}]))
    time.sleep(1.1)  # a newer Route with the same match loses to the older one
    apply(cluster, route("newer-loses", [{"matches": [{"path": {"type": "PathPrefix", "value": "/tie"}}],
                                          "backendRefs": to("infra-backend-v3")}]))
    served(cluster, "newer-loses")
    where = address(cluster)
    cases = [("/", {}, "GET", "infra-backend-v1"), ("/exact", {}, "GET", "infra-backend-v2"),
             ("/exact/more", {}, "GET", "infra-backend-v1"), ("/v2", {}, "GET", "infra-backend-v2"),
             ("/v2/deeper", {}, "GET", "infra-backend-v2"), ("/v2example", {}, "GET", "infra-backend-v1"),
             ("/any", {"version": "two"}, "GET", "infra-backend-v2"),
             ("/any", {"Version": "one"}, "GET", "infra-backend-v1"),
             ("/any?animal=whale", {}, "GET", "infra-backend-v3"), ("/any?animal=dolphin", {}, "GET",
                                                                     "infra-backend-v1"),
             ("/any?animal=whale", {"version": "two"}, "GET", "infra-backend-v2"),  # headers before query
             ("/any", {}, "POST", "infra-backend-v3"), ("/v2", {}, "POST", "infra-backend-v2"),  # prefix first
             ("/re/42", {}, "GET", "infra-backend-v3"), ("/re/x42", {}, "GET", "infra-backend-v1"),
             ("/tie/x", {}, "GET", "infra-backend-v1")]
    wait(lambda: backend_of(call(where, "/exact")) == "infra-backend-v2", 10)
    got = [(path, backend_of(call(where, path, headers=h, method=m))) for path, h, m, _ in cases]
    assert got == [(path, want) for path, _, _, want in cases]
    echoed = call(where, "/v2/deeper?x=1", headers={"version": "two"})[2]
    assert echoed["path"] == "/v2/deeper?x=1" and echoed["headers"]["version"] == ["two"]
    cluster("-n", INFRA, "delete", "httproute", "matching", "older-wins", "newer-loses")


def test_hostnames_intersect_and_listeners_are_isolated(cluster):
    listeners = [{"name": "empty", "port": 80, "protocol": "HTTP"},
                 {"name": "wildcard", "port": 80, "protocol": "HTTP", "hostname": "*.example.com"},
                 {"name": "foo", "port": 80, "protocol": "HTTP", "hostname": "foo.example.com"}]
    apply(cluster, _gateway("isolation", {"from": "Same"}, listeners),
          route("on-empty", [{"backendRefs": to("infra-backend-v1")}], gateway="isolation", sectionName="empty"),
          route("on-wildcard", [{"backendRefs": to("infra-backend-v2")}], gateway="isolation",
                sectionName="wildcard"),
          route("on-foo", [{"backendRefs": to("infra-backend-v3")}], gateway="isolation", sectionName="foo"),
          route("no-match", [{"backendRefs": to("infra-backend-v3")}], gateway="isolation", sectionName="foo",
                hostnames=["bar.example.net"]),
          route("no-section", [{"backendRefs": to("infra-backend-v3")}], gateway="isolation", sectionName="nope"))
    cluster("-n", INFRA, "wait", "--for=condition=Programmed", "gateway/isolation", "--timeout=60s")
    served(cluster, "on-foo")
    where = address(cluster, "isolation")
    reports(cluster, "no-match", "Accepted", ("False", "NoMatchingListenerHostname"))
    reports(cluster, "no-section", "Accepted", ("False", "NoMatchingParent"))
    wait(lambda: backend_of(call(where, host="foo.example.com")) == "infra-backend-v3", 10)
    assert backend_of(call(where, host="bar.example.com")) == "infra-backend-v2"
    assert backend_of(call(where, host="deep.bar.example.com")) == "infra-backend-v2"  # * spans labels
    assert backend_of(call(where, host="example.com")) == "infra-backend-v1"
    assert backend_of(call(where, host="other.test")) == "infra-backend-v1"
    assert backend_of(call(where, host="foo.example.com:80")) == "infra-backend-v3"  # the port is ignored
    status = json.loads(cluster("-n", INFRA, "get", "gateway", "isolation", "-o", "json").stdout)["status"]
    assert {x["name"]: x["attachedRoutes"] for x in status["listeners"]} == {"empty": 1, "wildcard": 1, "foo": 1}
    cluster("-n", INFRA, "delete", "gateway", "isolation")
    for name in ("on-empty", "on-wildcard", "on-foo", "no-match", "no-section"):
        cluster("-n", INFRA, "delete", "httproute", name)
    # its data plane goes with it
    wait(lambda: "isolation-nginx" not in cluster("-n", INFRA, "get", "deploy,svc,cm").stdout, 15)


def test_filters_modify_redirect_and_rewrite(cluster):
    apply(cluster, route("filters", [
        {"matches": [{"path": {"type": "PathPrefix", "value": "/headers"}}], "backendRefs": to("infra-backend-v1"),
         "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {
             "set": [{"name": "X-Header-Set", "value": "set-overwrites-values"}],
             "add": [{"name": "X-Header-Add", "value": "add-appends-values"}], "remove": ["X-Header-Remove"]}},
             {"type": "ResponseHeaderModifier", "responseHeaderModifier": {
                 "set": [{"name": "X-Header-Set", "value": "set-overwrites-values"}],
                 "add": [{"name": "X-Header-Add", "value": "add-appends-values"}],
                 "remove": ["X-Header-Remove"]}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/scheme"}}], "filters": [
            {"type": "RequestRedirect", "requestRedirect": {"scheme": "https"}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/host-and-status"}}], "filters": [
            {"type": "RequestRedirect", "requestRedirect": {"hostname": "example.org", "statusCode": 301}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/port"}}], "filters": [
            {"type": "RequestRedirect", "requestRedirect": {"port": 8083}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/original-prefix"}}], "filters": [
            {"type": "RequestRedirect", "requestRedirect": {"path": {"type": "ReplacePrefixMatch",
                                                                     "replacePrefixMatch": "/replacement-prefix"}}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/full"}}], "filters": [
            {"type": "RequestRedirect", "requestRedirect": {"path": {"type": "ReplaceFullPath",
                                                                     "replaceFullPath": "/full-path-replacement"}}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/prefix/one"}}], "backendRefs": to("infra-backend-v1"),
         "filters": [{"type": "URLRewrite", "urlRewrite": {"hostname": "one.example.org", "path": {
             "type": "ReplacePrefixMatch", "replacePrefixMatch": "/one"}}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/strip-prefix"}}], "backendRefs": to("infra-backend-v1"),
         "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch",
                                                                   "replacePrefixMatch": "/"}}}]},
        {"matches": [{"path": {"type": "PathPrefix", "value": "/rewrite-full"}}], "backendRefs": to("infra-backend-v1"),
         "filters": [{"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplaceFullPath",
                                                                   "replaceFullPath": "/one"}}}]}]))
    served(cluster, "filters")
    where = address(cluster)
    wait(lambda: call(where, "/scheme")[0] == 302, 10)
    code, headers, body = call(where, "/headers", headers={"X-Header-Set": "some-other-value",
                                                           "X-Header-Add": "something", "X-Header-Remove": "gone",
                                                           "X-Echo-Set-Header": "X-Header-Set:original,"
                                                           "X-Header-Remove:val,X-Header-Add:from-backend"})
    seen = body["headers"]
    assert seen["X-Header-Set"] == ["set-overwrites-values"] and seen["X-Header-Add"] == ["something,"
                                                                                         "add-appends-values"]
    assert "X-Header-Remove" not in seen
    assert headers["x-header-set"] == "set-overwrites-values" and "x-header-remove" not in headers
    assert headers["x-header-add"] == "from-backend,add-appends-values"
    assert call(where, "/scheme/x?q=1")[1]["location"] == f"https://{where}/scheme/x?q=1"
    code, headers, _ = call(where, "/host-and-status")
    assert (code, headers["location"]) == (301, "http://example.org/host-and-status")
    assert call(where, "/port")[1]["location"] == f"http://{where}:8083/port"
    assert call(where, "/original-prefix/lemon")[1]["location"] == f"http://{where}/replacement-prefix/lemon"
    assert call(where, "/full/x")[1]["location"] == f"http://{where}/full-path-replacement"
    one = call(where, "/prefix/one/two")[2]
    assert (one["path"], one["host"]) == ("/one/two", "one.example.org")
    assert call(where, "/strip-prefix/three")[2]["path"] == "/three"
    assert call(where, "/strip-prefix")[2]["path"] == "/"
    assert call(where, "/rewrite-full/x?a=b")[2]["path"] == "/one?a=b"
    cluster("-n", INFRA, "delete", "httproute", "filters")


def test_weights_split_traffic_and_mirrors_copy_it(cluster):
    apply(cluster, route("weighted", [{"matches": [{"path": {"type": "PathPrefix", "value": "/split"}}],
                                       "backendRefs": to("infra-backend-v1", weight=70) +
                                       to("infra-backend-v2", weight=30) + to("infra-backend-v3", weight=0)},
                                      {"matches": [{"path": {"type": "PathPrefix", "value": "/mirror"}}],
                                       "backendRefs": to("infra-backend-v1"),
                                       "filters": [{"type": "RequestMirror", "requestMirror": {"backendRef": {
                                           "name": "infra-backend-v2", "port": 8080}}}]}]))
    served(cluster, "weighted")
    where = address(cluster)
    wait(lambda: backend_of(call(where, "/mirror")) == "infra-backend-v1", 10)
    counts = {"infra-backend-v1": 0, "infra-backend-v2": 0}
    for i in range(200):
        counts[backend_of(call(where, f"/split/{i}"))] += 1
    assert 110 <= counts["infra-backend-v1"] <= 170 and counts["infra-backend-v1"] + counts["infra-backend-v2"] == 200
    marker = f"/mirror/copy-{time.monotonic_ns()}"
    assert backend_of(call(where, marker)) == "infra-backend-v1"
    wait(lambda: marker in cluster("-n", INFRA, "logs", "deploy/infra-backend-v2").stdout, 10)
    cluster("-n", INFRA, "delete", "httproute", "weighted")


def test_references_across_namespaces_need_a_grant(cluster):
    grant = {"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant",
             "metadata": {"name": "infra-to-web", "namespace": WEB},
             "spec": {"from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": INFRA}],
                      "to": [{"group": "", "kind": "Service"}]}}
    apply(cluster, route("cross", [{"backendRefs": [{"name": "web-backend", "namespace": WEB, "port": 8080}]}],
                         hostnames=["cross.example"]),
          route("missing", [{"backendRefs": to("no-such-service")}], hostnames=["missing.example"]),
          route("wrong-kind", [{"backendRefs": [{"group": "example.com", "kind": "Thing", "name": "x"}]}],
                hostnames=["kind.example"]))
    served(cluster, "wrong-kind")
    where = address(cluster)
    reports(cluster, "cross", "ResolvedRefs", ("False", "RefNotPermitted"))
    reports(cluster, "missing", "ResolvedRefs", ("False", "BackendNotFound"))
    reports(cluster, "wrong-kind", "ResolvedRefs", ("False", "InvalidKind"))
    assert parent_conditions(cluster, "cross")["Accepted"] == ("True", "Accepted")  # attached; its backend not
    wait(lambda: call(where, host="cross.example")[0] == 500, 10)
    assert call(where, host="missing.example")[0] == 500
    assert call(where, host="kind.example")[0] == 500
    apply(cluster, grant)
    wait(lambda: backend_of(call(where, host="cross.example")) == "web-backend", 10)
    reports(cluster, "cross", "ResolvedRefs", ("True", "ResolvedRefs"))
    cluster("-n", WEB, "delete", "referencegrant", "infra-to-web")
    wait(lambda: call(where, host="cross.example")[0] == 500, 10)
    cluster("-n", INFRA, "scale", "deployment", "infra-backend-v3", "--replicas=0")
    apply(cluster, route("drained", [{"backendRefs": to("infra-backend-v3")}], hostnames=["drained.example"]))
    wait(lambda: call(where, host="drained.example")[0] == 503, 10)  # no ready endpoints
    cluster("-n", INFRA, "scale", "deployment", "infra-backend-v3", "--replicas=1")
    for name in ("cross", "missing", "wrong-kind", "drained"):
        cluster("-n", INFRA, "delete", "httproute", name)


def test_https_listeners_serve_certificates_from_secrets(cluster, tmp_path):
    crt, key = certificate(tmp_path, "secure.example")
    cluster("-n", INFRA, "create", "secret", "tls", "secure-tls", f"--cert={crt}", f"--key={key}")
    cluster("-n", WEB, "create", "secret", "tls", "elsewhere-tls", f"--cert={crt}", f"--key={key}")
    cluster("-n", INFRA, "create", "secret", "generic", "not-tls", "--from-literal=a=b")
    ref = {"group": "", "kind": "Secret"}
    apply(cluster, _gateway("tls", {"from": "Same"}, [
        {"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "secure.example",
         "tls": {"certificateRefs": [{**ref, "name": "secure-tls"}]}},
        {"name": "http", "port": 80, "protocol": "HTTP"},
        {"name": "other-ns", "port": 8443, "protocol": "HTTPS",
         "tls": {"certificateRefs": [{**ref, "name": "elsewhere-tls", "namespace": WEB}]}},
        {"name": "bad-secret", "port": 9443, "protocol": "HTTPS", "tls": {"certificateRefs": [
            {**ref, "name": "not-tls"}]}},
        {"name": "tcp", "port": 9000, "protocol": "TCP"},
        {"name": "conflict-a", "port": 8080, "protocol": "HTTP"},
        {"name": "conflict-b", "port": 8080, "protocol": "HTTPS", "hostname": "c.example",
         "tls": {"certificateRefs": [{**ref, "name": "secure-tls"}]}}]),
          route("secure", [{"backendRefs": to("infra-backend-v1")}], gateway="tls", sectionName="https"))
    wait(lambda: json.loads(cluster("-n", INFRA, "get", "gateway", "tls", "-o", "json").stdout)
         .get("status", {}).get("addresses"), 30)
    served(cluster, "secure", gateway="tls")
    where = address(cluster, "tls")
    status = json.loads(cluster("-n", INFRA, "get", "gateway", "tls", "-o", "json").stdout)["status"]
    listeners = {x["name"]: {c["type"]: (c["status"], c["reason"]) for c in x["conditions"]}
                 for x in status["listeners"]}
    assert listeners["https"]["ResolvedRefs"] == ("True", "ResolvedRefs")
    assert listeners["other-ns"]["ResolvedRefs"] == ("False", "RefNotPermitted")
    assert listeners["bad-secret"]["ResolvedRefs"] == ("False", "InvalidCertificateRef")
    assert listeners["tcp"]["Accepted"] == ("False", "UnsupportedProtocol")
    assert listeners["conflict-a"]["Conflicted"] == ("True", "ProtocolConflict")
    conditions = {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}
    assert conditions["Accepted"] == ("True", "ListenersNotValid")

    def https() -> subprocess.CompletedProcess:
        return subprocess.run(["curl", "-s", "-v", "--max-time", "5", "--cacert", crt, "--resolve",
                               f"secure.example:443:{where}", "https://secure.example/tls"],
                              capture_output=True, text=True)
    wait(lambda: https().returncode == 0, 15)
    reply = https()
    assert "subject: CN=secure.example" in reply.stderr  # SNI picked the listener's certificate; it verified
    assert json.loads(reply.stdout)["path"] == "/tls"
    assert call(where, host="secure.example")[0] == 404  # the HTTP listener has no Route attached
    cluster("-n", INFRA, "delete", "gateway", "tls")
    cluster("-n", INFRA, "delete", "httproute", "secure")


def test_bad_routes_get_a_condition_and_never_break_the_others(cluster):
    apply(cluster, route("good", [{"backendRefs": to("infra-backend-v1")}], hostnames=["good.example"]))
    served(cluster, "good")
    where = address(cluster)
    wait(lambda: backend_of(call(where, host="good.example")) == "infra-backend-v1", 10)
    # Python's re refuses this expression: the controller does not even render it
    apply(cluster, route("bad-regex", [{"matches": [{"path": {"type": "RegularExpression", "value": "^/(unclosed"}}],
                                        "backendRefs": to("infra-backend-v2")}], hostnames=["good.example"]))
    reports(cluster, "bad-regex", "Accepted", ("False", "UnsupportedValue"))
    # this one passes Python's re but PCRE refuses it: nginx -t finds it and the controller leaves it out
    apply(cluster, route("pcre-refuses", [{"matches": [{"path": {"type": "RegularExpression",
                                                                  "value": "^/\\N{DIGIT ONE}"}}],
                                           "backendRefs": to("infra-backend-v2")}], hostnames=["good.example"]))
    wait(lambda: parent_conditions(cluster, "pcre-refuses").get("Accepted", ("", ""))[1] == "UnsupportedValue", 20)
    assert "nginx refused" in json.dumps(json.loads(cluster("-n", INFRA, "get", "httproute", "pcre-refuses", "-o",
                                                             "json").stdout)["status"])
    apply(cluster, route("later", [{"backendRefs": to("infra-backend-v3")}], hostnames=["later.example"]))
    wait(lambda: backend_of(call(where, host="later.example")) == "infra-backend-v3", 10)  # changes still serve
    assert backend_of(call(where, host="good.example")) == "infra-backend-v1"
    programmed = json.loads(cluster("-n", INFRA, "get", "gateway", "same-namespace", "-o", "json").stdout)
    assert {c["type"]: c["status"] for c in programmed["status"]["conditions"]}["Programmed"] == "True"
    # the API refuses what the CRD's rules refuse, with the rule's message
    bad = route("invalid", [{"matches": [{"path": {"type": "Exact", "value": "no-slash"}}],
                             "filters": [{"type": "RequestRedirect"}], "backendRefs": to("infra-backend-v1")}])
    refused = cluster("apply", "-f", "-", input=yaml.safe_dump(bad), check=False)
    assert refused.returncode and 'The HTTPRoute "invalid" is invalid' in refused.stderr
    assert "value must be an absolute path and start with '/'" in refused.stderr
    assert "filter.requestRedirect must be specified for RequestRedirect filter.type" in refused.stderr
    assert "invalid" not in cluster("-n", INFRA, "get", "httproute").stdout
    for name in ("good", "bad-regex", "pcre-refuses", "later"):
        cluster("-n", INFRA, "delete", "httproute", name)


def test_a_reload_drops_no_request(cluster):
    apply(cluster, route("steady", [{"backendRefs": to("infra-backend-v1")}], hostnames=["steady.example"]))
    served(cluster, "steady")
    where = address(cluster)
    wait(lambda: backend_of(call(where, host="steady.example")) == "infra-backend-v1", 10)
    load = subprocess.Popen(["sh", "-c", f"for i in $(seq 300); do curl -s -o /dev/null -w '%{{http_code}}\\n' "
                                         f"-H 'Host: steady.example' http://{where}/; done"],
                            stdout=subprocess.PIPE, text=True)
    for i in range(8):  # eight reloads while the requests run
        apply(cluster, route(f"churn-{i}", [{"backendRefs": to("infra-backend-v2")}], hostnames=[f"c{i}.example"]))
        time.sleep(0.3)
    codes = load.communicate(timeout=120)[0].split()
    assert codes == ["200"] * 300, {c: codes.count(c) for c in set(codes)}
    logs = cluster("-n", INFRA, "logs", "deploy/same-namespace-nginx").stdout
    assert "backend reloaded" in logs
    for i in range(8):
        cluster("-n", INFRA, "delete", "httproute", f"churn-{i}")
    cluster("-n", INFRA, "delete", "httproute", "steady")
