"""Container images as host programs: what each supported image runs.

There is no registry. An image is known by its full repository, normalised as
a container runtime normalises a reference (`busybox` is
`docker.io/library/busybox`, `weaveworks/weave-kube` is
`docker.io/weaveworks/weave-kube`); any tag or digest runs the same program.
So `registry.k8s.io/ingress-nginx/controller` is ingress-nginx while an image
of another project whose name ends in `controller` is refused. The command a
pod gives follows Kubernetes's rules: `command` replaces the image's
entrypoint, `args` its default arguments; a command naming one of the image's
own programs (`/agnhost`, `/opt/bin/flanneld`) runs kinns's version of it. An
image may also carry files (a CNI plugin its init container copies onto the
node), which the runtime puts into the container's writable layer.
"""

import glob
import shlex
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from ...cni.install import launcher

PYTHON = sys.executable


class UnsupportedImage(Exception):
    """An image kinns has no program for; the kubelet reports it as ErrImageNeverPull."""


@dataclass(frozen=True)
class Image:
    entrypoint: tuple[str, ...] = ()
    default_args: tuple[str, ...] = ()
    binaries: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # the image's own programs
    files: Mapping[str, Callable[[], str]] = field(default_factory=dict)  # path -> content, made when started
    links: Mapping[str, str] = field(default_factory=dict)  # path -> what it points to on the node
    file_caps: frozenset[str] = frozenset()  # capabilities its programs carry (setcap), for a non-root user


def _module(name: str, package: str = "kinns.node.workloads.") -> tuple[str, ...]:
    return (PYTHON, "-m", f"{package}{name}")


def _plugin(module: str) -> Callable[[], str]:
    """A CNI plugin's executable as an image ships it (kinns's launcher of that plugin)."""
    return lambda: launcher(module)


# ingress-nginx's image preloads its allocator (LD_PRELOAD=/usr/local/lib/libmimalloc.so in the manifest); here
# that path is the C library every program has loaded already, so the preload holds and changes nothing
LIBC = next(iter(sorted(glob.glob("/lib/*-linux-gnu/libc.so.6") + glob.glob("/usr/lib/*-linux-gnu/libc.so.6"))),
            "/lib/libc.so.6")
PROXY, DNS, CNI = _module("kinns.node.proxy", ""), _module("kinns.dns", ""), _module("kinns_cni")
NETPOL = _module("kinns.node.policy", "")
INGRESS, WAIT_SHUTDOWN = _module("kinns.ingress", ""), _module("kinns.ingress.wait_shutdown", "")
CERTGEN = _module("certgen")
GATEWAY, GATEWAY_AGENT = _module("kinns.ingress.gateway", ""), _module("kinns.ingress.gateway.dataplane", "")
AGNHOST, NGINX, ECHO = _module("agnhost"), _module("nginx"), _module("echo")
WEAVE_INIT, WEAVE, WEAVE_NPC = _module("weave.init"), _module("weave.launch"), _module("weave.npc")
FLANNELD, INSTALL_CONF = _module("flannel.flanneld"), _module("flannel.install_conf")
FLANNEL = Image(FLANNELD, (), {"/opt/bin/flanneld": FLANNELD, "/opt/bin/install-conf": INSTALL_CONF})
FLANNEL_CNI = Image(files={"/flannel": _plugin("flannel")})  # its init container copies /flannel onto the node

