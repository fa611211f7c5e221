"""The pure parts of ingress-nginx's and kube-webhook-certgen's stand-ins: their command lines as pflag reads
them, the ConfigMap keys, the webhook's overlap check, the default backend and the certificates certgen makes."""

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from kinns.apimachinery.goflags import FlagError, FlagSet
from kinns.ingress import flags, render, settings
from kinns.ingress.admission import answer, overlap
from kinns.node.workloads import certgen

UPSTREAM_ARGS = ["/nginx-ingress-controller", "--election-id=ingress-nginx-leader",
                 "--controller-class=k8s.io/ingress-nginx", "--ingress-class=nginx",
                 "--configmap=ingress-nginx/ingress-nginx-controller", "--validating-webhook=:8443",
                 "--validating-webhook-certificate=/usr/local/certificates/cert",
                 "--validating-webhook-key=/usr/local/certificates/key", "--watch-ingress-without-class=true",
                 "--publish-status-address=localhost"]


def test_the_upstream_manifests_args_are_read_with_the_real_defaults_for_the_rest():
    opts = flags.parse(UPSTREAM_ARGS, "ingress-nginx")
    assert (opts.election_id, opts.configmap, opts.webhook, opts.watch_without_class) == (
        "ingress-nginx-leader", "ingress-nginx/ingress-nginx-controller", ":8443", True)
    assert opts.publish_status_address == ["localhost"] and opts.publish_service == ""
    assert (opts.healthz_port, opts.http_port, opts.election_ttl, opts.post_shutdown_grace) == (10254, 80, 30.0, 10.0)


@pytest.mark.parametrize("args, message", [
    (["--no-such-flag"], "unknown flag: --no-such-flag"),
    (["--enable-ssl-passthrough"], "does not implement --enable-ssl-passthrough"),
    (["--update-status=maybe"], 'invalid argument "maybe" for "--update-status" flag'),
    (["--http-port=eighty"], 'invalid argument "eighty" for "--http-port" flag'),
    (["--election-ttl=30"], "missing unit in duration"),
    (["--configmap=just-a-name"], "is not namespace/name"),
    (["--validating-webhook=:8443"], "needs --validating-webhook-certificate"),
    (["-x"], "unknown shorthand flag: 'x' in -x"),
])
def test_refused_command_lines_say_why_in_the_binarys_words(args, message):
    with pytest.raises(FlagError) as err:
        flags.parse(args, "ingress-nginx")
    assert message in str(err.value)


def test_a_real_flag_at_its_default_is_taken():
    assert flags.parse(["--enable-metrics=true", "--profiling"], "x").ingress_class == "nginx"


def test_go_flag_style_stops_at_the_first_argument_and_takes_one_dash():
    fs = FlagSet("flanneld", style="flag")
    fs.add("ip-masq", False)
    fs.add("iface", "")
    values, given, rest = fs.parse(["-ip-masq", "--iface", "eth0", "extra", "-iface=x"])
    assert (values["ip-masq"], values["iface"], given) == (True, "eth0", {"ip-masq", "iface"})
    assert rest == ["extra", "-iface=x"]
    with pytest.raises(FlagError, match="flag provided but not defined: -nope"):
        fs.parse(["-nope"])


def test_configmap_keys_carried_left_out_and_invalid():
    got, notes = settings.parse({"proxy-body-size": "8m", "ssl-redirect": "false", "keep-alive": "ten",
                                 "use-gzip": "true", "not-an-ingress-nginx-key": "1"})
    assert (got.proxy_body_size, got.ssl_redirect, got.keep_alive) == ("8m", False, 75)
    assert any("keep-alive" in n and "not valid" in n for n in notes)
    assert any("use-gzip" in n for n in notes) and not any("not-an-ingress-nginx-key" in n for n in notes)


def _ing(name: str, path: str, host: str = "", canary: bool = False, created: str = "2026-01-01T00:00:00Z") -> dict:
    annotations = {"nginx.ingress.kubernetes.io/canary": "true"} if canary else {}
    rule = {"http": {"paths": [{"path": path, "pathType": "Prefix",
                                "backend": {"service": {"name": "s", "port": {"number": 80}}}}]}}
    if host:
        rule["host"] = host
    return {"metadata": {"namespace": "default", "name": name, "annotations": annotations,
                         "creationTimestamp": created}, "spec": {"rules": [rule]}}


