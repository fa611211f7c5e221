"""The `kinns` command: clusters (up, down, status), nodes (ssh), pod sandboxes (pod ...), packet traces and the ui."""

import argparse
import ipaddress
import json
import os
import signal
import sys
import time

from .. import cluster as lifecycle
from .. import trace as tracing
from ..ui import server as ui
from ..cluster import ClusterError, ClusterRecord
from ..cluster.controlplane import kubeconfig_path
from ..node.kubelet import sandbox
from ..node.workloads.images import UnsupportedImage


def cmd_up(opts: argparse.Namespace) -> int:
    start = time.monotonic()
    if opts.bare and opts.backend:
        raise ClusterError("--backend chooses kinns's own CNI, which a --bare cluster has none of")
    cluster = lifecycle.up(opts.name, opts.nodes, opts.backend or "vxlan", opts.subnet, reuse=opts.reuse,
                           dns_upstream=opts.dns_upstream, node_grace=opts.node_monitor_grace_period, bare=opts.bare)
    took = time.monotonic() - start
    network = "no CNI (bare: nodes are NotReady until one is applied)" if cluster.bare else \
        f"backend {cluster.backend}"
    print(f"cluster {cluster.name!r} is up in {took:.2f}s: {len(cluster.nodes)} nodes, {network}, "
          f"underlay {cluster.subnet} on bridge {cluster.bridge}")
    _print_nodes(cluster)
    flag = "" if cluster.name == "kinns" else f" --name {cluster.name}"
    print(f"\nkubectl context: kinns-{cluster.name} (also: kinns kubeconfig{flag})")
    print(f"\nnext:\n  kubectl get namespaces\n  kinns ssh{flag} controlplane            # a shell inside the node\n"
          f"  kinns pod add{flag} web --node node01 --image kinns/echo\n"
          f"  kinns status{flag}\n  kinns down{flag}")
    return 0


def _print_nodes(cluster: ClusterRecord) -> None:
    print(f"{'NODE':<14}{'INTERNAL-IP':<16}{'POD-CIDR':<16}NETNS")
    for n in cluster.nodes:
        print(f"{n.name:<14}{n.ip:<16}{n.pod_cidr:<16}{n.netns}")


def cmd_kubeconfig(opts: argparse.Namespace) -> int:
    cluster = ClusterRecord.load(opts.name)
    print(kubeconfig_path(cluster.state_dir).read_text(), end="")
    return 0


LIFECYCLE = {  # command -> (what it does, what it prints)
    "down": (lifecycle.down, "cluster {name!r} removed"),
    "stop": (lifecycle.stop, "cluster {name!r} stopped: its control plane is down, its objects and network are "
                             "kept (`kinns start --name {name}`)"),
    "start": (lifecycle.start, "cluster {name!r} started"),
}


def cmd_lifecycle(opts: argparse.Namespace) -> int:
    action, done = LIFECYCLE[opts.command]
    action(ClusterRecord.load(opts.name))
    print(done.format(name=opts.name))
    return 0


def cmd_status(opts: argparse.Namespace) -> int:
    names = [opts.name] if opts.name else ClusterRecord.names()
    if not names:
        print("no clusters; start one with `kinns up`")
        return 0
    for name in names:
        status = lifecycle.status(ClusterRecord.load(name))
        if opts.output == "json":
            print(json.dumps(status, indent=2))
            continue
        print(f"cluster {status['name']}: backend {status['backend']}, underlay {status['underlay']}")
        print(f"  {'NODE':<14}{'INTERNAL-IP':<16}{'POD-CIDR':<16}READY")
        for n in status["nodes"]:
            print(f"  {n['name']:<14}{n['ip']:<16}{n['podCIDR']:<16}{n['ready']}")
        print(f"  {'COMPONENT':<26}{'PID':<10}{'RESTARTS':<10}RUNNING")
        for name, unit in sorted(status["components"].items()):
            print(f"  {name:<26}{str(unit['pid']):<10}{unit['restarts']:<10}{unit['running']}")
        print(f"  {'NAMESPACE':<12}{'POD':<24}{'NODE':<14}{'IP':<16}STATUS")
        for p in status["pods"]:
            print(f"  {p['namespace']:<12}{p['name']:<24}{p['node']:<14}{p['ip']:<16}{p['status']}")
    return 0