# the nginx.conf of NGF's nginx image: its main-level includes and conf.d (the controller's http part), files
# where the pod's shared volumes are (the root is read-only; nginx runs as user 101). No stream block: the
# node's nginx is built without the stream module, so nothing is served from stream-conf.d (TLSRoute, TCP)
NGF_NGINX_CONF = """worker_processes auto;
pid /var/run/nginx/nginx.pid;
include /etc/nginx/main-includes/*.conf;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log /dev/stdout;
    client_body_temp_path /var/cache/nginx/client_body;
    proxy_temp_path /var/cache/nginx/proxy;
    fastcgi_temp_path /var/cache/nginx/fastcgi;
    uwsgi_temp_path /var/cache/nginx/uwsgi;
    scgi_temp_path /var/cache/nginx/scgi;
    include /etc/nginx/conf.d/*.conf;
}
"""
SHELL = Image((), ("sh",))
BASH = Image((), ("bash",))
# like the real pause: it sleeps and ends at once on SIGTERM (a shell's trap is in place within a
# millisecond, while a Python program would ignore TERM as PID 1 until its handler is installed)
PAUSE = Image(("sh", "-c", 'trap "exit 0" TERM INT; while :; do sleep 3600 & wait $!; done'))
COREDNS = Image(DNS, ("-conf", "/etc/coredns/Corefile"), {"/coredns": DNS, "coredns": DNS})
ECHO_BASIC = Image(ECHO, ("3000",), {"/echo-basic": ECHO, "echo-basic": ECHO})
IMAGES: dict[str, Image] = {
    "docker.io/kinns/echo": Image(ECHO),
    "gcr.io/k8s-staging-gateway-api/echo-basic": ECHO_BASIC,
    "registry.k8s.io/gateway-api/echo-basic": ECHO_BASIC,
    "registry.k8s.io/e2e-test-images/agnhost": Image(AGNHOST, ("pause",), {"/agnhost": AGNHOST,
                                                                           "agnhost": AGNHOST}),
    "registry.k8s.io/pause": PAUSE,
    "docker.io/library/nginx": Image(NGINX, (), {"nginx": NGINX}),
    "docker.io/library/busybox": SHELL,
    "registry.k8s.io/e2e-test-images/busybox": SHELL,
    "docker.io/library/alpine": Image((), ("/bin/sh",)),
    "docker.io/curlimages/curl": Image(("curl",)),
    "docker.io/nicolaka/netshoot": BASH,
    "registry.k8s.io/e2e-test-images/jessie-dnsutils": SHELL,
    "docker.io/library/debian": BASH,
    "docker.io/library/ubuntu": BASH,
    "registry.k8s.io/kube-proxy": Image(PROXY, (), {"kube-proxy": PROXY, "/usr/local/bin/kube-proxy": PROXY}),
    "registry.k8s.io/coredns/coredns": COREDNS,
    "docker.io/coredns/coredns": COREDNS,
    "ghcr.io/kinns/kinns-cni": Image(CNI, (), {"/kinns-netpol": NETPOL}),
    "registry.k8s.io/ingress-nginx/controller": Image(INGRESS, (), {"/nginx-ingress-controller": INGRESS,
                                                                     "/wait-shutdown": WAIT_SHUTDOWN},
                                                      links={"/usr/local/lib/libmimalloc.so": LIBC}),
    "registry.k8s.io/ingress-nginx/kube-webhook-certgen": Image(CERTGEN, (), {"/kube-webhook-certgen": CERTGEN}),
    # NGF's control plane; its binary carries CAP_KILL (it signals the nginx of its pod, another user's process)
    "ghcr.io/nginx/nginx-gateway-fabric": Image(GATEWAY, ("controller",), {"/usr/bin/gateway": GATEWAY},
                                                file_caps=frozenset({"KILL"})),
    # the Gateway data plane: nginx reading NGF's nginx.conf (static mode), or with kinns's agent beside it
    "ghcr.io/nginx/nginx-gateway-fabric/nginx": Image(("nginx", "-e", "stderr", "-g", "daemon off;"), (),
                                                      {"/agent": GATEWAY_AGENT},
                                                      files={"/etc/nginx/nginx.conf": lambda: NGF_NGINX_CONF}),
    "docker.io/weaveworks/weave-kube": Image(WEAVE, (), {"/home/weave/launch.sh": WEAVE,
                                                         "/home/weave/init.sh": WEAVE_INIT}),
    "ghcr.io/flannel-io/flannel": FLANNEL,
    "docker.io/flannel/flannel": FLANNEL,
    "ghcr.io/flannel-io/flannel-cni-plugin": FLANNEL_CNI,
    "docker.io/flannel/flannel-cni-plugin": FLANNEL_CNI,
    "docker.io/weaveworks/weave-npc": Image(WEAVE_NPC, (), {"/usr/bin/launch.sh": WEAVE_NPC,
                                                            "/usr/bin/weave-npc": WEAVE_NPC}),
}
IMAGES = MappingProxyType(IMAGES)
ALIASES = {"k8s.gcr.io": "registry.k8s.io", "index.docker.io": "docker.io", "registry-1.docker.io": "docker.io"}


def repository(image: str) -> str:
    """An image reference's full repository, as a runtime resolves it: 'busybox:1.36' ->
    'docker.io/library/busybox', 'registry.k8s.io/e2e-test-images/agnhost:2.53' ->
    'registry.k8s.io/e2e-test-images/agnhost'."""
    name = image.split("@", 1)[0]
    if name.rfind(":") > name.rfind("/"):
        name = name[:name.rfind(":")]
    first, _, rest = name.partition("/")
    if not rest or ("." not in first and ":" not in first and first != "localhost"):
        first, rest = "docker.io", name
    first = ALIASES.get(first, first)
    if first == "docker.io" and "/" not in rest:
        rest = f"library/{rest}"
    return f"{first}/{rest}"


def image(reference: str) -> Image:
    spec = IMAGES.get(repository(reference))
    if spec is None:
        raise UnsupportedImage(f'image "{reference}" cannot run on kinns (no registry); supported images: '
                               + ", ".join(sorted(IMAGES)))
    return spec


def argv(reference: str, command: list[str] | None = None, args: list[str] | None = None) -> list[str]:
    """The program a container of `reference` runs, given the pod's command and args."""
    spec = image(reference)
    if command:
        head = list(spec.binaries.get(command[0], (command[0],)))
        full = head + list(command[1:]) + list(args or [])
    else:
        full = list(spec.entrypoint) + list(args or spec.default_args)  # `args: []` is unset, as in the API
    if not full:
        raise UnsupportedImage(f'image "{reference}" has no command to run; give the container a command')
    return full


def files(reference: str) -> dict[str, str]:
    """The files the image ships that a container may read, copy or run (path -> content): its own files, and
    its programs at their paths (`/wait-shutdown`, `/agnhost`) as launchers of kinns's, so an exec, a probe or
    a lifecycle hook that names one finds it as in the real image."""
    spec = image(reference)
    programs = {path: "#!/bin/sh\nexec " + " ".join(shlex.quote(a) for a in argv) + ' "$@"\n'
                for path, argv in spec.binaries.items() if path.startswith("/")}
    return {**programs, **{path: make() for path, make in spec.files.items()}}

