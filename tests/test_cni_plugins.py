"""kinns-bridge, kinns-host-local and kinns-loopback against the real kernel, per CNI 1.1."""

import json
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import Plugin, unique

pytestmark = pytest.mark.kernel

REFERENCE = "/usr/lib/cni"


def bridge_conf(tmp_path: Path, *, version: str = "1.1.0", subnet: str = "10.250.0.0/24",
                bridge: str | None = None, **extra) -> dict:
    conf = {"cniVersion": version, "name": unique("net"), "type": "kinns-bridge",
            "bridge": bridge or unique("br"), "isGateway": True,
            "ipam": {"type": "kinns-host-local", "dataDir": str(tmp_path / "ipam"),
                     "ranges": [[{"subnet": subnet}]], "routes": [{"dst": "0.0.0.0/0"}]}}
    conf.update(extra)
    return conf


@pytest.fixture
def node(netns, kinns_cni_bin):
    name = netns("n")
    return name, Plugin(name, str(kinns_cni_bin))


def ip_json(ns: str, *args: str) -> list:
    return json.loads(subprocess.run(["ip", "-n", ns, "-j", *args], capture_output=True, text=True,
                                     check=True).stdout or "[]")


def test_version_lists_every_supported_version(node):
    _, plugin = node
    for name in ("kinns-bridge", "kinns-host-local", "kinns-loopback"):
        rc, out = plugin(name, "VERSION", {"cniVersion": "1.1.0"})
        assert rc == 0
        assert out == {"cniVersion": "1.1.0", "supportedVersions": ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"]}


def test_add_check_del_connects_two_pods(node, netns, tmp_path):
    node_ns, plugin = node
    conf = bridge_conf(tmp_path, hairpinMode=True)
    pods = [netns("p"), netns("p")]
    results = []
    for i, pod in enumerate(pods):
        rc, result = plugin("kinns-bridge", "ADD", conf, container_id=f"c{i}", netns=f"/run/netns/{pod}")
        assert rc == 0, result
        results.append(result)
    first = results[0]
    assert first["cniVersion"] == "1.1.0"
    assert [i["name"] for i in first["interfaces"]][0] == conf["bridge"]
    assert first["interfaces"][1]["name"].startswith("veth")
    assert first["interfaces"][2] == {"name": "eth0", "mac": first["interfaces"][2]["mac"], "mtu": 1500,
                                      "sandbox": f"/run/netns/{pods[0]}"}
    assert first["ips"] == [{"address": "10.250.0.2/24", "gateway": "10.250.0.1", "interface": 2}]
    assert first["routes"] == [{"dst": "0.0.0.0/0"}]
    # kernel state: address in the pod, default route via the bridge, bridge has the gateway
    addrs = ip_json(pods[0], "addr", "show", "eth0")[0]["addr_info"]
    assert {"10.250.0.2"} <= {a["local"] for a in addrs}
    assert ip_json(pods[0], "route", "show", "default")[0]["gateway"] == "10.250.0.1"
    assert "10.250.0.1" in {a["local"] for a in ip_json(node_ns, "addr", "show", conf["bridge"])[0]["addr_info"]}
    fwd = subprocess.run(["ip", "netns", "exec", node_ns, "cat", "/proc/sys/net/ipv4/ip_forward"],
                         capture_output=True, text=True).stdout.strip()
    assert fwd == "1"
    hairpin = ip_json(node_ns, "-d", "link", "show", first["interfaces"][1]["name"])[0]
    assert hairpin["linkinfo"]["info_slave_data"]["hairpin"] is True
    ping = subprocess.run(["ip", "netns", "exec", pods[0], "ping", "-c1", "-W2", "10.250.0.3"], capture_output=True)
    assert ping.returncode == 0
    # CHECK passes with the ADD result as prevResult
    rc, out = plugin("kinns-bridge", "CHECK", {**conf, "prevResult": first}, container_id="c0",
                     netns=f"/run/netns/{pods[0]}")
    assert rc == 0, out
    # DEL removes the veth and frees the address; a second DEL is fine
    for _ in range(2):
        rc, out = plugin("kinns-bridge", "DEL", conf, container_id="c0", netns=f"/run/netns/{pods[0]}")
        assert rc == 0, out
    assert not ip_json(pods[0], "link", "show", "type", "veth")
    assert not any(l["ifname"] == first["interfaces"][1]["name"] for l in ip_json(node_ns, "link"))
    assert sorted(os.listdir(tmp_path / "ipam" / conf["name"])) == ["10.250.0.3", "last_reserved_ip.0", "lock"]
    # CHECK now fails: the interface is gone
    rc, out = plugin("kinns-bridge", "CHECK", {**conf, "prevResult": first}, container_id="c0",
                     netns=f"/run/netns/{pods[0]}")
    assert rc != 0 and out["code"] == 999
    # DEL with the netns already gone still succeeds and frees the address
    subprocess.run(["ip", "netns", "del", pods[1]], check=True)
    rc, out = plugin("kinns-bridge", "DEL", conf, container_id="c1", netns=f"/run/netns/{pods[1]}")
    assert rc == 0, out
    assert sorted(os.listdir(tmp_path / "ipam" / conf["name"])) == ["last_reserved_ip.0", "lock"]


def test_legacy_versions_get_legacy_results(node, netns, tmp_path):
    _, plugin = node
    for version in ("0.3.1", "0.4.0", "1.0.0"):
        conf = bridge_conf(tmp_path, version=version)
        pod = netns("p")
        rc, result = plugin("kinns-bridge", "ADD", conf, container_id="c", netns=f"/run/netns/{pod}")
        assert rc == 0, result
        assert result["cniVersion"] == version
        if version == "1.0.0":
            assert "version" not in result["ips"][0] and "mtu" not in result["interfaces"][0]
        else:
            assert result["ips"][0]["version"] == "4"
        assert plugin("kinns-bridge", "DEL", conf, container_id="c", netns=f"/run/netns/{pod}")[0] == 0


@pytest.mark.parametrize("case, code", [
    ("malformed", 6), ("missing-env", 4), ("bad-version", 1), ("unknown-ipam", 7), ("no-netns", 3),
    ("bad-container-id", 4), ("bad-network-name", 7), ("check-on-0.3", 1), ("gc-on-1.0", 1)])
def test_bad_input_is_a_spec_error_and_leaks_nothing(node, netns, tmp_path, case, code):
    node_ns, plugin = node
    conf = bridge_conf(tmp_path)
    pod = netns("p")
    kwargs = {"container_id": "c1", "netns": f"/run/netns/{pod}"}
    command, data = "ADD", conf
    if case == "malformed":
        data = b'{"cniVersion": "1.1.0", "name": '
    elif case == "missing-env":
        kwargs["container_id"] = ""
    elif case == "bad-version":
        data = {**conf, "cniVersion": "9.9.9"}
    elif case == "unknown-ipam":
        data = {**conf, "ipam": {**conf["ipam"], "type": "no-such-ipam"}}
    elif case == "no-netns":
        kwargs["netns"] = f"/run/netns/{unique('gone')}"
    elif case == "bad-container-id":
        kwargs["container_id"] = "bad id!"
    elif case == "bad-network-name":
        data = {**conf, "name": "-bad name"}
    elif case == "check-on-0.3":
        command, data = "CHECK", {**conf, "cniVersion": "0.3.1"}
    elif case == "gc-on-1.0":
        command, data = "GC", {**conf, "cniVersion": "1.0.0"}
    rc, out = plugin("kinns-bridge", command, data, **kwargs)
    assert rc != 0
    assert out["code"] == code and out["msg"]
    assert set(out) <= {"cniVersion", "code", "msg", "details"}
    assert not ip_json(pod, "link", "show", "type", "veth")
    assert not [l for l in ip_json(node_ns, "link") if l["ifname"].startswith("veth")]
    ipam_dir = tmp_path / "ipam" / conf["name"]
    assert not ipam_dir.exists() or not [f for f in os.listdir(ipam_dir) if f[0].isdigit()]


def test_interface_name_taken_rolls_back_the_address(node, netns, tmp_path):
    node_ns, plugin = node
    conf = bridge_conf(tmp_path)
    pod = netns("p")
    subprocess.run(["ip", "-n", pod, "link", "add", "eth0", "type", "bridge"], check=True)
    rc, out = plugin("kinns-bridge", "ADD", conf, container_id="c1", netns=f"/run/netns/{pod}")
    assert rc != 0 and "already exists" in out["msg"]
    assert not (tmp_path / "ipam" / conf["name"]).exists() or not [
        f for f in os.listdir(tmp_path / "ipam" / conf["name"]) if f[0].isdigit()]


def test_fifty_parallel_adds_get_distinct_addresses_and_dels_free_them(node, netns, tmp_path):
    _, plugin = node
    conf = bridge_conf(tmp_path)
    pods = [netns("p") for _ in range(50)]

    def add(i):
        return plugin("kinns-bridge", "ADD", conf, container_id=f"c{i}", netns=f"/run/netns/{pods[i]}")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(add, range(50)))
    assert all(rc == 0 for rc, _ in results), [r for r in results if r[0]]
    addresses = {r["ips"][0]["address"] for _, r in results}
    assert len(addresses) == 50

    def delete(i):
        return plugin("kinns-bridge", "DEL", conf, container_id=f"c{i}", netns=f"/run/netns/{pods[i]}")[0]

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(delete, range(50))) == {0}
    assert sorted(os.listdir(tmp_path / "ipam" / conf["name"])) == ["last_reserved_ip.0", "lock"]