def cmd_ssh(opts: argparse.Namespace) -> int:
    node = ClusterRecord.load(opts.name).node(opts.node)
    command = opts.cmd or [os.environ.get("SHELL", "/bin/bash"), "-l"]
    node.enter()
    os.chdir("/root" if os.path.isdir("/root") else "/")
    try:
        os.execvp(command[0], command)
    except FileNotFoundError:
        print(f"kinns ssh: {command[0]}: command not found", file=sys.stderr)
        return 127


def _port(text: str) -> dict:
    """HOST:CONTAINER[/PROTO] -> a container port with a hostPort."""
    ports, _, proto = text.partition("/")
    host, _, container = ports.partition(":")
    try:
        return {"hostPort": int(host), "containerPort": int(container or host), "protocol": (proto or "TCP").upper()}
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid --port {text!r}: want HOST:CONTAINER[/PROTO]") from None


def cmd_pod(opts: argparse.Namespace) -> int:
    cluster = ClusterRecord.load(opts.name)
    if opts.pod_command == "add":
        spec = sandbox.PodSpec(name=opts.pod, node=opts.node, namespace=opts.namespace,
                               host_network=opts.host_network, network=not opts.no_network,
                               containers=[sandbox.Container(name=opts.pod, image=opts.image,
                                                             command=opts.cmd or None,
                                                             ports=[_port(p) for p in opts.port])])
        record = sandbox.create(cluster, spec)
        print(f"pod {opts.namespace}/{opts.pod} running on {record['node']} with IP {record['ip'] or '(none)'}")
    elif opts.pod_command == "del":
        sandbox.delete(cluster, opts.namespace, opts.pod)
        print(f"pod {opts.namespace}/{opts.pod} deleted")
    elif opts.pod_command == "exec":
        argv = sandbox.exec_argv(cluster, opts.namespace, opts.pod, opts.cmd or ["sh"])
        os.execvp(argv[0], argv)
    elif opts.pod_command == "list":
        print(f"{'NAMESPACE':<12}{'NAME':<24}{'NODE':<14}{'IP':<16}STATUS")
        for p in sandbox.list_pods(cluster):
            print(f"{p['namespace']:<12}{p['name']:<24}{p['node']:<14}{p['ip']:<16}{p['status']}")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a TERM ends a trace as Ctrl-C does: through its clean-up


def cmd_trace(opts: argparse.Namespace) -> int:
    signal.signal(signal.SIGTERM, _interrupt)
    result = tracing.trace(ClusterRecord.load(opts.name), opts.namespace, opts.source, opts.destination, opts.proto)
    if opts.output == "json":
        print(json.dumps(result.to_dict(), indent=2))
        return 0 if result.report.delivered else 2
    print(f"trace {result.proto} from {result.source} to {result.destination}")
    hops = result.report.hops
    widths = [max([len(h.node) for h in hops] + [4]), max([len(h.netns) for h in hops] + [5]),
              max([len(h.interface) for h in hops] + [9]), max([len(h.event) for h in hops] + [5])]
    print(f"{'NODE':<{widths[0]}}  {'NETNS':<{widths[1]}}  {'INTERFACE':<{widths[2]}}  {'EVENT':<{widths[3]}}  DETAIL")
    for h in hops:
        print(f"{h.node:<{widths[0]}}  {h.netns:<{widths[1]}}  {h.interface:<{widths[2]}}  {h.event:<{widths[3]}}  "
              f"{h.detail}")
    print(result.report.verdict)
    return 0 if result.report.delivered else 2


