"""Ingress rules to nginx configuration: host matching, path types and precedence (pure logic)."""

import subprocess

import pytest

from kinns.ingress import render
from kinns.ingress.nginx import default_certificate


def _svc(name: str) -> dict:
    return {"metadata": {"namespace": "default", "name": name},
            "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}


def _slice(name: str, *ips: str) -> dict:
    return {"metadata": {"namespace": "default", "labels": {"kubernetes.io/service-name": name}},
            "ports": [{"name": "http", "port": 8080}],
            "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips]}


def _ingress(name: str, created: str, rules: list[dict], default: str | None = None) -> dict:
    spec: dict = {"rules": rules}
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"number": 80}}}
    return {"metadata": {"namespace": "default", "name": name, "creationTimestamp": created}, "spec": spec}


def _path(path: str, kind: str, service: str) -> dict:
    return {"path": path, "pathType": kind, "backend": {"service": {"name": service, "port": {"number": 80}}}}


def test_paths_hosts_and_precedence_render_as_nginx_locations(tmp_path):
    services = {("default", n): _svc(n) for n in ("api", "web", "exact", "empty")}
    slices = {("default", "api"): [_slice("api", "10.244.1.2")], ("default", "web"): [_slice("web", "10.244.2.2")],
              ("default", "exact"): [_slice("exact", "10.244.2.3")]}
    first = _ingress("a", "2026-01-01T00:00:00Z", [
        {"host": "foo.example", "http": {"paths": [_path("/api", "Prefix", "api"), _path("/", "Prefix", "web"),
                                                   _path("/api/exact", "Exact", "exact")]}},
        {"host": "*.wild.example", "http": {"paths": [_path("/", "Prefix", "empty")]}}])
    later = _ingress("b", "2026-01-02T00:00:00Z", [
        {"host": "foo.example", "http": {"paths": [_path("/api", "Prefix", "web")]}}])  # older Ingress keeps /api
    servers, upstreams, default = render.build([later, first], services, slices)
    assert upstreams == {"default-api-80": ["10.244.1.2:8080"], "default-web-80": ["10.244.2.2:8080"],
                         "default-exact-80": ["10.244.2.3:8080"]}
    assert servers["foo.example"].routes[("Prefix", "/api")].upstream == "default-api-80"
    conf = render.nginx_conf(servers, upstreams, default, str(tmp_path))
    assert "location = /api/exact {" in conf and "location = /api {" in conf and "location /api/ {" in conf
    assert "server_name ~^[^.]+\\.wild\\.example$;" in conf
    assert "return 503;" in conf  # a Service without endpoints
    assert f'return 404 "{render.DEFAULT_BACKEND}";' in conf
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    default_certificate(tmp_path / "default-certificate.pem", "Acme Co", "Fake")
    (tmp_path / "nginx.conf").write_text(conf)
    check = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr  # real nginx accepts what is rendered


def test_tls_and_annotations(tmp_path):
    services = {("default", "web"): _svc("web")}
    slices = {("default", "web"): [_slice("web", "10.244.2.2")]}
    ing = _ingress("a", "2026-01-01T00:00:00Z", [
        {"host": "secure.example", "http": {"paths": [_path("/app(/|$)(.*)", "ImplementationSpecific", "web")]}}])
    ing["spec"]["tls"] = [{"hosts": ["secure.example"], "secretName": "secure-tls"}]
    ing["metadata"]["annotations"] = {"nginx.ingress.kubernetes.io/rewrite-target": "/$2",
                                      "nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8, 172.16.0.0/12",
                                      "nginx.ingress.kubernetes.io/proxy-body-size": "8m"}
    servers, upstreams, default = render.build([ing], services, slices)
    conf = render.nginx_conf(servers, upstreams, default, str(tmp_path), {"default/secure-tls": "/x/secure.pem"})
    assert 'location ~* "^/app(/|$)(.*)"' in conf and 'rewrite "(?i)/app(/|$)(.*)" /$2 break;' in conf
    assert "allow 10.0.0.0/8; allow 172.16.0.0/12; deny all;" in conf and "client_max_body_size 8m;" in conf
    assert "listen 443 ssl;\n        ssl_certificate /x/secure.pem;" in conf
    assert "return 308 https://$host$request_uri;" in conf  # ssl-redirect is on for TLS hosts


def test_canary_joins_the_main_route(tmp_path):
    services = {("default", n): _svc(n) for n in ("web", "next")}
    slices = {("default", "web"): [_slice("web", "10.244.2.2")], ("default", "next"): [_slice("next", "10.244.2.9")]}
    main = _ingress("main", "2026-01-02T00:00:00Z", [{"host": "a.example", "http": {"paths": [_path("/", "Prefix",
                                                                                                  "web")]}}])
    canary = _ingress("canary", "2026-01-01T00:00:00Z", [{"host": "a.example", "http": {"paths": [
        _path("/", "Prefix", "next")]}}])  # older than main: still joins it, never replaces it
    canary["metadata"]["annotations"] = {"nginx.ingress.kubernetes.io/canary": "true",
                                         "nginx.ingress.kubernetes.io/canary-weight": "20",
                                         "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary"}
    servers, upstreams, default = render.build([canary, main], services, slices)
    route = servers["a.example"].routes[("Prefix", "/")]
    assert route.upstream == "default-web-80" and route.canary.upstream == "default-next-80"
    conf = render.nginx_conf(servers, upstreams, default, str(tmp_path))
    assert "20% default-next-80;" in conf and '$http_x_canary = "always"' in conf
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / sub).mkdir()
    default_certificate(tmp_path / "default-certificate.pem", "Acme Co", "Fake")
    (tmp_path / "nginx.conf").write_text(conf)
    check = subprocess.run(["nginx", "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("annotations, path, why", [
    ({}, "/x { return 200; } location /y", "path '/x { return 200; } location /y' contains characters"),
    ({"nginx.ingress.kubernetes.io/proxy-body-size": "1m; include /etc/passwd"}, "/", "annotation nginx.ingress."
                                                                                       "kubernetes.io/proxy-body-size"),
    ({"nginx.ingress.kubernetes.io/whitelist-source-range": "10.0.0.0/8, 10.0.0.300/8"}, "/",
     "'10.0.0.300/8' is not a CIDR"),
    ({"nginx.ingress.kubernetes.io/use-regex": "true"}, '/a";\n', "contains characters nginx does not take"),
    ({"nginx.ingress.kubernetes.io/use-regex": "true"}, "/api/(v1|v2)/.*", ""),
])
def test_values_nginx_would_read_as_configuration_are_refused(annotations, path, why):
    ing = {"metadata": {"namespace": "default", "name": "i", "annotations": annotations},
           "spec": {"rules": [{"http": {"paths": [{"path": path, "pathType": "ImplementationSpecific"}]}}]}}
    assert (why in render.refusal(ing)) if why else render.refusal(ing) == ""