def test_exhausted_range_is_try_again_later_and_leaves_nothing(node, netns, tmp_path):
    node_ns, plugin = node
    conf = bridge_conf(tmp_path, subnet="10.250.0.0/30")  # one usable address besides the gateway
    pods = [netns("p"), netns("p")]
    assert plugin("kinns-bridge", "ADD", conf, container_id="c0", netns=f"/run/netns/{pods[0]}")[0] == 0
    rc, out = plugin("kinns-bridge", "ADD", conf, container_id="c1", netns=f"/run/netns/{pods[1]}")
    assert rc != 0 and out["code"] == 11 and "no IP addresses available" in out["msg"]
    assert not ip_json(pods[1], "link", "show", "type", "veth")
    assert len([l for l in ip_json(node_ns, "link") if l["ifname"].startswith("veth")]) == 1
    rc, out = plugin("kinns-bridge", "STATUS", conf)
    assert rc != 0 and out["code"] == 50
    assert plugin("kinns-bridge", "DEL", conf, container_id="c0", netns=f"/run/netns/{pods[0]}")[0] == 0
    assert plugin("kinns-bridge", "STATUS", conf)[0] == 0


def test_host_local_round_robin_does_not_reuse_the_released_address_first(node, tmp_path):
    _, plugin = node
    conf = bridge_conf(tmp_path)
    ipam = {**conf, "type": "kinns-host-local"}
    rc, a = plugin("kinns-host-local", "ADD", ipam, container_id="a", netns="/x")
    assert rc == 0 and a["ips"][0]["address"] == "10.250.0.2/24" and "interface" not in a["ips"][0]
    assert plugin("kinns-host-local", "DEL", ipam, container_id="a", netns="/x")[0] == 0
    rc, b = plugin("kinns-host-local", "ADD", ipam, container_id="b", netns="/x")
    assert b["ips"][0]["address"] == "10.250.0.3/24"
    rc, c = plugin("kinns-host-local", "ADD", {**ipam, "runtimeConfig": {"ips": ["10.250.0.9/24"]}},
                   container_id="c", netns="/x")
    assert rc == 0 and c["ips"][0]["address"] == "10.250.0.9/24"
    rc, dup = plugin("kinns-host-local", "ADD", ipam, container_id="b", netns="/x")
    assert rc != 0 and "duplicate allocation" in dup["msg"]


