"""Container images as host programs: what each supported image runs.

There is no registry. An image is known by its repository's last path
component (any registry, any tag); the command a pod gives follows
Kubernetes's rules: `command` replaces the image's entrypoint, `args` its
default arguments.
"""

import sys
from dataclasses import dataclass

PYTHON = sys.executable


class UnsupportedImage(Exception):
    """An image kinns has no program for; the kubelet reports it as ErrImageNeverPull."""


@dataclass(frozen=True)
class Image:
    entrypoint: tuple[str, ...]
    default_args: tuple[str, ...]


def _module(name: str, package: str = "kinns.node.workloads.") -> tuple[str, ...]:
    return (PYTHON, "-m", f"{package}{name}")


PROXY, DNS, CNI = _module("kinns.node.proxy", ""), _module("kinns.dns", ""), _module("kinns_cni")
INGRESS = _module("kinns.ingress", "")
GATEWAY, GATEWAY_AGENT = _module("kinns.ingress.gateway", ""), _module("kinns.ingress.gateway.dataplane", "")


SHELL = Image((), ("sh",))
IMAGES: dict[str, Image] = {
    "echo": Image(_module("echo"), ()),
    "echo-basic": Image(_module("echo"), ("3000",)),
    "agnhost": Image(_module("agnhost"), ("pause",)),
    # like the real pause: it sleeps and ends at once on SIGTERM (a shell's trap is in place within a
    # millisecond, while a Python program would ignore TERM as PID 1 until its handler is installed)
    "pause": Image(("sh", "-c", 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'), ()),
    "nginx": Image(_module("nginx"), ()),
    "busybox": SHELL,
    "alpine": Image((), ("/bin/sh",)),
    "curl": Image(("curl",), ()),
    "netshoot": Image((), ("bash",)),
    "dnsutils": SHELL,
    "jessie-dnsutils": SHELL,
    "debian": Image((), ("bash",)),
    "ubuntu": Image((), ("bash",)),
    "kube-proxy": Image(PROXY, ()),
    "coredns": Image(DNS, ("-conf", "/etc/coredns/Corefile")),
    "kinns-cni": Image(CNI, ()),
    "controller": Image(INGRESS, ()),  # registry.k8s.io/ingress-nginx/controller
    "nginx-gateway-fabric": Image(GATEWAY, ("controller",)),  # ghcr.io/nginx/nginx-gateway-fabric
}
# Programs inside images that are ours rather than the host's.
_BINARIES = {"agnhost": _module("agnhost"), "/agnhost": _module("agnhost"), "nginx": _module("nginx"),
             "/echo-basic": _module("echo"), "echo-basic": _module("echo"),
             "kube-proxy": PROXY, "/usr/local/bin/kube-proxy": PROXY, "/coredns": DNS, "coredns": DNS,
             "/nginx-ingress-controller": INGRESS, "/usr/bin/gateway": GATEWAY,
             "/agent": GATEWAY_AGENT}  # the Gateway data plane's agent (in an nginx-gateway-fabric/nginx image)


def repository(image: str) -> str:
    """'registry.k8s.io/e2e-test-images/agnhost:2.39' -> 'agnhost'."""
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def supported() -> list[str]:
    return sorted(IMAGES)


def argv(image: str, command: list[str] | None = None, args: list[str] | None = None) -> list[str]:
    """The program a container of `image` runs, given the pod's command and args."""
    spec = IMAGES.get(repository(image))
    if spec is None:
        raise UnsupportedImage(f'image "{image}" cannot run on kinns (no registry); supported images: '
                               + ", ".join(supported()))
    if command:
        head = list(_BINARIES.get(command[0], (command[0],)))
        full = head + list(command[1:]) + list(args or [])
    else:
        full = list(spec.entrypoint) + list(args or spec.default_args)  # `args: []` is unset, as in the API
    if not full:
        raise UnsupportedImage(f'image "{image}" has no command to run; give the container a command')
    return full
