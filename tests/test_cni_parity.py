"""The same conflist through the reference plugins and through kinns's gives the same result."""

import json
import re
import subprocess

import pytest

from conftest import Plugin, unique

pytestmark = pytest.mark.kernel

REFERENCE = "/usr/lib/cni"


def conf(tmp_path, bridge_type="bridge", ipam_type="host-local", name=None) -> dict:
    return {"cniVersion": "1.0.0", "name": name or unique("net"), "type": bridge_type, "bridge": "cni0",
            "isGateway": True, "ipMasq": True, "hairpinMode": True, "mtu": 1450,
            "ipam": {"type": ipam_type, "dataDir": str(tmp_path / "ipam"),
                     "ranges": [[{"subnet": "10.251.0.0/24", "gateway": "10.251.0.1"}]],
                     "routes": [{"dst": "0.0.0.0/0"}]}}


def state(node: str, pod: str, veth: str) -> dict:
    """The kernel state a bridge ADD leaves, with random names and MACs blanked."""
    def ip(ns, *args):
        return json.loads(subprocess.run(["ip", "-n", ns, "-j", "-d", *args], capture_output=True, text=True,
                                         check=True).stdout or "[]")

    def addrs(ns, dev):
        return sorted(f"{a['local']}/{a['prefixlen']}" for a in ip(ns, "addr", "show", dev)[0]["addr_info"]
                      if a["family"] == "inet")

    def routes(ns):
        return sorted(json.dumps({k: r.get(k) for k in ("dst", "gateway", "dev", "scope", "prefsrc")},
                                 sort_keys=True) for r in ip(ns, "route"))

    bridge, port, eth0 = ip(node, "link", "show", "cni0")[0], ip(node, "link", "show", veth)[0], \
        ip(pod, "link", "show", "eth0")[0]
    nat = subprocess.run(["ip", "netns", "exec", node, "iptables-save", "-t", "nat"], capture_output=True,
                         text=True).stdout
    forward = subprocess.run(["ip", "netns", "exec", node, "cat", "/proc/sys/net/ipv4/ip_forward"],
                             capture_output=True, text=True).stdout.strip()
    return {
        "bridge": (bridge["linkinfo"]["info_kind"], bridge["mtu"], "UP" in bridge["flags"], addrs(node, "cni0")),
        "port": (port["linkinfo"]["info_kind"], port["mtu"], port.get("master"),
                 port["linkinfo"]["info_slave_data"]["hairpin"], "UP" in port["flags"]),
        "eth0": (eth0["linkinfo"]["info_kind"], eth0["mtu"], "UP" in eth0["flags"], addrs(pod, "eth0")),
        "pod_routes": routes(pod),
        "node_routes": routes(node),
        "nat": sorted(l for l in nat.splitlines() if l.startswith(("-A", ":CNI"))),
        "ip_forward": forward,
    }


def shape(result: dict) -> dict:
    out = json.loads(json.dumps(result))
    for iface in out.get("interfaces", []):
        iface["mac"] = "mac" if iface.get("mac") else None
        iface["name"] = re.sub(r"^veth[0-9a-f]{8}$", "vethX", iface["name"])
        if "sandbox" in iface:
            iface["sandbox"] = "netns"
    return out


def run_add_del(netns, tmp_path, path: str, network: dict) -> tuple[dict, dict]:
    node, pod = netns("n"), netns("p")
    network = {**network, "ipam": {**network["ipam"], "dataDir": str(tmp_path / "ipam")}}
    plugin = Plugin(node, path)
    rc, result = plugin(network["type"], "ADD", network, container_id="parity", netns=f"/run/netns/{pod}")
    assert rc == 0, result
    veth = result["interfaces"][1]["name"]
    kernel = state(node, pod, veth)
    rc, out = plugin(network["type"], "CHECK", {**network, "prevResult": result}, container_id="parity",
                     netns=f"/run/netns/{pod}")
    assert rc == 0, out
    rc, out = plugin(network["type"], "DEL", {**network, "prevResult": result}, container_id="parity",
                     netns=f"/run/netns/{pod}")
    assert rc == 0, out
    after = subprocess.run(["ip", "netns", "exec", node, "iptables-save", "-t", "nat"], capture_output=True,
                           text=True).stdout
    assert "CNI-" not in after
    return shape(result), kernel