def test_the_webhook_refuses_a_host_and_path_defined_elsewhere_but_not_a_canary_or_itself():
    existing = [_ing("first", "/pay")]
    assert overlap(_ing("second", "/pay"), existing) == \
        'host "_" and path "/pay" is already defined in ingress default/first'
    assert overlap(_ing("second", "/pay", host="a.example"), existing) == ""
    assert overlap(_ing("second", "/pay", canary=True), existing) == ""
    assert overlap(_ing("first", "/pay"), existing) == ""  # an update of the same Ingress
    review = answer({"apiVersion": "admission.k8s.io/v1", "request": {"uid": "u1"}}, "no")
    assert review["response"] == {"uid": "u1", "allowed": False,
                                  "status": {"message": "no", "code": 400, "status": "Failure", "reason": "BadRequest"}}


def test_default_backend_service_and_an_ingresss_own_default_backend():
    svc = {"spec": {"ports": [{"name": "http", "port": 80}]}}
    slices = {("ns", "fallback"): [{"ports": [{"name": "http", "port": 8080}],
                                    "endpoints": [{"addresses": ["10.0.0.9"]}]}],
              ("default", "s"): [{"ports": [{"name": "http", "port": 8080}],
                                  "endpoints": [{"addresses": ["10.0.0.5"]}]}]}
    services = {("ns", "fallback"): svc, ("default", "s"): svc}
    _, upstreams, default = render.build([_ing("a", "/a")], services, slices, default_service="ns/fallback")
    assert default is not None and upstreams[default.upstream] == ["10.0.0.9:8080"]
    own = _ing("b", "/b", host="b.example")
    own["spec"]["defaultBackend"] = {"service": {"name": "s", "port": {"number": 80}}}
    servers, upstreams, default = render.build([own], services, slices, default_service="ns/fallback")
    assert servers["b.example"].default.upstream == "default-s-80" and default.upstream == "ns-fallback-80"


def test_certgen_makes_a_ca_and_a_serving_certificate_for_the_hosts():
    ca_pem, cert_pem, key_pem = certgen.generate(["svc", "svc.ns.svc", "10.96.0.1"])
    ca, cert = x509.load_pem_x509_certificate(ca_pem), x509.load_pem_x509_certificate(cert_pem)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    cert.verify_directly_issued_by(ca)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["svc", "svc.ns.svc"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["10.96.0.1"]
    assert cert.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc) > datetime.timedelta(days=99 * 365)
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey) and b"EC PRIVATE KEY" in key_pem


@pytest.mark.parametrize("argv, message", [
    (["create", "--namespace=x", "--secret-name=s"], 'required flag(s) "host" not set'),
    (["patch", "--namespace=x", "--secret-name=s", "--webhook-name=w", "--patch-failure-policy=Maybe"],
     "patch-failure-policy Maybe is not valid"),
    (["delete"], 'unknown command "delete"'),
    (["create", "--host=a", "--namespace=x", "--secret-name=s", "--bogus"], "unknown flag: --bogus"),
])
def test_certgen_refuses_what_the_real_program_refuses(argv, message, capsys):
    assert certgen.main(argv) == 1
    assert message in capsys.readouterr().err


def test_ngf_static_mode_command_lines():
    from kinns.ingress.gateway.__main__ import parse

    command, opts = parse(["static-mode", "--gateway-ctlr-name=gateway.nginx.org/nginx-gateway-controller",
                           "--gatewayclass=nginx", "--config=nginx-gateway-config", "--service=nginx-gateway",
                           "--metrics-port=9113", "--health-port=8081",
                           "--leader-election-lock-name=nginx-gateway-leader-election"])
    assert (command, opts["gatewayclass"], opts["health-port"]) == ("static-mode", "nginx", 8081)
    command, opts = parse(["initialize", "--source", "/a.conf", "--source=/b.conf", "--destination", "/d"])
    assert opts["source"] == ["/a.conf", "/b.conf"]
    for argv, message in ((["static-mode", "--gatewayclass=nginx", "--gateway-ctlr-name=example.com/other"],
                           "kinns's controller is gateway.nginx.org/nginx-gateway-controller"),
                          (["static-mode", "--gatewayclass=nginx", "--nginx-plus"], "does not implement --nginx-plus"),
                          (["provision"], 'unknown command "provision"'),
                          (["initialize", "--destination=/d"], 'required flag(s) "destination", "source" not set')):
        with pytest.raises(FlagError) as err:
            parse(argv)
        assert message in str(err.value)


def test_ngf_2_flags_are_refused_by_name_until_its_agent_channel_exists():
    from kinns.ingress.gateway.__main__ import parse

    with pytest.raises(FlagError) as err:
        parse(["controller", "--gateway-ctlr-name=gateway.nginx.org/nginx-gateway-controller",
               "--gatewayclass=nginx", "--agent-tls-secret=agent-tls"])
    assert "does not implement --agent-tls-secret, --gatewayclass" in str(err.value)
    assert parse(["controller", "--gateway-ctlr-name=gateway.nginx.org/nginx-gateway-controller"])[0] == "controller"
