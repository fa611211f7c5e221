"""ingress-nginx's command line (`/nginx-ingress-controller --flag=value ...`), read as the real binary reads it.

The flags kinns carries have the real defaults. The controller's other flags are known by name: given with a
value other than their default they are refused with that name, so a manifest never runs with a setting that
silently does nothing; an unknown flag is pflag's `unknown flag` error, as the real binary prints it.
`--status-update-interval` is met by writing an Ingress's status on every sync that changes it, sooner than
the interval asks.
"""

from dataclasses import dataclass

from ..apimachinery.goflags import FlagError, FlagSet

CARRIED = {
    "ingress-class": "nginx", "controller-class": "k8s.io/ingress-nginx", "watch-ingress-without-class": False,
    "ingress-class-by-name": False, "configmap": "", "publish-service": "", "publish-status-address": "",
    "update-status": True, "update-status-on-shutdown": True, "report-node-internal-ip-address": False,
    "election-id": "ingress-controller-leader", "election-ttl": "30s", "disable-leader-election": False,
    "default-backend-service": "", "default-ssl-certificate": "", "validating-webhook": "",
    "validating-webhook-certificate": "", "validating-webhook-key": "", "disable-full-test": False,
    "http-port": 80, "https-port": 443, "healthz-port": 10254, "healthz-host": "", "health-check-path": "/healthz",
    "watch-namespace": "", "status-update-interval": 60, "shutdown-grace-period": 0,
    "post-shutdown-grace-period": 10, "kubeconfig": "", "apiserver-host": "", "version": False,
}
# real flags kinns does not carry, with their defaults: accepted only at those
NOT_CARRIED = {
    "tcp-services-configmap": "", "udp-services-configmap": "", "enable-ssl-passthrough": False,
    "annotations-prefix": "nginx.ingress.kubernetes.io", "sync-period": "0s", "watch-namespace-selector": "",
    "profiling": True, "health-check-timeout": 10, "disable-svc-external-name": False,
    "enable-ssl-chain-completion": False, "sync-rate-limit": 0.3, "enable-metrics": True, "metrics-per-host": True,
    "metrics-per-undefined-host": False, "report-status-classes": False, "ssl-passthrough-proxy-port": 442,
    "default-server-port": 8181, "disable-catch-all": False, "status-port": 10246, "stream-port": 10247,
    "internal-logger-address": "127.0.0.1:11514", "profiler-port": 10245, "profiler-address": "127.0.0.1",
    "deep-inspect": True, "dynamic-configuration-retries": 15, "disable-sync-events": False,
    "enable-topology-aware-routing": False, "maxmind-mirror": "", "maxmind-license-key": "",
    "maxmind-edition-ids": "GeoLite2-City,GeoLite2-ASN", "maxmind-retries-count": 1,
    "maxmind-retries-timeout": "0s", "certificate-authority": "", "logtostderr": True, "alsologtostderr": False,
    "stderrthreshold": 2, "log_dir": "", "log_file": "", "time-buckets": "", "length-buckets": "",
    "size-buckets": "", "exclude-socket-metrics": "", "monitor-max-batch-size": 10000, "bucket-factor": 0.0,
    "max-buckets": 100, "v": 0, "enable-annotation-validation": True,
}


@dataclass(frozen=True)
class Options:
    ingress_class: str
    controller_class: str
    watch_without_class: bool
    class_by_name: bool
    configmap: str  # namespace/name, or ""
    publish_service: str
    publish_status_address: list[str]
    update_status: bool
    update_status_on_shutdown: bool
    node_internal_ip: bool
    election_id: str
    election_ttl: float
    leader_election: bool
    default_backend: str  # namespace/name of the default backend Service, or ""
    default_certificate: str  # namespace/name of the catch-all server's TLS Secret, or ""
    webhook: str  # host:port the admission webhook listens on, or ""
    webhook_certificate: str
    webhook_key: str
    full_test: bool
    http_port: int
    https_port: int
    healthz_port: int
    healthz_host: str
    health_path: str
    watch_namespace: str
    shutdown_grace: float
    post_shutdown_grace: float


def _duration(name: str, text: str) -> float:
    """A Go duration of seconds or minutes (`30s`, `1m`, `1m30s`)."""
    total, number = 0.0, ""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    i = 0
    while i < len(text):
        if text[i].isdigit() or text[i] == ".":
            number += text[i]
            i += 1
            continue
        unit = "ms" if text[i:i + 2] == "ms" else text[i]
        if unit not in units or not number:
            raise FlagError(f'invalid argument "{text}" for "--{name}" flag: time: invalid duration "{text}"')
        total += float(number) * units[unit]
        number, i = "", i + len(unit)
    if number and text != "0":
        raise FlagError(f'invalid argument "{text}" for "--{name}" flag: time: missing unit in duration "{text}"')
    return total


def _namespaced(name: str, value: str, namespace: str) -> str:
    if value and (value.count("/") != 1 or not all(value.split("/"))):
        raise FlagError(f"invalid format for --{name}: {value!r} is not namespace/name")
    return value


def parse(argv: list[str], namespace: str) -> Options:
    """The options of a command line (the leading program path, if any, dropped); FlagError when refused."""
    flags = FlagSet("nginx-ingress-controller")
    for name, default in {**CARRIED, **NOT_CARRIED}.items():
        flags.add(name, default)
    if argv and not argv[0].startswith("-"):
        argv = argv[1:]  # the program's own path, as os.Args[0]
    values, given, positional = flags.parse(argv)
    if positional:
        raise FlagError(f"unexpected arguments: {' '.join(positional)}")
    refused = sorted(n for n in given & NOT_CARRIED.keys() if values[n] != NOT_CARRIED[n])
    if refused:
        raise FlagError("kinns's ingress-nginx does not implement " + ", ".join(f"--{n}" for n in refused)
                        + "; remove the flag or give it its default")
    for name in ("kubeconfig", "apiserver-host"):
        if values[name]:
            raise FlagError(f"--{name}: kinns's ingress-nginx runs with its pod's in-cluster credentials only")
    if values["validating-webhook"] and not (values["validating-webhook-certificate"]
                                             and values["validating-webhook-key"]):
        raise FlagError("--validating-webhook needs --validating-webhook-certificate and --validating-webhook-key")
    return Options(
        str(values["ingress-class"]), str(values["controller-class"]), bool(values["watch-ingress-without-class"]),
        bool(values["ingress-class-by-name"]), _namespaced("configmap", str(values["configmap"]), namespace),
        _namespaced("publish-service", str(values["publish-service"]), namespace),
        [a.strip() for a in str(values["publish-status-address"]).split(",") if a.strip()],
        bool(values["update-status"]), bool(values["update-status-on-shutdown"]),
        bool(values["report-node-internal-ip-address"]), str(values["election-id"]),
        _duration("election-ttl", str(values["election-ttl"])), not values["disable-leader-election"],
        _namespaced("default-backend-service", str(values["default-backend-service"]), namespace),
        _namespaced("default-ssl-certificate", str(values["default-ssl-certificate"]), namespace),
        str(values["validating-webhook"]), str(values["validating-webhook-certificate"]),
        str(values["validating-webhook-key"]), not values["disable-full-test"], int(values["http-port"]),
        int(values["https-port"]), int(values["healthz-port"]), str(values["healthz-host"]),
        str(values["health-check-path"]), str(values["watch-namespace"]),
        float(values["shutdown-grace-period"]),
        float(values["post-shutdown-grace-period"]))