def test_reference_and_kinns_plugins_give_the_same_state_and_result(netns, tmp_path, kinns_cni_bin):
    network = conf(tmp_path, name=unique("parity"))
    ref_result, ref_state = run_add_del(netns, tmp_path / "ref", REFERENCE, network)
    our_result, our_state = run_add_del(netns, tmp_path / "ours", str(kinns_cni_bin / "std"), network)
    assert our_state == ref_state
    assert our_result == ref_result


@pytest.mark.parametrize("bridge_type, ipam_type, path", [
    ("kinns-bridge", "host-local", "{ours}:" + REFERENCE),
    ("bridge", "kinns-host-local", REFERENCE + ":{ours}"),
])
def test_plugins_interoperate_with_the_reference(netns, tmp_path, kinns_cni_bin, bridge_type, ipam_type, path):
    network = conf(tmp_path, bridge_type, ipam_type)
    result, kernel = run_add_del(netns, tmp_path, path.format(ours=kinns_cni_bin), network)
    assert result["ips"] == [{"address": "10.251.0.2/24", "gateway": "10.251.0.1", "interface": 2}]
    assert kernel["eth0"][3] == ["10.251.0.2/24"]


def chained_portmap(netns, tmp_path, path: str, name: str) -> tuple[dict, str, str]:
    """bridge ADD, then portmap ADD with its prevResult and portMappings; return result, nat table, pod IP."""
    node, pod = netns("n"), netns("p")
    network = {**conf(tmp_path, name=name), "ipMasq": False}
    network["ipam"] = {**network["ipam"], "dataDir": str(tmp_path / "ipam")}
    plugin = Plugin(node, path)
    rc, first = plugin("bridge", "ADD", network, container_id="pm", netns=f"/run/netns/{pod}")
    assert rc == 0, first
    portmap = {"cniVersion": "1.0.0", "name": name, "type": "portmap", "capabilities": {"portMappings": True},
               "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"},
                                                  {"hostPort": 5353, "containerPort": 53, "protocol": "udp"}]},
               "prevResult": first}
    rc, second = plugin("portmap", "ADD", portmap, container_id="pm", netns=f"/run/netns/{pod}")
    assert rc == 0, second
    assert second["ips"] == first["ips"]  # passed through
    nat = subprocess.run(["ip", "netns", "exec", node, "iptables-save", "-t", "nat"], capture_output=True,
                         text=True).stdout
    if path != REFERENCE:  # the reference 1.1.1 CHECK fails on a host without ip6tables chains
        rc, out = plugin("portmap", "CHECK", {**portmap, "prevResult": second}, container_id="pm",
                         netns=f"/run/netns/{pod}")
        assert rc == 0, out
    rc, out = plugin("portmap", "DEL", {**portmap, "prevResult": second}, container_id="pm",
                     netns=f"/run/netns/{pod}")
    assert rc == 0, out
    after = subprocess.run(["ip", "netns", "exec", node, "iptables-save", "-t", "nat"], capture_output=True,
                           text=True).stdout
    assert "CNI-DN-" not in after
    plugin("bridge", "DEL", network, container_id="pm", netns=f"/run/netns/{pod}")
    return second, nat, first["ips"][0]["address"]


def test_portmap_matches_the_reference_rules(netns, tmp_path, kinns_cni_bin):
    name = unique("pm")
    _, ref_nat, _ = chained_portmap(netns, tmp_path / "ref", REFERENCE, name)
    _, our_nat, _ = chained_portmap(netns, tmp_path / "ours", str(kinns_cni_bin / "std"), name)
    rules = lambda text: sorted(l for l in text.splitlines() if l.startswith(("-A", ":CNI")))  # noqa: E731
    assert rules(our_nat) == rules(ref_nat)
    assert any("--to-destination 10.251.0.2:80" in l for l in rules(our_nat))