def _listen(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    try:
        address, number = str(ipaddress.ip_address(host or "127.0.0.1")), int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid --listen {text!r}: want ADDR:PORT (an IP address)") from None
    if not 0 < number < 65536:
        raise argparse.ArgumentTypeError(f"invalid --listen {text!r}: port {number} out of range")
    return address, number


def cmd_ui(opts: argparse.Namespace) -> int:
    host, port = opts.listen
    ui.serve(ClusterRecord.load(opts.name), host, port)
    return 0


def parser() -> argparse.ArgumentParser:
    named = argparse.ArgumentParser(add_help=False)
    named.add_argument("--name", default="kinns", help="cluster name (default: kinns)")
    p = argparse.ArgumentParser(prog="kinns", description="A real Kubernetes cluster network on one machine.",
                                epilog="Commands to run inside a node or pod follow `--`.")
    sub = p.add_subparsers(dest="command", required=True)
    up = sub.add_parser("up", parents=[named], help="create a cluster")
    up.add_argument("--nodes", type=int, default=3)
    up.add_argument("--backend", choices=["vxlan", "host-gw"], help="kinns's CNI between nodes (default: vxlan)")
    up.add_argument("--subnet", help="the node network, a /24 that overlaps no network in use (default: a free one "
                                     "in 172.30.0.0/16)")
    up.add_argument("--reuse", action="store_true", help="use the cluster if it already exists")
    up.add_argument("--bare", action="store_true",
                    help="as kubeadm leaves a cluster: kube-proxy and CoreDNS, but no CNI, Ingress, Gateway or "
                         "storage add-on (bring your own)")
    up.add_argument("--dns-upstream", metavar="IP|controlplane",
                    help="where cluster DNS sends outside names (default: this machine's resolv.conf)")
    up.add_argument("--node-monitor-grace-period", type=float, default=40.0, metavar="SECONDS",
                    help="how long a node may post no status before it is Unknown and its pods evicted (default 40)")
    up.set_defaults(run=cmd_up)
    for command, text in (("stop", "stop the control plane, keeping objects and network"),
                          ("start", "start a stopped control plane again"),
                          ("down", "remove a cluster and everything it made")):
        sub.add_parser(command, parents=[named], help=text).set_defaults(run=cmd_lifecycle)
    sub.add_parser("kubeconfig", parents=[named], help="print the admin kubeconfig").set_defaults(
        run=cmd_kubeconfig)
    st = sub.add_parser("status", help="nodes, addresses, subnets and pods")
    st.add_argument("--name", help="one cluster (default: all)")
    st.add_argument("-o", "--output", choices=["text", "json"], default="text")
    st.set_defaults(run=cmd_status)
    ssh = sub.add_parser("ssh", parents=[named], help="a shell inside a node (`kinns ssh NODE -- CMD` runs CMD)")
    ssh.add_argument("node")
    ssh.set_defaults(run=cmd_ssh)
    pod = sub.add_parser("pod", help="pod sandboxes without the API server (debugging)")
    psub = pod.add_subparsers(dest="pod_command", required=True)
    for verb in ("add", "del", "exec"):
        v = psub.add_parser(verb, parents=[named])
        v.add_argument("pod")
        v.add_argument("-n", "--namespace", default="default")
        if verb == "add":
            v.add_argument("--node", required=True)
            v.add_argument("--image", required=True)
            v.add_argument("--host-network", action="store_true")
            v.add_argument("--no-network", action="store_true", help="loopback only")
            v.add_argument("--port", action="append", default=[], metavar="HOST:CONTAINER[/PROTO]",
                           help="a hostPort on the node forwarded to the pod (portmap)")
    psub.add_parser("list", parents=[named])
    tr = sub.add_parser("trace", parents=[named], help="follow one real packet hop by hop through the kernel",
                        description="Send one packet (a TCP SYN, a UDP datagram or an ICMP echo) from a pod, or from "
                                    "`host`, and show what the kernel did with it: DNS, routes, NAT, bridges, VXLAN, "
                                    "conntrack, NetworkPolicy, delivery. Exit status 2 when it was not delivered.")
    tr.add_argument("source", metavar="FROM", help="a pod (NAME or pod/NAME), or host")
    tr.add_argument("destination", metavar="TO",
                    help="a pod, a Service (web, web.ns, web:80), a DNS name, IP[:PORT] or an http(s) URL")
    tr.add_argument("-n", "--namespace", default="default")
    tr.add_argument("--proto", choices=["tcp", "udp", "icmp"], help="default: the Service port's, else tcp")
    tr.add_argument("-o", "--output", choices=["text", "json"], default="text")
    tr.set_defaults(run=cmd_trace)
    u = sub.add_parser("ui", parents=[named], help="serve a live picture of the cluster network (and traces)")
    u.add_argument("--listen", type=_listen, default=("127.0.0.1", 8070), metavar="ADDR:PORT",
                   help="where the page is served (default 127.0.0.1:8070)")
    u.set_defaults(run=cmd_ui)
    pod.set_defaults(run=cmd_pod)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    cmd = argv[argv.index("--") + 1:] if "--" in argv else []
    opts = parser().parse_args(argv[:argv.index("--")] if "--" in argv else argv)
    opts.cmd = cmd
    if os.geteuid() != 0:
        print("kinns: needs root (it makes network namespaces and links)", file=sys.stderr)
        return 1
    try:
        return opts.run(opts)
    except (ClusterError, sandbox.SandboxError, UnsupportedImage) as err:
        print(f"kinns: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kinns: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