def test_gc_releases_attachments_that_are_not_valid(node, tmp_path):
    _, plugin = node
    ipam = {**bridge_conf(tmp_path), "type": "kinns-host-local"}
    for cid in ("keep", "drop"):
        assert plugin("kinns-host-local", "ADD", ipam, container_id=cid, netns="/x")[0] == 0
    gc = {**ipam, "cni.dev/valid-attachments": [{"containerID": "keep", "ifname": "eth0"}]}
    rc, out = plugin("kinns-bridge", "GC", {**gc, "type": "kinns-bridge"})
    assert rc == 0, out
    owners = [open(p, "rb").read() for p in (tmp_path / "ipam" / ipam["name"]).iterdir() if p.name[0].isdigit()]
    assert owners == [b"keep\r\neth0"]


def test_loopback_add_check_del(node, netns):
    _, plugin = node
    pod = netns("p")
    conf = {"cniVersion": "1.1.0", "name": "lo", "type": "kinns-loopback"}
    rc, out = plugin("kinns-loopback", "ADD", conf, container_id="c", netns=f"/run/netns/{pod}")
    assert rc == 0
    assert out["interfaces"] == [{"name": "lo", "mac": "00:00:00:00:00:00", "sandbox": f"/run/netns/{pod}"}]
    assert {"address": "127.0.0.1/8", "interface": 0} in out["ips"]
    assert "UP" in ip_json(pod, "link", "show", "lo")[0]["flags"]
    assert plugin("kinns-loopback", "CHECK", {**conf, "prevResult": out}, container_id="c",
                  netns=f"/run/netns/{pod}")[0] == 0
    assert plugin("kinns-loopback", "DEL", conf, container_id="c", netns=f"/run/netns/{pod}")[0] == 0
    assert "UP" not in ip_json(pod, "link", "show", "lo")[0]["flags"]
